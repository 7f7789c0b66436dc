"""maxᵢ |xᵢⱼ| for every column j of a dense X in one pass (a Numba kernel).

NumPy takes two reductions over X for it (the column maxima and the minima, a block of rows
at a time). Here each row is read once, on the calling thread: the kernel is also safe in the
threads of a Dask worker, whose chunks are dense designs too. The pass also sums
|xᵢⱼ| − |xᵢⱼ|, 0 for finite entries and NaN otherwise, so that X with an infinite or NaN
entry is told apart and left to NumPy's reductions, whose results keep them.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from .jit import compile_kernel


@compile_kernel(nogil=True)
def _maxima(X: NDArray) -> tuple[NDArray, NDArray]:
    """maxᵢ |xᵢⱼ| and Σᵢ (|xᵢⱼ| − |xᵢⱼ|) for every column j."""
    n_rows, n_columns = X.shape
    top = np.zeros(n_columns)
    check = np.zeros(n_columns)
    for i in range(n_rows):
        row = X[i]
        for j in range(n_columns):
            value = abs(np.float64(row[j]))
            top[j] = top[j] if top[j] >= value else value
            check[j] += value - value
    return top, check


def column_abs_max(X: NDArray) -> NDArray | None:
    """maxᵢ |xᵢⱼ| of the C-ordered dense X (float32 or float64) as float64, 0 for no rows; None
    when some entry is infinite or NaN."""
    top, check = _maxima(X)
    return None if np.isnan(np.sum(check)) else top
