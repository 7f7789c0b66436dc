"""What every solver takes and returns: one signature, ``solve(objective, coef0, options)``."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..backends.design import Design
from ..core.penalties import ElasticNet

Progress = Callable[[int, float, float], None]
Rows = NDArray[np.intp] | slice | None


class Problem(Protocol):
    """What a deterministic solver sees of the cost J(θ) = f(θ) + αρ‖w‖₁ it minimises.

    :class:`~logitkit.core.objective.Objective` (any number of classes, Firth's term included)
    and :class:`~logitkit.core.restricted.Restricted` (some coordinates held fixed) both offer
    it: the smooth part f with its gradient, its Hessian (or the matrix Newton solves with),
    Hessian-vector products and the diagonal (Newton–CG), Hessian blocks from reusable weights
    (the working sets of ``cd``), the L1 part's prox and the optimality (KKT) measure.
    """

    @property
    def penalty(self) -> ElasticNet: ...

    @property
    def n_params(self) -> int: ...

    def smooth_value(self, coef: NDArray) -> float: ...

    def smooth_value_and_gradient(self, coef: NDArray) -> tuple[float, NDArray]: ...

    def final_value_and_gradient(self, coef: NDArray) -> tuple[float, NDArray]:
        """``smooth_value_and_gradient`` at the point the solver will return: the problem may
        bring along, from the same read of the data, what its fit statistics ask for there."""
        ...

    def hessian(self, coef: NDArray) -> NDArray: ...

    def newton_hessian(self, coef: NDArray) -> NDArray: ...

    def hessian_diagonal(self, coef: NDArray) -> NDArray: ...

    def hessian_operator(self, coef: NDArray) -> Callable[[NDArray], NDArray]: ...

    def hessian_weights(self, coef: NDArray) -> tuple[NDArray, NDArray]: ...

    def hessian_block(
        self, weights: tuple[NDArray, NDArray], index: ArrayLike, other: ArrayLike | None = None
    ) -> NDArray: ...

    def optimality(self, coef: NDArray, smooth_grad: NDArray) -> float: ...

    def prox(self, coef: NDArray, step: float) -> NDArray: ...


class _CurvatureBound(Protocol):
    curvature_bound: float


class DataProblem(Problem, Protocol):
    """A :class:`Problem` over all the data, as :class:`~logitkit.core.objective.Objective`
    gives it: the design and samples for the stochastic solvers' row subsets and compiled
    epochs, and what ``auto`` reads to choose a solver.

    Its ``smooth_value``, ``smooth_value_and_gradient``, ``smooth_gradient`` and ``hessian`` also
    take ``rows``, a subset B of the samples (the unbiased estimate from those rows).
    """

    @property
    def design(self) -> Design: ...

    @property
    def y(self) -> NDArray: ...

    @property
    def sample_weight(self) -> NDArray: ...

    @property
    def offset(self) -> NDArray | None: ...

    @property
    def datafit(self) -> _CurvatureBound: ...

    @property
    def firth(self) -> object | None: ...

    @property
    def n_outputs(self) -> int: ...

    @property
    def fused_pass(self) -> bool: ...

    @property
    def total_weight(self) -> float: ...

    def smooth_gradient(self, coef: NDArray, rows: Rows = None) -> NDArray: ...

    def smooth_value(self, coef: NDArray, rows: Rows = None) -> float: ...

    def smooth_value_and_gradient(
        self, coef: NDArray, rows: Rows = None
    ) -> tuple[float, NDArray]: ...

    def hessian(self, coef: NDArray, rows: Rows = None) -> NDArray: ...


@dataclass(frozen=True)
class SolverOptions:
    """Settings shared by the solvers; each reads the ones it uses.

    tol: the stopping tolerance (the largest KKT violation for the deterministic solvers, the
        relative decrease of the cost over ``n_iter_no_change`` epochs for the stochastic ones).
    max_iter: iterations (epochs for ``sgd`` and ``minibatch``).
    learning_rate: a fixed step for ``gd``, the initial step η₀ for the stochastic solvers.
    schedule: the stochastic step-size schedule, "auto", "constant" or "invscaling".
    batch_size: samples per step of ``minibatch``.
    random_state: seed of the per-epoch shuffles.
    progress: called as progress(iteration, loss, gradient_norm) after each iteration (again
        for the last one when a final full step refines it; see :class:`Recorder`).
    allow_singular: let ``newton`` fit a rank-deficient unpenalised design by minimum-norm
        steps instead of raising SingularDesignError.
    hessian_sample_step: let ``newton`` build its Hessian from every k-th row only, k this
        step (None: from all rows); see :func:`logitkit.solvers.newton.solve_newton`.
    """

    tol: float
    max_iter: int
    learning_rate: float | None = None
    schedule: str = "auto"
    batch_size: int = 32
    n_iter_no_change: int = 5
    random_state: int | np.random.Generator | None = None
    progress: Progress | None = None
    allow_singular: bool = False
    hessian_sample_step: int | None = None


@dataclass
class SolveResult:
    """A solver's answer and how it got there.

    ``loss`` and ``grad_norm`` hold one entry per iteration, the start (iteration 0) first;
    ``grad_norm`` is the largest KKT violation, ‖∇J‖∞ for a smooth cost.
    ``seconds``: the wall-clock time from the solver's start to each entry.
    ``singular_columns`` lists collinear coefficients a solver found and worked around.
    ``state`` is what a run that can go on keeps for the next call (the stochastic solvers'
    :class:`~logitkit.solvers.stochastic.StochasticRun`, which ``partial_fit`` continues).
    """

    coef: NDArray
    n_iter: int
    converged: bool
    reason: str
    loss: list[float] = field(default_factory=list)
    grad_norm: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    singular_columns: tuple[int, ...] = ()
    state: object | None = None


class Recorder:
    """Collects the per-iteration history and reports progress."""

    def __init__(self, options: SolverOptions) -> None:
        self.loss: list[float] = []
        self.grad_norm: list[float] = []
        self.seconds: list[float] = []
        self._progress = options.progress
        self._start = time.perf_counter()

    def record(self, loss: float, grad_norm: float) -> None:
        """Store one iteration's cost and KKT violation."""
        self.loss.append(float(loss))
        self.grad_norm.append(float(grad_norm))
        self.seconds.append(time.perf_counter() - self._start)
        if self._progress is not None:
            self._progress(len(self.loss) - 1, float(loss), float(grad_norm))

    def record_final_step(self, loss: float, grad_norm: float) -> None:
        """Store the cost and KKT violation after a final full step, one taken because the
        decrease it predicts is below the cost's floating-point resolution.

        Such a step cannot change J in floating point, so it is not an iteration of its own: it
        refines the last one, whose entry it replaces, and the last entry describes the returned
        coefficients. From the start (no iteration recorded yet) it is iteration 1, so that
        entry 0 stays the start. ``progress`` is called again with the entry's iteration.
        """
        if self.n_iterations == 0:
            self.record(loss, grad_norm)
            return
        self.loss[-1] = float(loss)
        self.grad_norm[-1] = float(grad_norm)
        self.seconds[-1] = time.perf_counter() - self._start
        if self._progress is not None:
            self._progress(len(self.loss) - 1, float(loss), float(grad_norm))

    @property
    def n_iterations(self) -> int:
        """Iterations recorded after the start."""
        return max(len(self.loss) - 1, 0)

    def result(self, coef: NDArray, converged: bool, reason: str) -> SolveResult:
        """The SolveResult; iterations are the recorded entries after the start."""
        return SolveResult(
            coef=np.asarray(coef, dtype=np.float64),
            n_iter=self.n_iterations,
            converged=converged,
            reason=reason,
            loss=self.loss,
            grad_norm=self.grad_norm,
            seconds=self.seconds,
        )


def flat_cost(
    recorder: Recorder, coef: NDArray, what: str, violation: float, tol: float
) -> SolveResult:
    """The unconverged result of a search (``what``) that found no decrease at ``coef``."""
    return recorder.result(
        coef,
        False,
        f"{what} found no decrease: the cost is flat to floating-point precision with largest "
        f"gradient (KKT) component {violation:.3g} > tol {tol:.3g}",
    )


def tol_reached(grad_norm: float, tol: float) -> str:
    """The stopping reason for a met tolerance."""
    return f"largest gradient (KKT) component {grad_norm:.3g} <= tol {tol:.3g}"
