"""What the plots read from a fitted model: its class count, and its fitted probabilities on
the data it was fitted on (the data given, or a formula model's own)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["Fitted", "check_fitted", "check_table", "fitted_probabilities", "require_binary"]


def check_fitted(model: Any, what: str) -> None:
    """A TypeError for something that is not a logitkit model, scikit-learn's NotFittedError
    for one that is not fitted."""
    from sklearn.utils.validation import check_is_fitted

    if not hasattr(model, "fit") or not hasattr(model, "get_params"):
        raise TypeError(
            f"{what} takes a fitted logitkit model (LogisticRegression or logitkit.logit); "
            f"got {type(model).__name__}"
        )
    check_is_fitted(model)
    if not hasattr(model, "record_"):
        raise TypeError(f"{what} takes a fitted logitkit model; got {type(model).__name__}")


def require_binary(model: Any, what: str) -> None:
    """A ValueError naming the classes when ``model`` has more than two."""
    from ..core.validation import plain_label

    check_fitted(model, what)
    classes = list(model.classes_)
    if len(classes) != 2:
        listed = ", ".join(str(plain_label(label)) for label in classes)
        raise ValueError(
            f"{what} is drawn for a model of two classes; this model has {len(classes)} "
            f"({listed}). Fit one binary model per class against the rest to draw it for each"
        )


@dataclass(frozen=True)
class Fitted:
    """Fitted probabilities (n × K, columns in the order of ``classes``), the observed class
    of each row (0 … K − 1) and the frequency weights."""

    probabilities: NDArray
    labels: NDArray
    weights: NDArray
    classes: tuple


def fitted_probabilities(
    model: Any,
    X: ArrayLike | None,
    y: ArrayLike | None,
    sample_weight: ArrayLike | None,
    what: str,
) -> Fitted:
    """The model's probabilities of every class on the data it was fitted on."""
    from ..models.build import build_objective

    check_fitted(model, what)
    formula_data = getattr(model, "formula_data_", None)
    if X is None and y is None and formula_data is not None:
        X, y, sample_weight = formula_data.X, formula_data.y, formula_data.sample_weight
    if X is None or y is None:
        raise ValueError(
            f"{what} needs the data the model was fitted on: pass X and y (and "
            "sample_weight), or fit with logitkit.logit(formula, data), which keeps them"
        )
    objective = build_objective(model, X, y, sample_weight, reset=False)
    z = objective.logits(model.record_.theta)
    return Fitted(
        probabilities=np.asarray(objective.datafit.probabilities(z), dtype=np.float64),
        labels=np.asarray(objective.y, dtype=np.intp),
        weights=np.asarray(objective.sample_weight, dtype=np.float64),
        classes=tuple(model.classes_.tolist()),
    )


def check_table(table: Any, columns: set[str], what: str, source: str) -> None:
    """ValueError unless the DataFrame ``table`` (the result of ``source``, which ``what``
    takes in place of a model) has the ``columns``."""
    missing = columns - set(table.columns)
    if missing:
        raise ValueError(
            f"{what} takes the table of {source}; this one lacks the columns {sorted(missing)}"
        )
