"""DataFrames other than pandas' (any that scikit-learn accepts), repeated column names, and
missing labels given as None."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

import logitkit as lk

pl = pytest.importorskip("polars")


@pytest.fixture(scope="module")
def spector() -> pd.DataFrame:
    return sm.datasets.spector.load_pandas().data


def test_polars_float_columns_fit_as_pandas_ones_do(spector) -> None:
    X = spector[["GPA", "TUCE", "PSI"]]
    frame = pl.from_pandas(X)
    model = lk.LogisticRegression().fit(frame, spector["GRADE"].to_numpy())
    oracle = sm.Logit(spector["GRADE"], sm.add_constant(X)).fit(disp=0).params.to_numpy()
    np.testing.assert_allclose(
        np.concatenate([model.intercept_, model.coef_[0]]), oracle, rtol=1e-8
    )
    assert model.feature_names_in_.tolist() == ["GPA", "TUCE", "PSI"]
    np.testing.assert_allclose(
        model.predict_proba(frame), model.predict_proba(X), rtol=1e-15, atol=0
    )


def test_polars_integer_and_boolean_columns_are_numeric(spector) -> None:
    frame = pl.DataFrame(
        {"GPA": spector["GPA"].to_numpy(), "PSI": spector["PSI"].to_numpy().astype(bool)}
    )
    model = lk.LogisticRegression().fit(frame, spector["GRADE"].to_numpy())
    assert model.n_features_in_ == 2


def test_polars_string_column_is_named(spector) -> None:
    frame = pl.DataFrame({"GPA": spector["GPA"].to_numpy(), "who": ["a"] * len(spector)})
    with pytest.raises(ValueError, match="non-numeric column\\(s\\) 'who'"):
        lk.LogisticRegression().fit(frame, spector["GRADE"].to_numpy())


def test_logit_takes_a_polars_frame(spector) -> None:
    formula = "GRADE ~ GPA + TUCE + C(PSI)"
    from_polars = lk.logit(formula, pl.from_pandas(spector))
    from_pandas = lk.logit(formula, spector)
    np.testing.assert_array_equal(from_polars.coef_, from_pandas.coef_)
    np.testing.assert_array_equal(
        from_polars.predict_proba(pl.from_pandas(spector)), from_pandas.predict_proba(spector)
    )


def test_repeated_column_names_are_refused(spector) -> None:
    X = spector[["GPA", "TUCE"]].set_axis(["GPA", "GPA"], axis=1)
    with pytest.raises(ValueError, match="repeated column name\\(s\\) 'GPA'.*Rename"):
        lk.LogisticRegression().fit(X, spector["GRADE"])


@pytest.mark.parametrize("missing", [None, np.nan, pd.NA])
def test_a_missing_string_label_is_refused_as_nan_is(spector, missing) -> None:
    y = np.where(spector["GRADE"] > 0, "pass", "fail").astype(object)
    y[3] = missing
    with pytest.raises(ValueError, match="Input y contains NaN: 1 missing label.*row 3"):
        lk.LogisticRegression().fit(spector[["GPA"]], y)


def test_a_feature_named_intercept_is_refused_with_an_intercept(spector) -> None:
    X = spector[["GPA", "TUCE"]].rename(columns={"GPA": "Intercept"})
    with pytest.raises(ValueError, match="column named 'Intercept'.*Rename the column"):
        lk.LogisticRegression().fit(X, spector["GRADE"])


def test_a_feature_named_intercept_is_the_intercept_without_one(spector) -> None:
    X = sm.add_constant(spector[["GPA", "TUCE"]]).rename(columns={"const": "Intercept"})
    model = lk.LogisticRegression(fit_intercept=False).fit(X, spector["GRADE"])
    oracle = sm.Logit(spector["GRADE"], X).fit(disp=0)
    coefficients = model.summary().to_dict()["coefficients"]
    assert list(coefficients) == ["Intercept", "GPA", "TUCE"]
    np.testing.assert_allclose(
        [coefficients[name]["coef"] for name in coefficients], oracle.params, rtol=1e-8
    )
