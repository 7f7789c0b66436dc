"""Details of the solvers the broader tests leave open, each pinned down by a test that a
plausible slip in it would fail (found by mutation testing, see docs/testing.md)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.linalg import cho_factor, cho_solve

import logitkit as lk
from logitkit.solvers import SOLVERS, SolverOptions
from logitkit.solvers import newton as newton_module
from logitkit.solvers.newton import pseudo_inverse_direction, secant_corrected_solve
from problems import make_problem


def test_the_pseudo_inverse_step_is_minimum_norm_in_unit_diagonal_scaling() -> None:
    """H of rank 2 on three columns of very different scales (the third column is the first
    times 1000): the step is −D^(−½) (D^(−½) H D^(−½))⁺ D^(−½) ∇J, D = diag H, whose
    minimum-norm solution differs from the unscaled one."""
    columns = np.array([[1.0, 0.5, 1000.0], [0.2, -1.0, 200.0], [-0.7, 0.3, -700.0]])
    hessian = columns.T @ columns
    grad = hessian @ np.array([0.3, -0.2, 0.001])
    scale = 1.0 / np.sqrt(np.diag(hessian))
    expected = -scale * (
        np.linalg.pinv(hessian * np.outer(scale, scale), rcond=1e-10) @ (scale * grad)
    )
    direction = pseudo_inverse_direction(hessian, grad)
    np.testing.assert_allclose(direction, expected, rtol=1e-8)
    np.testing.assert_allclose(hessian @ direction, -grad, rtol=1e-8, atol=1e-8)
    unscaled = -np.linalg.pinv(hessian, rcond=1e-10) @ grad
    assert np.max(np.abs(direction - unscaled)) > 1e-3


def test_the_pseudo_inverse_step_leaves_a_zero_column_alone() -> None:
    """A column that is all zero gives a zero row and column of H: its coefficient's step is 0
    and the others' are the Newton step of the rest."""
    hessian = np.array([[4.0, 1.0, 0.0], [1.0, 3.0, 0.0], [0.0, 0.0, 0.0]])
    grad = np.array([1.0, -2.0, 0.0])
    direction = pseudo_inverse_direction(hessian, grad)
    np.testing.assert_allclose(
        direction[:2], -np.linalg.solve(hessian[:2, :2], grad[:2]), rtol=1e-12
    )
    assert direction[2] == 0.0


class CountingObjective:
    """An objective whose Hessians are counted: sampled ones (``rows`` given) and full ones."""

    def __init__(self, objective) -> None:
        self._objective = objective
        self.sampled = 0
        self.full = 0

    def __getattr__(self, name):
        return getattr(self._objective, name)

    def hessian(self, coef, rows=None):
        self.sampled += rows is not None
        return self._objective.hessian(coef, rows)

    def newton_hessian(self, coef):
        self.full += 1
        return self._objective.newton_hessian(coef)


def sampled_newton(objective, step: int = 4):
    options = SolverOptions(tol=1e-10, max_iter=100, hessian_sample_step=step)
    return SOLVERS["newton"].solve(objective, np.zeros(objective.n_params), options)


@pytest.mark.parametrize("alpha", [0.0, 0.01])
def test_the_sampled_hessian_steps_are_newton_steps_and_are_reused(monkeypatch, alpha) -> None:
    """On a well-conditioned tall problem H_S carries the fit to the optimum by itself: every
    step is −H_S⁻¹∇J (a wrong step would stall and hand over to the full Hessian), the factor
    is reused after a step that cut the gradient tenfold (fewer Hessians than steps), and the
    collinearity check runs once, for an unpenalised fit only."""
    checks = []
    original = newton_module.collinear_columns
    monkeypatch.setattr(
        newton_module, "collinear_columns", lambda h: checks.append(1) or original(h)
    )
    X, y = make_problem(8000, 6, seed=45)
    objective = CountingObjective(lk.Objective.from_data(X, y, alpha=alpha))
    result = sampled_newton(objective)
    assert result.converged
    assert objective.full == 0
    assert 1 <= objective.sampled < result.n_iter
    assert len(checks) == (1 if alpha == 0.0 else 0)
    exact = SOLVERS["newton"].solve(
        lk.Objective.from_data(X, y, alpha=alpha),
        np.zeros(7),
        SolverOptions(tol=1e-10, max_iter=100),
    )
    np.testing.assert_allclose(result.coef, exact.coef, rtol=1e-8, atol=1e-10)


def test_the_secant_corrected_solve_is_the_bfgs_update_of_the_sampled_hessian() -> None:
    """The two-loop recursion from H_S⁻¹ equals the dense inverse BFGS updates
    Hⱼ₊₁ = (I − ρsyᵀ)Hⱼ(I − ρysᵀ) + ρssᵀ, ρ = 1/sᵀy, applied oldest pair first; the result
    meets the newest pair's secant condition (B⁻¹y = s); without pairs it is H_S⁻¹∇J."""
    rng = np.random.default_rng(47)
    k = 6
    root = rng.standard_normal((k, k))
    true_hessian = root @ root.T + k * np.eye(k)
    noise = 0.2 * rng.standard_normal((k, k))
    sampled = true_hessian + noise @ noise.T
    factor = cho_factor(sampled, lower=True)
    pairs = [(s, true_hessian @ s) for s in rng.standard_normal((3, k))]
    grad = rng.standard_normal(k)
    inverse = np.linalg.inv(sampled)
    np.testing.assert_allclose(secant_corrected_solve(factor, [], grad), inverse @ grad, rtol=1e-12)
    for s, y in pairs:
        rho = 1.0 / (s @ y)
        left = np.eye(k) - rho * np.outer(s, y)
        inverse = left @ inverse @ left.T + rho * np.outer(s, s)
    np.testing.assert_allclose(
        secant_corrected_solve(factor, pairs, grad), inverse @ grad, rtol=1e-10
    )
    s, y = pairs[-1]
    np.testing.assert_allclose(secant_corrected_solve(factor, pairs, y), s, rtol=1e-10)


def test_the_secant_pairs_come_from_a_run_of_tenfold_cuts() -> None:
    """A pair (Δθ, Δ∇J) is kept only while each step cuts the gradient tenfold and only with
    positive curvature ΔθᵀΔ∇J; a lesser cut starts a new run; at most the 20 latest are kept."""
    sample = newton_module._HessianSample(4)

    def along(t):
        return np.array([t, 0.0])

    theta, grad = np.zeros(2), np.array([1.0, 1.0])
    sample._record_pair(theta, grad, True)
    assert sample._pairs == []
    sample._record_pair(theta + along(1.0), grad + along(2.0), True)
    assert len(sample._pairs) == 1
    sample._record_pair(theta + along(2.0), grad + along(1.0), True)  # ΔθᵀΔ∇J = −1
    assert len(sample._pairs) == 1
    sample._record_pair(theta + along(3.0), grad + along(3.0), False)
    assert sample._pairs == []
    for step in range(1, 26):
        sample._record_pair(theta + along(3.0 + step), grad + along(3.0 + 2.0 * step), True)
    assert len(sample._pairs) == 20
    np.testing.assert_array_equal(sample._pairs[-1][0], [1.0, 0.0])


def test_the_secant_pairs_save_sampled_newton_steps(monkeypatch) -> None:
    """On this tall problem the steps that reuse H_S's factor reach tol=1e-10 in one step fewer
    with the pairs' BFGS correction than with H_S alone, at the same optimum."""
    X, y = make_problem(8000, 6, seed=45)
    corrected = sampled_newton(lk.Objective.from_data(X, y))
    monkeypatch.setattr(
        newton_module, "secant_corrected_solve", lambda factor, pairs, grad: cho_solve(factor, grad)
    )
    plain = sampled_newton(lk.Objective.from_data(X, y))
    assert corrected.converged and plain.converged
    assert (corrected.n_iter, plain.n_iter) == (7, 8)
    np.testing.assert_allclose(corrected.coef, plain.coef, rtol=1e-8, atol=1e-10)


def test_the_pseudo_inverse_step_does_not_depend_on_the_hessians_scale() -> None:
    """d(cH, c∇J) = d(H, ∇J) for any c > 0, diagonals below 1 included: the unit-diagonal
    scaling takes c out before the eigen-decomposition."""
    columns = np.array([[1.0, 0.5, 1000.0], [0.2, -1.0, 200.0], [-0.7, 0.3, -700.0]])
    hessian = columns.T @ columns
    grad = hessian @ np.array([0.3, -0.2, 0.001])
    direction = pseudo_inverse_direction(hessian, grad)
    for c in (1e-9, 1e-3, 1e4):
        np.testing.assert_allclose(
            pseudo_inverse_direction(c * hessian, c * grad), direction, rtol=1e-7
        )


