"""One parallel pass over a dense X for the binary model: the cost, its gradient, the Hessian's
weighted Gram matrix and the sandwich's meat together (a Numba kernel).

For θ = (b, w), weights s, zᵢ = b + xᵢᵀw (+ oᵢ), x̃ᵢ = (1, xᵢ) (xᵢ alone without an intercept),
eᵢ = exp(−|zᵢ|) and ŷᵢ = σ(zᵢ):

    J₀ = Σᵢ sᵢ [yᵢ softplus(−zᵢ) + (1 − yᵢ) softplus(zᵢ)]
    g  = Σᵢ sᵢ (ŷᵢ − yᵢ) x̃ᵢ
    H  = Σᵢ sᵢ ŷᵢ(1 − ŷᵢ) x̃ᵢx̃ᵢᵀ
    M  = Σᵢ sᵢ (ŷᵢ − yᵢ)² x̃ᵢx̃ᵢᵀ
    λ  = min over sᵢ > 0 of sᵢ|yᵢ − ŷᵢ| = sᵢσ(−zᵢ) for yᵢ = 1, sᵢσ(zᵢ) otherwise

with σ(|zᵢ|) = 1/(1 + eᵢ) and σ(−|zᵢ|) = eᵢ/(1 + eᵢ) from one division, softplus(±zᵢ) =
log1p(eᵢ) + max(±zᵢ, 0) and ŷᵢ(1 − ŷᵢ) = σ(|zᵢ|)σ(−|zᵢ|): no 1 − σ is formed, so every
quantity keeps its relative accuracy in both tails.

H and M are computed only when asked for. The rows are cut into blocks of :data:`BLOCK`, and
the blocks into at most :data:`PARTS` parts of consecutive blocks, spread over Numba's threads;
each block sums J₀ and g into its own slot, each part H and M into its own matrices, and the
slots and parts are added in order, so the result does not depend on the number of threads
(the partition depends on n alone). Within a block, :data:`TILE` rows at a time are copied, as
float64, into a k × TILE buffer with one row per coefficient (the intercept's row is ones: no
column is added to X), so that z, every entry of g and every entry of the upper triangles of H
and M is a dot product over the tile's rows, which the compiler vectorises; the Gram entries
are taken two rows and four columns at a time, each loaded row of the tile used for eight
products. eᵢ and log1p(eᵢ) come a tile at a time from the vectorised kernels of
:mod:`._elementary`. X is read once, in its own dtype (float32 stays float32), and every sum
is float64.
"""

from __future__ import annotations

import numba
import numpy as np
from numpy.typing import NDArray

from ._elementary import exp_negative_abs, log1p_unit
from .jit import compile_kernel

BLOCK = 2048
"""Rows per block: the cost, gradient and λ of each block are kept apart and added in block
order, so their rounding errors grow with the number of blocks, not of rows."""

PARTS = 64
"""The blocks are split into at most this many parts of consecutive blocks, each one
accumulating its own H and M: their memory stays 64 k × k matrices whatever n."""

TILE = 128
"""Rows copied into the coefficient-major buffer at a time: 128 × k float64 values, 21 KiB for
k = 21, which stays in the first-level cache; each dot product runs over 128 rows, so the
reduction at its end costs little beside it."""

_FAST = {"reassoc", "contract"}


@compile_kernel(fastmath=_FAST, inline="always")
def _gram_rows(gram: NDArray, scaled: NDArray, tile: NDArray, a: int, m: int) -> None:
    """gram[a, c] += Σₜ scaled[t] tile[c, t] over the first m rows t, for c = a … k − 1."""
    k = tile.shape[0]
    c = a
    while c + 4 <= k:
        t0 = tile[c]
        t1 = tile[c + 1]
        t2 = tile[c + 2]
        t3 = tile[c + 3]
        s0 = 0.0
        s1 = 0.0
        s2 = 0.0
        s3 = 0.0
        for t in range(m):
            v = scaled[t]
            s0 += v * t0[t]
            s1 += v * t1[t]
            s2 += v * t2[t]
            s3 += v * t3[t]
        gram[a, c] += s0
        gram[a, c + 1] += s1
        gram[a, c + 2] += s2
        gram[a, c + 3] += s3
        c += 4
    while c < k:
        tc = tile[c]
        s0 = 0.0
        for t in range(m):
            s0 += scaled[t] * tc[t]
        gram[a, c] += s0
        c += 1


