"""The ``cd`` solver: KKT conditions checked from first principles, and scikit-learn's saga and
liblinear and glum's irls-cd as oracles for lasso and elastic-net fits."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from glum import GeneralizedLinearRegressor
from scipy.special import expit
from sklearn.exceptions import ConvergenceWarning as SklearnConvergenceWarning
from sklearn.linear_model import LogisticRegression as SklearnLogisticRegression

import logitkit as lk
from problems import make_problem

FORMATS = {"dense": np.asarray, "csr": sp.csr_matrix, "csc": sp.csc_matrix}


def kkt_violation(X, y, coef, intercept, alpha, l1_ratio, sample_weight=None, fit_intercept=True):
    """Largest violation of the optimality conditions of J, computed here from X, y and θ.

    g = Xᵀ(s ⊙ (σ(b + Xw) − y))/Σs + α(1 − ρ)w; a weight wⱼ ≠ 0 needs gⱼ = −αρ sign(wⱼ), a zero
    weight |gⱼ| ≤ αρ, and the intercept ∂J/∂b = 0.
    """
    X = X.toarray() if sp.issparse(X) else np.asarray(X)
    X = X.astype(np.float64)
    w = np.asarray(coef, dtype=np.float64).ravel()
    b = float(np.asarray(intercept).ravel()[0])
    s = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    residual = s * (expit(b + X @ w) - y) / s.sum()
    grad = X.T @ residual + alpha * (1 - l1_ratio) * w
    lam = alpha * l1_ratio
    violation = np.where(
        w == 0.0, np.maximum(np.abs(grad) - lam, 0.0), np.abs(grad + lam * np.sign(w))
    )
    intercept_violation = abs(residual.sum()) if fit_intercept else 0.0
    return max(float(violation.max()), intercept_violation)


@pytest.fixture(scope="module")
def sparse_problem() -> tuple[np.ndarray, np.ndarray]:
    """n = 600, p = 20, a sparse true w, and about half of X's entries zero."""
    rng = np.random.default_rng(3)
    X = rng.standard_normal((600, 20)) * (rng.random((600, 20)) < 0.5)
    w = np.zeros(20)
    w[:5] = [1.5, -1.0, 0.8, -0.6, 0.4]
    y = (rng.random(600) < expit(X @ w + 0.2)).astype(float)
    return X, y


@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
@pytest.mark.parametrize("fmt", list(FORMATS))
def test_kkt_conditions_hold_at_the_solution(sparse_problem, l1_ratio, fmt) -> None:
    X, y = sparse_problem
    alpha = 0.02
    model = lk.LogisticRegression(alpha=alpha, l1_ratio=l1_ratio, solver="cd")
    model.fit(FORMATS[fmt](X), y)
    assert model.converged_
    assert kkt_violation(X, y, model.coef_, model.intercept_, alpha, l1_ratio) <= 1e-8
    assert 0 < np.count_nonzero(model.coef_) < X.shape[1]


def test_kkt_with_sample_weights_and_without_intercept(sparse_problem) -> None:
    X, y = sparse_problem
    weights = np.random.default_rng(4).uniform(0.2, 3.0, len(y))
    model = lk.LogisticRegression(alpha=0.01, l1_ratio=0.8, solver="cd", fit_intercept=False)
    model.fit(X, y, sample_weight=weights)
    assert model.intercept_[0] == 0.0
    violation = kkt_violation(
        X, y, model.coef_, model.intercept_, 0.01, 0.8, weights, fit_intercept=False
    )
    assert violation <= 1e-8
    weighted = lk.LogisticRegression(alpha=0.01, l1_ratio=0.8, solver="cd").fit(
        X, y, sample_weight=weights
    )
    assert kkt_violation(X, y, weighted.coef_, weighted.intercept_, 0.01, 0.8, weights) <= 1e-8


