"""The bundled Challenger data, and the published maximum-likelihood fit on it."""

import numpy as np
import pandas as pd

from logitkit import LogisticRegression, log_likelihood
from logitkit.datasets import challenger_path, load_challenger


def test_challenger_has_the_23_recovered_flights():
    df = load_challenger()
    assert list(df.columns) == ["flight", "temperature_f", "distressed_orings", "damage"]
    assert df.shape == (23, 4)
    assert df["flight"].is_unique
    assert "STS-4" not in set(df["flight"])
    assert df["flight"].iloc[0] == "STS-1"
    assert df["flight"].iloc[-1] == "STS-61-C"
    for column in ("temperature_f", "distressed_orings", "damage"):
        assert df[column].dtype == np.int64


def test_challenger_values():
    df = load_challenger().set_index("flight")
    assert df.loc["STS-51-C"].tolist() == [53, 2, 1]
    assert df.loc["STS-61-A"].tolist() == [75, 2, 1]
    assert df.loc["STS-51-F"].tolist() == [81, 0, 0]
    assert df["temperature_f"].min() == 53
    assert df["temperature_f"].max() == 81
    assert df["damage"].sum() == 7
    assert df["distressed_orings"].sum() == 9
    assert (df["damage"] == (df["distressed_orings"] > 0)).all()


def test_challenger_path_is_the_csv_that_load_reads():
    path = challenger_path()
    assert path.name == "challenger.csv"
    assert path.is_file()
    pd.testing.assert_frame_equal(
        pd.read_csv(path), load_challenger(), check_dtype=False, check_column_type=False
    )


def test_fit_reproduces_r_glm():
    """R: glm(damage ~ temperature_f, binomial) -> 15.0429, -0.2322; deviance 20.315 on 21."""
    df = load_challenger()
    X, y = df[["temperature_f"]], df["damage"]
    model = LogisticRegression().fit(X, y)
    n = len(df)

    assert model.converged_
    assert round(float(model.intercept_[0]), 4) == 15.0429
    assert round(float(model.coef_[0, 0]), 4) == -0.2322
    deviance = 2 * model.history_["loss"].iloc[-1] * n
    assert round(deviance, 3) == 20.315
    loglik = log_likelihood(y, model.decision_function(X))
    assert round(-2 * loglik, 3) == 20.315
    assert round(-2 * loglik + 2 * 2, 3) == 24.315


def test_null_deviance_matches_r():
    """The intercept-only fit has ŷ = ȳ = 7/23: null deviance 28.267 on 22 df."""
    y = load_challenger()["damage"].to_numpy()
    ybar = y.mean()
    null_deviance = -2 * log_likelihood(y, np.full(len(y), np.log(ybar / (1 - ybar))))
    assert round(null_deviance, 3) == 28.267
