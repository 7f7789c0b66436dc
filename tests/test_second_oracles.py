"""Second, independent checks of formulas one test alone used to guard.

Each check reaches the formula by another route or another oracle than its first test, so
that one edited tolerance or one wrong expected value cannot hide a bug in it:

- ℓ₀ without an intercept, n log ½ (two classes) and −n log K (K classes), with n = Σ sᵢ: the
  weights-equal-repeated-rows identity and R's null model η = 0;
- ℓ₀ with an intercept from the weighted rate ȳ = Σ sᵢyᵢ / Σ sᵢ: statsmodels' GLM with
  ``freq_weights``;
- HC1's factor n/(n − k): statsmodels' cluster-robust covariance with one row per cluster,
  whose factor G/(G − 1) · (n − 1)/(n − k) is n/(n − k) when G = n;
- AIC's and BIC's parameter count, the rank r (not len θ) when a column is aliased:
  statsmodels' GLM, which fits the full design by a pseudo-inverse and counts its rank;
- a non-default ``reference=`` class: statsmodels' MNLogit with that class coded first;
- Wald intervals at a level other than 0.95: MNLogit's ``conf_int(alpha)``, through the
  multinomial summary rather than the binary table;
- the proximal step of gradient descent, with a fixed learning rate and with the line
  search: glum's elastic-net solution, exact zeros included.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from glum import GeneralizedLinearRegressor
from statsmodels.tools.sm_exceptions import SingularMatrixWarning

import logitkit as lk
from problems import make_problem


def three_class_problem(n: int = 240, seed: int = 5) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 3))
    logits = np.column_stack([np.zeros(n), X @ [0.8, -0.5, 0.2], X @ [-0.3, 0.6, 0.9]])
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    y = (rng.random(n)[:, None] > np.cumsum(probs, axis=1)).sum(axis=1)
    return X, y


# ---- the null log-likelihood: total weight, weighted rate ---------------------------------------


@pytest.mark.parametrize("n_classes", [2, 3])
def test_null_loglik_without_intercept_counts_the_total_weight(n_classes) -> None:
    """Integer weights are repeated rows, without an intercept too: ℓ₀ = −(Σ sᵢ) log K, the
    log-likelihood of R's null model η = 0 (every class equally likely), not −n_rows log K."""
    X, y = make_problem(300, 3, seed=41) if n_classes == 2 else three_class_problem(300)
    counts = np.random.default_rng(4).integers(0, 4, size=len(y))
    assert counts.sum() != len(y)
    weighted = lk.LogisticRegression(fit_intercept=False).fit(X, y, sample_weight=counts)
    repeated = lk.LogisticRegression(fit_intercept=False).fit(
        np.repeat(X, counts, 0), np.repeat(y, counts)
    )
    assert weighted.null_loglik_ == pytest.approx(-counts.sum() * np.log(n_classes), rel=1e-13)
    for name in ("loglik_", "null_loglik_", "null_deviance_", "aic_", "bic_", "n_obs_"):
        assert getattr(weighted, name) == pytest.approx(getattr(repeated, name), rel=1e-9), name
    summary = weighted.summary()
    assert summary.null_loglik == pytest.approx(repeated.null_loglik_, rel=1e-9)


def test_weighted_null_rate_equals_statsmodels_glm_freq_weights() -> None:
    """ℓ₀ = n[ȳ log ȳ + (1 − ȳ) log(1 − ȳ)] with ȳ the weighted rate: statsmodels' llnull and
    null deviance for frequency weights, weights that move ȳ far from the unweighted rate."""
    X, y = make_problem(400, 3, seed=42)
    weights = np.where(y == 1, 4.0, 1.0) * np.random.default_rng(6).integers(1, 3, size=400)
    model = lk.LogisticRegression().fit(X, y, sample_weight=weights)
    reference = sm.GLM(
        y, sm.add_constant(X), family=sm.families.Binomial(), freq_weights=weights
    ).fit(tol=1e-12)
    assert abs(np.dot(weights, y) / weights.sum() - y.mean()) > 0.1
    assert model.null_loglik_ == pytest.approx(reference.llnull, rel=1e-10)
    assert model.null_deviance_ == pytest.approx(reference.null_deviance, rel=1e-10)
    assert model.loglik_ == pytest.approx(reference.llf, rel=1e-10)


def test_weighted_class_counts_equal_statsmodels_mnlogit_on_repeated_rows() -> None:
    """Three classes: ℓ₀ = Σₖ nₖ log(nₖ/n) from the weighted counts nₖ, as MNLogit's llnull
    on the rows repeated."""
    X, y = three_class_problem(150)
    counts = np.random.default_rng(7).integers(1, 5, size=150) * np.where(y == 2, 3, 1)
    model = lk.LogisticRegression(tol=1e-12).fit(X, y, sample_weight=counts)
    reference = sm.MNLogit(np.repeat(y, counts), sm.add_constant(np.repeat(X, counts, 0))).fit(
        method="newton", tol=1e-12, maxiter=100, disp=0
    )
    assert model.null_loglik_ == pytest.approx(reference.llnull, rel=1e-10)
    assert model.loglik_ == pytest.approx(reference.llf, rel=1e-9)


# ---- HC1, AIC and BIC ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def spector() -> pd.DataFrame:
    return sm.datasets.spector.load_pandas().data


