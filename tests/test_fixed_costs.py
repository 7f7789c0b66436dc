"""The shortcuts that cut a small fit's fixed cost give the answers of the longer ways.

- the caches of the last evaluations test θ bit for bit: the same θ is answered from them,
  another θ (or another dtype) is evaluated again, and kept sums answer before the design is
  asked whether its pass applies;
- collinear columns are settled from the eigenvalues alone when they are clearly full rank, and
  by the eigenvectors otherwise, with the same answer;
- the Cholesky direction is the solve of H d = −∇J, damped only when H has no factor;
- Σs is summed once, when the objective is made;
- a small fit's one BLAS thread is set and restored without threadpoolctl's full report;
- the θ a record holds of one output is θ in the dtype of X, as the class-by-class layout
  gives it;
- a fit hands its parameters to the objective it builds, which is the one built without them.
"""

from __future__ import annotations

import numpy as np
import pytest
from threadpoolctl import threadpool_info, threadpool_limits

import logitkit as lk
import logitkit.backends.dense as dense
import logitkit.solvers.newton as newton_module
from logitkit.core.layout import class_coefficients, flat_coefficients
from logitkit.core.objective import same_point
from logitkit.models.build import build_objective
from logitkit.models.fitting import blas_threads, reported_theta


def _data(n: int = 300, p: int = 4, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    y = (rng.random(n) < 1.0 / (1.0 + np.exp(-(X @ rng.standard_normal(p))))).astype(float)
    return X, y


def _counted(monkeypatch, name: str) -> list[int]:
    """Count the calls of ``DenseDesign.<name>``, still made."""
    calls: list[int] = []
    original = getattr(dense.DenseDesign, name)

    def counted(self, *args, **kwargs):
        calls.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(dense.DenseDesign, name, counted)
    return calls


def test_a_point_is_the_same_bit_for_bit() -> None:
    theta = np.array([0.5, -1.25, 3.0])
    assert same_point(theta, theta.copy())
    assert same_point(theta, [0.5, -1.25, 3.0])
    assert not same_point(theta, np.array([0.5, -1.25, np.nextafter(3.0, 4.0)]))
    assert not same_point(theta, theta.astype(np.float32))
    assert not same_point(theta, theta[:2])
    assert not same_point(theta, theta.reshape(3, 1))
    # −0.0 is another θ to the cache: it evaluates again, to the same numbers.
    assert not same_point(np.zeros(2), -np.zeros(2))


def test_the_kept_sums_answer_at_the_same_point_and_not_at_another(monkeypatch) -> None:
    X, y = _data()
    objective = lk.Objective.from_data(X, y)
    objective.expect_hessians(every_step=True)
    passes = _counted(monkeypatch, "fused_sums")
    theta = np.linspace(-0.2, 0.3, objective.n_params)
    value, grad = objective.smooth_value_and_gradient(theta)
    assert len(passes) == 1
    again_value, again_grad = objective.smooth_value_and_gradient(theta.copy())
    hessian = objective.hessian(theta.copy())
    assert len(passes) == 1
    assert again_value == value
    np.testing.assert_array_equal(again_grad, grad)
    again_grad[0] += 1.0  # a copy: the kept gradient does not change
    np.testing.assert_array_equal(objective.smooth_value_and_gradient(theta)[1], grad)
    other = theta.copy()
    other[1] = np.nextafter(other[1], 1.0)
    objective.smooth_value_and_gradient(other)
    assert len(passes) == 2
    np.testing.assert_allclose(objective.hessian(other), hessian, rtol=1e-12)


def test_kept_sums_answer_before_the_design_is_asked(monkeypatch) -> None:
    X, y = _data()
    objective = lk.Objective.from_data(X, y)
    theta = np.zeros(objective.n_params)
    asked = _counted(monkeypatch, "gram_fuses")
    sums = objective.fused_sums(theta, hessian=True)
    assert sums is not None
    before = len(asked)
    assert objective.fused_sums(theta) is sums
    assert objective.fused_sums(theta, hessian=True) is sums
    assert len(asked) == before
    assert objective.fused_sums(theta, score_outer=True) is not sums
    assert len(asked) > before


def test_the_unpenalised_gradient_and_hessian_take_no_ridge() -> None:
    X, y = _data()
    plain = lk.Objective.from_data(X, y)
    theta = np.linspace(-0.2, 0.3, plain.n_params)
    value, grad = plain.smooth_value_and_gradient(theta)
    ridge = lk.Objective.from_data(X, y, alpha=0.5)
    ridge_value, ridge_grad = ridge.smooth_value_and_gradient(theta)
    weights = theta[1:]
    assert ridge_value == pytest.approx(value + 0.25 * float(weights @ weights), rel=1e-12)
    np.testing.assert_allclose(ridge_grad[1:], grad[1:] + 0.5 * weights, rtol=1e-12)
    assert ridge_grad[0] == grad[0]
    difference = ridge.hessian(theta) - plain.hessian(theta)
    np.testing.assert_allclose(difference, np.diag([0.0, *[0.5] * 4]), atol=1e-12)
    assert plain.optimality(theta, grad) == float(np.max(np.abs(grad)))


def _with_eigenvalues(values: list[float], seed: int = 0) -> np.ndarray:
    """A symmetric matrix with these eigenvalues (in a random basis)."""
    basis, _ = np.linalg.qr(np.random.default_rng(seed).standard_normal((len(values),) * 2))
    return (basis * np.asarray(values)) @ basis.T


def test_clearly_full_rank_needs_no_eigenvectors(monkeypatch) -> None:
    X, _ = _data()
    hessian = np.column_stack([np.ones(len(X)), X])
    hessian = hessian.T @ hessian
    monkeypatch.setattr(
        newton_module.np.linalg, "eigh", lambda *a: pytest.fail("eigenvectors computed")
    )
    assert newton_module.collinear_columns(hessian) == ()


@pytest.mark.parametrize(
    ("smallest", "clear"), [(1e-3, True), (1e-11, False), (2e-12, False), (1e-14, False)]
)
def test_eigenvalues_alone_settle_only_what_is_clear(smallest: float, clear: bool) -> None:
    matrix = _with_eigenvalues([smallest, 0.5, 1.0, 2.0])
    assert newton_module._clearly_full_rank(matrix) is clear
    found = newton_module.collinear_columns(matrix)
    # The eigenvectors decide what the eigenvalues leave open, as they always did.
    scale = 1.0 / np.sqrt(np.diag(matrix))
    values = np.linalg.eigvalsh(matrix * scale[:, None] * scale[None, :])
    assert bool(found) == bool(values[0] <= 1e-12 * values[-1])


def test_a_matrix_that_is_not_finite_is_not_clearly_full_rank() -> None:
    matrix = np.eye(3)
    matrix[0, 1] = matrix[1, 0] = np.inf
    assert not newton_module._clearly_full_rank(matrix)


def test_the_cholesky_direction_is_the_newton_step() -> None:
    hessian = _with_eigenvalues([0.5, 1.0, 2.0, 4.0], seed=3)
    grad = np.array([1.0, -2.0, 0.5, 0.25])
    direction = newton_module.cholesky_direction(hessian, grad)
    np.testing.assert_allclose(direction, -np.linalg.solve(hessian, grad), rtol=1e-12)
    singular = np.ones((2, 2))
    damped = newton_module.cholesky_direction(singular, np.array([1.0, -1.0]))
    assert np.all(np.isfinite(damped))


def test_the_total_weight_is_summed_once() -> None:
    X, y = _data()
    weights = np.random.default_rng(4).random(len(y)) + 0.5
    objective = lk.Objective.from_data(X, y, sample_weight=weights)
    assert type(objective.total_weight) is float
    assert objective.total_weight == float(weights.sum())
    assert objective._total == float(weights.sum())


def _blas_counts() -> list[int]:
    return [info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas"]


def test_a_small_fit_sets_one_blas_thread_and_restores_the_others() -> None:
    X, y = _data()
    objective = build_objective(lk.LogisticRegression(), X, y, None, reset=True)
    with threadpool_limits(limits=2, user_api="blas"):
        before = _blas_counts()
        with blas_threads(objective):
            assert set(_blas_counts()) == {1}
        assert _blas_counts() == before
        with pytest.raises(RuntimeError), blas_threads(objective):
            raise RuntimeError("restored even so")
        assert _blas_counts() == before
    with threadpool_limits(limits=1, user_api="blas"), blas_threads(objective):
        assert set(_blas_counts()) == {1}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("classes", [2, 3])
@pytest.mark.parametrize("alpha", [0.0, 0.1])
def test_the_reported_theta_is_the_class_layouts(dtype, classes: int, alpha: float) -> None:
    X, y = _data()
    labels = (y + (X[:, 0] > 1.0)).astype(int) if classes == 3 else y
    model = lk.LogisticRegression(alpha=alpha).fit(X.astype(dtype), labels)
    objective = build_objective(model, X.astype(dtype), labels, None, reset=True)
    coef = np.random.default_rng(5).standard_normal(objective.n_params)
    design, datafit = objective.design, objective.datafit
    weights, intercept = (
        a.astype(dtype)
        for a in class_coefficients(coef, datafit, design.n_params, design.fit_intercept)
    )
    expected = flat_coefficients(weights, intercept, datafit, design.fit_intercept)
    theta = reported_theta(objective, coef)
    assert theta.dtype == np.float64
    np.testing.assert_array_equal(theta, expected)
    np.testing.assert_array_equal(
        model.record_.theta, reported_theta(objective, model.record_.theta)
    )


def test_a_fit_builds_its_objective_from_the_parameters_it_read() -> None:
    X, y = _data()
    model = lk.LogisticRegression(alpha=0.3, l1_ratio=0.5)
    given = build_objective(model, X, y, None, reset=True, params=model.get_params())
    read = build_objective(model, X, y, None, reset=True)
    assert given.penalty.alpha == read.penalty.alpha == 0.3
    assert given.penalty.l1_ratio == read.penalty.l1_ratio == 0.5
    np.testing.assert_array_equal(given.penalty.penalised, read.penalty.penalised)
    theta = np.linspace(-0.1, 0.1, given.n_params)
    assert given.value(theta) == read.value(theta)


def test_the_certificate_compares_its_eigenvalue_by_a_cholesky_factor() -> None:
    """λ_min σ_min(A D) > 2‖D r‖ decided by the factor of D AᵀA D − tI gives the answer of the
    smallest eigenvalue itself, on both sides of the threshold (away from it by more than the
    shift's k²ε), with and without a bound in its place."""
    from logitkit.inference.separation import _certificate_holds

    rng = np.random.default_rng(11)
    decided = set()
    for k in (2, 6, 31):
        rows = rng.standard_normal((3 * k, k)) * rng.uniform(0.1, 10.0, k)
        gram = rows.T @ rows
        scale = 1.0 / np.sqrt(gram.diagonal())
        lowest = np.linalg.eigvalsh(gram * scale[:, None] * scale[None, :])[0]
        score = rng.standard_normal(k)
        needed = 2.0 * np.linalg.norm(scale * score)
        for ratio in (0.5, 0.99, 1.01, 2.0):
            smallest = ratio * needed / np.sqrt(lowest)
            expected = smallest * np.sqrt(lowest) > needed
            assert _certificate_holds(smallest, gram, score) == expected
            decided.add(expected)
        assert _certificate_holds(needed * 1.01, gram, score, lowest=1.0)
        assert not _certificate_holds(0.0, gram, score)
    assert decided == {True, False}


def test_exact_newton_guesses_its_last_step_at_a_quadratic_rate() -> None:
    """gₖ₊₁ = gₖ (gₖ/gₖ₋₁)² for the exact Hessian: 2.8e-4 then 8.0e-7 predict 6.7e-12, which
    the linear rule (gₖ²/gₖ₋₁ = 2.3e-9) does not see to be below tol = 1e-10."""
    assert newton_module.likely_last(8.0e-7, 2.76e-4, 1e-10, quadratic=True)
    assert not newton_module.likely_last(8.0e-7, 2.76e-4, 1e-10)
    assert not newton_module.likely_last(2.76e-4, 5.36e-3, 1e-10, quadratic=True)  # 7.3e-7
    assert not newton_module.likely_last(1e-3, np.inf, 1e-10, quadratic=True)


def test_a_small_fit_brings_its_statistics_with_its_last_step(monkeypatch) -> None:
    """A 2,000 × 10 fit whose gradients fall 2.8e-4, 8.0e-7, 6.6e-12: the step predicted to be
    the last brings the meat with the Hessian, so the statistics need no pass of their own,
    and the summary's robust errors equal those of a fit that took that pass."""
    from logitkit.backends import _fused_gram

    rng = np.random.default_rng(0)
    X = rng.standard_normal((2000, 10))
    beta = rng.standard_normal(10)
    y = (rng.random(2000) < 1.0 / (1.0 + np.exp(-0.5 * (X @ beta)))).astype(int)
    made: list[tuple[bool, bool]] = []
    kernel = _fused_gram.value_gradient_grams

    def counted(*args, **kwargs):
        made.append((bool(args[6]), bool(args[7])))
        return kernel(*args, **kwargs)

    monkeypatch.setattr(_fused_gram, "value_gradient_grams", counted)
    model = lk.LogisticRegression().fit(X, y)
    assert model.n_iter_ == 5 and made == [(True, False)] * 5 + [(True, True)]
    monkeypatch.setattr(newton_module, "LAST_STEP_MARGIN", 1e30)
    made.clear()
    missed = lk.LogisticRegression().fit(X, y)
    assert made == [(True, False)] * 6 + [(False, True)]
    np.testing.assert_array_equal(model.coef_, missed.coef_)
    made.clear()
    robust = model.summary(cov_type="HC0").table["std_err"]
    assert made == []
    np.testing.assert_allclose(robust, missed.summary(cov_type="HC0").table["std_err"], rtol=1e-12)
