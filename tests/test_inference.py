"""Covariances, Wald tables and profile intervals against statsmodels, R and first principles."""

from __future__ import annotations

import warnings
from collections.abc import Callable

import mpmath
import numpy as np
import pandas as pd
import pytest
import scipy.linalg
import scipy.sparse as sp
import statsmodels.api as sm
from scipy.stats import chi2
from sklearn.datasets import load_breast_cancer

import logitkit as lk
from logitkit.backends.design import make_design
from logitkit.inference.covariance import TABLE_COLUMNS, cluster_score_sums, covariance
from logitkit.inference.intervals import profile_interval, replace_intervals, wald_table
from logitkit.solvers import SOLVERS, SolverOptions

RTOL = 1e-6


def spector() -> tuple[pd.DataFrame, np.ndarray, None]:
    data = sm.datasets.spector.load_pandas()
    return data.exog, data.endog.to_numpy(float), None


def fair() -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Any extramarital affair (affairs > 0), clustered by the wife's occupation (6 groups)."""
    data = sm.datasets.fair.load_pandas().data
    columns = ["rate_marriage", "age", "yrs_married", "children", "religious", "educ"]
    return data[columns], (data["affairs"] > 0).to_numpy(float), data["occupation"].to_numpy()


def anes96() -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Vote for Dole, clustered by party identification (7 groups)."""
    data = sm.datasets.anes96.load_pandas().data
    columns = ["logpopul", "TVnews", "selfLR", "age", "educ", "income"]
    return data[columns], data["vote"].to_numpy(float), data["PID"].to_numpy()


def breast_cancer() -> tuple[pd.DataFrame, np.ndarray, None]:
    data = load_breast_cancer(as_frame=True)
    X = data.frame[["mean radius", "mean texture", "mean smoothness"]]
    return X, data.target.to_numpy(float), None


DATASETS = {"spector": spector, "fair": fair, "anes96": anes96, "breast_cancer": breast_cancer}
CLUSTERED = ["fair", "anes96"]


def with_intercept(X: np.ndarray) -> np.ndarray:
    return np.column_stack([np.ones(len(X)), X])


def fitted_coef(X, y, sample_weight=None) -> np.ndarray:
    model = lk.LogisticRegression(solver="newton", tol=1e-12).fit(X, y, sample_weight=sample_weight)
    return np.concatenate([model.intercept_, model.coef_[0]])


def fit_matrices(
    X: np.ndarray, y: np.ndarray, coef: np.ndarray, weights: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """I = X̃ᵀ diag(s ŷ(1 − ŷ)) X̃, M = X̃ᵀ diag(s (y − ŷ)²) X̃ and r = s (y − ŷ), by hand."""
    s = np.ones(len(y)) if weights is None else weights
    Xt = with_intercept(X)
    p = 1.0 / (1.0 + np.exp(-(Xt @ coef)))
    information = (Xt * (s * p * (1 - p))[:, None]).T @ Xt
    score_outer = (Xt * (s * (y - p) ** 2)[:, None]).T @ Xt
    return information, score_outer, s * (y - p)


def reference_fit(X, y, cov_type: str, groups=None, model: str = "Logit"):
    exog = sm.add_constant(np.asarray(X, float))
    kwargs = {"cov_type": cov_type}
    if groups is not None:
        kwargs["cov_kwds"] = {"groups": pd.factorize(groups)[0]}
    if model == "Logit":
        return sm.Logit(y, exog).fit(disp=0, method="newton", tol=1e-12, **kwargs)
    return sm.GLM(y, exog, family=sm.families.Binomial()).fit(tol=1e-12, **kwargs)


def our_table(X, y, cov_type: str, groups=None, level: float = 0.95) -> pd.DataFrame:
    X = np.asarray(X, float)
    coef = fitted_coef(X, y)
    information, score_outer, residual = fit_matrices(X, y, coef)
    scores = None if groups is None else cluster_score_sums(make_design(X), residual, groups)
    cov = covariance(
        information,
        cov_type=cov_type,
        score_outer=score_outer,
        cluster_scores=scores,
        n_obs=len(y),
    )
    names = ["Intercept", *(f"x{j}" for j in range(X.shape[1]))]
    return wald_table(coef, cov, names, level)


def assert_table_matches(table: pd.DataFrame, reference, alpha: float = 0.05) -> None:
    np.testing.assert_allclose(table["coef"], reference.params, rtol=RTOL)
    np.testing.assert_allclose(table["std_err"], reference.bse, rtol=RTOL)
    np.testing.assert_allclose(table["z"], reference.tvalues, rtol=RTOL)
    np.testing.assert_allclose(table["p_value"], reference.pvalues, rtol=RTOL)
    bounds = np.asarray(reference.conf_int(alpha=alpha))
    np.testing.assert_allclose(table[["ci_low", "ci_high"]], bounds, rtol=RTOL)


@pytest.mark.parametrize("cov_type", ["nonrobust", "HC0"])
@pytest.mark.parametrize("dataset", sorted(DATASETS))
@pytest.mark.parametrize("model", ["Logit", "GLM"])
def test_table_equals_statsmodels(dataset, cov_type, model) -> None:
    X, y, _ = DATASETS[dataset]()
    table = our_table(X, y, cov_type)
    assert_table_matches(table, reference_fit(X, y, cov_type, model=model))


@pytest.mark.parametrize("dataset", CLUSTERED)
@pytest.mark.parametrize("model", ["Logit", "GLM"])
def test_cluster_table_equals_statsmodels_with_its_default_correction(dataset, model) -> None:
    X, y, groups = DATASETS[dataset]()
    table = our_table(X, y, "cluster", groups)
    assert_table_matches(table, reference_fit(X, y, "cluster", groups, model=model))


def test_cluster_covariance_equals_statsmodels_on_spector_with_made_up_clusters() -> None:
    X, y, _ = spector()
    groups = np.array(["a", "b", "c", "d"])[np.arange(len(y)) % 4]
    table = our_table(X, y, "cluster", groups)
    assert_table_matches(table, reference_fit(X, y, "cluster", groups))


@pytest.mark.parametrize("level", [0.9, 0.99])
def test_wald_intervals_at_other_levels_equal_statsmodels(level) -> None:
    X, y, _ = anes96()
    table = our_table(X, y, "nonrobust", level=level)
    assert_table_matches(table, reference_fit(X, y, "nonrobust"), alpha=1 - level)


def test_table_layout_and_odds_ratios() -> None:
    X, y, _ = spector()
    table = our_table(X, y, "nonrobust")
    assert tuple(table.columns) == TABLE_COLUMNS
    assert table.index.name == "term"
    assert table.index[0] == "Intercept"
    np.testing.assert_allclose(table["odds_ratio"], np.exp(table["coef"]), rtol=1e-15)
    np.testing.assert_allclose(table["or_low"], np.exp(table["ci_low"]), rtol=1e-15)
    np.testing.assert_allclose(table["or_high"], np.exp(table["ci_high"]), rtol=1e-15)


def test_frequency_weighted_covariance_equals_statsmodels_glm_freq_weights() -> None:
    X, y, _ = anes96()
    X = X.to_numpy(float)
    weights = np.random.default_rng(3).integers(1, 5, size=len(y)).astype(float)
    coef = fitted_coef(X, y, weights)
    information, _, _ = fit_matrices(X, y, coef, weights)
    table = wald_table(coef, covariance(information), [str(j) for j in range(len(coef))])
    reference = sm.GLM(
        y, sm.add_constant(X), family=sm.families.Binomial(), freq_weights=weights
    ).fit(tol=1e-12)
    assert_table_matches(table, reference)


@pytest.mark.parametrize("cov_type", ["nonrobust", "HC0", "HC1", "cluster"])
def test_integer_weights_give_the_covariance_of_repeated_rows(cov_type) -> None:
    X, y, groups = fair()
    rng = np.random.default_rng(4)
    rows = rng.choice(len(y), size=800, replace=False)
    X, y, groups = X.to_numpy(float)[rows], y[rows], groups[rows]
    weights = rng.integers(1, 4, size=len(y)).astype(float)
    repeat = np.repeat(np.arange(len(y)), weights.astype(int))

    def cov_of(X, y, groups, weights):
        coef = fitted_coef(X, y, weights)
        information, score_outer, residual = fit_matrices(X, y, coef, weights)
        return covariance(
            information,
            cov_type=cov_type,
            score_outer=score_outer,
            cluster_scores=cluster_score_sums(make_design(X), residual, groups),
            n_obs=float(np.sum(weights if weights is not None else np.ones(len(y)))),
        )

    weighted = cov_of(X, y, groups, weights)
    repeated = cov_of(X[repeat], y[repeat], groups[repeat], None)
    np.testing.assert_allclose(weighted, repeated, rtol=1e-8)


def test_hc1_is_hc0_times_n_over_n_minus_k() -> None:
    X, y, _ = breast_cancer()
    X = X.to_numpy(float)
    information, score_outer, _ = fit_matrices(X, y, fitted_coef(X, y))
    hc0 = covariance(information, cov_type="HC0", score_outer=score_outer)
    hc1 = covariance(information, cov_type="HC1", score_outer=score_outer, n_obs=len(y))
    n, k = len(y), X.shape[1] + 1
    np.testing.assert_allclose(hc1, hc0 * n / (n - k), rtol=1e-14)


def test_cluster_factor_is_the_documented_small_sample_correction() -> None:
    X, y, groups = anes96()
    X = X.to_numpy(float)
    information, _, residual = fit_matrices(X, y, fitted_coef(X, y))
    scores = cluster_score_sums(make_design(X), residual, groups)
    bread = np.linalg.inv(information)
    G, n, k = scores.shape[0], len(y), information.shape[0]
    expected = G / (G - 1) * (n - 1) / (n - k) * bread @ scores.T @ scores @ bread
    actual = covariance(information, cov_type="cluster", cluster_scores=scores, n_obs=n)
    np.testing.assert_allclose(actual, expected, rtol=1e-10)


def test_nonrobust_covariance_is_the_inverse_information() -> None:
    X, y, _ = spector()
    information, _, _ = fit_matrices(X.to_numpy(float), y, fitted_coef(X, y))
    cov = covariance(information)
    np.testing.assert_allclose(cov @ information, np.eye(4), atol=1e-10)
    np.testing.assert_array_equal(cov, cov.T)


def test_cluster_score_sums_equal_explicit_sums_dense_and_sparse() -> None:
    rng = np.random.default_rng(5)
    X = rng.standard_normal((50, 3))
    X[X < 0.3] = 0.0
    residual = rng.standard_normal(50)
    groups = pd.Series(rng.choice(["north", "south", "east"], size=50))
    labels = pd.unique(groups)
    expected = np.array(
        [
            np.concatenate(([residual[groups == g].sum()], residual[groups == g] @ X[groups == g]))
            for g in labels
        ]
    )
    np.testing.assert_allclose(
        cluster_score_sums(make_design(X), residual, groups), expected, rtol=1e-13
    )
    np.testing.assert_allclose(
        cluster_score_sums(make_design(sp.csr_matrix(X)), residual, groups.to_numpy()),
        expected,
        rtol=1e-13,
    )
    np.testing.assert_allclose(
        cluster_score_sums(make_design(X, fit_intercept=False), residual, groups),
        expected[:, 1:],
        rtol=1e-13,
    )


def test_separated_coefficients_get_infinite_variances_and_the_rest_the_reduced_fit() -> None:
    """y = 1 wherever the dummy is 1: its estimate is +inf, the rest is the fit without it."""
    X, y, _ = breast_cancer()
    X = X.to_numpy(float)
    dummy = (np.arange(len(y)) % 7 == 0).astype(float)
    y = np.where(dummy == 1.0, 1.0, y)
    reduced = sm.Logit(y[dummy == 0], sm.add_constant(X[dummy == 0])).fit(
        disp=0, method="newton", tol=1e-12
    )
    coef = np.concatenate([reduced.params, [40.0]])
    information, score_outer, _ = fit_matrices(np.column_stack([X, dummy]), y, coef)
    infinite = np.array([False, False, False, False, True])
    cov = covariance(information, infinite=infinite)
    assert cov[4, 4] == np.inf
    assert np.all(np.isnan(cov[4, :4])) and np.all(np.isnan(cov[:4, 4]))
    np.testing.assert_allclose(cov[:4, :4], reduced.cov_params(), rtol=RTOL)
    robust = covariance(information, cov_type="HC0", score_outer=score_outer, infinite=infinite)
    reference = sm.Logit(y[dummy == 0], sm.add_constant(X[dummy == 0])).fit(
        disp=0, method="newton", tol=1e-12, cov_type="HC0"
    )
    np.testing.assert_allclose(robust[:4, :4], reference.cov_params(), rtol=RTOL)
    table = wald_table(coef, cov, ["Intercept", "a", "b", "c", "dummy"])
    row = table.loc["dummy"]
    assert row["std_err"] == np.inf and row["z"] == 0.0 and row["p_value"] == 1.0
    assert (row["ci_low"], row["ci_high"]) == (-np.inf, np.inf)
    assert (row["or_low"], row["or_high"]) == (0.0, np.inf)
    np.testing.assert_allclose(table["std_err"].iloc[:4], reduced.bse, rtol=RTOL)


def test_all_coefficients_infinite_gives_an_all_infinite_diagonal() -> None:
    cov = covariance(np.eye(2), infinite=np.array([True, True]))
    assert np.all(np.diag(cov) == np.inf)
    assert np.all(np.isnan(cov[[0, 1], [1, 0]]))


def test_singular_information_is_a_clear_error() -> None:
    X, y, _ = spector()
    X = X.to_numpy(float)
    X = np.column_stack([X, X[:, 0] * 2.0])
    information, _, _ = fit_matrices(X, y, np.array([-13.0, 2.8, 0.1, 2.4, 0.0]))
    with pytest.raises(ValueError, match="singular.*collinear"):
        covariance(information)


def test_singularity_threshold_includes_a_reciprocal_condition_of_exactly_ten_epsilon() -> None:
    """I is refused when LAPACK's reciprocal condition number of the unit-diagonal I is at most
    10ε. With r = 1 − 12ε the 3 × 3 matrix [[1, r, s], [r, 1, s], [s, s, 1]] has dpocon's
    estimate exactly 10ε at s = 0.16 (refused), and just above it at s = 0.15 (accepted)."""
    r = 1.0 - 12.0 * np.finfo(np.float64).eps

    def information(s: float) -> np.ndarray:
        return np.array([[1.0, r, s], [r, 1.0, s], [s, s, 1.0]])

    def rcond(matrix: np.ndarray) -> float:
        factor = scipy.linalg.cholesky(matrix, lower=True)
        norm_1 = np.abs(matrix).sum(axis=0).max()
        return scipy.linalg.lapack.dpocon(factor, norm_1, uplo="L")[0]

    threshold = 10.0 * np.finfo(np.float64).eps
    assert rcond(information(0.16)) == threshold < rcond(information(0.15)) < 1.01 * threshold
    with pytest.raises(ValueError, match="singular"):
        covariance(information(0.16))
    assert np.all(np.isfinite(covariance(information(0.15))))


@pytest.mark.parametrize("coef", [2.0, np.nan])
def test_an_infinite_standard_error_gives_no_information_whatever_the_estimate(coef) -> None:
    """se = ∞ (a separated coefficient): z = 0, p = 1, ci = (−∞, +∞) and odds-ratio bounds
    (0, +∞), for a finite estimate and an unknown (NaN) one alike."""
    table = wald_table(np.array([coef]), np.array([[np.inf]]), ["x"])
    row = table.loc["x"]
    assert row["std_err"] == np.inf and row["z"] == 0.0 and row["p_value"] == 1.0
    assert (row["ci_low"], row["ci_high"]) == (-np.inf, np.inf)
    assert (row["or_low"], row["or_high"]) == (0.0, np.inf)


def test_a_zero_estimate_of_zero_variance_has_an_undefined_z_without_a_warning() -> None:
    """θ̂ = 0 with se = 0: z = 0/0 is undefined (NaN, and so is p) and computed quietly; the
    interval is the point 0."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        table = wald_table(np.array([0.0, 1.0]), np.diag([0.0, 0.25]), ["zero", "free"])
    assert np.isnan(table.loc["zero", "z"]) and np.isnan(table.loc["zero", "p_value"])
    assert table.loc["zero", "ci_low"] == table.loc["zero", "ci_high"] == 0.0
    assert table.loc["free", "z"] == 2.0


