"""lk.residuals: R's residuals.glm, rstandard and rstudent, against statsmodels' GLM."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import logitkit as lk
from diagnostic_datasets import DATASETS, assert_close, challenger, glm, spector
from logitkit.inference.leverage import check_ml_fit


@pytest.fixture(scope="module", params=sorted(DATASETS))
def fitted(request):
    X, y = DATASETS[request.param]()
    return lk.LogisticRegression().fit(X, y), X, y, glm(X, y)


@pytest.mark.parametrize(
    "kind, attribute",
    [
        ("response", "resid_response"),
        ("pearson", "resid_pearson"),
        ("deviance", "resid_deviance"),
        ("working", "resid_working"),
    ],
)
def test_residuals_equal_statsmodels(fitted, kind, attribute) -> None:
    model, X, y, oracle = fitted
    residuals = lk.residuals(model, X, y, kind=kind)
    assert_close(residuals, getattr(oracle, attribute))
    assert residuals.name == kind
    assert residuals.index.equals(X.index)


def test_standardized_residuals_equal_statsmodels(fitted) -> None:
    model, X, y, oracle = fitted
    influence = oracle.get_influence()
    hat = influence.hat_matrix_diag
    assert_close(
        lk.residuals(model, X, y, kind="standardized_pearson"), influence.resid_studentized
    )
    assert_close(
        lk.residuals(model, X, y, kind="standardized_deviance"),
        oracle.resid_deviance / np.sqrt(1.0 - hat),
    )


def test_studentized_residuals_are_r_rstudent(fitted) -> None:
    """rstudent.glm: sign(r_D)·√(r_D² + h r_P²/(1 − h)), from statsmodels' pieces."""
    model, X, y, oracle = fitted
    hat = oracle.get_influence().hat_matrix_diag
    deviance, pearson = oracle.resid_deviance, oracle.resid_pearson
    expected = np.sign(deviance) * np.sqrt(deviance**2 + hat * pearson**2 / (1.0 - hat))
    assert_close(lk.residuals(model, X, y, kind="studentized"), expected)


def test_studentized_residuals_approximate_leave_one_out_deviance() -> None:
    """rstudent² approximates the drop in deviance when a row is left out (Williams, 1987):
    checked against exact refits with statsmodels on the Challenger flights."""
    X, y = challenger()
    model = lk.LogisticRegression().fit(X, y)
    studentized = lk.residuals(model, X, y, kind="studentized")
    full = glm(X, y).deviance
    drops = []
    for i in range(len(y)):
        keep = np.arange(len(y)) != i
        drops.append(full - glm(X[keep], y[keep]).deviance)
    np.testing.assert_allclose(studentized**2, drops, rtol=0.25, atol=0.05)


def test_weights_are_prior_weights_as_statsmodels_var_weights() -> None:
    X, y = spector()
    weights = np.tile([1.0, 2.0, 3.0, 0.5], 8)
    model = lk.LogisticRegression().fit(X, y, sample_weight=weights)
    oracle = glm(X, y, var_weights=weights)
    for kind, attribute in [("pearson", "resid_pearson"), ("deviance", "resid_deviance")]:
        assert_close(
            lk.residuals(model, X, y, kind=kind, sample_weight=weights), getattr(oracle, attribute)
        )
    assert_close(
        lk.residuals(model, X, y, kind="standardized_pearson", sample_weight=weights),
        oracle.get_influence().resid_studentized,
    )


def test_frequency_weights_equal_repeated_rows() -> None:
    """A row of weight w: the same response residual as each of its w copies, and √w times
    their Pearson and deviance residuals (whose squares then add up as the copies' do)."""
    X, y = spector()
    counts = np.tile([1, 2, 3, 1], 8)
    weighted = lk.LogisticRegression().fit(X, y, sample_weight=counts)
    rows = np.repeat(np.arange(len(y)), counts)
    first = np.searchsorted(rows, np.arange(len(y)))
    repeated = lk.LogisticRegression().fit(X.iloc[rows], y.iloc[rows])
    Xr, yr = X.iloc[rows], y.iloc[rows]
    for kind, scale in [
        ("response", 1.0),
        ("pearson", np.sqrt(counts)),
        ("deviance", np.sqrt(counts)),
    ]:
        one = lk.residuals(weighted, X, y, kind=kind, sample_weight=counts).to_numpy()
        copies = lk.residuals(repeated, Xr, yr, kind=kind).to_numpy()[first]
        assert_close(one, scale * copies)


