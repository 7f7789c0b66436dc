"""Influence measures of a binary maximum-likelihood fit, as R's ``influence.measures``.

With the hat values hᵢ (:mod:`logitkit.inference.leverage`), the deviance and Pearson residuals
r_Dᵢ, r_Pᵢ (:mod:`logitkit.inference.residuals`), k coefficients and n the rows of positive
weight:

    dfbetaᵢ   = I⁻¹ x̃ᵢ sᵢ(yᵢ − p̂ᵢ)/(1 − hᵢ)          one-step β̂ − β̂₍₋ᵢ₎ (R's dfbeta,
                                                     statsmodels' d_params)
    Cook's Dᵢ = r_Pᵢ² hᵢ / (k (1 − hᵢ)²)
    σ₍₋ᵢ₎     = √((Σⱼ r_Dⱼ² − r_Dᵢ²/(1 − hᵢ)) / (n − k − 1)),   σ = √(Σⱼ r_Dⱼ² / (n − k))
    dfbetasᵢⱼ = dfbetaᵢⱼ / (σ₍₋ᵢ₎ √(I⁻¹)ⱼⱼ)
    dffitᵢ    = r_Dᵢ √hᵢ / (σ₍₋ᵢ₎ (1 − hᵢ))
    cov.rᵢ    = (σ₍₋ᵢ₎/σ)^(2k) / (1 − hᵢ)

A row is ``influential`` when any of R's rules flags it: some |dfbetasᵢⱼ| > 1,
|dffitᵢ| > 3√(k/(n − k)), |1 − cov.rᵢ| > 3k/(n − k), F_{k, n−k}(Dᵢ) > 0.5, or hᵢ > 3k/n.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import fdtr

from ..core.functions import sigmoid
from ..core.objective import Objective
from ..core.record import FitRecord
from .leverage import check_ml_fit, hat_values, inverse_information
from .residuals import plain_residuals

__all__ = ["influence_table"]

_WHAT = "influence measures"

_BLOCK_ENTRIES = 1 << 18
"""Entries of dfbeta per block when its rows are checked against R's dfbetas rule."""


def influence_table(record: FitRecord, objective: Objective, index: pd.Index) -> pd.DataFrame:
    """The influence measures of every row, indexed by ``index``: hat, cooks_distance,
    standardized_deviance, standardized_pearson, studentized, dfbeta_<term> for every term,
    and influential (R's rules, see the module docstring)."""
    check_ml_fit(record, _WHAT)
    z = np.asarray(objective.logits(record.theta), dtype=np.float64)
    y = np.asarray(objective.y, dtype=np.float64)
    s = objective.sample_weight
    deviance = plain_residuals(y, z, s, "deviance")
    pearson = plain_residuals(y, z, s, "pearson")
    hat = hat_values(record, objective, _WHAT)
    inverse = inverse_information(record, objective)
    k = record.n_params
    n = int(np.count_nonzero(hat > 0.0))
    if n <= k + 1:
        raise ValueError(
            f"{_WHAT} need more rows than coefficients plus one: {n} rows of positive weight "
            f"for {k} coefficients"
        )
    with np.errstate(divide="ignore", invalid="ignore"):
        leave = 1.0 - hat
        step = s * (y - sigmoid(z)) / leave
        dfbeta = np.asarray(objective.design.linear_predictor(inverse), dtype=np.float64)
        dfbeta *= step[:, None]
        del step
        cooks = pearson**2 * hat / (k * leave**2)
        total = float(np.sum(deviance**2))
        sigma_out = np.sqrt(np.maximum(total - deviance**2 / leave, 0.0) / (n - k - 1))
        sigma = np.sqrt(total / (n - k))
        dffit = deviance * np.sqrt(hat) / (sigma_out * leave)
        cov_ratio = (sigma_out / sigma) ** (2 * k) / leave
        studentized = np.sign(deviance) * np.sqrt(deviance**2 + hat * pearson**2 / leave)
        flagged = (
            _dfbetas_exceed_one(dfbeta, sigma_out, np.sqrt(np.diag(inverse)))
            | (np.abs(dffit) > 3.0 * np.sqrt(k / (n - k)))
            | (np.abs(1.0 - cov_ratio) > 3.0 * k / (n - k))
            | (fdtr(k, n - k, cooks) > 0.5)
            | (hat > 3.0 * k / n)
        )
        measures = pd.DataFrame(
            {
                "hat": hat,
                "cooks_distance": cooks,
                "standardized_deviance": deviance / np.sqrt(leave),
                "standardized_pearson": pearson / np.sqrt(leave),
                "studentized": studentized,
            },
            index=index,
            copy=False,
        )
    dfbetas = pd.DataFrame(
        dfbeta,
        index=index,
        columns=[f"dfbeta_{name}" for name in record.term_names],
        copy=False,
    )
    flags = pd.DataFrame({"influential": flagged}, index=index, copy=False)
    return pd.concat([measures, dfbetas, flags], axis=1)


def _dfbetas_exceed_one(dfbeta: np.ndarray, sigma_out: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """Whether some |dfbetasᵢⱼ| = |dfbetaᵢⱼ| / (σ₍₋ᵢ₎ √(I⁻¹)ⱼⱼ) > 1 in row i, a block of rows at
    a time, so that no second n × k array is made beside dfbeta."""
    exceeds = np.empty(dfbeta.shape[0], dtype=bool)
    rows = max(1, _BLOCK_ENTRIES // max(dfbeta.shape[1], 1))
    with np.errstate(divide="ignore", invalid="ignore"):
        for start in range(0, dfbeta.shape[0], rows):
            block = slice(start, start + rows)
            largest = np.fmax.reduce(np.abs(dfbeta[block]) / scale, axis=1, initial=0.0)
            exceeds[block] = largest > sigma_out[block]
    return exceeds
