"""The benchmark problems: how each is generated, which tools fit it and logitkit's goals on it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .data import (
    N_CLASSES,
    Data,
    float32_copy,
    ill_conditioned,
    multinomial_classes,
    one_hot_dense,
    one_hot_sparse,
    sparse_truth,
    sparse_wide,
    standard_normal,
)
from .tools import (
    SAGA_TOL,
    Fit,
    Tool,
    categorical_frame,
    glum_categorical,
    glum_fit,
    glum_path,
    logitkit_diagnostics,
    logitkit_fit,
    logitkit_float32,
    logitkit_path,
    logitkit_with_summary,
    sklearn_fit,
    sklearn_saga_path,
    sklearn_sgd,
    statsmodels_diagnostics,
    statsmodels_fit,
    statsmodels_with_errors,
    with_constant,
)

PASSES_GOAL = 12.0
"""dense-tall: at most this many passes over X (fit time ÷ time of one X @ w)."""


def _newton_anchors(penalised: bool) -> list[Tool]:
    return [
        Tool("scikit-learn lbfgs", sklearn_fit("lbfgs")),
        Tool("scikit-learn newton-cholesky", sklearn_fit("newton-cholesky")),
        Tool("glum irls-ls", glum_fit("irls-ls")),
        Tool("glum lbfgs", glum_fit("lbfgs")),
        Tool(
            "statsmodels Logit newton" + (" (unpenalised)" if penalised else ""),
            statsmodels_fit(summary=False),
            prepare=with_constant,
            same_objective=not penalised,
        ),
    ]


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
    memory_goal: float | None = 0.25
    """logitkit's peak extra memory ≤ this × the bytes of X (dense problems); None: reported
    without a goal (the small fits, whose n-vectors alone are a fixed share of X)."""
    result_bytes: Callable[[int, int], int] | None = None
    """The bytes of what every tool must return on n × p data (the diagnostics' influence
    table): the report also gives the peak beyond them, the working memory, against
    ``memory_goal``."""
    l1_ratio: float = 0.0
    n_alphas: int | None = None
    """A path problem: this many α from α_max down to ``alpha``·α_max, log-spaced."""
    repeats: int | None = None
    """Timed fits per tool in ``benchmarks/run.py``, whatever ``--repeats`` says (the small
    fits, whose times are medians of many, timed one after the other without a garbage
    collection before each: :func:`~benchmarks.measure.measure`)."""
    coef_goal: float | None = None
    """logitkit's coefficients within this (largest relative difference) of the reference's."""

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


def influence_table_bytes(n: int, p: int) -> int:
    """The influence table's bytes: n rows of p + 6 float64 columns (hat, Cook's distance, three
    residuals and p + 1 dfbetas) and a boolean column."""
    return n * (8 * (p + 6) + 1)


def _logitkit_default() -> Tool:
    return Tool("logitkit default", logitkit_fit(), anchor=False)


SMALL_FITS = ((200, 5), (2_000, 10), (20_000, 30))
"""The small-fits problems' n × p (scale multiplies n)."""

SMALL_FIT_REPEATS = 200
"""Timed fits per tool on a small-fits problem; the table gives their median."""


def _small_fits() -> list[Problem]:
    """Unpenalised, summary-ready fits: logitkit computes its statistics as its fit does;
    statsmodels adds its standard errors; scikit-learn and glum fit only."""
    return [
        Problem(
            f"small-fits-{n}x{p}",
            f"standard normal features, no penalty, {SMALL_FIT_REPEATS} fits; logitkit fit "
            "(with its statistics), statsmodels Logit newton + bse",
            n,
            p,
            0.0,
            standard_normal,
            seed=7,
            tools=[
                _logitkit_default(),
                Tool(
                    "statsmodels Logit newton + bse",
                    statsmodels_with_errors,
                    prepare=with_constant,
                ),
                Tool("scikit-learn lbfgs", sklearn_fit("lbfgs")),
                Tool("scikit-learn newton-cholesky", sklearn_fit("newton-cholesky")),
                Tool("glum irls-ls", glum_fit("irls-ls")),
            ],
            goal=Goal(0.5),
            repeats=SMALL_FIT_REPEATS,
            memory_goal=None,
        )
        for n, p in SMALL_FITS
    ]


