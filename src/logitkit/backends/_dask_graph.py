"""The task graph of one pass of the Dask backend, written as Dask's low-level graph.

A pass is one task per chunk of rows, then a tree reduction of their results ``SPLIT_EVERY``
at a time. Its graph is a dict of :mod:`dask._task_spec` nodes, handed to the scheduler
Dask would use for a ``dask.compute`` (``Client.get`` with a ``distributed.Client``, else the
configured local scheduler, else threads). Building it costs the client a few milliseconds
whatever produced the inputs: the inputs (X and the values per row a pass reads: labels,
weights, offsets, cluster codes) are prepared once per set of inputs (:func:`prepare`) and
reused by every later pass over them.

Preparing merges the inputs' graphs and splits them by chunk: every node that only chunk c's
task needs (its piece of X, the lookup that turns its labels into codes, its weights divided
by their sum, the read of a file that its X and y share) is fused into chunk c's task, so it
runs there once per pass; only what several chunks need stays a node of its own, and chunks
a cluster holds already (persisted) are read by their keys. A pass is therefore one task per
chunk plus the reduction, however many lazy steps its inputs went through. (Dask's array
optimisation is not applied: it would copy a step that X and y share into each of them, and
the fusion by chunk does what its linear fusion would.)

Everything a pass's tasks share (θ and what the pass computes: the ``payload``) is one key of
the graph, sent once per pass, not once per task. The chunk tasks and the reduction are those
of :mod:`._dask_tasks`; the reduction's tree depends only on the number of chunks, so a
result never depends on where or in which order the tasks ran.

When a ``distributed.Client`` holds every chunk of X in its workers' memory (X persisted), the
chunks a worker holds are read by one task per thread of that worker instead of one task per
chunk (:func:`worker_groups`): a task costs the scheduler and the worker a few milliseconds
of their own (a sum over a persisted 40-chunk array took 0.12 s on two single-threaded
workers, whatever the chunks held), so a pass pays that a few times instead of 47. The group
tasks return each chunk's result, and one last task adds them by the same tree in chunk
order, so the sums are those of a task per chunk, bit for bit.
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from dask._task_spec import DataNode, GraphNode, Task, TaskRef, convert_legacy_graph
from dask.base import get_scheduler, normalize_token
from dask.threaded import get as threaded_get
from dask.typing import Key
from dask.utils import ensure_dict

SPLIT_EVERY = 8
"""Partial sums added per task of the tree reduction."""

_SHARED = -1
"""The owner of a task that several chunks need."""


class PassGraph(dict):
    """The graph of one pass: a dict of nodes whose Dask token is its pass's own (all its
    chunk and reduction keys are new to the pass), so that submitting it to a
    ``distributed.Client`` does not hash every node of it again."""

    token: str


@normalize_token.register(PassGraph)
def _pass_token(graph: PassGraph) -> str:
    return graph.token


@dataclass(frozen=True)
class PassInputs:
    """The graph of a pass's inputs, split by chunk.

    ``shared``: the nodes several chunks need; ``refs[c]``: chunk c's piece of each input (a
    :class:`TaskRef`, or None for an input not given); ``private[c]``: the nodes only chunk c
    needs, fused into its task. Chunks a cluster holds (persisted) are no nodes: as for
    ``dask.compute``, the graph leaves them out and the tasks read them by key. ``groups``: the
    chunks each task reads, when they are grouped by the worker thread that holds them
    (:func:`worker_groups`); None for a task per chunk.
    """

    shared: dict[Key, Any]
    refs: tuple[tuple[TaskRef | None, ...], ...]
    private: tuple[tuple[GraphNode, ...], ...]
    groups: tuple[tuple[int, ...], ...] | None = None


def prepare(arrays: Sequence[Any]) -> PassInputs:
    """The inputs of a pass: ``arrays`` (Dask arrays chunked alike along their rows, one chunk
    across their columns; None for an input not given), their graphs merged and split by chunk
    (module docstring)."""
    merged: dict[Key, Any] = {}
    for array in arrays:
        if array is not None:
            merged.update(ensure_dict(array.__dask_graph__()))
    graph = convert_legacy_graph(merged)
    columns = [None if array is None else _row_keys(array) for array in arrays]
    n_chunks = len(next(column for column in columns if column is not None))
    keys = [[None if column is None else column[c] for column in columns] for c in range(n_chunks)]
    owner = _owners(graph, keys)
    private: list[list[GraphNode]] = [[] for _ in range(n_chunks)]
    shared: dict[Key, Any] = {}
    for key, node in graph.items():
        chunk = owner.get(key, _SHARED)
        if chunk != _SHARED and isinstance(node, GraphNode):
            private[chunk].append(node)
        elif key in owner:
            shared[key] = node
    refs = tuple(tuple(None if key is None else TaskRef(key) for key in row) for row in keys)
    groups = None if arrays[0] is None else worker_groups(arrays[0])
    return PassInputs(shared, refs, tuple(tuple(nodes) for nodes in private), groups)


def worker_groups(array: Any) -> tuple[tuple[int, ...], ...] | None:
    """The row chunks of the Dask array ``array`` grouped by the worker that holds each in
    memory (the first of them, by address), a worker's chunks split in order into one group per
    thread of it; None unless Dask's scheduler is a ``distributed.Client`` whose workers hold
    every one of them (``array`` persisted)."""
    client = _distributed_client()
    keys = _row_keys(array)
    if client is None or not keys:
        return None
    holders = client.who_has(array)
    threads = client.nthreads()
    held: dict[str, list[int]] = {}
    for chunk, key in enumerate(keys):
        where = sorted(holders.get(key, ()))
        if not where:
            return None
        held.setdefault(where[0], []).append(chunk)
    groups: list[tuple[int, ...]] = []
    for worker, chunks in sorted(held.items()):
        size = -(-len(chunks) // max(1, threads.get(worker, 1)))
        groups.extend(tuple(chunks[start : start + size]) for start in range(0, len(chunks), size))
    return tuple(groups)


def _distributed_client() -> Any:
    """The ``distributed.Client`` Dask computes with (set as its scheduler, or the default
    client), else None."""
    if "distributed" not in sys.modules:
        return None
    from distributed import Client

    owner = getattr(get_scheduler(), "__self__", None)
    return owner if isinstance(owner, Client) else None


def _row_keys(array: Any) -> list[Key]:
    """The key of each row chunk of ``array`` (one chunk across its columns)."""
    return [row[0] if isinstance(row, list) else row for row in array.__dask_keys__()]


def _owners(graph: dict[Key, Any], keys: list[list[Key | None]]) -> dict[Key, int]:
    """For every node the chunks' inputs need, the one chunk that needs it, or ``_SHARED``."""
    owner: dict[Key, int] = {}
    for chunk, row in enumerate(keys):
        stack = [key for key in row if key is not None]
        seen: set[Key] = set()
        while stack:
            key = stack.pop()
            if key in seen:
                continue
            seen.add(key)
            owner[key] = chunk if owner.get(key, chunk) == chunk else _SHARED
            node = graph.get(key)
            if isinstance(node, GraphNode):
                stack.extend(node.dependencies)
    return owner


