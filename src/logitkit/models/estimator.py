"""LogisticRegression, the scikit-learn estimator: parameters, fit, fitted state, predictions.

It holds no mathematics of its own: it builds an objective from the data
(:func:`~logitkit.models.build.build_objective`), hands it to a solver
(:mod:`logitkit.models.fitting`), and keeps the :class:`~logitkit.core.record.FitRecord` the fit
leaves as ``record_``; every other fitted attribute is read from the record, by fit and by
:meth:`LogisticRegression.from_record` alike.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted, validate_data

from ..backends.design import is_dask_collection
from ..core.datafits import Datafit, datafit_for
from ..core.exceptions import SingularDesignError
from ..core.record import FitRecord, term_names
from ..core.validation import check_numeric_columns
from ..inference.summarize import summarize
from ..inference.summary import Summary
from .build import build_objective, check_dask_features, formula_input, summary_data
from .fitting import (
    blas_threads,
    find_aliased,
    find_separation,
    make_record,
    positive_gram,
    prefetch_statistics,
    separation_checkable,
    solve_estimable,
    solver_plan,
    start_from,
    statistics_wants,
    warn_about_fit,
)
from .messages import collinearity_message
from .params import check_against_record, check_params, record_params
from .streaming import partial_fit, stream_solver

_RECORD_FIELDS = (
    *("n_iter", "converged", "stop_reason", "solver", "separation", "loglik", "null_loglik"),
    *("deviance", "null_deviance", "n_obs", "df_model", "df_resid", "aic", "bic"),
    *("information", "score_outer"),
)
"""Fitted attributes that are the record's field of the same name: ``name_ = record.name``."""


_PARAMETER_NAMES: dict[type, tuple[str, ...]] = {}


def _parameter_names(cls: type) -> tuple[str, ...]:
    """scikit-learn's parameter names of estimator class ``cls``, from its signature (read
    once per class)."""
    names = _PARAMETER_NAMES.get(cls)
    if names is None:
        names = tuple(BaseEstimator._get_param_names.__func__(cls))
        _PARAMETER_NAMES[cls] = names
    return names


