"""The tasks of a pass of the Dask backend: what runs on a worker for one chunk of rows.

Each wraps its chunk as the in-memory dense design (:class:`~logitkit.backends.dense.DenseDesign`,
the intercept a virtual column) and returns coefficient-sized results; the combining tasks of
the tree reduction add them (or keep the largest). A chunk task of a pass receives first the
pass's ``payload``, what every chunk of the pass shares (:mod:`._dask_graph`), then its own
pieces of X and of the values per row.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.linalg.blas import dsyrk

from .dense import DenseDesign
from .passes import PassRequest, block_sums, combine


class ChunkDesign(DenseDesign):
    """The dense design of one chunk, run inside a task: its column reductions and Gram matrix
    (one ``dsyrk`` over every row) stay on the task's own thread, since a worker runs several
    tasks at once and Numba's parallel kernels (or threads of their own) launched from each
    would compete for the same cores, and the workqueue threading layer refuses concurrent
    launches outright."""

    def _compiles_columns(self) -> bool:
        return False

    def _splits_rows(self) -> bool:
        return False

    def gram_rows(self, rows: NDArray | None = None) -> NDArray:
        """X̃_Rᵀ X̃_R in float64; over every row, XᵀX by one symmetric BLAS product (``dsyrk``,
        the upper triangle) on the chunk's float64 rows, bordered for the intercept: 10 ms on
        100,000 × 50 where products a block at a time took 17 ms."""
        if rows is not None or self.X.size == 0:
            return super().gram_rows(rows)
        X = np.ascontiguousarray(self.X, dtype=np.float64)
        upper = dsyrk(1.0, X.T, trans=0)
        gram = np.triu(upper) + np.triu(upper, 1).T
        return self._bordered_gram(gram, np.ones(X.shape[0]) @ X, X.shape[0])

    def take(self, rows: NDArray | slice) -> ChunkDesign:
        """The chunk design of ``rows`` of this chunk (a view of X for a slice)."""
        return ChunkDesign(self.X[rows], self.fit_intercept)


def block_design(block: Any, fit_intercept: bool) -> DenseDesign:
    """The in-memory design of one chunk: its rows as a C-ordered array (float32 or float64,
    as :func:`~.dask_inputs.dask_matrix` made X)."""
    return ChunkDesign(np.ascontiguousarray(block), fit_intercept)


def chunk_sums(
    payload: tuple[bool, PassRequest],
    where: str,
    first_row: int,
    block: Any,
    y: Any,
    s: Any,
    offset: Any,
    codes: Any,
) -> dict[str, NDArray]:
    """The sums of one chunk (:func:`logitkit.backends.passes.block_sums`), run in its task;
    ``payload`` is (fit_intercept, request), ``where`` names the chunk in errors and
    ``first_row`` is the index of its first row among all rows of X."""
    fit_intercept, request = payload
    design = block_design(block, fit_intercept)
    for name, values in (("y", y), ("sample_weight", s), ("offset", offset), ("groups", codes)):
        if values is not None and len(values) != design.n_samples:
            raise ValueError(
                f"{name} is not aligned with X: it has {len(values)} rows in {where}, which "
                f"holds {design.n_samples}. Take X and {name} from the same DataFrame, or "
                "rechunk one like the other"
            )
    return block_sums(
        design, request, y, s, offset, codes, rows=design.X, where=where, first_row=first_row
    )


def chunk_call(payload: tuple[bool, str, tuple], block: Any, *vectors: Any) -> NDArray:
    """``method`` of the in-memory design of one chunk, with its pieces of the n-vectors and
    then ``arguments``; ``payload`` is (fit_intercept, method, arguments)."""
    fit_intercept, method, arguments = payload
    design = block_design(block, fit_intercept)
    if method == "group_sums":
        (n_groups,) = arguments
        sums = design.group_sums(*vectors)
        padded = np.zeros((n_groups, design.n_params))
        padded[: sums.shape[0]] = sums
        return padded
    return np.asarray(getattr(design, method)(*vectors, *arguments), dtype=np.float64)


def block_method(block: Any, fit_intercept: bool, method: str, arguments: tuple) -> NDArray:
    """An n-vector ``method`` of the in-memory design of one chunk."""
    return np.asarray(getattr(block_design(block, fit_intercept), method)(*arguments))


def block_product(block: Any, coef: NDArray, fit_intercept: bool) -> NDArray:
    """X̃θ (or X̃B) of one chunk, in float64."""
    return block_design(block, fit_intercept).matvec_rows(coef)


def block_rows(block: Any, coef: NDArray, fit_intercept: bool, function: Any) -> NDArray:
    """``function(X̃B)`` of one chunk."""
    return np.asarray(function(block_design(block, fit_intercept).matvec_rows(coef)))


def block_logits(
    block: Any, offset: Any = None, *, coef: NDArray, fit_intercept: bool, datafit: Any
) -> NDArray:
    """The datafit's logits of one chunk (its offsets a column for two classes)."""
    design = block_design(block, fit_intercept)
    width = design.n_params
    eta = design.matvec_rows(coef if datafit.n_outputs == 1 else np.reshape(coef, (-1, width)).T)
    if offset is not None:
        eta = eta + np.reshape(np.asarray(offset, dtype=np.float64), eta.shape)
    return np.asarray(datafit.logits(eta), dtype=np.float64)


def combine_sums(*parts: dict[str, NDArray]) -> dict[str, NDArray]:
    return combine(parts)


def add(*parts: NDArray) -> NDArray:
    total = np.array(parts[0], dtype=np.float64, copy=True)
    for part in parts[1:]:
        total += part
    return total


def largest(*parts: NDArray) -> NDArray:
    return np.max(np.stack(parts), axis=0)