def test_float32_meets_its_looser_tolerance(sparse_problem) -> None:
    X, y = sparse_problem
    model = lk.LogisticRegression(alpha=0.02, l1_ratio=1.0, solver="cd").fit(
        X.astype(np.float32), y
    )
    assert model.coef_.dtype == np.float32
    assert model.converged_
    assert kkt_violation(X, y, model.coef_, model.intercept_, 0.02, 1.0) <= 1e-5
    reference = lk.LogisticRegression(alpha=0.02, l1_ratio=1.0, solver="cd").fit(X, y)
    np.testing.assert_allclose(model.coef_, reference.coef_, atol=1e-5)


def sklearn_fit(X, y, alpha, l1_ratio, solver, fit_intercept=True):
    """scikit-learn minimises C Σ Lᵢ + ρ‖w‖₁ + (1 − ρ)/2 ‖w‖²: divided by C·n it is J with
    α = 1/(C·n)."""
    reference = SklearnLogisticRegression(
        C=1.0 / (alpha * len(y)),
        l1_ratio=l1_ratio,
        solver=solver,
        fit_intercept=fit_intercept,
        tol=1e-13,
        max_iter=100_000,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SklearnConvergenceWarning)
        return reference.fit(X, y)


@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_agrees_with_sklearn_saga(l1_ratio) -> None:
    X, y = make_problem(400, 8, seed=11, scale=0.4)
    alpha = 0.03
    reference = sklearn_fit(X, y, alpha, l1_ratio, "saga")
    model = lk.LogisticRegression(alpha=alpha, l1_ratio=l1_ratio, solver="cd").fit(X, y)
    np.testing.assert_allclose(model.coef_, reference.coef_, atol=1e-6)
    np.testing.assert_allclose(model.intercept_, reference.intercept_, atol=1e-6)
    np.testing.assert_array_equal(model.coef_ == 0, np.abs(reference.coef_) < 1e-8)
    assert np.any(model.coef_ == 0)


def test_agrees_with_sklearn_liblinear_without_intercept() -> None:
    X, y = make_problem(400, 8, seed=12, scale=0.4)
    alpha = 0.03
    reference = sklearn_fit(X, y, alpha, 1.0, "liblinear", fit_intercept=False)
    model = lk.LogisticRegression(alpha=alpha, l1_ratio=1.0, solver="cd", fit_intercept=False)
    model.fit(X, y)
    np.testing.assert_allclose(model.coef_, reference.coef_, atol=1e-6)
    np.testing.assert_array_equal(model.coef_ == 0, reference.coef_ == 0)
    assert np.any(model.coef_ == 0)


@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
@pytest.mark.parametrize("fmt", ["dense", "csc"])
def test_agrees_with_glum_irls_cd(sparse_problem, l1_ratio, fmt) -> None:
    X, y = sparse_problem
    alpha = 0.015
    reference = GeneralizedLinearRegressor(
        family="binomial",
        alpha=alpha,
        l1_ratio=l1_ratio,
        solver="irls-cd",
        gradient_tol=1e-12,
        max_iter=1000,
    ).fit(FORMATS[fmt](X), y)
    model = lk.LogisticRegression(alpha=alpha, l1_ratio=l1_ratio, solver="cd")
    model.fit(FORMATS[fmt](X), y)
    np.testing.assert_allclose(model.coef_[0], reference.coef_, atol=1e-6)
    np.testing.assert_allclose(model.intercept_[0], reference.intercept_, atol=1e-6)
    np.testing.assert_array_equal(model.coef_[0] == 0, reference.coef_ == 0)


@pytest.mark.parametrize("alpha", [0.05, 0.0])
def test_smooth_problems_agree_with_newton(problem, alpha) -> None:
    X, y = problem
    model = lk.LogisticRegression(alpha=alpha, l1_ratio=0.0, solver="cd", tol=1e-10).fit(X, y)
    reference = lk.LogisticRegression(alpha=alpha, solver="newton", tol=1e-10).fit(X, y)
    assert model.converged_
    np.testing.assert_allclose(model.coef_, reference.coef_, rtol=0, atol=1e-8)
    np.testing.assert_allclose(model.intercept_, reference.intercept_, rtol=0, atol=1e-8)


