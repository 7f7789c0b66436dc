"""The BLAS thread pools of this process, for solvers that run small BLAS work beside a
parallel pass over the data.

BLAS threads woken for small products spin against the threads of a parallel (Numba) pass that
follows; on two busy cores that slows a fit severalfold. Solvers therefore run their own small
products (L-BFGS's vector updates, conjugate gradients' vector algebra, a sampled Hessian) on one
BLAS thread, and evaluations over the data with the threads the caller had
(:func:`blas_threads`). The controller of the thread pools is the backends' one
(:func:`~logitkit.backends.base.threadpools`), found once per process.
"""

from __future__ import annotations

from ..backends.base import threadpools

__all__ = ["blas_threads", "threadpools"]


def blas_threads() -> dict[str, int]:
    """The thread count of each BLAS library now, by its prefix: a ``limits`` argument of
    ``threadpools().limit`` that restores them inside a one-thread section."""
    return {
        library["prefix"]: library["num_threads"]
        for library in threadpools().select(user_api="blas").info()
    }
