"""Details of the core layer the broader tests leave open, each pinned down by a test that a
plausible slip in it would fail (found by mutation testing, see docs/testing.md)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import softmax

import logitkit as lk
from logitkit.backends.design import make_design
from logitkit.core.datafits import Bernoulli, Multinomial
from logitkit.core.firth import FirthTerm
from logitkit.core.penalties import ElasticNet
from problems import make_problem


def test_multinomial_curvature_is_diag_p_minus_p_pt_row_by_row() -> None:
    z = np.array([[0.3, -1.0, 2.0, 0.0], [1.5, 1.5, -0.5, 4.0], [-3.0, 0.0, 0.2, 0.1]])
    p = softmax(z, axis=1)
    expected = np.stack([np.diag(row) - np.outer(row, row) for row in p])
    curvature = Multinomial(4).curvature(z)
    assert curvature.shape == (3, 4, 4)
    np.testing.assert_allclose(curvature, expected, rtol=1e-13, atol=1e-16)


def test_multinomial_curvature_keeps_its_accuracy_near_certainty_and_in_float32() -> None:
    """p_k(1 − p_k) with p_k = 1 − 2e^(−30)(1 + O(e^(−30))): the diagonal keeps every digit,
    which 1 − p_k computed by subtraction would lose; float32 logits are computed in float64."""
    z = np.array([[30.0, 0.0, 0.0]])
    curvature = Multinomial(3).curvature(z)[0]
    tail = np.exp(-30.0)
    np.testing.assert_allclose(curvature[0, 0], 2 * tail / (1 + 2 * tail) ** 2, rtol=1e-12)
    np.testing.assert_allclose(curvature[1, 1], tail * (1 + tail) / (1 + 2 * tail) ** 2, rtol=1e-12)
    logits = np.array([[0.1, -0.7, 1.3], [2.0, 0.5, -1.0]])
    single = logits.astype(np.float32)
    np.testing.assert_allclose(
        Multinomial(3).curvature(single), Multinomial(3).curvature(single.astype(float)), rtol=1e-14
    )


def test_a_tie_predicts_the_first_class() -> None:
    """ŷ = ½ exactly (z = 0) predicts class 0, as scikit-learn's decision_function > 0 does."""
    z = np.array([0.0, 1e-300, -1e-300, -0.0])
    np.testing.assert_array_equal(Bernoulli().most_probable(z), [0, 1, 0, 0])


def test_firths_term_is_infinite_where_the_information_is_singular() -> None:
    """An all-zero column makes I singular: −½ log det I = +∞ (the fit must step back), with a
    zero gradient of the full length k = 3."""
    x = np.linspace(-1.0, 1.0, 8)
    design = make_design(np.column_stack([x, np.zeros(8)]))
    value, gradient = FirthTerm().value_and_gradient(design, np.ones(8), 0.3 * x, Bernoulli())
    assert value == np.inf
    np.testing.assert_array_equal(gradient, np.zeros(3))


def test_multinomial_null_loglik_uses_the_weighted_class_counts() -> None:
    """ℓ₀ = Σₖ nₖ log(nₖ/n) with nₖ = Σ_{yᵢ=k} sᵢ: a class of total weight 0.8 counts, one of
    weight 0 adds nothing (0 log 0 = 0) and n = Σ sᵢ."""
    y = np.array([0, 0, 1, 1, 1, 2, 2, 3])
    s = np.array([1.0, 2.0, 0.5, 0.5, 3.0, 0.3, 0.5, 0.0])
    counts = np.array([3.0, 4.0, 0.8])
    expected = float(np.sum(counts * np.log(counts / counts.sum())))
    assert Multinomial(4).null_loglik(y, s, True) == pytest.approx(expected, rel=1e-14)
    assert Multinomial(4).null_loglik(y, s, False) == pytest.approx(-7.8 * np.log(4), rel=1e-14)


@pytest.mark.parametrize("reference", [None, 0, 2])
def test_multinomial_start_is_the_weighted_intercept_only_optimum(reference) -> None:
    """b_k = log π_k − mean_m log π_m (symmetric) or log π_k − log π_r (reference r), with π the
    weighted class frequencies, a class absent from y given π = 1e-10."""
    y = np.array([0, 0, 1, 1, 1, 2])
    s = np.array([1.0, 3.0, 0.5, 0.5, 1.0, 2.0])
    log_freq = np.log([4.0 / 8.0, 2.0 / 8.0, 2.0 / 8.0, 1e-10])
    start = Multinomial(4, reference).start(y, s)
    if reference is None:
        np.testing.assert_allclose(start, log_freq - log_freq.mean(), rtol=1e-14)
    else:
        expected = np.delete(log_freq - log_freq[reference], reference)
        np.testing.assert_allclose(start, expected, rtol=1e-14)


def test_multinomial_hessian_blocks_are_the_upper_triangle_in_float64() -> None:
    """(k, m, P_k(δ_km − P_m)) for k ≤ m only, from probabilities computed in float64."""
    z = np.array([[0.1, -0.7, 1.3], [2.0, 0.5, -1.0]], dtype=np.float32)
    datafit = Multinomial(3)
    p = datafit.hessian_factors(z)
    np.testing.assert_allclose(p, softmax(z.astype(np.float64), axis=1), rtol=1e-15)
    blocks = list(datafit.hessian_blocks(p))
    assert [(k, m) for k, m, _ in blocks] == [(0, 0), (0, 1), (0, 2), (1, 1), (1, 2), (2, 2)]
    for k, m, weights in blocks:
        np.testing.assert_allclose(weights, p[:, k] * (float(k == m) - p[:, m]), rtol=1e-15)


def test_the_l1_value_at_unit_strength() -> None:
    penalty = ElasticNet(alpha=1.0, l1_ratio=1.0, n_params=3, fit_intercept=True)
    assert penalty.l1_value(np.array([5.0, -2.0, 0.5])) == 2.5
    assert ElasticNet(2.0, 0.25, 3, False).l1_value(np.array([5.0, -2.0, 0.5])) == 3.75


