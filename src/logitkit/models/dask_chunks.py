"""A Dask array or DataFrame as one chunk of ``partial_fit``: its row blocks, one at a time.

A call over a Dask chunk makes passes over its blocks, each block read where Dask keeps it
(on a worker of the ``distributed.Client`` when there is one, else in this process by Dask's
default scheduler), and only coefficient-sized values travel back:

1. the block sizes, weight sums and weighted class counts (and, on the first call without a
   ``learning_rate``, Σ sᵢ‖x̃ᵢ‖² for η₀): one task a block, all at once;
2. the epoch: the blocks in a random order, one step task at a time, each carrying the run's
   state (θ, the epoch's mean iterate, the samples seen, the random generator) from the block
   before; with a client the next block is read while the current one steps;
3. J, its gradient and ℓ at the averaged iterate: one task a block, all at once.

The client holds one block's state (θ-sized) at a time, never the rows. A block whose rows fail
the checks ``fit`` makes (NaN, labels outside the classes, rows of X and y that differ) is
refused with its position.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import dask
import numpy as np
from numpy.typing import NDArray
from sklearn.base import BaseEstimator
from sklearn.utils import check_array
from sklearn.utils.validation import validate_data

from ..core.objective import Objective
from ..inference.statistics import FitStatistics
from ..solvers.stochastic import EpochSettings, Pass, block_epoch
from .blocks import BlockSpec
from .input_checks import check_feature_names

__all__ = ["DaskChunk", "dask_chunk"]

_UNKNOWN_CHUNKS = (
    "Dask must know how many rows each chunk holds: call X.compute_chunk_sizes() on the "
    "array, or pass the DataFrame itself"
)


def _is_frame(value: object) -> bool:
    return hasattr(value, "to_dask_array")


def _parts(collection: Any, name: str) -> list[Any]:
    """The row blocks of a Dask array (one column chunk) or DataFrame, as Delayed objects."""
    if _is_frame(collection):
        # One partition at a time: optimised whole, a frame of few columns may have its
        # partitions fused, and X's and y's would no longer match.
        return [
            collection.partitions[index].to_delayed()[0] for index in range(collection.npartitions)
        ]
    if collection.ndim == 2:
        if len(collection.chunks[1]) > 1:
            collection = collection.rechunk({1: -1})
        return list(collection.to_delayed().ravel())
    if collection.ndim != 1:
        raise ValueError(f"{name} must be 1-D (or X 2-D); got {collection.ndim} dimensions")
    return list(collection.to_delayed().ravel())


def _check_aligned(X: Any, other: Any, name: str) -> None:
    """``other`` (y or sample_weight) must be a Dask collection split into X's row blocks."""
    if type(other).__module__.split(".")[0] != "dask":
        raise TypeError(
            f"X is a Dask collection, so {name} must be one too, split into the same row "
            f"blocks; got {type(other).__name__}"
        )
    if _is_frame(X) != _is_frame(other):
        raise ValueError(
            f"X and {name} must both be Dask DataFrames/Series or both Dask arrays, so that "
            "their row blocks match"
        )
    if _is_frame(X):
        if X.npartitions != other.npartitions:
            raise ValueError(
                f"{name} has {other.npartitions} partitions and X has {X.npartitions}: they "
                "must be split alike"
            )
        return
    rows, other_rows = X.chunks[0], other.chunks[0]
    if any(np.isnan(rows)) or any(np.isnan(other_rows)):
        raise ValueError(_UNKNOWN_CHUNKS)
    if tuple(rows) != tuple(other_rows):
        raise ValueError(
            f"{name}'s row chunks {tuple(other_rows)} differ from X's {tuple(rows)}: rechunk "
            f"{name} to X.chunks[0]"
        )


