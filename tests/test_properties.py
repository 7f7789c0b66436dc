"""Properties every fit must have, on random small problems of random shape, dtype and scale.

The solvers agree on the optimum; probabilities lie in [0, 1] and sum to 1; repeated rows are
integer weights; permuting columns, relabelling classes and rescaling a column transform the
coefficients as the mathematics says; a saved model predicts as the fitted one did; and no
input is ever changed in place. Hypothesis draws the problems (seeded, so runs repeat).
"""

from __future__ import annotations

import tempfile
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy.special import log_expit, log_softmax

import logitkit as lk

SETTINGS = settings(max_examples=20, deadline=None, derandomize=True, database=None)
DETERMINISTIC = ("newton", "lbfgs", "newton-cg", "cd", "gd")
RIDGE = 0.05
# Gradient descent on columns scaled 0.1 to 10 (a Hessian condition number near 1e4) needs
# more than its 10 000 iterations to reach its default 1e-8; at 1e-6 its cost is within
# (1e-6)² / (2·RIDGE) of the optimum.
TOL = {"gd": 1e-6}
# cd's outer steps on the same columns end within a few times tol of it after its default
# 100 on some CPUs and not others (the last steps' changes are at rounding level): 1,000 let
# it reach tol on every one.
MAX_ITER = {"cd": 1000}


TWO_OR_THREE = st.sampled_from([2, 3])


