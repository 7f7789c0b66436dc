"""lk.predict_interval against statsmodels' get_prediction and R's predict.glm conventions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

import logitkit as lk
from diagnostic_datasets import DATASETS, assert_close, challenger, glm, spector


def frames(oracle, X, level=0.95):
    exog = sm.add_constant(np.asarray(X, dtype=float), has_constant="add")
    alpha = 1 - level
    mean = oracle.get_prediction(exog).summary_frame(alpha=alpha)
    linear = oracle.get_prediction(exog, which="linear").summary_frame(alpha=alpha)
    return mean, linear


@pytest.mark.parametrize("name", sorted(DATASETS))
@pytest.mark.parametrize("level", [0.95, 0.8])
def test_prediction_equals_statsmodels(name, level) -> None:
    X, y = DATASETS[name]()
    model = lk.LogisticRegression().fit(X, y)
    table = lk.predict_interval(model, X, level=level)
    mean, linear = frames(glm(X, y), X, level)
    assert list(table.columns) == ["prob", "link", "se_link", "se_prob", "ci_low", "ci_high"]
    assert table.index.equals(X.index)
    assert_close(table["prob"], mean["mean"])
    assert_close(table["se_prob"], mean["mean_se"])
    assert_close(table["ci_low"], mean["mean_ci_lower"])
    assert_close(table["ci_high"], mean["mean_ci_upper"])
    assert_close(table["link"], linear["predicted"])
    assert_close(table["se_link"], linear["se"])


@pytest.mark.parametrize("name", ["spector", "breast_cancer"])
def test_robust_covariances_are_the_summarys(name) -> None:
    """HC0 as statsmodels' HC0; HC1 with the factor n/(n − k) statsmodels leaves out."""
    X, y = DATASETS[name]()
    model = lk.LogisticRegression().fit(X, y)
    _, linear = frames(glm(X, y, cov_type="HC0"), X)
    assert_close(lk.predict_interval(model, X, cov_type="HC0")["se_link"], linear["se"])
    n, k = len(y), X.shape[1] + 1
    assert_close(
        lk.predict_interval(model, X, cov_type="HC1")["se_link"],
        linear["se"] * np.sqrt(n / (n - k)),
    )


def test_new_data_and_formula_route() -> None:
    flights = lk.datasets.load_challenger()
    new = pd.DataFrame({"temperature_f": [31.0, 50.0, 70.0]}, index=["cold", "cool", "warm"])
    by_formula = lk.predict_interval(lk.logit("damage ~ temperature_f", data=flights), new)
    X, y = challenger()
    by_estimator = lk.predict_interval(lk.LogisticRegression().fit(X, y), new)
    assert list(by_formula.index) == ["cold", "cool", "warm"]
    pd.testing.assert_frame_equal(by_formula, by_estimator, rtol=1e-8)
    mean, _ = frames(glm(X, y), new)
    assert_close(by_formula["ci_low"], mean["mean_ci_lower"])
    assert_close(by_formula["prob"].iloc[0], 0.9996, rtol=1e-4)  # R's predict.glm at 31 °F


def test_frequency_weights_equal_repeated_rows() -> None:
    X, y = spector()
    counts = np.tile([1, 2, 3, 1], 8)
    rows = np.repeat(np.arange(len(y)), counts)
    weighted = lk.LogisticRegression().fit(X, y, sample_weight=counts)
    repeated = lk.LogisticRegression().fit(X.iloc[rows], y.iloc[rows])
    assert_close(lk.predict_interval(weighted, X), lk.predict_interval(repeated, X))


def test_interval_stays_inside_zero_one_far_out() -> None:
    X, y = challenger()
    model = lk.LogisticRegression().fit(X, y)
    table = lk.predict_interval(model, pd.DataFrame({"temperature_f": [-400.0, 400.0]}))
    assert np.all((table[["ci_low", "ci_high"]] >= 0) & (table[["ci_low", "ci_high"]] <= 1))
    assert table["ci_low"].iloc[0] <= table["prob"].iloc[0] <= table["ci_high"].iloc[0]


def test_refusals() -> None:
    X, y = spector()
    model = lk.LogisticRegression().fit(X, y)
    with pytest.raises(ValueError) as cluster:
        lk.predict_interval(model, X, cov_type="cluster")
    assert str(cluster.value) == (
        "cov_type must be one of 'nonrobust', 'HC0', 'HC1'; got 'cluster' (cluster-robust "
        "intervals need the fit's clusters: compute them from model.summary(cov_type='cluster'))"
    )
    with pytest.raises(ValueError) as other:
        lk.predict_interval(model, X, cov_type="HC3")
    assert str(other.value) == "cov_type must be one of 'nonrobust', 'HC0', 'HC1'; got 'HC3'"
    with pytest.raises(ValueError, match="level must be in"):
        lk.predict_interval(model, X, level=95)
    lasso = lk.LogisticRegression(alpha=0.01, l1_ratio=1.0).fit(X, y)
    with pytest.raises(ValueError, match=r"L1 penalty \(alpha=0.01, l1_ratio=1\)"):
        lk.predict_interval(lasso, X)
    three = (X["GPA"] > 3).astype(int) + y.astype(int)
    with pytest.raises(ValueError, match="^predict_interval: defined for two classes only, .* 3"):
        lk.predict_interval(lk.LogisticRegression().fit(X, three), X)
    with pytest.raises(ValueError, match="X has 2 features"):
        lk.predict_interval(lk.LogisticRegression().fit(X.to_numpy(), y), X.to_numpy()[:, :2])
    separated_X, separated_y = np.array([[1.0], [2.0], [3.0], [4.0]]), np.array([0, 0, 1, 1])
    with pytest.warns(lk.SeparationWarning):
        separated = lk.LogisticRegression().fit(separated_X, separated_y)
    with pytest.raises(ValueError, match="no finite standard errors .* complete separation"):
        lk.predict_interval(separated, separated_X)