def test_formula_route_equals_estimator_route() -> None:
    flights = lk.datasets.load_challenger()
    flights.index = pd.Index([f"STS-{i}" for i in range(len(flights))], name="flight")
    formula_model = lk.logit("damage ~ temperature_f", data=flights)
    estimator = lk.LogisticRegression().fit(flights[["temperature_f"]], flights["damage"])
    for kind in ["deviance", "pearson", "studentized"]:
        by_formula = lk.residuals(formula_model, kind=kind)
        assert by_formula.index.equals(flights.index)
        assert_close(
            by_formula,
            lk.residuals(estimator, flights[["temperature_f"]], flights["damage"], kind=kind),
        )
    raw = lk.residuals(formula_model, flights, flights["damage"])
    assert_close(raw, lk.residuals(formula_model))
    assert_close(
        lk.residuals(formula_model),
        glm(flights[["temperature_f"]], flights["damage"]).resid_deviance,
    )


def test_arrays_get_a_range_index() -> None:
    X, y = challenger()
    model = lk.LogisticRegression().fit(X.to_numpy(), y.to_numpy())
    residuals = lk.residuals(model, X.to_numpy(), y.to_numpy())
    assert residuals.index.equals(pd.RangeIndex(len(y)))
    assert_close(residuals, glm(X, y).resid_deviance)


def test_extreme_logits_stay_finite_and_exact() -> None:
    """A fitted probability of 1 − 1e-30 or so: no 0/0, the residuals' closed forms."""
    X = np.array([[-40.0], [-1.0], [0.0], [1.0], [2.0], [40.0]])
    y = np.array([0, 1, 0, 1, 0, 1])
    model = lk.LogisticRegression().fit(X, y)
    z = model.decision_function(X)
    with np.errstate(all="raise"):
        pearson = lk.residuals(model, X, y, kind="pearson").to_numpy()
        working = lk.residuals(model, X, y, kind="working").to_numpy()
    assert_close(pearson[[0, -1]], [-np.exp(z[0] / 2), np.exp(-z[-1] / 2)])
    assert_close(working[[0, -1]], [-(1 + np.exp(z[0])), 1 + np.exp(-z[-1])])


def test_a_far_row_predicted_right_gets_its_limits_not_nan() -> None:
    """A row at x = 2000 with y = 1 has z ≈ 2180 and p̂ = 1 to double precision: r_P = e^(−z/2)
    = 0, working 1 + e^(−z) = 1, r_D = 0 and h = 0 (no 0 · e^(z/2) = 0 · ∞), with no
    floating-point warning. It adds exactly nothing to the score or the information, so
    the other rows' residuals are those of the fit without it (statsmodels')."""
    X = pd.DataFrame({"x": [-2.0, -1.0, 0.0, 1.0, 2.0, 2000.0]})
    y = pd.Series([0.0, 0, 1, 0, 1, 1])
    model = lk.LogisticRegression().fit(X, y)
    oracle = glm(X.iloc[:5], y.iloc[:5])
    hat = oracle.get_influence().hat_matrix_diag
    expected = {
        "pearson": (oracle.resid_pearson, 0.0),
        "working": (oracle.resid_working, 1.0),
        "deviance": (oracle.resid_deviance, 0.0),
        "standardized_pearson": (oracle.resid_pearson / np.sqrt(1.0 - hat), 0.0),
    }
    for kind, (rows, far) in expected.items():
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            residuals = lk.residuals(model, X, y, kind=kind).to_numpy()
        assert_close(residuals[:5], rows)
        assert residuals[5] == far


def test_firth_fits_get_standardized_residuals_from_their_hat_values() -> None:
    """Hat values exist at Firth's estimate: hᵢ = vᵢ x̃ᵢᵀ (X̃ᵀVX̃)⁻¹ x̃ᵢ with v = p̂(1 − p̂) at
    its p̂, written out in NumPy, and r/√(1 − h) for the Pearson and deviance residuals."""
    X, y = spector()
    model = lk.LogisticRegression(firth=True).fit(X, y)
    p = model.predict_proba(X)[:, 1]
    design = np.c_[np.ones(len(y)), X.to_numpy()]
    v = p * (1.0 - p)
    hat = v * np.einsum(
        "ij,jk,ik->i", design, np.linalg.inv(design.T @ (v[:, None] * design)), design
    )
    pearson = (y - p) / np.sqrt(v)
    deviance = np.sign(y - p) * np.sqrt(-2.0 * (y * np.log(p) + (1.0 - y) * np.log(1.0 - p)))
    assert_close(
        lk.residuals(model, X, y, kind="standardized_pearson"), pearson / np.sqrt(1.0 - hat)
    )
    assert_close(
        lk.residuals(model, X, y, kind="standardized_deviance"), deviance / np.sqrt(1.0 - hat)
    )


