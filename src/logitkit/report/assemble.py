"""Gather what the report shows: the fitted data, every statistic and check (each computed
once, and shared by its table and its figure), and the warnings, in plain words.

A check that does not apply to the fit (a binary-only check of a multinomial model, influence
measures of a penalised fit, anything that needs data the report was not given) is kept as
the reason it does not apply, and the report says so in its place.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["Inputs", "Results", "Unavailable", "gather"]

ANOVA_MAX_ROWS = 200_000
"""Above this many rows the report leaves out the analysis of deviance unless asked: its
likelihood-ratio tests refit the model once per term."""
VIF_LIMIT = 10.0
"""A (G)VIF above this (GVIF^(1/(2 df)) above its square root) is reported as collinearity."""


@dataclass(frozen=True)
class Unavailable:
    """Why a part of the report could not be computed."""

    reason: str


@dataclass(frozen=True)
class Inputs:
    """What :func:`logitkit.report` was given."""

    model: Any
    X: ArrayLike | None
    y: ArrayLike | None
    sample_weight: ArrayLike | None
    cov_type: str = "nonrobust"
    groups: Any = None
    ci: str = "wald"
    level: float = 0.95
    source: str | None = None
    command: str | None = None
    fit_warnings: tuple[str, ...] = ()
    anova: bool | None = None


@dataclass
class Results:
    """Each statistic, or the reason it is unavailable."""

    inputs: Inputs
    has_data: bool
    n_rows: int | None
    summary: Any = None
    goodness: Any = None
    anova: Any = None
    vif: Any = None
    influence: Any = None
    binned: Any = None
    margins: Any = None
    warnings: list[str] = field(default_factory=list)


def gather(inputs: Inputs) -> Results:
    """Check the model and data, then compute every part of the report."""
    from ..models.diagnostics import binned_residuals, influence
    from ..models.model_checks import anova, goodness_of_fit, marginal_effects, vif
    from ..plots.inputs import check_fitted

    model = inputs.model
    check_fitted(model, "report")
    X, y, weights = inputs.X, inputs.y, inputs.sample_weight
    if (X is None) != (y is None):
        raise ValueError("report needs both X and y (the data the model was fitted on), or neither")
    formula_data = getattr(model, "formula_data_", None)
    has_data = X is not None or formula_data is not None
    n_rows = _check_data(model, X, y, weights) if X is not None else None
    if n_rows is None and formula_data is not None:
        n_rows = len(formula_data.X)
    results = Results(inputs=inputs, has_data=has_data, n_rows=n_rows)
    needs_data = "this check needs the data the model was fitted on: pass X and y to report"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        results.summary = _attempt(
            lambda: model.summary(
                cov_type=inputs.cov_type,
                groups=inputs.groups,
                ci=inputs.ci,
                level=inputs.level,
                X=X,
                y=y,
                sample_weight=weights,
            )
        )
        results.vif = _attempt(lambda: vif(model, X))
        if has_data:
            results.goodness = _attempt(lambda: goodness_of_fit(model, X, y, sample_weight=weights))
            results.anova = (
                _attempt(lambda: anova(model, X, y, sample_weight=weights))
                if _wants_anova(inputs, n_rows)
                else Unavailable(
                    f"its likelihood-ratio tests refit the model once per term, and with "
                    f"{n_rows:,} rows the report leaves them out (above "
                    f"{ANOVA_MAX_ROWS:,} rows). logitkit.anova(model), 'logitkit fit "
                    "--diagnostics' or 'logitkit report --anova' computes them"
                )
            )
            results.influence = _attempt(lambda: influence(model, X, y, sample_weight=weights))
            results.binned = _attempt(lambda: binned_residuals(model, X, y, sample_weight=weights))
            results.margins = _attempt(
                lambda: marginal_effects(model, X, y, sample_weight=weights, level=inputs.level)
            )
        else:
            for name in ("goodness", "anova", "influence", "binned", "margins"):
                setattr(results, name, Unavailable(needs_data))
    results.warnings = fit_warnings(model, results) + _distinct(
        [
            *inputs.fit_warnings,
            *(str(w.message) for w in caught if not issubclass(w.category, DeprecationWarning)),
        ]
    )
    return results


def _wants_anova(inputs: Inputs, n_rows: int | None) -> bool:
    """Whether to compute the analysis of deviance: as asked, else up to ANOVA_MAX_ROWS."""
    if inputs.anova is not None:
        return inputs.anova
    return n_rows is None or n_rows <= ANOVA_MAX_ROWS


def _check_data(model: Any, X: ArrayLike, y: Any, weights: ArrayLike | None) -> int:
    """The number of rows of X, or a ValueError when X, y are not the data the model was
    fitted on (their shape, classes, count or log-likelihood differ)."""
    from ..models.build import build_objective

    record = model.record_
    objective = build_objective(model, X, y, weights, reset=False)
    total = float(objective.sample_weight.sum())
    loglik = -objective.data_term(record.theta) * total
    if not (
        np.isclose(total, record.n_obs) and np.isclose(loglik, record.loglik, rtol=1e-8, atol=1e-8)
    ):
        raise ValueError(
            f"report needs the data the model was fitted on, and these differ from them (n = "
            f"{total:g} and log-likelihood {loglik:.6g} here; the fit had n = "
            f"{record.n_obs:g} and {record.loglik:.6g})"
        )
    return int(objective.design.n_samples)


def _attempt(compute: Callable[[], Any]) -> Any:
    """``compute()``, or Unavailable with the reason when it does not apply (ValueError)."""
    try:
        return compute()
    except ValueError as error:
        return Unavailable(" ".join(str(error).split()))


def _distinct(messages: Any) -> list[str]:
    """The messages in order, each once, each on one line."""
    return list(dict.fromkeys(" ".join(message.split()) for message in messages))


def fit_warnings(model: Any, results: Results) -> list[str]:
    """Non-convergence, separation and collinearity, in plain words."""
    record = model.record_
    found = []
    if not record.converged:
        found.append(
            f"The solver ({record.solver}) stopped after {record.n_iter} iterations without "
            f"reaching its tolerance ({record.stop_reason}). The estimates are not the "
            "optimum: raise max_iter, loosen tol, or standardise the features, and refit."
        )
    if record.separation is not None:
        remedy = (
            "The penalty keeps the estimates finite."
            if record.firth or record.alpha > 0
            else "The maximum likelihood estimates do not exist, and the standard errors of "
            "these coefficients are meaningless: refit with firth=True (--firth) for finite "
            "bias-reduced estimates, or with a penalty (alpha > 0)."
        )
        found.append(f"Separation: {str(record.separation).rstrip('.')}. {remedy}")
    if record.aliased:
        names = ", ".join(record.aliased)
        found.append(
            f"Collinearity: the columns of {names} are linear combinations of other columns, "
            "so their coefficients cannot be estimated; they are held at 0 and shown as NA, "
            "as R's glm does. Drop them or the columns they repeat."
        )
    if not isinstance(results.vif, Unavailable) and results.vif is not None:
        adjusted = results.vif["gvif_adjusted"].to_numpy(dtype=np.float64)
        high = [
            str(t) for t, v in zip(results.vif.index, adjusted, strict=True) if v**2 > VIF_LIMIT
        ]
        if high:
            found.append(
                f"Collinearity: {', '.join(high)} "
                f"{'has' if len(high) == 1 else 'have'} a variance inflation factor above "
                f"{VIF_LIMIT:g} (GVIF^(1/(2 df)) above √{VIF_LIMIT:g}): "
                f"{'it is' if len(high) == 1 else 'they are'} nearly a linear combination of "
                "the other terms, so the standard errors are inflated and the estimates unstable."
            )
    return found
