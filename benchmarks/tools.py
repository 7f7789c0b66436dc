"""The contenders: logitkit, scikit-learn, glum and statsmodels wrapped as Tools, each fit
returning the intercept and weights it found."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
from glum import GeneralizedLinearRegressor
from numpy.typing import NDArray
from sklearn.linear_model import LogisticRegression, SGDClassifier
from statsmodels.discrete.discrete_model import Logit

import logitkit

from .data import ONE_HOT_LEVELS, ONE_HOT_NUMERIC, Data


@dataclass
class Fit:
    """A tool's fitted intercept and weights (one per α, as rows, for a path), and what it
    reports about the run."""

    intercept: float | NDArray
    coef: NDArray
    n_iter: int | None = None
    label: str | None = None


@dataclass
class Tool:
    """One contender: ``fit(data, prepared)`` is what is timed; ``prepare(data)`` is not.

    ``same_objective`` is False for a tool that minimises a different cost (statsmodels'
    unpenalised likelihood on a penalised problem): it is scored by J all the same, but
    nobody expects it to reach the optimum.
    """

    name: str
    fit: Callable[..., Fit]
    anchor: bool = True
    prepare: Callable[[Data], object] | None = None
    same_objective: bool = True


def logitkit_fit(**params: object) -> Callable[..., Fit]:
    """logitkit with ``params``; without a ``solver``, the label names the one auto chose."""

    def fit(data: Data, prepared: object) -> Fit:
        model = logitkit.LogisticRegression(alpha=data.alpha, l1_ratio=data.l1_ratio, **params)
        model.fit(data.X, data.y)
        label = None if "solver" in params else model.solver_
        return Fit(*_coefficients(model), model.n_iter_, label)

    return fit


def logitkit_with_summary(data: Data, prepared: object) -> Fit:
    model = logitkit.LogisticRegression(alpha=data.alpha).fit(data.X, data.y)
    model.summary()
    return Fit(model.intercept_[0], model.coef_[0], model.n_iter_, model.solver_)


def logitkit_diagnostics(data: Data, prepared: object) -> Fit:
    """The default fit, then influence measures, average marginal effects and goodness of fit."""
    model = logitkit.LogisticRegression(alpha=data.alpha).fit(data.X, data.y)
    logitkit.influence(model, data.X, data.y)
    logitkit.marginal_effects(model, data.X, data.y)
    logitkit.goodness_of_fit(model, data.X, data.y)
    return Fit(model.intercept_[0], model.coef_[0], model.n_iter_, model.solver_)


def statsmodels_diagnostics(data: Data, prepared: object) -> Fit:
    """statsmodels' Logit by Newton, then its influence table, marginal effects and the
    prediction (classification) table."""
    result = Logit(data.y, prepared).fit(method="newton", tol=1e-8, maxiter=100, disp=0)
    result.get_influence().summary_frame()
    result.get_margeff().summary_frame()
    result.pred_table()
    params = np.asarray(result.params)
    return Fit(params[0], params[1:], int(result.mle_retvals["iterations"]))


def _coefficients(model: object) -> tuple[float | NDArray, NDArray]:
    """(b, w) of a binary model, or the (K,) intercepts and (K, p) weights of a multinomial one."""
    if model.coef_.shape[0] == 1:
        return model.intercept_[0], model.coef_[0]
    return model.intercept_, model.coef_


SKLEARN_MAX_ITER = 2_000
"""scikit-learn's iteration cap. Where its L-BFGS has not converged by then (the raw columns of
dense-illconditioned: it stalls about 2% above the optimum after some 13,600 iterations and
many minutes), the table marks it as not having solved the problem either way."""

SAGA_TOL = 1e-6
"""scikit-learn saga stops when max|Δw| ≤ tol·max|w| over an epoch; tighter takes far longer."""


def sklearn_fit(solver: str, tol: float = 1e-8) -> Callable[..., Fit]:
    def fit(data: Data, prepared: object) -> Fit:
        C = np.inf if data.alpha == 0 else 1.0 / (data.alpha * data.n)
        model = LogisticRegression(
            C=C, l1_ratio=data.l1_ratio, solver=solver, tol=tol, max_iter=SKLEARN_MAX_ITER
        )
        model.fit(data.X, data.y)
        return Fit(*_coefficients(model), int(model.n_iter_[0]))

    return fit


def logitkit_path(data: Data, prepared: object) -> Fit:
    path = logitkit.logistic_path(data.X, data.y, l1_ratio=data.l1_ratio, alphas=data.alphas)
    return Fit(path.intercepts, path.coefs, int(path.n_iter.sum()), "cd")


def sklearn_saga_path(data: Data, prepared: object) -> Fit:
    """saga with warm_start along the grid, C = 1/(α·n) at each α."""
    model = LogisticRegression(
        l1_ratio=data.l1_ratio,
        solver="saga",
        tol=SAGA_TOL,
        max_iter=100_000,
        warm_start=True,
        random_state=0,
    )
    intercepts, coefs, n_iter = [], [], 0
    for alpha in data.alphas:
        model.set_params(C=1.0 / (alpha * data.n)).fit(data.X, data.y)
        intercepts.append(model.intercept_[0])
        coefs.append(model.coef_[0].copy())
        n_iter += int(model.n_iter_[0])
    return Fit(np.array(intercepts), np.array(coefs), n_iter)


def glum_path(data: Data, prepared: object) -> Fit:
    model = GeneralizedLinearRegressor(
        family="binomial",
        alpha=data.alphas,
        alpha_search=True,
        l1_ratio=data.l1_ratio,
        solver="irls-cd",
        gradient_tol=1e-8,
        max_iter=10_000,
    )
    model.fit(data.X, data.y)
    return Fit(model.intercept_path_, model.coef_path_, int(model.n_iter_))


def sklearn_sgd(data: Data, prepared: object) -> Fit:
    model = SGDClassifier(loss="log_loss", penalty=None, max_iter=1, tol=None, random_state=0)
    model.fit(data.X, data.y)
    return Fit(model.intercept_[0], model.coef_[0], int(model.n_iter_))


def glum_fit(solver: str) -> Callable[..., Fit]:
    def fit(data: Data, prepared: object) -> Fit:
        model = GeneralizedLinearRegressor(
            family="binomial",
            alpha=data.alpha,
            l1_ratio=data.l1_ratio,
            solver=solver,
            gradient_tol=1e-8,
            max_iter=10_000,
        )
        model.fit(data.X, data.y)
        return Fit(model.intercept_, model.coef_, int(model.n_iter_))

    return fit


def with_constant(data: Data) -> NDArray:
    """statsmodels' design: a column of ones, then X (built once, outside the timing)."""
    return np.hstack((np.ones((data.n, 1)), data.X))


