"""From what a user passes to what a fit minimises: validated data and the objective J.

:func:`build_objective` checks X, y and the weights, learns (or checks) the classes, and builds
J = datafit × penalty over a design: the Bernoulli datafit (with Firth's term for
``firth=True``) for two classes, the softmax for K ≥ 3 (against the reference class when
unpenalised), with the penalty α(ρ‖w‖₁ + (1 − ρ)/2 ‖w‖²) on every weight and never on an intercept.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from sklearn.base import BaseEstimator
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.validation import (
    _check_feature_names,
    _check_n_features,
    check_is_fitted,
    validate_data,
)

from ..backends.design import Design, is_dask_collection, make_design, sparse_when_mostly_zero
from ..core.datafits import datafit_for
from ..core.layout import penalised_mask
from ..core.objective import Objective
from ..core.penalties import ElasticNet
from ..core.record import FitRecord
from ..core.validation import (
    check_labels,
    check_numeric_columns,
    check_sample_weight,
    distinct_labels,
)
from ..inference.check_inputs import require_binary
from .dask_input import check_dask_features, dask_objective
from .input_checks import (
    check_classes,
    check_feature_names,
    check_magnitudes,
    plain_arrays,
    validated_arrays,
)
from .params import reference_index

__all__ = [
    "build_objective",
    "check_classes",
    "check_dask_features",
    "check_feature_names",
    "dask_objective",
    "diagnostics_data",
    "formula_input",
    "prediction_design",
    "refuse_rows_elsewhere",
    "row_index",
    "summary_data",
]


def build_objective(
    estimator: BaseEstimator,
    X: ArrayLike,
    y: ArrayLike,
    sample_weight: ArrayLike | None,
    reset: bool,
    params: Mapping[str, Any] | None = None,
) -> Objective:
    """Validate the data and build the cost J that ``estimator``'s parameters define over it.

    ``reset`` (a fit) learns ``classes_``, ``n_features_in_`` and ``feature_names_in_`` onto
    the estimator (through scikit-learn's ``validate_data``); otherwise (a summary given the
    fitted data) the features and labels must match the fitted ones. ``class_weight``
    multiplies each sample's weight by its class's. A Dask X (array or DataFrame) is validated
    without bringing its rows to the client (:func:`dask_objective`). ``params`` are the
    estimator's ``get_params()`` when the caller has them already (a fit has: a small fit
    spends no second call on them).
    """
    if is_dask_collection(X):
        return dask_objective(estimator, X, y, sample_weight, reset)
    if params is None:
        params = estimator.get_params()
    if not reset:
        X = formula_input(estimator, X)
    if plain_arrays(X, y):
        if not reset:
            _check_feature_names(estimator, X, reset=False)
        elif hasattr(estimator, "feature_names_in_"):
            del estimator.feature_names_in_  # an ndarray has no column names
        _check_n_features(estimator, X, reset=reset)
        X_valid, y_valid = np.asarray(X), np.asarray(y)
    else:
        X_valid, y_valid = validated_arrays(estimator, X, y, reset)
    if reset:
        check_feature_names(getattr(estimator, "feature_names_in_", None), params["fit_intercept"])
        estimator.classes_ = distinct_labels(y_valid)
        check_labels(estimator.classes_)
        check_classes(params, estimator.classes_, y_valid)
    else:
        unknown = np.setdiff1d(distinct_labels(y_valid), estimator.classes_)
        if unknown.size:
            raise ValueError(
                f"y has labels {unknown.tolist()} the model was not fitted on "
                f"(its classes are {estimator.classes_.tolist()})"
            )
    classes = estimator.classes_
    weights = check_sample_weight(sample_weight, X_valid.shape[0])
    if params["class_weight"] is not None:
        weights = weights * compute_sample_weight(params["class_weight"], y_valid)
    fit_intercept = params["fit_intercept"]
    design = make_design(X_valid, fit_intercept)
    maxima = design.column_abs_max()
    if not np.isfinite(maxima).all():
        validated_arrays(estimator, X, y, reset)  # NaN or inf in a plain X
    check_magnitudes(design, getattr(estimator, "feature_names_in_", None), maxima)
    design = sparse_when_mostly_zero(design)
    datafit = datafit_for(
        len(classes), reference_index(classes, params["alpha"], params["reference"])
    )
    mask = penalised_mask(design.n_params, datafit.n_outputs, fit_intercept)
    penalty = ElasticNet.with_mask(params["alpha"], params["l1_ratio"], mask)
    # Two classes: the indicator of the second, one byte a row beside the float labels made
    # from it (the indices searchsorted gives are the same 0 and 1 in eight bytes).
    labels = y_valid == classes[1] if len(classes) == 2 else np.searchsorted(classes, y_valid)
    return Objective(design, labels, weights, penalty, datafit, firth=bool(params["firth"]))


def formula_input(estimator: BaseEstimator, X: ArrayLike) -> ArrayLike:
    """X as the fitted design: a formula model (one with ``formula_terms_``, from
    :func:`logitkit.logit` or a model file) applies its formula to raw data, whatever other
    columns it has and in whatever order; a frame whose columns are exactly the design's, in
    order (what :func:`~logitkit.models.formula.transform_for_prediction` returns), is taken
    as the design. Other models take X as it is."""
    terms = getattr(estimator, "formula_terms_", None)
    if terms is None:
        return X
    if not hasattr(X, "columns"):
        raise TypeError(
            f"a model fitted from formula {terms.formula!r} predicts from the raw data: pass a "
            f"DataFrame with the formula's variables; got {type(X).__name__}"
        )
    if list(map(str, X.columns)) == list(terms.columns):
        return X
    return terms.design_of(X)


def summary_data(
    estimator: BaseEstimator,
    X: ArrayLike | None,
    y: ArrayLike | None,
    sample_weight: ArrayLike | None,
    groups: ArrayLike | None,
) -> tuple[Objective | None, ArrayLike | None, str | None]:
    """What a fitted ``estimator``'s summary reads besides its record: J over the fitted data
    (None without data), the cluster labels, and the response's name.

    A model from :func:`logitkit.logit` supplies its own data, groups and response name when X
    is not given, and takes ``groups`` as the name of any column of the data it was fitted
    from (R's ``cluster = ~id``), read on the rows it kept. The data must be the fitted
    observations: their weighted count Σsᵢ must be the record's n.
    """
    formula_data = getattr(estimator, "formula_data_", None)
    terms = getattr(estimator, "formula_terms_", None)
    if isinstance(groups, str):
        groups = _kept_column(formula_data, groups)
    if (X is None) != (y is None):
        raise ValueError("pass both X and y to summary(), or neither")
    if X is not None:
        X = formula_input(estimator, X)
    elif formula_data is not None:
        X, y, sample_weight = formula_data.X, formula_data.y, formula_data.sample_weight
        if groups is None:
            groups = formula_data.groups
    target = terms.response if terms is not None else response_name(y)
    if X is None or y is None:
        return None, groups, target
    objective = build_objective(estimator, X, y, sample_weight, reset=False)
    n_obs = estimator.record_.n_obs
    if not np.isclose(objective.total_weight, n_obs):
        raise ValueError(
            f"summary() needs the data the model was fitted on: these have "
            f"n = {objective.total_weight:g} (weighted) observations, the fit had "
            f"{n_obs:g}"
        )
    return objective, groups, target


def response_name(y: object) -> Any:
    """The name of a labelled column of labels (pandas, polars or Dask Series); None for an
    array, whose ``name`` (a Dask array's graph key) names no column."""
    name = getattr(y, "name", None)
    if is_dask_collection(y) and not hasattr(y, "index"):
        return None
    return name


def diagnostics_data(
    estimator: BaseEstimator,
    X: ArrayLike | None,
    y: ArrayLike | None,
    sample_weight: ArrayLike | None,
) -> tuple[FitRecord, Objective, pd.Index]:
    """What a diagnostic of a fitted binary ``estimator`` reads: its record, J over the fitted
    data, and the rows' labels (the DataFrame's index, else 0, 1, …).

    A model from :func:`logitkit.logit` supplies its own data when X is not given. The data
    must be the fitted observations: their weighted count Σsᵢ must be the record's n.
    """
    check_is_fitted(estimator)
    record: FitRecord = estimator.record_
    require_binary(record, "model checking (residuals, influence, binned residuals)")
    formula_data = getattr(estimator, "formula_data_", None)
    if X is None and y is None and formula_data is not None:
        X, y, sample_weight = formula_data.X, formula_data.y, formula_data.sample_weight
    if X is None or y is None:
        raise ValueError(
            "pass the data the model was fitted on as X and y (and sample_weight), or fit "
            "with logitkit.logit(formula, data), which keeps them"
        )
    objective = build_objective(estimator, X, y, sample_weight, reset=False)
    refuse_rows_elsewhere(objective, "model checking")
    total = objective.total_weight
    if not np.isclose(total, record.n_obs):
        raise ValueError(
            f"model checking needs the data the model was fitted on: these have n = "
            f"{total:g} (weighted) observations, the fit had {record.n_obs:g}. Pass the "
            "fitted X, y and sample_weight"
        )
    return record, objective, row_index(X, objective.design.n_samples)


def refuse_rows_elsewhere(objective: Objective, what: str) -> None:
    """Refuse a statistic that reads the data row by row (residuals, influence, marginal
    effects, goodness of fit) when the rows are a Dask array's, kept on its workers."""
    if not objective.design.holds_rows:
        raise ValueError(
            f"{what} reads the fitted values row by row, and the rows of a Dask X stay on its "
            "workers: pass the data in memory (X.compute(), or a sample of the rows) for it. "
            "summary(), its covariances and intervals, and lr_test work on Dask data"
        )


def prediction_design(estimator: BaseEstimator, X: ArrayLike) -> tuple[Design, pd.Index]:
    """The design X̃ of new data X for a fitted ``estimator`` (a formula model also takes the
    raw data), and the rows' labels."""
    check_is_fitted(estimator)
    X = formula_input(estimator, X)
    check_numeric_columns(X)
    X_valid = validate_data(
        estimator,
        X,
        reset=False,
        accept_sparse=["csr", "csc"],
        dtype=[np.float64, np.float32],
    )
    design = make_design(X_valid, estimator.record_.fit_intercept)
    return design, row_index(X, design.n_samples)


def row_index(X: ArrayLike, n_samples: int) -> pd.Index:
    """The DataFrame's index of X, else a RangeIndex of its rows."""
    if isinstance(X, pd.DataFrame):
        return X.index
    return pd.RangeIndex(n_samples)


def _kept_column(formula_data: Any, name: str) -> NDArray:
    """The values of column ``name`` of the data a formula model was fitted from, on the rows
    it kept (see :meth:`~logitkit.models.formula.FormulaData.column`)."""
    if formula_data is None:
        raise ValueError(
            f"groups={name!r} names a column, which only a model from logitkit.logit keeps; "
            "pass one cluster label per fitted row instead"
        )
    return formula_data.column(name)