def test_the_pseudo_inverse_step_drops_eigenvalues_below_1e_12_of_the_largest() -> None:
    """A unit-diagonal H whose eigenvalues are about 2.9, 0.1 and 1e-12: the last is below
    1e-12 × the largest, so its direction is left out and the step stays of the size of ∇J
    rather than ∇J / 1e-12."""
    vectors = np.linalg.qr(np.random.default_rng(46).standard_normal((3, 3)))[0]
    hessian = vectors @ np.diag([2.9, 0.1, 1e-12]) @ vectors.T
    scale = 1.0 / np.sqrt(np.diag(hessian))
    hessian = hessian * np.outer(scale, scale)
    values = np.linalg.eigvalsh(hessian)
    assert values[0] < 1e-12 * values[-1] < values[1] and 1e-12 / values[-1] < values[0]
    grad = np.array([0.3, -0.1, 0.2])
    direction = pseudo_inverse_direction(hessian, grad)
    assert np.max(np.abs(direction)) < 100 * np.max(np.abs(grad))
    values, eigen = np.linalg.eigh(hessian)
    expected = -eigen[:, 1:] @ ((eigen[:, 1:].T @ grad) / values[1:])
    np.testing.assert_allclose(direction, expected, rtol=1e-6)


@pytest.mark.parametrize("weight_mean", [None, 0.8], ids=["own-mean", "epoch-mean"])
def test_the_numpy_epoch_takes_the_compiled_kernels_steps(weight_mean) -> None:
    """The NumPy epoch (the softmax's) is documented to take the compiled kernel's steps: on a
    binary ridge problem with weights, batches of 7 and a mean weight s̄ other than X's own
    (a block of a longer epoch), both give the same θ, θ̄ and samples seen."""
    from logitkit.solvers._numpy_epoch import numpy_epoch_runner
    from logitkit.solvers._sgd_kernels import epoch_runner

    X, y = make_problem(60, 3, seed=47)
    weights = np.random.default_rng(47).uniform(0.5, 2.0, 60)
    objective = lk.Objective.from_data(X, y, alpha=0.05, sample_weight=weights)
    order = np.random.default_rng(48).permutation(60)
    theta = np.array([0.1, -0.2, 0.3, 0.05])
    arguments = (objective, "invscaling", 0.05, 7, 90, weight_mean)
    compiled = epoch_runner(*arguments)(theta, order, 30)
    steps = numpy_epoch_runner(*arguments)(theta, order, 30)
    np.testing.assert_allclose(steps[0], compiled[0], rtol=1e-10)
    np.testing.assert_allclose(steps[1], compiled[1], rtol=1e-10)
    assert steps[2] == compiled[2] == 90


def test_a_chunk_epoch_steps_on_each_chunks_gradient_in_permutation_order() -> None:
    """Over a Dask array of three chunks of 20 rows, the chunk epoch is the NumPy epoch with
    each chunk as one batch (its proximal step for the L1 part included), the chunks taken in
    the order in which their first rows appear in the permutation."""
    da = pytest.importorskip("dask.array")
    import dask

    from logitkit.solvers._numpy_epoch import chunk_epoch_runner, numpy_epoch_runner

    X, y = make_problem(60, 3, seed=49)
    order = np.random.default_rng(50).permutation(60)
    theta = np.array([0.2, 0.1, -0.1, 0.0])
    firsts = [int(np.flatnonzero(order == start)[0]) for start in (0, 20, 40)]
    visited = np.concatenate(
        [np.arange(s, s + 20) for s in np.array([0, 20, 40])[np.argsort(firsts)]]
    )
    penalty = {"alpha": 0.01, "l1_ratio": 0.5}
    in_memory = numpy_epoch_runner(lk.Objective.from_data(X, y, **penalty), "invscaling", 0.1, 20)
    expected = in_memory(theta, visited, 5)
    with dask.config.set(scheduler="synchronous"):
        lazy = lk.Objective.from_data(
            da.from_array(X, chunks=(20, 3)), da.from_array(y, chunks=20), **penalty
        )
        result = chunk_epoch_runner(lazy, "invscaling", 0.1)(theta, order, 5)
    np.testing.assert_allclose(result[0], expected[0], rtol=1e-10)
    np.testing.assert_allclose(result[1], expected[1], rtol=1e-10)
    assert result[2] == expected[2] == 65


def test_a_flat_cost_is_an_unconverged_result_that_says_why() -> None:
    from logitkit.solvers.base import Recorder, flat_cost

    options = SolverOptions(tol=1e-8, max_iter=10)
    recorder = Recorder(options)
    recorder.record(0.5, 1e-3)
    result = flat_cost(recorder, np.zeros(2), "step halving", 1e-3, 1e-8)
    assert result.converged is False
    assert result.reason == (
        "step halving found no decrease: the cost is flat to floating-point precision with "
        "largest gradient (KKT) component 0.001 > tol 1e-08"
    )


def test_newton_cg_leaves_a_column_of_zeros_at_zero() -> None:
    """An all-zero column has a zero Hessian diagonal, which the preconditioner replaces by 1:
    its coefficient never moves and the others reach the fit without it."""
    X, y = make_problem(300, 2, seed=51)
    with_zeros = np.column_stack([X[:, 0], np.zeros(300), X[:, 1]])
    options = SolverOptions(tol=1e-10, max_iter=100)
    result = SOLVERS["newton-cg"].solve(lk.Objective.from_data(with_zeros, y), np.zeros(4), options)
    exact = SOLVERS["newton"].solve(lk.Objective.from_data(X, y), np.zeros(3), options)
    assert result.converged and result.coef[2] == 0.0
    np.testing.assert_allclose(result.coef[[0, 1, 3]], exact.coef, rtol=1e-8)


def test_the_final_newton_step_replaces_the_last_entry_of_the_history() -> None:
    """With tol = 0 Newton can only stop by its decrement rule: the final full step's
    gradient replaces the last recorded one, which is then the KKT violation at the returned
    coefficients."""
    X, y = make_problem(500, 3, seed=57)
    objective = lk.Objective.from_data(X, y)
    result = SOLVERS["newton"].solve(objective, np.zeros(4), SolverOptions(tol=0.0, max_iter=50))
    assert "Newton decrement" in result.reason and result.n_iter >= 3
    _, grad = objective.smooth_value_and_gradient(result.coef)
    assert result.grad_norm[-1] == objective.optimality(result.coef, grad)
    assert result.grad_norm[1] > result.grad_norm[-1]


def test_lbfgs_started_at_the_optimum_stops_at_once_and_says_so() -> None:
    X, y = make_problem(500, 3, seed=58)
    objective = lk.Objective.from_data(X, y)
    options = SolverOptions(tol=1e-6, max_iter=100)
    optimum = (
        SOLVERS["newton"].solve(objective, np.zeros(4), SolverOptions(tol=1e-12, max_iter=100)).coef
    )
    result = SOLVERS["lbfgs"].solve(objective, optimum, options)
    violation = objective.optimality(optimum, objective.smooth_value_and_gradient(optimum)[1])
    assert result.converged and result.n_iter == 0
    assert result.reason == f"largest gradient (KKT) component {violation:.3g} <= tol 1e-06"


def test_lbfgs_that_cannot_reach_a_tiny_tol_is_not_converged() -> None:
    """tol = 1e-20 is beyond float64: L-BFGS stops when the cost no longer decreases, with
    ‖∇J‖∞ far above 100·tol, and reports that it did not converge."""
    X, y = make_problem(500, 3, seed=59)
    result = SOLVERS["lbfgs"].solve(
        lk.Objective.from_data(X, y), np.zeros(4), SolverOptions(tol=1e-20, max_iter=1000)
    )
    assert result.converged is False
    assert "L-BFGS could not decrease the cost further" in result.reason
    assert result.reason.endswith("> tol 1e-20")


def test_the_collinear_columns_are_those_of_the_dependence() -> None:
    """H of an intercept and four columns with x₃ = x₁ + 2x₂: the dependence involves
    coefficients 1, 2 and 3 only (x₄ and the intercept are free of it)."""
    rng = np.random.default_rng(60)
    X = rng.standard_normal((50, 4))
    X[:, 2] = X[:, 0] + 2.0 * X[:, 1]
    Xt = np.column_stack([np.ones(50), X])
    assert newton_module.collinear_columns(Xt.T @ Xt) == (1, 2, 3)


def test_sgd_epochs_shuffle_with_the_seeded_generator_and_report_progress() -> None:
    """In memory an SGD run is one block: epoch e visits the rows in the order of the e-th
    ``default_rng(random_state).permutation(n)`` and nothing else draws from the generator;
    after two epochs the reported iterate is the second epoch's mean iterate. ``progress``
    hears every epoch's J and KKT violation, as the history records them."""
    from logitkit.solvers._sgd_kernels import epoch_runner

    X, y = make_problem(80, 2, seed=61)
    objective = lk.Objective.from_data(X, y, alpha=0.01)
    heard = []
    options = SolverOptions(
        tol=0.0,
        max_iter=2,
        learning_rate=0.05,
        random_state=3,
        progress=lambda *entry: heard.append(entry),
    )
    result = SOLVERS["sgd"].solve(objective, np.zeros(3), options)
    rng = np.random.default_rng(3)
    epoch = epoch_runner(objective, "auto", 0.05, 1, 80, 1.0)
    theta, _, seen = epoch(np.zeros(3), rng.permutation(80), 0)
    _, mean, _ = epoch(theta, rng.permutation(80), seen)
    np.testing.assert_allclose(result.coef, mean, rtol=1e-12)
    assert heard == list(zip(range(3), result.loss, result.grad_norm, strict=True))


