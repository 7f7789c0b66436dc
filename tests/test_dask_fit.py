"""Fits on Dask arrays equal the in-memory fits of the same data: binary first."""

from __future__ import annotations

import numpy as np
import pytest

from logitkit import LogisticRegression
from problems import make_problem

da = pytest.importorskip("dask.array")

RTOL = 1e-8


def _data(n: int = 2000, p: int = 5, seed: int = 0):
    return make_problem(n, p, seed=seed)


def assert_same_fit(dask_model, numpy_model, rtol: float = RTOL) -> None:
    """Coefficients, intercepts, log-likelihoods and information equal to ``rtol``."""
    np.testing.assert_allclose(dask_model.coef_, numpy_model.coef_, rtol=rtol, atol=0)
    np.testing.assert_allclose(dask_model.intercept_, numpy_model.intercept_, rtol=rtol, atol=0)
    assert dask_model.loglik_ == pytest.approx(numpy_model.loglik_, rel=rtol)
    assert dask_model.null_loglik_ == pytest.approx(numpy_model.null_loglik_, rel=rtol)
    assert dask_model.n_obs_ == pytest.approx(numpy_model.n_obs_, rel=rtol)


@pytest.mark.parametrize("solver", ["newton", "lbfgs"])
def test_binary_fit_equals_numpy(dask_scheduler, solver: str) -> None:
    X, y = _data()
    expected = LogisticRegression(solver=solver).fit(X, y)
    model = LogisticRegression(solver=solver).fit(
        da.from_array(X, chunks=600), da.from_array(y, chunks=600)
    )
    assert_same_fit(model, expected)
    assert model.converged_
    assert model.solver_ == solver
