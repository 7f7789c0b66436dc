"""The command line's designs: a formula from a table's columns, and a fitted design rebuilt
from a model's term names.

Without ``--formula`` the command line fits ``target ~ feature + ...`` through
:func:`logitkit.logit`, so string and categorical columns are one-hot encoded in
treatment coding (the first level is the reference, as R and statsmodels do) and rows with a
missing value are dropped. A saved model keeps its term names (``a``, ``b[T.x]``,
``C(b)[T.x]``, ``a:b[T.x]``); :func:`design_from_terms` rebuilds those columns from a raw
table for ``logitkit predict``.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

from .tables import DataError, select_features

__all__ = ["design_from_terms", "formula_for"]

_LEVEL = re.compile(r"^(?:C\((?P<wrapped>.+)\)|`?(?P<plain>.+?)`?)\[T\.(?P<level>.*)\]$")


def formula_for(frame: pd.DataFrame, target: str, features: Sequence[str]) -> str:
    """``target ~ f1 + f2 + ...`` in formulaic's grammar, each name quoted with backticks
    unless it is a Python identifier (and not a keyword)."""
    listing = ", ".join(repr(str(name)) for name in frame.columns)
    if target not in frame.columns:
        raise DataError(f"target column {target!r} not found; available columns: {listing}")
    absent = [name for name in features if name not in frame.columns]
    if absent:
        raise DataError(
            f"feature column(s) {', '.join(map(repr, absent))} not found; available columns: "
            f"{listing}"
        )
    if not features:
        raise DataError(f"no feature columns: name at least one besides the target {target!r}")
    if target in features:
        raise DataError(f"the target column {target!r} cannot also be a feature")
    repeated = sorted({name for name in features if list(features).count(name) > 1})
    if repeated:
        raise DataError(f"feature column(s) {', '.join(map(repr, repeated))} listed more than once")
    names = [target, *features]
    quoted = [_quote(name) for name in names]
    return f"{quoted[0]} ~ {' + '.join(quoted[1:])}"


def _quote(name: str) -> str:
    """A column name as a formula variable."""
    if "`" in name:
        raise DataError(f"column name {name!r} has a backtick: rename the column to use it")
    return name if name.isidentifier() and not keyword.iskeyword(name) else f"`{name}`"


def design_from_terms(frame: pd.DataFrame, names: Sequence[str]) -> pd.DataFrame:
    """The design columns ``names`` computed from the raw ``frame``.

    A name is a numeric column of ``frame``, a level indicator ``col[T.level]`` or
    ``C(col)[T.level]`` (1 where the column equals the level, else 0), or an interaction of
    these joined by ``:`` (their product). A categorical column with two or more values the
    model has no indicator for is an error: only the reference level may lack one.
    """
    if all(name in frame.columns for name in names):
        return select_features(frame, list(names))
    levels: dict[str, set[str]] = {}
    columns = {name: _term(frame, name, levels) for name in names}
    for column, known in levels.items():
        unknown = sorted(set(frame[column].astype(str)) - known)
        if len(unknown) > 1:
            raise DataError(
                f"column {column!r} has values {', '.join(map(repr, unknown))} that the model "
                "has no coefficient for; only one of them can be its reference level: predict "
                "on rows with the levels the model was fitted on"
            )
    return pd.DataFrame(columns, index=frame.index)


def _term(frame: pd.DataFrame, name: str, levels: dict[str, set[str]]) -> np.ndarray:
    """One design column: the product of the factors of the term ``name``."""
    product = np.ones(len(frame))
    for factor in name.split(":"):
        if factor in frame.columns:
            product = product * select_features(frame, [factor])[factor].to_numpy(np.float64)
            continue
        match = _LEVEL.match(factor)
        column = "" if match is None else str(match["wrapped"] or match["plain"])
        if match is None or column not in frame.columns:
            raise DataError(
                f"feature column(s) {name!r} not found, nor a level (col[T.level]) of a "
                "column; 'logitkit predict' rebuilds columns, levels and their "
                "interactions: add a column with this name, or predict in Python with "
                "lk.logit(...).predict on the raw table"
            )
        values = frame[column]
        if values.isna().any():
            raise DataError(
                f"column {column!r} has {int(values.isna().sum())} missing value(s): drop "
                "those rows or fill them in"
            )
        levels.setdefault(column, set()).add(match["level"])
        product = product * (values.astype(str) == match["level"]).to_numpy(np.float64)
    return product
