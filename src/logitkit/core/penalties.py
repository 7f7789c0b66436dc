"""Penalties on the weights w (never on the intercept): glmnet's elastic net.

    P(w) = α (ρ ‖w‖₁ + (1 − ρ)/2 ‖w‖²),   α = ``alpha`` ≥ 0, ρ = ``l1_ratio`` ∈ [0, 1].

The ridge part is smooth and joins the gradient and Hessian; the lasso part is not, and enters
through its proximal operator (soft-thresholding) and the optimality (KKT) conditions.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray


class ElasticNet:
    """α(ρ‖w‖₁ + (1 − ρ)/2‖w‖²); α = 0 is no penalty, ρ = 0 is ridge (L2), ρ = 1 is lasso (L1)."""

    def __init__(self, alpha: float, l1_ratio: float, n_params: int, fit_intercept: bool) -> None:
        self.alpha = float(alpha)
        self.l1_ratio = float(l1_ratio)
        self.penalised = np.ones(n_params, dtype=bool)
        if fit_intercept:
            self.penalised[0] = False

    @property
    def l1_strength(self) -> float:
        """αρ, the weight of ‖w‖₁."""
        return self.alpha * self.l1_ratio

    @property
    def l2_strength(self) -> float:
        """α(1 − ρ), the weight of ½‖w‖²."""
        return self.alpha * (1.0 - self.l1_ratio)

    @property
    def is_smooth(self) -> bool:
        """True when there is no L1 part, so the whole objective is differentiable."""
        return self.l1_strength == 0.0

    def smooth_value(self, coef: NDArray) -> float:
        """α(1 − ρ)/2 ‖w‖²."""
        if self.l2_strength == 0.0:
            return 0.0
        w = coef[self.penalised]
        return 0.5 * self.l2_strength * float(w @ w)

    def smooth_gradient(self, coef: NDArray) -> NDArray:
        """α(1 − ρ) w, and 0 for the intercept."""
        return np.where(self.penalised, self.l2_strength * coef, 0.0)

    def smooth_hessian_diagonal(self) -> NDArray:
        """α(1 − ρ) on the diagonal for every weight, 0 for the intercept."""
        return np.where(self.penalised, self.l2_strength, 0.0)

    def l1_value(self, coef: NDArray) -> float:
        """αρ ‖w‖₁."""
        if self.l1_strength == 0.0:
            return 0.0
        return self.l1_strength * float(np.abs(coef[self.penalised]).sum())

    def l1_subgradient(self, coef: NDArray) -> NDArray:
        """αρ sign(w): the L1 part of the gradient wherever it exists (w ≠ 0)."""
        return np.where(self.penalised, self.l1_strength * np.sign(coef), 0.0)

    def prox(self, coef: NDArray, step: float) -> NDArray:
        """Proximal step of the L1 part: soft-thresholding S(w, t) = sign(w) max(|w| − t, 0).

        The threshold is t = step·αρ; the intercept is left as it is.
        """
        if self.is_smooth:
            return coef
        threshold = step * self.l1_strength
        shrunk = np.sign(coef) * np.maximum(np.abs(coef) - threshold, 0.0)
        return np.where(self.penalised, shrunk, coef)

    def kkt_violation(self, coef: NDArray, smooth_grad: NDArray) -> NDArray:
        """Distance of 0 from the subdifferential, per coefficient.

        g + αρ sign(wⱼ) where wⱼ ≠ 0, and max(|gⱼ| − αρ, 0) where wⱼ = 0; the plain gradient for
        the intercept. Its largest entry is the solvers' stopping criterion.
        """
        if self.is_smooth:
            return np.abs(smooth_grad)
        lam = self.l1_strength
        at_zero = np.maximum(np.abs(smooth_grad) - lam, 0.0)
        off_zero = np.abs(smooth_grad + lam * np.sign(coef))
        violation = np.where(coef == 0.0, at_zero, off_zero)
        return np.where(self.penalised, violation, np.abs(smooth_grad))

    @classmethod
    def with_mask(cls, alpha: float, l1_ratio: float, penalised: NDArray) -> ElasticNet:
        """The penalty on exactly the coefficients flagged in ``penalised`` (booleans)."""
        penalty = cls(alpha, l1_ratio, len(penalised), fit_intercept=False)
        penalty.penalised = np.array(penalised, dtype=bool)
        return penalty
