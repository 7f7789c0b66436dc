"""Details of the inference layer the broader tests leave open, each pinned down by a test that
a plausible slip in it would fail (found by mutation testing, see docs/testing.md)."""

from __future__ import annotations

import re
from dataclasses import replace
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2

import logitkit as lk
from logitkit.backends.design import make_design
from logitkit.inference import statistics
from logitkit.inference.covariance import cluster_score_sums, covariance
from logitkit.inference.fit_quality import GoodnessOfFit, hosmer_lemeshow
from logitkit.inference.intervals import profile_interval, replace_intervals, wald_table
from logitkit.inference.margins import _weighted_median
from logitkit.inference.vif import _correlation, generalised_vif, inflation_factors
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


def test_a_chain_of_nearly_collinear_columns_is_singular_without_a_tiny_pivot() -> None:
    """I = LLᵀ for 27 columns, L unit lower triangular with −0.85 below the diagonal: no pivot
    of the unit-diagonal factor is below 0.1, yet the condition estimate from that factor
    (its lower triangle; the upper one holds S's own entries) is about 10⁻¹⁵, under 10ε."""
    chain = np.eye(27) - 0.85 * np.tril(np.ones((27, 27)), -1)
    information = chain @ chain.T
    unit = information / np.sqrt(np.outer(np.diag(information), np.diag(information)))
    assert np.min(np.diag(np.linalg.cholesky(unit))) > 0.1
    assert 1.0 / np.linalg.cond(unit, 1) < 1e-15
    with pytest.raises(ValueError, match="information matrix is singular"):
        covariance(information)


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


def _hosmer_lemeshow_reference(p, labels, weights, groups):
    """ResourceSelection::hoslem.test by its definition: cut p̂ at its type-7 quantiles into
    intervals closed on the right (the first also on the left), drop empty groups, and sum
    (O − E)²/E over the groups and both classes."""
    breaks = np.unique(np.quantile(p, np.linspace(0.0, 1.0, groups + 1)))
    cut = pd.cut(p, breaks, include_lowest=True, right=True)
    frame = pd.DataFrame({"g": cut, "w": weights, "o": weights * labels, "e": weights * p})
    sums = frame.groupby("g", observed=True).sum()
    o1, e1 = sums["o"].to_numpy(), sums["e"].to_numpy()
    o0, e0 = sums["w"].to_numpy() - o1, sums["w"].to_numpy() - e1
    statistic = np.sum((o1 - e1) ** 2 / e1) + np.sum((o0 - e0) ** 2 / e0)
    return statistic, len(sums) - 2


@pytest.mark.parametrize("groups", [10, 3], ids=["ten", "three"])
def test_hosmer_lemeshow_weights_rows_and_accepts_three_groups(groups) -> None:
    """C with weights (the groups cut at the unweighted quantiles of p̂, each row's counts
    weighted) and tied p̂ equals the definition computed with pandas.cut; three groups, the
    fewest allowed, give df = 1."""
    rng = np.random.default_rng(8)
    p = np.round(rng.uniform(0.05, 0.95, 120), 2)
    labels = (rng.random(120) < p).astype(float)
    weights = rng.integers(1, 5, 120).astype(float)
    result = hosmer_lemeshow(p, labels, weights, groups)
    statistic, df = _hosmer_lemeshow_reference(p, labels, weights, groups)
    assert result["statistic"] == pytest.approx(statistic, rel=1e-12)
    assert result["df"] == df == groups - 2 and result["groups"] == groups
    assert result["p_value"] == pytest.approx(chi2.sf(statistic, df), rel=1e-12)


def test_hosmer_lemeshow_of_a_constant_fit_says_it_has_one_group() -> None:
    """Every p̂ equal makes one quantile group, and the error says so (not NumPy's complaint
    about a negative bin)."""
    labels = np.r_[np.zeros(6), np.ones(4)]
    with pytest.raises(ValueError, match="fall into only 1 quantile groups"):
        hosmer_lemeshow(np.full(10, 0.4), labels, np.ones(10), 10)


def _fit_quality_of(probabilities, labels, classes=("no", "yes"), response=None):
    return GoodnessOfFit(
        hosmer_lemeshow={"statistic": 7.123456, "df": 8.0, "p_value": 0.523456, "groups": 10.0},
        pseudo_r2={
            "mcfadden": 0.21234,
            "mcfadden_adjusted": 0.18766,
            "cox_snell": 0.25,
            "nagelkerke": 0.33333,
            "tjur": 0.26,
            "efron": 0.27,
        },
        brier=0.17,
        log_loss=0.51,
        auc=0.8125,
        auc_ci=(0.71, 0.91),
        labels=np.asarray(labels),
        probabilities=np.asarray(probabilities, dtype=float),
        sample_weight=np.ones(len(labels)),
        classes=classes,
        response=response,
    )


def test_the_classification_table_cuts_strictly_above_the_threshold() -> None:
    """A row is predicted as classes[1] when p̂ > threshold: by default 0.5, a p̂ of exactly
    0.5 predicted negative; threshold 1 (allowed) predicts every row negative; the rows and
    columns are named by the classes."""
    quality = _fit_quality_of([0.2, 0.5, 0.7, 1.0, 0.4, 0.9], [0, 0, 0, 1, 1, 1])
    table = quality.classification_table()
    assert list(table.index) == list(table.columns) == ["no", "yes"]
    assert table.index.name == "observed" and table.columns.name == "predicted"
    np.testing.assert_array_equal(table.to_numpy(), [[2.0, 1.0], [1.0, 2.0]])
    np.testing.assert_array_equal(quality.classification_table(1.0).to_numpy(), [[3, 0], [3, 0]])


def test_the_goodness_of_fit_prints_in_rs_htest_layout() -> None:
    """The printed text, line for line, with "y" for a response without a name."""
    expected = (
        "\n\tHosmer and Lemeshow goodness of fit (GOF) test\n\n"
        "data:  y, fitted(model)\n"
        "X-squared = 7.1235, df = 8, p-value = 0.5235\n\n"
        "Pseudo R-squared:\n"
        "  McFadden 0.2123   adjusted 0.1877   Cox-Snell 0.2500   Nagelkerke 0.3333\n"
        "  Tjur 0.2600   Efron 0.2700\n"
        "Brier score: 0.1700    Log loss: 0.5100\n"
        "Area under the ROC curve: 0.8125  (95% CI 0.7100-0.9100, DeLong)"
    )
    assert str(_fit_quality_of([0.2, 0.8], [0, 1])) == expected
    named = str(_fit_quality_of([0.2, 0.8], [0, 1], response="admit"))
    assert named.splitlines()[3] == "data:  admit, fitted(model)"


