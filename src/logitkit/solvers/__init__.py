"""The solvers, one module per family, all with the signature ``solve(objective, coef0, options)``.

``auto`` picks by penalty and shape (documented in docs/solvers.md):

- an L1 part (α > 0 and ρ > 0): ``cd``, proximal Newton with coordinate descent;
- three or more classes on a dense X read by the fused pass (C-ordered, at least 2²⁰
  entries): ``lbfgs``, since a softmax Hessian costs about K′p̃/8 passes over X;
- at most 500 coefficients: ``newton`` (few iterations, each a p×p Cholesky solve);
- more coefficients: ``newton-cg`` on a design whose products are cheap against a p × p
  Hessian (sparse X), else ``lbfgs``.

On a design read by passes (a Dask array), where each evaluation reads the data once, the rule
counts passes: ``cd`` with an L1 part; else ``newton`` up to 500 coefficients, binary or
softmax (its Hessian, every block of it, comes from the same pass as the cost and gradient, so
a Newton step is one pass); above that ``lbfgs`` (one pass per evaluation and no p × p
matrix). ``newton-cg`` is never chosen there: it would make a pass per Hessian-vector product.

On a tall dense X or a tall design read by passes (at least 4 × ``HESSIAN_SAMPLE_ROWS`` rows
and ``HESSIAN_SAMPLE_MIN_PARAMS`` coefficients) ``auto``'s ``newton`` builds its Hessian from a
systematic sample of about ``HESSIAN_SAMPLE_ROWS`` rows (see :func:`hessian_sample_step`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..backends.design import Design
from .base import DataProblem, Problem, SolveResult, SolverOptions
from .coordinate_descent import solve_cd
from .gradient_descent import solve_gd, solve_minibatch, solve_sgd
from .lbfgs import solve_lbfgs
from .newton import solve_newton
from .newton_cg import solve_newton_cg

__all__ = [
    "SOLVERS",
    "DataProblem",
    "Problem",
    "SolveResult",
    "Solver",
    "SolverOptions",
    "choose_solver",
    "design_sample_step",
    "hessian_sample_step",
]

NEWTON_MAX_PARAMS = 500
HESSIAN_SAMPLE_ROWS = 50_000
HESSIAN_SAMPLE_MIN_PARAMS = 32


@dataclass(frozen=True)
class Solver:
    """A solver and its defaults: ``tol`` for float64 and float32 data, ``max_iter``."""

    solve: Callable[[Any, NDArray, SolverOptions], SolveResult]
    """Takes a :class:`Problem` (a :class:`DataProblem` for the stochastic solvers)."""
    tol: float
    tol_float32: float
    max_iter: int
    handles_l1: bool
    stochastic: bool = False

    def default_tol(self, dtype: np.dtype) -> float:
        """The default stopping tolerance for data of this dtype."""
        return self.tol_float32 if np.dtype(dtype) == np.float32 else self.tol


SOLVERS: dict[str, Solver] = {
    "gd": Solver(solve_gd, 1e-8, 1e-6, 10_000, handles_l1=True),
    "sgd": Solver(solve_sgd, 1e-4, 1e-4, 200, handles_l1=True, stochastic=True),
    "minibatch": Solver(solve_minibatch, 1e-4, 1e-4, 200, handles_l1=True, stochastic=True),
    "lbfgs": Solver(solve_lbfgs, 1e-8, 1e-6, 1000, handles_l1=False),
    "newton": Solver(solve_newton, 1e-10, 1e-6, 100, handles_l1=False),
    "newton-cg": Solver(solve_newton_cg, 1e-10, 1e-6, 200, handles_l1=False),
    "cd": Solver(solve_cd, 1e-8, 1e-6, 100, handles_l1=True),
}


def choose_solver(objective: DataProblem) -> str:
    """The solver ``auto`` stands for on this objective (see the module docstring)."""
    if not objective.penalty.is_smooth:
        return "cd"
    if not objective.design.holds_rows:
        return "newton" if objective.n_params <= NEWTON_MAX_PARAMS else "lbfgs"
    if objective.n_outputs > 1 and objective.fused_pass:
        return "lbfgs"
    if objective.n_params <= NEWTON_MAX_PARAMS:
        return "newton"
    return "newton-cg" if objective.design.prefers_hessian_products else "lbfgs"


def hessian_sample_step(objective: DataProblem) -> int | None:
    """Every how many rows ``auto``'s Newton samples for its Hessian; None for all of them.

    A Hessian costs about k/2 passes over X for k coefficients against one pass for the cost
    and gradient, so on a tall dense X it is sampled: every n // 50,000-th row. On 50,000 rows
    its relative error is small enough (about √(k/50,000)) that each step still cuts the
    gradient about tenfold. The same rule holds on a design read by passes (a Dask array),
    whose passes compute the sample's Hessian inside each chunk's task, beside the cost and
    gradient, over the rows whose index among all rows is a multiple of the step (so the
    sample does not depend on the chunks or the workers). An in-memory design whose row
    samples are copies (sparse X), fewer than 32 coefficients, fewer than 200,000 rows,
    several outputs (the softmax) or Firth's term use the exact Hessian.
    """
    if objective.n_outputs > 1 or objective.firth is not None:
        return None
    return design_sample_step(objective.design)


def design_sample_step(design: Design) -> int | None:
    """:func:`hessian_sample_step`'s rule for the design alone (two classes, no Firth): what a
    Dask fit's first pass samples before the classes are known."""
    if (
        design.holds_rows and not design.samples_rows_cheaply
    ) or design.n_params < HESSIAN_SAMPLE_MIN_PARAMS:
        return None
    step = design.n_samples // HESSIAN_SAMPLE_ROWS
    return step if step >= 4 else None