def test_partial_fit_on_one_dask_block_takes_the_in_memory_steps() -> None:
    """A Dask array of one block is one chunk of one block: its epoch, built for the block
    (no epoch kept from before), is the in-memory partial_fit's (η₀ from Σsᵢ‖x̃ᵢ‖² summed
    by a task, so equal to rounding)."""
    da = pytest.importorskip("dask.array")
    import dask

    X, y = make_problem(120, 3, seed=62)
    settings = {"solver": "sgd", "random_state": 4, "alpha": 0.01}
    in_memory = lk.LogisticRegression(**settings).partial_fit(X, y, classes=[0, 1])
    with dask.config.set(scheduler="synchronous"):
        lazy = lk.LogisticRegression(**settings).partial_fit(
            da.from_array(X, chunks=(120, 3)), da.from_array(y, chunks=120), classes=[0, 1]
        )
    np.testing.assert_allclose(lazy.coef_, in_memory.coef_, rtol=1e-12)
    np.testing.assert_allclose(lazy.intercept_, in_memory.intercept_, rtol=1e-12)


def test_cholesky_damping_grows_a_hundredfold_until_the_factor_exists() -> None:
    """H = diag(1, −10⁻⁶) is indefinite: λ·mean(diag H) must exceed 10⁻⁶, and λ runs 1e-12,
    1e-10, …, so the step is −(H + 10⁻⁴·mean(diag H)·I)⁻¹∇J."""
    hessian = np.diag([1.0, -1e-6])
    grad = np.array([0.5, 2e-7])
    shifted = hessian + 1e-4 * np.mean(np.diag(hessian)) * np.eye(2)
    direction = newton_module.cholesky_direction(hessian, grad)
    np.testing.assert_allclose(direction, -np.linalg.solve(shifted, grad), rtol=1e-12)


def test_cholesky_damping_of_a_zero_hessian_is_scaled_by_one() -> None:
    """H = 0 has no diagonal to scale the damping by, so λ·1·I is added: the first λ, 10⁻¹²,
    already factors, and the step is −10¹²∇J."""
    grad = np.array([0.5, -2.0, 1e-3])
    direction = newton_module.cholesky_direction(np.zeros((3, 3)), grad)
    np.testing.assert_allclose(direction, -1e12 * grad, rtol=1e-12)


def test_newton_falls_back_to_steepest_descent_on_an_ascent_direction() -> None:
    """A direction with ∇Jᵀd ≥ 0 is replaced by −∇J, whose line search then decreases J; the
    loop goes on to the optimum instead of taking it for a final step."""
    X, y = make_problem(300, 2, seed=63)
    objective = lk.Objective.from_data(X, y)

    steps = []

    def direction(theta, grad):
        steps.append(1)
        if len(steps) == 1:
            return grad
        return newton_module.cholesky_direction(objective.hessian(theta), grad)

    options = SolverOptions(tol=1e-10, max_iter=50)
    result = newton_module.newton_iterations(objective, np.zeros(3), options, direction)
    exact = SOLVERS["newton"].solve(objective, np.zeros(3), options)
    assert result.converged and result.loss[1] < result.loss[0]
    np.testing.assert_allclose(result.coef, exact.coef, rtol=1e-8)


def test_newtons_line_search_asks_for_a_decrease_of_a_ten_thousandth_of_the_slope() -> None:
    """A first direction α·d_N (d_N = −H⁻¹∇J) long enough that J rises by half of
    10⁻⁴·α|∇Jᵀd_N|: Armijo's test J(θ + td) ≤ J(θ) + 10⁻⁴ t∇Jᵀd refuses it, and the halved
    step is taken."""
    from scipy.optimize import brentq

    X, y = make_problem(300, 2, seed=65)
    objective = lk.Objective.from_data(X, y)
    start = np.zeros(3)
    f0, grad0 = objective.smooth_value_and_gradient(start)
    newton = -np.linalg.solve(objective.hessian(start), grad0)
    slope = float(grad0 @ newton)

    def excess(alpha):
        return objective.smooth_value(start + alpha * newton) - f0 + 0.5e-4 * alpha * slope

    alpha = brentq(excess, 1.5, 4.0, xtol=1e-14)
    options = SolverOptions(tol=1e-12, max_iter=1)
    result = newton_module.newton_iterations(
        objective, start, options, lambda theta, grad: alpha * newton
    )
    np.testing.assert_allclose(result.coef, 0.5 * alpha * newton, rtol=1e-14)


class CallCounter:
    """The objective, counting the calls of one of its methods."""

    def __init__(self, objective, method: str) -> None:
        self._objective = objective
        self._method = method
        self.calls = 0

    def __getattr__(self, name):
        attribute = getattr(self._objective, name)
        if name != self._method:
            return attribute

        def counted(*args, **kwargs):
            self.calls += 1
            return attribute(*args, **kwargs)

        return counted


def test_an_accepted_full_newton_step_keeps_the_gradient_it_was_tried_with() -> None:
    """Every step of this fit from 0 is a full step, whose J and ∇J come from one evaluation:
    one per step and one at the start."""
    X, y = make_problem(500, 3, seed=66)
    objective = CallCounter(lk.Objective.from_data(X, y), "smooth_value_and_gradient")
    result = SOLVERS["newton"].solve(objective, np.zeros(4), SolverOptions(tol=1e-10, max_iter=50))
    assert result.converged and objective.calls == result.n_iter + 1 == 5


def test_newton_on_collinear_columns_reports_them() -> None:
    X, y = make_problem(200, 2, seed=64)
    X = np.column_stack([X, X[:, 0] - X[:, 1]])
    options = SolverOptions(tol=1e-10, max_iter=50, allow_singular=True)
    result = SOLVERS["newton"].solve(lk.Objective.from_data(X, y), np.zeros(4), options)
    assert result.converged and result.singular_columns == (1, 2, 3)


class StubbornObjective:
    """An objective whose cost is one higher anywhere but at the start (``rise``) or whose
    smooth gradient reads 0 while its KKT measure reads 1 (``blind``): the two ways a search
    finds no decrease."""

    def __init__(self, objective, start, mode) -> None:
        self._objective = objective
        self._start = np.array(start, dtype=np.float64)
        self._mode = mode

    def __getattr__(self, name):
        return getattr(self._objective, name)

    def _rise(self, coef) -> float:
        return 0.0 if np.array_equal(coef, self._start) else 1.0

    def smooth_value(self, coef, rows=None):
        return self._objective.smooth_value(coef, rows) + self._rise(coef)

    def smooth_value_and_gradient(self, coef, rows=None):
        f, grad = self._objective.smooth_value_and_gradient(coef, rows)
        if self._mode == "blind":
            return f, np.zeros_like(grad)
        return f + self._rise(coef), grad

    def optimality(self, coef, grad):
        return 1.0 if self._mode == "blind" else self._objective.optimality(coef, grad)


def _stubborn(mode, alpha=0.01, l1_ratio=1.0):
    X, y = make_problem(200, 3, seed=65)
    objective = lk.Objective.from_data(X, y, alpha=alpha, l1_ratio=l1_ratio)
    return StubbornObjective(objective, np.zeros(4), mode)


@pytest.mark.parametrize(
    ("solver", "mode", "what"),
    [
        ("cd", "rise", "step halving"),
        ("cd", "blind", "the quadratic model"),
        ("gd", "rise", "the line search"),
        ("newton", "rise", "step halving"),
    ],
)
def test_a_search_without_decrease_stops_unconverged_and_names_itself(solver, mode, what) -> None:
    stubborn = _stubborn(mode, l1_ratio=0.0 if solver == "newton" else 1.0)
    result = SOLVERS[solver].solve(stubborn, np.zeros(4), SolverOptions(tol=1e-8, max_iter=20))
    assert result.converged is False and result.n_iter == 0
    assert result.reason.startswith(f"{what} found no decrease: the cost is flat")
    assert result.reason.endswith("> tol 1e-08")
    np.testing.assert_array_equal(result.coef, np.zeros(4))


def test_cd_stopped_by_max_iter_is_not_converged() -> None:
    X, y = make_problem(200, 3, seed=66)
    objective = lk.Objective.from_data(X, y, alpha=0.01, l1_ratio=1.0)
    result = SOLVERS["cd"].solve(objective, np.zeros(4), SolverOptions(tol=1e-12, max_iter=1))
    assert result.converged is False and result.n_iter == 1
    assert result.reason == "reached max_iter=1 iterations"
    f = objective.smooth_value(result.coef)
    assert result.loss[-1] == pytest.approx(f + 0.01 * np.abs(result.coef[1:]).sum(), rel=1e-12)


