"""A large dense X that is mostly zeros (one-hot columns) is fitted through a CSR copy.

The copy is made from the column pass's row counts in one parallel pass; the fit, its
statistics and its summary are those of the dense path, and a dense fit's memory goal holds.
"""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

import logitkit as lk
import logitkit.backends.dense
from logitkit.backends.design import SparseDesign
from logitkit.models.build import build_objective


def one_hot(n: int, seed: int, dtype=np.float64) -> tuple[np.ndarray, np.ndarray]:
    """Two numeric columns and two categoricals of 8 and 10 levels, one-hot (density 0.2)."""
    rng = np.random.default_rng(seed)
    numeric = rng.standard_normal((n, 2))
    first, second = rng.integers(0, 8, n), rng.integers(0, 10, n)
    X = np.zeros((n, 20), dtype=dtype)
    X[:, :2] = numeric
    X[np.arange(n), 2 + first] = 1.0
    X[np.arange(n), 10 + second] = 1.0
    X = np.ascontiguousarray(X[:, np.r_[0:2, 3:10, 11:20]])  # drop a reference level each
    z = 0.5 * numeric[:, 0] - 0.3 * numeric[:, 1] + 0.4 * (first - 4) / 4 - 0.2 * (second == 3)
    y = (rng.random(n) < 1.0 / (1.0 + np.exp(-z))).astype(float)
    return X, y


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_a_mostly_zero_dense_x_is_fitted_through_a_csr_copy(monkeypatch, dtype) -> None:
    X, y = one_hot(60_000, 0, dtype)
    monkeypatch.setattr(logitkit.backends.dense, "MOSTLY_ZERO_DENSITY", 0.3)
    monkeypatch.setattr(logitkit.backends.fused, "FUSED_MIN_ENTRIES", 1 << 16)
    objective = build_objective(lk.LogisticRegression(), X, y, None, reset=True)
    assert isinstance(objective.design, SparseDesign)
    copied = lk.LogisticRegression().fit(X, y)
    monkeypatch.setattr(logitkit.backends.dense, "MOSTLY_ZERO_DENSITY", 0.0)
    objective = build_objective(lk.LogisticRegression(), X, y, None, reset=True)
    assert not isinstance(objective.design, SparseDesign)
    dense = lk.LogisticRegression().fit(X, y)
    rtol = 1e-8 if dtype == np.float64 else 1e-5
    np.testing.assert_allclose(copied.coef_, dense.coef_, rtol=rtol, atol=1e-10)
    assert copied.loglik_ == pytest.approx(dense.loglik_, rel=1e-12)
    for cov_type in ("nonrobust", "HC0"):
        np.testing.assert_allclose(
            copied.summary(cov_type=cov_type).table["std_err"],
            dense.summary(cov_type=cov_type).table["std_err"],
            rtol=1e-6,
        )


def test_a_dense_x_above_the_density_stays_dense(monkeypatch) -> None:
    X = np.random.default_rng(1).standard_normal((60_000, 20))
    y = np.arange(60_000) % 2.0
    monkeypatch.setattr(logitkit.backends.fused, "FUSED_MIN_ENTRIES", 1 << 16)
    objective = build_objective(lk.LogisticRegression(), X, y, None, reset=True)
    assert not isinstance(objective.design, SparseDesign)


def _fit_peak(X: np.ndarray, y: np.ndarray) -> int:
    """tracemalloc's peak during a converged fit of X."""
    tracemalloc.start()
    try:
        model = lk.LogisticRegression(alpha=1e-4).fit(X, y)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert model.converged_
    return peak


def test_the_copy_costs_at_most_its_own_size_beyond_the_dense_fit(monkeypatch) -> None:
    """The copy holds 12 bytes a nonzero entry (at most 0.15 × X at the default density of
    10%) and 4 a row, beside the column pass's 4-byte row counts; with up to two n-vectors of
    float64 that the sparse path keeps besides the dense one's, the fit through it allocates
    at most 12 bytes a nonzero entry and 24 a row beyond the dense fit's own peak."""
    X, y = one_hot(200_000, 2)
    X = np.hstack([X, np.zeros((len(X), 20))])  # 4 nonzero entries in 38 columns a row
    assert np.count_nonzero(X) <= 0.1 * X.size
    lk.LogisticRegression(alpha=1e-4).fit(X[:2_000], y[:2_000])
    through_copy = _fit_peak(X, y)
    monkeypatch.setattr(logitkit.backends.dense, "MOSTLY_ZERO_DENSITY", 0.0)
    dense = _fit_peak(X, y)
    assert through_copy <= dense + 12 * np.count_nonzero(X) + 24 * len(X)
