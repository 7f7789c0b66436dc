"""The fast paths for large data give the answers of the plain ones.

- the fused pass over a dense X (one read for the cost, the gradient and the logits) against
  the NumPy products, at chunk boundaries, for float32 and with weights, offsets and no
  intercept, and independent of the number of threads;
- the compiled column maxima against NumPy's, and their hand-over to NumPy for an X that is
  not finite;
- Newton with a Hessian from a sample of rows against exact Newton, including the fallbacks
  to the full Hessian;
- fits that leave their information matrix to summary() against fits that keep it;
- the overlap certificate that spares a converged fit the separation programs.
"""

from __future__ import annotations

import tracemalloc

import numba
import numpy as np
import pytest

import logitkit as lk
import logitkit.backends.fused
import logitkit.core.objective
import logitkit.inference.statistics
import logitkit.models.fitting
import logitkit.solvers
from logitkit.backends._columns import column_summaries
from logitkit.backends._fused import CHUNK, value_gradient
from logitkit.backends.design import make_design
from logitkit.core.exceptions import SingularDesignError
from logitkit.inference.separation import detect_separation, overlap_certified
from logitkit.solvers import SOLVERS, SolverOptions
from problems import make_problem


def numpy_value_gradient(X, coef, y, weights, offset, fit_intercept):
    """J₀ = Σ sᵢ Lᵢ / Σ s and its gradient, from NumPy products in float64."""
    X = np.asarray(X, dtype=np.float64)
    s = weights / weights.sum()
    z = X @ coef[int(fit_intercept) :] + (coef[0] if fit_intercept else 0.0)
    if offset is not None:
        z = z + offset
    loss = np.logaddexp(0.0, z) - y * z
    r = s * (1.0 / (1.0 + np.exp(-z)) - y)
    grad = X.T @ r
    if fit_intercept:
        grad = np.concatenate(([r.sum()], grad))
    return float(s @ loss), grad, z


