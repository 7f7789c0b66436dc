"""Threaded products with a CSR X: X̃θ, X̃ᵀr, X̃ᵀ(d ⊙ X̃v), the weighted Gram matrix X_Lᵀ diag(d) X_L
of a set of columns, the column sums Σᵢ dᵢx̃ᵢⱼ², the column maxima maxᵢ |xᵢⱼ| and the fused
binary cost and gradient, each in one pass over the stored entries.

X is read in place from its CSR arrays (``data``, ``indices``, ``indptr``), in its own dtype
(float32 or float64); every product and sum is float64. The intercept is the virtual first
column of ones (θ = (b, w), X̃ᵀr = [Σ r, Xᵀr]), never stored.

The rows are split into a fixed partition of at most ``MAX_BLOCKS`` blocks (:func:`row_blocks`),
which depends on X alone. The blocks run on Numba's threads; a transposed product (p̃ long)
sums each block into its own row of partial sums, and the rows are then added column by column
in block order. The result is therefore the same, bit for bit, on any number of threads. The
partial sums take 8 · blocks · p̃ bytes, which the partition keeps below 1/8 of X's entries
(``ENTRIES_PER_PARTIAL``): a wide X with few entries gets fewer blocks.
"""

from __future__ import annotations

import numba
import numpy as np
from numpy.typing import NDArray

from ._fused import tile_residuals
from .jit import compile_kernel

MAX_BLOCKS = 16
"""Blocks of rows at most: enough to keep 16 threads busy, few enough that the partial sums of
a transposed product stay small."""

TILE = 256
"""Rows of a block whose logits, then exp(−|zᵢ|) and log1p (vectorised, :mod:`._elementary`),
then residuals and products are computed in turn by the fused cost and gradient."""

ENTRIES_PER_PARTIAL = 8
"""Stored entries of X per partial sum at least: blocks ≤ nnz / (8 p̃), so the partial sums
(8 bytes each) take at most one byte per stored entry (which itself takes 8 or 12)."""