def test_the_checks_of_hat_based_statistics_name_the_statistic() -> None:
    """check_ml_fit refuses a model of three classes, a penalised fit and (unless allowed)
    Firth's fit, each message opening with the name of the statistic asked for."""
    X, y = spector()
    three = (X["GPA"] > 3).astype(int) + y.astype(int)
    with pytest.raises(ValueError, match="^leverage: defined for two classes only"):
        check_ml_fit(lk.LogisticRegression().fit(X, three).record_, "leverage")
    with pytest.raises(ValueError, match="^leverage: needs the maximum-likelihood fit"):
        check_ml_fit(lk.LogisticRegression(alpha=0.1).fit(X, y).record_, "leverage")
    firth = lk.LogisticRegression(firth=True).fit(X, y).record_
    with pytest.raises(ValueError, match="^leverage: not defined for Firth"):
        check_ml_fit(firth, "leverage")
    check_ml_fit(firth, "leverage", firth_allowed=True)


def test_refusals() -> None:
    X, y = spector()
    model = lk.LogisticRegression().fit(X, y)
    with pytest.raises(ValueError, match="kind must be one of"):
        lk.residuals(model, X, y, kind="raw")
    with pytest.raises(ValueError, match="pass the data the model was fitted on"):
        lk.residuals(model)
    with pytest.raises(ValueError, match="n = 20 .* the fit had 32"):
        lk.residuals(model, X.iloc[:20], y.iloc[:20])
    with pytest.raises(ValueError, match="n = 64 .* the fit had 32"):
        lk.residuals(model, X, y, sample_weight=np.full(len(y), 2.0))
    ridge = lk.LogisticRegression(alpha=0.01).fit(X, y)
    assert_close(lk.residuals(ridge, X, y, kind="response"), y - ridge.predict_proba(X)[:, 1])
    with pytest.raises(
        ValueError,
        match="standardized deviance residuals: needs the maximum-likelihood fit.*alpha=0.01",
    ):
        lk.residuals(ridge, X, y, kind="standardized_deviance")
    firth = lk.LogisticRegression(firth=True).fit(X, y)
    with pytest.raises(ValueError, match="studentized residuals: not defined for Firth"):
        lk.residuals(firth, X, y, kind="studentized")
    three = lk.LogisticRegression().fit(X, (X["GPA"] > 3).astype(int) + y.astype(int))
    with pytest.raises(ValueError, match="two classes only, and this model has 3"):
        lk.residuals(three, X, (X["GPA"] > 3).astype(int) + y.astype(int))


def test_separated_fit_is_refused_for_hat_based_residuals() -> None:
    X = np.array([[1.0], [2.0], [3.0], [4.0]])
    y = np.array([0, 0, 1, 1])
    with pytest.warns(lk.SeparationWarning):
        model = lk.LogisticRegression().fit(X, y)
    with pytest.raises(
        ValueError,
        match="standardized pearson residuals: does not exist for this fit: complete separation",
    ):
        lk.residuals(model, X, y, kind="standardized_pearson")


@pytest.mark.parametrize(
    "kind", ["pearson", "standardized_pearson", "standardized_deviance", "studentized"]
)
def test_a_row_of_weight_zero_far_on_the_wrong_side_has_residual_zero(kind) -> None:
    """R's Pearson residual is √wᵢ (yᵢ − p̂ᵢ)/√(p̂ᵢ(1 − p̂ᵢ)): 0 for a row of prior weight 0,
    however far it lies (here y = 0 at z ≈ 3,300, where e^(z/2) overflows), and without a
    floating-point warning; the other rows keep the residuals of the fit without that row."""
    X = pd.DataFrame({"x": [-2.0, -1.0, 0.0, 1.0, 2.0, 3000.0]})
    y = np.array([0, 0, 1, 0, 1, 0])
    weights = np.array([1.0, 1.0, 1.0, 1.0, 1.0, 0.0])
    model = lk.LogisticRegression().fit(X, y, sample_weight=weights)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        values = lk.residuals(model, X, y, kind=kind, sample_weight=weights)
    assert values.iloc[-1] == 0.0
    without = lk.LogisticRegression().fit(X.iloc[:5], y[:5])
    expected = lk.residuals(without, X.iloc[:5], y[:5], kind=kind)
    np.testing.assert_allclose(values.iloc[:5], expected, rtol=1e-6)