def test_cd_with_a_tol_below_the_resolution_ends_with_the_final_full_step() -> None:
    X, y = make_problem(200, 3, seed=67)
    objective = lk.Objective.from_data(X, y, alpha=0.01, l1_ratio=0.5)
    result = SOLVERS["cd"].solve(objective, np.zeros(4), SolverOptions(tol=1e-14, max_iter=100))
    assert result.converged
    assert result.reason.startswith(
        "the predicted decrease fell below the cost's floating-point resolution: took the "
        "final full step; largest KKT violation "
    )
    f, grad = objective.smooth_value_and_gradient(result.coef)
    assert result.loss[-1] == pytest.approx(f + 0.005 * np.abs(result.coef[1:]).sum(), rel=1e-14)
    assert result.grad_norm[-1] == objective.optimality(result.coef, grad)


def test_cd_without_an_l1_part_steps_on_every_coefficient(monkeypatch) -> None:
    """With ρ = 0 the working set is every coefficient from the first step on (the largest
    violators alone would be 10 of the 30 columns), and the fit is Newton's."""
    from logitkit.solvers import coordinate_descent

    sizes = []
    original = coordinate_descent.WorkingSetHessian.block
    monkeypatch.setattr(
        coordinate_descent.WorkingSetHessian,
        "block",
        lambda self, ws: sizes.append(ws.size) or original(self, ws),
    )
    X, y = make_problem(300, 30, seed=68)
    objective = lk.Objective.from_data(X, y, alpha=0.05)
    options = SolverOptions(tol=1e-10, max_iter=100)
    cd = SOLVERS["cd"].solve(objective, np.zeros(31), options)
    newton = SOLVERS["newton"].solve(objective, np.zeros(31), options)
    assert sizes and set(sizes) == {31}
    np.testing.assert_allclose(cd.coef, newton.coef, rtol=1e-8)


def test_cd_retakes_the_working_sets_hessian_when_it_is_cheap() -> None:
    """|W|² ≤ 4p: a lasso on 300 columns whose working sets stay small takes H_WW afresh at
    every step."""
    rng = np.random.default_rng(69)
    X = rng.standard_normal((400, 300))
    y = (X[:, 0] - X[:, 1] + rng.standard_normal(400) > 0).astype(int)
    objective = CallCounter(
        lk.Objective.from_data(X, y, alpha=0.05, l1_ratio=1.0), "hessian_weights"
    )
    result = SOLVERS["cd"].solve(objective, np.zeros(301), SolverOptions(tol=1e-8, max_iter=50))
    assert result.converged and np.count_nonzero(result.coef) < 15
    assert objective.calls == result.n_iter


def test_cd_keeps_the_working_sets_hessian_while_the_violations_contract() -> None:
    """|W|² > 4p (every coefficient in the set, p = 9): H_WW is kept while each step cuts the
    working set's largest violation tenfold, so it is taken fewer times than there are
    steps."""
    X, y = make_problem(500, 8, seed=70)
    objective = CallCounter(
        lk.Objective.from_data(X, y, alpha=1e-4, l1_ratio=0.5), "hessian_weights"
    )
    result = SOLVERS["cd"].solve(objective, np.zeros(9), SolverOptions(tol=1e-10, max_iter=50))
    assert result.converged and np.all(result.coef != 0.0)
    assert 1 <= objective.calls < result.n_iter


@pytest.mark.parametrize(("seed", "scale"), [(71, 3.0), (77, 0.3)])
def test_gd_tries_twice_one_over_l_first(seed, scale) -> None:
    """Without a learning rate the first step tried is 2/L (twice 1/L, the step the line
    search starts from), and here it passes the sufficient-decrease test: at seed 71 with
    L = 7 (where ‖δ‖²t/2 would not), at seed 77 with the cost's curvature along the step
    0.44 × 1/t (where ‖δ‖²/(3t) would not)."""
    from logitkit.solvers.stochastic import smoothness

    X, y = make_problem(200, 3, seed=seed)
    objective = lk.Objective.from_data(scale * X, y)
    result = SOLVERS["gd"].solve(objective, np.zeros(4), SolverOptions(tol=1e-12, max_iter=1))
    f, grad = objective.smooth_value_and_gradient(np.zeros(4))
    lipschitz = smoothness(objective)
    assert abs(np.log2(lipschitz**2)) > 1.0  # 2/L is not 2L/2ʲ: a search from 2L would differ
    step = 2.0 / lipschitz
    delta = -step * grad
    assert objective.smooth_value(delta) <= f + grad @ delta + (delta @ delta) / (2.0 * step)
    np.testing.assert_allclose(result.coef, -step * grad, rtol=1e-12)


def test_gd_with_a_too_large_learning_rate_says_what_to_do() -> None:
    """The message gives the safe step 1/L̄ (L̄ ≈ ¼ (1 + 3 · 9) = 7 on columns of scale 3)."""
    X, y = make_problem(200, 3, seed=72)
    objective = lk.Objective.from_data(3.0 * X, y)
    options = SolverOptions(tol=1e-8, max_iter=50, learning_rate=1e3)
    result = SOLVERS["gd"].solve(objective, np.zeros(4), options)
    assert result.converged is False
    assert result.reason.startswith(
        "the cost rose above its starting value with the fixed learning_rate=1000: use a "
        "smaller one (1/L = "
    )
    assert result.reason.endswith(
        "is safe for this data), or leave learning_rate=None for a line search"
    )
    from logitkit.solvers.stochastic import smoothness

    assert f"(1/L = {1.0 / smoothness(objective):.3g} is safe" in result.reason


def test_auto_takes_newton_up_to_500_coefficients_inclusive() -> None:
    from logitkit.solvers import choose_solver

    rng = np.random.default_rng(73)
    X = rng.standard_normal((600, 500))
    y = rng.integers(0, 2, 600)
    assert choose_solver(lk.Objective.from_data(X[:, :499], y)) == "newton"
    assert choose_solver(lk.Objective.from_data(X, y)) == "lbfgs"
    da = pytest.importorskip("dask.array")
    lazy_y = da.from_array(y, chunks=300)
    lazy = lk.Objective.from_data(da.from_array(X[:, :499], chunks=(300, 499)), lazy_y)
    assert choose_solver(lazy) == "newton"
    assert choose_solver(lk.Objective.from_data(da.from_array(X, chunks=(300, 500)), lazy_y)) == (
        "lbfgs"
    )


def test_the_working_set_adds_as_many_violators_as_nonzero_weights_and_at_least_ten() -> None:
    """The intercept (unpenalised), two nonzero weights and, of 28 zero weights violating
    their KKT condition, the 10 largest violators: 13 positions in increasing order."""
    from logitkit.solvers.coordinate_descent import working_set

    penalised = np.ones(33, dtype=bool)
    penalised[0] = False
    theta = np.zeros(33)
    theta[[4, 7]] = [0.5, -0.2]
    violations = np.zeros(33)
    violations[3:33] = np.linspace(0.01, 0.3, 30)
    violations[[4, 7]] = 0.0
    expected = np.sort(np.concatenate(([0, 4, 7], np.argsort(violations)[-10:])))
    np.testing.assert_array_equal(working_set(theta, violations, penalised), expected)
    theta[3:20] = 1.0  # 17 nonzero weights: all 13 remaining violators join
    assert working_set(theta, violations, penalised).size == 1 + 17 + 13


def test_cd_warm_started_records_the_cost_with_its_l1_part_over_the_weights_only() -> None:
    """From θ₀ with an intercept of 2 (never penalised): the history starts at J(θ₀), the L1
    part over the weights alone, and a converged fit says so in tol's words."""
    X, y = make_problem(200, 3, seed=81)
    objective = lk.Objective.from_data(X, y, alpha=0.02, l1_ratio=1.0)
    start = np.array([2.0, 0.5, 0.0, -0.5])
    result = SOLVERS["cd"].solve(objective, start, SolverOptions(tol=1e-8, max_iter=100))
    assert result.loss[0] == pytest.approx(objective.value(start), rel=1e-14)
    assert result.converged
    assert result.reason.startswith("largest gradient (KKT) component ")
    assert result.reason.endswith(" <= tol 1e-08")


def test_blocks_of_one_epoch_average_their_iterates_by_their_steps() -> None:
    """Two blocks of 30 and 20 rows in batches of 8 (4 and 3 steps): the epoch's mean iterate
    is (4 θ̄₁ + 3 θ̄₂)/7, θ̄ᵦ each block's own mean; the steps add up, and the second block
    starts from the first one's last iterate."""
    from logitkit.solvers._sgd_kernels import epoch_runner
    from logitkit.solvers.stochastic import EpochSettings, Pass, block_epoch

    X, y = make_problem(50, 2, seed=82)
    blocks = [lk.Objective.from_data(X[:30], y[:30]), lk.Objective.from_data(X[30:], y[30:])]
    settings = EpochSettings(0.05, "constant", 8, 50, 1.0)
    state = Pass(np.zeros(3), np.zeros(3), 0, 0, np.random.default_rng(5))
    for block in blocks:
        state = block_epoch(block, settings, state)
    rng = np.random.default_rng(5)
    theta, means = np.zeros(3), []
    seen = 0
    for block in blocks:
        rows = block.design.n_samples
        theta, mean, seen = epoch_runner(block, "constant", 0.05, 8, 50, 1.0)(
            theta, rng.permutation(rows), seen
        )
        means.append(mean)
    assert state.steps == 7 and state.seen == 50
    np.testing.assert_allclose(state.theta, theta, rtol=1e-12)
    np.testing.assert_allclose(state.mean, (4 * means[0] + 3 * means[1]) / 7, rtol=1e-12)


