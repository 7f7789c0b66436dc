"""The report's figures: each plot of :mod:`logitkit.plots` drawn on a figure of its own
(no pyplot, no global state) and written as SVG markup to inline in the page, with nothing
in it that refers outside the page (no XML prolog, DOCTYPE, metadata or namespace URLs)."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from typing import Any

__all__ = ["require_matplotlib", "svg_figure"]

_PROLOG = re.compile(r"<\?xml[^>]*\?>|<!DOCTYPE[^>]*>|<metadata>.*?</metadata>", re.S)
_SVG_TAG = re.compile(r"<svg\b[^>]*>")
_SIZE = re.compile(r'\s(?:width|height)="[^"]*"')
_NAMESPACES = re.compile(r'\sxmlns(?::\w+)?="[^"]*"')
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_GROUP_ID = re.compile(r'(<g)\s+id="[^"]*"')

_STYLE = {
    "svg.fonttype": "none",
    "font.family": "sans-serif",
    "font.size": 10.0,
    "axes.titlesize": 11.0,
    "axes.titleweight": "bold",
    "figure.dpi": 72.0,
}


def require_matplotlib() -> None:
    """An ImportError that says how to install matplotlib when it is missing."""
    from ..plots.axes import pyplot

    try:
        import matplotlib  # noqa: F401
    except ImportError:
        pyplot()


def svg_figure(
    draw: Callable[[Any], Any],
    *,
    name: str,
    label: str,
    panels: int = 1,
    size: tuple[float, float] = (5.0, 4.0),
) -> str:
    """The SVG of ``draw(ax)`` (``ax`` one Axes, or ``panels`` of them side by side) as an
    element to inline in HTML, titled ``label`` for screen readers; ``name`` makes its
    element ids unique on the page."""
    import matplotlib
    from matplotlib.figure import Figure

    style: Any = {**_STYLE, "svg.hashsalt": f"logitkit-report-{name}"}
    with matplotlib.rc_context(style):
        figure = Figure(figsize=size, layout="constrained")
        axes = figure.subplots(1, panels, squeeze=False)[0]
        draw(axes[0] if panels == 1 else axes)
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    return _inline(buffer.getvalue(), name, label)


def _inline(svg: str, name: str, label: str) -> str:
    """The figure's SVG without what an inline element does not need, scaled by CSS."""
    import html

    svg = _COMMENT.sub("", _PROLOG.sub("", svg)).strip()
    # Group ids are labels that repeat from figure to figure (figure_1, axes_1, ...); nothing
    # refers to them. The one style rule applies to the figure's own elements only.
    svg = _GROUP_ID.sub(r"\1", svg).replace("*{stroke-linejoin", "svg.figure *{stroke-linejoin")
    opening = _SVG_TAG.search(svg)
    if opening is None:
        raise ValueError(f"matplotlib wrote no <svg> element for the figure {name!r}")
    tag = _NAMESPACES.sub("", _SIZE.sub("", opening.group(0)))
    tag = tag.replace(
        "<svg",
        f'<svg class="figure" id="figure-{name}" role="img" aria-label="{html.escape(label)}"',
        1,
    )
    return svg[: opening.start()] + tag + svg[opening.end() :]
