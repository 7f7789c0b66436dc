"""summary(cov_type="cluster", groups="name") of a formula model clusters on any column of the
data it was fitted from, in the formula or not, as R's ``cluster = ~id`` does."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

import logitkit as lk
from logitkit.core.exceptions import MissingRowsWarning


@pytest.fixture
def schools() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    school = rng.choice(["north", "south", "east", "west", "centre"], size=200)
    hours = rng.normal(size=200)
    effect = pd.Series(school).map({"north": 0.5, "south": -0.3, "east": 0.0, "west": 0.2})
    logit = 0.4 * hours + effect.fillna(-0.6).to_numpy() + rng.normal(scale=0.5, size=200)
    passed = (logit + rng.logistic(size=200) > 0).astype(int)
    return pd.DataFrame({"passed": passed, "hours": hours, "school": school})


def test_cluster_on_a_categorical_variable_of_the_formula(schools):
    by_name = lk.logit("passed ~ hours + school", schools).summary(
        cov_type="cluster", groups="school"
    )
    kept = lk.logit("passed ~ hours + school", schools, groups="school").summary(cov_type="cluster")
    by_array = lk.logit("passed ~ hours + school", schools).summary(
        cov_type="cluster", groups=schools["school"].to_numpy()
    )
    np.testing.assert_allclose(by_name.table["std_err"], kept.table["std_err"], rtol=1e-12)
    np.testing.assert_allclose(by_name.table["std_err"], by_array.table["std_err"], rtol=1e-12)
    assert "cluster-robust, 5 groups" in str(by_name)


def test_cluster_on_a_numeric_term(schools):
    schools = schools.assign(site=np.repeat(np.arange(20), 10).astype(float))
    model = lk.logit("passed ~ hours + site", schools)
    by_name = model.summary(cov_type="cluster", groups="site")
    by_array = model.summary(cov_type="cluster", groups=schools["site"].to_numpy())
    np.testing.assert_allclose(by_name.table["std_err"], by_array.table["std_err"], rtol=1e-12)


def test_cluster_on_a_column_outside_the_formula_matches_statsmodels(schools):
    data = schools.assign(classroom=np.arange(200) // 8)
    data.index = [f"pupil{i}" for i in range(200)]
    data.loc[["pupil3", "pupil77"], "hours"] = np.nan
    with pytest.warns(MissingRowsWarning, match="2 of 200 rows"):
        model = lk.logit("passed ~ hours + school", data)
    ours = model.summary(cov_type="cluster", groups="classroom")
    complete = data.dropna(subset=["hours"])
    X = pd.get_dummies(complete[["hours", "school"]], drop_first=True, dtype=float)
    theirs = sm.Logit(complete["passed"], sm.add_constant(X)).fit(
        disp=0,
        method="newton",
        tol=1e-12,
        cov_type="cluster",
        cov_kwds={"groups": complete["classroom"].to_numpy()},
    )
    assert ours.n_groups == 25
    np.testing.assert_allclose(ours.table["coef"].to_numpy(), theirs.params.to_numpy(), rtol=1e-6)
    np.testing.assert_allclose(ours.table["std_err"].to_numpy(), theirs.bse.to_numpy(), rtol=1e-6)


def test_an_unknown_name_lists_the_data_columns(schools):
    model = lk.logit("passed ~ hours", schools)
    with pytest.raises(
        ValueError,
        match="groups='class' is not a column of the data the model was fitted from; "
        "its columns: 'passed', 'hours', 'school'",
    ):
        model.summary(cov_type="cluster", groups="class")


def test_a_name_without_a_formula_model_says_what_to_do(schools):
    plain = lk.LogisticRegression().fit(schools[["hours"]], schools["passed"])
    with pytest.raises(ValueError, match="only a model from logitkit.logit keeps"):
        plain.summary(
            cov_type="cluster", groups="school", X=schools[["hours"]], y=schools["passed"]
        )
