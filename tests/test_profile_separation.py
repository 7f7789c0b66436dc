"""Profile-likelihood intervals under separation: one-sided where the estimate runs off."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy.optimize import minimize_scalar
from scipy.special import log_expit
from scipy.stats import chi2

import logitkit as lk
from logitkit.inference.intervals import profile_interval

X_LINE = np.arange(1.0, 9.0)
Y_LINE = np.array([0, 0, 0, 0, 1, 1, 1, 1])


def _fit(X: np.ndarray, y: np.ndarray) -> lk.LogisticRegression:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", lk.SeparationWarning)
        return lk.LogisticRegression().fit(X, y)


def _loglik(intercept: float, slope: float) -> float:
    z = intercept + slope * X_LINE
    return float(np.sum(np.where(Y_LINE == 1, log_expit(z), log_expit(-z))))


def test_complete_separation_gives_one_sided_profile_intervals() -> None:
    X = X_LINE[:, None]
    model = _fit(X, Y_LINE)
    assert model.separation_.terms == {"Intercept": -1, "x0": 1}
    table = model.summary(ci="profile", X=X, y=Y_LINE).table
    assert table.loc["Intercept", "ci_low"] == -np.inf
    assert table.loc["x0", "ci_high"] == np.inf
    assert table.loc["x0", "or_high"] == np.inf
    quantile = chi2.ppf(0.95, df=1)
    # The supremum of ℓ is 0; the finite bounds solve 2(0 − ℓ_p(β)) = χ²₁(0.95), with ℓ_p
    # maximised here by SciPy over the other coefficient.
    slope_low = table.loc["x0", "ci_low"]
    held_slope = minimize_scalar(
        lambda b: -_loglik(b, slope_low),
        bounds=(-200, 0),
        method="bounded",
        options={"xatol": 1e-10},
    )
    assert 2.0 * held_slope.fun == pytest.approx(quantile, rel=1e-5)
    intercept_high = table.loc["Intercept", "ci_high"]
    held_intercept = minimize_scalar(
        lambda w: -_loglik(intercept_high, w),
        bounds=(0, 50),
        method="bounded",
        options={"xatol": 1e-10},
    )
    assert 2.0 * held_intercept.fun == pytest.approx(quantile, rel=1e-5)
    assert 0.0 < slope_low < table.loc["x0", "coef"]


def test_undetermined_terms_get_two_sided_infinite_profile_intervals() -> None:
    X = np.c_[X_LINE, np.random.default_rng(0).normal(size=8)]
    model = _fit(X, Y_LINE)
    assert model.separation_.undetermined == ("x1",)
    table = model.summary(ci="profile", X=X, y=Y_LINE).table
    assert table.loc["x1", ["ci_low", "ci_high"]].tolist() == [-np.inf, np.inf]
    assert table.loc["Intercept", "ci_low"] == -np.inf
    assert np.isfinite(table.loc["Intercept", "ci_high"])
    assert table.loc["x0", "ci_high"] == np.inf
    assert 0.0 < table.loc["x0", "ci_low"] < np.inf


def test_challenger_with_distressed_orings_profiles_without_crashing() -> None:
    data = lk.datasets.load_challenger()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", lk.SeparationWarning)
        model = lk.logit("damage ~ temperature_f + distressed_orings", data)
    table = model.summary(ci="profile").table
    assert model.separation_.terms == {"distressed_orings": 1}
    assert table.loc["distressed_orings", "ci_high"] == np.inf
    assert 0.0 < table.loc["distressed_orings", "ci_low"] < np.inf


@pytest.mark.parametrize("side", [-1, 1])
def test_profile_interval_leaves_the_infinite_side_unprofiled(side) -> None:
    seen: list[float] = []

    def quadratic(value: float) -> float:
        seen.append(value)
        return -0.5 * value**2

    low, high = profile_interval(quadratic, 0.0, 1.0, 0.0, 0.95, infinite_side=side)
    finite = np.sqrt(chi2.ppf(0.95, df=1))
    assert (low, high) == pytest.approx((-finite, np.inf) if side == 1 else (-np.inf, finite))
    assert all(side * value <= 0.0 for value in seen)
    with pytest.raises(ValueError, match="infinite_side must be -1, 0 or 1"):
        profile_interval(quadratic, 0.0, 1.0, 0.0, 0.95, infinite_side=2)
