"""logitkit: logistic regression derived by maximum likelihood, fitted every classic way."""

from . import datasets
from .comparison import LRTestResult, lr_test
from .cv import LogisticRegressionCV
from .estimator import LogisticRegression
from .exceptions import (
    CollinearityWarning,
    ConvergenceWarning,
    MissingRowsWarning,
    SeparationWarning,
    SmallClassWarning,
)
from .formula import logit
from .functions import (
    cross_entropy,
    log_likelihood,
    log_sigmoid,
    log_softmax,
    sigmoid,
    softmax,
    softplus,
)
from .objective import Objective, check_gradient
from .path import RegularizationPath, logistic_path
from .persistence import ModelFileError, load

__version__ = "0.1.0"

__all__ = [
    "CollinearityWarning",
    "ConvergenceWarning",
    "LRTestResult",
    "LogisticRegression",
    "LogisticRegressionCV",
    "MissingRowsWarning",
    "ModelFileError",
    "Objective",
    "RegularizationPath",
    "SeparationWarning",
    "SmallClassWarning",
    "check_gradient",
    "cross_entropy",
    "datasets",
    "load",
    "log_likelihood",
    "log_sigmoid",
    "log_softmax",
    "logistic_path",
    "logit",
    "lr_test",
    "sigmoid",
    "softmax",
    "softplus",
]
