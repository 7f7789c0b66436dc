"""The likelihood-ratio test of two nested logistic regressions.

For a restricted model nested in a full one (the full model's terms include the restricted
model's, fitted to the same observations), Wilks' theorem gives, under the restricted model,

    LR = 2 (ℓ_full − ℓ_restricted) ~ χ²(k_full − k_restricted)

asymptotically, where ℓ is the maximised log-likelihood Σ sᵢ log P(yᵢ | xᵢ) and k = len(θ) the
number of free coefficients, intercepts included: p + 1 for two classes and (K − 1)(p + 1) for
an unpenalised fit with K ≥ 3 classes (one class is the reference), so that adding Δp features
to a K-class model adds (K − 1)Δp degrees of freedom.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from scipy.stats import chi2
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

from ..core.record import FitRecord

__all__ = ["LRTestResult", "lr_test"]

_RELATIVE_TOLERANCE = 1e-8


class Fitted(Protocol):
    """A fitted model that keeps its :class:`~logitkit.core.record.FitRecord` as ``record_``."""

    record_: FitRecord


@dataclass(frozen=True)
class LRTestResult:
    """statistic = 2(ℓ_full − ℓ_restricted), df = r_full − r_restricted (r the estimable
    coefficients: aliased ones do not count, as in R's anova), p_value = P(χ²_df ≥ LR)."""

    statistic: float
    df: int
    p_value: float

    def __str__(self) -> str:
        return (
            f"Likelihood-ratio test: LR = {self.statistic:.6g}, df = {self.df}, "
            f"p-value = {self.p_value:.4g}"
        )


def lr_test(restricted: Fitted | FitRecord, full: Fitted | FitRecord) -> LRTestResult:
    """Test the restricted model against the full model it is nested in.

    Each is a fitted model (a :class:`~logitkit.LogisticRegression`, say from
    :func:`~logitkit.logit`) or its ``record_``. Both must be fitted by maximum likelihood
    (alpha = 0) to the same observations, the restricted model first. The checks refuse what
    cannot be nested: a restricted model with as many coefficients as the full one or more,
    different numbers of observations or classes, an intercept only in the restricted model,
    restricted terms that the full model lacks (when both were fitted on named columns), and
    a restricted log-likelihood above the full one.
    """
    small, large = _record(restricted, "restricted"), _record(full, "full")
    for role, record in (("restricted", small), ("full", large)):
        if record.firth:
            raise ValueError(
                f"lr_test: the {role} model was fitted with firth=True; the likelihood-ratio "
                "test compares maximum likelihood fits (a penalised-likelihood test needs ℓ*)"
            )
        if record.alpha != 0:
            raise ValueError(
                f"lr_test: the {role} model is penalised (alpha={record.alpha:g}); the "
                "likelihood-ratio test compares maximum likelihood fits, fit both with alpha=0"
            )
    k_restricted, k_full = small.rank, large.rank
    df = k_full - k_restricted
    if df < 1:
        raise ValueError(
            f"lr_test(restricted, full) expects the smaller model first: the restricted model "
            f"has {k_restricted} coefficients and the full model {k_full}; the restricted one "
            "must have fewer"
        )
    if small.n_obs != large.n_obs:
        raise ValueError(
            f"the models were fitted to different observations ({small.n_obs:g} and "
            f"{large.n_obs:g}): a likelihood-ratio test needs the same rows (and weights) in "
            "both. Drop rows with missing values in any variable of either model before fitting"
        )
    if small.classes.tolist() != large.classes.tolist():
        raise ValueError(
            f"the models were fitted to different responses (classes {small.classes.tolist()} "
            f"and {large.classes.tolist()})"
        )
    _check_terms(small, large)
    statistic = 2.0 * (large.loglik - small.loglik)
    if statistic < 0:
        if small.loglik - large.loglik > _RELATIVE_TOLERANCE * abs(large.loglik):
            raise ValueError(
                f"the restricted model's log-likelihood ({small.loglik:.10g}) exceeds the "
                f"full model's ({large.loglik:.10g}): the models are not nested, or the full "
                "model's fit did not converge"
            )
        statistic = 0.0
    return LRTestResult(statistic, df, float(chi2.sf(statistic, df)))


def _record(model: Fitted | FitRecord, role: str) -> FitRecord:
    """The FitRecord of ``model`` (itself when it is one), or an error naming the model."""
    if isinstance(model, FitRecord):
        return model
    try:
        check_is_fitted(model)
    except NotFittedError:
        raise NotFittedError(
            f"lr_test: the {role} model is not fitted; fit both models first"
        ) from None
    record = getattr(model, "record_", None)
    if not isinstance(record, FitRecord):
        raise TypeError(
            f"lr_test: the {role} model ({type(model).__name__}) has no loglik_ and no record_; "
            "fit it with logitkit.LogisticRegression or logitkit.logit"
        )
    return record


def _check_terms(restricted: FitRecord, full: FitRecord) -> None:
    """Nesting by name: the restricted model's intercept and terms must all be in the full one."""
    if restricted.fit_intercept and not full.fit_intercept:
        raise ValueError(
            "the restricted model has an intercept and the full model does not: the models "
            "are not nested"
        )
    if restricted.feature_names is None or full.feature_names is None:
        return
    extra = [name for name in restricted.feature_names if name not in set(full.feature_names)]
    if extra:
        raise ValueError(
            f"the models are not nested: the restricted model has term(s) "
            f"{', '.join(repr(name) for name in extra)} that the full model lacks"
        )