@pytest.mark.parametrize(
    ("values", "weights", "median"),
    [
        ([5.0, 1.0], [1.0, 1.0], 3.0),
        ([5.0, 1.0], [3.0, 1.0], 5.0),
        ([2.0, 9.0, 4.0], [1, 0, 2], 4.0),
    ],
)
def test_the_weighted_median_is_the_median_of_the_repeated_values(values, weights, median) -> None:
    """_weighted_median equals np.median of each value repeated by its weight, including when
    the largest value is one of the two middle order statistics."""
    values, weights = np.asarray(values), np.asarray(weights, dtype=float)
    assert np.median(np.repeat(values, weights.astype(int))) == median
    assert _weighted_median(values, weights) == median


def _correlated_problem(n=300, seed=21):
    rng = np.random.default_rng(seed)
    x0 = rng.normal(size=n)
    X = np.c_[x0, 0.8 * x0 + 0.6 * rng.normal(size=n)]
    y = (rng.random(n) < 1.0 / (1.0 + np.exp(-(0.3 + X[:, 0] - 0.5 * X[:, 1])))).astype(int)
    return X, y


def test_the_vif_of_two_terms_is_one_over_one_minus_their_squared_correlation(monkeypatch) -> None:
    """Two one-column terms (the fewest allowed), the default basis the covariance I⁻¹ of θ̂:
    GVIF = 1/(1 − r²) with r the correlation of the two slopes (car::vif), in a frame indexed by
    "term"; the same from the data when the record kept no information matrix."""
    X, y = _correlated_problem()
    record = lk.LogisticRegression().fit(X, y).record_
    V = np.linalg.inv(record.information)
    r = V[1, 2] / np.sqrt(V[1, 1] * V[2, 2])
    terms = {"x0": ["x0"], "x1": ["x1"]}
    frame = inflation_factors(record, None, terms)
    assert frame.index.name == "term" and list(frame.index) == ["x0", "x1"]
    np.testing.assert_allclose(frame["gvif"], 1.0 / (1.0 - r**2), rtol=1e-10)
    np.testing.assert_allclose(frame["gvif_adjusted"], (1.0 / (1.0 - r**2)) ** 0.5, rtol=1e-10)
    monkeypatch.setattr(statistics, "MAX_MATRIX_WORK", 0.0)
    bare = lk.LogisticRegression().fit(X, y).record_
    assert bare.information is None
    from_data = inflation_factors(bare, lk.Objective.from_data(X, y), terms)
    np.testing.assert_allclose(from_data["gvif"], 1.0 / (1.0 - r**2), rtol=1e-6)


def test_the_design_vif_weights_rows_as_repeated_rows() -> None:
    """basis="design" takes the weighted correlation of the columns: integer weights give the
    VIF 1/(1 − r²) of the rows repeated that many times."""
    X, y = _correlated_problem()
    weights = np.random.default_rng(3).integers(1, 6, len(y)).astype(float)
    record = lk.LogisticRegression().fit(X, y, sample_weight=weights).record_
    objective = lk.Objective.from_data(X, y, sample_weight=weights)
    frame = inflation_factors(record, objective, {"x0": ["x0"], "x1": ["x1"]}, basis="design")
    repeated = np.repeat(X, weights.astype(int), axis=0)
    r = np.corrcoef(repeated, rowvar=False)[0, 1]
    unweighted = np.corrcoef(X, rowvar=False)[0, 1]
    assert abs(r - unweighted) > 1e-4
    np.testing.assert_allclose(frame["gvif"], 1.0 / (1.0 - r**2), rtol=1e-10)


def test_the_covariance_vif_of_a_penalised_fit_says_what_needs_the_ml_fit() -> None:
    X, y = _correlated_problem()
    record = lk.LogisticRegression(alpha=0.5).fit(X, y).record_
    message = re.escape("vif(basis='covariance'), the covariance of θ̂,: needs the maximum-lik")
    with pytest.raises(ValueError, match=message):
        inflation_factors(record, None, {"x0": ["x0"], "x1": ["x1"]})


def test_the_correlation_scales_by_the_standard_deviations_and_refuses_a_constant() -> None:
    """_correlation(C) = D⁻¹CD⁻¹ is np.corrcoef of the data C is the covariance of; a unit
    variance is fine and a zero one is refused."""
    rng = np.random.default_rng(4)
    data = rng.normal(size=(50, 3)) * [0.5, 1.0, 7.0]
    covariance_matrix = np.cov(data, rowvar=False)
    np.testing.assert_allclose(_correlation(covariance_matrix), np.corrcoef(data, rowvar=False))
    np.testing.assert_array_equal(_correlation(np.eye(2)), np.eye(2))
    with pytest.raises(ValueError, match="a column of X is constant"):
        _correlation(np.diag([1.0, 0.0]))


def test_the_gvif_of_every_column_together_is_one() -> None:
    """GVIF of S = all columns is det R / det R = 1 (det R_S̄S̄ of no columns is 1); of a pair
    of three it is det R_SS · R_33 / det R."""
    R = np.array([[1.0, 0.5, 0.2], [0.5, 1.0, 0.3], [0.2, 0.3, 1.0]])
    assert generalised_vif(R, [0, 1, 2]) == pytest.approx(1.0, rel=1e-12)
    expected = np.linalg.det(R[:2, :2]) * R[2, 2] / np.linalg.det(R)
    assert generalised_vif(R, [0, 1]) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("method", ["dydx", "eydx"])
