"""Build a fit's :class:`~logitkit.inference.summary.Summary`: covariance, table, intervals.

It reads the fit's :class:`~logitkit.core.record.FitRecord` (θ̂, ℓ, the stored information I
and meat M) and, where a result needs them, the data as an
:class:`~logitkit.core.objective.Objective`: cluster-robust
errors need the per-sample scores, profile intervals refit with one coefficient held fixed.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.stats import chi2

from ..core.aliasing import aliases
from ..core.objective import Objective
from ..core.record import FitRecord, Separation
from ..core.restricted import Restricted
from ..core.validation import plain_label
from ..solvers import SolverOptions
from ..solvers.newton import solve_newton
from .covariance import COV_TYPES, check_level, covariance
from .intervals import profile_interval, replace_intervals, wald_table
from .statistics import (
    MAX_MATRIX_PARAMS,
    MAX_MATRIX_WORK,
    cluster_score_matrix,
    information_matrices,
)
from .summarize_multinomial import summarize_multinomial
from .summary import CI_METHODS, Summary, fit_fields

# A profile fit whose cost is flat to float64 precision with a gradient below this is at its
# optimum for the purpose of the likelihood-ratio statistic (an error of order gradient²).
_FLAT_GRADIENT = 1e-7


def summarize(
    record: FitRecord,
    objective: Objective | None,
    *,
    cov_type: str,
    groups: ArrayLike | None,
    ci: str,
    level: float,
    target: str | None,
) -> Summary:
    """The Summary of the fit ``record``; ``objective`` is its cost on the fitted data, or None
    without data (then cluster-robust errors and profile intervals are refused)."""
    level = check_level(level)
    if cov_type not in COV_TYPES:
        raise ValueError(
            f"cov_type must be one of {', '.join(map(repr, COV_TYPES))}; got {cov_type!r}"
        )
    if ci not in CI_METHODS:
        raise ValueError(f"ci must be one of {', '.join(map(repr, CI_METHODS))}; got {ci!r}")
    needs = {"cluster": cov_type == "cluster", "profile": ci == "profile"}
    for what, needed in needs.items():
        if needed and objective is None:
            raise ValueError(
                f"{'cluster-robust errors' if what == 'cluster' else 'profile intervals'} need "
                "the data: pass X and y (and sample_weight) to summary(), or fit with "
                "logitkit.logit(formula, data), which keeps them"
            )
    if ci == "profile" and not record.l1_ratio * record.alpha == 0:
        raise ValueError(
            "profile intervals need a smooth likelihood, and an L1 penalty (alpha > 0, "
            "l1_ratio > 0) has none: use ci='wald', or l1_ratio=0"
        )
    if cov_type == "cluster" and groups is None:
        raise ValueError("cov_type='cluster' needs groups: one cluster label per sample")
    if len(record.classes) > 2:
        return summarize_multinomial(
            record,
            objective,
            cov_type=cov_type,
            groups=groups,
            ci=ci,
            level=level,
            target=target,
        )
    theta = record.theta
    names = record.term_names
    information, score_outer = record.information, record.score_outer
    if information is None:
        if objective is None:
            raise ValueError(
                f"this fit did not keep its information matrix ({len(theta)} coefficients on "
                f"{record.n_obs:g} observations: partial_fit keeps none, fit none for more than "
                f"{MAX_MATRIX_PARAMS} coefficients or n·k² > {MAX_MATRIX_WORK:g}): pass X and y "
                "(and sample_weight) to summary()"
            )
        information, score_outer = information_matrices(objective, theta)
    separation = record.separation
    infinite = None
    if separation is not None and not record.firth:
        # Under complete separation every fitted probability tends to 0 or 1, so the
        # information vanishes in every direction: no standard error is finite.
        unbounded = set(separation.terms) | set(separation.undetermined)
        complete = separation.kind == "complete"
        infinite = np.array([complete or name in unbounded for name in names])
    cluster_scores = None
    if cov_type == "cluster":
        assert objective is not None and groups is not None  # refused above without them
        cluster_scores = cluster_score_matrix(objective, theta, groups)
    aliased = np.isin(names, record.aliased)
    keep = np.flatnonzero(~aliased)
    cov = np.full((theta.size, theta.size), np.nan)
    try:
        cov[np.ix_(keep, keep)] = covariance(
            information[np.ix_(keep, keep)],
            cov_type=cov_type,
            score_outer=None if score_outer is None else score_outer[np.ix_(keep, keep)],
            cluster_scores=None if cluster_scores is None else cluster_scores[:, keep],
            n_obs=record.n_obs,
            infinite=None if infinite is None else infinite[keep],
        )
    except ValueError as error:
        raise ValueError(
            f"standard errors do not exist: {str(error).rstrip('.')}. "
            "Drop a redundant column, or add a penalty (alpha > 0)"
        ) from None
    table = wald_table(np.where(aliased, np.nan, theta), cov, names, level)
    if ci == "profile":
        assert objective is not None  # refused above without the data
        sides = _infinite_sides(names, None if record.firth else separation)
        sides = [None if alias else side for side, alias in zip(sides, aliased, strict=True)]
        low, high = _profile_bounds(objective, theta, table, level, sides, aliased)
        table = replace_intervals(
            table, np.where(aliased, np.nan, low), np.where(aliased, np.nan, high)
        )
    return Summary(
        table=table,
        **fit_fields(record),
        cov_type=cov_type,
        ci=ci,
        level=level,
        n_groups=None if cluster_scores is None else int(cluster_scores.shape[0]),
        separation=separation,
        aliased=aliases(information, np.flatnonzero(aliased).tolist(), names)
        if aliased.any()
        else {},
        target=target,
        modelled=plain_label(record.classes[1]),
        firth=record.firth,
        penalty=(
            None if record.alpha == 0 else f"alpha={record.alpha:g}, l1_ratio={record.l1_ratio:g}"
        ),
    )


class _HeldFixed(Restricted):
    """The objective as a function of every coefficient but θⱼ, which is held at a value.

    For Firth's J*, whose Hessian the objective gives only in Fisher's approximation, Newton
    steps use central differences of the exact gradient (when positive definite), so the
    profile fits converge quadratically.
    """

    def __init__(self, objective: Objective, free: NDArray, index: int, value: float) -> None:
        base = np.zeros(objective.n_params)
        base[index] = value
        super().__init__(objective, free, base)

    def newton_hessian(self, coef: NDArray) -> NDArray:
        """The restricted Hessian, or for Firth's J* its exact form by differences."""
        fisher = self.hessian(coef)
        if self.firth is None:
            return fisher
        steps = 1e-5 * np.maximum(1.0, np.abs(coef))
        columns = []
        for k, step in enumerate(steps):
            up, down = coef.copy(), coef.copy()
            up[k] += step
            down[k] -= step
            columns.append((self.smooth_gradient(up) - self.smooth_gradient(down)) / (2.0 * step))
        exact = np.array(columns)
        exact = 0.5 * (exact + exact.T)
        return exact if np.all(np.linalg.eigvalsh(exact) > 0.0) else fisher


