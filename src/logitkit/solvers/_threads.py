"""The BLAS thread pools of this process, for solvers that run small BLAS work beside a
parallel pass over the data.

BLAS threads woken for small products spin against the threads of a parallel (Numba) pass that
follows; on two busy cores that slows a fit severalfold. Solvers therefore run their own small
products (L-BFGS's vector updates, a sampled Hessian) on one BLAS thread.
"""

from __future__ import annotations

from functools import cache

from threadpoolctl import ThreadpoolController


@cache
def threadpools() -> ThreadpoolController:
    """The BLAS and OpenMP libraries loaded in this process, found once."""
    return ThreadpoolController()