@pytest.mark.parametrize("n", [1, 13, CHUNK - 1, CHUNK, 3 * CHUNK + 17])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_fused_pass_equals_the_numpy_products(n, dtype) -> None:
    rng = np.random.default_rng(n)
    X = rng.standard_normal((n, 7)).astype(dtype)
    y = (rng.random(n) < 0.4).astype(dtype)
    weights = rng.random(n) + 0.5
    offset = rng.standard_normal(n)
    coef = rng.standard_normal(8)
    s = weights / weights.sum()
    loss, grad, z = value_gradient(X, coef[1:], coef[0], y, s, offset)
    expected = numpy_value_gradient(X, coef, y.astype(float), weights, offset, True)
    assert loss == pytest.approx(expected[0], rel=1e-13)
    np.testing.assert_allclose(grad, expected[1], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(z, expected[2], rtol=1e-12, atol=1e-13)


def test_fused_pass_is_exact_in_the_tails() -> None:
    """|z| up to 1e300: finite, no warnings, the loss of each label as cross_entropy gives it."""
    X = np.array([[1e300], [-1e300], [40.0], [-40.0]])
    y = np.array([1.0, 1.0, 1.0, 0.0])
    s = np.full(4, 0.25)
    with np.errstate(all="raise"):
        loss, grad, _ = value_gradient(X, np.ones(1), 0.0, y, s, None)
    assert loss == pytest.approx(0.25 * float(np.sum(lk.cross_entropy(y, X[:, 0]))), rel=1e-15)
    assert np.all(np.isfinite(grad))


def test_fused_pass_does_not_depend_on_the_number_of_threads() -> None:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((5 * CHUNK + 3, 11))
    y = (rng.random(X.shape[0]) < 0.5).astype(float)
    s = np.full(X.shape[0], 1.0 / X.shape[0])
    coef = rng.standard_normal(11)
    threads = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        single = value_gradient(X, coef, 0.3, y, s, None)
    finally:
        numba.set_num_threads(threads)
    several = value_gradient(X, coef, 0.3, y, s, None)
    assert single[0] == several[0]
    np.testing.assert_array_equal(single[1], several[1])


@pytest.mark.parametrize("n", [1, 2, 1001])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_the_compiled_column_maxima_equal_numpy(n, dtype) -> None:
    """maxᵢ |xᵢⱼ| from one compiled pass, exactly NumPy's, an infinite or NaN entry
    included, through the kernel and through the design."""
    X = (np.random.default_rng(n).standard_normal((n, 9)) * np.arange(1, 10)).astype(dtype)
    np.testing.assert_array_equal(
        column_summaries(X).maxima, np.max(np.abs(X), axis=0).astype(float)
    )
    for bad in (np.inf, -np.inf, np.nan):
        spoiled = X.copy()
        spoiled[n // 2, 4] = bad
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(logitkit.backends.fused, "FUSED_MIN_ENTRIES", 0)
            top = make_design(spoiled, True).column_abs_max()
        for maxima in (column_summaries(spoiled).maxima, top[1:]):
            assert np.isnan(maxima[4]) if np.isnan(bad) else maxima[4] == np.inf


@pytest.fixture
def fused_everywhere(monkeypatch):
    """Route every dense objective through the fused pass, whatever its size."""
    monkeypatch.setattr(logitkit.backends.fused, "FUSED_MIN_ENTRIES", 0)


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_objective_on_the_fused_pass_equals_numpy(fused_everywhere, fit_intercept, dtype) -> None:
    X, y = make_problem(CHUNK + 5, 4, seed=3)
    X = X.astype(dtype)
    weights = np.random.default_rng(1).random(len(y)) + 0.1
    objective = lk.Objective.from_data(
        X, y, alpha=0.01, sample_weight=weights, fit_intercept=fit_intercept
    )
    objective.design = logitkit.backends.design.make_design(X, fit_intercept)
    coef = np.linspace(-0.5, 0.5, objective.n_params)
    value, grad = objective.smooth_value_and_gradient(coef)
    expected_value, expected_grad, _ = numpy_value_gradient(
        X, coef, y.astype(float), weights, None, fit_intercept
    )
    ridge = 0.01 * coef[int(fit_intercept) :]
    assert value == pytest.approx(expected_value + 0.5 * float(ridge @ coef[int(fit_intercept) :]))
    np.testing.assert_allclose(
        grad, expected_grad + np.concatenate(([0.0] * fit_intercept, ridge)), rtol=1e-10
    )
    assert objective.smooth_value(coef) == value
    np.testing.assert_array_equal(objective.smooth_gradient(coef), grad)


def test_fits_on_the_fused_pass_equal_the_numpy_fits(fused_everywhere, problem) -> None:
    X, y = problem
    for solver in ("newton", "lbfgs", "gd", "newton-cg"):
        fused = lk.LogisticRegression(solver=solver).fit(X, y)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(logitkit.backends.fused, "FUSED_MIN_ENTRIES", np.inf)
            plain = lk.LogisticRegression(solver=solver).fit(X, y)
        np.testing.assert_allclose(fused.coef_, plain.coef_, rtol=1e-7)
        assert fused.loglik_ == pytest.approx(plain.loglik_, rel=1e-12)


def newton(objective, step=None):
    coef0 = np.zeros(objective.n_params)
    options = SolverOptions(tol=1e-10, max_iter=100, hessian_sample_step=step)
    return SOLVERS["newton"].solve(objective, coef0, options)


def test_sampled_hessian_reaches_the_exact_newton_optimum() -> None:
    X, y = make_problem(6000, 40, seed=5)
    objective = lk.Objective.from_data(X, y)
    exact, sampled = newton(objective), newton(objective, step=8)
    assert exact.converged and sampled.converged
    np.testing.assert_allclose(sampled.coef, exact.coef, rtol=1e-8, atol=1e-10)
    assert sampled.n_iter > exact.n_iter  # linear, not quadratic, convergence


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_a_sampled_hessian_reads_the_logits_the_pass_at_its_theta_kept(
    fused_everywhere, monkeypatch, dtype
) -> None:
    """After the fused pass at θ, H_S over every k-th row takes zᵢ from that pass (offset
    included) instead of a new product with the sample, and equals H_S computed afresh."""
    X, y = make_problem(3 * CHUNK + 11, 6, seed=8)
    X = X.astype(dtype)
    offset = np.linspace(-0.3, 0.3, len(y))
    coef = np.linspace(-0.4, 0.6, 7)
    rows = slice(0, None, 5)
    fresh = lk.Objective.from_data(X, y, offset=offset).hessian(coef, rows=rows)
    objective = lk.Objective.from_data(X, y, offset=offset)
    objective.smooth_value_and_gradient(coef)

    def no_product(*args, **kwargs):
        raise AssertionError("the sample's logits were computed again")

    monkeypatch.setattr(type(objective.design), "linear_predictor", no_product)
    np.testing.assert_allclose(
        objective.hessian(coef, rows=rows), fresh, rtol=1e-6 if dtype == np.float32 else 1e-13
    )
    # At another θ the kept logits do not apply, and the sample's product is made.
    with pytest.raises(AssertionError, match="computed again"):
        objective.hessian(coef + 0.1, rows=rows)


def test_sampled_hessian_gives_way_to_the_full_one_on_a_column_absent_from_the_sample() -> None:
    """A rare indicator that is 0 on every sampled row makes H_S singular."""
    X, y = make_problem(4000, 3, seed=6)
    rare = np.zeros((4000, 1))
    rare[1::8][:60] = 1.0  # never on the sampled rows 0, 8, 16, ...
    X = np.hstack((X, rare))
    objective = lk.Objective.from_data(X, y, alpha=0.0)
    exact, sampled = newton(objective), newton(objective, step=8)
    assert sampled.converged
    np.testing.assert_allclose(sampled.coef, exact.coef, rtol=1e-8)


def test_sampled_hessian_still_finds_collinear_columns() -> None:
    X, y = make_problem(4000, 3, seed=7)
    X = np.column_stack((X, X[:, 0] - X[:, 1]))
    with pytest.raises(SingularDesignError):
        newton(lk.Objective.from_data(X, y), step=8)


def test_auto_samples_the_hessian_of_a_tall_dense_design(monkeypatch, problem) -> None:
    X, y = problem
    monkeypatch.setattr(logitkit.solvers, "HESSIAN_SAMPLE_ROWS", 100)
    monkeypatch.setattr(logitkit.solvers, "HESSIAN_SAMPLE_MIN_PARAMS", 2)
    sampled_rows: list[object] = []
    hessian = logitkit.core.objective.Objective.hessian

    def recording_hessian(self, coef, rows=None):
        sampled_rows.append(rows)
        return hessian(self, coef, rows)

    monkeypatch.setattr(logitkit.core.objective.Objective, "hessian", recording_hessian)
    auto = lk.LogisticRegression().fit(X, y)
    assert slice(0, None, 20) in sampled_rows
    exact = lk.LogisticRegression(solver="newton").fit(X, y)
    np.testing.assert_allclose(auto.coef_, exact.coef_, rtol=1e-8)
    assert auto.solver_ == "newton"


def test_a_large_fit_leaves_its_information_matrix_to_summary(monkeypatch, problem) -> None:
    X, y = problem
    kept = lk.LogisticRegression().fit(X, y)
    monkeypatch.setattr(logitkit.inference.statistics, "MAX_MATRIX_WORK", 10.0)
    left = lk.LogisticRegression().fit(X, y)
    assert left.information_ is None and left.score_outer_ is None
    assert left.loglik_ == kept.loglik_
    with pytest.raises(ValueError, match=r"pass X and y .* to summary\(\)"):
        left.summary()
    for cov_type in ("nonrobust", "HC1"):
        expected = kept.summary(cov_type=cov_type).table
        actual = left.summary(cov_type=cov_type, X=X, y=y).table
        np.testing.assert_allclose(actual.to_numpy(), expected.to_numpy(), rtol=1e-10)


def peak_memory_of_fit(X, y) -> int:
    """tracemalloc's peak, in bytes, during a default fit."""
    tracemalloc.start()
    try:
        lk.LogisticRegression().fit(X, y)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_float32_is_fitted_without_a_float64_copy_and_matches_float64() -> None:
    """A float32 fit allocates at most a quarter of X beyond X (tracemalloc) and agrees to 1e-5."""
    X, y = make_problem(100_000, 100, seed=8, scale=0.1)
    X32 = X.astype(np.float32)
    single = lk.LogisticRegression().fit(X32, y)
    double = lk.LogisticRegression().fit(X32.astype(np.float64), y)
    assert single.coef_.dtype == np.float32
    np.testing.assert_allclose(single.coef_, double.coef_, rtol=1e-5, atol=1e-6)
    assert peak_memory_of_fit(X32, y) <= 0.25 * X32.nbytes


def test_a_dense_float64_fit_allocates_at_most_a_quarter_of_x() -> None:
    X, y = make_problem(100_000, 100, seed=9, scale=0.1)
    assert peak_memory_of_fit(X, y) <= 0.25 * X.nbytes


def fitted(X, y, **params):
    """The estimator's objective and fitted θ, as the separation check sees them."""
    model = lk.LogisticRegression(**params).fit(X, y)
    objective = lk.Objective.from_data(X, y, fit_intercept=model.fit_intercept)
    return objective, model.record_.theta


@pytest.mark.parametrize("seed", range(5))
def test_an_overlap_certificate_agrees_with_the_linear_programs(seed) -> None:
    X, y = make_problem(3000, 6, seed=seed)
    objective, coef = fitted(X, y)
    assert overlap_certified(objective, coef)
    assert detect_separation(make_design(X, True), y, None, [f"x{j}" for j in range(7)]) is None


# max_iter is cut short on purpose, so that the certificate also sees fits stopped early:
# their ConvergenceWarning is expected.
@pytest.mark.filterwarnings("ignore::logitkit.ConvergenceWarning")
@pytest.mark.parametrize("seed", range(8))
def test_separated_data_are_never_certified(seed) -> None:
    """Complete and quasi-complete separation, however the fit ended: in memory, and by
    passes over Dask chunks, whose certificate reads the Hessian and takes Newton steps."""
    dask = pytest.importorskip("dask")
    da = pytest.importorskip("dask.array")
    from logitkit.core.penalties import ElasticNet

    rng = np.random.default_rng(seed)
    X = rng.standard_normal((400, 3))
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(float)
    if seed % 2:  # quasi-complete: overlapping rows on the boundary x0 = 0
        X[:40, 0] = 0.0
        y[:40] = rng.random(40) < 0.5
        y[40:] = X[40:, 0] > 0
    with pytest.warns(lk.SeparationWarning):
        objective, coef = fitted(X, y, solver="newton", max_iter=5 + seed)
    assert not overlap_certified(objective, coef)
    design = make_design(da.from_array(X, chunks=(150, 3)), True)
    by_passes = lk.Objective(design, y, np.ones(len(y)), ElasticNet(0.0, 0.0, 4, True))
    with dask.config.set(scheduler="synchronous"):
        assert not overlap_certified(by_passes, coef)


def test_certified_fits_skip_the_linear_programs(monkeypatch, problem) -> None:
    X, y = problem
    calls = []
    monkeypatch.setattr(
        logitkit.models.fitting, "detect_separation", lambda *args: calls.append(args) or None
    )
    lk.LogisticRegression().fit(X, y)
    assert calls == []
    weights = np.ones(len(y))
    weights[:10] = 0.0  # rows of weight 0 play no part in the certificate either
    lk.LogisticRegression().fit(X, y, sample_weight=weights)
    assert calls == []
    lk.LogisticRegression(firth=True).fit(X, y)  # Firth's score is not the likelihood's
    assert len(calls) == 1


def test_a_stochastic_fit_is_certified_by_newton_steps_on_a_row_sample(monkeypatch) -> None:
    """One SGD epoch stops far from the optimum: the full-data test fails there, and Newton
    steps on the certificate's row sample (every 2nd of 50,000 rows) prove the overlap, so the
    linear programs do not run; without the steps they would."""
    X, y = make_problem(50_000, 5, seed=11)
    calls = []
    monkeypatch.setattr(
        logitkit.models.fitting, "detect_separation", lambda *args: calls.append(args) or None
    )
    with pytest.warns(lk.ConvergenceWarning):
        model = lk.LogisticRegression(solver="sgd", max_iter=1, random_state=0).fit(X, y)
    assert calls == [] and model.separation_ is None
    objective = lk.Objective.from_data(X, y)
    theta = model.record_.theta
    monkeypatch.setattr(logitkit.inference.separation, "_SAMPLE_NEWTON_STEPS", 0)
    assert not overlap_certified(objective, theta)
    names = [f"x{j}" for j in range(6)]
    assert detect_separation(make_design(X, True), y, None, names) is None


def test_the_certificate_skips_lambda_over_every_row_when_the_sample_already_rules_it_out(
    monkeypatch,
) -> None:
    """λ_min over all rows ≤ λ_min over S and σ_min(A_S D) ≤ 1: when λ_min(S) ≤ 2‖D r‖ the
    test at the fit's θ cannot hold, so λ is not computed over every row, and the answer
    (here: certified by the sample's Newton steps) is what the full test and the steps give.
    With 70 coefficients no fused pass gives λ_min along with the cost."""
    X, y = make_problem(50_000, 69, seed=11)
    optimum = lk.LogisticRegression().fit(X, y).record_.theta
    near = optimum * 1.01
    sizes = []
    smallest = logitkit.inference.separation._smallest_residual_weight

    def recorded(z, y, weights):
        sizes.append(len(z))
        return smallest(z, y, weights)

    monkeypatch.setattr(logitkit.inference.separation, "_smallest_residual_weight", recorded)
    assert overlap_certified(lk.Objective.from_data(X, y), near)
    assert sizes[0] == 25_000 and 50_000 not in sizes  # the bound, on every 2nd row, failed
    sizes.clear()
    monkeypatch.setattr(logitkit.inference.separation, "_SAMPLE_NEWTON_STEPS", 0)
    assert not overlap_certified(lk.Objective.from_data(X, y), near)
    assert sizes == [25_000]
    # At the optimum the bound does not rule the test out: λ over every row decides.
    sizes.clear()
    overlap_certified(lk.Objective.from_data(X, y), optimum)
    assert sizes[:2] == [25_000, 50_000], sizes


def test_the_sample_certificate_starts_from_any_coefficients() -> None:
    """From θ = 0, with zero weights, uneven weights and an offset, the Newton steps on the
    sample reach a certified point; separated rows are never certified from anywhere."""
    X, y = make_problem(60_000, 4, seed=12)
    rng = np.random.default_rng(12)
    weights = rng.uniform(0.5, 2.0, len(y))
    weights[::5] = 0.0
    offset = rng.normal(0.0, 0.5, len(y))
    objective = lk.Objective.from_data(X, y, sample_weight=weights, offset=offset)
    assert overlap_certified(objective, np.zeros(5))
    separated = (X[:, 0] - 0.5 * X[:, 1] > 0).astype(int)
    boundary = X.copy()
    boundary[:2000, :2] = 0.0  # rows on the separating plane, with labels of both kinds
    quasi = np.where(np.arange(len(y)) < 2000, rng.random(len(y)) < 0.5, separated)
    for rows, labels in ((X, separated), (boundary, quasi.astype(int))):
        objective = lk.Objective.from_data(rows, labels, sample_weight=weights)
        assert not overlap_certified(objective, np.zeros(5))
        names = [f"x{j}" for j in range(5)]
        assert detect_separation(make_design(rows, True), labels, weights, names) is not None
