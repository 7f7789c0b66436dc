"""A Dask X (array or DataFrame), y and weights validated and turned into the objective, the
rows left where Dask keeps them (:mod:`logitkit.backends.dask`)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets

from ..core.datafits import datafit_for
from ..core.layout import penalised_mask
from ..core.objective import Objective
from ..core.penalties import ElasticNet
from ..core.validation import check_labels
from ..solvers import design_sample_step
from .dask_first_pass import keep_first_pass, read_first_pass
from .input_checks import check_classes, check_feature_names, check_magnitudes
from .params import reference_index

__all__ = ["check_dask_features", "dask_objective"]


def dask_objective(
    estimator: BaseEstimator,
    X: Any,
    y: Any,
    sample_weight: Any,
    reset: bool,
) -> Objective:
    """:func:`build_objective` for a Dask X, the rows left where Dask keeps them.

    X, y and the weights are checked as :mod:`logitkit.backends.dask` reads them: X's shape,
    dtype and chunks here; in one first pass (:mod:`.dask_first_pass`), X's values (finite,
    not too large), the weights (finite, non-negative, not all zero) and the labels' distinct
    values (which learn ``classes_`` and the counts that ``"balanced"`` class weights and the
    single-sample warning read). y and sample_weight must be chunked as the rows of X (or be
    in memory, then they are cut like X).
    """
    from ..backends.dask import DaskDesign, dask_matrix, label_codes, row_weights

    if getattr(estimator, "formula_terms_", None) is not None:
        raise TypeError(
            "a model fitted from a formula reads pandas data: pass its design as a Dask array "
            "to a LogisticRegression instead"
        )
    params = estimator.get_params()
    fit_intercept = params["fit_intercept"]
    matrix, names = dask_matrix(X)
    design = DaskDesign(matrix, fit_intercept)
    check_dask_features(estimator, design.n_features, names, reset)
    if y is None:
        raise ValueError("y is required: one label per row of X")
    labels = design.sample_values(y, None, "y")
    if labels.ndim != 1:
        raise ValueError(f"y must be one label per row; got shape {labels.shape}")
    given_weights = row_weights(design, sample_weight)
    found = read_first_pass(
        design,
        labels,
        given_weights,
        with_gram=params["alpha"] == 0,
        sample_step=None if params["firth"] else design_sample_step(design),
    )
    missing = pd.isna(found.labels)
    if np.any(missing):
        raise ValueError(
            "Input y contains NaN: missing labels (NaN or None). Drop those rows or fill in "
            "their labels"
        )
    check_classification_targets(found.labels)
    if reset:
        estimator.classes_ = found.labels
        check_labels(found.labels)
        check_classes(params, found.labels, found.labels, counts=found.counts)
    else:
        unknown = np.setdiff1d(found.labels, estimator.classes_)
        if unknown.size:
            raise ValueError(
                f"y has labels {unknown.tolist()} the model was not fitted on "
                f"(its classes are {estimator.classes_.tolist()})"
            )
    classes = estimator.classes_
    codes = label_codes(labels, classes)
    per_class = None
    class_weight = params["class_weight"]
    if class_weight is not None:
        if isinstance(class_weight, str) and class_weight == "balanced":
            full = np.zeros(len(classes))
            full[np.searchsorted(classes, found.labels)] = found.counts
            per_class = design.n_samples / (len(classes) * full)
        else:
            per_class = compute_class_weight(class_weight, classes=classes, y=classes)
    weights = row_weights(design, sample_weight, codes, per_class)
    datafit = datafit_for(
        len(classes), reference_index(classes, params["alpha"], params["reference"])
    )
    mask = penalised_mask(design.n_params, datafit.n_outputs, fit_intercept)
    penalty = ElasticNet.with_mask(params["alpha"], params["l1_ratio"], mask)
    objective = Objective(design, codes, weights, penalty, datafit, firth=bool(params["firth"]))
    keep_first_pass(objective, found, classes, per_class)
    maxima = found.maxima
    check_magnitudes(design, getattr(estimator, "feature_names_in_", None), maxima)
    return objective


def check_dask_features(
    estimator: BaseEstimator, n_features: int, names: list[str] | None, reset: bool
) -> None:
    """Learn (``reset``) or check ``n_features_in_`` and ``feature_names_in_`` for a Dask X,
    as scikit-learn's ``validate_data`` does for X in memory."""
    fitted = getattr(estimator, "feature_names_in_", None)
    if reset:
        estimator.n_features_in_ = n_features
        if names is not None:
            estimator.feature_names_in_ = np.asarray(names, dtype=object)
        elif fitted is not None:
            del estimator.feature_names_in_
        check_feature_names(
            getattr(estimator, "feature_names_in_", None), estimator.get_params()["fit_intercept"]
        )
        return
    if n_features != estimator.n_features_in_:
        raise ValueError(
            f"X has {n_features} features, but {type(estimator).__name__} is expecting "
            f"{estimator.n_features_in_} features as input."
        )
    if fitted is not None and names is not None and list(map(str, fitted)) != names:
        raise ValueError(
            f"The feature names should match those that were passed during fit: got {names}, "
            f"fitted on {list(map(str, fitted))}"
        )
