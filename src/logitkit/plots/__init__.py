"""Plots of a fitted model: each function draws on a matplotlib Axes (``ax=``, a new figure's
when None) and returns the Axes it drew on (an array of them when it draws one panel per class
or quantity).

matplotlib is imported when a plot is drawn, not by ``import logitkit.plots``; without it a
plot raises an ImportError that says ``pip install "logitkit[plots]"``. Plots of many rows
draw from binned or sampled points (evenly spaced, the same every time), so 10⁶ rows stay fast.

- :func:`plot_roc`: the ROC curve, with the AUC and DeLong's interval;
- :func:`plot_calibration`: observed against predicted, binned, with binomial intervals;
- :func:`plot_binned_residuals`: arm's binned residuals with the ±2 SE band;
- :func:`plot_influence`: studentized residuals against leverage, sized by Cook's distance;
- :func:`plot_coefficients`: a forest plot of the estimates or odds ratios;
- :func:`plot_marginal_effects`: a forest plot of the marginal effects;
- :func:`plot_history`: the cost and gradient norm of fits, against iterations, passes or
  seconds;
- :func:`plot_path`: a regularisation path.
"""

from __future__ import annotations

from .estimates import plot_coefficients, plot_marginal_effects
from .fit_quality import plot_calibration, plot_roc
from .history import plot_history
from .path import plot_path
from .residuals import plot_binned_residuals, plot_influence

__all__ = [
    "plot_binned_residuals",
    "plot_calibration",
    "plot_coefficients",
    "plot_history",
    "plot_influence",
    "plot_marginal_effects",
    "plot_path",
    "plot_roc",
]
