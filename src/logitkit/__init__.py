"""logitkit: logistic regression derived by maximum likelihood, fitted every classic way."""

from . import datasets
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
from .models.cv import LogisticRegressionCV
from .models.diagnostics import binned_residuals, influence, predict_interval, residuals
from .models.estimator import LogisticRegression
from .models.formula import logit
from .models.model_checks import anova, goodness_of_fit, marginal_effects, vif
from .models.path import RegularizationPath, logistic_path

__version__ = "0.1.0"

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
    "load",
    "log_likelihood",
    "log_sigmoid",
    "log_softmax",
    "logistic_path",
    "logit",
    "lr_test",
    "marginal_effects",
    "predict_interval",
    "residuals",
    "save",
    "sigmoid",
    "softmax",
    "softplus",
    "vif",
]
