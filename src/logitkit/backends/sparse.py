"""The sparse backend: a SciPy CSR or CSC X, never densified."""

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
    (``prefers_hessian_products``); a row sample is a copy, not a view.
    """

    samples_rows_cheaply = False
    prefers_hessian_products = True

    def fused_value_gradient(
        self, datafit: KernelDatafit, coef: NDArray, y: NDArray, s: NDArray, offset: NDArray | None
    ) -> tuple[float, NDArray, NDArray] | None:
        """None: the fused pass reads dense rows only."""
        return None

    def fuses(self, datafit: KernelDatafit) -> bool:
        """False: the fused pass reads dense rows only."""
        return False

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
        """X̃ᵀ diag(d) X̃ through a sparse product; the p×p result is dense."""
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
        """Σᵢ dᵢ x̃ᵢⱼ² for every column j: the diagonal of X̃ᵀ diag(d) X̃."""
        norms = np.asarray(self.X.multiply(self.X).T @ d.astype(self.dtype), dtype=np.float64)
        return self._with_intercept_entry(norms.ravel(), d)

    def _row_sq_norms(self) -> NDArray:
        return np.asarray(self.X.multiply(self.X).sum(axis=1), dtype=np.float64).ravel()

    def _weighted_gram_columns(
        self, d: NDArray, left: NDArray, right: NDArray | None
    ) -> tuple[NDArray, NDArray, NDArray]:
        """X_Lᵀ diag(d) X_R (dense), X_Lᵀ d and X_Rᵀ d over the columns L and R (R = L when
        None), by sparse products."""
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
