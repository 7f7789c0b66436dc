"""LogisticRegressionCV against fold-by-fold fits scored by scikit-learn's metrics, for two
classes and for three (the multinomial model)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression as SklearnLogisticRegression
from sklearn.metrics import accuracy_score, log_loss, make_scorer
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.utils.estimator_checks import parametrize_with_checks

import logitkit as lk
from problems import make_problem

N_ALPHAS = 10


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray]:
    """n = 150, p = 4: small enough for many fits, noisy enough for an interior α."""
    return make_problem(150, 4, seed=0, scale=0.5)


def fold_fit(X, y, weights, alpha: float, l1_ratio: float) -> tuple[np.ndarray, float]:
    """The penalised fit on one training part, by a solver outside the path.

    Ridge by scikit-learn, whose C multiplies the sum of the (weighted) losses:
    C = 1/(α Σs) gives the same minimiser. Any L1 part by logitkit's LogisticRegression.
    """
    if l1_ratio == 0.0:
        model = SklearnLogisticRegression(
            C=1.0 / (alpha * weights.sum()), solver="newton-cholesky", tol=1e-12, max_iter=1000
        ).fit(X, y, sample_weight=weights)
    else:
        model = lk.LogisticRegression(alpha=alpha, l1_ratio=l1_ratio).fit(
            X, y, sample_weight=weights
        )
    return model.coef_[0], float(model.intercept_[0])


def oracle(X, y, folds, grid, l1_ratio, weights=None) -> np.ndarray:
    """Fold scores −log_loss (n_alphas, n_folds), each fold refitted at every α from scratch."""
    weights = np.ones(len(y)) if weights is None else weights
    scores = np.empty((len(grid), len(folds)))
    for j, (train, test) in enumerate(folds):
        for i, alpha in enumerate(grid):
            coef, intercept = fold_fit(X[train], y[train], weights[train], alpha, l1_ratio)
            p = 1.0 / (1.0 + np.exp(-(X[test] @ coef + intercept)))
            scores[i, j] = -log_loss(
                y[test], np.column_stack((1 - p, p)), sample_weight=weights[test], labels=[0, 1]
            )
    return scores


def expected_choice(scores: np.ndarray, rule: str) -> int:
    """glmnet's lambda.min / lambda.1se for a score (higher is better), SE = sd(ddof=1)/√K."""
    mean = scores.mean(axis=1)
    se = scores.std(axis=1, ddof=1) / np.sqrt(scores.shape[1])
    best = int(np.argmax(mean))
    if rule == "min":
        return best
    return int(np.flatnonzero(mean >= mean[best] - se[best])[0])


@pytest.mark.parametrize("l1_ratio, eps", [(0.0, 1e-6), (1.0, 1e-3)], ids=["ridge", "lasso"])
def test_scores_and_choice_equal_fold_by_fold_fits(data, l1_ratio, eps) -> None:
    X, y = data
    folds = list(StratifiedKFold(4).split(X, y))
    model = lk.LogisticRegressionCV(l1_ratio=l1_ratio, n_alphas=N_ALPHAS, eps=eps, cv=folds).fit(
        X, y
    )
    expected = oracle(X, y, folds, model.alphas_, l1_ratio)
    np.testing.assert_allclose(model.scores_, expected, rtol=0, atol=1e-6)
    results = model.cv_results_
    np.testing.assert_allclose(results["mean_test_score"], expected.mean(axis=1), atol=1e-6)
    np.testing.assert_allclose(
        results["se_test_score"], expected.std(axis=1, ddof=1) / 2.0, atol=1e-6
    )
    for j in range(len(folds)):
        np.testing.assert_array_equal(results[f"split{j}_test_score"], model.scores_[:, j])
    np.testing.assert_array_equal(results["alpha"], model.alphas_)
    best = expected_choice(expected, "min")
    assert model.alpha_ == model.alphas_[best]
    assert model.best_index_ == best
    one_se = model.set_params(rule="1se").fit(X, y)
    k = expected_choice(expected, "1se")
    assert one_se.alpha_ == one_se.alphas_[k]
    assert one_se.best_index_ == k
    assert 0 < k < best < N_ALPHAS - 1, "the data should give an interior choice for each rule"