def test_multinomial_discrete_effects_are_the_mean_change_over_rows(method) -> None:
    """For a 0/1 column with dummy=True the effect on each class is the mean over the rows of
    P_k(x with 1) − P_k(x with 0) (of log P_k for eydx), from predict_proba."""
    rng = np.random.default_rng(5)
    X = np.c_[rng.normal(size=300), rng.integers(0, 2, 300)]
    latent = X[:, 0] + X[:, 1] + rng.normal(size=300)
    y = np.array(["a", "b", "c"])[(latent > 0).astype(int) + (rng.random(300) > 0.6)]
    model = lk.LogisticRegression().fit(X, y)
    effects = lk.marginal_effects(model, X, y, dummy=True, method=method)
    high, low = X.copy(), X.copy()
    high[:, 1], low[:, 1] = 1.0, 0.0
    P1, P0 = model.predict_proba(high), model.predict_proba(low)
    change = np.log(P1) - np.log(P0) if method == "eydx" else P1 - P0
    for k, label in enumerate(model.classes_):
        assert effects.loc[(label, "x1"), "effect"] == pytest.approx(change[:, k].mean(), rel=1e-9)


class _Tree(HTMLParser):
    """Elements as [tag, attrs, children]; text as str children."""

    def __init__(self) -> None:
        super().__init__()
        self.root: list = ["", [], []]
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs) -> None:
        node = [tag, attrs, []]
        self.stack[-1][2].append(node)
        if tag != "br":
            self.stack.append(node)

    def handle_endtag(self, tag) -> None:
        assert self.stack.pop()[0] == tag

    def handle_data(self, data) -> None:
        self.stack[-1][2].append(data)


def _lines(paragraph) -> list[str]:
    """A <p>'s text split at its <br>s."""
    text = "".join(child if isinstance(child, str) else "\n" for child in paragraph[2])
    return text.split("\n")


def _cells(row) -> list[str]:
    assert all(not isinstance(cell, str) for cell in row[2])
    return ["".join(cell[2]) for cell in row[2]]


@pytest.mark.parametrize("converged", [True, False])
@pytest.mark.parametrize("classes", [2, 3])
def test_the_html_summary_is_the_text_summary_in_one_table(classes, converged) -> None:
    """_repr_html_ is one <div class="logitkit-summary"> (lower-case tags, no text outside its
    elements) holding: the not-converged warning in <p><strong> when so, the header lines
    in one <p> split by <br>, a <table> whose <thead> has the column names and whose <tbody>
    has one row per coefficient (a <th> with the term, "class:term" for a multinomial fit,
    then <td>s with the printed numbers), the significance legend and the footer lines; each
    the same as in str(summary)."""
    rng = np.random.default_rng(5)
    X = np.c_[rng.normal(size=300), rng.integers(0, 2, 300)]
    latent = X[:, 0] + X[:, 1] + rng.normal(size=300)
    y = (latent > 0).astype(int) + (classes == 3) * (rng.random(300) > 0.6)
    summary = lk.LogisticRegression().fit(X, y).summary()
    if not converged:
        summary = replace(summary, converged=False)
    markup = summary._repr_html_()
    assert set(re.findall(r"</?([A-Za-z]+)", markup)) == {
        "div", "p", "br", "table", "thead", "tbody", "tr", "th", "td",
    } | ({"strong"} if not converged else set())  # fmt: skip
    tree = _Tree()
    tree.feed(markup)
    tree.close()
    [div] = tree.root[2]
    assert div[0] == "div" and div[1] == [("class", "logitkit-summary")]
    text = str(summary).split("\n")
    header = text[: text.index("")]
    footer = text[len(text) - text[::-1].index("") :]
    parts = div[2]
    if not converged:
        warning = parts.pop(0)
        assert warning[0] == "p" and warning[2][0][0] == "strong"
        assert warning[2][0][2] == [header.pop(0)]
    assert [part[0] for part in parts] == ["p", "table", "p", "p"]
    assert _lines(parts[0]) == header
    assert _lines(parts[2]) == [text[text.index("---") + 1]]
    assert _lines(parts[3]) == footer
    thead, tbody = parts[1][2]
    assert thead[0] == "thead" and tbody[0] == "tbody"
    assert _cells(thead[2][0]) == [
        "", "Estimate", "Std. Error", "z value", "Pr(>|z|)", "",
        "2.5 %", "97.5 %", "Odds ratio", "OR 2.5 %", "OR 97.5 %",
    ]  # fmt: skip
    table = summary.table
    keys = (
        [f"{label}:{term}" for label, term in table.index]
        if classes == 3
        else [str(term) for term in table.index]
    )
    printed = [line.split() for line in text if line.startswith(("  ", "Intercept", "x"))]
    printed = [tokens for tokens in printed if tokens[0] in ("Intercept", "x0", "x1")]
    rows = tbody[2]
    assert [row[2][0][0] for row in rows] == ["th"] * len(keys)
    assert [_cells(row)[0] for row in rows] == keys
    assert [row[0] for row in rows] == ["tr"] * len(keys)
    assert [[cell.strip() for cell in _cells(row)[1:] if cell.strip()] for row in rows] == [
        tokens[1:] for tokens in printed
    ]
    assert [len(row[2]) for row in rows] == [11] * len(keys)
    assert float(_cells(rows[1])[1]) == pytest.approx(table["coef"].iloc[1], abs=5e-5)


def test_the_anova_table_prints_each_terms_test_in_cars_layout() -> None:
    """car::Anova's columns: LR Chisq to four decimals, Df, Pr(>Chisq) to four digits and the
    significance code, one line per term; LR = 2(ℓ_full − ℓ_without the term)."""
    X, y = make_problem(300, 2, seed=31)
    full = lk.LogisticRegression().fit(X, y)
    text = str(lk.anova(full, X, y))
    for j in range(2):
        dropped = lk.LogisticRegression().fit(np.delete(X, j, axis=1), y)
        statistic = 2.0 * (full.loglik_ - dropped.loglik_)
        line = next(row for row in text.splitlines() if row.startswith(f"x{j} "))
        p_value = chi2.sf(statistic, 1)
        code = "**" if p_value <= 0.01 else "*"
        assert line.split() == [f"x{j}", f"{statistic:.4f}", "1", f"{p_value:.4g}", code]
    assert text.splitlines()[3].split() == ["LR", "Chisq", "Df", "Pr(>Chisq)"]
    assert text.splitlines()[4].startswith("x0 ")  # no line for the index's name
    assert text.splitlines()[-2] == "---"
    assert lk.anova(full, X, y).table.index.name == "term"


