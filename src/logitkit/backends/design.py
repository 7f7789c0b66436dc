"""The design matrix: dense and sparse X behind the few operations the solvers need.

The intercept is a virtual column of ones: it is never materialised, so X is used as given,
without a copy. A coefficient vector θ of length ``n_params`` holds the intercept b first
(when fitted) and then the weights w, so that

    z = X̃ θ = b + X w,      X̃ᵀ r = [Σ r, Xᵀ r],
    X̃ᵀ diag(d) X̃ = [[Σ d, (Xᵀd)ᵀ], [Xᵀd, Xᵀ diag(d) X]].
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache, cached_property
from typing import Protocol

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from threadpoolctl import ThreadpoolController

_BLOCK_ELEMENTS = 1 << 18
"""Row blocks of the dense products hold about this many entries (2 MiB of float64)."""


@cache
def _threadpools() -> ThreadpoolController:
    """The BLAS thread pools of the process, found once."""
    return ThreadpoolController()


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

    def weighted_gram_subset(
        self, d: NDArray, index: NDArray, other: NDArray | None = None
    ) -> NDArray: ...


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
        """z = b + X w in float64, for float32 X too (see :meth:`_float64_blocks`)."""
        intercept, w = self.split(coef)
        w = np.asarray(w, dtype=np.float64)
        parts = [np.asarray(block @ w) for _, block in self._float64_blocks()]
        z = parts[0] if len(parts) == 1 else np.concatenate(parts)
        if intercept:
            z += intercept
        return z

    def rmatvec(self, r: NDArray) -> NDArray:
        """X̃ᵀ r = [Σ r, Xᵀ r], accumulated in float64 (see :meth:`_float64_blocks`)."""
        r = np.asarray(r, dtype=np.float64)
        xtr = np.zeros(self.n_features)
        for rows, block in self._float64_blocks():
            xtr += np.asarray(block.T @ r[rows]).ravel()
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

    def weighted_gram_subset(
        self, d: NDArray, index: NDArray, other: NDArray | None = None
    ) -> NDArray:
        """X̃_Iᵀ diag(d) X̃_K for the coefficient positions I = ``index`` and K = ``other``
        (default I), in their order.

        Only the columns in I and K are read: the cost is O(n|I||K|), not O(np²). The
        intercept's entries (position 0 when fitted) are Σ dᵢ xᵢⱼ and Σ dᵢ. With K = I and
        d ≥ 0 the product is formed as (√d ⊙ X̃_I)ᵀ(√d ⊙ X̃_I), a symmetric rank-k update that
        takes half the operations.
        """
        left, left_at = self._features(index)
        right, right_at = (left, left_at) if other is None else self._features(other)
        gram, left_d, right_d = self._weighted_gram_columns(
            d, left, None if other is None else right
        )
        extended = np.empty((left.size + 1, right.size + 1))
        extended[:-1, :-1] = gram
        extended[-1, :-1] = right_d
        extended[:-1, -1] = left_d
        extended[-1, -1] = np.sum(d, dtype=np.float64)
        return extended[np.ix_(left_at, right_at)]

    def _features(self, index: NDArray) -> tuple[NDArray, NDArray]:
        """The feature columns among the positions ``index``, and where each position sits in
        [those columns, the intercept]: the intercept at the end."""
        index = np.asarray(index, dtype=np.intp)
        columns = index - 1 if self.fit_intercept else index
        features = columns[columns >= 0]
        position = np.full(index.size, features.size, dtype=np.intp)
        position[columns >= 0] = np.arange(features.size)
        return features, position


class DenseDesign(_DesignBase):
    """A dense NumPy X (float32 or float64), used in place."""

    def _block_rows(self) -> int:
        """Rows per block: about 2¹⁸ entries, so temporaries stay small and BLAS stays busy."""
        return max(256, _BLOCK_ELEMENTS // max(self.n_features, 1))

    def _float64_blocks(self) -> Iterator[tuple[slice, NDArray]]:
        """(rows, X[rows] as float64) covering X: a float64 X whole, as given; a float32 X in
        blocks of :meth:`_block_rows` rows, each widened to float64.

        The products z = Xw and Xᵀr are then exact to float64 rounding for float32 data too, as
        in the fused pass, without a float64 copy of X. Computed in float32 instead (w rounded
        to float32, sums accumulated in float32), J would carry a rounding noise (about 1e-9
        on a few hundred rows) above the decreases a line search must tell apart near the
        optimum: the Newton solvers, ``cd`` and ``gd`` then stalled short of their float32
        tolerance.
        """
        if self.dtype == np.float64:
            yield slice(None), self.X
            return
        rows = self._block_rows()
        for start in range(0, max(self.n_samples, 1), rows):
            block = slice(start, start + rows)
            yield block, self.X[block].astype(np.float64)

    def weighted_gram(self, d: NDArray) -> NDArray:
        """X̃ᵀ diag(d) X̃, accumulated over blocks of rows so no n×p temporary is made: the
        subset of every position (:meth:`weighted_gram_subset`)."""
        return self.weighted_gram_subset(d, np.arange(self.n_params))

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

    def _weighted_gram_columns(
        self, d: NDArray, left: NDArray, right: NDArray | None
    ) -> tuple[NDArray, NDArray, NDArray]:
        """X_Lᵀ diag(d) X_R, X_Lᵀ d and X_Rᵀ d over the columns L and R (R = L when None),
        gathered one block of rows at a time (all columns in their order without a gather).

        BLAS runs on one thread here: a product of one 2 MiB block is too small for threads to
        gain more than their synchronisation costs, and on a busy machine they lose far more.
        """
        symmetric = right is None
        right = left if symmetric else right
        square_root = symmetric and bool(np.all(d >= 0.0))
        gram = np.zeros((left.size, right.size))
        left_d, right_d = np.zeros(left.size), np.zeros(right.size)
        rows = max(256, _BLOCK_ELEMENTS // max(left.size + right.size, 1))
        with _threadpools().limit(limits=1, user_api="blas"):
            for start in range(0, self.n_samples, rows):
                block = self.X[start : start + rows]
                weights = d[start : start + rows].astype(self.dtype)
                left_block = self._gather(block, left)
                right_block = left_block if symmetric else self._gather(block, right)
                if square_root:
                    scaled = left_block * np.sqrt(weights)[:, None]
                    gram += scaled.T @ scaled
                else:
                    gram += (left_block * weights[:, None]).T @ right_block
                left_d += weights @ left_block
                if not symmetric:
                    right_d += weights @ right_block
        return gram, left_d, left_d if symmetric else right_d

    def _gather(self, block: NDArray, features: NDArray) -> NDArray:
        """The columns ``features`` of a block of rows; all of them in order need no copy."""
        if features.size == self.n_features and np.array_equal(
            features, np.arange(self.n_features)
        ):
            return block
        return np.take(block, features, axis=1)


class SparseDesign(_DesignBase):
    """A SciPy sparse X in CSR or CSC form, never densified."""

    def __init__(self, X, fit_intercept: bool) -> None:
        if X.format not in ("csr", "csc"):
            X = X.tocsr()
        super().__init__(X, fit_intercept)

    def _float64_blocks(self) -> Iterator[tuple[slice, sp.spmatrix | sp.sparray]]:
        """X whole: SciPy computes its product with a float64 vector in float64, reading a
        float32 X's values as float64 (a temporary of its stored values, not of its indices)."""
        yield slice(None), self.X

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


def make_design(X, fit_intercept: bool = True) -> DenseDesign | SparseDesign:
    """Wrap a validated 2-D array (dense or sparse) as a design matrix."""
    if sp.issparse(X):
        return SparseDesign(X, fit_intercept)
    return DenseDesign(np.asarray(X), fit_intercept)
