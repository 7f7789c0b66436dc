"""The likelihood-ratio test against statsmodels' log-likelihoods and its own LR test."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf
from scipy.stats import chi2
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression as SklearnLogisticRegression
from statsmodels.discrete.discrete_model import MNLogit

from logitkit import ConvergenceWarning, LogisticRegression, log_likelihood
from logitkit.inference.comparison import LRTestResult, lr_test
from logitkit.models.formula import logit

FULL = "GRADE ~ GPA + TUCE + C(PSI)"
FOUR_CLASS_WEIGHTS = np.array(
    [[0.0, 0.0, 0.0], [1.0, -0.5, 0.15], [-0.7, 0.8, 0.0], [0.5, 0.5, -0.15]]
)


@pytest.fixture(scope="module")
def spector() -> pd.DataFrame:
    return sm.datasets.spector.load_pandas().data


@pytest.fixture(scope="module")
def four_classes() -> tuple[pd.DataFrame, np.ndarray]:
    """300 samples of a softmax model with 4 classes; feature c has a weak effect."""
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(300, 3)), columns=["a", "b", "c"])
    z = X.to_numpy() @ FOUR_CLASS_WEIGHTS.T + np.array([0.0, 0.2, -0.3, 0.1])
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    y = (rng.random(300)[:, None] > p.cumsum(axis=1)).sum(axis=1)
    return X, y


def statsmodels_logit(formula: str, data: pd.DataFrame):
    return smf.logit(formula, data).fit(disp=0, method="newton", tol=1e-12)


def statsmodels_mnlogit(X: pd.DataFrame, y: np.ndarray):
    return MNLogit(y, X).fit(method="newton", disp=0, tol=1e-12, maxiter=100)


def test_lr_test_equals_statsmodels_llr_against_the_constant_only_model(spector) -> None:
    data = spector.assign(one=1.0)
    full = "GRADE ~ one + GPA + TUCE + PSI - 1"
    result = lr_test(logit("GRADE ~ one - 1", data), logit(full, data))
    reference = statsmodels_logit("GRADE ~ GPA + TUCE + PSI", spector)
    assert result.statistic == pytest.approx(reference.llr, rel=1e-9)
    assert result.df == reference.df_model == 3
    assert result.p_value == pytest.approx(reference.llr_pvalue, rel=1e-7)


@pytest.mark.parametrize(
    ("restricted", "full"),
    [
        ("GRADE ~ GPA", FULL),
        ("GRADE ~ GPA + TUCE", FULL),
        ("GRADE ~ TUCE", "GRADE ~ TUCE + PSI"),
        ("GRADE ~ GPA + C(PSI)", FULL),
    ],
)
def test_lr_test_equals_statsmodels_log_likelihoods_on_spector(spector, restricted, full) -> None:
    """LR = 2(ℓ_full − ℓ_restricted) from statsmodels' fits, small ones included: TUCE adds
    only LR ≈ 0.474 to GPA and PSI, a statistic kept as it is, not rounded to 0."""
    result = lr_test(logit(restricted, spector), logit(full, spector))
    small, large = statsmodels_logit(restricted, spector), statsmodels_logit(full, spector)
    statistic = 2.0 * (large.llf - small.llf)
    assert result.statistic == pytest.approx(statistic, rel=1e-9)
    assert result.df == large.df_model - small.df_model
    assert result.p_value == pytest.approx(chi2.sf(statistic, result.df), rel=1e-7)


def test_lr_test_equals_statsmodels_on_fair() -> None:
    data = sm.datasets.fair.load_pandas().data
    data = data.assign(had_affair=(data["affairs"] > 0).astype(int))
    restricted = "had_affair ~ rate_marriage + age"
    full = "had_affair ~ rate_marriage + age + yrs_married + C(religious)"
    result = lr_test(logit(restricted, data), logit(full, data))
    small, large = statsmodels_logit(restricted, data), statsmodels_logit(full, data)
    assert result.statistic == pytest.approx(2.0 * (large.llf - small.llf), rel=1e-9)
    assert result.df == 4
    assert result.p_value == pytest.approx(chi2.sf(result.statistic, 4), rel=1e-7)
    assert result.p_value < 1e-20


def test_lr_test_of_four_classes_equals_statsmodels_mnlogit(four_classes) -> None:
    X, y = four_classes
    result = lr_test(LogisticRegression().fit(X[["a", "b"]], y), LogisticRegression().fit(X, y))
    small = statsmodels_mnlogit(sm.add_constant(X[["a", "b"]]), y)
    large = statsmodels_mnlogit(sm.add_constant(X), y)
    statistic = 2.0 * (large.llf - small.llf)
    assert result.df == large.df_model - small.df_model == 3  # (K − 1)·Δp, not K·Δp = 4
    assert result.statistic == pytest.approx(statistic, rel=1e-6)
    assert result.p_value == pytest.approx(chi2.sf(statistic, 3), rel=1e-6)
    assert 0.01 < result.p_value < 0.1


def test_lr_test_of_four_classes_equals_mnlogit_llr_against_the_constant(four_classes) -> None:
    X, y = four_classes
    ones = X.assign(one=1.0)
    constant = LogisticRegression(fit_intercept=False).fit(ones[["one"]], y)
    full = LogisticRegression(fit_intercept=False).fit(ones[["one", "a", "b", "c"]], y)
    result = lr_test(constant, full.record_)
    reference = statsmodels_mnlogit(sm.add_constant(X), y)
    assert result.df == reference.df_model == 9
    assert result.statistic == pytest.approx(reference.llr, rel=1e-6)
    assert result.p_value == pytest.approx(reference.llr_pvalue, rel=1e-6)


def test_lr_test_reads_the_maximised_log_likelihood(spector) -> None:
    """The statistic is 2(ℓ_full − ℓ_restricted) with ℓ = Σ log P(yᵢ | xᵢ) at each fit's θ̂."""
    X, y = spector[["GPA", "TUCE", "PSI"]], spector["GRADE"].to_numpy()
    small, model = LogisticRegression().fit(X[["GPA"]], y), LogisticRegression().fit(X, y)
    ell = [
        log_likelihood(y, fit.decision_function(data))
        for fit, data in ((small, X[["GPA"]]), (model, X))
    ]
    assert lr_test(small, model).statistic == pytest.approx(2.0 * (ell[1] - ell[0]), rel=1e-10)