def test_a_list_of_ratios_searches_every_pair(data) -> None:
    X, y = data
    folds = list(StratifiedKFold(3).split(X, y))
    ratios = [0.5, 1.0]
    model = lk.LogisticRegressionCV(l1_ratio=ratios, n_alphas=N_ALPHAS, cv=folds).fit(X, y)
    assert model.alphas_.shape == (2, N_ALPHAS)
    assert model.scores_.shape == (2, N_ALPHAS, 3)
    expected = np.stack([oracle(X, y, folds, model.alphas_[r], ratios[r]) for r in range(2)])
    np.testing.assert_allclose(model.scores_, expected, atol=1e-6)
    mean = expected.mean(axis=2)
    r, k = np.unravel_index(np.argmax(mean), mean.shape)
    assert (model.l1_ratio_, model.alpha_) == (ratios[r], model.alphas_[r, k])
    table = pd.DataFrame(model.cv_results_)
    assert list(table["l1_ratio"]) == [0.5] * N_ALPHAS + [1.0] * N_ALPHAS
    assert table.loc[model.best_index_, "alpha"] == model.alpha_


def test_grid_starts_at_alpha_max_of_the_whole_data(data) -> None:
    """α_max = max|Xᵀ(ȳ − y)|/(nρ): the smallest α at which every weight is 0 on all the data."""
    X, y = data
    model = lk.LogisticRegressionCV(l1_ratio=0.5, n_alphas=N_ALPHAS, eps=1e-2, cv=3).fit(X, y)
    alpha_max = np.max(np.abs(X.T @ (y.mean() - y))) / (len(y) * 0.5)
    np.testing.assert_allclose(model.alphas_[0], alpha_max, rtol=1e-12)
    np.testing.assert_allclose(model.alphas_, np.geomspace(alpha_max, 1e-2 * alpha_max, 10))


def test_given_alphas_are_used_sorted_decreasing(data) -> None:
    X, y = data
    given = [0.01, 1.0, 0.1]
    model = lk.LogisticRegressionCV(alphas=given, cv=3).fit(X, y)
    np.testing.assert_array_equal(model.alphas_, [1.0, 0.1, 0.01])
    assert given == [0.01, 1.0, 0.1]


def test_an_int_cv_is_stratified_and_shuffled_only_with_a_random_state(data) -> None:
    X, y = data
    params = {"alphas": [1.0, 0.1, 0.01], "l1_ratio": 1.0}
    plain = lk.LogisticRegressionCV(cv=3, **params).fit(X, y)
    listed = list(StratifiedKFold(3).split(X, y))
    np.testing.assert_array_equal(
        plain.scores_, lk.LogisticRegressionCV(cv=listed, **params).fit(X, y).scores_
    )
    seeded = lk.LogisticRegressionCV(cv=3, random_state=0, **params).fit(X, y)
    shuffled = StratifiedKFold(3, shuffle=True, random_state=0)
    np.testing.assert_array_equal(
        seeded.scores_, lk.LogisticRegressionCV(cv=shuffled, **params).fit(X, y).scores_
    )
    assert not np.array_equal(seeded.scores_, plain.scores_)


def test_sample_weights_equal_repeated_rows(data) -> None:
    X, y = data
    counts = np.random.default_rng(0).integers(0, 4, size=len(y))
    folds = list(KFold(3, shuffle=True, random_state=1).split(X))
    origin = np.repeat(np.arange(len(y)), counts)
    repeated_folds = [
        (np.flatnonzero(np.isin(origin, train)), np.flatnonzero(np.isin(origin, test)))
        for train, test in folds
    ]
    params = {"l1_ratio": 1.0, "n_alphas": N_ALPHAS}
    weighted = lk.LogisticRegressionCV(cv=folds, **params).fit(X, y, sample_weight=counts)
    repeated = lk.LogisticRegressionCV(cv=repeated_folds, **params).fit(X[origin], y[origin])
    np.testing.assert_allclose(weighted.alphas_, repeated.alphas_, rtol=1e-12)
    np.testing.assert_allclose(weighted.scores_, repeated.scores_, atol=1e-6)
    assert weighted.alpha_ == pytest.approx(repeated.alpha_, rel=1e-12)
    np.testing.assert_allclose(weighted.coef_, repeated.coef_, atol=1e-6)
    expected = oracle(X, y, folds, weighted.alphas_, 1.0, weights=counts.astype(float))
    np.testing.assert_allclose(weighted.scores_, expected, atol=1e-6)


