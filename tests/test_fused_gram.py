"""The fused pass that brings the Hessian and the meat along with the cost and gradient.

- :func:`logitkit.backends.fused.fused_sums` against NumPy's dense formulas on X̃ = [1, X]:
  the cost, gradient, Hessian X̃ᵀdiag(s ⊙ ŷ(1 − ŷ))X̃, meat X̃ᵀdiag(s ⊙ (ŷ − y)²)X̃ and
  min sᵢ|yᵢ − ŷᵢ|, with weights (some zero), offsets, with and without an intercept, float32
  and float64, for row counts that are not multiples of the block or the tile;
- X̃ᵀX̃ from one pass against NumPy's product;
- the same sums on one thread and on several, bit for bit;
- fits and summaries through it against the fits whose Hessian and meat come from BLAS
  products of n-long weights, and the memory a fit and its summary take.
"""

from __future__ import annotations

import tracemalloc

import numba
import numpy as np
import pytest

import logitkit as lk
import logitkit.backends.dense
import logitkit.backends.fused
from logitkit.backends._fused_gram import BLOCK, PARTS, TILE, _copy_tile
from logitkit.backends.fused import FusedSums, fused_gram, fused_sums, small_sums
from problems import make_problem


def dense_sums(X, coef, fit_intercept, y, s, offset):
    """The cost, gradient, Hessian, meat and min over sᵢ > 0 of sᵢ|yᵢ − ŷᵢ|, from NumPy."""
    X = np.asarray(X, dtype=np.float64)
    Xt = np.column_stack((np.ones(len(X)), X)) if fit_intercept else X
    z = Xt @ coef + (0.0 if offset is None else offset)
    p = 1.0 / (1.0 + np.exp(-z))
    loss = np.logaddexp(0.0, z) - y * z
    r = p - y
    kept = s > 0
    return {
        "value": float(s @ loss),
        "gradient": Xt.T @ (s * r),
        "hessian": Xt.T @ ((s * p * (1.0 - p))[:, None] * Xt),
        "score_outer": Xt.T @ ((s * r * r)[:, None] * Xt),
        "overlap_min": float(np.min((s * np.abs(r))[kept], initial=np.inf)),
    }


def sample(n, p, dtype, seed):
    """X (dtype), 0/1 labels in dtype, weights summing to 1 with every fifth one zero, offsets
    and θ."""
    rng = np.random.default_rng(seed)
    X = (rng.standard_normal((n, p)) * np.linspace(0.5, 2.0, p)).astype(dtype)
    y = (rng.random(n) < 0.4).astype(dtype)
    weights = rng.random(n) + 0.5
    weights[::5] = 0.0
    if not weights.sum():
        weights[:] = 1.0
    offset = 0.3 * rng.standard_normal(n)
    coef = 0.4 * rng.standard_normal(p + 1)
    return X, y, weights / weights.sum(), offset, coef


def assert_sums(actual, expected, rtol) -> None:
    assert actual.value == pytest.approx(expected["value"], rel=rtol)
    assert actual.overlap_min == pytest.approx(expected["overlap_min"], rel=rtol)
    for name in ("gradient", "hessian", "score_outer"):
        scale = float(np.max(np.abs(expected[name])))
        np.testing.assert_allclose(
            getattr(actual, name), expected[name], rtol=rtol, atol=rtol * scale, err_msg=name
        )


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_a_tile_is_the_transposed_rows_eight_at_a_time_and_the_rest(dtype) -> None:
    """The tile's rows lead + j hold column j of the m rows from ``first``, as float64, for
    every m from 0 to 19 (none, fewer than eight, whole groups of eight and a rest), and the
    tile's other entries are left as they were."""
    X = np.random.default_rng(4).standard_normal((40, 3)).astype(dtype)
    for m in range(20):
        for lead in (0, 1):
            tile = np.full((4, TILE), -7.0)
            _copy_tile(X, 5, m, lead, tile)
            np.testing.assert_array_equal(tile[lead : lead + 3, :m], X[5 : 5 + m].T)
            np.testing.assert_array_equal(tile[lead : lead + 3, m:], -7.0)
            assert np.all(tile[3 if lead == 0 else 0] == -7.0)


