"""Per-column reductions of a dense X in one parallel pass: maxᵢ |xᵢⱼ| with Σᵢ xᵢⱼ² and each
row's nonzero count, and Σᵢ dᵢ xᵢⱼ²; and a CSR copy of a mostly-zero X.

Rows are split into chunks of ``CHUNK`` rows spread over Numba's threads; each chunk keeps its
own row of results, read across the columns in the inner loop (contiguous in a C-ordered X),
and the rows are then reduced in chunk order, so the result is the same on any number of
threads. NumPy would make an |X| or X² temporary, and its reductions along the rows run on one
core.
"""

from __future__ import annotations

from typing import NamedTuple

import numba
import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from .jit import compile_kernel

CHUNK = 2048
"""Rows per chunk, as in the fused pass (:mod:`logitkit.backends._fused`)."""


@compile_kernel(parallel=True, fastmath={"reassoc", "contract"})
def _chunk_summaries(X: NDArray) -> tuple[NDArray, NDArray, NDArray]:
    """maxᵢ |xᵢⱼ| and Σᵢ xᵢⱼ² over the rows of each chunk (two (n_chunks × p) float64 arrays)
    and each row's count of nonzero entries, from one read of X. The maximum is a plain
    comparison, which the compiler vectorises (NumPy's NaN-propagating ``maximum`` it did not:
    the pass took 1.4 × as long); a NaN entry is left out of it but makes its column's sum of
    squares NaN, from which :func:`column_summaries` makes the maximum NaN."""
    n_rows, n_columns = X.shape
    n_chunks = (n_rows + CHUNK - 1) // CHUNK
    maxima = np.zeros((n_chunks, n_columns))
    squares = np.zeros((n_chunks, n_columns))
    nonzeros = np.zeros(n_rows, dtype=np.int32)
    for chunk in numba.prange(n_chunks):
        top = maxima[chunk]
        total = squares[chunk]
        for i in range(chunk * CHUNK, min(n_rows, (chunk + 1) * CHUNK)):
            count = 0
            for j in range(n_columns):
                entry = np.float64(X[i, j])
                size = abs(entry)
                highest = top[j]
                top[j] = size if size > highest else highest
                total[j] += entry * entry
                count += entry != 0.0
            nonzeros[i] = count
    return maxima, squares, nonzeros


@compile_kernel(parallel=True)
def _fill_csr(X: NDArray, indptr: NDArray, indices: NDArray, data: NDArray) -> None:
    """The column indices and values of the nonzero entries of each row i of X, in column
    order, into indices and data from position indptr[i] on."""
    n_rows, n_columns = X.shape
    n_chunks = (n_rows + CHUNK - 1) // CHUNK
    for chunk in numba.prange(n_chunks):
        for i in range(chunk * CHUNK, min(n_rows, (chunk + 1) * CHUNK)):
            position = indptr[i]
            for j in range(n_columns):
                entry = X[i, j]
                if entry != 0:
                    indices[position] = j
                    data[position] = entry
                    position += 1


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


class ColumnSummaries(NamedTuple):
    """What one read of a dense X gives: per column maxᵢ |xᵢⱼ| and Σᵢ xᵢⱼ² (float64), per row
    the count of nonzero entries."""

    maxima: NDArray
    squares: NDArray
    row_nonzeros: NDArray


def column_summaries(X: NDArray) -> ColumnSummaries:
    """The :class:`ColumnSummaries` of the C-ordered X (float32 or float64) from one pass;
    zeros for every column of an X without rows. A column holding a NaN has a NaN maximum (and
    sum of squares), as NumPy's ``max`` gives."""
    if X.shape[0] == 0:
        empty = np.zeros(X.shape[1])
        return ColumnSummaries(empty, empty.copy(), np.zeros(0, dtype=np.int32))
    maxima, squares, nonzeros = _chunk_summaries(X)
    sums = np.sum(squares, axis=0)
    top = np.where(np.isnan(sums), np.nan, np.max(maxima, axis=0))
    return ColumnSummaries(top, sums, nonzeros)


def csr_copy(X: NDArray, row_nonzeros: NDArray) -> sp.csr_matrix:
    """The C-ordered X as a CSR matrix of its dtype, given each row's count of nonzero entries
    (:func:`column_summaries`): one parallel pass writes every row's entries in column order,
    so the matrix is canonical (sorted indices, no duplicates)."""
    stored = int(np.sum(row_nonzeros))
    small = max(stored, X.shape[1]) <= np.iinfo(np.int32).max
    index_type = np.int32 if small else np.int64  # SciPy's choice: no copy on construction
    indptr = np.zeros(X.shape[0] + 1, dtype=index_type)
    np.cumsum(row_nonzeros, out=indptr[1:])
    indices = np.empty(stored, dtype=index_type)
    data = np.empty(stored, dtype=X.dtype)
    _fill_csr(X, indptr, indices, data)
    matrix = sp.csr_matrix((data, indices, indptr), shape=X.shape, copy=False)
    matrix.has_sorted_indices = True
    matrix.has_canonical_format = True
    return matrix


def weighted_column_squares(X: NDArray, d: NDArray) -> NDArray:
    """Σᵢ dᵢ xᵢⱼ² for every column j of the C-ordered X (float32 or float64), in float64."""
    return np.sum(_chunk_weighted_squares(X, np.asarray(d, dtype=np.float64)), axis=0)