class RecordingChunk:
    """A chunk of ``n_blocks`` blocks that records what each epoch asks of it."""

    def __init__(self, n_blocks: int, weight_mean: float) -> None:
        self.n_blocks, self.n_samples = n_blocks, 10 * n_blocks
        self._weight_mean = weight_mean
        self.orders, self.settings = [], []

    def weight_mean(self) -> float:
        return self._weight_mean

    def smoothness(self) -> float:
        return 1.0

    def evaluate(self, coef):
        return 1.0, 1.0

    def run_epoch(self, settings, order, state):
        self.orders.append(list(order))
        self.settings.append(settings)
        return state


def test_an_epoch_visits_every_block_and_steps_with_the_running_mean_weight() -> None:
    """Two chunks of mean weight 1 and 4 (20 and 20 rows): the second epoch's blocks are a
    permutation of both of its blocks, and its steps use s̄ = 2.5 over every row seen."""
    from logitkit.solvers.stochastic import StochasticRun

    first, second = RecordingChunk(2, 1.0), RecordingChunk(2, 4.0)
    run = StochasticRun.start(first, np.zeros(2), SolverOptions(tol=0.0, max_iter=1), 1)
    run.epoch(first)
    run.epoch(second)
    assert sorted(second.orders[0]) == [0, 1]
    assert first.settings[0].weight_mean == 1.0
    assert second.settings[0].weight_mean == 2.5


def test_sgd_keeps_its_compiled_epoch_and_reports_its_history(monkeypatch) -> None:
    """Over three epochs the epoch function is built once; the result has one entry of cost,
    violation and seconds per epoch and the start, the seconds never decreasing, and the
    stop's reason gives the decrease over the last n_iter_no_change epochs."""
    from logitkit.solvers import stochastic

    X, y = make_problem(300, 3, seed=83)
    objective = lk.Objective.from_data(X, y, alpha=0.01)
    built = []
    original = stochastic.epoch_of
    monkeypatch.setattr(stochastic, "epoch_of", lambda *args: built.append(1) or original(*args))
    options = SolverOptions(tol=1e-3, max_iter=60, random_state=0, n_iter_no_change=3)
    result = SOLVERS["sgd"].solve(objective, np.zeros(4), options)
    assert len(built) == 1 and result.n_iter > 3
    assert len(result.loss) == len(result.grad_norm) == len(result.seconds) == result.n_iter + 1
    assert result.seconds == sorted(result.seconds)
    decrease = (result.loss[-4] - result.loss[-1]) / abs(result.loss[-1])
    assert result.converged
    assert result.reason.startswith(f"the cost fell by {decrease:.3g} (relative) over the last 3")


def test_sgd_without_epochs_returns_its_start() -> None:
    X, y = make_problem(100, 2, seed=84)
    start = np.array([0.1, -0.2, 0.3])
    result = SOLVERS["sgd"].solve(
        lk.Objective.from_data(X, y), start, SolverOptions(tol=1e-4, max_iter=0)
    )
    assert result.n_iter == 0 and not result.converged
    np.testing.assert_array_equal(result.coef, start)


def test_newton_records_increasing_seconds_and_stops_at_max_iter() -> None:
    """The history's seconds are the times since the start, one per entry and never
    decreasing, the final full step's replacing the last; max_iter = 2 allows two steps."""
    X, y = make_problem(500, 3, seed=87)
    objective = lk.Objective.from_data(X, y)
    final = SOLVERS["newton"].solve(objective, np.zeros(4), SolverOptions(tol=0.0, max_iter=50))
    assert "Newton decrement" in final.reason
    assert len(final.seconds) == len(final.loss) and final.seconds == sorted(final.seconds)
    capped = SOLVERS["newton"].solve(objective, np.zeros(4), SolverOptions(tol=0.0, max_iter=2))
    assert capped.n_iter == 2 and capped.reason == "reached max_iter=2 iterations"


def test_a_cholesky_step_refuses_a_non_finite_gradient() -> None:
    with pytest.raises(ValueError, match="infs or NaNs"):
        newton_module.cholesky_direction(np.eye(2), np.array([np.nan, 1.0]))


def test_newton_cg_preconditions_with_the_inverse_hessian_diagonal(monkeypatch) -> None:
    """CG gets M = diag(∇²J)⁻¹ (Jacobi) at each step's θ."""
    from logitkit.solvers import newton_cg

    seen = []
    original = newton_cg.cg

    def recording(operator, rhs, **kwargs):
        seen.append(kwargs["M"].matvec(np.ones(rhs.size)))
        return original(operator, rhs, **kwargs)

    monkeypatch.setattr(newton_cg, "cg", recording)
    X, y = make_problem(300, 3, seed=91)
    objective = lk.Objective.from_data(X * np.array([1.0, 10.0, 0.1]), y, alpha=0.01)
    SOLVERS["newton-cg"].solve(objective, np.zeros(4), SolverOptions(tol=1e-8, max_iter=1))
    np.testing.assert_allclose(seen[0], 1.0 / np.diag(objective.hessian(np.zeros(4))), rtol=1e-12)


@pytest.mark.parametrize(
    ("rows", "columns", "reference", "step"),
    [
        (200_000, 32, None, 4),
        (199_999, 32, None, None),
        (400_000, 31, None, 8),
        (400_000, 30, None, None),
        (400_000, 32, 0, None),
    ],
    ids=["four-times-the-rows", "fewer-rows", "32-coefficients", "31-coefficients", "softmax"],
)
def test_newton_samples_its_hessian_on_tall_binary_designs_only(rows, columns, reference, step):
    """Every n // 50,000-th row once that is at least every 4th (n ≥ 200,000 on a design read
    by passes), for 32 coefficients or more and one output: three classes against a
    reference (two outputs) take the exact Hessian."""
    da = pytest.importorskip("dask.array")
    from logitkit.solvers import hessian_sample_step

    X = da.zeros((rows, columns), chunks=(50_000, columns))
    y = da.zeros(rows, chunks=50_000).astype(int)
    n_classes = 2 if reference is None else 3
    objective = lk.Objective.from_data(X, y, n_classes=n_classes, reference=reference)
    assert hessian_sample_step(objective) == step


@pytest.mark.parametrize("reference", [None, 0], ids=["symmetric", "against-class-0"])
def test_auto_takes_lbfgs_for_a_softmax_on_a_large_dense_x(reference) -> None:
    from logitkit.solvers import choose_solver

    rng = np.random.default_rng(80)
    X = rng.standard_normal((20_000, 53))
    y = rng.integers(0, 3, 20_000)
    objective = lk.Objective.from_data(X, y, n_classes=3, reference=reference)
    assert X.size >= 2**20 and objective.fused_pass
    assert choose_solver(objective) == "lbfgs"
    small = lk.Objective.from_data(X[:1000], y[:1000], n_classes=3, reference=reference)
    assert choose_solver(small) == "newton"


@pytest.mark.parametrize("solver", ["sgd", "minibatch"])
def test_stochastic_steps_too_large_say_what_to_do(solver) -> None:
    X, y = make_problem(200, 3, seed=73)
    objective = lk.Objective.from_data(10.0 * X, y)
    options = SolverOptions(tol=1e-8, max_iter=50, learning_rate=1e3, random_state=0)
    result = SOLVERS[solver].solve(objective, np.zeros(4), options)
    assert result.converged is False
    assert result.reason == (
        "the cost rose above its starting value with learning_rate=1000: use a smaller one, "
        "or leave learning_rate=None"
    )


def test_collinear_columns_read_relative_cuts() -> None:
    """Eigenvalues of the unit-diagonal Hessian at most 10⁻¹² × the largest (≈ 2 here) mark a
    dependence, and the columns with entries above 10⁻³ × the largest of its eigenvector are
    in it: 1 − ρ = 10⁻¹² is one, 4·10⁻¹² is not; an entry of 0.001 beside two of 0.707 is."""
    for gap, expected in ((1e-12, (0, 1)), (4e-12, ())):
        rho = 1.0 - gap
        hessian = np.array([[1.0, rho], [rho, 1.0]])
        assert newton_module.collinear_columns(hessian) == expected
    v = np.array([1.0, -1.0, 0.001])
    v /= np.linalg.norm(v)
    assert newton_module.collinear_columns(np.eye(3) - np.outer(v, v)) == (0, 1, 2)