@compile_kernel(fastmath=_FAST, inline="always")
def _gram_pair(
    gram: NDArray, first: NDArray, second: NDArray, tile: NDArray, a: int, m: int
) -> None:
    """gram[a, c] += Σₜ first[t] tile[c, t] and gram[a + 1, c] += Σₜ second[t] tile[c, t] over
    the first m rows t, for c = a … k − 1 (the entry (a + 1, a) lands below the diagonal)."""
    k = tile.shape[0]
    c = a
    while c + 4 <= k:
        t0 = tile[c]
        t1 = tile[c + 1]
        t2 = tile[c + 2]
        t3 = tile[c + 3]
        p0 = 0.0
        p1 = 0.0
        p2 = 0.0
        p3 = 0.0
        q0 = 0.0
        q1 = 0.0
        q2 = 0.0
        q3 = 0.0
        for t in range(m):
            u = first[t]
            v = second[t]
            x0 = t0[t]
            x1 = t1[t]
            x2 = t2[t]
            x3 = t3[t]
            p0 += u * x0
            p1 += u * x1
            p2 += u * x2
            p3 += u * x3
            q0 += v * x0
            q1 += v * x1
            q2 += v * x2
            q3 += v * x3
        gram[a, c] += p0
        gram[a, c + 1] += p1
        gram[a, c + 2] += p2
        gram[a, c + 3] += p3
        gram[a + 1, c] += q0
        gram[a + 1, c + 1] += q1
        gram[a + 1, c + 2] += q2
        gram[a + 1, c + 3] += q3
        c += 4
    while c < k:
        tc = tile[c]
        p0 = 0.0
        q0 = 0.0
        for t in range(m):
            p0 += first[t] * tc[t]
            q0 += second[t] * tc[t]
        gram[a, c] += p0
        gram[a + 1, c] += q0
        c += 1


@compile_kernel(fastmath=_FAST, inline="always")
def _weighted_gram(
    gram: NDArray, d: NDArray, tile: NDArray, scaled: NDArray, other: NDArray, m: int
) -> None:
    """The upper triangle of Σₜ d[t] x̃ₜx̃ₜᵀ over the first m rows of the tile, into gram, two
    rows of it at a time."""
    k = tile.shape[0]
    a = 0
    while a + 2 <= k:
        ta = tile[a]
        tb = tile[a + 1]
        for t in range(m):
            scaled[t] = d[t] * ta[t]
            other[t] = d[t] * tb[t]
        _gram_pair(gram, scaled, other, tile, a, m)
        a += 2
    if a < k:
        ta = tile[a]
        for t in range(m):
            scaled[t] = d[t] * ta[t]
        _gram_rows(gram, scaled, tile, a, m)


@compile_kernel(inline="always")
def _copy_tile(X: NDArray, first: int, m: int, lead: int, tile: NDArray) -> None:
    """tile[lead + j, t] = X[first + t, j] as float64 for the m rows t of the tile.

    Eight rows at a time, so that each row of the tile gets eight consecutive entries per
    column of X read: one row at a time, each entry was a store of its own into a different
    row of the tile, and the copy took 8.3 ns a row of 10 columns (3.3 ns now) and 20 ns a
    row of 30 (14 ns), the largest part of a small fit's pass."""
    n_columns = X.shape[1]
    t = 0
    while t + 8 <= m:
        i = first + t
        for j in range(n_columns):
            out = tile[lead + j]
            out[t] = X[i, j]
            out[t + 1] = X[i + 1, j]
            out[t + 2] = X[i + 2, j]
            out[t + 3] = X[i + 3, j]
            out[t + 4] = X[i + 4, j]
            out[t + 5] = X[i + 5, j]
            out[t + 6] = X[i + 6, j]
            out[t + 7] = X[i + 7, j]
        t += 8
    for u in range(t, m):
        for j in range(n_columns):
            tile[lead + j, u] = X[first + u, j]


@compile_kernel(inline="always")
def _partition(n_rows: int) -> tuple[int, int, int]:
    """(blocks, blocks per part, parts) for n rows: at most PARTS parts of whole blocks."""
    n_blocks = (n_rows + BLOCK - 1) // BLOCK
    per_part = (n_blocks + PARTS - 1) // PARTS
    n_parts = (n_blocks + per_part - 1) // per_part if n_blocks else 0
    return n_blocks, per_part, n_parts


