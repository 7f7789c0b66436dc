"""The coefficient table and its intervals: Wald intervals from a covariance, and profile
likelihood intervals by root-finding.

    Wald:     θⱼ ± z_{(1+level)/2} SEⱼ,   z = θⱼ/SEⱼ,   p = 2(1 − Φ(|z|))
    profile:  the β where 2(ℓ_max − ℓ_p(β)) = χ²₁(level), ℓ_p the likelihood maximised over the
              other coefficients with θⱼ = β

Odds ratios and their bounds are the exponentials of the coefficient and its bounds.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy.optimize import brentq
from scipy.stats import chi2, norm

from .covariance import check_level, square_matrix

__all__ = ["profile_interval", "replace_intervals", "wald_table"]

_MAX_EXPANSIONS = 30


def wald_table(
    coef: ArrayLike,
    cov: ArrayLike,
    names: Sequence[str],
    level: float = 0.95,
) -> pd.DataFrame:
    """The coefficient table: estimates, standard errors, Wald tests and intervals.

    With se = √diag(V), q = Φ⁻¹(1 − (1 − level)/2):

        z = θ̂ / se,   p = 2 Φ̄(|z|)   (Φ̄ = norm.sf, accurate far into the tail)
        ci = θ̂ ∓ q·se,   odds_ratio = exp(θ̂),   or bounds = exp(ci bounds)

    The odds-ratio bounds are the exponentiated coefficient bounds, never exp of se. An
    infinite standard error (a separated coefficient) gives z = 0, p = 1, ci = (−inf, +inf)
    and odds-ratio bounds (0, +inf): no information, rather than a huge meaningless number.
    Columns are :data:`TABLE_COLUMNS`; the index is ``names``, named "term".
    """
    level = check_level(level)
    theta = np.asarray(coef, dtype=np.float64).ravel()
    matrix = square_matrix(cov, "cov", allow_nonfinite=True)
    if matrix.shape[0] != theta.size or len(names) != theta.size:
        raise ValueError(
            f"coef has {theta.size} values, cov is {matrix.shape[0]}×{matrix.shape[1]} and "
            f"there are {len(names)} names; they must agree"
        )
    variance = np.diag(matrix).copy()
    if np.any(variance < 0.0):
        raise ValueError("cov has a negative variance on its diagonal: not a covariance matrix")
    se = np.sqrt(variance)
    unbounded = np.isinf(se)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(unbounded, 0.0, theta / se)
    p_value = 2.0 * norm.sf(np.abs(z))
    half_width = norm.ppf(0.5 + level / 2.0) * se
    low = np.where(unbounded, -np.inf, theta - half_width)
    high = np.where(unbounded, np.inf, theta + half_width)
    with np.errstate(over="ignore"):
        odds = np.exp(np.vstack([theta, low, high]))
    table = pd.DataFrame(
        {
            "coef": theta,
            "std_err": se,
            "z": z,
            "p_value": p_value,
            "ci_low": low,
            "ci_high": high,
            "odds_ratio": odds[0],
            "or_low": odds[1],
            "or_high": odds[2],
        },
        index=pd.Index(list(names), name="term"),
    )
    return table


def replace_intervals(table: pd.DataFrame, low: ArrayLike, high: ArrayLike) -> pd.DataFrame:
    """A copy of a :func:`wald_table` with other interval bounds, e.g. profile-likelihood ones.

    ci_low, ci_high = ``low``, ``high`` and or_low, or_high = exp(low), exp(high); the
    estimates, standard errors, z and p-values are kept (they remain the Wald test's).
    """
    lower = np.asarray(low, dtype=np.float64).ravel()
    upper = np.asarray(high, dtype=np.float64).ravel()
    if lower.size != len(table) or upper.size != len(table):
        raise ValueError(
            f"the table has {len(table)} terms but {lower.size} lower and {upper.size} upper "
            "bounds were given"
        )
    result = table.copy()
    result["ci_low"] = lower
    result["ci_high"] = upper
    with np.errstate(over="ignore"):
        result["or_low"] = np.exp(lower)
        result["or_high"] = np.exp(upper)
    return result


def profile_interval(
    constrained_loglik: Callable[[float], float],
    estimate: float,
    std_err: float,
    loglik_max: float,
    level: float = 0.95,
    *,
    tol: float = 1e-6,
    max_expansions: int = _MAX_EXPANSIONS,
    infinite_side: int = 0,
) -> tuple[float, float]:
    """The profile-likelihood interval of one coefficient β: {β : D(β) ≤ χ²₁(level)}.

    D(β) = 2(ℓ_max − ℓ_p(β)), where ℓ_p(β) = ``constrained_loglik(β)`` is the (possibly
    penalised) log-likelihood maximised over the other coefficients with this one held at β,
    and ℓ_max = ``loglik_max`` is its unconstrained maximum, attained at ``estimate``.

    Each bound is a root of D(β) − q, q = χ²₁ quantile at ``level``, found by Brent's method
    (scipy.optimize.brentq), never by interpolation. The root is bracketed by walking outward
    from the estimate in steps h, 2h, 4h, ... with h = √q·s, the Wald half-width, where
    s = ``std_err`` (or max(1, |estimate|) when s is not a positive finite number). If D stays
    below q for ``max_expansions`` doublings (2³⁰ Wald half-widths by default) the bound is
    ±inf: the likelihood never drops enough, as for a coefficient that runs off to infinity
    under separation. Each bound is located to within 0.1·tol·s, which in the quadratic
    approximation D ≈ ((β − β̂)/s)² leaves the statistic within 0.2·√q·tol of q.

    ``infinite_side`` = +1 (−1) gives the upper (lower) bound as +inf (−inf) without profiling
    that side: under separation a coefficient that runs off to +inf has ℓ_p(β) increasing to
    the supremum of ℓ as β → +inf, so D never reaches q there, and the constrained fits far on
    that side saturate before showing it. 0 profiles both sides.
    """
    level = check_level(level)
    center = float(estimate)
    if not np.isfinite(center):
        raise ValueError(f"estimate must be finite to profile from it; got {estimate!r}")
    if not tol > 0.0:
        raise ValueError(f"tol must be positive; got {tol!r}")
    if infinite_side not in (-1, 0, 1):
        raise ValueError(f"infinite_side must be -1, 0 or 1; got {infinite_side!r}")
    quantile = float(chi2.ppf(level, df=1))
    scale = float(std_err) if np.isfinite(std_err) and std_err > 0.0 else max(1.0, abs(center))
    maximum = float(loglik_max)

    def excess(value: float) -> float:
        loglik = float(constrained_loglik(value))
        if not np.isfinite(loglik):
            raise ValueError(f"constrained_loglik returned {loglik} at {value!r}")
        return 2.0 * (maximum - loglik) - quantile

    xtol = 0.1 * tol * scale
    step = np.sqrt(quantile) * scale
    bounds = []
    for direction in (-1.0, 1.0):
        inner, bound = center, direction * np.inf
        if direction == infinite_side:
            bounds.append(float(bound))
            continue
        for expansion in range(max_expansions + 1):
            outer = center + direction * step * 2.0**expansion
            if excess(outer) > 0.0:
                bound = brentq(excess, min(inner, outer), max(inner, outer), xtol=xtol)
                break
            inner = outer
        bounds.append(float(bound))
    return bounds[0], bounds[1]
