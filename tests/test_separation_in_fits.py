"""Separation found before an unpenalised fit: the warning, separation_, the summary, files."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import logitkit as lk
from problems import make_problem


@pytest.fixture(scope="module")
def quasi_separated():
    rng = np.random.default_rng(61)
    frame = pd.DataFrame({"dose": rng.standard_normal(80), "exposed": (np.arange(80) % 4 == 0)})
    risk = lk.sigmoid(0.8 * frame["dose"] - 0.5)
    y = np.where(frame["exposed"], 1, (rng.random(80) < risk).astype(int))
    return frame.astype(float), y


def test_separation_is_found_named_and_warned(quasi_separated) -> None:
    X, y = quasi_separated
    with pytest.warns(lk.SeparationWarning, match="'exposed' \\(\\+inf\\).*firth=True"):
        model = lk.LogisticRegression().fit(X, y)
    assert model.separation_.kind == "quasi-complete"
    assert model.separation_.terms == {"exposed": 1}
    table = model.summary().table
    assert np.isinf(table.loc["exposed", "std_err"])
    assert table.loc["exposed", "p_value"] == 1.0
    assert np.all(np.isfinite(table.loc[["Intercept", "dose"], "std_err"]))
    assert "Note: quasi-complete separation" in str(model.summary())


def test_firth_fits_separated_data_without_the_warning(quasi_separated) -> None:
    X, y = quasi_separated
    with warnings.catch_warnings():
        warnings.simplefilter("error", lk.SeparationWarning)
        model = lk.LogisticRegression(firth=True).fit(X, y)
    assert model.separation_.terms == {"exposed": 1}
    table = model.summary().table
    assert np.all(np.isfinite(table["std_err"]))
    assert 2.0 < table.loc["exposed", "coef"] < 10.0


def test_no_separation_on_overlapping_classes_and_with_a_penalty(quasi_separated) -> None:
    X, y = make_problem(300, 3, seed=62)
    assert lk.LogisticRegression().fit(X, y).separation_ is None
    Xs, ys = quasi_separated
    assert lk.LogisticRegression(alpha=0.01).fit(Xs, ys).separation_ is None


def test_separation_survives_saving(quasi_separated, tmp_path) -> None:
    X, y = quasi_separated
    with pytest.warns(lk.SeparationWarning):
        model = lk.LogisticRegression().fit(X, y)
    lk.save(model, tmp_path / "model.json")
    restored = lk.load(tmp_path / "model.json")
    assert restored.separation_ == model.separation_
    pd.testing.assert_frame_equal(restored.summary().table, model.summary().table)


def test_complete_separation_leaves_no_standard_error_finite() -> None:
    rng = np.random.default_rng(63)
    X = rng.standard_normal((40, 2))
    y = (X[:, 0] > 0.2).astype(int)
    with pytest.warns(lk.SeparationWarning, match="complete separation"):
        model = lk.LogisticRegression().fit(X, y)
    assert model.separation_.kind == "complete"
    assert np.all(np.isinf(model.summary().table["std_err"]))


def test_overlap_on_a_thousand_columns_is_certified_without_the_programs(monkeypatch) -> None:
    """6,000 rows of 1,100 standard normal features and a weak signal: the fit's own
    probabilities prove overlap (up to 5,000 coefficients), so the linear programs, minutes
    on dense data this wide, never run."""
    from logitkit.models import fitting

    def no_programs(*args, **kwargs):
        raise AssertionError("the separation programs ran")

    monkeypatch.setattr(fitting, "detect_separation", no_programs)
    rng = np.random.default_rng(0)
    X = rng.standard_normal((6000, 1100))
    y = (rng.random(6000) < 1 / (1 + np.exp(-0.3 * X[:, 0]))).astype(int)
    model = lk.LogisticRegression().fit(X, y)
    assert model.separation_ is None and model.converged_


def test_a_single_row_of_positive_weight_is_completely_separated() -> None:
    """One row (x = 3, y = 0) with weight 1 beside rows of weight 0: aᵀδ = −3δ > 0 for every
    δ < 0, so the row is classified with a positive margin and x0 runs off to −∞."""
    from logitkit.core.record import Separation

    X = np.array([[3.0], [-1.0], [2.0]])
    with pytest.warns(lk.SeparationWarning, match="complete separation"):
        model = lk.LogisticRegression(fit_intercept=False).fit(
            X, [0, 1, 1], sample_weight=[1.0, 0.0, 0.0]
        )
    assert model.separation_ == Separation(kind="complete", terms={"x0": -1})


@pytest.mark.filterwarnings("ignore::logitkit.CollinearityWarning")
@pytest.mark.parametrize("extra", ["zeros", "copy"])
def test_separation_is_found_beside_an_aliased_column(extra) -> None:
    """x0 > 0.2 separates the labels completely; a third column of zeros, or a copy of x1, is
    aliased, so no Gram matrix of the rows is invertible and no overlap can be certified (the
    Hessian of the Newton steps is singular too): the linear programs decide, and find the
    separation."""
    rng = np.random.default_rng(63)
    X = rng.standard_normal((40, 2))
    y = (X[:, 0] > 0.2).astype(int)
    X = np.c_[X, np.zeros(40) if extra == "zeros" else X[:, 1]]
    with pytest.warns(lk.SeparationWarning, match="complete separation"):
        model = lk.LogisticRegression().fit(X, y)
    assert model.separation_.kind == "complete"
    assert model.separation_.terms == {"Intercept": -1, "x0": 1}


def _symmetric_rows_with_overlapping_zero_weights():
    x = np.array([1.0, 2.0, 3.0, -1.0, -2.0, -3.0, -100.0, 100.0])
    y = np.array([1, 1, 1, 0, 0, 0, 1, 0])
    weights = np.array([1.0] * 6 + [0.0, 0.0])
    return x[:, None], y, weights


def test_rows_of_zero_weight_do_not_certify_separated_rows() -> None:
    """The six rows of weight 1 are separated by x; two rows of weight 0 (x = ∓100 with the
    other labels) would overlap. At θ = 0, λ = ½ and r = X̃ᵀ(y − ½) = (0, 6) over the six rows,
    whose Gram matrix diag(6, 28) gives 2‖Dr‖ = 12/√28 ≈ 2.3 > ½: no certificate. Counted
    in the Gram matrix, the zero-weight rows would make it diag(8, 20028) and 2‖Dr‖ ≈ 0.085 < ½,
    a false one. A fit stopped after one Newton step is not certified either."""
    from logitkit.inference.separation import overlap_certified

    X, y, weights = _symmetric_rows_with_overlapping_zero_weights()
    objective = lk.Objective.from_data(X, y, sample_weight=weights)
    assert not overlap_certified(objective, np.zeros(2))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", lk.ConvergenceWarning)
        with pytest.warns(lk.SeparationWarning, match="complete separation"):
            model = lk.LogisticRegression(solver="newton", max_iter=1).fit(
                X, y, sample_weight=weights
            )
    assert model.separation_.terms == {"x0": 1}


def test_the_certificate_rows_are_every_kth_row_of_positive_weight(monkeypatch) -> None:
    """With about 2 rows asked for: 5 rows of weight 1 give k = ⌊5/2⌋ = 2, rows 0, 2, 4; 3 rows
    give k = 1, every row, None; weights (1, 0, 1, 1, 0) keep 3 rows, k = 1: rows 0, 2, 3."""
    from logitkit.inference import separation

    monkeypatch.setattr(separation, "_CERTIFICATE_ROWS", 2)
    np.testing.assert_array_equal(separation.certificate_rows(np.ones(5)), [0, 2, 4])
    assert separation.certificate_rows(np.ones(3)) is None
    weights = np.array([1.0, 0.0, 1.0, 1.0, 0.0])
    np.testing.assert_array_equal(separation.certificate_rows(weights), [0, 2, 3])


def test_the_certificates_newton_steps_stay_on_its_row_sample(monkeypatch) -> None:
    """Every 2nd of 1,000 rows is sampled (rows 0, 2, …). Row 1 is moved to x0 = 200 with label
    0, which a slope of about −0.5 on x0 predicts with ŷ ≈ e⁻¹⁰⁰: over every row λ_min ≈ e⁻¹⁰⁰
    near the optimum, and nothing is certified there. From θ = 0 the test over all rows fails;
    Newton steps on the sample alone, with λ over the sample, prove the overlap."""
    from logitkit.inference import separation

    X, y = make_problem(1000, 2, seed=4)
    X[1], y[1] = (200.0, 0.0), 0
    objective = lk.Objective.from_data(X, y)
    monkeypatch.setattr(separation, "_CERTIFICATE_ROWS", 500)
    assert separation.overlap_certified(objective, np.zeros(3))
    monkeypatch.setattr(separation, "_SAMPLE_NEWTON_STEPS", 0)
    assert not separation.overlap_certified(objective, np.zeros(3))


def test_the_certificate_reads_the_likelihoods_score_not_the_penalised_one() -> None:
    """r = X̃ᵀ(s ⊙ (y − ŷ)) is the likelihood's score, whatever the objective's penalty: at the
    maximum likelihood estimate it is 0 and overlap is certified there under a ridge penalty
    too, where the penalised gradient is far from 0."""
    from logitkit.inference.separation import overlap_certified

    X, y = make_problem(300, 2, seed=62)
    theta = lk.LogisticRegression().fit(X, y).record_.theta
    for alpha in (0.0, 1.0):
        assert overlap_certified(lk.Objective.from_data(X, y, alpha=alpha), theta)


def _pass_objective(X: np.ndarray, y: np.ndarray) -> lk.Objective:
    """The unpenalised binary cost over a design read by passes (Dask chunks of 500 rows)."""
    da = pytest.importorskip("dask.array")
    from logitkit.backends.design import make_design
    from logitkit.core.penalties import ElasticNet

    design = make_design(da.from_array(X, chunks=(500, X.shape[1])), True)
    penalty = ElasticNet(0.0, 0.0, X.shape[1] + 1, True)
    return lk.Objective(design, y, np.ones(len(y)), penalty)


@pytest.mark.parametrize("reads_rows", [True, False], ids=["in memory", "by passes"])
def test_the_certificate_is_tried_up_to_its_limit_of_coefficients(monkeypatch, reads_rows) -> None:
    """Overlapping data with 3 coefficients are certified from their fit while the limit is 3,
    and left to the programs when it is 2."""
    dask = pytest.importorskip("dask")
    from logitkit.inference import separation

    X, y = make_problem(2000, 2, seed=5)
    theta = lk.LogisticRegression().fit(X, y).record_.theta
    with dask.config.set(scheduler="synchronous"):
        for limit, certified in ((3, True), (2, False)):
            objective = lk.Objective.from_data(X, y) if reads_rows else _pass_objective(X, y)
            monkeypatch.setattr(separation, "_CERTIFICATE_MAX_PARAMS", limit)
            assert separation.overlap_certified(objective, theta) is certified


def test_a_certificate_by_passes_takes_up_to_two_newton_steps(monkeypatch) -> None:
    """From θ = 0 on 2,000 overlapping rows, the one-pass certificate fails at θ = 0 and after
    one Newton step, and holds after the second; allowed one step, it fails."""
    dask = pytest.importorskip("dask")
    from logitkit.inference import separation

    X, y = make_problem(2000, 2, seed=5)
    with dask.config.set(scheduler="synchronous"):
        assert separation.overlap_certified(_pass_objective(X, y), np.zeros(3))
        monkeypatch.setattr(separation, "_CERTIFICATE_STEPS", 1)
        assert not separation.overlap_certified(_pass_objective(X, y), np.zeros(3))


def test_a_certificate_by_passes_fails_on_a_singular_hessian() -> None:
    """A column of zeros gives the Gram matrix a zero diagonal entry (no certificate) and the
    Hessian a zero row, so that no Newton step can be taken: the certificate fails."""
    dask = pytest.importorskip("dask")
    from logitkit.inference.separation import overlap_certified

    X, y = make_problem(2000, 2, seed=5)
    with dask.config.set(scheduler="synchronous"):
        assert not overlap_certified(_pass_objective(np.c_[X, np.zeros(2000)], y), np.zeros(4))