@compile_kernel(fastmath=_FAST)
def _part_sums(
    X: NDArray,
    coef: NDArray,
    lead: int,
    y: NDArray,
    s: NDArray,
    offset: NDArray,
    first_block: int,
    last_block: int,
    losses: NDArray,
    smallest: NDArray,
    gradients: NDArray,
    hessian: NDArray,
    meat: NDArray,
) -> None:
    """The sums of the blocks first_block … last_block − 1: each block's J₀, λ and g into its
    slot of ``losses``, ``smallest`` and ``gradients``, and H and M (when they have rows) added
    into ``hessian`` and ``meat``, tile by tile. ``coef`` is θ; ``lead`` 1 with an intercept."""
    n_rows = X.shape[0]
    k = coef.shape[0]
    tile = np.empty((k, TILE))
    if lead:
        tile[0, :] = 1.0
    z = np.empty(TILE)
    residual = np.empty(TILE)
    curvature = np.empty(TILE)
    squared = np.empty(TILE)
    scaled = np.empty(TILE)
    other = np.empty(TILE)
    decay = np.empty(TILE)
    softplus = np.empty(TILE)
    scratch = np.empty(TILE)
    for block in range(first_block, last_block):
        gradient = gradients[block]
        loss = 0.0
        least = np.inf
        stop = min(n_rows, (block + 1) * BLOCK)
        for first in range(block * BLOCK, stop, TILE):
            m = min(TILE, stop - first)
            _copy_tile(X, first, m, lead, tile)
            z[:m] = 0.0
            for a in range(k):
                ca = coef[a]
                ta = tile[a]
                for t in range(m):
                    z[t] += ca * ta[t]
            if offset.size:
                for t in range(m):
                    z[t] += offset[first + t]
            exp_negative_abs(z, 0, m, decay, scratch)
            log1p_unit(decay, m, softplus)
            for t in range(m):
                i = first + t
                zi = z[t]
                e = decay[t]
                log_term = softplus[t]
                weight = s[i]
                label = y[i]
                loss += weight * (
                    label * (log_term + max(-zi, 0.0)) + (1.0 - label) * (log_term + max(zi, 0.0))
                )
                inverse = 1.0 / (1.0 + e)
                small = e * inverse
                r = (inverse if zi >= 0 else small) - label
                residual[t] = weight * r
                curvature[t] = weight * (small * inverse)
                squared[t] = weight * r * r
                if weight > 0:
                    least = min(least, weight * (small if (zi >= 0) == (label == 1) else inverse))
            for a in range(k):
                ta = tile[a]
                total = 0.0
                for t in range(m):
                    total += residual[t] * ta[t]
                gradient[a] += total
            if hessian.shape[0]:
                _weighted_gram(hessian, curvature, tile, scaled, other, m)
            if meat.shape[0]:
                _weighted_gram(meat, squared, tile, scaled, other, m)
        losses[block] = loss
        smallest[block] = least


@compile_kernel(inline="always")
def _outputs(
    n_blocks: int, n_parts: int, k: int, with_hessian: bool, with_meat: bool
) -> tuple[NDArray, NDArray, NDArray, NDArray, NDArray]:
    """Zeroed per-block J₀ and g, λ at +∞, and per-part k × k H and M (0 × 0 when not asked
    for)."""
    size_h = k if with_hessian else 0
    size_m = k if with_meat else 0
    return (
        np.zeros(n_blocks),
        np.full(n_blocks, np.inf),
        np.zeros((n_blocks, k)),
        np.zeros((n_parts, size_h, size_h)),
        np.zeros((n_parts, size_m, size_m)),
    )


@compile_kernel(parallel=True)
def _sums(
    X: NDArray,
    coef: NDArray,
    lead: int,
    y: NDArray,
    s: NDArray,
    offset: NDArray,
    with_hessian: bool,
    with_meat: bool,
) -> tuple[NDArray, NDArray, NDArray, NDArray, NDArray]:
    """Per-block J₀, λ and g, and per-part upper triangles of H and M (k × k, or 0 × 0 when
    not asked for)."""
    n_blocks, per_part, n_parts = _partition(X.shape[0])
    losses, smallest, gradients, hessians, meats = _outputs(
        n_blocks, n_parts, coef.shape[0], with_hessian, with_meat
    )
    for part in numba.prange(n_parts):
        _part_sums(
            X,
            coef,
            lead,
            y,
            s,
            offset,
            part * per_part,
            min(n_blocks, (part + 1) * per_part),
            losses,
            smallest,
            gradients,
            hessians[part],
            meats[part],
        )
    return losses, smallest, gradients, hessians, meats


@compile_kernel(inline="always")
def _mirrored(upper: NDArray) -> NDArray:
    """The symmetric matrix whose upper triangle is that of ``upper``."""
    k = upper.shape[0]
    full = np.empty((k, k))
    for a in range(k):
        for c in range(a, k):
            full[a, c] = upper[a, c]
            full[c, a] = upper[a, c]
    return full


