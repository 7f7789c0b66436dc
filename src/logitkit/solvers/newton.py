"""Newton–Raphson (= IRLS for logistic regression) with a Cholesky solve and step halving."""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

import numpy as np
from numpy.typing import NDArray
from scipy.linalg import LinAlgError, cho_factor, cho_solve, eigh, lapack

from ..backends.base import one_blas_thread, single_blas_thread
from ..core.exceptions import SingularDesignError
from .base import DataProblem, Problem, Recorder, SolveResult, SolverOptions, flat_cost, tol_reached

_MAX_HALVINGS = 50
_RANK_TOL = 1e-12
_RESOLUTION = np.finfo(np.float64).eps
_REUSE_RATIO = 0.1
_MAX_PAIRS = 20

Direction = Callable[[NDArray, NDArray], NDArray]


_FULL_RANK_MARGIN = 100.0
"""How far above ``_RANK_TOL`` × the largest eigenvalue the smallest must be for
:func:`_clearly_full_rank`: far beyond the difference between two backward-stable eigenvalue
solvers' results (a few ε × the largest), so that the decomposition with eigenvectors would
find no eigenvalue below ``_RANK_TOL`` × the largest either."""


def _clearly_full_rank(scaled: NDArray) -> bool:
    """Whether the finite symmetric ``scaled`` has every eigenvalue above ``_FULL_RANK_MARGIN``
    × 1e-12 × its largest, from its eigenvalues alone: without eigenvectors the decomposition
    of a 31 × 31 matrix took 44 µs instead of 300 µs."""
    if not np.isfinite(scaled).all():
        return False
    values = np.linalg.eigvalsh(scaled)
    return bool(values[0] > _FULL_RANK_MARGIN * _RANK_TOL * values[-1])


def collinear_columns(hessian: NDArray) -> tuple[int, ...]:
    """Coefficients involved in an (almost) exact linear dependence, or () when there is none.

    The Hessian is scaled to unit diagonal, D^(−½) H D^(−½), so column scales do not matter;
    eigenvalues below 1e-12 × the largest signal rank deficiency, and the coefficients with
    large entries in any of their eigenvectors are the dependent columns. The eigenvectors are
    computed only when the eigenvalues alone (:func:`_clearly_full_rank`) do not settle that
    there is no dependence. The decomposition of a k × k matrix runs on one BLAS thread
    (:func:`~logitkit.backends.base.one_blas_thread`): its many small products gain nothing
    from threads, and right after a parallel pass over X (whose threads still spin) a
    101 × 101 one took 40–60 ms with two threads on two loaded cores, against about 1 ms alone.
    """
    diagonal = hessian.diagonal().copy()
    degenerate = np.flatnonzero(diagonal <= 0.0)
    if degenerate.size:
        return tuple(int(j) for j in degenerate)
    scale = 1.0 / np.sqrt(diagonal)
    scaled = hessian * scale[:, None] * scale[None, :]
    with one_blas_thread(len(diagonal)):
        if _clearly_full_rank(scaled):
            return ()
        values, vectors = np.linalg.eigh(scaled)
    null_space = np.abs(vectors[:, values <= _RANK_TOL * values[-1]])
    if null_space.shape[1] == 0:
        return ()
    involved = np.any(null_space > 1e-3 * null_space.max(axis=0), axis=1)
    return tuple(int(j) for j in np.flatnonzero(involved))


def cholesky_direction(hessian: NDArray, grad: NDArray) -> NDArray:
    """d = −H⁻¹∇J by Cholesky.

    When H is numerically singular (coefficients running off to infinity under separation,
    where ŷ(1 − ŷ) underflows), Levenberg damping H + λ·mean(diag H)·I is added, λ from 1e-12
    growing ×100 until the factorisation succeeds. H and ∇J are checked for infinities and
    NaNs once, before the factorisations; LAPACK's ``potrf`` and ``potrs`` are called
    directly, since SciPy's wrappers around them cost more than a small fit's solve.
    """
    if not (np.isfinite(hessian).all() and np.isfinite(grad).all()):
        raise ValueError("array must not contain infs or NaNs")
    rhs = np.asarray(grad, dtype=np.float64)
    step = _cholesky_solve(np.array(hessian, dtype=np.float64, order="F"), rhs)
    if step is not None:
        return -step
    diagonal = np.diag(hessian)
    mean_diagonal = float(np.mean(diagonal)) or 1.0
    damping = 1e-12
    while True:
        shifted = np.array(hessian, dtype=np.float64, order="F")
        shifted.flat[:: len(shifted) + 1] = diagonal + damping * mean_diagonal
        step = _cholesky_solve(shifted, rhs)
        if step is not None:
            return -step
        damping *= 100.0


