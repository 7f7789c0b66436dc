"""Marginal effects of every class's probability in a K-class (softmax) model.

With the full p̃ × K matrix B (the reference class's column 0), P = softmax(x̃ᵀB) and
b̄ⱼ = Σₘ Pₘ Bⱼₘ, the effects of a continuous xⱼ on P_k are

    dydx = P_k (Bⱼₖ − b̄ⱼ),   eydx = Bⱼₖ − b̄ⱼ,   and xⱼ times either for dyex and eyex,

and a discrete change P_k(high) − P_k(low) (log P_k for "ey"). Their gradients in B, used for
the delta method, follow from ∂P_k/∂Bₗₘ = P_k(δₖₘ − Pₘ) x̃ₗ and
∂b̄ⱼ/∂Bₗₘ = x̃ₗ Pₘ (Bⱼₘ − b̄ⱼ) + Pₘ δₗⱼ. This is statsmodels' ``MNLogit.get_margeff``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from ..core.functions import log_softmax, softmax
from ..core.layout import coef_matrix

__all__ = ["class_effects"]


def class_effects(
    rows: NDArray,
    low_high: tuple[NDArray, NDArray] | None,
    theta: NDArray,
    reference: int,
    position: int,
    method: str,
) -> tuple[NDArray, NDArray]:
    """Per row and class: the effect of the feature at ``position`` of x̃ (r × K) and its
    gradient in θ (r × K × len(θ)); ``low_high`` gives the two rows of a discrete change."""
    width = rows.shape[1]
    modelled = coef_matrix(theta, width)
    B = np.insert(modelled, reference, 0.0, axis=1)
    n_classes = B.shape[1]
    eye = np.eye(n_classes)
    if low_high is not None:
        effect, gradient = _discrete(*low_high, B, eye, method)
    else:
        P = softmax(rows @ B, axis=1)
        bbar = P @ B[position]
        scale = B[position][None, :] - bbar[:, None]
        # ∂b̄/∂B_lm: r × p̃ × K
        dbbar = rows[:, :, None] * (P * scale)[:, None, :]
        dbbar[:, position, :] += P
        # ∂scale_k/∂B_lm = δ_lj δ_km − ∂b̄/∂B_lm: r × K × p̃ × K
        dscale = -np.repeat(dbbar[:, None, :, :], n_classes, axis=1)
        dscale[:, :, position, :] += eye[None, :, :]
        if method.startswith("ey"):
            effect, gradient = scale, dscale
        else:
            effect = P * scale
            dP = P[:, :, None, None] * (eye[None, :, None, :] - P[:, None, None, :])
            dP = dP * rows[:, None, :, None]
            gradient = dP * scale[:, :, None, None] + P[:, :, None, None] * dscale
        if method.endswith("ex"):
            factor = rows[:, position]
            effect = effect * factor[:, None]
            gradient = gradient * factor[:, None, None, None]
    keep = [m for m in range(n_classes) if m != reference]
    # θ = B.ravel(order="F") over the modelled classes: class-major, then row of x̃
    flat = np.transpose(gradient[:, :, :, keep], (0, 1, 3, 2)).reshape(
        rows.shape[0], n_classes, len(keep) * width
    )
    return effect, flat


def _discrete(
    low: NDArray, high: NDArray, B: NDArray, eye: NDArray, method: str
) -> tuple[NDArray, NDArray]:
    """P_k(high) − P_k(low), or the change in log P_k, and its gradient r × K × p̃ × K."""
    parts = []
    for rows in (low, high):
        logits = rows @ B
        P = softmax(logits, axis=1)
        d_log = (eye[None, :, None, :] - P[:, None, None, :]) * rows[:, None, :, None]
        if method.startswith("ey"):
            parts.append((log_softmax(logits, axis=1), d_log))
        else:
            parts.append((P, P[:, :, None, None] * d_log))
    (low_value, low_gradient), (high_value, high_gradient) = parts
    return high_value - low_value, high_gradient - low_gradient
