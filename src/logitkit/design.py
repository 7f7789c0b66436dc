"""The design matrix: dense and sparse X behind the few operations the solvers need.

The intercept is a virtual column of ones: it is never materialised, so X is used as given,
without a copy. A coefficient vector θ of length ``n_params`` holds the intercept b first
(when fitted) and then the weights w, so that

    z = X̃ θ = b + X w,      X̃ᵀ r = [Σ r, Xᵀ r],
    X̃ᵀ diag(d) X̃ = [[Σ d, (Xᵀd)ᵀ], [Xᵀd, Xᵀ diag(d) X]].
"""

from __future__ import annotations

from functools import cached_property
from typing import Protocol

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

_BLOCK_ELEMENTS = 1 << 18
"""Row blocks of the dense products hold about this many entries (2 MiB of float64)."""


class Design(Protocol):
    """What every design matrix offers; see :class:`DenseDesign` for the formulas."""

    n_samples: int
    n_features: int
    fit_intercept: bool
    dtype: np.dtype

    @property
    def n_params(self) -> int: ...

    def linear_predictor(self, coef: NDArray) -> NDArray: ...

    def rmatvec(self, r: NDArray) -> NDArray: ...

    def weighted_gram(self, d: NDArray) -> NDArray: ...

    def take(self, rows: NDArray | slice) -> Design: ...

    def weighted_column_sq_norms(self, d: NDArray) -> NDArray: ...

    def row_sq_norms(self) -> NDArray: ...

    def weighted_gram_subset(self, d: NDArray, index: NDArray) -> NDArray: ...


class _DesignBase:
    def __init__(self, X, fit_intercept: bool) -> None:
        self.X = X
        self.fit_intercept = bool(fit_intercept)
        self.n_samples, self.n_features = X.shape
        self.dtype = X.dtype

    @property
    def n_params(self) -> int:
        """Number of coefficients: the features, plus one for the intercept."""
        return self.n_features + int(self.fit_intercept)

    def split(self, coef: NDArray) -> tuple[float, NDArray]:
        """θ as (b, w); b = 0 without an intercept."""
        if self.fit_intercept:
            return float(coef[0]), coef[1:]
        return 0.0, coef

    def linear_predictor(self, coef: NDArray) -> NDArray:
        """z = b + X w, in the dtype of X."""
        intercept, w = self.split(coef)
        z = self.X @ w.astype(self.dtype, copy=False)
        z = np.asarray(z)
        if intercept:
            z += self.dtype.type(intercept)
        return z

    def rmatvec(self, r: NDArray) -> NDArray:
        """X̃ᵀ r = [Σ r, Xᵀ r], accumulated in float64."""
        xtr = np.asarray(self.X.T @ r.astype(self.dtype, copy=False), dtype=np.float64)
        if self.fit_intercept:
            return np.concatenate(([np.sum(r, dtype=np.float64)], xtr))
        return xtr

    def _with_intercept_block(self, gram: NDArray, d: NDArray) -> NDArray:
        if not self.fit_intercept:
            return gram
        xtd = self.rmatvec(d)
        out = np.empty((self.n_params, self.n_params))
        out[0, :] = xtd
        out[:, 0] = xtd
        out[1:, 1:] = gram
        return out

    def _with_intercept_entry(self, norms: NDArray, d: NDArray) -> NDArray:
        if self.fit_intercept:
            return np.concatenate(([np.sum(d, dtype=np.float64)], norms))
        return norms

    def row_sq_norms(self) -> NDArray:
        """‖x̃ᵢ‖² for every row, the intercept's 1 included."""
        norms = self._row_sq_norms()
        return norms + 1.0 if self.fit_intercept else norms

    def weighted_gram_subset(self, d: NDArray, index: NDArray) -> NDArray:
        """X̃_Iᵀ diag(d) X̃_I for the coefficient positions I = ``index``, in their order.

        Only the columns in I are read: the cost is O(n|I|²), not O(np²). The intercept's
        entries (position 0 when fitted) are Σ dᵢ xᵢⱼ and Σ dᵢ.
        """
        index = np.asarray(index, dtype=np.intp)
        columns = index - 1 if self.fit_intercept else index
        features = columns[columns >= 0]
        gram, xtd = self._weighted_gram_columns(d, features)
        k = features.size
        extended = np.empty((k + 1, k + 1))
        extended[:k, :k] = gram
        extended[k, :k] = xtd
        extended[:k, k] = xtd
        extended[k, k] = np.sum(d, dtype=np.float64)
        position = np.full(index.size, k, dtype=np.intp)
        position[columns >= 0] = np.arange(k)
        return extended[np.ix_(position, position)]


