"""Datafits: the link, the per-sample loss and its derivatives in the linear predictor.

A datafit knows nothing of X or of the coefficients; :class:`~logitkit.core.objective.Objective`
chains it with the design matrix: ∂L/∂θ = x̃ · ∂L/∂η and ∂²L/∂θ² = x̃ x̃ᵀ · ∂²L/∂η². Each datafit
works on the logits Z it builds from the K′ modelled linear predictors η = X̃B (one column for
two classes, K or K − 1 for the softmax) and gives the objective, in those K′ columns:

- ``logits(η)``: Z, the link's input (a reference class's zero column added);
- ``loss_and_gradient(y, Z)``: Lᵢ and ∂Lᵢ/∂η;
- ``hessian_factors(Z)``: what the per-sample curvature ∂²Lᵢ/∂η∂ηᵀ is built from, and from it
  ``hessian_block`` (the weights of block (k, m) of X̃ᵀ diag(·) X̃), ``hessian_blocks`` (all
  k ≤ m), ``hessian_diagonals`` and ``hessian_product`` (the curvature applied to an n × K′
  array U = X̃V);
- ``null_loglik`` and ``start``: the intercept-only fit, its log-likelihood and its intercepts.

``kernel`` names the fused pass a backend may run for the datafit (see
:mod:`logitkit.backends.fused`); ``symmetric`` says whether the intercepts are identified only
up to a common shift.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from numpy.typing import NDArray

from .functions import (
    cross_entropy,
    log_sigmoid,
    log_softmax,
    sigmoid,
    sigmoid_curvature,
    softmax,
)

Block = tuple[int, int, NDArray]


class Bernoulli:
    """The binary logistic datafit, y ∈ {0, 1}, ŷ = σ(z), one output (K′ = 1, z = η).

    - loss:        L(y, z) = −[y log ŷ + (1 − y) log(1 − ŷ)] = log(1 + e^z) − y·z
    - derivative:  ∂L/∂z = σ(z) − y = ŷ − y
    - curvature:   ∂²L/∂z² = σ(z)(1 − σ(z)) = ŷ(1 − ŷ)
    """

    kernel = "bernoulli"
    n_classes = 2
    n_outputs = 1
    reference: int | None = 0
    free = np.array([1])
    """The modelled class: P(y = 1 | x), class 0 the reference."""
    symmetric = False

    curvature_bound = 0.25
    """The largest value σ(z)(1 − σ(z)) takes (at z = 0): it bounds ∂²L/∂z²."""

    def loss(self, y: NDArray, z: NDArray) -> NDArray:
        """Per-sample cross-entropy L(yᵢ, zᵢ)."""
        return cross_entropy(y, z)

    def derivative(self, y: NDArray, z: NDArray) -> NDArray:
        """∂L/∂z = σ(z) − y."""
        r = sigmoid(z)
        r -= y
        return r

    def curvature(self, z: NDArray) -> NDArray:
        """∂²L/∂z² = σ(z)(1 − σ(z)), without forming 1 − σ(z) (see :func:`sigmoid_curvature`)."""
        return sigmoid_curvature(z)

    def logits(self, eta: NDArray) -> NDArray:
        """z = η: the one modelled logit is the link's input."""
        return eta

    def probabilities(self, z: NDArray) -> NDArray:
        """The columns P(y = 0 | x) = σ(−z) and P(y = 1 | x) = σ(z)."""
        return np.column_stack((sigmoid(-z), sigmoid(z)))

    def log_probabilities(self, z: NDArray) -> NDArray:
        """The columns log σ(−z) and log σ(z), without the log of a probability."""
        return np.column_stack((log_sigmoid(-z), log_sigmoid(z)))

    def most_probable(self, z: NDArray) -> NDArray:
        """The index of the more probable class: 1 where z > 0 (ŷ > ½), else 0."""
        return (z > 0).astype(np.intp)

    def loss_and_gradient(self, y: NDArray, z: NDArray) -> tuple[NDArray, NDArray]:
        """(L(yᵢ, zᵢ), σ(zᵢ) − yᵢ)."""
        return self.loss(y, z), self.derivative(y, z)

    def hessian_factors(self, z: NDArray) -> NDArray:
        """d = σ(z)(1 − σ(z)), the whole curvature."""
        return self.curvature(z)

    def hessian_block(self, d: NDArray, k: int, m: int) -> NDArray:
        """The weights d of the one block (0, 0)."""
        return d

    def hessian_blocks(self, d: NDArray) -> Iterator[Block]:
        """The one block (0, 0) with weights d."""
        yield 0, 0, d

    def hessian_diagonals(self, d: NDArray) -> list[NDArray]:
        """[d]: the weights of the Hessian's diagonal."""
        return [d]

    def hessian_product(self, d: NDArray, u: NDArray) -> NDArray:
        """d ⊙ u."""
        return d * u

    def null_loglik(self, y: NDArray, s: NDArray, fit_intercept: bool) -> float:
        """ℓ₀ = n [ȳ log ȳ + (1 − ȳ) log(1 − ȳ)] (ȳ the weighted rate, n = Σs; 0 when ȳ is 0
        or 1), or n log ½ without an intercept (every ŷ = ½)."""
        total = float(s.sum())
        if not fit_intercept:
            return -total * np.log(2.0)
        mean = float(np.dot(s, y) / total)
        if not 0.0 < mean < 1.0:
            return 0.0
        return total * (mean * np.log(mean) + (1.0 - mean) * np.log1p(-mean))

    def start(self, y: NDArray, s: NDArray) -> NDArray:
        """The intercept-only optimum b₀ = log(ȳ/(1 − ȳ)), ȳ clipped to [1e-10, 1 − 1e-10]."""
        mean = min(max(float(np.dot(s, y) / s.sum()), 1e-10), 1 - 1e-10)
        return np.array([np.log(mean / (1.0 - mean))])