def test_far_tail_p_values_are_accurate() -> None:
    """p = erfc(|z|/√2), computed to 50 digits by mpmath, down to 1e-300."""
    coef = np.array([30.0, -20.0, 8.0, 0.5, 37.0])
    table = wald_table(coef, np.eye(5), list("abcde"))
    mpmath.mp.dps = 50
    expected = [float(mpmath.erfc(abs(mpmath.mpf(float(z))) / mpmath.sqrt(2))) for z in coef]
    np.testing.assert_allclose(table["p_value"], expected, rtol=1e-12)
    assert table["p_value"].iloc[0] > 0.0


def test_huge_coefficient_gives_an_infinite_odds_ratio_without_warnings() -> None:
    table = wald_table(np.array([800.0]), np.array([[4.0]]), ["x"])
    assert table["odds_ratio"].iloc[0] == np.inf
    assert table["or_low"].iloc[0] == np.inf


def test_replace_intervals_keeps_the_tests_and_exponentiates_the_new_bounds() -> None:
    table = wald_table(np.array([1.0, -2.0]), np.diag([0.25, 1.0]), ["a", "b"])
    replaced = replace_intervals(table, [0.1, -4.5], [2.2, np.inf])
    pd.testing.assert_frame_equal(replaced[["coef", "std_err", "z", "p_value"]], table.iloc[:, :4])
    np.testing.assert_array_equal(replaced["ci_low"], [0.1, -4.5])
    np.testing.assert_array_equal(replaced["or_high"], [np.exp(2.2), np.inf])
    assert table["ci_high"].iloc[1] != np.inf
    with pytest.raises(ValueError, match="2 terms"):
        replace_intervals(table, [0.0], [1.0])


