"""Residuals of a binary fit, with R's ``residuals.glm``, ``rstandard`` and ``rstudent`` names.

With prior (frequency) weights sᵢ, z = x̃ᵢᵀθ̂, p̂ᵢ = σ(zᵢ), vᵢ = p̂ᵢ(1 − p̂ᵢ) and the hat values
hᵢ of :mod:`logitkit.inference.leverage` (the dispersion of the binomial is 1):

    response               yᵢ − p̂ᵢ
    pearson                √sᵢ (yᵢ − p̂ᵢ)/√vᵢ
    deviance               sign(yᵢ − p̂ᵢ) √(2 sᵢ Lᵢ),  Lᵢ = −[y log p̂ + (1 − y) log(1 − p̂)]
    working                (yᵢ − p̂ᵢ)/vᵢ                      (z's residual in the last IRLS step)
    standardized_deviance  r_Dᵢ / √(1 − hᵢ)                  (R's rstandard, type "deviance")
    standardized_pearson   r_Pᵢ / √(1 − hᵢ)                  (R's rstandard, type "pearson")
    studentized            sign(r_Dᵢ) √(r_Dᵢ² + hᵢ r_Pᵢ²/(1 − hᵢ))   (R's rstudent.glm)

For y ∈ {0, 1} the Pearson and working residuals are written without a difference of
probabilities: r_P/√s = e^(−z/2) for y = 1 and −e^(z/2) for y = 0, (y − p̂)/v = 1 + e^(−z) and
−(1 + e^z), accurate in both tails (each label's term is chosen, not multiplied by 0, so the
other label's e^(|z|/2) overflowing at a confident, correct prediction gives no 0 · ∞, and
a row of weight 0 has r_P = 0, as in R, however far it lies); Lᵢ is the softplus form of the
cross-entropy.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from ..core.functions import cross_entropy, sigmoid
from ..core.objective import Objective
from ..core.record import FitRecord
from .leverage import check_ml_fit, hat_values

__all__ = ["RESIDUAL_KINDS", "residual_values"]

_PLAIN = ("response", "pearson", "deviance", "working")
_STANDARDIZED = ("standardized_deviance", "standardized_pearson", "studentized")
RESIDUAL_KINDS = (*_PLAIN, *_STANDARDIZED)


def residual_values(record: FitRecord, objective: Objective, kind: str) -> NDArray[np.float64]:
    """The residuals of ``kind`` (one of :data:`RESIDUAL_KINDS`) of the fit ``record`` on the
    data of ``objective``, one per row."""
    if kind not in RESIDUAL_KINDS:
        raise ValueError(
            f"kind must be one of {', '.join(map(repr, RESIDUAL_KINDS))}; got {kind!r}"
        )
    z = np.asarray(objective.logits(record.theta), dtype=np.float64)
    y = np.asarray(objective.y, dtype=np.float64)
    s = objective.sample_weight
    if kind in _PLAIN:
        return plain_residuals(y, z, s, kind)
    deviance = plain_residuals(y, z, s, "deviance")
    pearson = plain_residuals(y, z, s, "pearson")
    what = kind.replace("_", " ") + " residuals"
    if kind == "studentized":
        check_ml_fit(record, what)
    hat = hat_values(record, objective, what)
    with np.errstate(divide="ignore", invalid="ignore"):
        if kind == "standardized_deviance":
            return deviance / np.sqrt(1.0 - hat)
        if kind == "standardized_pearson":
            return pearson / np.sqrt(1.0 - hat)
        return np.sign(deviance) * np.sqrt(deviance**2 + hat * pearson**2 / (1.0 - hat))


def plain_residuals(y: NDArray, z: NDArray, s: NDArray, kind: str) -> NDArray[np.float64]:
    """The response, Pearson, deviance or working residuals of labels y at logits z, weights s."""
    if kind == "response":
        return y - sigmoid(z)
    positive = y > 0.5
    with np.errstate(over="ignore", invalid="ignore"):
        if kind == "pearson":
            unweighted = np.where(positive, np.exp(-z / 2.0), -np.exp(z / 2.0))
            return np.where(s > 0.0, np.sqrt(s) * unweighted, 0.0)
        if kind == "working":
            return np.where(positive, 1.0 + np.exp(-z), -(1.0 + np.exp(z)))
    sign = np.where(positive, 1.0, -1.0)
    return sign * np.sqrt(2.0 * s * cross_entropy(y, z))