def test_each_null_vector_is_cut_at_its_own_largest_entry() -> None:
    """A two-dimensional null space: u on coefficients 0 and 1 (entries 0.707) and v spread
    over 2–11 (entries 0.333, and 0.0005 on 11). The entry 0.0005 is above 10⁻³ × v's largest
    but below 10⁻³ × u's, so coefficient 11 is in v's dependence only when each vector is cut
    at its own maximum. The null eigenvalues are ≈ 0 and 10⁻¹² (both below the cut of
    10⁻¹² × the largest, ≈ 2), far enough apart that the two vectors stay distinct."""
    u = np.zeros(12)
    u[[0, 1]] = [1.0, -1.0]
    v = np.zeros(12)
    v[2:11] = 1.0
    v[11] = 0.0015
    u, v = u / np.linalg.norm(u), v / np.linalg.norm(v)
    hessian = np.eye(12) - np.outer(v, v) - (1.0 - 5e-13) * np.outer(u, u)
    assert newton_module.collinear_columns(hessian) == tuple(range(12))


def test_lbfgs_stopped_by_max_iter_is_not_converged() -> None:
    X, y = make_problem(300, 4, seed=74)
    options = SolverOptions(tol=1e-14, max_iter=2)
    result = SOLVERS["lbfgs"].solve(lk.Objective.from_data(X, y), np.zeros(5), options)
    assert result.converged is False and result.reason == "reached max_iter=2 iterations"


def test_newtons_final_step_reports_the_iteration_it_refines() -> None:
    """The final full step replaces the last entry of the history, and progress hears that
    entry again: its iteration number, the refined cost and violation."""
    X, y = make_problem(300, 3, seed=75)
    heard = []
    options = SolverOptions(tol=1e-30, max_iter=50, progress=lambda *entry: heard.append(entry))
    result = SOLVERS["newton"].solve(lk.Objective.from_data(X, y), np.zeros(4), options)
    assert result.reason.startswith("the Newton decrement fell below")
    last = len(result.loss) - 1
    assert heard[-1] == (last, result.loss[-1], result.grad_norm[-1])
    assert [entry[0] for entry in heard] == [*range(last + 1), last]


@pytest.mark.filterwarnings("ignore::logitkit.CollinearityWarning")
def test_gradient_descent_fits_around_an_aliased_column() -> None:
    """gd's step bound reads the data of the problem held to the kept columns (a
    ``Restricted`` cost): the same coefficients as Newton's, the aliased one reported as 0."""
    X, y = make_problem(300, 2, seed=77)
    X = np.column_stack([X, X[:, 0] + X[:, 1]])
    newton = lk.LogisticRegression(solver="newton").fit(X, y)
    gd = lk.LogisticRegression(solver="gd", tol=1e-10, max_iter=20_000).fit(X, y)
    np.testing.assert_allclose(gd.coef_, newton.coef_, rtol=1e-6, atol=1e-8)
    assert gd.coef_[0, 2] == 0.0


def test_gradient_descent_fits_a_screened_lasso_path() -> None:
    """The path fits each α on the weights the strong rule keeps (a ``Restricted`` cost): gd
    takes those fits as cd does, to its tolerance."""
    X, y = make_problem(300, 6, seed=78)
    gd = lk.logistic_path(X, y, l1_ratio=1.0, n_alphas=4, solver="gd", tol=1e-6, max_iter=20_000)
    cd = lk.logistic_path(X, y, l1_ratio=1.0, n_alphas=4, solver="cd", tol=1e-8)
    assert np.any(gd.n_screened > 0)
    np.testing.assert_allclose(gd.coefs, cd.coefs, atol=1e-4)


class _Quadratic:
    """J(θ) = ½‖θ‖² (``consistent``) or J = 0 with a constant gradient (1, 0), which no line
    search can decrease: a cost whose L-BFGS iterates are known exactly."""

    def __init__(self, consistent: bool = True) -> None:
        self.consistent = consistent

    def smooth_value_and_gradient(self, theta):
        if self.consistent:
            return 0.5 * float(theta @ theta), theta.copy()
        return 0.0, np.array([1.0, 0.0])

    def optimality(self, theta, grad) -> float:
        return float(np.max(np.abs(grad)))


def test_lbfgs_started_exactly_at_tol_stops_at_its_start() -> None:
    """‖∇J‖∞ = tol at the start is converged (≤): no step, the start returned."""
    start = np.array([0.5, -0.25])
    result = SOLVERS["lbfgs"].solve(_Quadratic(), start, SolverOptions(tol=0.5, max_iter=10))
    assert result.converged and result.n_iter == 0
    np.testing.assert_array_equal(result.coef, start)
    assert result.reason == "largest gradient (KKT) component 0.5 <= tol 0.5"


def test_lbfgs_meeting_tol_exactly_after_a_step_is_converged_by_it() -> None:
    """On ½‖θ‖² from (2, 0), L-BFGS's first step of length 1/‖∇J‖ lands on (1, 0), whose
    gradient norm 1 equals tol: converged by the tolerance, at that point."""
    result = SOLVERS["lbfgs"].solve(
        _Quadratic(), np.array([2.0, 0.0]), SolverOptions(tol=1.0, max_iter=10)
    )
    assert result.converged and result.n_iter == 1
    np.testing.assert_array_equal(result.coef, [1.0, 0.0])
    assert result.reason == "largest gradient (KKT) component 1 <= tol 1"


def test_lbfgs_stopped_by_its_line_search_at_100_tol_is_at_resolution() -> None:
    """A cost the line search cannot decrease stops L-BFGS where it started; a gradient norm
    of exactly 100·tol counts as the float64 resolution reached (converged), above it not."""
    start = np.array([0.3, 0.7])
    at = SOLVERS["lbfgs"].solve(_Quadratic(False), start, SolverOptions(tol=0.01, max_iter=10))
    np.testing.assert_array_equal(at.coef, start)
    assert at.converged
    assert at.reason.startswith("L-BFGS could not decrease the cost further (")
    assert at.reason.endswith(
        "with gradient norm 1, within 100x of tol 0.01: the cost's float64 resolution is reached"
    )
    above = SOLVERS["lbfgs"].solve(_Quadratic(False), start, SolverOptions(tol=0.009, max_iter=10))
    assert not above.converged and above.reason.endswith("with gradient norm 1 > tol 0.009")


def test_lbfgs_keeps_20_corrections_and_50_line_search_steps(monkeypatch) -> None:
    """The documented memory of L-BFGS (the last 20 gradient differences) and its line
    search's 50 evaluations, as SciPy is asked for them; ftol 0, so only gtol stops it."""
    from logitkit.solvers import lbfgs

    asked = {}
    original = lbfgs.minimize

    def spy(*args, **kwargs):
        asked.update(kwargs["options"])
        return original(*args, **kwargs)

    monkeypatch.setattr(lbfgs, "minimize", spy)
    SOLVERS["lbfgs"].solve(
        _Quadratic(), np.array([2.0, 1.0]), SolverOptions(tol=1e-8, max_iter=1000)
    )
    assert asked == {"maxiter": 1000, "gtol": 1e-8, "ftol": 0.0, "maxcor": 20, "maxls": 50}


@pytest.mark.parametrize(("n_features", "max_cg"), [(3, 100), (11, 120)])
def test_newton_cg_asks_cg_for_its_forcing_term_and_preconditioner(
    monkeypatch, n_features, max_cg
) -> None:
    """Each Newton–CG step asks CG for relative residual min(½, ‖∇J‖∞^¼), at most
    max(10p, 100) iterations and the inverse Hessian diagonal as preconditioner; every
    Hessian-vector product is one of CG's (none spent on telling the operator's dtype)."""
    from scipy.sparse.linalg import LinearOperator

    from logitkit.solvers import newton_cg

    X, y = make_problem(300, n_features, seed=93)
    objective = lk.Objective.from_data(X, y)
    products = {"all": 0, "cg": 0}
    original_operator = objective.hessian_operator

    def counted_operator(theta, *args):
        product = original_operator(theta, *args)

        def counted(v):
            products["all"] += 1
            return product(v)

        return counted

    monkeypatch.setattr(objective, "hessian_operator", counted_operator)
    diagonals = []
    original_diagonal = objective.hessian_diagonal
    monkeypatch.setattr(
        objective,
        "hessian_diagonal",
        lambda theta: diagonals.append(original_diagonal(theta)) or diagonals[-1],
    )
    calls = []
    original_cg = newton_cg.cg

    def spy(A, b, **kwargs):
        def in_cg(v):
            products["cg"] += 1
            return A.matvec(v)

        calls.append((b.copy(), kwargs, diagonals[-1]))
        return original_cg(LinearOperator(A.shape, matvec=in_cg, dtype=A.dtype), b, **kwargs)

    monkeypatch.setattr(newton_cg, "cg", spy)
    options = SolverOptions(tol=1e-8, max_iter=50)
    result = SOLVERS["newton-cg"].solve(objective, np.zeros(n_features + 1), options)
    assert result.converged and len(calls) == result.n_iter
    for b, kwargs, hessian_diagonal in calls:
        assert kwargs["rtol"] == min(0.5, float(np.max(np.abs(b))) ** 0.25)
        assert kwargs["maxiter"] == max_cg
        np.testing.assert_allclose(
            kwargs["M"].matvec(np.ones(n_features + 1)), 1.0 / hessian_diagonal, rtol=1e-12
        )
    assert products["all"] == products["cg"] > 0


