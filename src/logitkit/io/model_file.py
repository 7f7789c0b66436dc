"""Saving and loading fitted models as readable, versioned JSON files; never pickle.

A model file is one JSON object (the format is described in docs/model-file.md)::

    {"format": "logitkit-model", "format_version": 1, "logitkit_version": "...",
     "params": {...}, "classes": [...], "classes_dtype": "int64", "dtype": "float64",
     "coef": [[...]], "intercept": [...], "n_features_in": p, "feature_names_in": [...] | null,
     "n_iter": k, "converged": true, "solver": "...", "stop_reason": "...",
     "history": {"loss": [...], "grad_norm": [...]},
     "statistics": {"loglik": ..., "null_loglik": ..., "n_obs": ...,
                    "information": [[...]] | null, "score_outer": [[...]] | null}}

Floats are written as the shortest decimal that reads back to the same double, so a loaded
model predicts bit for bit what the saved one did. Non-finite coefficients are written as the
strings "nan", "inf" and "-inf", which keeps the file standard JSON.

Loading only reads data: nothing in the file is executed, imported or unpickled. Every key is
checked for presence, type and consistency, and any problem is a :class:`ModelFileError` that
names the file and the problem in one line.
"""

from __future__ import annotations

import json
import math
import numbers
import os
import re
from pathlib import Path
from typing import Any, NoReturn

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ..core.datafits import datafit_for
from ..core.layout import flat_coefficients
from ..core.record import FitRecord, Separation, term_names
from ..core.validation import plain_label
from ..models.estimator import LogisticRegression
from ..models.params import check_params, reference_index

__all__ = ["FORMAT", "FORMAT_VERSION", "ModelFileError", "load", "save"]

FORMAT = "logitkit-model"
FORMAT_VERSION = 1

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
_NON_FINITE = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}
_COEF_DTYPES = ("float64", "float32")
_CLASS_DTYPES = frozenset(
    ["bool", "object", "float16", "float32", "float64"]
    + [f"{sign}int{bits}" for sign in ("", "u") for bits in (8, 16, 32, 64)]
)
_MT19937_WORDS = 624


class ModelFileError(ValueError):
    """A model file that cannot be loaded: unreadable, not JSON, or not a valid logitkit model."""


class _FileError(Exception):
    """A problem found while reading a file; :func:`load` turns it into a ModelFileError."""


def save(model: LogisticRegression, path: str | os.PathLike[str]) -> None:
    """Write the fitted ``model`` to ``path`` as a logitkit model file (JSON, UTF-8).

    Raises sklearn's NotFittedError for a model that has not been fitted, and ValueError for
    a parameter that a model file cannot hold (a ``class_weight`` keyed by something other
    than numbers, booleans or strings).
    """
    if not isinstance(model, LogisticRegression):
        raise TypeError(f"save() takes a fitted LogisticRegression; got {type(model).__name__}")
    check_is_fitted(model)
    Path(path).write_text(_dumps(_to_document(model)) + "\n", encoding="utf-8")


def load(path: str | os.PathLike[str]) -> LogisticRegression:
    """Read a model written by :func:`save`: a fitted LogisticRegression.

    Raises ModelFileError (a ValueError) naming the file and the problem when the file is
    missing or unreadable, is not JSON, is not a logitkit model file, was written in a newer
    format version, or holds missing, ill-typed or inconsistent entries.
    """
    source = repr(os.fspath(path))
    try:
        document = _read_json(Path(path))
        return _from_document(document)
    except _FileError as problem:
        raise ModelFileError(f"cannot load model from {source}: {problem}") from None


def _to_document(model: LogisticRegression) -> dict[str, Any]:
    """The JSON-ready dict that describes the fitted ``model``."""
    from .. import __version__

    names = getattr(model, "feature_names_in_", None)
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "logitkit_version": __version__,
        "params": {name: _encode_param(name, v) for name, v in model.get_params().items()},
        "classes": [_encode_label(label) for label in model.classes_],
        "classes_dtype": _classes_dtype_name(model.classes_),
        "dtype": model.coef_.dtype.name,
        "coef": [[_encode_float(v) for v in row] for row in model.coef_],
        "intercept": [_encode_float(v) for v in model.intercept_],
        "n_features_in": int(model.n_features_in_),
        "feature_names_in": None if names is None else [str(name) for name in names],
        "n_iter": int(model.n_iter_),
        "converged": bool(model.converged_),
        "solver": str(model.solver_),
        "stop_reason": str(model.stop_reason_),
        "history": {
            "loss": [_encode_float(v) for v in model.history_["loss"]],
            "grad_norm": [_encode_float(v) for v in model.history_["grad_norm"]],
        },
        "statistics": {
            "loglik": _encode_float(model.loglik_),
            "null_loglik": _encode_float(model.null_loglik_),
            "n_obs": _encode_float(model.n_obs_),
            "information": _encode_matrix(model.information_),
            "score_outer": _encode_matrix(model.score_outer_),
        },
        "separation": None
        if model.separation_ is None
        else {
            "kind": model.separation_.kind,
            "terms": dict(model.separation_.terms),
            "undetermined": list(model.separation_.undetermined),
        },
    }


