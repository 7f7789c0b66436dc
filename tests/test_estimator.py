"""The estimator: labels, inputs, fitted attributes, warm starts, and every bad input."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

import logitkit as lk
from logitkit.core.exceptions import CollinearityWarning


def params_of(model: lk.LogisticRegression) -> np.ndarray:
    return np.concatenate([model.intercept_, model.coef_[0]])


@pytest.mark.parametrize(
    "labels",
    [np.array(["no", "yes"]), np.array([False, True]), np.array([-1, 7]), np.array([1.0, 3.0])],
)
def test_any_two_labels(problem, labels) -> None:
    X, y = problem
    named = labels[y]
    model = lk.LogisticRegression().fit(X, named)
    reference = lk.LogisticRegression().fit(X, y)
    np.testing.assert_array_equal(model.classes_, labels)
    np.testing.assert_allclose(params_of(model), params_of(reference), rtol=1e-12)
    assert set(model.predict(X)) <= set(labels)
    assert model.predict(X).dtype == named.dtype


def test_predictions_follow_the_logit(problem) -> None:
    X, y = problem
    model = lk.LogisticRegression().fit(X, y)
    z = model.decision_function(X)
    np.testing.assert_allclose(z, X @ model.coef_[0] + model.intercept_[0], rtol=1e-12)
    proba = model.predict_proba(X)
    np.testing.assert_allclose(proba[:, 1], 1 / (1 + np.exp(-z)), rtol=1e-12)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-15)
    np.testing.assert_allclose(model.predict_log_proba(X), np.log(proba), rtol=1e-12)
    np.testing.assert_array_equal(model.predict(X), (z > 0).astype(int))
    assert model.score(X, y) == pytest.approx(np.mean((z > 0) == y))


def test_dataframe_names_are_kept(problem) -> None:
    X, y = problem
    frame = pd.DataFrame(X, columns=[f"f{j}" for j in range(X.shape[1])])
    model = lk.LogisticRegression().fit(frame, pd.Series(y, name="target"))
    assert list(model.feature_names_in_) == list(frame.columns)
    assert model.n_features_in_ == 5


def test_float32_is_computed_in_float32_and_matches_float64(problem) -> None:
    X, y = problem
    model32 = lk.LogisticRegression().fit(X.astype(np.float32), y)
    model64 = lk.LogisticRegression().fit(X, y)
    assert model32.coef_.dtype == np.float32
    assert model32.converged_
    np.testing.assert_allclose(params_of(model32), params_of(model64), rtol=1e-5)


def test_sample_weights_are_frequency_weights(problem) -> None:
    X, y = problem
    X, y = X[:300], y[:300]
    counts = np.random.default_rng(1).integers(0, 4, size=300)
    weighted = lk.LogisticRegression().fit(X, y, sample_weight=counts)
    repeated = lk.LogisticRegression().fit(np.repeat(X, counts, 0), np.repeat(y, counts))
    np.testing.assert_allclose(params_of(weighted), params_of(repeated), rtol=1e-9)


def test_class_weight_multiplies_sample_weight(problem) -> None:
    X, y = problem
    balanced = lk.LogisticRegression(class_weight="balanced").fit(X, y)
    counts = np.bincount(y)
    weights = (len(y) / (2 * counts))[y]
    explicit = lk.LogisticRegression().fit(X, y, sample_weight=weights)
    np.testing.assert_allclose(params_of(balanced), params_of(explicit), rtol=1e-10)
    as_dict = lk.LogisticRegression(class_weight={0: 1.0, 1: 3.0}).fit(X, y)
    tripled = lk.LogisticRegression().fit(X, y, sample_weight=np.where(y == 1, 3.0, 1.0))
    np.testing.assert_allclose(params_of(as_dict), params_of(tripled), rtol=1e-10)


def test_warm_start_starts_from_the_previous_fit(problem) -> None:
    X, y = problem
    model = lk.LogisticRegression(solver="gd", warm_start=True).fit(X, y)
    first = model.n_iter_
    model.fit(X, y)
    assert first > 5
    assert model.n_iter_ <= 1
    cold = lk.LogisticRegression(solver="gd").fit(X, y)
    assert cold.n_iter_ == first


def test_without_intercept(problem) -> None:
    X, y = problem
    model = lk.LogisticRegression(fit_intercept=False).fit(X, y)
    assert model.intercept_[0] == 0.0
    np.testing.assert_allclose(model.decision_function(X), X @ model.coef_[0], rtol=1e-12)


def test_inputs_are_not_modified(problem) -> None:
    X, y = problem
    X32 = X.astype(np.float32)
    weights = np.ones(len(y))
    frame = pd.DataFrame(X)
    copies = [X.copy(), y.copy(), X32.copy(), weights.copy(), frame.copy()]
    lk.LogisticRegression(class_weight="balanced").fit(X, y, sample_weight=weights)
    with pytest.warns(lk.ConvergenceWarning, match="max_iter=2 epochs"):
        lk.LogisticRegression(solver="sgd", max_iter=2).fit(X32, y, sample_weight=weights)
    lk.LogisticRegression().fit(frame, y)
    for before, after in zip(copies, [X, y, X32, weights, frame], strict=True):
        np.testing.assert_array_equal(np.asarray(before), np.asarray(after))


def test_huge_logits_give_finite_results_without_warnings(problem) -> None:
    X, y = problem
    model = lk.LogisticRegression().fit(X, y)
    huge = np.vstack([X[:50] * 1e298, -X[:50] * 1e298])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise", under="ignore"):
            assert np.max(np.abs(model.decision_function(huge))) > 1e298
            proba = model.predict_proba(huge)
            log_proba = model.predict_log_proba(huge)
            accuracy = model.score(huge, np.r_[y[:50], 1 - y[:50]])
    assert np.all(np.isfinite(proba)) and np.all(np.isfinite(log_proba))
    assert set(np.unique(proba)) <= {0.0, 1.0}
    assert 0.0 <= accuracy <= 1.0


def test_cost_at_logits_of_1e300_is_finite_and_silent(problem) -> None:
    X, y = problem
    objective = lk.Objective.from_data(X, y)
    theta = np.array([0.0, 1e300, -1e299, 0.0, 0.0, 0.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="raise", under="ignore"):
            value, gradient = objective.smooth_value_and_gradient(theta)
            hessian = objective.hessian(theta)
    assert value > 1e298 and np.isfinite(value)
    assert np.all(np.isfinite(gradient)) and np.all(np.isfinite(hessian))


def test_fit_that_reaches_logits_of_1e300_stays_finite_and_silent(problem) -> None:
    X, y = problem
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with np.errstate(all="raise", under="ignore"):
            with pytest.warns(lk.ConvergenceWarning, match="cost rose above its starting value"):
                model = lk.LogisticRegression(solver="gd", learning_rate=1e300).fit(X, y)
            assert np.all(np.isfinite(model.predict_proba(X * 1e300)))
    assert np.all(np.isfinite(model.coef_))


def test_collinear_columns_under_auto_warn_and_keep_predictions(problem) -> None:
    X, y = problem
    duplicated = np.column_stack([X, X[:, 0] + 2 * X[:, 1]])
    with pytest.warns(CollinearityWarning, match="the column 'x5' is a linear combination"):
        model = lk.LogisticRegression().fit(duplicated, y)
    plain = lk.LogisticRegression().fit(X, y)
    np.testing.assert_allclose(
        model.predict_proba(duplicated), plain.predict_proba(X), rtol=1e-9, atol=1e-12
    )


# ---- bad input: each gives a clear error naming the problem ------------------------------------

BAD_FITS = [
    ("one class", lambda X, y: (X, np.zeros_like(y)), "only one class"),
    (
        "NaN in X",
        lambda X, y: (np.where(np.arange(X.size).reshape(X.shape) == 7, np.nan, X), y),
        "Input X contains NaN",
    ),
    (
        "inf in X",
        lambda X, y: (np.where(np.arange(X.size).reshape(X.shape) == 3, np.inf, X), y),
        "Input X contains infinity",
    ),
    (
        "NaN in y",
        lambda X, y: (X, np.where(np.arange(len(y)) == 2, np.nan, y)),
        "Input y contains NaN",
    ),
    ("lengths differ", lambda X, y: (X, y[:-3]), "inconsistent numbers of samples"),
    ("empty X", lambda X, y: (X[:0], y[:0]), "0 sample"),
    ("continuous y", lambda X, y: (X, y + 0.01 * np.arange(len(y))), "Unknown label type"),
]


@pytest.mark.parametrize("case, make, message", BAD_FITS, ids=[case[0] for case in BAD_FITS])
def test_bad_data_is_refused_clearly(problem, case, make, message) -> None:
    X, y = make(*problem)
    with pytest.raises(ValueError, match=message):
        lk.LogisticRegression().fit(X, y)


BAD_WEIGHTS = [
    (lambda n: np.full(n, np.nan), "NaN or infinite"),
    (lambda n: np.r_[np.inf, np.ones(n - 1)], "NaN or infinite"),
    (lambda n: np.r_[1.0, -2.0, np.ones(n - 2)], "non-negative; row 1 has weight -2"),
    (lambda n: np.zeros(n), "zero for every sample"),
    (lambda n: np.ones(n - 1), "has 1999 entries but X has 2000 samples"),
    (lambda n: np.ones((n, 2)), "must be 1-D"),
]


@pytest.mark.parametrize("make, message", BAD_WEIGHTS)
def test_bad_weights_are_refused_clearly(problem, make, message) -> None:
    X, y = problem
    with pytest.raises(ValueError, match=message):
        lk.LogisticRegression().fit(X, y, sample_weight=make(len(y)))


def test_non_numeric_columns_are_named(problem) -> None:
    X, y = problem
    frame = pd.DataFrame(X[:, :2], columns=["age", "income"])
    frame["colour"] = np.where(y == 1, "red", "blue")
    frame["when"] = pd.Timestamp("2020-01-01")
    with pytest.raises(ValueError, match="non-numeric column\\(s\\) 'colour', 'when'.*Encode"):
        lk.LogisticRegression().fit(frame, y)


def test_collinear_design_under_newton_suggests_a_penalty(problem) -> None:
    X, y = problem
    frame = pd.DataFrame(X, columns=list("abcde"))
    frame["f"] = 2 * frame["b"] - frame["c"]
    frame["const"] = 1.0
    expected = "the columns 'f', 'const' are a linear combination.*alpha > 0"
    with pytest.warns(CollinearityWarning, match=expected):
        aliased = lk.LogisticRegression(solver="newton").fit(frame, y)
    plain = lk.LogisticRegression(solver="newton").fit(frame[list("abcde")], y)
    np.testing.assert_allclose(aliased.coef_[0, :5], plain.coef_[0], rtol=1e-9)
    assert aliased.coef_[0, 5:].tolist() == [0.0, 0.0]
    ridge = lk.LogisticRegression(solver="newton", alpha=1e-3).fit(frame, y)
    assert ridge.converged_


def test_more_columns_than_samples_is_named() -> None:
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((10, 20)), np.arange(10) % 2
    with (
        pytest.warns(
            CollinearityWarning, match="21 coefficients \\(intercept included\\) but only 10"
        ),
        pytest.warns(lk.SeparationWarning),
    ):
        lk.LogisticRegression(solver="newton").fit(X, y)


@pytest.mark.parametrize(
    "params, message",
    [
        ({"alpha": -1.0}, "alpha must be a finite number >= 0"),
        ({"alpha": np.inf}, "alpha must be a finite number >= 0"),
        ({"l1_ratio": 1.5}, "l1_ratio must be in \\[0, 1\\]"),
        ({"solver": "bfgs"}, "solver must be one of 'auto', 'gd'"),
        ({"schedule": "fast"}, "schedule must be one of"),
        ({"tol": 0.0}, "tol must be a positive number"),
        ({"learning_rate": -0.1}, "learning_rate must be a positive number"),
        ({"max_iter": 0}, "max_iter must be a positive integer"),
        ({"batch_size": 2.5}, "batch_size must be a positive integer"),
    ],
)
def test_bad_parameters_are_refused_clearly(problem, params, message) -> None:
    X, y = problem
    with pytest.raises(ValueError, match=message):
        lk.LogisticRegression(**params).fit(X, y)


def test_sparse_matrices_are_not_densified(problem) -> None:
    X, y = problem
    matrix = sp.csr_matrix(np.where(np.abs(X) > 1, X, 0.0))
    model = lk.LogisticRegression().fit(matrix, y)
    dense = lk.LogisticRegression().fit(matrix.toarray(), y)
    np.testing.assert_allclose(params_of(model), params_of(dense), rtol=1e-10)
    np.testing.assert_allclose(model.predict_proba(matrix), dense.predict_proba(matrix.toarray()))


def test_columns_whose_squares_overflow_are_refused_by_name() -> None:
    """|x| above √(max double / n) would overflow XᵀWX: a clear error, not a deep one."""
    X = pd.DataFrame({"small": [0.5, -1.0, 2.0, 0.1], "huge": [1e300, -1e300, 2e299, 0.0]})
    with pytest.raises(ValueError, match=r"too large for double precision in 'huge'.*rescale"):
        lk.LogisticRegression().fit(X, [0, 1, 0, 1])
