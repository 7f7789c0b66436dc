"""Residual and influence plots of a binary fit: arm's binned residuals and the studentized
residuals against leverage, sized by Cook's distance."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from .axes import evenly_spaced, single_axes
from .inputs import check_table, require_binary

__all__ = ["plot_binned_residuals", "plot_influence"]

INFLUENCE_POINTS = 1000
"""The most rows an influence plot draws: the largest Cook's distances, then an evenly
spaced sample of the rest."""


def plot_binned_residuals(
    model: Any,
    X: ArrayLike | None = None,
    y: ArrayLike | None = None,
    *,
    bins: int | None = None,
    sample_weight: ArrayLike | None = None,
    ax: Any = None,
) -> Any:
    """arm's binned residual plot: the mean residual y − p̂ of each bin of rows against its
    mean fitted probability, between the lines ±2 standard errors; about 95% of the points
    lie between them when the model is right (points outside are drawn in red).

    ``model`` is a fitted binary model (with its data unless it is a formula model) or the
    table :func:`logitkit.binned_residuals` returned; ``bins`` is that function's (⌊√n⌋ by
    default). Returns the Axes.
    """
    if isinstance(model, pd.DataFrame):
        table = model
        check_table(
            table,
            {"mean_fitted", "mean_residual", "two_se"},
            "plot_binned_residuals",
            "logitkit.binned_residuals",
        )
    else:
        from ..models.diagnostics import binned_residuals

        require_binary(model, "plot_binned_residuals")
        table = binned_residuals(model, X, y, bins=bins, sample_weight=sample_weight)
    ax = single_axes(ax, "plot_binned_residuals")
    x = table["mean_fitted"].to_numpy(dtype=np.float64)
    residual = table["mean_residual"].to_numpy(dtype=np.float64)
    band = table["two_se"].to_numpy(dtype=np.float64)
    outside = np.abs(residual) > band
    ax.axhline(0.0, color="grey", linewidth=0.8)
    ax.plot(x, band, color="grey", linewidth=1.0, label="±2 standard errors")
    ax.plot(x, -band, color="grey", linewidth=1.0)
    inside = float(np.mean(~outside[np.isfinite(band)])) if np.isfinite(band).any() else np.nan
    ax.scatter(
        x,
        residual,
        s=14,
        c=np.where(outside, "C3", "C0"),
        label=f"bin means ({len(x)} bins, {inside:.0%} inside)",
        zorder=3,
    )
    ax.set_xlabel("Expected value (mean fitted probability)")
    ax.set_ylabel("Average residual (y − p̂)")
    ax.set_title("Binned residuals")
    ax.legend(loc="best", fontsize="small")
    return ax


def plot_influence(
    model: Any,
    X: ArrayLike | None = None,
    y: ArrayLike | None = None,
    *,
    label: int = 5,
    sample_weight: ArrayLike | None = None,
    ax: Any = None,
) -> Any:
    """Studentized residuals against hat values, each point's area proportional to its
    Cook's distance, the rows R's influence.measures flags in red and the ``label`` rows of
    largest Cook's distance named by their index; dotted lines at ±2 and at the hat value
    3k/n of R's rule.

    ``model`` is a fitted binary model (with its data unless it is a formula model) or the
    table :func:`logitkit.influence` returned. Of more than 1,000 rows the plot draws the
    largest Cook's distances and an evenly spaced sample of the rest (1,000 in all). Returns
    the Axes.
    """
    if isinstance(label, bool) or not isinstance(label, int | np.integer) or label < 0:
        raise ValueError(f"label must be a whole number of rows >= 0; got {label!r}")
    if isinstance(model, pd.DataFrame):
        table = model
        check_table(
            table, {"hat", "cooks_distance", "studentized"}, "plot_influence", "logitkit.influence"
        )
    else:
        from ..models.diagnostics import influence

        require_binary(model, "plot_influence")
        table = influence(model, X, y, sample_weight=sample_weight)
    ax = single_axes(ax, "plot_influence")
    hat = table["hat"].to_numpy(dtype=np.float64)
    cooks = table["cooks_distance"].to_numpy(dtype=np.float64)
    studentized = table["studentized"].to_numpy(dtype=np.float64)
    flagged = (
        table["influential"].to_numpy(dtype=bool)
        if "influential" in table.columns
        else np.zeros(hat.size, dtype=bool)
    )
    finite = np.isfinite(hat) & np.isfinite(cooks) & np.isfinite(studentized)
    shown, worst = _rows_to_draw(np.where(finite, cooks, -np.inf), finite, int(label))
    largest = float(cooks[shown].max()) if shown.size else 1.0
    sizes = 6.0 + 300.0 * cooks[shown] / (largest if largest > 0 else 1.0)
    ax.scatter(
        hat[shown],
        studentized[shown],
        s=sizes,
        c=np.where(flagged[shown], "C3", "C0"),
        alpha=0.6,
        edgecolors="none",
        label=f"rows (area ∝ Cook's distance; red: flagged){_sampled(shown.size, hat.size)}",
    )
    for position in worst:
        ax.annotate(
            str(table.index[position]),
            (hat[position], studentized[position]),
            xytext=(4, 4),
            textcoords="offset points",
            fontsize="small",
        )
    for level in (-2.0, 2.0):
        ax.axhline(level, color="grey", linestyle=":", linewidth=1.0)
    k = sum(1 for column in table.columns if str(column).startswith("dfbeta_"))
    n = int(np.count_nonzero(hat > 0.0))
    if k and n:
        ax.axvline(3.0 * k / n, color="grey", linestyle=":", linewidth=1.0)
    ax.set_xlabel("Hat value (leverage)")
    ax.set_ylabel("Studentized residual")
    ax.set_title("Influence")
    ax.legend(loc="best", fontsize="small")
    return ax


def _rows_to_draw(score: NDArray, finite: NDArray, label: int) -> tuple[NDArray, NDArray]:
    """The rows to draw, in order: every finite row when there are at most INFLUENCE_POINTS,
    else the INFLUENCE_POINTS // 4 largest scores and an evenly spaced sample of the rest; and
    the ``label`` rows of largest score, largest first."""
    count = int(finite.sum())
    top = min(max(label, INFLUENCE_POINTS // 4), count)
    largest = np.argpartition(-score, top - 1)[:top] if top else np.empty(0, dtype=np.intp)
    largest = largest[np.argsort(-score[largest], kind="stable")]
    if count <= INFLUENCE_POINTS:
        return np.flatnonzero(finite), largest[:label]
    rest = finite.copy()
    rest[largest] = False
    others = np.flatnonzero(rest)
    sample = others[evenly_spaced(others.size, INFLUENCE_POINTS - top)]
    return np.sort(np.concatenate((largest, sample))), largest[:label]


def _sampled(shown: int, total: int) -> str:
    """' — 1,000 of 1,000,000 rows' when the plot shows a sample, else ''."""
    return "" if shown == total else f"; {shown:,} of {total:,} rows"
