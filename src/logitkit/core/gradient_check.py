"""The finite-difference check of an objective's gradient."""

from __future__ import annotations

from typing import Protocol

import numpy as np
from numpy.typing import ArrayLike, NDArray


class _Differentiable(Protocol):
    @property
    def n_params(self) -> int: ...

    def value(self, coef: NDArray) -> float: ...

    def gradient(self, coef: NDArray) -> NDArray: ...


def check_gradient(
    objective: _Differentiable, coef: ArrayLike | None = None, step: float | None = None
) -> float:
    """Largest relative error between ∇J and central finite differences.

    For each coordinate j, gⱼ ≈ (J(θ + h eⱼ) − J(θ − h eⱼ)) / 2h with h = ε^(1/3)·max(1, |θⱼ|),
    and the error is |gⱼ − ĝⱼ| / max(|gⱼ|, |ĝⱼ|, √ε·max(1, |J|)); the floor in the denominator
    compares near-zero components absolutely. A correct gradient gives about 1e-7 or less.
    """
    theta = np.zeros(objective.n_params) if coef is None else np.array(coef, dtype=np.float64)
    eps = np.finfo(np.float64).eps
    analytic = objective.gradient(theta)
    floor = np.sqrt(eps) * max(1.0, abs(objective.value(theta)))
    worst = 0.0
    for j in range(theta.size):
        h = (step if step is not None else eps ** (1 / 3)) * max(1.0, abs(theta[j]))
        up, down = theta.copy(), theta.copy()
        up[j] += h
        down[j] -= h
        numeric = (objective.value(up) - objective.value(down)) / (up[j] - down[j])
        scale = max(abs(numeric), abs(analytic[j]), floor)
        worst = max(worst, abs(numeric - analytic[j]) / scale)
    return worst
