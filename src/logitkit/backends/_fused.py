"""One fused pass over a dense X: the binary cost, its gradient and the logits together.

For θ = (b, w) and normalised weights s (Σ s = 1 over all rows), the pass computes, row by row,

    zᵢ = b + xᵢᵀw (+ oᵢ)
    J₀ = Σᵢ sᵢ [yᵢ softplus(−zᵢ) + (1 − yᵢ) softplus(zᵢ)]
    g  = Σᵢ sᵢ (σ(zᵢ) − yᵢ) x̃ᵢ

so each row of X is read from memory once (and a second time from the cache) instead of twice,
once for X w and again for Xᵀr. Rows are split into chunks of ``CHUNK`` rows spread over
Numba's threads; each chunk sums into its own row of partial sums, which are added in chunk
order, so the result does not depend on the number of threads. Sums and z are accumulated in
float64, for float32 X too; the dot products are reassociated so that they run in SIMD lanes.
"""

from __future__ import annotations

import numba
import numpy as np
from numpy.typing import NDArray

from ._elementary import exp_negative_abs, log1p_unit
from .jit import compile_kernel

CHUNK = 2048
"""Rows per chunk, whose partial sums are kept apart and added in chunk order."""

TILE = 256
"""Rows per tile of a chunk: their logits, then their residuals, then their part of Xᵀr, while
the tile (200 KiB of a float64 X with 100 columns) stays in the second-level cache."""


_FAST = {"reassoc", "contract"}


@compile_kernel(fastmath=_FAST)
def _logits(
    X: NDArray, first: int, stop: int, w: NDArray, intercept: float, offset: NDArray, z: NDArray
) -> None:
    """z[i] = b + Σⱼ X[i, j] wⱼ (+ oᵢ) in float64 for the rows first … stop − 1.

    Four rows at a time share each load of wⱼ, with four sums in flight; each row's sum is
    formed as it is for a row alone, so z has the same bits either way."""
    n_columns = X.shape[1]
    i = first
    while i + 4 <= stop:
        total0 = 0.0
        total1 = 0.0
        total2 = 0.0
        total3 = 0.0
        for j in range(n_columns):
            wj = w[j]
            total0 += X[i, j] * wj
            total1 += X[i + 1, j] * wj
            total2 += X[i + 2, j] * wj
            total3 += X[i + 3, j] * wj
        z[i] = intercept + total0
        z[i + 1] = intercept + total1
        z[i + 2] = intercept + total2
        z[i + 3] = intercept + total3
        i += 4
    for row in range(i, stop):
        total = 0.0
        for j in range(n_columns):
            total += X[row, j] * w[j]
        z[row] = intercept + total
    if offset.size:
        for row in range(first, stop):
            z[row] += offset[row]


@compile_kernel(fastmath=_FAST)
def _transposed(X: NDArray, first: int, stop: int, r: NDArray, out: NDArray) -> None:
    """out[j] += Σᵢ r[i − first] X[i, j] for every column j, over the rows first … stop − 1.

    Eight rows at a time: each out[j] is loaded and stored once for eight products (summed in
    two groups of four) instead of once a row."""
    n_columns = X.shape[1]
    i = first
    while i + 8 <= stop:
        t = i - first
        r0, r1, r2, r3 = r[t], r[t + 1], r[t + 2], r[t + 3]
        r4, r5, r6, r7 = r[t + 4], r[t + 5], r[t + 6], r[t + 7]
        for j in range(n_columns):
            out[j] += (r0 * X[i, j] + r1 * X[i + 1, j] + r2 * X[i + 2, j] + r3 * X[i + 3, j]) + (
                r4 * X[i + 4, j] + r5 * X[i + 5, j] + r6 * X[i + 6, j] + r7 * X[i + 7, j]
            )
        i += 8
    for row in range(i, stop):
        ri = r[row - first]
        for j in range(n_columns):
            out[j] += ri * X[row, j]