class DenseDesign(_DesignBase):
    """A dense NumPy X (float32 or float64), used in place."""

    def _block_rows(self) -> int:
        """Rows per block: about 2¹⁸ entries, so temporaries stay small and BLAS stays busy."""
        return max(256, _BLOCK_ELEMENTS // max(self.n_features, 1))

    def weighted_gram(self, d: NDArray) -> NDArray:
        """X̃ᵀ diag(d) X̃, accumulated over blocks of rows so no n×p temporary is made."""
        X = self.X
        gram = np.zeros((self.n_features, self.n_features))
        rows = self._block_rows()
        for start in range(0, self.n_samples, rows):
            block = X[start : start + rows]
            weighted = block * d[start : start + rows, None].astype(self.dtype)
            gram += weighted.T @ block
        return self._with_intercept_block(gram, d)

    def take(self, rows: NDArray | slice) -> DenseDesign:
        """The design restricted to ``rows`` (a view of X for a slice, a copy for indices)."""
        return DenseDesign(self.X[rows], self.fit_intercept)

    def weighted_column_sq_norms(self, d: NDArray) -> NDArray:
        """Σᵢ dᵢ x̃ᵢⱼ² for every column j: the diagonal of X̃ᵀ diag(d) X̃, by blocks of rows."""
        X = self.X
        norms = np.zeros(self.n_features)
        rows = self._block_rows()
        for start in range(0, self.n_samples, rows):
            block = X[start : start + rows]
            norms += np.square(block).T @ d[start : start + rows].astype(self.dtype)
        return self._with_intercept_entry(norms, d)

    def _row_sq_norms(self) -> NDArray:
        return np.einsum("ij,ij->i", self.X, self.X, dtype=np.float64)

    def _weighted_gram_columns(self, d: NDArray, features: NDArray) -> tuple[NDArray, NDArray]:
        """X_Fᵀ diag(d) X_F and X_Fᵀ d over the columns F, gathered one block of rows at a time
        (all columns in their order are read without a gather)."""
        every_column = np.array_equal(features, np.arange(self.n_features))
        gram = np.zeros((features.size, features.size))
        xtd = np.zeros(features.size)
        rows = max(256, _BLOCK_ELEMENTS // max(features.size, 1))
        for start in range(0, self.n_samples, rows):
            block = self.X[start : start + rows]
            if not every_column:
                block = np.take(block, features, axis=1)
            weights = d[start : start + rows].astype(self.dtype)
            gram += (block * weights[:, None]).T @ block
            xtd += weights @ block
        return gram, xtd


class SparseDesign(_DesignBase):
    """A SciPy sparse X in CSR or CSC form, never densified."""

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

    def _weighted_gram_columns(self, d: NDArray, features: NDArray) -> tuple[NDArray, NDArray]:
        """X_Fᵀ diag(d) X_F (dense) and X_Fᵀ d over the columns F, by sparse products."""
        columns = self.X[:, features]
        weights = d.astype(self.dtype)
        gram = (columns.T @ (sp.diags(weights) @ columns)).toarray()
        xtd = columns.T @ weights
        return np.asarray(gram, dtype=np.float64), np.asarray(xtd, dtype=np.float64).ravel()


def make_design(X, fit_intercept: bool = True) -> DenseDesign | SparseDesign:
    """Wrap a validated 2-D array (dense or sparse) as a design matrix."""
    if sp.issparse(X):
        return SparseDesign(X, fit_intercept)
    return DenseDesign(np.asarray(X), fit_intercept)
