"""model.summary(): the numbers statsmodels and R give, from the estimator and formula routes."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy.optimize import minimize
from scipy.stats import chi2
from sklearn.exceptions import NotFittedError

import logitkit as lk
from problems import make_problem

COLUMNS = ["coef", "std_err", "z", "p_value", "ci_low", "ci_high"]


def statsmodels_table(result) -> pd.DataFrame:
    ci = result.conf_int()
    return pd.DataFrame(
        {
            "coef": result.params,
            "std_err": result.bse,
            "z": result.tvalues,
            "p_value": result.pvalues,
            "ci_low": ci[0],
            "ci_high": ci[1],
        }
    ).to_numpy()


@pytest.fixture(scope="module")
def spector():
    data = sm.datasets.spector.load_pandas()
    return data.exog, data.endog


@pytest.mark.parametrize("cov_type", ["nonrobust", "HC0"])
def test_summary_equals_statsmodels(spector, cov_type) -> None:
    X, y = spector
    reference = sm.Logit(y, sm.add_constant(X)).fit(disp=0, tol=1e-12, cov_type=cov_type)
    summary = lk.LogisticRegression().fit(X, y).summary(cov_type=cov_type)
    assert list(summary.table.index) == ["Intercept", "GPA", "TUCE", "PSI"]
    np.testing.assert_allclose(summary.table[COLUMNS], statsmodels_table(reference), rtol=1e-6)
    np.testing.assert_allclose(summary.table["odds_ratio"], np.exp(reference.params), rtol=1e-6)
    np.testing.assert_allclose(summary.table["or_low"], np.exp(reference.conf_int()[0]), rtol=1e-6)
    assert summary.loglik == pytest.approx(reference.llf, rel=1e-10)
    assert summary.aic == pytest.approx(reference.aic, rel=1e-10)


def test_hc1_is_hc0_times_n_over_n_minus_k(spector) -> None:
    X, y = spector
    model = lk.LogisticRegression().fit(X, y)
    hc0 = model.summary(cov_type="HC0").table["std_err"]
    hc1 = model.summary(cov_type="HC1").table["std_err"]
    np.testing.assert_allclose(hc1, hc0 * np.sqrt(32 / (32 - 4)), rtol=1e-12)


def test_cluster_errors_equal_statsmodels() -> None:
    data = sm.datasets.fair.load_pandas().data
    y = (data["affairs"] > 0).astype(int)
    X = data[["rate_marriage", "age", "yrs_married", "religious"]]
    groups = data["occupation"].to_numpy()
    reference = sm.Logit(y, sm.add_constant(X)).fit(
        disp=0, tol=1e-12, cov_type="cluster", cov_kwds={"groups": groups}
    )
    summary = lk.LogisticRegression().fit(X, y).summary(cov_type="cluster", groups=groups, X=X, y=y)
    np.testing.assert_allclose(summary.table[COLUMNS], statsmodels_table(reference), rtol=1e-6)
    assert summary.n_groups == 6


def test_weighted_summary_equals_repeated_rows() -> None:
    X, y = make_problem(200, 3, seed=51)
    counts = np.random.default_rng(5).integers(1, 4, size=200)
    groups = np.arange(200) % 7
    weighted = lk.LogisticRegression().fit(X, y, sample_weight=counts)
    repeated = lk.LogisticRegression().fit(np.repeat(X, counts, 0), np.repeat(y, counts))
    for cov_type in ("nonrobust", "HC0", "HC1"):
        np.testing.assert_allclose(
            weighted.summary(cov_type=cov_type).table["std_err"],
            repeated.summary(cov_type=cov_type).table["std_err"],
            rtol=1e-8,
        )
    clustered = weighted.summary(
        cov_type="cluster", groups=groups, X=X, y=y, sample_weight=counts
    ).table["std_err"]
    clustered_repeated = repeated.summary(
        cov_type="cluster",
        groups=np.repeat(groups, counts),
        X=np.repeat(X, counts, 0),
        y=np.repeat(y, counts),
    ).table["std_err"]
    np.testing.assert_allclose(clustered, clustered_repeated, rtol=1e-8)


def profile_statistic(X, y, j: int, value: float, loglik_max: float) -> float:
    """2(ℓ_max − ℓ_p) by statsmodels' GLM with the coefficient as an offset."""
    design = sm.add_constant(X).to_numpy()
    rest = np.delete(design, j, axis=1)
    fit = sm.GLM(y, rest, family=sm.families.Binomial(), offset=value * design[:, j]).fit(tol=1e-12)
    return 2 * (loglik_max - fit.llf)