# Bad input


@pytest.mark.parametrize("level", [0.0, 1.0, -0.5, 1.5, float("nan"), "high"])
def test_level_outside_zero_one_is_rejected(level) -> None:
    with pytest.raises(ValueError, match="level"):
        wald_table(np.zeros(1), np.eye(1), ["a"], level)
    with pytest.raises(ValueError, match="level"):
        profile_interval(lambda value: -(value**2), 0.0, 1.0, 0.0, level)


def test_groups_of_the_wrong_length_are_rejected() -> None:
    with pytest.raises(ValueError, match="groups has 3 labels but there are 4 samples"):
        cluster_score_sums(make_design(np.ones((4, 1))), np.ones(4), [1, 2, 1])


def test_a_single_group_is_rejected() -> None:
    with pytest.raises(ValueError, match="at least two groups; got one group, 'a'"):
        cluster_score_sums(make_design(np.ones((4, 1))), np.ones(4), ["a"] * 4)
    with pytest.raises(ValueError, match="at least two groups"):
        covariance(np.eye(2), cov_type="cluster", cluster_scores=np.ones((1, 2)), n_obs=10)


@pytest.mark.parametrize("groups", [[1.0, np.nan, 2.0, 1.0], ["a", None, "b", "a"]])
def test_missing_group_labels_are_rejected(groups) -> None:
    with pytest.raises(ValueError, match="1 missing"):
        cluster_score_sums(make_design(np.ones((4, 1))), np.ones(4), groups)