def _block(xb: Any, yb: Any, wb: Any, spec: BlockSpec, index: int) -> Objective:
    """J over row block ``index``, checked as ``fit`` checks its data."""
    try:
        X = check_array(xb, accept_sparse=["csr", "csc"], dtype=[np.float64, np.float32])
        labels = spec.labels(np.asarray(yb).ravel())
        if labels.size != X.shape[0]:
            raise ValueError(f"X has {X.shape[0]} rows and y {labels.size}")
        weights = spec.weights(labels, None if wb is None else np.asarray(wb).ravel())
    except ValueError as error:
        raise ValueError(f"row block {index} of the Dask data: {error}") from None
    return spec.objective(X, labels, weights)


def _block_stats(
    xb: Any, yb: Any, wb: Any, spec: BlockSpec, norms: bool, index: int
) -> tuple[int, float, NDArray, float]:
    """Rows, Σs, the weighted class counts and (``norms``) Σ sᵢ‖x̃ᵢ‖² of one block."""
    objective = _block(xb, yb, wb, spec, index)
    s = objective.sample_weight
    counts = np.bincount(objective.y.astype(np.intp), weights=s, minlength=spec.n_classes)
    squares = float(np.dot(s, objective.design.row_sq_norms())) if norms else 0.0
    return objective.design.n_samples, float(s.sum()), counts, squares


def _block_value(
    xb: Any, yb: Any, wb: Any, spec: BlockSpec, coef: NDArray, index: int
) -> tuple[float, NDArray]:
    """Σ sᵢLᵢ over one block and its gradient in θ (the data term, unnormalised)."""
    objective = _block(xb, yb, wb, replace(spec, alpha=0.0), index)
    total = float(objective.sample_weight.sum())
    value, grad = objective.smooth_value_and_gradient(coef)
    return total * value, total * grad


def _block_step(
    xb: Any, yb: Any, wb: Any, spec: BlockSpec, settings: EpochSettings, state: Pass, index: int
) -> Pass:
    """The epoch's steps over one block (:func:`~logitkit.solvers.stochastic.block_epoch`)."""
    return block_epoch(_block(xb, yb, wb, spec, index), settings, state)


def _client() -> Any:
    """The ``distributed.Client`` Dask computes on (set as ``dask.config``'s scheduler, or the
    default client), or None."""
    scheduler = dask.config.get("scheduler", None)
    if hasattr(scheduler, "submit"):
        return scheduler
    if scheduler is not None:
        return None
    try:
        from distributed import default_client
    except ImportError:
        return None
    try:
        return default_client()
    except ValueError:
        return None


