"""From what a user passes to what a fit minimises: validated data and the objective J.

:func:`build_objective` checks X, y and the weights, learns (or checks) the classes, and builds
J = datafit × penalty over a design: the Bernoulli datafit (with Firth's term for
``firth=True``) for two classes, the softmax for K ≥ 3 (against the reference class when
unpenalised), with the penalty α(ρ‖w‖₁ + (1 − ρ)/2 ‖w‖²) on every weight and never on an intercept.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from sklearn.base import BaseEstimator
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (
    _check_feature_names,
    _check_n_features,
    check_is_fitted,
    validate_data,
)

from ..backends.design import Design, make_design
from ..core.datafits import datafit_for
from ..core.exceptions import SmallClassWarning
from ..core.layout import penalised_mask
from ..core.objective import Objective
from ..core.penalties import ElasticNet
from ..core.record import INTERCEPT, FitRecord
from ..core.validation import (
    check_labels,
    check_missing_labels,
    check_numeric_columns,
    check_sample_weight,
    plain_label,
)
from ..inference.check_inputs import require_binary
from .params import reference_index

__all__ = [
    "build_objective",
    "check_classes",
    "check_feature_names",
    "diagnostics_data",
    "formula_input",
    "prediction_design",
    "row_index",
    "summary_data",
]


def build_objective(
    estimator: BaseEstimator,
    X: ArrayLike,
    y: ArrayLike,
    sample_weight: ArrayLike | None,
    reset: bool,
) -> Objective:
    """Validate the data and build the cost J that ``estimator``'s parameters define over it.

    ``reset`` (a fit) learns ``classes_``, ``n_features_in_`` and ``feature_names_in_`` onto
    the estimator (through scikit-learn's ``validate_data``); otherwise (a summary given the
    fitted data) the features and labels must match the fitted ones. ``class_weight``
    multiplies each sample's weight by its class's.
    """
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
        check_numeric_columns(X)
        check_missing_labels(y)
        X_valid, y_valid = validate_data(
            estimator,
            X,
            y,
            reset=reset,
            accept_sparse=["csr", "csc"],
            dtype=[np.float64, np.float32],
            y_numeric=False,
        )
        check_classification_targets(y_valid)
    if reset:
        check_feature_names(getattr(estimator, "feature_names_in_", None), params["fit_intercept"])
        estimator.classes_ = np.unique(y_valid)
        check_labels(estimator.classes_)
        check_classes(params, estimator.classes_, y_valid)
    else:
        unknown = np.setdiff1d(np.unique(y_valid), estimator.classes_)
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
    check_magnitudes(design, getattr(estimator, "feature_names_in_", None))
    datafit = datafit_for(
        len(classes), reference_index(classes, params["alpha"], params["reference"])
    )
    mask = penalised_mask(design.n_params, datafit.n_outputs, fit_intercept)
    penalty = ElasticNet.with_mask(params["alpha"], params["l1_ratio"], mask)
    labels = np.searchsorted(classes, y_valid)
    return Objective(design, labels, weights, penalty, datafit, firth=bool(params["firth"]))


def plain_arrays(X: object, y: object) -> bool:
    """Whether X and y pass scikit-learn's checks as they are, without its conversions: X a
    2-D float64 or float32 ndarray with a row and a column, all finite; y a 1-D integer or
    float ndarray of X's length, finite and whole numbers (a float y equal to ``y.astype(int)``,
    scikit-learn's test of a classification target).

    Such data skip ``validate_data`` and ``check_classification_targets``, which spend more time
    than a small fit's solve on detecting frame libraries and label types; anything else goes
    through them, and their errors. The finiteness of X is tested on its sum (one pass, no
    temporary): a finite sum means finite entries, and a sum that overflows sends X through
    scikit-learn's own test.
    """
    if type(X) is not np.ndarray or type(y) is not np.ndarray:
        return False
    if X.ndim != 2 or X.dtype not in (np.float64, np.float32) or min(X.shape) < 1:
        return False
    if y.ndim != 1 or y.shape[0] != X.shape[0] or y.dtype.kind not in "iuf":
        return False
    with np.errstate(over="ignore", invalid="ignore"):
        if not np.isfinite(X.sum()):
            return False
    if y.dtype.kind == "f":
        return bool(np.isfinite(y).all() and not np.any(y != y.astype(int)))
    return True


def check_magnitudes(design: Design, names: NDArray | None) -> None:
    """Refuse columns too large for double precision: max |xᵢⱼ| > √(max double / n).

    Above that bound a column's sum of squares, and with it the Hessian XᵀWX, overflows.
    """
    limit = np.sqrt(np.finfo(np.float64).max / max(design.n_samples, 1))
    top = design.column_abs_max()[int(design.fit_intercept) :]
    too_large = np.flatnonzero(top > limit)
    if too_large.size:
        listed = ", ".join(
            repr(str(names[j])) if names is not None else f"column {j}" for j in too_large
        )
        raise ValueError(
            f"X has values too large for double precision in {listed} (largest |x| "
            f"{top.max():.3g}, above {limit:.3g}, so their squares overflow): rescale those "
            "columns, e.g. with sklearn's StandardScaler"
        )


def check_feature_names(names: Iterable[object] | None, fit_intercept: bool) -> None:
    """Refuse a feature named like the intercept term ("Intercept") when the intercept is
    fitted: every table, dict and JSON output is keyed by term name, and two terms of one name
    would collide there."""
    if fit_intercept and names is not None and INTERCEPT in {str(name) for name in names}:
        raise ValueError(
            f"X has a column named {INTERCEPT!r}, the name of the fitted intercept term: the "
            "two would share one name in the summary. Rename the column, or drop it and keep "
            "fit_intercept=True if it is a column of ones (or pass fit_intercept=False to use "
            "it as the intercept)"
        )


def check_classes(params: Mapping[str, Any], classes: NDArray, y: NDArray) -> None:
    """Refuse what the classes found rule out: Firth or an unknown reference with K ≥ 3, a
    reference other than ``classes[0]`` with two; warn about a class with a single sample."""
    reference = params["reference"]
    if (
        reference is not None
        and not np.isin(np.asarray([reference], dtype=object), classes.astype(object)).all()
    ):
        raise ValueError(
            f"reference={reference!r} is not one of the classes "
            f"{classes.tolist()}: pass one of them, or None for the first"
        )
    if len(classes) == 2:
        if reference is not None and reference != classes[0]:
            raise ValueError(
                f"with two classes the reference is classes_[0] = {classes[0]!r} "
                f"(the model is P(y = {classes[1]!r})); got reference="
                f"{reference!r}. Leave reference=None"
            )
        return
    if params["firth"]:
        raise ValueError(
            f"firth=True is for two classes; y has {len(classes)}. Use a penalty "
            "(alpha > 0) for finite estimates with more classes"
        )
    labels, counts = np.unique(y, return_counts=True)
    single = labels[counts == 1]
    if single.size:
        listed = ", ".join(repr(plain_label(label)) for label in single)
        warnings.warn(
            f"class(es) {listed} have a single sample: the fit is still defined with a "
            "penalty (alpha > 0), but without one such a class is likely separated and its "
            "coefficients run off to infinity",
            SmallClassWarning,
            stacklevel=4,
        )


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
    target = terms.response if terms is not None else getattr(y, "name", None)
    if X is None or y is None:
        return None, groups, target
    objective = build_objective(estimator, X, y, sample_weight, reset=False)
    n_obs = estimator.record_.n_obs
    if not np.isclose(objective.sample_weight.sum(), n_obs):
        raise ValueError(
            f"summary() needs the data the model was fitted on: these have "
            f"n = {objective.sample_weight.sum():g} (weighted) observations, the fit had "
            f"{n_obs:g}"
        )
    return objective, groups, target


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
    total = float(objective.sample_weight.sum())
    if not np.isclose(total, record.n_obs):
        raise ValueError(
            f"model checking needs the data the model was fitted on: these have n = "
            f"{total:g} (weighted) observations, the fit had {record.n_obs:g}. Pass the "
            "fitted X, y and sample_weight"
        )
    return record, objective, row_index(X, objective.design.n_samples)


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
