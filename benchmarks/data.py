"""The problems' data: the Data container and the seeded generators of X and y."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from scipy.special import expit


@dataclass
class Data:
    """One generated problem: X (dense C-ordered float64 or CSR), labels y (0/1, or 0 … K − 1
    for the multinomial problem), penalty α, ρ.

    ``alphas`` is the decreasing grid of a path problem (None for a single fit at α).
    """

    X: NDArray | sp.csr_matrix
    y: NDArray
    alpha: float
    l1_ratio: float = 0.0
    alphas: NDArray | None = None

    @property
    def n(self) -> int:
        return self.X.shape[0]

    @property
    def p(self) -> int:
        return self.X.shape[1]

    @property
    def dense(self) -> bool:
        return not sp.issparse(self.X)

    @property
    def nbytes(self) -> int:
        """Bytes held by X (data, indices and row pointers for CSR)."""
        if self.dense:
            return self.X.nbytes
        return self.X.data.nbytes + self.X.indices.nbytes + self.X.indptr.nbytes


def _labels(rng: np.random.Generator, z: NDArray) -> NDArray:
    """y ~ Bernoulli(σ(z)), as float64 0/1."""
    return (rng.random(z.shape[0]) < expit(z)).astype(np.float64)


def _scaled_logits(X, beta: NDArray, intercept: float, spread: float) -> NDArray:
    """z = b + c·(Xβ − mean(Xβ)), c such that the standard deviation of z is ``spread``."""
    z = np.asarray(X @ beta).ravel()
    return intercept + (z - z.mean()) * (spread / z.std())


def standard_normal(n: int, p: int, seed: int) -> tuple[NDArray, NDArray]:
    """X with independent N(0, 1) entries; z = −0.5 + c·Xβ with β ~ N(0, 1), sd(z) = 2."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    beta = rng.standard_normal(p)
    return X, _labels(rng, _scaled_logits(X, beta, -0.5, 2.0))


