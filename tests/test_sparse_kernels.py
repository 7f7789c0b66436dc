"""The threaded CSR kernels of the sparse backend give SciPy's products.

- each kernel (X̃θ, X̃ᵀr, X̃ᵀ(d ⊙ X̃v), the Hessian's diagonal, the fused cost and gradient)
  against SciPy's float64 products, on CSR matrices with empty rows and columns, float32 and
  float64, with and without the intercept, at block boundaries (one row, fewer rows than blocks,
  blocks of unequal size, a row holding most entries);
- the same bits on one thread and on two;
- the objective and whole fits on sparse X against the same data dense and scikit-learn.
"""

from __future__ import annotations

import numba
import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression as SklearnLogisticRegression

import logitkit as lk
from logitkit.backends import _sparse_kernels as kernels
from logitkit.backends.design import make_design


def random_csr(
    n: int, p: int, density: float, dtype, seed: int, heavy: bool = False
) -> sp.csr_matrix:
    """A random CSR matrix whose first row, every fifth row from the third, and columns 0 and
    p − 1 hold no entries; with ``heavy``, row 1 (when there is one) holds an entry in each of
    the other columns."""
    rng = np.random.default_rng(seed)
    X = sp.random(n, p, density=density, format="lil", random_state=rng, dtype=np.float64)
    if heavy and n > 1:
        X[1, :] = 1.0
    X = sp.csr_matrix(X)
    X.data = rng.standard_normal(X.data.size)
    keep = np.ones(n)
    keep[0] = 0.0
    keep[2::5] = 0.0
    columns = np.ones(p)
    columns[[0, p - 1]] = 0.0
    X = sp.csr_matrix(sp.diags(keep) @ X @ sp.diags(columns))
    X.eliminate_zeros()
    return X.astype(dtype)


