"""VIF/GVIF and the analysis of deviance against statsmodels refits and car's definitions."""

import numpy as np
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf
from scipy.stats import chi2
from statsmodels.stats.outliers_influence import variance_inflation_factor

import logitkit as lk

RTOL = 1e-6


@pytest.fixture(scope="module")
def spector():
    data = sm.datasets.spector.load_pandas()
    return data.exog, data.endog, lk.LogisticRegression(tol=1e-10).fit(data.exog, data.endog)


@pytest.fixture(scope="module")
def anes():
    return sm.datasets.anes96.load_pandas().data


def _car_gvif(cov, groups):
    """car::vif: R = cov2cor(vcov without the intercept), det R_SS det R_-S-S / det R."""
    scale = np.sqrt(np.diag(cov))
    R = cov / np.outer(scale, scale)
    out = []
    for subset in groups:
        rest = [i for i in range(R.shape[0]) if i not in subset]
        value = (
            np.linalg.det(R[np.ix_(subset, subset)])
            * np.linalg.det(R[np.ix_(rest, rest)])
            / np.linalg.det(R)
        )
        out.append(value)
    return np.array(out)


def test_vif_of_the_design_matches_statsmodels(spector):
    X, _, model = spector
    exog = sm.add_constant(X).to_numpy()
    expected = [variance_inflation_factor(exog, i) for i in range(1, 4)]
    got = lk.vif(model, X, basis="design")
    np.testing.assert_allclose(got["gvif"], expected, rtol=RTOL)
    np.testing.assert_allclose(got["gvif_adjusted"], np.sqrt(expected), rtol=RTOL)
    assert list(got["df"]) == [1, 1, 1]


def test_vif_of_the_covariance_is_cars_for_a_glm(spector):
    X, y, model = spector
    cov = sm.Logit(y, sm.add_constant(X)).fit(disp=0, tol=1e-12).cov_params().to_numpy()[1:, 1:]
    got = lk.vif(model)
    np.testing.assert_allclose(got["gvif"], _car_gvif(cov, [[0], [1], [2]]), rtol=RTOL)
    assert list(got.index) == ["GPA", "TUCE", "PSI"]


def test_gvif_of_a_categorical_term_as_car(anes):
    formula = "vote ~ age + C(educ) + logpopul"
    model = lk.logit(formula, anes)
    cov = smf.logit(formula, anes).fit(disp=0, tol=1e-12).cov_params()
    names = [c for c in cov.index if c != "Intercept"]
    cov = cov.loc[names, names].to_numpy()
    groups = {
        "age": [names.index("age")],
        "C(educ)": [i for i, n in enumerate(names) if n.startswith("C(educ)")],
        "logpopul": [names.index("logpopul")],
    }
    got = lk.vif(model)
    assert list(got.index) == list(groups)
    expected = _car_gvif(cov, list(groups.values()))
    np.testing.assert_allclose(got["gvif"], expected, rtol=1e-5)
    assert list(got["df"]) == [1, 6, 1]
    np.testing.assert_allclose(got["gvif_adjusted"], expected ** (1 / (2 * got["df"])), rtol=1e-5)


def test_vif_refusals(spector):
    X, y, model = spector
    with pytest.raises(ValueError, match="basis must be one of"):
        lk.vif(model, X, basis="columns")
    with pytest.raises(ValueError, match="needs X"):
        lk.vif(model, basis="design")
    one = lk.LogisticRegression().fit(X[["GPA"]], y)
    with pytest.raises(ValueError, match="at least two terms"):
        lk.vif(one)
    no_intercept = lk.LogisticRegression(fit_intercept=False).fit(X, y)
    with pytest.raises(ValueError, match="with an intercept"):
        lk.vif(no_intercept)
    penalised = lk.LogisticRegression(alpha=0.05).fit(X, y)
    with pytest.raises(ValueError, match="needs the maximum-likelihood fit"):
        lk.vif(penalised)
    np.testing.assert_allclose(
        lk.vif(penalised, X, basis="design")["gvif"], lk.vif(model, X, basis="design")["gvif"]
    )


def _lr(data, larger, smaller):
    """2(ℓ_larger − ℓ_smaller) from two statsmodels fits."""
    fit = lambda formula: smf.logit(formula, data).fit(disp=0, tol=1e-12).llf  # noqa: E731
    return 2.0 * (fit(larger) - fit(smaller))