def row_blocks(indptr: NDArray, width: int) -> NDArray[np.int64]:
    """Boundaries 0 = r₀ ≤ r₁ ≤ … ≤ r_B = n of the fixed partition of the rows of a CSR X with
    row pointers ``indptr`` and p̃ = ``width`` coefficients.

    B = min(``MAX_BLOCKS``, n, nnz / (``ENTRIES_PER_PARTIAL`` · p̃)), at least 1. The blocks
    balance the work of a row, its stored entries plus one: r_k is the first row boundary where
    the count of entries and rows reaches k/B of the total.
    """
    n_rows = indptr.size - 1
    nnz = int(indptr[-1])
    blocks = max(1, min(MAX_BLOCKS, n_rows, nnz // (ENTRIES_PER_PARTIAL * max(width, 1))))
    work = indptr.astype(np.int64) + np.arange(n_rows + 1, dtype=np.int64)
    targets = np.arange(blocks + 1, dtype=np.int64) * int(work[-1]) // blocks
    bounds = np.searchsorted(work, targets, side="left").astype(np.int64)
    bounds[0], bounds[-1] = 0, n_rows
    return bounds


@compile_kernel(inline="always")
def _row_dot(data: NDArray, indices: NDArray, indptr: NDArray, i: int, w: NDArray) -> float:
    """Σₖ xᵢₖ wₖ over the stored entries of row i, in float64."""
    total = 0.0
    for at in range(indptr[i], indptr[i + 1]):
        total += data[at] * w[indices[at]]
    return total


@compile_kernel(inline="always")
def _row_axpy(
    out: NDArray, t: float, data: NDArray, indices: NDArray, indptr: NDArray, i: int
) -> None:
    """outₖ += t xᵢₖ over the stored entries of row i."""
    for at in range(indptr[i], indptr[i + 1]):
        out[indices[at]] += t * data[at]


@compile_kernel(inline="always")
def _zeroed(partials: NDArray, block: int) -> NDArray:
    """Row ``block`` of ``partials``, set to zeros (by the thread that sums into it)."""
    partial = partials[block]
    for j in range(partial.size):
        partial[j] = 0.0
    return partial


@compile_kernel(inline="always")
def _combine(partials: NDArray) -> NDArray:
    """Σ_b partials[b]: the rows of partial sums added in block order, in explicit loops (an
    array expression here would become a parallel region of its own, for each block)."""
    n_blocks, width = partials.shape
    total = np.empty(width)
    for j in range(width):
        total[j] = partials[0, j]
    for block in range(1, n_blocks):
        for j in range(width):
            total[j] += partials[block, j]
    return total


@compile_kernel(parallel=True)
def _linear_predictor(
    data: NDArray,
    indices: NDArray,
    indptr: NDArray,
    bounds: NDArray,
    coef: NDArray,
    start: int,
    z: NDArray,
) -> None:
    """zᵢ = b + xᵢᵀw into ``z``, θ = ``coef`` with w from position ``start``."""
    intercept = coef[0] if start else 0.0
    w = coef[start:]
    for block in numba.prange(bounds.size - 1):
        for i in range(bounds[block], bounds[block + 1]):
            z[i] = intercept + _row_dot(data, indices, indptr, i, w)


@compile_kernel(parallel=True)
def _transposed_product(
    data: NDArray,
    indices: NDArray,
    indptr: NDArray,
    bounds: NDArray,
    r: NDArray,
    start: int,
    width: int,
) -> NDArray:
    """X̃ᵀr: per block [Σ rᵢ, Σ rᵢxᵢ] (the first entry when ``start``), then combined."""
    partials = np.empty((bounds.size - 1, width))
    for block in numba.prange(bounds.size - 1):
        partial = _zeroed(partials, block)
        weights = partial[start:]
        for i in range(bounds[block], bounds[block + 1]):
            if start:
                partial[0] += r[i]
            _row_axpy(weights, r[i], data, indices, indptr, i)
    return _combine(partials)


@compile_kernel(parallel=True)
def _gram_product(
    data: NDArray,
    indices: NDArray,
    indptr: NDArray,
    bounds: NDArray,
    d: NDArray,
    v: NDArray,
    start: int,
) -> NDArray:
    """X̃ᵀ(d ⊙ X̃v): each row read once for uᵢ = x̃ᵢᵀv and then for += dᵢuᵢx̃ᵢ."""
    partials = np.empty((bounds.size - 1, v.size))
    along = v[0] if start else 0.0
    w = v[start:]
    for block in numba.prange(bounds.size - 1):
        partial = _zeroed(partials, block)
        weights = partial[start:]
        for i in range(bounds[block], bounds[block + 1]):
            t = d[i] * (along + _row_dot(data, indices, indptr, i, w))
            if start:
                partial[0] += t
            _row_axpy(weights, t, data, indices, indptr, i)
    return _combine(partials)


@compile_kernel(parallel=True)
def _column_sq_norms(
    data: NDArray,
    indices: NDArray,
    indptr: NDArray,
    bounds: NDArray,
    d: NDArray,
    start: int,
    width: int,
) -> NDArray:
    """Σᵢ dᵢx̃ᵢⱼ² for every column j of X̃ (Σ dᵢ for the intercept's, when ``start``)."""
    partials = np.empty((bounds.size - 1, width))
    for block in numba.prange(bounds.size - 1):
        partial = _zeroed(partials, block)
        weights = partial[start:]
        for i in range(bounds[block], bounds[block + 1]):
            if start:
                partial[0] += d[i]
            for at in range(indptr[i], indptr[i + 1]):
                entry = data[at] * 1.0
                weights[indices[at]] += d[i] * entry * entry
    return _combine(partials)


@compile_kernel(parallel=True)
def _column_abs_max(
    data: NDArray, indices: NDArray, indptr: NDArray, bounds: NDArray, width: int
) -> NDArray:
    """maxᵢ |xᵢⱼ| for every column j (0 for a column without entries; NaN where one is)."""
    partials = np.empty((bounds.size - 1, width))
    for block in numba.prange(bounds.size - 1):
        partial = _zeroed(partials, block)
        for i in range(bounds[block], bounds[block + 1]):
            for at in range(indptr[i], indptr[i + 1]):
                entry = abs(data[at] * 1.0)
                column = indices[at]
                if entry > partial[column] or entry != entry:
                    partial[column] = entry
    top = np.zeros(width)
    for block in range(bounds.size - 1):
        for j in range(width):
            entry = partials[block, j]
            if entry > top[j] or entry != entry:
                top[j] = entry
    return top


@compile_kernel(parallel=True)
def _value_gradient(
    data: NDArray,
    indices: NDArray,
    indptr: NDArray,
    bounds: NDArray,
    coef: NDArray,
    start: int,
    y: NDArray,
    s: NDArray,
    offset: NDArray,
    z: NDArray,
) -> tuple[float, NDArray]:
    """(Σ sᵢLᵢ, X̃ᵀr) with rᵢ = sᵢ(σ(zᵢ) − yᵢ), zᵢ = x̃ᵢᵀθ (+ oᵢ) into ``z``: per block, a
    tile of ``TILE`` rows at a time, then the blocks' sums added in order."""
    n_blocks = bounds.size - 1
    losses = np.empty(n_blocks)
    partials = np.empty((n_blocks, coef.size))
    intercept = coef[0] if start else 0.0
    w = coef[start:]
    for block in numba.prange(n_blocks):
        partial = _zeroed(partials, block)
        weights = partial[start:]
        residual = np.empty(TILE)
        decay = np.empty(TILE)
        softplus = np.empty(TILE)
        loss = 0.0
        for first in range(bounds[block], bounds[block + 1], TILE):
            stop = min(bounds[block + 1], first + TILE)
            for i in range(first, stop):
                value = intercept + _row_dot(data, indices, indptr, i, w)
                if offset.size:
                    value += offset[i]
                z[i] = value
            tile_loss, tile_total = tile_residuals(
                z, first, stop - first, y, s, residual, decay, softplus
            )
            loss += tile_loss
            if start:
                partial[0] += tile_total
            for i in range(first, stop):
                _row_axpy(weights, residual[i - first], data, indices, indptr, i)
        losses[block] = loss
    total = 0.0
    for block in range(n_blocks):
        total += losses[block]
    return total, _combine(partials)


@compile_kernel(parallel=True)
def _weighted_gram(
    data: NDArray,
    indices: NDArray,
    indptr: NDArray,
    bounds: NDArray,
    d: NDArray,
    slots: NDArray,
    size: int,
) -> tuple[NDArray, NDArray]:
    """X_Lᵀ diag(d) X_L (size × size) and X_Lᵀd for the columns L, column j at position
    ``slots[j]`` (−1 for a column not in L): per block, each pair of stored entries of a row
    added once (and mirrored), then the blocks' matrices added in block order."""
    n_blocks = bounds.size - 1
    grams = np.zeros((n_blocks, size, size))
    sums = np.zeros((n_blocks, size))
    for block in numba.prange(n_blocks):
        gram = grams[block]
        column_d = sums[block]
        for i in range(bounds[block], bounds[block + 1]):
            weight = d[i]
            stop = indptr[i + 1]
            for at in range(indptr[i], stop):
                a = slots[indices[at]]
                if a < 0:
                    continue
                scaled = weight * data[at]
                column_d[a] += scaled
                gram[a, a] += scaled * data[at]
                for other in range(at + 1, stop):
                    b = slots[indices[other]]
                    if b >= 0:
                        product = scaled * data[other]
                        gram[a, b] += product
                        gram[b, a] += product
    gram_total = grams[0].copy()
    sum_total = sums[0].copy()
    for block in range(1, n_blocks):
        for a in range(size):
            sum_total[a] += sums[block, a]
            for b in range(size):
                gram_total[a, b] += grams[block, a, b]
    return gram_total, sum_total


Rows = tuple[NDArray, NDArray, NDArray, NDArray]
"""A CSR X as the kernels read it: (data, indices, indptr, the bounds of its row blocks), the
indices and row pointers unsigned (:func:`csr_rows`)."""


def csr_rows(data: NDArray, indices: NDArray, indptr: NDArray, width: int) -> Rows:
    """The arrays of a CSR X (no duplicate entries) as the kernels read them, for p̃ = ``width``
    coefficients: the column indices viewed as unsigned integers of their size and the row
    pointers as uint64, so that compiled indexing needs no check for negative positions (with
    signed ones the products took 1.4–1.9 × as long), and the bounds of :func:`row_blocks`."""
    unsigned = np.dtype(f"uint{8 * indices.dtype.itemsize}")
    return (
        data,
        indices.view(unsigned),
        indptr.astype(np.uint64),
        row_blocks(indptr, width),
    )


def linear_predictor(rows: Rows, coef: NDArray, start: int) -> NDArray:
    """z = X̃θ = b + Xw in float64 (w from position ``start`` of θ, b = θ₀ when ``start``)."""
    z = np.empty(rows[2].size - 1)
    _linear_predictor(*rows, np.asarray(coef, dtype=np.float64), start, z)
    return z


def transposed_product(rows: Rows, r: NDArray, start: int, n_features: int) -> NDArray:
    """X̃ᵀr = [Σ r, Xᵀr] (Xᵀr alone when ``start`` is 0) in float64."""
    return _transposed_product(*rows, np.asarray(r, dtype=np.float64), start, start + n_features)


def gram_product(rows: Rows, d: NDArray, v: NDArray, start: int) -> NDArray:
    """X̃ᵀ(d ⊙ X̃v) = X̃ᵀ diag(d) X̃ v in one pass over the rows, float64."""
    return _gram_product(
        *rows, np.asarray(d, dtype=np.float64), np.asarray(v, dtype=np.float64), start
    )


def column_sq_norms(rows: Rows, d: NDArray, start: int, n_features: int) -> NDArray:
    """Σᵢ dᵢx̃ᵢⱼ² for every column j of X̃, float64: the diagonal of X̃ᵀ diag(d) X̃."""
    return _column_sq_norms(*rows, np.asarray(d, dtype=np.float64), start, start + n_features)


def column_abs_max(rows: Rows, n_features: int) -> NDArray:
    """maxᵢ |xᵢⱼ| for every column j of X (the zeros not stored included), float64; NaN in a
    column holding one."""
    return _column_abs_max(*rows, n_features)


def value_gradient(
    rows: Rows,
    coef: NDArray,
    start: int,
    y: NDArray,
    s: NDArray,
    offset: NDArray | None,
) -> tuple[float, NDArray, NDArray]:
    """(Σ sᵢLᵢ, X̃ᵀr, z) with zᵢ = x̃ᵢᵀθ (+ oᵢ), Lᵢ the cross-entropy of label yᵢ ∈ {0, 1} and
    rᵢ = sᵢ(σ(zᵢ) − yᵢ), in one pass over the rows."""
    z = np.empty(rows[2].size - 1)
    value, grad = _value_gradient(
        *rows,
        np.asarray(coef, dtype=np.float64),
        start,
        np.asarray(y, dtype=np.float64),
        np.asarray(s, dtype=np.float64),
        np.empty(0) if offset is None else np.asarray(offset, dtype=np.float64),
        z,
    )
    return float(value), grad, z


GRAM_BYTES = 1 << 26
"""Largest size of the blocks' partial Gram matrices together (64 MiB): :func:`weighted_gram`
applies to column sets L with 8 · blocks · |L|² bytes at most."""


def weighted_gram_fits(rows: Rows, size: int) -> bool:
    """Whether :func:`weighted_gram` takes |L| = ``size`` columns within ``GRAM_BYTES``."""
    return 8 * (rows[3].size - 1) * size * size <= GRAM_BYTES


def weighted_gram(
    rows: Rows, d: NDArray, columns: NDArray, n_features: int
) -> tuple[NDArray, NDArray]:
    """(X_Lᵀ diag(d) X_L, X_Lᵀd) in float64 for the feature columns L = ``columns``, in their
    order, in one threaded pass over the stored entries (a row of k entries costs k(k + 1)/2
    products), the same bits on any number of threads."""
    slots = np.full(n_features, -1, dtype=np.int64)
    slots[np.asarray(columns, dtype=np.int64)] = np.arange(len(columns), dtype=np.int64)
    return _weighted_gram(*rows, np.asarray(d, dtype=np.float64), slots, len(columns))
