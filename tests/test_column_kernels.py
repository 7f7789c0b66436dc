"""The compiled per-column reductions of a dense X (logitkit.backends._columns) against NumPy,
and the dense design's use of them."""

from __future__ import annotations

import numba
import numpy as np
import pytest
import scipy.sparse as sp

import logitkit.backends.fused
from logitkit.backends._columns import CHUNK, column_summaries, csr_copy, weighted_column_squares
from logitkit.backends.design import make_design


def column_abs_max(X):
    """The column maxima alone, of the pass that also sums the squares."""
    return column_summaries(X).maxima


@pytest.mark.parametrize("n_rows", [1, CHUNK - 1, CHUNK, 3 * CHUNK + 5])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_column_reductions_equal_numpy_at_chunk_boundaries(n_rows, dtype) -> None:
    rng = np.random.default_rng(n_rows)
    X = (rng.standard_normal((n_rows, 7)) * np.logspace(-3, 3, 7)).astype(dtype)
    X[:, 4] = 0.0  # an all-zero column
    d = rng.uniform(0.0, 2.0, n_rows)
    expected_max = np.abs(X).max(axis=0).astype(np.float64)
    np.testing.assert_array_equal(column_abs_max(X), expected_max)
    widened = X.astype(np.float64)
    expected_squares = (widened**2).T @ d
    np.testing.assert_allclose(weighted_column_squares(X, d), expected_squares, rtol=1e-12)
    unit_squares = column_summaries(X).squares
    np.testing.assert_allclose(unit_squares, (widened**2).sum(axis=0), rtol=1e-12)


def test_column_reductions_of_an_empty_x_and_a_nan() -> None:
    empty = column_summaries(np.empty((0, 3)))
    np.testing.assert_array_equal(empty.maxima, np.zeros(3))
    np.testing.assert_array_equal(empty.squares, np.zeros(3))
    assert empty.row_nonzeros.shape == (0,)
    np.testing.assert_array_equal(weighted_column_squares(np.empty((0, 3)), np.empty(0)), 0.0)
    X = np.ones((10, 3))
    X[4, 1] = np.nan
    top = column_abs_max(X)
    assert np.isnan(top[1]) and top[0] == 1.0 and top[2] == 1.0
    # Compiled (a large X): a NaN before or after larger entries still gives NaN, an infinite
    # entry of either sign gives ∞, and the other columns keep their largest |x|.
    X = np.ones((3 * CHUNK + 5, 4))
    X[CHUNK + 3, 0] = np.nan
    X[2 * CHUNK, 0] = 7.0
    X[5, 1], X[CHUNK, 1] = 9.0, np.nan
    X[17, 2] = -np.inf
    X[CHUNK + 9, 3] = -5.5
    summaries = column_summaries(X)
    np.testing.assert_array_equal(summaries.maxima, [np.nan, np.nan, np.inf, 5.5])
    np.testing.assert_array_equal(np.isnan(summaries.squares), [True, True, False, False])
    np.testing.assert_array_equal(summaries.maxima, np.max(np.abs(X), axis=0))