def test_gds_first_trial_step_is_twice_1_over_l_where_twice_that_would_pass_too() -> None:
    """With 10 features the trace bound L̄ is far above the curvature at θ = 0, so steps of
    2/L̄ and 4/L̄ both pass the sufficient-decrease test: the first step taken is 2/L̄."""
    from logitkit.solvers.stochastic import smoothness

    X, y = make_problem(200, 10, seed=94)
    objective = lk.Objective.from_data(X, y)
    f, grad = objective.smooth_value_and_gradient(np.zeros(11))
    lipschitz = smoothness(objective)
    for step in (2.0 / lipschitz, 4.0 / lipschitz):
        delta = -step * grad
        assert objective.smooth_value(delta) <= f + grad @ delta + (delta @ delta) / (2.0 * step)
    result = SOLVERS["gd"].solve(objective, np.zeros(11), SolverOptions(tol=1e-12, max_iter=1))
    np.testing.assert_allclose(result.coef, -2.0 / lipschitz * grad, rtol=1e-12)


def test_gd_stops_at_max_iter_steps() -> None:
    X, y = make_problem(200, 3, seed=95)
    objective = lk.Objective.from_data(X, y)
    stopped = SOLVERS["gd"].solve(objective, np.zeros(4), SolverOptions(tol=1e-14, max_iter=3))
    assert stopped.converged is False and stopped.n_iter == 3
    assert stopped.reason == "reached max_iter=3 iterations"


def test_gd_with_a_step_too_small_to_move_runs_on_to_max_iter() -> None:
    """A fixed step that leaves θ unchanged keeps the cost at its start, which is not a rise."""
    X, y = make_problem(200, 3, seed=96)
    objective = lk.Objective.from_data(X, y)
    options = SolverOptions(tol=1e-8, max_iter=2, learning_rate=1e-300)
    result = SOLVERS["gd"].solve(objective, np.zeros(4), options)
    assert result.reason == "reached max_iter=2 iterations"


@pytest.mark.parametrize("alpha", [0.0, 0.01])
def test_full_newton_checks_collinearity_once_and_only_unpenalised(monkeypatch, alpha) -> None:
    checks = []
    original = newton_module.collinear_columns
    monkeypatch.setattr(
        newton_module, "collinear_columns", lambda h: checks.append(1) or original(h)
    )
    X, y = make_problem(500, 4, seed=97)
    objective = lk.Objective.from_data(X, y, alpha=alpha)
    result = SOLVERS["newton"].solve(objective, np.zeros(5), SolverOptions(tol=1e-10, max_iter=50))
    assert result.converged and result.n_iter >= 3
    assert len(checks) == (1 if alpha == 0.0 else 0)


