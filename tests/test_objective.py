"""The cost J, its gradient, Hessian and Hessian-vector product, on all rows and on subsets."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.optimize import approx_fprime

import logitkit as lk
from logitkit.core.functions import cross_entropy


@pytest.fixture
def data():
    rng = np.random.default_rng(3)
    X = rng.standard_normal((200, 4)) * [1.0, 3.0, 0.2, 1.0]
    y = (rng.random(200) < 0.4).astype(float)
    weights = rng.uniform(0.2, 3.0, size=200)
    return X, y, weights


def test_value_is_the_weighted_mean_cross_entropy_plus_penalty(data) -> None:
    X, y, s = data
    objective = lk.Objective.from_data(X, y, alpha=0.3, l1_ratio=0.25, sample_weight=s)
    theta = np.array([0.2, -0.5, 0.1, 2.0, -1.0])
    z = theta[0] + X @ theta[1:]
    w = theta[1:]
    expected = np.sum(s * cross_entropy(y, z)) / s.sum() + 0.3 * (
        0.25 * np.abs(w).sum() + 0.75 / 2 * w @ w
    )
    assert objective.value(theta) == pytest.approx(expected, rel=1e-14)


@pytest.mark.parametrize("alpha, l1_ratio", [(0.0, 0.0), (0.5, 0.0), (0.2, 0.6)])
@pytest.mark.parametrize("sparse", [False, True])
def test_gradient_matches_finite_differences(data, alpha, l1_ratio, sparse) -> None:
    X, y, s = data
    matrix = sp.csr_matrix(X) if sparse else X
    objective = lk.Objective.from_data(matrix, y, alpha=alpha, l1_ratio=l1_ratio, sample_weight=s)
    theta = np.array([0.2, -0.5, 0.1, 2.0, -1.0])
    assert lk.check_gradient(objective, theta) < 1e-7


def test_check_gradient_detects_a_wrong_gradient(data) -> None:
    X, y, _ = data
    objective = lk.Objective.from_data(X, y)
    theta = np.array([0.2, -0.5, 0.1, 2.0, -1.0])
    right = lk.check_gradient(objective, theta)

    class Broken(lk.Objective):
        def gradient(self, coef, rows=None):
            return 1.01 * super().gradient(coef, rows)

    broken = Broken(objective.design, objective.y, objective.sample_weight, objective.penalty)
    assert right < 1e-7
    assert lk.check_gradient(broken, theta) == pytest.approx(0.01 / 1.01, rel=1e-3)


def test_hessian_is_the_jacobian_of_the_gradient(data) -> None:
    X, y, s = data
    objective = lk.Objective.from_data(X, y, alpha=0.1, sample_weight=s)
    theta = np.array([0.2, -0.5, 0.1, 2.0, -1.0])
    numeric = np.array(
        [approx_fprime(theta, lambda t, j=j: objective.gradient(t)[j], 1e-7) for j in range(5)]
    )
    hessian = objective.hessian(theta)
    np.testing.assert_allclose(hessian, numeric, atol=1e-6)
    np.testing.assert_allclose(hessian, hessian.T, rtol=1e-14)
    assert np.linalg.eigvalsh(hessian).min() > 0  # convex


def test_hessp_and_diagonal_agree_with_hessian(data) -> None:
    X, y, s = data
    for matrix in (X, sp.csc_matrix(X)):
        objective = lk.Objective.from_data(matrix, y, alpha=0.05, sample_weight=s)
        theta = np.array([0.1, 0.4, -0.3, 0.2, 1.0])
        v = np.array([1.0, -2.0, 0.5, 0.3, -0.7])
        hessian = objective.hessian(theta)
        np.testing.assert_allclose(objective.hessp(theta, v), hessian @ v, rtol=1e-12)
        np.testing.assert_allclose(objective.hessian_diagonal(theta), np.diag(hessian), rtol=1e-12)


def test_subset_of_rows_estimates_the_full_objective_without_bias(data) -> None:
    X, y, s = data
    full = lk.Objective.from_data(X, y, alpha=0.2, sample_weight=s)
    theta = np.array([0.3, -0.2, 0.1, 0.5, -1.0])
    single_rows = [np.array([i]) for i in range(len(y))]
    mean_gradient = np.mean([full.gradient(theta, rows) for rows in single_rows], axis=0)
    np.testing.assert_allclose(mean_gradient, full.gradient(theta), rtol=1e-12)
    mean_value = np.mean([full.value(theta, rows) for rows in single_rows])
    assert mean_value == pytest.approx(full.value(theta), rel=1e-12)


def test_subset_of_rows_equals_objective_on_those_rows(data) -> None:
    X, y, _ = data
    rows = np.array([5, 17, 3, 150, 42])
    full = lk.Objective.from_data(X, y, alpha=0.2)
    subset = lk.Objective.from_data(X[rows], y[rows], alpha=0.2)
    theta = np.array([0.3, -0.2, 0.1, 0.5, -1.0])
    v = np.array([0.5, 1.0, -1.0, 2.0, 0.1])
    assert full.value(theta, rows) == pytest.approx(subset.value(theta), rel=1e-14)
    np.testing.assert_allclose(full.gradient(theta, rows), subset.gradient(theta), rtol=1e-13)
    np.testing.assert_allclose(full.hessian(theta, rows), subset.hessian(theta), rtol=1e-13)
    np.testing.assert_allclose(full.hessp(theta, v, rows), subset.hessp(theta, v), rtol=1e-13)


def test_intercept_is_not_penalised(data) -> None:
    X, y, _ = data
    plain = lk.Objective.from_data(X, y)
    ridge = lk.Objective.from_data(X, y, alpha=10.0)
    theta = np.array([5.0, 0.0, 0.0, 0.0, 0.0])
    assert ridge.value(theta) == plain.value(theta)
    assert ridge.gradient(theta)[0] == plain.gradient(theta)[0]


def test_without_intercept_the_vector_is_the_weights(data) -> None:
    X, y, _ = data
    objective = lk.Objective.from_data(X, y, fit_intercept=False)
    theta = np.array([0.5, -0.5, 0.1, 0.2])
    assert objective.n_params == 4
    assert objective.value(theta) == pytest.approx(np.mean(cross_entropy(y, X @ theta)), rel=1e-14)


def test_offset_enters_every_logit(data) -> None:
    X, y, s = data
    offset = np.linspace(-1.0, 2.0, len(y))
    with_offset = lk.Objective.from_data(X[:, 1:], y, sample_weight=s, offset=offset * X[:, 0])
    theta = np.array([0.2, 0.1, 2.0, -1.0])
    z = theta[0] + X[:, 1:] @ theta[1:] + offset * X[:, 0]
    assert with_offset.value(theta) == pytest.approx(np.sum(s * cross_entropy(y, z)) / s.sum())
    assert lk.check_gradient(with_offset, theta) < 1e-7
    rows = np.array([4, 9, 30])
    expected = np.sum(s[rows] * cross_entropy(y[rows], z[rows])) / (3 * s.mean())
    assert with_offset.value(theta, rows) == pytest.approx(expected, rel=1e-13)
