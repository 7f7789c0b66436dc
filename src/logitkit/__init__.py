"""logitkit: logistic regression derived by maximum likelihood, fitted every classic way.

The public names are loaded on first use (PEP 562), so ``import logitkit`` is quick and does
not import scikit-learn, SciPy's statistics or pandas until a name that needs them is read.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from . import datasets, plots
    from .core.exceptions import (
        CollinearityWarning,
        ConvergenceWarning,
        MissingRowsWarning,
        SeparationWarning,
        SmallClassWarning,
    )
    from .core.functions import (
        cross_entropy,
        log_likelihood,
        log_sigmoid,
        log_softmax,
        sigmoid,
        softmax,
        softplus,
    )
    from .core.gradient_check import check_gradient
    from .core.objective import Objective
    from .core.record import FitRecord
    from .inference.anova import AnovaTable
    from .inference.comparison import LRTestResult, lr_test
    from .inference.fit_quality import GoodnessOfFit
    from .io.model_file import ModelFileError, load, save
    from .lesson import lesson
    from .models.cv import LogisticRegressionCV
    from .models.diagnostics import binned_residuals, influence, predict_interval, residuals
    from .models.estimator import LogisticRegression
    from .models.formula import logit
    from .models.model_checks import anova, goodness_of_fit, marginal_effects, vif
    from .models.path import RegularizationPath, logistic_path
    from .report import report

__version__ = "0.1.0"

_HOMES = {
    "CollinearityWarning": ".core.exceptions",
    "ConvergenceWarning": ".core.exceptions",
    "MissingRowsWarning": ".core.exceptions",
    "SeparationWarning": ".core.exceptions",
    "SmallClassWarning": ".core.exceptions",
    "cross_entropy": ".core.functions",
    "log_likelihood": ".core.functions",
    "log_sigmoid": ".core.functions",
    "log_softmax": ".core.functions",
    "sigmoid": ".core.functions",
    "softmax": ".core.functions",
    "softplus": ".core.functions",
    "check_gradient": ".core.gradient_check",
    "Objective": ".core.objective",
    "FitRecord": ".core.record",
    "AnovaTable": ".inference.anova",
    "LRTestResult": ".inference.comparison",
    "lr_test": ".inference.comparison",
    "GoodnessOfFit": ".inference.fit_quality",
    "ModelFileError": ".io.model_file",
    "load": ".io.model_file",
    "save": ".io.model_file",
    "lesson": ".lesson",
    "LogisticRegressionCV": ".models.cv",
    "binned_residuals": ".models.diagnostics",
    "influence": ".models.diagnostics",
    "predict_interval": ".models.diagnostics",
    "residuals": ".models.diagnostics",
    "LogisticRegression": ".models.estimator",
    "logit": ".models.formula",
    "RegularizationPath": ".models.path",
    "logistic_path": ".models.path",
    "anova": ".models.model_checks",
    "goodness_of_fit": ".models.model_checks",
    "marginal_effects": ".models.model_checks",
    "vif": ".models.model_checks",
    "report": ".report",
}

__all__ = [
    "AnovaTable",
    "CollinearityWarning",
    "ConvergenceWarning",
    "FitRecord",
    "GoodnessOfFit",
    "LRTestResult",
    "LogisticRegression",
    "LogisticRegressionCV",
    "MissingRowsWarning",
    "ModelFileError",
    "Objective",
    "RegularizationPath",
    "SeparationWarning",
    "SmallClassWarning",
    "anova",
    "binned_residuals",
    "check_gradient",
    "cross_entropy",
    "datasets",
    "goodness_of_fit",
    "influence",
    "lesson",
    "load",
    "log_likelihood",
    "log_sigmoid",
    "log_softmax",
    "logistic_path",
    "logit",
    "lr_test",
    "marginal_effects",
    "plots",
    "predict_interval",
    "report",
    "residuals",
    "save",
    "sigmoid",
    "softmax",
    "softplus",
    "vif",
]


def __getattr__(name: str) -> Any:
    """A public name, imported from its module the first time it is read.

    ``plots`` is the submodule :mod:`logitkit.plots`. ``report`` is the function of the
    package :mod:`logitkit.report`, which shares its name: once that package is imported the
    attribute may be the package instead, and the package is callable as the function.
    """
    if name in ("datasets", "plots"):
        return import_module(f".{name}", __name__)
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(_HOMES[name], __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """The module's attributes with the public names not yet loaded."""
    return sorted({*globals(), *__all__})