def test_gradient_descent_reaches_the_cd_cost_with_exact_zeros(sparse_problem) -> None:
    X, y = sparse_problem
    params = {"alpha": 0.03, "l1_ratio": 1.0}
    cd = lk.LogisticRegression(solver="cd", **params).fit(X, y)
    gd = lk.LogisticRegression(solver="gd", **params).fit(X, y)
    cd_cost, gd_cost = cd.history_.loss.iloc[-1], gd.history_.loss.iloc[-1]
    assert abs(gd_cost - cd_cost) <= 1e-8 * cd_cost
    np.testing.assert_array_equal(gd.coef_ == 0, cd.coef_ == 0)
    assert np.count_nonzero(gd.coef_ == 0) >= 5


def test_auto_picks_cd_for_an_l1_part(problem) -> None:
    X, y = problem
    assert lk.LogisticRegression(alpha=0.01, l1_ratio=0.3).fit(X, y).solver_ == "cd"
    assert lk.LogisticRegression(alpha=0.01).fit(X, y).solver_ == "newton"


@pytest.mark.parametrize("solver", ["lbfgs", "newton", "newton-cg"])
def test_smooth_solvers_refuse_l1_and_name_cd(problem, solver) -> None:
    X, y = problem
    with pytest.raises(ValueError, match=f"solver='{solver}' cannot handle an L1 .*'cd'"):
        lk.LogisticRegression(solver=solver, alpha=0.1, l1_ratio=1.0).fit(X, y)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"l1_ratio": -0.1}, "l1_ratio must be in \\[0, 1\\]"),
        ({"l1_ratio": 1.01}, "l1_ratio must be in \\[0, 1\\]"),
        ({"alpha": -1.0}, "alpha must be a finite number >= 0"),
    ],
)
def test_bad_penalties_are_refused(problem, params, message) -> None:
    X, y = problem
    with pytest.raises(ValueError, match=message):
        lk.LogisticRegression(solver="cd", **params).fit(X, y)


def test_hessian_submatrix_is_the_block_of_the_hessian(sparse_problem) -> None:
    X, y = sparse_problem
    theta = np.random.default_rng(5).normal(scale=0.3, size=X.shape[1] + 1)
    index = np.array([7, 0, 3, 12])
    for fmt in FORMATS.values():
        objective = lk.Objective.from_data(fmt(X), y, alpha=0.1, l1_ratio=0.4)
        block = objective.hessian(theta)[np.ix_(index, index)]
        np.testing.assert_allclose(objective.hessian_submatrix(theta, index), block, atol=1e-15)


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_hessian_blocks_match_the_hessian_written_out(sparse_problem, fit_intercept) -> None:
    """Rectangular blocks X̃_Iᵀ diag(d) X̃_K + α(1 − ρ)[Iᵢ = Kⱼ penalised] against NumPy."""
    X, y = sparse_problem
    alpha, l1_ratio = 0.1, 0.4
    full = np.column_stack((np.ones(len(y)), X)) if fit_intercept else X
    theta = np.random.default_rng(6).normal(scale=0.3, size=full.shape[1])
    mean = expit(full @ theta)
    d = mean * (1.0 - mean) / len(y)
    ridge = np.full(full.shape[1], alpha * (1.0 - l1_ratio))
    if fit_intercept:
        ridge[0] = 0.0
    hessian = (full * d[:, None]).T @ full + np.diag(ridge)
    index, other = np.array([7, 0, 3, 12]), np.array([2, 12, 0, 19, 7])
    for fmt in FORMATS.values():
        objective = lk.Objective.from_data(
            fmt(X), y, alpha=alpha, l1_ratio=l1_ratio, fit_intercept=fit_intercept
        )
        weights = objective.hessian_weights(theta)
        np.testing.assert_allclose(
            objective.hessian_block(weights, index, other),
            hessian[np.ix_(index, other)],
            rtol=1e-12,
            atol=1e-15,
        )
        np.testing.assert_allclose(
            objective.hessian_block(weights, other), hessian[np.ix_(other, other)], atol=1e-15
        )
