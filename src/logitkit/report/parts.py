"""What every section of the report does alike: say why a part is missing, and draw a figure
(or say why it cannot be drawn)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .assemble import Unavailable
from .figures import svg_figure
from .page import figure, paragraph

__all__ = ["drawn", "unavailable"]


def unavailable(what: str, value: Any) -> str | None:
    """A paragraph saying why ``what`` is not shown, or None when ``value`` is there."""
    if isinstance(value, Unavailable):
        return paragraph(f"{what} not available: {value.reason}", "unavailable")
    return None


def drawn(
    draw: Callable[[Any], Any], name: str, caption: str, wide: bool = False, **options: Any
) -> str:
    """A figure, or the reason it cannot be drawn; ``wide`` (or several panels): across the
    row of figures."""
    try:
        svg = svg_figure(draw, name=name, label=caption, **options)
    except ValueError as error:
        return paragraph(f"{caption} not available: {' '.join(str(error).split())}", "unavailable")
    return figure(svg, caption, wide=wide or options.get("panels", 1) > 1)