def test_a_named_or_callable_scorer_gets_the_test_weights(data) -> None:
    X, y = data
    weights = np.random.default_rng(2).uniform(0.5, 2.0, size=len(y))
    folds = list(StratifiedKFold(3).split(X, y))
    model = lk.LogisticRegressionCV(
        alphas=[0.1, 0.01], l1_ratio=1.0, cv=folds, scoring="accuracy"
    ).fit(X, y, sample_weight=weights)
    for j, (train, test) in enumerate(folds):
        for i, alpha in enumerate(model.alphas_):
            coef, intercept = fold_fit(X[train], y[train], weights[train], alpha, 1.0)
            predicted = (X[test] @ coef + intercept > 0).astype(int)
            expected = accuracy_score(y[test], predicted, sample_weight=weights[test])
            assert model.scores_[i, j] == pytest.approx(expected, abs=1e-12)
    as_callable = model.set_params(scoring=make_scorer(accuracy_score)).fit(
        X, y, sample_weight=weights
    )
    np.testing.assert_array_equal(as_callable.scores_, model.scores_)


def test_class_weights_weight_the_training_fits_only(data) -> None:
    X, y = data
    folds = list(StratifiedKFold(3).split(X, y))
    model = lk.LogisticRegressionCV(alphas=[0.1, 0.01], cv=folds, class_weight={0: 1.0, 1: 3.0})
    model.fit(X, y)
    balanced = np.where(y == 1, 3.0, 1.0)
    for j, (train, test) in enumerate(folds):
        for i, alpha in enumerate(model.alphas_):
            coef, intercept = fold_fit(X[train], y[train], balanced[train], alpha, 0.0)
            p = 1.0 / (1.0 + np.exp(-(X[test] @ coef + intercept)))
            expected = -log_loss(y[test], np.column_stack((1 - p, p)))
            assert model.scores_[i, j] == pytest.approx(expected, abs=1e-8)


@pytest.mark.slow
def test_parallel_folds_give_identical_results(data) -> None:
    """Slow only by the start of joblib's worker processes."""
    X, y = data
    params = {"l1_ratio": [0.5, 1.0], "n_alphas": N_ALPHAS, "cv": 3}
    serial = lk.LogisticRegressionCV(**params).fit(X, y)
    parallel = lk.LogisticRegressionCV(n_jobs=2, **params).fit(X, y)
    np.testing.assert_array_equal(parallel.scores_, serial.scores_)
    np.testing.assert_array_equal(parallel.alphas_, serial.alphas_)
    np.testing.assert_array_equal(parallel.coef_, serial.coef_)


@pytest.mark.parametrize("l1_ratio", [0.0, 1.0])
def test_refit_equals_a_direct_fit_at_the_chosen_alpha(data, l1_ratio) -> None:
    X, y = data
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    labels = np.array(["no", "yes"])[y]
    model = lk.LogisticRegressionCV(l1_ratio=l1_ratio, n_alphas=N_ALPHAS, cv=3).fit(frame, labels)
    direct = lk.LogisticRegression(alpha=model.alpha_, l1_ratio=l1_ratio).fit(frame, labels)
    np.testing.assert_allclose(model.coef_, direct.coef_, atol=1e-6)
    np.testing.assert_allclose(model.intercept_, direct.intercept_, atol=1e-6)
    np.testing.assert_array_equal(model.classes_, ["no", "yes"])
    assert list(model.feature_names_in_) == ["a", "b", "c", "d"]
    np.testing.assert_allclose(model.predict_proba(frame), direct.predict_proba(frame), atol=1e-6)
    np.testing.assert_array_equal(model.predict(frame), direct.predict(frame))
    assert model.score(frame, labels) == direct.score(frame, labels)
    unrefitted = model.set_params(refit=False).fit(frame, labels)
    np.testing.assert_allclose(unrefitted.coef_, direct.coef_, atol=1e-5)
    assert 1 <= unrefitted.n_iter_ <= model.n_iter_


@parametrize_with_checks([lk.LogisticRegressionCV(n_alphas=4, cv=3)])
def test_scikit_learn_estimator_checks(estimator, check) -> None:
    """The full set, the multiclass checks included."""
    check(estimator)


@pytest.fixture(scope="module")
def three_classes() -> tuple[np.ndarray, np.ndarray]:
    """n = 180, p = 4, three string labels from a noisy softmax model."""
    rng = np.random.default_rng(4)
    X = rng.standard_normal((180, 4))
    logits = X @ np.array([[0.8, 0.0, -0.5], [0.0, 0.6, 0.0], [0.0, 0.0, 0.4], [0.2, 0.0, 0.0]])
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    labels = (rng.random(180)[:, None] > np.cumsum(probs, axis=1)).sum(axis=1)
    return X, np.array(["ant", "bee", "cat"])[labels]


