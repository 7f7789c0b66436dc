"""logistic_path: the α grid, each point against an independent fit and the KKT conditions, the
strong rule's failures caught, glum's path as an oracle, and the plot."""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from glum import GeneralizedLinearRegressor
from scipy.special import expit

import logitkit as lk
from test_cd import kkt_violation


def lasso_problem(n: int = 500, p: int = 15, seed: int = 21) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian features, a true w with 4 nonzeros, 0/1 labels from the logistic model."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    w = np.zeros(p)
    w[:4] = [1.2, -0.9, 0.6, -0.4]
    y = (rng.random(n) < expit(X @ w - 0.3)).astype(float)
    return X, y


@pytest.fixture(scope="module")
def problem() -> tuple[np.ndarray, np.ndarray]:
    return lasso_problem()


def data_gradient(X, y, coef, intercept, sample_weight=None):
    """∂/∂w of (1/Σs) Σ sᵢ Lᵢ at (b, w)."""
    s = np.ones(len(y)) if sample_weight is None else sample_weight
    return X.T @ (s * (expit(intercept + X @ coef) - y)) / s.sum()


def test_grid_starts_at_alpha_max_where_every_weight_is_zero(problem) -> None:
    X, y = problem
    path = lk.logistic_path(X, y, n_alphas=20, eps=1e-2)
    assert path.alphas.shape == (20,) and path.coefs.shape == (20, X.shape[1])
    assert np.all(np.diff(path.alphas) < 0)
    np.testing.assert_allclose(path.alphas[-1] / path.alphas[0], 1e-2)
    rate = y.mean()
    expected_max = np.abs(X.T @ (rate - y) / len(y)).max()
    np.testing.assert_allclose(path.alphas[0], expected_max, rtol=1e-12)
    assert np.all(path.coefs[0] == 0)
    np.testing.assert_allclose(path.intercepts[0], np.log(rate / (1 - rate)), rtol=1e-8)
    below = lk.LogisticRegression(alpha=path.alphas[0] * (1 - 1e-3), l1_ratio=1.0).fit(X, y)
    assert np.count_nonzero(below.coef_) > 0
    assert np.count_nonzero(path.coefs[-1]) > 4


@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_each_point_matches_an_independent_fit_and_the_kkt_conditions(problem, l1_ratio) -> None:
    X, y = problem
    path = lk.logistic_path(X, y, l1_ratio=l1_ratio, n_alphas=12, eps=1e-2)
    for alpha, coef, intercept in zip(path.alphas, path.coefs, path.intercepts, strict=True):
        assert kkt_violation(X, y, coef, [intercept], alpha, l1_ratio) <= 1e-8
        single = lk.LogisticRegression(alpha=alpha, l1_ratio=l1_ratio, solver="cd").fit(X, y)
        np.testing.assert_allclose(coef, single.coef_[0], atol=1e-6)
        np.testing.assert_allclose(intercept, single.intercept_[0], atol=1e-6)
        np.testing.assert_array_equal(coef == 0, single.coef_[0] == 0)


def test_the_kkt_check_catches_the_strong_rules_failures() -> None:
    """Correlated features and a coarse grid, where the strong rule discards a weight that the
    solution at the next α needs: the path must still be exact."""
    rng = np.random.default_rng(13)
    factors = rng.standard_normal((60, 3))
    X = factors @ rng.standard_normal((3, 12)) + 0.3 * rng.standard_normal((60, 12))
    y = (rng.random(60) < expit(X[:, 0] - X[:, 1] + 0.5 * X[:, 2])).astype(float)
    path = lk.logistic_path(X, y, l1_ratio=1.0, n_alphas=6, eps=0.05)
    failures = 0
    for k in range(1, path.alphas.size):
        previous = path.coefs[k - 1]
        grad = data_gradient(X, y, previous, path.intercepts[k - 1])
        discarded = (previous == 0) & (np.abs(grad) < 2 * path.alphas[k] - path.alphas[k - 1])
        failures += np.count_nonzero(discarded & (path.coefs[k] != 0))
        assert kkt_violation(X, y, path.coefs[k], [path.intercepts[k]], path.alphas[k], 1.0) <= 1e-8
    assert failures >= 1


def test_agrees_with_glums_path(problem) -> None:
    X, y = problem
    path = lk.logistic_path(X, y, l1_ratio=0.7, n_alphas=10, eps=1e-2)
    reference = GeneralizedLinearRegressor(
        family="binomial",
        alpha=path.alphas,
        alpha_search=True,
        l1_ratio=0.7,
        solver="irls-cd",
        gradient_tol=1e-12,
        max_iter=1000,
    ).fit(X, y)
    np.testing.assert_allclose(path.coefs, reference.coef_path_, atol=1e-6)
    np.testing.assert_allclose(path.intercepts, reference.intercept_path_, atol=1e-6)


