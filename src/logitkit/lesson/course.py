"""The lesson's eight steps in order, and running them: each step's figure, numbers and code."""

from __future__ import annotations

import inspect
import textwrap
from collections.abc import Callable
from dataclasses import dataclass

from .data import LessonData, lesson_data
from .shown import Shown
from .step_gaussian import gaussian_gives_squared_error
from .steps_model import bernoulli, product_underflows, sigmoid_as_probability
from .steps_solvers import newton_against_gd, three_descents
from .steps_surface import ascent_is_descent, cross_entropy_is_convex

StepFunction = Callable[[LessonData], Shown]

STEPS: tuple[tuple[str, StepFunction], ...] = (
    ("sigmoid", sigmoid_as_probability),
    ("bernoulli", bernoulli),
    ("product", product_underflows),
    ("surface", ascent_is_descent),
    ("convexity", cross_entropy_is_convex),
    ("descents", three_descents),
    ("newton", newton_against_gd),
    ("gaussian", gaussian_gives_squared_error),
)
"""(key, function) of each step; the key names the step's text in every language."""


PANEL_LETTERS = "abcdefgh"


@dataclass(frozen=True)
class Step:
    """One step as run: its number (from 1), key, figure panels and numbers, the source of the
    function that computed them and that function's dotted name."""

    number: int
    key: str
    shown: Shown
    code: str
    function: str


def run_steps(data: LessonData | None = None) -> list[Step]:
    """Run every step on ``data`` (default: the lesson's seeded data), in order; the panels of
    a figure with several are lettered (a), (b), ... as the captions name them."""
    data = lesson_data() if data is None else data
    steps = []
    for number, (key, function) in enumerate(STEPS, start=1):
        shown = function(data)
        if len(shown.panels) > 1:
            for letter, ax in zip(PANEL_LETTERS, shown.panels, strict=False):
                ax.set_title(f"({letter})", loc="left", fontweight="bold")
        name = f"{function.__module__}.{function.__qualname__}"
        steps.append(Step(number, key, shown, source_of(function), name))
    return steps


def source_of(function: StepFunction) -> str:
    """The source lines of ``function``: the code that ran."""
    return textwrap.dedent(inspect.getsource(function)).rstrip() + "\n"
