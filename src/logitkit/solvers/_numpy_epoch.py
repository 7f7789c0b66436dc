"""Epochs of stochastic and mini-batch (proximal) gradient descent as NumPy steps.

The same steps as the compiled kernels of :mod:`logitkit.solvers._sgd_kernels`, for any
objective with ``smooth_gradient(θ, rows)`` and ``prox``: on each batch B of the permutation,

    θ ← prox(θ − η_t ∇J_B(θ), η_t),   θ̄ ← θ̄ + (θ − θ̄)/k after the k-th step (θ̄ starts at 0),

with η_t of the schedule after t samples seen. Each step costs a call into NumPy, so these
epochs suit mini-batches better than single samples.
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
