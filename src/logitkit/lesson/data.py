"""The lesson's data: the bundled Challenger flights, and seeded simulated samples.

The simulated samples are drawn once from a fixed seed, so every number of the lesson but its
timings is the same on every run.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from ..core.functions import sigmoid
from ..datasets import load_challenger

SEED = 1986
ROWS = 3000
"""Rows of the simulated logistic sample: enough for the likelihood's product to underflow."""
TRUE_THETA = (-2.0, 1.5)
"""(b, w) the logistic sample is drawn from: P(y = 1 | x) = σ(−2 + 1.5x)."""
GAUSS_ROWS = 60
GAUSS_THETA = (1.0, 0.8)
GAUSS_SIGMA = 0.5
"""The Gaussian sample: y = 1 + 0.8x + ε, ε ~ Normal(0, 0.5²)."""


@dataclass(frozen=True)
class LessonData:
    """Everything the steps read.

    ``flights``: the 23 Challenger flights. ``x``, ``y``: the simulated logistic sample, one
    feature x ~ Normal(1.5, 1) and labels drawn from P(y = 1 | x) = σ(b + wx) at TRUE_THETA.
    ``gauss_x``, ``gauss_y``, ``gauss_sigma``: a linear-regression sample with known noise σ.
    """

    flights: pd.DataFrame
    x: NDArray
    y: NDArray
    gauss_x: NDArray
    gauss_y: NDArray
    gauss_sigma: float

    @property
    def X(self) -> NDArray:  # noqa: N802 (the design matrix's usual name)
        """The simulated feature as an m × 1 matrix."""
        return self.x[:, None]

    @property
    def start(self) -> NDArray:
        """Where logitkit's solvers start: b = log(ȳ / (1 − ȳ)), the intercept-only fit, w = 0."""
        rate = self.y.mean()
        return np.array([np.log(rate / (1.0 - rate)), 0.0])


def lesson_data(seed: int = SEED) -> LessonData:
    """The Challenger flights and the samples simulated from ``seed``."""
    rng = np.random.default_rng(seed)
    x = rng.normal(1.5, 1.0, size=ROWS)
    b, w = TRUE_THETA
    y = (rng.random(ROWS) < sigmoid(b + w * x)).astype(np.float64)
    gauss_x = np.sort(rng.uniform(0.0, 5.0, size=GAUSS_ROWS))
    gauss_y = GAUSS_THETA[0] + GAUSS_THETA[1] * gauss_x + rng.normal(0.0, GAUSS_SIGMA, GAUSS_ROWS)
    return LessonData(load_challenger(), x, y, gauss_x, gauss_y, GAUSS_SIGMA)