def test_the_default_multinomial_is_the_binary_model_in_float64() -> None:
    """Multinomial() has K = 2 classes, and with z = (0, z₁) its loss and derivative are
    Bernoulli's of z₁, computed in float64 whatever the logits' dtype."""
    datafit = Multinomial()
    assert datafit.n_classes == 2 and datafit.n_outputs == 2
    z1 = np.array([-3.0, 0.2, 4.5], dtype=np.float32)
    y = np.array([0, 1, 1])
    z = np.column_stack([np.zeros(3), z1]).astype(np.float32)
    loss, derivative = datafit.loss_and_derivative(y, z)
    assert loss.dtype == derivative.dtype == np.float64
    exact = z1.astype(np.float64)
    np.testing.assert_allclose(loss, Bernoulli().loss(y, exact), rtol=1e-14)
    np.testing.assert_allclose(derivative[:, 1], Bernoulli().derivative(y, exact), rtol=1e-14)


def test_bernoulli_null_loglik_is_zero_when_the_weighted_rate_is_zero_or_one() -> None:
    """ȳ = 0 or 1 (every positive, or every negative, of weight 0): the intercept-only fit is
    exact and ℓ₀ = 0, with no log 0 on the way."""
    y = np.array([0.0, 1.0, 1.0, 0.0])
    assert Bernoulli().null_loglik(y, np.array([1.0, 0.0, 0.0, 2.0]), True) == 0.0
    assert Bernoulli().null_loglik(y, np.array([0.0, 1.5, 0.5, 0.0]), True) == 0.0
    rate = 2.0 / 3.0
    expected = 3.0 * (rate * np.log(rate) + (1 - rate) * np.log(1 - rate))
    assert Bernoulli().null_loglik(y, np.array([1.0, 1.5, 0.5, 0.0]), True) == pytest.approx(
        expected, rel=1e-14
    )


class _Cubic:
    """J(θ) = c + k(θ₀ − m)³ with its exact gradient (or a wrong one, 0, when asked): central
    differences of a cubic are off by exactly k·h², which pins down the step h and the floor."""

    n_params = 1

    def __init__(self, constant: float, k: float, centre: float, wrong: bool = False) -> None:
        self.constant, self.k, self.centre, self.wrong = constant, k, centre, wrong

    def value(self, coef: np.ndarray) -> float:
        return float(self.constant + self.k * (coef[0] - self.centre) ** 3)

    def gradient(self, coef: np.ndarray) -> np.ndarray:
        return np.array([0.0 if self.wrong else 3.0 * self.k * (coef[0] - self.centre) ** 2])


def _checked(objective: _Cubic, coef: list[int] | None = None) -> float:
    """check_gradient with every warning an error (a deprecated call fails the test)."""
    import warnings

    from logitkit.core.gradient_check import check_gradient

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return check_gradient(objective, coef)


def test_check_gradient_steps_by_the_cube_root_of_epsilon_and_floors_by_its_square_root() -> None:
    """At θ = 0 (the default) the difference quotient is h² with h = ε^(1/3), the analytic
    gradient 0, and the error h² / (√ε·max(1, |J|)) with J = 0."""
    eps = np.finfo(np.float64).eps
    h = eps ** (1 / 3)
    assert _checked(_Cubic(0.0, 1.0, 0.0)) == pytest.approx(h**2 / np.sqrt(eps), rel=1e-9)


def test_check_gradient_scales_its_step_with_the_coordinate_and_takes_integers() -> None:
    """At θ = 4 (given as an integer) h = 4ε^(1/3): the error is 16 times that at 0."""
    eps = np.finfo(np.float64).eps
    h = 4.0 * eps ** (1 / 3)
    assert _checked(_Cubic(0.0, 1.0, 4.0), [4]) == pytest.approx(h**2 / np.sqrt(eps), rel=1e-9)


def test_check_gradient_floors_by_the_size_of_the_cost() -> None:
    """J = 5 + 1000 θ³ at 0: the quotient 1000 h² is below the floor 5√ε, which divides it."""
    eps = np.finfo(np.float64).eps
    quotient = 1000.0 * eps ** (2 / 3)
    assert _checked(_Cubic(5.0, 1000.0, 0.0)) == pytest.approx(
        quotient / (5.0 * np.sqrt(eps)), rel=1e-2
    )


def test_check_gradient_measures_a_wrong_gradient_against_the_difference_quotient() -> None:
    """∇J = 12 at θ = 2 reported as 0: the error is |12 + h² − 0| / (12 + h²) = 1."""
    assert _checked(_Cubic(0.0, 1.0, 0.0, wrong=True), [2]) == pytest.approx(1.0, rel=1e-12)


def test_restricted_costs_add_the_l1_part_on_their_coordinates() -> None:
    """J(E u) with an elastic-net penalty: the restricted value and gradient are the full
    ones, read on S, where the coordinates held are 0 (no L1 mass off S)."""
    from logitkit.core.objective import Objective
    from logitkit.core.restricted import Restricted

    rng = np.random.default_rng(0)
    X = rng.standard_normal((60, 4))
    y = (X[:, 0] + rng.standard_normal(60) > 0).astype(float)
    full = Objective.from_data(X, y, alpha=0.2, l1_ratio=0.7)
    positions = np.array([0, 1, 3])
    restricted = Restricted(full, positions, np.zeros(full.n_params))
    u = np.array([0.3, -0.8, 0.5])
    theta = restricted.expand(u)
    assert restricted.penalty.l1_value(u) > 0.0
    assert restricted.value(u) == pytest.approx(full.value(theta), rel=1e-14)
    np.testing.assert_allclose(restricted.gradient(u), full.gradient(theta)[positions], rtol=1e-13)


def test_the_restricted_prox_soft_thresholds_the_penalised_coordinates_of_s() -> None:
    """On S = {intercept, w₁, w₃}, α = 0.2, ρ = 0.5, step 2: the weights move towards 0 by
    step·αρ = 0.2 (or to 0), the intercept not at all."""
    from logitkit.core.objective import Objective
    from logitkit.core.restricted import Restricted

    rng = np.random.default_rng(0)
    X = rng.standard_normal((30, 4))
    y = (X[:, 0] > 0).astype(float)
    full = Objective.from_data(X, y, alpha=0.2, l1_ratio=0.5)
    restricted = Restricted(full, np.array([0, 2, 4]), np.zeros(full.n_params))
    shrunk = restricted.prox(np.array([0.5, -0.5, 0.1]), 2.0)
    np.testing.assert_allclose(shrunk, [0.5, -0.3, 0.0], atol=1e-15)


