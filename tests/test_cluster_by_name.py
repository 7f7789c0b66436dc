"""summary(cov_type="cluster", groups="name") of a formula model clusters on a variable of
its formula, as R's ``cluster = ~id`` does."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import logitkit as lk


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


def test_a_name_outside_the_formula_says_what_to_do(schools):
    model = lk.logit("passed ~ hours", schools)
    with pytest.raises(ValueError, match="groups='school' is not a variable of formula"):
        model.summary(cov_type="cluster", groups="school")
    plain = lk.LogisticRegression().fit(schools[["hours"]], schools["passed"])
    with pytest.raises(ValueError, match="only a model from logitkit.logit keeps"):
        plain.summary(
            cov_type="cluster", groups="school", X=schools[["hours"]], y=schools["passed"]
        )