def test_sparse_weighted_and_no_intercept(problem) -> None:
    X, y = problem
    weights = np.random.default_rng(2).uniform(0.5, 2.0, len(y))
    dense = lk.logistic_path(X, y, n_alphas=8, eps=0.05, sample_weight=weights)
    for fmt in (sp.csr_matrix, sp.csc_matrix):
        sparse = lk.logistic_path(fmt(X), y, n_alphas=8, eps=0.05, sample_weight=weights)
        np.testing.assert_allclose(sparse.coefs, dense.coefs, atol=1e-8)
    for alpha, coef, intercept in zip(dense.alphas, dense.coefs, dense.intercepts, strict=True):
        assert kkt_violation(X, y, coef, [intercept], alpha, 1.0, weights) <= 1e-8
    bare = lk.logistic_path(X, y, n_alphas=8, eps=0.05, fit_intercept=False)
    assert np.all(bare.intercepts == 0)
    np.testing.assert_allclose(bare.alphas[0], np.abs(X.T @ (0.5 - y) / len(y)).max())
    for alpha, coef in zip(bare.alphas, bare.coefs, strict=True):
        assert kkt_violation(X, y, coef, [0.0], alpha, 1.0, fit_intercept=False) <= 1e-8


def test_ridge_path_uses_glmnets_alpha_max(problem) -> None:
    X, y = problem
    path = lk.logistic_path(X, y, l1_ratio=0.0, n_alphas=5, eps=1e-2)
    lasso = lk.logistic_path(X, y, l1_ratio=1.0, n_alphas=5, eps=1e-2)
    np.testing.assert_allclose(path.alphas[0], lasso.alphas[0] / 1e-3)
    assert np.all(path.coefs != 0)
    reference = lk.LogisticRegression(alpha=path.alphas[2], solver="newton").fit(X, y)
    np.testing.assert_allclose(path.coefs[2], reference.coef_[0], atol=1e-8)


def test_labels_feature_names_and_explicit_alphas(problem) -> None:
    X, y = problem
    frame = pd.DataFrame(X, columns=[f"f{j}" for j in range(X.shape[1])])
    labels = np.where(y == 1, "yes", "no")
    path = lk.logistic_path(frame, labels, alphas=[0.01, 0.05, 0.02])
    assert list(path.feature_names) == list(frame.columns)
    np.testing.assert_array_equal(path.alphas, [0.05, 0.02, 0.01])
    single = lk.LogisticRegression(alpha=0.02, l1_ratio=1.0).fit(X, y)
    np.testing.assert_allclose(path.coefs[1], single.coef_[0], atol=1e-6)
    assert path.n_iter.shape == (3,) and np.all(path.n_iter >= 1)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"l1_ratio": 1.5}, "l1_ratio must be in \\[0, 1\\]"),
        ({"alphas": [0.1, -0.1]}, "alphas must be a non-empty sequence of finite numbers >= 0"),
        ({"n_alphas": 0}, "n_alphas must be a positive integer"),
        ({"eps": 1.0}, "eps must be a number in \\(0, 1\\)"),
        ({"solver": "lbfgs"}, "cannot handle an L1 penalty.*'cd'"),
        ({"solver": "sgd"}, "stochastic"),
        ({"solver": "bfgs"}, "solver must be one of"),
        ({"tol": -1.0}, "tol must be a positive number"),
    ],
)
def test_bad_input_is_refused(problem, params, message) -> None:
    X, y = problem
    with pytest.raises(ValueError, match=message):
        lk.logistic_path(X, y, **params)


def test_bad_data_is_refused(problem) -> None:
    X, y = problem
    with pytest.raises(ValueError, match="only one class"):
        lk.logistic_path(X, np.ones(len(y)))
    with pytest.raises(ValueError, match="sample_weight has 3 entries"):
        lk.logistic_path(X, y, sample_weight=[1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="α_max = 0.*pass alphas explicitly"):
        lk.logistic_path(np.zeros((10, 2)), np.arange(10) % 2)


def test_input_is_not_changed(problem) -> None:
    X, y = problem
    X_before, y_before = X.copy(), y.copy()
    lk.logistic_path(X, y, n_alphas=3)
    np.testing.assert_array_equal(X, X_before)
    np.testing.assert_array_equal(y, y_before)


def test_plot_draws_one_line_per_feature(problem) -> None:
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    X, y = problem
    path = lk.logistic_path(X[:, :4], y, n_alphas=5)
    ax = path.plot()
    assert len(ax.get_lines()) == 4 + 1
    assert ax.get_xscale() == "log"
    assert [text.get_text() for text in ax.get_legend().get_texts()] == ["x0", "x1", "x2", "x3"]
    matplotlib.pyplot.close(ax.figure)


def test_plot_without_matplotlib_says_how_to_get_it(problem, monkeypatch) -> None:
    X, y = problem
    path = lk.logistic_path(X[:, :3], y, n_alphas=3)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match="needs matplotlib.*pip install matplotlib"):
        path.plot()