def test_hc1_equals_statsmodels_cluster_errors_with_one_row_per_cluster(spector) -> None:
    X, y = spector[["GPA", "TUCE", "PSI"]], spector["GRADE"]
    model = lk.LogisticRegression(tol=1e-12).fit(X, y)
    singletons = sm.Logit(y, sm.add_constant(X)).fit(
        disp=0, tol=1e-12, cov_type="cluster", cov_kwds={"groups": np.arange(len(y))}
    )
    table = model.summary(cov_type="HC1").table
    np.testing.assert_allclose(table["std_err"], singletons.bse.to_numpy(), rtol=1e-6)
    factor = len(y) / (len(y) - 4)
    hc0 = model.summary(cov_type="HC0").table["std_err"]
    np.testing.assert_allclose(table["std_err"], hc0 * np.sqrt(factor), rtol=1e-12)


def test_aic_and_bic_count_the_rank_as_statsmodels_glm_does(spector) -> None:
    """An aliased column adds a coefficient (held at 0) but no parameter: statsmodels' GLM fits
    the full design by a pseudo-inverse and counts its rank, 4 of the 5 columns."""
    X = spector[["GPA", "TUCE", "PSI"]].assign(combo=lambda f: f["GPA"] + 2.0 * f["TUCE"])
    y = spector["GRADE"]
    with pytest.warns(lk.CollinearityWarning, match="'combo' is a linear combination"):
        model = lk.LogisticRegression(tol=1e-12).fit(X, y)
    with pytest.warns(SingularMatrixWarning, match="rank-deficient"):
        reference = sm.GLM(y, sm.add_constant(X), family=sm.families.Binomial()).fit(tol=1e-12)
    assert reference.df_model == model.df_model_ == 3
    assert model.loglik_ == pytest.approx(reference.llf, rel=1e-9)
    assert model.aic_ == pytest.approx(reference.aic, rel=1e-9)
    assert model.bic_ == pytest.approx(reference.bic_llf, rel=1e-9)
    assert model.df_resid_ == reference.df_resid == 28


# ---- a non-default reference class and another level --------------------------------------------


ANES_TERMS = ["logpopul", "selfLR", "age", "educ", "income"]


@pytest.fixture(scope="module")
def anes_reference_4():
    """anes96 with party 4 as the reference: ours by ``reference=4``, statsmodels' MNLogit by
    coding 4 as the first class (MNLogit's reference is always the first)."""
    data = sm.datasets.anes96.load_pandas().data
    X, y = data[ANES_TERMS], data["PID"].astype(int)
    model = lk.LogisticRegression(reference=4, tol=1e-12).fit(X, y)
    order = [4, 0, 1, 2, 3, 5, 6]
    codes = y.map({label: code for code, label in enumerate(order)})
    reference = sm.MNLogit(codes, sm.add_constant(X)).fit(
        method="newton", tol=1e-12, maxiter=100, disp=0
    )
    return model, reference, order


def test_reference_class_equals_statsmodels_with_that_class_first(anes_reference_4) -> None:
    model, reference, order = anes_reference_4
    np.testing.assert_array_equal(model.coef_[4], 0.0)
    assert model.intercept_[4] == 0.0
    for code, label in enumerate(order[1:]):
        np.testing.assert_allclose(
            np.r_[model.intercept_[label], model.coef_[label]],
            reference.params.iloc[:, code].to_numpy(),
            rtol=1e-6,
        )
    table = model.summary().table
    assert [label for label, _ in table.index[::6]] == [0, 1, 2, 3, 5, 6]
    in_our_order = reference.bse.to_numpy()[:, np.argsort(order[1:])]
    np.testing.assert_allclose(table["std_err"], in_our_order.ravel("F"), rtol=1e-6)
    assert model.loglik_ == pytest.approx(reference.llf, rel=1e-10)
    assert model.null_loglik_ == pytest.approx(reference.llnull, rel=1e-9)


@pytest.mark.parametrize("level", [0.8, 0.99])
def test_multinomial_wald_intervals_at_other_levels_equal_statsmodels(
    anes_reference_4, level
) -> None:
    model, reference, order = anes_reference_4
    table = model.summary(level=level).table
    bounds = reference.conf_int(alpha=1 - level).to_numpy()
    columns = np.argsort(order[1:])
    n_terms = len(ANES_TERMS) + 1
    for j, name in enumerate(("ci_low", "ci_high")):
        by_class = bounds[:, j].reshape(len(order) - 1, n_terms)[columns]
        np.testing.assert_allclose(table[name], by_class.ravel(), rtol=1e-6)
    np.testing.assert_allclose(table["or_low"], np.exp(table["ci_low"]), rtol=1e-14)


# ---- the proximal step of gradient descent ------------------------------------------------------


@pytest.fixture(scope="module")
def lasso_data() -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """A problem whose elastic-net solution has exact zeros, and glum's solution of it."""
    X, y = make_problem(600, 8, seed=43, scale=0.3)
    alpha = 0.03
    glum = GeneralizedLinearRegressor(
        family="binomial", alpha=alpha, l1_ratio=0.8, gradient_tol=1e-12, max_iter=1000
    ).fit(X, y)
    return X, y, np.r_[glum.intercept_, glum.coef_], alpha


@pytest.mark.parametrize("learning_rate", [None, 1.0])
def test_proximal_gradient_descent_equals_glum(lasso_data, learning_rate) -> None:
    """θ ← S(θ − η∇f(θ), ηαρ): with the line search and with a fixed step, the fit must be
    glum's, the same weights at exactly 0."""
    X, y, expected, alpha = lasso_data
    model = lk.LogisticRegression(
        solver="gd", alpha=alpha, l1_ratio=0.8, learning_rate=learning_rate, max_iter=20_000
    ).fit(X, y)
    assert model.converged_
    theta = np.r_[model.intercept_, model.coef_[0]]
    np.testing.assert_allclose(theta, expected, atol=1e-6)
    zeros = expected[1:] == 0.0
    assert 2 <= zeros.sum() < len(zeros)
    np.testing.assert_array_equal(model.coef_[0] == 0.0, zeros)
