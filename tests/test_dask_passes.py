"""The task graph of a pass over a Dask array (:mod:`logitkit.backends._dask_graph`).

A pass is one task per chunk of rows, whatever lazy steps its labels and weights went through,
plus a tree reduction ``SPLIT_EVERY`` at a time; θ is one key of the graph; the inputs' graph
is prepared once per set of inputs. Its sums equal, bit for bit, the same tree of the chunks'
in-memory sums (so they do not depend on where or in which order the tasks ran), and, to
rounding, the dense NumPy formulas. Tests taking ``dask_scheduler`` run on the LocalCluster and
on the synchronous scheduler.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from logitkit.backends._dask_tasks import chunk_sums, combine_sums
from logitkit.backends.base import threadpools
from logitkit.backends.dense import DenseDesign
from logitkit.backends.passes import PassRequest, block_sums
from logitkit.core.datafits import Bernoulli
from problems import make_problem

dask = pytest.importorskip("dask")
da = pytest.importorskip("dask.array")
task_spec = pytest.importorskip("dask._task_spec")
backend = pytest.importorskip("logitkit.backends.dask")
_dask_graph = pytest.importorskip("logitkit.backends._dask_graph")

X, Y = make_problem(1500, 4, seed=7)
CHUNKS = (250, 37, 180, 90, 200, 1, 150, 120, 260, 112, 100)
"""Eleven uneven chunks: the reduction adds eight, then three, then the two partial sums."""
WEIGHTS = np.random.default_rng(9).uniform(0.2, 3.0, size=X.shape[0])
THETA = np.array([0.1, -0.4, 0.3, 0.05, -0.2])
WANTS = ("value", "gradient", "hessian", "score_outer")
LABELS = [("c", int(start)) for start in np.cumsum((0, *CHUNKS[:-1]))]
"""What names each chunk, and the index of its first row."""
PASS_TASKS = len(CHUNKS) + 2 + 1
"""One task per chunk, two adding eight and three chunks' sums, one adding those two."""


def lazy_inputs():
    """X as uneven chunks, its labels as codes looked up from the labels ``"no"``/``"yes"`` and
    its weights divided by their sum: the steps a fit puts between the data and a pass."""
    X_dask = da.from_array(X, chunks=(CHUNKS, 4))
    words = da.from_array(np.where(Y == 1, "yes", "no"), chunks=(CHUNKS,))
    codes = backend.label_codes(words, np.array(["no", "yes"])).astype(np.float64)
    weights = da.from_array(WEIGHTS, chunks=(CHUNKS,)) / WEIGHTS.sum()
    return X_dask, codes, weights


def request(wants=WANTS) -> PassRequest:
    return PassRequest(wants, datafit=Bernoulli(), coef=THETA)


def tree_of_chunks(wants=WANTS) -> dict[str, np.ndarray]:
    """The sums of each chunk in memory, added eight at a time in chunk order, level by level."""
    edges = np.cumsum((0, *CHUNKS))
    s = WEIGHTS / WEIGHTS.sum()
    with threadpools().limit(limits=1, user_api="blas"):
        parts = [
            block_sums(
                DenseDesign(np.ascontiguousarray(X[a:b]), True),
                request(wants),
                Y[a:b].astype(np.float64),
                s[a:b],
                rows=np.ascontiguousarray(X[a:b]),
            )
            for a, b in itertools.pairwise(edges)
        ]
    while len(parts) > 1:
        parts = [combine_sums(*parts[i : i + 8]) for i in range(0, len(parts), 8)]
    return parts[0]


def dense_sums() -> dict[str, np.ndarray]:
    """J, ∇J, the Hessian and the score outer products from the dense NumPy formulas."""
    X1 = np.column_stack([np.ones(X.shape[0]), X])
    s = WEIGHTS / WEIGHTS.sum()
    z = X1 @ THETA
    p = 1 / (1 + np.exp(-z))
    r = p - Y
    return {
        "value": np.sum(s * (np.logaddexp(0, z) - Y * z)),
        "gradient": X1.T @ (s * r),
        "hessian": X1.T @ ((s * p * (1 - p))[:, None] * X1),
        "score_outer": X1.T @ ((s * r * r)[:, None] * X1),
    }


def test_a_pass_equals_the_fixed_tree_of_its_chunks_bit_for_bit(dask_scheduler) -> None:
    """Over uneven chunks, on the cluster and the synchronous scheduler, every sum of a pass is
    the chunk sums added in the fixed tree, bit for bit, and the dense formulas to rounding."""
    X_dask, y, s = lazy_inputs()
    design = backend.DaskDesign(X_dask, True)
    sums = design.pass_sums(request(), y, s)
    expected = tree_of_chunks()
    assert set(sums) == set(expected)
    for name, value in expected.items():
        np.testing.assert_array_equal(sums[name], value, err_msg=name)
    for name, value in dense_sums().items():
        np.testing.assert_allclose(sums[name], value, rtol=1e-12, atol=1e-15, err_msg=name)
    assert design.passes == 1


