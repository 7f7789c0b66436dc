"""The lesson's figures: matplotlib panels (imported lazily), surfaces over (b, w), and SVG out.

A panel is the Axes of a one-Axes :class:`matplotlib.figure.Figure` made without pyplot, so
no GUI backend is touched and no figure is left open: each is drawn by the SVG canvas when it
is saved. Every label is ASCII or Unicode mathematics that matplotlib's bundled DejaVu fonts
render, so a page in any language needs no other font.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING, Any, cast

import numpy as np
from numpy.typing import NDArray

from ..core.functions import cross_entropy

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

PLOTS_EXTRA = 'pip install "logitkit[plots]"'
PANEL_SIZE = (4.4, 3.3)
"""Inches of one panel: wide enough to read on a phone, two fit side by side on a desktop."""
COLORS = {
    "gd": "#1f77b4",
    "sgd": "#d62728",
    "minibatch": "#2ca02c",
    "newton": "#9467bd",
    "big": "#ff7f0e",
    "data": "#444444",
}
_STYLE = {
    "font.size": 10,
    "axes.titlesize": 10,
    "axes.labelsize": 10,
    "legend.fontsize": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "svg.fonttype": "path",
    "svg.hashsalt": "logitkit-lesson",
    "mathtext.fontset": "dejavusans",
}
_METADATA = {"Date": None, "Creator": None, "Format": None, "Type": None}
_ID = re.compile(r'\bid="([^"]+)"')


def _matplotlib() -> Any:
    """matplotlib, or an ImportError that says how to install it."""
    try:
        import matplotlib
    except ImportError:
        raise ImportError(
            f"the lesson draws its figures with matplotlib, which is not installed: {PLOTS_EXTRA}"
        ) from None
    return matplotlib


def require_matplotlib() -> None:
    """Raise the ImportError of :func:`_matplotlib` now when matplotlib is missing."""
    _matplotlib()


def panel(xlabel: str, ylabel: str, size: tuple[float, float] = PANEL_SIZE) -> Axes:
    """A new one-Axes figure (no pyplot) with the lesson's style; returns its Axes."""
    matplotlib = _matplotlib()
    from matplotlib.figure import Figure

    with matplotlib.rc_context(_STYLE):
        figure = Figure(figsize=size, layout="constrained")
        ax = figure.add_subplot()
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.25, linewidth=0.6)
    return ax


def svg(ax: Axes, prefix: str, label: str) -> str:
    """The panel as an ``<svg>`` element to inline in HTML: text drawn as paths, no XML
    header, no namespaces or metadata, width and height left to the page (the viewBox keeps
    the aspect), every id prefixed so that several panels can share one page, and ``label``
    as its accessible name."""
    text = _svg_bytes(ax).decode("utf-8")
    text = text[text.index("<svg") :]
    text = re.sub(r"<metadata>.*?</metadata>", "", text, flags=re.S)
    head_end = text.index(">")
    head = re.sub(r'\s(?:xmlns(?::\w+)?|width|height|version)="[^"]*"', "", text[:head_end])
    text = f'{head} role="img" aria-label="{escape(label)}"{text[head_end:]}'
    for name in set(_ID.findall(text)):
        new = f"{prefix}-{name}"
        text = text.replace(f'id="{name}"', f'id="{new}"').replace(f"#{name})", f"#{new})")
        text = text.replace(f'href="#{name}"', f'href="#{new}"')
    return text.strip()


def svg_file(ax: Axes) -> bytes:
    """The panel as a standalone SVG file (for the Markdown lesson's images)."""
    return _svg_bytes(ax)


def _svg_bytes(ax: Axes) -> bytes:
    """The figure of ``ax`` (made by :func:`panel`, so a top-level Figure) as SVG, without
    a date or other metadata, so that the same figure gives the same bytes."""
    matplotlib = _matplotlib()
    figure = cast("Figure", ax.figure)
    buffer = io.BytesIO()
    with matplotlib.rc_context(_STYLE):
        figure.savefig(buffer, format="svg", metadata=_METADATA)
    return buffer.getvalue()


@dataclass(frozen=True)
class Surface:
    """ℓ(b, w) = Σ log P(yᵢ | xᵢ) on a grid of intercepts b and slopes w."""

    b: NDArray
    w: NDArray
    loglik: NDArray
    """Shape (len(w), len(b)): row j is the slope w[j]."""


def loglik_surface(
    x: NDArray, y: NDArray, b: tuple[float, float], w: tuple[float, float], n: int = 41
) -> Surface:
    """ℓ(b, w) of one feature x over an n × n grid, one row of the grid at a time, from
    logitkit's cross-entropy: ℓ = −Σ Lᵢ."""
    b_grid = np.linspace(*b, n)
    w_grid = np.linspace(*w, n)
    loglik = np.empty((n, n))
    for j, slope in enumerate(w_grid):
        z = b_grid[:, None] + slope * x[None, :]
        loglik[j] = -cross_entropy(y[None, :], z).sum(axis=1)
    return Surface(b_grid, w_grid, loglik)


def contours(ax: Axes, surface: Surface, best: float, levels: int = 14) -> None:
    """Contours of ℓ(b, w), spaced evenly in log(ℓ̂ − ℓ) so that the valley floor shows."""
    gap = np.maximum(best - surface.loglik, 1e-12)
    edges = np.geomspace(max(gap.min(), 0.05), gap.max(), levels)
    ax.contour(surface.b, surface.w, gap, levels=edges, colors="0.55", linewidths=0.7)
    ax.set_xlim(surface.b[0], surface.b[-1])
    ax.set_ylim(surface.w[0], surface.w[-1])


def path(ax: Axes, thetas: NDArray, color: str, label: str, **style: Any) -> None:
    """The iterates θ_k = (b, w) as a line with a dot at each one."""
    thetas = np.asarray(thetas)
    options = {"marker": "o", "markersize": 3.5, "linewidth": 1.2, **style}
    ax.plot(thetas[:, 0], thetas[:, 1], color=color, label=label, **options)