def _encode_matrix(matrix: np.ndarray | None) -> list[list[float | str]] | None:
    """A p×p matrix as rows of floats, or None when the fit kept none."""
    if matrix is None:
        return None
    return [[_encode_float(v) for v in row] for row in matrix]


def _dumps(value: Any, indent: str = "") -> str:
    """JSON text with one object key per line and every array on a single line."""
    if not isinstance(value, dict) or not value:
        return json.dumps(value, allow_nan=False, ensure_ascii=False)
    inner = indent + "  "
    items = (f"{inner}{json.dumps(key)}: {_dumps(item, inner)}" for key, item in value.items())
    return "{\n" + ",\n".join(items) + "\n" + indent + "}"


def _encode_float(value: float) -> float | str:
    """A finite float as itself; NaN and ±inf as "nan", "inf", "-inf"."""
    value = float(value)
    if math.isfinite(value):
        return value
    if math.isnan(value):
        return "nan"
    return "inf" if value > 0 else "-inf"


def _encode_label(label: Any) -> bool | int | float | str:
    """A class label as a JSON scalar; refuses anything else."""
    value = label.item() if isinstance(label, np.generic) else label
    if isinstance(value, bool | int | str) or (isinstance(value, float) and math.isfinite(value)):
        return value
    raise ValueError(
        f"a model file holds class labels that are numbers, booleans or strings; got {label!r}"
    )


def _classes_dtype_name(classes: np.ndarray) -> str:
    """The NumPy dtype of ``classes_`` as a string that :func:`numpy.dtype` reads back."""
    name = classes.dtype.str if classes.dtype.kind == "U" else classes.dtype.name
    if not _is_class_dtype_name(name):
        raise ValueError(f"a model file cannot hold class labels of dtype {classes.dtype}")
    return name


def _is_class_dtype_name(name: str) -> bool:
    """Whether ``name`` is one of the label dtypes a model file holds (see _CLASS_DTYPES)."""
    return name in _CLASS_DTYPES or re.fullmatch(r"[<>]U[1-9][0-9]{0,8}", name) is not None


def _encode_param(name: str, value: Any) -> Any:
    """A constructor parameter as JSON: scalars as themselves, two documented structures."""
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        if not math.isfinite(value):
            raise ValueError(f"cannot save parameter {name}={value!r}: it is not finite")
        return float(value)
    if isinstance(value, dict):
        return [[_encode_label(key), _encode_param(name, weight)] for key, weight in value.items()]
    if isinstance(value, np.random.RandomState):
        _, key, pos, has_gauss, gauss = value.get_state(legacy=True)
        return {
            "bit_generator": "MT19937",
            "key": [int(word) for word in key],
            "pos": int(pos),
            "has_gauss": int(has_gauss),
            "gauss": float(gauss),
        }
    raise ValueError(
        f"cannot save parameter {name}={value!r}: a model file holds numbers, booleans, strings, "
        "null, a class_weight dict and a RandomState"
    )


def _read_json(path: Path) -> Any:
    """The parsed JSON document in ``path``; refuses unreadable, binary and non-JSON files."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise _FileError("no such file") from None
    except IsADirectoryError:
        raise _FileError("it is a directory, not a model file") from None
    except OSError as error:
        raise _FileError(error.strerror or str(error)) from None
    if data.startswith(b"\x80"):
        raise _FileError("it looks like a pickle, which logitkit never loads; expected a JSON file")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise _FileError("it is not UTF-8 text, so not a logitkit model file (JSON)") from None
    try:
        return json.loads(text, object_pairs_hook=_unique_keys, parse_constant=_refuse_constant)
    except json.JSONDecodeError as error:
        raise _FileError(
            f"not valid JSON (truncated or corrupted?): {error.msg} at line {error.lineno} "
            f"column {error.colno}"
        ) from None
    except (ValueError, RecursionError) as error:
        raise _FileError(f"not valid JSON: {error}") from None


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object as a dict; a key given twice is refused."""
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _FileError(f"the key {key!r} appears twice in one object")
        result[key] = value
    return result


