"""The fused cost-and-gradient kernels of :mod:`._fused` and :mod:`._fused_multinomial`, and the
column maxima of :mod:`._columns`, serial.

A pass of the Dask backend runs one task per chunk of rows, and the tasks of a worker share its
threads: a kernel that spread its rows over Numba's threads as well would oversubscribe the
cores (and Numba's default thread pool takes no calls from several threads at once). These
kernels walk the rows of one chunk in order on the calling thread, with the same row-level
arithmetic (the helpers of the parallel kernels), and release the GIL, so a worker's
threads run them side by side. Sums and logits are float64 for a float32 X too, and each block
of ``BLOCK`` rows is summed on its own before joining the total, so the cost keeps the accuracy
a line search near the optimum needs on chunks of any size.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from ._fused import block_sums
from ._fused_multinomial import (
    TILE,
    _residual,
    _row_gradient,
    _row_logits,
    _tile_gradient,
    _tile_logits,
)
from .jit import compile_kernel

BLOCK = 2048
"""Rows whose sums are accumulated on their own before joining the total: rounding errors
then grow with the number of blocks, not of rows, as in the parallel kernels."""


@compile_kernel(nogil=True)
def binary_value_gradient(
    X: NDArray,
    w: NDArray,
    intercept: float,
    y: NDArray,
    s: NDArray,
    offset: NDArray,
    z_out: NDArray,
) -> tuple[float, NDArray]:
    """(Σ sᵢLᵢ, [Σ rᵢ, Xᵀr]) with rᵢ = sᵢ(σ(zᵢ) − yᵢ), zᵢ = b + xᵢᵀw (+ oᵢ) into ``z_out``;
    summed a block of ``BLOCK`` rows at a time, the blocks' sums added in order."""
    n_rows, n_columns = X.shape
    gradient = np.zeros(n_columns + 1)
    products = np.empty(n_columns)
    loss = 0.0
    for start in range(0, n_rows, BLOCK):
        products[:] = 0.0
        block_loss, total = block_sums(
            X, start, min(n_rows, start + BLOCK), w, intercept, y, s, offset, z_out, products
        )
        loss += block_loss
        gradient[0] += total
        gradient[1:] += products
    return loss, gradient


@compile_kernel(nogil=True)
def multinomial_value_gradient(
    X: NDArray,
    weights: NDArray,
    intercepts: NDArray,
    y: NDArray,
    s: NDArray,
    z_out: NDArray,
) -> tuple[float, NDArray]:
    """(Σ sᵢLᵢ, the K × (1 + p) matrix [Σ rₖ, Xᵀrₖ]) of the softmax, Z into ``z_out``;
    ``weights`` is K × p, ``intercepts`` K values, ``y`` the labels 0 … K − 1. Summed a block
    of ``BLOCK`` rows at a time (a multiple of ``TILE``), the blocks' sums added in order."""
    n_rows, n_columns = X.shape
    n_classes = weights.shape[0]
    gradient = np.zeros((n_classes, n_columns + 1))
    partial = np.empty((n_classes, n_columns + 1))
    z = np.empty((TILE, n_classes))
    loss = 0.0
    for start in range(0, n_rows, BLOCK):
        partial[:] = 0.0
        block_loss = 0.0
        stop = min(n_rows, start + BLOCK)
        full_tiles_end = start + (stop - start) // TILE * TILE
        for i in range(start, full_tiles_end, TILE):
            _tile_logits(X, i, weights, intercepts, z)
            for t in range(TILE):
                z_out[i + t] = z[t]
                block_loss += _residual(z, t, y[i + t], s[i + t])
            _tile_gradient(X, i, z, partial)
        for i in range(full_tiles_end, stop):
            _row_logits(X, i, weights, intercepts, z)
            z_out[i] = z[0]
            block_loss += _residual(z, 0, y[i], s[i])
            _row_gradient(X, i, z, partial)
        loss += block_loss
        gradient += partial
    return loss, gradient


@compile_kernel(nogil=True, fastmath={"reassoc", "contract"})
def column_sums(
    X: NDArray, codes: NDArray, weights: NDArray, n_groups: int, square_weights: NDArray
) -> tuple[NDArray, NDArray, NDArray, NDArray]:
    """(maxᵢ |xᵢⱼ|, Σᵢ 0·xᵢⱼ, [Σ_{cᵢ=g} wᵢxᵢⱼ], Σᵢ qᵢxᵢⱼ²) for every column j of the C-ordered
    X, every group g < ``n_groups`` of the rows' codes cᵢ (none when ``n_groups`` is 0) and
    the weights q = ``square_weights`` (no squares, an empty array, when q is empty), in float64,
    from one read of X row by row; the group sums and the squares are summed a block of
    ``BLOCK`` rows at a time, the blocks' sums added in order (p × n_groups). The maximum is a
    plain comparison, which the compiler vectorises and which leaves a NaN out; the second
    sum is 0 for a column of finite values and NaN for one holding a NaN or an infinity."""
    n_rows, n_columns = X.shape
    top = np.zeros(n_columns)
    probe = np.zeros(n_columns)
    sums = np.zeros((n_groups, n_columns))
    partial = np.empty((n_groups, n_columns))
    with_squares = square_weights.size > 0
    squares = np.zeros(n_columns if with_squares else 0)
    partial_squares = np.zeros(squares.size)
    for start in range(0, n_rows, BLOCK):
        partial[:] = 0.0
        partial_squares[:] = 0.0
        for i in range(start, min(n_rows, start + BLOCK)):
            row = X[i]
            for j in range(n_columns):
                entry = np.float64(row[j])
                size = abs(entry)
                highest = top[j]
                top[j] = size if size > highest else highest
                probe[j] += 0.0 * entry
            if with_squares:
                weight = square_weights[i]
                for j in range(n_columns):
                    entry = np.float64(row[j])
                    partial_squares[j] += weight * entry * entry
            if n_groups:
                weight = weights[i]
                into = partial[codes[i]]
                for j in range(n_columns):
                    into[j] += weight * row[j]
        sums += partial
        squares += partial_squares
    return top, probe, sums.T.copy(), squares
