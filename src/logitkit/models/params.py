"""The constructor parameters of LogisticRegression: their checks and what they imply.

Shared by the estimator, the regularisation path, cross-validation and the model-file loader,
so that a parameter is refused with the same message wherever it enters.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..core.record import FitRecord
from ..core.validation import plain_label
from ..solvers import SOLVERS

__all__ = [
    "FIRTH_SOLVERS",
    "SCHEDULES",
    "check_against_record",
    "check_params",
    "record_params",
    "reference_index",
]

SCHEDULES = ("auto", "constant", "invscaling")
FIRTH_SOLVERS = ("auto", "newton", "lbfgs", "gd")


def check_params(params: Mapping[str, Any]) -> None:
    """Refuse a parameter of ``LogisticRegression(**params)`` that no fit can use.

    ``params`` holds every constructor parameter (as ``get_params()`` gives them). Raises
    ValueError naming the parameter, what it must be and what it was: α ≥ 0 finite,
    ρ ∈ [0, 1], a known solver and schedule, positive tol and learning_rate, a boolean firth
    that takes no α and needs a full-data solver, positive integer max_iter and batch_size.
    """
    alpha, l1_ratio, firth, solver = (params[k] for k in ("alpha", "l1_ratio", "firth", "solver"))
    alpha_value = _real(alpha)
    if alpha_value is None or not (math.isfinite(alpha_value) and alpha_value >= 0):
        raise ValueError(f"alpha must be a finite number >= 0; got {alpha!r}")
    l1_ratio_value = _real(l1_ratio)
    if l1_ratio_value is None or not 0.0 <= l1_ratio_value <= 1.0:
        raise ValueError(f"l1_ratio must be in [0, 1]; got {l1_ratio!r}")
    names = ("auto", *SOLVERS)
    if solver not in names:
        raise ValueError(f"solver must be one of {', '.join(map(repr, names))}; got {solver!r}")
    if params["schedule"] not in SCHEDULES:
        raise ValueError(
            f"schedule must be one of {', '.join(map(repr, SCHEDULES))}; got {params['schedule']!r}"
        )
    for name in ("tol", "learning_rate"):
        _positive_number_or_none(name, params[name])
    if not isinstance(firth, (bool, np.bool_)):
        raise ValueError(f"firth must be True or False; got {firth!r}")
    if firth and alpha != 0:
        raise ValueError(
            f"firth=True penalises by Jeffreys' prior and takes no alpha; got alpha={alpha}"
        )
    if firth and solver not in FIRTH_SOLVERS:
        raise ValueError(
            f"firth=True needs the whole data at every step: use solver "
            f"{', '.join(map(repr, FIRTH_SOLVERS))}, not {solver!r}"
        )
    for name in ("max_iter", "batch_size"):
        value = params[name]
        if value is None and name == "max_iter":
            continue
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
            raise ValueError(f"{name} must be a positive integer; got {value!r}")


def _real(value: object) -> float | None:
    """``value`` as a float when it is a real number (a bool is not), else None."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return None
    return float(value)


def _positive_number_or_none(name: str, value: object) -> None:
    if value is None:
        return
    number = _real(value)
    if number is None or not math.isfinite(number) or number <= 0:
        raise ValueError(f"{name} must be a positive number; got {value!r}")


def reference_index(classes: NDArray, alpha: float, reference: object) -> int | None:
    """The position in ``classes`` of the class whose coefficients are fixed at 0.

    Two classes: 0 (the model is P(y = classes[1])). K ≥ 3: for an unpenalised fit (α = 0)
    the class ``reference`` (the first when None), against which the others are log-odds;
    None for a penalised fit, whose penalty identifies all K classes' coefficients.
    ``reference`` must be one of ``classes`` (see :func:`logitkit.models.build.check_classes`).
    """
    if len(classes) == 2:
        return 0
    if alpha != 0:
        return None
    if reference is None:
        return 0
    return int(np.flatnonzero(np.asarray(classes).astype(object) == reference)[0])


def record_params(record: FitRecord) -> dict[str, Any]:
    """The parameters a record fixes: ``alpha``, ``l1_ratio``, ``firth``, ``fit_intercept``,
    and ``reference`` (None when it is the first class, or there is none)."""
    index = record.reference
    return {
        "alpha": record.alpha,
        "l1_ratio": record.l1_ratio,
        "firth": record.firth,
        "fit_intercept": record.fit_intercept,
        "reference": None if not index else record.classes.tolist()[index],
    }


def check_against_record(params: Mapping[str, Any], record: FitRecord) -> None:
    """Refuse parameters that disagree with the fit ``record`` comes from: another penalty,
    Firth or intercept, or a ``reference`` that is not the record's reference class."""
    for name in ("alpha", "l1_ratio", "firth", "fit_intercept"):
        value = getattr(record, name)
        if params[name] != value:
            raise ValueError(f"{name}={params[name]!r} disagrees with the record's {value!r}")
    reference, classes, index = params["reference"], record.classes, record.reference
    unknown = reference is not None and reference not in classes.tolist()
    if unknown or (
        index is not None
        and not (reference == classes[index] or (reference is None and index == 0))
    ):
        shown = None if index is None else plain_label(classes[index])
        raise ValueError(
            f"reference={reference!r} is not the record's reference class {shown!r} "
            f"(classes {classes.tolist()})"
        )