def _cholesky_solve(matrix: NDArray, rhs: NDArray) -> NDArray | None:
    """matrix⁻¹ rhs by LAPACK's Cholesky factorisation, overwriting the Fortran-ordered
    ``matrix``; None when it is not (numerically) positive definite."""
    factor, info = lapack.dpotrf(matrix, lower=1, clean=0, overwrite_a=1)
    if info != 0:
        return None
    solution, _ = lapack.dpotrs(factor, rhs, lower=1)
    return np.asarray(solution)


def pseudo_inverse_direction(hessian: NDArray, grad: NDArray) -> NDArray:
    """d = −H⁺∇J, the minimum-norm Newton step of a rank-deficient H (in unit-diagonal scaling).

    Eigen-directions of D^(−½) H D^(−½) below 1e-12 × the largest eigenvalue are left out, so
    coefficients along a collinear direction keep their value.
    """
    diagonal = np.diag(hessian)
    scale = 1.0 / np.sqrt(np.where(diagonal > 0.0, diagonal, 1.0))
    values, vectors = eigh(hessian * scale[:, None] * scale[None, :])
    keep = values > _RANK_TOL * values[-1]
    projected = vectors[:, keep].T @ (scale * grad)
    return -scale * (vectors[:, keep] @ (projected / values[keep]))


def secant_corrected_solve(
    factor: tuple[NDArray, bool], pairs: list[tuple[NDArray, NDArray]], grad: NDArray
) -> NDArray:
    """B⁻¹∇J, B the BFGS update of H_S (given by its Cholesky factor) by the pairs (sⱼ, yⱼ),
    oldest first: sⱼ = θⱼ₊₁ − θⱼ and yⱼ = ∇J(θⱼ₊₁) − ∇J(θⱼ) ≈ H sⱼ.

    The two-loop recursion of L-BFGS (Nocedal and Wright, *Numerical Optimization*, Algorithm
    7.4) with H_S⁻¹ in place of its scaled identity: q ← ∇J; for the pairs newest first,
    aⱼ = sⱼᵀq / sⱼᵀyⱼ and q ← q − aⱼyⱼ; r ← H_S⁻¹q; for the pairs oldest first,
    r ← r + sⱼ(aⱼ − yⱼᵀr / sⱼᵀyⱼ). B then agrees with the true curvature along the newest
    step (B sⱼ = yⱼ), which H_S, from a sample of the rows, does only to about √(k/|S|).
    Without pairs it is H_S⁻¹∇J.
    """
    q = np.array(grad, dtype=np.float64)
    scales = []
    for s, y in reversed(pairs):
        a = float(s @ q) / float(s @ y)
        scales.append(a)
        q -= a * y
    r = cho_solve(factor, q)
    for (s, y), a in zip(pairs, reversed(scales), strict=True):
        r += s * (a - float(y @ r) / float(s @ y))
    return np.asarray(r)


LAST_STEP_MARGIN = 4.0
"""How far below tol the predicted gradient must be for a step to count as likely last."""


def likely_last(violation: float, previous: float, tol: float, quadratic: bool = False) -> bool:
    """Whether the next full step probably ends the iteration: ‖∇J‖∞ would fall from
    ``violation`` (gₖ) to a prediction below tol / ``LAST_STEP_MARGIN``, the prediction
    taken from the last step's fall from ``previous`` (gₖ₋₁).

    Linearly (sampled Newton, Newton–CG): at the last step's rate, gₖ₊₁ = gₖ · gₖ/gₖ₋₁.
    ``quadratic`` (Newton with the exact Hessian): gₖ₊₁ = C gₖ², the constant from the last
    step, C = gₖ/gₖ₋₁², so gₖ₊₁ = gₖ · (gₖ/gₖ₋₁)². On a 2,000 × 10 fit the gradients
    2.8e-4 and 8.0e-7 predict 6.7e-12 for the next (it was 6.6e-12); the linear rule predicted
    2.3e-9 and missed the last step. The margin covers a step that cuts less than the model
    says; a wrong guess costs only the heavier evaluation of that step, a missed one a pass
    of its own for the statistics."""
    if not 0.0 < previous < np.inf:
        return False
    rate = violation / previous
    predicted = violation * rate * rate if quadratic else violation * rate
    return predicted < tol / LAST_STEP_MARGIN


