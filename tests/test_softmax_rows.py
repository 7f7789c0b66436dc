"""The softmax cost from class codes, a block of rows at a time, against the one-hot formulas.

The reference builds everything whole with NumPy and SciPy: the one-hot matrix Y = I[y], the
logits Z = X̃B + O (a reference class's zero column inserted), P = softmax(Z), and

    J₀ = Σ sᵢ [logsumexp(zᵢ) − Σₖ Yᵢₖ zᵢₖ],          ∇ = X̃ᵀ(s ⊙ (P − Y)),
    ∇² = Σᵢ sᵢ (diag(pᵢ) − pᵢpᵢᵀ) ⊗ x̃ᵢx̃ᵢᵀ,           M = Σᵢ sᵢ (rᵢrᵢᵀ) ⊗ x̃ᵢx̃ᵢᵀ,
    u_g = Σ_{i∈g} −sᵢ rᵢ ⊗ x̃ᵢ,                        r = (P − Y) over the modelled classes.

The objective reads the labels as codes and never forms Y, P or Z whole: its blocks
(:mod:`logitkit.core.softmax_rows`) are set small here, so that every sum crosses several.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.special import logsumexp, softmax
from threadpoolctl import threadpool_info, threadpool_limits

from logitkit.backends import fused
from logitkit.backends.design import make_design
from logitkit.core import layout, softmax_rows
from logitkit.core.datafits import Multinomial
from logitkit.core.objective import Objective
from logitkit.core.penalties import ElasticNet

N = 700
"""Rows of the test data: three blocks of 256, 256 and 188 rows with ``BLOCK_ENTRIES`` = 1."""


@pytest.fixture(autouse=True)
def small_blocks(monkeypatch) -> None:
    """Blocks of the least size, 256 rows."""
    monkeypatch.setattr(softmax_rows, "BLOCK_ENTRIES", 1)


class OneHot:
    """The softmax cost's sums, whole, from the one-hot labels."""

    def __init__(self, X, y, s, B, offset, datafit: Multinomial) -> None:
        self.x_tilde = np.column_stack((np.ones(len(y)), np.asarray(X, dtype=np.float64)))
        self.s = s
        eta = self.x_tilde @ B + (0.0 if offset is None else offset)
        Z = np.zeros((len(y), datafit.n_classes))
        Z[:, datafit.free] = eta
        self.Y = np.eye(datafit.n_classes)[y]
        self.Z = Z
        self.P = softmax(Z, axis=1)
        self.R = (self.P - self.Y)[:, datafit.free]
        self.free = datafit.free

    def value(self) -> float:
        return float(self.s @ (logsumexp(self.Z, axis=1) - np.sum(self.Y * self.Z, axis=1)))

    def gradient(self) -> np.ndarray:
        return (self.x_tilde.T @ (self.s[:, None] * self.R)).ravel(order="F")

    def _kron(self, C: np.ndarray) -> np.ndarray:
        """Σᵢ Cᵢ ⊗ x̃ᵢx̃ᵢᵀ for a K′ × K′ matrix Cᵢ per row, laid out as θ (output-major)."""
        blocks = np.einsum("ikm,ij,il->kjml", C, self.x_tilde, self.x_tilde)
        size = C.shape[1] * self.x_tilde.shape[1]
        return blocks.reshape(size, size)

    def hessian(self) -> np.ndarray:
        P = self.P[:, self.free]
        C = np.einsum("ik,km->ikm", P, np.eye(P.shape[1])) - P[:, :, None] * P[:, None, :]
        return self._kron(self.s[:, None, None] * C)

    def score_outer(self) -> np.ndarray:
        return self._kron(self.s[:, None, None] * self.R[:, :, None] * self.R[:, None, :])

    def cluster_scores(self, codes: np.ndarray, n_groups: int) -> np.ndarray:
        indicator = np.zeros((n_groups, len(codes)))
        indicator[codes, np.arange(len(codes))] = 1.0
        residual = -self.s[:, None] * self.R
        return np.hstack(
            [indicator @ (residual[:, [k]] * self.x_tilde) for k in range(residual.shape[1])]
        )


