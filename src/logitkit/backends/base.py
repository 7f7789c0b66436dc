"""The algebra every in-memory design shares: the intercept as a virtual column of ones.

The intercept is never materialised, so X is used as given, without a copy. A coefficient
vector θ of length ``n_params`` holds the intercept b first (when fitted) and then the weights
w, so that

    z = X̃ θ = b + X w,      X̃ᵀ r = [Σ r, Xᵀ r],
    X̃ᵀ diag(d) X̃ = [[Σ d, (Xᵀd)ᵀ], [Xᵀd, Xᵀ diag(d) X]].
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from functools import cache
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from numpy.typing import NDArray
from threadpoolctl import ThreadpoolController

from .passes import PassRequest, block_sums

BLOCK_ELEMENTS = 1 << 18
"""Row blocks of the dense products hold about this many entries (2 MiB of float64)."""


def is_dask_collection(value: object) -> bool:
    """Whether ``value`` is a Dask collection (array, DataFrame, Series), which the Dask
    backend reads: told from its type's module, without importing Dask."""
    return type(value).__module__.split(".")[0] == "dask"


@cache
def threadpools() -> ThreadpoolController:
    """The BLAS thread pools of the process, found once."""
    return ThreadpoolController()


SMALL_MATRIX_ORDER = 64
"""OpenBLAS runs a product of fewer than 2¹⁸ = 64³ multiply-adds on the calling thread alone,
so dense algebra on a k × k matrix with k ≤ 64 wakes no BLAS thread."""


@cache
def _blas_libraries() -> tuple[Any, ...]:
    """The controllers of the BLAS libraries among :func:`threadpools`, selected once."""
    return tuple(threadpools().select(user_api="blas").lib_controllers)


@contextmanager
def single_blas_thread() -> Iterator[None]:
    """BLAS on one thread inside, each library's thread count restored after (also on an
    exception): the limit ``threadpools().limit(limits=1, user_api="blas")`` sets, without
    the report of every library's state that it makes first (in and out in 4 µs instead of
    9 µs; a small fit enters it once, a Newton step's algebra several times)."""
    counts = [(library, library.num_threads) for library in _blas_libraries()]
    for library, count in counts:
        if count != 1:
            library.set_num_threads(1)
    try:
        yield
    finally:
        for library, count in counts:
            if count != 1:
                library.set_num_threads(count)


def one_blas_thread(order: int) -> AbstractContextManager[object]:
    """BLAS on one thread for the dense algebra of a k × k matrix (k = ``order``): a limit
    for k above ``SMALL_MATRIX_ORDER``, nothing below, where BLAS stays on one thread by
    itself and setting the limit would cost more than the algebra."""
    if order <= SMALL_MATRIX_ORDER:
        return nullcontext()
    return single_blas_thread()


