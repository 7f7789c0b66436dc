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
    objective: DataProblem, schedule: str, eta0: float, batch_size: int
) -> Epoch:
    """The function ``epoch(θ, order, t) -> (θ', θ̄, t')``, as ``epoch_runner`` returns it."""
    n_samples = objective.design.n_samples
    code = SCHEDULES[schedule]

    def epoch(theta: NDArray, order: NDArray, samples_seen: int) -> EpochResult:
        theta = np.array(theta, dtype=np.float64)
        mean = np.zeros_like(theta)
        for step, start in enumerate(range(0, n_samples, batch_size), start=1):
            rows = order[start : start + batch_size]
            eta = step_size(code, eta0, samples_seen, n_samples)
            theta = objective.prox(theta - eta * objective.smooth_gradient(theta, rows), eta)
            mean += (theta - mean) / step
            samples_seen += rows.size
        return theta, mean, samples_seen

    return epoch