def _problem(n_classes: int, reference: int | None, seed: int, with_offset: bool = True):
    """X (N × 4), codes y, weights s, θ and an N × K′ offset O, at a scale where every class
    keeps a probability far from 0 and 1."""
    rng = np.random.default_rng(seed)
    datafit = Multinomial(n_classes, reference)
    X = rng.standard_normal((N, 4))
    y = rng.integers(0, n_classes, N)
    s = rng.uniform(0.2, 3.0, N)
    theta = 0.5 * rng.standard_normal(5 * datafit.n_outputs)
    offset = rng.normal(size=(N, datafit.n_outputs)) if with_offset else None
    return datafit, X, y, s, theta, offset


def _objective(datafit, X, y, s, offset, alpha: float = 0.0) -> Objective:
    design = make_design(X, True)
    mask = layout.penalised_mask(design.n_params, datafit.n_outputs, True)
    return Objective(design, y, s, ElasticNet.with_mask(alpha, 0.0, mask), datafit, offset)


CASES = [(2, None), (3, None), (3, 1), (10, None), (10, 9)]
IDS = ["K=2", "K=3", "K=3 ref 1", "K=10", "K=10 ref 9"]


@pytest.mark.parametrize(("n_classes", "reference"), CASES, ids=IDS)
def test_value_and_gradient_from_codes_match_the_one_hot_formula(n_classes, reference) -> None:
    """J₀ and ∇J₀ with weights and an N × K′ offset, by blocks, from the class codes."""
    datafit, X, y, s, theta, offset = _problem(n_classes, reference, seed=n_classes)
    objective = _objective(datafit, X, y, s, offset)
    rows = objective._softmax_rows()
    assert rows is not None and not rows.one_block
    expected = OneHot(X, y, s, layout.coef_matrix(theta, 5), offset, datafit)
    value, gradient = objective.smooth_value_and_gradient(theta)
    assert value == pytest.approx(expected.value() / s.sum(), rel=1e-13)
    np.testing.assert_allclose(gradient, expected.gradient() / s.sum(), rtol=1e-12, atol=1e-15)
    assert objective.smooth_value(theta) == pytest.approx(value, rel=1e-15)
    assert objective.data_term(theta) == pytest.approx(value, rel=1e-15)


@pytest.mark.parametrize(("n_classes", "reference"), CASES, ids=IDS)
def test_the_fused_pass_from_codes_matches_the_one_hot_formula(
    n_classes, reference, monkeypatch
) -> None:
    """The fused kernel's J₀ and ∇J₀ (weights, no offset: it adds none), which keeps no
    logits, on a dense X of several chunks."""
    monkeypatch.setattr(fused, "FUSED_MIN_ENTRIES", 0)
    datafit, X, y, s, theta, _ = _problem(
        n_classes, reference, seed=20 + n_classes, with_offset=False
    )
    X = np.repeat(X, 4, axis=0)
    y, s = np.repeat(y, 4), np.repeat(s, 4)
    objective = _objective(datafit, X, y, s, None)
    assert objective.fused_pass
    expected = OneHot(X, y, s, layout.coef_matrix(theta, 5), None, datafit)
    value, gradient = objective.smooth_value_and_gradient(theta)
    assert value == pytest.approx(expected.value() / s.sum(), rel=1e-13)
    np.testing.assert_allclose(gradient, expected.gradient() / s.sum(), rtol=1e-12, atol=1e-15)
    assert objective._cache is None


