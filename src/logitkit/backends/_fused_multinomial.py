"""The softmax cost and its gradient in one parallel pass over a dense X (a Numba kernel).

For each row i, with the K logits zᵢₖ = bₖ + xᵢᵀwₖ, the largest of them m = zᵢₜ and
S = Σ_{k≠t} exp(zᵢₖ − m):

    Lᵢ = log1p(S) + (m − zᵢ,yᵢ),   pᵢₖ = exp(zᵢₖ − m) / (1 + S),
    rᵢₖ = sᵢ (pᵢₖ − [k = yᵢ]),       ∇ₖ += rᵢₖ x̃ᵢ,

with rᵢₜ = −sᵢS/(1 + S) exactly when t = yᵢ, so a well-fitted row keeps its accuracy. X is
read once per evaluation, :data:`TILE` rows at a time: the tile's K logits, its residuals and
its K gradient updates are computed while the tile is in the cache, each weight wₖⱼ and each
partial sum of ∇ₖ loaded once per tile rather than once per row. As in
:mod:`logitkit.backends._fused`, rows are cut into chunks of :data:`CHUNK`, each chunk sums into its
own partial sums, and those are added in chunk order: the result does not depend on the
number of threads. Sums and logits are float64, for float32 X too. The logits live in a
tile's buffer only: no n × K array is written, so the pass needs no memory beyond the
per-chunk partial sums.
"""

from __future__ import annotations

import numba
import numpy as np
from numpy.typing import NDArray

from .jit import compile_kernel

CHUNK = 1024
"""Rows per chunk (a multiple of :data:`TILE`)."""

TILE = 4
"""Rows whose logits and gradient updates are computed together."""


@compile_kernel(fastmath={"reassoc", "contract"}, inline="always")
def _tile_logits(X: NDArray, i: int, weights: NDArray, intercepts: NDArray, z: NDArray) -> None:
    """z[t, k] = bₖ + Σⱼ X[i + t, j] wₖⱼ for the rows t = 0 … 3 of a tile."""
    for k in range(weights.shape[0]):
        a0 = 0.0
        a1 = 0.0
        a2 = 0.0
        a3 = 0.0
        for j in range(X.shape[1]):
            w = weights[k, j]
            a0 += X[i, j] * w
            a1 += X[i + 1, j] * w
            a2 += X[i + 2, j] * w
            a3 += X[i + 3, j] * w
        z[0, k] = intercepts[k] + a0
        z[1, k] = intercepts[k] + a1
        z[2, k] = intercepts[k] + a2
        z[3, k] = intercepts[k] + a3


@compile_kernel(fastmath={"reassoc", "contract"}, inline="always")
def _tile_gradient(X: NDArray, i: int, r: NDArray, gradient: NDArray) -> None:
    """gradient[k] += Σₜ r[t, k] x̃_{i+t} over the rows t = 0 … 3 of a tile."""
    for k in range(gradient.shape[0]):
        r0 = r[0, k]
        r1 = r[1, k]
        r2 = r[2, k]
        r3 = r[3, k]
        gradient[k, 0] += (r0 + r1) + (r2 + r3)
        for j in range(X.shape[1]):
            gradient[k, 1 + j] += (r0 * X[i, j] + r1 * X[i + 1, j]) + (
                r2 * X[i + 2, j] + r3 * X[i + 3, j]
            )


@compile_kernel(fastmath={"reassoc", "contract"}, inline="always")
def _row_logits(X: NDArray, i: int, weights: NDArray, intercepts: NDArray, z: NDArray) -> None:
    """z[0, k] = bₖ + Σⱼ X[i, j] wₖⱼ for a single row."""
    for k in range(weights.shape[0]):
        total = 0.0
        for j in range(X.shape[1]):
            total += X[i, j] * weights[k, j]
        z[0, k] = intercepts[k] + total


@compile_kernel(fastmath={"reassoc", "contract"}, inline="always")
def _row_gradient(X: NDArray, i: int, r: NDArray, gradient: NDArray) -> None:
    """gradient[k] += r[0, k] x̃ᵢ for a single row."""
    for k in range(gradient.shape[0]):
        gradient[k, 0] += r[0, k]
        for j in range(X.shape[1]):
            gradient[k, 1 + j] += r[0, k] * X[i, j]


@compile_kernel(inline="always")
def _residual(z: NDArray, t: int, label: int, weight: float) -> float:
    """Turns the logits z[t] into the residuals sᵢ(p − onehot(yᵢ)); returns sᵢLᵢ."""
    n_classes = z.shape[1]
    top = 0
    for k in range(1, n_classes):
        if z[t, k] > z[t, top]:
            top = k
    largest = z[t, top]
    label_logit = z[t, label]
    z[t, top] = -np.inf
    rest = 0.0
    for k in range(n_classes):
        e = np.exp(z[t, k] - largest)
        z[t, k] = e
        rest += e
    scale = weight / (1.0 + rest)
    for k in range(n_classes):
        z[t, k] *= scale
    z[t, top] = scale
    if label == top:
        z[t, label] = -scale * rest
    else:
        z[t, label] -= weight
    return weight * (np.log1p(rest) + (largest - label_logit))


@compile_kernel(parallel=True)
def _value_gradient(
    X: NDArray,
    weights: NDArray,
    intercepts: NDArray,
    y: NDArray,
    s: NDArray,
) -> tuple[NDArray, NDArray]:
    """Per-chunk partial sums of Σ sᵢLᵢ and of the K × (1 + p) matrix [Σ rₖ, Xᵀrₖ].
    ``weights`` is K × p (one row per class), ``intercepts`` has K entries."""
    n_rows, n_columns = X.shape
    n_classes = weights.shape[0]
    n_chunks = (n_rows + CHUNK - 1) // CHUNK
    losses = np.zeros(n_chunks)
    gradients = np.zeros((n_chunks, n_classes, n_columns + 1))
    for chunk in numba.prange(n_chunks):
        gradient = gradients[chunk]
        z = np.empty((TILE, n_classes))
        loss = 0.0
        start = chunk * CHUNK
        stop = min(n_rows, start + CHUNK)
        full_tiles_end = start + (stop - start) // TILE * TILE
        for i in range(start, full_tiles_end, TILE):
            _tile_logits(X, i, weights, intercepts, z)
            for t in range(TILE):
                loss += _residual(z, t, y[i + t], s[i + t])
            _tile_gradient(X, i, z, gradient)
        for i in range(full_tiles_end, stop):
            _row_logits(X, i, weights, intercepts, z)
            loss += _residual(z, 0, y[i], s[i])
            _row_gradient(X, i, z, gradient)
        losses[chunk] = loss
    return losses, gradients


def value_gradient(
    X: NDArray, weights: NDArray, intercepts: NDArray, y: NDArray, s: NDArray
) -> tuple[float, NDArray]:
    """(Σ sᵢLᵢ, the K × (1 + p) matrix whose row k is [Σᵢ rᵢₖ, Xᵀr·ₖ]) in one pass over the
    C-ordered dense X (float32 or float64); ``weights`` is K × p, ``intercepts`` K values,
    ``y`` the labels 0 … K − 1 and ``s`` the weights of the rows."""
    losses, gradients = _value_gradient(
        X,
        np.ascontiguousarray(weights, dtype=np.float64),
        np.ascontiguousarray(intercepts, dtype=np.float64),
        np.asarray(y, dtype=np.intp),
        np.asarray(s, dtype=np.float64),
    )
    return float(np.sum(losses)), np.sum(gradients, axis=0)
