"""A fit on a cluster: the client never holds the data, and a lost worker never hangs it.

The data are generated on the workers (``da.random`` with a seed, kept there), so the rows
exist only in worker processes; the client's memory is sampled during fits at two sizes.
"""

from __future__ import annotations

import contextlib
import threading
import time

import numpy as np
import pytest

import logitkit as lk

da = pytest.importorskip("dask.array")
psutil = pytest.importorskip("psutil")
from dask_support import local_client  # noqa: E402

P = 10


def _data(client, n: int, chunks: int = 8):
    """X (n × P) and y drawn on the workers from a seeded generator, persisted there."""
    state = da.random.RandomState(7)
    X = state.normal(size=(n, P), chunks=(n // chunks, P))
    noise = state.logistic(size=n, chunks=n // chunks)
    y = (X @ np.linspace(-1.0, 1.0, P) + noise > 0).astype(np.float64)
    return client.persist(X), client.persist(y)


@contextlib.contextmanager
def _peak_rss():
    """The largest growth of this process's RSS over its value on entry, sampled every 5 ms."""
    process = psutil.Process()
    base = process.memory_info().rss
    peak = [0]
    stop = threading.Event()

    def sample():
        while not stop.is_set():
            peak[0] = max(peak[0], process.memory_info().rss - base)
            time.sleep(0.005)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield peak
    finally:
        stop.set()
        thread.join()


@pytest.mark.slow
def test_the_clients_memory_does_not_grow_with_n(dask_client):
    import dask

    growth = {}
    with dask.config.set(scheduler=dask_client):
        warm_X, warm_y = _data(dask_client, 20_000)
        lk.LogisticRegression().fit(warm_X, warm_y)  # imports and compiles, once
        for n in (200_000, 1_600_000):  # 16 MB and 128 MB of X on the workers
            X, y = _data(dask_client, n)
            dask.compute(X.sum(), y.sum())
            with _peak_rss() as peak:
                model = lk.LogisticRegression(tol=1e-8).fit(X, y)
            assert model.converged_
            growth[n] = peak[0]
            del X, y
    # Coarse: the client holds coefficient-sized values, never the 128 MB of rows.
    assert growth[1_600_000] < 32e6, growth
    assert growth[1_600_000] < growth[200_000] + 16e6, growth


@pytest.mark.slow
def test_a_lost_worker_during_a_fit_is_recovered_not_a_hang():
    import dask

    with local_client() as client, dask.config.set(scheduler=client):
        X, y = _data(client, 400_000, chunks=16)
        expected = lk.LogisticRegression(solver="lbfgs").fit(X, y)
        outcome: dict[str, object] = {}

        def fit():
            try:
                outcome["model"] = lk.LogisticRegression(solver="lbfgs").fit(X, y)
            except Exception as error:  # the failure itself is checked below
                outcome["error"] = error

        worker_pids = list(client.run(lambda: __import__("os").getpid()).values())
        thread = threading.Thread(target=fit, daemon=True)
        thread.start()
        time.sleep(0.5)
        assert thread.is_alive(), "the fit ended before a worker could be lost"
        psutil.Process(worker_pids[0]).kill()
        thread.join(timeout=180)
        assert not thread.is_alive(), "the fit hung after a worker was lost"
    if "error" in outcome:
        message = str(outcome["error"])
        assert message and "worker" in message.lower(), message
    else:
        model = outcome["model"]
        np.testing.assert_allclose(model.coef_, expected.coef_, rtol=1e-8)
