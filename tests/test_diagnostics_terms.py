"""VIF/GVIF and the analysis of deviance against statsmodels refits and car's definitions."""

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf
from scipy.stats import chi2
from statsmodels.stats.outliers_influence import variance_inflation_factor

import logitkit as lk
from logitkit.inference.anova import AnovaTable

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


def test_anova_type_2_leaves_out_the_interactions_that_contain_the_term(anes):
    """Type II tests a:b against the model of every term that does not contain it: a:b:c
    contains a:b (all of its factors and one more) and is left out of both fits; a is tested
    without any interaction of a."""
    model = lk.logit("vote ~ age * logpopul * educ", anes)
    main = "vote ~ age + logpopul + educ"
    two_way = f"{main} + age:educ + logpopul:educ"
    table = lk.anova(model).table
    expected = {
        "age": _lr(anes, f"{main} + logpopul:educ", "vote ~ logpopul * educ"),
        "age:logpopul": _lr(anes, f"{two_way} + age:logpopul", two_way),
        "age:logpopul:educ": _lr(
            anes, "vote ~ age * logpopul * educ", "vote ~ (age + logpopul + educ) ** 2"
        ),
    }
    for term, statistic in expected.items():
        np.testing.assert_allclose(table.loc[term, "lr_chisq"], statistic, rtol=RTOL)


def test_columns_named_by_the_same_factors_do_not_contain_each_other(spector):
    """Plain columns named "GPA:TUCE" and "TUCE:GPA" read as interactions of the same two
    factors: neither contains the other (containing means every factor and more), so type II
    keeps both in its fits and equals type III."""
    X, y, _ = spector
    named = X.rename(columns={"GPA": "GPA:TUCE", "TUCE": "TUCE:GPA"})
    model = lk.LogisticRegression(tol=1e-10).fit(named, y)
    type2, type3 = lk.anova(model, named, y).table, lk.anova(model, named, y, type=3).table
    np.testing.assert_allclose(type2["lr_chisq"], type3["lr_chisq"], rtol=1e-9)
    data = X.assign(GRADE=y)
    expected = _lr(data, "GRADE ~ GPA + TUCE + PSI", "GRADE ~ TUCE + PSI")
    np.testing.assert_allclose(type2.loc["GPA:TUCE", "lr_chisq"], expected, rtol=RTOL)


def test_the_anova_table_prints_cars_header_and_legend(anes, spector):
    """car::Anova's layout: the title with the type in Roman numerals, a blank line, the
    response (a formula's left-hand side, a named y's name, else "y"), the table, "---" and
    R's legend of significance codes."""
    legend = "Signif. codes:  0 ‘***’ 0.001 ‘**’ 0.01 ‘*’ 0.05 ‘.’ 0.1 ‘ ’ 1"
    X, y, model = spector
    unnamed = lk.LogisticRegression().fit(X.to_numpy(), y.to_numpy())
    cases = [
        (lk.anova(lk.logit("vote ~ age + logpopul", anes)), "II", "vote"),
        (lk.anova(lk.logit("vote ~ age + logpopul", anes), type=3), "III", "vote"),
        (lk.anova(model, X, y.rename("GRADE")), "II", "GRADE"),
        (lk.anova(unnamed, X.to_numpy(), y.to_numpy(), type=3), "III", "y"),
    ]
    for table, roman, response in cases:
        lines = str(table).splitlines()
        assert lines[:3] == [
            f"Analysis of Deviance Table (Type {roman} tests)",
            "",
            f"Response: {response}",
        ]
        assert lines[-2:] == ["---", legend]
    assert lk.anova(model, X, y.rename("GRADE")).response == "GRADE"


@pytest.mark.parametrize(
    ("p_value", "code"),
    [
        (1e-9, "***"),
        (0.001, "***"),
        (0.005, "**"),
        (0.01, "**"),
        (0.03, "*"),
        (0.05, "*"),
        (0.07, "."),
        (0.1, "."),
        (0.5, ""),
        (1.0, ""),
    ],
)
def test_the_anova_table_prints_rs_significance_codes(p_value, code):
    """R's symnum codes with right-closed cut points 0.001, 0.01, 0.05 and 0.1 (a p-value at
    a cut point takes the code below it), and none above 0.1, left-aligned in a column of
    three as printCoefmat and the summary print them."""
    table = pd.DataFrame(
        {"lr_chisq": [chi2.isf(p_value, 1)], "df": [1], "p_value": [p_value]},
        index=pd.Index(["x"], name="term"),
    )
    line = str(AnovaTable(table=table, type=2)).splitlines()[4]
    assert line.split()[4:] == ([code] if code else [])
    assert line.endswith(" " + code.ljust(3))


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
    with pytest.raises(ValueError, match="^anova's likelihood-ratio tests: needs the maximum"):
        lk.anova(lk.LogisticRegression(alpha=0.1).fit(X, y), X, y)
    with pytest.raises(ValueError, match="^anova's likelihood-ratio tests: not defined for Firth"):
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