def test_profile_intervals_solve_the_likelihood_ratio_equation() -> None:
    flights = lk.datasets.load_challenger()
    model = lk.logit("damage ~ temperature_f", flights)
    table = model.summary(ci="profile").table
    quantile = chi2.ppf(0.95, 1)
    X = flights[["temperature_f"]]
    for j in range(2):
        for bound in ("ci_low", "ci_high"):
            statistic = profile_statistic(
                X, flights["damage"], j, table[bound].iloc[j], model.loglik_
            )
            assert statistic == pytest.approx(quantile, abs=1e-6)
    # R: confint(glm(damage ~ temperature_f, binomial)) gives these (profile) bounds.
    np.testing.assert_allclose(
        table.loc["temperature_f", ["ci_low", "ci_high"]], [-0.5154, -0.0608], atol=1e-4
    )
    np.testing.assert_allclose(table["or_low"], np.exp(table["ci_low"]), rtol=1e-14)


def test_firth_summary_uses_the_penalised_likelihood() -> None:
    rng = np.random.default_rng(52)
    X = rng.standard_normal((50, 2))
    y = (X[:, 0] > 0).astype(int)
    model = lk.LogisticRegression(firth=True).fit(X, y)
    summary = model.summary(ci="profile", X=X, y=y)
    np.testing.assert_allclose(
        summary.table["std_err"] ** 2, np.diag(np.linalg.inv(model.information_)), rtol=1e-12
    )
    design = np.column_stack([np.ones(50), X])

    def penalised(theta):
        p = lk.sigmoid(design @ theta)
        info = (design * (p * (1 - p))[:, None]).T @ design
        return lk.log_likelihood(y, design @ theta) + 0.5 * np.linalg.slogdet(info)[1]

    theta_hat = np.concatenate([model.intercept_, model.coef_[0]])
    maximum = penalised(theta_hat)
    for bound in ("ci_low", "ci_high"):
        value = summary.table[bound].iloc[1]
        rest = minimize(
            lambda free, value=value: -penalised(np.array([free[0], value, free[1]])),
            theta_hat[[0, 2]],
            method="Nelder-Mead",
            options={"xatol": 1e-10, "fatol": 1e-13, "maxiter": 20_000},
        )
        assert 2 * (maximum + rest.fun) == pytest.approx(chi2.ppf(0.95, 1), abs=1e-5)
    assert np.all(np.isfinite(summary.table[["ci_low", "ci_high"]]))


def test_summary_without_data_and_after_loading(spector, tmp_path) -> None:
    X, y = spector
    model = lk.LogisticRegression().fit(X, y)
    lk.save(model, tmp_path / "model.json")
    restored = lk.load(tmp_path / "model.json")
    for cov_type in ("nonrobust", "HC0", "HC1"):
        pd.testing.assert_frame_equal(
            restored.summary(cov_type=cov_type).table, model.summary(cov_type=cov_type).table
        )


def test_formula_model_keeps_its_data_for_cluster_and_profile() -> None:
    data = sm.datasets.spector.load_pandas().data
    data["classroom"] = np.arange(len(data)) % 5
    model = lk.logit("GRADE ~ GPA + TUCE + PSI", data, groups="classroom")
    clustered = model.summary(cov_type="cluster")
    explicit = model.summary(
        cov_type="cluster",
        groups=data["classroom"].to_numpy(),
        X=data[["GPA", "TUCE", "PSI"]],
        y=data["GRADE"],
    )
    pd.testing.assert_frame_equal(clustered.table, explicit.table)
    assert np.all(np.isfinite(model.summary(ci="profile").table["ci_low"]))
    assert "Response: GRADE" in str(clustered)


def test_printed_summary_reads_like_r() -> None:
    model = lk.logit("damage ~ temperature_f", lk.datasets.load_challenger())
    text = str(model.summary())
    assert "temperature_f  -0.2322     0.1082  -2.145   0.0320 *" in text
    assert "Null deviance: 28.267  on 22  degrees of freedom" in text
    assert "Residual deviance: 20.315  on 21  degrees of freedom" in text
    assert "AIC: 24.315" in text
    assert "<table" in model.summary()._repr_html_()
    lines = text.splitlines()
    assert lines[lines.index("Coefficients:") + 1].startswith(" " * 14 + "Estimate Std. Error")
    assert all(line == line.rstrip() for line in lines)


