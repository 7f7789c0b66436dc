"""Shared fixtures: small, seeded, standardised problems."""

from __future__ import annotations

import numpy as np
import pytest
from problems import make_problem


@pytest.fixture(scope="session")
def problem() -> tuple[np.ndarray, np.ndarray]:
    """n = 2000, p = 5, standardised."""
    return make_problem(2000, 5, seed=0)
