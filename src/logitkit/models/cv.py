"""LogisticRegressionCV: the penalty strength α (and the mix ρ) chosen by cross-validation.

For each ρ the whole regularisation path is fitted once on all the data (its α grid, from
α_max down to eps·α_max, is then shared by every fold, as glmnet's ``cv.glmnet`` does) and
once on the training part of each fold; every α of a fold's path is scored on that fold's
held-out part. With K folds and fold scores s₁ … s_K at one (ρ, α):

    mean = (1/K) Σₖ sₖ,    SE = sd(s₁ … s_K) / √K,  sd with ddof = 1 (glmnet's cvsd for folds
                                                     of equal weight).

``rule="min"`` takes the (ρ, α) of the best mean; ``rule="1se"`` keeps that ρ and takes the
largest α whose mean is within one SE of the best (glmnet's ``lambda.1se``).
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.metrics import get_scorer, log_loss, make_scorer
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from ..core.validation import (
    check_labels,
    check_numeric_columns,
    check_sample_weight,
    distinct_labels,
)
from .cv_scores import Scorer, choose, cross_validate, cv_results, make_folds, model_at
from .estimator import LogisticRegression
from .params import check_params
from .path import RegularizationPath

RULES = ("min", "1se")


class LogisticRegressionCV(ClassifierMixin, BaseEstimator):
    """Logistic regression, binary or multinomial, with α (and ρ) chosen by K-fold
    cross-validation.

    The cost at each candidate is LogisticRegression's,
    J(w, b) = (1/Σsᵢ) Σ sᵢ Lᵢ + α(ρ‖w‖₁ + (1 − ρ)/2 ‖w‖²); with three or more classes the
    softmax model with every class's coefficients, each weight penalised on its own (see
    :func:`~logitkit.logistic_path`). See the module docstring for how the candidates are
    scored and chosen.

    Parameters
    ----------
    alphas : sequence of float ≥ 0 or None, default None
        The α grid, used as given (sorted decreasing). None: ``n_alphas`` values on a log
        grid from α_max of the whole data (all weights zero) down to ``eps``·α_max, one grid
        per ρ.
    l1_ratio : float in [0, 1] or sequence of them, default 0.0
        The elastic-net mix ρ; a sequence searches every (ρ, α) pair.
    cv : int, CV splitter or iterable of (train, test) index arrays, default 5
        An int K gives ``StratifiedKFold(K)``, shuffled (with ``random_state``) only when
        ``random_state`` is given.
    scoring : str or callable, default "log_loss"
        A scikit-learn scorer name or ``scorer(estimator, X, y, sample_weight=None)``.
        Higher is better: "log_loss" is minus the (weighted) mean cross-entropy of the
        held-out part (the multiclass one, −mean log P(yᵢ | xᵢ), with three or more
        classes), scikit-learn's "neg_log_loss"; it knows every class, so a held-out part
        that lacks one is still scored.
    rule : {"min", "1se"}, default "min"
        "min": the best mean score. "1se": the largest α within one standard error of it.
    n_alphas, eps : int, float
        Size and depth of the automatic grid.
    fit_intercept, tol, max_iter, solver, class_weight :
        As in :class:`~logitkit.LogisticRegression`, for the paths and the refit. Class
        weights multiply the training weights; scores use ``sample_weight`` alone.
    n_jobs : int or None, default None
        Paths fitted in parallel by joblib (one task per fold and ρ); None runs them in turn.
    random_state : int, RandomState or None, default None
        Shuffles the folds of an int ``cv``, and seeds a stochastic solver's refit.
    refit : bool, default True
        Refit on all the data at the chosen (ρ, α) with LogisticRegression, started from the
        whole-data path there. False keeps that path point as it is (glmnet's coefficients at
        ``lambda.min``).

    Attributes
    ----------
    alpha_, l1_ratio_ : the chosen α and ρ.
    alphas_ : ndarray (n_alphas,), or (n_l1_ratios, n_alphas) when ``l1_ratio`` is a sequence.
    scores_ : ndarray (n_alphas, n_folds), or (n_l1_ratios, n_alphas, n_folds).
    cv_results_ : dict of arrays, one entry per (ρ, α), ρ in the given order, α decreasing:
        ``l1_ratio``, ``alpha``, ``mean_test_score``, ``se_test_score`` and
        ``split{k}_test_score``; ``pandas.DataFrame(cv_results_)`` tabulates it.
    best_index_ : int, the entry of ``cv_results_`` chosen.
    estimator_ : LogisticRegression, the model at the chosen (ρ, α).
    coef_, intercept_ : those of ``estimator_``: shapes (1, p) and (1,), or (K, p) and (K,)
        with K ≥ 3 classes.
    n_iter_ : int, the solver iterations that led to ``estimator_`` from the intercept-only
        start: along the whole-data path down to ``alpha_``, then the refit's.
    classes_ : ndarray of shape (K,).
    """

    def __init__(
        self,
        alphas: Sequence[float] | None = None,
        l1_ratio: float | Sequence[float] = 0.0,
        cv: int | object = 5,
        scoring: str | Scorer = "log_loss",
        rule: str = "min",
        n_alphas: int = 100,
        eps: float = 1e-3,
        fit_intercept: bool = True,
        tol: float | None = None,
        max_iter: int | None = None,
        solver: str = "auto",
        class_weight: dict | str | None = None,
        n_jobs: int | None = None,
        random_state: int | np.random.RandomState | None = None,
        refit: bool = True,
    ) -> None:
        self.alphas = alphas
        self.l1_ratio = l1_ratio
        self.cv = cv
        self.scoring = scoring
        self.rule = rule
        self.n_alphas = n_alphas
        self.eps = eps
        self.fit_intercept = fit_intercept
        self.tol = tol
        self.max_iter = max_iter
        self.solver = solver
        self.class_weight = class_weight
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.refit = refit

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags

    def fit(self, X: ArrayLike, y: ArrayLike, sample_weight: ArrayLike | None = None):
        """Cross-validate every (ρ, α), choose one by ``rule``, and refit on all the data."""
        l1_ratios = self._l1_ratios()
        alphas = self._alphas()
        self._check_params()
        check_numeric_columns(X)
        X_valid, y_valid = validate_data(
            self,
            X,
            y,
            accept_sparse=["csr", "csc"],
            dtype=[np.float64, np.float32],
            y_numeric=False,
        )
        check_classification_targets(y_valid)
        self.classes_ = distinct_labels(y_valid)
        check_labels(self.classes_)
        weights = check_sample_weight(sample_weight, X_valid.shape[0])
        train_weights = weights
        if self.class_weight is not None:
            train_weights = weights * compute_sample_weight(self.class_weight, y_valid)
        encoded = np.searchsorted(self.classes_, y_valid)
        folds = make_folds(
            self.cv, self.random_state, X_valid, y_valid, self.classes_, train_weights
        )
        test_weights = None if sample_weight is None else weights
        paths, scores = cross_validate(
            X_valid,
            y_valid,
            encoded,
            train_weights,
            test_weights,
            folds,
            l1_ratios,
            alphas,
            scorer=self._scorer(),
            classes=self.classes_,
            options=self._path_options(),
            n_jobs=self.n_jobs,
        )
        grids = np.array([path.alphas for path in paths])
        mean = scores.mean(axis=2)
        se = scores.std(axis=2, ddof=1) / np.sqrt(len(folds))
        r, k = choose(mean, se, self.rule)

        single = not _is_sequence(self.l1_ratio)
        self.alphas_ = grids[0] if single else grids
        self.scores_ = scores[0] if single else scores
        self.cv_results_ = cv_results(l1_ratios, grids, scores, mean, se)
        self.best_index_ = r * grids.shape[1] + k
        self.l1_ratio_ = l1_ratios[r]
        self.alpha_ = float(grids[r, k])
        self.estimator_ = self._final_model(X_valid, y_valid, sample_weight, paths[r], k)
        self.coef_ = self.estimator_.coef_
        self.intercept_ = self.estimator_.intercept_
        self.n_iter_ = int(paths[r].n_iter[: k + 1].sum())
        if self.refit:
            self.n_iter_ += self.estimator_.n_iter_
        return self

    def _path_options(self) -> dict:
        """The options of :func:`~logitkit.logistic_path` shared by every path fitted."""
        return {
            "n_alphas": self.n_alphas,
            "eps": self.eps,
            "fit_intercept": self.fit_intercept,
            "tol": self.tol,
            "max_iter": self.max_iter,
            "solver": self.solver,
        }

    def _l1_ratios(self) -> list[float]:
        """ρ as a non-empty list of numbers in [0, 1]."""
        given: Any = self.l1_ratio
        values = list(given) if _is_sequence(given) else [given]
        if not values:
            raise ValueError("l1_ratio is an empty sequence: give at least one value in [0, 1]")
        for value in values:
            if (
                isinstance(value, bool)
                or not isinstance(value, numbers.Real)
                or not (0.0 <= float(value) <= 1.0)
            ):
                raise ValueError(f"l1_ratio must be in [0, 1]; got {value!r}")
        return [float(value) for value in values]

    def _alphas(self) -> NDArray | None:
        """The given α grid as a new float64 array, sorted decreasing; None for the default."""
        if self.alphas is None:
            return None
        if not _is_sequence(self.alphas):
            raise ValueError(
                f"alphas must be a sequence of penalty strengths or None; got {self.alphas!r}. "
                "For a grid of a given size, use n_alphas."
            )
        try:
            alphas = np.array(self.alphas, dtype=np.float64)
        except (TypeError, ValueError):
            raise ValueError(f"alphas must be numbers; got {self.alphas!r}") from None
        if alphas.ndim != 1 or alphas.size == 0:
            raise ValueError(f"alphas must be a non-empty 1-D sequence; got {self.alphas!r}")
        if not np.all(np.isfinite(alphas)) or np.any(alphas < 0):
            bad = alphas[~(np.isfinite(alphas) & (alphas >= 0))][0]
            raise ValueError(f"alphas must be finite and >= 0; got {bad:g}")
        return np.sort(alphas)[::-1]

    def _check_params(self) -> None:
        if self.rule not in RULES:
            raise ValueError(
                f"rule must be one of {', '.join(map(repr, RULES))}; got {self.rule!r}"
            )
        if isinstance(self.cv, bool) or (isinstance(self.cv, numbers.Integral) and self.cv < 2):
            raise ValueError(f"cv must be at least 2 folds; got {self.cv!r}")
        if not isinstance(self.scoring, str) and not callable(self.scoring):
            raise ValueError(
                f"scoring must be a scikit-learn scorer name or a callable; got {self.scoring!r}"
            )
        if self.scoring != "log_loss":
            get_scorer(self.scoring)
        if (
            isinstance(self.n_alphas, bool)
            or not isinstance(self.n_alphas, numbers.Integral)
            or self.n_alphas < 1
        ):
            raise ValueError(f"n_alphas must be a positive integer; got {self.n_alphas!r}")
        if (
            isinstance(self.eps, bool)
            or not isinstance(self.eps, numbers.Real)
            or not (0.0 < self.eps < 1.0)
        ):
            raise ValueError(f"eps must be in (0, 1); got {self.eps!r}")
        check_params(self._model(alpha=0.0, l1_ratio=0.0).get_params())

    def _scorer(self) -> Scorer:
        """The scorer; "log_loss" knows every class, so a test part that lacks one is scored
        too."""
        if self.scoring == "log_loss":
            return make_scorer(
                log_loss,
                greater_is_better=False,
                response_method="predict_proba",
                labels=self.classes_,
            )
        return get_scorer(self.scoring)

    def _model(self, alpha: float, l1_ratio: float) -> LogisticRegression:
        return LogisticRegression(
            alpha=alpha,
            l1_ratio=l1_ratio,
            solver=self.solver,
            fit_intercept=self.fit_intercept,
            tol=self.tol,
            max_iter=self.max_iter,
            class_weight=self.class_weight,
            random_state=self.random_state,
        )

    def _final_model(
        self,
        X,
        y: NDArray,
        sample_weight: ArrayLike | None,
        path: RegularizationPath,
        k: int,
    ) -> LogisticRegression:
        """The whole-data path's point k, refitted (warm-started there) when ``refit``."""
        if not self.refit:
            return model_at(self.classes_, path.coefs[k], path.intercepts[k], X.shape[1])
        model = self._model(self.alpha_, self.l1_ratio_).set_params(warm_start=True)
        model.coef_ = np.atleast_2d(np.asarray(path.coefs[k], dtype=np.float64))
        model.intercept_ = np.atleast_1d(np.asarray(path.intercepts[k], dtype=np.float64))
        return model.fit(X, y, sample_weight=sample_weight)

    def decision_function(self, X: ArrayLike) -> NDArray:
        """The logit z = wᵀx + b of each sample at the chosen (ρ, α); with K ≥ 3 classes the
        n × K logits z_k = b_k + w_kᵀx."""
        X = self._validate_for_prediction(X)
        return self.estimator_.decision_function(X)

    def predict_proba(self, X: ArrayLike) -> NDArray:
        """Columns P(y = classes_[0] | x) = σ(−z) and P(y = classes_[1] | x) = σ(z); with
        K ≥ 3 classes, softmax(z)_k."""
        X = self._validate_for_prediction(X)
        return self.estimator_.predict_proba(X)

    def predict_log_proba(self, X: ArrayLike) -> NDArray:
        """Columns log σ(−z) and log σ(z); with K ≥ 3 classes, z_k − logsumexp(z)."""
        X = self._validate_for_prediction(X)
        return self.estimator_.predict_log_proba(X)

    def predict(self, X: ArrayLike) -> NDArray:
        """classes_[1] where z > 0, else classes_[0]; with K ≥ 3 classes, argmaxₖ z_k."""
        X = self._validate_for_prediction(X)
        return self.estimator_.predict(X)

    def _validate_for_prediction(self, X: ArrayLike):
        check_is_fitted(self)
        return validate_data(
            self, X, accept_sparse=["csr", "csc"], dtype=[np.float64, np.float32], reset=False
        )


def _is_sequence(value: object) -> bool:
    return not isinstance(value, (str, bytes)) and isinstance(value, (Sequence, np.ndarray))
