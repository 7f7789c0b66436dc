"""Strict JSON for model files: writing floats that read back exactly, and reading typed values.

Floats are written as the shortest decimal that reads back to the same double; NaN and ±inf
as the strings "nan", "inf" and "-inf", which keeps the text standard JSON. Reading refuses
anything that is not standard JSON (NaN and Infinity constants, a key given twice in one
object) and checks each value's JSON type, so every problem is a :class:`FileError` that
names the key and what it should hold.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, NoReturn

import numpy as np

__all__ = [
    "FileError",
    "decode_float",
    "dumps",
    "encode_float",
    "encode_matrix",
    "expect",
    "float_list",
    "json_type",
    "read_json",
]

_NON_FINITE = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}


class FileError(Exception):
    """A problem found while reading a file; :func:`~logitkit.io.model_file.load` turns it
    into a ModelFileError."""


def encode_matrix(matrix: np.ndarray | None) -> list[list[float | str]] | None:
    """A p×p matrix as rows of floats, or None when the fit kept none."""
    if matrix is None:
        return None
    return [[encode_float(v) for v in row] for row in matrix]


def dumps(value: Any, indent: str = "") -> str:
    """JSON text with one object key per line and every array on a single line."""
    if not isinstance(value, dict) or not value:
        return json.dumps(value, allow_nan=False, ensure_ascii=False)
    inner = indent + "  "
    items = (f"{inner}{json.dumps(key)}: {dumps(item, inner)}" for key, item in value.items())
    return "{\n" + ",\n".join(items) + "\n" + indent + "}"


def encode_float(value: float) -> float | str:
    """A finite float as itself; NaN and ±inf as "nan", "inf", "-inf"."""
    value = float(value)
    if math.isfinite(value):
        return value
    if math.isnan(value):
        return "nan"
    return "inf" if value > 0 else "-inf"


def read_json(path: Path) -> Any:
    """The parsed JSON document in ``path``; refuses unreadable, binary and non-JSON files."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise FileError("no such file") from None
    except IsADirectoryError:
        raise FileError("it is a directory, not a model file") from None
    except OSError as error:
        raise FileError(error.strerror or str(error)) from None
    if data.startswith(b"\x80"):
        raise FileError("it looks like a pickle, which logitkit never loads; expected a JSON file")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise FileError("it is not UTF-8 text, so not a logitkit model file (JSON)") from None
    try:
        return json.loads(text, object_pairs_hook=_unique_keys, parse_constant=_refuse_constant)
    except json.JSONDecodeError as error:
        raise FileError(
            f"not valid JSON (truncated or corrupted?): {error.msg} at line {error.lineno} "
            f"column {error.colno}"
        ) from None
    except (ValueError, RecursionError) as error:
        raise FileError(f"not valid JSON: {error}") from None


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object as a dict; a key given twice is refused."""
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise FileError(f"the key {key!r} appears twice in one object")
        result[key] = value
    return result


def _refuse_constant(name: str) -> NoReturn:
    raise FileError(f"{name} is not standard JSON; non-finite numbers are written as strings")


def json_type(value: Any) -> str:
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


def expect(key: str, value: Any, kind: type | tuple[type, ...], what: str) -> Any:
    """``value`` when it is of the JSON ``kind`` (booleans are never numbers), else refuse."""
    if isinstance(value, kind) and not (isinstance(value, bool) and bool not in _as_tuple(kind)):
        return value
    raise FileError(f"{key!r} must be {what}; got {json_type(value)}")


def _as_tuple(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def decode_float(key: str, value: Any) -> float:
    """A float from a JSON number or one of the strings "nan", "inf", "-inf"."""
    if isinstance(value, str) and value in _NON_FINITE:
        return _NON_FINITE[value]
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return float(value)
        except OverflowError:
            raise FileError(f"{key!r} holds a number too large for a float") from None
    raise FileError(f'{key!r} must hold numbers (or "nan", "inf", "-inf"); got {json_type(value)}')


def float_list(key: str, value: Any, length: int | None = None) -> list[float]:
    """A JSON array of floats, of ``length`` entries when given."""
    expect(key, value, list, "an array of numbers")
    if length is not None and len(value) != length:
        raise FileError(f"{key!r} has {len(value)} entries; expected {length}")
    return [decode_float(key, item) for item in value]
