"""The fused passes over a dense X: the cost and its gradient from one read of X.

Each datafit names its kernel (``datafit.kernel``); this module runs it and lays its results
out as the objective needs them, θ-shaped. The kernels (:mod:`._fused` for two classes,
:mod:`._fused_multinomial` for the softmax) import Numba on first use only. For two classes and
few coefficients, :func:`fused_sums` also brings the Hessian and the sandwich's meat from the
same read (:mod:`._fused_gram`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
from numpy.typing import NDArray


class KernelDatafit(Protocol):
    """What a fused pass reads of a datafit: its kernel's name and, for the softmax, its
    classes and the modelled ones (``free``)."""

    kernel: str
    n_classes: int
    free: NDArray


FUSED_MIN_ENTRIES = 1 << 20
"""A dense X with at least this many entries is read by one fused pass for the cost and
gradient; smaller ones go through NumPy, which needs no compiled kernel."""

FUSED_GRAM_MAX_PARAMS = 64
"""Up to this many coefficients, the Hessian and the meat of a two-class fit come from the fused
pass (:func:`fused_sums`). Measured on 1,000,000 rows (400,000 from k = 50), a Newton step's
fused pass with the Hessian against the fused pass and the blocked BLAS Gram matrix of its
curvature weights: 0.53–0.67 × the time up to k = 40, 0.85 at k = 60, 0.94 at k = 80, 1.05 at
k = 100; the information and meat after the last step 0.34–0.42 × up to k = 40, 0.58 at 60."""


@dataclass(frozen=True)
class FusedSums:
    """The sums of one fused pass at θ, with normalised weights s (Σ s = 1) and θ laid out as
    the objective lays it out:

    - ``value`` Σ sᵢLᵢ and ``gradient`` Σ sᵢ(ŷᵢ − yᵢ)x̃ᵢ;
    - ``hessian`` Σ sᵢŷᵢ(1 − ŷᵢ)x̃ᵢx̃ᵢᵀ and ``score_outer`` Σ sᵢ(ŷᵢ − yᵢ)²x̃ᵢx̃ᵢᵀ, or None
      when not asked for;
    - ``overlap_min`` min over sᵢ > 0 of sᵢ|yᵢ − ŷᵢ| (+inf when no weight is positive).
    """

    value: float
    gradient: NDArray
    hessian: NDArray | None
    score_outer: NDArray | None
    overlap_min: float


def fused_value_gradient(
    X: NDArray,
    datafit: KernelDatafit,
    coef: NDArray,
    fit_intercept: bool,
    y: NDArray,
    s: NDArray,
    offset: NDArray | None,
) -> tuple[float, NDArray, NDArray | None]:
    """(Σ sᵢLᵢ, its gradient (1/Σs-weighted by s) as a flat θ, Z) in one pass over the C-ordered
    X, for normalised weights s (Σ s = 1).

    Two classes: Z = z = b + Xw (+ o), n values. The softmax: Z is None, since its n × K
    logits are never kept whole; a reference class's logit is the zero its coefficients are,
    and its gradient is left out.
    """
    width = X.shape[1] + int(fit_intercept)
    matrix = np.reshape(coef, (-1, width)).T
    if datafit.kernel == "bernoulli":
        from ._fused import value_gradient

        intercept = float(matrix[0, 0]) if fit_intercept else 0.0
        value, grad, z = value_gradient(X, matrix[int(fit_intercept) :, 0], intercept, y, s, offset)
        return value, grad if fit_intercept else grad[1:], z
    from ._fused_multinomial import value_gradient as multinomial_value_gradient

    full = np.zeros((width, datafit.n_classes))
    full[:, datafit.free] = matrix
    intercepts = full[0] if fit_intercept else np.zeros(datafit.n_classes)
    value, grad = multinomial_value_gradient(X, full[int(fit_intercept) :].T, intercepts, y, s)
    grad = grad[datafit.free] if fit_intercept else grad[datafit.free, 1:]
    return value, grad.ravel(), None


def fused_sums(
    X: NDArray,
    coef: NDArray,
    fit_intercept: bool,
    y: NDArray,
    s: NDArray,
    offset: NDArray | None,
    *,
    hessian: bool,
    score_outer: bool,
    serial: bool = False,
) -> FusedSums:
    """The :class:`FusedSums` of the binary model at θ in one pass over the C-ordered X, the
    Hessian and the meat when asked for (:mod:`._fused_gram`); on the calling thread alone
    with ``serial`` (a task of the Dask backend)."""
    from ._fused_gram import value_gradient_grams

    value, grad, hess, meat, smallest = value_gradient_grams(
        X, coef, fit_intercept, y, s, offset, hessian, score_outer, serial
    )
    return FusedSums(value, grad, hess, meat, smallest)


def fused_gram(X: NDArray, fit_intercept: bool) -> NDArray:
    """X̃ᵀX̃ over every row of the C-ordered X, in float64, by one parallel pass
    (:func:`._fused_gram.gram`)."""
    from ._fused_gram import gram

    return gram(X, fit_intercept)


def small_sums(
    X_tilde: NDArray,
    coef: NDArray,
    y: NDArray,
    s: NDArray,
    offset: NDArray | None,
    *,
    hessian: bool,
    score_outer: bool,
) -> FusedSums:
    """The :class:`FusedSums` of the binary model at θ over a small X by a few whole-array
    NumPy operations: X̃ = ``X_tilde`` is float64 with its intercept column in place, so each
    product is one BLAS call and nothing is compiled.

    With z = X̃θ (+ o), e = exp(−|z|), σ(|z|) = 1/(1 + e) and σ(−|z|) = e σ(|z|), the sums are
    those of the compiled pass (:mod:`._fused_gram`): J₀ = Σ sᵢ[log1p(eᵢ) + yᵢ max(−zᵢ, 0) +
    (1 − yᵢ) max(zᵢ, 0)], g = X̃ᵀ(s ⊙ (ŷ − y)), H = (√c ⊙ X̃)ᵀ(√c ⊙ X̃) with cᵢ = sᵢŷᵢ(1 − ŷᵢ)
    and M likewise with cᵢ = sᵢ(ŷᵢ − yᵢ)² (each a symmetric product), λ = min over sᵢ > 0 of
    sᵢ|yᵢ − ŷᵢ|. A small fit's Newton step then costs a handful of calls instead of a pass
    through the datafit's layers.
    """
    z = X_tilde @ coef
    if offset is not None:
        z = z + offset
    e = np.exp(-np.abs(z))
    above = 1.0 / (1.0 + e)
    below = e * above
    nonnegative = z >= 0.0
    value = float(s @ (np.log1p(e) + y * np.maximum(-z, 0.0) + (1.0 - y) * np.maximum(z, 0.0)))
    residual = np.where(nonnegative, above, below) - y
    weighted = s * residual
    overlap = np.where(nonnegative == (y == 1.0), below, above) * s
    positive = s > 0.0
    return FusedSums(
        value,
        X_tilde.T @ weighted,
        _symmetric_gram(X_tilde, s * (below * above)) if hessian else None,
        _symmetric_gram(X_tilde, weighted * residual) if score_outer else None,
        float(np.min(overlap[positive], initial=np.inf)),
    )


def _symmetric_gram(X_tilde: NDArray, c: NDArray) -> NDArray:
    """X̃ᵀ diag(c) X̃ for c ≥ 0 as (√c ⊙ X̃)ᵀ(√c ⊙ X̃), exactly symmetric."""
    scaled = X_tilde * np.sqrt(c)[:, None]
    return scaled.T @ scaled
