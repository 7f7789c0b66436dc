"""Out of core: Parquet and CSV files read lazily, streamed partition by partition each pass.

The out-of-core fit (164 MB of Parquet in 32 files) runs on a LocalCluster of two
single-threaded worker processes whose memory_limit is half the data's size; the memory each
worker gains during the fit (its RSS over what it had, kernels compiled and libraries loaded,
before the fit) and the data Dask keeps on it (its managed memory) are sampled throughout and
stay under that limit. (With half these files the growth, which varies from run to run, once
reached 48.1 MB against a 47.8 MB limit; here it is about 28 MB against 96 MB.)
"""

from __future__ import annotations

import threading
import time

import numpy as np
import pandas as pd
import pytest

import logitkit as lk
from logitkit.io.lazy_tables import data_files, keep_if_it_fits, memory_size, read_lazy
from logitkit.io.tables import DataError

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")
psutil = pytest.importorskip("psutil")
from dask_support import local_client  # noqa: E402

N_FILES, ROWS, P = 32, 40_000, 15  # 32 × 40,000 × 16 float64 columns: 164 MB in memory


def _frame(seed: int, rows: int = ROWS) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(rows, P))
    y = (X @ np.linspace(-1, 1, P) + rng.logistic(size=rows) > 0).astype(np.float64)
    return pd.DataFrame(X, columns=[f"x{j}" for j in range(P)]).assign(y=y)


@pytest.fixture(scope="module")
def parquet_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("parts")
    for i in range(N_FILES):
        _frame(i).to_parquet(folder / f"part-{i:02d}.parquet", index=False)
    return folder


def test_a_directory_a_glob_and_a_file_name_the_same_files(parquet_dir):
    files = data_files(parquet_dir)
    assert [p.name for p in files] == [f"part-{i:02d}.parquet" for i in range(N_FILES)]
    assert data_files(str(parquet_dir / "*.parquet")) == files
    assert data_files(files[0]) == files[:1]
    size = memory_size(files)
    assert N_FILES * ROWS * (P + 1) * 8 <= size < 1.25 * N_FILES * ROWS * (P + 1) * 8


def test_a_lazy_frame_reads_nothing_until_computed(parquet_dir):
    frame = read_lazy(parquet_dir)
    assert frame.npartitions == N_FILES
    assert list(frame.columns) == [*(f"x{j}" for j in range(P)), "y"]
    pd.testing.assert_frame_equal(frame.partitions[3].compute().reset_index(drop=True), _frame(3))


def test_csv_files_are_read_in_blocks(tmp_path):
    for i in range(3):
        _frame(i, 2000).to_csv(tmp_path / f"t{i}.csv", index=False)
    frame = read_lazy(str(tmp_path / "t*.csv"), blocksize="40KB")
    assert frame.npartitions > 3
    assert len(frame) == 6000


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("nowhere/*.parquet", "no file matches 'nowhere/\\*.parquet'"),
        ("missing.parquet", "no such file, directory or matching files"),
    ],
)
def test_bad_patterns_are_named(pattern, message):
    with pytest.raises(DataError, match=message):
        data_files(pattern)


def test_an_empty_or_mixed_directory_is_refused(tmp_path):
    with pytest.raises(DataError, match="no Parquet or CSV file in the directory"):
        data_files(tmp_path)
    _frame(0, 10).to_csv(tmp_path / "a.csv", index=False)
    _frame(0, 10).to_parquet(tmp_path / "b.parquet")
    with pytest.raises(DataError, match="both Parquet and CSV"):
        data_files(tmp_path)


class _PeakMemory:
    """Samples, every 20 ms in a thread, each worker's RSS growth over its baseline and the
    bytes Dask keeps on it; keeps the largest of each."""

    def __init__(self, client):
        self.client = client
        self.pids = client.run(lambda: __import__("os").getpid())
        self.base = {w: psutil.Process(pid).memory_info().rss for w, pid in self.pids.items()}
        self.growth = 0
        self.managed = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self):
        while not self._stop.is_set():
            for worker, pid in self.pids.items():
                growth = psutil.Process(pid).memory_info().rss - self.base[worker]
                self.growth = max(self.growth, growth)
            info = self.client.scheduler_info()["workers"].values()
            self.managed = max([self.managed, *(w["metrics"]["managed_bytes"] for w in info)])
            time.sleep(0.02)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


