"""Convergence: the cost J and the gradient norm of one or several fits, against iterations,
passes over the data, or seconds (solvers side by side)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from .axes import panels, single_axes
from .inputs import check_fitted

__all__ = ["HISTORY_X", "plot_history"]

HISTORY_X = ("iteration", "pass", "seconds")
_ONE_PASS_EACH = ("sgd", "minibatch")
_WHAT = ("both", "loss", "grad_norm")
_TITLES = {
    "loss": "Cost J (penalty included)",
    "grad_norm": "Gradient norm (largest KKT violation)",
}
_XLABELS = {
    "iteration": "Iteration",
    "pass": "Passes over the data",
    "seconds": "Seconds since the solver's start",
}


def plot_history(
    models: Any,
    x: str = "iteration",
    *,
    what: str = "both",
    labels: Any = None,
    ax: Any = None,
) -> Any:
    """The cost J and the gradient norm (log axis) of each fit at every iteration, from its
    ``history_``.

    ``models``: one fitted model, a list of them, or a dict label → model (a DataFrame with
    the columns ``loss`` and ``grad_norm``, and optionally ``seconds``, may stand for a
    model). ``labels`` names the lines (default: each model's solver).
    ``x``: "iteration"; "pass", passes over the data, for ``sgd`` and ``minibatch`` (one
    epoch per iteration) and ``gd`` with a fixed ``learning_rate`` (one gradient over all
    rows per iteration; the others make a varying number of passes per iteration, which the
    fit does not record); "seconds", the wall-clock time since the solver started, which
    ``fit`` records for this purpose (a model loaded from a file has none).
    ``what``: "both" (two panels: ``ax`` None or two Axes; the array of Axes is returned),
    "loss" or "grad_norm" (one Axes).
    """
    if x not in HISTORY_X:
        raise ValueError(f"x must be one of {HISTORY_X}; got {x!r}")
    if what not in _WHAT:
        raise ValueError(f"what must be one of {_WHAT}; got {what!r}")
    named = _named(models, labels)
    curves = [(name, *_curve(item, x, name)) for name, item in named.items()]
    quantities = ["loss", "grad_norm"] if what == "both" else [what]
    axes = (
        panels(ax, 2, "plot_history with what='both'", width=4.5)
        if what == "both"
        else np.array([single_axes(ax, "plot_history")], dtype=object)
    )
    for panel, quantity in zip(axes, quantities, strict=True):
        for name, steps, history in curves:
            values = history[quantity].to_numpy(dtype=np.float64)
            marker = "o" if len(values) <= 30 else None
            panel.plot(steps, values, marker=marker, markersize=3, label=name)
        if quantity == "grad_norm":
            panel.set_yscale("log")
        panel.set_xlabel(_XLABELS[x])
        panel.set_ylabel("J" if quantity == "loss" else "‖∇J‖∞")
        panel.set_title(_TITLES[quantity])
        panel.legend(fontsize="small")
    return axes if what == "both" else axes[0]


def _named(models: Any, labels: Any) -> dict[str, Any]:
    """Label → model (or history DataFrame), in the order given."""
    if isinstance(models, Mapping):
        items = list(models.values())
        names = [str(name) for name in models]
    else:
        items = list(models) if isinstance(models, list | tuple) else [models]
        names = [_default_name(item) for item in items]
    if not items:
        raise ValueError("plot_history needs at least one fitted model")
    if labels is not None:
        names = [str(name) for name in (labels if isinstance(labels, list | tuple) else [labels])]
        if len(names) != len(items):
            raise ValueError(f"{len(names)} labels for {len(items)} models")
    seen: dict[str, int] = {}
    unique = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        unique.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return dict(zip(unique, items, strict=True))


def _default_name(item: Any) -> str:
    """A model's solver, or 'history' for a DataFrame."""
    if isinstance(item, pd.DataFrame):
        return "history"
    check_fitted(item, "plot_history")
    return str(item.solver_)


def _curve(item: Any, x: str, name: str) -> tuple[np.ndarray, pd.DataFrame]:
    """The x values and the history (loss, grad_norm) of one model or DataFrame."""
    if isinstance(item, pd.DataFrame):
        history = item
        missing = {"loss", "grad_norm"} - set(history.columns)
        if missing:
            raise ValueError(f"the history {name!r} lacks the columns {sorted(missing)}")
        seconds = history["seconds"].to_numpy() if "seconds" in history.columns else None
        solver = None
    else:
        check_fitted(item, "plot_history")
        history = item.history_
        seconds = getattr(item, "_iteration_seconds", None)
        solver = str(item.solver_)
    steps = np.arange(len(history), dtype=np.float64)
    if x == "seconds":
        if seconds is None or len(seconds) != len(history):
            raise ValueError(
                f"{name!r} has no iteration times: fit records them, but a model file does "
                "not keep them; refit it, or plot against x='iteration'"
            )
        return np.asarray(seconds, dtype=np.float64), history
    if x == "pass" and not _one_pass_per_iteration(item, solver):
        raise ValueError(
            f"passes over the data are known for sgd and minibatch (one epoch per iteration) "
            f"and gd with a fixed learning_rate; {name!r} ({solver or 'a history'}) makes a "
            "varying number of passes per iteration (line searches, Hessians), which the fit "
            "does not record: plot it against x='iteration' or x='seconds'"
        )
    return steps, history


def _one_pass_per_iteration(item: Any, solver: str | None) -> bool:
    """Whether each iteration of the fit read the data exactly once."""
    if solver in _ONE_PASS_EACH:
        return True
    return solver == "gd" and getattr(item, "learning_rate", None) is not None