def test_models_without_a_record_are_refused_by_their_role(spector) -> None:
    """The error names which of the two models (restricted or full) is not a logitkit fit."""
    X, y = spector[["GPA", "TUCE", "PSI"]], spector["GRADE"].to_numpy()
    model, other = LogisticRegression().fit(X, y), SklearnLogisticRegression().fit(X, y)
    with pytest.raises(TypeError, match=r"the restricted model \(LogisticRegression\) has no"):
        lr_test(other, model)
    with pytest.raises(TypeError, match=r"the full model \(LogisticRegression\) has no"):
        lr_test(model, other)
    with pytest.raises(NotFittedError, match="the restricted model is not fitted"):
        lr_test(LogisticRegression(), model)


def test_a_named_restricted_model_is_tested_against_an_unnamed_full_one(spector) -> None:
    """Nesting by name needs names on both sides: with one model fitted on a NumPy array the
    check is skipped and the test is the one of the same two models fitted on named columns."""
    X, y = spector[["GPA", "TUCE", "PSI"]], spector["GRADE"].to_numpy()
    small, full = LogisticRegression().fit(X[["GPA"]], y), LogisticRegression().fit(X, y)
    expected = lr_test(small, full)
    unnamed_full = LogisticRegression().fit(X.to_numpy(), y)
    unnamed_small = LogisticRegression().fit(X[["GPA"]].to_numpy(), y)
    for result in (lr_test(small, unnamed_full), lr_test(unnamed_small, full)):
        assert result.df == expected.df == 2
        assert result.statistic == pytest.approx(expected.statistic, rel=1e-9)


def test_the_result_is_a_frozen_record_printed_on_one_line() -> None:
    result = LRTestResult(statistic=6.638536, df=2, p_value=0.036189)
    assert str(result) == "Likelihood-ratio test: LR = 6.63854, df = 2, p-value = 0.03619"
    with pytest.raises(AttributeError):
        result.df = 3


