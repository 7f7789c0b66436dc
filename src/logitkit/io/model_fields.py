"""The structured entries of a model file, encoded to JSON and decoded with every check.

Class labels and their dtype, the constructor parameters (with a class_weight dict and a
RandomState's MT19937 state), the fit statistics, the iteration history and the separation
finding: each has an encoder that refuses what a model file cannot hold and a decoder that
checks presence, type and consistency, raising a :class:`~logitkit.io.json_values.FileError`.
"""

from __future__ import annotations

import math
import numbers
import re
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..core.record import Separation
from ..models.estimator import LogisticRegression
from .json_values import FileError, decode_float, expect, float_list, json_type

__all__ = [
    "classes_dtype_name",
    "decode_classes",
    "decode_history",
    "decode_params",
    "decode_separation",
    "decode_statistics",
    "encode_label",
    "encode_param",
]

_CLASS_DTYPES = frozenset(
    ["bool", "object", "float16", "float32", "float64"]
    + [f"{sign}int{bits}" for sign in ("", "u") for bits in (8, 16, 32, 64)]
)
_MT19937_WORDS = 624


def encode_label(label: Any) -> bool | int | float | str:
    """A class label as a JSON scalar; refuses anything else."""
    value = label.item() if isinstance(label, np.generic) else label
    if isinstance(value, bool | int | str) or (isinstance(value, float) and math.isfinite(value)):
        return value
    raise ValueError(
        f"a model file holds class labels that are numbers, booleans or strings; got {label!r}"
    )


def classes_dtype_name(classes: np.ndarray) -> str:
    """The NumPy dtype of ``classes_`` as a string that :func:`numpy.dtype` reads back."""
    name = classes.dtype.str if classes.dtype.kind == "U" else classes.dtype.name
    if not _is_class_dtype_name(name):
        raise ValueError(f"a model file cannot hold class labels of dtype {classes.dtype}")
    return name


def _is_class_dtype_name(name: str) -> bool:
    """Whether ``name`` is one of the label dtypes a model file holds (see _CLASS_DTYPES)."""
    return name in _CLASS_DTYPES or re.fullmatch(r"[<>]U[1-9][0-9]{0,8}", name) is not None


def encode_param(name: str, value: Any) -> Any:
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
        return [[encode_label(key), encode_param(name, weight)] for key, weight in value.items()]
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


def decode_separation(separation: Any, term_names: list[str]) -> Separation | None:
    """``separation``: null, or the kind, the infinite terms (name → ±1) and undetermined ones."""
    if separation is None:
        return None
    expect("separation", separation, dict, "an object or null")
    if set(separation) != {"kind", "terms", "undetermined"}:
        raise FileError("'separation' must have exactly the keys kind, terms, undetermined")
    kind = expect("separation.kind", separation["kind"], str, "a string")
    if kind not in ("complete", "quasi-complete"):
        raise FileError(f"'separation.kind' must be complete or quasi-complete; got {kind!r}")
    terms = expect("separation.terms", separation["terms"], dict, "an object")
    undetermined = expect(
        "separation.undetermined", separation["undetermined"], list, "an array of strings"
    )
    for name in [*terms, *undetermined]:
        if name not in term_names:
            raise FileError(f"'separation' names {name!r}, which is not a term of the model")
    for name, sign in terms.items():
        if sign not in (1, -1) or isinstance(sign, bool):
            raise FileError(f"'separation.terms' must map names to 1 or -1; {name!r} has {sign!r}")
    return Separation(kind=kind, terms=dict(terms), undetermined=tuple(undetermined))


def decode_statistics(statistics: Any, n_params: int) -> dict[str, Any]:
    """``statistics``: ℓ, ℓ₀, n and the k×k information and meat (or null), by record field."""
    keys = {"loglik", "null_loglik", "n_obs", "information", "score_outer"}
    expect("statistics", statistics, dict, "an object")
    if set(statistics) != keys:
        raise FileError(f"'statistics' must have exactly the keys {', '.join(sorted(keys))}")
    n_obs = decode_float("statistics.n_obs", statistics["n_obs"])
    if not n_obs > 0:
        raise FileError(f"'statistics.n_obs' must be positive; got {n_obs}")
    matrices: list[NDArray | None] = []
    for name in ("information", "score_outer"):
        rows = statistics[name]
        if rows is None:
            matrices.append(None)
            continue
        key = f"statistics.{name}"
        expect(key, rows, list, f"an array of {n_params} arrays or null")
        if len(rows) != n_params:
            raise FileError(f"{key!r} has {len(rows)} rows; expected {n_params}")
        matrices.append(np.array([float_list(key, row, n_params) for row in rows]))
    return {
        "loglik": decode_float("statistics.loglik", statistics["loglik"]),
        "null_loglik": decode_float("statistics.null_loglik", statistics["null_loglik"]),
        "n_obs": n_obs,
        "information": matrices[0],
        "score_outer": matrices[1],
    }