@compile_kernel(nogil=True)
def _serial_sums(
    X: NDArray,
    coef: NDArray,
    lead: int,
    y: NDArray,
    s: NDArray,
    offset: NDArray,
    with_hessian: bool,
    with_meat: bool,
) -> tuple[float, float, NDArray, NDArray, NDArray]:
    """(J₀, λ, g, H, M), H and M mirrored (0 × 0 when not asked for), every block in one part
    on the calling thread, without holding the GIL, the blocks' sums added in order: :func:`_sums`'
    sums with no threads started and nothing left to add in Python (a small X, or a chunk of a
    Dask array in a worker's task)."""
    n_blocks = (X.shape[0] + BLOCK - 1) // BLOCK
    losses, smallest, gradients, hessians, meats = _outputs(
        n_blocks, 1, coef.shape[0], with_hessian, with_meat
    )
    _part_sums(
        X, coef, lead, y, s, offset, 0, n_blocks, losses, smallest, gradients, hessians[0], meats[0]
    )
    loss = 0.0
    least = np.inf
    gradient = np.zeros(coef.shape[0])
    for block in range(n_blocks):
        loss += losses[block]
        least = min(least, smallest[block])
        gradient += gradients[block]
    return loss, least, gradient, _mirrored(hessians[0]), _mirrored(meats[0])


@compile_kernel(fastmath=_FAST)
def _part_gram(X: NDArray, lead: int, first_block: int, last_block: int, gram: NDArray) -> None:
    """The upper triangle of Σ x̃ᵢx̃ᵢᵀ over the blocks first_block … last_block − 1, added into
    gram tile by tile."""
    n_rows = X.shape[0]
    tile = np.empty((gram.shape[0], TILE))
    if lead:
        tile[0, :] = 1.0
    ones = np.ones(TILE)
    scaled = np.empty(TILE)
    other = np.empty(TILE)
    for block in range(first_block, last_block):
        stop = min(n_rows, (block + 1) * BLOCK)
        for first in range(block * BLOCK, stop, TILE):
            m = min(TILE, stop - first)
            _copy_tile(X, first, m, lead, tile)
            _weighted_gram(gram, ones, tile, scaled, other, m)


@compile_kernel(parallel=True)
def _grams(X: NDArray, lead: int) -> NDArray:
    """Per-part upper triangles of X̃ᵀX̃."""
    k = X.shape[1] + lead
    n_blocks, per_part, n_parts = _partition(X.shape[0])
    grams = np.zeros((n_parts, k, k))
    for part in numba.prange(n_parts):
        _part_gram(X, lead, part * per_part, min(n_blocks, (part + 1) * per_part), grams[part])
    return grams


def _symmetric(parts: NDArray) -> NDArray | None:
    """The sum of the parts' upper triangles, in part order, mirrored; None when empty."""
    if parts.shape[1] == 0:
        return None
    upper = np.triu(np.sum(parts, axis=0))
    return upper + np.triu(upper, 1).T


def value_gradient_grams(
    X: NDArray,
    coef: NDArray,
    fit_intercept: bool,
    y: NDArray,
    s: NDArray,
    offset: NDArray | None,
    hessian: bool,
    meat: bool,
    serial: bool = False,
) -> tuple[float, NDArray, NDArray | None, NDArray | None, float]:
    """(J₀, g, H or None, M or None, λ) in one pass over the C-ordered dense X (float32 or
    float64), θ = ``coef`` laid out as (b, w) with an intercept, w without. With ``serial``
    (a task of the Dask backend, whose worker's threads share the cores), and for an X of at
    most ``BLOCK`` rows, one block, every block is summed on the calling thread
    (:func:`_serial_sums`)."""
    arguments = (
        X,
        np.ascontiguousarray(coef, dtype=np.float64),
        int(fit_intercept),
        y,
        np.asarray(s, dtype=np.float64),
        np.empty(0) if offset is None else np.asarray(offset, dtype=np.float64),
        hessian,
        meat,
    )
    if serial or X.shape[0] <= BLOCK:
        loss, least, gradient, hess, meat_sum = _serial_sums(*arguments)
        return (
            float(loss),
            gradient,
            hess if hessian else None,
            meat_sum if meat else None,
            float(least),
        )
    losses, smallest, gradients, hessians, meats = _sums(*arguments)
    return (
        float(np.sum(losses)),
        np.sum(gradients, axis=0),
        _symmetric(hessians),
        _symmetric(meats),
        float(np.min(smallest, initial=np.inf)),
    )


def gram(X: NDArray, fit_intercept: bool) -> NDArray:
    """X̃ᵀX̃ = Σᵢ x̃ᵢx̃ᵢᵀ over every row of the C-ordered dense X (float32 or float64), in
    float64, in one pass."""
    k = X.shape[1] + int(fit_intercept)
    total = _symmetric(_grams(X, int(fit_intercept)))
    return np.zeros((k, k)) if total is None else total