def test_from_data_keeps_a_class_count_larger_than_the_labels_seen() -> None:
    from logitkit.core.objective import Objective

    X = np.array([[0.0], [1.0], [2.0], [3.0]])
    y = np.array([0, 1, 0, 1])
    assert Objective.from_data(X, y).n_outputs == 1
    assert Objective.from_data(X, y, n_classes=3).n_outputs == 3


def test_a_singular_design_error_says_its_message_and_keeps_its_columns() -> None:
    from logitkit.core.exceptions import SingularDesignError

    error = SingularDesignError("columns 1 and 2 are collinear", (1, 2))
    assert str(error) == "columns 1 and 2 are collinear" and error.columns == (1, 2)
    assert SingularDesignError("m").columns == ()


def test_aliases_name_the_kept_columns_by_their_scaled_coefficients() -> None:
    """x₂ = 10⁻³·x₁ + 10⁻⁸·x₀ with unit-scale x₀, x₁: scaled to unit length, x₀ still carries
    10⁻⁸·|x₀|/|x₂| ≈ 10⁻⁵ of x₂, above the 10⁻⁸ cut, so both are named; a column of zeros
    aliases nothing; with no column kept, nothing is named either."""
    from logitkit.core.aliasing import aliases

    rng = np.random.default_rng(1)
    base = rng.standard_normal((100, 2))
    X = np.column_stack([base, 1e-3 * base[:, 1] + 1e-8 * base[:, 0], np.zeros(100)])
    gram = X.T @ X
    names = ["a", "b", "c", "zero"]
    assert aliases(gram, [3, 2], names) == {"zero": [], "c": ["a", "b"]}
    assert aliases(gram[:2, :2] * 0.0, [0, 1], names[:2]) == {"a": [], "b": []}


def test_check_gradient_takes_the_step_it_is_given() -> None:
    """A given step h = 10⁻⁵ replaces ε^(1/3): the quotient of θ³ at 0 is h², the error h²/√ε."""
    from logitkit.core.gradient_check import check_gradient

    eps = np.finfo(np.float64).eps
    error = check_gradient(_Cubic(0.0, 1.0, 0.0), None, step=1e-5)
    assert error == pytest.approx(1e-10 / np.sqrt(eps), rel=1e-9)


def test_the_aliased_note_names_the_partners_or_says_a_column_is_zero() -> None:
    from logitkit.core.aliasing import aliased_note

    assert aliased_note({}) == []
    assert aliased_note({"c": ["a", "b"], "zero": []}) == [
        "Note: 'c' is aliased with 'a', 'b' (a linear combination of them)",
        "Note: 'zero' is a column of zeros",
        "Aliased coefficients are not estimable: they are held at 0 and shown as NaN. Drop the "
        "redundant column(s), or add a penalty (alpha > 0).",
    ]


@pytest.mark.parametrize("n_classes", [2, 3], ids=["bernoulli", "softmax"])
def test_the_datafit_hessian_product_is_the_derivatives_directional_change(n_classes) -> None:
    """C(z)u = lim (∂L/∂z(z + εu) − ∂L/∂z(z − εu)) / 2ε for every row: the curvature the
    Hessian-vector products of a pass apply (central differences, ε = 1e-6)."""
    from logitkit.core.datafits import datafit_for

    datafit = datafit_for(n_classes, None)
    rng = np.random.default_rng(52)
    shape = (8,) if datafit.n_outputs == 1 else (8, datafit.n_outputs)
    z, u = rng.standard_normal(shape), rng.standard_normal(shape)
    y = rng.integers(0, n_classes, 8)
    epsilon = 1e-6
    change = (datafit.derivative(y, z + epsilon * u) - datafit.derivative(y, z - epsilon * u)) / (
        2.0 * epsilon
    )
    product = datafit.hessian_product(datafit.hessian_factors(z), u)
    np.testing.assert_allclose(product, change, rtol=1e-6, atol=1e-9)


def _dask_objective(X, y, **kwargs):
    da = pytest.importorskip("dask.array")
    return lk.Objective.from_data(
        da.from_array(X, chunks=(25, X.shape[1])), da.from_array(y, chunks=25), **kwargs
    )


def test_a_dask_hessian_of_every_kth_row_is_the_in_memory_one() -> None:
    """H over ``slice(0, None, 3)`` by a pass (the sampled Hessian, chunks of 25 rows, so the
    sample does not start afresh in each chunk) equals the in-memory Hessian of those rows;
    asked for again at the same θ, it comes from the kept evaluation."""
    import dask

    X, y = make_problem(100, 3, seed=53)
    weights = np.random.default_rng(53).uniform(0.5, 2.0, 100)
    theta = np.array([0.1, 0.4, -0.3, 0.2])
    rows = slice(0, None, 3)
    expected = lk.Objective.from_data(X, y, sample_weight=weights).hessian(theta, rows)
    with dask.config.set(scheduler="synchronous"):
        lazy = _dask_objective(X, y, sample_weight=weights)
        np.testing.assert_allclose(lazy.hessian(theta, rows), expected, rtol=1e-12)
        np.testing.assert_allclose(lazy.hessian(theta, rows), expected, rtol=1e-12)


def test_a_dask_gradient_over_some_rows_keeps_their_offsets() -> None:
    """∇J over the rows of one chunk (a stochastic step on Dask) with offsets oᵢ: z = X̃θ + o
    on those rows, as in memory."""
    import dask

    X, y = make_problem(100, 2, seed=54)
    offset = np.linspace(-1.0, 1.0, 100)
    theta = np.array([0.2, -0.5, 0.3])
    rows = slice(25, 50)
    expected = lk.Objective.from_data(X, y, offset=offset).smooth_value_and_gradient(theta, rows)
    with dask.config.set(scheduler="synchronous"):
        da = pytest.importorskip("dask.array")
        lazy = _dask_objective(X, y, offset=da.from_array(offset, chunks=25))
        value, gradient = lazy.smooth_value_and_gradient(theta, rows)
    assert value == pytest.approx(expected[0], rel=1e-12)
    np.testing.assert_allclose(gradient, expected[1], rtol=1e-12)


