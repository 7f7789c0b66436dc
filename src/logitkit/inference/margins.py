"""Average and conditional marginal effects of a binary logit, with delta-method errors.

For row x̃ = (1, x), p = σ(x̃ᵀθ̂) and f = p(1 − p), the effect of a continuous xⱼ is

    dydx = f βⱼ,   eyex = (1 − p) βⱼ xⱼ,   dyex = f βⱼ xⱼ,   eydx = (1 − p) βⱼ

(∂p/∂xⱼ, and its elasticities: "ey" divides by p, "ex" multiplies by xⱼ). A dummy column
(values 0 and 1, with ``dummy=True``) gets the discrete change p(xⱼ = 1) − p(xⱼ = 0), a count
column (non-negative integers, with ``count=True``) the centred change
(p(xⱼ + 1) − p(xⱼ − 1))/2; "ey" methods take the change in log p instead. With discrete
columns the "ex" methods and ``at="median"`` or ``"zero"`` are refused, as in statsmodels.
The effect is evaluated at every row and averaged (``at="overall"``, weighted by the sample
weights), or at the mean, median or zero row (the intercept kept at 1).
These are statsmodels' ``get_margeff`` conventions (Stata's ``margins, dydx(*)``).

The standard error of an effect e(θ̂) is √(g V gᵀ), g = ∂e/∂θ at θ̂ in closed form and V the
covariance of θ̂ (nonrobust, HC0, HC1 or cluster). With K ≥ 3 classes every class's
probability has its effects (:mod:`logitkit.inference.margins_multinomial`), in the rows
(class, feature), class by class, as statsmodels' ``MNLogit``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from scipy.stats import norm

from ..core.functions import log_sigmoid, sigmoid
from ..core.objective import Objective
from ..core.record import FitRecord
from ..core.validation import plain_label
from .check_inputs import design_columns, parameter_covariance, require_maximum_likelihood
from .covariance import check_level
from .margins_multinomial import class_effects

__all__ = ["AT_VALUES", "MARGIN_COLUMNS", "METHODS", "marginal_effects"]

AT_VALUES = ("overall", "mean", "median", "zero")
METHODS = ("dydx", "eyex", "dyex", "eydx")
MARGIN_COLUMNS = ("effect", "std_err", "z", "p_value", "ci_low", "ci_high")


def marginal_effects(
    record: FitRecord,
    objective: Objective,
    *,
    at: str = "overall",
    method: str = "dydx",
    dummy: bool = False,
    count: bool = False,
    cov_type: str = "nonrobust",
    groups: ArrayLike | None = None,
    level: float = 0.95,
) -> pd.DataFrame:
    """The marginal effect of every feature, one row per feature (the intercept has none):
    effect, std_err, z = effect / std_err, the two-sided normal p-value and the ``level``
    interval effect ± z₁₋α/₂ · std_err."""
    require_maximum_likelihood(record, "the delta-method standard errors of marginal effects")
    if at not in AT_VALUES:
        raise ValueError(f"at must be one of {', '.join(map(repr, AT_VALUES))}; got {at!r}")
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(map(repr, METHODS))}; got {method!r}")
    if (dummy or count) and method.endswith("ex"):
        raise ValueError(
            f"method={method!r} is an elasticity in x, which a discrete (dummy or count) column "
            "has not: use 'dydx' or 'eydx' with dummy=True or count=True"
        )
    if (dummy or count) and at in ("median", "zero"):
        raise ValueError(
            f"at={at!r} is not defined with dummy=True or count=True (statsmodels refuses it "
            "too): use at='overall' or at='mean'"
        )
    level = check_level(level)
    cov = parameter_covariance(record, objective, cov_type, groups)
    start = int(record.fit_intercept)
    if at == "overall" and not (dummy or count) and len(record.classes) == 2:
        effects, gradients = _average_continuous(record, objective, method)
    else:
        effects, gradients = _effects_by_rows(record, objective, at, method, dummy, count)
    std_err = _delta_method_errors(gradients, cov)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = effects / std_err
    quantile = float(norm.ppf(0.5 + level / 2.0))
    return pd.DataFrame(
        {
            "effect": effects,
            "std_err": std_err,
            "z": z,
            "p_value": 2.0 * norm.sf(np.abs(z)),
            "ci_low": effects - quantile * std_err,
            "ci_high": effects + quantile * std_err,
        },
        index=_effect_index(record, start),
    )


def _effects_by_rows(
    record: FitRecord, objective: Objective, at: str, method: str, dummy: bool, count: bool
) -> tuple[NDArray, NDArray]:
    """The effects and their gradients in θ (one row per effect), averaged over the rows x̃
    they are evaluated at, feature by feature (dummy and count columns as discrete changes)."""
    X = design_columns(objective)
    start = int(record.fit_intercept)
    rows, weights = _evaluation_rows(X, objective.sample_weight, at, start)
    kinds = _column_kinds(X, dummy, count)
    theta = record.theta
    blocks = 1 if len(record.classes) == 2 else len(record.classes)
    by_class = np.empty((blocks, X.shape[1]))
    by_class_gradients = np.empty((blocks, X.shape[1], theta.size))
    for j, kind in enumerate(kinds):
        per_row, per_row_gradient = _per_row_effects(record, rows, j + start, kind, method)
        by_class[:, j] = weights @ per_row
        by_class_gradients[:, j] = np.einsum("r,rck->ck", weights, per_row_gradient)
    return by_class.ravel(), by_class_gradients.reshape(-1, theta.size)


def _average_continuous(
    record: FitRecord, objective: Objective, method: str
) -> tuple[NDArray, NDArray]:
    """The average effects of every feature of a two-class fit and their gradients, from the
    design's products over all rows at once (no n × p temporary), with weights wᵢ = sᵢ/Σs.

    With c = f (dy) or 1 − p (ey) and c′ = ∂c/∂z = f(1 − 2p) or −f, the average effect of xⱼ
    is βⱼ Σ wᵢcᵢ with gradient βⱼ X̃ᵀ(w ⊙ c′) + (Σ wᵢcᵢ) eⱼ; for the elasticities in x
    (``*ex``) it is βⱼ Σ wᵢcᵢxᵢⱼ with gradient βⱼ [X̃ᵀ diag(w ⊙ c′) X̃]ⱼ + (Σ wᵢcᵢxᵢⱼ) eⱼ.
    """
    design, theta = objective.design, record.theta
    start = int(record.fit_intercept)
    w = objective.sample_weight / objective.sample_weight.sum()
    p = sigmoid(design.linear_predictor(theta))
    f = p * (1.0 - p)
    scale, slope = (1.0 - p, -f) if method.startswith("ey") else (f, f * (1.0 - 2.0 * p))
    beta = theta[start:]
    positions = np.arange(start, theta.size)
    if method.endswith("ex"):
        averages = design.rmatvec(w * scale)[start:]
        curvature = design.weighted_gram(w * slope)[:, start:].T
    else:
        averages = np.full(beta.size, float(w @ scale))
        curvature = np.tile(design.rmatvec(w * slope), (beta.size, 1))
    gradients = beta[:, None] * curvature
    gradients[np.arange(beta.size), positions] += averages
    return beta * averages, gradients


def _per_row_effects(
    record: FitRecord, rows: NDArray, position: int, kind: str, method: str
) -> tuple[NDArray, NDArray]:
    """Per row and modelled block (one for two classes, K for more): the effect of the
    feature at ``position`` of x̃ (r × blocks) and its gradient in θ (r × blocks × len(θ))."""
    low_high = None
    if kind != "continuous":
        low, high = rows.copy(), rows.copy()
        if kind == "dummy":
            low[:, position], high[:, position] = 0.0, 1.0
        else:
            low[:, position] -= 1.0
            high[:, position] += 1.0
        low_high = (low, high)
    theta = record.theta
    if len(record.classes) > 2:
        assert record.reference is not None  # an unpenalised K-class fit has a reference
        effect, gradient = class_effects(rows, low_high, theta, record.reference, position, method)
    elif low_high is None:
        effect, gradient = _continuous(rows, theta, position, method)
        effect, gradient = effect[:, None], gradient[:, None, :]
    else:
        effect, gradient = _discrete(*low_high, theta, method)
        effect, gradient = effect[:, None], gradient[:, None, :]
    if kind == "count":
        return effect / 2.0, gradient / 2.0
    return effect, gradient


def _delta_method_errors(gradients: NDArray, cov: NDArray) -> NDArray:
    """√(gⱼᵀ Σ gⱼ) for each effect's gradient gⱼ, computed as cⱼ √(uⱼᵀ Σ uⱼ) with
    uⱼ = gⱼ/cⱼ and cⱼ = maxₖ |gⱼₖ|: an effect far in a tail (p̂ ≈ 10⁻²⁴⁴) keeps a standard error
    of its own size, where gⱼᵀ Σ gⱼ itself would underflow to 0 and give z = ∞."""
    scale = np.max(np.abs(gradients), axis=1, initial=0.0)
    scale[scale == 0.0] = 1.0
    unit = gradients / scale[:, None]
    return scale * np.sqrt(np.maximum(np.einsum("jk,kl,jl->j", unit, cov, unit), 0.0))


def _effect_index(record: FitRecord, start: int) -> pd.Index:
    """The features for two classes; (class, feature) pairs, class by class, for more."""
    features = list(record.term_names[start:])
    if len(record.classes) == 2:
        return pd.Index(features, name="term")
    return pd.MultiIndex.from_product(
        [[plain_label(label) for label in record.classes], features], names=["class", "term"]
    )


def _evaluation_rows(
    X: NDArray, sample_weight: NDArray, at: str, start: int
) -> tuple[NDArray, NDArray]:
    """The rows x̃ the effects are evaluated at, and their averaging weights (summing to 1)."""
    if at == "overall":
        rows = X
        weights = sample_weight / sample_weight.sum()
    else:
        if at == "mean":
            row = sample_weight @ X / sample_weight.sum()
        elif at == "median":
            row = np.array([_weighted_median(column, sample_weight) for column in X.T])
        else:
            row = np.zeros(X.shape[1])
        rows = row[None, :]
        weights = np.ones(1)
    if start:
        rows = np.column_stack((np.ones(rows.shape[0]), rows))
    return rows, weights


def _weighted_median(values: NDArray, weights: NDArray) -> float:
    """The median of the values repeated by their (frequency) weights: the mean of the order
    statistics at 0-based positions ⌊(N − 1)/2⌋ and ⌈(N − 1)/2⌉, N = Σ weights."""
    order = np.argsort(values, kind="stable")
    ordered, cumulative = values[order], np.cumsum(weights[order])
    middle = (cumulative[-1] - 1.0) / 2.0
    picks = np.searchsorted(cumulative, [np.floor(middle), np.ceil(middle)], side="right")
    return float(ordered[np.minimum(picks, ordered.size - 1)].mean())


def _column_kinds(X: NDArray, dummy: bool, count: bool) -> list[str]:
    """ "dummy" for columns of 0s and 1s (both present) when ``dummy``, "count" for other
    non-constant columns of non-negative integers when ``count``, else "continuous"."""
    integer = np.all(X % 1.0 == 0.0, axis=0)
    is_dummy = integer & (X.min(axis=0) == 0.0) & (X.max(axis=0) == 1.0)
    is_count = integer & (X.min(axis=0) >= 0.0) & (X.var(axis=0) > 0.0) & ~is_dummy
    kinds = []
    for j in range(X.shape[1]):
        if dummy and is_dummy[j]:
            kinds.append("dummy")
        elif count and is_count[j]:
            kinds.append("count")
        else:
            kinds.append("continuous")
    return kinds


def _continuous(
    rows: NDArray, theta: NDArray, position: int, method: str
) -> tuple[NDArray, NDArray]:
    """Per row: the effect c·βⱼ·(xⱼ for "ex") with c = f (dy) or 1 − p (ey), and its
    gradient (∂c/∂θ βⱼ + c eⱼ)·(xⱼ), ∂c/∂θ = f(1 − 2p) x̃ (dy) or −f x̃ (ey)."""
    p = sigmoid(rows @ theta)
    f = p * (1.0 - p)
    if method.startswith("ey"):
        scale, slope = 1.0 - p, -f
    else:
        scale, slope = f, f * (1.0 - 2.0 * p)
    beta = theta[position]
    gradient = (slope * beta)[:, None] * rows
    gradient[:, position] += scale
    effect = scale * beta
    if method.endswith("ex"):
        factor = rows[:, position]
        effect = effect * factor
        gradient = gradient * factor[:, None]
    return effect, gradient


def _discrete(low: NDArray, high: NDArray, theta: NDArray, method: str) -> tuple[NDArray, NDArray]:
    """Per row: p(high) − p(low) with gradient f₁x̃₁ − f₀x̃₀, or for "ey" methods
    log p(high) − log p(low) with gradient (1 − p₁)x̃₁ − (1 − p₀)x̃₀."""
    z_low, z_high = low @ theta, high @ theta
    p_low, p_high = sigmoid(z_low), sigmoid(z_high)
    if method.startswith("ey"):
        effect = log_sigmoid(z_high) - log_sigmoid(z_low)
        gradient = (1.0 - p_high)[:, None] * high - (1.0 - p_low)[:, None] * low
    else:
        effect = p_high - p_low
        gradient = (p_high * (1.0 - p_high))[:, None] * high - (p_low * (1.0 - p_low))[
            :, None
        ] * low
    return effect, gradient
