"""What a fit leaves for inference: the log-likelihoods and the small p×p matrices.

With frequency weights sᵢ, fitted ŷᵢ = σ(x̃ᵢᵀθ̂) and n = Σ sᵢ observations:

    ℓ   = Σ sᵢ [yᵢ log ŷᵢ + (1 − yᵢ) log(1 − ŷᵢ)]          (log-likelihood; deviance −2ℓ)
    ℓ₀  = the same with every ŷᵢ = ȳ (intercept only), or ½ without an intercept
    I   = X̃ᵀ diag(s ⊙ ŷ(1 − ŷ)) X̃ + n α(1 − ρ) I_w         (information of the penalised fit)
    M   = X̃ᵀ diag(s ⊙ (y − ŷ)²) X̃                           (the sandwich's meat, HC0)

and for the softmax ℓ = −Σ sᵢ [logsumexp(zᵢ) − zᵢ,yᵢ], ℓ₀ = Σₖ nₖ log(nₖ/n) (−n log K without
an intercept), I = Σs ∇²J and M with blocks X̃ᵀ diag(s ⊙ rₖrₘ) X̃, r = P − Y.

A row of weight w counts as w identical rows in each of them, so integer weights give the
numbers of the data with rows repeated.
"""

from __future__ import annotations

from dataclasses import dataclass

from numpy.typing import ArrayLike, NDArray

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


def fit_statistics(
    objective: Objective, coef: NDArray, keep_matrices: bool = False
) -> FitStatistics:
    """Evaluate :class:`FitStatistics` for the fitted coefficients θ̂, for any number of classes.

    ℓ = −Σs · (data term of J) (without Firth's term or the penalty), ℓ₀ from the datafit
    (:meth:`~logitkit.core.datafits.Bernoulli.null_loglik`); I and M when k ≤ 2000 and
    n·k² ≤ 10⁹, or whenever ``keep_matrices`` asks for them (a summary given the data). Over a
    design read by passes (Dask) they are kept up to k ≤ 2000 whatever n: both come from one
    pass, which a later summary would otherwise have to make.
    """
    total = objective.total_weight
    loglik = fitted_loglik(objective, coef)
    information = score_outer = None
    if matrices_kept(objective, keep_matrices):
        information, score_outer = information_matrices(objective, coef)
    return FitStatistics(loglik, objective.null_loglik(), total, information, score_outer)


def fitted_loglik(objective: Objective, coef: NDArray) -> float:
    """ℓ = −Σs · (data term of J) at θ, from the fused sums at θ where they apply
    (:meth:`~logitkit.core.objective.Objective.fused_sums`: kept from the fit's last pass at θ,
    or made), else from the data term's own evaluation: the same bits whatever the
    evaluations before it, so ``fit`` and a ``partial_fit`` stream agree to the bit."""
    sums = objective.fused_sums(coef)
    data = sums.value if sums is not None else objective.data_term(coef)
    return -objective.total_weight * data


def matrices_kept(objective: Objective, keep_matrices: bool = False) -> bool:
    """Whether :func:`fit_statistics` evaluates I and M: for k ≤ 2000 coefficients, when
    n·k² ≤ 10⁹, ``keep_matrices`` asks for them, or the design is read by passes."""
    k = objective.n_params
    return k <= MAX_MATRIX_PARAMS and (
        keep_matrices
        or not objective.design.holds_rows
        or objective.design.n_samples * k**2 <= MAX_MATRIX_WORK
    )


def information_matrices(objective: Objective, coef: NDArray) -> tuple[NDArray, NDArray]:
    """I (of the penalised fit) and M at θ, on the scale of sums over the n observations.

    M = Σᵢ sᵢ gᵢgᵢᵀ, gᵢ the score of sample i over θ: block (k, m) is X̃ᵀ diag(s ⊙ rₖrₘ) X̃ with
    r = ∂L/∂η (ŷ − y for two classes, P − Y over the modelled classes for the softmax). Where
    the objective's fused pass applies, both come from one pass over X
    (:meth:`~logitkit.core.objective.Objective.fused_sums`), without n-long temporaries.
    """
    objective.fused_sums(coef, hessian=True, score_outer=True)
    information = objective.hessian(coef) * objective.total_weight
    return information, objective.score_outer(coef)


def cluster_score_matrix(objective: Objective, coef: NDArray, groups: ArrayLike) -> NDArray:
    """The G × len(θ) cluster score sums u_g = Σ_{i∈g} −sᵢ rᵢ ⊗ x̃ᵢ, r = ∂L/∂η (ŷ − y, or
    P − Y over the modelled classes), laid out output by output as θ is (one pass over a
    design read by passes, after one over the labels)."""
    return objective.cluster_scores(coef, groups)