class Multinomial:
    """The softmax datafit for K classes, y ∈ {0, …, K − 1}, P(y = k | x) = softmax(z)_k.

    z is the row of K logits of a sample, Y its one-hot label row, p = softmax(z):

    - loss:        L(y, z) = −log softmax(z)_y = logsumexp(z) − z_y
    - derivative:  ∂L/∂z = softmax(z) − onehot(y) = p − Y
    - curvature:   ∂²L/∂z∂zᵀ = diag(p) − p pᵀ  (the Hessian weights)

    The binary case is K = 2 with z = (0, z₁): L is then :class:`Bernoulli`'s loss of z₁, and
    the curvature's (1, 1) entry is σ(z₁)(1 − σ(z₁)).

    The modelled outputs are every class (``reference`` None: the symmetric parameterisation,
    whose intercepts are identified only up to a common shift) or all but the reference class
    r, whose logit is z_r ≡ 0.
    """

    kernel = "multinomial"

    curvature_bound = 0.5
    """The largest eigenvalue diag(p) − p pᵀ can have (for any K): it bounds ∇²L."""

    def __init__(self, n_classes: int = 2, reference: int | None = None) -> None:
        self.n_classes = int(n_classes)
        self.reference = reference
        classes = np.arange(self.n_classes)
        self.free = classes if reference is None else np.delete(classes, reference)

    @property
    def n_outputs(self) -> int:
        """K′, the modelled classes: K, or K − 1 with a reference class."""
        return int(self.free.size)

    @property
    def symmetric(self) -> bool:
        """Whether every class is modelled (no reference class)."""
        return self.reference is None

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

    def probabilities(self, z: NDArray) -> NDArray:
        """softmax(z)_k for every class, from the n × K logits."""
        return softmax(z, axis=1)

    def log_probabilities(self, z: NDArray) -> NDArray:
        """log softmax(z)_k = z_k − logsumexp(z)."""
        return log_softmax(z, axis=1)

    def most_probable(self, z: NDArray) -> NDArray:
        """The index of the most probable class, argmaxₖ z_k."""
        return np.argmax(z, axis=1)

    def logits(self, eta: NDArray) -> NDArray:
        """All K logits Z (n × K, float64) from the K′ modelled ones: z_r = 0 inserted."""
        if self.reference is None:
            return eta
        z = np.zeros((eta.shape[0], self.n_classes))
        z[:, self.free] = eta
        return z

    def loss_and_gradient(self, y: NDArray, z: NDArray) -> tuple[NDArray, NDArray]:
        """(Lᵢ, ∂Lᵢ/∂η = (p − Y) over the modelled classes)."""
        loss, derivative = self.loss_and_derivative(y, z)
        return loss, derivative if self.reference is None else derivative[:, self.free]

    def hessian_factors(self, z: NDArray) -> NDArray:
        """P, the n × K′ probabilities of the modelled classes: ∂²L/∂η_k∂η_m = P_k(δ_km − P_m)."""
        p = softmax(np.asarray(z, dtype=np.float64), axis=1)
        return p if self.reference is None else p[:, self.free]

    def hessian_block(self, p: NDArray, k: int, m: int) -> NDArray:
        """P_k(δ_km − P_m), the weights of block (k, m)."""
        return p[:, k] * (float(k == m) - p[:, m])

    def hessian_blocks(self, p: NDArray) -> Iterator[Block]:
        """(k, m, P_k(δ_km − P_m)) for every block k ≤ m."""
        for k in range(p.shape[1]):
            for m in range(k, p.shape[1]):
                yield k, m, self.hessian_block(p, k, m)

    def hessian_diagonals(self, p: NDArray) -> list[NDArray]:
        """[P_k(1 − P_k)], the weights of each diagonal block."""
        return [p[:, k] * (1.0 - p[:, k]) for k in range(p.shape[1])]

    def hessian_product(self, p: NDArray, u: NDArray) -> NDArray:
        """P ⊙ (U − (P·U)1ᵀ): the curvature of each sample applied to its row of U."""
        inner = np.einsum("ik,ik->i", p, u)
        return p * (u - inner[:, None])

    def null_loglik(self, y: NDArray, s: NDArray, fit_intercept: bool) -> float:
        """ℓ₀ = Σₖ nₖ log(nₖ/n), nₖ the weighted class counts (the intercept-only fit), or
        −n log K without an intercept."""
        total = float(s.sum())
        if not fit_intercept:
            return -total * np.log(self.n_classes)
        counts = np.bincount(y, weights=s, minlength=self.n_classes)
        counts = counts[counts > 0]
        return float(np.dot(counts, np.log(counts / total)))

    def start(self, y: NDArray, s: NDArray) -> NDArray:
        """The intercept-only optimum: b_k = log π_k − log π_r for a reference class r, or
        log π_k − mean_m log π_m (summing to 0), π the weighted class frequencies."""
        counts = np.bincount(y, weights=s, minlength=self.n_classes)
        log_freq = np.log(np.clip(counts / counts.sum(), 1e-10, None))
        base = log_freq.mean() if self.reference is None else log_freq[self.reference]
        return log_freq[self.free] - base


Datafit = Bernoulli | Multinomial


def datafit_for(n_classes: int, reference: int | None) -> Datafit:
    """The datafit of a model of ``n_classes`` classes: :class:`Bernoulli` for two (class 1
    modelled against class 0), else the softmax over every class (``reference`` None) or
    against the class at index ``reference``."""
    if n_classes <= 2:
        return Bernoulli()
    return Multinomial(n_classes, reference)
