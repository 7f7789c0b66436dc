"""logistic_path: the α grid, each point against an independent fit and the KKT conditions, the
strong rule's failures caught, glum's path as an oracle, the multinomial path against single
fits and scikit-learn's saga, the memory the path allocates, and the plot."""

from __future__ import annotations

import sys
import tracemalloc
import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from glum import GeneralizedLinearRegressor
from scipy.special import expit, softmax
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression as SklearnLogisticRegression
from sklearn.preprocessing import StandardScaler

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
    with pytest.raises(ImportError, match=r'need matplotlib.*pip install "logitkit\[plots\]"'):
        path.plot()


def multinomial_problem(n: int = 300, p: int = 6, seed: int = 8) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian features, three classes from a softmax model with a few nonzero weights."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    W = np.zeros((p, 3))
    W[0, 0], W[1, 1], W[2, 2], W[0, 2] = 1.0, -0.8, 0.7, -0.5
    probs = softmax(X @ W, axis=1)
    labels = (rng.random(n)[:, None] > np.cumsum(probs, axis=1)).sum(axis=1)
    return X, np.array(["ant", "bee", "cat"])[labels]


def multinomial_kkt_violation(X, labels, coef, intercept, alpha, l1_ratio) -> float:
    """Largest violation of the optimality conditions of the softmax cost, from X, y and B.

    G = Xᵀ(P − Y)/n + α(1 − ρ)W (K × p as coef); a weight w_kj ≠ 0 needs G_kj = −αρ sign(w_kj),
    a zero one |G_kj| ≤ αρ, and each intercept's derivative, the mean of P_k − Y_k, is 0.
    """
    Y = (labels[:, None] == np.unique(labels)[None, :]).astype(float)
    residual = (softmax(X @ coef.T + intercept, axis=1) - Y) / len(labels)
    grad = residual.T @ X + alpha * (1 - l1_ratio) * coef
    lam = alpha * l1_ratio
    violation = np.where(
        coef == 0.0, np.maximum(np.abs(grad) - lam, 0.0), np.abs(grad + lam * np.sign(coef))
    )
    return max(float(violation.max()), float(np.abs(residual.sum(axis=0)).max()))


@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_multinomial_path_matches_single_fits_and_the_kkt_conditions(l1_ratio) -> None:
    X, labels = multinomial_problem()
    path = lk.logistic_path(X, labels, l1_ratio=l1_ratio, n_alphas=8, eps=2e-2)
    assert path.coefs.shape == (8, 3, X.shape[1]) and path.intercepts.shape == (8, 3)
    np.testing.assert_array_equal(path.classes, ["ant", "bee", "cat"])
    # α_max: the largest |∂J/∂w_kj| at the intercept-only fit (P = class frequencies), over ρ
    freq = (labels[:, None] == path.classes[None, :]).mean(axis=0)
    onehot = (labels[:, None] == path.classes[None, :]).astype(float)
    expected_max = np.abs(X.T @ (freq - onehot)).max() / len(labels) / l1_ratio
    np.testing.assert_allclose(path.alphas[0], expected_max, rtol=1e-10)
    assert np.all(path.coefs[0] == 0) and np.count_nonzero(path.coefs[1]) > 0
    np.testing.assert_allclose(path.intercepts[0], np.log(freq) - np.log(freq).mean(), atol=1e-8)
    for alpha, coef, intercept in zip(path.alphas, path.coefs, path.intercepts, strict=True):
        assert multinomial_kkt_violation(X, labels, coef, intercept, alpha, l1_ratio) <= 1e-8
        single = lk.LogisticRegression(alpha=alpha, l1_ratio=l1_ratio, solver="cd").fit(X, labels)
        np.testing.assert_allclose(coef, single.coef_, atol=1e-6)
        np.testing.assert_allclose(intercept, single.intercept_, atol=1e-6)
        np.testing.assert_array_equal(coef == 0, single.coef_ == 0)
    assert np.count_nonzero(path.coefs[-1] == 0) > 0, "some weights stay at 0 along the path"


def test_multinomial_path_agrees_with_scikit_learns_saga() -> None:
    """saga minimises C Σ Lᵢ + ‖W‖₁ over all K classes: C = 1/(αn) gives J's minimiser."""
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    path = lk.logistic_path(X, y, n_alphas=10, eps=1e-2)
    for k in (3, 7):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            saga = SklearnLogisticRegression(
                l1_ratio=1.0,
                solver="saga",
                C=1.0 / (path.alphas[k] * len(y)),
                tol=1e-10,
                max_iter=20_000,
            ).fit(X, y)
        np.testing.assert_allclose(path.coefs[k], saga.coef_, atol=1e-6)
        centred = saga.intercept_ - saga.intercept_.mean()
        np.testing.assert_allclose(path.intercepts[k], centred, atol=1e-6)


def test_multinomial_ridge_path_and_sparse_input() -> None:
    X, labels = multinomial_problem()
    ridge = lk.logistic_path(X, labels, l1_ratio=0.0, n_alphas=4, eps=1e-3)
    lasso = lk.logistic_path(X, labels, l1_ratio=1.0, n_alphas=4, eps=1e-3)
    np.testing.assert_allclose(ridge.alphas, lasso.alphas / 1e-3)
    reference = lk.LogisticRegression(alpha=ridge.alphas[2], solver="newton").fit(X, labels)
    np.testing.assert_allclose(ridge.coefs[2], reference.coef_, atol=1e-8)
    sparse = lk.logistic_path(sp.csc_matrix(X), labels, l1_ratio=1.0, n_alphas=4, eps=1e-3)
    np.testing.assert_allclose(sparse.coefs, lasso.coefs, atol=1e-8)


def test_the_path_does_not_copy_x() -> None:
    """Screening must not copy the kept columns of X: the path allocates under ¼ of X's size.

    X is 20,000 × 200 (31 MiB); the products over the working set use row blocks of fixed size
    (about 4 MiB in all), so X must be this large for the bound to mean something; copying
    the kept columns at each α took about a third of X here.
    """
    rng = np.random.default_rng(1)
    X = rng.standard_normal((20_000, 200))
    w = np.zeros(200)
    w[:20] = rng.standard_normal(20)
    y = (rng.random(20_000) < expit(X @ w)).astype(float)
    lk.logistic_path(X[:500], y[:500], n_alphas=3)  # compiled kernels load outside the trace
    tracemalloc.start()
    try:
        path = lk.logistic_path(X, y, n_alphas=10, eps=0.05)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert 10 <= np.count_nonzero(path.coefs[-1]) < 200
    assert peak <= 0.25 * X.nbytes, f"peak {peak / X.nbytes:.2f} x X"


def test_multinomial_plot_draws_one_panel_per_class() -> None:
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    X, labels = multinomial_problem()
    path = lk.logistic_path(X[:, :3], labels, n_alphas=4)
    axes = path.plot()
    assert len(axes) == 3
    assert [ax.get_title() for ax in axes] == ["class ant", "class bee", "class cat"]
    assert all(len(ax.get_lines()) == 3 + 1 and ax.get_xscale() == "log" for ax in axes)
    with pytest.raises(ValueError, match="3 classes.*pass 3 Axes"):
        path.plot(ax=axes[0])
    matplotlib.pyplot.close(axes[0].figure)
