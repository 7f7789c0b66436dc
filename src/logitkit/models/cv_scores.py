"""The cross-validation of LogisticRegressionCV: fold paths scored, a candidate chosen, tabulated.

The folds come from ``cv`` (a stratified K-fold for an int), each training part holding
every class. Each (ρ, fold) fits the regularisation path on the fold's training part over the
whole-data grid and scores every α of it on the held-out part; :func:`choose` applies the
rule ("min" or "1se") to the mean scores and their standard errors, and :func:`cv_results`
lays the scores out as ``cv_results_``.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable

import numpy as np
from joblib import Parallel, delayed
from numpy.typing import NDArray
from sklearn.model_selection import StratifiedKFold, check_cv

from .estimator import LogisticRegression
from .path import RegularizationPath, logistic_path

__all__ = [
    "Scorer",
    "choose",
    "cross_validate",
    "cv_results",
    "fold_scores",
    "make_folds",
    "model_at",
]

Scorer = Callable[..., float]


def make_folds(
    cv: int | object,
    random_state: int | np.random.RandomState | None,
    X,
    y: NDArray,
    classes: NDArray,
    train_weights: NDArray,
) -> list[tuple[NDArray, NDArray]]:
    """The (train, test) index pairs; every training part must hold every class."""
    if isinstance(cv, numbers.Integral):
        shuffle = random_state is not None
        splitter = StratifiedKFold(
            cv, shuffle=shuffle, random_state=random_state if shuffle else None
        )
    else:
        splitter = check_cv(cv, y, classifier=True)
    folds = [(np.asarray(train), np.asarray(test)) for train, test in splitter.split(X, y)]
    if len(folds) < 2:
        raise ValueError(f"cv must give at least 2 folds; it gave {len(folds)}")
    for number, (train, _) in enumerate(folds):
        missing = np.setdiff1d(classes, y[train][train_weights[train] > 0])
        if missing.size:
            label = missing[0]
            count = int(np.sum(y == label))
            name = label.item() if hasattr(label, "item") else label
            raise ValueError(
                f"class {name!r} has no samples (of positive weight) in the training part "
                f"of fold {number} ({count} sample(s) of it in all), so that fold cannot "
                "be fitted: use fewer folds (cv), or more samples of that class"
            )
    return folds


def cross_validate(
    X,
    y: NDArray,
    encoded: NDArray,
    train_weights: NDArray,
    test_weights: NDArray | None,
    folds: list[tuple[NDArray, NDArray]],
    l1_ratios: list[float],
    alphas: NDArray | None,
    *,
    scorer: Scorer,
    classes: NDArray,
    options: dict,
    n_jobs: int | None,
) -> tuple[list[RegularizationPath], NDArray]:
    """The whole-data path of each ρ, and the fold scores (n_ratios, n_alphas, n_folds).

    The whole-data paths give the grid, then each (ρ, fold) is one joblib task.
    """
    parallel = Parallel(n_jobs=n_jobs)
    paths: list[RegularizationPath] = parallel(
        delayed(logistic_path)(
            X, encoded, l1_ratio=ratio, alphas=alphas, sample_weight=train_weights, **options
        )
        for ratio in l1_ratios
    )
    per_fold = parallel(
        delayed(fold_scores)(
            X,
            y,
            encoded,
            train_weights,
            test_weights,
            fold,
            ratio,
            path.alphas,
            scorer=scorer,
            classes=classes,
            options=options,
        )
        for ratio, path in zip(l1_ratios, paths, strict=True)
        for fold in folds
    )
    scores = np.array(per_fold).reshape(len(l1_ratios), len(folds), -1)
    return paths, scores.transpose(0, 2, 1)


def fold_scores(
    X,
    y: NDArray,
    encoded: NDArray,
    train_weights: NDArray,
    test_weights: NDArray | None,
    fold: tuple[NDArray, NDArray],
    l1_ratio: float,
    alphas: NDArray,
    scorer: Scorer,
    classes: NDArray,
    options: dict,
) -> NDArray:
    """The path on the fold's training part, each of its α scored on the held-out part."""
    train, test = fold
    path = logistic_path(
        X[train],
        encoded[train],
        **{**options, "l1_ratio": l1_ratio, "alphas": alphas},
        sample_weight=train_weights[train],
    )
    X_test, y_test = X[test], y[test]
    extra = {} if test_weights is None else {"sample_weight": test_weights[test]}
    return np.array(
        [
            scorer(model_at(classes, coef, intercept, X.shape[1]), X_test, y_test, **extra)
            for coef, intercept in zip(path.coefs, path.intercepts, strict=True)
        ],
        dtype=np.float64,
    )


def model_at(
    classes: NDArray, coef: NDArray, intercept: float | NDArray, n_features: int
) -> LogisticRegression:
    """A fitted LogisticRegression with the given coefficients, for scoring and prediction:
    weights of shape (p,) and one intercept for two classes, (K, p) and (K,) for K ≥ 3."""
    model = LogisticRegression()
    model.classes_ = classes
    model.coef_ = np.atleast_2d(np.asarray(coef))
    model.intercept_ = np.atleast_1d(np.asarray(intercept, dtype=model.coef_.dtype))
    model.n_features_in_ = n_features
    return model


def choose(mean: NDArray, se: NDArray, rule: str) -> tuple[int, int]:
    """(ρ index, α index) of the choice; ties go to the first ρ given and the largest α."""
    r, k = np.unravel_index(int(np.argmax(mean)), mean.shape)
    if rule == "1se":
        k = np.flatnonzero(mean[r] >= mean[r, k] - se[r, k])[0]
    return int(r), int(k)


def cv_results(
    l1_ratios: list[float], grids: NDArray, scores: NDArray, mean: NDArray, se: NDArray
) -> dict[str, NDArray]:
    """One entry per (ρ, α), ρ in the given order and α decreasing."""
    _, n_alphas, n_folds = scores.shape
    results = {
        "l1_ratio": np.repeat(np.asarray(l1_ratios), n_alphas),
        "alpha": grids.ravel(),
        "mean_test_score": mean.ravel(),
        "se_test_score": se.ravel(),
    }
    for fold in range(n_folds):
        results[f"split{fold}_test_score"] = scores[:, :, fold].ravel()
    return results
