"""Shared fixtures: small, seeded, standardised problems."""

from __future__ import annotations

import os

# scikit-learn's check_array_api_input runs only in SciPy's array-API mode, which must be
# switched on before SciPy is first imported.
os.environ.setdefault("SCIPY_ARRAY_API", "1")

import numpy as np
import pytest

from dask_support import SCHEDULERS, local_client, on_scheduler
from problems import make_problem


@pytest.fixture(scope="session")
def problem() -> tuple[np.ndarray, np.ndarray]:
    """n = 2000, p = 5, standardised."""
    return make_problem(2000, 5, seed=0)


@pytest.fixture(scope="session")
def dask_client():
    """A distributed.Client on a LocalCluster of 2 single-threaded worker processes, for the
    whole session (see tests/dask_support.py)."""
    pytest.importorskip("distributed")
    with local_client() as client:
        yield client


@pytest.fixture(params=SCHEDULERS)
def dask_scheduler(request):
    """Runs the test on the LocalCluster ("distributed") and on Dask's synchronous scheduler
    without any client ("synchronous"); the value is the scheduler's name."""
    pytest.importorskip("dask")
    client = request.getfixturevalue("dask_client") if request.param == "distributed" else None
    with on_scheduler(request.param, client):
        yield request.param
