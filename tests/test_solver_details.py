"""Details of the solvers the broader tests leave open, each pinned down by a test that a
plausible slip in it would fail (found by mutation testing, see docs/testing.md)."""

from __future__ import annotations

import numpy as np

from logitkit.solvers.newton import pseudo_inverse_direction


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
