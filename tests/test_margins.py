"""Marginal effects: discrete columns of small variance, the table's columns and refusals."""

import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy.special import expit
from scipy.stats import norm

import logitkit as lk
from logitkit.inference.margins import MARGIN_COLUMNS

RTOL = 1e-6


@pytest.fixture(scope="module")
def small_counts():
    """300 rows of a continuous x and a count k ∈ {0, 1, 2, 3} of variance below 1 (mostly
    0s and 1s, but with 2s and 3s, so not a dummy), and their statsmodels fit."""
    rng = np.random.default_rng(7)
    X = pd.DataFrame({"x": rng.normal(size=300), "k": rng.poisson(0.4, size=300).astype(float)})
    z = -0.3 + 0.8 * X["x"] + 0.6 * X["k"]
    y = (rng.random(300) < 1.0 / (1.0 + np.exp(-z))).astype(float)
    reference = sm.Logit(y, sm.add_constant(X)).fit(disp=0, tol=1e-12)
    return X, y, reference, lk.LogisticRegression(tol=1e-10).fit(X, y)


@pytest.mark.parametrize("at", ["overall", "mean"])
def test_a_count_column_of_variance_below_one_gets_the_centred_change(small_counts, at):
    """Any non-constant column of non-negative integers that is not 0/1 is a count, whatever
    its spread: its effect is (p(k + 1) − p(k − 1))/2, as statsmodels' get_margeff(count=True)."""
    X, y, reference, model = small_counts
    assert 0.0 < X["k"].var(ddof=0) < 1.0 and X["k"].max() == 3.0
    expected = reference.get_margeff(at=at, count=True).summary_frame()
    got = lk.marginal_effects(model, X, y, at=at, count=True)
    np.testing.assert_allclose(got["effect"], expected.iloc[:, 0], rtol=RTOL)
    np.testing.assert_allclose(got["std_err"], expected.iloc[:, 1], rtol=RTOL)
    continuous = lk.marginal_effects(model, X, y, at=at)
    assert abs(got.loc["k", "effect"] - continuous.loc["k", "effect"]) > 1e-3


def test_the_table_has_the_effect_its_error_z_p_value_and_interval(small_counts):
    """Columns effect, std_err, z, p_value, ci_low, ci_high, in this order: z = effect/std_err,
    p = 2Φ(−|z|) and the interval effect ± z₀.₉₇₅·std_err."""
    X, y, _, model = small_counts
    got = lk.marginal_effects(model, X, y)
    assert list(got.columns) == list(MARGIN_COLUMNS)
    assert list(MARGIN_COLUMNS) == ["effect", "std_err", "z", "p_value", "ci_low", "ci_high"]
    np.testing.assert_allclose(got["z"], got["effect"] / got["std_err"], rtol=1e-14)
    np.testing.assert_allclose(got["p_value"], 2.0 * norm.sf(np.abs(got["z"])), rtol=1e-12)
    half = norm.ppf(0.975) * got["std_err"]
    np.testing.assert_allclose(got["ci_high"], got["effect"] + half, rtol=1e-12)


@pytest.mark.parametrize("at", ["median", "zero"])
@pytest.mark.parametrize(("dummy", "count"), [(True, False), (False, True)])
def test_discrete_changes_are_refused_at_the_median_and_zero_rows(small_counts, at, dummy, count):
    """statsmodels refuses discrete changes at the median or zero row; so does logitkit."""
    X, y, _, model = small_counts
    with pytest.raises(ValueError, match=f"at='{at}' is not defined with dummy=True"):
        lk.marginal_effects(model, X, y, at=at, dummy=dummy, count=count)


def test_an_effect_far_in_the_tail_is_computed_without_floating_point_warnings():
    """x near 500 puts the intercept near −560: at the zero row p = σ(β₀) ≈ 10⁻²⁴⁴ and the
    effect p(1 − p)β₁ is still a normal number, while its squared gradient underflows. The
    effect is the closed form and no floating-point warning is raised. Its gradient is
    p(1 − p)·v with v = ((1 − 2p)β₁, 1), so z = β₁/√(vᵀΣv) does not depend on how small p is:
    the delta method, with statsmodels' Σ, gives z ≈ 0.0142, not the ∞ of a standard error
    that underflowed to 0."""
    rng = np.random.default_rng(3)
    x = 500.0 + rng.normal(size=400)
    y = (rng.random(400) < expit(x - 500.0)).astype(float)
    X = pd.DataFrame({"x": x})
    model = lk.LogisticRegression(tol=1e-10).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = lk.marginal_effects(model, X, y, at="zero")
    p = expit(model.intercept_[0])
    assert 0.0 < p < 1e-200
    np.testing.assert_allclose(got.loc["x", "effect"], p * (1.0 - p) * model.coef_[0, 0], rtol=1e-9)
    oracle = sm.Logit(y, sm.add_constant(X)).fit(disp=0)
    b0, b1 = oracle.params
    v = np.array([(1.0 - 2.0 * expit(b0)) * b1, 1.0])
    z = b1 / np.sqrt(v @ oracle.cov_params().to_numpy() @ v)
    np.testing.assert_allclose(got.loc["x", "z"], z, rtol=1e-5)
    np.testing.assert_allclose(got.loc["x", "p_value"], 2.0 * norm.sf(abs(z)), rtol=1e-5)