def test_one_and_two_threads_give_identical_column_reductions() -> None:
    rng = np.random.default_rng(3)
    X = rng.standard_normal((5 * CHUNK + 17, 11))
    d = rng.uniform(0.0, 1.0, X.shape[0])
    threads = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        single = *column_summaries(X), weighted_column_squares(X, d)
    finally:
        numba.set_num_threads(threads)
    both = *column_summaries(X), weighted_column_squares(X, d)
    for one, two in zip(single, both, strict=True):
        np.testing.assert_array_equal(one, two)


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_a_large_dense_design_compiles_its_column_reductions(monkeypatch, fit_intercept) -> None:
    """Above the fused pass's size the design's column maxima and weighted squares (unit
    weights read from the maxima's pass) come from the kernels, equal to the blocked NumPy ones
    below it; a row subset stays blocked."""
    rng = np.random.default_rng(4)
    X = rng.standard_normal((3000, 6))
    d = rng.uniform(0.0, 1.0, 3000)
    blocked = make_design(X, fit_intercept)
    expected = blocked.column_abs_max(), blocked.weighted_column_sq_norms(d)
    monkeypatch.setattr(logitkit.backends.fused, "FUSED_MIN_ENTRIES", 1)
    compiled = make_design(X, fit_intercept)
    assert compiled._compiles_columns() and not make_design(X.T, False)._compiles_columns()
    np.testing.assert_array_equal(compiled.column_abs_max(), expected[0])
    np.testing.assert_allclose(compiled.weighted_column_sq_norms(d), expected[1], rtol=1e-12)
    ones = np.ones(3000)
    np.testing.assert_allclose(
        compiled.weighted_column_sq_norms(ones), blocked.weighted_column_sq_norms(ones), rtol=1e-12
    )
    rows = np.arange(0, 3000, 7)
    np.testing.assert_array_equal(compiled.column_abs_max(rows), blocked.column_abs_max(rows))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_a_large_dense_design_sums_its_gram_over_two_halves(monkeypatch, dtype, fit_intercept):
    """Above the fused pass's size X̃ᵀX̃ over every row is summed over two halves of the rows
    in two threads (always two, whatever the cores): equal to the product of the bordered X̃
    in float64, and to itself when computed again."""
    rng = np.random.default_rng(5)
    X = rng.standard_normal((9_001, 5)).astype(dtype)
    monkeypatch.setattr(logitkit.backends.fused, "FUSED_MIN_ENTRIES", 1)
    design = make_design(X, fit_intercept)
    bordered = np.column_stack([np.ones(len(X)), X]) if fit_intercept else X
    bordered = bordered.astype(np.float64)
    gram = design.gram_rows()
    np.testing.assert_allclose(gram, bordered.T @ bordered, rtol=1e-12, atol=1e-9)
    np.testing.assert_array_equal(design.gram_rows(), gram)
    irregular = np.sort(np.random.default_rng(7).choice(len(X), 500, replace=False))
    for rows in (np.arange(0, len(X), 3), np.arange(5, 4000, 7), irregular, np.array([8])):
        subset = bordered[rows]  # a regular stride is read through a view, the rest gathered
        np.testing.assert_allclose(design.gram_rows(rows), subset.T @ subset, rtol=1e-12, atol=1e-9)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("stride", [1, 2])
def test_a_large_dense_design_sums_its_weighted_gram_over_two_halves(dtype, fit_intercept, stride):
    """Above the fused pass's size and one block of rows, X̃ᵀ diag(d) X̃ (the Hessian of more
    than 64 coefficients) is summed over two halves of the rows in two threads, each a block
    at a time, also on a strided view of X (a sampled Hessian's rows): equal to the product
    of the bordered X̃, for weights of both signs and for a subset of the columns against
    another, and to itself when computed again."""
    rng = np.random.default_rng(8)
    X = rng.standard_normal((42_001 * stride, 26)).astype(dtype)[::stride]
    design = make_design(X, fit_intercept)
    assert design._splits_rows() and len(X) > design._block_rows()
    bordered = np.column_stack([np.ones(len(X)), X]) if fit_intercept else X
    bordered = bordered.astype(np.float64)
    tolerance = 1e-12 if dtype == np.float64 else 1e-5
    for d in (rng.uniform(0.0, 0.25, len(X)), rng.uniform(-1.0, 1.0, len(X))):
        gram = design.weighted_gram(d)
        expected = bordered.T @ (d[:, None] * bordered)
        np.testing.assert_allclose(gram, expected, rtol=tolerance, atol=tolerance * len(X))
        np.testing.assert_array_equal(design.weighted_gram(d), gram)
        left, right = np.array([0, 3, 7]), np.array([1, 2, 20, 25])
        np.testing.assert_allclose(
            design.weighted_gram_subset(d, left, right),
            expected[np.ix_(left, right)],
            rtol=tolerance,
            atol=tolerance * len(X),
        )


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_a_wide_sample_of_rows_sums_its_gram_over_two_halves(fit_intercept) -> None:
    """A regular stride of rows of a large X (the overlap certificate's sample) is read
    through a view and split into two halves, in blocks of at least p rows: the same matrix
    as the product of the gathered rows."""
    X = np.random.default_rng(9).standard_normal((16_000, 300))
    design = make_design(X, fit_intercept)
    rows = np.arange(2, len(X), 4)
    sample = design.take(slice(2, None, 4))
    assert sample._splits_rows() and not sample.X.flags.c_contiguous
    bordered = np.column_stack([np.ones(len(X)), X]) if fit_intercept else X
    gathered = bordered[rows]
    np.testing.assert_allclose(design.gram_rows(rows), gathered.T @ gathered, rtol=1e-12, atol=1e-9)