@pytest.mark.parametrize(("n_classes", "reference"), [(3, None), (4, 2)], ids=["K=3", "K=4 ref 2"])
@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "sparse"])
def test_second_derivatives_match_the_one_hot_formulas(n_classes, reference, sparse) -> None:
    """∇²J, its diagonal, its block diagonal, ∇²J v and the meat M, by blocks (ridge α = 0.1
    on the weights)."""
    datafit, X, y, s, theta, offset = _problem(n_classes, reference, seed=40 + n_classes)
    objective = _objective(datafit, sp.csr_array(X) if sparse else X, y, s, offset, alpha=0.1)
    expected = OneHot(X, y, s, layout.coef_matrix(theta, 5), offset, datafit)
    ridge = objective.penalty.smooth_hessian_diagonal()
    hessian = expected.hessian() / s.sum() + np.diag(ridge)
    np.testing.assert_allclose(objective.hessian(theta), hessian, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(objective.hessian_diagonal(theta), np.diag(hessian), rtol=1e-12)
    outputs = np.arange(theta.size) // 5
    block_diagonal = np.where(outputs[:, None] == outputs[None, :], hessian, 0.0)
    np.testing.assert_allclose(
        objective.block_diagonal_hessian(theta), block_diagonal, rtol=1e-12, atol=1e-15
    )
    v = np.random.default_rng(1).standard_normal(theta.size)
    operator = objective.hessian_operator(theta)
    np.testing.assert_allclose(operator(v), hessian @ v, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(operator(2.0 * v), 2.0 * (hessian @ v), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(
        objective.score_outer(theta), expected.score_outer(), rtol=1e-12, atol=1e-13
    )


def test_cluster_scores_match_the_one_hot_formula() -> None:
    """u_g = Σ_{i∈g} −sᵢ rᵢ ⊗ x̃ᵢ over groups whose rows lie in several blocks (G = 7; the last
    block holds some of the groups only)."""
    datafit, X, y, s, theta, offset = _problem(3, None, seed=5)
    objective = _objective(datafit, X, y, s, offset)
    groups = np.repeat(np.array(list("abcdefg")), 100)
    codes, n_groups = objective.design.group_codes(groups)
    expected = OneHot(X, y, s, layout.coef_matrix(theta, 5), offset, datafit)
    np.testing.assert_allclose(
        objective.cluster_scores(theta, groups),
        expected.cluster_scores(codes, n_groups),
        rtol=1e-12,
        atol=1e-13,
    )


def test_blocks_and_one_block_agree_and_rows_subsets_use_their_own(monkeypatch) -> None:
    """The same sums over three blocks as over one; a subset of rows (the stochastic solvers')
    gives the weighted estimate (1/|B|) Σ_{i∈B} (sᵢ/s̄) ∇Lᵢ of its own rows."""
    datafit, X, y, s, theta, offset = _problem(4, None, seed=8)
    objective = _objective(datafit, X, y, s, offset)
    blocked = objective.smooth_value_and_gradient(theta), objective.hessian(theta)
    monkeypatch.setattr(softmax_rows, "BLOCK_ENTRIES", 1 << 30)
    assert objective._softmax_rows().one_block
    whole = objective.smooth_value_and_gradient(theta), objective.hessian(theta)
    assert blocked[0][0] == pytest.approx(whole[0][0], rel=1e-14)
    np.testing.assert_allclose(blocked[0][1], whole[0][1], rtol=1e-13, atol=1e-16)
    np.testing.assert_allclose(blocked[1], whole[1], rtol=1e-13, atol=1e-16)
    rows = np.arange(3, N, 2)
    subset = OneHot(X[rows], y[rows], s[rows], layout.coef_matrix(theta, 5), offset[rows], datafit)
    scale = rows.size * s.mean()
    np.testing.assert_allclose(
        objective.smooth_gradient(theta, rows), subset.gradient() / scale, rtol=1e-12, atol=1e-15
    )


@pytest.mark.parametrize(
    ("n_params", "n_classes", "expected"),
    [(5, 3, 5461), (101, 3, 2595), (2000, 3, 256), (5, 200, 256)],
)
def test_a_block_holds_the_rows_its_limits_allow_and_at_least_256(
    n_params, n_classes, expected, monkeypatch
) -> None:
    """n_b = max(256, min(2¹⁸ // p̃, 2¹⁴ // K)) with the default 2¹⁴ entries: 2¹⁴ // 3 = 5461,
    2¹⁸ // 101 = 2595, and 2¹⁸ // 2000 = 131 and 2¹⁴ // 200 = 81 are raised to 256."""
    monkeypatch.setattr(softmax_rows, "BLOCK_ENTRIES", 1 << 14)
    assert softmax_rows.block_rows(n_params, n_classes) == expected


def test_the_blocks_are_consecutive_runs_of_rows_with_their_own_data() -> None:
    """N = 700 rows in blocks of 256: rows 0–255, 256–511 and 512–699, each with its labels,
    weights and logits Z = X̃B + O of those rows, and U = X̃V for a direction V."""
    datafit, X, y, s, theta, offset = _problem(3, None, seed=6)
    rows = softmax_rows.SoftmaxRows(make_design(X, True), datafit, y, s, offset)
    direction = np.random.default_rng(2).standard_normal(theta.size)
    expected = OneHot(X, y, s, layout.coef_matrix(theta, 5), offset, datafit)
    blocks = list(rows.blocks(theta, direction))
    assert [block.rows for block in blocks] == [slice(0, 256), slice(256, 512), slice(512, N)]
    for block in blocks:
        np.testing.assert_array_equal(block.y, y[block.rows])
        np.testing.assert_array_equal(block.s, s[block.rows])
        np.testing.assert_allclose(block.z, expected.Z[block.rows], rtol=1e-13, atol=1e-15)
        u = expected.x_tilde[block.rows] @ layout.coef_matrix(direction, 5)
        np.testing.assert_allclose(block.u, u, rtol=1e-13, atol=1e-15)


def _blas_threads() -> set[int]:
    return {info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas"}


@pytest.mark.parametrize(
    ("entries", "n_blocks", "threads"), [(1, 3, 1), (1 << 30, 1, 2)], ids=["3 blocks", "1 block"]
)
def test_blas_runs_on_one_thread_over_several_blocks_only(
    entries, n_blocks, threads, monkeypatch
) -> None:
    """Under a limit of two BLAS threads, the blocks of a design of several (N = 700 rows of
    256) are read with one thread, and a design of one block keeps the caller's two; the
    caller's limit holds again afterwards."""
    monkeypatch.setattr(softmax_rows, "BLOCK_ENTRIES", entries)
    datafit, X, y, s, theta, offset = _problem(3, None, seed=7)
    rows = softmax_rows.SoftmaxRows(make_design(X, True), datafit, y, s, offset)
    seen: list[set[int]] = []
    loss_and_gradient = Multinomial.loss_and_gradient

    def spied(self, y, z):
        seen.append(_blas_threads())
        return loss_and_gradient(self, y, z)

    monkeypatch.setattr(Multinomial, "loss_and_gradient", spied)
    with threadpool_limits(limits=2, user_api="blas"):
        assert _blas_threads() == {2}
        rows.value(theta)
        assert _blas_threads() == {2}
    assert seen == [{threads}] * n_blocks


def test_the_hessian_and_meat_blocks_are_the_pairs_k_le_m() -> None:
    """For K′ = 3 outputs the sums are the blocks (0, 0), (0, 1), (0, 2), (1, 1), (1, 2),
    (2, 2) of the one-hot ∇² and M (unnormalised: Σᵢ sᵢ …), and (k, k) alone for the
    Hessian's diagonal blocks."""
    datafit, X, y, s, theta, offset = _problem(3, None, seed=9)
    rows = softmax_rows.SoftmaxRows(make_design(X, True), datafit, y, s, offset)
    expected = OneHot(X, y, s, layout.coef_matrix(theta, 5), offset, datafit)
    upper = [(k, m) for k in range(3) for m in range(k, 3)]
    for sums, whole, pairs in [
        (rows.hessian(theta), expected.hessian(), upper),
        (rows.hessian(theta, diagonal_blocks=True), expected.hessian(), [(0, 0), (1, 1), (2, 2)]),
        (rows.score_outer(theta), expected.score_outer(), upper),
    ]:
        assert [(k, m) for k, m, _ in sums] == pairs
        for k, m, block in sums:
            np.testing.assert_allclose(
                block, whole[5 * k : 5 * k + 5, 5 * m : 5 * m + 5], rtol=1e-12, atol=1e-12
            )


def test_a_float32_x_gives_the_sums_of_its_float64_values() -> None:
    """Blocks of a float32 X are widened to float64 for their products: the cost and gradient
    are those of the one-hot formulas on the values of X (and of the offset, which the
    objective holds in X's dtype) in float64; the Hessian's weighted Grams run in float32
    BLAS, so it agrees to float32 rounding of its largest entries."""
    datafit, X, y, s, theta, offset = _problem(3, None, seed=11)
    single, offset = X.astype(np.float32), offset.astype(np.float32)
    objective = _objective(datafit, single, y, s, offset)
    assert not objective._softmax_rows().one_block
    expected = OneHot(single, y, s, layout.coef_matrix(theta, 5), offset, datafit)
    value, gradient = objective.smooth_value_and_gradient(theta)
    assert value == pytest.approx(expected.value() / s.sum(), rel=1e-13)
    np.testing.assert_allclose(gradient, expected.gradient() / s.sum(), rtol=1e-12, atol=1e-15)
    hessian = expected.hessian() / s.sum()
    np.testing.assert_allclose(
        objective.hessian(theta), hessian, rtol=0, atol=1e-6 * np.abs(hessian).max()
    )
