"""Model checking as in R: residuals, influence measures, prediction intervals, binned
residuals of a fitted binary model.

Each function takes a fitted :class:`~logitkit.LogisticRegression` (or a model from
:func:`logitkit.logit`) and the data it was fitted on (a formula model keeps its own), builds
the record and objective (:func:`~logitkit.models.build.diagnostics_data`) and hands them to
:mod:`logitkit.inference`, where the formulas live.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from sklearn.base import BaseEstimator

from ..core.functions import sigmoid
from ..inference.binned import binned_table
from ..inference.influence import influence_table
from ..inference.prediction import prediction_table
from ..inference.residuals import residual_values
from .build import diagnostics_data, prediction_design

__all__ = ["binned_residuals", "influence", "predict_interval", "residuals"]


def residuals(
    model: BaseEstimator,
    X: ArrayLike | None = None,
    y: ArrayLike | None = None,
    kind: str = "deviance",
    sample_weight: ArrayLike | None = None,
) -> pd.Series:
    """The residuals of a fitted binary model on its data, one per row.

    ``kind``: "response" (y − p̂), "pearson" (√s (y − p̂)/√(p̂(1 − p̂))), "deviance"
    (sign(y − p̂)·√(2 s L)), "working" ((y − p̂)/(p̂(1 − p̂))), as R's ``residuals.glm``;
    "standardized_deviance" and "standardized_pearson" (r/√(1 − h), R's ``rstandard``) and
    "studentized" (R's ``rstudent``). The last three need the maximum-likelihood fit.
    Returned as a Series indexed like X (a RangeIndex for arrays), named ``kind``.
    """
    record, objective, index = diagnostics_data(model, X, y, sample_weight)
    values = residual_values(record, objective, kind)
    return pd.Series(values, index=index, name=kind)


def influence(
    model: BaseEstimator,
    X: ArrayLike | None = None,
    y: ArrayLike | None = None,
    sample_weight: ArrayLike | None = None,
) -> pd.DataFrame:
    """R's ``influence.measures`` of a fitted binary maximum-likelihood model, one row per row
    of the data: hat, cooks_distance, standardized_deviance, standardized_pearson,
    studentized, dfbeta_<term> (the one-step change β̂ − β̂₍₋ᵢ₎) and influential (flagged by
    any of R's rules)."""
    record, objective, index = diagnostics_data(model, X, y, sample_weight)
    return influence_table(record, objective, index)


def predict_interval(
    model: BaseEstimator,
    X: ArrayLike,
    level: float = 0.95,
    cov_type: str = "nonrobust",
) -> pd.DataFrame:
    """Predicted probabilities of new data with standard errors and confidence intervals.

    Columns prob (σ(η̂)), link (η̂ = x̃ᵀθ̂), se_link (√(x̃ᵀVx̃)), se_prob (p̂(1 − p̂)·se_link, the
    delta method of R's ``predict(type="response", se.fit=TRUE)``), ci_low and ci_high
    (σ(η̂ ∓ q·se_link)); V is the summary's covariance of ``cov_type`` ("nonrobust", "HC0" or
    "HC1"). A formula model takes the raw data.
    """
    design, index = prediction_design(model, X)
    return prediction_table(model.record_, design, index, level, cov_type)


def binned_residuals(
    model: BaseEstimator,
    X: ArrayLike | None = None,
    y: ArrayLike | None = None,
    bins: int | None = None,
    sample_weight: ArrayLike | None = None,
) -> pd.DataFrame:
    """arm's ``binned.resids``: the response residuals y − p̂ averaged in equal-count bins of
    p̂ (⌊√n⌋ bins by default), with each bin's ±2 standard-error band. A row of whole-number
    weight w counts as w rows."""
    record, objective, _ = diagnostics_data(model, X, y, sample_weight)
    weights = objective.sample_weight
    if not np.array_equal(weights, np.round(weights)):
        raise ValueError(
            "binned residuals count a row of weight w as w rows, so sample_weight must hold "
            "whole numbers"
        )
    counts = weights.astype(np.intp)
    fitted = np.repeat(sigmoid(np.asarray(objective.logits(record.theta), np.float64)), counts)
    labels = np.repeat(np.asarray(objective.y, dtype=np.float64), counts)
    return binned_table(fitted, labels - fitted, bins)
