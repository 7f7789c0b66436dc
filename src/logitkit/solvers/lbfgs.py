"""L-BFGS (SciPy's L-BFGS-B without bounds) on the smooth cost."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import minimize

from ..backends.base import single_blas_thread
from ._threads import blas_threads, threadpools
from .base import Problem, Recorder, SolveResult, SolverOptions, tol_reached

_RESOLUTION_FACTOR = 100.0


def solve_lbfgs(objective: Problem, coef0: NDArray, options: SolverOptions) -> SolveResult:
    """Limited-memory BFGS: quasi-Newton steps from the last 20 gradient differences.

    Stops when ‖∇J‖∞ ≤ tol (SciPy's ``gtol``), or when J stops decreasing in floating point.
    The second counts as converged when ‖∇J‖∞ ≤ 100·tol: J is then at the resolution of a
    float64, and its line search cannot tell the remaining decrease (≈ ‖∇J‖²/λ) from rounding.

    SciPy's own steps run on one BLAS thread: they are products of a few vectors of length
    n_params, and BLAS threads woken for them spin against the threads of a parallel
    evaluation of J that follows (a threefold slowdown on two cores). Evaluations of J run with
    the BLAS threads the caller had.
    """
    recorder = Recorder(options)
    evaluated: dict[str, tuple[NDArray, float, NDArray]] = {}
    controller = threadpools()
    caller_threads = blas_threads()

    def fun(theta: NDArray) -> tuple[float, NDArray]:
        with controller.limit(limits=caller_threads, user_api="blas"):
            f, grad = objective.smooth_value_and_gradient(theta)
        evaluated["last"] = (theta.copy(), f, grad)
        return f, grad

    def record(theta: NDArray) -> None:
        last_theta, f, grad = evaluated["last"]
        if not np.array_equal(last_theta, theta):
            f, grad = objective.smooth_value_and_gradient(theta)
        recorder.record(f, objective.optimality(theta, grad))

    theta0 = np.array(coef0, dtype=np.float64)
    fun(theta0)
    record(theta0)
    if recorder.grad_norm[-1] <= options.tol:
        return recorder.result(theta0, True, tol_reached(recorder.grad_norm[-1], options.tol))
    with single_blas_thread():
        result = minimize(
            fun,
            theta0,
            jac=True,
            method="L-BFGS-B",
            callback=lambda intermediate_result: record(intermediate_result.x),
            options={
                "maxiter": options.max_iter,
                "gtol": options.tol,
                "ftol": 0.0,
                "maxcor": 20,
                "maxls": 50,
            },
        )
    violation = recorder.grad_norm[-1]
    if violation <= options.tol:
        return recorder.result(result.x, True, tol_reached(violation, options.tol))
    if recorder.n_iterations >= options.max_iter:
        return recorder.result(result.x, False, f"reached max_iter={options.max_iter} iterations")
    at_resolution = violation <= _RESOLUTION_FACTOR * options.tol
    return recorder.result(
        result.x,
        at_resolution,
        f"L-BFGS could not decrease the cost further ({result.message}) with gradient norm "
        f"{violation:.3g}"
        + (
            f", within {_RESOLUTION_FACTOR:g}x of tol {options.tol:.3g}: the cost's float64 "
            "resolution is reached"
            if at_resolution
            else f" > tol {options.tol:.3g}"
        ),
    )