def test_a_dask_hessian_product_by_passes_over_some_rows_keeps_their_offsets(monkeypatch) -> None:
    """Above ``PASS_HESSIAN_MAX_PARAMS`` coefficients each product ∇²J v over a design read
    by passes is a pass: over the rows of one chunk, with those rows' offsets, or over all
    rows, as in memory."""
    import dask

    from logitkit.core import objective as objective_module

    monkeypatch.setattr(objective_module, "PASS_HESSIAN_MAX_PARAMS", 2)
    X, y = make_problem(100, 2, seed=56)
    offset = np.linspace(-2.0, 2.0, 100)
    theta = np.array([0.2, -0.5, 0.3])
    v = np.array([1.0, -0.5, 2.0])
    in_memory = lk.Objective.from_data(X, y, offset=offset)
    with dask.config.set(scheduler="synchronous"):
        da = pytest.importorskip("dask.array")
        lazy = _dask_objective(X, y, offset=da.from_array(offset, chunks=25))
        for rows in (slice(25, 50), None):
            product = lazy.hessian_operator(theta, rows)(v)
            np.testing.assert_allclose(product, in_memory.hessp(theta, v, rows), rtol=1e-12)


def test_a_softmax_hessian_product_over_some_rows_uses_only_those_rows() -> None:
    rng = np.random.default_rng(55)
    X = rng.standard_normal((60, 2))
    y = rng.integers(0, 3, 60)
    objective = lk.Objective.from_data(X, y)
    theta = rng.standard_normal(objective.n_params)
    v = rng.standard_normal(objective.n_params)
    rows = np.arange(10, 40)
    alone = lk.Objective.from_data(X[rows], y[rows], n_classes=3)
    np.testing.assert_allclose(objective.hessp(theta, v, rows), alone.hessp(theta, v), rtol=1e-12)


def test_newtons_final_step_brings_the_statistics_sums_along(monkeypatch) -> None:
    """Where Newton takes its Hessians from the fused pass, the pass of the final step also
    computes the Hessian and the meat: the statistics at that θ then need no other pass."""
    from logitkit.backends import dense

    X, y = make_problem(4000, 5, seed=56)
    objective = lk.Objective.from_data(X, y)
    assert objective.fused_sums(np.zeros(6)) is not None
    objective.expect_hessians(every_step=True)
    passes = []
    original = dense.DenseDesign.fused_sums
    monkeypatch.setattr(
        dense.DenseDesign,
        "fused_sums",
        lambda self, *args, **kwargs: passes.append(1) or original(self, *args, **kwargs),
    )
    theta = np.array([0.1, 0.2, -0.1, 0.3, 0.0, -0.2])
    objective.final_value_and_gradient(theta)
    objective.hessian(theta)
    objective.score_outer(theta)
    assert len(passes) == 1


def test_a_column_name_given_twice_is_refused_by_name() -> None:
    import pandas as pd

    X = pd.DataFrame(np.eye(4)[:, :3], columns=["a", "b", "a"])
    with pytest.raises(ValueError, match=r"repeated column name\(s\) 'a'"):
        lk.LogisticRegression().fit(X, [0, 1, 0, 1])


def test_a_series_as_x_gets_scikit_learns_two_dimensional_error() -> None:
    """A pandas Series has dtypes but no columns: it is not a frame to check by column, and
    goes on to scikit-learn's own error for one-dimensional X."""
    import pandas as pd

    with pytest.raises(ValueError, match="Expected a 2-dimensional container|Expected 2D array"):
        lk.LogisticRegression().fit(pd.Series([0.5, 1.0, 2.0, 3.0]), [0, 1, 0, 1])


def test_a_kept_working_set_hessian_computes_only_its_new_rows_and_columns() -> None:
    """H_WW for W = {0, 3, 4} after W = {0, 1, 2} at the same reference point: the shared
    entry is reused, the new rows and columns computed, and the whole equals the block read
    directly."""
    from logitkit.solvers.coordinate_descent import WorkingSetHessian

    X, y = make_problem(200, 4, seed=74)
    objective = lk.Objective.from_data(X, y, alpha=0.1, l1_ratio=0.5)
    theta = np.array([0.1, 0.3, 0.0, -0.2, 0.0])
    hessian = WorkingSetHessian(objective, theta)
    weights = objective.hessian_weights(theta)
    first, second = np.array([0, 1, 2]), np.array([0, 3, 4])
    expected = [objective.hessian_block(weights, first), objective.hessian_block(weights, second)]
    asked = []
    block = objective.hessian_block

    def recorded(weights, rows, columns=None):
        asked.append((tuple(rows), None if columns is None else tuple(columns)))
        return block(weights, rows, columns)

    objective.hessian_block = recorded
    np.testing.assert_allclose(hessian.block(first), expected[0])
    np.testing.assert_allclose(hessian.block(second), expected[1], rtol=1e-12)
    assert asked == [((0, 1, 2), None), ((3, 4), None), ((3, 4), (0,))]


class DesignCalls:
    """Counts the dense design's fused passes and its BLAS Gram matrices."""

    def __init__(self, monkeypatch) -> None:
        from logitkit.backends import dense

        self.counts = {"fused_sums": 0, "fused_value_gradient": 0, "weighted_gram": 0}
        for name in self.counts:
            original = getattr(dense.DenseDesign, name)

            def counted(design, *args, _original=original, _name=name, **kwargs):
                self.counts[_name] += 1
                return _original(design, *args, **kwargs)

            monkeypatch.setattr(dense.DenseDesign, name, counted)


