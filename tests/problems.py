"""Seeded test problems shared by the test modules."""

from __future__ import annotations

import numpy as np
from sklearn.preprocessing import StandardScaler

from logitkit import sigmoid


def make_problem(n: int, p: int, seed: int, scale: float = 0.8) -> tuple[np.ndarray, np.ndarray]:
    """Standardised Gaussian features and labels drawn from a logistic model."""
    rng = np.random.default_rng(seed)
    X = StandardScaler().fit_transform(rng.standard_normal((n, p)))
    w = rng.standard_normal(p) * scale
    y = (rng.random(n) < sigmoid(X @ w + 0.3)).astype(int)
    return X, y
