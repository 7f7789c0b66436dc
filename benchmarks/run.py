"""Speed, accuracy and memory of logitkit's default fit against scikit-learn, glum and statsmodels.

    python benchmarks/run.py [--problems NAMES] [--repeats 3] [--scale 1.0] [--out BENCHMARKS.md]

Each problem is generated with a fixed seed; logitkit's default and the anchors then fit it in
this one process, one after the other, each ``--repeats`` times (timed) and once more under
tracemalloc (memory). Every tool's coefficients are scored by one shared function, the cost

    J(w, b) = (1/n) Σᵢ [log(1 + e^zᵢ) − yᵢ zᵢ] + α(ρ‖w‖₁ + (1 − ρ)/2 ‖w‖²),   zᵢ = b + xᵢᵀw,

(ρ = 0 but on the L1 problems; summed over the α of a path) so that all tools are held to the
same objective, and by the largest KKT violation of their solution(s). The table goes to
``--out`` (Markdown) with the machine, the command that reproduces it and a comparison against
the goals.

``--scale`` multiplies every problem's n (and sparse-wide's p, which keeps its shape n/p;
0.01 is a quick smoke run); ``NAME=SCALE`` in ``--problems`` sets one problem's scale.
Parameters map onto the anchors so that all minimise J: scikit-learn C = 1/(α·n) (C = ∞ for
α = 0), l1_ratio = ρ; glum alpha = α, l1_ratio = ρ (glum's objective is J). statsmodels' Logit
has no ridge penalty and fits the unpenalised likelihood.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import gc
import os
import platform
import shlex
import statistics
import subprocess
import sys
import time
import tracemalloc
import warnings
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import glum
import numpy as np
import scipy
import scipy.sparse as sp
import sklearn
import statsmodels
from glum import GeneralizedLinearRegressor
from numpy.typing import NDArray
from scipy.special import expit, logsumexp
from sklearn.linear_model import LogisticRegression, SGDClassifier
from statsmodels.discrete.discrete_model import Logit
from threadpoolctl import threadpool_info

import logitkit

ROOT = Path(__file__).resolve().parent.parent
MIB = 2.0**20

SAME_COST = 1e-6
"""An anchor whose cost is within this (relative) of the best one solved the problem."""

LOGITKIT_COST = 1e-9
"""logitkit's default must reach the best anchor's cost within this (relative)."""

MEMORY_GOAL = 0.25
"""A dense fit may allocate at most this fraction of X's size beyond X."""

SAGA_TOL = 1e-6
"""scikit-learn saga stops when max|Δw| ≤ tol·max|w| over an epoch; tighter takes far longer."""

PASSES_GOAL = 12.0
"""dense-tall: at most this many passes over X (fit time ÷ time of one X @ w)."""


# --------------------------------------------------------------------------- data


@dataclass
class Data:
    """One generated problem: X (dense C-ordered float64 or CSR), labels y (0/1, or 0 … K − 1
    for the multinomial problem), penalty α, ρ.

    ``alphas`` is the decreasing grid of a path problem (None for a single fit at α).
    """

    X: NDArray | sp.csr_matrix
    y: NDArray
    alpha: float
    l1_ratio: float = 0.0
    alphas: NDArray | None = None

    @property
    def n(self) -> int:
        return self.X.shape[0]

    @property
    def p(self) -> int:
        return self.X.shape[1]

    @property
    def dense(self) -> bool:
        return not sp.issparse(self.X)

    @property
    def nbytes(self) -> int:
        """Bytes held by X (data, indices and row pointers for CSR)."""
        if self.dense:
            return self.X.nbytes
        return self.X.data.nbytes + self.X.indices.nbytes + self.X.indptr.nbytes


def _labels(rng: np.random.Generator, z: NDArray) -> NDArray:
    """y ~ Bernoulli(σ(z)), as float64 0/1."""
    return (rng.random(z.shape[0]) < expit(z)).astype(np.float64)


def _scaled_logits(X, beta: NDArray, intercept: float, spread: float) -> NDArray:
    """z = b + c·(Xβ − mean(Xβ)), c such that the standard deviation of z is ``spread``."""
    z = np.asarray(X @ beta).ravel()
    return intercept + (z - z.mean()) * (spread / z.std())


