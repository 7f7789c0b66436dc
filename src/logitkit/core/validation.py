"""Input checks that turn bad input into one clear error naming the problem and the fix."""

from __future__ import annotations

import numbers

import numpy as np
from numpy.typing import ArrayLike, NDArray


def check_numeric_columns(X: object) -> None:
    """Refuse a DataFrame with non-numeric columns, naming them."""
    dtypes = getattr(X, "dtypes", None)
    if dtypes is None or not hasattr(X, "columns"):
        return
    bad = [
        str(name) for name, dtype in zip(X.columns, dtypes, strict=True) if not _is_numeric(dtype)
    ]
    if bad:
        raise ValueError(
            f"X has non-numeric column(s) {', '.join(repr(b) for b in bad)}: logistic regression "
            "needs numbers. Encode them first (e.g. one-hot with pandas.get_dummies) or drop them."
        )


def _is_numeric(dtype: object) -> bool:
    """Numbers and booleans, NumPy's or pandas' nullable extension types."""
    kind = getattr(dtype, "kind", None)
    return kind in ("b", "i", "u", "f")


def check_sample_weight(sample_weight: ArrayLike | None, n_samples: int) -> NDArray:
    """Validated frequency weights sᵢ ≥ 0 with Σs > 0, as a new float64 array (ones when None)."""
    if sample_weight is None:
        return np.ones(n_samples)
    if isinstance(sample_weight, numbers.Number):
        return np.full(n_samples, sample_weight, dtype=np.float64)
    try:
        weights = np.array(sample_weight, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ValueError(f"sample_weight must be numbers: {error}") from None
    if weights.ndim != 1:
        raise ValueError(
            f"sample_weight must be 1-D, one weight per sample; got shape {weights.shape}"
        )
    if weights.shape[0] != n_samples:
        raise ValueError(
            f"sample_weight has {weights.shape[0]} entries but X has {n_samples} samples: "
            "give one weight per row"
        )
    if not np.all(np.isfinite(weights)):
        raise ValueError("sample_weight contains NaN or infinite values: weights must be finite")
    if np.any(weights < 0):
        first = int(np.flatnonzero(weights < 0)[0])
        raise ValueError(
            f"sample_weight must be non-negative; row {first} has weight {weights[first]:g}"
        )
    if not np.any(weights > 0):
        raise ValueError(
            "sample_weight is zero for every sample: at least one weight must be positive"
        )
    return weights


def check_labels(classes: NDArray) -> None:
    """At least two classes are needed: name what was found instead."""
    if len(classes) < 2:
        found = f" ({classes[0]!r})" if len(classes) else ""
        raise ValueError(
            f"y has only one class{found}: logistic regression needs samples of at least two "
            "classes"
        )


def plain_label(label: object) -> object:
    """A NumPy scalar label as the Python value it holds (other labels as they are)."""
    return label.item() if hasattr(label, "item") else label