def multinomial_oracle(X, labels, folds, grid, l1_ratio) -> np.ndarray:
    """Fold scores −log_loss (n_alphas, n_folds) of a multinomial fit at every α from scratch,
    scored by scikit-learn over all three classes."""
    classes = np.unique(labels)
    scores = np.empty((len(grid), len(folds)))
    for j, (train, test) in enumerate(folds):
        for i, alpha in enumerate(grid):
            model = lk.LogisticRegression(alpha=alpha, l1_ratio=l1_ratio, solver="cd")
            model.fit(X[train], labels[train])
            logits = X[test] @ model.coef_.T + model.intercept_
            probs = np.exp(logits - logits.max(axis=1, keepdims=True))
            probs /= probs.sum(axis=1, keepdims=True)
            scores[i, j] = -log_loss(labels[test], probs, labels=classes)
    return scores


@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
def test_multinomial_scores_and_choice_equal_fold_by_fold_fits(three_classes, l1_ratio) -> None:
    X, labels = three_classes
    folds = list(StratifiedKFold(3).split(X, labels))
    model = lk.LogisticRegressionCV(l1_ratio=l1_ratio, n_alphas=8, eps=1e-2, cv=folds)
    model.fit(X, labels)
    expected = multinomial_oracle(X, labels, folds, model.alphas_, l1_ratio)
    np.testing.assert_allclose(model.scores_, expected, rtol=0, atol=1e-6)
    best = expected_choice(expected, "min")
    assert model.alpha_ == model.alphas_[best] and best > 0
    assert model.coef_.shape == (3, 4) and model.intercept_.shape == (3,)
    direct = lk.LogisticRegression(alpha=model.alpha_, l1_ratio=l1_ratio).fit(X, labels)
    np.testing.assert_allclose(model.coef_, direct.coef_, atol=1e-6)
    np.testing.assert_allclose(model.predict_proba(X), direct.predict_proba(X), atol=1e-6)
    np.testing.assert_array_equal(model.predict(X), direct.predict(X))
    unrefitted = model.set_params(refit=False).fit(X, labels)
    np.testing.assert_allclose(unrefitted.coef_, direct.coef_, atol=1e-5)


def test_a_test_part_missing_a_class_is_still_scored(three_classes) -> None:
    """The log-loss knows every class, so a held-out part without one scores all the same."""
    X, labels = three_classes
    cats = np.flatnonzero(labels == "cat")
    others = np.flatnonzero(labels != "cat")
    folds = [
        (np.concatenate((others[60:], cats)), others[:60]),
        (
            np.concatenate((others[:60], cats[: len(cats) // 2])),
            np.concatenate((others[60:], cats[len(cats) // 2 :])),
        ),
    ]
    grid = [0.05, 0.01]
    model = lk.LogisticRegressionCV(alphas=grid, l1_ratio=1.0, cv=folds).fit(X, labels)
    expected = multinomial_oracle(X, labels, folds, model.alphas_, 1.0)
    np.testing.assert_allclose(model.scores_, expected, atol=1e-6)


@pytest.mark.parametrize(
    "params, message",
    [
        ({"rule": "2se"}, "rule must be one of 'min', '1se'; got '2se'"),
        ({"cv": 1}, "cv must be at least 2 folds; got 1"),
        ({"scoring": "log_los"}, "'log_los' is not a valid scoring value"),
        ({"l1_ratio": 1.5}, "l1_ratio must be in \\[0, 1\\]; got 1.5"),
        ({"l1_ratio": [0.5, -0.1]}, "l1_ratio must be in \\[0, 1\\]; got -0.1"),
        ({"l1_ratio": []}, "l1_ratio is an empty sequence"),
        ({"alphas": [1.0, -0.5]}, "alphas must be finite and >= 0; got -0.5"),
        ({"alphas": 10}, "alphas must be a sequence of penalty strengths or None.*n_alphas"),
        ({"n_alphas": 0}, "n_alphas must be a positive integer"),
        ({"eps": 2.0}, "eps must be in \\(0, 1\\)"),
        ({"solver": "bfgs"}, "solver must be one of"),
    ],
)
def test_bad_parameters_are_refused_clearly(data, params, message) -> None:
    X, y = data
    with pytest.raises(ValueError, match=message):
        lk.LogisticRegressionCV(**params).fit(X, y)


def test_a_class_missing_from_a_training_part_is_named(data) -> None:
    X, y = data
    labels = np.where(y == 1, "yes", "no")
    labels[np.flatnonzero(y == 1)[1:]] = "no"
    with (
        pytest.warns(UserWarning, match="least populated class"),
        pytest.raises(
            ValueError, match="class .yes. has no samples.*fold \\d .1 sample.*fewer folds"
        ),
    ):
        lk.LogisticRegressionCV(cv=3).fit(X, labels)
