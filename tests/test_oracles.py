"""Agreement with references no one here wrote: statsmodels' Logit and scikit-learn's solvers."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm
from sklearn.linear_model import LogisticRegression as SklearnLogisticRegression

import logitkit as lk
from problems import make_problem


def params_of(model: lk.LogisticRegression) -> np.ndarray:
    return np.concatenate([model.intercept_, model.coef_[0]])


@pytest.mark.parametrize("solver", ["auto", "newton", "lbfgs", "newton-cg"])
def test_unpenalised_fit_equals_statsmodels_on_spector(solver) -> None:
    data = sm.datasets.spector.load_pandas()
    X, y = data.exog, data.endog
    reference = sm.Logit(y, sm.add_constant(X)).fit(disp=0, method="newton", tol=1e-12)
    model = lk.LogisticRegression(solver=solver).fit(X, y)
    np.testing.assert_allclose(params_of(model), reference.params.to_numpy(), rtol=1e-6)
    assert list(model.feature_names_in_) == ["GPA", "TUCE", "PSI"]
    n = len(y)
    assert -n * model.history_["loss"].iloc[-1] == pytest.approx(reference.llf, rel=1e-10)


def test_unpenalised_fit_equals_statsmodels_on_a_synthetic_problem() -> None:
    X, y = make_problem(3000, 8, seed=11)
    X = X * np.array([1.0, 10.0, 0.1, 1.0, 3.0, 1.0, 1.0, 0.5]) + 2.0
    reference = sm.Logit(y, sm.add_constant(X)).fit(disp=0, method="newton", tol=1e-12)
    model = lk.LogisticRegression().fit(X, y)
    np.testing.assert_allclose(params_of(model), reference.params, rtol=1e-6)


def test_frequency_weights_equal_statsmodels_glm() -> None:
    X, y = make_problem(400, 3, seed=12)
    weights = np.random.default_rng(0).integers(1, 5, size=400).astype(float)
    reference = sm.GLM(y, sm.add_constant(X), family=sm.families.Binomial(), freq_weights=weights)
    expected = reference.fit(tol=1e-12).params
    model = lk.LogisticRegression().fit(X, y, sample_weight=weights)
    np.testing.assert_allclose(params_of(model), expected, rtol=1e-6)


@pytest.mark.parametrize("alpha", [1e-3, 0.05, 1.0])
@pytest.mark.parametrize("solver", ["auto", "lbfgs", "newton-cg", "gd"])
def test_ridge_equals_scikit_learn_with_c_one_over_alpha_n(alpha, solver) -> None:
    X, y = make_problem(500, 6, seed=13)
    n = len(y)
    reference = SklearnLogisticRegression(C=1.0 / (alpha * n), solver="newton-cholesky", tol=1e-12)
    reference.fit(X, y)
    expected = np.concatenate([reference.intercept_, reference.coef_[0]])
    model = lk.LogisticRegression(alpha=alpha, solver=solver).fit(X, y)
    np.testing.assert_allclose(params_of(model), expected, rtol=1e-6, atol=1e-9)
