"""Hat values of a binary fit, and the checks every statistic built on them makes.

With prior weights sᵢ, p̂ᵢ = σ(x̃ᵢᵀθ̂), vᵢ = p̂ᵢ(1 − p̂ᵢ) and I = X̃ᵀ diag(s ⊙ v) X̃:

    hᵢ = sᵢ vᵢ x̃ᵢᵀ I⁻¹ x̃ᵢ,

the diagonal of the hat matrix W^½ X̃ I⁻¹ X̃ᵀ W^½ of the last IRLS step (R's ``hatvalues``,
statsmodels' ``hat_matrix_diag``), computed row by row in one pass over X
(:meth:`~logitkit.backends.design.Design.row_quadratic_forms`), never as an n × n matrix.
Σ hᵢ = k, the number of coefficients. p̂ᵢ and 1 − p̂ᵢ come from one exponential
(:func:`fitted_probabilities`).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from ..core.objective import Objective
from ..core.record import FitRecord
from .check_inputs import require_binary, require_finite_estimate, require_maximum_likelihood
from .covariance import covariance
from .statistics import information_matrices

__all__ = ["check_ml_fit", "fitted_probabilities", "hat_values", "inverse_information"]


def check_ml_fit(record: FitRecord, what: str, firth_allowed: bool = False) -> None:
    """Refuse a fit for which ``what`` is not defined: more than two classes, a penalised
    fit (the statistic is the maximum-likelihood fit's), Firth's fit (unless
    ``firth_allowed``), or a separated one (no finite estimate)."""
    require_binary(record, what)
    require_maximum_likelihood(record, what, firth=firth_allowed)
    require_finite_estimate(record, what)


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


def fitted_probabilities(
    z: NDArray[np.float64],
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """(p̂, 1 − p̂) = (σ(z), σ(−z)) from one e = e^(−|z|): the smaller of the two is e/(1 + e),
    the larger 1/(1 + e), so each keeps full relative accuracy in both tails and equals
    :func:`~logitkit.core.functions.sigmoid` of z and of −z to the last bit."""
    e = np.exp(-np.abs(z))
    larger = 1.0 / (1.0 + e)
    smaller = e / (1.0 + e)
    return np.where(z < 0, smaller, larger), np.where(z > 0, smaller, larger)


def hat_values(record: FitRecord, objective: Objective, what: str) -> NDArray[np.float64]:
    """hᵢ = sᵢ vᵢ x̃ᵢᵀ I⁻¹ x̃ᵢ for every row; ``what`` names the statistic in refusals."""
    check_ml_fit(record, what, firth_allowed=True)
    probability, complement = fitted_probabilities(
        np.asarray(objective.logits(record.theta), dtype=np.float64)
    )
    weight = objective.sample_weight * probability * complement
    forms = objective.design.row_quadratic_forms(inverse_information(record, objective))
    return np.asarray(weight * forms, dtype=np.float64)