def test_unconverged_summary_says_so_first(spector) -> None:
    X, y = spector
    with pytest.warns(lk.ConvergenceWarning):
        model = lk.LogisticRegression(solver="gd", max_iter=3).fit(X, y)
    assert str(model.summary()).startswith("WARNING: the solver did not converge")


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"cov_type": "cluster", "groups": np.zeros(32)}, "need the data"),
        ({"ci": "profile"}, "profile intervals need the data"),
        ({"level": 1.5}, "level"),
        ({"level": 0.0}, "level"),
        ({"cov_type": "HC3"}, "cov_type must be one of"),
        ({"ci": "bootstrap"}, "ci must be one of"),
    ],
)
def test_bad_summary_requests_are_refused_clearly(spector, kwargs, message) -> None:
    X, y = spector
    model = lk.LogisticRegression().fit(X, y)
    with pytest.raises(ValueError, match=message):
        model.summary(**kwargs)


def test_bad_groups_are_refused_clearly(spector) -> None:
    X, y = spector
    model = lk.LogisticRegression().fit(X, y)
    with pytest.raises(ValueError, match="groups"):
        model.summary(cov_type="cluster", groups=np.zeros(10), X=X, y=y)
    with pytest.raises(ValueError, match="one group|single"):
        model.summary(cov_type="cluster", groups=np.zeros(32), X=X, y=y)
    with pytest.raises(ValueError, match="needs groups"):
        model.summary(cov_type="cluster", X=X, y=y)


def test_summary_of_an_unfitted_model_is_refused() -> None:
    with pytest.raises(NotFittedError):
        lk.LogisticRegression().summary()


def test_formula_with_a_missing_column_is_refused() -> None:
    with pytest.raises(ValueError, match="nonexistent"):
        lk.logit("damage ~ nonexistent", lk.datasets.load_challenger())


def test_summary_refuses_data_other_than_the_fitted(spector) -> None:
    X, y = spector
    model = lk.LogisticRegression().fit(X, y)
    with pytest.raises(ValueError, match="data the model was fitted on.*n = 20"):
        model.summary(ci="profile", X=X.iloc[:20], y=y.iloc[:20])


def test_profile_intervals_refuse_an_l1_penalty(spector) -> None:
    X, y = spector
    model = lk.LogisticRegression(alpha=0.01, l1_ratio=0.5).fit(X, y)
    with pytest.raises(ValueError, match="profile intervals need a smooth likelihood"):
        model.summary(ci="profile", X=X, y=y)


def test_formula_summary_takes_the_raw_data() -> None:
    data = sm.datasets.spector.load_pandas().data
    data["track"] = np.where(data["PSI"] == 1, "new", "old")
    model = lk.logit("GRADE ~ GPA + C(track)", data)
    raw = model.summary(ci="profile", X=data, y=data["GRADE"]).table
    pd.testing.assert_frame_equal(raw, model.summary(ci="profile").table)


@pytest.mark.parametrize(
    ("cov_type", "n_groups", "described"),
    [
        ("nonrobust", None, "nonrobust (inverse information)"),
        ("HC1", None, "HC1 (heteroskedasticity-robust sandwich)"),
        ("cluster", 6, "cluster-robust, 6 groups"),
        ("cluster", None, "cluster-robust"),
    ],
)
def test_the_last_line_says_how_the_standard_errors_were_computed(
    spector, cov_type, n_groups, described
) -> None:
    """The footer's last line names the covariance (and the clusters, when their number is
    known) and the intervals."""
    X, y = spector
    summary = lk.LogisticRegression().fit(X, y).summary()
    summary = replace(summary, cov_type=cov_type, n_groups=n_groups)
    assert str(summary).splitlines()[-1] == f"Standard errors: {described}; 95% Wald intervals"


def test_large_and_fractional_counts_are_printed_whole_or_to_six_digits(spector) -> None:
    """R's summary.glm prints degrees of freedom in full (2499999, not 2.5e+06); a count
    from fractional weights shows 6 significant digits."""
    X, y = spector
    summary = lk.LogisticRegression().fit(X, y).summary()
    large = replace(summary, n_obs=2_500_000.0, df_model=1.0, df_resid=2_499_998.0)
    lines = str(large).splitlines()
    assert "Number of observations: 2500000" in lines
    assert [line.split("  ")[-2:] for line in lines if "deviance:" in line] == [
        ["on 2499999", "degrees of freedom"],
        ["on 2499998", "degrees of freedom"],
    ]
    fractional = replace(summary, n_obs=12.5, df_model=3.0, df_resid=8.5)
    assert "Number of observations: 12.5" in str(fractional).splitlines()
