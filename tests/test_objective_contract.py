"""Every objective a solver can be handed keeps the same contract.

Binary and multinomial (symmetric and against a reference class) costs on dense and sparse X,
with and without an intercept, Firth's penalised cost, and restricted costs (a screened set of
coordinates, one coordinate held at a value): the gradient matches central differences of the
value, the Hessian matches central differences of the gradient (Fisher's information for
Firth, as documented), and the Hessian-vector product, diagonal, submatrices and blocks all
agree with the one Hessian.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

import logitkit as lk
from logitkit.core.restricted import Restricted


def _data(n_classes: int, n: int = 80, p: int = 4, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p))
    X[:, 1] = np.where(rng.random(n) < 0.3, X[:, 1], 0.0)
    y = rng.integers(0, n_classes, size=n)
    weights = rng.uniform(0.5, 2.0, size=n)
    return X, y, weights


def _objective(kind: str, sparse: bool, fit_intercept: bool) -> lk.Objective:
    n_classes = {"binary": 2, "firth": 2, "symmetric": 3, "reference": 4}[kind]
    X, y, weights = _data(n_classes)
    return lk.Objective.from_data(
        sp.csr_matrix(X) if sparse else X,
        y,
        alpha=0.0 if kind in ("firth", "reference") else 0.05,
        sample_weight=weights,
        fit_intercept=fit_intercept,
        reference=1 if kind == "reference" else None,
        firth=kind == "firth",
    )


KINDS = ["binary", "firth", "symmetric", "reference"]


def _numeric_jacobian(function, theta: np.ndarray, step: float = 1e-6) -> np.ndarray:
    return np.array(
        [
            (function(theta + step * e) - function(theta - step * e)) / (2 * step)
            for e in np.eye(theta.size)
        ]
    )


@pytest.fixture(
    params=[
        (kind, sparse, intercept)
        for kind in KINDS
        for sparse in (False, True)
        for intercept in (True, False)
    ],
    ids=lambda case: (
        f"{case[0]}-{'sparse' if case[1] else 'dense'}-{'intercept' if case[2] else 'no-intercept'}"
    ),
)
def objective(request) -> lk.Objective:
    return _objective(*request.param)


def _theta(objective) -> np.ndarray:
    return np.random.default_rng(1).normal(scale=0.4, size=objective.n_params)


def test_gradient_matches_central_differences(objective) -> None:
    assert lk.check_gradient(objective, _theta(objective)) < 1e-6


def test_value_and_gradient_agree_with_their_parts(objective) -> None:
    theta = _theta(objective)
    value, grad = objective.smooth_value_and_gradient(theta)
    assert objective.smooth_value(theta) == pytest.approx(value, rel=1e-13)
    np.testing.assert_allclose(objective.smooth_gradient(theta), grad, rtol=1e-13)


def test_hessian_matches_differences_of_the_gradient(objective) -> None:
    theta = _theta(objective)
    hessian = objective.hessian(theta)
    np.testing.assert_allclose(hessian, hessian.T, atol=1e-14)
    if objective.firth is not None:
        # Firth's Newton steps use the Fisher information I/Σs, not the Hessian of J*.
        full = lk.Objective(
            objective.design, objective.y, objective.sample_weight, objective.penalty
        )
        np.testing.assert_allclose(hessian, full.hessian(theta), rtol=1e-13)
        return
    numeric = _numeric_jacobian(lambda t: objective.smooth_value_and_gradient(t)[1], theta)
    np.testing.assert_allclose(hessian, numeric, atol=1e-7)


def test_products_diagonal_and_blocks_come_from_the_one_hessian(objective) -> None:
    theta = _theta(objective)
    hessian = objective.hessian(theta)
    v = np.random.default_rng(2).normal(size=theta.size)
    np.testing.assert_allclose(objective.hessp(theta, v), hessian @ v, atol=1e-12)
    np.testing.assert_allclose(objective.hessian_diagonal(theta), np.diag(hessian), atol=1e-14)
    index = np.array([0, 2, theta.size - 1])
    other = np.array([1, theta.size - 2])
    np.testing.assert_allclose(
        objective.hessian_submatrix(theta, index), hessian[np.ix_(index, index)], atol=1e-14
    )
    weights = objective.hessian_weights(theta)
    np.testing.assert_allclose(
        objective.hessian_block(weights, index, other), hessian[np.ix_(index, other)], atol=1e-14
    )
    if not objective.datafit.symmetric:
        np.testing.assert_allclose(objective.newton_hessian(theta), hessian, atol=1e-14)


def test_symmetric_newton_matrix_only_adds_the_intercept_shift() -> None:
    objective = _objective("symmetric", sparse=False, fit_intercept=True)
    theta = _theta(objective)
    shift = np.zeros(objective.n_params)
    shift[:: objective.design.n_params] = 1.0
    np.testing.assert_allclose(objective.hessian(theta) @ shift, 0.0, atol=1e-14)
    difference = objective.newton_hessian(theta) - objective.hessian(theta)
    np.testing.assert_allclose(difference, difference[0, 0] * np.outer(shift, shift), atol=1e-15)
    assert difference[0, 0] > 0


@pytest.mark.parametrize("kind", ["binary", "symmetric", "reference"])
def test_row_subsets_estimate_the_full_gradient(kind) -> None:
    objective = _objective(kind, sparse=False, fit_intercept=True)
    theta = _theta(objective)
    n = objective.design.n_samples
    singles = [objective.smooth_gradient(theta, np.array([i])) for i in range(n)]
    np.testing.assert_allclose(np.mean(singles, axis=0), objective.smooth_gradient(theta))


def test_firth_has_no_per_row_form() -> None:
    objective = _objective("firth", sparse=False, fit_intercept=True)
    with pytest.raises(ValueError, match="no per-row form"):
        objective.smooth_gradient(_theta(objective), np.array([0, 1]))


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("held", ["screened", "one fixed"])
def test_restricted_costs_read_the_full_cost_on_their_coordinates(kind, held) -> None:
    full = _objective(kind, sparse=False, fit_intercept=True)
    base = _theta(full)
    if held == "screened":
        positions = np.arange(0, full.n_params, 2)
        base[np.setdiff1d(np.arange(full.n_params), positions)] = 0.0
    else:
        positions = np.delete(np.arange(full.n_params), 1)
    restricted = Restricted(full, positions, base)
    for shared in ("design", "datafit", "sample_weight", "firth"):
        assert getattr(restricted, shared) is getattr(full, shared)
    assert restricted.total_weight == full.total_weight
    u = base[positions] + 0.1
    theta = restricted.expand(u)
    assert lk.check_gradient(restricted, u) < 1e-6
    value, grad = restricted.smooth_value_and_gradient(u)
    full_value, full_grad = full.smooth_value_and_gradient(theta)
    assert value == full_value
    np.testing.assert_array_equal(grad, full_grad[positions])
    hessian = full.hessian(theta)[np.ix_(positions, positions)]
    np.testing.assert_allclose(restricted.hessian(u), hessian, atol=1e-14)
    v = np.linspace(-1.0, 1.0, positions.size)
    np.testing.assert_allclose(restricted.hessian_operator(u)(v), hessian @ v, atol=1e-12)
    np.testing.assert_allclose(restricted.hessian_diagonal(u), np.diag(hessian), atol=1e-14)
    weights = restricted.hessian_weights(u)
    index, other = np.array([0, 2]), np.array([1, positions.size - 1])
    np.testing.assert_allclose(
        restricted.hessian_block(weights, index, other), hessian[np.ix_(index, other)], atol=1e-14
    )