def test_anova_type_2_and_3_match_statsmodels_refits(anes):
    formula = "vote ~ age * logpopul + C(educ)"
    model = lk.logit(formula, anes)
    full = "vote ~ age * logpopul + C(educ)"
    type2 = {
        "age": _lr(anes, "vote ~ age + logpopul + C(educ)", "vote ~ logpopul + C(educ)"),
        "logpopul": _lr(anes, "vote ~ age + logpopul + C(educ)", "vote ~ age + C(educ)"),
        "C(educ)": _lr(anes, full, "vote ~ age * logpopul"),
        "age:logpopul": _lr(anes, full, "vote ~ age + logpopul + C(educ)"),
    }
    table = lk.anova(model).table
    assert set(table.index) == set(type2)
    for term, statistic in type2.items():
        np.testing.assert_allclose(table.loc[term, "lr_chisq"], statistic, rtol=RTOL)
    assert table.loc["C(educ)", "df"] == 6
    np.testing.assert_allclose(table["p_value"], chi2.sf(table["lr_chisq"], table["df"]))
    type3 = lk.anova(model, type=3).table
    np.testing.assert_allclose(
        type3.loc["age", "lr_chisq"],
        _lr(anes, full, "vote ~ age:logpopul + logpopul + C(educ)"),
        rtol=RTOL,
    )
    np.testing.assert_allclose(
        type3.loc["logpopul", "lr_chisq"],
        _lr(anes, full, "vote ~ age + age:logpopul + C(educ)"),
        rtol=RTOL,
    )
    assert "Analysis of Deviance Table (Type III tests)" in str(lk.anova(model, type=3))


def test_anova_of_an_estimator_tests_each_column(spector):
    X, y, model = spector
    data = X.assign(GRADE=y)
    table = lk.anova(model, X, y).table
    for column in X.columns:
        others = " + ".join(c for c in X.columns if c != column)
        expected = _lr(data, "GRADE ~ GPA + TUCE + PSI", f"GRADE ~ {others}")
        np.testing.assert_allclose(table.loc[column, "lr_chisq"], expected, rtol=RTOL)
    np.testing.assert_allclose(lk.anova(model, X, y, type=3).table, table)


def test_anova_of_one_column_without_intercept_tests_it_against_the_zero_model(spector):
    """Without an intercept, dropping the only column leaves no coefficient: the smaller
    model predicts ½ for every row, ℓ₀ = n log ½, and the test is statsmodels' 2(ℓ − ℓ₀)."""
    X, y, _ = spector
    column = X[["GPA"]]
    model = lk.LogisticRegression(fit_intercept=False, tol=1e-10).fit(column, y)
    expected = 2.0 * (sm.Logit(y, column).fit(disp=0).llf - len(y) * np.log(0.5))
    table = lk.anova(model, column, y).table
    np.testing.assert_allclose(table.loc["GPA", "lr_chisq"], expected, rtol=RTOL)
    assert table.loc["GPA", "df"] == 1


def test_anova_refusals(spector):
    X, y, model = spector
    with pytest.raises(ValueError, match="type must be 2 or 3"):
        lk.anova(model, X, y, type=1)
    with pytest.raises(ValueError, match="test must be 'LR'"):
        lk.anova(model, X, y, test="Wald")
    with pytest.raises(ValueError, match="is penalised"):
        lk.anova(lk.LogisticRegression(alpha=0.1).fit(X, y), X, y)
    with pytest.raises(ValueError, match="not defined for Firth"):
        lk.anova(lk.LogisticRegression(firth=True).fit(X, y), X, y)
    with pytest.raises(ValueError, match="these differ from them"):
        lk.anova(model, X.iloc[:20], y.iloc[:20])


def test_vif_and_anova_refuse_three_classes(anes):
    X = anes[["age", "educ", "logpopul"]]
    y = (anes["PID"] // 3).astype(int)
    model = lk.LogisticRegression().fit(X, y)
    with pytest.raises(ValueError, match="vif: defined for two classes only"):
        lk.vif(model)
    with pytest.raises(ValueError, match="anova: defined for two classes only"):
        lk.anova(model, X, y)
