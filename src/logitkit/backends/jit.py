"""Numba compilation with an on-disk cache where one can be written.

Kernels are compiled on first use, one version per argument types, and cached on disk
(``__pycache__`` beside the module, else Numba's user-wide cache directory, or the directory
named by ``NUMBA_CACHE_DIR``). Where none of them is writable they are compiled afresh in each
process instead. Only the modules holding kernels import this one, and they are imported
when a kernel is first needed, so ``import logitkit`` never imports Numba.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numba


def compile_kernel(function: Callable | None = None, **options: Any) -> Callable:
    """``numba.njit(cache=True, **options)``, or without the cache where no directory is writable.

    Numba looks for a writable cache directory when the decorator is applied and raises
    RuntimeError ("no locator available") when it finds none, e.g. for a read-only install run
    by a user without a writable home directory. Used bare (``@compile_kernel``) or with options.
    """
    if function is None:
        return lambda decorated: compile_kernel(decorated, **options)
    try:
        return numba.njit(cache=True, **options)(function)
    except RuntimeError:
        return numba.njit(**options)(function)
