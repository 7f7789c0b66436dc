"""Gradient descent in its three forms: batch (``gd``), stochastic (``sgd``) and mini-batch.

Each step moves against the gradient of the cost, θ ← θ − η ∇J(θ), followed by the proximal
step of the L1 part when there is one (soft-thresholding; the identity otherwise):

- batch:      ∇J over all m samples; a fixed η, or a backtracking (Armijo) line search.
- stochastic: ∇Lᵢ of one sample i per step, the samples reshuffled each epoch.
- mini-batch: the mean gradient of ``batch_size`` samples per step.

Maximising the log-likelihood by gradient ascent takes exactly these steps with the sign of
the gradient flipped.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from .base import DataProblem, Recorder, SolveResult, SolverOptions, flat_cost, tol_reached
from .stochastic import InMemoryChunk, RowChunks, smoothness, solve_chunk

_MAX_BACKTRACKS = 60


def solve_gd(objective: DataProblem, coef0: NDArray, options: SolverOptions) -> SolveResult:
    """Batch (proximal) gradient descent.

    With ``learning_rate`` η: θ ← prox(θ − η∇f(θ), η). Without it the step t is found by
    backtracking from twice the last accepted step until the sufficient-decrease condition

        f(θ⁺) ≤ f(θ) + ∇f(θ)ᵀ(θ⁺ − θ) + ‖θ⁺ − θ‖² / (2t)

    holds (Armijo's condition with c = ½ when there is no L1 part); f is the smooth part of J.
    """
    recorder = Recorder(options)
    theta = np.array(coef0, dtype=np.float64)
    f, grad = objective.smooth_value_and_gradient(theta)
    fixed = options.learning_rate is not None
    lipschitz = smoothness(objective)
    step = options.learning_rate if options.learning_rate is not None else 1.0 / lipschitz
    start_cost = f
    for iteration in range(options.max_iter + 1):
        violation = objective.optimality(theta, grad)
        recorder.record(f + objective.penalty.l1_value(theta), violation)
        if violation <= options.tol:
            return recorder.result(theta, True, tol_reached(violation, options.tol))
        if iteration == options.max_iter:
            break
        if fixed:
            candidate = objective.prox(theta - step * grad, step)
            f_new = objective.smooth_value(candidate)
            if not f_new <= start_cost:
                return recorder.result(
                    theta,
                    False,
                    f"the cost rose above its starting value with the fixed learning_rate={step:g}:"
                    f" use a smaller one (1/L = {1.0 / lipschitz:.3g} is safe for this data), "
                    "or leave learning_rate=None for a line search",
                )
        else:
            step *= 2.0
            for _ in range(_MAX_BACKTRACKS):
                candidate = objective.prox(theta - step * grad, step)
                delta = candidate - theta
                f_new = objective.smooth_value(candidate)
                if f_new <= f + grad @ delta + (delta @ delta) / (2.0 * step):
                    break
                step *= 0.5
            else:
                return flat_cost(recorder, theta, "the line search", violation, options.tol)
        theta = candidate
        f, grad = objective.smooth_value_and_gradient(theta)
    return recorder.result(theta, False, f"reached max_iter={options.max_iter} iterations")


def _solve_stochastic(
    objective: DataProblem, coef0: NDArray, options: SolverOptions, batch_size: int
) -> SolveResult:
    """Stochastic or mini-batch (proximal) gradient descent with iterate averaging.

    Per step, on a batch B of the shuffled samples: θ ← prox(θ − η_t ∇J_B(θ), η_t), where J_B
    is the cost with the data term estimated from B (unbiased for any sample weights), and η_t
    follows ``schedule``: η₀, η₀/(1 + e)^½ ("invscaling") or η₀/(1 + e)^¾ ("auto") after e
    epochs. η₀ defaults to √|B| / L̄, L̄ the average per-sample smoothness
    c mean‖x̃ᵢ‖² + α(1 − ρ) (c = ¼ binary, ½ softmax). Each epoch runs as one compiled loop
    over a NumPy permutation of the samples (:mod:`logitkit.solvers._sgd_kernels`, which
    imports Numba on first use); the multinomial objective, which the compiled kernels do not
    cover, runs its epochs as NumPy steps on ``objective.smooth_gradient(θ, rows)``
    (:mod:`logitkit.solvers._numpy_epoch`). Over a design read by passes (Dask) each batch is
    one chunk of rows, whatever ``batch_size`` (one task per step); ``sgd`` is refused there.

    The iterate reported after epoch k is the average of all iterates of epochs ⌊k/2⌋ + 1 … k
    (Polyak–Ruppert averaging over the second half of the run), which removes most of the
    noise the last iterate carries. It stops when that cost fell, but by less than ``tol``
    (relative), over the last ``n_iter_no_change`` epochs; a cost still above the starting
    one after those epochs means the steps are too large, and stops the run.

    The epochs are those of a :class:`~logitkit.solvers.stochastic.StochasticRun` over all the
    data, returned as the result's ``state`` for ``partial_fit`` to continue. On a design read
    by passes (a Dask array) a step is one chunk of rows (``minibatch``; ``sgd``'s step of one
    row would be a task per row, and is refused).
    """
    if objective.design.holds_rows:
        return solve_chunk(InMemoryChunk(objective), coef0, options, batch_size)
    if batch_size == 1:
        raise ValueError(
            "solver='sgd' takes one row per step, which on a Dask array would be a task per "
            "row: use 'minibatch' (one chunk of rows per step) or a full-batch solver"
        )
    return solve_chunk(RowChunks(objective), coef0, options, batch_size)


def solve_sgd(objective: DataProblem, coef0: NDArray, options: SolverOptions) -> SolveResult:
    """Stochastic gradient descent: one sample per step (see :func:`_solve_stochastic`)."""
    return _solve_stochastic(objective, coef0, options, batch_size=1)


def solve_minibatch(objective: DataProblem, coef0: NDArray, options: SolverOptions) -> SolveResult:
    """Mini-batch gradient descent: ``batch_size`` samples a step (:func:`_solve_stochastic`)."""
    return _solve_stochastic(objective, coef0, options, batch_size=options.batch_size)