def newton_iterations(
    objective: Problem,
    coef0: NDArray,
    options: SolverOptions,
    direction: Direction,
    quadratic: Callable[[], bool] = lambda: False,
) -> SolveResult:
    """The damped Newton loop shared by ``newton`` and ``newton-cg``.

    θ ← θ + t d with d = direction(θ, ∇J) ≈ −H⁻¹∇J; the step length t starts at 1
    and is halved while the cost does not decrease enough: J(θ + t d) > J(θ) + 10⁻⁴ t ∇Jᵀd.
    The full step's cost and gradient come from one pass over the data, so an accepted full
    step costs one pass besides the Hessian.

    Besides ‖∇J‖∞ ≤ tol, it stops as converged when the Newton decrement λ²/2 = −∇Jᵀd/2, the
    decrease the step predicts, is below the floating-point resolution of J (ε |J|): a line
    search can then no longer tell costs apart, so the full step, exact to second order this
    close to the optimum, is taken without one, and the iteration ends. That step cannot change
    J in floating point, so it refines the last iteration instead of counting as one: its cost
    and gradient replace the last entry of the history (:meth:`Recorder.record_final_step`).
    Its evaluation is the problem's ``final_value_and_gradient``, which may bring the fit
    statistics' sums along; so is that of a full step predicted to be the last
    (:func:`likely_last`, by a quadratic rate while ``quadratic()`` says the directions come
    from the exact Hessian, by a linear one otherwise).
    """
    if not objective.penalty.is_smooth:
        raise ValueError("Newton solvers handle no L1 penalty")
    recorder = Recorder(options)
    theta = np.array(coef0, dtype=np.float64)
    f, grad = objective.smooth_value_and_gradient(theta)
    previous = np.inf
    for iteration in range(options.max_iter + 1):
        violation = objective.optimality(theta, grad)
        recorder.record(f, violation)
        if violation <= options.tol:
            return recorder.result(theta, True, tol_reached(violation, options.tol))
        if iteration == options.max_iter:
            break
        step_direction = direction(theta, grad)
        slope = float(grad @ step_direction)
        if not slope < 0.0:
            step_direction, slope = -grad, -float(grad @ grad)
        if -slope / 2 <= _RESOLUTION * abs(f):
            theta = theta + step_direction
            f, grad = objective.final_value_and_gradient(theta)
            violation = objective.optimality(theta, grad)
            recorder.record_final_step(f, violation)
            return recorder.result(
                theta,
                True,
                "the Newton decrement fell below the cost's floating-point resolution: took the "
                f"final full step; largest gradient component {violation:.3g}",
            )
        step = 1.0
        candidate = theta + step_direction
        evaluate = (
            objective.final_value_and_gradient
            if likely_last(violation, previous, options.tol, quadratic())
            else objective.smooth_value_and_gradient
        )
        previous = violation
        f_new, grad_full = evaluate(candidate)
        grad_kept: NDArray | None = grad_full
        for _ in range(_MAX_HALVINGS):
            if f_new <= f + 1e-4 * step * slope:
                break
            step *= 0.5
            candidate = theta + step * step_direction
            f_new, grad_kept = objective.smooth_value(candidate), None
        else:
            return flat_cost(recorder, theta, "step halving", violation, options.tol)
        theta = candidate
        f, grad = (
            (f_new, grad_kept)
            if grad_kept is not None
            else objective.smooth_value_and_gradient(theta)
        )
    return recorder.result(theta, False, f"reached max_iter={options.max_iter} iterations")


def solve_newton(objective: Problem, coef0: NDArray, options: SolverOptions) -> SolveResult:
    """Newton–Raphson with H = ∇²J = X̃ᵀWX̃/Σs + α(1 − ρ)I, W = diag(s ⊙ ŷ(1 − ŷ)).

    Each step is the weighted least-squares solve of IRLS, by Cholesky. An unpenalised fit on
    collinear columns has no unique coefficients: it raises :class:`SingularDesignError`, or,
    with ``options.allow_singular``, takes minimum-norm steps (:func:`pseudo_inverse_direction`)
    and reports the collinear columns in ``SolveResult.singular_columns``. The matrix it solves
    with is the objective's ``newton_hessian`` (∇²J, or its block diagonal for a large softmax
    model).

    With ``options.hessian_sample_step`` k, H is estimated from every k-th row,
    H_S = (1/|S|) Σ_{i∈S} (sᵢ/s̄) ŷᵢ(1 − ŷᵢ) x̃ᵢx̃ᵢᵀ + α(1 − ρ)I (a subsampled Newton method:
    Byrd, Chin, Neveitt and Nocedal 2011; Roosta-Khorasani and Mahoney 2019), while the cost and
    gradient stay exact, so the fit stops at the same tolerance. H_S costs 1/k of the full
    Hessian; the steps then converge linearly, at a rate of about the relative error of H_S,
    instead of quadratically; once the gradient shrinks tenfold a step, the differences of θ
    and ∇J between steps correct H_S by BFGS updates (:func:`secant_corrected_solve`), which
    on the benchmark's tall problems saves one step in eight. Over a design read by passes
    (a Dask array) each pass for the cost and gradient computes H_S at its θ in the same chunk
    tasks (:meth:`~logitkit.core.objective.Objective.hessian_sample`), so a step stays one
    pass. The full Hessian takes over for the remaining steps when H_S is singular (a rare
    column may be all zero in the sample) or when the gradient fails twice in a row to shrink
    by half. Its small BLAS products run on one thread (see :mod:`logitkit.solvers._threads`).
    """
    singular: list[tuple[int, ...]] = [()]
    sample = _HessianSample(options.hessian_sample_step)
    checked = [False]

    def direction(theta: NDArray, grad: NDArray) -> NDArray:
        if sample.step is not None:
            # A Hessian sample is asked for (by ``auto``) only of a cost over all the data.
            step = sample.direction(cast(DataProblem, objective), theta, grad)
            if step is not None:
                return step
        hessian = objective.newton_hessian(theta)
        if not checked[0] and objective.penalty.l2_strength == 0.0:
            checked[0] = True
            singular[0] = collinear_columns(hessian)
            if singular[0] and not options.allow_singular:
                raise SingularDesignError("the design matrix has collinear columns", singular[0])
        if singular[0]:
            return pseudo_inverse_direction(hessian, grad)
        return cholesky_direction(hessian, grad)

    def exact() -> bool:
        return sample.step is None

    if sample.step is None:
        result = newton_iterations(objective, coef0, options, direction, exact)
    else:
        with single_blas_thread():
            result = newton_iterations(objective, coef0, options, direction, exact)
    result.singular_columns = singular[0]
    return result


