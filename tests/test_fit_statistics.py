"""Log-likelihoods, deviances, information criteria and the stored p×p matrices."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm

import logitkit as lk
from logitkit.inference import statistics
from problems import make_problem


@pytest.fixture(scope="module")
def spector():
    data = sm.datasets.spector.load_pandas()
    reference = sm.Logit(data.endog, sm.add_constant(data.exog)).fit(disp=0, tol=1e-12)
    model = lk.LogisticRegression().fit(data.exog, data.endog)
    return model, reference


def test_likelihood_statistics_equal_statsmodels(spector) -> None:
    model, reference = spector
    assert model.loglik_ == pytest.approx(reference.llf, rel=1e-10)
    assert model.null_loglik_ == pytest.approx(reference.llnull, rel=1e-10)
    assert model.deviance_ == pytest.approx(-2 * reference.llf, rel=1e-10)
    assert model.null_deviance_ == pytest.approx(-2 * reference.llnull, rel=1e-10)
    assert model.aic_ == pytest.approx(reference.aic, rel=1e-10)
    assert model.bic_ == pytest.approx(reference.bic, rel=1e-10)
    assert model.df_model_ == reference.df_model == 3
    assert model.df_resid_ == reference.df_resid == 28
    assert model.n_obs_ == reference.nobs == 32


def test_information_inverts_to_statsmodels_covariance(spector) -> None:
    model, reference = spector
    np.testing.assert_allclose(
        np.linalg.inv(model.information_), reference.cov_params().to_numpy(), rtol=1e-7
    )


def test_score_outer_is_the_hc0_meat(spector) -> None:
    model, reference = spector
    robust = reference.model.fit(disp=0, tol=1e-12, cov_type="HC0")
    bread = np.linalg.inv(model.information_)
    np.testing.assert_allclose(
        bread @ model.score_outer_ @ bread, robust.cov_params().to_numpy(), rtol=1e-6
    )


def test_integer_weights_equal_repeated_rows() -> None:
    X, y = make_problem(300, 3, seed=31)
    counts = np.random.default_rng(3).integers(0, 4, size=300)
    weighted = lk.LogisticRegression().fit(X, y, sample_weight=counts)
    repeated = lk.LogisticRegression().fit(np.repeat(X, counts, 0), np.repeat(y, counts))
    for name in ("loglik_", "null_loglik_", "deviance_", "aic_", "bic_", "n_obs_", "df_resid_"):
        assert getattr(weighted, name) == pytest.approx(getattr(repeated, name), rel=1e-10), name
    np.testing.assert_allclose(weighted.information_, repeated.information_, rtol=1e-9)
    np.testing.assert_allclose(weighted.score_outer_, repeated.score_outer_, rtol=1e-8)


def test_without_intercept_the_null_model_is_one_half() -> None:
    X, y = make_problem(200, 2, seed=32)
    model = lk.LogisticRegression(fit_intercept=False).fit(X, y)
    assert model.null_loglik_ == pytest.approx(-200 * np.log(2.0), rel=1e-14)
    assert model.df_model_ == 2
    assert model.information_.shape == (2, 2)


def test_ridge_information_includes_the_penalty() -> None:
    X, y = make_problem(200, 2, seed=33)
    model = lk.LogisticRegression(alpha=0.1).fit(X, y)
    z = model.decision_function(X)
    p = 1 / (1 + np.exp(-z))
    design = np.column_stack([np.ones(200), X])
    expected = (design * (p * (1 - p))[:, None]).T @ design + 200 * 0.1 * np.diag([0.0, 1.0, 1.0])
    np.testing.assert_allclose(model.information_, expected, rtol=1e-10)


def test_the_matrices_are_kept_beyond_the_work_limit_only_when_asked_for(monkeypatch) -> None:
    """n = 100 rows and k = 5 coefficients make n·k² = 2500: above a limit of 2499, I and M
    are kept only when ``keep_matrices`` asks for them, which by default it does not."""
    X, y = make_problem(100, 4, seed=34)
    objective = lk.Objective.from_data(X, y)
    monkeypatch.setattr(statistics, "MAX_MATRIX_WORK", 2499.0)
    assert statistics.matrices_kept(objective) is False
    assert statistics.matrices_kept(objective, keep_matrices=True) is True


def test_information_and_meat_come_from_one_fused_pass(monkeypatch) -> None:
    """For a small dense two-class fit both I and M are sums of one fused pass over X; they
    equal X̃ᵀ diag(p(1 − p)) X̃ and X̃ᵀ diag((y − p)²) X̃ written out."""
    X, y = make_problem(200, 3, seed=35)
    objective = lk.Objective.from_data(X, y)
    passes = []
    fused_sums = objective.design.fused_sums

    def counted(*args, **kwargs):
        passes.append((kwargs["hessian"], kwargs["score_outer"]))
        return fused_sums(*args, **kwargs)

    monkeypatch.setattr(objective.design, "fused_sums", counted)
    coef = np.array([0.2, -0.5, 0.3, 0.1])
    information, score_outer = statistics.information_matrices(objective, coef)
    assert passes == [(True, True)]
    design = np.column_stack([np.ones(200), X])
    p = 1 / (1 + np.exp(-design @ coef))
    np.testing.assert_allclose(
        information, (design * (p * (1 - p))[:, None]).T @ design, rtol=1e-12
    )
    np.testing.assert_allclose(
        score_outer, (design * ((y - p) ** 2)[:, None]).T @ design, rtol=1e-12
    )
