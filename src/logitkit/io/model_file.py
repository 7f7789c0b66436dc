"""Saving and loading fitted models as readable, versioned JSON files; never pickle.

A model file is one JSON object (the format is described in docs/model-file.md)::

    {"format": "logitkit-model", "format_version": 1, "format_minor_version": 1,
     "logitkit_version": "...",
     "params": {...}, "classes": [...], "classes_dtype": "int64", "dtype": "float64",
     "coef": [[...]], "intercept": [...], "n_features_in": p, "feature_names_in": [...] | null,
     "n_iter": k, "converged": true, "solver": "...", "stop_reason": "...",
     "history": {"loss": [...], "grad_norm": [...]},
     "statistics": {"loglik": ..., "null_loglik": ..., "n_obs": ...,
                    "information": [[...]] | null, "score_outer": [[...]] | null},
     "separation": {...} | null, "separation_checked": true, "formula": {...} | null}

Floats are written as the shortest decimal that reads back to the same double, so a loaded
model predicts bit for bit what the saved one did. Non-finite coefficients are written as the
strings "nan", "inf" and "-inf", which keeps the file standard JSON; loading refuses them
in the coefficients, which no fit leaves. A formula model keeps its formula and what it learnt
(:mod:`logitkit.io.model_formula`), so the loaded model predicts from raw data.

Version 1.1 (``format_minor_version`` 1) added ``format_minor_version``, ``formula`` and
``aliased`` (the terms not estimable); files of version 1.0 lack them and read as models
without a formula or aliased terms. Version 1.2 added ``separation_checked`` (false when the
fit could not rule separation out, as on Dask data whose one-pass certificate failed); earlier
files read as checked.

Loading only reads data: nothing in the file is executed, imported or unpickled. Every key is
checked for presence, type and consistency, and any problem is a :class:`ModelFileError` that
names the file and the problem in one line.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ..core.datafits import datafit_for
from ..core.layout import flat_coefficients
from ..core.record import FitRecord, term_names
from ..core.validation import plain_label
from ..models.build import check_feature_names
from ..models.estimator import LogisticRegression
from ..models.params import check_params, reference_index
from ..solvers import SOLVERS
from .json_values import (
    FileError,
    dumps,
    encode_float,
    encode_matrix,
    expect,
    float_list,
    json_type,
    read_json,
)
from .model_fields import (
    classes_dtype_name,
    decode_classes,
    decode_history,
    decode_params,
    decode_separation,
    decode_statistics,
    encode_label,
    encode_param,
)
from .model_formula import decode_formula, encode_formula

__all__ = ["FORMAT", "FORMAT_MINOR_VERSION", "FORMAT_VERSION", "ModelFileError", "load", "save"]

FORMAT = "logitkit-model"
FORMAT_VERSION = 1
FORMAT_MINOR_VERSION = 2

_KEYS = (
    "format",
    "format_version",
    "logitkit_version",
    "params",
    "classes",
    "classes_dtype",
    "dtype",
    "coef",
    "intercept",
    "n_features_in",
    "feature_names_in",
    "n_iter",
    "converged",
    "solver",
    "stop_reason",
    "history",
    "statistics",
    "separation",
)
_MINOR_KEYS = ("format_minor_version", "formula", "aliased", "separation_checked")
"""Keys added by minor versions: absent from files of version 1.0."""
_COEF_DTYPES = ("float64", "float32")


class ModelFileError(ValueError):
    """A model file that cannot be loaded: unreadable, not JSON, or not a valid logitkit model."""


def save(model: LogisticRegression, path: str | os.PathLike[str]) -> None:
    """Write the fitted ``model`` to ``path`` as a logitkit model file (JSON, UTF-8).

    Raises sklearn's NotFittedError for a model that has not been fitted, and ValueError for
    a parameter that a model file cannot hold (a ``class_weight`` keyed by something other
    than numbers, booleans or strings).
    """
    if not isinstance(model, LogisticRegression):
        raise TypeError(f"save() takes a fitted LogisticRegression; got {type(model).__name__}")
    check_is_fitted(model)
    Path(path).write_text(dumps(_to_document(model)) + "\n", encoding="utf-8")


def load(path: str | os.PathLike[str]) -> LogisticRegression:
    """Read a model written by :func:`save`: a fitted LogisticRegression.

    Raises ModelFileError (a ValueError) naming the file and the problem when the file is
    missing or unreadable, is not JSON, is not a logitkit model file, was written in a newer
    format version, or holds missing, ill-typed or inconsistent entries.
    """
    source = repr(os.fspath(path))
    try:
        document = read_json(Path(path))
        return _from_document(document)
    except FileError as problem:
        raise ModelFileError(f"cannot load model from {source}: {problem}") from None


def _to_document(model: LogisticRegression) -> dict[str, Any]:
    """The JSON-ready dict that describes the fitted ``model``."""
    from .. import __version__

    names = getattr(model, "feature_names_in_", None)
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "format_minor_version": FORMAT_MINOR_VERSION,
        "logitkit_version": __version__,
        "params": {name: encode_param(name, v) for name, v in model.get_params().items()},
        "classes": [encode_label(label) for label in model.classes_],
        "classes_dtype": classes_dtype_name(model.classes_),
        "dtype": model.coef_.dtype.name,
        "coef": [[encode_float(v) for v in row] for row in model.coef_],
        "intercept": [encode_float(v) for v in model.intercept_],
        "n_features_in": int(model.n_features_in_),
        "feature_names_in": None if names is None else [str(name) for name in names],
        "n_iter": int(model.n_iter_),
        "converged": bool(model.converged_),
        "solver": str(model.solver_),
        "stop_reason": str(model.stop_reason_),
        "history": {
            "loss": [encode_float(v) for v in model.history_["loss"]],
            "grad_norm": [encode_float(v) for v in model.history_["grad_norm"]],
        },
        "statistics": {
            "loglik": encode_float(model.loglik_),
            "null_loglik": encode_float(model.null_loglik_),
            "n_obs": encode_float(model.n_obs_),
            "information": encode_matrix(model.information_),
            "score_outer": encode_matrix(model.score_outer_),
        },
        "separation": None
        if model.separation_ is None
        else {
            "kind": model.separation_.kind,
            "terms": dict(model.separation_.terms),
            "undetermined": list(model.separation_.undetermined),
        },
        "formula": encode_formula(getattr(model, "formula_terms_", None)),
        "aliased": list(model.record_.aliased),
        "separation_checked": bool(model.record_.separation_checked),
    }


def _from_document(document: Any) -> LogisticRegression:
    """A fitted LogisticRegression from a parsed model file, after checking every entry."""
    if not isinstance(document, dict):
        raise FileError(f"not a logitkit model file: the top level is {json_type(document)}")
    if "format" not in document:
        raise FileError("not a logitkit model file: it has no 'format' key")
    found = document["format"]
    if found != FORMAT:
        shown = repr(found) if isinstance(found, str) else json_type(found)
        raise FileError(f"not a logitkit model file: 'format' is {shown}, expected {FORMAT!r}")
    _check_version(document)
    unknown = [key for key in document if key not in _KEYS + _MINOR_KEYS]
    if unknown:
        listed = ", ".join(repr(key) for key in unknown)
        raise FileError(
            f"unexpected key(s) {listed}: not part of model-file format version "
            f"{FORMAT_VERSION}.{FORMAT_MINOR_VERSION}"
        )
    missing = [key for key in _KEYS if key not in document]
    if missing:
        raise FileError(f"missing key(s) {', '.join(repr(key) for key in missing)}")
    expect("logitkit_version", document["logitkit_version"], str, "a string")

    params = decode_params(document["params"])
    every = {**LogisticRegression().get_params(), **params}
    try:
        check_params(every)
    except ValueError as error:
        raise FileError(f"invalid 'params': {error}") from None
    fit_intercept = every["fit_intercept"]

    n_features = expect("n_features_in", document["n_features_in"], int, "an integer")
    if n_features < 1:
        raise FileError(f"'n_features_in' must be at least 1; got {n_features}")
    dtype = expect("dtype", document["dtype"], str, "a string")
    if dtype not in _COEF_DTYPES:
        raise FileError(f"'dtype' must be 'float64' or 'float32'; got {dtype!r}")
    classes = decode_classes(document["classes"], document["classes_dtype"])
    n_rows = 1 if len(classes) == 2 else len(classes)
    coef_rows = expect("coef", document["coef"], list, "an array of arrays")
    if len(coef_rows) != n_rows:
        raise FileError(
            f"'coef' must hold {n_rows} row(s) for a model of {len(classes)} classes (one for "
            f"two classes, one per class otherwise); got {len(coef_rows)}"
        )
    coef = np.array([float_list("coef", row, n_features) for row in coef_rows], dtype=dtype)
    intercept = np.array(float_list("intercept", document["intercept"], n_rows), dtype=dtype)
    for key, values in (("coef", coef), ("intercept", intercept)):
        if not np.all(np.isfinite(values)):
            raise FileError(
                f"{key!r} holds NaN or infinite values, which no fit leaves and with which "
                "every prediction would be meaningless: refit the model and save it again"
            )
    if not fit_intercept and intercept.any():
        raise FileError(f"'intercept' must be {[0.0] * n_rows} when params.fit_intercept is false")
    if every["reference"] is not None and every["reference"] not in classes.tolist():
        raise FileError(f"'params.reference' {every['reference']!r} is not one of the 'classes'")
    reference = reference_index(classes, every["alpha"], every["reference"])
    if n_rows > 1 and reference is not None and (coef[reference].any() or intercept[reference]):
        raise FileError(
            f"the reference class {plain_label(classes[reference])!r} must have coefficients "
            "and intercept 0 in 'coef' and 'intercept'"
        )

    names = document["feature_names_in"]
    if names is not None:
        expect("feature_names_in", names, list, "an array of strings or null")
        if len(names) != n_features or not all(isinstance(name, str) for name in names):
            raise FileError(f"'feature_names_in' must hold {n_features} strings (n_features_in)")
        if len(set(names)) != len(names):
            raise FileError("'feature_names_in' repeats a name: each feature needs its own")
        try:
            check_feature_names(names, fit_intercept)
        except ValueError as error:
            raise FileError(f"invalid 'feature_names_in': {error}") from None
    n_iter = expect("n_iter", document["n_iter"], int, "an integer")
    if n_iter < 0:
        raise FileError(f"'n_iter' must be at least 0; got {n_iter}")
    converged = expect("converged", document["converged"], bool, "true or false")
    solver = expect("solver", document["solver"], str, "a string")
    if solver not in SOLVERS:
        raise FileError(
            f"'solver' must name one of logitkit's solvers {list(SOLVERS)}; got {solver!r}"
        )
    stop_reason = expect("stop_reason", document["stop_reason"], str, "a string")
    loss, grad_norm = decode_history(document["history"])
    terms = term_names(names, n_features, fit_intercept)
    separation = decode_separation(document["separation"], terms)
    aliased = expect("aliased", document.get("aliased", []), list, "an array of term names")
    unknown = [name for name in aliased if name not in terms]
    if unknown:
        raise FileError(f"'aliased' names {unknown!r}, which are not terms of the model")
    separation_checked = expect(
        "separation_checked", document.get("separation_checked", True), bool, "true or false"
    )
    datafit = datafit_for(len(classes), reference)
    theta = flat_coefficients(coef, intercept, datafit, fit_intercept)
    record = FitRecord(
        theta=theta,
        feature_names=None if names is None else tuple(names),
        classes=classes,
        reference=reference,
        fit_intercept=fit_intercept,
        alpha=every["alpha"],
        l1_ratio=every["l1_ratio"],
        firth=every["firth"],
        **decode_statistics(document["statistics"], theta.size),
        separation=separation,
        separation_checked=separation_checked,
        loss=np.asarray(loss),
        grad_norm=np.asarray(grad_norm),
        solver=solver,
        converged=converged,
        n_iter=n_iter,
        stop_reason=stop_reason,
        dtype=dtype,
        aliased=tuple(aliased),
    )
    formula = decode_formula(document.get("formula"), names)
    model = LogisticRegression.from_record(record, **params)
    if formula is not None:
        model.formula_ = formula.formula
        model.formula_terms_ = formula
    return model


def _check_version(document: dict[str, Any]) -> None:
    """Refuse a missing format version, or one newer than this logitkit reads."""
    if "format_version" not in document:
        raise FileError("missing key(s) 'format_version'")
    version = expect("format_version", document["format_version"], int, "an integer")
    if version > FORMAT_VERSION:
        from .. import __version__

        writer = document.get("logitkit_version")
        written_by = f" (written by logitkit {writer})" if isinstance(writer, str) else ""
        raise FileError(
            f"it is in model-file format version {version}{written_by}, but logitkit "
            f"{__version__} reads versions up to {FORMAT_VERSION}: upgrade logitkit"
        )
    if version < 1:
        raise FileError(f"'format_version' must be at least 1; got {version}")
    minor = expect(
        "format_minor_version", document.get("format_minor_version", 0), int, "an integer"
    )
    if minor < 0:
        raise FileError(f"'format_minor_version' must be at least 0; got {minor}")
    if version == FORMAT_VERSION and minor > FORMAT_MINOR_VERSION:
        from .. import __version__

        raise FileError(
            f"it is in model-file format version {version}.{minor}, but logitkit "
            f"{__version__} reads versions up to {FORMAT_VERSION}.{FORMAT_MINOR_VERSION}: "
            "upgrade logitkit"
        )