@pytest.mark.parametrize("n", [1, TILE - 1, BLOCK + TILE + 3, 3 * BLOCK + 77])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("fit_intercept", [True, False], ids=["intercept", "no intercept"])
@pytest.mark.parametrize("with_offset", [False, True], ids=["no offset", "offset"])
def test_fused_sums_equal_the_dense_formulas(n, dtype, fit_intercept, with_offset) -> None:
    X, y, s, offset, coef = sample(n, 6, dtype, seed=n)
    coef = coef if fit_intercept else coef[1:]
    offset = offset if with_offset else None
    sums = fused_sums(X, coef, fit_intercept, y, s, offset, hessian=True, score_outer=True)
    expected = dense_sums(X, coef, fit_intercept, y.astype(np.float64), s, offset)
    assert_sums(sums, expected, 1e-12)
    assert sums.gradient.dtype == sums.hessian.dtype == sums.score_outer.dtype == np.float64
    np.testing.assert_array_equal(sums.hessian, sums.hessian.T)


def _tilde(X, fit_intercept):
    """X̃ = [1 X] (X alone without an intercept) in float64, as the dense design makes it."""
    X = np.asarray(X, dtype=np.float64)
    return np.column_stack((np.ones(len(X)), X)) if fit_intercept else X


@pytest.mark.parametrize("n", [1, 7, 301])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("fit_intercept", [True, False], ids=["intercept", "no intercept"])
@pytest.mark.parametrize("with_offset", [False, True], ids=["no offset", "offset"])
def test_small_sums_equal_the_dense_formulas_and_the_compiled_pass(
    n, dtype, fit_intercept, with_offset
) -> None:
    X, y, s, offset, coef = sample(n, 6, dtype, seed=n)
    coef = coef if fit_intercept else coef[1:]
    offset = offset if with_offset else None
    labels = y.astype(np.float64) == 1.0  # the objective's labels: one byte a row
    sums = small_sums(
        _tilde(X, fit_intercept), coef, labels, s, offset, hessian=True, score_outer=True
    )
    assert_sums(sums, dense_sums(X, coef, fit_intercept, labels * 1.0, s, offset), 1e-12)
    compiled = fused_sums(X, coef, fit_intercept, y, s, offset, hessian=True, score_outer=True)
    assert_sums(sums, compiled.__dict__, 1e-13)
    np.testing.assert_array_equal(sums.hessian, sums.hessian.T)
    np.testing.assert_array_equal(sums.score_outer, sums.score_outer.T)
    alone = small_sums(
        _tilde(X, fit_intercept), coef, labels, s, offset, hessian=False, score_outer=False
    )
    assert alone == FusedSums(sums.value, alone.gradient, None, None, sums.overlap_min)
    np.testing.assert_array_equal(alone.gradient, sums.gradient)


def test_small_sums_are_exact_in_the_tails() -> None:
    """The compiled pass's forms: finite sums at |z| = 1e300, the curvature e^(−40) kept."""
    X = np.array([[1e300], [-1e300], [40.0], [-40.0]])
    y = np.array([1.0, 1.0, 1.0, 0.0])
    s = np.full(4, 0.25)
    sums = small_sums(X, np.ones(1), y, s, None, hessian=True, score_outer=False)
    compiled = fused_sums(X, np.ones(1), False, y, s, None, hessian=True, score_outer=False)
    assert sums.value == pytest.approx(compiled.value, rel=1e-15)
    assert sums.hessian[0, 0] == pytest.approx(compiled.hessian[0, 0], rel=1e-14)
    assert sums.overlap_min == pytest.approx(compiled.overlap_min, rel=1e-14)
    np.testing.assert_allclose(sums.gradient, compiled.gradient, rtol=1e-15)


