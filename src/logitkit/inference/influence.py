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
A row of leverage hᵢ = 1 gets infinite measures, or NaN where 0 · ∞ arises, as in R; a
σ₍₋ᵢ₎² below zero (one row carrying nearly all the deviance) is taken as 0, which flags the
row; neither warns.

The table is the one n × (k + 5) float64 array the result holds (and its column of flags),
filled a block of rows R at a time: the block's design gives A_R = X̃_R I⁻¹, from which
dfbeta_R = A_R ⊙ s(y − p̂)/(1 − h) is written into the table's columns, and the quadratic
forms of hᵢ (:meth:`~logitkit.backends.design.Design.row_quadratic_forms`, which forms X_R I⁻¹
again: the Design protocol hands out products, not rows, and a block's second product is
cheap while the block is in cache); p̂ᵢ and 1 − p̂ᵢ come from one exponential
(:func:`~logitkit.inference.leverage.fitted_probabilities`). Besides the table only the
logits (one n-vector) and one block's temporaries are held: no n × k array. A second pass
over the table, once n is known, gives σ₍₋ᵢ₎ and the flags.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy.special import fdtr

from ..backends.base import single_blas_thread
from ..core.objective import Objective
from ..core.record import FitRecord
from .leverage import check_ml_fit, fitted_probabilities, inverse_information
from .residuals import plain_residuals

__all__ = ["influence_table"]

_WHAT = "influence measures"

_MEASURES = (
    "hat",
    "cooks_distance",
    "standardized_deviance",
    "standardized_pearson",
    "studentized",
)
"""The table's first columns, before dfbeta_<term> for every term."""

_HAT, _COOKS, _DEVIANCE, _PEARSON, _STUDENTIZED = range(len(_MEASURES))

_BLOCK_ENTRIES = 1 << 16
"""Entries of dfbeta per block of rows (512 KiB of float64): a block's temporaries stay below
one n-vector from a few thousand rows on. Its products run with BLAS on one thread: on two
loaded cores the 64 blocks of a 200,000 × 20 X took 0.5 s with two OpenBLAS threads and
14 ms with one."""


def influence_table(record: FitRecord, objective: Objective, index: pd.Index) -> pd.DataFrame:
    """The influence measures of every row, indexed by ``index``: hat, cooks_distance,
    standardized_deviance, standardized_pearson, studentized, dfbeta_<term> for every term,
    and influential (R's rules, see the module docstring)."""
    check_ml_fit(record, _WHAT)
    z = np.asarray(objective.logits(record.theta), dtype=np.float64)
    inverse = inverse_information(record, objective)
    k = record.n_params
    table = np.empty((z.shape[0], len(_MEASURES) + k), order="F")
    step = max(1, _BLOCK_ENTRIES // k)
    blocks = [slice(start, start + step) for start in range(0, z.shape[0], step)]
    with single_blas_thread():
        for rows in blocks:
            _fill_rows(table, rows, objective, z[rows], inverse)
    del z
    n = int(np.count_nonzero(table[:, _HAT] > 0.0))
    if n <= k + 1:
        raise ValueError(
            f"{_WHAT} need more rows than coefficients plus one: {n} rows of positive weight "
            f"for {k} coefficients"
        )
    deviance = table[:, _DEVIANCE]
    total = float(np.dot(deviance, deviance))
    scale = np.sqrt(np.diag(inverse))
    flagged = np.empty(table.shape[0], dtype=bool)
    for rows in blocks:
        flagged[rows] = _flag_rows(table[rows], total, n, k, scale)
    measures = pd.DataFrame(
        table,
        index=index,
        columns=[*_MEASURES, *(f"dfbeta_{name}" for name in record.term_names)],
        copy=False,
    )
    measures["influential"] = flagged
    return measures


def _fill_rows(
    table: NDArray[np.float64],
    rows: slice,
    objective: Objective,
    z: NDArray[np.float64],
    inverse: NDArray[np.float64],
) -> None:
    """Write the rows ``rows`` (logits z) of every column but influential: hᵢ = sᵢ vᵢ x̃ᵢᵀ I⁻¹ x̃ᵢ,
    Cook's Dᵢ, r_Pᵢ/√(1 − hᵢ), the studentized residual and dfbetaᵢ, and r_Dᵢ itself in the
    column of r_Dᵢ/√(1 − hᵢ) (divided by :func:`_flag_rows`, which needs r_Dᵢ)."""
    part = objective.design.take(rows)
    y = np.asarray(objective.y[rows], dtype=np.float64)
    s = objective.sample_weight[rows]
    deviance = plain_residuals(y, z, s, "deviance")
    pearson = plain_residuals(y, z, s, "pearson")
    probability, complement = fitted_probabilities(z)
    hat = s * probability * complement * part.row_quadratic_forms(inverse)
    leave = 1.0 - hat
    k = inverse.shape[0]
    with np.errstate(divide="ignore", invalid="ignore"):
        step = s * (y - probability) / leave
        np.multiply(
            part.linear_predictor(inverse), step[:, None], out=table[rows, len(_MEASURES) :]
        )
        table[rows, _COOKS] = pearson**2 * hat / (k * leave**2)
        table[rows, _PEARSON] = pearson / np.sqrt(leave)
        table[rows, _STUDENTIZED] = np.sign(deviance) * np.sqrt(
            deviance**2 + hat * pearson**2 / leave
        )
    table[rows, _HAT] = hat
    table[rows, _DEVIANCE] = deviance


def _flag_rows(
    rows: NDArray[np.float64], total: float, n: int, k: int, scale: NDArray[np.float64]
) -> NDArray[np.bool_]:
    """Whether R's rules flag each of the table's ``rows`` (``total`` = Σⱼ r_Dⱼ²,
    ``scale`` = √(I⁻¹)ⱼⱼ), with σ₍₋ᵢ₎ from r_Dᵢ, which is then replaced by r_Dᵢ/√(1 − hᵢ):
    some |dfbetasᵢⱼ| = |dfbetaᵢⱼ| / (σ₍₋ᵢ₎ √(I⁻¹)ⱼⱼ) > 1, or the rule on dffitᵢ, cov.rᵢ, Dᵢ
    or hᵢ."""
    hat = rows[:, _HAT]
    deviance = rows[:, _DEVIANCE]
    leave = 1.0 - hat
    with np.errstate(divide="ignore", invalid="ignore"):
        sigma_out = np.sqrt(np.maximum(total - deviance**2 / leave, 0.0) / (n - k - 1))
        sigma = np.sqrt(total / (n - k))
        dffit = deviance * np.sqrt(hat) / (sigma_out * leave)
        cov_ratio = (sigma_out / sigma) ** (2 * k) / leave
        largest = np.fmax.reduce(np.abs(rows[:, len(_MEASURES) :]) / scale, axis=1, initial=0.0)
        rows[:, _DEVIANCE] = deviance / np.sqrt(leave)
    flagged = (
        (largest > sigma_out)
        | (np.abs(dffit) > 3.0 * np.sqrt(k / (n - k)))
        | (np.abs(1.0 - cov_ratio) > 3.0 * k / (n - k))
        | (fdtr(k, n - k, rows[:, _COOKS]) > 0.5)
        | (hat > 3.0 * k / n)
    )
    return np.asarray(flagged, dtype=bool)
