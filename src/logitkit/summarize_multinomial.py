"""The :class:`~logitkit.summary.Summary` of an unpenalised fit with K ≥ 3 classes.

The coefficients are θ = (b_k, w_k) of every class k but the reference r, log-odds against it:
log P(y = k | x)/P(y = r | x) = b_k + w_kᵀx. With the information I and meat M of
:func:`logitkit.statistics.multinomial_fit_statistics` over θ, the covariances are those of
:func:`logitkit.inference.covariance` (nonrobust, HC0, HC1, cluster), the cluster scores
u_g = Σ_{i∈g} sᵢ (Y − P)ᵢ,ₖ x̃ᵢ class by class. The table is indexed by (class, term), as
statsmodels' ``MNLogit`` orders its parameters.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from .inference import cluster_score_sums, covariance, wald_table
from .multinomial import MultinomialObjective
from .statistics import multinomial_fit_statistics
from .summary import Summary

if TYPE_CHECKING:
    from .estimator import LogisticRegression


def summarize_multinomial(
    model: LogisticRegression,
    objective: MultinomialObjective | None,
    *,
    cov_type: str,
    groups: ArrayLike | None,
    ci: str,
    level: float,
    target: str | None,
) -> Summary:
    """The Summary of ``model`` (checked arguments: see :func:`logitkit.summarize.summarize`)."""
    if model.alpha != 0:
        raise ValueError(
            "summary() of a model with three or more classes needs an unpenalised fit "
            f"(alpha=0); this one has alpha={model.alpha:g}, whose symmetric parameterisation "
            "has no reference class to test against. Refit with alpha=0"
        )
    if ci == "profile":
        raise ValueError(
            "profile intervals are not available for multinomial models (three or more "
            "classes): use ci='wald'"
        )
    theta = model._params()
    information, score_outer = model.information_, model.score_outer_
    if information is None:
        if objective is None:
            raise ValueError(
                "this model has too many coefficients to keep its information matrix: "
                "pass X and y to summary()"
            )
        stats = multinomial_fit_statistics(objective, theta)
        information, score_outer = stats.information, stats.score_outer
    cluster_scores = None
    if cov_type == "cluster":
        cluster_scores = _cluster_scores(objective, theta, groups)
    try:
        cov = covariance(
            information,
            cov_type=cov_type,
            score_outer=score_outer,
            cluster_scores=cluster_scores,
            n_obs=model.n_obs_,
        )
    except ValueError as error:
        raise ValueError(
            f"standard errors do not exist: {error}. Drop a redundant column, merge a class "
            "that is separated from the others, or add a penalty (alpha > 0)"
        ) from None
    reference = model._reference_index()
    terms = model._term_names()
    pairs = [
        (_plain(label), term)
        for k, label in enumerate(model.classes_)
        if k != reference
        for term in terms
    ]
    table = wald_table(theta, cov, [f"{label}:{term}" for label, term in pairs], level)
    table.index = pd.MultiIndex.from_tuples(pairs, names=["class", "term"])
    return Summary(
        table=table,
        loglik=model.loglik_,
        null_loglik=model.null_loglik_,
        deviance=model.deviance_,
        null_deviance=model.null_deviance_,
        aic=model.aic_,
        bic=model.bic_,
        df_model=model.df_model_,
        df_resid=model.df_resid_,
        n_obs=model.n_obs_,
        converged=model.converged_,
        n_iter=model.n_iter_,
        solver=model.solver_,
        cov_type=cov_type,
        ci=ci,
        level=level,
        n_groups=None if cluster_scores is None else int(cluster_scores.shape[0]),
        target=target,
        reference=_plain(model.classes_[reference]),
    )


def _cluster_scores(
    objective: MultinomialObjective, theta: np.ndarray, groups: ArrayLike
) -> np.ndarray:
    """The G × len(θ) cluster score sums, class by class as θ is laid out."""
    design = objective.design
    _, derivative = objective.datafit.loss_and_derivative(
        objective.y, objective._logits(theta, None, design)
    )
    residual = -objective.sample_weight[:, None] * derivative[:, objective.free]
    return np.hstack(
        [
            cluster_score_sums(design.X, residual[:, k], groups, design.fit_intercept)
            for k in range(objective.n_outputs)
        ]
    )


def _plain(label: object) -> object:
    return label.item() if hasattr(label, "item") else label
