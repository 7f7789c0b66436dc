"""Details of the inference layer the broader tests leave open, each pinned down by a test that
a plausible slip in it would fail (found by mutation testing, see docs/testing.md)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import chi2

import logitkit as lk
from logitkit.backends.design import make_design
from logitkit.inference import statistics
from logitkit.inference.covariance import cluster_score_sums, covariance
from logitkit.inference.intervals import profile_interval, replace_intervals, wald_table
from problems import make_problem


def test_a_coefficient_without_information_is_named() -> None:
    information = np.diag([2.0, 0.0, 1.0, 0.0])
    with pytest.raises(ValueError, match=r"no information on coefficient\(s\) 1, 3, 0 = the first"):
        covariance(information)


def test_the_matrices_are_kept_up_to_both_limits_inclusive(monkeypatch) -> None:
    """I and M are kept when k ≤ MAX_MATRIX_PARAMS and n·k² ≤ MAX_MATRIX_WORK (or when asked
    for), each limit included: n = 100 rows and k = 5 coefficients make n·k² = 2500."""
    X, y = make_problem(100, 4, seed=44)
    objective = lk.Objective.from_data(X, y)
    coef = objective.start()
    monkeypatch.setattr(statistics, "MAX_MATRIX_WORK", 2500.0)
    kept = statistics.fit_statistics(objective, coef)
    assert kept.information is not None and kept.score_outer is not None
    assert kept.information.shape == kept.score_outer.shape == (5, 5)
    monkeypatch.setattr(statistics, "MAX_MATRIX_WORK", 2499.0)
    left = statistics.fit_statistics(objective, coef)
    assert left.information is None and left.score_outer is None
    assert statistics.fit_statistics(objective, coef, keep_matrices=True).information is not None
    monkeypatch.setattr(statistics, "MAX_MATRIX_PARAMS", 4)
    assert statistics.fit_statistics(objective, coef, keep_matrices=True).information is None
    monkeypatch.setattr(statistics, "MAX_MATRIX_PARAMS", 5)
    assert statistics.fit_statistics(objective, coef, keep_matrices=True).information is not None
    assert left.loglik == kept.loglik and left.n_obs == kept.n_obs == 100.0


@pytest.mark.parametrize(
    ("spread", "finite"), [(2.0**29.5, True), (2.0**30.5, False)], ids=["within", "beyond"]
)
def test_profile_bounds_give_up_after_thirty_doublings(spread, finite) -> None:
    """D(β) = ((β − β̂)/σ)² with σ = ``spread`` Wald standard errors: the walk outward in steps
    h·2ᵉ (h the Wald half-width, e = 0 … 30) brackets the root √q·σ when σ ≤ 2³⁰ and reports
    ±inf beyond, as documented."""
    estimate, quantile = 0.5, chi2.ppf(0.95, df=1)
    low, high = profile_interval(
        lambda beta: -0.5 * ((beta - estimate) / spread) ** 2, estimate, 1.0, 0.0
    )
    if finite:
        half_width = np.sqrt(quantile) * spread
        assert low == pytest.approx(estimate - half_width, rel=1e-9)
        assert high == pytest.approx(estimate + half_width, rel=1e-9)
    else:
        assert (low, high) == (-np.inf, np.inf)


def test_a_singular_information_without_an_empty_column_names_no_column() -> None:
    information = np.array([[1.0, 1.0], [1.0, 1.0]])
    with pytest.raises(ValueError, match=r"\(nearly collinear columns, or separation\)$"):
        covariance(information)


def test_cluster_scores_are_the_score_sums_per_group() -> None:
    """u_g = Σ_{i∈g} sᵢ (yᵢ − ŷᵢ) x̃ᵢ: the score of θ summed within each group, groups in the
    order they first appear, for two classes and, output by output, for three."""
    X, y = make_problem(60, 2, seed=47)
    weights = np.random.default_rng(8).uniform(0.5, 2.0, 60)
    groups = np.repeat(["b", "a", "c"], 20)
    objective = lk.Objective.from_data(X, y, sample_weight=weights)
    coef = np.array([0.2, -0.4, 0.7])
    design = np.column_stack([np.ones(60), X])
    score = (weights * (y - 1 / (1 + np.exp(-design @ coef))))[:, None] * design
    expected = np.array([score[groups == g].sum(axis=0) for g in ("b", "a", "c")])
    np.testing.assert_allclose(statistics.cluster_score_matrix(objective, coef, groups), expected)
    labels = np.arange(60) % 3
    multi = lk.Objective.from_data(X, labels, sample_weight=weights, reference=0)
    theta = np.array([0.1, 0.3, -0.2, -0.5, 0.4, 0.6])
    logits = np.column_stack([np.zeros(60), design @ theta[:3], design @ theta[3:]])
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    onehot = np.eye(3)[labels]
    blocks = [
        np.array([s[groups == g].sum(axis=0) for g in ("b", "a", "c")])
        for s in ((weights * (onehot[:, k] - p[:, k]))[:, None] * design for k in (1, 2))
    ]
    np.testing.assert_allclose(
        statistics.cluster_score_matrix(multi, theta, groups), np.hstack(blocks), rtol=1e-12
    )


def test_cluster_sums_need_two_groups_and_say_what_they_got() -> None:
    X = np.array([[1.0, 2.0], [0.5, -1.0], [2.0, 0.0]])
    residual = np.array([0.5, -0.25, 1.0])
    sums = cluster_score_sums(make_design(X), residual, ["a", "b", "a"])
    np.testing.assert_allclose(sums, [[1.5, 2.5, 1.0], [-0.25, -0.125, 0.25]])
    with pytest.raises(ValueError, match="at least two groups; got one group, 'a'"):
        cluster_score_sums(make_design(X), residual, ["a", "a", "a"])
    with pytest.raises(ValueError, match="at least two groups; got no rows"):
        cluster_score_sums(make_design(np.zeros((0, 2))), np.zeros(0), [])


def test_cluster_sums_are_computed_in_float64() -> None:
    X = np.random.default_rng(9).standard_normal((50, 3))
    residual = np.random.default_rng(10).standard_normal(50).astype(np.float32)
    groups = np.arange(50) % 4
    sums = cluster_score_sums(make_design(X), residual, groups)
    expected = cluster_score_sums(make_design(X), residual.astype(np.float64), groups)
    assert sums.dtype == np.float64
    np.testing.assert_allclose(sums, expected, rtol=1e-14)


def test_the_meat_is_checked_and_computed_in_float64() -> None:
    information = np.array([[2.0, 0.5], [0.5, 1.0]])
    scores = np.array([[0.3, -0.1], [-0.2, 0.4]], dtype=np.float32)
    two_groups = covariance(information, cov_type="cluster", cluster_scores=scores, n_obs=10)
    exact = covariance(
        information, cov_type="cluster", cluster_scores=scores.astype(np.float64), n_obs=10
    )
    np.testing.assert_allclose(two_groups, exact, rtol=1e-14)
    with pytest.raises(ValueError, match="score_outer must be a square matrix"):
        covariance(information, cov_type="HC0", score_outer=np.ones((2, 3)))
    with pytest.raises(ValueError, match="score_outer is 3×3, expected 2"):
        covariance(information, cov_type="HC0", score_outer=np.eye(3))


def test_replaced_intervals_are_floats_of_the_tables_length() -> None:
    table = wald_table([0.5, -1.0], np.diag([0.04, 0.09]), ["a", "b"])
    replaced = replace_intervals(table, [0, -2], [1, 0])
    assert replaced["ci_low"].dtype == replaced["ci_high"].dtype == np.float64
    np.testing.assert_array_equal(replaced["or_low"], np.exp([0.0, -2.0]))
    for low, high in (([0.0], [1.0, 0.0]), ([0.0, -2.0], [1.0])):
        with pytest.raises(ValueError, match="the table has 2 terms"):
            replace_intervals(table, low, high)


def test_the_wald_table_of_integer_estimates_is_in_floats() -> None:
    table = wald_table([1, -2], np.diag([0.25, 1.0]), ["a", "b"])
    assert table["coef"].dtype == table["z"].dtype == np.float64
    np.testing.assert_array_equal(table["z"], [2.0, -2.0])
    with pytest.raises(ValueError, match="cov must be a square matrix"):
        wald_table([1.0, 2.0], np.ones((2, 3)), ["a", "b"])


def test_profiling_needs_a_positive_tolerance_and_copes_with_a_zero_standard_error() -> None:
    """tol = 0 is refused; std_err = 0 (or NaN) walks in steps of max(1, |β̂|) instead, and
    finds the same bounds."""

    def loglik(beta: float) -> float:
        return -0.5 * ((beta - 2.0) / 0.3) ** 2

    with pytest.raises(ValueError, match="tol must be positive"):
        profile_interval(loglik, 2.0, 0.3, 0.0, tol=0.0)
    expected = profile_interval(loglik, 2.0, 0.3, 0.0)
    for std_err in (0.0, np.nan):
        np.testing.assert_allclose(profile_interval(loglik, 2.0, std_err, 0.0), expected, rtol=1e-6)


def test_a_zero_variance_is_a_known_coefficient_not_an_error() -> None:
    table = wald_table([1.5, -0.5], np.diag([0.0, 0.25]), ["fixed", "free"])
    assert table.loc["fixed", "std_err"] == 0.0 and table.loc["fixed", "p_value"] == 0.0
    assert table.loc["fixed", "ci_low"] == table.loc["fixed", "ci_high"] == 1.5


def nearly_singular(smallest: float) -> np.ndarray:
    """A 3 × 3 information with unit-diagonal eigenvalues about 2, 1 and ``smallest``, its
    columns then scaled by 10⁻³, 1 and 10³."""
    vectors = np.linalg.qr(np.random.default_rng(1).standard_normal((3, 3)))[0]
    unit = vectors @ np.diag([2.0, 1.0, smallest]) @ vectors.T
    scale = np.array([1e-3, 1.0, 1e3]) / np.sqrt(np.diag(unit))
    return unit * np.outer(scale, scale)


def test_singularity_is_judged_by_the_one_norm_condition_of_the_unit_diagonal_scaling() -> None:
    """The reciprocal condition number 1/(‖S‖₁‖S⁻¹‖₁) of S = D^(−½) I D^(−½) must exceed 10ε:
    about 4·10⁻¹⁵ passes whatever the columns' scales, about 10⁻¹⁵ is singular."""
    information = nearly_singular(6e-15)
    unit = information / np.sqrt(np.outer(np.diag(information), np.diag(information)))
    rcond = 1.0 / (np.linalg.norm(unit, 1) * np.linalg.norm(np.linalg.inv(unit), 1))
    assert 3e-15 < rcond < 6e-15
    cov = covariance(information)
    assert np.all(np.isfinite(cov)) and np.all(np.diag(cov) > 0)
    with pytest.raises(ValueError, match="information matrix is singular"):
        covariance(nearly_singular(1.5e-15))


def test_the_information_is_checked_and_factored_in_float64() -> None:
    with pytest.raises(ValueError, match="information must be a square matrix"):
        covariance(np.ones((2, 3)))
    information = np.array([[2.0, 0.7, 0.1], [0.7, 1.0, 0.3], [0.1, 0.3, 0.5]])
    single = covariance(information.astype(np.float32))
    np.testing.assert_allclose(single, np.linalg.inv(information.astype(np.float32).astype(float)))


def test_odds_ratios_overflow_to_infinity_silently() -> None:
    table = wald_table([800.0, 1.0], np.diag([1.0, 1.0]), ["huge", "small"])
    assert table.loc["huge", "odds_ratio"] == np.inf and table.loc["huge", "or_high"] == np.inf
    replaced = replace_intervals(table, [799.0, 0.0], [801.0, 2.0])
    assert replaced.loc["huge", "or_low"] == replaced.loc["huge", "or_high"] == np.inf
