"""Measuring the tools on a problem: the shared cost J and KKT violation, the warm-up, the timed
fits, tracemalloc's peak, and the rows and result they make."""

from __future__ import annotations

import dataclasses
import gc
import statistics
import sys
import time
import tracemalloc
import warnings
from collections.abc import Collection
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from scipy.special import expit, logsumexp

from .data import Data
from .problems import Problem
from .tools import Fit, Tool

SAME_COST = 1e-6
"""An anchor whose cost is within this (relative) of the best one solved the problem."""


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
    fit: Fit | None = None
    """The last fit's intercept and weights."""

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

    def coef_difference(self, row: Row) -> float:
        """max |βⱼ − βⱼ,ref| / max |βⱼ,ref| over the intercept and weights of ``row`` and of the
        reference row (NaN without a reference)."""
        reference = self.reference
        if reference is None or row.fit is None or reference.fit is None:
            return float("nan")
        mine = np.append(np.ravel(row.fit.intercept), np.ravel(row.fit.coef))
        theirs = np.append(np.ravel(reference.fit.intercept), np.ravel(reference.fit.coef))
        return float(np.abs(mine - theirs).max() / np.abs(theirs).max())

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
"""Each tool first fits the first rows of the data (50p of them where that is more, so that the
warm-up data are not separable), untimed, so that one-time costs (imports,
compiling or loading compiled kernels, allocator warm-up) stay out of the timings."""


def warm_up(tool: Tool, data: Data) -> None:
    """One untimed fit on the first ``WARM_UP_ROWS`` rows; its failures are not the tool's."""
    rows = min(data.n, max(WARM_UP_ROWS, 50 * data.p))
    small = dataclasses.replace(data, X=data.X[:rows], y=data.y[:rows])
    try:
        tool.fit(small, tool.prepare(small) if tool.prepare is not None else None)
    except Exception:  # e.g. a class missing from the first rows: the timed fits will tell
        return


def measure(
    tool: Tool,
    data: Data,
    repeats: int,
    memory: bool = True,
    budget: float = float("inf"),
    collect_each: bool = True,
) -> Row:
    """Time ``repeats`` fits after a warm-up, then (``memory``) one more under tracemalloc; score
    the last fit.

    The garbage collector runs before each timed fit (``collect_each``), so that no fit pays
    for another's garbage, or only once before them all: a full collection walks every object
    and leaves the caches cold, which made a 200 × 5 fit take 1.5 ms instead of 0.6 ms, for
    statsmodels' Logit as for logitkit; fits timed by the hundred (the small fits) are timed
    as a loop of fits runs, with the collector left to itself.

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
            gc.collect()
            for _ in range(repeats):
                if collect_each:
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
    row.fit = fit
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
        measure(tool, data, repeats, memory, budget, collect_each=problem.repeats is None)
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