def test_a_dask_chunk_keeps_its_reductions_on_its_own_thread(monkeypatch) -> None:
    """A chunk's design, run inside a Dask task beside others, never launches the parallel
    kernels or the two-thread Gram: the same numbers come from the blocked NumPy path."""
    import logitkit.backends._columns
    from logitkit.backends._dask_tasks import block_design

    def refuse(*args):
        raise AssertionError("a parallel kernel ran inside a chunk task")

    monkeypatch.setattr(logitkit.backends.fused, "FUSED_MIN_ENTRIES", 1)
    monkeypatch.setattr(logitkit.backends._columns, "column_summaries", refuse)
    monkeypatch.setattr(logitkit.backends._columns, "weighted_column_squares", refuse)
    monkeypatch.setattr("logitkit.backends.dense.ThreadPoolExecutor", refuse)
    X = np.random.default_rng(6).standard_normal((5000, 4))
    chunk = block_design(X, True)
    bordered = np.column_stack([np.ones(len(X)), X])
    np.testing.assert_array_equal(chunk.column_abs_max(), np.abs(bordered).max(axis=0))
    np.testing.assert_allclose(chunk.gram_rows(), bordered.T @ bordered, rtol=1e-12)
    every_third = bordered[::3]  # a strided sample, read through a chunk design of its view
    expected_sample = every_third.T @ every_third
    np.testing.assert_allclose(
        chunk.gram_rows(np.arange(0, len(X), 3)), expected_sample, rtol=1e-12
    )
    tall = np.random.default_rng(7).standard_normal((30_000, 4))  # more than one block of rows
    weights = np.random.default_rng(8).uniform(0.0, 0.25, len(tall))
    tall_bordered = np.column_stack([np.ones(len(tall)), tall])
    expected = tall_bordered.T @ (weights[:, None] * tall_bordered)
    np.testing.assert_allclose(
        block_design(tall, True).weighted_gram(weights), expected, rtol=1e-12
    )
    d = np.ones(len(X))
    np.testing.assert_allclose(chunk.weighted_column_sq_norms(d), (bordered**2).sum(axis=0))


@pytest.mark.parametrize("n_rows", [1, CHUNK - 1, 3 * CHUNK + 5])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_the_row_counts_and_the_csr_copy_equal_scipy(n_rows, dtype) -> None:
    """Each row's nonzero count from the column pass, and the CSR copy built from them, equal
    NumPy's count and SciPy's conversion, rows without a nonzero entry included."""
    rng = np.random.default_rng(n_rows + 1)
    X = (rng.standard_normal((n_rows, 9)) * (rng.random((n_rows, 9)) < 0.2)).astype(dtype)
    X[::3] = 0.0  # empty rows
    counts = column_summaries(X).row_nonzeros
    np.testing.assert_array_equal(counts, np.count_nonzero(X, axis=1))
    copy = csr_copy(X, counts)
    expected = sp.csr_matrix(X)
    assert copy.dtype == dtype and copy.shape == X.shape and copy.has_canonical_format
    for name in ("data", "indices", "indptr"):
        np.testing.assert_array_equal(getattr(copy, name), getattr(expected, name))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_a_small_dense_design_takes_its_column_maxima_from_the_serial_kernel(dtype) -> None:
    """Below the parallel pass's size a C-ordered X's column maxima come from the serial
    compiled pass: equal to NumPy's, NaN for a column holding a NaN or an infinity of either
    sign, and the same through NumPy for an X that is not C-ordered."""
    X = np.random.default_rng(10).standard_normal((2_001, 6)).astype(dtype)
    design = make_design(X, True)
    assert not design._compiles_columns()
    expected = np.concatenate(([1.0], np.abs(X).max(axis=0).astype(np.float64)))
    np.testing.assert_array_equal(design.column_abs_max(), expected)
    np.testing.assert_array_equal(
        make_design(np.asfortranarray(X), True).column_abs_max(), expected
    )
    for bad in (np.nan, np.inf, -np.inf):
        spoiled = X.copy()
        spoiled[1_000, 2] = bad
        maxima = make_design(spoiled, False).column_abs_max()
        assert np.isnan(maxima[2])
        np.testing.assert_array_equal(np.delete(maxima, 2), np.delete(expected[1:], 2))