class DesignBase(ABC):
    """What every in-memory design shares: the intercept's algebra around the products of X.

    Each implementation supplies the products with X itself (the abstract methods below) and
    ``_float64_row_blocks``, the rows of X in float64 a block at a time.
    """

    X: Any

    holds_rows = True
    """The rows are in the client's memory: n-vectors (logits, residuals, weights) are NumPy
    arrays, and the objective evaluates itself with the products below."""

    @abstractmethod
    def _float64_row_blocks(
        self, rows: NDArray | None, convert: bool = True
    ) -> Iterator[tuple[slice, Any]]:
        """(positions in R, X[R] block) pairs covering the rows R, in float64 if ``convert``."""

    @staticmethod
    @abstractmethod
    def _row_dots(block: Any, other: NDArray) -> NDArray:
        """Σⱼ block[i, j] other[i, j] for every row i."""

    @abstractmethod
    def _row_sq_norms(self) -> NDArray:
        """‖xᵢ‖² for every row of X."""

    @abstractmethod
    def _weighted_gram_columns(
        self, d: NDArray, left: NDArray, right: NDArray | None
    ) -> tuple[NDArray, NDArray, NDArray]:
        """X_Lᵀ diag(d) X_R, X_Lᵀ d and X_Rᵀ d over the columns L and R (R = L when None)."""

    @abstractmethod
    def weighted_gram(self, d: NDArray) -> NDArray:
        """X̃ᵀ diag(d) X̃."""

    @abstractmethod
    def weighted_column_sq_norms(self, d: NDArray) -> NDArray:
        """Σᵢ dᵢ x̃ᵢⱼ² for every column j: the diagonal of X̃ᵀ diag(d) X̃."""

    @abstractmethod
    def take(self, rows: NDArray | slice) -> DesignBase:
        """The design of the rows ``rows`` (a slice, or indices in their order)."""

    @staticmethod
    @abstractmethod
    def _dense(product: Any) -> NDArray:
        """A product of a block of X as a dense array."""

    @staticmethod
    @abstractmethod
    def _abs_max(block: Any) -> NDArray:
        """maxᵢ |xᵢⱼ| over the rows of a block."""

    @staticmethod
    @abstractmethod
    def _column_totals(block: Any) -> NDArray:
        """Σᵢ xᵢⱼ over the rows of a float64 block, for every column j."""

    def __init__(self, X, fit_intercept: bool) -> None:
        self.X = X
        self.fit_intercept = bool(fit_intercept)
        self.n_samples, self.n_features = X.shape
        self.dtype = X.dtype

    @property
    def n_params(self) -> int:
        """Number of coefficients: the features, plus one for the intercept."""
        return self.n_features + int(self.fit_intercept)

    def sample_values(self, values: Any, dtype: Any, name: str = "values") -> NDArray:
        """One value per row (labels, weights, offsets, cluster codes) in the form the design
        reads: here a NumPy array of ``dtype``."""
        return np.asarray(values, dtype=dtype)

    def group_codes(self, groups: Any) -> tuple[NDArray, int]:
        """The cluster labels ``groups`` (one per row, any hashable kind) as integer codes
        0 … G − 1 in the order the labels first appear, and G; refused unless one label per
        row, none missing, and at least two groups."""
        return group_codes(groups, self.n_samples)

    def row_chunks(self) -> list[slice]:
        """The ranges of rows a pass reads as one block: all rows at once in memory."""
        return [slice(0, self.n_samples)]

    def _kernel_rows(self) -> NDArray | None:
        """X as a C-ordered dense array the serial fused kernel reads, else None."""
        return None

    def pass_sums(
        self,
        request: PassRequest,
        y: NDArray | None,
        s: NDArray | None,
        offset: NDArray | None = None,
        codes: NDArray | None = None,
    ) -> dict[str, NDArray]:
        """The sums of one pass over the rows (:mod:`logitkit.backends.passes`): the
        objective's value, gradient, Hessian, meat, cluster scores and checks from θ, with the
        labels ``y``, weights ``s``, offsets and cluster ``codes`` of the rows. The in-memory
        designs evaluate themselves by their products instead; this gives the same numbers."""
        return block_sums(self, request, y, s, offset, codes, rows=self._kernel_rows())

    def split(self, coef: NDArray) -> tuple[float, NDArray]:
        """θ as (b, w); b = 0 without an intercept."""
        if self.fit_intercept:
            return float(coef[0]), coef[1:]
        return 0.0, coef

    def linear_predictor(self, coef: NDArray) -> NDArray:
        """z = b + X w in float64; for a matrix B = (b_k, w_k) of K′ columns, the n × K′ matrix
        X̃B = 1 bᵀ + XW.

        A float64 X is multiplied as it is; a float32 X is widened a block of rows at a time
        (:meth:`matvec_rows`), so products are exact to float64 rounding without a float64
        copy of X. Computed in float32 instead, J would carry a rounding noise (about 1e-9 on a
        few hundred rows) above the decreases a line search must tell apart near the optimum.
        """
        if coef.ndim == 2 or self.dtype != np.float64:
            return self.matvec_rows(coef)
        intercept, w = self.split(coef)
        z = np.asarray(self.X @ w)
        if intercept:
            z += intercept
        return z

    def rmatvec(self, r: NDArray) -> NDArray:
        """X̃ᵀ r = [Σ r, Xᵀ r] in float64; for an n × K′ matrix R, the p̃ × K′ matrix
        X̃ᵀR = [1ᵀR; XᵀR]. A float32 X is widened a block of rows at a time
        (:meth:`rmatvec_rows`), as in :meth:`linear_predictor`."""
        if r.ndim == 2 or self.dtype != np.float64:
            return self.rmatvec_rows(r)
        r = np.asarray(r, dtype=np.float64)
        return self._with_intercept_entry(np.asarray(self.X.T @ r, dtype=np.float64), r)

    def weighted_gram_product(self, d: NDArray, v: NDArray) -> NDArray:
        """X̃ᵀ diag(d) X̃ v = X̃ᵀ(d ⊙ X̃v) in float64, for one vector v (θ-shaped): a
        Hessian-vector product of two classes, with d = s ⊙ ŷ(1 − ŷ)."""
        return self.rmatvec(d * self.linear_predictor(v))

    def _with_intercept_block(self, gram: NDArray, d: NDArray) -> NDArray:
        if not self.fit_intercept:
            return gram
        xtd = self.rmatvec(d)
        out = np.empty((self.n_params, self.n_params))
        out[0, :] = xtd
        out[:, 0] = xtd
        out[1:, 1:] = gram
        return out

    def _with_intercept_entry(self, products: NDArray, d: NDArray) -> NDArray:
        """[Σ d; products]: the intercept's row of X̃ᵀd on top of that of X (d a vector or an
        n × K′ matrix), when it is fitted."""
        if self.fit_intercept:
            return np.concatenate((np.sum(d, axis=0, dtype=np.float64, keepdims=True), products))
        return products

    def row_quadratic_forms(self, matrix: NDArray) -> NDArray:
        """qᵢ = x̃ᵢᵀ M x̃ᵢ for every row, M = ``matrix`` (p̃ × p̃, symmetric), in float64: the
        diagonal of X̃ M X̃ᵀ without the n × n matrix (leverages, when M = (X̃ᵀWX̃)⁻¹)."""
        matrix = np.asarray(matrix, dtype=np.float64)
        start = int(self.fit_intercept)
        forms = []
        for _, block in self._float64_row_blocks(None):
            form = self._row_dots(block, np.asarray(block @ matrix[start:, start:]))
            if self.fit_intercept:
                form += matrix[0, 0] + 2.0 * np.asarray(block @ matrix[1:, 0]).ravel()
            forms.append(form)
        return np.concatenate(forms)

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

    def _row_count(self, rows: NDArray | None) -> int:
        """|R|: the number of rows ``rows`` selects, every row when None."""
        return self.n_samples if rows is None else len(rows)

    def matvec_rows(self, coef: NDArray, rows: NDArray | None = None) -> NDArray:
        """z_R = X̃_R θ = b + X_R w for the rows R = ``rows`` (indices, in their order; every
        row when None), in float64 whatever the dtype of X: a float32 X is converted one block
        of rows at a time, never whole. For a matrix B = (b_k, w_k) of K′ columns, the
        |R| × K′ matrix X̃_R B."""
        coef = np.asarray(coef, dtype=np.float64)
        start = int(self.fit_intercept)
        z = np.empty((self._row_count(rows), *coef.shape[1:]))
        for part, block in self._float64_row_blocks(rows):
            z[part] = block @ coef[start:]
        if self.fit_intercept:
            z += coef[0]
        return z

    def rmatvec_rows(self, r: NDArray, rows: NDArray | None = None) -> NDArray:
        """X̃_Rᵀ r = [Σ_{i∈R} rᵢ, X_Rᵀ r] for the rows R = ``rows`` (every row when None), r
        holding one value per row of R in R's order (or one row of K′ values: X̃_Rᵀ R is then
        p̃ × K′); accumulated in float64 by blocks of rows."""
        r = np.asarray(r, dtype=np.float64)
        total = np.zeros((self.n_features, *r.shape[1:]))
        for part, block in self._float64_row_blocks(rows):
            total += block.T @ r[part]
        return self._with_intercept_entry(total, r)

    def gram_rows(self, rows: NDArray | None = None) -> NDArray:
        """G = X̃_Rᵀ X̃_R = Σ_{i∈R} x̃ᵢ x̃ᵢᵀ over the rows R = ``rows`` (every row when None), in
        float64 whatever the dtype of X (for decisions of rank), accumulated by blocks of rows.

        The intercept's row and column hold |R| and the column sums Σ_{i∈R} xᵢ. BLAS runs on
        one thread, as in the weighted Gram of the dense design: on two loaded cores the
        product over a 50,000 × 100 X took 185 ms with two OpenBLAS threads and 50 ms with one.
        """
        one_block = self._row_count(rows) * self.n_features <= BLOCK_ELEMENTS
        with nullcontext() if one_block else single_blas_thread():
            gram, sums = self._block_gram(self._float64_row_blocks(rows))
        return self._bordered_gram(gram, sums, self._row_count(rows))

    def _block_gram(self, blocks: Iterator[tuple[slice, Any]]) -> tuple[NDArray, NDArray]:
        """(Σ XᵀX, Σ X's column sums) over float64 blocks of rows."""
        gram = np.zeros((self.n_features, self.n_features))
        sums = np.zeros(self.n_features)
        for _, block in blocks:
            gram += self._dense(block.T @ block)
            sums += self._column_totals(block)
        return gram, sums

    def _bordered_gram(self, gram: NDArray, sums: NDArray, count: int) -> NDArray:
        """X̃ᵀX̃ from XᵀX, X's column sums and the row count: the intercept's row and column
        border XᵀX when it is fitted."""
        if not self.fit_intercept:
            return gram
        out = np.empty((self.n_params, self.n_params))
        out[0, 0] = count
        out[0, 1:] = sums
        out[1:, 0] = sums
        out[1:, 1:] = gram
        return out

    def column_abs_max(self, rows: NDArray | None = None) -> NDArray:
        """cⱼ = max_{i∈R} |x̃ᵢⱼ| for every column j of X̃ over the rows R = ``rows`` (every row
        when None), in float64: the intercept's is 1, and every entry is 0 when R is empty."""
        top = np.zeros(self.n_features)
        for _, block in self._float64_row_blocks(rows, convert=False):
            np.maximum(top, self._abs_max(block), out=top)
        if self.fit_intercept:
            return np.concatenate(([float(self._row_count(rows) > 0)], top))
        return top

    def submatrix(
        self, rows: NDArray | None = None, columns: NDArray | None = None
    ) -> sp.csr_array:
        """X̃[R, K] as a float64 SciPy CSR array, the form sparse solvers (such as linear
        programs) take: the rows R = ``rows`` and the coefficient positions K = ``columns``,
        each in the order given and every one when None; position 0 is the intercept's column
        of ones when it is fitted. Built one block of rows at a time, so the cost is that of
        the result.
        """
        index = np.arange(self.n_params) if columns is None else np.asarray(columns, np.intp)
        features, position = self._features(index)
        parts = [sp.csr_array(block[:, features]) for _, block in self._float64_row_blocks(rows)]
        matrix = (
            sp.vstack(parts, format="csr")
            if parts
            else sp.csr_array((self._row_count(rows), features.size))
        )
        if features.size < index.size:
            matrix = sp.hstack([matrix, np.ones((matrix.shape[0], 1))], format="csr")
        return sp.csr_array(matrix[:, position])

    def group_sums(self, r: NDArray, groups: NDArray) -> NDArray:
        """U = A X̃, the G × p̃ sums u_g = Σ_{i: gᵢ = g} rᵢ x̃ᵢ for the groups g = 0, …, G − 1
        (``groups`` holds each row's integer code gᵢ, G = max gᵢ + 1), in float64; the first
        column is Σ_{i: gᵢ = g} rᵢ when the intercept is fitted.

        A is the sparse G × n indicator matrix weighted by r, Aₘᵢ = rᵢ [gᵢ = m]: one pass over
        X, a block of rows at a time, with no n × p temporary.
        """
        r = np.asarray(r, dtype=np.float64)
        codes = np.asarray(groups, dtype=np.intp)
        n_groups = int(codes.max()) + 1 if codes.size else 0
        sums = np.zeros((n_groups, self.n_features))
        for part, block in self._float64_row_blocks(None):
            indicator = sp.csr_array(
                (r[part], (codes[part], np.arange(block.shape[0]))),
                shape=(n_groups, block.shape[0]),
            )
            sums += self._dense(indicator @ block)
        if self.fit_intercept:
            return np.column_stack((np.bincount(codes, weights=r, minlength=n_groups), sums))
        return sums


