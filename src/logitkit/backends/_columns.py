"""Per-column reductions of a dense X in one parallel pass: maxᵢ |xᵢⱼ| with Σᵢ xᵢⱼ², and Σᵢ dᵢ xᵢⱼ².

Rows are split into chunks of ``CHUNK`` rows spread over Numba's threads; each chunk keeps its
own row of results, read across the columns in the inner loop (contiguous in a C-ordered X),
and the rows are then reduced in chunk order, so the result is the same on any number of
threads. NumPy would make an |X| or X² temporary, and its reductions along the rows run on one
core.
"""

from __future__ import annotations

import numba
import numpy as np
from numpy.typing import NDArray

from .jit import compile_kernel

CHUNK = 2048
"""Rows per chunk, as in the fused pass (:mod:`logitkit.backends._fused`)."""


@compile_kernel(parallel=True, fastmath={"reassoc", "contract"})
def _chunk_maxima_squares(X: NDArray) -> tuple[NDArray, NDArray]:
    """maxᵢ |xᵢⱼ| and Σᵢ xᵢⱼ² over the rows of each chunk: two (n_chunks × p) float64 arrays,
    from one read of X; a NaN entry makes its column's maximum NaN, as NumPy's ``max`` does."""
    n_rows, n_columns = X.shape
    n_chunks = (n_rows + CHUNK - 1) // CHUNK
    maxima = np.zeros((n_chunks, n_columns))
    squares = np.zeros((n_chunks, n_columns))
    for chunk in numba.prange(n_chunks):
        top = maxima[chunk]
        total = squares[chunk]
        for i in range(chunk * CHUNK, min(n_rows, (chunk + 1) * CHUNK)):
            for j in range(n_columns):
                entry = np.float64(X[i, j])
                top[j] = np.maximum(top[j], abs(entry))
                total[j] += entry * entry
    return maxima, squares


@compile_kernel(parallel=True, fastmath={"reassoc", "contract"})
def _chunk_weighted_squares(X: NDArray, d: NDArray) -> NDArray:
    """Σᵢ dᵢ xᵢⱼ² over the rows of each chunk, in float64: an (n_chunks × p) array."""
    n_rows, n_columns = X.shape
    n_chunks = (n_rows + CHUNK - 1) // CHUNK
    sums = np.zeros((n_chunks, n_columns))
    for chunk in numba.prange(n_chunks):
        total = sums[chunk]
        for i in range(chunk * CHUNK, min(n_rows, (chunk + 1) * CHUNK)):
            weight = d[i]
            for j in range(n_columns):
                entry = np.float64(X[i, j])
                total[j] += weight * entry * entry
    return sums


def column_abs_max_and_squares(X: NDArray) -> tuple[NDArray, NDArray]:
    """(maxᵢ |xᵢⱼ|, Σᵢ xᵢⱼ²) for every column j of the C-ordered X (float32 or float64), in
    float64, from one pass; zeros for every column of an X without rows."""
    if X.shape[0] == 0:
        return np.zeros(X.shape[1]), np.zeros(X.shape[1])
    maxima, squares = _chunk_maxima_squares(X)
    return np.max(maxima, axis=0), np.sum(squares, axis=0)


def weighted_column_squares(X: NDArray, d: NDArray) -> NDArray:
    """Σᵢ dᵢ xᵢⱼ² for every column j of the C-ordered X (float32 or float64), in float64."""
    return np.sum(_chunk_weighted_squares(X, np.asarray(d, dtype=np.float64)), axis=0)
