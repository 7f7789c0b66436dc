"""One fit of LogisticRegression: where it starts, the solver it runs, the FitRecord it leaves.

:func:`start_from` gives θ₀ (a warm start or the intercept-only fit); :func:`solver_plan`
picks the solver ("auto": Newton for Firth, else :func:`~logitkit.solvers.choose_solver`) and
its options; :func:`find_separation` checks an unpenalised binary fit for separation;
:func:`make_record` evaluates ℓ, ℓ₀, I and M at θ̂ (:mod:`logitkit.inference.statistics`) and
freezes them with θ̂ in a :class:`~logitkit.core.record.FitRecord`.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import replace
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.utils import check_random_state

from ..backends.base import single_blas_thread
from ..backends.design import make_design
from ..core.aliasing import aliased_columns, clear_from_rows
from ..core.exceptions import CollinearityWarning, ConvergenceWarning, SeparationWarning
from ..core.layout import class_coefficients, flat_coefficients
from ..core.objective import Objective
from ..core.penalties import ElasticNet
from ..core.record import FitRecord, Separation
from ..core.restricted import Restricted
from ..inference.separation import certificate_rows, detect_separation, overlap_certified
from ..inference.statistics import FitStatistics, fit_statistics, matrices_kept
from ..solvers import SOLVERS, SolveResult, SolverOptions, choose_solver, hessian_sample_step
from .messages import (
    ProgressLine,
    aliased_message,
    collinearity_message,
    convergence_message,
)

__all__ = [
    "SMALL_FIT_ENTRIES",
    "UNCHECKED_SEPARATION",
    "blas_threads",
    "find_aliased",
    "find_separation",
    "make_record",
    "positive_gram",
    "reported_theta",
    "separation_checkable",
    "solve_estimable",
    "solver_plan",
    "start_from",
    "statistics_wants",
    "warn_about_fit",
]


HESSIAN_SOLVERS = ("newton", "newton-cg", "cd")
"""The solvers that ask for Hessians (over Dask data, each evaluation then brings one)."""

UNCHECKED_SEPARATION = (
    "separation was not ruled out: the one-pass overlap certificate, which proves from the "
    "fitted probabilities that the classes overlap, failed on this Dask data (some fitted "
    "probability is within about the gradient's size of 0 or 1), and the linear programs "
    "that find a separation need the rows in memory, so they did not run. If the data are "
    "separated, some estimates are not finite and their standard errors mean nothing: look "
    "for a very large coefficient or standard error, fit the data in memory to run the full "
    "check, or add a penalty (alpha > 0)"
)
"""What a fit on Dask data says when it could not check separation."""


def statistics_wants(objective: Objective, params: Mapping[str, Any]) -> tuple[str, ...]:
    """What the separation check and the fit statistics ask for at θ̂ over a design read by
    passes: the cost and gradient, the Hessian and the meat (when the statistics keep them)
    and, for an unpenalised binary fit without Firth's term, the overlap certificate's sums."""
    wants: tuple[str, ...] = ("value", "gradient")
    if matrices_kept(objective):
        wants += ("hessian", "score_outer")
    if params["alpha"] == 0 and objective.n_outputs == 1 and not params["firth"]:
        wants += ("overlap",)
    return wants


def prefetch_statistics(objective: Objective, coef: NDArray, params: Mapping[str, Any]) -> None:
    """Evaluate in one pass at θ̂ what the separation check and the fit statistics will ask for:
    over a design read by passes, :func:`statistics_wants` (nothing when the solver's last
    pass brought them, :meth:`~logitkit.core.objective.Objective.expect_statistics`); in
    memory, where the fused pass of :meth:`~logitkit.core.objective.Objective.fused_sums`
    applies, the Hessian and the meat with the cost, gradient and smallest residual weight
    (only what the last pass at θ̂, a Newton step's, lacks); otherwise nothing."""
    if objective.design.holds_rows:
        keeps = matrices_kept(objective)
        objective.fused_sums(coef, hessian=keeps, score_outer=keeps)
        return
    objective.evaluate(coef, statistics_wants(objective, params))


SMALL_FIT_ENTRIES = 2**20
"""A fit whose design has at most this many entries n·k runs its BLAS products on one thread."""


def blas_threads(objective: Objective) -> AbstractContextManager[object]:
    """One BLAS thread for a small fit (n·k ≤ ``SMALL_FIT_ENTRIES``) and for a fit whose passes
    over X run compiled on every core (:meth:`~logitkit.backends.design.Design.fuses`), the
    library's default otherwise.

    A product over at most 2²⁰ entries (8 MiB) takes well under a millisecond on one core;
    BLAS threads woken for it gain little even on an idle machine, and on a busy one each wait
    for a core costs a time slice: a 20,000 × 30 fit took 254 ms with two OpenBLAS threads on
    two loaded cores, 53 ms with one. Switching the limit on and off costs about 4 µs
    (:func:`~logitkit.backends.base.single_blas_thread`).

    Where the passes are compiled, BLAS is left the small products between them (k × k
    factorisations, the Gram matrix of a row sample), and OpenBLAS's threads, once woken, spin
    for about 0.1 s against the pass that follows: on two idle cores a fused pass over
    10⁶ × 100 took 70–100 ms after a threaded 101 × 101 product against 40 ms without. The
    large products such a fit still makes split their rows over threads of their own.
    """
    design = objective.design
    if design.n_samples * design.n_params > SMALL_FIT_ENTRIES and not design.fuses(
        objective.datafit
    ):
        return nullcontext()
    return single_blas_thread()


def solver_plan(objective: Objective, params: Mapping[str, Any]) -> tuple[str, SolverOptions]:
    """The solver to run on ``objective`` and its options, from the estimator's ``params``.

    None for ``tol`` or ``max_iter`` takes the solver's default; a solver that cannot take
    the penalty's L1 part is refused, naming those that can.
    """
    name = params["solver"]
    if name == "auto":
        name = "newton" if params["firth"] else choose_solver(objective)
    solver = SOLVERS[name]
    if not objective.penalty.is_smooth and not solver.handles_l1:
        accepting = ", ".join(repr(other) for other, s in SOLVERS.items() if s.handles_l1)
        raise ValueError(
            f"solver={name!r} cannot handle an L1 penalty (l1_ratio={params['l1_ratio']}, "
            f"alpha={params['alpha']}); use one of {accepting} or solver='auto'"
        )
    automatic = params["solver"] == "auto"
    tol, max_iter = params["tol"], params["max_iter"]
    options = SolverOptions(
        tol=tol if tol is not None else solver.default_tol(objective.design.dtype),
        max_iter=max_iter if max_iter is not None else solver.max_iter,
        learning_rate=params["learning_rate"],
        schedule=params["schedule"],
        batch_size=params["batch_size"],
        random_state=check_random_state(params["random_state"]).randint(np.iinfo(np.int32).max),
        progress=ProgressLine() if params["verbose"] else None,
        allow_singular=automatic,
        hessian_sample_step=(
            hessian_sample_step(objective) if automatic and name == "newton" else None
        ),
    )
    return name, options


def start_from(objective: Objective, coef: NDArray | None, intercept: NDArray | None) -> NDArray:
    """θ to start from: a previous fit's ``coef_`` and ``intercept_`` (a warm start) when they
    have the shape of this fit's, else the intercept-only fit
    (:meth:`~logitkit.core.objective.Objective.start`). None for ``coef`` (no previous fit)
    always takes the latter."""
    n_rows = objective.datafit.n_classes if objective.n_outputs > 1 else 1
    if coef is None or intercept is None or coef.shape != (n_rows, objective.design.n_features):
        return objective.start()
    return flat_coefficients(coef, intercept, objective.datafit, objective.design.fit_intercept)


def positive_gram(objective: Objective, params: Mapping[str, Any]) -> NDArray | None:
    """G_S = X̃_SᵀX̃_S over the overlap certificate's rows S (:func:`certificate_rows`: every
    row of positive weight, without a gather when that is every row, or a sample of about
    20,000 of them), for an unpenalised binary fit; over a design read by passes (Dask), the
    sample of them or all of them that its first pass brought. None for penalised or K ≥ 3
    fits. The aliasing check (:func:`find_aliased`) reads it, and in memory the overlap
    certificate (:func:`find_separation`) too; over passes the certificate reads the Hessian."""
    if params["alpha"] != 0 or objective.n_outputs > 1:
        return None
    if not objective.design.holds_rows:
        sample = objective.positive_weight_sample()
        return objective.positive_weight_gram() if sample is None else sample[0]
    return objective.design.gram_rows(certificate_rows(objective.sample_weight))


def find_aliased(objective: Objective, gram: NDArray | None) -> list[int]:
    """The aliased coefficients of an unpenalised binary fit (:mod:`logitkit.core.aliasing`);
    none for penalised or K ≥ 3 fits (``gram`` is None), whose penalty or parameterisation
    decides. A CollinearityWarning names them.

    ``gram`` is :func:`positive_gram`'s. When it covers a sample of the rows of positive weight,
    the columns' squared norms over all of them (one pass) bound every column's residual from
    below (:func:`~logitkit.core.aliasing.clear_from_rows`); only when the bound does not clear
    the tolerance is G formed over all of them, O(np²) against the sample's O(20,000 p²).
    Over a design read by passes, the sample and the norms came with its first pass, and G
    over all the rows takes a pass of its own."""
    if gram is None:
        return []
    if not objective.design.holds_rows:
        found = objective.positive_weight_sample()
        if found is None:
            return aliased_columns(gram)
        if clear_from_rows(*found):
            return []
        return aliased_columns(objective.positive_weight_gram())
    weights = objective.sample_weight
    sample = certificate_rows(weights)
    if sample is not None:
        n_kept = int(np.count_nonzero(weights > 0))
        if sample.size < n_kept:
            every = n_kept == weights.size
            positive = np.broadcast_to(1.0, weights.shape) if every else (weights > 0) * 1.0
            if clear_from_rows(gram, objective.design.weighted_column_sq_norms(positive)):
                return []
            return aliased_columns(objective.positive_weight_gram())
    return aliased_columns(gram)


def solve_estimable(
    objective: Objective, solver: str, start: NDArray, options: SolverOptions, aliased: list[int]
) -> SolveResult:
    """Run ``solver`` from ``start``; with aliased coefficients, on the estimable ones only
    (the aliased held at 0, as R's ``glm`` leaves them NA), θ returned in full. The problem
    on the estimable coefficients has no Hessian over a sample of rows: Newton takes the full
    one there."""
    if aliased:
        options = replace(options, hessian_sample_step=None)
    if solver in HESSIAN_SOLVERS:
        objective.expect_hessians(
            every_step=solver == "newton" and options.hessian_sample_step is None,
            sample_step=options.hessian_sample_step,
        )
    if not aliased:
        return SOLVERS[solver].solve(objective, start, options)
    keep = np.setdiff1d(np.arange(objective.n_params), aliased)
    if not SOLVERS[solver].stochastic:
        problem = Restricted(objective, keep, np.zeros(objective.n_params))
        result = SOLVERS[solver].solve(problem, start[keep], options)
        return replace(result, coef=problem.expand(result.coef))
    # The stochastic solvers sample rows of a design: give them one without the aliased columns.
    design = objective.design
    if not design.holds_rows:
        raise ValueError(
            f"solver={solver!r} steps through the rows of X, and columns of this Dask X are "
            "aliased (linear combinations of others): drop them, or use a full-batch solver "
            "('auto', 'newton', 'lbfgs')"
        )
    features = keep[keep > 0] if design.fit_intercept else keep
    penalty = objective.penalty
    reduced = Objective(
        make_design(design.submatrix(columns=features), design.fit_intercept),
        objective.y,
        objective.sample_weight,
        ElasticNet.with_mask(penalty.alpha, penalty.l1_ratio, penalty.penalised[keep]),
        objective.datafit,
        firth=objective.firth is not None,
    )
    result = SOLVERS[solver].solve(reduced, start[keep], options)
    coef = np.zeros(objective.n_params)
    coef[keep] = result.coef
    # The run's state is over the reduced design: partial_fit cannot continue it.
    return replace(result, coef=coef, state=None)


def separation_checkable(
    objective: Objective, coef: NDArray, params: Mapping[str, Any], aliased: Sequence[int] = ()
) -> bool:
    """Whether :func:`find_separation` can decide on these data: always in memory; over Dask
    data only when the one-pass overlap certificate holds on the columns that are not
    ``aliased`` (or no check is due)."""
    if objective.design.holds_rows or params["alpha"] != 0 or objective.n_outputs > 1:
        return True
    return not params["firth"] and overlap_certified(objective, coef, aliased=aliased)


def find_separation(
    objective: Objective,
    coef: NDArray,
    params: Mapping[str, Any],
    names: Sequence[str],
    gram: NDArray | None = None,
    aliased: Sequence[int] = (),
) -> Separation | None:
    """The separation of an unpenalised binary fit's data, None when there is none (or the fit
    is penalised or has K ≥ 3 classes); a SeparationWarning unless ``firth`` (whose estimates
    stay finite). A fit whose probabilities certify overlap skips the linear programs; ``gram``
    (:func:`positive_gram`), when given, spares the certificate its own Gram matrix; over
    Dask data the certificate is made on the columns that are not ``aliased``."""
    if params["alpha"] != 0 or objective.n_outputs > 1:
        return None
    if not params["firth"] and overlap_certified(objective, coef, gram, aliased):
        return None
    design = objective.design
    if not design.holds_rows:
        warnings.warn(UNCHECKED_SEPARATION, SeparationWarning, stacklevel=3)
        return None
    separation = detect_separation(design, objective.y, objective.sample_weight, list(names))
    if separation is not None and not params["firth"]:
        warnings.warn(
            f"{separation}. The maximum likelihood estimate does not exist; "
            "use firth=True for finite bias-reduced estimates, or a penalty (alpha > 0)",
            SeparationWarning,
            stacklevel=3,
        )
    return separation


def make_record(
    objective: Objective,
    result: SolveResult,
    *,
    solver: str,
    params: Mapping[str, Any],
    classes: NDArray,
    feature_names: Sequence[str] | None,
    separation: Separation | None,
    aliased: Sequence[str] = (),
    separation_checked: bool = True,
    stats: FitStatistics | None = None,
) -> FitRecord:
    """The FitRecord of the solution ``result`` of ``objective``.

    θ is read back from the coefficients in the dtype of X (float32 stays float32), as
    ``coef_`` and ``intercept_`` hold them; ℓ, ℓ₀, n, I and M are evaluated at the solution,
    unless ``stats`` gives them (``partial_fit``'s, over the data of its last call).
    ``separation_checked`` False says that the separation check could not run to the end.
    """
    design, datafit = objective.design, objective.datafit
    theta = reported_theta(objective, result.coef)
    if stats is None:
        stats = fit_statistics(objective, result.coef)
    return FitRecord(
        theta=theta,
        feature_names=None if feature_names is None else tuple(feature_names),
        classes=classes,
        reference=datafit.reference,
        fit_intercept=params["fit_intercept"],
        alpha=params["alpha"],
        l1_ratio=params["l1_ratio"],
        firth=params["firth"],
        loglik=stats.loglik,
        null_loglik=stats.null_loglik,
        n_obs=stats.n_obs,
        information=stats.information,
        score_outer=stats.score_outer,
        separation=separation,
        loss=np.asarray(result.loss),
        grad_norm=np.asarray(result.grad_norm),
        solver=solver,
        converged=result.converged,
        n_iter=result.n_iter,
        stop_reason=result.reason,
        dtype=design.dtype,
        aliased=tuple(aliased),
        separation_checked=separation_checked,
    )


def reported_theta(objective: Objective, coef: NDArray) -> NDArray:
    """θ as ``coef_`` and ``intercept_`` report it, read back in float64: in the dtype of X
    (float32 stays float32), the softmax's symmetric intercepts centred
    (:func:`~logitkit.core.layout.class_coefficients`). One output is θ itself in that dtype:
    no detour through the class-by-class layout."""
    design, datafit = objective.design, objective.datafit
    if datafit.n_outputs == 1:
        return np.asarray(coef, dtype=np.float64).astype(design.dtype).astype(np.float64)
    weights, intercept = (
        a.astype(design.dtype)
        for a in class_coefficients(coef, datafit, design.n_params, design.fit_intercept)
    )
    return flat_coefficients(weights, intercept, datafit, design.fit_intercept)


def warn_about_fit(
    result: SolveResult,
    solver: str,
    options: SolverOptions,
    names: Sequence[str],
    n_samples: int,
    aliased: Sequence[int] = (),
) -> None:
    """A CollinearityWarning when the fit met aliased or singular columns, a
    ConvergenceWarning when the solver stopped short of its tolerance."""
    if aliased:
        warnings.warn(aliased_message(names, aliased, n_samples), CollinearityWarning, stacklevel=3)
    if result.singular_columns:
        warnings.warn(
            collinearity_message(names, result.singular_columns, n_samples, fitted=True),
            CollinearityWarning,
            stacklevel=3,
        )
    if not result.converged:
        warnings.warn(
            convergence_message(solver, result, options), ConvergenceWarning, stacklevel=3
        )