def test_the_fused_sums_at_one_theta_are_merged_and_answer_the_statistics(monkeypatch) -> None:
    """A pass for the Hessian, then one for the meat, at the same θ: the second keeps the
    first's Hessian beside its meat, and ∇²J and M are then read off them, with no third pass
    and no Gram matrix; the values are X̃ᵀdiag(s ŷ(1 − ŷ))X̃/Σs and X̃ᵀdiag(s (ŷ − y)²)X̃."""
    X, y = make_problem(4000, 5, seed=75)
    weights = np.random.default_rng(75).uniform(0.5, 2.0, 4000)
    objective = lk.Objective.from_data(X, y, sample_weight=weights)
    theta = np.array([0.1, 0.2, -0.1, 0.3, 0.0, -0.2])
    calls = DesignCalls(monkeypatch).counts
    objective.fused_sums(theta, hessian=True)
    objective.fused_sums(theta, score_outer=True)
    hessian, meat = objective.hessian(theta), objective.score_outer(theta)
    assert calls == {"fused_sums": 2, "fused_value_gradient": 0, "weighted_gram": 0}
    Xt = np.column_stack([np.ones(4000), X])
    p = 1.0 / (1.0 + np.exp(-Xt @ theta))
    expected = Xt.T @ (Xt * (weights * p * (1 - p))[:, None]) / weights.sum()
    np.testing.assert_allclose(hessian, expected, rtol=1e-10)
    np.testing.assert_allclose(meat, Xt.T @ (Xt * (weights * (p - y) ** 2)[:, None]), rtol=1e-10)


def test_a_line_searchs_trial_point_takes_no_hessian_in_its_fused_pass(monkeypatch) -> None:
    """Once Newton expects a Hessian at every step, J and ∇J bring it along in their fused
    pass; J alone (a line search's trial point, perhaps refused) does not ask for it."""
    from logitkit.backends import dense

    X, y = make_problem(4000, 5, seed=78)
    objective = lk.Objective.from_data(X, y)
    objective.expect_hessians(every_step=True)
    asked = []
    original = dense.DenseDesign.fused_sums

    def recorded(design, *args, **kwargs):
        asked.append(kwargs["hessian"])
        return original(design, *args, **kwargs)

    monkeypatch.setattr(dense.DenseDesign, "fused_sums", recorded)
    objective.smooth_value(np.full(6, 0.1))
    objective.smooth_value_and_gradient(np.full(6, 0.2))
    assert asked == [False, True]


def test_the_logits_of_the_last_theta_are_kept(monkeypatch) -> None:
    """Two classes: a line search asks for z = X̃θ twice at the same θ; the product is made
    once, and again for another θ."""
    X, y = make_problem(300, 3, seed=79)
    objective = lk.Objective.from_data(X, y)
    products = []
    original = lk.Objective._product

    def counted(self, design, coef):
        products.append(coef.copy())
        return original(self, design, coef)

    monkeypatch.setattr(lk.Objective, "_product", counted)
    theta = np.array([0.1, -0.2, 0.3, 0.0])
    first = objective.logits(theta)
    second = objective.logits(theta.copy())
    objective.logits(2.0 * theta)
    assert len(products) == 2
    np.testing.assert_array_equal(first, second)
    np.testing.assert_allclose(first, np.column_stack([np.ones(300), X]) @ theta, rtol=1e-13)


def test_the_hessian_comes_from_a_fused_pass_and_a_kept_meat_stays(monkeypatch) -> None:
    """The meat first, then the Hessian at the same θ: the second pass brings the Hessian
    along and keeps the first's meat, so neither needs another pass or a Gram matrix."""
    X, y = make_problem(4000, 5, seed=81)
    objective = lk.Objective.from_data(X, y)
    theta = np.array([0.1, -0.2, 0.1, 0.3, 0.0, 0.2])
    calls = DesignCalls(monkeypatch).counts
    objective.fused_sums(theta, score_outer=True)
    objective.hessian(theta)
    objective.score_outer(theta)
    assert calls == {"fused_sums": 2, "fused_value_gradient": 0, "weighted_gram": 0}


def test_the_meat_comes_from_a_fused_pass_where_one_applies(monkeypatch) -> None:
    X, y = make_problem(4000, 5, seed=76)
    objective = lk.Objective.from_data(X, y)
    theta = np.array([0.1, 0.2, -0.1, 0.3, 0.0, -0.2])
    calls = DesignCalls(monkeypatch).counts
    objective.fused_sums(theta)
    objective.score_outer(theta)
    assert calls == {"fused_sums": 2, "fused_value_gradient": 0, "weighted_gram": 0}


def test_a_large_dense_fit_keeps_its_last_fused_value_and_gradient(monkeypatch) -> None:
    """A second evaluation at the same θ (a line search's accepted point, then the
    statistics) reads the kept sums instead of passing over X again."""
    X, y = make_problem(20_000, 60, seed=77)
    objective = lk.Objective.from_data(X, y)
    theta = np.full(61, 0.01)
    calls = DesignCalls(monkeypatch).counts
    first = objective.smooth_value_and_gradient(theta)
    second = objective.smooth_value_and_gradient(theta)
    assert calls["fused_value_gradient"] == 1
    assert first[0] == second[0]
    np.testing.assert_array_equal(first[1], second[1])


def test_the_null_loglik_of_a_dask_softmax_against_a_reference_class() -> None:
    """Three classes against class 0 (two outputs): ℓ₀ = Σₖ nₖ log(nₖ/n) from the class
    totals of a pass, as in memory."""
    import dask

    rng = np.random.default_rng(78)
    X = rng.standard_normal((100, 2))
    y = rng.integers(0, 3, 100)
    expected = lk.Objective.from_data(X, y, n_classes=3, reference=0).null_loglik()
    counts = np.bincount(y, minlength=3)
    assert expected == pytest.approx(float(np.sum(counts * np.log(counts / 100))), rel=1e-12)
    with dask.config.set(scheduler="synchronous"):
        lazy = _dask_objective(X, y, n_classes=3, reference=0)
        assert lazy.n_outputs == 2
        assert lazy.null_loglik() == pytest.approx(expected, rel=1e-12)


def test_a_scalar_sample_weight_weighs_every_row_alike() -> None:
    """sample_weight = 2.0, as scikit-learn accepts it: the coefficients of the unweighted fit,
    and twice its log-likelihood."""
    X, y = make_problem(200, 2, seed=79)
    plain = lk.LogisticRegression().fit(X, y)
    doubled = lk.LogisticRegression().fit(X, y, sample_weight=2.0)
    np.testing.assert_allclose(doubled.coef_, plain.coef_, rtol=1e-10)
    assert doubled.loglik_ == pytest.approx(2.0 * plain.loglik_, rel=1e-10)


