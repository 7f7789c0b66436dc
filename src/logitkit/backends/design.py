"""The design protocol: the operations on X that everything above the backends uses.

Nothing outside ``backends/`` reads X itself or asks what kind of array it is: the objective,
the solvers and the statistics call these operations, and a new array backend is one new
module that implements them (and one line in :func:`make_design`). The intercept is a virtual
column of ones (see :mod:`logitkit.backends.base`): X̃ = [1, X], θ = (b, w).

Two kinds of design exist. The in-memory ones (dense, sparse; ``holds_rows``) keep n-vectors
(logits, residuals, weights) as NumPy arrays, and the objective computes with their products.
The Dask design (:mod:`logitkit.backends.dask`) keeps its rows where Dask keeps them: its
n-vectors are lazy Dask arrays, and the objective evaluates itself by passes
(:meth:`Design.pass_sums`, :mod:`logitkit.backends.passes`), each one read of the rows that
returns coefficient-sized sums.
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from .base import is_dask_collection
from .dense import DenseDesign
from .fused import FusedSums, KernelDatafit
from .passes import PassRequest
from .sparse import SparseDesign

__all__ = ["Design", "is_dask_collection", "make_design"]


class Design(Protocol):
    """What every design matrix offers; see :mod:`logitkit.backends.base` and
    the implementations for the formulas."""

    n_samples: int
    n_features: int
    fit_intercept: bool
    dtype: np.dtype

    @property
    def n_params(self) -> int: ...

    def linear_predictor(self, coef: NDArray) -> NDArray: ...

    def rmatvec(self, r: NDArray) -> NDArray: ...

    def weighted_gram(self, d: NDArray) -> NDArray: ...

    def weighted_gram_product(self, d: NDArray, v: NDArray) -> NDArray: ...

    def take(self, rows: NDArray | slice) -> Design: ...

    def weighted_column_sq_norms(self, d: NDArray) -> NDArray: ...

    def row_sq_norms(self) -> NDArray: ...

    def weighted_gram_subset(
        self, d: NDArray, index: NDArray, other: NDArray | None = None
    ) -> NDArray: ...

    def row_quadratic_forms(self, matrix: NDArray) -> NDArray: ...

    def fused_value_gradient(
        self, datafit: KernelDatafit, coef: NDArray, y: NDArray, s: NDArray, offset: NDArray | None
    ) -> tuple[float, NDArray, NDArray | None] | None: ...

    def compiled_rows(self) -> tuple[str, tuple[NDArray, ...]]: ...

    def fuses(self, datafit: KernelDatafit) -> bool: ...

    def fused_gram(self) -> NDArray | None: ...

    def gram_fuses(self, datafit: KernelDatafit) -> bool: ...

    def fused_sums(
        self,
        datafit: KernelDatafit,
        coef: NDArray,
        y: NDArray,
        s: NDArray,
        offset: NDArray | None,
        *,
        hessian: bool,
        score_outer: bool,
    ) -> FusedSums | None: ...

    samples_rows_cheaply: bool
    prefers_hessian_products: bool
    holds_rows: bool

    def sample_values(self, values: Any, dtype: Any, name: str = "values") -> Any: ...

    def group_codes(self, groups: Any) -> tuple[Any, int]: ...

    def row_chunks(self) -> list[slice]: ...

    def pass_sums(
        self,
        request: PassRequest,
        y: Any,
        s: Any,
        offset: Any = None,
        codes: Any = None,
    ) -> dict[str, NDArray]: ...

    def split(self, coef: NDArray) -> tuple[float, NDArray]: ...

    def matvec_rows(self, coef: NDArray, rows: NDArray | None = None) -> NDArray: ...

    def rmatvec_rows(self, r: NDArray, rows: NDArray | None = None) -> NDArray: ...

    def gram_rows(self, rows: NDArray | None = None) -> NDArray: ...

    def column_abs_max(self, rows: NDArray | None = None) -> NDArray: ...

    def submatrix(
        self, rows: NDArray | None = None, columns: NDArray | None = None
    ) -> sp.csr_array: ...

    def group_sums(self, r: NDArray, groups: NDArray) -> NDArray: ...


def make_design(X, fit_intercept: bool = True) -> Design:
    """Wrap a validated 2-D array (dense or sparse) as a design matrix; a Dask array or
    DataFrame as the Dask backend's design (importing Dask then, and only then)."""
    if is_dask_collection(X):
        from .dask import DaskDesign

        return DaskDesign(X, fit_intercept)
    if sp.issparse(X):
        return SparseDesign(X, fit_intercept)
    return DenseDesign(np.asarray(X), fit_intercept)


def sparse_when_mostly_zero(design: Design) -> Design:
    """``design``, or the sparse design of a CSR copy of its X where the dense design offers
    one (:meth:`DenseDesign.mostly_zero_copy`: a large X with at most a tenth of its entries
    nonzero, e.g. one-hot columns). The fit is the same; its products then cost per nonzero
    entry, and the copy is read in place of X."""
    if not isinstance(design, DenseDesign):
        return design
    copy = design.mostly_zero_copy()
    return design if copy is None else SparseDesign(copy, design.fit_intercept)
