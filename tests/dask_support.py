"""A local Dask cluster for the tests, and the schedulers a Dask test runs on.

:func:`local_client` starts ``distributed.LocalCluster(n_workers=2, threads_per_worker=1,
processes=True)`` without a dashboard and with its logs silenced below errors, so that a green
run prints nothing of it; the conftest holds one for the session (fixture ``dask_client``).
:func:`on_scheduler` runs a block on the cluster (``"distributed"``) or on Dask's synchronous
scheduler (``"synchronous"``, no client at all); fixture ``dask_scheduler`` runs a test on both.
Worker processes are spawned, so they import the logitkit the tests import (the spawned
interpreter inherits ``sys.path``).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from typing import Any

SCHEDULERS = ("distributed", "synchronous")


@contextlib.contextmanager
def local_client(n_workers: int = 2, **options: Any) -> Iterator[Any]:
    """A ``distributed.Client`` on a fresh LocalCluster of single-threaded worker processes,
    closed on exit; ``options`` go to LocalCluster (e.g. ``memory_limit``)."""
    from distributed import Client, LocalCluster

    settings = {
        "n_workers": n_workers,
        "threads_per_worker": 1,
        "processes": True,
        "dashboard_address": ":0",
        "silence_logs": logging.ERROR,
        **options,
    }
    with LocalCluster(**settings) as cluster, Client(cluster, set_as_default=False) as client:
        yield client


@contextlib.contextmanager
def on_scheduler(name: str, client: Any = None) -> Iterator[None]:
    """Run the block's Dask computations on ``client`` ("distributed") or on the synchronous
    scheduler ("synchronous")."""
    import dask

    if name == "distributed":
        if client is None:
            raise ValueError("the distributed scheduler needs a client")
        with dask.config.set(scheduler=client):
            yield
    elif name == "synchronous":
        with dask.config.set(scheduler="synchronous"):
            yield
    else:
        raise ValueError(f"unknown scheduler {name!r}; expected one of {SCHEDULERS}")
