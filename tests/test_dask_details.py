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


def test_values_per_row_are_aligned_to_one_column_chunk_and_their_dtype() -> None:
    """A column of labels becomes a vector (other n × 1 values stay a column), column chunks
    are merged, and the values take the dtype asked for, or keep theirs."""
    chunks = (50, 50)
    column = da.from_array(np.arange(100.0)[:, None], chunks=(50, 1))
    for name in ("y", "labels"):
        assert inputs.aligned_values(column, chunks, None, name).shape == (100,)
    assert inputs.aligned_values(column, chunks, None, "offset").shape == (100, 1)
    wide = da.from_array(np.ones((100, 3)), chunks=(50, 2))
    assert inputs.aligned_values(wide, chunks, None, "values").chunks == (chunks, (3,))
    integers = list(range(100))
    assert inputs.aligned_values(integers, chunks, np.float64, "values").dtype == np.float64
    assert inputs.aligned_values(integers, chunks, None, "values").dtype == np.int64
    assert inputs.aligned_values(
        da.from_array(np.arange(100), 50), chunks, np.float32, "w"
    ).dtype == (np.float32)


def test_values_per_row_that_are_no_such_thing_are_refused() -> None:
    import dask.bag

    chunks = (50, 50)
    with pytest.raises(ValueError, match="^values has a scalar but X has 100 rows$"):
        inputs.aligned_values(3.0, chunks, None, "values")
    with pytest.raises(TypeError, match="^weights must be a Dask array or Series; got"):
        inputs.aligned_values(dask.bag.from_sequence(range(100)), chunks, None, "weights")


def test_a_dask_matrix_takes_one_row_or_none_if_asked_and_makes_numbers_float64() -> None:
    X, names = inputs.dask_matrix(da.from_array(np.array([[1, 2, 3]]), chunks=(1, 1)))
    assert X.shape == (1, 3) and X.dtype == np.float64 and X.chunks == ((1,), (3,))
    assert names is None
    with pytest.raises(ValueError, match="^X must hold numbers; got dtype <U1$"):
        inputs.dask_matrix(da.from_array(np.array([["a", "b"]]), chunks=1))
    with pytest.raises(ValueError, match="^X has 0 features"):
        inputs.dask_matrix(da.zeros((5, 0), chunks=5), allow_empty=True)
    with pytest.raises(ValueError, match="^X has 0 samples: at least one is required$"):
        inputs.dask_matrix(da.zeros((0, 3), chunks=5))
    assert inputs.dask_matrix(da.zeros((0, 3), chunks=5), allow_empty=True)[0].shape == (0, 3)


def test_a_frame_of_numbers_keeps_them_and_turns_booleans_into_float64() -> None:
    import pandas as pd

    frame = pd.DataFrame({"a": np.float32([1, 2]), "b": np.int8([3, 4]), "c": [True, False]})
    numbers = inputs._numbers(frame)
    assert list(numbers.dtypes) == [np.float32, np.int8, np.float64]
    assert list(inputs._numbers(frame[["a", "b"]]).dtypes) == [np.float32, np.int8]


def test_a_pass_runs_on_the_configured_scheduler() -> None:
    """``dask.compute``'s choice: the synchronous scheduler runs every chunk's task in the
    calling thread (Dask's threads are the fallback only when none is configured)."""
    import threading

    X, _ = make_problem(100, 2, seed=9)
    design = backend.DaskDesign(da.from_array(X, chunks=(25, 2)), True)
    threads = []

    def record(payload, block):
        threads.append(threading.get_ident())
        return np.zeros(1)

    with dask.config.set(scheduler="synchronous"):
        design._pass(record, None, [], tasks.add)
    assert threads == [threading.get_ident()] * 4


def test_the_logits_name_a_misaligned_offset() -> None:
    from logitkit.core.datafits import Bernoulli

    X, _ = make_problem(100, 2, seed=10)
    design = backend.DaskDesign(da.from_array(X, chunks=(50, 2)), True)
    with pytest.raises(ValueError, match="^offset has 99 entries but X has 100 rows$"):
        design.logits(Bernoulli(), np.zeros(3), np.zeros(99))


@pytest.mark.parametrize("short", ["y", "sample_weight", "offset"])
def test_an_objective_over_dask_names_its_misaligned_vector(short) -> None:
    import logitkit as lk
    from logitkit.core.penalties import ElasticNet

    X, y = make_problem(100, 2, seed=11)
    design = backend.DaskDesign(da.from_array(X, chunks=(50, 2)), True)
    vectors = {"y": y.astype(float), "sample_weight": np.ones(100), "offset": np.zeros(100)}
    vectors[short] = vectors[short][:99]
    with pytest.raises(ValueError, match=f"^{short} has 99 entries but X has 100 rows$"):
        lk.Objective(design, penalty=ElasticNet(0.0, 0.0, 3, True), **vectors)
