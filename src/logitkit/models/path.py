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

g the gradient of the data term. The fit moves the kept weights only (and the intercepts), the
others held at 0 (:class:`~logitkit.core.restricted.Restricted`: X is used as it is, never
copied); the KKT conditions are then checked on all weights, and any discarded weight that
violates them, |gⱼ| − αρ > tol, joins the kept set for another fit, until none does. The
strong rule can fail; this check makes the path exact regardless. The result records, per
α, how many weights the rule kept (``n_screened``) and how many the check added back
(``n_violations``): the rule's speed and its failures, which the coefficients cannot show.

With K ≥ 3 classes the path is glmnet's multinomial family with the ungrouped lasso: the
softmax cost of :class:`~logitkit.core.objective.Objective` in its symmetric parameterisation
(all K columns of B = (b_k, w_k)), the penalty on each of the K·p weights w_jk separately.
The same rules then hold per weight: α_max = max_jk |∂J₀/∂w_jk| / ρ at the intercept-only fit
b_k = log π_k − mean_m log π_m (π the weighted class frequencies), ∂J₀/∂w_jk =
(1/Σs) Σ sᵢ (π_k − [yᵢ = k]) xᵢⱼ, and the strong rule and the KKT check screen each w_jk.
"""

from __future__ import annotations

import copy
import numbers
import warnings
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..core.exceptions import ConvergenceWarning
from ..core.layout import class_coefficients
from ..core.objective import Objective
from ..core.penalties import ElasticNet
from ..core.restricted import Restricted
from ..core.validation import check_labels
from ..solvers import SOLVERS, SolverOptions, choose_solver
from .build import build_objective
from .estimator import LogisticRegression
from .params import check_params

RIDGE_L1_RATIO = 1e-3
"""The ρ that sets α_max when ρ = 0 (glmnet's convention)."""


@dataclass
class RegularizationPath:
    """The fits along a path of α values for one ``l1_ratio``.

    alphas: shape (n_alphas,), decreasing.
    coefs: shape (n_alphas, n_features), the weights at each α; with K ≥ 3 classes
        (n_alphas, K, n_features), one row per class as ``LogisticRegression.coef_``.
    intercepts: shape (n_alphas,), the intercepts (0 without one); with K ≥ 3 classes
        (n_alphas, K), centred to sum to 0 at each α.
    n_iter: shape (n_alphas,), solver iterations spent at each α (over all its fits).
    l1_ratio: ρ.
    feature_names: the column names when X was a DataFrame, else None.
    classes: the labels, sorted (``classes[1]`` is modelled as y = 1 when there are two).
    n_screened: shape (n_alphas,), the weights the strong rule kept for the first fit at each
        α (out of p, or K·p with K ≥ 3 classes); the others were held at 0 without being
        fitted. Empty when the path was built without it.
    n_violations: shape (n_alphas,), the discarded weights the KKT check then found violating
        the optimality conditions and added back for another fit: the strong rule's failures,
        0 at almost every α. n_screened + n_violations weights were fitted at each α.
    """

    alphas: NDArray
    coefs: NDArray
    intercepts: NDArray
    n_iter: NDArray
    l1_ratio: float
    feature_names: NDArray | None = None
    classes: NDArray | None = None
    n_screened: NDArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    n_violations: NDArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def plot(self, ax=None):
        """Draw each coefficient against α on a log axis, α decreasing to the right: one Axes
        for two classes, one panel per class for K ≥ 3 (``ax`` None or K Axes, an array of K
        Axes returned). :func:`logitkit.plots.plot_path` draws it; needs matplotlib."""
        from ..plots.path import plot_path

        return plot_path(self, ax=ax)


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

    X is an array, DataFrame or sparse matrix of numbers and y holds two or more labels, as
    for :class:`~logitkit.LogisticRegression`: with two, ``classes[1]`` (sorted) is modelled as
    y = 1; with K ≥ 3, the softmax model with every class's coefficients (the symmetric
    parameterisation), each weight penalised on its own.
    ``alphas`` (sorted into decreasing order) replaces the default grid of ``n_alphas`` values
    from α_max to ``eps``·α_max. ``solver`` is "auto" ("cd" with an L1 part, otherwise what
    ``LogisticRegression`` would pick) or any deterministic solver that handles the penalty;
    ``tol`` and ``max_iter`` are that solver's (None: its defaults).
    """
    estimator = LogisticRegression(
        alpha=1.0,  # any α > 0 gives the symmetric multinomial cost; each α sets its own penalty
        l1_ratio=l1_ratio,
        solver=solver,
        fit_intercept=fit_intercept,
        tol=tol,
        max_iter=max_iter,
    )
    check_params(estimator.get_params())
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
    full = build_objective(estimator, X, y, sample_weight, reset=True)
    check_labels(estimator.classes_)
    grid = _alpha_grid(full, float(l1_ratio), alphas, n_alphas, eps)
    fitter = _PathFitter(full, float(l1_ratio), solver, tol, max_iter)
    thetas = np.zeros((grid.size, full.n_params))
    n_iter = np.zeros(grid.size, dtype=np.int64)
    n_screened = np.zeros(grid.size, dtype=np.int64)
    n_violations = np.zeros(grid.size, dtype=np.int64)
    for k, alpha in enumerate(grid):
        thetas[k], n_iter[k], n_screened[k], n_violations[k] = fitter.fit(alpha)
    coefs, intercepts = _split_path(full, thetas)
    return RegularizationPath(
        alphas=grid,
        coefs=coefs,
        intercepts=intercepts,
        n_iter=n_iter,
        l1_ratio=float(l1_ratio),
        feature_names=getattr(estimator, "feature_names_in_", None),
        classes=estimator.classes_,
        n_screened=n_screened,
        n_violations=n_violations,
    )


def _split_path(objective: Objective, thetas: NDArray) -> tuple[NDArray, NDArray]:
    """The weights and intercepts of each θ: (n_alphas, p) and (n_alphas,) for two classes,
    (n_alphas, K, p) and (n_alphas, K) for K ≥ 3 (intercepts centred)."""
    pairs = [
        class_coefficients(
            theta, objective.datafit, objective.design.n_params, objective.design.fit_intercept
        )
        for theta in thetas
    ]
    coefs, intercepts = np.array([w for w, _ in pairs]), np.array([b for _, b in pairs])
    if objective.n_outputs == 1:
        return coefs[:, 0], intercepts[:, 0]
    return coefs, intercepts


def alpha_max(objective: Objective, l1_ratio: float) -> float:
    """The smallest α at which every weight is 0: max_j |∂J₀/∂wⱼ(θ₀)| / max(ρ, 10⁻³), the
    maximum over every penalised coefficient (all K·p weights with K ≥ 3 classes)."""
    _, grad = objective.smooth_value_and_gradient(objective.start())
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


def with_alpha(objective: Objective, alpha: float, l1_ratio: float) -> Objective:
    """The same cost with the penalty α(ρ‖w‖₁ + (1 − ρ)/2 ‖w‖²) on the same coefficients.

    A shallow copy: the design, labels and weights are shared, not copied.
    """
    at_alpha = copy.copy(objective)
    at_alpha.penalty = ElasticNet.with_mask(alpha, l1_ratio, objective.penalty.penalised)
    return at_alpha


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
        self.theta = objective.start()
        self.previous_alpha = alpha_max(objective, l1_ratio)
        _, self.grad = objective.smooth_value_and_gradient(self.theta)
        self.penalised = np.asarray(objective.penalty.penalised, dtype=bool)

    def fit(self, alpha: float) -> tuple[NDArray, int, int, int]:
        """θ̂(α) over all coefficients, the solver iterations it took, the penalised
        coefficients the strong rule kept and those the KKT check added back."""
        threshold = self.l1_ratio * (2.0 * alpha - self.previous_alpha)
        kept = ~self.penalised | (self.theta != 0.0) | (np.abs(self.grad) >= threshold)
        screened = int(np.count_nonzero(kept & self.penalised))
        full = with_alpha(self.objective, alpha, self.l1_ratio)
        iterations = 0
        while True:
            theta, n_iter, tol = self._solve(full, alpha, kept)
            iterations += n_iter
            _, grad = full.smooth_value_and_gradient(theta)
            violation = np.abs(grad) - alpha * self.l1_ratio
            violators = ~kept & (violation > tol)
            if not violators.any():
                break
            kept |= violators
        self.theta, self.grad, self.previous_alpha = theta, grad, alpha
        added = int(np.count_nonzero(kept & self.penalised)) - screened
        return theta, iterations, screened, added

    def _solve(self, full: Objective, alpha: float, kept: NDArray) -> tuple[NDArray, int, float]:
        """Fit J at α over the kept coefficients from the previous solution, the others held
        at 0; θ over all coefficients, the iterations and the tolerance used."""
        positions = np.flatnonzero(kept)
        objective = full if kept.all() else Restricted(full, positions, np.zeros(full.n_params))
        name = self.solver
        if name == "auto":
            name = choose_solver(full)
        solver = SOLVERS[name]
        options = SolverOptions(
            tol=self.tol if self.tol is not None else solver.default_tol(full.design.dtype),
            max_iter=self.max_iter if self.max_iter is not None else solver.max_iter,
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
