"""Firth's penalised likelihood: finite under separation, close to ML when data are ample."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import minimize

import logitkit as lk
from problems import make_problem


def penalised_loglik(theta: np.ndarray, X: np.ndarray, y: np.ndarray) -> float:
    """ℓ(θ) + ½ log det I(θ), written out directly."""
    design = np.column_stack([np.ones(len(y)), X])
    z = design @ theta
    p = lk.sigmoid(z)
    information = (design * (p * (1 - p))[:, None]).T @ design
    return lk.log_likelihood(y, z) + 0.5 * np.linalg.slogdet(information)[1]


@pytest.fixture(scope="module")
def separated():
    rng = np.random.default_rng(41)
    X = rng.standard_normal((60, 2))
    y = (X[:, 0] + 0.3 * X[:, 1] > 0).astype(int)
    return X, y


@pytest.mark.parametrize("solver", ["auto", "newton", "lbfgs"])
def test_firth_is_finite_under_separation_and_maximises_the_penalised_likelihood(
    separated, solver
) -> None:
    X, y = separated
    model = lk.LogisticRegression(firth=True, solver=solver).fit(X, y)
    theta = np.concatenate([model.intercept_, model.coef_[0]])
    assert model.converged_ and np.all(np.abs(theta) < 50)
    direct = minimize(
        lambda t: -penalised_loglik(t, X, y),
        np.zeros(3),
        method="Nelder-Mead",
        options={"xatol": 1e-10, "fatol": 1e-13, "maxiter": 40_000, "maxfev": 40_000},
    )
    np.testing.assert_allclose(theta, direct.x, rtol=1e-5, atol=1e-6)
    assert penalised_loglik(theta, X, y) >= -direct.fun - 1e-9


def test_firth_is_close_to_maximum_likelihood_on_ample_data() -> None:
    X, y = make_problem(5000, 3, seed=42)
    plain = lk.LogisticRegression().fit(X, y)
    firth = lk.LogisticRegression(firth=True).fit(X, y)
    difference = np.abs(firth.coef_ - plain.coef_).max()
    assert 0 < difference < 0.01 * np.abs(plain.coef_).max()
    # Firth shrinks towards zero: the bias of the ML estimate is away from zero.
    assert np.all(np.abs(firth.coef_) < np.abs(plain.coef_))


@pytest.mark.parametrize(
    "params, message",
    [
        ({"firth": True, "alpha": 0.1}, "takes no alpha"),
        ({"firth": True, "solver": "sgd"}, "firth=True needs the whole data"),
        ({"firth": "yes"}, "firth must be True or False"),
    ],
)
def test_firth_refuses_what_it_cannot_do(separated, params, message) -> None:
    X, y = separated
    with pytest.raises(ValueError, match=message):
        lk.LogisticRegression(**params).fit(X, y)
