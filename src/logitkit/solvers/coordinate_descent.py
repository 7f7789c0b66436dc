"""Proximal Newton with coordinate descent on working sets (``cd``), the solver for L1 penalties.

J(θ) = f(θ) + λ‖w‖₁ with f the smooth part (data term and ridge) and λ = αρ. Each outer
iteration, at θ with gradient g = ∇f(θ):

1. **Optimality.** The KKT violation of every coefficient (|gⱼ + λ sign wⱼ| where wⱼ ≠ 0,
   max(|gⱼ| − λ, 0) where wⱼ = 0, |gⱼ| if unpenalised); stop when the largest is ≤ tol.
2. **Working set.** W = the unpenalised coefficients (the intercept), the nonzero weights, and
   the largest violators among the zero weights, at most max(10, #nonzero) of them: W grows
   with the support, at most doubling it per iteration, as in skglm's working sets
   (Bertrand et al. 2022, "Beyond L1: faster and better sparse models with skglm").
3. **Model.** H_WW = [∇²f(θ)]_WW = X̃_Wᵀ diag(d) X̃_W + α(1 − ρ)I with dᵢ = sᵢ ŷᵢ(1 − ŷᵢ)/Σs,
   read from the columns in W only; the model q(u) = g_Wᵀδ + ½ δᵀH_WWδ + λ‖u‖₁, δ = u − θ_W,
   is minimised by coordinate descent in Gram form (:mod:`._cd_kernels`, O(|W|²) per sweep),
   to a KKT violation of at most max(min(10⁻², v)·v, tol/10) where v is the outer violation,
   so the steps become Newton steps as v shrinks. Exact zeros come from soft-thresholding.
   Without an L1 part (λ = 0) W holds every coefficient and δ = −H⁻¹g by Cholesky: Newton's
   method.
   **Reuse.** Forming H_WW costs about |W|/2 passes over the columns in W, against one pass
   over X for the gradient, so the Hessian stays at the θ where it was last taken while it
   works: if the last step cut the largest KKT violation within the last W at least tenfold,
   H keeps its weights d and only the rows and columns of coefficients new to W are computed
   (O(n·|new|·|W|)). Otherwise, or when |W|² ≤ 4·#coefficients (H_WW then costs less than a
   pass over X), H is taken afresh at θ. A lagged Hessian keeps the method a descent method
   (the line search below) and its fixed point exact (the gradient is always current); only
   the rate changes, from quadratic to a tenfold cut or better per iteration.
4. **Line search** on the true J along δ (newGLMNET, Yuan, Ho and Lin 2012; Tseng and Yun
   2009): the step t starts at 1 and is halved until J(θ + tδ) ≤ J(θ) + 10⁻⁴ t Δ with
   Δ = g_Wᵀδ + λ(‖u‖₁ − ‖θ_W‖₁) < 0, the decrease the model predicts. Each trial evaluates
   J and ∇f together (one fused pass over a large dense X), so the accepted point's gradient
   for the next iteration comes with it.

When −Δ ≤ ε|J| (ε the float64 machine epsilon) a line search can no longer tell costs apart:
the full step is taken and the solver stops, as ``newton`` does; the step refines the last
iteration's entry of the history instead of adding one.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from .base import Problem, Recorder, SolveResult, SolverOptions, flat_cost, tol_reached
from .newton import cholesky_direction

_MAX_HALVINGS = 50
_MAX_SWEEPS = 1000
_MIN_WORKING_SET = 10
_RESOLUTION = np.finfo(np.float64).eps
_CONTRACTION = 0.1
_CHEAP_HESSIAN = 4


def working_set(theta: NDArray, violations: NDArray, penalised: NDArray) -> NDArray:
    """Positions of the unpenalised and nonzero coefficients, and the largest violators.

    Among the zero weights with a positive KKT violation, the max(10, #nonzero weights) largest
    violations join; the positions are returned in increasing order.
    """
    kept = ~penalised | (theta != 0.0)
    size = max(_MIN_WORKING_SET, int(np.count_nonzero(penalised & kept)))
    candidates = np.flatnonzero(~kept & (violations > 0.0))
    if candidates.size > size:
        candidates = candidates[np.argpartition(violations[candidates], -size)[-size:]]
    return np.sort(np.concatenate((np.flatnonzero(kept), candidates)))


def _l1_value(coef: NDArray, penalised: NDArray, l1: float) -> float:
    """λ‖w‖₁ over the penalised positions."""
    return l1 * float(np.abs(coef[penalised]).sum()) if l1 else 0.0


def _model_minimiser(
    hessian: NDArray, grad: NDArray, start: NDArray, penalised: NDArray, l1: float, tol: float
) -> NDArray:
    """argmin of the model q over the working set: coordinate descent, or Cholesky when λ = 0."""
    if l1 == 0.0:
        return start + cholesky_direction(hessian, grad)
    from ._cd_kernels import quadratic_cd

    target, _, _ = quadratic_cd(hessian, grad, start, penalised, l1, tol, _MAX_SWEEPS)
    return target


class WorkingSetHessian:
    """H_WW for the working sets of one solve, keeping what it has computed.

    H is taken at a reference point θ_ref, through its curvature weights d_ref (see
    :meth:`~logitkit.core.objective.Objective.hessian_weights`). A new working set keeps the rows
    and columns it shares with the last one and computes only those of its new coefficients, at
    O(n·|new|·|W|) instead of O(n|W|²); :meth:`refresh` moves θ_ref to the current θ.
    """

    def __init__(self, objective: Problem, theta: NDArray) -> None:
        self.objective = objective
        self.refresh(theta)

    def refresh(self, theta: NDArray) -> None:
        """Take the Hessian at θ from now on, with none of its rows known yet."""
        self.weights = self.objective.hessian_weights(theta)
        self.index = np.empty(0, dtype=np.intp)
        self.matrix = np.empty((0, 0))

    def block(self, ws: NDArray) -> NDArray:
        """H_WW at θ_ref for the sorted positions W = ``ws``."""
        known = np.isin(ws, self.index)
        fresh = ~known
        matrix = np.empty((ws.size, ws.size))
        at = np.searchsorted(self.index, ws[known])
        matrix[np.ix_(known, known)] = self.matrix[np.ix_(at, at)]
        if fresh.any():
            matrix[np.ix_(fresh, fresh)] = self.objective.hessian_block(self.weights, ws[fresh])
            if known.any():
                cross = self.objective.hessian_block(self.weights, ws[fresh], ws[known])
                matrix[np.ix_(fresh, known)] = cross
                matrix[np.ix_(known, fresh)] = cross.T
        self.index, self.matrix = ws, matrix
        return matrix


def solve_cd(objective: Problem, coef0: NDArray, options: SolverOptions) -> SolveResult:
    """Proximal Newton on working sets with a coordinate-descent inner loop (module docstring)."""
    penalty = objective.penalty
    l1 = penalty.l1_strength
    penalised = np.asarray(penalty.penalised, dtype=bool)
    everything = np.arange(objective.n_params)
    recorder = Recorder(options)
    hessian: WorkingSetHessian | None = None
    theta = np.array(coef0, dtype=np.float64)
    f, grad = objective.smooth_value_and_gradient(theta)
    cost = f + _l1_value(theta, penalised, l1)
    ws, previous = None, np.inf
    for iteration in range(options.max_iter + 1):
        violations = penalty.kkt_violation(theta, grad)
        violation = objective.optimality(theta, grad)
        recorder.record(cost, violation)
        if violation <= options.tol:
            return recorder.result(theta, True, tol_reached(violation, options.tol))
        if iteration == options.max_iter:
            break
        last, ws = ws, everything if l1 == 0.0 else working_set(theta, violations, penalised)
        if hessian is None:
            hessian = WorkingSetHessian(objective, theta)
        elif (
            ws.size**2 <= _CHEAP_HESSIAN * objective.n_params
            or violations[last].max() > _CONTRACTION * previous
        ):
            hessian.refresh(theta)
        previous = violation
        inner_tol = max(min(1e-2, violation) * violation, 0.1 * options.tol)
        start = theta[ws]
        target = _model_minimiser(hessian.block(ws), grad[ws], start, penalised[ws], l1, inner_tol)
        delta = target - start
        ws_penalised = penalised[ws]
        decrease = (
            float(grad[ws] @ delta)
            + _l1_value(target, ws_penalised, l1)
            - _l1_value(start, ws_penalised, l1)
        )
        if not decrease < 0.0:
            return flat_cost(recorder, theta, "the quadratic model", violation, options.tol)
        candidate = theta.copy()
        if -decrease <= _RESOLUTION * abs(cost):
            candidate[ws] = target
            f, grad = objective.smooth_value_and_gradient(candidate)
            violation = objective.optimality(candidate, grad)
            recorder.record_final_step(f + _l1_value(candidate, penalised, l1), violation)
            return recorder.result(
                candidate,
                True,
                "the predicted decrease fell below the cost's floating-point resolution: took "
                f"the final full step; largest KKT violation {violation:.3g}",
            )
        step = 1.0
        for _ in range(_MAX_HALVINGS):
            candidate[ws] = start + step * delta
            f, grad = objective.smooth_value_and_gradient(candidate)
            cost_new = f + _l1_value(candidate, penalised, l1)
            if cost_new <= cost + 1e-4 * step * decrease:
                break
            step *= 0.5
        else:
            return flat_cost(recorder, theta, "step halving", violation, options.tol)
        theta, cost = candidate, cost_new
    return recorder.result(theta, False, f"reached max_iter={options.max_iter} iterations")