def test_a_softmax_over_many_row_blocks_sums_every_block() -> None:
    """20,000 rows of three classes run in blocks of 5,461 rows: J, ∇J and a Hessian-vector
    product over all of them equal the dense NumPy forms (softmax P, residual P − Y)."""
    from logitkit.core.softmax_rows import block_rows

    rng = np.random.default_rng(86)
    X = rng.standard_normal((20_000, 2))
    y = rng.integers(0, 3, 20_000)
    objective = lk.Objective.from_data(X, y)
    assert block_rows(objective.n_params, 3) < 20_000
    theta = rng.standard_normal(objective.n_params) * 0.3
    v = rng.standard_normal(objective.n_params)
    Xt = np.column_stack([np.ones(20_000), X])
    B = theta.reshape(3, 3).T
    P = softmax(Xt @ B, axis=1)
    Y = np.eye(3)[y]
    value, grad = objective.smooth_value_and_gradient(theta)
    assert value == pytest.approx(-np.mean(np.log(P[np.arange(20_000), y])), rel=1e-12)
    np.testing.assert_allclose(grad, (Xt.T @ (P - Y) / 20_000).T.ravel(), rtol=1e-10)
    U = Xt @ v.reshape(3, 3).T
    curved = P * (U - np.sum(P * U, axis=1, keepdims=True))
    np.testing.assert_allclose(
        objective.hessp(theta, v), (Xt.T @ curved / 20_000).T.ravel(), rtol=1e-10
    )
    np.testing.assert_allclose(objective.hessian(theta) @ v, objective.hessp(theta, v), rtol=1e-10)
    R = P - Y
    meat = np.block(
        [[Xt.T @ (Xt * (R[:, a] * R[:, b])[:, None]) for b in range(3)] for a in range(3)]
    )
    np.testing.assert_allclose(objective.score_outer(theta), meat, rtol=1e-10)


def test_a_wide_softmax_blocks_its_rows_by_its_columns() -> None:
    """63 coefficients: 2¹⁸ // 63 rows a block (fewer than 2¹⁴ // 3), a whole number."""
    from logitkit.core.softmax_rows import block_rows

    rng = np.random.default_rng(89)
    X = rng.standard_normal((9_000, 20))
    y = rng.integers(0, 3, 9_000)
    objective = lk.Objective.from_data(X, y)
    assert block_rows(objective.n_params, 3) == 2**18 // 63
    theta = rng.standard_normal(objective.n_params) * 0.1
    P = softmax(np.column_stack([np.ones(9_000), X]) @ theta.reshape(3, 21).T, axis=1)
    expected = -np.mean(np.log(P[np.arange(9_000), y]))
    assert objective.smooth_value(theta) == pytest.approx(expected, rel=1e-12)


def test_missing_labels_among_strings_are_counted_and_the_first_named() -> None:
    X = np.arange(8.0).reshape(4, 2)
    with pytest.raises(
        ValueError, match=r"1 missing label\(s\) \(NaN or None\), the first in row 1"
    ):
        lk.LogisticRegression().fit(X, np.array(["a", None, "b", "a"], dtype=object))


@pytest.mark.parametrize(("mean", "expected"), [(0.0, 1e-10), (1.0, 1.0 - 1e-10)])
def test_the_bernoulli_start_clips_a_weighted_rate_of_zero_or_one(mean, expected) -> None:
    """ȳ = 0 or 1 (every weight on one class) is clipped to 1e-10 or 1 − 1e-10, so the
    intercept-only start log(ȳ/(1 − ȳ)) stays finite."""
    y = np.array([0.0, 1.0, 0.0, 1.0])
    weights = np.where(y == mean, 1.0, 0.0)
    start = Bernoulli().start(y, weights)
    assert np.isfinite(start).all()
    assert start[0] == pytest.approx(np.log(expected / (1.0 - expected)), rel=1e-12)


@pytest.mark.parametrize(("residual", "clear"), [(4e-6, False), (4e-5, True)])
def test_rows_clear_the_aliasing_check_by_unit_diagonal_pivots_whatever_the_scales(
    residual, clear
) -> None:
    """Two columns of scales 10⁻³ and 10³ whose correlation leaves the second a squared
    residual 1 − ρ² against the first: the rows prove no aliasing when it clears 100 × 10⁻⁷."""
    from logitkit.core.aliasing import clear_from_rows

    rho = np.sqrt(1.0 - residual)
    scales = np.array([1e-3, 1e3])
    gram = np.array([[1.0, rho], [rho, 1.0]]) * np.outer(scales, scales)
    assert clear_from_rows(gram, np.diag(gram)) is clear


def test_the_whole_gram_clears_when_every_squared_pivot_exceeds_the_floor() -> None:
    """Pivots √0.6 ≈ 0.77: squared 0.6 clears a floor of 0.5 (cubed, 0.46, would not)."""
    from logitkit.core.aliasing import _all_pivots_clear

    rho = np.sqrt(0.4)
    matrix = np.array([[1.0, rho], [rho, 1.0]])
    assert _all_pivots_clear(matrix, 0.5)
    assert not _all_pivots_clear(matrix, 0.6 + 1e-12)
    assert _all_pivots_clear(matrix, 0.6 - 1e-12)


def test_rows_with_a_small_share_of_the_norms_prove_less() -> None:
    """The bound r_S,ⱼ‖x̃ⱼ‖²_S/‖x̃ⱼ‖²_R shrinks with the rows' share of the column's norm: a
    squared pivot of ½ over rows holding 10⁻⁵ of the norms is no proof."""
    from logitkit.core.aliasing import clear_from_rows

    gram = np.array([[1.0, np.sqrt(0.5)], [np.sqrt(0.5), 1.0]])
    assert clear_from_rows(gram, np.diag(gram))
    assert not clear_from_rows(gram, 1e5 * np.diag(gram))


def test_a_single_tiny_pivot_is_found() -> None:
    from logitkit.core.aliasing import _first_small_pivot

    found = _first_small_pivot(np.array([[1e-9]]), 1e-7)
    assert found is not None and found[0] == 0
    assert _first_small_pivot(np.array([[1.0]]), 1e-7) is None
    assert _first_small_pivot(np.zeros((0, 0)), 1e-7) is None


