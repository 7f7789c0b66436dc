"""The softmax objective's sums over the rows of an in-memory design, a block of rows at a time.

With B = (b_k, w_k) the p̃ × K′ modelled coefficients, Z the n × K logits of X̃B (+ O), P the
probabilities softmax(Z) and r = ∂L/∂η = P − Y over the modelled classes (Y the one-hot labels,
never formed: the labels are the class codes yᵢ), the cost and its derivatives are sums over the
rows:

    value         Σᵢ sᵢ Lᵢ,  Lᵢ = logsumexp(zᵢ) − zᵢ,yᵢ
    gradient      X̃ᵀ(s ⊙ r)
    Hessian       blocks (k, m), k ≤ m: X̃ᵀ diag(s ⊙ P_k(δ_km − P_m)) X̃
    diagonal      Σᵢ sᵢ P_ik(1 − P_ik) x̃ᵢⱼ²
    product       X̃ᵀ(s ⊙ P ⊙ (U − (P·U)1ᵀ)),  U = X̃V
    meat          blocks (k, m), k ≤ m: X̃ᵀ diag(s ⊙ r_k r_m) X̃
    cluster sums  u_g = Σ_{i: gᵢ = g} −sᵢ rᵢ ⊗ x̃ᵢ

:class:`SoftmaxRows` computes each one block of rows at a time (:func:`block_rows` rows), so
that Z, P, r and U exist for one block only, never as n × K arrays: the memory a softmax
evaluation needs beyond X and its n-vectors (labels, weights) does not grow with n. The
blocks are fixed by n, p̃ and K, and their sums are added in block order, so the result does
not depend on the number of threads. Data of one block are evaluated as a whole, with the
operations of the whole-array formulas.

Over several blocks BLAS runs on one thread: a block's products (a few thousand rows by p̃ and
K′ columns) are too small for threads to gain more than their synchronisation costs, and on a
busy machine each wakes threads that wait for a core: with two OpenBLAS threads on two cores
under a load average of 7, a 1,638 × 20 by 20 × 20 product took 24 ms, and ten Hessian-vector
products over 100,000 × 20 rows, K = 10, 15–18 s against 2–3 s with one thread.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ..backends.base import BLOCK_ELEMENTS, single_blas_thread
from ..backends.design import Design
from .datafits import Multinomial
from .layout import coef_matrix

BLOCK_ENTRIES = 1 << 14
"""A block's n_b × K arrays (logits, probabilities, residuals) hold about this many entries
(128 KiB of float64)."""

Sums = tuple[int, int, NDArray]


def block_rows(n_params: int, n_classes: int) -> int:
    """Rows per block: n_b K ≤ :data:`BLOCK_ENTRIES` and n_b p̃ ≤ 2¹⁸ (the products' row
    blocks), but at least 256 rows, so that each block keeps BLAS busy."""
    return max(256, min(BLOCK_ELEMENTS // max(n_params, 1), BLOCK_ENTRIES // n_classes))


@dataclass(frozen=True)
class Block:
    """The rows ``rows`` of one block: their design, labels, weights and logits Z (n_b × K);
    U = X̃V (n_b × K′) when a direction V was given."""

    rows: slice
    design: Design
    y: NDArray
    s: NDArray
    z: NDArray
    u: NDArray | None = None


class SoftmaxRows:
    """The sums of the softmax objective (see the module docstring) over ``design``'s rows with
    labels ``y`` (codes 0 … K − 1), weights ``s`` and an optional n × K′ ``offset``, one block
    of rows at a time."""

    def __init__(
        self,
        design: Design,
        datafit: Multinomial,
        y: NDArray,
        s: NDArray,
        offset: NDArray | None = None,
    ) -> None:
        self.design = design
        self.datafit = datafit
        self.y = y
        self.s = s
        self.offset = offset
        self.rows = block_rows(design.n_params, datafit.n_classes)

    @property
    def one_block(self) -> bool:
        """Whether every row fits in one block (the design is then read as a whole)."""
        return self.design.n_samples <= self.rows

    def _blas(self) -> AbstractContextManager[object]:
        """One BLAS thread while the blocks are read, unless every row is in one block."""
        if self.one_block:
            return nullcontext()
        return single_blas_thread()

    def blocks(self, coef: NDArray, direction: NDArray | None = None) -> Iterator[Block]:
        """The blocks in order, with their logits at θ = ``coef`` and, for a ``direction`` V,
        U = X̃V (both from one product X̃[B, V])."""
        width = self.design.n_params
        matrix = coef_matrix(np.asarray(coef, dtype=np.float64), width)
        n_outputs = matrix.shape[1]
        if direction is not None:
            matrix = np.hstack((matrix, coef_matrix(np.asarray(direction, np.float64), width)))
        n = self.design.n_samples
        for start in range(0, n, self.rows):
            part = slice(start, min(start + self.rows, n))
            design = self.design if self.one_block else self.design.take(part)
            product = np.asarray(design.linear_predictor(matrix), dtype=np.float64)
            eta = product[:, :n_outputs]
            if self.offset is not None:
                eta = eta + self.offset[part]
            u = None if direction is None else product[:, n_outputs:]
            yield Block(part, design, self.y[part], self.s[part], self.datafit.logits(eta), u)

    def value(self, coef: NDArray) -> float:
        """Σᵢ sᵢ Lᵢ at θ."""
        total = 0.0
        with self._blas():
            for block in self.blocks(coef):
                loss, _ = self.datafit.loss_and_gradient(block.y, block.z)
                total += float(np.dot(block.s, loss))
        return total

    def value_gradient(self, coef: NDArray) -> tuple[float, NDArray]:
        """(Σᵢ sᵢ Lᵢ, X̃ᵀ(s ⊙ r) laid out as θ) at θ."""
        total = 0.0
        gradient = np.zeros((self.design.n_params, self.datafit.n_outputs))
        with self._blas():
            for block in self.blocks(coef):
                loss, derivative = self.datafit.loss_and_gradient(block.y, block.z)
                total += float(np.dot(block.s, loss))
                gradient += block.design.rmatvec(block.s[:, None] * derivative)
        return total, gradient.ravel(order="F")

    def hessian(self, coef: NDArray, diagonal_blocks: bool = False) -> list[Sums]:
        """The Hessian's blocks (k, m, X̃ᵀ diag(s ⊙ P_k(δ_km − P_m)) X̃) for k ≤ m at θ, or for
        k = m only (``diagonal_blocks``)."""
        sums: dict[tuple[int, int], NDArray] = {}
        with self._blas():
            for block in self.blocks(coef):
                factors = self.datafit.hessian_factors(block.z)
                if diagonal_blocks:
                    weights = enumerate(self.datafit.hessian_diagonals(factors))
                    pairs: Iterator[Sums] = ((k, k, d) for k, d in weights)
                else:
                    pairs = self.datafit.hessian_blocks(factors)
                for k, m, d in pairs:
                    _accumulate(sums, (k, m), block.design.weighted_gram(block.s * d))
        return [(k, m, total) for (k, m), total in sums.items()]

    def hessian_diagonal(self, coef: NDArray) -> NDArray:
        """diag of the Hessian at θ, laid out as θ: Σᵢ sᵢ P_ik(1 − P_ik) x̃ᵢⱼ² for every output
        k and column j."""
        total = np.zeros(self.design.n_params * self.datafit.n_outputs)
        with self._blas():
            for block in self.blocks(coef):
                factors = self.datafit.hessian_factors(block.z)
                total += np.concatenate(
                    [
                        block.design.weighted_column_sq_norms(block.s * d)
                        for d in self.datafit.hessian_diagonals(factors)
                    ]
                )
        return total

    def hessian_product(self, coef: NDArray) -> Callable[[NDArray], NDArray]:
        """V ↦ X̃ᵀ(s ⊙ P ⊙ (U − (P·U)1ᵀ)), U = X̃V, the Hessian at θ applied to a θ-shaped V.

        Each product reads the rows again and recomputes P block by block, so nothing of size
        n × K is kept between products; data of one block keep their P (at most
        :data:`BLOCK_ENTRIES` entries) and read X once per product, as the whole-array form.
        """
        width, n_outputs = self.design.n_params, self.datafit.n_outputs
        if self.one_block:
            design, s = self.design, self.s
            factors = self.datafit.hessian_factors(next(self.blocks(coef)).z)

            def whole(v: NDArray) -> NDArray:
                u = design.linear_predictor(coef_matrix(v, width))
                curved = self.datafit.hessian_product(factors, u)
                return design.rmatvec(s[:, None] * curved).ravel(order="F")

            return whole

        def blockwise(v: NDArray) -> NDArray:
            total = np.zeros((width, n_outputs))
            with self._blas():
                for block in self.blocks(coef, v):
                    assert block.u is not None
                    factors = self.datafit.hessian_factors(block.z)
                    curved = self.datafit.hessian_product(factors, block.u)
                    total += block.design.rmatvec(block.s[:, None] * curved)
            return total.ravel(order="F")

        return blockwise

    def score_outer(self, coef: NDArray) -> list[Sums]:
        """The meat's blocks (k, m, X̃ᵀ diag(s ⊙ r_k r_m) X̃) for k ≤ m at θ."""
        sums: dict[tuple[int, int], NDArray] = {}
        with self._blas():
            for block in self.blocks(coef):
                _, columns = self.datafit.loss_and_gradient(block.y, block.z)
                for k in range(columns.shape[1]):
                    for m in range(k, columns.shape[1]):
                        weights = block.s * columns[:, k] * columns[:, m]
                        _accumulate(sums, (k, m), block.design.weighted_gram(weights))
        return [(k, m, total) for (k, m), total in sums.items()]

    def cluster_scores(self, coef: NDArray, codes: NDArray, n_groups: int) -> NDArray:
        """The G × len(θ) sums u_g = Σ_{i: gᵢ = g} −sᵢ rᵢ ⊗ x̃ᵢ at θ for the cluster codes gᵢ
        (``codes``, G = ``n_groups``), laid out output by output as θ is."""
        sums = np.zeros((self.datafit.n_outputs, n_groups, self.design.n_params))
        with self._blas():
            for block in self.blocks(coef):
                _, residual = self.datafit.loss_and_gradient(block.y, block.z)
                weighted = -block.s[:, None] * residual
                for k in range(weighted.shape[1]):
                    group_sums = block.design.group_sums(weighted[:, k], codes[block.rows])
                    sums[k, : group_sums.shape[0]] += group_sums
        return np.hstack(list(sums))


def _accumulate(sums: dict[tuple[int, int], NDArray], key: tuple[int, int], value: NDArray) -> None:
    """sums[key] += value, the first value kept as it is."""
    if key in sums:
        sums[key] += value
    else:
        sums[key] = value
