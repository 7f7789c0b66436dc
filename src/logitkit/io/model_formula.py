"""The ``formula`` entry of a model file: a formula model's formula and what it learnt.

``{"text": "low ~ age + C(race)", "response": "low", "categories": {"C(race)": [1, 2, 3]},
"transforms": {"center(age)": {"center": 29.1, "scale": null, "ddof": 1}}}``: the formula as
given, the response's name, each categorical factor's levels in the fitted order (the first is
the reference level of the treatment coding) and each stateful transform's learnt state. From
them :meth:`~logitkit.models.formula_terms.FormulaTerms.rebuild` makes the fitted ModelSpec
again, so a loaded formula model predicts from raw data.
"""

from __future__ import annotations

from typing import Any

from formulaic.errors import FormulaicError

from ..models.formula_terms import FormulaTerms
from .json_values import FileError, expect
from .model_fields import encode_label

__all__ = ["decode_formula", "encode_formula"]

_KEYS = {"text", "response", "categories", "transforms"}
_SCALARS = (bool, int, float, str, type(None))


def encode_formula(terms: FormulaTerms | None) -> dict[str, Any] | None:
    """The ``formula`` entry of a model fitted from ``terms``, null for other models."""
    if terms is None:
        return None
    return {
        "text": terms.formula,
        "response": terms.response,
        "categories": {
            name: [encode_label(level) for level in levels]
            for name, levels in terms.categories.items()
        },
        "transforms": terms.transforms,
    }


def decode_formula(entry: Any, feature_names: list[str] | None) -> FormulaTerms | None:
    """The FormulaTerms of a ``formula`` entry (None for null), checked against the model's
    ``feature_names_in`` (which a formula model always has)."""
    if entry is None:
        return None
    expect("formula", entry, dict, "an object or null")
    if set(entry) != _KEYS:
        raise FileError(f"'formula' must have exactly the keys {', '.join(sorted(_KEYS))}")
    text = expect("formula.text", entry["text"], str, "a string")
    response = expect("formula.response", entry["response"], str, "a string")
    categories = expect("formula.categories", entry["categories"], dict, "an object")
    for name, levels in categories.items():
        expect(f"formula.categories.{name}", levels, list, "an array of levels")
        if not levels or not all(isinstance(level, bool | int | float | str) for level in levels):
            raise FileError(
                f"'formula.categories.{name}' must hold one or more numbers, booleans or strings"
            )
    transforms = expect("formula.transforms", entry["transforms"], dict, "an object")
    for name, state in transforms.items():
        expect(f"formula.transforms.{name}", state, dict, "an object")
        if not all(isinstance(value, _SCALARS) for value in state.values()):
            raise FileError(f"'formula.transforms.{name}' must map names to JSON scalars")
    if feature_names is None:
        raise FileError("a model with a 'formula' must have 'feature_names_in'")
    try:
        terms = FormulaTerms.rebuild(text, categories, transforms, feature_names)
    except (FormulaicError, ValueError, TypeError) as error:
        raise FileError(f"'formula.text' {text!r} is not a valid formula: {error}") from None
    if terms.response != response:
        raise FileError(
            f"'formula.response' is {response!r} but the formula's response is {terms.response!r}"
        )
    return terms
