"""What a formula model needs to turn raw data into its design: the formula and what it learnt.

A :class:`FormulaTerms` holds the formula as given, the response's name, formulaic's
``ModelSpec`` of the right-hand side and the design's column names. Its state is plain data
(:attr:`FormulaTerms.categories`: the levels of each categorical factor, in the fitted order;
:attr:`FormulaTerms.transforms`: the learnt state of stateful transforms such as ``center(x)``),
so a model file can keep it as JSON and :meth:`FormulaTerms.rebuild` can make the same
``ModelSpec`` again: the design of new data is then column for column the fitted one.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import narwhals.stable.v2 as nw
import numpy as np
import pandas as pd
from formulaic import Formula, ModelMatrix, ModelSpec
from formulaic.errors import DataMismatchWarning, FormulaicError
from formulaic.parser.types import Factor

__all__ = ["FormulaTerms", "design_frame", "first_line", "pandas_frame", "response_name"]

_JSON_SCALARS = (bool, int, float, str, type(None))


@dataclass(frozen=True, eq=False)
class FormulaTerms:
    """The right-hand side of a fitted formula, ready to apply to new raw data.

    formula : the formula as given, ``"response ~ terms"``.
    response : the name of the response, the formula's left-hand side.
    model_spec : formulaic's ModelSpec of the right-hand side, with the categories and the
        stateful transforms learnt from the fitted data.
    columns : the design's column names, the model's ``feature_names_in_`` (no intercept).
    """

    formula: str
    response: str
    model_spec: ModelSpec
    columns: tuple[str, ...]

    @property
    def categories(self) -> dict[str, list[Any]]:
        """Each categorical factor (``"C(race)"``, a string column) → its levels, as fitted."""
        return {
            str(name): [_plain(level) for level in state.get("categories", [])]
            for name, (kind, state) in self.model_spec.encoder_state.items()
            if kind is Factor.Kind.CATEGORICAL
        }

    @property
    def transforms(self) -> dict[str, dict[str, Any]]:
        """Each stateful transform (``"center(x)"``) → its learnt state, as JSON scalars;
        ValueError for a state that is not (such a formula cannot be saved)."""
        states: dict[str, dict[str, Any]] = {}
        for name, state in self.model_spec.transform_state.items():
            values = {str(key): _plain(value) for key, value in state.items()}
            if not all(isinstance(value, _JSON_SCALARS) for value in values.values()):
                raise ValueError(
                    f"cannot save formula {self.formula!r}: the state that {name!r} learnt is "
                    "not a set of numbers, which a model file cannot hold; write the formula "
                    "with plain columns, C(...), center(...) or scale(...) to save the model"
                )
            states[str(name)] = values
        return states

    @classmethod
    def rebuild(
        cls,
        formula: str,
        categories: Mapping[str, Sequence[Any]],
        transforms: Mapping[str, Mapping[str, Any]],
        columns: Sequence[str],
    ) -> FormulaTerms:
        """The terms of ``formula`` with the given learnt state (what :attr:`categories` and
        :attr:`transforms` gave at fit time), without the data."""
        encoder_state: dict[str, Any] = {
            name: (Factor.Kind.CATEGORICAL, {"categories": list(levels)})
            for name, levels in categories.items()
        }
        spec = ModelSpec(
            formula=Formula(formula).rhs,
            encoder_state=encoder_state,
            transform_state={name: dict(state) for name, state in transforms.items()},
        )
        return cls(formula, response_name(formula), spec, tuple(columns))

    def design_of(self, new_data: pd.DataFrame) -> pd.DataFrame:
        """The design of ``new_data`` under the formula: one row per row of ``new_data``, the
        fitted columns in the fitted order; ValueError for missing values, unseen categories
        or absent variables."""
        new_data = pandas_frame(new_data, "new_data")
        frame = new_data.reset_index(drop=True)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", DataMismatchWarning)
                matrix = self.model_spec.get_model_matrix(frame, na_action="raise")
            return design_frame(matrix, new_data.index)[list(self.columns)]
        except (FormulaicError, DataMismatchWarning, ValueError, KeyError) as error:
            raise ValueError(
                f"cannot build the design of formula {self.formula!r} for the new data: "
                f"{first_line(error)}"
            ) from None


def pandas_frame(data: Any, name: str) -> pd.DataFrame:
    """``data`` as a pandas DataFrame: itself, or converted from any DataFrame that narwhals
    reads (polars, pyarrow, ...); TypeError for anything else."""
    if isinstance(data, pd.DataFrame):
        return data
    try:
        return nw.from_native(data, eager_only=True).to_pandas()
    except TypeError:
        raise TypeError(
            f"{name} must be a DataFrame (pandas, polars, or another that scikit-learn "
            f"accepts); got {type(data).__name__}"
        ) from None


def response_name(formula: str) -> str:
    """The left-hand side of ``"response ~ terms"``, stripped."""
    return formula.split("~")[0].strip()


def design_frame(matrix: ModelMatrix, index: pd.Index) -> pd.DataFrame:
    """formulaic's model matrix as a plain float64 DataFrame with the given row labels."""
    columns = [str(name) for name in matrix.columns]
    return pd.DataFrame(np.asarray(matrix, dtype=np.float64), columns=columns, index=index)


def first_line(error: BaseException) -> str:
    """The first line of an error's message (formulaic adds a highlighted copy below it)."""
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def _plain(value: Any) -> Any:
    """A NumPy scalar as the Python value it holds."""
    return value.item() if isinstance(value, np.generic) else value
