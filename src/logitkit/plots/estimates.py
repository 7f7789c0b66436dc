"""Forest plots: the coefficients (or odds ratios) with their intervals, and the marginal
effects with theirs; a multinomial model gets one panel per class."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from .axes import log_ticks, panels, single_axes
from .inputs import check_fitted, check_table

__all__ = ["plot_coefficients", "plot_marginal_effects"]

_EFFECT_LABELS = {
    "dydx": "Average marginal effect dP/dx",
    "eyex": "Elasticity d log P / d log x",
    "dyex": "Semi-elasticity dP / d log x",
    "eydx": "Semi-elasticity d log P / dx",
}


def plot_coefficients(
    model: Any,
    X: ArrayLike | None = None,
    y: ArrayLike | None = None,
    *,
    odds_ratio: bool = False,
    intercept: bool = False,
    cov_type: str = "nonrobust",
    groups: ArrayLike | str | None = None,
    ci: str = "wald",
    level: float = 0.95,
    ax: Any = None,
) -> Any:
    """A forest plot of the estimates (or with ``odds_ratio=True`` the odds ratios, on a log
    axis) with their intervals, one row per term, the intercept left out unless
    ``intercept=True``; an interval that is not finite (separation) is not drawn.

    ``model`` is a fitted model or its :class:`~logitkit.inference.summary.Summary`; the
    interval options go to ``model.summary`` (any ``cov_type``, Wald or profile ``ci``), and X,
    y are the fitted data where the summary needs them. Two classes: one Axes; K ≥ 3: one
    panel per class (``ax`` None or one Axes per class), and the array of Axes is returned.
    """
    from ..inference.summary import Summary

    if isinstance(model, Summary):
        summary = model
    else:
        check_fitted(model, "plot_coefficients")
        summary = model.summary(cov_type=cov_type, groups=groups, ci=ci, level=level, X=X, y=y)
    table = summary.table
    columns = ("odds_ratio", "or_low", "or_high") if odds_ratio else ("coef", "ci_low", "ci_high")
    what = "Odds ratio" if odds_ratio else "Estimate (log-odds)"
    interval = (
        f"{round(summary.level * 100, 6):g}% {'profile' if summary.ci == 'profile' else 'Wald'}"
    )
    xlabel = f"{what}, {interval} interval ({summary.cov_type})"
    return _forest_panels(
        table,
        columns,
        ax,
        "plot_coefficients",
        xlabel=xlabel,
        reference=1.0 if odds_ratio else 0.0,
        log=odds_ratio,
        keep=(lambda term: True) if intercept else (lambda term: term != "Intercept"),
        title="Odds ratios" if odds_ratio else "Coefficients",
    )


def plot_marginal_effects(
    model: Any,
    X: ArrayLike | None = None,
    y: ArrayLike | None = None,
    *,
    at: str = "overall",
    method: str = "dydx",
    dummy: bool = False,
    count: bool = False,
    cov_type: str = "nonrobust",
    level: float = 0.95,
    ax: Any = None,
) -> Any:
    """A forest plot of the marginal effects of :func:`logitkit.marginal_effects` (its
    ``at``, ``method``, ``dummy``, ``count``, ``cov_type`` and ``level``) with their
    delta-method intervals.

    ``model`` is a fitted model (with its data unless it is a formula model) or the table
    ``marginal_effects`` returned. Two classes: one Axes; K ≥ 3: one panel per class (the
    effects on each class's probability), and the array of Axes is returned.
    """
    if isinstance(model, pd.DataFrame):
        table = model
        check_table(
            table,
            {"effect", "ci_low", "ci_high"},
            "plot_marginal_effects",
            "logitkit.marginal_effects",
        )
        xlabel = "Marginal effect"
    else:
        from ..models.model_checks import marginal_effects

        check_fitted(model, "plot_marginal_effects")
        table = marginal_effects(
            model,
            X,
            y,
            at=at,
            method=method,
            dummy=dummy,
            count=count,
            cov_type=cov_type,
            level=level,
        )
        xlabel = f"{_EFFECT_LABELS.get(method, 'Marginal effect')} ({at})"
    return _forest_panels(
        table,
        ("effect", "ci_low", "ci_high"),
        ax,
        "plot_marginal_effects",
        xlabel=xlabel,
        reference=0.0,
        log=False,
        keep=lambda term: True,
        title="Marginal effects",
    )


def _forest_panels(
    table: pd.DataFrame,
    columns: tuple[str, str, str],
    ax: Any,
    what: str,
    *,
    xlabel: str,
    reference: float,
    log: bool,
    keep: Any,
    title: str,
) -> Any:
    """One forest per class of a (class, term) table, or one for a table indexed by term."""
    if isinstance(table.index, pd.MultiIndex):
        classes = list(dict.fromkeys(table.index.get_level_values(0)))
        axes = panels(ax, len(classes), f"{what} of a multinomial model", height=_height(table))
        for panel, label in zip(axes, classes, strict=True):
            part = table.xs(label, level=0)
            _forest(panel, part, columns, xlabel, reference, log, keep, f"class {label}")
        axes[0].figure.suptitle(title)
        return axes
    height = _height(table)
    ax = single_axes(ax, what, figsize=(5.5, height))
    _forest(ax, table, columns, xlabel, reference, log, keep, title)
    return ax


def _height(table: pd.DataFrame) -> float:
    """A figure height that gives each term of one panel room for its label."""
    terms = table.index.get_level_values(-1).nunique()
    return float(min(max(2.5, 0.6 + 0.35 * terms), 12.0))


def _forest(
    ax: Any,
    table: pd.DataFrame,
    columns: tuple[str, str, str],
    xlabel: str,
    reference: float,
    log: bool,
    keep: Any,
    title: str,
) -> None:
    """Points at the estimates and horizontal lines over the finite intervals, the first
    term on top."""
    rows = table[[keep(str(term)) for term in table.index]]
    if rows.empty:
        raise ValueError(f"there is no term to draw in {title.lower()} (only an intercept)")
    names = [str(term) for term in rows.index]
    estimate, low, high = (rows[column].to_numpy(dtype=np.float64) for column in columns)
    position = np.arange(len(names))[::-1].astype(np.float64)
    valid = np.isfinite(estimate) & (estimate > 0 if log else True)
    bounded = valid & np.isfinite(low) & np.isfinite(high) & ((low > 0) if log else True)
    ax.axvline(reference, color="grey", linewidth=0.8, linestyle="--")
    ax.hlines(position[bounded], low[bounded], high[bounded], color="C0", linewidth=2.0)
    ax.plot(estimate[valid], position[valid], "o", color="C0", markersize=5)
    ax.set_yticks(
        position,
        [name if bounded[j] else f"{name} (interval not finite)" for j, name in enumerate(names)],
    )
    ax.set_ylim(-0.7, len(names) - 0.3)
    if log:
        ax.set_xscale("log")
        shown = np.concatenate((estimate[valid], low[bounded], high[bounded], [reference]))
        log_ticks(ax, float(shown.min()), float(shown.max()))
    ax.set_xlabel(xlabel)
    ax.set_title(title)