class LogisticRegression(ClassifierMixin, BaseEstimator):
    """Logistic regression, binary or multinomial, fitted by maximum (penalised) likelihood.

    Minimises J(w, b) = (1/Σsᵢ) Σ sᵢ Lᵢ + α(ρ‖w‖₁ + (1 − ρ)/2 ‖w‖²), where
    Lᵢ = −[yᵢ log ŷᵢ + (1 − yᵢ) log(1 − ŷᵢ)] and ŷᵢ = σ(wᵀxᵢ + b) = P(y = 1 | xᵢ).
    With K ≥ 3 classes it fits the softmax model P(y = k | x) = softmax(z)_k,
    z_k = b_k + w_kᵀx, with Lᵢ = logsumexp(zᵢ) − zᵢ,yᵢ and the penalty on every w_k (see
    :mod:`logitkit.core.layout`); separation is not checked for K ≥ 3.

    Parameters
    ----------
    alpha : float, default 0.0
        Penalty strength α ≥ 0. The default 0 gives the plain maximum-likelihood estimate.
        α = 1/(C·n) matches scikit-learn's ``C`` on n unweighted samples.
    l1_ratio : float, default 0.0
        Elastic-net mix ρ ∈ [0, 1]: 0 is ridge (L2), 1 is lasso (L1). An L1 part needs one of
        the solvers "cd" (what "auto" picks), "gd", "sgd", "minibatch".
    firth : bool, default False
        Maximise Firth's penalised likelihood ℓ(θ) + ½ log det I(θ) (Jeffreys prior) instead:
        bias-reduced estimates that stay finite under separation. Takes no ``alpha``; solved
        by modified Fisher scoring ("auto" or "newton"), or by "lbfgs" or "gd". Two classes
        only.
    solver : {"auto", "newton", "lbfgs", "newton-cg", "cd", "gd", "sgd", "minibatch"}
        How J is minimised, default "auto"; see docs/solvers.md for "auto"'s rule ("cd",
        proximal Newton with coordinate descent, whenever there is an L1 part).
    fit_intercept : bool, default True
        Fit the intercept b (never penalised).
    tol : float or None, default None
        Stopping tolerance: the largest component of the gradient (KKT violation) for the
        deterministic solvers, the relative decrease of the cost over the last 5 epochs
        for "sgd" and "minibatch". None picks the solver's default: 1e-10 for the Newton
        solvers, 1e-8 for "lbfgs", "cd" and "gd", 1e-6 for those on float32 data, 1e-4 for the
        stochastic ones.
    max_iter : int or None, default None
        Iteration cap (epochs for "sgd" and "minibatch"); None picks the solver's default.
    learning_rate : float or None, default None
        "gd": a fixed step (None: backtracking line search). "sgd"/"minibatch": the initial
        step η₀ (None: √batch / L̄ from the data).
    schedule : {"auto", "constant", "invscaling"}, default "auto"
        Step-size schedule of "sgd" and "minibatch".
    batch_size : int, default 32
        Samples per step of "minibatch".
    class_weight : dict, "balanced" or None, default None
        Multiplies each sample's weight by the weight of its class.
    warm_start : bool, default False
        Start from the previous fit's coefficients.
    random_state : int, RandomState or None, default None
        Seeds the shuffles of "sgd" and "minibatch"; a fixed value gives identical fits.
    verbose : int, default 0
        Print iteration, cost and gradient norm as the solver runs.
    reference : label or None, default None
        The reference class of an unpenalised (alpha = 0) fit with three or more classes: its
        coefficients are fixed at 0 and the others are log-odds against it. None takes the
        first class, ``classes_[0]``. Penalised fits keep all K classes' coefficients (the
        penalty identifies them). With two classes it can only be ``classes_[0]``.

    Attributes
    ----------
    coef_ : ndarray of shape (1, n_features), or (K, n_features) for K ≥ 3 classes
    intercept_ : ndarray of shape (1,), or (K,) for K ≥ 3 classes
    classes_ : ndarray of shape (K,); with two, ``classes_[1]`` is the class modelled as y = 1.
    n_iter_ : int
    converged_ : bool
    history_ : DataFrame with columns ``loss`` and ``grad_norm``, one row per iteration
        (row 0 is the start).
    solver_ : str, the solver that ran (what "auto" chose).
    stop_reason_ : str, why the solver stopped.
    loglik_, null_loglik_, deviance_, null_deviance_, aic_, bic_, df_model_, df_resid_,
    n_obs_, information_, score_outer_, separation_ : the fit's statistics (see
        :class:`~logitkit.core.record.FitRecord` for their formulas).
    record_ : FitRecord, everything above, frozen: what summaries and model files read.
    """

    def __init__(
        self,
        alpha: float = 0.0,
        l1_ratio: float = 0.0,
        firth: bool = False,
        solver: str = "auto",
        fit_intercept: bool = True,
        tol: float | None = None,
        max_iter: int | None = None,
        learning_rate: float | None = None,
        schedule: str = "auto",
        batch_size: int = 32,
        class_weight: dict | str | None = None,
        warm_start: bool = False,
        random_state: int | np.random.RandomState | None = None,
        verbose: int = 0,
        reference: object = None,
    ) -> None:
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.firth = firth
        self.solver = solver
        self.fit_intercept = fit_intercept
        self.tol = tol
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.schedule = schedule
        self.batch_size = batch_size
        self.class_weight = class_weight
        self.warm_start = warm_start
        self.random_state = random_state
        self.verbose = verbose
        self.reference = reference

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags

    def fit(self, X: ArrayLike, y: ArrayLike, sample_weight: ArrayLike | None = None):
        """Fit the model: minimise J(w, b) over the data, and keep the FitRecord.

        X is an array, DataFrame (column names kept as ``feature_names_in_``) or sparse
        matrix of numbers; y holds any two labels; sample_weight are frequency weights.
        """
        params = self.get_params()
        check_params(params)
        objective = build_objective(self, X, y, sample_weight, reset=True, params=params)
        feature_names = getattr(self, "feature_names_in_", None)
        names = term_names(feature_names, self.n_features_in_, self.fit_intercept)
        n_samples = objective.design.n_samples
        solver, options = solver_plan(objective, params)
        with blas_threads(objective):
            gram = positive_gram(objective, params)
            aliased = find_aliased(objective, gram)
            if not objective.design.holds_rows:
                objective.expect_statistics(statistics_wants(objective, params))
            try:
                start = start_from(objective, *self._previous_fit())
                result = solve_estimable(objective, solver, start, options, aliased)
            except SingularDesignError as error:
                raise ValueError(collinearity_message(names, error.columns, n_samples)) from None
            prefetch_statistics(objective, result.coef, params)
            checked = separation_checkable(objective, result.coef, params, aliased)
            separation = find_separation(objective, result.coef, params, names, gram, aliased)
            record = make_record(
                objective,
                result,
                solver=solver,
                params=params,
                classes=self.classes_,
                feature_names=feature_names,
                separation=separation,
                aliased=[names[j] for j in aliased],
                separation_checked=checked,
            )
        self._set_record(record)
        # The wall-clock time of each iteration describes this run, not the model: it is kept
        # beside the record (not in it, nor in a model file) for plots.plot_history.
        self._iteration_seconds = np.asarray(result.seconds, dtype=np.float64)
        self._stream = result.state
        warn_about_fit(result, solver, options, names, n_samples, aliased)
        return self

    @available_if(stream_solver)
    def partial_fit(
        self,
        X: ArrayLike,
        y: ArrayLike,
        classes: ArrayLike | None = None,
        sample_weight: ArrayLike | None = None,
    ):
        """One epoch of "sgd" or "minibatch" over a chunk of the data, going on from the last.

        X is what ``fit`` takes (array, DataFrame, sparse matrix), or a Dask array or DataFrame
        whose row blocks are read one at a time; y and sample_weight match it. ``classes``, every
        label the stream holds, is required on the first call. Each call is one epoch of the
        run ``fit`` makes (the same cost, schedule and averaging; after a ``fit`` with these
        solvers, the same run goes on) and adds one row to ``history_``, J over this chunk; the
        fit's statistics (``loglik_``, ``n_obs_``, …) are over this chunk. ``partial_fit`` on
        all the data E times equals ``fit`` with ``max_iter=E``; see
        :mod:`logitkit.models.streaming` and docs/scale-out.md. Only for the stochastic solvers:
        with another, ``hasattr(model, "partial_fit")`` is False.
        """
        partial_fit(self, X, y, classes, sample_weight)
        return self

    def _previous_fit(self) -> tuple[NDArray | None, NDArray | None]:
        """``coef_`` and ``intercept_`` to warm-start from, (None, None) without warm_start."""
        if not self.warm_start or not hasattr(self, "coef_"):
            return None, None
        return self.coef_, self.intercept_

    @classmethod
    def from_record(cls, record: FitRecord, **params: Any) -> LogisticRegression:
        """A fitted model with the coefficients and statistics of ``record``.

        ``params`` are constructor parameters; ``alpha``, ``l1_ratio``, ``firth`` and
        ``fit_intercept`` default to the record's and must agree with it, as must
        ``reference`` (the record's reference class). The model predicts, summarises and
        saves as the fit that left the record did.
        """
        model = cls(**{**record_params(record), **params})
        check_params(model.get_params())
        check_against_record(model.get_params(), record)
        model._set_record(record)
        return model

    def _set_record(self, record: FitRecord) -> None:
        """Keep ``record`` as ``record_`` and set every fitted attribute from it."""
        self.record_ = record
        self.classes_ = np.array(record.classes)
        self.n_features_in_ = record.n_features
        if record.feature_names is not None:
            self.feature_names_in_ = np.asarray(record.feature_names, dtype=object)
        elif hasattr(self, "feature_names_in_"):
            del self.feature_names_in_
        self.coef_, self.intercept_ = record.coefficients()
        for name in _RECORD_FIELDS:
            setattr(self, f"{name}_", getattr(record, name))

    @property
    def history_(self) -> pd.DataFrame:
        """The fit's iterations: ``loss`` (J at each iterate) and ``grad_norm``, one row per
        iteration, indexed by ``iteration``; read from ``record_`` when asked for (a DataFrame
        built on every fit took 7% of a 200 × 5 fit)."""
        record = self.__dict__.get("record_")
        if record is None:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute 'history_'")
        return pd.DataFrame(
            {"loss": record.loss, "grad_norm": record.grad_norm},
            index=pd.RangeIndex(len(record.loss), name="iteration"),
        )

    @classmethod
    def _get_param_names(cls) -> list[str]:
        """The constructor's parameter names, as scikit-learn reads them from its signature,
        read once per class (``get_params`` runs on every fit and clone)."""
        return list(_parameter_names(cls))

    def summary(
        self,
        cov_type: str = "nonrobust",
        groups: ArrayLike | None = None,
        ci: str = "wald",
        level: float = 0.95,
        *,
        X: ArrayLike | None = None,
        y: ArrayLike | None = None,
        sample_weight: ArrayLike | None = None,
    ) -> Summary:
        """The statistical summary: coefficients, standard errors, z, p, intervals, odds ratios.

        cov_type: "nonrobust" (inverse information), "HC0", "HC1" (= HC0·n/(n − k)) or
            "cluster" (with ``groups``; factor G/(G − 1)·(n − 1)/(n − k)).
        groups: one cluster label per fitted row, or, for a model from :func:`logitkit.logit`,
            the name of any column of the data it was fitted from (read on the rows it kept).
        ci: "wald" or "profile" (profile-likelihood bounds, by root-finding).
        level: the confidence level of the intervals, in (0, 1).
        X, y, sample_weight: the fitted data, needed by "cluster" and "profile" only; a model
            from :func:`logitkit.logit` keeps its data and needs none of them.
        """
        check_is_fitted(self)
        objective, groups, target = summary_data(self, X, y, sample_weight, groups)
        return summarize(
            self.record_,
            objective,
            cov_type=cov_type,
            groups=groups,
            ci=ci,
            level=level,
            target=target,
        )

    def decision_function(self, X: ArrayLike) -> NDArray:
        """The logit z = wᵀx + b = log(ŷ / (1 − ŷ)) of each sample, as float64; with K ≥ 3
        classes the n × K logits z_k = b_k + w_kᵀx.

        z is computed in the dtype of X (float32 stays float32); the probabilities derived from
        it are then evaluated in float64, so ``predict_log_proba`` equals ``log(predict_proba)``.
        For a Dask X (array or DataFrame) this and the other predictions are lazy Dask arrays
        chunked as its rows, computed in float64 chunk by chunk, never brought to the client.
        """
        check_is_fitted(self)
        if is_dask_collection(X):
            width = None if len(self.classes_) == 2 else len(self.classes_)
            return self._dask_rows(X, _scores, width)
        X = formula_input(self, X)
        check_numeric_columns(X)
        X_valid = validate_data(
            self,
            X,
            accept_sparse=["csr", "csc"],
            dtype=[np.float64, np.float32],
            reset=False,
        )
        dtype = X_valid.dtype
        z = np.asarray(
            X_valid @ self.coef_.T.astype(dtype) + self.intercept_.astype(dtype), dtype=np.float64
        )
        return z.ravel() if z.shape[1] == 1 else z

    def _dask_rows(self, X: Any, function: Any, width: int | None, dtype: Any = np.float64) -> Any:
        """``function`` of the logits X̃B of a Dask X, lazily, chunk by chunk: a Dask array of
        ``width`` columns (one value per row when None), its rows never on the client."""
        from ..backends.dask import DaskDesign, dask_matrix

        check_is_fitted(self)
        matrix, names = dask_matrix(X)
        check_dask_features(self, matrix.shape[1], names, reset=False)
        design = DaskDesign(matrix, self.record_.fit_intercept)
        weights = self.coef_.T.astype(np.float64)
        if self.record_.fit_intercept:
            weights = np.vstack((self.intercept_.astype(np.float64), weights))
        return design.map_rows(weights, function, width, dtype)

    def _link(self) -> Datafit:
        """The datafit whose link turns logits into the probabilities of ``classes_``."""
        return datafit_for(len(self.classes_), None)

    def predict_proba(self, X: ArrayLike) -> NDArray:
        """Columns P(y = classes_[0] | x) = σ(−z) and P(y = classes_[1] | x) = σ(z); with
        K ≥ 3 classes, softmax(z)_k (:meth:`~logitkit.core.datafits.Bernoulli.probabilities`)."""
        if is_dask_collection(X):
            function = partial(_through, self._link().probabilities)
            return self._dask_rows(X, function, len(self.classes_))
        z = self.decision_function(X)
        return self._link().probabilities(z)

    def predict_log_proba(self, X: ArrayLike) -> NDArray:
        """Columns log σ(−z) and log σ(z), computed without taking the log of a probability;
        with K ≥ 3 classes, log softmax(z)_k = z_k − logsumexp(z)."""
        if is_dask_collection(X):
            function = partial(_through, self._link().log_probabilities)
            return self._dask_rows(X, function, len(self.classes_))
        z = self.decision_function(X)
        return self._link().log_probabilities(z)

    def predict(self, X: ArrayLike) -> NDArray:
        """classes_[1] where ŷ > ½ (z > 0), else classes_[0]; with K ≥ 3 classes the most
        probable class, argmaxₖ z_k."""
        if is_dask_collection(X):
            function = partial(_labels, self.classes_, self._link().most_probable)
            return self._dask_rows(X, function, None, self.classes_.dtype)
        z = self.decision_function(X)
        return self.classes_[self._link().most_probable(z)]


def _scores(z: NDArray) -> NDArray:
    """The logits a decision function returns: one column as a vector."""
    return z[:, 0] if z.shape[1] == 1 else z


def _through(function: Any, z: NDArray) -> NDArray:
    """``function`` of the decision function's logits (probabilities, log-probabilities)."""
    return function(_scores(z))


def _labels(classes: NDArray, most_probable: Any, z: NDArray) -> NDArray:
    """The most probable class of each row."""
    return classes[most_probable(_scores(z))]