def _infinite_sides(names: list[str], separation: Separation | None) -> list[int | None]:
    """Per coefficient, the side on which its profile interval is infinite under
    ``separation``: +1 or −1 for a term whose estimate runs off to ±inf (the other bound is
    finite), None for both sides, 0 for neither.

    Holding θⱼ at any value leaves every separating direction δ with δⱼ = 0 free, along which
    ℓ tends to its supremum: so ℓ_p is flat at the supremum, and the interval (−inf, inf), for
    an undetermined term (separating directions move it both ways, so some have δⱼ = 0) and,
    under complete separation, for every term not forced to ±inf.
    """
    if separation is None:
        return [0] * len(names)
    complete = separation.kind == "complete"
    sides: list[int | None] = []
    for name in names:
        if name in separation.terms:
            sides.append(separation.terms[name])
        elif complete or name in separation.undetermined:
            sides.append(None)
        else:
            sides.append(0)
    return sides


def _profile_bounds(
    objective: Objective,
    theta: NDArray,
    table: Any,
    level: float,
    sides: list[int | None],
    aliased: NDArray,
) -> tuple[list[float], list[float]]:
    """Profile-likelihood bounds of every coefficient (of the penalised likelihood for Firth).

    ℓ_p(β) = −Σs · min over the other coefficients of J with θⱼ = β, found by Newton steps
    warm-started from the solution at the nearest β already profiled (θ̂ first); the bounds
    solve 2(ℓ_max − ℓ_p(β)) = χ²₁(level). ``sides`` (see :func:`_infinite_sides`) names the
    bounds that separation makes infinite: those are not profiled. The ``aliased``
    coefficients (a boolean mask) stay at 0 in every constrained fit.
    """
    total = objective.total_weight
    loglik_max = -objective.smooth_value(theta) * total
    quantile = float(chi2.ppf(level, df=1))
    # A constrained fit whose data are still separated drives its probabilities to 0 and 1,
    # where the Hessian is singular: minimum-norm steps carry it on towards the supremum.
    options = SolverOptions(tol=1e-9, max_iter=500, allow_singular=True)
    lows, highs = [], []
    for j, side in enumerate(sides):
        if side is None:
            lows.append(-np.inf)
            highs.append(np.inf)
            continue
        # The other coefficients move, except aliased ones, which stay at 0 (see sides).
        free = np.flatnonzero(~aliased & (np.arange(theta.size) != j))
        solved: dict[float, NDArray] = {float(theta[j]): theta[free]}
        neutral = objective.start()[free]

        def constrained_loglik(
            value: float,
            j: int = j,
            solved: dict = solved,
            neutral: NDArray = neutral,
            free: NDArray = free,
        ) -> float:
            fixed = _HeldFixed(objective, free, j, value)
            nearest = min(solved, key=lambda held: abs(held - value))
            result = solve_newton(fixed, solved[nearest], options)
            if not result.converged:
                # A warm start far in a saturated tail can stall where the cost is flat to
                # float64; the neutral start (zero weights) does not sit there.
                fresh = solve_newton(fixed, neutral, options)
                if fixed.smooth_value(fresh.coef) < fixed.smooth_value(result.coef):
                    result = fresh
            solved[float(value)] = result.coef
            loglik = -fixed.smooth_value(result.coef) * total
            stalled = not result.converged and result.grad_norm[-1] > _FLAT_GRADIENT
            # Far in a tail a constrained fit may crawl; the likelihood it reached is a lower
            # bound of ℓ_p, which brackets the root once it is already past the quantile.
            if stalled and 2.0 * (loglik_max - loglik) <= quantile:
                raise ValueError(
                    f"the profile fit with coefficient {j} held at {value:.6g} did not converge"
                )
            return loglik

        low, high = profile_interval(
            constrained_loglik,
            theta[j],
            float(table["std_err"].iloc[j]),
            loglik_max,
            level,
            infinite_side=side,
        )
        lows.append(low)
        highs.append(high)
    return lows, highs
