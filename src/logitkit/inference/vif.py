"""Variance inflation factors, generalised to terms of several columns (Fox and Monette, 1992).

For a correlation matrix R of the coefficients (or columns) without the intercept and a term
whose columns are S,

    GVIF_S = det R_SS · det R_S̄S̄ / det R,

reported with its Df = |S| and GVIF^(1/(2·Df)), which is comparable across terms of different
sizes (for one column GVIF = VIF and GVIF^(1/2) the inflation of the standard error).

``basis="covariance"`` takes R = the correlation matrix of the covariance I⁻¹ of θ̂, as
car::vif does for a glm; ``basis="design"`` takes R = the (weighted) correlation matrix of the
columns of X, for which the VIF of a column is 1/(1 − R²ⱼ) of its regression on the others
with an intercept, statsmodels' ``variance_inflation_factor``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from ..core.objective import Objective
from ..core.record import FitRecord
from .check_inputs import (
    design_columns,
    parameter_covariance,
    require_binary,
    require_maximum_likelihood,
)

__all__ = ["VIF_BASES", "generalised_vif", "inflation_factors"]

VIF_BASES = ("covariance", "design")


def inflation_factors(
    record: FitRecord,
    objective: Objective | None,
    terms: dict[str, list[str]],
    basis: str = "covariance",
) -> pd.DataFrame:
    """A DataFrame indexed by term with gvif, df and gvif_adjusted = GVIF^(1/(2·Df))."""
    require_binary(record, "vif")
    if basis not in VIF_BASES:
        raise ValueError(f"basis must be one of {', '.join(map(repr, VIF_BASES))}; got {basis!r}")
    if not record.fit_intercept:
        raise ValueError(
            "variance inflation factors are defined for a model with an intercept (they "
            "measure correlation about the means); refit with fit_intercept=True"
        )
    if len(terms) < 2:
        raise ValueError(
            f"the model has {len(terms)} term: variance inflation needs at least two terms"
        )
    if basis == "covariance":
        require_maximum_likelihood(record, "vif(basis='covariance'), the covariance of θ̂,")
        matrix = parameter_covariance(record, objective)[1:, 1:]
    else:
        if objective is None:
            raise ValueError("vif(basis='design') needs X: pass the fitted X")
        matrix = np.cov(design_columns(objective), rowvar=False, aweights=objective.sample_weight)
    names = list(record.term_names[1:])
    positions = {name: i for i, name in enumerate(names)}
    rows = []
    for columns in terms.values():
        subset = [positions[name] for name in columns]
        value = generalised_vif(_correlation(matrix), subset)
        rows.append((value, len(subset), value ** (1.0 / (2.0 * len(subset)))))
    return pd.DataFrame(
        rows, index=pd.Index(list(terms), name="term"), columns=["gvif", "df", "gvif_adjusted"]
    )


def generalised_vif(correlation: NDArray, subset: list[int]) -> float:
    """det R_SS · det R_S̄S̄ / det R, by log-determinants."""
    rest = np.setdiff1d(np.arange(correlation.shape[0]), subset)
    parts = [
        np.linalg.slogdet(correlation[np.ix_(subset, subset)])[1],
        np.linalg.slogdet(correlation[np.ix_(rest, rest)])[1] if rest.size else 0.0,
        -np.linalg.slogdet(correlation)[1],
    ]
    return float(np.exp(sum(parts)))


def _correlation(matrix: NDArray) -> NDArray:
    """D⁻¹ C D⁻¹ with D = √diag C; ValueError for a constant column."""
    scale = np.sqrt(np.diag(matrix))
    if np.any(scale == 0.0):
        raise ValueError(
            "a column of X is constant, so its correlation with the others is undefined: drop it"
        )
    return matrix / np.outer(scale, scale)
