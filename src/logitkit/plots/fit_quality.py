"""How well a fit separates and how well it is calibrated: the ROC curve and the calibration
plot."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .axes import evenly_spaced, panels, single_axes
from .inputs import Fitted, fitted_probabilities, require_binary

__all__ = ["calibration_bins", "plot_calibration", "plot_roc", "roc_curve"]

ROC_POINTS = 1000
"""The most points an ROC curve is drawn with (a curve of 10⁶ distinct scores is thinned)."""


def roc_curve(scores: NDArray, labels: NDArray, weights: NDArray) -> tuple[NDArray, NDArray]:
    """The false and true positive rates at every distinct threshold, from (0, 0) to (1, 1);
    tied scores form one step (a diagonal segment), so the area under the polyline is the AUC
    with ties counted ½. Rows count by their frequency weights."""
    order = np.argsort(-np.asarray(scores, dtype=np.float64), kind="stable")
    ordered = np.asarray(scores, dtype=np.float64)[order]
    positive = np.asarray(labels)[order] == 1
    w = np.asarray(weights, dtype=np.float64)[order]
    true_pos = np.cumsum(np.where(positive, w, 0.0))
    false_pos = np.cumsum(np.where(positive, 0.0, w))
    last = np.append(np.flatnonzero(np.diff(ordered) != 0), ordered.size - 1)
    fpr = np.concatenate(([0.0], false_pos[last] / false_pos[-1]))
    tpr = np.concatenate(([0.0], true_pos[last] / true_pos[-1]))
    return fpr, tpr


def plot_roc(
    model: Any,
    X: ArrayLike | None = None,
    y: ArrayLike | None = None,
    *,
    sample_weight: ArrayLike | None = None,
    ax: Any = None,
) -> Any:
    """The ROC curve of a binary fit on its data, its AUC and DeLong's 95% interval in the
    legend (the numbers of :func:`logitkit.goodness_of_fit`).

    ``model`` is a fitted binary model (with the data it was fitted on, unless it is a
    formula model) or the :class:`~logitkit.GoodnessOfFit` that ``goodness_of_fit``
    returned. A curve of more than 1,000 distinct scores is drawn through 1,000 of its
    points, evenly spaced along it. Returns the Axes.
    """
    fit = _goodness(model, X, y, sample_weight, "plot_roc")
    ax = single_axes(ax, "plot_roc", figsize=(4.5, 4.5))
    fpr, tpr = roc_curve(fit.probabilities, fit.labels, fit.sample_weight)
    keep = evenly_spaced(fpr.size, ROC_POINTS)
    low, high = fit.auc_ci
    ax.plot([0.0, 1.0], [0.0, 1.0], linestyle="--", color="grey", linewidth=1.0, label="chance")
    ax.plot(
        fpr[keep],
        tpr[keep],
        color="C0",
        linewidth=2.0,
        label=f"AUC = {fit.auc:.3f} (95% CI {low:.3f} to {high:.3f}, DeLong)",
    )
    ax.set_xlim(0.0, 1.0)
    ax.set_ylim(0.0, 1.0)
    ax.set_aspect("equal")
    ax.set_xlabel("False positive rate (1 − specificity)")
    ax.set_ylabel("True positive rate (sensitivity)")
    ax.set_title("ROC curve")
    ax.legend(loc="lower right", fontsize="small")
    return ax


def calibration_bins(
    probability: NDArray, observed: NDArray, weights: NDArray, bins: int, level: float
) -> dict[str, NDArray]:
    """Rows grouped at the quantiles of the predicted probability (tied quantiles merged):
    per group the mean predicted probability, the observed proportion and its exact binomial
    (Clopper–Pearson) interval at ``level``, and the (weighted) count."""
    from scipy.stats import beta

    p = np.asarray(probability, dtype=np.float64)
    breaks = np.unique(np.quantile(p, np.linspace(0.0, 1.0, bins + 1)))
    group = np.clip(np.searchsorted(breaks, p, side="left") - 1, 0, max(breaks.size - 2, 0))
    size = max(breaks.size - 1, 1)
    total = np.bincount(group, weights=weights, minlength=size)
    events = np.bincount(group, weights=weights * observed, minlength=size)
    predicted = np.bincount(group, weights=weights * p, minlength=size)
    keep = total > 0
    total, events, predicted = total[keep], events[keep], predicted[keep]
    tail = (1.0 - level) / 2.0
    with np.errstate(invalid="ignore", divide="ignore"):
        low = np.where(events > 0, beta.ppf(tail, events, total - events + 1.0), 0.0)
        high = np.where(events < total, beta.ppf(1.0 - tail, events + 1.0, total - events), 1.0)
    return {
        "mean_predicted": predicted / total,
        "observed": events / total,
        "low": np.nan_to_num(low, nan=0.0),
        "high": np.nan_to_num(high, nan=1.0),
        "count": total,
    }


def plot_calibration(
    model: Any,
    X: ArrayLike | None = None,
    y: ArrayLike | None = None,
    *,
    bins: int = 10,
    level: float = 0.95,
    sample_weight: ArrayLike | None = None,
    ax: Any = None,
) -> Any:
    """Observed proportion against mean predicted probability in ``bins`` groups of rows cut
    at the quantiles of the prediction, each with its exact binomial interval at ``level``;
    a calibrated model's points lie on the diagonal.

    ``model`` is a fitted model (with its data unless it is a formula model) or a binary
    fit's :class:`~logitkit.GoodnessOfFit`. Two classes: one Axes, the probability of
    ``classes_[1]``; K ≥ 3 classes: one panel per class (``ax`` None or K Axes), and the
    array of Axes is returned.
    """
    if isinstance(bins, bool) or not isinstance(bins, int | np.integer) or bins < 1:
        raise ValueError(f"bins must be a positive whole number; got {bins!r}")
    if not 0.0 < float(level) < 1.0:
        raise ValueError(f"level must be in (0, 1); got {level!r}")
    fitted = _fitted(model, X, y, sample_weight)
    classes = fitted.classes
    shown = [1] if len(classes) == 2 else list(range(len(classes)))
    axes = (
        np.array([single_axes(ax, "plot_calibration", figsize=(4.5, 4.5))], dtype=object)
        if len(shown) == 1
        else panels(ax, len(shown), "plot_calibration of a multinomial model")
    )
    from ..core.validation import plain_label

    for panel, k in zip(axes, shown, strict=True):
        table = calibration_bins(
            fitted.probabilities[:, k],
            (fitted.labels == k).astype(np.float64),
            fitted.weights,
            int(bins),
            float(level),
        )
        x, observed = table["mean_predicted"], table["observed"]
        panel.plot(
            [0.0, 1.0],
            [0.0, 1.0],
            linestyle="--",
            color="grey",
            linewidth=1.0,
            label="perfect calibration",
        )
        panel.errorbar(
            x,
            observed,
            yerr=np.vstack((observed - table["low"], table["high"] - observed)),
            fmt="o",
            color="C0",
            capsize=3,
            label=f"observed, {round(level * 100, 6):g}% binomial interval",
        )
        panel.set_xlim(0.0, 1.0)
        panel.set_ylim(-0.02, 1.02)
        label = plain_label(classes[k])
        panel.set_xlabel(f"Mean predicted P(y = {label})")
        panel.set_ylabel("Observed proportion")
        panel.set_title("Calibration" if len(shown) == 1 else f"class {label}")
        panel.legend(loc="lower right", fontsize="small")
    return axes[0] if len(shown) == 1 else axes


def _goodness(
    model: Any, X: ArrayLike | None, y: ArrayLike | None, sample_weight: Any, what: str
) -> Any:
    """``model`` if it is a GoodnessOfFit, else goodness_of_fit of the binary model."""
    from ..inference.fit_quality import GoodnessOfFit

    if isinstance(model, GoodnessOfFit):
        return model
    from ..models.model_checks import goodness_of_fit

    require_binary(model, what)
    return goodness_of_fit(model, X, y, sample_weight=sample_weight)


def _fitted(model: Any, X: Any, y: Any, sample_weight: Any) -> Fitted:
    """The probabilities, labels and weights of a model's fit, or of a GoodnessOfFit."""
    from ..inference.fit_quality import GoodnessOfFit

    if isinstance(model, GoodnessOfFit):
        p = np.asarray(model.probabilities, dtype=np.float64)
        return Fitted(
            probabilities=np.column_stack((1.0 - p, p)),
            labels=np.asarray(model.labels, dtype=np.intp),
            weights=np.asarray(model.sample_weight, dtype=np.float64),
            classes=tuple(model.classes),
        )
    return fitted_probabilities(model, X, y, sample_weight, "plot_calibration")