@st.composite
def problems(draw, classes=TWO_OR_THREE):
    """(X, y): n rows, p features of random column scales, labels from a softmax model."""
    k = draw(classes)
    n = draw(st.integers(30, 60))
    p = draw(st.integers(1, 4))
    dtype = draw(st.sampled_from([np.float64, np.float32]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    scales = 10.0 ** rng.uniform(-1.0, 1.0, p)
    Z = rng.standard_normal((n, p))
    logits = Z @ rng.normal(scale=0.5, size=(p, k))
    y = np.argmax(logits + rng.gumbel(size=(n, k)), axis=1)
    y[:k] = np.arange(k)
    return (Z * scales).astype(dtype), y


def fit_overlapping(X: np.ndarray, y: np.ndarray, **params) -> lk.LogisticRegression:
    """A fit of ``params`` on (X, y); a draw whose classes are separated is discarded."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", lk.SeparationWarning)
        model = lk.LogisticRegression(**params).fit(X, y)
    assume(model.separation_ is None)
    return model


def cost(model: lk.LogisticRegression, X: np.ndarray, y: np.ndarray, alpha: float) -> float:
    """J = mean cross-entropy + α/2 ‖W‖², evaluated in float64 from the fitted coefficients."""
    Z = np.asarray(X, dtype=np.float64) @ model.coef_.T + model.intercept_
    if Z.shape[1] == 1:
        loss = -np.where(y == model.classes_[1], log_expit(Z[:, 0]), log_expit(-Z[:, 0]))
    else:
        loss = -log_softmax(Z, axis=1)[np.arange(len(y)), np.searchsorted(model.classes_, y)]
    return float(loss.mean() + alpha / 2 * np.sum(model.coef_**2))


@SETTINGS
@given(problems())
def test_every_deterministic_solver_reaches_the_same_cost(problem) -> None:
    X, y = problem
    costs = {
        solver: cost(
            lk.LogisticRegression(
                alpha=RIDGE, solver=solver, tol=TOL.get(solver), max_iter=MAX_ITER.get(solver)
            ).fit(X, y),
            X,
            y,
            RIDGE,
        )
        for solver in DETERMINISTIC
    }
    best = min(costs.values())
    rtol = 1e-7 if X.dtype == np.float64 else 1e-5
    assert all(value - best <= rtol * best for value in costs.values()), costs


@SETTINGS
@given(problems(), st.sampled_from([1.0, 1e3, 1e8, 1e300]))
def test_probabilities_lie_in_0_1_and_sum_to_1(problem, stretch: float) -> None:
    X, y = problem
    model = lk.LogisticRegression(alpha=RIDGE).fit(X, y)
    P = model.predict_proba(X.astype(np.float64) * stretch)
    assert P.shape == (len(y), len(model.classes_))
    assert np.all((P >= 0.0) & (P <= 1.0))
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=1e-6)


@SETTINGS
@given(problems(), st.data())
def test_repeated_rows_equal_integer_weights(problem, data) -> None:
    X, y = problem
    counts = np.asarray(data.draw(st.lists(st.integers(1, 3), min_size=len(y), max_size=len(y))))
    weighted = lk.LogisticRegression(alpha=RIDGE, solver="newton").fit(X, y, sample_weight=counts)
    repeated = lk.LogisticRegression(alpha=RIDGE, solver="newton").fit(
        np.repeat(X, counts, axis=0), np.repeat(y, counts)
    )
    np.testing.assert_allclose(weighted.coef_, repeated.coef_, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(weighted.intercept_, repeated.intercept_, rtol=1e-5, atol=1e-6)


@SETTINGS
@given(problems(), st.randoms(use_true_random=False))
def test_permuting_columns_permutes_coefficients(problem, random) -> None:
    X, y = problem
    order = np.array(random.sample(range(X.shape[1]), X.shape[1]))
    model = lk.LogisticRegression(alpha=RIDGE, solver="newton").fit(X, y)
    permuted = lk.LogisticRegression(alpha=RIDGE, solver="newton").fit(X[:, order], y)
    np.testing.assert_allclose(permuted.coef_, model.coef_[:, order], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(permuted.intercept_, model.intercept_, rtol=1e-5, atol=1e-6)


@SETTINGS
@given(problems(classes=st.just(2)), st.sampled_from([0.0, RIDGE]))
def test_swapping_two_labels_flips_the_signs(problem, alpha: float) -> None:
    X, y = problem
    labels = np.array(["no", "yes"])
    model = fit_overlapping(X, labels[y], alpha=alpha, solver="newton")
    swapped = fit_overlapping(X, labels[1 - y], alpha=alpha, solver="newton")
    np.testing.assert_allclose(swapped.coef_, -model.coef_, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(swapped.intercept_, -model.intercept_, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(swapped.predict_proba(X), model.predict_proba(X)[:, ::-1], atol=1e-6)


@SETTINGS
@given(problems(classes=st.just(3)), st.permutations([0, 1, 2]))
def test_permuting_three_labels_permutes_the_rows(problem, relabel: list[int]) -> None:
    X, y = problem
    model = lk.LogisticRegression(alpha=RIDGE, solver="newton").fit(X, y)
    permuted = lk.LogisticRegression(alpha=RIDGE, solver="newton").fit(X, np.take(relabel, y))
    np.testing.assert_allclose(permuted.coef_[relabel], model.coef_, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(permuted.intercept_[relabel], model.intercept_, rtol=1e-5, atol=1e-6)


@SETTINGS
@given(problems(classes=st.just(2)), st.data())
def test_rescaling_a_column_rescales_its_coefficient(problem, data) -> None:
    X, y = problem
    column = data.draw(st.integers(0, X.shape[1] - 1))
    c = data.draw(st.sampled_from([1e-3, 0.5, 3.0, 1e4]))
    rescaled = X.astype(np.float64)
    rescaled[:, column] *= c
    model = fit_overlapping(X.astype(np.float64), y, solver="newton")
    scaled = fit_overlapping(rescaled, y, solver="newton")
    expected = model.coef_.copy()
    expected[:, column] /= c
    np.testing.assert_allclose(scaled.coef_, expected, rtol=1e-6)
    np.testing.assert_allclose(scaled.intercept_, model.intercept_, rtol=1e-6, atol=1e-9)


@SETTINGS
@given(problems(), st.booleans(), st.sampled_from([0.0, RIDGE]))
def test_a_saved_model_predicts_identically(problem, named: bool, alpha: float) -> None:
    X, y = problem
    data = pd.DataFrame(X, columns=[f"x{j}" for j in range(X.shape[1])]) if named else X
    model = fit_overlapping(data, y, alpha=alpha)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.json"
        lk.save(model, path)
        loaded = lk.load(path)
    np.testing.assert_array_equal(loaded.predict_proba(data), model.predict_proba(data))
    np.testing.assert_array_equal(loaded.decision_function(data), model.decision_function(data))
    np.testing.assert_array_equal(loaded.predict(data), model.predict(data))
    np.testing.assert_array_equal(loaded.classes_, model.classes_)


@SETTINGS
@given(problems(classes=st.just(2)), st.booleans(), st.sampled_from(DETERMINISTIC))
def test_inputs_are_never_modified(problem, as_frame: bool, solver: str) -> None:
    X, y = problem
    weights = np.linspace(0.5, 2.0, len(y))
    if as_frame:
        X = pd.DataFrame(X, columns=[f"x{j}" for j in range(X.shape[1])])
        y = pd.Series(y, name="y")
        weights = pd.Series(weights)
    copies = [value.copy() for value in (X, y, weights)]
    model = lk.LogisticRegression(alpha=RIDGE, solver=solver, tol=TOL.get(solver))
    model.fit(X, y, sample_weight=weights)
    model.predict(X)
    model.predict_proba(X)
    model.decision_function(X)
    model.summary(cov_type="HC1", X=X, y=y, sample_weight=weights)
    for value, copy in zip((X, y, weights), copies, strict=True):
        if isinstance(value, pd.DataFrame):
            pd.testing.assert_frame_equal(value, copy)
        elif isinstance(value, pd.Series):
            pd.testing.assert_series_equal(value, copy)
        else:
            assert value.dtype == copy.dtype
            np.testing.assert_array_equal(value, copy)