def statsmodels_fit(summary: bool) -> Callable[..., Fit]:
    def fit(data: Data, prepared: object) -> Fit:
        result = Logit(data.y, prepared).fit(method="newton", tol=1e-8, maxiter=100, disp=0)
        if summary:
            result.summary()
        params = np.asarray(result.params)
        return Fit(params[0], params[1:], int(result.mle_retvals["iterations"]))

    return fit


def statsmodels_with_errors(data: Data, prepared: object) -> Fit:
    """statsmodels' Logit by Newton and its standard errors (``bse``): what a summary needs,
    as logitkit's fit keeps its statistics."""
    result = Logit(data.y, prepared).fit(method="newton", tol=1e-8, maxiter=100, disp=0)
    np.asarray(result.bse)
    params = np.asarray(result.params)
    return Fit(params[0], params[1:], int(result.mle_retvals["iterations"]))


def logitkit_float32(data: Data, prepared: object) -> Fit:
    """logitkit's default on ``prepared``, the float32 copy of X."""
    model = logitkit.LogisticRegression(alpha=data.alpha).fit(prepared, data.y)
    return Fit(model.intercept_[0], model.coef_[0], model.n_iter_, model.solver_)


def categorical_frame(data: Data) -> pd.DataFrame:
    """The one-hot X as glum reads categoricals: the numeric columns, then one pandas
    Categorical per block of 0/1 columns (all levels declared, so that glum's expansion has
    X's columns, in X's order)."""
    X = data.X
    columns: dict[str, object] = {}
    for j in range(ONE_HOT_NUMERIC):
        column = X[:, [j]].toarray() if sp.issparse(X) else X[:, j]
        columns[f"x{j}"] = np.ravel(column)
    start = ONE_HOT_NUMERIC
    for index, levels in enumerate(ONE_HOT_LEVELS):
        block = X[:, start : start + levels]
        codes = np.asarray(block.argmax(axis=1)).ravel()
        columns[f"c{index}"] = pd.Categorical.from_codes(codes, categories=range(levels))
        start += levels
    return pd.DataFrame(columns)


def glum_categorical(data: Data, prepared: object) -> Fit:
    """glum's IRLS (least-squares inner solve) on ``prepared``, the frame of
    ``categorical_frame``: tabmat keeps each categorical as one integer code a row."""
    model = GeneralizedLinearRegressor(
        family="binomial",
        alpha=data.alpha,
        solver="irls-ls",
        gradient_tol=1e-8,
        max_iter=10_000,
    )
    model.fit(prepared, data.y)
    return Fit(model.intercept_, model.coef_, int(model.n_iter_))
