"""One self-contained HTML report of a fitted model: ``logitkit.report(model, X, y, path)``.

The report holds the coefficient table and the fit's statistics, the goodness of fit, the
analysis of deviance, the variance inflation factors, the plots of :mod:`logitkit.plots`
(inline SVG), the most influential rows, the warnings in plain words, and the data and command
that produced it. It has no script and no reference outside itself, so it opens the same
anywhere, offline, and reads on a phone as on a desktop. ``logitkit report DATA ...`` writes
it from the command line. It needs matplotlib (``pip install "logitkit[plots]"``).

The package itself can be called: ``logitkit.report`` is the function :func:`report` once
read from ``logitkit``, and the package (which an ``import logitkit.report...`` puts in its
place) calls it too.
"""

from __future__ import annotations

import sys
import types
from pathlib import Path
from typing import Any

from numpy.typing import ArrayLike

__all__ = ["report"]


def report(
    model: Any,
    X: ArrayLike | None = None,
    y: ArrayLike | None = None,
    path: str | Path = "report.html",
    *,
    sample_weight: ArrayLike | None = None,
    cov_type: str = "nonrobust",
    groups: Any = None,
    ci: str = "wald",
    level: float = 0.95,
    anova: bool | None = None,
    title: str | None = None,
    source: str | None = None,
    command: str | None = None,
) -> Path:
    """Write the HTML report of a fitted model to ``path`` and return the path.

    X, y (and ``sample_weight``) are the data the model was fitted on; a model from
    :func:`logitkit.logit` keeps its own. Without data, the report holds what the fit alone
    gives (the coefficients and the convergence) and says what it left out. ``cov_type``,
    ``groups``, ``ci`` and ``level`` choose the summary's standard errors and intervals, as in
    ``model.summary``. ``anova``: whether to include the analysis of deviance, whose
    likelihood-ratio tests refit the model once per term (None: up to 200,000 rows).
    ``title``, ``source`` (a description of the data) and ``command`` (the command that made
    the report) head the page.

    Raises the NotFittedError of scikit-learn for an unfitted model, ValueError for data that
    are not the fitted ones, OSError for a path that cannot be written, and an ImportError
    naming ``pip install "logitkit[plots]"`` without matplotlib.
    """
    from .assemble import Inputs
    from .write import write_report

    inputs = Inputs(
        model=model,
        X=X,
        y=y,
        sample_weight=sample_weight,
        cov_type=cov_type,
        groups=groups,
        ci=ci,
        level=level,
        source=source,
        command=command,
        anova=anova,
    )
    return write_report(inputs, Path(path), title)


class _CallableModule(types.ModuleType):
    """The package, callable as :func:`report` (``import logitkit.report.x`` sets the
    attribute ``logitkit.report`` to the package)."""

    def __call__(self, *args: Any, **kwargs: Any) -> Path:
        return report(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
