"""What a fit leaves for inference: the log-likelihoods and the small p×p matrices.

With frequency weights sᵢ, fitted ŷᵢ = σ(x̃ᵢᵀθ̂) and n = Σ sᵢ observations:

    ℓ   = Σ sᵢ [yᵢ log ŷᵢ + (1 − yᵢ) log(1 − ŷᵢ)]          (log-likelihood; deviance −2ℓ)
    ℓ₀  = the same with every ŷᵢ = ȳ (intercept only), or ½ without an intercept
    I   = X̃ᵀ diag(s ⊙ ŷ(1 − ŷ)) X̃ + n α(1 − ρ) I_w         (information of the penalised fit)
    M   = X̃ᵀ diag(s ⊙ (y − ŷ)²) X̃                           (the sandwich's meat, HC0)

A row of weight w counts as w identical rows in each of them, so integer weights give the
numbers of the data with rows repeated.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ..core.multinomial import MultinomialObjective
from ..core.objective import Objective

MAX_MATRIX_PARAMS = 2000
"""Fits with more coefficients k keep neither I nor M."""

MAX_MATRIX_WORK = 1e9
"""Nor do fits with n·k² above this: the two k×k products would cost more than the fit itself
(about 2·10⁹ floating-point operations each at the limit). Their summary() takes the data."""


@dataclass(frozen=True)
class FitStatistics:
    """ℓ, ℓ₀, n and (for at most 2000 coefficients and n·k² ≤ 10⁹) I and M at the estimate."""

    loglik: float
    null_loglik: float
    n_obs: float
    information: NDArray | None
    score_outer: NDArray | None


def fit_statistics(objective: Objective, coef: NDArray) -> FitStatistics:
    """Evaluate :class:`FitStatistics` for the fitted coefficients θ̂."""
    design, y, s = objective.design, objective.y, objective.sample_weight
    total = float(s.sum())
    loglik = -total * Objective.data_term(objective, coef)
    if design.fit_intercept:
        mean = float(np.dot(s, y) / total)
        null_loglik = _bernoulli_loglik(mean, total) if 0.0 < mean < 1.0 else 0.0
    else:
        null_loglik = -total * np.log(2.0)
    information = score_outer = None
    k = design.n_params
    if k <= MAX_MATRIX_PARAMS and design.n_samples * k**2 <= MAX_MATRIX_WORK:
        information, score_outer = information_matrices(objective, coef)
    return FitStatistics(loglik, null_loglik, total, information, score_outer)


def information_matrices(objective: Objective, coef: NDArray) -> tuple[NDArray, NDArray]:
    """I (of the penalised fit) and M at θ, on the scale of sums over the n observations."""
    z = objective.logits(coef)
    information = objective.hessian(coef) * objective.sample_weight.sum()
    residual = objective.datafit.derivative(objective.y, z)  # ŷ − y; its square is (y − ŷ)²
    score_outer = objective.design.weighted_gram(objective.sample_weight * np.square(residual))
    return information, score_outer


def _bernoulli_loglik(mean: float, total: float) -> float:
    """n [ȳ log ȳ + (1 − ȳ) log(1 − ȳ)], the intercept-only maximum."""
    return total * (mean * np.log(mean) + (1.0 - mean) * np.log1p(-mean))


def multinomial_fit_statistics(
    objective: MultinomialObjective, coef: NDArray, keep_matrices: bool = False
) -> FitStatistics:
    """:class:`FitStatistics` of a softmax fit, for the free coefficients θ of the objective.

    ℓ = −Σ sᵢ [logsumexp(zᵢ) − zᵢ,yᵢ]; ℓ₀ = Σₖ nₖ log(nₖ/n) (the intercept-only fit,
    nₖ the weighted class counts), or −n log K without an intercept; I = Σs ∇²J and
    M = Σᵢ sᵢ gᵢgᵢᵀ, gᵢ the score of sample i over θ (block (k, m): X̃ᵀ diag(s ⊙ rₖrₘ) X̃
    with r = P − Y). I (with the ridge part of the penalty, as for two classes) and M are
    computed for at most 2000 coefficients; for the symmetric parameterisation (penalised
    fits) also only when n·k² ≤ 10⁹, as for two classes, unless ``keep_matrices`` asks for
    them (a summary given the data).
    """
    design, y, s = objective.design, objective.y, objective.sample_weight
    total = float(s.sum())
    loss, derivative = objective.datafit.loss_and_derivative(
        y, objective._logits(coef, None, design)
    )
    loglik = -float(np.dot(s, loss))
    if design.fit_intercept:
        counts = np.bincount(y, weights=s, minlength=objective.n_classes)
        counts = counts[counts > 0]
        null_loglik = float(np.dot(counts, np.log(counts / total)))
    else:
        null_loglik = -total * np.log(objective.n_classes)
    information = score_outer = None
    k = objective.n_params
    if k <= MAX_MATRIX_PARAMS and (
        keep_matrices
        or objective.reference is not None
        or design.n_samples * k**2 <= MAX_MATRIX_WORK
    ):
        information = objective.hessian(coef) * total
        residual = derivative[:, objective.free]
        width, n_outputs = design.n_params, objective.n_outputs
        score_outer = np.empty_like(information)
        for k in range(n_outputs):
            for m in range(k, n_outputs):
                block = design.weighted_gram(s * residual[:, k] * residual[:, m])
                score_outer[k * width : (k + 1) * width, m * width : (m + 1) * width] = block
                score_outer[m * width : (m + 1) * width, k * width : (k + 1) * width] = block.T
    return FitStatistics(loglik, null_loglik, total, information, score_outer)
