"""Datafits: the per-sample loss as a function of the logit z, and its derivatives in z.

A datafit knows nothing of X or of the coefficients; the objective chains it with the design
matrix: ∂L/∂θ = x̃ · ∂L/∂z and ∂²L/∂θ² = x̃ x̃ᵀ · ∂²L/∂z².
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from .functions import cross_entropy, sigmoid, softmax


class Bernoulli:
    """The binary logistic datafit, y ∈ {0, 1}, ŷ = σ(z).

    - loss:        L(y, z) = −[y log ŷ + (1 − y) log(1 − ŷ)] = log(1 + e^z) − y·z
    - derivative:  ∂L/∂z = σ(z) − y = ŷ − y
    - curvature:   ∂²L/∂z² = σ(z)(1 − σ(z)) = ŷ(1 − ŷ)
    """

    curvature_bound = 0.25
    """The largest value σ(z)(1 − σ(z)) takes (at z = 0): it bounds ∂²L/∂z²."""

    def loss(self, y: NDArray, z: NDArray) -> NDArray:
        """Per-sample cross-entropy L(yᵢ, zᵢ)."""
        return cross_entropy(y, z)

    def derivative(self, y: NDArray, z: NDArray) -> NDArray:
        """∂L/∂z = σ(z) − y."""
        return sigmoid(z) - y

    def curvature(self, z: NDArray) -> NDArray:
        """∂²L/∂z² = σ(z)(1 − σ(z)), written σ(z)σ(−z) to stay accurate in both tails."""
        return sigmoid(z) * sigmoid(-z)


class Multinomial:
    """The softmax datafit for K classes, y ∈ {0, …, K − 1}, P(y = k | x) = softmax(z)_k.

    z is the row of K logits of a sample, Y its one-hot label row, p = softmax(z):

    - loss:        L(y, z) = −log softmax(z)_y = logsumexp(z) − z_y
    - derivative:  ∂L/∂z = softmax(z) − onehot(y) = p − Y
    - curvature:   ∂²L/∂z∂zᵀ = diag(p) − p pᵀ  (the Hessian weights)

    The binary case is K = 2 with z = (0, z₁): L is then :class:`Bernoulli`'s loss of z₁, and
    the curvature's (1, 1) entry is σ(z₁)(1 − σ(z₁)).
    """

    curvature_bound = 0.5
    """The largest eigenvalue diag(p) − p pᵀ can have (for any K): it bounds ∇²L."""

    def loss(self, y: NDArray, z: NDArray) -> NDArray:
        """Per-sample cross-entropy L(yᵢ, zᵢ) = logsumexp(zᵢ) − zᵢ,yᵢ."""
        return self.loss_and_derivative(y, z)[0]

    def derivative(self, y: NDArray, z: NDArray) -> NDArray:
        """∂L/∂z = softmax(z) − onehot(y), one row per sample."""
        return self.loss_and_derivative(y, z)[1]

    def loss_and_derivative(self, y: NDArray, z: NDArray) -> tuple[NDArray, NDArray]:
        """L and ∂L/∂z, shifted by the largest logit m = z_t of each row:

            e_k = exp(z_k − m) for k ≠ t,  S = Σ_{k≠t} e_k,
            L = log1p(S) + (m − z_y),   p_k = e_k / (1 + S),   p_t = 1 / (1 + S).

        Both terms of L are ≥ 0, so a small loss keeps its relative accuracy (log1p rather
        than the log of a sum near 1), no exp overflows, and p_t − 1 = −S/(1 + S) exactly.
        """
        z = np.asarray(z, dtype=np.float64)
        rows = np.arange(z.shape[0])
        top = np.argmax(z, axis=1)
        shifted = z - z[rows, top][:, None]
        e = np.exp(shifted)
        e[rows, top] = 0.0
        rest = e.sum(axis=1)
        loss = np.log1p(rest) - shifted[rows, y]
        derivative = e / (1.0 + rest)[:, None]
        derivative[rows, top] = 1.0 / (1.0 + rest)
        on_top = top == y
        derivative[rows, y] -= 1.0
        derivative[rows[on_top], y[on_top]] = -rest[on_top] / (1.0 + rest[on_top])
        return loss, derivative

    def curvature(self, z: NDArray) -> NDArray:
        """∂²L/∂z∂zᵀ = diag(p) − p pᵀ for every sample: an array of shape (n, K, K).

        The diagonal p_k(1 − p_k) takes 1 − p_k from ∂L/∂z of the label k (= p_k − 1), which
        keeps its accuracy where p_k is near 1.
        """
        z = np.asarray(z, dtype=np.float64)
        p = softmax(z, axis=1)
        curvature = -p[:, :, None] * p[:, None, :]
        for k in range(z.shape[1]):
            label = np.full(z.shape[0], k)
            curvature[:, k, k] = -p[:, k] * self.loss_and_derivative(label, z)[1][:, k]
        return curvature
