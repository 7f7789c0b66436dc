"""One fused pass over a dense X: the binary cost, its gradient and the logits together.

For θ = (b, w) and normalised weights s (Σ s = 1 over all rows), the pass computes, row by row,

    zᵢ = b + xᵢᵀw (+ oᵢ)
    J₀ = Σᵢ sᵢ [yᵢ softplus(−zᵢ) + (1 − yᵢ) softplus(zᵢ)]
    g  = Σᵢ sᵢ (σ(zᵢ) − yᵢ) x̃ᵢ

so each row of X is read from memory once, while it is in the cache, instead of once for X w and
again for Xᵀr. Rows are split into chunks of ``CHUNK`` rows spread over Numba's threads; each
chunk sums into its own row of partial sums, which are added in chunk order, so the result does
not depend on the number of threads. Sums and z are accumulated in float64, for float32 X too;
the dot product is reassociated so that it runs in SIMD lanes.
"""

from __future__ import annotations

import numba
import numpy as np
from numpy.typing import NDArray

from .jit import compile_kernel

CHUNK = 2048
"""Rows per chunk: 1.6 MB of a float64 X with 100 columns, which stays in the cache."""


@compile_kernel(fastmath={"reassoc", "contract"}, inline="always")
def _row_dot(X: NDArray, i: int, w: NDArray) -> float:
    """Σⱼ X[i, j] wⱼ in float64."""
    total = 0.0
    for j in range(X.shape[1]):
        total += X[i, j] * w[j]
    return total


@compile_kernel(fastmath={"reassoc", "contract"}, inline="always")
def _row_axpy(out: NDArray, r: float, X: NDArray, i: int) -> None:
    """out[1 + j] += r X[i, j] for every column j."""
    for j in range(X.shape[1]):
        out[1 + j] += r * X[i, j]


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
    """Per-chunk partial sums of J₀ and of [Σ r, Xᵀr], rᵢ = sᵢ(σ(zᵢ) − yᵢ); zᵢ into ``z_out``."""
    n_rows, n_columns = X.shape
    n_chunks = (n_rows + CHUNK - 1) // CHUNK
    losses = np.zeros(n_chunks)
    gradients = np.zeros((n_chunks, n_columns + 1))
    for chunk in numba.prange(n_chunks):
        gradient = gradients[chunk]
        loss = 0.0
        for i in range(chunk * CHUNK, min(n_rows, (chunk + 1) * CHUNK)):
            z = intercept + _row_dot(X, i, w)
            if offset.size:
                z += offset[i]
            z_out[i] = z
            e = np.exp(-abs(z))
            log_term = np.log1p(e)
            positive_part = log_term + max(-z, 0.0)
            negative_part = log_term + max(z, 0.0)
            loss += s[i] * (y[i] * positive_part + (1.0 - y[i]) * negative_part)
            sigma = 1.0 / (1.0 + e) if z >= 0 else e / (1.0 + e)
            r = s[i] * (sigma - y[i])
            gradient[0] += r
            _row_axpy(gradient, r, X, i)
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
