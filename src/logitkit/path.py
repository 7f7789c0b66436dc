"""The regularisation path: the penalised fit for a decreasing sequence of α, with warm starts.

For a fixed ρ = ``l1_ratio`` the path solves, for α₀ > α₁ > … ,

    θ̂(α) = argmin J(θ) = (1/Σs) Σ sᵢ Lᵢ + α(ρ‖w‖₁ + (1 − ρ)/2 ‖w‖²),

each fit starting from the previous one. The default grid runs from α_max, the smallest α at
which every weight is 0, down to eps·α_max in ``n_alphas`` steps equally spaced in log α:

    α_max = max_j |∂J₀/∂wⱼ (b₀, 0)| / ρ,   ∂J₀/∂wⱼ = (1/Σs) Σ sᵢ (ȳ − yᵢ) xᵢⱼ,

with b₀ = log(ȳ/(1 − ȳ)) the intercept-only fit and ȳ the weighted rate of positives (b₀ = 0
and ŷ = ½ without an intercept). For ρ = 0 no α zeroes the weights; α_max is then computed
with ρ = 10⁻³, glmnet's convention.

The sequential strong rule (Tibshirani et al. 2012, "Strong rules for discarding predictors in
lasso-type problems") screens the weights at each α_k: j is kept if wⱼ ≠ 0 at α_{k−1} or

    |gⱼ(θ̂(α_{k−1}))| ≥ ρ (2α_k − α_{k−1}),

g the gradient of the data term. The fit is computed on the kept columns only (the intercept
always included); the KKT conditions are then checked on all columns, and any discarded
weight that violates them, |gⱼ| − αρ > tol, joins the kept set for another fit, until none does.
The strong rule can fail; this check makes the path exact regardless.
"""

from __future__ import annotations

import numbers
import warnings
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .design import make_design
from .estimator import LogisticRegression
from .exceptions import ConvergenceWarning
from .objective import Objective
from .penalties import ElasticNet
from .solvers import SOLVERS, SolverOptions, choose_solver
from .validation import check_binary_labels

RIDGE_L1_RATIO = 1e-3
"""The ρ that sets α_max when ρ = 0 (glmnet's convention)."""


@dataclass
class RegularizationPath:
    """The fits along a path of α values for one ``l1_ratio``.

    alphas: shape (n_alphas,), decreasing.
    coefs: shape (n_alphas, n_features), the weights at each α.
    intercepts: shape (n_alphas,), the intercepts (0 without one).
    n_iter: shape (n_alphas,), solver iterations spent at each α (over all its fits).
    l1_ratio: ρ.
    feature_names: the column names when X was a DataFrame, else None.
    """

    alphas: NDArray
    coefs: NDArray
    intercepts: NDArray
    n_iter: NDArray
    l1_ratio: float
    feature_names: NDArray | None = None

    def plot(self, ax=None):
        """Draw each coefficient against α on a log axis, α decreasing to the right.

        Returns the matplotlib Axes (a new figure's when ``ax`` is None). Needs matplotlib.
        """
        try:
            import matplotlib.pyplot as plt
        except ImportError:
            raise ImportError(
                "RegularizationPath.plot needs matplotlib; install it with `pip install matplotlib`"
            ) from None
        if ax is None:
            _, ax = plt.subplots()
        names = (
            self.feature_names
            if self.feature_names is not None
            else [f"x{j}" for j in range(self.coefs.shape[1])]
        )
        for j, name in enumerate(names):
            ax.plot(self.alphas, self.coefs[:, j], label=str(name))
        ax.set_xscale("log")
        ax.set_xlim(self.alphas.max(), self.alphas.min())
        ax.axhline(0.0, color="grey", linewidth=0.5)
        ax.set_xlabel("alpha")
        ax.set_ylabel("coefficient")
        ax.set_title(f"Regularisation path, l1_ratio = {self.l1_ratio:g}")
        if len(names) <= 10:
            ax.legend(fontsize="small")
        return ax