def ill_conditioned(n: int, p: int, seed: int) -> tuple[NDArray, NDArray]:
    """Column scales 1e-3 … 1e3, correlated groups, shifted means and 10% rare 0/1 indicators.

    90% of the columns are continuous, in groups of 10 that share a latent factor (pairwise
    correlation 0.95 within a group), each column then shifted by up to ±2 of its scale and
    multiplied by its scale sⱼ (log-spaced from 1e-3 to 1e3, shuffled over the columns).
    The other 10% are indicators with prevalences log-spaced from 0.5% to 5%. The true
    coefficients are N(0, 1) on the standardised columns, so the ones on small-scale columns
    are large; sd(z) = 2 and the intercept −1.
    """
    rng = np.random.default_rng(seed)
    n_indicators = max(1, p // 10)
    n_continuous = p - n_indicators
    group = np.arange(n_continuous) // 10
    factors = rng.standard_normal((n, int(group.max()) + 1))
    X = np.empty((n, p))
    X[:, :n_continuous] = np.sqrt(0.95) * factors[:, group]
    X[:, :n_continuous] += np.sqrt(0.05) * rng.standard_normal((n, n_continuous))
    X[:, :n_continuous] += rng.uniform(-2.0, 2.0, n_continuous)
    scales = rng.permutation(np.logspace(-3.0, 3.0, n_continuous))
    X[:, :n_continuous] *= scales
    prevalence = np.logspace(np.log10(0.005), np.log10(0.05), n_indicators)
    X[:, n_continuous:] = rng.random((n, n_indicators)) < prevalence
    beta = rng.standard_normal(p)
    beta[:n_continuous] /= scales
    beta[n_continuous:] /= np.sqrt(prevalence * (1.0 - prevalence))
    return X, _labels(rng, _scaled_logits(X, beta, -1.0, 2.0))


def sparse_truth(n: int, p: int, seed: int) -> tuple[NDArray, NDArray]:
    """X with independent N(0, 1) entries; β with 5% of its entries N(0, 1), the rest 0;
    z = −0.5 + c·Xβ with sd(z) = 2."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    beta = np.zeros(p)
    support = rng.choice(p, max(1, p // 20), replace=False)
    beta[support] = rng.standard_normal(support.size)
    return X, _labels(rng, _scaled_logits(X, beta, -0.5, 2.0))


def sparse_wide(n: int, p: int, seed: int, nnz_per_row: int = 50) -> tuple[sp.csr_matrix, NDArray]:
    """CSR X with ``nnz_per_row`` N(0, 1) entries per row in uniformly drawn columns.

    At p = 50,000 the default 50 per row is a density of 0.001; a smaller p keeps 50 per row
    (up to p). Duplicate draws are summed, so a few rows hold one entry less.
    """
    rng = np.random.default_rng(seed)
    per_row = min(nnz_per_row, p)
    indices = rng.integers(0, p, size=n * per_row)
    data = rng.standard_normal(n * per_row)
    rows = np.repeat(np.arange(n), per_row)
    X = sp.csr_matrix((data, (rows, indices)), shape=(n, p))
    X.sum_duplicates()
    X.sort_indices()
    beta = rng.standard_normal(p)
    return X, _labels(rng, _scaled_logits(X, beta, 0.0, 2.0))


N_CLASSES = 10
"""Classes of the multinomial problem."""


def multinomial_classes(n: int, p: int, seed: int) -> tuple[NDArray, NDArray]:
    """Standard normal X and labels drawn from a softmax model with K = 10 classes.

    The weights are N(0, 1) scaled by 1/√p (logits of standard deviation about 1 per class),
    the intercepts N(0, ½²); each label is argmaxₖ (zₖ + Gₖ) with Gumbel noise G, an exact draw
    from softmax(z).
    """
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    weights = rng.standard_normal((p, N_CLASSES)) / np.sqrt(p)
    z = X @ weights + 0.5 * rng.standard_normal(N_CLASSES)
    return X, np.argmax(z + rng.gumbel(size=z.shape), axis=1)


ONE_HOT_NUMERIC = 4
"""Numeric columns of the one-hot problem, first in X."""

ONE_HOT_LEVELS = (40, 25, 60)
"""Levels of the one-hot problem's three categoricals, one 0/1 column per level after the
numeric ones, categorical by categorical."""


def one_hot_codes(n: int, seed: int) -> tuple[NDArray, list[NDArray], NDArray]:
    """The one-hot problem's numeric columns, level codes and labels.

    Level k of a categorical with L levels is drawn with probability ∝ 1/(k + 1) (Zipf's law:
    the first level is common, the last some L times rarer). Numeric columns are N(0, 1); the
    true weights are N(0, ½²) on the numeric columns and N(0, 1) per level; z = −1 + c·(Xβ −
    mean) with sd(z) = 2, y ~ Bernoulli(σ(z)).
    """
    rng = np.random.default_rng(seed)
    numeric = rng.standard_normal((n, ONE_HOT_NUMERIC))
    codes = []
    z = numeric @ (0.5 * rng.standard_normal(ONE_HOT_NUMERIC))
    for levels in ONE_HOT_LEVELS:
        weights = 1.0 / np.arange(1, levels + 1)
        code = rng.choice(levels, size=n, p=weights / weights.sum())
        codes.append(code)
        z += rng.standard_normal(levels)[code]
    z = -1.0 + (z - z.mean()) * (2.0 / z.std())
    return numeric, codes, _labels(rng, z)


def _one_hot_csr(numeric: NDArray, codes: list[NDArray]) -> sp.csr_matrix:
    """[numeric | one-hot of each categorical] as CSR: 4 + 3 entries a row, sorted by column."""
    n = numeric.shape[0]
    offsets = ONE_HOT_NUMERIC + np.cumsum((0, *ONE_HOT_LEVELS[:-1]))
    columns = np.column_stack(
        [np.broadcast_to(np.arange(ONE_HOT_NUMERIC), (n, ONE_HOT_NUMERIC))]
        + [code + offset for code, offset in zip(codes, offsets, strict=True)]
    )
    values = np.column_stack([numeric, np.ones((n, len(codes)))])
    width = ONE_HOT_NUMERIC + sum(ONE_HOT_LEVELS)
    indptr = np.arange(0, columns.size + 1, columns.shape[1])
    return sp.csr_matrix((values.ravel(), columns.ravel(), indptr), shape=(n, width))


def one_hot_sparse(n: int, p: int, seed: int) -> tuple[sp.csr_matrix, NDArray]:
    """The one-hot problem as CSR (``p`` is fixed by ONE_HOT_LEVELS and ignored)."""
    numeric, codes, y = one_hot_codes(n, seed)
    return _one_hot_csr(numeric, codes), y


def one_hot_dense(n: int, p: int, seed: int) -> tuple[NDArray, NDArray]:
    """The one-hot problem as a dense C-ordered float64 X, the same data as ``one_hot_sparse``."""
    X, y = one_hot_sparse(n, p, seed)
    return X.toarray(), y


def float32_copy(data: Data) -> NDArray:
    """X as C-ordered float32 (made once, outside the timing)."""
    return np.ascontiguousarray(data.X, dtype=np.float32)