def test_parts_of_many_blocks_equal_the_dense_formulas() -> None:
    """More blocks than PARTS: each part sums several blocks into its matrices."""
    X, y, s, offset, coef = sample(2 * PARTS * BLOCK + 333, 3, np.float64, seed=2)
    sums = fused_sums(X, coef, True, y, s, offset, hessian=True, score_outer=True)
    assert_sums(sums, dense_sums(X, coef, True, y, s, offset), 1e-12)


@pytest.mark.parametrize("n", [0, 1, BLOCK + TILE + 3, 2 * PARTS * BLOCK + 5])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_the_gram_matrix_equals_the_dense_product(n, dtype) -> None:
    X = sample(max(n, 1), 4, dtype, seed=n)[0][:n]
    Xt = np.column_stack((np.ones(n), X.astype(np.float64)))
    np.testing.assert_allclose(fused_gram(X, True), Xt.T @ Xt, rtol=1e-12, atol=1e-12 * n)
    np.testing.assert_allclose(
        fused_gram(X, False), Xt[:, 1:].T @ Xt[:, 1:], rtol=1e-12, atol=1e-12 * n
    )


def test_the_matrices_come_only_when_asked_for() -> None:
    X, y, s, _, coef = sample(500, 4, np.float64, seed=3)
    plain = fused_sums(X, coef, True, y, s, None, hessian=False, score_outer=False)
    hessian = fused_sums(X, coef, True, y, s, None, hessian=True, score_outer=False)
    meat = fused_sums(X, coef, True, y, s, None, hessian=False, score_outer=True)
    assert plain.hessian is None and plain.score_outer is None
    assert hessian.score_outer is None and meat.hessian is None
    assert plain.value == hessian.value == meat.value
    np.testing.assert_array_equal(plain.gradient, meat.gradient)
    both = fused_sums(X, coef, True, y, s, None, hessian=True, score_outer=True)
    np.testing.assert_array_equal(both.hessian, hessian.hessian)
    np.testing.assert_array_equal(both.score_outer, meat.score_outer)


def test_fused_sums_are_exact_in_the_tails() -> None:
    """|z| up to 1e300: finite sums, each row's loss as cross_entropy gives it, curvature 0."""
    X = np.array([[1e300], [-1e300], [40.0], [-40.0]])
    y = np.array([1.0, 1.0, 1.0, 0.0])
    s = np.full(4, 0.25)
    sums = fused_sums(X, np.ones(1), False, y, s, None, hessian=True, score_outer=True)
    assert sums.value == pytest.approx(0.25 * float(np.sum(lk.cross_entropy(y, X[:, 0]))))
    assert np.all(np.isfinite(sums.gradient)) and np.all(np.isfinite(sums.hessian))
    # The rows at ±40 keep their curvature e^(−40)/(1 + e^(−40))², the rows at ±1e300 none.
    expected = 0.25 * 2 * 40.0**2 * np.exp(-40.0) / (1.0 + np.exp(-40.0)) ** 2
    assert sums.hessian[0, 0] == pytest.approx(expected, rel=1e-14)
    assert sums.overlap_min == pytest.approx(0.25 / (1.0 + np.exp(40.0)), rel=1e-14)


@pytest.mark.parametrize("n", [5 * BLOCK + 3, 2 * PARTS * BLOCK + 5])
def test_fused_sums_do_not_depend_on_the_number_of_threads(n) -> None:
    X, y, s, offset, coef = sample(n, 11, np.float32, seed=4)
    threads = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        single = fused_sums(X, coef, True, y, s, offset, hessian=True, score_outer=True)
        single_gram = fused_gram(X, True)
    finally:
        numba.set_num_threads(threads)
    several = fused_sums(X, coef, True, y, s, offset, hessian=True, score_outer=True)
    assert single.value == several.value and single.overlap_min == several.overlap_min
    for name in ("gradient", "hessian", "score_outer"):
        np.testing.assert_array_equal(getattr(single, name), getattr(several, name))
    np.testing.assert_array_equal(single_gram, fused_gram(X, True))


