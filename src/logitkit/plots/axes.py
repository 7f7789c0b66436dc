"""What every plot shares: matplotlib imported on first use, the panels to draw on, and the
deterministic thinning that keeps a plot of 10⁶ rows fast and readable."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["INSTALL", "evenly_spaced", "log_ticks", "panels", "pyplot", "single_axes"]

INSTALL = 'pip install "logitkit[plots]"'


def pyplot() -> Any:
    """``matplotlib.pyplot``, or an ImportError that says how to install it."""
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError(
            f"logitkit's plots and report need matplotlib; install it with `{INSTALL}`"
        ) from None
    return plt


def single_axes(ax: Any, what: str, figsize: tuple[float, float] = (5.0, 4.0)) -> Any:
    """``ax``, or the Axes of a new figure when it is None; a clear error for several Axes."""
    if ax is None:
        pyplot()
        import matplotlib.pyplot as plt

        return plt.subplots(figsize=figsize)[1]
    if isinstance(ax, np.ndarray | list | tuple):
        raise ValueError(f"{what} draws on one Axes; got {len(ax)}")
    if not hasattr(ax, "plot"):
        raise TypeError(f"ax must be a matplotlib Axes; got {type(ax).__name__}")
    return ax


def panels(ax: Any, count: int, what: str, width: float = 4.0, height: float = 3.5) -> NDArray:
    """``count`` Axes as an object array: ``ax`` (one Axes when count is 1, else ``count`` of
    them) or a new figure's row of panels when it is None."""
    if ax is None:
        plt = pyplot()
        _, made = plt.subplots(
            1, count, figsize=(width * count, height), squeeze=False, layout="constrained"
        )
        return np.asarray(made, dtype=object).ravel()
    axes = np.empty(1, dtype=object)
    if isinstance(ax, np.ndarray | list | tuple):
        axes = np.empty(len(np.ravel(np.asarray(ax, dtype=object))), dtype=object)
        axes[:] = list(np.ravel(np.asarray(ax, dtype=object)))
    else:
        axes[0] = ax
    if axes.size != count:
        advice = (
            f"pass {count} Axes (e.g. plt.subplots(1, {count})[1]) or ax=None"
            if count > 1
            else "pass one Axes or ax=None"
        )
        where = f"{count} panels" if count > 1 else "one Axes"
        raise ValueError(f"{what} is drawn on {where}: {advice}; got {axes.size}")
    for one in axes:
        if not hasattr(one, "plot"):
            raise TypeError(f"ax must hold matplotlib Axes; got {type(one).__name__}")
    return axes


def evenly_spaced(n: int, limit: int) -> NDArray[np.intp]:
    """At most ``limit`` positions of 0 … n − 1, evenly spaced, the first and last included:
    a deterministic sample (the same rows every time)."""
    if n <= limit:
        return np.arange(n)
    return np.unique(np.round(np.linspace(0, n - 1, limit)).astype(np.intp))


def log_ticks(ax: Any, low: float, high: float) -> None:
    """Plain-number ticks (0.5, 1, 2, not 5×10⁻¹) on a log x axis spanning [low, high]:
    1–9 times each power of ten over at most one decade, 1, 2 and 5 times over three, the
    powers alone beyond."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    decades = np.log10(high / low) if low > 0 and high > 0 else np.inf
    if decades <= 1.0:
        subs: tuple[float, ...] = (1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0)
    elif decades <= 3.0:
        subs = (1.0, 2.0, 5.0)
    else:
        subs = (1.0,)
    ax.xaxis.set_major_locator(LogLocator(base=10.0, subs=subs))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    ax.xaxis.set_minor_formatter(NullFormatter())
