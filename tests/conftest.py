"""Shared fixtures: small, seeded, standardised problems."""

from __future__ import annotations

import os

# scikit-learn's check_array_api_input runs only in SciPy's array-API mode, which must be
# switched on before SciPy is first imported.
os.environ.setdefault("SCIPY_ARRAY_API", "1")

import numpy as np
import pytest

from problems import make_problem


@pytest.fixture(scope="session")
def problem() -> tuple[np.ndarray, np.ndarray]:
    """n = 2000, p = 5, standardised."""
    return make_problem(2000, 5, seed=0)
