"""Details of the solvers the broader tests leave open, each pinned down by a test that a
plausible slip in it would fail (found by mutation testing, see docs/testing.md)."""

from __future__ import annotations

import numpy as np
import pytest

import logitkit as lk
from logitkit.solvers import SOLVERS, SolverOptions
from logitkit.solvers import newton as newton_module
from logitkit.solvers.newton import pseudo_inverse_direction
from problems import make_problem


def test_the_pseudo_inverse_step_is_minimum_norm_in_unit_diagonal_scaling() -> None:
    """H of rank 2 on three columns of very different scales (the third column is the first
    times 1000): the step is −D^(−½) (D^(−½) H D^(−½))⁺ D^(−½) ∇J, D = diag H, whose
    minimum-norm solution differs from the unscaled one."""
    columns = np.array([[1.0, 0.5, 1000.0], [0.2, -1.0, 200.0], [-0.7, 0.3, -700.0]])
    hessian = columns.T @ columns
    grad = hessian @ np.array([0.3, -0.2, 0.001])
    scale = 1.0 / np.sqrt(np.diag(hessian))
    expected = -scale * (
        np.linalg.pinv(hessian * np.outer(scale, scale), rcond=1e-10) @ (scale * grad)
    )
    direction = pseudo_inverse_direction(hessian, grad)
    np.testing.assert_allclose(direction, expected, rtol=1e-8)
    np.testing.assert_allclose(hessian @ direction, -grad, rtol=1e-8, atol=1e-8)
    unscaled = -np.linalg.pinv(hessian, rcond=1e-10) @ grad
    assert np.max(np.abs(direction - unscaled)) > 1e-3


def test_the_pseudo_inverse_step_leaves_a_zero_column_alone() -> None:
    """A column that is all zero gives a zero row and column of H: its coefficient's step is 0
    and the others' are the Newton step of the rest."""
    hessian = np.array([[4.0, 1.0, 0.0], [1.0, 3.0, 0.0], [0.0, 0.0, 0.0]])
    grad = np.array([1.0, -2.0, 0.0])
    direction = pseudo_inverse_direction(hessian, grad)
    np.testing.assert_allclose(
        direction[:2], -np.linalg.solve(hessian[:2, :2], grad[:2]), rtol=1e-12
    )
    assert direction[2] == 0.0


class CountingObjective:
    """An objective whose Hessians are counted: sampled ones (``rows`` given) and full ones."""

    def __init__(self, objective) -> None:
        self._objective = objective
        self.sampled = 0
        self.full = 0

    def __getattr__(self, name):
        return getattr(self._objective, name)

    def hessian(self, coef, rows=None):
        self.sampled += rows is not None
        return self._objective.hessian(coef, rows)

    def newton_hessian(self, coef):
        self.full += 1
        return self._objective.newton_hessian(coef)


def sampled_newton(objective, step: int = 4):
    options = SolverOptions(tol=1e-10, max_iter=100, hessian_sample_step=step)
    return SOLVERS["newton"].solve(objective, np.zeros(objective.n_params), options)


@pytest.mark.parametrize("alpha", [0.0, 0.01])
def test_the_sampled_hessian_steps_are_newton_steps_and_are_reused(monkeypatch, alpha) -> None:
    """On a well-conditioned tall problem H_S carries the fit to the optimum by itself: every
    step is −H_S⁻¹∇J (a wrong step would stall and hand over to the full Hessian), the factor
    is reused after a step that cut the gradient tenfold (fewer Hessians than steps), and the
    collinearity check runs once, for an unpenalised fit only."""
    checks = []
    original = newton_module.collinear_columns
    monkeypatch.setattr(
        newton_module, "collinear_columns", lambda h: checks.append(1) or original(h)
    )
    X, y = make_problem(8000, 6, seed=45)
    objective = CountingObjective(lk.Objective.from_data(X, y, alpha=alpha))
    result = sampled_newton(objective)
    assert result.converged
    assert objective.full == 0
    assert 1 <= objective.sampled < result.n_iter
    assert len(checks) == (1 if alpha == 0.0 else 0)
    exact = SOLVERS["newton"].solve(
        lk.Objective.from_data(X, y, alpha=alpha),
        np.zeros(7),
        SolverOptions(tol=1e-10, max_iter=100),
    )
    np.testing.assert_allclose(result.coef, exact.coef, rtol=1e-8, atol=1e-10)


def test_the_pseudo_inverse_step_does_not_depend_on_the_hessians_scale() -> None:
    """d(cH, c∇J) = d(H, ∇J) for any c > 0, diagonals below 1 included: the unit-diagonal
    scaling takes c out before the eigen-decomposition."""
    columns = np.array([[1.0, 0.5, 1000.0], [0.2, -1.0, 200.0], [-0.7, 0.3, -700.0]])
    hessian = columns.T @ columns
    grad = hessian @ np.array([0.3, -0.2, 0.001])
    direction = pseudo_inverse_direction(hessian, grad)
    for c in (1e-9, 1e-3, 1e4):
        np.testing.assert_allclose(
            pseudo_inverse_direction(c * hessian, c * grad), direction, rtol=1e-7
        )


def test_the_pseudo_inverse_step_drops_eigenvalues_below_1e_12_of_the_largest() -> None:
    """A unit-diagonal H whose eigenvalues are about 2.9, 0.1 and 1e-12: the last is below
    1e-12 × the largest, so its direction is left out and the step stays of the size of ∇J
    rather than ∇J / 1e-12."""
    vectors = np.linalg.qr(np.random.default_rng(46).standard_normal((3, 3)))[0]
    hessian = vectors @ np.diag([2.9, 0.1, 1e-12]) @ vectors.T
    scale = 1.0 / np.sqrt(np.diag(hessian))
    hessian = hessian * np.outer(scale, scale)
    values = np.linalg.eigvalsh(hessian)
    assert values[0] < 1e-12 * values[-1] < values[1] and 1e-12 / values[-1] < values[0]
    grad = np.array([0.3, -0.1, 0.2])
    direction = pseudo_inverse_direction(hessian, grad)
    assert np.max(np.abs(direction)) < 100 * np.max(np.abs(grad))
    values, eigen = np.linalg.eigh(hessian)
    expected = -eigen[:, 1:] @ ((eigen[:, 1:].T @ grad) / values[1:])
    np.testing.assert_allclose(direction, expected, rtol=1e-6)
