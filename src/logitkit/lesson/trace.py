"""Run one of logitkit's solvers and keep what the lesson draws: every iterate θ_k, its cost,
its gradient norm and the seconds since the start.

The solver is the one ``LogisticRegression(solver=name)`` runs (``SOLVERS[name].solve``), with
the same options; the iterates are read off as it reports each iteration, so the path on the
contours is the solver's own.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..core.objective import Objective
from ..solvers import SOLVERS, SolveResult, SolverOptions


@dataclass(frozen=True)
class Trace:
    """A solver run: θ_k, J(θ_k), the largest gradient component and seconds, k = 0 … n_iter."""

    name: str
    thetas: NDArray
    loss: NDArray
    grad_norm: NDArray
    seconds: NDArray
    result: SolveResult

    @property
    def n_iter(self) -> int:
        """Iterations (epochs for ``sgd`` and ``minibatch``) after the start."""
        return self.result.n_iter


class _Watched:
    """The objective as the solver sees it, remembering the last point whose optimality it
    measured: the iterate the solver is about to record."""

    def __init__(self, objective: Objective) -> None:
        self._objective = objective
        self.last: NDArray | None = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._objective, name)

    def optimality(self, coef: NDArray, smooth_grad: NDArray) -> float:
        self.last = np.array(coef, dtype=np.float64)
        return float(self._objective.optimality(coef, smooth_grad))


def run_solver(name: str, objective: Objective, start: NDArray, **settings: Any) -> Trace:
    """Run solver ``name`` from ``start`` with its default tolerance and iteration cap unless
    ``settings`` (SolverOptions fields) say otherwise, recording each iteration.

    The compiled kernels of ``sgd`` and ``minibatch`` are loaded by a one-epoch run first, so
    that the clock measures the descent, not the compiler."""
    solver = SOLVERS[name]
    options: dict[str, Any] = {"tol": solver.tol, "max_iter": solver.max_iter, **settings}
    if solver.stochastic:
        solver.solve(objective, np.array(start, float), SolverOptions(**{**options, "max_iter": 1}))
    watched = _Watched(objective)
    thetas: list[NDArray] = []
    seconds: list[float] = []

    def progress(iteration: int, loss: float, grad_norm: float) -> None:
        if iteration < len(thetas):  # a final full step refines the last iteration
            del thetas[iteration:], seconds[iteration:]
        thetas.append(watched.last if watched.last is not None else np.array(start, float))
        seconds.append(time.perf_counter() - clock)

    clock = time.perf_counter()
    result = solver.solve(
        watched, np.array(start, float), SolverOptions(**options, progress=progress)
    )
    return Trace(
        name,
        np.array(thetas),
        np.array(result.loss),
        np.array(result.grad_norm),
        np.array(seconds),
        result,
    )