def test_a_record_keeps_its_dtype_as_a_numpy_dtype() -> None:
    from dataclasses import replace

    X, y = make_problem(100, 2, seed=80)
    record = lk.LogisticRegression().fit(X, y).record_
    single = replace(record, dtype=np.float32)
    assert isinstance(single.dtype, np.dtype) and single.dtype == np.float32
    assert replace(record, dtype="float64").dtype == np.dtype(np.float64)


def test_the_aliasing_gram_leaves_out_the_rows_of_weight_zero() -> None:
    X, y = make_problem(200, 3, seed=82)
    weights = np.ones(200)
    weights[::4] = 0.0
    objective = lk.Objective.from_data(X, y, sample_weight=weights)
    kept = np.column_stack([np.ones(200), X])[weights > 0]
    np.testing.assert_allclose(objective.positive_weight_gram(), kept.T @ kept, rtol=1e-12)


@pytest.mark.parametrize(
    ("rows", "hessian", "step"), [(slice(0, None, 3), "sampled_hessian", 3), (None, "hessian", 0)]
)
def test_a_pass_after_a_kept_hessian_does_not_bring_it_again(
    monkeypatch, rows, hessian, step
) -> None:
    """Once the Hessian over every k-th row, or over every row, is kept at θ, the pass for the
    cost and gradient at that θ asks for those two alone; at a new θ it brings the Hessian
    along, once, and a pass for other sums does not."""
    import dask

    from logitkit.backends import dask as dask_backend

    X, y = make_problem(100, 2, seed=57)
    theta = np.array([0.1, -0.3, 0.2])
    requests = []
    original = dask_backend.DaskDesign.pass_sums
    monkeypatch.setattr(
        dask_backend.DaskDesign,
        "pass_sums",
        lambda self, request, *args: (
            requests.append(request.wants) or original(self, request, *args)
        ),
    )
    with dask.config.set(scheduler="synchronous"):
        lazy = _dask_objective(X, y)
        lazy.hessian(theta, rows)
        requests.clear()
        lazy.smooth_value_and_gradient(theta)
        lazy.smooth_value_and_gradient(theta + 0.1)
        lazy.evaluate(theta + 0.2, ("value", "gradient", hessian), step)
        lazy.evaluate(theta + 0.3, ("score_outer",))
    assert requests == [
        ("value", "gradient"),
        ("value", "gradient", hessian),
        ("value", "gradient", hessian),
        ("score_outer",),
    ]


def test_the_value_over_some_rows_uses_only_those_rows_and_adds_the_ridge() -> None:
    """J over the rows B (a stochastic step's cost): in memory for the softmax, and over a
    design read by passes with a ridge term, the value of an objective built on those rows
    alone; Firth's penalty, which has no per-row form, refuses rows."""
    import dask

    rng = np.random.default_rng(108)
    X = rng.standard_normal((100, 2))
    rows = slice(25, 50)
    theta3 = rng.standard_normal(9) * 0.3
    y3 = rng.integers(0, 3, 100)
    alone = lk.Objective.from_data(X[rows], y3[rows], n_classes=3)
    softmax_value = lk.Objective.from_data(X, y3).smooth_value(theta3, rows)
    assert softmax_value == pytest.approx(alone.smooth_value(theta3), rel=1e-12)
    y = rng.integers(0, 2, 100)
    theta = np.array([0.2, -0.4, 0.3])
    expected = lk.Objective.from_data(X[rows], y[rows], alpha=0.5).smooth_value(theta)
    with dask.config.set(scheduler="synchronous"):
        lazy = _dask_objective(X, y, alpha=0.5)
        assert lazy.smooth_value(theta, rows) == pytest.approx(expected, rel=1e-12)
    firth = lk.Objective.from_data(X, y, firth=True)
    with pytest.raises(ValueError, match="Firth's penalty has no per-row form"):
        firth.smooth_value(theta, rows)


def test_the_fused_passs_smallest_residual_weight_is_the_rows_own() -> None:
    """λ_min = min sᵢ|yᵢ − ŷᵢ| over the rows of positive weight, from the fused pass, equals
    the separation check's own computation from the logits (unnormalised weights)."""
    from logitkit.inference.separation import _smallest_residual_weight

    X, y = make_problem(4000, 3, seed=109)
    weights = np.random.default_rng(109).uniform(0.5, 3.0, 4000)
    weights[:10] = 0.0
    objective = lk.Objective.from_data(X, y, sample_weight=weights)
    theta = np.array([0.2, 0.5, -0.3, 0.1])
    assert objective.fused_sums(theta) is not None
    expected = _smallest_residual_weight(objective.logits(theta), y, weights)
    assert objective.overlap_min(theta) == pytest.approx(expected, rel=1e-12)


def test_newton_takes_the_block_diagonal_above_the_full_hessians_size(monkeypatch) -> None:
    """Above ``FULL_HESSIAN_MAX_PARAMS`` coefficients a softmax's Newton matrix is the block
    diagonal of ∇²J (no coupling between outputs); at that size, and for one output, the
    full ∇²J."""
    from logitkit.core import objective as objective_module

    rng = np.random.default_rng(110)
    X = rng.standard_normal((200, 2))
    softmax = lk.Objective.from_data(X, rng.integers(0, 3, 200), reference=0)
    binary = lk.Objective.from_data(X, rng.integers(0, 2, 200))
    theta = rng.standard_normal(softmax.n_params) * 0.3
    full = softmax.hessian(theta)
    monkeypatch.setattr(objective_module, "FULL_HESSIAN_MAX_PARAMS", softmax.n_params)
    np.testing.assert_allclose(softmax.newton_hessian(theta), full, rtol=1e-12)
    np.testing.assert_array_equal(binary.newton_hessian(theta[:3]), binary.hessian(theta[:3]))
    monkeypatch.setattr(objective_module, "FULL_HESSIAN_MAX_PARAMS", softmax.n_params - 1)
    blocks = softmax.newton_hessian(theta)
    np.testing.assert_allclose(blocks[:3, :3], full[:3, :3], rtol=1e-12)
    np.testing.assert_allclose(blocks[3:, 3:], full[3:, 3:], rtol=1e-12)
    assert np.all(blocks[:3, 3:] == 0.0) and np.any(full[:3, 3:] != 0.0)