def standard_normal(n: int, p: int, seed: int) -> tuple[NDArray, NDArray]:
    """X with independent N(0, 1) entries; z = −0.5 + c·Xβ with β ~ N(0, 1), sd(z) = 2."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    beta = rng.standard_normal(p)
    return X, _labels(rng, _scaled_logits(X, beta, -0.5, 2.0))


def ill_conditioned(n: int, p: int, seed: int) -> tuple[NDArray, NDArray]:
    """Column scales 1e-3 … 1e3, correlated groups, shifted means and 10% rare 0/1 indicators.

    90% of the columns are continuous, in groups of 10 that share a latent factor (pairwise
    correlation 0.95 within a group), each column then shifted by up to ±2 of its scale and
    multiplied by its scale sⱼ (log-spaced from 1e-3 to 1e3, shuffled over the columns).
    The other 10% are indicators with prevalences log-spaced from 0.5% to 5%. The true
    coefficients are N(0, 1) on the standardised columns, so the ones on small-scale columns
    are large; sd(z) = 2 and the intercept −1.
    """
    rng = np.random.default_rng(seed)
    n_indicators = max(1, p // 10)
    n_continuous = p - n_indicators
    group = np.arange(n_continuous) // 10
    factors = rng.standard_normal((n, int(group.max()) + 1))
    X = np.empty((n, p))
    X[:, :n_continuous] = np.sqrt(0.95) * factors[:, group]
    X[:, :n_continuous] += np.sqrt(0.05) * rng.standard_normal((n, n_continuous))
    X[:, :n_continuous] += rng.uniform(-2.0, 2.0, n_continuous)
    scales = rng.permutation(np.logspace(-3.0, 3.0, n_continuous))
    X[:, :n_continuous] *= scales
    prevalence = np.logspace(np.log10(0.005), np.log10(0.05), n_indicators)
    X[:, n_continuous:] = rng.random((n, n_indicators)) < prevalence
    beta = rng.standard_normal(p)
    beta[:n_continuous] /= scales
    beta[n_continuous:] /= np.sqrt(prevalence * (1.0 - prevalence))
    return X, _labels(rng, _scaled_logits(X, beta, -1.0, 2.0))


def sparse_truth(n: int, p: int, seed: int) -> tuple[NDArray, NDArray]:
    """X with independent N(0, 1) entries; β with 5% of its entries N(0, 1), the rest 0;
    z = −0.5 + c·Xβ with sd(z) = 2."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    beta = np.zeros(p)
    support = rng.choice(p, max(1, p // 20), replace=False)
    beta[support] = rng.standard_normal(support.size)
    return X, _labels(rng, _scaled_logits(X, beta, -0.5, 2.0))


def sparse_wide(n: int, p: int, seed: int, nnz_per_row: int = 50) -> tuple[sp.csr_matrix, NDArray]:
    """CSR X with ``nnz_per_row`` N(0, 1) entries per row in uniformly drawn columns.

    At p = 50,000 the default 50 per row is a density of 0.001; a smaller p keeps 50 per row
    (up to p). Duplicate draws are summed, so a few rows hold one entry less.
    """
    rng = np.random.default_rng(seed)
    per_row = min(nnz_per_row, p)
    indices = rng.integers(0, p, size=n * per_row)
    data = rng.standard_normal(n * per_row)
    rows = np.repeat(np.arange(n), per_row)
    X = sp.csr_matrix((data, (rows, indices)), shape=(n, p))
    X.sum_duplicates()
    X.sort_indices()
    beta = rng.standard_normal(p)
    return X, _labels(rng, _scaled_logits(X, beta, 0.0, 2.0))


N_CLASSES = 10
"""Classes of the multinomial problem."""


def multinomial_classes(n: int, p: int, seed: int) -> tuple[NDArray, NDArray]:
    """Standard normal X and labels drawn from a softmax model with K = 10 classes.

    The weights are N(0, 1) scaled by 1/√p (logits of standard deviation about 1 per class),
    the intercepts N(0, ½²); each label is argmaxₖ (zₖ + Gₖ) with Gumbel noise G, an exact draw
    from softmax(z).
    """
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    weights = rng.standard_normal((p, N_CLASSES)) / np.sqrt(p)
    z = X @ weights + 0.5 * rng.standard_normal(N_CLASSES)
    return X, np.argmax(z + rng.gumbel(size=z.shape), axis=1)


# --------------------------------------------------------------------------- the cost


def cost(
    X, y: NDArray, intercept: float | NDArray, coef: NDArray, alpha: float, l1_ratio: float = 0.0
) -> float:
    """J = (1/n) Σ [log(1 + e^zᵢ) − yᵢzᵢ] + α(ρ‖w‖₁ + (1 − ρ)/2 ‖w‖²), z = b + Xw, for any
    tool's (b, w).

    The loss of each sample is evaluated as softplus(−z) for y = 1 and softplus(z) for y = 0,
    which never overflows and loses no digits; the mean is a pairwise (NumPy) sum. With K
    rows of ``coef`` (K ≥ 3 classes) it is the softmax cost
    (1/n) Σ [logsumexp(zᵢ) − zᵢ,yᵢ] + α/2 ‖W‖²_F, zᵢ = b + Wxᵢ.
    """
    if np.ndim(coef) == 2 and np.shape(coef)[0] > 1:
        weights = np.asarray(coef, dtype=np.float64)
        z = np.asarray(X @ weights.T) + np.asarray(intercept, dtype=np.float64)
        loss = logsumexp(z, axis=1) - z[np.arange(len(y)), np.asarray(y, dtype=np.intp)]
        return float(np.mean(loss)) + 0.5 * alpha * float(np.sum(weights**2))
    coef = np.asarray(coef, dtype=np.float64).ravel()
    z = np.asarray(X @ coef).ravel() + float(intercept)
    loss = np.logaddexp(0.0, np.where(y > 0, -z, z))
    ridge = 0.5 * alpha * (1.0 - l1_ratio) * float(coef @ coef) if alpha else 0.0
    lasso = alpha * l1_ratio * float(np.abs(coef).sum()) if alpha else 0.0
    return float(np.mean(loss)) + ridge + lasso


def kkt_violation(
    X, y: NDArray, intercept: float, coef: NDArray, alpha: float, l1_ratio: float
) -> float:
    """The largest violation of J's optimality conditions at (b, w), g = ∇ of J's smooth part:
    |∂J/∂b|; |gⱼ + αρ sign wⱼ| where wⱼ ≠ 0; max(|gⱼ| − αρ, 0) where wⱼ = 0."""
    coef = np.asarray(coef, dtype=np.float64).ravel()
    residual = expit(np.asarray(X @ coef).ravel() + float(intercept)) - y
    grad = np.asarray(X.T @ residual).ravel() / len(y) + alpha * (1.0 - l1_ratio) * coef
    lam = alpha * l1_ratio
    violation = np.where(
        coef == 0.0, np.maximum(np.abs(grad) - lam, 0.0), np.abs(grad + lam * np.sign(coef))
    )
    return max(float(violation.max(initial=0.0)), abs(float(residual.mean())))


def score(data: Data, fit: Fit) -> tuple[float, float]:
    """J at the fit (summed over the α of a path) and its largest KKT violation (over the path;
    NaN for the multinomial problem, whose KKT conditions this script does not evaluate)."""
    if data.alphas is None:
        points = [(data.alpha, fit.intercept, fit.coef)]
    else:
        points = zip(data.alphas, np.ravel(fit.intercept), np.atleast_2d(fit.coef), strict=True)
    total, worst = 0.0, 0.0
    for alpha, intercept, coef in points:
        total += cost(data.X, data.y, intercept, coef, alpha, data.l1_ratio)
        if np.ndim(coef) == 2 and np.shape(coef)[0] > 1:  # multinomial: no KKT column
            worst = float("nan")
            continue
        worst = max(worst, kkt_violation(data.X, data.y, intercept, coef, alpha, data.l1_ratio))
    return total, worst


# --------------------------------------------------------------------------- the tools


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


def _logitkit(**params: object) -> Callable[..., Fit]:
    """logitkit with ``params``; without a ``solver``, the label names the one auto chose."""

    def fit(data: Data, prepared: object) -> Fit:
        model = logitkit.LogisticRegression(alpha=data.alpha, l1_ratio=data.l1_ratio, **params)
        model.fit(data.X, data.y)
        label = None if "solver" in params else model.solver_
        return Fit(*_coefficients(model), model.n_iter_, label)

    return fit


def _logitkit_with_summary(data: Data, prepared: object) -> Fit:
    model = logitkit.LogisticRegression(alpha=data.alpha).fit(data.X, data.y)
    model.summary()
    return Fit(model.intercept_[0], model.coef_[0], model.n_iter_, model.solver_)


def _coefficients(model: object) -> tuple[float | NDArray, NDArray]:
    """(b, w) of a binary model, or the (K,) intercepts and (K, p) weights of a multinomial one."""
    if model.coef_.shape[0] == 1:
        return model.intercept_[0], model.coef_[0]
    return model.intercept_, model.coef_


SKLEARN_MAX_ITER = 2_000
"""scikit-learn's iteration cap. Where its L-BFGS has not converged by then (the raw columns of
dense-illconditioned: it stalls about 2% above the optimum after some 13,600 iterations and
many minutes), the table marks it as not having solved the problem either way."""


def _sklearn(solver: str, tol: float = 1e-8) -> Callable[..., Fit]:
    def fit(data: Data, prepared: object) -> Fit:
        C = np.inf if data.alpha == 0 else 1.0 / (data.alpha * data.n)
        model = LogisticRegression(
            C=C, l1_ratio=data.l1_ratio, solver=solver, tol=tol, max_iter=SKLEARN_MAX_ITER
        )
        model.fit(data.X, data.y)
        return Fit(*_coefficients(model), int(model.n_iter_[0]))

    return fit


def _logitkit_path(data: Data, prepared: object) -> Fit:
    path = logitkit.logistic_path(data.X, data.y, l1_ratio=data.l1_ratio, alphas=data.alphas)
    return Fit(path.intercepts, path.coefs, int(path.n_iter.sum()), "cd")


def _sklearn_saga_path(data: Data, prepared: object) -> Fit:
    """saga with warm_start along the grid, C = 1/(α·n) at each α."""
    model = LogisticRegression(
        l1_ratio=data.l1_ratio, solver="saga", tol=SAGA_TOL, max_iter=100_000, warm_start=True
    )
    intercepts, coefs, n_iter = [], [], 0
    for alpha in data.alphas:
        model.set_params(C=1.0 / (alpha * data.n)).fit(data.X, data.y)
        intercepts.append(model.intercept_[0])
        coefs.append(model.coef_[0].copy())
        n_iter += int(model.n_iter_[0])
    return Fit(np.array(intercepts), np.array(coefs), n_iter)


def _glum_path(data: Data, prepared: object) -> Fit:
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


def _sklearn_sgd(data: Data, prepared: object) -> Fit:
    model = SGDClassifier(loss="log_loss", penalty=None, max_iter=1, tol=None, random_state=0)
    model.fit(data.X, data.y)
    return Fit(model.intercept_[0], model.coef_[0], int(model.n_iter_))


def _glum(solver: str) -> Callable[..., Fit]:
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


def _with_constant(data: Data) -> NDArray:
    """statsmodels' design: a column of ones, then X (built once, outside the timing)."""
    return np.hstack((np.ones((data.n, 1)), data.X))


def _statsmodels(summary: bool) -> Callable[..., Fit]:
    def fit(data: Data, prepared: object) -> Fit:
        result = Logit(data.y, prepared).fit(method="newton", tol=1e-8, maxiter=100, disp=0)
        if summary:
            result.summary()
        params = np.asarray(result.params)
        return Fit(params[0], params[1:], int(result.mle_retvals["iterations"]))

    return fit


def _newton_anchors(penalised: bool) -> list[Tool]:
    return [
        Tool("scikit-learn lbfgs", _sklearn("lbfgs")),
        Tool("scikit-learn newton-cholesky", _sklearn("newton-cholesky")),
        Tool("glum irls-ls", _glum("irls-ls")),
        Tool("glum lbfgs", _glum("lbfgs")),
        Tool(
            "statsmodels Logit newton" + (" (unpenalised)" if penalised else ""),
            _statsmodels(summary=False),
            prepare=_with_constant,
            same_objective=not penalised,
        ),
    ]


# --------------------------------------------------------------------------- the problems


@dataclass
class Goal:
    """logitkit's default time ≤ ``ratio`` × the fastest anchor that solved the problem."""

    ratio: float
    versus: str = "fastest anchor"


@dataclass
class Problem:
    """A benchmark problem: how to generate it, who fits it, and logitkit's goal on it."""

    name: str
    description: str
    n: int
    p: int
    alpha: float
    generate: Callable[[int, int, int], tuple[object, NDArray]]
    seed: int
    tools: list[Tool]
    goal: Goal
    exact: bool = True
    """Every tool minimises J to convergence (False: one SGD epoch, an approximate answer)."""
    optimum: Callable[..., Fit] | None = None
    """For a problem that is not ``exact``: an untimed solve that finds the optimum J*."""
    passes_goal: float | None = None
    scales_p: bool = False
    """``scale`` multiplies p as well as n, so that the shape n/p stays (sparse-wide, the L1
    problems)."""
    l1_ratio: float = 0.0
    n_alphas: int | None = None
    """A path problem: this many α from α_max down to ``alpha``·α_max, log-spaced."""

    def data(self, scale: float = 1.0) -> Data:
        """The problem's data at n·scale rows (and p·scale columns when ``scales_p``)."""
        rows = max(10, round(self.n * scale))
        columns = max(10, round(self.p * scale)) if self.scales_p else self.p
        X, y = self.generate(rows, columns, self.seed)
        if self.n_alphas is None:
            return Data(X, y, self.alpha, self.l1_ratio)
        top = float(np.abs(X.T @ (y.mean() - y)).max()) / len(y) / self.l1_ratio
        alphas = top * np.logspace(0.0, np.log10(self.alpha), self.n_alphas)
        return Data(X, y, float(alphas[-1]), self.l1_ratio, alphas)


def _logitkit_default() -> Tool:
    return Tool("logitkit default", _logitkit(), anchor=False)


PROBLEMS: dict[str, Problem] = {
    problem.name: problem
    for problem in [
        Problem(
            "dense-tall",
            "standard normal features, no penalty",
            1_000_000,
            100,
            0.0,
            standard_normal,
            seed=1,
            tools=[_logitkit_default(), *_newton_anchors(penalised=False)],
            goal=Goal(0.5),
            passes_goal=PASSES_GOAL,
        ),
        Problem(
            "dense-illconditioned",
            "column scales 1e-3…1e3, correlated groups, 10% rare 0/1 indicators; L2, α = 1e-6",
            200_000,
            100,
            1e-6,
            ill_conditioned,
            seed=2,
            tools=[_logitkit_default(), *_newton_anchors(penalised=True)],
            goal=Goal(0.5),
        ),
        Problem(
            "sparse-wide",
            "CSR, density 0.001 (50 entries a row); L2, α = 1e-4",
            200_000,
            50_000,
            1e-4,
            sparse_wide,
            seed=3,
            tools=[
                _logitkit_default(),
                Tool("scikit-learn lbfgs", _sklearn("lbfgs")),
                Tool("scikit-learn newton-cg", _sklearn("newton-cg")),
                Tool("glum lbfgs", _glum("lbfgs")),
            ],
            goal=Goal(0.5),
            scales_p=True,
        ),
        Problem(
            "inference",
            "standard normal features, no penalty; fit and full summary: logitkit "
            "fit + summary(), statsmodels Logit(y, [1, X]).fit(method='newton').summary()",
            1_000_000,
            20,
            0.0,
            standard_normal,
            seed=4,
            tools=[
                Tool("logitkit default + summary()", _logitkit_with_summary, anchor=False),
                Tool(
                    "statsmodels Logit newton + summary()",
                    _statsmodels(summary=True),
                    prepare=_with_constant,
                ),
            ],
            goal=Goal(0.1, "statsmodels"),
        ),
        Problem(
            "l1-path",
            "standard normal features, 5% of the true weights nonzero; lasso (ρ = 1) path of 50 "
            "α from α_max to 0.01·α_max, warm-started: logitkit.logistic_path, glum's "
            "alpha_search, scikit-learn saga with warm_start",
            100_000,
            1_000,
            1e-2,
            sparse_truth,
            seed=5,
            tools=[
                Tool("logitkit logistic_path", _logitkit_path, anchor=False),
                Tool("glum irls-cd path", _glum_path),
                Tool("scikit-learn saga path", _sklearn_saga_path),
            ],
            goal=Goal(0.5),
            scales_p=True,
            l1_ratio=1.0,
            n_alphas=50,
        ),
        Problem(
            "elasticnet",
            "the l1-path data; one elastic-net fit, ρ = 0.5, α = 0.005",
            100_000,
            1_000,
            5e-3,
            sparse_truth,
            seed=5,
            tools=[
                _logitkit_default(),
                Tool("glum irls-cd", _glum("irls-cd")),
                Tool("scikit-learn saga", _sklearn("saga", tol=SAGA_TOL)),
            ],
            goal=Goal(0.5),
            scales_p=True,
            l1_ratio=0.5,
        ),
        Problem(
            "sgd-epoch",
            "the dense-tall data; one epoch of stochastic gradient descent: logitkit "
            'solver="sgd", max_iter=1; scikit-learn SGDClassifier(loss="log_loss", '
            "penalty=None, max_iter=1, tol=None), its defaults otherwise",
            1_000_000,
            100,
            0.0,
            standard_normal,
            seed=1,
            tools=[
                Tool(
                    "logitkit sgd, 1 epoch",
                    _logitkit(solver="sgd", max_iter=1, random_state=0),
                    anchor=False,
                ),
                Tool("scikit-learn SGDClassifier, 1 epoch", _sklearn_sgd),
            ],
            goal=Goal(1.0, "scikit-learn"),
            exact=False,
            optimum=_sklearn("newton-cholesky"),
        ),
        Problem(
            "multinomial",
            f"standard normal features, {N_CLASSES} classes drawn from a softmax model; L2, "
            "α = 1e-4 (every class's weights penalised, as scikit-learn's multinomial fit)",
            200_000,
            50,
            1e-4,
            multinomial_classes,
            seed=5,
            tools=[
                _logitkit_default(),
                Tool("scikit-learn lbfgs", _sklearn("lbfgs")),
                Tool("scikit-learn newton-cholesky", _sklearn("newton-cholesky")),
            ],
            goal=Goal(0.5),
        ),
    ]
}


# --------------------------------------------------------------------------- measuring


@dataclass
class Row:
    """The measurements of one tool on one problem."""

    tool: Tool
    times: list[float] = field(default_factory=list)
    cost: float = float("nan")
    kkt: float = float("nan")
    peak_bytes: int | None = None
    n_iter: int | None = None
    label: str | None = None
    warnings: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def name(self) -> str:
        return self.tool.name + (f" → {self.label}" if self.label else "")

    @property
    def median(self) -> float:
        return statistics.median(self.times) if self.times else float("nan")

    @property
    def ok(self) -> bool:
        return self.error is None and bool(np.isfinite(self.cost))


@dataclass
class Result:
    """One problem's rows, the best cost among them and the time of one X @ w."""

    problem: Problem
    data_n: int
    data_p: int
    scale: float
    x_bytes: int
    rows: list[Row]
    matvec_seconds: float | None
    repeats: int
    optimum: float | None = None
    """J* from the problem's untimed ``optimum`` solve, if it has one."""

    @property
    def best_cost(self) -> float:
        """The lowest cost any tool (or the untimed optimum) reached."""
        costs = [row.cost for row in self.rows if row.ok]
        if self.optimum is not None:
            costs.append(self.optimum)
        return min(costs, default=float("nan"))

    def gap(self, row: Row) -> float:
        """(J − J_best) / |J_best| of the row's cost."""
        return self.gap_of(row.cost)

    def gap_of(self, value: float) -> float:
        """(J − J_best) / |J_best|."""
        best = self.best_cost
        return (value - best) / abs(best)

    def solved(self, row: Row) -> bool:
        """Whether the tool reached the best cost within SAME_COST (always, for SGD epochs)."""
        return row.ok and (not self.problem.exact or self.gap(row) <= SAME_COST)

    @property
    def logitkit(self) -> Row:
        return next(row for row in self.rows if not row.tool.anchor)

    @property
    def reference(self) -> Row | None:
        """The fastest anchor that solved the problem: the row every ratio is taken against."""
        anchors = [row for row in self.rows if row.tool.anchor and self.solved(row)]
        return min(anchors, key=lambda row: row.median, default=None)

    @property
    def best_anchor_cost(self) -> float:
        return min(
            (row.cost for row in self.rows if row.tool.anchor and row.ok), default=float("nan")
        )

    def ratio(self, row: Row) -> float:
        reference = self.reference
        if reference is None or not row.times:
            return float("nan")
        return row.median / reference.median

    def passes(self, row: Row) -> float | None:
        if self.matvec_seconds is None or not row.times:
            return None
        return row.median / self.matvec_seconds


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _notable(message: warnings.WarningMessage) -> bool:
    """A warning about the fit, not about a library's use of another (deprecations)."""
    return not issubclass(message.category, (DeprecationWarning, FutureWarning))


def _short(message: warnings.WarningMessage) -> str:
    text = str(message.message).strip().splitlines()[0]
    return f"{message.category.__name__}: {text[:120]}"


WARM_UP_ROWS = 2000
"""Each tool first fits the first rows of the data, untimed, so that one-time costs (imports,
compiling or loading compiled kernels, allocator warm-up) stay out of the timings."""


def warm_up(tool: Tool, data: Data) -> None:
    """One untimed fit on the first ``WARM_UP_ROWS`` rows; its failures are not the tool's."""
    rows = min(data.n, WARM_UP_ROWS)
    small = dataclasses.replace(data, X=data.X[:rows], y=data.y[:rows])
    try:
        tool.fit(small, tool.prepare(small) if tool.prepare is not None else None)
    except Exception:  # e.g. a class missing from the first rows: the timed fits will tell
        return


def measure(
    tool: Tool, data: Data, repeats: int, memory: bool = True, budget: float = float("inf")
) -> Row:
    """Time ``repeats`` fits after a warm-up, then (``memory``) one more under tracemalloc; score
    the last fit.

    A tool whose fits have taken more than ``budget`` seconds in all stops there: its later
    repeats and its memory run are left out (the table says how many runs it had).
    """
    row = Row(tool)
    prepared = tool.prepare(data) if tool.prepare is not None else None
    fit: Fit | None = None
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            warm_up(tool, data)
            for _ in range(repeats):
                gc.collect()
                start = time.perf_counter()
                fit = tool.fit(data, prepared)
                row.times.append(time.perf_counter() - start)
                _log(f"    {tool.name}: {row.times[-1]:.3f} s")
                if sum(row.times) > budget:
                    break
            if memory and len(row.times) == repeats:
                gc.collect()
                tracemalloc.start()
                try:
                    fit = tool.fit(data, prepared)
                    row.peak_bytes = tracemalloc.get_traced_memory()[1]
                finally:
                    tracemalloc.stop()
        row.warnings = sorted({_short(message) for message in caught if _notable(message)})
    except Exception as error:  # a failing tool is reported in the table, not fatal
        row.error = f"{type(error).__name__}: {str(error).splitlines()[0][:160]}"
        _log(f"    {tool.name} failed: {row.error}")
        return row
    assert fit is not None
    row.cost, row.kkt = score(data, fit)
    row.n_iter = fit.n_iter
    row.label = fit.label
    return row


def matvec_seconds(X: NDArray, repeats: int = 7) -> float:
    """Median time of one X @ w, w a float64 vector: the cost of one pass over X."""
    w = np.random.default_rng(0).standard_normal(X.shape[1])
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        X @ w
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def run_problem(
    problem: Problem,
    scale: float = 1.0,
    repeats: int = 3,
    memory: bool = True,
    budget: float = float("inf"),
    exclude: Collection[str] = (),
) -> Result:
    """Generate the problem and measure its tools (but ``exclude``), logitkit's default first."""
    data = problem.data(scale)
    _log(f"{problem.name}: n = {data.n:,}, p = {data.p:,}")
    rows = [
        measure(tool, data, repeats, memory, budget)
        for tool in problem.tools
        if tool.name not in exclude
    ]
    return Result(
        problem=problem,
        data_n=data.n,
        data_p=data.p,
        scale=scale,
        x_bytes=data.nbytes,
        rows=rows,
        matvec_seconds=matvec_seconds(data.X) if data.dense else None,
        repeats=repeats,
        optimum=_optimum(problem, data),
    )


def _optimum(problem: Problem, data: Data) -> float | None:
    if problem.optimum is None:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = problem.optimum(data, None)
    return cost(data.X, data.y, fit.intercept, fit.coef, data.alpha)


# --------------------------------------------------------------------------- the report


def _read(path: str, key: str) -> str | None:
    try:
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                if line.startswith(key):
                    return line.split(":", 1)[1].strip()
    except OSError:
        return None
    return None


def source() -> str:
    """The logitkit commit measured, and whether src/ differs from it."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        changed = subprocess.run(
            ["git", "status", "--porcelain", "src"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
    except OSError:
        return "unknown"
    if not commit:
        return "unknown"
    return commit + (" with uncommitted changes to src/" if changed else "")


def machine() -> list[str]:
    """Platform, CPU, cores, memory, BLAS and the library versions, one Markdown bullet each."""
    memory = _read("/proc/meminfo", "MemTotal")
    memory_text = f"{int(memory.split()[0]) / 2**20:.1f} GiB" if memory else "unknown"
    pools = [
        f"{info.get('internal_api')} {info.get('version')} "
        f"({info.get('threading_layer', 'threads')}, {info.get('num_threads')} threads"
        + (f", {info['architecture']}" if info.get("architecture") else "")
        + ")"
        for info in threadpool_info()
        if info.get("user_api") == "blas"
    ]
    return [
        f"- platform: {platform.platform()}, Python {platform.python_version()}",
        f"- CPU: {_read('/proc/cpuinfo', 'model name') or platform.processor() or 'unknown'}, "
        f"{os.cpu_count()} cores",
        f"- memory: {memory_text}",
        f"- NumPy BLAS: {'; '.join(pools) or 'not found'}",
        f"- versions: logitkit {logitkit.__version__}, NumPy {np.__version__}, "
        f"SciPy {scipy.__version__}, scikit-learn {sklearn.__version__}, "
        f"glum {glum.__version__}, statsmodels {statsmodels.__version__}",
    ]


def _seconds(value: float) -> str:
    if not np.isfinite(value):
        return "—"
    return f"{value:.3g}" if value < 100 else f"{value:.0f}"


def _float(value: float | None, digits: int = 2) -> str:
    if value is None or not np.isfinite(value):
        return "—"
    return f"{value:.{digits}f}"


def _gap(value: float) -> str:
    if not np.isfinite(value):
        return "—"
    return "0" if value == 0 else f"{value:.1e}"


def _runs(row: Row, repeats: int) -> str:
    count = len(row.times)
    return "" if count >= repeats else f" ({count} run{'s' if count > 1 else ''}, over budget)"


def table(results: Sequence[Result]) -> list[str]:
    """The Markdown table, one row per tool and problem."""
    lines = [
        "| problem | tool / solver | iterations | median s | × fastest anchor | cost J "
        "| gap to best | max KKT | peak extra MiB | × X size | passes |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for result in results:
        problem = f"{result.problem.name} (n = {result.data_n:,}, p = {result.data_p:,}"
        problem += ")" if result.scale == 1 else f", scale {result.scale:g})"
        for row in result.rows:
            if row.error:
                lines.append(f"| {problem} | {row.name} | | failed: {row.error} | | | | | | | |")
                continue
            marker = "" if result.solved(row) else " †"
            reference = " (ref.)" if row is result.reference else ""
            peak = row.peak_bytes
            passes = result.passes(row)
            lines.append(
                f"| {problem} | {row.name}{marker}{reference} | "
                f"{row.n_iter if row.n_iter is not None else '—'} | "
                f"{_seconds(row.median)}{_runs(row, result.repeats)} | "
                f"{_float(result.ratio(row))} | {row.cost:.12f} | "
                f"{_gap(result.gap(row))} | {row.kkt:.1e} | "
                f"{_float(None if peak is None else peak / MIB, 1)} | "
                f"{_float(None if peak is None else peak / result.x_bytes)} | "
                f"{_float(passes, 1)} |"
            )
        if result.optimum is not None:
            lines.append(
                f"| {problem} | optimum J* (scikit-learn newton-cholesky, untimed) | | | | "
                f"{result.optimum:.12f} | {_gap(result.gap_of(result.optimum))} | | | | |"
            )
    return lines


def _verdict(met: bool) -> str:
    return "**met**" if met else "**not met**"


def goals(result: Result) -> list[str]:
    """logitkit's row of this problem against each of its goals, one bullet each."""
    problem, row = result.problem, result.logitkit
    head = f"- **{problem.name}**"
    if not row.ok:
        return [f"{head}: logitkit failed ({row.error}); no goal met"]
    reference = result.reference
    lines = [f"{head} ({row.name}):"]
    if reference is None:
        lines.append("  - time: no anchor reached the optimum; no reference time")
    else:
        ratio = result.ratio(row)
        lines.append(
            f"  - time ≤ {problem.goal.ratio:g} × {problem.goal.versus} ({reference.name}, "
            f"{_seconds(reference.median)} s): {_seconds(row.median)} s, ratio {ratio:.2f} — "
            f"{_verdict(ratio <= problem.goal.ratio)}"
        )
    if problem.exact:
        best = result.best_anchor_cost
        gap = (row.cost - best) / abs(best)
        lines.append(
            f"  - cost within {LOGITKIT_COST:g} (relative) of the best anchor's: "
            f"{gap:+.1e} — {_verdict(gap <= LOGITKIT_COST)}"
        )
    elif reference is not None:
        lines.append(
            f"  - cost after the epoch ≤ {reference.name}'s: {row.cost:.6f} vs "
            f"{reference.cost:.6f} — {_verdict(row.cost <= reference.cost)}"
        )
    if problem.l1_ratio > 0 and reference is not None:
        lines.append(
            f"  - accuracy: largest KKT violation {row.kkt:.1e} (logitkit) vs "
            f"{reference.kkt:.1e} ({reference.name})"
        )
    passes = result.passes(row)
    if problem.passes_goal is not None and passes is not None:
        lines.append(
            f"  - ≤ {problem.passes_goal:g} passes over X: {passes:.1f} — "
            f"{_verdict(passes <= problem.passes_goal)}"
        )
    if result.matvec_seconds is not None and row.peak_bytes is not None:
        fraction = row.peak_bytes / result.x_bytes
        lines.append(
            f"  - peak extra memory ≤ {MEMORY_GOAL:g} × X ({result.x_bytes / MIB:.0f} MiB): "
            f"{row.peak_bytes / MIB:.1f} MiB = {fraction:.2f} × X — "
            f"{_verdict(fraction <= MEMORY_GOAL)}"
        )
    return lines


def _load() -> str:
    try:
        return ", ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "unknown"


def report(
    results: Sequence[Result], command: str, started: datetime.datetime, load_at_start: str
) -> str:
    """The whole BENCHMARKS.md."""
    notes = sorted(
        {
            f"{row.name} on {r.problem.name}: {w}"
            for r in results
            for row in r.rows
            for w in row.warnings
        }
    )
    lines = [
        "# Benchmarks",
        "",
        "logitkit's default fit against scikit-learn, glum and statsmodels on the problems below, "
        "all in one process, one tool after the other. Generated by `benchmarks/run.py`; "
        "do not edit by hand. How the fast paths work, and for each goal not met what limits "
        "it (with profiles) and what was tried: [docs/performance.md](docs/performance.md).",
        "",
        f"- date: {started:%Y-%m-%d %H:%M} UTC",
        f"- command: `{command}`",
        f"- logitkit source: git commit {source()}",
        *machine(),
        f"- load average (1, 5, 15 min) at the start: {load_at_start}; when written: {_load()}",
        "",
        "## How to read it",
        "",
        "- **median s**: median wall time of the fits; every tool ran the same number of "
        "times unless a budget was set and its fits took longer (then the runs are shown and "
        "its memory was not measured). Before them each tool fits the first 2,000 rows once, "
        "untimed, so that one-time costs (imports, compiled kernels) are left out. Data "
        "generation and statsmodels' added constant column "
        "are not timed.",
        "- **cost J**: (1/n) Σ [log(1 + e^z) − y z] + α(ρ‖w‖₁ + (1 − ρ)/2 ‖w‖²), computed by "
        "one function from each tool's intercept and weights, summed over the α of a path. "
        "scikit-learn runs with C = 1/(α·n) (C = ∞ for α = 0) and l1_ratio = ρ, glum with "
        "alpha = α and l1_ratio = ρ (the same J), statsmodels unpenalised. "
        "Anchors run at tight tolerances: tol 1e-8 and max_iter "
        f"{SKLEARN_MAX_ITER:,} (scikit-learn; "
        f"saga, whose tol bounds the relative change of w over an epoch, {SAGA_TOL:g}), "
        "gradient_tol 1e-8 and max_iter 10,000 (glum), newton with tol 1e-8 and maxiter 100 "
        "(statsmodels).",
        "- **gap to best**: (J − J_best) / J_best, J_best the lowest cost any tool reached on "
        "the problem (for sgd-epoch, the optimum J* of the same data, found untimed). "
        f"† marks a tool more than {SAME_COST:g} above it: it did not solve the "
        "problem (statsmodels fits the unpenalised likelihood; on a penalised problem its gap "
        "is that of a different objective), and it is not a reference for the time ratios.",
        "- **max KKT**: the largest violation of J's optimality conditions at the tool's "
        "solution, over every α of a path: |∂J/∂b|, |gⱼ + αρ sign wⱼ| for wⱼ ≠ 0 and "
        "max(|gⱼ| − αρ, 0) for wⱼ = 0, g the gradient of J's smooth part.",
        "- **× fastest anchor**: median time ÷ that of the fastest anchor that solved the problem "
        "(marked ref.).",
        "- **peak extra MiB**: tracemalloc's peak during one more fit, beyond the data; "
        "**× X size** relates it to the bytes of X. tracemalloc sees every allocation made "
        "through Python and NumPy, but not memory that BLAS, OpenMP, Numba or C/C++ "
        "extensions (glum's tabmat) allocate internally.",
        "- **passes**: median time ÷ the time of one `X @ w` (dense problems).",
        "- **iterations**: as each tool reports them (epochs for SGD, IRLS/Newton steps, "
        "L-BFGS iterations); → names the solver logitkit's `auto` chose.",
        "",
        "## Problems",
        "",
        *(
            f"- **{problem.name}**: {problem.description}; n = {problem.n:,}, p = {problem.p:,} "
            f"at scale 1, seed {problem.seed}."
            for problem in {result.problem.name: result.problem for result in results}.values()
        ),
        "",
        "## Results",
        "",
        *table(results),
        "",
        "## Goals",
        "",
        "logitkit's default should take at most half the time of the fastest anchor (a tenth of "
        "statsmodels' for inference, no more than scikit-learn's SGD epoch), reach the best "
        f"anchor's cost within {LOGITKIT_COST:g}, pass over dense-tall's X at most "
        f"{PASSES_GOAL:g} times, and allocate at most {MEMORY_GOAL:g} × X beyond X on dense data.",
        "",
    ]
    for result in results:
        lines.extend(goals(result))
    if notes:
        lines += ["", "## Warnings raised during the fits", ""]
        lines += [f"- {note}" for note in notes]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- command line


def parse_problems(values: Sequence[str], scale: float) -> list[tuple[Problem, float]]:
    """``NAME`` or ``NAME=SCALE`` entries, separated by commas or spaces; none means all."""
    names = [item for value in values for item in value.split(",") if item]
    if not names:
        return [(problem, scale) for problem in PROBLEMS.values()]
    chosen = []
    for item in names:
        name, _, own_scale = item.partition("=")
        if name not in PROBLEMS:
            raise SystemExit(
                f"unknown problem {name!r}; choose from {', '.join(PROBLEMS)} (NAME or NAME=SCALE)"
            )
        chosen.append((PROBLEMS[name], float(own_scale) if own_scale else scale))
    return chosen


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--problems",
        nargs="*",
        default=[],
        help=f"NAME or NAME=SCALE, among {', '.join(PROBLEMS)} (default: all)",
    )
    parser.add_argument("--repeats", type=int, default=3, help="timed fits per tool (default 3)")
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies n (default 1.0)")
    parser.add_argument(
        "--out", type=Path, default=ROOT / "BENCHMARKS.md", help="Markdown report to write"
    )
    parser.add_argument(
        "--budget",
        type=float,
        default=float("inf"),
        help="seconds: a tool whose fits take longer in all is not repeated (default: none)",
    )
    args = parser.parse_args(argv)
    if args.repeats < 1 or args.scale <= 0 or args.budget <= 0:
        parser.error("--repeats must be at least 1, --scale and --budget positive")
    chosen = parse_problems(args.problems, args.scale)
    command = shlex.join(["python", "benchmarks/run.py", *(sys.argv[1:] if argv is None else argv)])
    started = datetime.datetime.now(datetime.timezone.utc)
    load_at_start = _load()
    results: list[Result] = []
    for problem, scale in chosen:
        results.append(run_problem(problem, scale, args.repeats, budget=args.budget))
        text = report(results, command, started, load_at_start)
        args.out.write_text(text, encoding="utf-8")
    print(args.out.read_text(encoding="utf-8"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