def logistic_path(
    X: ArrayLike,
    y: ArrayLike,
    *,
    l1_ratio: float = 1.0,
    alphas: ArrayLike | None = None,
    n_alphas: int = 100,
    eps: float = 1e-3,
    sample_weight: ArrayLike | None = None,
    fit_intercept: bool = True,
    tol: float | None = None,
    max_iter: int | None = None,
    solver: str = "auto",
) -> RegularizationPath:
    """The penalised logistic fits for a decreasing sequence of α (see the module docstring).

    X is an array, DataFrame or sparse matrix of numbers and y holds any two labels, as for
    :class:`~logitkit.LogisticRegression`; ``classes[1]`` (sorted) is modelled as y = 1.
    ``alphas`` (sorted into decreasing order) replaces the default grid of ``n_alphas`` values
    from α_max to ``eps``·α_max. ``solver`` is "auto" ("cd" with an L1 part, otherwise what
    ``LogisticRegression`` would pick) or any deterministic solver that handles the penalty;
    ``tol`` and ``max_iter`` are that solver's (None: its defaults).
    """
    estimator = LogisticRegression(
        l1_ratio=l1_ratio, solver=solver, fit_intercept=fit_intercept, tol=tol, max_iter=max_iter
    )
    estimator._check_params()
    if solver != "auto" and SOLVERS[solver].stochastic:
        raise ValueError(
            f"solver={solver!r} is stochastic and cannot certify the optimality conditions the "
            "path checks; use 'auto', 'cd' or another deterministic solver"
        )
    if solver != "auto" and l1_ratio > 0 and not SOLVERS[solver].handles_l1:
        accepting = ", ".join(
            repr(name) for name, s in SOLVERS.items() if s.handles_l1 and not s.stochastic
        )
        raise ValueError(
            f"solver={solver!r} cannot handle an L1 penalty (l1_ratio={l1_ratio}); use one of "
            f"{accepting} or solver='auto'"
        )
    full = estimator._objective(X, y, sample_weight, reset=True)
    check_binary_labels(estimator.classes_, "logistic_path")
    grid = _alpha_grid(full, float(l1_ratio), alphas, n_alphas, eps)
    fitter = _PathFitter(full, float(l1_ratio), solver, tol, max_iter)
    coefs = np.zeros((grid.size, full.n_params))
    n_iter = np.zeros(grid.size, dtype=np.int64)
    for k, alpha in enumerate(grid):
        coefs[k], n_iter[k] = fitter.fit(alpha)
    head = int(fit_intercept)
    return RegularizationPath(
        alphas=grid,
        coefs=coefs[:, head:],
        intercepts=coefs[:, 0] if fit_intercept else np.zeros(grid.size),
        n_iter=n_iter,
        l1_ratio=float(l1_ratio),
        feature_names=getattr(estimator, "feature_names_in_", None),
    )


def null_coef(objective: Objective) -> NDArray:
    """θ₀ = (b₀, 0): the intercept-only fit, b₀ = log(ȳ/(1 − ȳ)) with ȳ the weighted rate."""
    theta = np.zeros(objective.n_params)
    if objective.design.fit_intercept:
        s = objective.sample_weight
        rate = float(np.clip(np.dot(s, objective.y) / s.sum(), 1e-10, 1 - 1e-10))
        theta[0] = np.log(rate / (1.0 - rate))
    return theta


def alpha_max(objective: Objective, l1_ratio: float) -> float:
    """The smallest α at which every weight is 0: max_j |∂J₀/∂wⱼ(b₀, 0)| / max(ρ, 10⁻³)."""
    _, grad = objective.smooth_value_and_gradient(null_coef(objective))
    penalised = objective.penalty.penalised
    return float(np.max(np.abs(grad[penalised]), initial=0.0)) / max(l1_ratio, RIDGE_L1_RATIO)