def bounds_of(indptr: np.ndarray, width: int, blocks: int | None) -> np.ndarray:
    """The kernels' own partition (None), or ``blocks`` blocks of as equal rows as can be,
    empty ones included when there are fewer rows than blocks."""
    if blocks is None:
        return kernels.row_blocks(indptr, width)
    n = indptr.size - 1
    return (np.arange(blocks + 1) * n // blocks).astype(np.int64)


def arrays(X: sp.csr_matrix, blocks: int | None = None) -> kernels.Rows:
    """The kernels' arrays of X, with the kernels' partition or ``blocks`` equal blocks."""
    data, indices, indptr, _ = kernels.csr_rows(X.data, X.indices, X.indptr, X.shape[1] + 1)
    return data, indices, indptr, bounds_of(X.indptr, X.shape[1] + 1, blocks)


CASES = [
    (1, 6, 0.9, 16, False),
    (5, 12, 0.5, 16, False),
    (17, 9, 0.4, 4, False),
    (2_003, 40, 0.2, None, False),
    (3_001, 500, 0.02, 7, False),
    (2_000, 3_000, 0.0005, 7, True),
]
"""(n, p, density, blocks, heavy): one row and fewer rows than blocks (empty blocks), rows not
a multiple of the blocks, the kernels' own partition (16 blocks at n = 2,003), and one row
holding most of the entries."""


@pytest.mark.parametrize(("n", "p", "density", "blocks", "heavy"), CASES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_kernels_equal_scipy_products(n, p, density, blocks, heavy, dtype, fit_intercept) -> None:
    X = random_csr(n, p, density, dtype, seed=n + p, heavy=heavy)
    X64 = X.astype(np.float64)
    rows = arrays(X, blocks)
    start = int(fit_intercept)
    rng = np.random.default_rng(7)
    theta = rng.standard_normal(p + start)
    r, d = rng.standard_normal(n), rng.random(n) + 0.1
    b = theta[0] if fit_intercept else 0.0

    z = kernels.linear_predictor(rows, theta, start)
    np.testing.assert_allclose(z, X64 @ theta[start:] + b, rtol=1e-12, atol=1e-14)

    expected = X64.T @ r
    if fit_intercept:
        expected = np.concatenate(([r.sum()], expected))
    product = kernels.transposed_product(rows, r, start, p)
    np.testing.assert_allclose(product, expected, rtol=1e-12, atol=1e-13)

    curved = d * (X64 @ theta[start:] + b)
    expected = X64.T @ curved
    if fit_intercept:
        expected = np.concatenate(([curved.sum()], expected))
    np.testing.assert_allclose(
        kernels.gram_product(rows, d, theta, start), expected, rtol=1e-12, atol=1e-13
    )

    expected = X64.multiply(X64).T @ d
    if fit_intercept:
        expected = np.concatenate(([d.sum()], expected))
    np.testing.assert_allclose(
        kernels.column_sq_norms(rows, d, start, p), expected, rtol=1e-12, atol=1e-14
    )

    # A subset of the columns in a shuffled order, with weights of both signs.
    columns = rng.permutation(p)[: max(1, p // 2)]
    signed = rng.standard_normal(n)
    gathered = X64[:, columns].toarray()
    gram, column_d = kernels.weighted_gram(rows, signed, columns, p)
    np.testing.assert_allclose(
        gram, gathered.T @ (signed[:, None] * gathered), rtol=1e-12, atol=1e-13
    )
    np.testing.assert_allclose(column_d, gathered.T @ signed, rtol=1e-12, atol=1e-13)
    np.testing.assert_array_equal(gram, gram.T)


@pytest.mark.parametrize(("n", "p", "density", "blocks", "heavy"), CASES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_fused_cost_and_gradient_equal_scipy(
    n, p, density, blocks, heavy, dtype, fit_intercept
) -> None:
    X = random_csr(n, p, density, dtype, seed=n * p, heavy=heavy)
    X64 = X.astype(np.float64)
    start = int(fit_intercept)
    rng = np.random.default_rng(3)
    theta = rng.standard_normal(p + start)
    y = (rng.random(n) < 0.4).astype(dtype)
    s = rng.random(n) + 0.5
    s /= s.sum()
    offset = rng.standard_normal(n)
    value, grad, z = kernels.value_gradient(arrays(X, blocks), theta, start, y, s, offset)

    expected_z = X64 @ theta[start:] + (theta[0] if fit_intercept else 0.0) + offset
    expected_value = float(s @ (np.logaddexp(0.0, expected_z) - y * expected_z))
    residual = s * (1.0 / (1.0 + np.exp(-expected_z)) - y)
    expected_grad = X64.T @ residual
    if fit_intercept:
        expected_grad = np.concatenate(([residual.sum()], expected_grad))
    np.testing.assert_allclose(z, expected_z, rtol=1e-12, atol=1e-14)
    assert value == pytest.approx(expected_value, rel=1e-12)
    np.testing.assert_allclose(grad, expected_grad, rtol=1e-12, atol=1e-15)


def test_the_fused_pass_is_exact_in_the_tails() -> None:
    """|z| up to 1e300: finite, no warnings, each label's loss as cross_entropy gives it."""
    X = sp.csr_matrix(np.array([[1e300], [-1e300], [40.0], [-40.0], [0.0]]))
    y = np.array([1.0, 1.0, 1.0, 0.0, 1.0])
    s = np.full(5, 0.2)
    with np.errstate(all="raise"):
        value, grad, z = kernels.value_gradient(arrays(X), np.ones(1), 0, y, s, None)
    assert value == pytest.approx(0.2 * float(np.sum(lk.cross_entropy(y, z))), rel=1e-15)
    assert np.all(np.isfinite(grad))


def test_the_partition_is_fixed_and_balanced() -> None:
    """At most 16 blocks and no more than rows, partial sums of at most nnz / 8 entries (one
    block at least), bounds
    that cover the rows in order, and blocks whose work (entries + rows) exceeds an equal share
    by no more than the largest row's: also when one row holds most of the entries."""
    X = random_csr(4_000, 50, 0.05, np.float64, seed=1)
    bounds = kernels.row_blocks(X.indptr, 51)
    assert bounds.size - 1 == kernels.MAX_BLOCKS
    assert bounds[0] == 0 and bounds[-1] == X.shape[0] and np.all(np.diff(bounds) > 0)
    assert kernels.row_blocks(X[:1].indptr, 51).tolist() == [0, 1]
    assert kernels.row_blocks(np.zeros(1, dtype=np.int32), 3).tolist() == [0, 0]
    width = X.nnz // (3 * kernels.ENTRIES_PER_PARTIAL)
    wide = kernels.row_blocks(X.indptr, width)
    assert wide.size - 1 == 3
    assert (wide.size - 1) * width <= X.nnz / kernels.ENTRIES_PER_PARTIAL
    assert kernels.row_blocks(X.indptr, X.nnz).size - 1 == 1
    heavy = sp.vstack([X[:2_000], sp.csr_matrix(np.full((1, 50), 3.0)), X[2_000:]]).tocsr()
    for matrix in (X, heavy):
        bounds = kernels.row_blocks(matrix.indptr, 51)
        work = matrix.indptr + np.arange(matrix.shape[0] + 1)
        assert bounds[0] == 0 and bounds[-1] == matrix.shape[0] and np.all(np.diff(bounds) >= 0)
        largest_row = int(np.max(np.diff(work)))
        share = work[-1] / (bounds.size - 1)
        assert np.all(np.diff(work[bounds]) <= share + largest_row)


def test_one_and_two_threads_give_the_same_bits() -> None:
    X = random_csr(20_011, 300, 0.02, np.float64, seed=5)
    rows = arrays(X)
    assert rows[3].size - 1 == kernels.MAX_BLOCKS
    rng = np.random.default_rng(11)
    theta, r = rng.standard_normal(301), rng.standard_normal(X.shape[0])
    d, y = rng.random(X.shape[0]), (rng.random(X.shape[0]) < 0.5).astype(float)
    s = np.full(X.shape[0], 1.0 / X.shape[0])

    def everything() -> list:
        return [
            kernels.linear_predictor(rows, theta, 1),
            kernels.transposed_product(rows, r, 1, 300),
            kernels.gram_product(rows, d, theta, 1),
            kernels.column_sq_norms(rows, d, 1, 300),
            *kernels.weighted_gram(rows, d, np.arange(0, 300, 3), 300),
            *kernels.value_gradient(rows, theta, 1, y, s, None),
        ]

    threads = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        single = everything()
    finally:
        numba.set_num_threads(threads)
    assert threads >= 2
    several = everything()
    for one, two in zip(single, several, strict=True):
        np.testing.assert_array_equal(one, two)


def test_a_csc_or_duplicated_x_gives_the_csr_products() -> None:
    X = random_csr(300, 20, 0.2, np.float64, seed=2)
    rows, columns = X.nonzero()
    halves = np.concatenate((X.data, X.data)) / 2.0
    duplicated = sp.csr_matrix(
        (halves, (np.concatenate((rows, rows)), np.concatenate((columns, columns)))),
        shape=X.shape,
    )
    duplicated.has_canonical_format = False
    d = np.random.default_rng(0).random(300)
    reference = make_design(X, True)
    for other in (make_design(X.tocsc(), True), make_design(duplicated, True)):
        np.testing.assert_allclose(
            other.weighted_column_sq_norms(d), reference.weighted_column_sq_norms(d), rtol=1e-13
        )
        np.testing.assert_allclose(other.rmatvec(d), reference.rmatvec(d), rtol=1e-13)
        np.testing.assert_allclose(other.weighted_gram(d), reference.weighted_gram(d), rtol=1e-13)


def test_the_hessian_of_a_sparse_x_takes_the_kernel_or_sparse_products_alike(monkeypatch) -> None:
    X = random_csr(2_000, 60, 0.1, np.float64, seed=4)
    d = np.random.default_rng(3).random(2_000)
    design = make_design(X, True)
    index = np.array([0, 5, 2, 40, 59])
    by_kernel = design.weighted_gram_subset(d, index)
    monkeypatch.setattr(kernels, "GRAM_BYTES", 0)
    assert not kernels.weighted_gram_fits(design._csr_arrays, index.size)
    by_scipy = design.weighted_gram_subset(d, index)
    np.testing.assert_allclose(by_kernel, by_scipy, rtol=1e-13, atol=1e-15)
    dense = np.column_stack([np.ones(2_000), X.toarray()])[:, index]
    np.testing.assert_allclose(by_kernel, dense.T @ (d[:, None] * dense), rtol=1e-12)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_the_sparse_objective_equals_the_dense_one(dtype) -> None:
    """The sparse objective against the dense one on the same numbers in float64 (a float32
    objective holds its offsets in float32 too)."""
    X = random_csr(2_500, 60, 0.1, dtype, seed=9)
    rng = np.random.default_rng(4)
    y = (rng.random(2_500) < 0.3).astype(int)
    weights = rng.random(2_500) + 0.2
    offset = (0.3 * rng.standard_normal(2_500)).astype(dtype)
    sparse, dense = (
        lk.Objective.from_data(data, y, alpha=0.01, sample_weight=weights, offset=offset)
        for data in (X, X.toarray().astype(np.float64))
    )
    assert sparse.fused_pass
    theta, v = rng.standard_normal(61), rng.standard_normal(61)
    value, grad = sparse.smooth_value_and_gradient(theta)
    expected_value, expected_grad = dense.smooth_value_and_gradient(theta)
    assert value == pytest.approx(expected_value, rel=1e-12)
    np.testing.assert_allclose(grad, expected_grad, rtol=1e-11, atol=1e-15)
    np.testing.assert_allclose(sparse.hessp(theta, v), dense.hessp(theta, v), rtol=1e-11)
    np.testing.assert_allclose(
        sparse.hessian_diagonal(theta), dense.hessian_diagonal(theta), rtol=1e-11
    )


def sklearn_cost(X, y, alpha: float, coef: np.ndarray, intercept: float) -> float:
    z = X @ coef + intercept
    return float(np.mean(np.logaddexp(0.0, z) - y * z) + 0.5 * alpha * coef @ coef)


@pytest.mark.parametrize(("dtype", "rounding"), [(np.float64, 1e-12), (np.float32, 1e-8)])
def test_a_sparse_newton_cg_fit_equals_the_dense_fit_and_scikit_learn(dtype, rounding) -> None:
    """Coefficients of the sparse and dense fits within 1e-8; the cost of scikit-learn's
    newton-cg reached, within ``rounding`` (relative): float32 data get float32 coefficients,
    whose rounding alone moves J by a few 1e-9."""
    n, p, alpha = 3_000, 700, 1e-3
    X = random_csr(n, p, 0.01, dtype, seed=13)
    rng = np.random.default_rng(8)
    truth = rng.standard_normal(p)
    y = (rng.random(n) < 1.0 / (1.0 + np.exp(-(X @ truth)))).astype(int)
    sparse = lk.LogisticRegression(alpha=alpha, tol=1e-12).fit(X, y)
    dense = lk.LogisticRegression(alpha=alpha, solver="newton-cg", tol=1e-12).fit(X.toarray(), y)
    assert sparse.record_.solver == "newton-cg"
    np.testing.assert_allclose(sparse.coef_, dense.coef_, rtol=0, atol=1e-8)
    assert sparse.intercept_ == pytest.approx(dense.intercept_, abs=1e-8)
    X64 = X.astype(np.float64)
    reference = SklearnLogisticRegression(
        C=1.0 / (alpha * n), solver="newton-cg", tol=1e-12, max_iter=1_000
    ).fit(X64, y)
    ours = sklearn_cost(X64, y, alpha, sparse.coef_.ravel(), float(sparse.intercept_[0]))
    theirs = sklearn_cost(X64, y, alpha, reference.coef_.ravel(), float(reference.intercept_[0]))
    assert ours == pytest.approx(theirs, rel=rounding)
    assert ours <= theirs + rounding * theirs


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_column_maxima_equal_scipy(dtype) -> None:
    """maxᵢ |xᵢⱼ| with the zeros not stored (0 for an empty column), NaN kept, the intercept's
    1 first; a subset of rows as before."""
    X = random_csr(2_003, 40, 0.2, dtype, seed=21)
    expected = abs(X.astype(np.float64)).max(axis=0).toarray().ravel()
    np.testing.assert_array_equal(kernels.column_abs_max(arrays(X, 7), 40), expected)
    design = make_design(X, True)
    np.testing.assert_array_equal(design.column_abs_max(), np.concatenate(([1.0], expected)))
    rows = np.arange(0, 2_003, 3)
    subset = abs(X[rows].astype(np.float64)).max(axis=0).toarray().ravel()
    np.testing.assert_array_equal(design.column_abs_max(rows)[1:], subset)
    X.data[5] = np.nan
    with_nan = kernels.column_abs_max(arrays(X), 40)
    assert np.isnan(with_nan[X.indices[5]])
    assert np.sum(np.isnan(with_nan)) == 1
