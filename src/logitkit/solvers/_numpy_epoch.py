"""Epochs of stochastic and mini-batch (proximal) gradient descent as NumPy steps.

The same steps as the compiled kernels of :mod:`logitkit.solvers._sgd_kernels`, for any
objective with ``smooth_gradient(θ, rows)`` and ``prox``: on each batch B of the permutation,

    θ ← prox(θ − η_t ∇J_B(θ), η_t),   θ̄ ← θ̄ + (θ − θ̄)/k after the k-th step (θ̄ starts at 0),

with η_t of the schedule after t samples seen. Each step costs a call into NumPy, so these
epochs suit mini-batches better than single samples.

Over a design read by passes (Dask), :func:`chunk_epoch_runner` takes each chunk of rows as
one batch: a step is one task on one chunk, and the chunks are visited in an order drawn from
the epoch's permutation.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from ._sgd_kernels import SCHEDULES, Epoch, EpochResult, step_size
from .base import DataProblem


def numpy_epoch_runner(
    objective: DataProblem,
    schedule: str,
    eta0: float,
    batch_size: int,
    epoch_samples: int | None = None,
    weight_mean: float | None = None,
) -> Epoch:
    """The function ``epoch(θ, order, t) -> (θ', θ̄, t')``, as ``epoch_runner`` returns it, with
    its ``epoch_samples`` and ``weight_mean``: a data term estimated with s̄ = ``weight_mean``
    rather than X's own mean weight is the gradient's data part times (X's s̄)/``weight_mean``."""
    n_samples = objective.design.n_samples
    code = SCHEDULES[schedule]
    length = n_samples if epoch_samples is None else epoch_samples
    own_mean = float(objective.sample_weight.mean())
    factor = 1.0 if weight_mean is None else own_mean / weight_mean
    penalty = objective.penalty

    def gradient(theta: NDArray, rows: NDArray) -> NDArray:
        grad = objective.smooth_gradient(theta, rows)
        if factor == 1.0:
            return grad
        ridge = penalty.smooth_gradient(theta)
        return (grad - ridge) * factor + ridge

    def epoch(theta: NDArray, order: NDArray, samples_seen: int) -> EpochResult:
        theta = np.array(theta, dtype=np.float64)
        mean = np.zeros_like(theta)
        for step, start in enumerate(range(0, n_samples, batch_size), start=1):
            rows = order[start : start + batch_size]
            eta = step_size(code, eta0, samples_seen, length)
            theta = objective.prox(theta - eta * gradient(theta, rows), eta)
            mean += (theta - mean) / step
            samples_seen += rows.size
        return theta, mean, samples_seen

    return epoch


def chunk_epoch_runner(objective: DataProblem, schedule: str, eta0: float) -> Epoch:
    """``epoch(θ, order, t)`` with the design's chunks of rows as the batches
    (:meth:`~logitkit.backends.design.Design.row_chunks`), taken in the order in which their
    first rows appear in the permutation ``order``."""
    n_samples = objective.design.n_samples
    chunks = objective.design.row_chunks()
    starts = np.array([part.start for part in chunks])
    code = SCHEDULES[schedule]

    def epoch(theta: NDArray, order: NDArray, samples_seen: int) -> EpochResult:
        position = np.empty(n_samples, dtype=np.intp)
        position[order] = np.arange(n_samples)
        theta = np.array(theta, dtype=np.float64)
        mean = np.zeros_like(theta)
        for step, index in enumerate(np.argsort(position[starts]), start=1):
            rows = chunks[index]
            eta = step_size(code, eta0, samples_seen, n_samples)
            theta = objective.prox(theta - eta * objective.smooth_gradient(theta, rows), eta)
            mean += (theta - mean) / step
            samples_seen += rows.stop - rows.start
        return theta, mean, samples_seen

    return epoch