@pytest.fixture
def fused_everywhere(monkeypatch):
    """Every dense X goes through the fused passes, whatever its size."""
    monkeypatch.setattr(logitkit.backends.fused, "FUSED_MIN_ENTRIES", 0)


def counted_passes(monkeypatch) -> list[int]:
    """A list that grows by one at each fused pass with the Hessian's kernel."""
    calls: list[int] = []

    def counting(*args, **kwargs):
        calls.append(1)
        return fused_sums(*args, **kwargs)

    monkeypatch.setattr(logitkit.backends.dense, "fused_sums", counting)
    return calls


def fit_and_tables(X, y, weights=None, **params):
    """The fit, and its summary tables for the three covariances that need no data."""
    model = lk.LogisticRegression(**params).fit(X, y, sample_weight=weights)
    tables = [model.summary(cov_type=cov).table for cov in ("nonrobust", "HC0", "HC1")]
    return model, tables


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"fit_intercept": False},
        {"alpha": 0.01},
        {"weights": "random"},
        {"aliased": True},
    ],
    ids=["plain", "no intercept", "ridge", "weights", "aliased column"],
)
@pytest.mark.filterwarnings("ignore:1 coefficient not defined because of singularities")
def test_fits_through_the_fused_hessian_equal_the_blas_fits(
    fused_everywhere, monkeypatch, params
) -> None:
    """Coefficients, standard errors (nonrobust, HC0, HC1), log-likelihood, information and
    meat agree to 1e-10 with the fits whose Hessian and meat come from BLAS products."""
    params = dict(params)
    X, y = make_problem(4000, 7, seed=11)
    if params.pop("aliased", False):
        X = np.column_stack((X, X[:, 0] + X[:, 1]))
    if params.get("weights") == "random":
        params["weights"] = np.random.default_rng(2).random(len(y)) * 2.0
    calls = counted_passes(monkeypatch)
    fused, fused_tables = fit_and_tables(X, y, **params)
    assert calls, "the fused pass with the Hessian did not run"
    monkeypatch.setattr(logitkit.backends.fused, "FUSED_GRAM_MAX_PARAMS", 0)
    calls.clear()
    blas, blas_tables = fit_and_tables(X, y, **params)
    assert not calls
    np.testing.assert_allclose(fused.coef_, blas.coef_, rtol=1e-10)
    np.testing.assert_allclose(fused.intercept_, blas.intercept_, rtol=1e-10, atol=1e-12)
    assert fused.loglik_ == pytest.approx(blas.loglik_, rel=1e-12)
    for record in ("information", "score_outer"):
        np.testing.assert_allclose(
            getattr(fused.record_, record), getattr(blas.record_, record), rtol=1e-10
        )
    for mine, theirs in zip(fused_tables, blas_tables, strict=True):
        np.testing.assert_allclose(mine["std_err"], theirs["std_err"], rtol=1e-10)


def test_a_float32_fit_sums_its_information_in_float64(fused_everywhere, monkeypatch) -> None:
    """A float32 X: the objective's information and meat are the float64 sums over its values
    (the BLAS Hessian of the other path multiplies in float32, to about 1e-6); the fit's
    coefficients are those of that path to 1e-10, its standard errors to 1e-5."""
    X, y = make_problem(4000, 7, seed=11)
    X32 = X.astype(np.float32)
    objective = lk.Objective.from_data(X32, y)
    coef = np.linspace(-0.4, 0.4, objective.n_params)
    expected = dense_sums(X32, coef, True, y.astype(np.float64), np.full(len(y), 1 / len(y)), None)
    np.testing.assert_allclose(objective.hessian(coef), expected["hessian"], rtol=1e-12)
    np.testing.assert_allclose(
        objective.score_outer(coef), expected["score_outer"] * len(y), rtol=1e-12
    )
    fused, fused_tables = fit_and_tables(X32, y)
    monkeypatch.setattr(logitkit.backends.fused, "FUSED_GRAM_MAX_PARAMS", 0)
    blas, blas_tables = fit_and_tables(X32, y)
    np.testing.assert_allclose(fused.coef_, blas.coef_, rtol=1e-10)
    for mine, theirs in zip(fused_tables, blas_tables, strict=True):
        np.testing.assert_allclose(mine["std_err"], theirs["std_err"], rtol=1e-5)


