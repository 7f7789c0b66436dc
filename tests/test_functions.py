"""The seed formulas: exact to a few ulps of mpmath, finite and warning-free for |z| ≤ 1e300."""

from __future__ import annotations

import warnings

import mpmath
import numpy as np
import pytest
from scipy.special import logsumexp

import logitkit as lk

mpmath.mp.dps = 50

GRID = np.unique(
    np.concatenate(
        [
            -np.logspace(-300, 300, 601),
            np.logspace(-300, 300, 601),
            np.linspace(-750, 750, 1501),
            [0.0, -1e300, 1e300],
        ]
    )
)


def _mp_softplus(z: mpmath.mpf) -> mpmath.mpf:
    return z + mpmath.log1p(mpmath.exp(-z)) if z > 0 else mpmath.log1p(mpmath.exp(z))


REFERENCES = {
    "sigmoid": lambda z: 1 / (1 + mpmath.exp(-z)),
    "softplus": _mp_softplus,
    "log_sigmoid": lambda z: -_mp_softplus(-z),
    "cross_entropy_y1": lambda z: _mp_softplus(-z),
    "cross_entropy_y0": _mp_softplus,
}

COMPUTED = {
    "sigmoid": lk.sigmoid,
    "softplus": lk.softplus,
    "log_sigmoid": lk.log_sigmoid,
    "cross_entropy_y1": lambda z: lk.cross_entropy(np.ones_like(z), z),
    "cross_entropy_y0": lambda z: lk.cross_entropy(np.zeros_like(z), z),
}


@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_within_four_ulps_of_mpmath(name: str) -> None:
    exact = np.array([float(REFERENCES[name](mpmath.mpf(float(z)))) for z in GRID])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        computed = COMPUTED[name](GRID)
    assert np.all(np.isfinite(computed))
    errors = np.abs(computed - exact) / np.spacing(np.abs(exact))  # ulps, subnormals included
    assert errors.max() <= 4.0, GRID[np.argmax(errors)]


def test_extreme_logits_are_exact_and_silent() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise", under="ignore"):
            assert lk.sigmoid(-1e300) == 0.0
            assert lk.sigmoid(1e300) == 1.0
            assert lk.cross_entropy(1, 1e300) == 0.0
            assert lk.cross_entropy(0, -1e300) == 0.0
            assert lk.cross_entropy(1, -1e300) == 1e300
            assert lk.softplus(1e300) == 1e300
            assert lk.log_sigmoid(-1e300) == -1e300
            assert lk.log_likelihood([1, 0], [1e300, -1e300]) == 0.0


def test_small_losses_keep_their_digits() -> None:
    # log(1 + e^z) − y·z would return 0 here; the true loss is e^(−40) to 14 digits.
    assert lk.cross_entropy(1, 40.0) == pytest.approx(np.exp(-40.0), rel=1e-14)


def test_bernoulli_formula_for_both_labels() -> None:
    z = np.array([-3.0, -0.5, 0.0, 0.7, 4.0])
    p = lk.sigmoid(z)
    for y in (0, 1):
        bernoulli = p**y * (1 - p) ** (1 - y)
        np.testing.assert_allclose(np.exp(-lk.cross_entropy(y, z)), bernoulli, rtol=1e-14)


def test_sigmoid_symmetry_and_derivative() -> None:
    z = np.linspace(-20, 20, 81)
    np.testing.assert_allclose(lk.sigmoid(-z), 1 - lk.sigmoid(z), atol=1e-16)
    h = 1e-6
    numeric = (lk.sigmoid(z + h) - lk.sigmoid(z - h)) / (2 * h)
    np.testing.assert_allclose(numeric, lk.sigmoid(z) * (1 - lk.sigmoid(z)), atol=1e-9)


def test_log_likelihood_sums_weighted_log_probabilities() -> None:
    y = np.array([1, 0, 1, 1])
    z = np.array([0.3, -1.2, 2.0, -0.4])
    weights = np.array([1.0, 2.0, 0.5, 3.0])
    p = lk.sigmoid(z)
    expected = np.sum(weights * (y * np.log(p) + (1 - y) * np.log(1 - p)))
    assert lk.log_likelihood(y, z, weights) == pytest.approx(expected, rel=1e-14)
    assert lk.log_likelihood(y, z) == pytest.approx(
        np.sum(y * np.log(p) + (1 - y) * np.log(1 - p)), rel=1e-14
    )


def test_a_float32_log_likelihood_sums_in_float32_whatever_the_weights_type() -> None:
    """float32 logits are honoured: the weights (integers here) are taken in float32 and the
    weighted sum is float32's, which differs from a float64 sum of the same losses."""
    rng = np.random.default_rng(7)
    z = rng.standard_normal(1000).astype(np.float32)
    y = (rng.random(1000) < 0.5).astype(np.float32)
    weights = rng.integers(1, 5, size=1000)
    losses = lk.cross_entropy(y, z)
    in_float32 = -float(np.dot(weights.astype(np.float32), losses))
    in_float64 = -float(np.dot(weights.astype(np.float64), losses.astype(np.float64)))
    assert in_float32 != in_float64
    assert lk.log_likelihood(y, z, weights) == in_float32


def test_softmax_generalises_sigmoid() -> None:
    z = np.array([-2.0, 0.1, 5.0])
    two_class = lk.softmax(np.column_stack([np.zeros_like(z), z]), axis=1)
    np.testing.assert_allclose(two_class[:, 1], lk.sigmoid(z), rtol=1e-15)
    np.testing.assert_allclose(lk.log_softmax(np.array([[1e300, 0.0]]), axis=1), [[0.0, -1e300]])


def test_float32_stays_float32() -> None:
    z = np.array([-100.0, 0.0, 3.0], dtype=np.float32)
    for function in (lk.sigmoid, lk.softplus, lk.log_sigmoid):
        assert function(z).dtype == np.float32
    assert lk.cross_entropy(np.array([1, 0, 1]), z).dtype == np.float32


def test_softmax_works_along_the_last_axis_by_default() -> None:
    z = np.array([[1.0, 2.0, 3.0], [0.0, -1.0, 4.0], [2.5, 2.5, -7.0]])
    by_row = z - logsumexp(z, axis=1, keepdims=True)
    np.testing.assert_allclose(lk.log_softmax(z), by_row, rtol=1e-13)
    np.testing.assert_allclose(lk.softmax(z), np.exp(by_row), rtol=1e-13)
    by_column = z - logsumexp(z, axis=0, keepdims=True)
    np.testing.assert_allclose(lk.log_softmax(z, axis=0), by_column, rtol=1e-13)
    np.testing.assert_allclose(lk.softmax(z, axis=0), np.exp(by_column), rtol=1e-13)


def test_integer_logits_are_computed_in_float64() -> None:
    z = np.array([-3, 0, 2])
    for function in (lk.sigmoid, lk.softplus, lk.log_sigmoid, lk.softmax, lk.log_softmax):
        result = function(z)
        assert result.dtype == np.float64, function.__name__
        np.testing.assert_array_equal(result, function(z.astype(np.float64)))
    assert lk.cross_entropy([1, 0, 1], z).dtype == np.float64
