"""What a step of the lesson leaves: its figure panels and its numbers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.axes import Axes


@dataclass
class Shown:
    """The panels of one step's figure (the Axes of one-panel matplotlib figures, in reading
    order) and the numbers its text quotes, by name (floats, ints or short strings)."""

    panels: list[Axes]
    numbers: dict[str, float | int | str] = field(default_factory=dict)