def _alpha_grid(
    objective: Objective,
    l1_ratio: float,
    alphas: ArrayLike | None,
    n_alphas: int,
    eps: float,
) -> NDArray:
    """The α values, decreasing: the given ones, or the log grid from α_max to eps·α_max."""
    if alphas is not None:
        grid = np.array(alphas, dtype=np.float64).ravel()
        if grid.size == 0 or not np.all(np.isfinite(grid)) or np.any(grid < 0):
            raise ValueError(
                f"alphas must be a non-empty sequence of finite numbers >= 0; got {alphas!r}"
            )
        return np.sort(grid)[::-1]
    if isinstance(n_alphas, bool) or not isinstance(n_alphas, numbers.Integral) or n_alphas < 1:
        raise ValueError(f"n_alphas must be a positive integer; got {n_alphas!r}")
    if isinstance(eps, bool) or not isinstance(eps, numbers.Real) or not 0 < eps < 1:
        raise ValueError(f"eps must be a number in (0, 1), the ratio α_min/α_max; got {eps!r}")
    top = alpha_max(objective, l1_ratio)
    if top == 0.0:
        raise ValueError(
            "every feature's gradient is 0 at the intercept-only fit (constant or all-zero "
            "columns), so α_max = 0 and there is no grid to build: pass alphas explicitly"
        )
    return top * np.logspace(0.0, np.log10(eps), n_alphas)


class _PathFitter:
    """Fits one α after another: strong-rule screening, a warm-started fit, a KKT check."""

    def __init__(
        self,
        objective: Objective,
        l1_ratio: float,
        solver: str,
        tol: float | None,
        max_iter: int | None,
    ) -> None:
        self.objective = objective
        self.l1_ratio = l1_ratio
        self.solver = solver
        self.tol = tol
        self.max_iter = max_iter
        self.theta = null_coef(objective)
        self.previous_alpha = alpha_max(objective, l1_ratio)
        _, self.grad = objective.smooth_value_and_gradient(self.theta)
        self.head = int(objective.design.fit_intercept)

    def _objective_at(self, alpha: float, columns: NDArray | None) -> Objective:
        """J at α over all features (columns None) or over the given feature columns."""
        full = self.objective
        design = full.design
        if columns is not None:
            design = make_design(design.X[:, columns], design.fit_intercept)
        penalty = ElasticNet(alpha, self.l1_ratio, design.n_params, design.fit_intercept)
        return Objective(design, full.y, full.sample_weight, penalty)

    def fit(self, alpha: float) -> tuple[NDArray, int]:
        """θ̂(α) over all features, and the solver iterations it took."""
        weights = self.theta[self.head :]
        data_grad = np.abs(self.grad[self.head :])
        threshold = self.l1_ratio * (2.0 * alpha - self.previous_alpha)
        kept = (weights != 0.0) | (data_grad >= threshold)
        full = self._objective_at(alpha, None)
        iterations = 0
        while True:
            columns = None if kept.all() else np.flatnonzero(kept)
            theta, n_iter, tol = self._solve(alpha, columns)
            iterations += n_iter
            _, grad = full.smooth_value_and_gradient(theta)
            violation = np.abs(grad[self.head :]) - alpha * self.l1_ratio
            violators = ~kept & (violation > tol)
            if not violators.any():
                break
            kept |= violators
        self.theta, self.grad, self.previous_alpha = theta, grad, alpha
        return theta, iterations

    def _solve(self, alpha: float, columns: NDArray | None) -> tuple[NDArray, int, float]:
        """Fit J at α on the kept columns from the previous solution; θ over all features."""
        objective = self._objective_at(alpha, columns)
        name = self.solver
        if name == "auto":
            name = choose_solver(objective)
        solver = SOLVERS[name]
        options = SolverOptions(
            tol=self.tol if self.tol is not None else solver.default_tol(objective.design.dtype),
            max_iter=self.max_iter if self.max_iter is not None else solver.max_iter,
        )
        positions = (
            np.arange(self.theta.size)
            if columns is None
            else np.concatenate((np.arange(self.head), columns + self.head))
        )
        result = solver.solve(objective, self.theta[positions], options)
        if not result.converged:
            warnings.warn(
                f"the fit at alpha={alpha:.4g} did not converge: {result.reason}. Raise max_iter "
                "or tol, or standardise the features",
                ConvergenceWarning,
                stacklevel=4,
            )
        theta = np.zeros_like(self.theta)
        theta[positions] = result.coef
        return theta, result.n_iter, options.tol
