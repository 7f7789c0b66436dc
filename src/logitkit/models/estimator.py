"""LogisticRegression, the scikit-learn estimator: validation, labels, solver choice, fitted state.

It holds no mathematics of its own: it builds an :class:`~logitkit.core.objective.Objective` from
the data, hands it to a solver, and stores the :class:`~logitkit.solvers.SolveResult`.
"""

from __future__ import annotations

import numbers
import os
import sys
import warnings

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils import check_random_state
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from ..backends.design import make_design
from ..core.datafits import Bernoulli, Multinomial
from ..core.exceptions import (
    CollinearityWarning,
    ConvergenceWarning,
    SeparationWarning,
    SingularDesignError,
    SmallClassWarning,
)
from ..core.layout import class_coefficients, flat_coefficients, penalised_mask
from ..core.objective import Objective
from ..core.penalties import ElasticNet
from ..core.validation import check_labels, check_numeric_columns, check_sample_weight, plain_label
from ..inference.separation import detect_separation, overlap_certified
from ..inference.statistics import FitStatistics, fit_statistics
from ..inference.summarize import summarize
from ..inference.summary import Summary
from ..solvers import SOLVERS, SolveResult, SolverOptions, choose_solver, hessian_sample_step

SCHEDULES = ("auto", "constant", "invscaling")
FIRTH_SOLVERS = ("auto", "newton", "lbfgs", "gd")


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

    def _check_params(self) -> None:
        def positive_number(name: str, value: object, allow_none: bool) -> None:
            if value is None and allow_none:
                return
            if (
                isinstance(value, bool)
                or not isinstance(value, numbers.Real)
                or not np.isfinite(value)
                or value <= 0
            ):
                raise ValueError(f"{name} must be a positive number; got {value!r}")

        if (
            isinstance(self.alpha, bool)
            or not isinstance(self.alpha, numbers.Real)
            or not (np.isfinite(self.alpha) and self.alpha >= 0)
        ):
            raise ValueError(f"alpha must be a finite number >= 0; got {self.alpha!r}")
        if (
            isinstance(self.l1_ratio, bool)
            or not isinstance(self.l1_ratio, numbers.Real)
            or not (0.0 <= self.l1_ratio <= 1.0)
        ):
            raise ValueError(f"l1_ratio must be in [0, 1]; got {self.l1_ratio!r}")
        names = ("auto", *SOLVERS)
        if self.solver not in names:
            raise ValueError(
                f"solver must be one of {', '.join(map(repr, names))}; got {self.solver!r}"
            )
        if self.schedule not in SCHEDULES:
            raise ValueError(
                f"schedule must be one of {', '.join(map(repr, SCHEDULES))}; got {self.schedule!r}"
            )
        positive_number("tol", self.tol, allow_none=True)
        positive_number("learning_rate", self.learning_rate, allow_none=True)
        if not isinstance(self.firth, (bool, np.bool_)):
            raise ValueError(f"firth must be True or False; got {self.firth!r}")
        if self.firth and self.alpha != 0:
            raise ValueError(
                "firth=True penalises by Jeffreys' prior and takes no alpha; "
                f"got alpha={self.alpha}"
            )
        if self.firth and self.solver not in FIRTH_SOLVERS:
            raise ValueError(
                f"firth=True needs the whole data at every step: use solver "
                f"{', '.join(map(repr, FIRTH_SOLVERS))}, not {self.solver!r}"
            )
        for name in ("max_iter", "batch_size"):
            value = getattr(self, name)
            if value is None and name == "max_iter":
                continue
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
                raise ValueError(f"{name} must be a positive integer; got {value!r}")

    def fit(self, X: ArrayLike, y: ArrayLike, sample_weight: ArrayLike | None = None):
        """Fit the model: minimise J(w, b) over the data.

        X is an array, DataFrame (column names kept as ``feature_names_in_``) or sparse
        matrix of numbers; y holds any two labels; sample_weight are frequency weights.
        """
        self._check_params()
        objective = self._objective(X, y, sample_weight, reset=True)
        design, positive, weights = objective.design, objective.y, objective.sample_weight
        penalty = objective.penalty
        solver_name = self.solver
        if solver_name == "auto":
            solver_name = "newton" if self.firth else choose_solver(objective)
        solver = SOLVERS[solver_name]
        if not penalty.is_smooth and not solver.handles_l1:
            accepting = ", ".join(repr(name) for name, s in SOLVERS.items() if s.handles_l1)
            raise ValueError(
                f"solver={solver_name!r} cannot handle an L1 penalty (l1_ratio={self.l1_ratio}, "
                f"alpha={self.alpha}); use one of {accepting} or solver='auto'"
            )
        options = SolverOptions(
            tol=self.tol if self.tol is not None else solver.default_tol(design.dtype),
            max_iter=self.max_iter if self.max_iter is not None else solver.max_iter,
            learning_rate=self.learning_rate,
            schedule=self.schedule,
            batch_size=self.batch_size,
            random_state=check_random_state(self.random_state).randint(np.iinfo(np.int32).max),
            progress=_print_progress if self.verbose else None,
            allow_singular=self.solver == "auto",
            hessian_sample_step=(
                hessian_sample_step(objective)
                if self.solver == "auto" and solver_name == "newton"
                else None
            ),
        )
        coef0 = self._initial_coef(objective)
        try:
            result = solver.solve(objective, coef0, options)
        except SingularDesignError as error:
            raise ValueError(self._collinearity_message(error.columns, design.n_samples)) from None
        self.separation_ = None
        if (
            self.alpha == 0
            and objective.n_outputs == 1
            and (self.firth or not overlap_certified(objective, result.coef))
        ):
            self.separation_ = detect_separation(design, positive, weights, self._term_names())
            if self.separation_ is not None and not self.firth:
                warnings.warn(
                    f"{self.separation_}. The maximum likelihood estimate does not exist; "
                    "use firth=True for finite bias-reduced estimates, or a penalty (alpha > 0)",
                    SeparationWarning,
                    stacklevel=2,
                )
        self._store(result, solver_name, objective)
        self._store_statistics(
            fit_statistics(objective, result.coef), objective.n_params, objective.n_outputs
        )
        if result.singular_columns:
            warnings.warn(
                self._collinearity_message(result.singular_columns, design.n_samples, fitted=True),
                CollinearityWarning,
                stacklevel=2,
            )
        if not result.converged:
            warnings.warn(
                _convergence_message(solver_name, result, options), ConvergenceWarning, stacklevel=2
            )
        return self

    def _objective(
        self, X: ArrayLike, y: ArrayLike, sample_weight: ArrayLike | None, reset: bool
    ) -> Objective:
        """Validate the data and build the cost J this model minimises over it.

        ``reset`` (fit) learns ``classes_`` and the features; otherwise (a summary on the data)
        they must match the fitted ones.
        """
        if not reset:
            X = self._formula_input(X)
        check_numeric_columns(X)
        X, y = validate_data(
            self,
            X,
            y,
            reset=reset,
            accept_sparse=["csr", "csc"],
            dtype=[np.float64, np.float32],
            y_numeric=False,
        )
        check_classification_targets(y)
        if reset:
            self.classes_ = np.unique(y)
            check_labels(self.classes_)
            self._check_classes(y)
        else:
            unknown = np.setdiff1d(np.unique(y), self.classes_)
            if unknown.size:
                raise ValueError(
                    f"y has labels {unknown.tolist()} the model was not fitted on "
                    f"(its classes are {self.classes_.tolist()})"
                )
        weights = check_sample_weight(sample_weight, X.shape[0])
        if self.class_weight is not None:
            weights = weights * compute_sample_weight(self.class_weight, y)
        design = make_design(X, self.fit_intercept)
        datafit = self._datafit()
        mask = penalised_mask(design.n_params, datafit.n_outputs, self.fit_intercept)
        penalty = ElasticNet.with_mask(self.alpha, self.l1_ratio, mask)
        labels = np.searchsorted(self.classes_, y)
        return Objective(design, labels, weights, penalty, datafit, firth=bool(self.firth))

    def _datafit(self) -> Bernoulli | Multinomial:
        """Two classes: the Bernoulli datafit of y = classes_[1]; more: the softmax over all
        classes (penalised) or against the reference class (unpenalised)."""
        if len(self.classes_) == 2:
            return Bernoulli()
        return Multinomial(len(self.classes_), self._reference_index())

    def _check_classes(self, y: NDArray) -> None:
        """Refuse what the classes found rule out: Firth or an unknown reference with K ≥ 3;
        warn about a class with a single sample."""
        if (
            self.reference is not None
            and not np.isin(
                np.asarray([self.reference], dtype=object), self.classes_.astype(object)
            ).all()
        ):
            raise ValueError(
                f"reference={self.reference!r} is not one of the classes "
                f"{self.classes_.tolist()}: pass one of them, or None for the first"
            )
        if len(self.classes_) == 2:
            if self.reference is not None and self.reference != self.classes_[0]:
                raise ValueError(
                    f"with two classes the reference is classes_[0] = {self.classes_[0]!r} "
                    f"(the model is P(y = {self.classes_[1]!r})); got reference="
                    f"{self.reference!r}. Leave reference=None"
                )
            return
        if self.firth:
            raise ValueError(
                f"firth=True is for two classes; y has {len(self.classes_)}. Use a penalty "
                "(alpha > 0) for finite estimates with more classes"
            )
        labels, counts = np.unique(y, return_counts=True)
        single = labels[counts == 1]
        if single.size:
            listed = ", ".join(repr(plain_label(label)) for label in single)
            warnings.warn(
                f"class(es) {listed} have a single sample: the fit is still defined with a "
                "penalty (alpha > 0), but without one such a class is likely separated and its "
                "coefficients run off to infinity",
                SmallClassWarning,
                stacklevel=4,
            )

    def _reference_index(self) -> int | None:
        """The reference class's position in ``classes_`` for an unpenalised fit with K ≥ 3
        classes (the first by default), None for the symmetric (penalised) parameterisation."""
        if self.alpha != 0:
            return None
        if self.reference is None:
            return 0
        return int(np.flatnonzero(self.classes_.astype(object) == self.reference)[0])

    def _initial_coef(self, objective: Objective) -> NDArray:
        """The previous fit (warm start) when it has the same shape, else zero weights with the
        intercept-only optimum (:meth:`~logitkit.core.objective.Objective.start`)."""
        n_rows = objective.datafit.n_classes if objective.n_outputs > 1 else 1
        if (
            self.warm_start
            and hasattr(self, "coef_")
            and self.coef_.shape == (n_rows, objective.design.n_features)
        ):
            return flat_coefficients(
                self.coef_, self.intercept_, objective.datafit, self.fit_intercept
            )
        return objective.start()

    def _store(self, result: SolveResult, solver_name: str, objective: Objective) -> None:
        dtype = objective.design.dtype
        coef, intercept = class_coefficients(
            result.coef, objective.datafit, objective.design.n_params, self.fit_intercept
        )
        self.coef_, self.intercept_ = coef.astype(dtype), intercept.astype(dtype)
        self.n_iter_ = int(result.n_iter)
        self.converged_ = bool(result.converged)
        self.stop_reason_ = result.reason
        self.solver_ = solver_name
        self.history_ = pd.DataFrame(
            {"loss": result.loss, "grad_norm": result.grad_norm},
            index=pd.RangeIndex(len(result.loss), name="iteration"),
        )

    def _store_statistics(self, stats: FitStatistics, n_params: int, n_outputs: int = 1) -> None:
        """ℓ, deviance, AIC = −2ℓ + 2k, BIC = −2ℓ + k log n, degrees of freedom, I and M.

        k = ``n_params``, the length of θ: (K − 1)(p + 1) for an unpenalised fit with K ≥ 3
        classes; df_model leaves out the intercept of each of the ``n_outputs`` modelled classes.
        """
        self.loglik_ = stats.loglik
        self.null_loglik_ = stats.null_loglik
        self.deviance_ = -2.0 * stats.loglik
        self.null_deviance_ = -2.0 * stats.null_loglik
        self.n_obs_ = stats.n_obs
        self.df_model_ = n_params - n_outputs * int(self.fit_intercept)
        self.df_resid_ = stats.n_obs - n_params
        self.aic_ = self.deviance_ + 2.0 * n_params
        self.bic_ = self.deviance_ + n_params * np.log(stats.n_obs)
        self.information_ = stats.information
        self.score_outer_ = stats.score_outer

    def _params(self) -> NDArray:
        """θ̂ as one float64 vector, the intercept first when fitted; with K ≥ 3 classes the
        flat θ of :mod:`logitkit.core.layout` (class by class, the reference class left out)."""
        return flat_coefficients(self.coef_, self.intercept_, self._datafit(), self.fit_intercept)

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
        ci: "wald" or "profile" (profile-likelihood bounds, by root-finding).
        level: the confidence level of the intervals, in (0, 1).
        X, y, sample_weight: the fitted data, needed by "cluster" and "profile" only; a model
            from :func:`logitkit.logit` keeps its data and needs none of them.
        """
        check_is_fitted(self)
        formula_data = getattr(self, "_formula_data", None)
        if X is None and formula_data is not None:
            X, y, sample_weight = formula_data.X, formula_data.y, formula_data.sample_weight
            if groups is None:
                groups = formula_data.groups
        if (X is None) != (y is None):
            raise ValueError("pass both X and y to summary(), or neither")
        objective = None if X is None else self._objective(X, y, sample_weight, reset=False)
        if objective is not None and not np.isclose(objective.sample_weight.sum(), self.n_obs_):
            raise ValueError(
                f"summary() needs the data the model was fitted on: these have "
                f"n = {objective.sample_weight.sum():g} (weighted) observations, the fit had "
                f"{self.n_obs_:g}"
            )
        return summarize(
            self,
            objective,
            cov_type=cov_type,
            groups=groups,
            ci=ci,
            level=level,
            target=(
                formula_data.formula.split("~")[0].strip()
                if formula_data is not None
                else getattr(y, "name", None)
            ),
        )

    def _term_names(self) -> list[str]:
        features = (
            [str(name) for name in self.feature_names_in_]
            if hasattr(self, "feature_names_in_")
            else [f"x{j}" for j in range(self.n_features_in_)]
        )
        return (["Intercept"] if self.fit_intercept else []) + features

    def _collinearity_message(
        self, columns: tuple[int, ...], n_samples: int, fitted: bool = False
    ) -> str:
        names = self._term_names()
        if len(names) > n_samples:
            problem = (
                f"the design matrix is singular: {len(names)} coefficients (intercept included) "
                f"but only {n_samples} samples"
            )
        else:
            listed = ", ".join(repr(names[j]) for j in columns)
            problem = (
                f"the design matrix is singular: the columns {listed} are collinear (one is a "
                "linear combination of the others, or constant alongside the intercept)"
            )
        fix = "Drop a redundant column, or add a penalty (alpha > 0)."
        if fitted:
            return (
                f"{problem}. Their coefficients are not identified: the fit took minimum-norm "
                f"Newton steps, which leave the fitted probabilities unaffected. {fix}"
            )
        return f"{problem}, so the unpenalised fit is not unique. {fix}"

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the fitted model to ``path`` as versioned JSON (see docs/model-file.md)."""
        from ..io.model_file import save  # persistence imports this module

        save(self, path)

    def _formula_input(self, X: ArrayLike) -> ArrayLike:
        """A model from :func:`logitkit.logit` also takes the raw data: apply its formula."""
        if getattr(self, "_formula_data", None) is None or not isinstance(X, pd.DataFrame):
            return X
        if set(self.feature_names_in_) <= set(map(str, X.columns)):
            return X
        from .formula import transform_for_prediction  # formula imports this module

        return transform_for_prediction(self, X)

    def decision_function(self, X: ArrayLike) -> NDArray:
        """The logit z = wᵀx + b = log(ŷ / (1 − ŷ)) of each sample, as float64; with K ≥ 3
        classes the n × K logits z_k = b_k + w_kᵀx.

        z is computed in the dtype of X (float32 stays float32); the probabilities derived from
        it are then evaluated in float64, so ``predict_log_proba`` equals ``log(predict_proba)``.
        """
        check_is_fitted(self)
        X = self._formula_input(X)
        X = validate_data(
            self, X, accept_sparse=["csr", "csc"], dtype=[np.float64, np.float32], reset=False
        )
        z = np.asarray(
            X @ self.coef_.T.astype(X.dtype) + self.intercept_.astype(X.dtype), dtype=np.float64
        )
        return z.ravel() if z.shape[1] == 1 else z

    def predict_proba(self, X: ArrayLike) -> NDArray:
        """Columns P(y = classes_[0] | x) = σ(−z) and P(y = classes_[1] | x) = σ(z); with
        K ≥ 3 classes, softmax(z)_k (:meth:`~logitkit.core.datafits.Bernoulli.probabilities`)."""
        z = self.decision_function(X)
        return self._datafit().probabilities(z)

    def predict_log_proba(self, X: ArrayLike) -> NDArray:
        """Columns log σ(−z) and log σ(z), computed without taking the log of a probability;
        with K ≥ 3 classes, log softmax(z)_k = z_k − logsumexp(z)."""
        z = self.decision_function(X)
        return self._datafit().log_probabilities(z)

    def predict(self, X: ArrayLike) -> NDArray:
        """classes_[1] where ŷ > ½ (z > 0), else classes_[0]; with K ≥ 3 classes the most
        probable class, argmaxₖ z_k."""
        z = self.decision_function(X)
        return self.classes_[self._datafit().most_probable(z)]


def _print_progress(iteration: int, loss: float, grad_norm: float) -> None:
    print(f"iter {iteration:6d}  loss {loss:.10g}  grad_norm {grad_norm:.3e}", file=sys.stderr)


def _convergence_message(solver: str, result: SolveResult, options: SolverOptions) -> str:
    """Why the solver stopped, how far it was from tol, and what helps."""
    if SOLVERS[solver].stochastic:
        return (
            f"solver {solver!r} did not converge: {result.reason}. Standardise the features "
            "(e.g. sklearn's StandardScaler), raise max_iter (epochs), or use an exact solver "
            "('newton', 'lbfgs') for a precise optimum."
        )
    grad_norm = result.grad_norm[-1]
    return (
        f"solver {solver!r} did not converge: {result.reason}. After {result.n_iter} iterations "
        f"the largest gradient component is {grad_norm:.3g} (tol {options.tol:.3g}, "
        f"{grad_norm / options.tol:.3g}x too large). Standardise the features (e.g. sklearn's "
        "StandardScaler); add a penalty (alpha > 0) if the classes are (nearly) separable or "
        "columns (nearly) collinear; or raise max_iter."
    )
