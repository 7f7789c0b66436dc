"""Datafits: the per-sample loss as a function of the logit z, and its derivatives in z.

A datafit knows nothing of X or of the coefficients; the objective chains it with the design
matrix: ∂L/∂θ = x̃ · ∂L/∂z and ∂²L/∂θ² = x̃ x̃ᵀ · ∂²L/∂z².
"""

from __future__ import annotations

from numpy.typing import NDArray

from .functions import cross_entropy, sigmoid


class Bernoulli:
    """The binary logistic datafit, y ∈ {0, 1}, ŷ = σ(z).

    - loss:        L(y, z) = −[y log ŷ + (1 − y) log(1 − ŷ)] = log(1 + e^z) − y·z
    - derivative:  ∂L/∂z = σ(z) − y = ŷ − y
    - curvature:   ∂²L/∂z² = σ(z)(1 − σ(z)) = ŷ(1 − ŷ)
    """

    def loss(self, y: NDArray, z: NDArray) -> NDArray:
        """Per-sample cross-entropy L(yᵢ, zᵢ)."""
        return cross_entropy(y, z)

    def derivative(self, y: NDArray, z: NDArray) -> NDArray:
        """∂L/∂z = σ(z) − y."""
        return sigmoid(z) - y

    def curvature(self, z: NDArray) -> NDArray:
        """∂²L/∂z² = σ(z)(1 − σ(z)), written σ(z)σ(−z) to stay accurate in both tails."""
        return sigmoid(z) * sigmoid(-z)