def test_two_dimensional_groups_are_rejected() -> None:
    with pytest.raises(ValueError, match="one label per sample"):
        cluster_score_sums(make_design(np.ones((4, 1))), np.ones(4), np.ones((4, 2)))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"cov_type": "HC3"}, "cov_type must be one of"),
        ({"cov_type": "HC0"}, "needs score_outer"),
        ({"cov_type": "HC1", "score_outer": np.eye(2)}, "needs n_obs"),
        ({"cov_type": "HC1", "score_outer": np.eye(2), "n_obs": 2}, "larger than the 2"),
        ({"cov_type": "cluster"}, "needs cluster_scores"),
        ({"cov_type": "cluster", "cluster_scores": np.ones((3, 5))}, "G×2"),
        ({"infinite": np.array([1, 0])}, "booleans"),
        ({"infinite": np.array([True])}, "booleans"),
    ],
)
def test_covariance_arguments_are_checked(kwargs, message) -> None:
    with pytest.raises(ValueError, match=message):
        covariance(np.eye(2), **kwargs)


@pytest.mark.parametrize(
    "information", [np.ones(3), np.ones((2, 3)), np.array([[1.0, np.nan], [np.nan, 1.0]])]
)
def test_information_must_be_a_finite_square_matrix(information) -> None:
    with pytest.raises(ValueError, match="information"):
        covariance(information)


