"""Details of the Dask backend the broader tests leave open, each pinned down by a test that a
plausible slip in it would fail (found by mutation testing, see docs/testing.md)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from logitkit.backends.dense import DenseDesign
from problems import make_problem

dask = pytest.importorskip("dask")
da = pytest.importorskip("dask.array")
backend = pytest.importorskip("logitkit.backends.dask")
tasks = pytest.importorskip("logitkit.backends._dask_tasks")
inputs = pytest.importorskip("logitkit.backends.dask_inputs")


def test_adding_chunk_sums_writes_into_none_of_them() -> None:
    first, second = np.array([1.0, 2.0]), np.array([0.5, -1.0])
    total = tasks.add(first, second, second)
    np.testing.assert_array_equal(total, [2.0, 0.0])
    np.testing.assert_array_equal(first, [1.0, 2.0])
    assert total.dtype == np.float64 and tasks.add(np.array([1, 2])).dtype == np.float64


@pytest.mark.parametrize(
    ("y_chunks", "shown"),
    [
        ((40, 60), "[40, 60]"),
        ((12,) * 7 + (16,), "[12, 12, 12, 12, 12, 12, 12, 16]"),
        ((11,) * 8 + (12,), "[11, 11, 11, 11] … [11, 12] (9 chunks)"),
    ],
)
def test_a_misaligned_vector_is_told_with_both_chunkings(y_chunks, shown) -> None:
    """Up to eight chunk sizes are listed whole; more as the first four, the last two and the
    count."""
    X, y = make_problem(100, 2, seed=1)
    design = backend.DaskDesign(da.from_array(X, chunks=(50, 2)), True)
    message = (
        f"y is not aligned with X: its chunks hold {shown} rows, those of X [50, 50]. "
        "Rechunk it like X, e.g. y.rechunk(X.chunks[0])"
    )
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        design.sample_values(da.from_array(y, chunks=y_chunks), None, "y")


def test_group_sums_over_chunks_that_hold_some_groups_only() -> None:
    """Ten groups over four chunks of 25 rows, sorted so that each chunk holds two or three of
    them: each chunk's G × p̃ sums are padded to all ten groups before they are added."""
    X, _ = make_problem(100, 2, seed=2)
    r = np.random.default_rng(2).standard_normal(100)
    groups = np.repeat(np.arange(10), 10)
    design = backend.DaskDesign(da.from_array(X, chunks=(25, 2)), True)
    with dask.config.set(scheduler="synchronous"):
        sums = design.group_sums(da.from_array(r, chunks=25), da.from_array(groups, chunks=25))
    np.testing.assert_allclose(sums, DenseDesign(X, True).group_sums(r, groups), rtol=1e-13)
    assert sums.shape == (10, 3)


def test_finding_the_cluster_labels_counts_one_pass_each_time() -> None:
    X, _ = make_problem(100, 2, seed=3)
    design = backend.DaskDesign(da.from_array(X, chunks=(25, 2)), True)
    labels = np.array(["b", "a", "c", "d"] * 25)
    with dask.config.set(scheduler="synchronous"):
        codes, count = design.group_codes(labels)
        assert design.passes == 1 and count == 4
        design.group_codes(labels)
        assert design.passes == 2
        expected = np.searchsorted(["a", "b", "c", "d"], labels)
        np.testing.assert_array_equal(codes.compute(), expected)
