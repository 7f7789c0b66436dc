"""Firth's bias-reduced logistic regression: the likelihood penalised by Jeffreys' prior.

    ℓ*(θ) = ℓ(θ) + ½ log det I(θ),     I(θ) = X̃ᵀ diag(s ⊙ ŷ(1 − ŷ)) X̃,

and, on the mean scale every solver uses, J*(θ) = −ℓ*(θ)/Σs: the term −½ log det I(θ)/Σs joins
the smooth part of :class:`~logitkit.core.objective.Objective`. Its gradient is the modified
score (Firth 1993; Heinze & Schemper 2002)

    U*(θ) = X̃ᵀ(s ⊙ (y − ŷ) + h ⊙ (½ − ŷ)),   hᵢ = sᵢŷᵢ(1 − ŷᵢ) x̃ᵢᵀ I⁻¹ x̃ᵢ (the hat values),

and Newton steps with I in place of the Hessian are the modified Fisher scoring of
``logistf``. ℓ* is bounded above even under separation, so the estimates are finite.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
from numpy.typing import NDArray
from scipy.linalg import LinAlgError, cho_factor, cho_solve

from .functions import sigmoid


class _Design(Protocol):
    def weighted_gram(self, d: NDArray) -> NDArray: ...

    def row_quadratic_forms(self, matrix: NDArray) -> NDArray: ...

    def rmatvec(self, r: NDArray) -> NDArray: ...


class _Curvature(Protocol):
    def curvature(self, z: NDArray) -> NDArray: ...


class FirthTerm:
    """−½ log det I(θ)/Σs and its gradient, from the logits z of the whole data."""

    def value_and_gradient(
        self, design: _Design, sample_weight: NDArray, z: NDArray, datafit: _Curvature
    ) -> tuple[float, NDArray]:
        """(−½ log det I / Σs, X̃ᵀ(h ⊙ (ŷ − ½)) / Σs); +∞ where I is singular."""
        total = float(sample_weight.sum())
        weights = sample_weight * datafit.curvature(z)
        information = design.weighted_gram(weights)
        try:
            factor = cho_factor(information, lower=True)
        except LinAlgError:
            return np.inf, np.zeros(information.shape[0])
        half_log_det = float(np.sum(np.log(np.diag(factor[0]))))
        inverse = cho_solve(factor, np.eye(information.shape[0]))
        hat = weights * design.row_quadratic_forms(inverse)
        correction = design.rmatvec(hat * (sigmoid(z) - 0.5)) / total
        return -half_log_det / total, correction