def test_wald_table_checks_its_shapes() -> None:
    with pytest.raises(ValueError, match="must agree"):
        wald_table(np.zeros(2), np.eye(2), ["a"])
    with pytest.raises(ValueError, match="negative variance"):
        wald_table(np.zeros(1), -np.eye(1), ["a"])


# Profile-likelihood intervals


def newton_fit(objective: lk.Objective, start: np.ndarray | None = None) -> np.ndarray:
    coef0 = np.zeros(objective.n_params) if start is None else start
    result = SOLVERS["newton"].solve(objective, coef0, SolverOptions(tol=1e-12, max_iter=200))
    assert result.converged, result.reason
    return result.coef


def profile_of(
    X: np.ndarray, y: np.ndarray, s: np.ndarray, j: int, coef: np.ndarray
) -> Callable[[float], float]:
    """β ↦ max ℓ with coefficient j (0 = intercept) fixed at β, via an offset β·x̃ⱼ.

    Each constrained fit starts from the other coefficients of the full fit ``coef``: a cold
    start can overshoot into the flat, saturated region where Newton's step halving stalls.
    """
    Xt = with_intercept(X)
    rest = [k for k in range(1, Xt.shape[1]) if k != j]
    start = np.delete(coef, j)

    def constrained(value: float) -> float:
        objective = lk.Objective.from_data(
            Xt[:, rest], y, sample_weight=s, offset=value * Xt[:, j], fit_intercept=j != 0
        )
        return -s.sum() * objective.value(newton_fit(objective, start))

    return constrained


