"""Real datasets and statsmodels' GLM oracle for the model-checking tests."""

from __future__ import annotations

import numpy as np
import pandas as pd
import statsmodels.api as sm
from sklearn.datasets import load_breast_cancer

import logitkit as lk


def spector() -> tuple[pd.DataFrame, pd.Series]:
    data = sm.datasets.spector.load_pandas()
    return data.exog, data.endog


def breast_cancer() -> tuple[pd.DataFrame, pd.Series]:
    data = load_breast_cancer(as_frame=True)
    X = data.frame[["mean radius", "mean texture", "mean smoothness"]]
    return X, data.target.astype(float)


def challenger() -> tuple[pd.DataFrame, pd.Series]:
    flights = lk.datasets.load_challenger()
    return flights[["temperature_f"]], flights["damage"]


DATASETS = {"spector": spector, "breast_cancer": breast_cancer, "challenger": challenger}


def glm(X: pd.DataFrame, y: pd.Series, var_weights: np.ndarray | None = None, **fit_args):
    """statsmodels' binomial GLM with an intercept, fitted to convergence."""
    model = sm.GLM(
        np.asarray(y, dtype=float),
        sm.add_constant(np.asarray(X, dtype=float), has_constant="add"),
        family=sm.families.Binomial(),
        var_weights=var_weights,
    )
    return model.fit(tol=1e-12, **fit_args)


def assert_close(actual, expected, rtol: float = 1e-6) -> None:
    """Equal to ``rtol`` relative (1e-12 absolute for entries that are 0)."""
    np.testing.assert_allclose(
        np.asarray(actual, dtype=float), np.asarray(expected, dtype=float), rtol=rtol, atol=1e-12
    )