def test_a_sampled_hessian_that_fails_to_factor_hands_over_to_the_full_one(monkeypatch) -> None:
    """When H_S's Cholesky factorisation fails after the first step, the full Hessian takes
    every later step, and the fit reaches the full Newton fit's optimum."""
    from scipy.linalg import LinAlgError

    calls = []
    original = newton_module.cho_factor

    def failing_second(matrix, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise LinAlgError("not positive definite")
        return original(matrix, **kwargs)

    monkeypatch.setattr(newton_module, "cho_factor", failing_second)
    X, y = make_problem(8000, 6, seed=45)
    objective = CountingObjective(lk.Objective.from_data(X, y))
    result = sampled_newton(objective, step=40)
    assert result.converged
    assert len(calls) == 2 and objective.full >= 1
    exact = SOLVERS["newton"].solve(
        lk.Objective.from_data(X, y), np.zeros(7), SolverOptions(tol=1e-10, max_iter=100)
    )
    np.testing.assert_allclose(result.coef, exact.coef, rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("columns", [40, 400])
def test_a_working_set_takes_the_largest_violations_among_the_zero_weights(columns) -> None:
    """With no nonzero weight the working set holds the unpenalised intercept and the 10
    largest of the positive violations: among 39, and among 399, where NumPy's selection
    leaves the largest anywhere past the kth position unless asked for the last 10."""
    from logitkit.solvers.coordinate_descent import working_set

    violations = np.random.default_rng(100).permutation(np.arange(float(columns)))
    penalised = np.ones(columns, dtype=bool)
    penalised[0] = False
    ws = working_set(np.zeros(columns), violations, penalised)
    largest = np.sort(np.argsort(violations)[-10:])
    np.testing.assert_array_equal(ws, np.concatenate(([0], largest)))


def test_cd_at_an_l1_strength_of_one_meets_the_lasso_conditions() -> None:
    """λ = αρ = 1 exactly (columns scaled by 10, so some weights stay nonzero): cd's inner
    solve is coordinate descent on the L1 model, and its result meets the lasso's optimality
    conditions, ∂f/∂w_j = −λ sign(w_j) where w_j ≠ 0 and |∂f/∂w_j| ≤ λ where w_j = 0, with a
    zero intercept derivative; proximal gd, far slower, reaches the same point."""
    X, y = make_problem(300, 4, seed=98)
    objective = lk.Objective.from_data(10.0 * X, y, alpha=1.0, l1_ratio=1.0)
    assert objective.penalty.l1_strength == 1.0
    cd = SOLVERS["cd"].solve(objective, np.zeros(5), SolverOptions(tol=1e-10, max_iter=100))
    assert cd.converged and 0 < np.count_nonzero(cd.coef[1:]) < 4
    _, grad = objective.smooth_value_and_gradient(cd.coef)
    w, g = cd.coef[1:], grad[1:]
    assert abs(grad[0]) < 1e-9
    np.testing.assert_allclose(g[w != 0], -np.sign(w[w != 0]), atol=1e-9)
    assert np.all(np.abs(g[w == 0]) <= 1.0)
    gd = SOLVERS["gd"].solve(objective, np.zeros(5), SolverOptions(tol=1e-6, max_iter=20_000))
    np.testing.assert_allclose(cd.coef, gd.coef, atol=1e-5)


def _fractions_of_the_first_step(trials, start) -> list[float]:
    """Each trial point's distance from ``start`` along the first trial's step, as a fraction
    of that step."""
    first = trials[0] - start
    return [float((trial - start) @ first / (first @ first)) for trial in trials]


def test_cd_halves_a_refused_step_until_the_cost_falls_enough(monkeypatch) -> None:
    """From a start far out (θ = 8 everywhere) the first proximal Newton steps overshoot: the
    trial points of a step lie at 1, ½, ¼, … of its direction, and the one taken satisfies
    J(θ + t d) ≤ J(θ) + 10⁻⁴ t Δ where the one before it did not."""
    X, y = make_problem(300, 3, seed=99)
    objective = lk.Objective.from_data(X, y, alpha=0.01, l1_ratio=1.0)
    trials = []
    original = objective.smooth_value_and_gradient

    def recorded(theta, *args):
        trials.append(np.array(theta))
        return original(theta, *args)

    monkeypatch.setattr(objective, "smooth_value_and_gradient", recorded)
    start = np.full(4, 8.0)
    result = SOLVERS["cd"].solve(objective, start, SolverOptions(tol=1e-8, max_iter=1))
    fractions = _fractions_of_the_first_step(trials[1:], start)
    assert len(fractions) >= 3
    np.testing.assert_allclose(fractions, 0.5 ** np.arange(len(fractions)), rtol=1e-12)
    np.testing.assert_array_equal(result.coef, trials[-1])


@pytest.mark.parametrize("solver", ["cd", "gd", "newton", "newton-cg"])
def test_a_solver_started_where_tol_is_met_exactly_takes_no_step(solver) -> None:
    X, y = make_problem(200, 3, seed=101)
    l1_ratio = 1.0 if solver == "cd" else 0.0
    objective = lk.Objective.from_data(X, y, alpha=0.01, l1_ratio=l1_ratio)
    start = np.array([0.1, 0.0, 0.2, 0.0])
    _, grad = objective.smooth_value_and_gradient(start)
    violation = objective.optimality(start, grad)
    result = SOLVERS[solver].solve(objective, start, SolverOptions(tol=violation, max_iter=5))
    assert result.converged and result.n_iter == 0
    np.testing.assert_array_equal(result.coef, start)
    assert (
        result.reason == f"largest gradient (KKT) component {violation:.3g} <= tol {violation:.3g}"
    )


def test_a_dask_minibatch_epoch_takes_the_chunks_in_the_order_of_the_shuffle(monkeypatch) -> None:
    """One step a chunk, the chunks in the order in which their first rows appear in the
    epoch's permutation of the rows, ``default_rng(random_state).permutation(n)``."""
    import dask
    import dask.array as da

    X, y = make_problem(100, 2, seed=102)
    objective = lk.Objective.from_data(
        da.from_array(X, chunks=(20, 2)), da.from_array(y, chunks=20)
    )
    taken = []
    original = objective.smooth_gradient
    monkeypatch.setattr(
        objective,
        "smooth_gradient",
        lambda theta, rows=None: taken.append(rows.start) or original(theta, rows),
    )
    options = SolverOptions(tol=1e-12, max_iter=1, batch_size=20, random_state=5)
    with dask.config.set(scheduler="synchronous"):
        SOLVERS["minibatch"].solve(objective, np.zeros(3), options)
    position = np.argsort(np.random.default_rng(5).permutation(100))
    expected = sorted(range(0, 100, 20), key=lambda start: position[start])
    assert taken == expected and expected != sorted(expected)


def test_an_in_memory_epoch_draws_one_permutation_of_the_rows() -> None:
    """All the data is one block: an epoch draws the rows' permutation and nothing else from
    the generator seeded by random_state, so the run's generator is then where one
    ``permutation(n)`` leaves it."""
    X, y = make_problem(120, 2, seed=103)
    objective = lk.Objective.from_data(X, y)
    options = SolverOptions(tol=1e-12, max_iter=1, random_state=6)
    result = SOLVERS["sgd"].solve(objective, np.zeros(3), options)
    rng = np.random.default_rng(6)
    rng.permutation(120)
    assert result.state.rng.bit_generator.state == rng.bit_generator.state


def _run_with_history(loss: list[float]):
    from logitkit.solvers.stochastic import StochasticRun

    theta = np.zeros(2)
    return StochasticRun(
        eta0=0.5,
        schedule="constant",
        batch_size=1,
        rng=np.random.default_rng(0),
        theta=theta,
        reported=theta,
        epochs=len(loss) - 1,
        loss=list(loss),
    )


def test_the_stochastic_verdicts_at_their_boundaries() -> None:
    """After ``window`` = 2 epochs: a last cost above the start stops the run as too large a
    step; a last cost equal to the start is a relative decrease of 0 over the window, which is
    converged; a decrease of exactly tol is not below tol."""
    rose = _run_with_history([1.0, 0.9, 1.1]).verdict(tol=1e-3, window=2)
    assert rose == (
        False,
        "the cost rose above its starting value with learning_rate=0.5: use a smaller one, "
        "or leave learning_rate=None",
    )
    flat = _run_with_history([1.0, 0.8, 1.0]).verdict(tol=1e-3, window=2)
    assert flat == (
        True,
        "the cost fell by 0 (relative) over the last 2 epochs, below tol 0.001",
    )
    assert _run_with_history([1.0, 0.9, 0.5]).verdict(tol=1.0, window=2) is None
    assert _run_with_history([1.0, 0.9]).verdict(tol=1e-3, window=2) is None


def test_a_stochastic_history_holds_the_cost_with_its_l1_part_and_the_elapsed_seconds() -> None:
    import time

    X, y = make_problem(200, 3, seed=104)
    objective = lk.Objective.from_data(X, y, alpha=0.05, l1_ratio=1.0)
    options = SolverOptions(tol=1e-12, max_iter=3, random_state=7)
    before = time.perf_counter()
    result = SOLVERS["sgd"].solve(objective, np.zeros(4), options)
    elapsed = time.perf_counter() - before
    expected = objective.smooth_value(result.coef) + 0.05 * np.abs(result.coef[1:]).sum()
    assert result.loss[-1] == pytest.approx(expected, rel=1e-12)
    assert 0.0 <= result.seconds[0] <= result.seconds[-1] <= elapsed
    assert result.converged is False and result.reason.startswith("reached max_iter=3 epochs")


def test_a_final_step_after_one_iteration_replaces_that_iterations_entry() -> None:
    import time

    from logitkit.solvers.base import Recorder

    before = time.perf_counter()
    recorder = Recorder(SolverOptions(tol=1e-8, max_iter=10))
    recorder.record(1.0, 0.5)
    recorder.record(0.9, 0.1)
    recorder.record_final_step(0.89, 0.01)
    elapsed = time.perf_counter() - before
    assert recorder.loss == [1.0, 0.89] and recorder.grad_norm == [0.5, 0.01]
    assert recorder.n_iterations == 1
    assert 0.0 <= recorder.seconds[0] <= recorder.seconds[1] <= elapsed


@pytest.mark.parametrize("n_classes", [2, 3])
def test_a_blocks_steps_scale_its_weights_by_the_runs_mean_weight(n_classes) -> None:
    """A block's data term is estimated with s̄ the mean weight of every sample the run has
    seen, not the block's own: weights 2 against s̄ = 1 step as weights 1 with twice the
    learning rate (compiled binary epochs and NumPy softmax epochs alike)."""
    from logitkit.solvers.stochastic import EpochSettings, Pass, block_epoch

    rng = np.random.default_rng(105)
    X = rng.standard_normal((30, 2))
    y = rng.integers(0, n_classes, 30)
    ends = []
    for weight, eta0 in ((2.0, 0.05), (1.0, 0.1)):
        block = lk.Objective.from_data(X, y, sample_weight=np.full(30, weight))
        settings = EpochSettings(eta0, "constant", 5, 30, 1.0)
        theta = np.zeros(block.n_params)
        start = Pass(theta, np.zeros_like(theta), 0, 0, np.random.default_rng(8))
        ends.append(block_epoch(block, settings, start).theta)
    assert np.any(ends[0] != 0.0)
    np.testing.assert_allclose(ends[0], ends[1], rtol=1e-12)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_a_blocks_schedule_counts_epochs_in_the_runs_samples(n_classes) -> None:
    """η_t = η₀/(1 + t/m)^½ with m the samples of the run's whole epoch, not the block's: one
    batch of a block of 30 rows, after t = 30 samples of an epoch of m = 120, steps with
    η₀/√1.25."""
    from logitkit.solvers.stochastic import EpochSettings, Pass, block_epoch

    rng = np.random.default_rng(106)
    X = rng.standard_normal((30, 2))
    block = lk.Objective.from_data(X, rng.integers(0, n_classes, 30))
    theta = np.zeros(block.n_params)
    ends = []
    for settings in (
        EpochSettings(0.1, "invscaling", 30, 120, 1.0),
        EpochSettings(0.1 / np.sqrt(1.25), "constant", 30, 120, 1.0),
    ):
        start = Pass(theta, np.zeros_like(theta), 0, 30, np.random.default_rng(9))
        ends.append(block_epoch(block, settings, start).theta)
    assert np.any(ends[0] != 0.0)
    np.testing.assert_allclose(ends[0], ends[1], rtol=1e-12)


def test_an_epoch_tells_its_blocks_the_chunks_samples_and_mean_weight() -> None:
    """A chunk of 50 samples of mean weight 2, seen first: every block of the epoch steps with
    m = 50 and s̄ = 2, starting at t = 0 samples seen."""
    from logitkit.solvers.stochastic import EpochSettings

    asked = []

    class Recording:
        n_blocks = 2
        n_samples = 50

        def weight_mean(self):
            return 2.0

        def run_epoch(self, settings, order, state):
            asked.append((settings, sorted(order), state.seen))
            return state

    run = _run_with_history([1.0])
    run.epoch(Recording())
    assert asked == [(EpochSettings(0.5, "constant", 1, 50, 2.0), [0, 1], 0)]


def test_newton_halves_a_refused_full_step(monkeypatch) -> None:
    """From θ = 8 everywhere Newton's full step overshoots: the trial points lie at 1, ½, ¼, …
    of the direction (the last one evaluated again for its gradient once accepted), and a fit
    stopped by max_iter says so, unconverged."""
    X, y = make_problem(300, 3, seed=107)
    objective = lk.Objective.from_data(X, y)
    trials = []
    for name in ("smooth_value", "smooth_value_and_gradient"):
        original = getattr(objective, name)
        monkeypatch.setattr(
            objective,
            name,
            lambda theta, *args, _original=original: (
                trials.append(np.array(theta)) or _original(theta, *args)
            ),
        )
    start = np.full(4, 8.0)
    result = SOLVERS["newton"].solve(objective, start, SolverOptions(tol=1e-8, max_iter=1))
    fractions = _fractions_of_the_first_step(trials[1:], start)
    assert len(fractions) >= 4 and fractions[-1] == fractions[-2]
    halvings = 0.5 ** np.arange(len(fractions) - 1)
    np.testing.assert_allclose(fractions[:-1], halvings, rtol=1e-12)
    assert result.converged is False and result.reason == "reached max_iter=1 iterations"


def test_float32_data_take_each_solvers_float32_default_tolerance() -> None:
    for solver in SOLVERS.values():
        assert solver.default_tol(np.float32) == solver.tol_float32
        assert solver.default_tol(np.float64) == solver.tol
    assert SOLVERS["newton"].tol_float32 > SOLVERS["newton"].tol
