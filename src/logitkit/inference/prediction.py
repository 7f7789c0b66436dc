"""Predicted probabilities with standard errors and intervals, as R's ``predict.glm`` and
statsmodels' ``get_prediction``.

For a row x̃ of new data, the fit θ̂ and its covariance V (:func:`~.covariance.covariance`,
the summary's: I⁻¹, or a sandwich):

    link     η̂ = x̃ᵀθ̂,               se_link = √(x̃ᵀ V x̃)
    prob     p̂ = σ(η̂),              se_prob = p̂(1 − p̂) · se_link      (the delta method)
    interval σ(η̂ ∓ q · se_link),   q = Φ⁻¹(1 − (1 − level)/2)

The interval is that of the linear predictor mapped through σ (statsmodels' "endpoint"
method): it stays inside (0, 1), unlike p̂ ∓ q · se_prob. The quadratic forms x̃ᵀVx̃ come from
one pass over the rows (:meth:`~logitkit.backends.design.Design.row_quadratic_forms`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import norm

from ..backends.design import Design
from ..core.functions import sigmoid
from ..core.record import FitRecord
from .check_inputs import require_binary
from .covariance import check_level, covariance

__all__ = ["PREDICTION_COV_TYPES", "prediction_table"]

PREDICTION_COV_TYPES = ("nonrobust", "HC0", "HC1")


def prediction_table(
    record: FitRecord, design: Design, index: pd.Index, level: float, cov_type: str
) -> pd.DataFrame:
    """prob, link, se_link, se_prob, ci_low, ci_high for every row of ``design``, indexed by
    ``index``; refuses more than two classes, an L1 penalty, separation and a fit that did not
    keep its information matrix."""
    level = check_level(level)
    if cov_type not in PREDICTION_COV_TYPES:
        extra = (
            " (cluster-robust intervals need the fit's clusters: compute them from "
            "model.summary(cov_type='cluster'))"
            if cov_type == "cluster"
            else ""
        )
        raise ValueError(
            f"cov_type must be one of {', '.join(map(repr, PREDICTION_COV_TYPES))}; got "
            f"{cov_type!r}{extra}"
        )
    require_binary(record, "predict_interval")
    if record.alpha * record.l1_ratio > 0.0:
        raise ValueError(
            "predict_interval needs a smooth likelihood for its standard errors, and an L1 "
            f"penalty (alpha={record.alpha:g}, l1_ratio={record.l1_ratio:g}) has none: refit "
            "with alpha=0"
        )
    if record.separation is not None and not record.firth:
        raise ValueError(
            f"predict_interval has no finite standard errors for this fit: "
            f"{record.separation}. Refit with firth=True or a penalty"
        )
    if record.information is None or record.score_outer is None:
        raise ValueError(
            "this fit did not keep its information matrix (too many coefficients or rows): "
            "predict_interval cannot compute standard errors for it"
        )
    try:
        cov = covariance(
            record.information,
            cov_type=cov_type,
            score_outer=record.score_outer,
            n_obs=record.n_obs,
        )
    except ValueError as error:
        raise ValueError(f"standard errors do not exist: {error}") from None
    link = np.asarray(design.linear_predictor(record.theta), dtype=np.float64)
    se_link = np.sqrt(np.maximum(design.row_quadratic_forms(cov), 0.0))
    prob = sigmoid(link)
    half = norm.ppf(0.5 + level / 2.0) * se_link
    return pd.DataFrame(
        {
            "prob": prob,
            "link": link,
            "se_link": se_link,
            "se_prob": prob * sigmoid(-link) * se_link,
            "ci_low": sigmoid(link - half),
            "ci_high": sigmoid(link + half),
        },
        index=index,
    )