def test_a_cluster_covariance_from_the_record_alone_asks_for_the_data() -> None:
    """The record keeps I and M but not the rows: a cluster sandwich needs the scores of every
    row, so it is refused by name even though I is at hand."""
    from logitkit.inference.check_inputs import parameter_covariance

    X, y = make_problem(200, 2, seed=32)
    record = lk.LogisticRegression().fit(X, y).record_
    assert record.information is not None
    with pytest.raises(ValueError, match="needs the fitted data: pass X and y"):
        parameter_covariance(record, None, "cluster", groups=np.arange(200) % 10)


def test_lr_test_names_the_restricted_model_that_is_not_a_maximum_likelihood_fit() -> None:
    X, y = make_problem(200, 2, seed=33)
    full = lk.LogisticRegression().fit(X, y)
    firth = lk.LogisticRegression(firth=True).fit(X[:, :1], y)
    with pytest.raises(ValueError, match="the restricted model was fitted with firth=True"):
        lk.lr_test(firth, full)


def test_hosmer_lemeshow_with_tied_upper_quantiles_cuts_at_the_distinct_ones() -> None:
    """Half the fitted probabilities share the largest value: the upper quantiles coincide,
    and the groups are cut at the distinct quantiles, as ResourceSelection cuts them."""
    p = np.concatenate([np.linspace(0.1, 0.6, 50), np.full(50, 0.8)])
    labels = (np.arange(100) % 3 == 0).astype(np.intp)
    labels[50:] = (np.arange(50) % 5 != 0).astype(np.intp)
    weights = np.ones(100)
    result = hosmer_lemeshow(p, labels, weights, 10)
    statistic, df = _hosmer_lemeshow_reference(p, labels, weights, 10)
    assert result["df"] == df and result["groups"] == df + 2 < 10
    assert result["statistic"] == pytest.approx(statistic, rel=1e-12)


def test_a_nan_p_value_reads_nan_as_in_r() -> None:
    from logitkit.inference.formatting import format_pvalues

    assert format_pvalues([0.5, np.nan, 0.25]) == ["0.50", "NaN", "0.25"]


def test_a_row_is_flagged_by_the_covariance_ratio_rule_alone() -> None:
    """R's is.influential flags |1 − cov.rᵢ| > 3k/(n − k) on its own. One row of n = 100,
    k = 3, with hᵢ = 0.01, r_Dᵢ = 3, Cook's Dᵢ = 0 and no dfbeta: σ₍₋ᵢ₎² = (Σ r_D² −
    r_Dᵢ²/(1 − hᵢ))/(n − k − 1), cov.rᵢ = (σ₍₋ᵢ₎/σ)^(2k)/(1 − hᵢ) ≈ 0.78, so only that rule
    fires; a second row with r_Dᵢ = 0.5 fires none."""
    from logitkit.inference.influence import _COOKS, _DEVIANCE, _HAT, _MEASURES, _flag_rows

    n, k, total = 100, 3, 100.0
    rows = np.zeros((2, len(_MEASURES) + k))
    rows[:, _HAT] = 0.01
    rows[:, _DEVIANCE] = [3.0, 0.5]
    rows[:, _COOKS] = 0.0
    sigma_out = np.sqrt((total - rows[:, _DEVIANCE] ** 2 / 0.99) / (n - k - 1))
    cov_ratio = (sigma_out / np.sqrt(total / (n - k))) ** (2 * k) / 0.99
    assert abs(1.0 - cov_ratio[0]) > 3.0 * k / (n - k) > abs(1.0 - cov_ratio[1])
    dffit = rows[:, _DEVIANCE] * 0.1 / (sigma_out * 0.99)
    assert np.all(np.abs(dffit) < 3.0 * np.sqrt(k / (n - k)))
    flagged = _flag_rows(rows, total, n, k, np.ones(k))
    assert flagged.tolist() == [True, False]


def test_the_smallest_residual_weight_is_over_both_labels() -> None:
    """λ_min = min over rows of positive weight of sᵢ|yᵢ − σ(zᵢ)|, rows of either label."""
    from logitkit.inference.separation import _smallest_residual_weight

    z = np.array([2.0, -1.0, 0.5, -3.0, 4.0])
    y = np.array([1, 0, 0, 1, 0])
    s = np.array([1.0, 2.0, 0.0, 1.0, 0.5])
    probabilities = 1.0 / (1.0 + np.exp(-z))
    expected = np.min((s * np.abs(y - probabilities))[s > 0])
    assert _smallest_residual_weight(z, y, s) == pytest.approx(expected, rel=1e-14)
    assert _smallest_residual_weight(z[[1, 4]], y[[1, 4]], s[[1, 4]]) == pytest.approx(
        min(2.0 * probabilities[1], 0.5 * probabilities[4]), rel=1e-14
    )


def test_marginal_effects_are_indexed_by_term() -> None:
    X, y = make_problem(200, 2, seed=37)
    model = lk.LogisticRegression().fit(X, y)
    table = lk.marginal_effects(model, X, y)
    assert table.index.name == "term" and list(table.index) == ["x0", "x1"]


def test_a_constant_integer_column_is_not_a_count() -> None:
    """Without an intercept a constant column of 2s plays its part: it is a column of
    non-negative integers, but constant, so count=True leaves its effect the derivative."""
    X, y = make_problem(200, 1, seed=38)
    X = np.column_stack([np.full(200, 2.0), X, np.arange(200) % 4])
    model = lk.LogisticRegression(fit_intercept=False).fit(X, y)
    counted = lk.marginal_effects(model, X, y, count=True)
    derivative = lk.marginal_effects(model, X, y, count=False)
    pd.testing.assert_series_equal(counted.loc["x0"], derivative.loc["x0"], rtol=1e-12)
    assert not np.isclose(counted.loc["x2", "effect"], derivative.loc["x2", "effect"], rtol=1e-9)


def test_the_footer_right_aligns_degrees_of_freedom_of_different_widths() -> None:
    """R's summary.glm: "    Null deviance: …  on 11  degrees of freedom" above
    "Residual deviance: …  on  9  degrees of freedom" (n = 12, three coefficients)."""
    X, y = make_problem(12, 2, seed=39)
    text = str(lk.LogisticRegression().fit(X, y).summary())
    null = next(line for line in text.splitlines() if "Null deviance" in line)
    residual = next(line for line in text.splitlines() if "Residual deviance" in line)
    assert null.endswith("on 11  degrees of freedom")
    assert residual.endswith("on  9  degrees of freedom")
    assert null.index("degrees") == residual.index("degrees")