def _refuse_constant(name: str) -> NoReturn:
    raise _FileError(f"{name} is not standard JSON; non-finite numbers are written as strings")


def _json_type(value: Any) -> str:
    """How JSON spells the type of a parsed value, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "an array" if isinstance(value, list) else "an object"


def _expect(key: str, value: Any, kind: type | tuple[type, ...], what: str) -> Any:
    """``value`` when it is of the JSON ``kind`` (booleans are never numbers), else refuse."""
    if isinstance(value, kind) and not (isinstance(value, bool) and bool not in _as_tuple(kind)):
        return value
    raise _FileError(f"{key!r} must be {what}; got {_json_type(value)}")


def _as_tuple(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def _decode_float(key: str, value: Any) -> float:
    """A float from a JSON number or one of the strings "nan", "inf", "-inf"."""
    if isinstance(value, str) and value in _NON_FINITE:
        return _NON_FINITE[value]
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return float(value)
        except OverflowError:
            raise _FileError(f"{key!r} holds a number too large for a float") from None
    raise _FileError(
        f'{key!r} must hold numbers (or "nan", "inf", "-inf"); got {_json_type(value)}'
    )


def _float_list(key: str, value: Any, length: int | None = None) -> list[float]:
    """A JSON array of floats, of ``length`` entries when given."""
    _expect(key, value, list, "an array of numbers")
    if length is not None and len(value) != length:
        raise _FileError(f"{key!r} has {len(value)} entries; expected {length}")
    return [_decode_float(key, item) for item in value]


def _from_document(document: Any) -> LogisticRegression:
    """A fitted LogisticRegression from a parsed model file, after checking every entry."""
    if not isinstance(document, dict):
        raise _FileError(f"not a logitkit model file: the top level is {_json_type(document)}")
    if "format" not in document:
        raise _FileError("not a logitkit model file: it has no 'format' key")
    found = document["format"]
    if found != FORMAT:
        shown = repr(found) if isinstance(found, str) else _json_type(found)
        raise _FileError(f"not a logitkit model file: 'format' is {shown}, expected {FORMAT!r}")
    _check_version(document)
    unknown = [key for key in document if key not in _KEYS]
    if unknown:
        listed = ", ".join(repr(key) for key in unknown)
        raise _FileError(f"unexpected key(s) {listed}: not part of model-file format version 1")
    missing = [key for key in _KEYS if key not in document]
    if missing:
        raise _FileError(f"missing key(s) {', '.join(repr(key) for key in missing)}")
    _expect("logitkit_version", document["logitkit_version"], str, "a string")

    params = _decode_params(document["params"])
    every = {**LogisticRegression().get_params(), **params}
    try:
        check_params(every)
    except ValueError as error:
        raise _FileError(f"invalid 'params': {error}") from None
    fit_intercept = every["fit_intercept"]

    n_features = _expect("n_features_in", document["n_features_in"], int, "an integer")
    if n_features < 1:
        raise _FileError(f"'n_features_in' must be at least 1; got {n_features}")
    dtype = _expect("dtype", document["dtype"], str, "a string")
    if dtype not in _COEF_DTYPES:
        raise _FileError(f"'dtype' must be 'float64' or 'float32'; got {dtype!r}")
    classes = _decode_classes(document["classes"], document["classes_dtype"])
    n_rows = 1 if len(classes) == 2 else len(classes)
    coef_rows = _expect("coef", document["coef"], list, "an array of arrays")
    if len(coef_rows) != n_rows:
        raise _FileError(
            f"'coef' must hold {n_rows} row(s) for a model of {len(classes)} classes (one for "
            f"two classes, one per class otherwise); got {len(coef_rows)}"
        )
    coef = np.array([_float_list("coef", row, n_features) for row in coef_rows], dtype=dtype)
    intercept = np.array(_float_list("intercept", document["intercept"], n_rows), dtype=dtype)
    if not fit_intercept and intercept.any():
        raise _FileError(f"'intercept' must be {[0.0] * n_rows} when params.fit_intercept is false")
    if every["reference"] is not None and every["reference"] not in classes.tolist():
        raise _FileError(f"'params.reference' {every['reference']!r} is not one of the 'classes'")
    reference = reference_index(classes, every["alpha"], every["reference"])
    if n_rows > 1 and reference is not None and (coef[reference].any() or intercept[reference]):
        raise _FileError(
            f"the reference class {plain_label(classes[reference])!r} must have coefficients "
            "and intercept 0 in 'coef' and 'intercept'"
        )

    names = document["feature_names_in"]
    if names is not None:
        _expect("feature_names_in", names, list, "an array of strings or null")
        if len(names) != n_features or not all(isinstance(name, str) for name in names):
            raise _FileError(f"'feature_names_in' must hold {n_features} strings (n_features_in)")
    n_iter = _expect("n_iter", document["n_iter"], int, "an integer")
    if n_iter < 0:
        raise _FileError(f"'n_iter' must be at least 0; got {n_iter}")
    converged = _expect("converged", document["converged"], bool, "true or false")
    solver = _expect("solver", document["solver"], str, "a string")
    stop_reason = _expect("stop_reason", document["stop_reason"], str, "a string")
    loss, grad_norm = _decode_history(document["history"])
    separation = _decode_separation(
        document["separation"], term_names(names, n_features, fit_intercept)
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
        **_decode_statistics(document["statistics"], theta.size),
        separation=separation,
        loss=loss,
        grad_norm=grad_norm,
        solver=solver,
        converged=converged,
        n_iter=n_iter,
        stop_reason=stop_reason,
        dtype=dtype,
    )
    return LogisticRegression.from_record(record, **params)


def _decode_separation(separation: Any, term_names: list[str]) -> Separation | None:
    """``separation``: null, or the kind, the infinite terms (name → ±1) and undetermined ones."""
    if separation is None:
        return None
    _expect("separation", separation, dict, "an object or null")
    if set(separation) != {"kind", "terms", "undetermined"}:
        raise _FileError("'separation' must have exactly the keys kind, terms, undetermined")
    kind = _expect("separation.kind", separation["kind"], str, "a string")
    if kind not in ("complete", "quasi-complete"):
        raise _FileError(f"'separation.kind' must be complete or quasi-complete; got {kind!r}")
    terms = _expect("separation.terms", separation["terms"], dict, "an object")
    undetermined = _expect(
        "separation.undetermined", separation["undetermined"], list, "an array of strings"
    )
    for name in [*terms, *undetermined]:
        if name not in term_names:
            raise _FileError(f"'separation' names {name!r}, which is not a term of the model")
    for name, sign in terms.items():
        if sign not in (1, -1) or isinstance(sign, bool):
            raise _FileError(f"'separation.terms' must map names to 1 or -1; {name!r} has {sign!r}")
    return Separation(kind=kind, terms=dict(terms), undetermined=tuple(undetermined))


def _decode_statistics(statistics: Any, n_params: int) -> dict[str, Any]:
    """``statistics``: ℓ, ℓ₀, n and the k×k information and meat (or null), by record field."""
    keys = {"loglik", "null_loglik", "n_obs", "information", "score_outer"}
    _expect("statistics", statistics, dict, "an object")
    if set(statistics) != keys:
        raise _FileError(f"'statistics' must have exactly the keys {', '.join(sorted(keys))}")
    n_obs = _decode_float("statistics.n_obs", statistics["n_obs"])
    if not n_obs > 0:
        raise _FileError(f"'statistics.n_obs' must be positive; got {n_obs}")
    matrices = []
    for name in ("information", "score_outer"):
        rows = statistics[name]
        if rows is None:
            matrices.append(None)
            continue
        key = f"statistics.{name}"
        _expect(key, rows, list, f"an array of {n_params} arrays or null")
        if len(rows) != n_params:
            raise _FileError(f"{key!r} has {len(rows)} rows; expected {n_params}")
        matrices.append(np.array([_float_list(key, row, n_params) for row in rows]))
    return {
        "loglik": _decode_float("statistics.loglik", statistics["loglik"]),
        "null_loglik": _decode_float("statistics.null_loglik", statistics["null_loglik"]),
        "n_obs": n_obs,
        "information": matrices[0],
        "score_outer": matrices[1],
    }


def _check_version(document: dict[str, Any]) -> None:
    """Refuse a missing format version, or one newer than this logitkit reads."""
    if "format_version" not in document:
        raise _FileError("missing key(s) 'format_version'")
    version = _expect("format_version", document["format_version"], int, "an integer")
    if version > FORMAT_VERSION:
        from .. import __version__

        writer = document.get("logitkit_version")
        written_by = f" (written by logitkit {writer})" if isinstance(writer, str) else ""
        raise _FileError(
            f"it is in model-file format version {version}{written_by}, but logitkit "
            f"{__version__} reads versions up to {FORMAT_VERSION}: upgrade logitkit"
        )
    if version < 1:
        raise _FileError(f"'format_version' must be at least 1; got {version}")


def _decode_params(params: Any) -> dict[str, Any]:
    """Constructor parameters, each of the JSON type of its default; unknown names refused."""
    _expect("params", params, dict, "an object")
    defaults = LogisticRegression().get_params()
    unknown = [name for name in params if name not in defaults]
    if unknown:
        listed = ", ".join(repr(name) for name in unknown)
        raise _FileError(f"unknown parameter(s) {listed} in 'params'")
    decoded = {}
    for name, value in params.items():
        key = f"params.{name}"
        default = defaults[name]
        if isinstance(default, bool):
            decoded[name] = _expect(key, value, bool, "true or false")
        elif isinstance(default, str):
            decoded[name] = _expect(key, value, str, "a string")
        elif isinstance(default, int):
            decoded[name] = _expect(key, value, int, "an integer")
        elif isinstance(default, float):
            decoded[name] = _expect(key, value, (int, float), "a number")
        elif name == "class_weight" and isinstance(value, list):
            decoded[name] = _decode_class_weight(key, value)
        elif name == "random_state" and isinstance(value, dict):
            decoded[name] = _decode_random_state(key, value)
        else:
            decoded[name] = _expect(key, value, (type(None), bool, int, float, str), "a scalar")
    return decoded


def _decode_class_weight(key: str, pairs: list[Any]) -> dict[Any, float]:
    """A class_weight dict from its [[label, weight], ...] pairs."""
    weights = {}
    for pair in pairs:
        if (
            not isinstance(pair, list)
            or len(pair) != 2
            or not isinstance(pair[0], bool | int | float | str)
            or isinstance(pair[1], bool)
            or not isinstance(pair[1], int | float)
        ):
            raise _FileError(
                f"{key!r} must be an array of [label, weight] pairs; got {_json_type(pair)}"
            )
        weights[pair[0]] = pair[1]
    return weights


def _decode_random_state(key: str, state: dict[str, Any]) -> np.random.RandomState:
    """A RandomState restored from its saved MT19937 state."""
    expected = {"bit_generator", "key", "pos", "has_gauss", "gauss"}
    if set(state) != expected or state["bit_generator"] != "MT19937":
        raise _FileError(f"{key!r} must be an MT19937 state with keys {sorted(expected)}")
    words = state["key"]
    if (
        not isinstance(words, list)
        or len(words) != _MT19937_WORDS
        or not all(type(word) is int and 0 <= word < 2**32 for word in words)
        or type(state["pos"]) is not int
        or not 0 <= state["pos"] <= _MT19937_WORDS
        or state["has_gauss"] not in (0, 1)
        or type(state["has_gauss"]) is not int
        or not isinstance(state["gauss"], int | float)
        or isinstance(state["gauss"], bool)
    ):
        raise _FileError(f"{key!r} is not a valid MT19937 state")
    random_state = np.random.RandomState()
    random_state.set_state(
        (
            "MT19937",
            np.array(words, dtype=np.uint32),
            state["pos"],
            state["has_gauss"],
            float(state["gauss"]),
        )
    )
    return random_state


def _decode_classes(classes: Any, dtype_name: Any) -> np.ndarray:
    """``classes_``: two or more distinct labels in increasing order, with their saved dtype."""
    _expect("classes_dtype", dtype_name, str, "a string")
    if not _is_class_dtype_name(dtype_name):
        raise _FileError(
            "'classes_dtype' must name a bool, integer, float, string or object dtype "
            f"(e.g. 'int64', '<U3', 'object'); got {dtype_name!r}"
        )
    dtype = np.dtype(dtype_name)
    _expect("classes", classes, list, "an array of labels")
    if len(classes) < 2:
        raise _FileError(f"'classes' must hold at least 2 labels; got {len(classes)}")
    python_type = {"b": bool, "i": int, "u": int, "f": (int, float), "U": str, "O": str}
    for label in classes:
        _expect("classes", label, python_type[dtype.kind], f"labels of dtype {dtype_name}")
    try:
        array = np.array(classes, dtype=dtype)
    except (OverflowError, TypeError, ValueError):
        raise _FileError(f"'classes' {classes!r} do not fit dtype {dtype_name!r}") from None
    if array.tolist() != classes:
        raise _FileError(f"'classes' {classes!r} do not fit dtype {dtype_name!r}")
    if not all(array[:-1] < array[1:]):
        raise _FileError(f"'classes' must be distinct labels in increasing order; got {classes!r}")
    return array


def _decode_history(history: Any) -> tuple[list[float], list[float]]:
    """``history``: the loss and grad_norm of every iteration, from the start."""
    _expect("history", history, dict, "an object")
    if set(history) != {"loss", "grad_norm"}:
        raise _FileError("'history' must have exactly the keys 'loss' and 'grad_norm'")
    loss = _float_list("history.loss", history["loss"])
    return loss, _float_list("history.grad_norm", history["grad_norm"], len(loss))