class DaskChunk:
    """The chunk protocol of :mod:`logitkit.solvers.stochastic` over Dask row blocks."""

    def __init__(
        self,
        parts: list[tuple[Any, Any, Any]],
        spec: BlockSpec,
        template: Objective,
        norms: bool,
    ) -> None:
        self.parts = parts
        self.spec = spec
        self.template = template
        stats = dask.compute(
            *(
                dask.delayed(_block_stats)(xb, yb, wb, spec, norms, index)
                for index, (xb, yb, wb) in enumerate(parts)
            )
        )
        self.lengths = [int(rows) for rows, _, _, _ in stats]
        self.total = sum(total for _, total, _, _ in stats)
        self.counts = np.sum([counts for _, _, counts, _ in stats], axis=0)
        self.squares = sum(squares for _, _, _, squares in stats)
        self._last: tuple[NDArray, float] | None = None

    @property
    def n_samples(self) -> int:
        return sum(self.lengths)

    @property
    def n_blocks(self) -> int:
        return len(self.parts)

    def weight_mean(self) -> float:
        return self.total / self.n_samples

    def smoothness(self) -> float:
        """L̄ over all the blocks, from the first pass's Σ sᵢ‖x̃ᵢ‖²."""
        datafit, penalty = self.template.datafit, self.template.penalty
        return datafit.curvature_bound * self.squares / self.total + penalty.l2_strength

    def start(self) -> NDArray:
        return self.spec.start(self.counts, self.template.n_params)

    def run_epoch(self, settings: EpochSettings, order: Sequence[int], state: Pass) -> Pass:
        """The blocks at ``order`` one after the other, each step where its block is."""
        client = _client()
        if client is None:
            for index in order:
                step = functools.partial(
                    _block_step, spec=self.spec, settings=settings, state=state, index=index
                )
                state = dask.compute(dask.delayed(step)(*self.parts[index]))[0]
            return state
        reading = client.compute(list(self.parts[order[0]]))
        for position, index in enumerate(order):
            block = reading
            if position + 1 < len(order):
                reading = client.compute(list(self.parts[order[position + 1]]))
            future = client.submit(
                _block_step, *block, self.spec, settings, state, index, pure=False
            )
            state = future.result()
            del block, future
        return state

    def evaluate(self, coef: NDArray) -> tuple[float, float]:
        """J(θ) and its KKT violation over all blocks: the data term's sums, one task a block,
        then the penalty on the client."""
        sums = dask.compute(
            *(
                dask.delayed(_block_value)(xb, yb, wb, self.spec, coef, index)
                for index, (xb, yb, wb) in enumerate(self.parts)
            )
        )
        data = sum(value for value, _ in sums)
        grad = np.sum([g for _, g in sums], axis=0) / self.total
        penalty = self.template.penalty
        f = data / self.total + penalty.smooth_value(coef)
        grad = grad + penalty.smooth_gradient(coef)
        self._last = (np.array(coef), data)
        return f + penalty.l1_value(coef), self.template.optimality(coef, grad)

    def statistics(self, coef: NDArray) -> FitStatistics:
        """ℓ, ℓ₀ and n over the chunk (ℓ from the last :meth:`evaluate` at ``coef``)."""
        if self._last is None or not np.array_equal(self._last[0], coef):
            self.evaluate(coef)
        assert self._last is not None
        return FitStatistics(
            -self._last[1], self.spec.null_loglik(self.counts), self.total, None, None
        )


def dask_chunk(
    estimator: BaseEstimator,
    X: Any,
    y: Any,
    sample_weight: Any,
    spec: BlockSpec,
    first: bool,
) -> DaskChunk:
    """The Dask chunk (X, y, sample_weight): checked for shape, features and alignment, its
    first pass made."""
    if not _is_frame(X) and getattr(X, "ndim", 2) != 2:
        raise ValueError(f"X must be 2-D; got a Dask array of {X.ndim} dimensions")
    if not _is_frame(X) and any(np.isnan(X.chunks[0])):
        raise ValueError(_UNKNOWN_CHUNKS)
    if _is_frame(X) and not hasattr(X, "columns"):
        raise ValueError("X must be 2-D: a Dask DataFrame or array, not a Series")
    meta = X._meta if _is_frame(X) else np.empty((0, X.shape[1]), dtype=X.dtype)
    validate_data(estimator, meta, reset=first, skip_check_array=True)
    if first:
        check_feature_names(getattr(estimator, "feature_names_in_", None), spec.fit_intercept)
    _check_aligned(X, y, "y")
    weights: list[Any] = [None] * (X.npartitions if _is_frame(X) else len(X.chunks[0]))
    if sample_weight is not None:
        _check_aligned(X, sample_weight, "sample_weight")
        weights = _parts(sample_weight, "sample_weight")
    parts = list(zip(_parts(X, "X"), _parts(y, "y"), weights, strict=True))
    dtype = _dtype(meta)
    template = spec.template(meta.shape[1], dtype)
    starting = getattr(estimator, "_stream", None) is None
    norms = starting and estimator.get_params()["learning_rate"] is None
    return DaskChunk(parts, spec, template, norms)


def _dtype(meta: Any) -> np.dtype:
    """float32 when every column is float32 (as ``fit`` keeps it), else float64."""
    dtypes = list(meta.dtypes) if hasattr(meta, "dtypes") else [meta.dtype]
    if dtypes and all(np.dtype(d) == np.float32 for d in dtypes):
        return np.dtype(np.float32)
    return np.dtype(np.float64)
