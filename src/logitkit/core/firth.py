"""Firth's bias-reduced logistic regression: the likelihood penalised by Jeffreys' prior.

    ℓ*(θ) = ℓ(θ) + ½ log det I(θ),     I(θ) = X̃ᵀ diag(s ⊙ ŷ(1 − ŷ)) X̃,

and, on the mean scale every solver uses, J*(θ) = −ℓ*(θ)/Σs. Its gradient is the modified
score (Firth 1993; Heinze & Schemper 2002)

    U*(θ) = X̃ᵀ(s ⊙ (y − ŷ) + h ⊙ (½ − ŷ)),   hᵢ = sᵢŷᵢ(1 − ŷᵢ) x̃ᵢᵀ I⁻¹ x̃ᵢ (the hat values),

and Newton steps with I in place of the Hessian are the modified Fisher scoring of
``logistf``. ℓ* is bounded above even under separation, so the estimates are finite.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy.linalg import LinAlgError, cho_factor, cho_solve

from .functions import sigmoid
from .objective import Objective, Rows


class FirthObjective(Objective):
    """J*(θ) = −(ℓ(θ) + ½ log det I(θ)) / Σs; the full-data forms only (log det is not a sum)."""

    def _dense_design(self) -> NDArray:
        X = self.design.X
        dense = X.toarray() if hasattr(X, "toarray") else np.asarray(X)
        if self.design.fit_intercept:
            return np.column_stack((np.ones(len(dense)), dense))
        return np.asarray(dense, dtype=np.float64)

    def _information_terms(self, coef: NDArray) -> tuple[float, NDArray, NDArray]:
        """(½ log det I, the hat values h, ŷ) at θ; ½ log det I = −∞ where I is singular."""
        z = self._logits(coef, None, self.design)
        fitted = sigmoid(z)
        weights = self.sample_weight * self.datafit.curvature(z)
        X = self._dense_design()
        information = (X * weights[:, None]).T @ X
        try:
            factor = cho_factor(information, lower=True)
        except LinAlgError:
            return -np.inf, np.zeros(len(z)), fitted
        half_log_det = float(np.sum(np.log(np.diag(factor[0]))))
        hat = weights * np.einsum("ij,ji->i", X, cho_solve(factor, X.T))
        return half_log_det, hat, fitted

    def _check_rows(self, rows: Rows) -> None:
        if rows is not None:
            raise ValueError("Firth's penalty has no per-row form: use a full-batch solver")

    def smooth_value(self, coef: NDArray, rows: Rows = None) -> float:
        """J*(θ) = J(θ) − ½ log det I(θ) / Σs."""
        self._check_rows(rows)
        half_log_det, _, _ = self._information_terms(coef)
        return super().smooth_value(coef) - half_log_det / self.sample_weight.sum()

    def smooth_value_and_gradient(self, coef: NDArray, rows: Rows = None) -> tuple[float, NDArray]:
        """J*(θ) and ∇J* = −U*(θ)/Σs."""
        self._check_rows(rows)
        value, grad = super().smooth_value_and_gradient(coef)
        half_log_det, hat, fitted = self._information_terms(coef)
        total = self.sample_weight.sum()
        correction = self.design.rmatvec(hat * (0.5 - fitted)) / total
        return value - half_log_det / total, grad - correction

    def smooth_gradient(self, coef: NDArray, rows: Rows = None) -> NDArray:
        """∇J*(θ)."""
        return self.smooth_value_and_gradient(coef, rows)[1]

    def hessian(self, coef: NDArray, rows: Rows = None) -> NDArray:
        """I(θ)/Σs, the Fisher information that Firth's modified scoring uses for the Hessian."""
        self._check_rows(rows)
        return super().hessian(coef)

    def penalised_loglik(self, coef: NDArray) -> float:
        """ℓ*(θ) = ℓ(θ) + ½ log det I(θ) on the sum scale."""
        return -self.smooth_value(coef) * self.sample_weight.sum()