def test_models_in_the_wrong_order_are_refused(spector) -> None:
    restricted, full = logit("GRADE ~ GPA", spector), logit(FULL, spector)
    with pytest.raises(ValueError, match="expects the smaller model first.*has 4 coefficients"):
        lr_test(full, restricted)
    with pytest.raises(ValueError, match="smaller model first"):
        lr_test(restricted, logit("GRADE ~ TUCE", spector))


def test_models_with_terms_the_full_one_lacks_are_refused(spector) -> None:
    restricted = logit("GRADE ~ GPA + TUCE", spector)
    full = logit("GRADE ~ GPA + C(PSI) + I(GPA ** 2)", spector)
    with pytest.raises(ValueError, match="not nested.*term\\(s\\) 'TUCE' that the full"):
        lr_test(restricted, full)
    without_intercept = logit("GRADE ~ GPA + TUCE + C(PSI) - 1", spector)
    with pytest.raises(ValueError, match="restricted model has an intercept"):
        lr_test(logit("GRADE ~ GPA", spector), without_intercept)


def test_models_fitted_to_different_rows_or_responses_are_refused(spector) -> None:
    gaps = spector.assign(TUCE=spector["TUCE"].where(spector.index % 10 != 0))
    restricted = logit("GRADE ~ GPA", gaps)
    with pytest.warns(UserWarning, match="4 of 32 rows"):
        full = logit("GRADE ~ GPA + TUCE", gaps)
    with pytest.raises(ValueError, match=r"different observations \(32 and 28\)"):
        lr_test(restricted, full)
    flipped = spector.assign(GRADE=np.where(spector["GRADE"] == 1, "pass", "fail"))
    with pytest.raises(ValueError, match="different responses"):
        lr_test(restricted, logit(FULL, flipped))


def test_a_full_fit_worse_than_the_restricted_one_is_refused(spector) -> None:
    restricted = logit("GRADE ~ GPA", spector)
    with pytest.warns(ConvergenceWarning):
        unfinished = logit(FULL, spector, solver="gd", max_iter=1)
    assert unfinished.loglik_ < restricted.loglik_
    with pytest.raises(ValueError, match="not nested, or the full model's fit did not converge"):
        lr_test(restricted, unfinished)


def test_unfitted_models_are_refused(spector) -> None:
    with pytest.raises(NotFittedError, match="the full model is not fitted"):
        lr_test(logit("GRADE ~ GPA", spector), LogisticRegression())


def test_lr_test_refuses_penalised_fits() -> None:
    data = sm.datasets.spector.load_pandas()
    full = LogisticRegression(alpha=0.01).fit(data.exog, data.endog)
    restricted = LogisticRegression().fit(data.exog[["GPA"]], data.endog)
    with pytest.raises(ValueError, match="full model is penalised"):
        lr_test(restricted, full)


def test_lr_test_refuses_firth_fits() -> None:
    data = sm.datasets.spector.load_pandas()
    full = LogisticRegression(firth=True).fit(data.exog, data.endog)
    restricted = LogisticRegression().fit(data.exog[["GPA"]], data.endog)
    with pytest.raises(ValueError, match="firth=True"):
        lr_test(restricted, full)


def test_a_restricted_loglik_exactly_at_the_tolerance_is_accepted(spector) -> None:
    """ℓ_restricted may exceed ℓ_full by up to 10⁻⁸·|ℓ_full| inclusive. With ℓ_full = −10⁸/2¹⁸
    the tolerance is 2⁻¹⁸ in floating point too, and ℓ_full + 2⁻¹⁸ is exact: the statistic is 0."""
    X, y = spector[["GPA", "TUCE", "PSI"]], spector["GRADE"].to_numpy()
    full = LogisticRegression().fit(X, y).record_
    small = LogisticRegression().fit(X[["GPA"]], y).record_
    ell = -1e8 / 2.0**18
    assert 1e-8 * abs(ell) == 2.0**-18
    at_tolerance = replace(small, loglik=ell + 2.0**-18)
    assert lr_test(at_tolerance, replace(full, loglik=ell)).statistic == 0.0
    with pytest.raises(ValueError, match="exceeds the full model's"):
        lr_test(replace(small, loglik=ell + 2.0**-17), replace(full, loglik=ell))
