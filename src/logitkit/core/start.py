"""The start every fit and path begins from: the intercept-only maximum likelihood fit.

Two classes: with ȳ = Σ sᵢyᵢ / Σ sᵢ the weighted rate of positives, the intercept-only model
P(y = 1) = σ(b) has its maximum at σ(b₀) = ȳ, so

    θ₀ = (b₀, 0, …, 0),   b₀ = log(ȳ / (1 − ȳ)),

ȳ clipped to [10⁻¹⁰, 1 − 10⁻¹⁰] so that a single-class weighting stays finite; θ₀ = 0 (ŷ = ½)
without an intercept. K ≥ 3 classes: :func:`logitkit.core.multinomial.initial_coef`,
b_k = log π_k against the reference class (or centred), π the weighted class frequencies.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from .multinomial import MultinomialObjective, initial_coef
from .objective import Objective

__all__ = ["RATE_CLIP", "start_coef"]

RATE_CLIP = 1e-10
"""ȳ is kept in [RATE_CLIP, 1 − RATE_CLIP] before its log-odds are taken."""


def start_coef(objective: Objective | MultinomialObjective) -> NDArray:
    """θ₀, the intercept-only fit with every weight 0 (see the module docstring)."""
    if isinstance(objective, MultinomialObjective):
        return initial_coef(objective)
    theta = np.zeros(objective.n_params)
    if objective.design.fit_intercept:
        s = objective.sample_weight
        rate = float(np.clip(np.dot(s, objective.y) / s.sum(), RATE_CLIP, 1 - RATE_CLIP))
        theta[0] = np.log(rate / (1.0 - rate))
    return theta