def test_the_objective_keeps_its_last_sums(fused_everywhere, monkeypatch) -> None:
    """Newton asks for the Hessian where it takes the gradient; the statistics then reuse the
    last pass, and the overlap certificate reads min sᵢ|yᵢ − ŷᵢ| from it."""
    X, y = make_problem(3000, 5, seed=12)
    weights = np.random.default_rng(3).random(len(y)) + 0.5
    objective = lk.Objective.from_data(X, y, sample_weight=weights)
    objective.expect_hessians(every_step=True)
    calls = counted_passes(monkeypatch)
    coef = np.linspace(-0.3, 0.3, objective.n_params)
    value, grad = objective.smooth_value_and_gradient(coef)
    hessian = objective.hessian(coef)
    assert len(calls) == 1
    meat = objective.score_outer(coef)
    assert len(calls) == 2
    objective.score_outer(coef), objective.hessian(coef), objective.data_term(coef)
    assert len(calls) == 2
    s = weights / weights.sum()
    expected = dense_sums(X, coef, True, y.astype(np.float64), s, None)
    assert value == pytest.approx(expected["value"], rel=1e-12)
    np.testing.assert_allclose(grad, expected["gradient"], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(hessian, expected["hessian"], rtol=1e-12)
    np.testing.assert_allclose(meat, expected["score_outer"] * weights.sum(), rtol=1e-12)
    smallest = objective.overlap_min(coef)
    assert smallest == pytest.approx(expected["overlap_min"] * weights.sum(), rel=1e-12)
    assert len(calls) == 2


def test_newtons_last_point_brings_the_statistics_along(fused_everywhere, monkeypatch) -> None:
    """The evaluation at Newton's final full step computes the Hessian and the meat in its
    pass: the statistics, the certificate's λ and the log-likelihood read them."""
    X, y = make_problem(3000, 5, seed=14)
    objective = lk.Objective.from_data(X, y)
    objective.expect_hessians(every_step=True)
    calls = counted_passes(monkeypatch)
    coef = np.linspace(-0.2, 0.2, objective.n_params)
    value, grad = objective.final_value_and_gradient(coef)
    objective.hessian(coef), objective.score_outer(coef), objective.overlap_min(coef)
    assert objective.data_term(coef) == value
    assert len(calls) == 1
    expected = dense_sums(X, coef, True, y.astype(np.float64), np.full(len(y), 1 / len(y)), None)
    np.testing.assert_allclose(grad, expected["gradient"], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(
        objective.score_outer(coef), expected["score_outer"] * len(y), rtol=1e-12
    )


def test_a_fit_and_its_summary_allocate_less_than_a_quarter_of_x() -> None:
    """tracemalloc's peak over a default fit and summary() of 200,000 × 20 float64 data: the
    labels and the weights (three n-vectors, 0.15 × X) and no n-long temporaries. With the
    logits, curvature weights and per-row products of the BLAS Hessian and meat it was
    0.37 × X."""
    X, y = make_problem(200_000, 20, seed=13)
    lk.LogisticRegression().fit(X, y).summary()
    tracemalloc.start()
    try:
        lk.LogisticRegression().fit(X, y).summary()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak <= 0.25 * X.nbytes
