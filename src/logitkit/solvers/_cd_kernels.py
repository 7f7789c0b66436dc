"""Compiled coordinate descent on a penalised quadratic model, the inner loop of ``cd``.

The model, over the coefficients u of a working set W (θ_W the current values), is

    q(u) = gᵀ(u − θ_W) + ½ (u − θ_W)ᵀ H (u − θ_W) + λ Σ_{j penalised} |uⱼ|,

with g and H the gradient and Hessian of the smooth part of J restricted to W. Each coordinate
step minimises q exactly in uⱼ:

    rⱼ = gⱼ + [H(u − θ_W)]ⱼ,   uⱼ ← S(uⱼ − rⱼ/Hⱼⱼ, λ/Hⱼⱼ)   (no thresholding when unpenalised),

S(a, t) = sign(a) max(|a| − t, 0), and the running product H(u − θ_W) is updated by one row of H,
so a sweep over W costs O(|W|²) whatever the number of samples. After each sweep the largest KKT
violation of q (as in :meth:`logitkit.core.penalties.ElasticNet.kkt_violation`, with r in place of
the gradient) is compared with the tolerance.

Compiled by Numba on first use and cached on disk like :mod:`logitkit.solvers._sgd_kernels`.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from ..backends.jit import compile_kernel


@compile_kernel
def _kkt_violation(r: float, u: float, penalised: bool, l1: float) -> float:
    """Distance of 0 from the subdifferential of q in uⱼ, given the smooth part's slope r."""
    if not penalised or l1 == 0.0:
        return abs(r)
    if u > 0.0:
        return abs(r + l1)
    if u < 0.0:
        return abs(r - l1)
    return max(abs(r) - l1, 0.0)


@compile_kernel
def quadratic_cd(
    hessian: NDArray,
    grad: NDArray,
    start: NDArray,
    penalised: NDArray,
    l1: float,
    tol: float,
    max_sweeps: int,
) -> tuple[NDArray, int, float]:
    """Sweeps of cyclic coordinate descent on q from u = θ_W = ``start``.

    Stops when q's largest KKT violation is at most ``tol`` or after ``max_sweeps`` sweeps, and
    returns u, the number of sweeps and that violation. Coordinates with Hⱼⱼ ≤ 0 (a column of
    zeros) cannot move and are left out.
    """
    k = grad.size
    u = start.copy()
    shift = np.zeros(k)
    worst = np.inf
    sweeps = 0
    while sweeps < max_sweeps:
        sweeps += 1
        for j in range(k):
            h = hessian[j, j]
            if h <= 0.0:
                continue
            old = u[j]
            new = old - (grad[j] + shift[j]) / h
            if penalised[j]:
                threshold = l1 / h
                if new > threshold:
                    new -= threshold
                elif new < -threshold:
                    new += threshold
                else:
                    new = 0.0
            change = new - old
            if change != 0.0:
                u[j] = new
                for i in range(k):
                    shift[i] += change * hessian[j, i]
        worst = 0.0
        for j in range(k):
            if hessian[j, j] > 0.0:
                worst = max(worst, _kkt_violation(grad[j] + shift[j], u[j], penalised[j], l1))
        if worst <= tol:
            break
    return u, sweeps, worst
