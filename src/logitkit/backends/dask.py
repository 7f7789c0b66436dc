"""The Dask backend: a row-chunked ``dask.array.Array`` (or a Dask DataFrame), read by passes.

X stays where Dask keeps it (in chunks on the workers of a cluster, or read from files chunk by
chunk): the client never holds a row of it. Everything the objective and the statistics need
is a sum over the rows, so each evaluation is **one pass**: one task per chunk of rows, which
runs the in-memory design's products and the serial fused kernel
(:mod:`logitkit.backends.passes`, :mod:`._chunk_kernels`) on its block and returns
coefficient-sized sums (p̃ values for a gradient, p̃² for a Hessian), then a tree reduction
that adds them ``SPLIT_EVERY`` at a time. Only θ travels to the tasks and only those sums
travel back. The intercept is the virtual column of the in-memory designs, added inside each
task, never a concatenated column.

One value per row (labels, weights, offsets, cluster codes) is a Dask array chunked exactly as
the rows of X (:meth:`DaskDesign.sample_values`), so the task of a chunk reads the matching
pieces; a collection chunked otherwise is refused with the chunks of both. A pass is written
as Dask's low-level graph (:mod:`._dask_graph`): one task per chunk, into which whatever only
that chunk needs (its labels' lookup, its weights' division, its read from a file) is fused,
and the reduction; the graph of the inputs is prepared once per set of inputs and θ is one key
of it. It runs where ``dask.compute`` would run it: on the ``distributed.Client`` when one is
Dask's scheduler, else on Dask's local scheduler (threads by default), with BLAS on one thread
per task while they run.

This module imports Dask; :func:`logitkit.backends.design.make_design` imports it only when
it is given a Dask collection, so ``import logitkit`` stays free of Dask.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from functools import cached_property
from typing import Any

import dask.array as da
import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from ._dask_graph import SPLIT_EVERY, PassInputs, compute, pass_graph, prepare
from ._dask_tasks import (
    add,
    block_design,
    block_logits,
    block_method,
    block_product,
    block_rows,
    chunk_call,
    chunk_sums,
    combine_sums,
    largest,
)
from .base import check_group_count, check_group_labels, single_blas_thread
from .dask_inputs import (
    aligned_values,
    dask_matrix,
    label_codes,
    per_code,
    row_weights,
    unique_labels,
)
from .fused import FusedSums, KernelDatafit
from .passes import PassRequest

__all__ = [
    "SPLIT_EVERY",
    "DaskDesign",
    "dask_matrix",
    "label_codes",
    "per_code",
    "row_weights",
    "unique_labels",
]

_CACHED_INPUTS = 16
"""Sets of inputs (X with the labels, the weights, ...) whose pass graphs a design keeps."""


class DaskDesign:
    """X̃ = [1, X] of a row-chunked Dask array X, read by passes of one task per chunk.

    Results over the rows (X̃ᵀr, X̃ᵀDX̃, the objective's sums) are computed and returned as
    NumPy arrays, each by one pass; n-vectors (X̃θ, ‖x̃ᵢ‖²) are returned as lazy Dask arrays
    chunked as X. ``passes`` counts the passes made.
    """

    holds_rows = False
    samples_rows_cheaply = False
    prefers_hessian_products = False

    def __init__(self, X: da.Array, fit_intercept: bool) -> None:
        self.X, _ = dask_matrix(X, allow_empty=True)
        self.fit_intercept = bool(fit_intercept)
        self.n_samples, self.n_features = (int(size) for size in self.X.shape)
        self.dtype = self.X.dtype
        self.passes = 0
        self._prepared: OrderedDict[tuple[str | None, ...], PassInputs] = OrderedDict()

    @property
    def n_params(self) -> int:
        """Number of coefficients: the features, plus one for the intercept."""
        return self.n_features + int(self.fit_intercept)

    @property
    def chunks(self) -> tuple[int, ...]:
        """The rows of each chunk of X."""
        return tuple(int(size) for size in self.X.chunks[0])

    def split(self, coef: NDArray) -> tuple[float, NDArray]:
        """θ as (b, w); b = 0 without an intercept."""
        if self.fit_intercept:
            return float(coef[0]), coef[1:]
        return 0.0, coef

    def row_chunks(self) -> list[slice]:
        """The ranges of rows of the chunks of X, in order: a pass reads each in one task."""
        edges = np.concatenate(([0], np.cumsum(self.chunks))).astype(int)
        return [slice(int(edges[i]), int(edges[i + 1])) for i in range(len(self.chunks))]

    # --- values per row -----------------------------------------------------------------

    def sample_values(self, values: Any, dtype: Any, name: str = "values") -> Any:
        """One value per row as a Dask array chunked as the rows of X, of ``dtype`` (None
        keeps it): see :func:`~logitkit.backends.dask_inputs.aligned_values`."""
        return aligned_values(values, self.chunks, dtype, name)

    # --- passes -------------------------------------------------------------------------

    @cached_property
    def _labels(self) -> list[tuple[str, int]]:
        """What names each chunk in the errors of a pass, and the index of its first row."""
        return [
            (f"chunk {index} of X (rows {part.start}–{part.stop - 1})", part.start)
            for index, part in enumerate(self.row_chunks())
        ]

    def _inputs(self, vectors: Sequence[tuple[Any, str]]) -> PassInputs:
        """The graph of a pass over X and the ``(values, name)`` pairs ``vectors`` (values
        None when not given), split by chunk: prepared once per set of inputs and kept for
        the passes after."""
        arrays = [self.X] + [
            None if values is None else self.sample_values(values, None, name)
            for values, name in vectors
        ]
        key = tuple(None if array is None else array.name for array in arrays)
        inputs = self._prepared.get(key)
        if inputs is None:
            inputs = prepare(arrays)
            self._prepared[key] = inputs
            while len(self._prepared) > _CACHED_INPUTS:
                self._prepared.popitem(last=False)
        else:
            self._prepared.move_to_end(key)
        return inputs

    def _pass(
        self,
        function: Callable[..., Any],
        payload: Any,
        vectors: Sequence[tuple[Any, str]],
        how: Callable[..., Any],
        labelled: bool = False,
    ) -> Any:
        """One pass: ``function(payload, [label, first_row,] block, *pieces)`` on each chunk of
        X and its pieces of ``vectors`` (:func:`~._dask_graph.pass_graph`), the results combined by
        ``how`` in a tree and computed (aligned float64 arrays)."""
        inputs = self._inputs(vectors)
        graph, key = pass_graph(inputs, function, payload, how, self._labels if labelled else None)
        with single_blas_thread():
            result = compute(graph, key)
        self.passes += 1
        # Arrays received from workers may sit unaligned in their message buffer, which some
        # LAPACK wrappers refuse: hand out aligned copies (coefficient-sized, so cheap).
        if isinstance(result, dict):
            return {
                key: value if key == "label_values" else np.array(value, dtype=np.float64)
                for key, value in result.items()
            }
        return np.array(result, dtype=np.float64)

    def pass_sums(
        self,
        request: PassRequest,
        y: Any,
        s: Any,
        offset: Any = None,
        codes: Any = None,
    ) -> dict[str, NDArray]:
        """The sums of ``request`` over every row (:mod:`logitkit.backends.passes`) in one
        pass: a task per chunk, the results added in a tree."""
        vectors = ((y, "y"), (s, "sample_weight"), (offset, "offset"), (codes, "groups"))
        return self._pass(
            chunk_sums, (self.fit_intercept, request), vectors, combine_sums, labelled=True
        )

    def _map_reduce(
        self, method: str, arguments: Sequence[Any], vectors: Sequence[Any], how: Callable
    ) -> NDArray:
        """``method`` of the in-memory design of each chunk, called with the chunk's pieces
        of ``vectors`` (one value per row each) and then ``arguments``; the results combined
        by ``how`` (added, or the largest) over the chunks: one pass."""
        payload = (self.fit_intercept, method, tuple(arguments))
        pieces = [(values, "values") for values in vectors]
        return np.asarray(self._pass(chunk_call, payload, pieces, how))

    # --- the design protocol ----------------------------------------------------------------

    def linear_predictor(self, coef: NDArray) -> Any:
        """z = X̃θ (X̃B for a matrix B) in float64, lazily: a Dask array chunked as X."""
        return self.matvec_rows(coef)

    def matvec_rows(self, coef: NDArray, rows: NDArray | None = None) -> Any:
        """X̃_Rθ for the rows R (every row when None) in float64, lazily."""
        design = self if rows is None else self.take(rows)
        coef = np.asarray(coef, dtype=np.float64)
        chunks: tuple = (design.X.chunks[0], *coef.shape[1:])
        return da.map_blocks(
            block_product,
            design.X,
            coef=coef,
            fit_intercept=self.fit_intercept,
            dtype=np.float64,
            chunks=chunks,
            drop_axis=None if coef.ndim == 2 else 1,
            meta=np.empty((0,) * len(chunks)),
        )

    def rmatvec(self, r: Any) -> NDArray:
        """X̃ᵀr = [Σ r, Xᵀr] in float64 (p̃ × K′ for an n × K′ r), in one pass."""
        return self._map_reduce("rmatvec_rows", (), (r,), add)

    def rmatvec_rows(self, r: Any, rows: NDArray | None = None) -> NDArray:
        """X̃_Rᵀr for the rows R (r one value per row of R, in R's order), in one pass."""
        design = self if rows is None else self.take(rows)
        return design.rmatvec(r)

    def weighted_gram(self, d: Any) -> NDArray:
        """X̃ᵀ diag(d) X̃, in one pass."""
        return self._map_reduce("weighted_gram", (), (d,), add)

    def weighted_gram_product(self, d: Any, v: NDArray) -> NDArray:
        """X̃ᵀ diag(d) X̃ v = X̃ᵀ(d ⊙ X̃v), in one pass."""
        return self._map_reduce("weighted_gram_product", (v,), (d,), add)

    def weighted_gram_subset(self, d: Any, index: NDArray, other: NDArray | None = None) -> NDArray:
        """X̃_Iᵀ diag(d) X̃_K for the positions I and K (default I), in one pass."""
        return self._map_reduce("weighted_gram_subset", (index, other), (d,), add)

    def weighted_column_sq_norms(self, d: Any) -> NDArray:
        """Σᵢ dᵢ x̃ᵢⱼ² for every column j, in one pass."""
        return self._map_reduce("weighted_column_sq_norms", (), (d,), add)

    def gram_rows(self, rows: NDArray | None = None) -> NDArray:
        """X̃_Rᵀ X̃_R in float64 over the rows R (every row when None), in one pass."""
        design = self if rows is None else self.take(rows)
        return design._map_reduce("gram_rows", (), (), add)

    def column_abs_max(self, rows: NDArray | None = None) -> NDArray:
        """maxᵢ |x̃ᵢⱼ| over the rows R (every row when None), in one pass; over every row the
        pass also checks that X is finite, naming the first chunk that is not."""
        if rows is None:
            return self.pass_sums(PassRequest(("abs_max",)), None, None)["abs_max"]
        return self.take(rows)._map_reduce("column_abs_max", (), (), largest)

    def group_sums(self, r: Any, groups: Any) -> NDArray:
        """The G × p̃ sums Σ_{gᵢ = g} rᵢx̃ᵢ for the integer codes ``groups`` (G = max + 1), in
        one pass (after one over the codes for G)."""
        codes = self.sample_values(groups, np.intp, "groups")
        n_groups = int(codes.max().compute()) + 1 if self.n_samples else 0
        return self._map_reduce("group_sums", (n_groups,), (r, codes), add)

    def group_codes(self, groups: Any) -> tuple[Any, int]:
        """The cluster labels ``groups`` (a Dask array or Series aligned with X, or one label
        per row in memory) as lazy integer codes 0 … G − 1 (the sorted labels' positions), and
        G: one pass over the labels finds them. Refused with missing labels or one group."""
        labels = self.sample_values(groups, None, "groups")
        if labels.ndim != 1:
            raise ValueError(f"groups must be one label per sample; got shape {labels.shape}")
        uniques = unique_labels(labels)[0]
        self.passes += 1
        check_group_labels(uniques)
        check_group_count(uniques)
        return label_codes(labels, uniques), len(uniques)

    def row_sq_norms(self) -> Any:
        """‖x̃ᵢ‖² for every row, lazily."""
        return da.map_blocks(
            block_method,
            self.X,
            self.fit_intercept,
            "row_sq_norms",
            (),
            dtype=np.float64,
            drop_axis=1,
            meta=np.empty(0),
        )

    def row_quadratic_forms(self, matrix: NDArray) -> Any:
        """x̃ᵢᵀ M x̃ᵢ for every row, lazily."""
        return da.map_blocks(
            block_method,
            self.X,
            self.fit_intercept,
            "row_quadratic_forms",
            arguments=(np.asarray(matrix, dtype=np.float64),),
            dtype=np.float64,
            drop_axis=1,
            meta=np.empty(0),
        )

    def take(self, rows: NDArray | slice) -> DaskDesign:
        """The design of the rows ``rows`` (a slice, or indices in their order), lazily."""
        if not isinstance(rows, slice):
            rows = np.asarray(rows, dtype=np.intp)
        return DaskDesign(self.X[rows], self.fit_intercept)

    def submatrix(
        self, rows: NDArray | None = None, columns: NDArray | None = None
    ) -> sp.csr_array:
        """X̃[R, K] as a SciPy CSR array: the rows asked for are computed and brought to the
        client, so ask for few of them."""
        design = self if rows is None else self.take(rows)
        block = np.asarray(design.X.compute())
        return block_design(block, self.fit_intercept).submatrix(None, columns)

    def fused_value_gradient(
        self, datafit: KernelDatafit, coef: NDArray, y: Any, s: Any, offset: Any
    ) -> tuple[float, NDArray, Any]:
        """(Σ sᵢLᵢ, its gradient, the logits Z): the sums by one pass, Z lazily."""
        request = PassRequest(("value", "gradient"), datafit=datafit, coef=coef)
        sums = self.pass_sums(request, y, s, offset)
        return float(sums["value"]), sums["gradient"], self.logits(datafit, coef, offset)

    def logits(self, datafit: Any, coef: NDArray, offset: Any = None) -> da.Array:
        """The datafit's logits Z of X̃θ (+ o), lazily: n values, or n × K for the softmax."""
        coef = np.asarray(coef, dtype=np.float64)
        shift = None if offset is None else self.sample_values(offset, np.float64, "offset")
        if shift is not None and shift.ndim == 1:
            shift = shift[:, None]  # blocks pair up by their trailing axes: rows with rows
        several = datafit.n_outputs > 1
        chunks: tuple = (self.chunks, (datafit.n_classes,)) if several else (self.chunks,)
        return da.map_blocks(
            block_logits,
            self.X,
            *(() if shift is None else (shift,)),
            coef=coef,
            fit_intercept=self.fit_intercept,
            datafit=datafit,
            dtype=np.float64,
            chunks=chunks,
            drop_axis=None if several else 1,
            meta=np.empty((0,) * len(chunks)),
        )

    def map_rows(self, coef: NDArray, function: Any, width: int | None, dtype: Any) -> Any:
        """``function(X̃B)`` chunk by chunk, lazily, for the coefficient matrix B (p̃ × K):
        ``width`` values per row, or one when None (predictions of a fitted model)."""
        coef = np.asarray(coef, dtype=np.float64)
        chunks: tuple = (self.chunks,) if width is None else (self.chunks, (width,))
        return da.map_blocks(
            block_rows,
            self.X,
            coef=coef,
            fit_intercept=self.fit_intercept,
            function=function,
            dtype=dtype,
            chunks=chunks,
            drop_axis=1 if width is None else None,
            meta=np.empty((0,) * len(chunks), dtype=dtype),
        )

    def compiled_rows(self) -> tuple[str, tuple[NDArray, ...]]:
        """Refused: the rows of a Dask array are not in the client's memory."""
        raise TypeError(
            "a Dask array's rows are not in memory for a compiled row-by-row kernel: the "
            "stochastic solvers step through its chunks instead"
        )

    def fuses(self, datafit: KernelDatafit) -> bool:
        """True: every evaluation of the cost and gradient is one fused pass."""
        return True

    def fused_gram(self) -> NDArray | None:
        """None: its passes bring the Gram matrix (``positive_gram``)."""
        return None

    def gram_fuses(self, datafit: KernelDatafit) -> bool:
        """False: its passes bring the Hessian and the meat (:meth:`pass_sums`)."""
        return False

    def fused_sums(
        self,
        datafit: KernelDatafit,
        coef: NDArray,
        y: Any,
        s: Any,
        offset: Any,
        *,
        hessian: bool,
        score_outer: bool,
    ) -> FusedSums | None:
        """None: its passes bring the Hessian and the meat (:meth:`pass_sums`)."""
        return None
