"""The dense backend: a NumPy X, float32 or float64, used in place."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import cached_property
from typing import TYPE_CHECKING, TypeVar

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from . import base, fused
from .base import DesignBase, single_blas_thread
from .fused import (
    FusedSums,
    KernelDatafit,
    fused_gram,
    fused_sums,
    fused_value_gradient,
    small_sums,
)

if TYPE_CHECKING:
    from ._columns import ColumnSummaries

_Sums = TypeVar("_Sums")
"""What a product over some rows gives (:meth:`DenseDesign._on_halves`)."""

MOSTLY_ZERO_DENSITY = 0.1
"""A large dense X with at most this share of nonzero entries is fitted through a CSR copy
(:meth:`DenseDesign.mostly_zero_copy`): its products then cost per stored entry, and the copy
(12 bytes an entry, at most 0.15 × X for float64) stays within a fit's memory goal. On
one-hot data (500,000 × 129, 7 nonzero entries a row, density 0.054) the fit took 0.5 s
through the copy against 1.1 s on the dense X, with the same cost."""


class DenseDesign(DesignBase):
    """A dense NumPy X (float32 or float64), used in place.

    A strided sample of its rows is a view (``samples_rows_cheaply``), and a C-ordered X of at
    least ``FUSED_MIN_ENTRIES`` entries is read by one fused pass for the cost and gradient.
    """

    samples_rows_cheaply = True
    prefers_hessian_products = False

    def fused_value_gradient(
        self, datafit: KernelDatafit, coef: NDArray, y: NDArray, s: NDArray, offset: NDArray | None
    ) -> tuple[float, NDArray, NDArray | None] | None:
        """(Σ sᵢLᵢ, its gradient in θ, the logits Z: n values for two classes, None for the
        softmax, whose n × K logits are not kept) in one pass over X, or None where the fused
        pass does not apply: an X that is not C-ordered or has fewer than
        ``FUSED_MIN_ENTRIES`` entries (:mod:`logitkit.backends.fused`), or a softmax with an
        offset, which the multinomial kernel does not add."""
        if not self.fuses(datafit) or (offset is not None and datafit.kernel != "bernoulli"):
            return None
        return fused_value_gradient(self.X, datafit, coef, self.fit_intercept, y, s, offset)

    def fuses(self, datafit: KernelDatafit) -> bool:
        """Whether :meth:`fused_value_gradient` runs: X is C-ordered with at least
        ``FUSED_MIN_ENTRIES`` entries."""
        return bool(self.X.flags.c_contiguous) and self.X.size >= fused.FUSED_MIN_ENTRIES

    def gram_fuses(self, datafit: KernelDatafit) -> bool:
        """Whether :meth:`fused_sums` runs: the datafit has two classes, there are at most
        ``FUSED_GRAM_MAX_PARAMS`` coefficients, and either the fused pass applies or X is
        small (fewer than ``FUSED_MIN_ENTRIES`` entries: summed by the compiled pass when
        C-ordered, else by NumPy)."""
        return (
            datafit.kernel == "bernoulli"
            and self.n_params <= fused.FUSED_GRAM_MAX_PARAMS
            and (self.fuses(datafit) or self.X.size < fused.FUSED_MIN_ENTRIES)
        )

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
        """The cost, gradient and (when asked for) Hessian and meat of a two-class fit in one
        pass over a C-ordered X (:func:`logitkit.backends.fused.fused_sums`), or over a
        Fortran-ordered X of fewer than ``FUSED_MIN_ENTRIES`` entries by NumPy
        (:func:`logitkit.backends.fused.small_sums`), or None where :meth:`gram_fuses` says
        neither applies.

        The compiled pass sums an X of at most 2,048 rows on the calling thread. Per
        evaluation with the Hessian, against NumPy's whole-array products: 12 against 46 µs at
        200 × 5, 83 against 159 µs at 2,000 × 10; whole fits took 0.99 instead of 1.21 ms at
        200 × 5, at the price of loading Numba (about 0.1–0.4 s) on a process's first fit."""
        if not self.gram_fuses(datafit):
            return None
        if not self.X.flags.c_contiguous:
            return small_sums(
                self._float64_tilde, coef, y, s, offset, hessian=hessian, score_outer=score_outer
            )
        return fused_sums(
            self.X, coef, self.fit_intercept, y, s, offset, hessian=hessian, score_outer=score_outer
        )

    @cached_property
    def _float64_tilde(self) -> NDArray:
        """X̃ = [1 X] (X alone without an intercept) in float64, made once for the small
        NumPy sums (an X of fewer than ``FUSED_MIN_ENTRIES`` entries: at most 8 MiB)."""
        tilde = np.empty((self.n_samples, self.n_params))
        tilde[:, int(self.fit_intercept) :] = self.X
        if self.fit_intercept:
            tilde[:, 0] = 1.0
        return tilde

    def fused_gram(self) -> NDArray | None:
        """X̃ᵀX̃ over every row by one parallel pass (float64 sums, a float32 X read as it is),
        or None unless X is C-ordered with at least ``FUSED_MIN_ENTRIES`` entries and at most
        ``FUSED_GRAM_MAX_PARAMS`` coefficients, where :meth:`gram_rows` (BLAS) is left to run."""
        if not self._compiles_columns() or self.n_params > fused.FUSED_GRAM_MAX_PARAMS:
            return None
        return fused_gram(self.X, self.fit_intercept)

    def _kernel_rows(self) -> NDArray | None:
        """X itself when C-ordered: the serial fused kernel reads it in place."""
        return self.X if self.X.flags.c_contiguous else None

    def compiled_rows(self) -> tuple[str, tuple[NDArray, ...]]:
        """("dense", (X,)): the arrays a compiled row-by-row kernel reads."""
        return "dense", (self.X,)

    @staticmethod
    def _row_dots(block: NDArray, other: NDArray) -> NDArray:
        return np.einsum("ij,ij->i", block, other)

    def _block_rows(self) -> int:
        """Rows per block: about 2¹⁸ entries, so temporaries stay small and BLAS stays busy."""
        return max(256, base.BLOCK_ELEMENTS // max(self.n_features, 1))

    def weighted_gram(self, d: NDArray) -> NDArray:
        """X̃ᵀ diag(d) X̃, accumulated over blocks of rows so no n×p temporary is made: the
        subset of every position (:meth:`weighted_gram_subset`).

        An X of one block is multiplied as it is, with the same products in the same order:
        (√d ⊙ X)ᵀ(√d ⊙ X) for d ≥ 0, else (d ⊙ X)ᵀX, bordered by Σ dᵢxᵢⱼ and Σ dᵢ for the
        intercept, without the column bookkeeping of a subset.
        """
        width = self.n_features
        if self.n_samples > max(256, base.BLOCK_ELEMENTS // max(2 * width, 1)):
            return self.weighted_gram_subset(d, np.arange(self.n_params))
        weights = d.astype(self.dtype)
        if np.all(d >= 0.0):
            scaled = self.X * np.sqrt(weights)[:, None]
            gram = scaled.T @ scaled
        else:
            gram = (self.X * weights[:, None]).T @ self.X
        if not self.fit_intercept:
            return gram.astype(np.float64)
        column_d = weights @ self.X
        extended = np.empty((width + 1, width + 1))
        extended[1:, 1:] = gram
        extended[0, 1:] = column_d
        extended[1:, 0] = column_d
        extended[0, 0] = np.sum(d, dtype=np.float64)
        return extended

    def take(self, rows: NDArray | slice) -> DenseDesign:
        """The design restricted to ``rows`` (a view of X for a slice, a copy for indices)."""
        return DenseDesign(self.X[rows], self.fit_intercept)

    def _splits_rows(self) -> bool:
        """Whether a Gram matrix over every row splits them into two halves summed in two
        threads (:meth:`gram_rows`, :meth:`_weighted_gram_columns`): for an X of at least
        ``FUSED_MIN_ENTRIES`` entries, C-ordered or not (a sampled Hessian and the overlap
        certificate read a strided view of X)."""
        return self.X.size >= fused.FUSED_MIN_ENTRIES

    def _compiles_columns(self) -> bool:
        """Whether the per-column reductions run compiled (:func:`compiles_columns`)."""
        return compiles_columns(self.X)

    def column_abs_max(self, rows: NDArray | None = None) -> NDArray:
        """cⱼ = max_{i∈R} |x̃ᵢⱼ| (:meth:`DesignBase.column_abs_max`), NaN for a column holding
        a NaN or an infinity; over every row of a C-ordered X, compiled: for a large X from the
        parallel pass of :attr:`_column_summaries`, for a smaller one from the serial
        :func:`._chunk_kernels.column_sums` (one read of X, where NumPy's maximum and minimum
        over the rows of 2,000 × 10 took 75 µs each)."""
        if rows is not None or not self.X.flags.c_contiguous or self.X.size == 0:
            return super().column_abs_max(rows)
        if self._compiles_columns():
            top = self._column_summaries.maxima
        else:
            from ._chunk_kernels import column_sums

            empty = np.zeros(0)
            maxima, probe, _, _ = column_sums(self.X, np.zeros(0, dtype=np.intp), empty, 0, empty)
            top = maxima + probe
        if self.fit_intercept:
            return np.concatenate(([float(self.n_samples > 0)], top))
        return top

    def gram_rows(self, rows: NDArray | None = None) -> NDArray:
        """G = X̃_Rᵀ X̃_R (:meth:`DesignBase.gram_rows`); over every row of a large X (at least
        the fused pass's size, :meth:`_splits_rows`), the two halves of its rows in two threads,
        each with one BLAS thread, and their sums added: always two halves, so the result does
        not depend on the cores. Rows R in a regular stride (a sample of every k-th row) are
        read through a view of X, not gathered, and split as X would be.
        """
        if rows is not None:
            rows = np.asarray(rows, dtype=np.intp)
            steps = np.diff(rows)
            if rows.size > 1 and steps[0] > 0 and np.all(steps == steps[0]):
                return self.take(slice(rows[0], rows[-1] + 1, steps[0])).gram_rows()
            return super().gram_rows(rows)
        if not self._splits_rows():
            return super().gram_rows(rows)
        (first, first_sums), (second, second_sums) = self._on_halves(self._half_gram)
        return self._bordered_gram(first + second, first_sums + second_sums, self.n_samples)

    def _on_halves(self, sums: Callable[[slice], _Sums]) -> tuple[_Sums, _Sums]:
        """``sums`` of the first and of the second half of the rows, each in a thread of its
        own with one BLAS thread (:meth:`_splits_rows`): always two halves, whatever the
        cores, so that adding the two gives the same bits everywhere."""
        middle = self.n_samples // 2
        halves = (slice(0, middle), slice(middle, self.n_samples))
        with single_blas_thread(), ThreadPoolExecutor(2) as pool:
            first, second = pool.map(sums, halves)
        return first, second

    def _half_gram(self, half: slice) -> tuple[NDArray, NDArray]:
        """(XᵀX, X's column sums) over the rows ``half``, a float64 block at a time. A block
        has half the rows of one of :meth:`_block_rows`, so that the two halves' converted
        blocks together take what one did, and at least p rows, so that adding its p × p
        product costs little beside forming it: on a sample of 10,000 rows of 2,000 columns,
        blocks of 256 rows took twice as long as blocks of 2,000."""
        X = self.X[half]
        step = max(self._block_rows() // 2, self.n_features)
        blocks = (
            (slice(start, start + step), X[start : start + step].astype(np.float64, copy=False))
            for start in range(0, X.shape[0], step)
        )
        return self._block_gram(blocks)

    def weighted_column_sq_norms(self, d: NDArray) -> NDArray:
        """Σᵢ dᵢ x̃ᵢⱼ² for every column j: the diagonal of X̃ᵀ diag(d) X̃, by blocks of rows, or
        in one compiled pass on all threads for a large C-ordered X. For a large X and unit
        weights the pass is made once: a fit's aliasing check and its stochastic step size both
        ask for Σᵢ x̃ᵢⱼ²."""
        if self._compiles_columns():
            if d[0] == 1.0 and np.all(d == 1.0):
                return self._unit_column_sq_norms.copy()
            from ._columns import weighted_column_squares

            return self._with_intercept_entry(weighted_column_squares(self.X, d), d)
        X = self.X
        norms = np.zeros(self.n_features)
        rows = self._block_rows()
        for start in range(0, self.n_samples, rows):
            block = X[start : start + rows]
            norms += np.square(block).T @ d[start : start + rows].astype(self.dtype)
        return self._with_intercept_entry(norms, d)

    @cached_property
    def _unit_column_sq_norms(self) -> NDArray:
        """Σᵢ x̃ᵢⱼ² for every column j, from the compiled pass of :attr:`_column_summaries`."""
        return self._with_intercept_entry(self._column_summaries.squares, np.ones(self.n_samples))

    @cached_property
    def _column_summaries(self) -> ColumnSummaries:
        """maxᵢ |xᵢⱼ| and Σᵢ xᵢⱼ² for every column j and each row's count of nonzero entries,
        of a large C-ordered X, from one compiled read of X: every fit's input check asks for
        the maxima, an unpenalised fit's aliasing bound and a stochastic fit's step size for the
        squares, and :meth:`mostly_zero_copy` for the counts."""
        from ._columns import column_summaries

        return column_summaries(self.X)

    def mostly_zero_copy(self) -> sp.csr_matrix | None:
        """A CSR copy of X (canonical, in X's dtype) when X is large and C-ordered (its column
        pass compiled) and at most ``MOSTLY_ZERO_DENSITY`` of its entries are nonzero, else
        None. The counts come from the column pass the input check has made, so deciding costs
        no read of X, and the copy one parallel pass."""
        if not self._compiles_columns() or self.X.size == 0:
            return None
        counts = self._column_summaries.row_nonzeros
        if np.sum(counts) > MOSTLY_ZERO_DENSITY * self.X.size:
            return None
        from ._columns import csr_copy

        return csr_copy(self.X, counts)

    def _row_sq_norms(self) -> NDArray:
        return np.einsum("ij,ij->i", self.X, self.X, dtype=np.float64)

    def _weighted_gram_columns(
        self, d: NDArray, left: NDArray, right: NDArray | None
    ) -> tuple[NDArray, NDArray, NDArray]:
        """X_Lᵀ diag(d) X_R, X_Lᵀ d and X_Rᵀ d over the columns L and R (R = L when None),
        gathered one block of rows at a time (all columns in their order without a gather).

        BLAS runs on one thread here: a product of one 2 MiB block is too small for threads to
        gain more than their synchronisation costs, and on a busy machine they lose far more.
        An X of at least the fused pass's size (:meth:`_splits_rows`; a strided sample of rows
        too) is split into two halves of its rows, summed in two threads and then added: always
        two halves, so the result does not depend on the cores (the Hessian of 100,000 × 100
        took 60 ms on one thread). An X of one block is left to BLAS as it is: switching the
        threads off and on again would cost more than its product.
        """
        rows = max(
            256, base.BLOCK_ELEMENTS // max(left.size + (left if right is None else right).size, 1)
        )
        if self.n_samples <= rows:
            return self._rows_weighted_gram(slice(0, self.n_samples), rows, d, left, right)
        if not self._splits_rows():
            with single_blas_thread():
                return self._rows_weighted_gram(slice(0, self.n_samples), rows, d, left, right)
        first, second = self._on_halves(
            lambda half: self._rows_weighted_gram(half, rows, d, left, right)
        )
        gram, left_d, right_d = (a + b for a, b in zip(first, second, strict=True))
        return gram, left_d, left_d if right is None else right_d

    def _rows_weighted_gram(
        self, part: slice, rows: int, d: NDArray, left: NDArray, right: NDArray | None
    ) -> tuple[NDArray, NDArray, NDArray]:
        """:meth:`_weighted_gram_columns` over the rows ``part``, ``rows`` of them at a time.

        Each block's scaled rows (√d ⊙ X_L, or d ⊙ X_L) and its product go into buffers made
        once, not new arrays per block: a fresh 1 MiB array is mapped and faulted in page by
        page, which on 100,000 × 100 took as long as the products. The products are NumPy's
        (a symmetric rank-k update for K = L and d ≥ 0), which release the GIL, so that two
        halves run at once; SciPy's ``dsyrk`` wrapper holds it.
        """
        symmetric = right is None
        right_columns = left if right is None else right
        square_root = symmetric and bool(np.all(d >= 0.0))
        gram = np.zeros((left.size, right_columns.size))
        left_d, right_d = np.zeros(left.size), np.zeros(right_columns.size)
        scaled = np.empty((min(rows, part.stop - part.start), left.size), dtype=self.dtype)
        product = np.empty(gram.shape, dtype=self.dtype)
        for start in range(part.start, part.stop, rows):
            stop = min(start + rows, part.stop)
            weights = d[start:stop].astype(self.dtype)
            left_block = self._gather(self.X[start:stop], left)
            block = scaled[: stop - start]
            factor = np.sqrt(weights) if square_root else weights
            np.multiply(left_block, factor[:, None], out=block)
            if square_root:
                np.matmul(block.T, block, out=product)
            else:
                right_block = self._gather(self.X[start:stop], right_columns)
                np.matmul(block.T, right_block, out=product)
                right_d += weights @ right_block
            gram += product
            left_d += weights @ left_block
        return gram, left_d, left_d if symmetric else right_d

    def _gather(self, block: NDArray, features: NDArray) -> NDArray:
        """The columns ``features`` of a block of rows; all of them in order need no copy."""
        if features.size == self.n_features and np.array_equal(
            features, np.arange(self.n_features)
        ):
            return block
        return np.take(block, features, axis=1)

    def _float64_row_blocks(
        self, rows: NDArray | None, convert: bool = True
    ) -> Iterator[tuple[slice, NDArray]]:
        """The rows R = ``rows`` of X (every row when None) in float64 (in the dtype of X when
        not ``convert``), a block of about 2¹⁸ entries at a time, with the block's positions in
        R: views of X when no conversion is needed and R is every row, else one gathered or
        converted block at a time."""
        size = self._row_count(rows)
        index = None if rows is None else np.asarray(rows, dtype=np.intp)
        step = self._block_rows()
        for start in range(0, size, step):
            part = slice(start, min(start + step, size))
            block = self.X[part] if index is None else self.X[index[part]]
            yield part, block.astype(np.float64, copy=False) if convert else block

    @staticmethod
    def _dense(product: NDArray) -> NDArray:
        """A product of a dense block, already a dense array."""
        return np.asarray(product)

    @staticmethod
    def _abs_max(block: NDArray) -> NDArray:
        """maxᵢ |xᵢⱼ| over the rows of a block, without an |X| temporary."""
        return np.maximum(np.max(block, axis=0, initial=0.0), -np.min(block, axis=0, initial=0.0))

    @staticmethod
    def _column_totals(block: NDArray) -> NDArray:
        """Σᵢ xᵢⱼ as 1ᵀX_B, one BLAS product (70 µs on 8,738 × 30 against 300 µs for NumPy's
        sum over the rows of a C-ordered block)."""
        return np.ones(block.shape[0]) @ block


def compiles_columns(X: NDArray) -> bool:
    """Whether the per-column reductions of the dense X run compiled
    (:mod:`logitkit.backends._columns`): for a C-ordered X as large as the fused pass's, for
    which Numba is loaded anyway."""
    return bool(X.flags.c_contiguous) and X.size >= fused.FUSED_MIN_ENTRIES