class _HessianSample:
    """Newton steps from H_S, the Hessian of every ``step``-th row, until it must give way.

    ``step`` becomes None, for good, when H_S of an unpenalised fit looks rank deficient at the
    first step (checked once, by :func:`collinear_columns`; a rare column may be all zero in the
    sample), when its Cholesky factorisation fails, or when the gradient has failed twice in a
    row to shrink by half.
    """

    def __init__(self, step: int | None) -> None:
        self.step = step
        self._stalled = 0
        self._last_violation = np.inf
        self._checked = False
        self._factor: tuple[NDArray, bool] | None = None
        self._previous: tuple[NDArray, NDArray] | None = None
        self._pairs: list[tuple[NDArray, NDArray]] = []

    def direction(self, objective: DataProblem, theta: NDArray, grad: NDArray) -> NDArray | None:
        """−B⁻¹∇J (:func:`secant_corrected_solve`), or None once the full Hessian has taken over.

        H_S is kept while it works well: after a step that cut the gradient at least
        ``_REUSE_RATIO``-fold, the next step reuses its factorisation, since near the optimum
        the Hessian barely changes; otherwise it is rebuilt at the current θ. Over a design
        read by passes it is always rebuilt: the pass that evaluated θ brought H_S at θ along.

        The steps of such a run, each of which cut the gradient tenfold, are where the Hessian
        changes little and H_S's error decides the rate: their pairs (sⱼ, yⱼ), the differences
        of θ and of ∇J the passes gave anyway, correct H_S by BFGS updates (at most
        ``_MAX_PAIRS`` of the latest; a pair with sⱼᵀyⱼ not positive is left out). A step that
        cut the gradient less starts a new run without pairs.
        """
        violation = float(np.max(np.abs(grad), initial=0.0))
        ratio = violation / self._last_violation
        self._stalled = self._stalled + 1 if ratio > 0.5 else 0
        self._last_violation = violation
        self._record_pair(theta, grad, ratio <= _REUSE_RATIO)
        if self._stalled >= 2:
            self.step = None
            return None
        if self._factor is not None and objective.design.holds_rows and ratio <= _REUSE_RATIO:
            return -secant_corrected_solve(self._factor, self._pairs, grad)
        hessian = objective.hessian(theta, rows=slice(0, None, self.step))
        if not self._checked and objective.penalty.l2_strength == 0.0:
            self._checked = True
            if collinear_columns(hessian):
                self.step = None
                return None
        try:
            self._factor = cho_factor(hessian, lower=True)
        except LinAlgError:
            self.step = None
            return None
        return -secant_corrected_solve(self._factor, self._pairs, grad)

    def _record_pair(self, theta: NDArray, grad: NDArray, in_run: bool) -> None:
        """Add (θ − θ_prev, ∇J − ∇J_prev) to the run's pairs, or start a new run."""
        if not in_run or self._previous is None:
            self._pairs.clear()
        else:
            s, y = theta - self._previous[0], grad - self._previous[1]
            if float(s @ y) > _RESOLUTION * float(np.linalg.norm(s) * np.linalg.norm(y)):
                self._pairs = [*self._pairs[1 - _MAX_PAIRS :], (s, y)]
        self._previous = (theta.copy(), np.array(grad, dtype=np.float64))
