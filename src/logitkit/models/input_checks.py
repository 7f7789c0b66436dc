"""The checks of a model's data that no array library does: magnitudes too large for double
precision, a feature named like the intercept, and what the classes found rule out."""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sklearn.base import BaseEstimator
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import validate_data

from ..backends.dense import compiles_columns
from ..backends.design import Design
from ..core.exceptions import SmallClassWarning
from ..core.record import INTERCEPT
from ..core.validation import check_missing_labels, check_numeric_columns, plain_label

__all__ = [
    "check_classes",
    "check_feature_names",
    "check_magnitudes",
    "plain_arrays",
    "validated_arrays",
]


def check_magnitudes(design: Design, names: NDArray | None, maxima: NDArray | None = None) -> None:
    """Refuse columns too large for double precision: max |xᵢⱼ| > √(max double / n).

    Above that bound a column's sum of squares, and with it the Hessian XᵀWX, overflows.
    ``maxima`` are the design's column maxima when already known.
    """
    limit = np.sqrt(np.finfo(np.float64).max / max(design.n_samples, 1))
    maxima = design.column_abs_max() if maxima is None else maxima
    top = maxima[int(design.fit_intercept) :]
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


def check_classes(
    params: Mapping[str, Any], classes: NDArray, y: NDArray, counts: NDArray | None = None
) -> None:
    """Refuse what the classes found rule out: Firth or an unknown reference with K ≥ 3, a
    reference other than ``classes[0]`` with two; warn about a class with a single sample.
    ``counts`` gives how often each of ``y``'s distinct labels occurs, when y holds only
    those (a Dask y, counted in one pass)."""
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
    labels, counts = (y, counts) if counts is not None else np.unique(y, return_counts=True)
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


def plain_arrays(X: object, y: object) -> bool:
    """Whether X and y pass scikit-learn's checks as they are, without its conversions: X a
    2-D float64 or float32 ndarray with a row and a column, all finite; y a 1-D integer or
    float ndarray of X's length, finite and whole numbers (a float y equal to ``y.astype(int)``,
    scikit-learn's test of a classification target).

    Such data skip ``validate_data`` and ``check_classification_targets``, which spend more time
    than a small fit's solve on detecting frame libraries and label types; anything else goes
    through them, and their errors. The finiteness of X is tested on its sum (one pass, no
    temporary): a finite sum means finite entries, and a sum that overflows sends X through
    scikit-learn's own test. An X whose column maxima come from a compiled pass
    (:func:`~logitkit.backends.dense.compiles_columns`) is not summed: the magnitude check
    reads those maxima, a NaN or infinite entry makes its column's maximum non-finite, and
    X then goes through scikit-learn's test (:func:`~logitkit.models.build.build_objective`),
    so its rows are read once for both checks.
    """
    if type(X) is not np.ndarray or type(y) is not np.ndarray:
        return False
    if X.ndim != 2 or X.dtype not in (np.float64, np.float32) or min(X.shape) < 1:
        return False
    if y.ndim != 1 or y.shape[0] != X.shape[0] or y.dtype.kind not in "iuf":
        return False
    if not compiles_columns(X):
        with np.errstate(over="ignore", invalid="ignore"):
            if not np.isfinite(X.sum()):
                return False
    if y.dtype.kind == "f":
        return bool(np.isfinite(y).all() and not (y != y.astype(int)).any())
    return True


def validated_arrays(
    estimator: BaseEstimator, X: ArrayLike, y: ArrayLike, reset: bool
) -> tuple[Any, NDArray]:
    """X and y through scikit-learn's ``validate_data`` and ``check_classification_targets``
    (after the checks of :mod:`logitkit.core.validation` that name the offending columns and
    labels): its conversions, and its errors for data it refuses."""
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
    return X_valid, y_valid
