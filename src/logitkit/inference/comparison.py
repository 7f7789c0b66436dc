"""The likelihood-ratio test of two nested logistic regressions.

For a restricted model nested in a full one (the full model's terms include the restricted
model's, fitted to the same observations), Wilks' theorem gives, under the restricted model,

    LR = 2 (ℓ_full − ℓ_restricted) ~ χ²(k_full − k_restricted)

asymptotically, where ℓ is the maximised log-likelihood Σ sᵢ log P(yᵢ | xᵢ) and k the number
of coefficients, intercept included.
"""

from __future__ import annotations

from dataclasses import dataclass

from scipy.stats import chi2
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

from ..models.estimator import LogisticRegression

__all__ = ["LRTestResult", "lr_test"]

_RELATIVE_TOLERANCE = 1e-8


@dataclass(frozen=True)
class LRTestResult:
    """statistic = 2(ℓ_full − ℓ_restricted), df = k_full − k_restricted, p_value = P(χ²_df ≥ LR)."""

    statistic: float
    df: int
    p_value: float

    def __str__(self) -> str:
        return (
            f"Likelihood-ratio test: LR = {self.statistic:.6g}, df = {self.df}, "
            f"p-value = {self.p_value:.4g}"
        )


def lr_test(restricted: LogisticRegression, full: LogisticRegression) -> LRTestResult:
    """Test the restricted model against the full model it is nested in.

    Both must be fitted by maximum likelihood (alpha = 0) to the same observations, the
    restricted model first. The checks refuse what cannot be nested: a restricted model with as many
    coefficients as the full one or more, different numbers of observations or classes, an
    intercept only in the restricted model, restricted terms that the full model lacks (when
    both were fitted on named columns), and a restricted log-likelihood above the full one.
    """
    for role, model in (("restricted", restricted), ("full", full)):
        try:
            check_is_fitted(model)
        except NotFittedError:
            raise NotFittedError(
                f"lr_test: the {role} model is not fitted; fit both models first"
            ) from None
        if getattr(model, "firth", False):
            raise ValueError(
                f"lr_test: the {role} model was fitted with firth=True; the likelihood-ratio "
                "test compares maximum likelihood fits (a penalised-likelihood test needs ℓ*)"
            )
        if getattr(model, "alpha", 0) != 0:
            raise ValueError(
                f"lr_test: the {role} model is penalised (alpha={model.alpha}); the "
                "likelihood-ratio test compares maximum likelihood fits, fit both with alpha=0"
            )
    k_restricted, k_full = _n_coefficients(restricted), _n_coefficients(full)
    df = k_full - k_restricted
    if df < 1:
        raise ValueError(
            f"lr_test(restricted, full) expects the smaller model first: the restricted model "
            f"has {k_restricted} coefficients and the full model {k_full}; the restricted one "
            "must have fewer"
        )
    n_restricted = _fitted_value(restricted, "n_obs_", "restricted")
    n_full = _fitted_value(full, "n_obs_", "full")
    if n_restricted != n_full:
        raise ValueError(
            f"the models were fitted to different observations ({n_restricted:g} and "
            f"{n_full:g}): a likelihood-ratio test needs the same rows (and weights) in both. "
            "Drop rows with missing values in any variable of either model before fitting"
        )
    if list(restricted.classes_) != list(full.classes_):
        raise ValueError(
            f"the models were fitted to different responses (classes {list(restricted.classes_)} "
            f"and {list(full.classes_)})"
        )
    _check_terms(restricted, full)
    loglik_restricted = _loglik(restricted, "restricted")
    loglik_full = _loglik(full, "full")
    statistic = 2.0 * (loglik_full - loglik_restricted)
    if statistic < 0:
        if loglik_restricted - loglik_full > _RELATIVE_TOLERANCE * abs(loglik_full):
            raise ValueError(
                f"the restricted model's log-likelihood ({loglik_restricted:.10g}) exceeds the "
                f"full model's ({loglik_full:.10g}): the models are not nested, or the full "
                "model's fit did not converge"
            )
        statistic = 0.0
    return LRTestResult(statistic, df, float(chi2.sf(statistic, df)))


def _n_coefficients(model: LogisticRegression) -> int:
    """k: the coefficients of the features plus the intercept when one is fitted."""
    return int(model.coef_.size) + int(bool(model.fit_intercept))


def _check_terms(restricted: LogisticRegression, full: LogisticRegression) -> None:
    """Nesting by name: the restricted model's intercept and terms must all be in the full one."""
    if restricted.fit_intercept and not full.fit_intercept:
        raise ValueError(
            "the restricted model has an intercept and the full model does not: the models "
            "are not nested"
        )
    if not (hasattr(restricted, "feature_names_in_") and hasattr(full, "feature_names_in_")):
        return
    extra = [
        name for name in restricted.feature_names_in_ if name not in set(full.feature_names_in_)
    ]
    if extra:
        raise ValueError(
            f"the models are not nested: the restricted model has term(s) "
            f"{', '.join(repr(str(name)) for name in extra)} that the full model lacks"
        )


def _loglik(model: LogisticRegression, role: str = "model") -> float:
    """ℓ = Σ sᵢ log P(yᵢ | xᵢ), the maximised log-likelihood the fit stored as ``loglik_``."""
    return float(_fitted_value(model, "loglik_", role))


def _fitted_value(model: LogisticRegression, name: str, role: str) -> float:
    """A statistic the fit stores, or an error naming the model that lacks it."""
    value = getattr(model, name, None)
    if value is None:
        raise TypeError(
            f"lr_test: the {role} model ({type(model).__name__}) has no {name}; fit it with "
            "logitkit.LogisticRegression or logitkit.logit"
        )
    return float(value)
