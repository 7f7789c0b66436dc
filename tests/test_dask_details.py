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


@pytest.mark.parametrize(
    ("given", "expected"),
    [(None, 1.0), (2.5, 2.5), (3, 3.0), (np.full(100, 2, dtype=np.int64), 2.0)],
    ids=["none", "a float", "an integer", "integers per row"],
)
def test_row_weights_are_float64_and_chunked_like_x(given, expected) -> None:
    X, _ = make_problem(100, 2, seed=4)
    design = backend.DaskDesign(da.from_array(X, chunks=(30, 2)), True)
    weights = inputs.row_weights(design, given)
    assert weights.chunks == ((30, 30, 30, 10),) and weights.dtype == np.float64
    with dask.config.set(scheduler="synchronous"):
        computed = weights.compute()
    assert computed.dtype == np.float64
    np.testing.assert_array_equal(computed, np.full(100, expected))


@pytest.mark.parametrize("short", ["y", "sample_weight", "offset", "groups"])
def test_a_chunks_misaligned_vector_is_named_with_the_chunk(short) -> None:
    """The four n-vectors of a pass meet X's rows in each chunk's task: one a row short
    there (a DataFrame's partitions of unknown size, say) is an error naming it and the
    chunk."""
    from logitkit.backends.passes import PassRequest
    from logitkit.core.datafits import Bernoulli

    X, y = make_problem(10, 2, seed=5)
    vectors = {
        "y": y.astype(float),
        "sample_weight": np.ones(10),
        "offset": np.zeros(10),
        "groups": np.zeros(10, dtype=np.intp),
    }
    vectors[short] = vectors[short][:9]
    request = PassRequest(("value",), datafit=Bernoulli(), coef=np.zeros(3))
    where = "chunk 2 of X (rows 20–29)"
    message = (
        f"{short} is not aligned with X: it has 9 rows in {where}, which holds 10. Take X "
        f"and {short} from the same DataFrame, or rechunk one like the other"
    )
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        tasks.chunk_sums((True, request), where, 20, X, *vectors.values())


@pytest.mark.parametrize("position", range(4))
def test_a_pass_names_the_vector_of_the_wrong_length(position) -> None:
    from logitkit.backends.passes import PassRequest
    from logitkit.core.datafits import Bernoulli

    X, y = make_problem(100, 2, seed=6)
    design = backend.DaskDesign(da.from_array(X, chunks=(50, 2)), True)
    vectors = [y.astype(float), np.ones(100), np.zeros(100), np.zeros(100, dtype=np.intp)]
    vectors[position] = vectors[position][:99]
    name = ["y", "sample_weight", "offset", "groups"][position]
    request = PassRequest(("value",), datafit=Bernoulli(), coef=np.zeros(3))
    with pytest.raises(ValueError, match=f"^{name} has 99 entries but X has 100 rows$"):
        design.pass_sums(request, *vectors)


def test_a_chunk_method_names_its_misaligned_values() -> None:
    X, _ = make_problem(100, 2, seed=7)
    design = backend.DaskDesign(da.from_array(X, chunks=(50, 2)), True)
    with pytest.raises(ValueError, match="^values has 99 entries but X has 100 rows$"):
        design.group_sums(np.ones(99), np.zeros(100, dtype=np.intp))


def test_the_prepared_pass_inputs_are_kept_for_the_sixteen_last_used() -> None:
    """Each set of inputs (X with other labels, say) has its graph prepared once; the least
    recently used of seventeen is dropped."""
    X, _ = make_problem(100, 2, seed=8)
    design = backend.DaskDesign(da.from_array(X, chunks=(50, 2)), True)
    labels = [da.from_array(np.full(100, float(k)), chunks=50) for k in range(17)]

    def prepare(k):
        return design._inputs([(labels[k], "y")])

    first = [prepare(k) for k in range(16)]
    assert prepare(0) is first[0]  # kept, and now the most recently used
    prepare(16)
    assert len(design._prepared) == 16
    assert prepare(0) is first[0] and prepare(2) is first[2]
    assert prepare(1) is not first[1]
