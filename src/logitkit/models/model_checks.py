"""The public model checks: gather a fitted model's record, data and terms, and call inference.

``marginal_effects``, ``goodness_of_fit``, ``vif`` and ``anova`` take a fitted
:class:`~logitkit.LogisticRegression` (or a model from :func:`logitkit.logit`) and the data
it was fitted on; a formula model uses the data it kept when X is not given. The statistics
themselves are in :mod:`logitkit.inference` and read the record and an Objective only.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from sklearn.utils.validation import check_is_fitted

from ..core.objective import Objective
from ..core.record import FitRecord
from ..inference.anova import AnovaTable, analysis_of_deviance
from ..inference.fit_quality import GoodnessOfFit, fit_quality
from ..inference.margins import marginal_effects as effects_of
from ..inference.vif import inflation_factors
from .build import build_objective, refuse_rows_elsewhere

__all__ = ["anova", "goodness_of_fit", "marginal_effects", "vif"]


def marginal_effects(
    model: Any,
    X: ArrayLike | None = None,
    y: ArrayLike | None = None,
    at: str = "overall",
    method: str = "dydx",
    dummy: bool = False,
    count: bool = False,
    cov_type: str = "nonrobust",
    level: float = 0.95,
    sample_weight: ArrayLike | None = None,
    groups: ArrayLike | None = None,
) -> pd.DataFrame:
    """Marginal effects with delta-method errors, as statsmodels' ``get_margeff`` (see
    :mod:`logitkit.inference.margins`): a DataFrame indexed by term with effect, std_err,
    z, p_value, ci_low, ci_high. ``groups`` gives the clusters of ``cov_type="cluster"`` (a
    formula model's own groups by default)."""
    record, objective, kept_groups = _fitted_data(model, X, y, sample_weight, "marginal_effects")
    return effects_of(
        record,
        objective,
        at=at,
        method=method,
        dummy=dummy,
        count=count,
        cov_type=cov_type,
        groups=kept_groups if groups is None else groups,
        level=level,
    )


def goodness_of_fit(
    model: Any,
    X: ArrayLike | None = None,
    y: ArrayLike | None = None,
    groups: int = 10,
    sample_weight: ArrayLike | None = None,
) -> GoodnessOfFit:
    """Hosmer–Lemeshow test (``groups`` quantile groups of p̂), pseudo-R², Brier score, AUC with
    DeLong's interval, log loss and the classification table (see
    :mod:`logitkit.inference.fit_quality`)."""
    record, objective, _ = _fitted_data(model, X, y, sample_weight, "goodness_of_fit")
    return fit_quality(record, objective, groups=groups, response=_response_name(model, y))


def vif(model: Any, X: ArrayLike | None = None, basis: str = "covariance") -> pd.DataFrame:
    """Variance inflation factors per term (GVIF for a term of several columns), as car::vif
    (``basis="covariance"``) or from the columns of X as statsmodels'
    ``variance_inflation_factor`` (``basis="design"``); see :mod:`logitkit.inference.vif`."""
    check_is_fitted(model)
    record = model.record_
    objective = None
    if X is not None or getattr(model, "formula_data_", None) is not None:
        if X is None:
            X = model.formula_data_.X
        placeholder = np.repeat(record.classes[:1], _n_rows(X))
        objective = build_objective(model, X, placeholder, None, reset=False)
        refuse_rows_elsewhere(objective, "vif()")
    return inflation_factors(record, objective, _terms(model, record), basis=basis)


def anova(
    model: Any,
    X: ArrayLike | None = None,
    y: ArrayLike | None = None,
    type: int = 2,
    test: str = "LR",
    sample_weight: ArrayLike | None = None,
) -> AnovaTable:
    """The analysis-of-deviance table of car::Anova (type II or III likelihood-ratio tests),
    one row per term; see :mod:`logitkit.inference.anova`."""
    record, objective, _ = _fitted_data(model, X, y, sample_weight, "anova")
    return analysis_of_deviance(
        record,
        objective,
        _terms(model, record),
        type=type,
        test=test,
        response=_response_name(model, y),
    )


def _fitted_data(
    model: Any,
    X: ArrayLike | None,
    y: ArrayLike | None,
    sample_weight: ArrayLike | None,
    what: str,
) -> tuple[FitRecord, Objective, ArrayLike | None]:
    """The record, J over the fitted data and the formula's groups: the data given, or a
    formula model's own; refused when they are not the fitted observations."""
    check_is_fitted(model)
    formula_data = getattr(model, "formula_data_", None)
    groups = None
    if X is None and y is None and formula_data is not None:
        X, y, sample_weight = formula_data.X, formula_data.y, formula_data.sample_weight
        groups = formula_data.groups
    if X is None or y is None:
        raise ValueError(
            f"{what}() needs the data the model was fitted on: pass X and y (and "
            "sample_weight), or fit with logitkit.logit(formula, data), which keeps them"
        )
    record = model.record_
    objective = build_objective(model, X, y, sample_weight, reset=False)
    refuse_rows_elsewhere(objective, f"{what}()")
    loglik = -objective.data_term(record.theta) * objective.total_weight
    if not (
        np.isclose(objective.total_weight, record.n_obs)
        and np.isclose(loglik, record.loglik, rtol=1e-8, atol=1e-8)
    ):
        raise ValueError(
            f"{what}() needs the data the model was fitted on, and these differ from them "
            f"(n = {objective.total_weight:g} and log-likelihood {loglik:.6g} here; "
            f"the fit had n = {record.n_obs:g} and {record.loglik:.6g}): pass the fitted X, "
            "y and sample_weight"
        )
    return record, objective, groups


def _terms(model: Any, record: FitRecord) -> dict[str, list[str]]:
    """Term → its coefficient names: a formula's terms (a categorical is one term of several
    columns; the intercept left out), else one term per feature."""
    formula_data = getattr(model, "formula_data_", None)
    features = list(record.term_names[int(record.fit_intercept) :])
    if formula_data is None:
        return {name: [name] for name in features}
    spec = formula_data.model_spec
    names = [str(name) for name in spec.column_names]
    terms = {}
    for term, indices in spec.term_indices.items():
        columns = [names[i] for i in indices if names[i] in features]
        if columns:
            terms[str(term)] = columns
    return terms


def _response_name(model: Any, y: ArrayLike | None) -> str | None:
    """The formula's left-hand side, or the name of a named y."""
    formula_data = getattr(model, "formula_data_", None)
    if formula_data is not None:
        return str(formula_data.formula.split("~")[0].strip())
    name = getattr(y, "name", None)
    return None if name is None else str(name)


def _n_rows(X: ArrayLike) -> int:
    """The number of rows of X."""
    shape = getattr(X, "shape", None)
    return int(shape[0]) if shape is not None else len(np.asarray(X))
