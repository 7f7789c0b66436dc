"""What the strong rule screens at each α of logistic_path, not only what the path ends at.

The KKT check keeps the path exact whatever the screening does, so the coefficients cannot
tell a wrong screening threshold (or none at all) from the right one; only the speed would
suffer. These tests read the path's record of the screening (``n_screened``, the weights the
rule kept for the first fit, and ``n_violations``, those the KKT check added back) and check
it against the rule recomputed from the path's own solutions:

    kept at α_k = {j : wⱼ(α_{k−1}) ≠ 0  or  |gⱼ(θ̂(α_{k−1}))| ≥ ρ(2α_k − α_{k−1})},

g the gradient of the data term (the ridge part's gradient is 0 for the weights that are 0).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import expit, softmax
from sklearn.datasets import load_breast_cancer
from sklearn.preprocessing import StandardScaler

import logitkit as lk
from test_path import data_gradient, lasso_problem, multinomial_problem


def expected_screened(X, y, path, sample_weight=None) -> np.ndarray:
    """The strong rule's kept count at α_1, α_2, … from the path's solutions at the α before."""
    counts = []
    for k in range(1, path.alphas.size):
        previous = path.coefs[k - 1]
        grad = data_gradient(X, y, previous, path.intercepts[k - 1], sample_weight)
        threshold = path.l1_ratio * (2.0 * path.alphas[k] - path.alphas[k - 1])
        counts.append(np.count_nonzero((previous != 0) | (np.abs(grad) >= threshold)))
    return np.array(counts)


@pytest.fixture(scope="module")
def cancer() -> tuple[np.ndarray, np.ndarray]:
    X, y = load_breast_cancer(return_X_y=True)
    return StandardScaler().fit_transform(X), y.astype(float)


@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_the_screened_sets_are_the_strong_rules(cancer, l1_ratio) -> None:
    X, y = cancer
    path = lk.logistic_path(X, y, l1_ratio=l1_ratio, n_alphas=30, eps=1e-3)
    assert path.n_screened.shape == path.n_violations.shape == (30,)
    assert path.n_screened.dtype.kind == path.n_violations.dtype.kind == "i"
    expected = expected_screened(X, y, path)
    np.testing.assert_array_equal(path.n_screened[1:], expected)
    # At α_0 = α_max the rule keeps at most the feature that sets α_max.
    assert path.n_screened[0] <= 1
    assert np.all(path.n_screened < X.shape[1])


def test_the_kept_sets_cover_the_solutions_and_the_rule_rarely_fails(cancer) -> None:
    """A fine grid: the strong rule is almost never wrong (Tibshirani et al. report a handful
    of failures over whole paths), keeps every weight that was nonzero at the α before, and
    leaves out a good part of the 30 weights all along the path."""
    X, y = cancer
    path = lk.logistic_path(X, y, l1_ratio=1.0, n_alphas=60, eps=1e-3)
    nonzero = np.count_nonzero(path.coefs, axis=1)
    assert np.all(path.n_screened + path.n_violations >= nonzero), "nonzero weights were fitted"
    assert np.all(path.n_screened[1:] >= nonzero[:-1])
    assert path.n_violations.sum() <= 2
    assert path.n_screened.sum() < 0.75 * X.shape[1] * path.alphas.size


def test_the_violations_are_the_discarded_weights_that_enter() -> None:
    """Correlated features and a coarse grid, where the rule fails (see test_path): each
    failure is a discarded weight the solution needs, and n_violations counts exactly them."""
    rng = np.random.default_rng(13)
    factors = rng.standard_normal((60, 3))
    X = factors @ rng.standard_normal((3, 12)) + 0.3 * rng.standard_normal((60, 12))
    y = (rng.random(60) < expit(X[:, 0] - X[:, 1] + 0.5 * X[:, 2])).astype(float)
    path = lk.logistic_path(X, y, l1_ratio=1.0, n_alphas=6, eps=0.05)
    np.testing.assert_array_equal(path.n_screened[1:], expected_screened(X, y, path))
    entered = []
    for k in range(1, path.alphas.size):
        previous = path.coefs[k - 1]
        grad = data_gradient(X, y, previous, path.intercepts[k - 1])
        discarded = (previous == 0) & (np.abs(grad) < 2 * path.alphas[k] - path.alphas[k - 1])
        entered.append(np.count_nonzero(discarded & (path.coefs[k] != 0)))
    assert sum(entered) >= 1
    np.testing.assert_array_equal(path.n_violations[1:], entered)


def test_weighted_path_screens_with_the_weighted_gradient() -> None:
    X, y = lasso_problem(seed=4)
    weights = np.random.default_rng(5).uniform(0.2, 3.0, len(y))
    path = lk.logistic_path(X, y, n_alphas=15, eps=1e-2, sample_weight=weights)
    np.testing.assert_array_equal(path.n_screened[1:], expected_screened(X, y, path, weights))


def test_multinomial_screening_per_weight() -> None:
    """K = 3: the rule screens each of the K·p weights w_kj on its own gradient
    ∂J/∂w_kj = (1/n) Σ (P_k − Y_k) xⱼ at the solution of the α before."""
    X, labels = multinomial_problem()
    path = lk.logistic_path(X, labels, l1_ratio=1.0, n_alphas=12, eps=1e-2)
    onehot = (labels[:, None] == path.classes[None, :]).astype(float)
    expected = []
    for k in range(1, path.alphas.size):
        previous = path.coefs[k - 1]
        probs = softmax(X @ previous.T + path.intercepts[k - 1], axis=1)
        grad = ((probs - onehot).T @ X) / len(labels)
        threshold = 2.0 * path.alphas[k] - path.alphas[k - 1]
        expected.append(np.count_nonzero((previous != 0) | (np.abs(grad) >= threshold)))
    np.testing.assert_array_equal(path.n_screened[1:], expected)
    nonzero = np.count_nonzero(path.coefs.reshape(path.alphas.size, -1), axis=1)
    assert np.all(path.n_screened + path.n_violations >= nonzero)
    assert np.all(path.n_screened[:4] < path.coefs[0].size)