def statsmodels_lr(X, y, s, j: int, value: float, loglik_max: float) -> float:
    """2(ℓ_max − ℓ_p(β)) with ℓ_p from statsmodels' GLM with an offset: an independent fit."""
    Xt = with_intercept(X)
    rest = [k for k in range(Xt.shape[1]) if k != j]
    fit = sm.GLM(
        y, Xt[:, rest], family=sm.families.Binomial(), offset=value * Xt[:, j], freq_weights=s
    ).fit(tol=1e-13)
    return 2.0 * (loglik_max - fit.llf)


def profile_all(X, y, s, level: float) -> tuple[np.ndarray, float, list[tuple[float, float]]]:
    objective = lk.Objective.from_data(X, y, sample_weight=s)
    coef = newton_fit(objective)
    loglik_max = -s.sum() * objective.value(coef)
    information, _, _ = fit_matrices(X, y, coef, s)
    se = np.sqrt(np.diag(covariance(information)))
    bounds = [
        profile_interval(profile_of(X, y, s, j, coef), coef[j], se[j], loglik_max, level)
        for j in range(len(coef))
    ]
    return coef, loglik_max, bounds


@pytest.mark.parametrize("level", [0.95, 0.9])
def test_challenger_profile_bounds_solve_the_likelihood_ratio_equation(level) -> None:
    data = lk.datasets.load_challenger()
    X = data[["temperature_f"]].to_numpy(float)
    y = data["damage"].to_numpy(float)
    s = np.ones(len(y))
    coef, _, bounds = profile_all(X, y, s, level)
    reference = sm.GLM(y, with_intercept(X), family=sm.families.Binomial()).fit(tol=1e-13)
    quantile = chi2.ppf(level, df=1)
    for j, (low, high) in enumerate(bounds):
        assert low < coef[j] < high
        for bound in (low, high):
            statistic = statsmodels_lr(X, y, s, j, bound, reference.llf)
            assert statistic == pytest.approx(quantile, rel=1e-6)
    assert bounds[1][1] < 0.0  # the slope's whole interval is negative