def pass_graph(
    inputs: PassInputs,
    function: Callable[..., Any],
    payload: Any,
    how: Callable[..., Any],
    labels: Sequence[tuple[str, int]] | None = None,
) -> tuple[PassGraph, Key]:
    """The graph of one pass and the key of its result.

    Chunk c's task is ``function(payload, *pieces)``, or ``function(payload, name, first_row,
    *pieces)`` with ``labels[c]`` = (name, first_row) (what names the chunk in errors, and the
    index of its first row among all rows), its pieces of the inputs in their order (None for
    an input not given), fused with the nodes only it needs; the results are combined by
    ``how``, ``SPLIT_EVERY`` at a time, level by level, in chunk order. With ``inputs.groups``,
    a task runs the chunk tasks of a group one after the other and one task combines their
    results (module docstring).
    """
    token = uuid.uuid4().hex
    payload_key = f"logitkit-payload-{token}"
    graph = PassGraph(inputs.shared)
    graph.token = token
    graph[payload_key] = DataNode(payload_key, payload)
    if inputs.groups is not None:
        return graph, _grouped_tasks(
            graph, inputs, inputs.groups, function, payload_key, how, labels
        )
    parts: list[Key] = []
    for chunk, (refs, private) in enumerate(zip(inputs.refs, inputs.private, strict=True)):
        key = (f"logitkit-chunk-{token}", chunk)
        named = () if labels is None else labels[chunk]
        task = Task(key, function, TaskRef(payload_key), *named, *refs)
        graph[key] = Task.fuse(*private, task, key=key) if private else task
        parts.append(key)
    level = 0
    while len(parts) > 1:
        combined: list[Key] = []
        for start in range(0, len(parts), SPLIT_EVERY):
            combine_key = (f"logitkit-combine-{token}", level, start // SPLIT_EVERY)
            group = parts[start : start + SPLIT_EVERY]
            graph[combine_key] = Task(combine_key, how, *(TaskRef(part) for part in group))
            combined.append(combine_key)
        parts, level = combined, level + 1
    return graph, parts[0]


def _grouped_tasks(
    graph: PassGraph,
    inputs: PassInputs,
    groups: tuple[tuple[int, ...], ...],
    function: Callable[..., Any],
    payload_key: str,
    how: Callable[..., Any],
    labels: Sequence[tuple[str, int]] | None,
) -> Key:
    """Add to ``graph`` a task per group of chunks of ``inputs`` (:func:`run_chunks`, fused with
    the nodes its chunks alone need) and the task that combines their results
    (:func:`combine_in_order`); the key of the latter."""
    token = graph.token
    parts: list[Key] = []
    for index, group in enumerate(groups):
        key = (f"logitkit-group-{token}", index)
        arguments: list[Any] = []
        for chunk in group:
            arguments.extend(() if labels is None else labels[chunk])
            arguments.extend(inputs.refs[chunk])
        width = len(arguments) // len(group)
        task = Task(key, run_chunks, function, TaskRef(payload_key), width, *arguments)
        private = [node for chunk in group for node in inputs.private[chunk]]
        graph[key] = Task.fuse(*private, task, key=key) if private else task
        parts.append(key)
    result = f"logitkit-combine-{token}"
    references = (TaskRef(part) for part in parts)
    graph[result] = Task(result, combine_in_order, how, groups, SPLIT_EVERY, *references)
    return result


def run_chunks(function: Callable[..., Any], payload: Any, width: int, *arguments: Any) -> list:
    """``function(payload, *pieces)`` for each chunk of a group, ``width`` arguments each, in
    order: the results of its chunk tasks."""
    return [
        function(payload, *arguments[start : start + width])
        for start in range(0, len(arguments), width)
    ]


def combine_in_order(
    how: Callable[..., Any], groups: Sequence[Sequence[int]], split_every: int, *results: list
) -> Any:
    """The groups' chunk results put back in chunk order and combined by ``how``,
    ``split_every`` at a time, level by level: the tree of a task per chunk."""
    parts: list[Any] = [None] * sum(len(group) for group in groups)
    for group, values in zip(groups, results, strict=True):
        for chunk, value in zip(group, values, strict=True):
            parts[chunk] = value
    while len(parts) > 1:
        parts = [
            how(*parts[start : start + split_every]) for start in range(0, len(parts), split_every)
        ]
    return parts[0]


def compute(graph: dict[Key, Any], key: Key) -> Any:
    """The value of ``key`` in ``graph``, computed by the scheduler ``dask.compute`` would use
    (the ``distributed.Client`` set as Dask's scheduler or the default one, the configured
    local scheduler, else Dask's threads)."""
    schedule = get_scheduler() or threaded_get
    (result,) = schedule(graph, [key])
    return result
