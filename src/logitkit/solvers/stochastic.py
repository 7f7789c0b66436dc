"""Stochastic and mini-batch gradient descent as a run that outlives one call.

``fit``'s epochs and ``partial_fit``'s calls take the same steps: a :class:`StochasticRun` keeps
what the next epoch needs (the last iterate θ, the mean iterate of every epoch, the epochs done
E, the initial step η₀, the mean weight s̄ and the random generator of the shuffles) and the
history, and :meth:`StochasticRun.epoch` runs one epoch over a :class:`Chunk`, the data of one
call:

- the chunk's blocks in a random order (no draw for one block), the rows of each block in a
  random order (``rng.permutation``), in batches of ``batch_size`` rows that do not cross a
  block's end (the last batch of a block is shorter when b does not divide its rows);
- the step of a batch taken after u samples of this epoch is the step of the schedule after
  e = E + u/m epochs, m the chunk's samples, with the data term estimated as
  (1/|B|) Σ_{i∈B} (sᵢ/s̄) Lᵢ (see :mod:`logitkit.solvers._sgd_kernels`);
- s̄ is the mean weight of all the samples the run has seen, calls counted with their rows (the
  chunk's own mean when every call brings the same data), so that over a pass the steps follow
  the gradient of J itself; η₀ is ``learning_rate``, else √b / L̄ with L̄ from the first chunk.

After the epoch, the reported iterate is the mean of the epoch means of epochs ⌊E/2⌋ + 1 … E
(Polyak–Ruppert averaging), and the history gets J and its KKT violation there, evaluated over
the chunk. A chunk that is all of the data, epoch after epoch, is ``fit``: the same draws from
the same generator, the same steps, bit for bit.

This module imports Numba (through the compiled epochs) only when an epoch runs.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from .base import DataProblem, Progress, SolveResult, SolverOptions

__all__ = [
    "Chunk",
    "EpochSettings",
    "InMemoryChunk",
    "Pass",
    "RowChunks",
    "StochasticRun",
    "block_epoch",
    "epoch_of",
    "smoothness",
    "solve_chunk",
]


def smoothness(objective: DataProblem) -> float:
    """L̄ = c (1/Σs) Σ sᵢ‖x̃ᵢ‖² + α(1 − ρ), c the datafit's curvature bound (σ′ ≤ ¼ binary,
    ½ for the softmax).

    It bounds the Lipschitz constant of ∇J (the trace bound) and is the average smoothness of
    one sample's loss. Σᵢ sᵢ‖x̃ᵢ‖² = Σⱼ Σᵢ sᵢx̃ᵢⱼ² is one pass over X whatever its backend.
    """
    weighted = objective.design.weighted_column_sq_norms(objective.sample_weight)
    mean_sq_norm = float(np.sum(weighted)) / objective.total_weight
    return objective.datafit.curvature_bound * mean_sq_norm + objective.penalty.l2_strength


@dataclass(frozen=True)
class EpochSettings:
    """What every block of an epoch steps with: η₀, the schedule, b, the epoch's samples m
    (of the schedule's e = t/m) and s̄."""

    eta0: float
    schedule: str
    batch_size: int
    epoch_samples: int
    weight_mean: float


@dataclass
class Pass:
    """An epoch in progress: the iterate, the mean of the iterates after each of its ``steps``
    steps so far, the samples seen (t of the schedule) and the generator of the shuffles."""

    theta: NDArray
    mean: NDArray
    steps: int
    seen: int
    rng: np.random.Generator


Epoch = Callable[[NDArray, NDArray, int], tuple[NDArray, NDArray, int]]


def epoch_of(block: DataProblem, settings: EpochSettings) -> Epoch:
    """The block's epoch ``epoch(θ, order, t) -> (θ', θ̄, t')``: compiled for one output, NumPy
    steps for the softmax (see :mod:`logitkit.solvers._sgd_kernels`)."""
    from ._numpy_epoch import numpy_epoch_runner
    from ._sgd_kernels import epoch_runner

    runner = epoch_runner if block.n_outputs == 1 else numpy_epoch_runner
    return runner(
        block,
        settings.schedule,
        settings.eta0,
        settings.batch_size,
        settings.epoch_samples,
        settings.weight_mean,
    )


def block_epoch(
    block: DataProblem, settings: EpochSettings, state: Pass, epoch: Epoch | None = None
) -> Pass:
    """``state`` carried over one block: its rows in the order ``rng.permutation``, in batches
    of b; the epoch's mean iterate updated with the block's, weighted by their steps.
    ``epoch`` is the block's :func:`epoch_of`, when kept from an earlier epoch."""
    rows = block.design.n_samples
    run = epoch if epoch is not None else epoch_of(block, settings)
    theta, block_mean, seen = run(state.theta, state.rng.permutation(rows), state.seen)
    block_steps = -(-rows // settings.batch_size)
    steps = state.steps + block_steps
    mean = state.mean + (block_steps / steps) * (block_mean - state.mean)
    return Pass(theta, mean, steps, seen, state.rng)


class Chunk(Protocol):
    """The data of one epoch, in ``n_blocks`` blocks of rows.

    ``run_epoch`` carries a :class:`Pass` over the blocks at the positions ``order``, one at a
    time (:func:`block_epoch`, wherever the block is); ``evaluate(θ)`` is J(θ) over all the
    chunk's rows, its L1 part included, and the largest KKT violation.
    """

    @property
    def n_samples(self) -> int: ...

    @property
    def n_blocks(self) -> int: ...

    def weight_mean(self) -> float: ...

    def smoothness(self) -> float: ...

    def run_epoch(self, settings: EpochSettings, order: Sequence[int], state: Pass) -> Pass: ...

    def evaluate(self, coef: NDArray) -> tuple[float, float]: ...


class InMemoryChunk:
    """All the data as one block: the objective itself. Its compiled epoch is kept for the
    next epoch with the same settings (``fit``'s)."""

    n_blocks = 1

    def __init__(self, objective: DataProblem) -> None:
        self.objective = objective
        self._epoch: tuple[EpochSettings, Epoch] | None = None

    @property
    def n_samples(self) -> int:
        return self.objective.design.n_samples

    def weight_mean(self) -> float:
        return float(self.objective.sample_weight.mean())

    def smoothness(self) -> float:
        return smoothness(self.objective)

    def run_epoch(self, settings: EpochSettings, order: Sequence[int], state: Pass) -> Pass:
        if self._epoch is None or self._epoch[0] != settings:
            self._epoch = (settings, epoch_of(self.objective, settings))
        return block_epoch(self.objective, settings, state, self._epoch[1])

    def evaluate(self, coef: NDArray) -> tuple[float, float]:
        """J(θ) with its L1 part, and the KKT violation, as the solvers record them."""
        f, grad = self.objective.smooth_value_and_gradient(coef)
        return f + self.objective.penalty.l1_value(coef), self.objective.optimality(coef, grad)


class RowChunks(InMemoryChunk):
    """All the data of a design read by passes (a Dask array): one step a chunk of rows, the
    chunks in the order of their first rows in the permutation
    (:func:`~logitkit.solvers._numpy_epoch.chunk_epoch_runner`)."""

    def run_epoch(self, settings: EpochSettings, order: Sequence[int], state: Pass) -> Pass:
        from ._numpy_epoch import chunk_epoch_runner

        epoch = chunk_epoch_runner(self.objective, settings.schedule, settings.eta0)
        permutation = state.rng.permutation(self.n_samples)
        theta, mean, seen = epoch(state.theta, permutation, state.seen)
        steps = state.steps + len(self.objective.design.row_chunks())
        return Pass(theta, mean, steps, seen, state.rng)


@dataclass
class StochasticRun:
    """The state of a stochastic run between epochs (see the module docstring).

    ``theta`` is the last iterate, ``reported`` the averaged one the history describes; ``loss``
    and ``grad_norm`` hold one entry per epoch, the start first, and ``seconds`` the wall-clock
    time from the run's start to each entry (across ``partial_fit`` calls). ``samples`` counts
    the rows s̄ averages over.
    """

    eta0: float
    schedule: str
    batch_size: int
    rng: np.random.Generator
    theta: NDArray
    reported: NDArray
    weight_mean: float = 0.0
    samples: int = 0
    epochs: int = 0
    epoch_means: list[NDArray] = field(default_factory=list)
    loss: list[float] = field(default_factory=list)
    grad_norm: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    started: float = field(default_factory=time.perf_counter)

    @classmethod
    def start(
        cls,
        chunk: Chunk,
        coef0: NDArray,
        options: SolverOptions,
        batch_size: int,
    ) -> StochasticRun:
        """A run from θ₀ = ``coef0`` on the first chunk: η₀ from ``options.learning_rate`` or
        √b / L̄ of the chunk, the generator seeded by ``options.random_state``, and the
        history's entry 0, J at θ₀ over the chunk."""
        theta = np.array(coef0, dtype=np.float64)
        run = cls(
            eta0=(
                options.learning_rate
                if options.learning_rate is not None
                else math.sqrt(batch_size) / chunk.smoothness()
            ),
            schedule=options.schedule,
            batch_size=batch_size,
            rng=np.random.default_rng(options.random_state),
            theta=theta,
            reported=theta,
        )
        run.record(*chunk.evaluate(theta), options.progress)
        return run

    def epoch(self, chunk: Chunk) -> None:
        """One epoch over ``chunk``, then the averaged iterate; the history is left to
        :meth:`evaluate`."""
        self._absorb(chunk)
        order = self.rng.permutation(chunk.n_blocks) if chunk.n_blocks > 1 else [0]
        settings = EpochSettings(
            self.eta0, self.schedule, self.batch_size, chunk.n_samples, self.weight_mean
        )
        start = Pass(
            self.theta, np.zeros_like(self.theta), 0, self.epochs * chunk.n_samples, self.rng
        )
        state = chunk.run_epoch(settings, [int(b) for b in order], start)
        self.theta, self.rng = state.theta, state.rng
        self.epochs += 1
        self.epoch_means.append(state.mean)
        self.reported = np.mean(self.epoch_means[self.epochs // 2 :], axis=0)

    def _absorb(self, chunk: Chunk) -> None:
        """Fold the chunk's weights into s̄, the mean weight of every sample seen (unchanged,
        bit for bit, by a chunk of the same mean)."""
        count = chunk.n_samples
        total = self.samples + count
        self.weight_mean += (count / total) * (chunk.weight_mean() - self.weight_mean)
        self.samples = total

    def evaluate(self, chunk: Chunk, progress: Progress | None = None) -> float:
        """Record J and the KKT violation at the reported iterate over ``chunk``; return J."""
        cost, violation = chunk.evaluate(self.reported)
        self.record(cost, violation, progress)
        return cost

    def record(self, cost: float, violation: float, progress: Progress | None) -> None:
        self.loss.append(float(cost))
        self.grad_norm.append(float(violation))
        self.seconds.append(time.perf_counter() - self.started)
        if progress is not None:
            progress(len(self.loss) - 1, float(cost), float(violation))

    def decrease(self, window: int) -> float:
        """The relative decrease of J over the last ``window`` epochs (inf before that many)."""
        if self.epochs < window:
            return float("inf")
        cost = self.loss[-1]
        return (self.loss[-1 - window] - cost) / max(abs(cost), np.finfo(float).tiny)

    def verdict(self, tol: float, window: int) -> tuple[bool, str] | None:
        """(converged, reason) when the run should stop, else None.

        It stops, unconverged, when J is not finite or still above its start after ``window``
        epochs (steps too large), and converged when J fell, but by less than ``tol``
        (relative), over the last ``window`` epochs.
        """
        cost = self.loss[-1]
        if not np.isfinite(cost) or (self.epochs >= window and cost > self.loss[0]):
            return False, (
                f"the cost rose above its starting value with learning_rate={self.eta0:g}: use a "
                "smaller one, or leave learning_rate=None"
            )
        decrease = self.decrease(window)
        if 0.0 <= decrease < tol:
            return True, (
                f"the cost fell by {decrease:.3g} (relative) over the last {window} epochs, "
                f"below tol {tol:.3g}"
            )
        return None

    def result(self, converged: bool, reason: str) -> SolveResult:
        """The SolveResult at the reported iterate, this run as its ``state``."""
        return SolveResult(
            coef=np.asarray(self.reported, dtype=np.float64),
            n_iter=max(len(self.loss) - 1, 0),
            converged=converged,
            reason=reason,
            loss=list(self.loss),
            grad_norm=list(self.grad_norm),
            seconds=list(self.seconds),
            state=self,
        )


def solve_chunk(
    chunk: Chunk, coef0: NDArray, options: SolverOptions, batch_size: int
) -> SolveResult:
    """Epochs over ``chunk`` from ``coef0`` until :meth:`StochasticRun.verdict` stops them or
    ``max_iter`` epochs ran: ``fit``'s stochastic solvers, on any chunk (all the data in
    memory, or the blocks of a Dask collection)."""
    run = StochasticRun.start(chunk, coef0, options, batch_size)
    window = options.n_iter_no_change
    for _ in range(options.max_iter):
        run.epoch(chunk)
        run.evaluate(chunk, options.progress)
        verdict = run.verdict(options.tol, window)
        if verdict is not None:
            return run.result(*verdict)
    return run.result(
        False,
        f"reached max_iter={options.max_iter} epochs with the cost still changing by "
        f"{run.decrease(window):.3g} (relative) over the last {window} epochs, above tol "
        f"{options.tol:.3g}",
    )