def test_budworm_profile_interval_equals_r_confint() -> None:
    """Venables & Ripley's budworm data, glm(SF ~ sex + ldose, binomial).

    R's confint(budworm.lg, "ldose") prints 0.8228708 1.3390581; R interpolates a spline
    through the profile trace, so it agrees to about 1e-5; the exact roots are checked to 1e-6.
    """
    ldose = np.tile(np.arange(6.0), 2)
    dead = np.array([1, 4, 9, 13, 18, 20, 0, 2, 6, 10, 12, 16], dtype=float)
    male = np.repeat([1.0, 0.0], 6)
    X = np.vstack([np.column_stack([male, ldose])] * 2)
    y = np.repeat([1.0, 0.0], 12)
    s = np.concatenate([dead, 20.0 - dead])
    _, loglik_max, bounds = profile_all(X, y, s, 0.95)
    np.testing.assert_allclose(bounds[2], [0.8228708, 1.3390581], rtol=3e-5)
    for j, (low, high) in enumerate(bounds):
        for bound in (low, high):
            statistic = statsmodels_lr(X, y, s, j, bound, loglik_max)
            assert statistic == pytest.approx(chi2.ppf(0.95, df=1), rel=1e-6)


def test_profile_bound_is_infinite_where_the_likelihood_never_drops() -> None:
    """A dummy with y = 1 on all its rows: its estimate runs to +inf; the lower bound is finite."""
    rng = np.random.default_rng(6)
    x = rng.standard_normal(60)
    dummy = (np.arange(60) % 5 == 0).astype(float)
    y = np.where(dummy == 1.0, 1.0, (rng.random(60) < 0.4).astype(float))
    X, s = np.column_stack([x, dummy]), np.ones(60)
    rest = dummy == 0
    loglik_sup = sm.Logit(y[rest], sm.add_constant(x[rest])).fit(disp=0, tol=1e-12).llf
    start = np.concatenate([sm.Logit(y[rest], sm.add_constant(x[rest])).fit(disp=0).params, [25.0]])
    constrained = profile_of(X, y, s, 2, start)
    low, high = profile_interval(constrained, 25.0, np.inf, loglik_sup, 0.95)
    assert high == np.inf
    assert np.isfinite(low)
    statistic = statsmodels_lr(X, y, s, 2, low, loglik_sup)
    assert statistic == pytest.approx(chi2.ppf(0.95, df=1), rel=1e-6)


def test_profile_interval_of_a_quadratic_profile_is_the_wald_interval() -> None:
    """ℓ_p(β) = −(β − 2)²/(2·0.3²): D(β) = ((β − 2)/0.3)², so the bounds are 2 ∓ 1.96·0.3."""
    low, high = profile_interval(lambda b: -((b - 2.0) ** 2) / (2 * 0.09), 2.0, 0.3, 0.0)
    half = np.sqrt(chi2.ppf(0.95, df=1)) * 0.3
    np.testing.assert_allclose([low, high], [2.0 - half, 2.0 + half], rtol=1e-9)


def test_profile_interval_rejects_a_non_finite_estimate_or_likelihood() -> None:
    with pytest.raises(ValueError, match="estimate must be finite"):
        profile_interval(lambda b: 0.0, np.inf, 1.0, 0.0)
    with pytest.raises(ValueError, match="returned nan"):
        profile_interval(lambda b: float("nan"), 0.0, 1.0, 0.0)
