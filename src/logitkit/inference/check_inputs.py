"""What every model check needs first: a binary fit, the right kind of fit, the covariance.

The checks (marginal effects, goodness of fit, VIF, analysis of deviance) read a
:class:`~logitkit.core.record.FitRecord` and the fitted data as an
:class:`~logitkit.core.objective.Objective`; these helpers refuse what a check cannot do, and
give the covariance V of θ̂ (see :mod:`logitkit.inference.covariance`) and the columns of X.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..core.objective import Objective
from ..core.record import FitRecord
from .covariance import COV_TYPES, covariance
from .statistics import cluster_score_matrix, information_matrices

__all__ = [
    "design_columns",
    "parameter_covariance",
    "require_binary",
    "require_finite_estimate",
    "require_maximum_likelihood",
]


def require_binary(record: FitRecord, what: str) -> None:
    """ValueError unless the fit has two classes."""
    if len(record.classes) != 2:
        raise ValueError(
            f"{what}: defined for two classes only, and this model has {len(record.classes)} "
            f"({', '.join(map(str, record.classes.tolist()))}). Fit one binary model per class "
            "against the rest to check each"
        )


def require_maximum_likelihood(record: FitRecord, what: str, firth: bool = True) -> None:
    """ValueError for a penalised fit (and, when ``firth`` is False, for Firth's fit): ``what``
    needs the maximum-likelihood estimate."""
    if record.alpha > 0:
        raise ValueError(
            f"{what}: needs the maximum-likelihood fit, and this one is penalised "
            f"(alpha={record.alpha:g}). Refit with alpha=0"
        )
    if record.firth and not firth:
        raise ValueError(
            f"{what}: not defined for Firth's penalised likelihood (firth=True), whose estimate "
            "solves other equations than the maximum-likelihood fit these statistics describe. "
            "Refit with firth=False"
        )


def require_finite_estimate(record: FitRecord, what: str) -> None:
    """ValueError for a separated maximum-likelihood fit: its estimate is infinite."""
    if record.separation is not None and not record.firth:
        raise ValueError(
            f"{what}: does not exist for this fit: {record.separation}, so the "
            "maximum-likelihood estimate is infinite. Refit with firth=True or a penalty"
        )


def parameter_covariance(
    record: FitRecord,
    objective: Objective | None,
    cov_type: str = "nonrobust",
    groups: ArrayLike | None = None,
) -> NDArray:
    """V of θ̂: I⁻¹ (nonrobust), the sandwich (HC0, HC1) or the cluster sandwich (with
    ``groups``), from the record's I and M or, when it did not keep them, from the data."""
    if cov_type not in COV_TYPES:
        raise ValueError(
            f"cov_type must be one of {', '.join(map(repr, COV_TYPES))}; got {cov_type!r}"
        )
    if cov_type == "cluster" and groups is None:
        raise ValueError("cov_type='cluster' needs groups: one cluster label per sample")
    theta = record.theta
    information, score_outer = record.information, record.score_outer
    if (information is None or cov_type == "cluster") and objective is None:
        raise ValueError("this covariance needs the fitted data: pass X and y (and sample_weight)")
    if information is None:
        assert objective is not None
        information, score_outer = information_matrices(objective, theta)
    cluster_scores = None
    if cov_type == "cluster":
        assert groups is not None and objective is not None
        cluster_scores = cluster_score_matrix(objective, theta, groups)
    try:
        return covariance(
            information,
            cov_type=cov_type,
            score_outer=score_outer,
            cluster_scores=cluster_scores,
            n_obs=record.n_obs,
        )
    except ValueError as error:
        raise ValueError(
            f"the covariance of the estimate does not exist: {error}. Drop a redundant "
            "column, or refit"
        ) from None


def design_columns(objective: Objective) -> NDArray:
    """X as an n × p float64 array, column j read as X̃eⱼ₊₁ through the design's products
    (the intercept's column of ones left out)."""
    design = objective.design
    start = int(design.fit_intercept)
    columns = []
    for j in range(start, design.n_params):
        unit = np.zeros(design.n_params)
        unit[j] = 1.0
        columns.append(design.linear_predictor(unit))
    return np.column_stack(columns)
