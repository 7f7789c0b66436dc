"""The regularisation path: each coefficient against α on a log axis."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from .axes import panels, single_axes

__all__ = ["plot_path"]


def plot_path(path: Any, ax: Any = None) -> Any:
    """Draw each coefficient of a :class:`~logitkit.RegularizationPath` against α on a log
    axis, α decreasing to the right.

    Two classes: one Axes, one line per feature. K ≥ 3 classes: one panel per class, one line
    per feature in each; ``ax`` is then None or K Axes, and an array of K Axes is returned.
    Returns the matplotlib Axes (a new figure's when ``ax`` is None).
    """
    from ..core.validation import plain_label

    coefs = getattr(path, "coefs", None)
    alphas = getattr(path, "alphas", None)
    if coefs is None or alphas is None:
        raise TypeError(
            f"plot_path takes the RegularizationPath of logitkit.logistic_path; got "
            f"{type(path).__name__}"
        )
    names = (
        path.feature_names
        if path.feature_names is not None
        else [f"x{j}" for j in range(coefs.shape[-1])]
    )
    title = f"Regularisation path, l1_ratio = {path.l1_ratio:g}"
    if coefs.ndim == 2:
        ax = single_axes(ax, "plot_path", figsize=(6.4, 4.8))
        _draw(ax, alphas, coefs, names, title)
        return ax
    n_classes = coefs.shape[1]
    axes = panels(ax, n_classes, f"a path of {n_classes} classes")
    labels = path.classes if path.classes is not None else range(n_classes)
    for k, (panel, label) in enumerate(zip(axes, labels, strict=True)):
        _draw(panel, alphas, coefs[:, k], names, f"class {plain_label(label)}")
    axes[0].figure.suptitle(title)
    return axes


def _draw(ax: Any, alphas: NDArray, coefs: NDArray, names: Any, title: str) -> None:
    """One line per column of ``coefs`` (n_alphas × features) against α on a log axis."""
    for j, name in enumerate(names):
        ax.plot(alphas, coefs[:, j], label=str(name))
    ax.set_xscale("log")
    ax.set_xlim(np.max(alphas), np.min(alphas))
    ax.axhline(0.0, color="grey", linewidth=0.5)
    ax.set_xlabel("alpha")
    ax.set_ylabel("coefficient")
    ax.set_title(title)
    if len(names) <= 10:
        ax.legend(fontsize="small")
