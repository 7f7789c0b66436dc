"""``partial_fit``: the stochastic solvers ("sgd", "minibatch") over data that arrive in chunks.

Each call runs one epoch of the stochastic run that ``fit`` runs
(:class:`~logitkit.solvers.stochastic.StochasticRun`) over the chunk it is given, and appends one
row to ``history_``: J and its KKT violation at the averaged iterate, over that chunk. The run
lives on the estimator between calls (after ``fit`` with a stochastic solver too, so that
``partial_fit`` goes on where ``fit`` stopped). A chunk is NumPy or SciPy sparse X (one block),
or a Dask array or DataFrame, whose row blocks are read one at a time
(:mod:`logitkit.models.dask_chunks`).

scikit-learn's conventions: ``classes`` is required on the first call and must agree with the
first call's on later ones; labels outside it, another number of features (or other feature
names) are refused; ``partial_fit`` exists only for the stochastic solvers
(``hasattr(model, "partial_fit")`` is False otherwise, and the AttributeError says why);
``class_weight="balanced"``, which needs all of y, is refused.

What equals what: E calls on all the data equal ``fit`` with ``max_iter=E`` and the same
``random_state``, bit for bit (coefficients, history and statistics), since both draw the same
permutations from the same generator and take the same steps. With the data in several chunks
the run differs from ``fit``'s only in the order of the rows: ``fit`` shuffles all n rows each
epoch, a stream shuffles within each block (and the blocks of one call among themselves), and
each call is an epoch of the schedule and of the averaging.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import unique_labels

from ..core.exceptions import ConvergenceWarning
from ..core.layout import flat_coefficients
from ..core.objective import Objective
from ..core.validation import check_missing_labels
from ..inference.statistics import FitStatistics, fitted_loglik
from ..solvers import SOLVERS, SolverOptions
from ..solvers.stochastic import InMemoryChunk, StochasticRun
from .blocks import BlockSpec
from .fitting import blas_threads, make_record
from .input_checks import (
    check_classes,
    check_feature_names,
    check_magnitudes,
    validated_arrays,
)
from .messages import ProgressLine
from .params import check_params, reference_index

__all__ = ["STREAM_SOLVERS", "partial_fit", "stream_solver"]

STREAM_SOLVERS = tuple(name for name, solver in SOLVERS.items() if solver.stochastic)


def stream_solver(estimator: BaseEstimator) -> bool:
    """True for a stochastic solver; else an AttributeError saying why there is no
    ``partial_fit`` (scikit-learn's ``available_if`` convention, as MLPClassifier's)."""
    solver = estimator.get_params()["solver"]
    if solver in STREAM_SOLVERS:
        return True
    names = " and ".join(map(repr, STREAM_SOLVERS))
    raise AttributeError(
        f"partial_fit is only for the stochastic solvers {names}; solver={solver!r} needs all "
        "the data at once: use fit, or LogisticRegression(solver='sgd' or 'minibatch')"
    )


class _MemoryChunk(InMemoryChunk):
    """A NumPy or sparse chunk, with what the record reads over it."""

    def __init__(self, objective: Objective) -> None:
        super().__init__(objective)
        self.template = objective

    def start(self) -> NDArray:
        return self.template.start()

    def statistics(self, coef: NDArray) -> FitStatistics:
        """ℓ (:func:`~logitkit.inference.statistics.fitted_loglik`, as ``fit`` has it), ℓ₀ and
        n over the chunk (no information matrix: a summary asks for the data)."""
        total = float(self.template.sample_weight.sum())
        loglik = fitted_loglik(self.template, coef)
        return FitStatistics(loglik, self.template.null_loglik(), total, None, None)


def partial_fit(
    estimator: BaseEstimator,
    X: Any,
    y: Any,
    classes: ArrayLike | None,
    sample_weight: Any,
) -> None:
    """One epoch of the estimator's stochastic run over the chunk (X, y, sample_weight); see
    the module docstring. Leaves the run as ``estimator._stream`` and the record of its
    averaged iterate, with the statistics of this chunk."""
    params = estimator.get_params()
    check_params(params)
    if isinstance(params["class_weight"], str):
        raise ValueError(
            "class_weight='balanced' needs all of y, which partial_fit never sees: pass a dict "
            "of class weights (e.g. from sklearn.utils.class_weight.compute_class_weight on the "
            "whole y)"
        )
    first = not hasattr(estimator, "classes_")
    class_labels = _classes(estimator, classes, first)
    spec = _spec(params, class_labels)
    if _is_dask(X):
        from .dask_chunks import dask_chunk

        chunk: Any = dask_chunk(estimator, X, y, sample_weight, spec, first)
    else:
        chunk = _MemoryChunk(_memory_objective(estimator, X, y, sample_weight, spec, first))
    run = getattr(estimator, "_stream", None)
    tol, progress = _tol(params, chunk.template), ProgressLine() if params["verbose"] else None
    with blas_threads(chunk.template):  # as fit's, so that the same data give the same sums
        if run is None:
            run = _start(estimator, params, chunk, progress)
        run.epoch(chunk)
        run.evaluate(chunk, progress)
        _finish(estimator, params, spec, chunk, run, tol)


def _classes(estimator: BaseEstimator, classes: ArrayLike | None, first: bool) -> NDArray:
    """The classes: learnt from ``classes`` on the first call, checked against it later."""
    if classes is None:
        if first:
            raise ValueError(
                "classes must be passed on the first call to partial_fit: every label the "
                "stream can hold, e.g. classes=np.unique(y) of the whole data"
            )
        return np.asarray(estimator.classes_)
    check_missing_labels(np.asarray(classes))
    given = unique_labels(classes)
    if first:
        if len(given) < 2:
            raise ValueError(
                f"classes must hold at least two labels; got {given.tolist()}: logistic "
                "regression needs samples of two classes or more"
            )
        return given
    if not np.array_equal(given, estimator.classes_):
        raise ValueError(
            f"classes={given.tolist()} is not the same as on the first call to partial_fit, "
            f"{estimator.classes_.tolist()}"
        )
    return given


def _spec(params: Mapping[str, Any], classes: NDArray) -> BlockSpec:
    # The reference and Firth checks; no chunk's counts can tell a class of a single sample.
    check_classes(params, classes, classes, counts=np.full(len(classes), 2))
    weights = params["class_weight"]
    return BlockSpec(
        classes=classes,
        class_weights=(
            None
            if weights is None
            else compute_class_weight(weights, classes=classes, y=classes).astype(np.float64)
        ),
        fit_intercept=bool(params["fit_intercept"]),
        alpha=float(params["alpha"]),
        l1_ratio=float(params["l1_ratio"]),
        reference=reference_index(classes, params["alpha"], params["reference"]),
    )


def _is_dask(X: object) -> bool:
    """Whether X is a Dask collection (told by its type's module: Dask is not imported)."""
    return type(X).__module__.split(".")[0] == "dask"


def _memory_objective(
    estimator: BaseEstimator,
    X: ArrayLike,
    y: ArrayLike,
    sample_weight: ArrayLike | None,
    spec: BlockSpec,
    first: bool,
) -> Objective:
    """J over a chunk in memory, validated as ``fit`` validates its data."""
    X_valid, y_valid = validated_arrays(estimator, X, y, reset=first)
    if first:
        check_feature_names(getattr(estimator, "feature_names_in_", None), spec.fit_intercept)
    labels = spec.labels(y_valid)
    objective = spec.objective(X_valid, labels, spec.weights(labels, sample_weight))
    check_magnitudes(objective.design, getattr(estimator, "feature_names_in_", None))
    return objective


def _tol(params: Mapping[str, Any], template: Objective) -> float:
    tol = params["tol"]
    return tol if tol is not None else SOLVERS[params["solver"]].default_tol(template.design.dtype)


def _start(
    estimator: BaseEstimator, params: Mapping[str, Any], chunk: Any, progress: Any
) -> StochasticRun:
    """A new run: from the fitted coefficients when there are some (a model fitted without a
    run to go on), else from the intercept-only fit of the first chunk; its settings and
    generator derived from the parameters as ``fit`` derives them."""
    template: Objective = chunk.template
    coef = getattr(estimator, "coef_", None)
    n_rows = template.datafit.n_classes if template.n_outputs > 1 else 1
    if coef is not None and coef.shape == (n_rows, template.design.n_features):
        coef0 = flat_coefficients(
            coef, estimator.intercept_, template.datafit, template.design.fit_intercept
        )
    else:
        coef0 = chunk.start()
    stochastic = params["solver"] == "sgd"
    options = SolverOptions(
        tol=1.0,
        max_iter=1,
        learning_rate=params["learning_rate"],
        schedule=params["schedule"],
        batch_size=params["batch_size"],
        random_state=check_random_state(params["random_state"]).randint(np.iinfo(np.int32).max),
        progress=progress,
    )
    return StochasticRun.start(chunk, coef0, options, 1 if stochastic else params["batch_size"])


def _finish(
    estimator: BaseEstimator,
    params: Mapping[str, Any],
    spec: BlockSpec,
    chunk: Any,
    run: StochasticRun,
    tol: float,
) -> None:
    """Keep the run and the record of its averaged iterate; warn when its steps are too
    large (the cost rose above its start)."""
    window = SolverOptions.n_iter_no_change
    verdict = run.verdict(tol, window)
    if verdict is None:
        verdict = (
            False,
            f"partial_fit has run {run.epochs} epochs; the cost changed by "
            f"{run.decrease(window):.3g} (relative) over the last {window}, tol {tol:.3g}",
        )
    elif not verdict[0]:
        warnings.warn(verdict[1], ConvergenceWarning, stacklevel=3)
    result = run.result(*verdict)
    record = make_record(
        chunk.template,
        result,
        solver=params["solver"],
        params=params,
        classes=spec.classes,
        feature_names=getattr(estimator, "feature_names_in_", None),
        separation=None,
        stats=chunk.statistics(result.coef),
    )
    estimator._set_record(record)
    estimator._stream = run