@compile_kernel
def tile_residuals(
    z: NDArray,
    first: int,
    m: int,
    y: NDArray,
    s: NDArray,
    residual: NDArray,
    decay: NDArray,
    softplus: NDArray,
) -> tuple[float, float]:
    """(Σ sᵢLᵢ, Σ rᵢ) over the rows i = first … first + m − 1 from their logits zᵢ, with
    rᵢ = sᵢ(σ(zᵢ) − yᵢ) written into residual[i − first].

    eᵢ = exp(−|zᵢ|) and log1p(eᵢ) come for all m rows from the vectorised kernels
    (:mod:`._elementary`, into ``decay`` and ``softplus``; ``residual`` is their scratch
    first), then Lᵢ = yᵢ softplus(−zᵢ) + (1 − yᵢ) softplus(zᵢ), softplus(±z) = log1p(e) +
    max(±z, 0), and σ(|z|) = 1/(1 + e), σ(−|z|) = e · σ(|z|): one division a row."""
    exp_negative_abs(z, first, m, decay, residual)
    log1p_unit(decay, m, softplus)
    loss = 0.0
    total = 0.0
    for t in range(m):
        i = first + t
        value = z[i]
        e = decay[t]
        positive_part = softplus[t] + max(-value, 0.0)
        negative_part = softplus[t] + max(value, 0.0)
        loss += s[i] * (y[i] * positive_part + (1.0 - y[i]) * negative_part)
        inverse = 1.0 / (1.0 + e)
        sigma = inverse if value >= 0 else e * inverse
        r = s[i] * (sigma - y[i])
        total += r
        residual[t] = r
    return loss, total


@compile_kernel
def block_sums(
    X: NDArray,
    first: int,
    stop: int,
    w: NDArray,
    intercept: float,
    y: NDArray,
    s: NDArray,
    offset: NDArray,
    z_out: NDArray,
    products: NDArray,
) -> tuple[float, float]:
    """(Σ sᵢLᵢ, Σ rᵢ) over the rows first … stop − 1, rᵢ = sᵢ(σ(zᵢ) − yᵢ); Xᵀr added into
    ``products`` and zᵢ written into ``z_out``, on the calling thread.

    Each tile of ``TILE`` rows goes in loops of its own: its logits, then eᵢ = exp(−|zᵢ|) and
    log1p(eᵢ) (:mod:`._elementary`) with the costs and residuals (:func:`tile_residuals`),
    then its part of Xᵀr. Kept apart, the two products over the tile's rows (still in the cache
    for the last loop) and the elementary functions run in SIMD lanes; with the library's exp
    and log1p in the same loop body they did not, and the pass took 1.6 × as long."""
    residual = np.empty(TILE)
    decay = np.empty(TILE)
    softplus = np.empty(TILE)
    loss = 0.0
    total = 0.0
    for begin in range(first, stop, TILE):
        end = min(stop, begin + TILE)
        _logits(X, begin, end, w, intercept, offset, z_out)
        tile_loss, tile_total = tile_residuals(
            z_out, begin, end - begin, y, s, residual, decay, softplus
        )
        loss += tile_loss
        total += tile_total
        _transposed(X, begin, end, residual, products)
    return loss, total


@compile_kernel(parallel=True)
def _value_gradient(
    X: NDArray,
    w: NDArray,
    intercept: float,
    y: NDArray,
    s: NDArray,
    offset: NDArray,
    z_out: NDArray,
) -> tuple[NDArray, NDArray]:
    """Per-chunk partial sums of J₀ and of [Σ r, Xᵀr], rᵢ = sᵢ(σ(zᵢ) − yᵢ); zᵢ into
    ``z_out``."""
    n_rows, n_columns = X.shape
    n_chunks = (n_rows + CHUNK - 1) // CHUNK
    losses = np.zeros(n_chunks)
    gradients = np.zeros((n_chunks, n_columns + 1))
    for chunk in numba.prange(n_chunks):
        products = np.zeros(n_columns)
        loss, total = block_sums(
            X,
            chunk * CHUNK,
            min(n_rows, (chunk + 1) * CHUNK),
            w,
            intercept,
            y,
            s,
            offset,
            z_out,
            products,
        )
        gradient = gradients[chunk]
        gradient[0] = total
        for j in range(n_columns):
            gradient[1 + j] = products[j]
        losses[chunk] = loss
    return losses, gradients


def value_gradient(
    X: NDArray,
    w: NDArray,
    intercept: float,
    y: NDArray,
    s: NDArray,
    offset: NDArray | None,
) -> tuple[float, NDArray, NDArray]:
    """(J₀, [Σ r, Xᵀr], z) in one pass over the C-ordered dense X (float32 or float64)."""
    z = np.empty(X.shape[0])
    losses, gradients = _value_gradient(
        X,
        np.asarray(w, dtype=np.float64),
        float(intercept),
        y,
        s,
        np.empty(0) if offset is None else np.asarray(offset, dtype=np.float64),
        z,
    )
    return float(np.sum(losses)), np.sum(gradients, axis=0), z