def test_a_hessian_submatrix_is_read_off_one_fused_pass_where_one_applies(monkeypatch) -> None:
    """[∇²J]_II for few coefficients: one fused pass that brings the Hessian, no block of the
    columns in I computed on its own, and the entries of the full ∇²J."""
    X, y = make_problem(4000, 4, seed=111)
    objective = lk.Objective.from_data(X, y)
    theta = np.array([0.1, -0.2, 0.3, 0.0, 0.2])
    expected = lk.Objective.from_data(X, y).hessian(theta)[np.ix_([0, 2, 3], [0, 2, 3])]
    calls = DesignCalls(monkeypatch).counts
    blocks = []
    monkeypatch.setattr(objective, "hessian_block", lambda *args: blocks.append(args))
    block = objective.hessian_submatrix(theta, [0, 2, 3])
    assert calls == {"fused_sums": 1, "fused_value_gradient": 0, "weighted_gram": 0}
    assert blocks == []
    np.testing.assert_allclose(block, expected, rtol=1e-12)


def test_the_data_term_comes_from_the_fused_pass_where_one_applies(monkeypatch) -> None:
    X, y = make_problem(4000, 4, seed=112)
    objective = lk.Objective.from_data(X, y, alpha=0.5)
    theta = np.array([0.1, -0.2, 0.3, 0.0, 0.2])
    expected = lk.Objective.from_data(X, y).smooth_value(theta)
    calls = DesignCalls(monkeypatch).counts
    assert objective.data_term(theta) == pytest.approx(expected, rel=1e-12)
    assert calls["fused_sums"] + calls["fused_value_gradient"] == 1


def test_a_softmax_over_some_rows_takes_those_rows_offsets() -> None:
    rng = np.random.default_rng(113)
    X = rng.standard_normal((90, 2))
    y = rng.integers(0, 3, 90)
    offset = rng.standard_normal((90, 3))
    rows = np.arange(20, 50)
    theta = rng.standard_normal(9) * 0.3
    objective = lk.Objective.from_data(X, y, offset=offset)
    alone = lk.Objective.from_data(X[rows], y[rows], offset=offset[rows], n_classes=3)
    assert objective.smooth_value(theta, rows) == pytest.approx(
        alone.smooth_value(theta), rel=1e-12
    )
    value, gradient = objective.smooth_value_and_gradient(theta, rows)
    expected_value, expected_gradient = alone.smooth_value_and_gradient(theta)
    assert value == pytest.approx(expected_value, rel=1e-12)
    np.testing.assert_allclose(gradient, expected_gradient, rtol=1e-12)


def test_the_value_and_gradient_at_a_theta_of_kept_fused_sums_need_no_pass(monkeypatch) -> None:
    """Sums of the fused pass made at θ for the statistics answer the cost and gradient at θ
    next, with no pass of their own."""
    X, y = make_problem(4000, 4, seed=114)
    objective = lk.Objective.from_data(X, y)
    theta = np.array([0.1, -0.2, 0.3, 0.0, 0.2])
    sums = objective.fused_sums(theta, hessian=True)
    assert sums is not None
    calls = DesignCalls(monkeypatch).counts
    value, gradient = objective.smooth_value_and_gradient(theta)
    assert calls == {"fused_sums": 0, "fused_value_gradient": 0, "weighted_gram": 0}
    assert value == sums.value
    np.testing.assert_array_equal(gradient, sums.gradient)


def test_the_fused_pass_adds_the_offset_and_keeps_the_logits(monkeypatch) -> None:
    """On a dense X large enough for the fused pass (2²⁰ entries), J and ∇J with an offset are
    z = X̃θ + o's, and the logits the pass made answer the next call for them with no product
    of their own."""
    from logitkit.backends import dense

    X, y = make_problem(270_000, 4, seed=115)
    offset = np.linspace(-1.0, 1.0, 270_000)
    objective = lk.Objective.from_data(X, y, offset=offset)
    theta = np.array([0.1, -0.2, 0.3, 0.0, 0.2])
    Xt = np.column_stack([np.ones(270_000), X])
    z = Xt @ theta + offset
    p = 1.0 / (1.0 + np.exp(-z))
    value, gradient = objective.smooth_value_and_gradient(theta)
    assert value == pytest.approx(np.mean(np.logaddexp(0.0, z) - y * z), rel=1e-12)
    np.testing.assert_allclose(gradient, Xt.T @ (p - y) / 270_000, rtol=1e-10, atol=1e-14)
    products = []
    original = dense.DenseDesign.linear_predictor
    monkeypatch.setattr(
        dense.DenseDesign,
        "linear_predictor",
        lambda design, *args: products.append(1) or original(design, *args),
    )
    np.testing.assert_allclose(objective.logits(theta), z, rtol=1e-12, atol=1e-12)
    assert products == []


def test_the_aliasing_gram_of_a_large_dense_x_comes_from_the_parallel_pass(monkeypatch) -> None:
    from logitkit.backends import dense

    X, y = make_problem(270_000, 4, seed=117)
    objective = lk.Objective.from_data(X, y)
    grams = []
    original = dense.DenseDesign.gram_rows
    monkeypatch.setattr(
        dense.DenseDesign, "gram_rows", lambda design, *a: grams.append(1) or original(design, *a)
    )
    Xt = np.column_stack([np.ones(270_000), X])
    np.testing.assert_allclose(objective.positive_weight_gram(), Xt.T @ Xt, rtol=1e-10, atol=1e-6)
    assert grams == []


def test_a_dask_aliasing_gram_asked_for_alone_leaves_out_rows_of_weight_zero() -> None:
    import dask

    X, y = make_problem(100, 2, seed=118)
    weights = np.ones(100)
    weights[::7] = 0.0
    Xt = np.column_stack([np.ones(100), X])[weights > 0]
    with dask.config.set(scheduler="synchronous"):
        lazy = _dask_objective(X, y, sample_weight=weights)
        np.testing.assert_allclose(lazy.positive_weight_gram(), Xt.T @ Xt, rtol=1e-12)