def test_the_summary_names_the_modelled_class() -> None:
    X, y = make_problem(100, 1, seed=40)
    labels = np.where(y == 1, "yes", "no")
    summary = lk.LogisticRegression().fit(X, labels).summary()
    assert summary.modelled == "yes"
    assert "Modelled: P(y = yes)" in str(summary)


def test_a_multinomial_summary_heads_each_class_once() -> None:
    rng = np.random.default_rng(41)
    X = rng.standard_normal((300, 2))
    y = rng.integers(0, 3, 300)
    text = str(lk.LogisticRegression().fit(X, y).summary())
    headings = [line for line in text.splitlines() if line.startswith("y = ")]
    assert headings == ["y = 1 (vs. y = 0):", "y = 2 (vs. y = 0):"]


def test_the_overlap_certificate_is_the_documented_inequality() -> None:
    """λ_min σ_min(A_S D) > 2‖D r‖ with D giving the Gram matrix a unit diagonal: with
    G = diag(4, 9) (so D = diag(½, ⅓) and σ_min = 1) and λ_min = 1, the score r = (0.9, 0)
    gives 2‖Dr‖ = 0.9 < 1, certified; r = (1.1, 0) gives 1.1, not."""
    from logitkit.inference.separation import _certificate_holds

    gram = np.diag([4.0, 9.0])
    assert _certificate_holds(1.0, gram, np.array([0.9, 0.0]))
    assert not _certificate_holds(1.0, gram, np.array([1.1, 0.0]))
    assert not _certificate_holds(0.4, gram, np.array([0.9, 0.0]))


def test_the_overlap_certificate_fails_on_a_column_zero_over_the_overlap() -> None:
    """A column that is zero on every overlapping row gives that Gram matrix a zero diagonal
    entry: σ_min(A_S) = 0, so nothing is certified, without dividing by the zero norm."""
    from logitkit.inference.separation import _certificate_holds

    assert not _certificate_holds(1.0, np.diag([4.0, 0.0]), np.zeros(2))


def test_the_overlap_certificate_on_small_norms_correlated_columns_and_a_tie() -> None:
    """Columns of norm below 1 are scaled up (G = diag(¼, 1/16), D = diag(2, 4), r = (0.2, 0):
    2‖Dr‖ = 0.8 < 1, certified); correlated columns use the smallest eigenvalue (unit G with
    correlation ½: σ_min = √½ ≈ 0.71, so r = (0.3, 0) is certified and r = (0.4, 0) is
    not); equality certifies nothing."""
    from logitkit.inference.separation import _certificate_holds

    assert _certificate_holds(1.0, np.diag([0.25, 0.0625]), np.array([0.2, 0.0]))
    correlated = np.array([[1.0, 0.5], [0.5, 1.0]])
    assert _certificate_holds(1.0, correlated, np.array([0.3, 0.0]))
    assert not _certificate_holds(1.0, correlated, np.array([0.4, 0.0]))
    assert not _certificate_holds(1.0, np.eye(2), np.array([0.5, 0.0]))


