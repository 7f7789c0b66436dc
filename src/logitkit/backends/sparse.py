"""The sparse backend: a SciPy CSR or CSC X, never densified.

The products of the binary cost with one coefficient vector (X̃θ, X̃ᵀr, X̃ᵀ(d ⊙ X̃v), the
Hessian's diagonal and the fused cost and gradient) and the column maxima run in compiled,
threaded kernels over the CSR arrays (:mod:`._sparse_kernels`); the others go through SciPy's
sparse products.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cached_property

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from . import base
from .base import DesignBase
from .fused import FusedSums, KernelDatafit


class SparseDesign(DesignBase):
    """A SciPy sparse X in CSR or CSC form, never densified.

    Its products cost O(nnz), so Hessian-vector products are cheap against a p × p Hessian
    (``prefers_hessian_products``); a row sample is a copy, not a view. A CSC X is converted to
    CSR once, for the row-by-row kernels.
    """

    samples_rows_cheaply = False
    prefers_hessian_products = True

    def fused_value_gradient(
        self, datafit: KernelDatafit, coef: NDArray, y: NDArray, s: NDArray, offset: NDArray | None
    ) -> tuple[float, NDArray, NDArray] | None:
        """(Σ sᵢLᵢ, its gradient X̃ᵀr in θ, the logits z) in one threaded pass over the CSR
        rows for two classes (:func:`._sparse_kernels.value_gradient`); None for the softmax."""
        if not self.fuses(datafit):
            return None
        from ._sparse_kernels import value_gradient

        return value_gradient(self._csr_arrays, coef, self._start, y, s, offset)

    def fuses(self, datafit: KernelDatafit) -> bool:
        """Whether :meth:`fused_value_gradient` runs: for two classes."""
        return datafit.kernel == "bernoulli"

    @property
    def _start(self) -> int:
        """Where w starts in θ: 1 with an intercept, else 0."""
        return int(self.fit_intercept)

    @cached_property
    def _csr_arrays(self) -> tuple[NDArray, NDArray, NDArray, NDArray]:
        """(data, indices, indptr, row-block bounds) of X in CSR form, as the kernels read it
        (:mod:`._sparse_kernels`). A CSR X whose indices are unsorted or repeated is copied
        once into canonical form, since squares and maxima of repeated entries would not be
        those of their sum."""
        from ._sparse_kernels import csr_rows

        csr = self._csr
        if not csr.has_canonical_format:
            csr = csr.copy()
            csr.sum_duplicates()
        return csr_rows(csr.data, csr.indices, csr.indptr, self.n_params)

    def linear_predictor(self, coef: NDArray) -> NDArray:
        """z = b + Xw in float64, by the threaded kernel (a float32 X read as it is); a matrix
        B of K′ columns as in :meth:`DesignBase.linear_predictor`."""
        if coef.ndim == 2:
            return super().linear_predictor(coef)
        from ._sparse_kernels import linear_predictor

        return linear_predictor(self._csr_arrays, coef, self._start)

    def rmatvec(self, r: NDArray) -> NDArray:
        """X̃ᵀr = [Σ r, Xᵀr] in float64, by the threaded kernel; an n × K′ R as in
        :meth:`DesignBase.rmatvec`."""
        if r.ndim == 2:
            return super().rmatvec(r)
        from ._sparse_kernels import transposed_product

        return transposed_product(self._csr_arrays, r, self._start, self.n_features)

    def weighted_gram_product(self, d: NDArray, v: NDArray) -> NDArray:
        """X̃ᵀ diag(d) X̃ v = X̃ᵀ(d ⊙ X̃v) in one threaded pass over the rows."""
        from ._sparse_kernels import gram_product

        return gram_product(self._csr_arrays, d, v, self._start)

    def fused_gram(self) -> NDArray | None:
        """None: the fused passes read dense rows only."""
        return None

    def gram_fuses(self, datafit: KernelDatafit) -> bool:
        """False: the fused pass reads dense rows only."""
        return False

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
    ) -> FusedSums | None:
        """None: the fused pass reads dense rows only."""
        return None

    def compiled_rows(self) -> tuple[str, tuple[NDArray, ...]]:
        """("csr", (data, indices, indptr)) of X in CSR form."""
        return "csr", (self._csr.data, self._csr.indices, self._csr.indptr)

    @staticmethod
    def _row_dots(block: sp.sparray, other: NDArray) -> NDArray:
        return np.asarray(block.multiply(other).sum(axis=1), dtype=np.float64).ravel()

    def __init__(self, X, fit_intercept: bool) -> None:
        if X.format not in ("csr", "csc"):
            X = X.tocsr()
        super().__init__(X, fit_intercept)

    def weighted_gram(self, d: NDArray) -> NDArray:
        """X̃ᵀ diag(d) X̃, dense: by the threaded kernel where its partial sums stay small (the
        subset of every position, :meth:`weighted_gram_subset`), else through a sparse
        product."""
        from ._sparse_kernels import weighted_gram_fits

        if weighted_gram_fits(self._csr_arrays, self.n_features):
            return self.weighted_gram_subset(d, np.arange(self.n_params))
        scaled = sp.diags(d.astype(self.dtype)) @ self.X
        gram = np.asarray((self.X.T @ scaled).toarray(), dtype=np.float64)
        return self._with_intercept_block(gram, d)

    @cached_property
    def _csr(self) -> sp.csr_matrix:
        return self.X.tocsr()

    def take(self, rows: NDArray | slice) -> SparseDesign:
        """The design restricted to ``rows`` (row slicing goes through a CSR view of X)."""
        return SparseDesign(self._csr[rows], self.fit_intercept)

    def weighted_column_sq_norms(self, d: NDArray) -> NDArray:
        """Σᵢ dᵢ x̃ᵢⱼ² for every column j: the diagonal of X̃ᵀ diag(d) X̃, by the threaded
        kernel."""
        from ._sparse_kernels import column_sq_norms

        return column_sq_norms(self._csr_arrays, d, self._start, self.n_features)

    def column_abs_max(self, rows: NDArray | None = None) -> NDArray:
        """cⱼ = max_{i∈R} |x̃ᵢⱼ| over the rows R (every row when None), in float64: over every
        row by the threaded kernel, without SciPy's conversion of X to CSC."""
        if rows is not None:
            return super().column_abs_max(rows)
        from ._sparse_kernels import column_abs_max

        top = column_abs_max(self._csr_arrays, self.n_features)
        if self.fit_intercept:
            return np.concatenate(([float(self.n_samples > 0)], top))
        return top

    def _row_sq_norms(self) -> NDArray:
        return np.asarray(self.X.multiply(self.X).sum(axis=1), dtype=np.float64).ravel()

    def _weighted_gram_columns(
        self, d: NDArray, left: NDArray, right: NDArray | None
    ) -> tuple[NDArray, NDArray, NDArray]:
        """X_Lᵀ diag(d) X_R (dense), X_Lᵀ d and X_Rᵀ d over the columns L and R (R = L when
        None): for R = L, by the threaded kernel where its partial sums stay small
        (:func:`~logitkit.backends._sparse_kernels.weighted_gram`), else by sparse products,
        which gather the columns and form the product sparse first."""
        if right is None:
            from ._sparse_kernels import weighted_gram, weighted_gram_fits

            if weighted_gram_fits(self._csr_arrays, left.size):
                gram, left_d = weighted_gram(self._csr_arrays, d, left, self.n_features)
                return gram, left_d, left_d
        weights = d.astype(self.dtype)
        left_columns = self.X[:, left]
        right_columns = left_columns if right is None else self.X[:, right]
        gram = (left_columns.T @ (sp.diags(weights) @ right_columns)).toarray()
        left_d = np.asarray(left_columns.T @ weights, dtype=np.float64).ravel()
        right_d = np.asarray(right_columns.T @ weights, dtype=np.float64).ravel()
        return np.asarray(gram, dtype=np.float64), left_d, right_d

    def _float64_row_blocks(
        self, rows: NDArray | None, convert: bool = True
    ) -> Iterator[tuple[slice, sp.csr_array]]:
        """The rows R = ``rows`` of X (every row when None) in float64 (in the dtype of X when
        not ``convert``), with each block's positions in R: X itself when no conversion is
        needed and R is every row, else blocks of rows of about 2¹⁸ stored entries, gathered
        and converted one at a time."""
        size = self._row_count(rows)
        if rows is None and (self.dtype == np.float64 or not convert):
            if size:
                yield slice(0, size), self.X
            return
        index = None if rows is None else np.asarray(rows, dtype=np.intp)
        step = max(1, base.BLOCK_ELEMENTS * self.n_samples // max(self.X.nnz, 1))
        for start in range(0, size, step):
            part = slice(start, min(start + step, size))
            block = self._csr[part] if index is None else self._csr[index[part]]
            yield part, block.astype(np.float64, copy=False) if convert else block

    @staticmethod
    def _dense(product: sp.sparray | sp.spmatrix) -> NDArray:
        """A sparse product as a dense array."""
        return product.toarray()

    @staticmethod
    def _abs_max(block: sp.sparray | sp.spmatrix) -> NDArray:
        """maxᵢ |xᵢⱼ| over the rows of a block (the zeros not stored included)."""
        return abs(block).max(axis=0).toarray().ravel()

    @staticmethod
    def _column_totals(block: sp.sparray | sp.spmatrix) -> NDArray:
        """Σᵢ xᵢⱼ over the stored entries of a block."""
        return np.asarray(block.sum(axis=0)).ravel()