def _float32() -> Problem:
    """dense-tall's data as float32 against logitkit's own float64 fit."""
    return Problem(
        "float32",
        "the dense-tall data as float32 (converted untimed) against logitkit's default on the "
        "float64 X",
        1_000_000,
        100,
        0.0,
        standard_normal,
        seed=1,
        tools=[
            Tool("logitkit default, float32", logitkit_float32, anchor=False, prepare=float32_copy),
            Tool("logitkit default, float64", logitkit_fit()),
        ],
        goal=Goal(0.6, "logitkit's float64 fit"),
        coef_goal=1e-5,
    )


def _one_hot() -> list[Problem]:
    """4 numeric columns and three skewed categoricals, as a dense 0/1 block and as CSR."""
    description = (
        "4 N(0, 1) columns and one 0/1 column per level of three categoricals of 40, 25 and "
        "60 levels (level k drawn ∝ 1/(k + 1)); L2, α = 1e-6; glum reads the categoricals as "
        "pandas Categoricals"
    )
    return [
        Problem(
            f"one-hot-{kind}",
            f"{description}; X {layout}",
            500_000,
            129,
            1e-6,
            generate,
            seed=8,
            tools=[
                _logitkit_default(),
                Tool("glum irls-ls, categoricals", glum_categorical, prepare=categorical_frame),
                Tool("scikit-learn newton-cholesky", sklearn_fit("newton-cholesky")),
            ],
            goal=Goal(0.5),
        )
        for kind, layout, generate in (
            ("dense", "dense float64", one_hot_dense),
            ("sparse", "CSR", one_hot_sparse),
        )
    ]


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
                Tool("scikit-learn lbfgs", sklearn_fit("lbfgs")),
                Tool("scikit-learn newton-cg", sklearn_fit("newton-cg")),
                Tool("glum lbfgs", glum_fit("lbfgs")),
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
                Tool("logitkit default + summary()", logitkit_with_summary, anchor=False),
                Tool(
                    "statsmodels Logit newton + summary()",
                    statsmodels_fit(summary=True),
                    prepare=with_constant,
                ),
            ],
            goal=Goal(0.1, "statsmodels"),
        ),
        Problem(
            "diagnostics",
            "standard normal features, no penalty; fit and model checking: logitkit fit + "
            "influence() + marginal_effects() + goodness_of_fit(), statsmodels Logit newton + "
            "get_influence().summary_frame() + get_margeff().summary_frame() + pred_table()",
            1_000_000,
            20,
            0.0,
            standard_normal,
            seed=6,
            tools=[
                Tool("logitkit fit + diagnostics", logitkit_diagnostics, anchor=False),
                Tool(
                    "statsmodels Logit newton + diagnostics",
                    statsmodels_diagnostics,
                    prepare=with_constant,
                ),
            ],
            goal=Goal(0.1, "statsmodels"),
            memory_goal=0.5,
            result_bytes=influence_table_bytes,
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
                Tool("logitkit logistic_path", logitkit_path, anchor=False),
                Tool("glum irls-cd path", glum_path),
                Tool("scikit-learn saga path", sklearn_saga_path),
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
                Tool("glum irls-cd", glum_fit("irls-cd")),
                Tool("scikit-learn saga", sklearn_fit("saga", tol=SAGA_TOL)),
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
                    logitkit_fit(solver="sgd", max_iter=1, random_state=0),
                    anchor=False,
                ),
                Tool("scikit-learn SGDClassifier, 1 epoch", sklearn_sgd),
            ],
            goal=Goal(1.0, "scikit-learn"),
            exact=False,
            optimum=sklearn_fit("newton-cholesky"),
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
                Tool("scikit-learn lbfgs", sklearn_fit("lbfgs")),
                Tool("scikit-learn newton-cholesky", sklearn_fit("newton-cholesky")),
            ],
            goal=Goal(0.5),
        ),
        *_small_fits(),
        _float32(),
        *_one_hot(),
    ]
}