def decode_params(params: Any) -> dict[str, Any]:
    """Constructor parameters, each of the JSON type of its default; unknown names refused."""
    expect("params", params, dict, "an object")
    defaults = LogisticRegression().get_params()
    unknown = [name for name in params if name not in defaults]
    if unknown:
        listed = ", ".join(repr(name) for name in unknown)
        raise FileError(f"unknown parameter(s) {listed} in 'params'")
    decoded = {}
    for name, value in params.items():
        key = f"params.{name}"
        default = defaults[name]
        if isinstance(default, bool):
            decoded[name] = expect(key, value, bool, "true or false")
        elif isinstance(default, str):
            decoded[name] = expect(key, value, str, "a string")
        elif isinstance(default, int):
            decoded[name] = expect(key, value, int, "an integer")
        elif isinstance(default, float):
            decoded[name] = expect(key, value, (int, float), "a number")
        elif name == "class_weight" and isinstance(value, list):
            decoded[name] = _decode_class_weight(key, value)
        elif name == "random_state" and isinstance(value, dict):
            decoded[name] = _decode_random_state(key, value)
        else:
            decoded[name] = expect(key, value, (type(None), bool, int, float, str), "a scalar")
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
            raise FileError(
                f"{key!r} must be an array of [label, weight] pairs; got {json_type(pair)}"
            )
        weights[pair[0]] = pair[1]
    return weights


def _decode_random_state(key: str, state: dict[str, Any]) -> np.random.RandomState:
    """A RandomState restored from its saved MT19937 state."""
    expected = {"bit_generator", "key", "pos", "has_gauss", "gauss"}
    if set(state) != expected or state["bit_generator"] != "MT19937":
        raise FileError(f"{key!r} must be an MT19937 state with keys {sorted(expected)}")
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
        raise FileError(f"{key!r} is not a valid MT19937 state")
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


def decode_classes(classes: Any, dtype_name: Any) -> np.ndarray:
    """``classes_``: two or more distinct labels in increasing order, with their saved dtype."""
    expect("classes_dtype", dtype_name, str, "a string")
    if not _is_class_dtype_name(dtype_name):
        raise FileError(
            "'classes_dtype' must name a bool, integer, float, string or object dtype "
            f"(e.g. 'int64', '<U3', 'object'); got {dtype_name!r}"
        )
    dtype = np.dtype(dtype_name)
    expect("classes", classes, list, "an array of labels")
    if len(classes) < 2:
        raise FileError(f"'classes' must hold at least 2 labels; got {len(classes)}")
    python_type: dict[str, type | tuple[type, ...]] = {
        "b": bool,
        "i": int,
        "u": int,
        "f": (int, float),
        "U": str,
        "O": str,
    }
    for label in classes:
        expect("classes", label, python_type[dtype.kind], f"labels of dtype {dtype_name}")
    try:
        array = np.array(classes, dtype=dtype)
    except (OverflowError, TypeError, ValueError):
        raise FileError(f"'classes' {classes!r} do not fit dtype {dtype_name!r}") from None
    if array.tolist() != classes:
        raise FileError(f"'classes' {classes!r} do not fit dtype {dtype_name!r}")
    if not all(array[:-1] < array[1:]):
        raise FileError(f"'classes' must be distinct labels in increasing order; got {classes!r}")
    return array


def decode_history(history: Any) -> tuple[list[float], list[float]]:
    """``history``: the loss and grad_norm of every iteration, from the start."""
    expect("history", history, dict, "an object")
    if set(history) != {"loss", "grad_norm"}:
        raise FileError("'history' must have exactly the keys 'loss' and 'grad_norm'")
    loss = float_list("history.loss", history["loss"])
    return loss, float_list("history.grad_norm", history["grad_norm"], len(loss))