def test_the_threaded_scheduler_gives_the_same_bits() -> None:
    X_dask, y, s = lazy_inputs()
    sums = backend.DaskDesign(X_dask, True).pass_sums(request(), y, s)
    for name, value in tree_of_chunks().items():
        np.testing.assert_array_equal(sums[name], value, err_msg=name)


def pass_of(X_dask, y, s):
    """The graph of a pass of the sums WANTS, its result's key and its payload."""
    inputs = _dask_graph.prepare([X_dask, y, s, None, None])
    payload = (True, request())
    graph, key = _dask_graph.pass_graph(inputs, chunk_sums, payload, combine_sums, LABELS)
    return graph, key, payload


def assert_one_task_per_chunk(graph, key, payload) -> None:
    """One task per chunk plus the reduction's, each chunk's depending on the one key of θ, the
    last one's result wanted by none."""
    tasks = {name: node for name, node in graph.items() if isinstance(node, task_spec.Task)}
    assert len(tasks) == PASS_TASKS
    held = [name for name, node in graph.items() if isinstance(node, task_spec.DataNode)]
    assert len(held) == 1 and graph[held[0]].value is payload
    chunks = [name for name in tasks if name[0].startswith("logitkit-chunk")]
    assert len(chunks) == len(CHUNKS)
    assert all(held[0] in tasks[name].dependencies for name in chunks)
    assert key in tasks and key not in {dep for node in tasks.values() for dep in node.dependencies}


def test_a_pass_is_one_task_per_chunk_and_the_reduction() -> None:
    """The chunks of X, the labels' lookup and the weights' division are fused into the task of
    their chunk: the graph holds one task per chunk, the reduction's tasks and θ's key."""
    graph, key, payload = pass_of(*lazy_inputs())
    assert_one_task_per_chunk(graph, key, payload)
    assert len(graph) == PASS_TASKS + 1


def test_each_pass_has_keys_and_a_token_of_its_own() -> None:
    """Two passes over the same inputs share no key but the inputs' (a cluster keeping a
    result by its key must never hand one pass's sums to another), and Dask tokenises a pass
    by its token alone, without hashing its nodes; every node is stored under its own key."""
    from dask.base import normalize_token

    first, first_key, _ = pass_of(*lazy_inputs())
    second, second_key, _ = pass_of(*lazy_inputs())
    inputs = _dask_graph.prepare([*lazy_inputs(), None, None]).shared
    assert set(first) & set(second) == set(inputs)
    assert first_key != second_key and first.token != second.token
    assert normalize_token(first) == first.token and len(first.token) == 32
    assert all(node.key == name for name, node in first.items() if name not in inputs)


def test_a_pass_over_persisted_chunks_refers_to_them(dask_client) -> None:
    """X and the labels held by the cluster: the chunk tasks refer to their chunks by key, the
    lookup and the division run in the chunk's task, and the pass gives the same bits there."""
    X_dask, _, s = lazy_inputs()
    X_held = dask_client.persist(X_dask)
    words = dask_client.persist(da.from_array(np.where(Y == 1, "yes", "no"), chunks=(CHUNKS,)))
    codes = backend.label_codes(words, np.array(["no", "yes"])).astype(np.float64)
    graph, key, payload = pass_of(X_held, codes, s)
    assert_one_task_per_chunk(graph, key, payload)
    assert len(graph) == PASS_TASKS + 1
    read = set().union(*(node.dependencies for node in graph.values()))
    for held in (X_held, words):
        assert {row[0] if isinstance(row, list) else row for row in held.__dask_keys__()} <= read
    with dask.config.set(scheduler=dask_client):
        sums = backend.DaskDesign(X_held, True).pass_sums(request(), codes, s)
    for name, value in tree_of_chunks().items():
        np.testing.assert_array_equal(sums[name], value, err_msg=name)


def test_a_step_two_inputs_share_runs_once_per_chunk() -> None:
    """X and y cut from the same chunks of one array (columns of a file, say): the step that
    makes each chunk runs once per pass, in the task of its chunk, not once for X and once
    for y."""
    calls = []

    def made(block):
        calls.append(block.shape[0])
        return block

    columns = da.from_array(np.column_stack([X, Y]), chunks=(CHUNKS, 5)).map_blocks(
        made, meta=np.empty((0, 0))
    )
    design = backend.DaskDesign(columns[:, :4], True)
    s = da.from_array(WEIGHTS, chunks=(CHUNKS,)) / WEIGHTS.sum()
    inputs = _dask_graph.prepare([design.X, columns[:, 4], s, None, None])
    graph, _ = _dask_graph.pass_graph(inputs, chunk_sums, None, combine_sums, LABELS)
    assert sum(isinstance(node, task_spec.Task) for node in graph.values()) == PASS_TASKS
    calls.clear()
    with dask.config.set(scheduler="synchronous"):
        sums = design.pass_sums(request(("value", "gradient")), columns[:, 4], s)
    assert sorted(calls) == sorted(CHUNKS)
    expected = tree_of_chunks(("value", "gradient"))
    np.testing.assert_array_equal(sums["gradient"], expected["gradient"])
    assert sums["value"] == expected["value"]


