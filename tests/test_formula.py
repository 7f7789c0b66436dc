"""The formula interface against statsmodels' formula API, on data statsmodels ships."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf

from logitkit import LogisticRegression
from logitkit.models.formula import FormulaData, MissingRowsWarning, logit, transform_for_prediction

SPECTOR = "GRADE ~ GPA + TUCE + C(PSI)"


@pytest.fixture(scope="module")
def spector() -> pd.DataFrame:
    return sm.datasets.spector.load_pandas().data


@pytest.fixture(scope="module")
def anes96() -> pd.DataFrame:
    return sm.datasets.anes96.load_pandas().data


@pytest.fixture(scope="module")
def fair() -> pd.DataFrame:
    data = sm.datasets.fair.load_pandas().data
    return data.assign(had_affair=(data["affairs"] > 0).astype(int))


def params_by_term(model: LogisticRegression) -> pd.Series:
    """Coefficients indexed by term name, "Intercept" first when fitted."""
    if not model.fit_intercept:
        return pd.Series(model.coef_[0], index=model.feature_names_in_)
    names = ["Intercept", *model.feature_names_in_]
    return pd.Series(np.concatenate([model.intercept_, model.coef_[0]]), index=names)


def assert_same_fit(model: LogisticRegression, reference: pd.Series) -> None:
    """Same term names (as a set: patsy orders terms differently) and coefficients to 1e-6."""
    ours = params_by_term(model)
    assert sorted(ours.index) == sorted(reference.index)
    np.testing.assert_allclose(ours.to_numpy(), reference[ours.index].to_numpy(), rtol=1e-6)


def test_spector_coefficients_and_term_names_equal_statsmodels(spector) -> None:
    model = logit(SPECTOR, spector)
    reference = smf.logit(SPECTOR, spector).fit(disp=0, method="newton", tol=1e-12)
    assert_same_fit(model, reference.params)
    assert model.fit_intercept
    assert list(model.feature_names_in_) == ["GPA", "TUCE", "C(PSI)[T.1.0]"]
    assert model.formula_ == SPECTOR


def test_many_level_categoricals_equal_statsmodels_on_anes96(anes96) -> None:
    formula = "vote ~ age + np.log(popul + 1) + C(educ) + C(PID)"
    model = logit(formula, anes96)
    reference = smf.logit(formula, anes96).fit(disp=0, method="newton", tol=1e-12)
    assert_same_fit(model, reference.params)
    assert "C(PID)[T.6.0]" in model.feature_names_in_
    assert "C(PID)[T.0.0]" not in model.feature_names_in_


def test_response_expression_equals_statsmodels_on_fair(fair) -> None:
    terms = "rate_marriage + age + yrs_married + C(religious) + C(occupation)"
    model = logit(f"I(affairs > 0) ~ {terms}", fair)
    reference = smf.logit(f"had_affair ~ {terms}", fair).fit(disp=0, method="newton", tol=1e-12)
    assert_same_fit(model, reference.params)
    np.testing.assert_array_equal(model.formula_data_.y, fair["had_affair"].to_numpy())


def test_string_columns_get_treatment_coding(spector) -> None:
    data = spector.assign(PSI=np.where(spector["PSI"] == 1, "new", "old"))
    model = logit("GRADE ~ GPA + PSI", data)
    reference = smf.logit("GRADE ~ GPA + PSI", data).fit(disp=0, method="newton", tol=1e-12)
    assert_same_fit(model, reference.params)
    assert list(model.feature_names_in_) == ["GPA", "PSI[T.old]"]


def test_string_and_boolean_responses_keep_their_labels(spector) -> None:
    numeric = logit(SPECTOR, spector)
    words = spector.assign(GRADE=np.where(spector["GRADE"] == 1, "pass", "fail"))
    flags = spector.assign(GRADE=spector["GRADE"] == 1)
    for data, classes in ((words, ["fail", "pass"]), (flags, [False, True])):
        model = logit(SPECTOR, data)
        assert list(model.classes_) == classes
        np.testing.assert_allclose(model.coef_, numeric.coef_, rtol=1e-10)
        np.testing.assert_array_equal(model.formula_data_.y, data["GRADE"].to_numpy())
        predicted = model.predict(model.formula_data_.X)
        np.testing.assert_array_equal(
            predicted == classes[1], numeric.predict(numeric.formula_data_.X) == 1
        )


@pytest.mark.parametrize("no_intercept", ["- 1", "+ 0"])
def test_removing_the_intercept_fits_without_one(spector, no_intercept) -> None:
    formula = f"GRADE ~ GPA + TUCE + C(PSI) {no_intercept}"
    model = logit(formula, spector)
    reference = smf.logit(formula, spector).fit(disp=0, method="newton", tol=1e-12)
    assert not model.fit_intercept
    assert model.intercept_[0] == 0.0
    assert_same_fit(model, reference.params)
    assert list(model.feature_names_in_) == ["GPA", "TUCE", "C(PSI)[0.0]", "C(PSI)[1.0]"]


def test_weight_and_group_columns_by_name(spector) -> None:
    data = spector.assign(w=np.arange(32) % 4 + 1.0, school=np.arange(32) // 4)
    model = logit(SPECTOR, data, sample_weight="w", groups="school")
    reference = smf.glm(SPECTOR, data, family=sm.families.Binomial(), freq_weights=data["w"])
    assert_same_fit(model, reference.fit(tol=1e-12).params)
    stored = model.formula_data_
    np.testing.assert_array_equal(stored.sample_weight, data["w"].to_numpy())
    np.testing.assert_array_equal(stored.groups, data["school"].to_numpy())
    by_array = logit(SPECTOR, data, sample_weight=data["w"].to_numpy(), groups=list(data["school"]))
    np.testing.assert_array_equal(by_array.coef_, model.coef_)
    np.testing.assert_array_equal(by_array.formula_data_.groups, stored.groups)


def test_missing_rows_are_dropped_from_design_weights_and_groups(spector) -> None:
    data = spector.assign(w=np.arange(32) % 3 + 1.0, school=np.arange(32) // 4)
    data.index = [f"student{i}" for i in range(32)]
    data.loc["student2", "GPA"] = np.nan
    data.loc["student5", "PSI"] = np.nan
    data.loc["student9", "w"] = np.nan
    data.loc["student30", "school"] = np.nan
    before = data.copy()
    with pytest.warns(MissingRowsWarning, match="4 of 32 rows have missing values") as record:
        model = logit(SPECTOR, data, sample_weight="w", groups="school")
    assert "fitted on 28 rows" in str(record[0].message)
    complete = data.dropna()
    stored = model.formula_data_
    assert list(stored.X.index) == list(complete.index)
    np.testing.assert_array_equal(stored.X["GPA"].to_numpy(), complete["GPA"].to_numpy())
    np.testing.assert_array_equal(stored.y, complete["GRADE"].to_numpy())
    np.testing.assert_array_equal(stored.sample_weight, complete["w"].to_numpy())
    np.testing.assert_array_equal(stored.groups, complete["school"].to_numpy())
    assert stored.data is data
    np.testing.assert_array_equal(stored.rows, np.flatnonzero(data.notna().all(axis=1)))
    reference = smf.glm(
        SPECTOR, complete, family=sm.families.Binomial(), freq_weights=complete["w"]
    ).fit(tol=1e-12)
    assert_same_fit(model, reference.params)
    pd.testing.assert_frame_equal(data, before)


def test_formula_data_holds_what_summaries_need(spector) -> None:
    model = logit("GRADE ~ GPA + C(PSI)", spector)
    stored = model.formula_data_
    assert isinstance(stored, FormulaData)
    assert stored.formula == model.formula_ == "GRADE ~ GPA + C(PSI)"
    assert list(stored.X.columns) == ["GPA", "C(PSI)[T.1.0]"]
    np.testing.assert_array_equal(stored.X["C(PSI)[T.1.0]"].to_numpy(), spector["PSI"].to_numpy())
    np.testing.assert_array_equal(stored.y, spector["GRADE"].to_numpy())
    assert stored.sample_weight is None and stored.groups is None
    assert list(stored.model_spec.column_names) == ["Intercept", "GPA", "C(PSI)[T.1.0]"]
    with pytest.raises(AttributeError):
        stored.formula = "GRADE ~ GPA"


def test_params_reach_the_estimator_but_the_formula_sets_the_intercept(spector) -> None:
    model = logit(SPECTOR, spector, alpha=0.01, solver="lbfgs")
    reference = LogisticRegression(alpha=0.01, solver="lbfgs").fit(
        model.formula_data_.X, spector["GRADE"]
    )
    np.testing.assert_allclose(model.coef_, reference.coef_, rtol=1e-6)
    assert (model.alpha, model.solver_) == (0.01, "lbfgs")
    with pytest.raises(TypeError, match="'- 1'"):
        logit(SPECTOR, spector, fit_intercept=False)


def test_functions_of_the_callers_scope_can_appear_in_the_formula(spector) -> None:
    def per_ten(values: pd.Series) -> pd.Series:
        return values / 10.0

    model = logit("GRADE ~ GPA + per_ten(TUCE)", spector)
    plain = logit("GRADE ~ GPA + TUCE", spector)
    assert list(model.feature_names_in_) == ["GPA", "per_ten(TUCE)"]
    assert model.coef_[0, 1] == pytest.approx(10.0 * plain.coef_[0, 1], rel=1e-8)


@pytest.mark.parametrize(
    ("formula", "missing"),
    [("GRADE ~ GPA + grade_point", "'grade_point'"), ("GRADE ~ np.log(tuce)", "'tuce'")],
)
def test_a_missing_column_is_named_with_the_available_ones(spector, formula, missing) -> None:
    with pytest.raises(ValueError) as error:
        logit(formula, spector)
    message = str(error.value)
    assert f"names column(s) {missing}" in message
    assert "available columns: 'GPA', 'TUCE', 'PSI', 'GRADE'" in message
    assert "\n" not in message


@pytest.mark.parametrize(
    ("formula", "match"),
    [
        ("GRADE ~ GPA +", "cannot parse formula"),
        ("~ GPA", "has no response"),
        ("GRADE ~ 1", "has no predictor terms"),
        ("GRADE + PSI ~ GPA", "2 terms left of '~'"),
        ("C(GRADE) ~ GPA", "evaluates to 2 columns"),
        ("GRADE ~ GPA | TUCE", "several right-hand sides"),
    ],
)
def test_malformed_formulas_get_one_clear_line(spector, formula, match) -> None:
    with pytest.raises(ValueError, match=match) as error:
        logit(formula, spector)
    assert "\n" not in str(error.value)


def test_bad_arguments_are_refused(spector) -> None:
    with pytest.raises(TypeError, match="DataFrame"):
        logit(SPECTOR, spector.to_dict("list"))
    with pytest.raises(ValueError, match="'weight' is not a column"):
        logit(SPECTOR, spector, sample_weight="weight")
    with pytest.raises(ValueError, match=r"one value per row of data \(32 rows\)"):
        logit(SPECTOR, spector, groups=np.arange(31))


def test_three_classes_fit_the_multinomial_model_of_statsmodels_mnlogit(anes96) -> None:
    party = anes96.assign(
        party=np.select([anes96["PID"] <= 1, anes96["PID"] >= 5], ["D", "R"], "I")
    )
    model = logit("party ~ age + income", party)
    assert model.classes_.tolist() == ["D", "I", "R"]
    codes = pd.Categorical(party["party"]).codes
    reference = smf.mnlogit("codes ~ age + income", party.assign(codes=codes)).fit(
        method="newton", tol=1e-12, disp=0
    )
    table = model.summary().table
    np.testing.assert_allclose(table["coef"], reference.params.to_numpy().ravel("F"), rtol=1e-8)
    np.testing.assert_allclose(table["std_err"], reference.bse.to_numpy().ravel("F"), rtol=1e-7)
    assert table.index[0] == ("I", "Intercept")


def test_transform_for_prediction_reproduces_the_training_design(spector) -> None:
    model = logit("GRADE ~ center(GPA) + np.log(TUCE) + C(PSI)", spector)
    new = spector.drop(columns="GRADE")
    design = transform_for_prediction(model, new)
    pd.testing.assert_frame_equal(design, model.formula_data_.X)
    np.testing.assert_array_equal(
        model.predict_proba(design), model.predict_proba(model.formula_data_.X)
    )
    two = pd.DataFrame({"GPA": [2.0, 4.0], "TUCE": [20.0, 25.0], "PSI": [1.0, 0.0]}, index=[7, 3])
    rows = transform_for_prediction(model, two)
    assert list(rows.index) == [7, 3]
    np.testing.assert_allclose(rows["center(GPA)"], [2.0, 4.0] - spector["GPA"].mean())
    np.testing.assert_allclose(rows["np.log(TUCE)"], np.log([20.0, 25.0]))
    np.testing.assert_array_equal(rows["C(PSI)[T.1.0]"], [1.0, 0.0])


def test_transform_for_prediction_refuses_what_has_no_design_row(spector) -> None:
    model = logit(SPECTOR, spector)
    new = pd.DataFrame({"GPA": [3.0, 3.5], "TUCE": [20.0, np.nan], "PSI": [0.0, 1.0]})
    with pytest.raises(ValueError, match="null values"):
        transform_for_prediction(model, new)
    with pytest.raises(ValueError, match="categories outside"):
        transform_for_prediction(model, new.assign(TUCE=20.0, PSI=[0.0, 2.0]))
    with pytest.raises(ValueError, match="`TUCE` is not present"):
        transform_for_prediction(model, new.drop(columns="TUCE"))
    plain = LogisticRegression().fit(model.formula_data_.X, spector["GRADE"])
    with pytest.raises(ValueError, match="not fitted from a formula"):
        transform_for_prediction(plain, new)


def test_formula_model_predicts_from_raw_data() -> None:
    data = sm.datasets.spector.load_pandas().data
    model = logit("GRADE ~ GPA + TUCE + C(PSI)", data)
    design = transform_for_prediction(model, data)
    np.testing.assert_array_equal(model.predict_proba(data), model.predict_proba(design))
    np.testing.assert_array_equal(model.predict(data.iloc[:5]), model.predict(design.iloc[:5]))
    assert model.score(data, data["GRADE"]) == model.score(design, data["GRADE"])