def test_the_first_rows_of_a_cone_are_evenly_spaced_from_first_to_last() -> None:
    """The first active subset of a cone's programs: min(n, 100 + 2p) rows, evenly spaced
    from the first row to the last; all rows when n is smaller."""
    import scipy.sparse as sp

    from logitkit.inference.separation_cone import Cone

    for n_rows, expected in ((1000, 106), (80, 80)):
        rows = sp.csr_array(np.ones((n_rows, 3)))
        active = np.flatnonzero(Cone(rows, np.zeros((3, 0))).active)
        assert active.size == expected
        assert active[0] == 0 and active[-1] == n_rows - 1
        assert set(np.diff(active)) <= {
            (n_rows - 1) // (expected - 1),
            -(-(n_rows - 1) // (expected - 1)),
        }


def test_the_coefficient_programs_leave_out_rows_zero_on_their_support(monkeypatch) -> None:
    """The programs over the coefficients' cone take only the rows that are not zero on the
    columns they move (a zero row constrains nothing)."""
    from logitkit.inference import separation_cone

    shapes = []

    class Recorded(separation_cone.Cone):
        def __init__(self, signed, collinear) -> None:
            shapes.append(signed.shape)
            super().__init__(signed, collinear)

    monkeypatch.setattr(separation_cone, "Cone", Recorded)
    X = np.zeros((12, 3))
    X[:3, 0] = [1.0, 2.0, 3.0]
    X[3:6, 1] = [1.0, 2.0, 3.0]
    X[6:10, 2] = [-1.0, -2.0, 1.0, 2.0]
    y = np.array([1, 1, 1, 0, 0, 0, 0, 1, 0, 1, 0, 1])
    with pytest.warns(UserWarning, match="separat"):
        lk.LogisticRegression(fit_intercept=False).fit(X, y)
    assert [shape[0] for shape in shapes] == [12, 6]


def test_p_values_without_a_decimal_point_need_no_mantissa_digits() -> None:
    """R's format.pval(c(1e-05, 2e-06)) gives "1e-05" "2e-06": one-digit mantissas, no
    ".0"."""
    from logitkit.inference.formatting import format_pvalues

    assert format_pvalues([1e-05, 2e-06]) == ["1e-05", "2e-06"]


def _r_influential(rows, total, n, k):
    """R's is.influential from the definitions of influence.measures, for rows with no
    dfbeta and Cook's D = 0: |dffit| > 3√(k/(n − k)), |1 − cov.r| > 3k/(n − k) or h > 3k/n,
    with σ₍₋ᵢ₎² = (Σ r_D² − r_Dᵢ²/(1 − hᵢ))/(n − k − 1)."""
    hat, deviance = rows[:, 0], rows[:, 1]
    sigma_out = np.sqrt((total - deviance**2 / (1 - hat)) / (n - k - 1))
    dffit = deviance * np.sqrt(hat) / (sigma_out * (1 - hat))
    cov_ratio = (sigma_out / np.sqrt(total / (n - k))) ** (2 * k) / (1 - hat)
    return (
        (np.abs(dffit) > 3 * np.sqrt(k / (n - k)))
        | (np.abs(1 - cov_ratio) > 3 * k / (n - k))
        | (hat > 3 * k / n)
    )


@pytest.mark.parametrize(("total", "largest"), [(100.0, 3.5), (0.8, 0.84)])
def test_the_influence_flags_follow_rs_rules_across_their_boundaries(total, largest) -> None:
    """Rows of leverage 0.02–0.09 and deviance residuals up to ``largest`` (k = 3, n = 100):
    each flag is R's, on both sides of the dffit and covariance-ratio boundaries; also for a
    fit whose Σ r_D² is below 1 (small weights), where σ₍₋ᵢ₎² takes values below 1/(n − k − 1)."""
    from logitkit.inference.influence import _DEVIANCE, _HAT, _MEASURES, _flag_rows

    n, k = 100, 3
    hat, deviance = np.meshgrid(np.linspace(0.02, 0.09, 8), np.linspace(0.0, largest, 71))
    rows = np.zeros((hat.size, len(_MEASURES) + k))
    rows[:, _HAT], rows[:, _DEVIANCE] = hat.ravel(), deviance.ravel()
    expected = _r_influential(np.column_stack([hat.ravel(), deviance.ravel()]), total, n, k)
    assert 0 < expected.sum() < expected.size
    np.testing.assert_array_equal(_flag_rows(rows, total, n, k, np.ones(k)), expected)


def test_a_summary_keeps_which_intervals_it_holds_and_serialises_to_json() -> None:
    import json

    X, y = make_problem(200, 2, seed=85)
    model = lk.LogisticRegression().fit(X, y)
    summary = model.summary(ci="profile", X=X, y=y)
    assert summary.ci == "profile"
    assert summary.to_dict()["ci"] == "profile"
    data = json.loads(json.dumps(summary.to_dict()))
    assert "table" not in data and set(data["coefficients"]) == {"Intercept", "x0", "x1"}


def test_a_separation_note_ends_with_one_full_stop() -> None:
    X = np.array([[-2.0], [-1.0], [-0.5], [0.5], [1.0], [2.0]])
    y = np.array([0, 0, 0, 1, 1, 1])
    with pytest.warns(UserWarning):
        model = lk.LogisticRegression().fit(X, y)
    text = str(model.summary())
    note = next(line for line in text.splitlines() if "separat" in line.lower())
    assert ".." not in text and note.rstrip().endswith(".")


def test_lr_test_tolerates_a_restricted_loglik_above_the_full_one_by_rounding_only() -> None:
    """ℓ_restricted may exceed ℓ_full by 10⁻⁸·|ℓ_full| (the optimiser's rounding), giving a
    statistic of 0; beyond that the models are refused as not nested."""
    X, y = make_problem(300, 2, seed=92)
    full = lk.LogisticRegression().fit(X, y).record_
    small = lk.LogisticRegression().fit(X[:, :1], y).record_
    within = replace(small, loglik=full.loglik + 0.5e-8 * abs(full.loglik))
    assert lk.lr_test(within, full).statistic == 0.0
    beyond = replace(small, loglik=full.loglik + 2e-8 * abs(full.loglik))
    with pytest.raises(ValueError, match="exceeds the full model's"):
        lk.lr_test(beyond, full)


@pytest.mark.parametrize(
    "diagnostic",
    [lk.influence, lambda *data: lk.residuals(*data, kind="standardized_pearson")],
    ids=["influence", "standardized-residuals"],
)
def test_leverage_without_the_kept_information_recomputes_it(monkeypatch, diagnostic) -> None:
    """A fit too large to keep I (here: the limit lowered) gets it from the data for its hat
    values: the same influence table and standardized residuals as a fit that kept it."""
    X, y = make_problem(150, 2, seed=36)
    kept = diagnostic(lk.LogisticRegression().fit(X, y), X, y)
    monkeypatch.setattr(statistics, "MAX_MATRIX_WORK", 1.0)
    bare = lk.LogisticRegression().fit(X, y)
    assert bare.record_.information is None
    recomputed = diagnostic(bare, X, y)
    if isinstance(kept, pd.DataFrame):
        pd.testing.assert_frame_equal(recomputed, kept, rtol=1e-10)
    else:
        pd.testing.assert_series_equal(recomputed, kept, rtol=1e-10)


def test_estimates_are_rounded_to_their_decimals_before_they_are_formatted() -> None:
    """printCoefmat rounds to max(1, 3 − ⌊log₁₀ 881.55⌋) = 1 decimal first: 881.5504 → 881.6.
    Rounded to 3 decimals first, 881.550 would then print as 881.5 at 4 digits."""
    from logitkit.inference.formatting import format_estimates

    coef, std_err = format_estimates(pd.Series([881.5504377]), pd.Series([977.0260762]))
    assert (coef, std_err) == (["881.6"], ["977.0"])


def test_the_certificates_row_sample_keeps_the_offsets(monkeypatch) -> None:
    """Far from the optimum (θ = 0, offsets of ±1) the test over all rows fails; Newton steps on
    every 5th of 1,000 rows, with those rows' offsets, prove the overlap."""
    from logitkit.inference import separation

    X, y = make_problem(1000, 3, seed=4)
    offset = np.where(np.arange(1000) % 2 == 0, 1.0, -1.0)
    objective = lk.Objective.from_data(X, y, offset=offset)
    monkeypatch.setattr(separation, "_CERTIFICATE_ROWS", 200)
    assert separation.certificate_rows(np.ones(1000)).size == 200
    zero = np.zeros(4)
    assert separation.overlap_certified(objective, zero)
    monkeypatch.setattr(separation, "_SAMPLE_NEWTON_STEPS", 0)
    assert not separation.overlap_certified(objective, zero)


def test_a_profile_fit_that_stops_short_inside_the_interval_is_an_error(monkeypatch) -> None:
    """Profile fits cut to one Newton step stop short with a gradient far above 10⁻⁷ at a
    likelihood-ratio statistic below χ²₁(0.95): no bound can be trusted, so summary says
    which coefficient and value failed instead of returning one."""
    from logitkit.inference import summarize
    from logitkit.solvers import SolverOptions

    X, y = make_problem(300, 2, seed=21)
    model = lk.LogisticRegression().fit(X, y)
    solve = summarize.solve_newton

    def one_step(problem, coef, options):
        return solve(problem, coef, SolverOptions(tol=options.tol, max_iter=1))

    monkeypatch.setattr(summarize, "solve_newton", one_step)
    with pytest.raises(ValueError, match=r"profile fit with coefficient 0 held at \S+ did not"):
        model.summary(ci="profile", X=X, y=y)


def test_profile_sides_follow_the_kind_of_separation() -> None:
    """Complete separation leaves every term not forced to ±inf unbounded on both sides;
    quasi-complete separation only the undetermined ones; the others are profiled."""
    from logitkit.core.record import Separation
    from logitkit.inference.summarize import _infinite_sides

    names = ["Intercept", "x1", "x2", "x3"]
    quasi = Separation("quasi-complete", {"x1": -1}, ("x3",))
    assert _infinite_sides(names, quasi) == [0, -1, 0, None]
    assert _infinite_sides(names, Separation("complete", {"x1": 1})) == [None, 1, None, None]
    assert _infinite_sides(names, None) == [0, 0, 0, 0]


def test_a_pass_certifies_overlap_only_with_more_rows_than_coefficients() -> None:
    """p rows of positive weight can always be separated: the certificate needs more, however
    well its other sums look."""
    from logitkit.inference.separation import _certified

    sums = {"overlap_min": np.array(0.5)}
    assert not _certified({**sums, "overlap_count": np.array(4)}, np.eye(4), np.zeros(4), 10.0)
    assert _certified({**sums, "overlap_count": np.array(5)}, np.eye(4), np.zeros(4), 10.0)


def test_a_softmax_cluster_summary_counts_the_groups() -> None:
    X, _ = make_problem(300, 2, seed=31)
    y = np.random.default_rng(31).integers(0, 3, 300)
    groups = np.repeat(np.arange(12), 25)
    model = lk.LogisticRegression().fit(X, y)
    text = str(model.summary(cov_type="cluster", groups=groups, X=X, y=y))
    assert "cluster-robust, 12 groups" in text


def test_refusals_name_what_needs_the_maximum_likelihood_fit_or_the_rows() -> None:
    da = pytest.importorskip("dask.array")
    X, y = make_problem(200, 2, seed=32)
    penalised = lk.LogisticRegression(alpha=0.1).fit(X, y)
    with pytest.raises(
        ValueError, match="^the delta-method standard errors of marginal effects: needs the"
    ):
        lk.marginal_effects(penalised, X, y)
    lazy = lk.Objective.from_data(da.from_array(X, chunks=(100, 2)), da.from_array(y, chunks=100))
    with pytest.raises(ValueError, match="^per-row score residuals are n-vectors"):
        lazy.score_residuals(np.zeros(3))
    with pytest.raises(ValueError, match="^logits are n-vectors"):
        lazy.logits(np.zeros(3))


def test_fixed_notation_wins_a_tie_of_widths_as_in_r() -> None:
    """R's format(0.001, digits = 4) is "0.001" (five characters, as "1e-03"); 10⁵ reads
    "1e+05", narrower than "100000"."""
    from logitkit.inference.formatting import format_fixed

    assert format_fixed([0.001], 4) == ["0.001"]
    assert format_fixed([1e5], 4) == ["1e+05"]


def test_a_row_of_leverage_one_gets_infinite_measures_without_warnings() -> None:
    """hᵢ = 1 (at θ = 0, p̂ = ½, x̃ᵢ = (1, 0) and I⁻¹ = 4I give hᵢ = ¼ · 4 · 1): Cook's Dᵢ and
    r_Pᵢ/√(1 − hᵢ) are infinite, dfbetaᵢ = I⁻¹x̃ᵢ · ∞ is (∞, NaN), as R gives them."""
    from logitkit.inference.influence import _COOKS, _HAT, _MEASURES, _PEARSON, _fill_rows

    X = np.array([[0.0], [1.0], [-1.0]])
    objective = lk.Objective.from_data(X, np.array([1, 0, 1]))
    table = np.zeros((3, len(_MEASURES) + 2))
    _fill_rows(table, slice(0, 1), objective, np.zeros(1), 4.0 * np.eye(2))
    assert table[0, _HAT] == 1.0
    assert table[0, _COOKS] == np.inf and table[0, _PEARSON] == np.inf
    assert table[0, len(_MEASURES)] == np.inf and np.isnan(table[0, len(_MEASURES) + 1])


def test_rows_with_no_deviance_left_or_leverage_one_are_flagged_without_warnings() -> None:
    """A row carrying more than Σ r_D² once divided by 1 − hᵢ (hᵢ = ½, r_Dᵢ = 3, Σ = 10) has
    σ₍₋ᵢ₎ = 0 and an infinite dffit; a row of leverage 1 has 0/0 in σ₍₋ᵢ₎ and is flagged by
    hᵢ > 3k/n; an ordinary row is not flagged."""
    from logitkit.inference.influence import _DEVIANCE, _HAT, _MEASURES, _flag_rows

    n, k = 100, 3
    rows = np.zeros((3, len(_MEASURES) + k))
    rows[:, _HAT] = [0.5, 1.0, 0.02]
    rows[:, _DEVIANCE] = [3.0, 0.0, 0.1]
    assert _flag_rows(rows, 10.0, n, k, np.ones(k)).tolist() == [True, True, False]
    assert rows[0, _DEVIANCE] == pytest.approx(3.0 / np.sqrt(0.5))


@pytest.mark.parametrize(
    ("values", "digits", "expected"),
    [
        ([12345.0], 4, ["12345"]),
        ([0.0, 1.0], 4, ["0", "1"]),
        ([2.49498294], 3, ["2.49"]),
        ([101.29495], 5, ["101.29"]),
        ([58.00496711], 4, ["58"]),
        ([1e5], 1, ["1e+05"]),
        ([5.0], 1, ["5"]),
    ],
)
def test_format_fixed_is_rs_format_of_a_vector(values, digits, expected) -> None:
    """R's format(x, digits): each number rounded to ``digits`` significant digits first
    (signif(2.49498294, 3) = 2.49, signif(58.00496711, 4) = 58.00, which drops its zeros),
    digits left of the point never cut and no ".0" added (12345 at 4 digits), 0 as "0", and a
    one-digit mantissa without a point ("1e+05", narrower than "100000")."""
    from logitkit.inference.formatting import format_fixed

    assert format_fixed(values, digits) == expected


@pytest.mark.parametrize(
    ("p_values", "expected"),
    [
        ([0.0123, 1e-4], ["0.0123", "0.0001"]),
        ([2.0**-52], ["2.22e-16"]),
        ([0.00123, 1e-20], ["0.00123", "< 2e-16"]),
        ([0.0123, 1e-20], ["0.0123", "<2e-16"]),
    ],
)
def test_p_values_are_grouped_and_cut_at_eps_as_rs_format_pval(p_values, expected) -> None:
    """format.pval(p, digits = 3): p ≥ 10⁻⁴ (10⁻⁴ itself included) are formatted together,
    so 10⁻⁴ reads "0.0001" beside 0.0123 rather than "1e-04" on its own; ε = 2⁻⁵² is not below
    ε and is printed; a p below ε reads "<2e-16", with a space when another p-value is wider
    than six characters ("0.00123" is seven)."""
    from logitkit.inference.formatting import format_pvalues

    assert format_pvalues(p_values) == expected


def test_significance_codes_are_rs_symnum_padded_to_three_characters() -> None:
    """Cut points 0.001, 0.01, 0.05, 0.1 belong to the interval below them; every code is
    padded to the width of "***" (R formats the column together); a NaN p-value has none."""
    from logitkit.inference.formatting import stars

    p_values = [0.0005, 0.001, 0.005, 0.01, 0.03, 0.05, 0.07, 0.1, 0.5, np.nan]
    assert [stars(p) for p in p_values] == [
        "***", "***", "** ", "** ", "*  ", "*  ", ".  ", ".  ", "   ", "",
    ]  # fmt: skip


def test_estimates_that_are_all_zero_or_nan_print_as_zero_and_nan() -> None:
    """With no non-zero finite estimate or standard error there is no smallest magnitude; the
    numbers are rounded to 3 decimals (R's digmin = 1) and 0 prints as "0"."""
    from logitkit.inference.formatting import format_estimates

    zero_or_nan = pd.Series([0.0, np.nan])
    assert format_estimates(zero_or_nan, zero_or_nan) == (["0", "NaN"], ["0", "NaN"])


def test_rounding_to_the_shared_decimals_comes_before_the_shorter_formatting() -> None:
    """printCoefmat rounds to max(1, 3 − ⌊log₁₀ 3.99⌋) = 3 decimals: 338.705154 → 338.705,
    whose double lies just below 338.705; format(digits = 4) then prints it with the 2
    decimals 3.99 needs: "338.70" (338.705154 itself would give "338.71")."""
    from logitkit.inference.formatting import format_estimates

    coef, std_err = format_estimates(pd.Series([338.705154]), pd.Series([3.990412]))
    assert (coef, std_err) == (["338.70"], ["3.99"])


@pytest.fixture(scope="module")
def challenger_summary():
    return lk.logit("damage ~ temperature_f", lk.datasets.load_challenger()).summary()


def test_a_table_of_python_objects_prints_as_its_numbers(challenger_summary) -> None:
    """A table whose columns hold the same numbers as Python objects prints the same text."""
    objects = replace(challenger_summary, table=challenger_summary.table.astype(object))
    assert str(objects) == str(challenger_summary)


def test_no_significance_codes_unless_some_p_value_is_below_a_tenth(challenger_summary) -> None:
    """R shows the codes and their legend only when any(p < 0.1): p = 0.1 exactly does not."""
    table = challenger_summary.table.assign(p_value=[0.1, 0.5])
    text = str(replace(challenger_summary, table=table))
    assert "Signif. codes" not in text and "---" not in text
    rows = [line.split() for line in text.splitlines() if line.startswith(("Intercept", "temp"))]
    assert [row[4] for row in rows] == ["0.1", "0.5"]
    assert [len(row) for row in rows] == [10, 10]


@pytest.mark.parametrize("sentence", ["Separated?", "Separated!", "Separated."])
def test_a_separation_given_as_a_sentence_keeps_its_ending_and_has_no_kind(
    challenger_summary, sentence
) -> None:
    """Any object whose str() is a sentence may stand for the finding: the note adds a full
    stop only when the sentence has no ending of its own, and the JSON form has no kind and no
    terms for an object that has none."""
    summary = replace(challenger_summary, separation=sentence)
    assert f"Note: {sentence}" in str(summary).splitlines()
    assert summary.to_dict()["separation"] == {"message": sentence, "kind": None, "terms": None}


def test_the_level_is_kept_as_a_float(challenger_summary) -> None:
    """A level of any number type is stored as the float check_level returns."""
    from decimal import Decimal

    summary = replace(challenger_summary, level=Decimal("0.9"))
    assert type(summary.level) is float and summary.level == 0.9
    assert str(summary).endswith("; 90% Wald intervals")
    assert summary.to_dict()["level"] == 0.9


def test_a_modelled_label_that_json_cannot_hold_is_written_as_its_str(challenger_summary) -> None:
    from datetime import date

    summary = replace(challenger_summary, modelled=date(2024, 1, 31))
    assert summary.to_dict()["modelled"] == "2024-01-31"


@pytest.mark.parametrize("target", [None, "colour"])
def test_a_multinomial_summary_names_the_response_and_its_reference(target) -> None:
    """The header says which class each log-odds is against, with "y" for an unnamed
    response, and each class's heading repeats it."""
    rng = np.random.default_rng(41)
    X = rng.standard_normal((300, 2))
    summary = lk.LogisticRegression().fit(X, rng.integers(0, 3, 300)).summary()
    lines = str(replace(summary, target=target)).splitlines()
    name = target or "y"
    assert lines[1] == f"Response: {name}, log-odds of each class against {name} = 0"
    assert f"{name} = 2 (vs. {name} = 0):" in lines
    assert lines[lines.index(f"{name} = 1 (vs. {name} = 0):") + 1].startswith("  Intercept ")
