"""Hat values of a binary fit, and the checks every statistic built on them makes.

With prior weights sᵢ, p̂ᵢ = σ(x̃ᵢᵀθ̂), vᵢ = p̂ᵢ(1 − p̂ᵢ) and I = X̃ᵀ diag(s ⊙ v) X̃:

    hᵢ = sᵢ vᵢ x̃ᵢᵀ I⁻¹ x̃ᵢ,

the diagonal of the hat matrix W^½ X̃ I⁻¹ X̃ᵀ W^½ of the last IRLS step (R's ``hatvalues``,
statsmodels' ``hat_matrix_diag``), computed row by row in one pass over X
(:meth:`~logitkit.backends.design.Design.row_quadratic_forms`), never as an n × n matrix.
Σ hᵢ = k, the number of coefficients.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from ..core.functions import sigmoid
from ..core.objective import Objective
from ..core.record import FitRecord
from .covariance import covariance
from .statistics import information_matrices

__all__ = ["check_ml_fit", "hat_values", "inverse_information"]


def check_ml_fit(record: FitRecord, what: str, firth_allowed: bool = False) -> None:
    """Refuse a fit for which ``what`` is not defined: more than two classes, a penalised
    fit (the statistic is the maximum-likelihood fit's), Firth's fit (unless
    ``firth_allowed``), or a separated one (no finite estimate)."""
    if len(record.classes) != 2:
        raise ValueError(f"{what} are only for two classes; this model has {len(record.classes)}")
    if record.alpha > 0.0:
        raise ValueError(
            f"{what} need the maximum-likelihood fit, and this one is penalised "
            f"(alpha={record.alpha:g}): refit with alpha=0"
        )
    if record.firth and not firth_allowed:
        raise ValueError(
            f"{what} are not defined for Firth's fit: they approximate the change in the "
            "maximum-likelihood estimate when a row is dropped, and Firth's estimate solves "
            "other equations. Refit with firth=False"
        )
    if record.separation is not None and not record.firth:
        raise ValueError(
            f"{what} do not exist for this fit: {record.separation}, so the "
            "maximum-likelihood estimate is infinite. Refit with firth=True or a penalty"
        )


def inverse_information(record: FitRecord, objective: Objective) -> NDArray[np.float64]:
    """I⁻¹, from the record's I or (when the fit did not keep it) from the data."""
    information = record.information
    if information is None:
        information = information_matrices(objective, record.theta)[0]
    try:
        return covariance(information)
    except ValueError:
        raise ValueError(
            "the hat values do not exist: the information matrix is singular (collinear "
            "columns, or a constant column beside the intercept). Drop a redundant column"
        ) from None


def hat_values(record: FitRecord, objective: Objective, what: str) -> NDArray[np.float64]:
    """hᵢ = sᵢ vᵢ x̃ᵢᵀ I⁻¹ x̃ᵢ for every row; ``what`` names the statistic in refusals."""
    check_ml_fit(record, what, firth_allowed=True)
    z = np.asarray(objective.logits(record.theta), dtype=np.float64)
    weight = objective.sample_weight * sigmoid(z) * sigmoid(-z)
    forms = objective.design.row_quadratic_forms(inverse_information(record, objective))
    return np.asarray(weight * forms, dtype=np.float64)
