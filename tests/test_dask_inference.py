"""Inference on Dask: the summary, its covariances and intervals, lr_test and the separation
check give the in-memory fit's numbers to 1e-8 relative."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from logitkit import LogisticRegression, lr_test
from logitkit.core.exceptions import SeparationWarning
from problems import make_problem

da = pytest.importorskip("dask.array")

RTOL = 1e-8
X, Y = make_problem(1200, 3, seed=11)
Y_THREE = np.random.default_rng(12).integers(0, 3, size=1200) + (X[:, 1] > 0.4)
GROUPS = np.random.default_rng(13).choice(["north", "south", "east", "west", "centre"], 1200)
WEIGHTS = np.random.default_rng(14).integers(1, 4, size=1200).astype(float)


def lazy(values: np.ndarray):
    return da.from_array(values, chunks=(300,) if values.ndim == 1 else (300, 3))


def assert_same_table(actual, expected, columns=("coef", "std_err", "z", "p_value")) -> None:
    for column in columns:
        np.testing.assert_allclose(
            actual.table[column], expected.table[column], rtol=RTOL, err_msg=column
        )


@pytest.mark.parametrize("cov_type", ["nonrobust", "HC0", "HC1"])
def test_summary_covariances_equal_numpy(dask_scheduler, cov_type: str) -> None:
    expected = LogisticRegression().fit(X, Y, sample_weight=WEIGHTS).summary(cov_type=cov_type)
    model = LogisticRegression().fit(lazy(X), lazy(Y), sample_weight=lazy(WEIGHTS))
    summary = model.summary(cov_type=cov_type)
    assert_same_table(summary, expected, ("coef", "std_err", "z", "p_value", "ci_low", "ci_high"))
    for name in ("loglik", "null_loglik", "deviance", "null_deviance", "aic", "bic"):
        assert getattr(summary, name) == pytest.approx(getattr(expected, name), rel=RTOL)


def test_cluster_covariance_from_dask_groups_equals_numpy(dask_scheduler) -> None:
    """Per-group score sums reduced across chunks: groups a Dask array aligned with X."""
    numpy_model = LogisticRegression().fit(X, Y)
    expected = numpy_model.summary(cov_type="cluster", groups=GROUPS, X=X, y=Y)
    model = LogisticRegression().fit(lazy(X), lazy(Y))
    summary = model.summary(cov_type="cluster", groups=lazy(GROUPS), X=lazy(X), y=lazy(Y))
    assert summary.n_groups == expected.n_groups == 5
    assert_same_table(summary, expected)
    in_memory_groups = model.summary(cov_type="cluster", groups=GROUPS, X=lazy(X), y=lazy(Y))
    assert_same_table(in_memory_groups, expected)


def test_cluster_groups_must_be_aligned() -> None:
    model = LogisticRegression().fit(lazy(X), lazy(Y))
    with pytest.raises(ValueError, match="groups is not aligned with X"):
        model.summary(
            cov_type="cluster", groups=da.from_array(GROUPS, chunks=500), X=lazy(X), y=lazy(Y)
        )


def test_profile_intervals_equal_numpy() -> None:
    expected = LogisticRegression().fit(X, Y).summary(ci="profile", X=X, y=Y)
    model = LogisticRegression().fit(lazy(X), lazy(Y))
    summary = model.summary(ci="profile", X=lazy(X), y=lazy(Y))
    assert_same_table(summary, expected, ("ci_low", "ci_high"))


def test_multinomial_summaries_equal_numpy() -> None:
    numpy_model = LogisticRegression().fit(X, Y_THREE)
    model = LogisticRegression().fit(lazy(X), lazy(Y_THREE))
    for cov_type in ("nonrobust", "HC1"):
        assert_same_table(model.summary(cov_type=cov_type), numpy_model.summary(cov_type=cov_type))
    expected = numpy_model.summary(cov_type="cluster", groups=GROUPS, X=X, y=Y_THREE)
    summary = model.summary(cov_type="cluster", groups=lazy(GROUPS), X=lazy(X), y=lazy(Y_THREE))
    assert_same_table(summary, expected)


def test_lr_test_equals_numpy() -> None:
    small = LogisticRegression().fit(lazy(X[:, :1]), lazy(Y))
    large = LogisticRegression().fit(lazy(X), lazy(Y))
    expected = lr_test(LogisticRegression().fit(X[:, :1], Y), LogisticRegression().fit(X, Y))
    result = lr_test(small, large)
    assert result.statistic == pytest.approx(expected.statistic, rel=RTOL)
    assert result.df == expected.df == 2
    assert result.p_value == pytest.approx(expected.p_value, rel=1e-6)


def test_overlap_certified_in_one_pass_gives_no_warning(dask_scheduler) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = LogisticRegression().fit(lazy(X), lazy(Y))
    assert model.separation_ is None
    assert model.record_.separation_checked
    assert "separation" not in str(model.summary())


def test_separated_data_say_what_was_not_checked() -> None:
    """The certificate cannot rule out separation and the programs need the rows in memory:
    the warning and the summary say both, where memory names the separation."""
    y = (X[:, 0] > 0).astype(int)
    with pytest.warns(SeparationWarning, match="x0"):
        LogisticRegression(max_iter=30).fit(X, y)
    with pytest.warns(SeparationWarning, match="not ruled out.*need the rows in memory"):
        model = LogisticRegression(max_iter=30).fit(lazy(X), lazy(y))
    assert model.separation_ is None
    assert not model.record_.separation_checked
    assert (
        "Note: separation was not ruled out. The one-pass overlap certificate failed on this "
        "fit's Dask data, and the linear programs that find a separation need the rows in "
        "memory. Very large coefficients or standard errors would signal it."
    ) in " ".join(str(model.summary()).split())
    assert model.summary().to_dict()["separation_checked"] is False


def test_row_by_row_diagnostics_are_refused_with_the_reason() -> None:
    import logitkit as lk

    model = LogisticRegression().fit(lazy(X), lazy(Y))
    for check in (lk.marginal_effects, lk.goodness_of_fit):
        with pytest.raises(ValueError, match="rows of a Dask X stay on its workers"):
            check(model, lazy(X), lazy(Y))
