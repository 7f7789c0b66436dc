"""The :class:`~logitkit.inference.summary.Summary` of a fit with K ≥ 3 classes.

Unpenalised, the coefficients are θ = (b_k, w_k) of every class k but the reference r,
log-odds against it: log P(y = k | x)/P(y = r | x) = b_k + w_kᵀx. With the information I and
meat M of :func:`logitkit.inference.statistics.fit_statistics` over θ, the covariances are
those of :func:`logitkit.inference.covariance` (nonrobust, HC0, HC1, cluster), the cluster
scores u_g = Σ_{i∈g} sᵢ (Y − P)ᵢ,ₖ x̃ᵢ class by class. The table is indexed by (class, term),
as statsmodels' ``MNLogit`` orders its parameters.

Penalised (α > 0), θ holds all K classes (the symmetric parameterisation) and I is the
information of the penalised likelihood, I = Σs ∇²J = X̃ᵀ-blocks + nα(1 − ρ)I_w, as for two
classes (the L1 part adds nothing). The ridge part makes I non-singular along the weights;
the intercepts b_k are unpenalised and identified only up to a common shift u (I u = 0 = M u),
and they are reported centred, Σₖ b_k = 0. Their covariance is that of the estimate under this
constraint, the pseudo-inverse: with û = u/‖u‖ and c > 0, I⁺ = (I + c ûûᵀ)⁻¹ − ûûᵀ/c, and the
sandwich I⁺MI⁺ = (I + c ûûᵀ)⁻¹ M (I + c ûûᵀ)⁻¹.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from ..core.objective import Objective
from ..core.record import FitRecord
from ..core.validation import plain_label
from .covariance import covariance
from .intervals import wald_table
from .statistics import cluster_score_matrix, information_matrices
from .summary import Summary, fit_fields


def summarize_multinomial(
    record: FitRecord,
    objective: Objective | None,
    *,
    cov_type: str,
    groups: ArrayLike | None,
    ci: str,
    level: float,
    target: str | None,
) -> Summary:
    """The Summary of the fit ``record`` (checked arguments: see
    :func:`logitkit.inference.summarize.summarize`)."""
    symmetric = record.alpha != 0
    if symmetric and record.l1_ratio == 1:
        raise ValueError(
            "standard errors of a model with three or more classes and a pure L1 penalty "
            "(l1_ratio=1) do not exist: without a ridge part the information is singular "
            "along a common shift of every class's weights. Refit with l1_ratio < 1, or "
            "alpha=0 for reference-class log-odds"
        )
    if ci == "profile":
        raise ValueError(
            "profile intervals are not available for multinomial models (three or more "
            "classes): use ci='wald'"
        )
    theta = record.theta
    information, score_outer = record.information, record.score_outer
    if information is None:
        if objective is None:
            raise ValueError(
                "this model has too many coefficients to keep its information matrix: "
                "pass X and y to summary()"
            )
        information, score_outer = information_matrices(objective, theta)
    shift = None
    if symmetric and record.fit_intercept:
        n_classes = len(record.classes)
        shift = np.zeros(len(theta))
        shift[:: len(theta) // n_classes] = 1.0 / np.sqrt(n_classes)
        curvature = float(np.mean(np.diag(information)[shift > 0]))
        information = information + curvature * np.outer(shift, shift)
    cluster_scores = None
    if cov_type == "cluster":
        assert objective is not None and groups is not None  # refused by summarize without them
        cluster_scores = cluster_score_matrix(objective, theta, groups)
    try:
        cov = covariance(
            information,
            cov_type=cov_type,
            score_outer=score_outer,
            cluster_scores=cluster_scores,
            n_obs=record.n_obs,
        )
    except ValueError as error:
        raise ValueError(
            f"standard errors do not exist: {str(error).rstrip('.')}. "
            "Drop a redundant column, merge a class "
            "that is separated from the others, or add a penalty (alpha > 0)"
        ) from None
    if shift is not None and cov_type == "nonrobust":
        cov = cov - np.outer(shift, shift) / curvature
    reference = record.reference
    terms = record.term_names
    pairs = [
        (plain_label(label), term)
        for k, label in enumerate(record.classes)
        if k != reference
        for term in terms
    ]
    table = wald_table(theta, cov, [f"{label}:{term}" for label, term in pairs], level)
    table.index = pd.MultiIndex.from_tuples(pairs, names=["class", "term"])
    return Summary(
        table=table,
        **fit_fields(record),
        cov_type=cov_type,
        ci=ci,
        level=level,
        n_groups=None if cluster_scores is None else int(cluster_scores.shape[0]),
        target=target,
        penalty=f"alpha={record.alpha:g}, l1_ratio={record.l1_ratio:g}" if symmetric else None,
        reference=None if symmetric else plain_label(record.classes[reference]),
        symmetric=symmetric,
    )