def group_codes(groups: Any, n_samples: int) -> tuple[NDArray, int]:
    """Integer codes 0..G−1 of the cluster labels and G, checked: one per sample, no NaN,
    G ≥ 2."""
    labels = groups.to_numpy() if isinstance(groups, pd.Series | pd.Index) else np.asarray(groups)
    if labels.ndim != 1:
        raise ValueError(f"groups must be one label per sample; got shape {labels.shape}")
    if labels.size != n_samples:
        raise ValueError(
            f"groups has {labels.size} labels but there are {n_samples} samples; "
            "give one cluster label per row"
        )
    check_group_labels(labels)
    codes, uniques = pd.factorize(labels)
    check_group_count(uniques)
    return codes.astype(np.intp), len(uniques)


def check_group_labels(labels: NDArray) -> None:
    """Refuse missing (NaN, None) cluster labels, counting them."""
    missing = pd.isna(labels)
    if np.any(missing):
        raise ValueError(
            f"groups has {int(np.sum(missing))} missing (NaN/None) labels; "
            "every row needs a cluster"
        )


def check_group_count(uniques: Any) -> None:
    """Refuse fewer than two clusters, naming the one found."""
    if len(uniques) < 2:
        if len(uniques):
            label = uniques[0].item() if hasattr(uniques[0], "item") else uniques[0]
            found = f"one group, {label!r}"
        else:
            found = "no rows"
        raise ValueError(f"cluster-robust standard errors need at least two groups; got {found}")