@pytest.mark.slow
def test_a_parquet_directory_twice_a_workers_memory_is_fitted_out_of_core(parquet_dir):
    """fit (Newton, one pass an iteration) and partial_fit (two epochs) read the files at
    every pass; both equal their in-memory counterparts."""
    files = data_files(parquet_dir)
    size = memory_size(files)
    limit = size // 2
    memory = {f"distributed.worker.memory.{k}": False for k in ("target", "spill", "pause")}
    memory["distributed.worker.memory.terminate"] = False
    import dask

    with (
        dask.config.set(memory),
        local_client(memory_limit=limit) as client,
        dask.config.set(scheduler=client),
    ):
        frame = read_lazy(parquet_dir)
        kept, persisted = keep_if_it_fits(frame, size, client)
        assert not persisted and kept is frame
        features = [f"x{j}" for j in range(P)]
        params = dict(solver="minibatch", random_state=0, batch_size=64)
        warm = lk.LogisticRegression(**params)  # compiles the kernels on both workers
        warm.partial_fit(frame.partitions[:2][features], frame.partitions[:2]["y"], [0.0, 1.0])
        client.run(__import__("gc").collect)
        model = lk.LogisticRegression(**params)
        # fit's passes read X and y from one array of the frame's columns, so that their
        # chunks are the same partitions.
        columns = frame[[*features, "y"]].to_dask_array(lengths=True)
        lk.LogisticRegression().fit(columns[:1000, :P], columns[:1000, P])  # compiles, once
        with _PeakMemory(client) as peak:
            newton = lk.LogisticRegression().fit(columns[:, :P], columns[:, P])
            for _ in range(2):
                model.partial_fit(frame[features], frame["y"], classes=[0.0, 1.0])
    assert peak.managed < limit, (peak.managed, limit)
    assert peak.growth < limit, (peak.growth, limit)
    data = pd.concat([_frame(i) for i in range(N_FILES)], ignore_index=True)
    exact = lk.LogisticRegression().fit(data[features], data["y"])
    np.testing.assert_allclose(newton.coef_, exact.coef_, rtol=1e-8)
    np.testing.assert_allclose(newton.loglik_, exact.loglik_, rtol=1e-10)
    # The stream over the same blocks, in memory, is the same run.
    blocks = dd.from_pandas(data, npartitions=N_FILES, sort=False)
    assert blocks.map_partitions(len).compute().tolist() == [ROWS] * N_FILES
    in_memory = lk.LogisticRegression(**params)
    with dask.config.set(scheduler="synchronous"):
        for _ in range(2):
            in_memory.partial_fit(blocks[features], blocks["y"], classes=[0.0, 1.0])
    # Equal to rounding: the kernels' reassociated sums depend on where each row lies.
    np.testing.assert_allclose(model.coef_, in_memory.coef_, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(model.history_, in_memory.history_, rtol=1e-12)


def test_data_that_fit_are_persisted():
    import dask

    with (
        distributed.LocalCluster(
            n_workers=1,
            threads_per_worker=1,
            processes=False,
            memory_limit="1GB",
            dashboard_address=None,
        ) as cluster,
        distributed.Client(cluster, set_as_default=False) as client,
        dask.config.set(scheduler=client),
    ):
        frame = dd.from_pandas(_frame(0, 100), npartitions=2)
        kept, persisted = keep_if_it_fits(frame, 10_000, client)
        assert persisted
        assert kept.compute().shape == (100, P + 1)
        assert keep_if_it_fits(frame, 600_000_000, client)[1] is False
    assert keep_if_it_fits(frame, 1, None) == (frame, False)