def test_the_inputs_are_prepared_once_per_set_of_inputs(monkeypatch) -> None:
    """Later passes over the same X, labels and weights reuse their prepared graph; other
    weights are prepared once more; a method pass (X̃ᵀr) over the same X prepares its own."""
    prepared = []

    def counting(arrays):
        prepared.append(tuple(None if array is None else array.name for array in arrays))
        return _dask_graph.prepare(arrays)

    monkeypatch.setattr(backend, "prepare", counting)
    X_dask, y, s = lazy_inputs()
    design = backend.DaskDesign(X_dask, True)
    for _ in range(3):
        design.pass_sums(request(("value", "gradient")), y, s)
    assert len(prepared) == 1
    design.pass_sums(request(("value",)), y, 2 * s)
    design.pass_sums(request(("value",)), y, s)
    assert len(prepared) == 2
    np.testing.assert_allclose(
        design.rmatvec(s), np.column_stack([np.ones(X.shape[0]), X]).T @ (WEIGHTS / WEIGHTS.sum())
    )
    design.rmatvec(s)
    assert len(prepared) == 3
    assert design.passes == 7


def test_an_error_in_a_chunk_still_names_it(dask_scheduler) -> None:
    """A chunk whose labels' step fails or whose data are not finite is named as before."""
    bad = X.copy()
    bad[700, 2] = np.nan
    X_dask = da.from_array(bad, chunks=(CHUNKS, 4))
    _, y, s = lazy_inputs()
    with pytest.raises(
        ValueError, match=r"chunk 4 of X \(rows 557–756\), the first in its row 143"
    ):
        backend.DaskDesign(X_dask, True).pass_sums(request(("abs_max",)), y, s)


def test_chunks_the_workers_hold_are_read_by_a_task_per_worker_thread(dask_client) -> None:
    """X held by the cluster (persisted): a pass is one task per thread of the workers holding
    its chunks, each reading only chunks its worker holds, and one task that combines them by
    the tree of a task per chunk, so the sums and a whole fit are the same bits as over the
    same X not held. X not held keeps a task per chunk."""
    import logitkit as lk

    X_dask, y, s = lazy_inputs()
    X_held = dask_client.persist(X_dask)
    dask_client.compute(X_held.sum(), sync=True)
    with dask.config.set(scheduler=dask_client):
        inputs = _dask_graph.prepare([X_held, y, s, None, None])
        holders = dask_client.who_has(X_held)
        assert _dask_graph.prepare([X_dask, y, s, None, None]).groups is None
        sums = backend.DaskDesign(X_held, True).pass_sums(request(), y, s)
        held_fit = lk.LogisticRegression().fit(X_held, y)
        lazy_fit = lk.LogisticRegression().fit(X_dask, y)
    groups = inputs.groups
    assert groups is not None and 1 <= len(groups) <= sum(dask_client.nthreads().values())
    assert sorted(itertools.chain(*groups)) == list(range(len(CHUNKS)))
    keys = _dask_graph._row_keys(X_held)
    for group in groups:
        assert set.intersection(*(set(holders[keys[chunk]]) for chunk in group))
    graph, key = _dask_graph.pass_graph(inputs, chunk_sums, (True, request()), combine_sums, LABELS)
    tasks = [node for node in graph.values() if isinstance(node, task_spec.Task)]
    assert len(tasks) == len(groups) + 1 and key == tasks[-1].key
    for name, value in tree_of_chunks().items():
        np.testing.assert_array_equal(sums[name], value, err_msg=name)
    np.testing.assert_array_equal(held_fit.record_.theta, lazy_fit.record_.theta)
    np.testing.assert_array_equal(held_fit.record_.information, lazy_fit.record_.information)


def test_combining_groups_is_the_tree_of_a_task_per_chunk() -> None:
    """Chunk results arriving in groups of any order are put back in chunk order and added
    eight at a time, level by level: 20 floats whose sum depends on the order of the adds."""
    values = [np.array([10.0**16]), *(np.array([1.0]) for _ in range(19))]
    tree = _dask_graph.combine_in_order(
        lambda *parts: np.sum(parts, axis=0), [tuple(range(20))], 8, values
    )
    groups = [(1, 5, 19, 0), tuple(c for c in range(20) if c not in (1, 5, 19, 0))]
    results = [[values[c] for c in group] for group in groups]
    shuffled = _dask_graph.combine_in_order(
        lambda *parts: np.sum(parts, axis=0), groups, 8, *results
    )
    np.testing.assert_array_equal(shuffled, tree)
    level = [np.sum(values[a : a + 8], axis=0) for a in range(0, 20, 8)]
    np.testing.assert_array_equal(tree, np.sum(level, axis=0))
