"""Scale-out benchmarks: logitkit on Dask against dask-ml and against itself in memory, and out
of core.

    python benchmarks/scale_out.py [--problems dask-tall,out-of-core] [--scale 1.0]

``dask-tall``: n = 4,000,000 × p = 50 standard normal features (1.6 GB), y drawn from a logistic
model, 40 row chunks on a LocalCluster of 2 single-threaded worker processes; the data are
drawn on the workers and kept there. Contenders, each minimising the same unpenalised cost
J = (1/n) Σ log(1 + e^zᵢ) − yᵢzᵢ: logitkit on the Dask array (``auto``, tol 1e-8), dask-ml's
LogisticRegression with solvers newton, lbfgs and admm (tol 1e-8, C = 1e8: a near-zero
penalty, which dask-ml also puts on the intercept; admm capped at 20 iterations), and logitkit
in memory on the same rows gathered to this process. Reported: time, its ratio to logitkit on
Dask, J's gap to the best, and logitkit's passes over the data. Logitkit's two fits are timed
``REPEATS`` times each and their medians reported; dask-ml's, 30–60 s each on two cores, once.

``out-of-core``: the same data written as 40 Parquet files and fitted from them on a cluster of
2 workers with a 1 GB memory limit each (at full size, ½ the data), the data read again at every
pass (never persisted, whatever their size). Reported: whether it completes, the workers' peak
memory (RSS, sampled every 50 ms) against the limit, and the time per pass.

``--scale`` multiplies n.
"""

from __future__ import annotations

import argparse
import logging
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

N, P, CHUNKS, SEED = 4_000_000, 50, 40, 11
NDArrayLike = Any
PASSES_GOAL = 12
"""logitkit on Dask, unpenalised: at most this many passes over the data."""
ADMM_MAX_ITER = 20
"""dask-ml's admm solves a local problem on every chunk at each of its iterations: capped here,
its J shows how far it got."""
REPEATS = 3
"""Times each of logitkit's fits is timed in dask-tall, the median reported."""
WORKER_LIMIT = 1e9
"""Bytes per worker in out-of-core: at full size, half the 1.6 GB of data."""


@dataclass
class Row:
    """One contender's result: seconds, J at its coefficients, passes over the data (if
    counted), and a note."""

    name: str
    seconds: float
    cost: float
    passes: int | None = None
    note: str = ""


@contextmanager
def cluster(memory_limit: float | None = None) -> Iterator[Any]:
    """A Client on a LocalCluster of 2 single-threaded worker processes, set as Dask's
    scheduler."""
    import dask
    from distributed import Client, LocalCluster

    options: dict[str, Any] = {"memory_limit": int(memory_limit)} if memory_limit else {}
    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
            **options,
        ) as local,
        Client(local, set_as_default=False) as client,
        dask.config.set(scheduler=client),
    ):
        yield client


def draw(n: int) -> tuple[Any, Any]:
    """X (n × P, CHUNKS row chunks) and y, drawn lazily from a seeded generator."""
    import dask.array as da

    state = da.random.RandomState(SEED)
    rows = max(n // CHUNKS, 1)
    X = state.normal(size=(n, P), chunks=(rows, P))
    noise = state.logistic(size=n, chunks=rows)
    y = (X @ np.linspace(-0.5, 0.5, P) + noise > 0).astype(np.float64)
    return X, y


def cost(intercept: float, coef: NDArrayLike, X: Any, y: Any) -> float:
    """J(w, b) = (1/n) Σ log(1 + e^zᵢ) − yᵢzᵢ over the Dask rows: one pass."""
    import dask
    import dask.array as da

    z = X @ np.asarray(coef, dtype=np.float64).ravel() + float(intercept)
    return float(dask.compute(da.mean(da.logaddexp(0.0, z) - y * z))[0])


def timed(fit: Callable[[], tuple[float, NDArrayLike]]) -> tuple[float, float, NDArrayLike]:
    start = time.perf_counter()
    intercept, coef = fit()
    return time.perf_counter() - start, intercept, coef


def median_time(fit: Callable[[], tuple[float, NDArrayLike]], first: float) -> float:
    """The median of ``first`` (a fit timed already) and the times of ``REPEATS`` − 1 more: a
    single fit's time on two shared cores swings by half, the first after other work most."""
    return statistics.median([first, *(timed(fit)[0] for _ in range(REPEATS - 1))])


@contextmanager
def counted_passes() -> Iterator[list[Any]]:
    """The Dask designs made meanwhile, whose ``passes`` add up to the passes made."""
    from logitkit.backends import dask as backend

    made: list[Any] = []
    original = backend.DaskDesign.__init__

    def tracking(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        made.append(self)

    backend.DaskDesign.__init__ = tracking  # type: ignore[method-assign]
    try:
        yield made
    finally:
        backend.DaskDesign.__init__ = original  # type: ignore[method-assign]


DASK_ML_SOLVERS = ("newton", "lbfgs", "admm")


def dask_tall(scale: float, dask_ml_solvers: Sequence[str] = DASK_ML_SOLVERS) -> list[Row]:
    """The dask-tall problem (module docstring), against dask-ml's ``dask_ml_solvers``."""
    from dask_ml.linear_model import LogisticRegression as DaskMLLogisticRegression

    import logitkit

    rows: list[Row] = []
    with cluster() as client:
        X, y = draw(round(N * scale))
        X, y = client.persist(X), client.persist(y)
        client.compute([X.sum(), y.sum()], sync=True)
        logitkit.LogisticRegression(tol=1e-8).fit(X[: 50 * P], y[: 50 * P])  # warm-up
        with counted_passes() as designs:
            seconds, b, w = timed(lambda: _logitkit(X, y))
        passes = sum(design.passes for design in designs)
        seconds = median_time(lambda: _logitkit(X, y), seconds)
        rows.append(Row("logitkit on Dask (auto: newton)", seconds, cost(b, w, X, y), passes))
        for solver in dask_ml_solvers:
            cap = ADMM_MAX_ITER if solver == "admm" else 100
            model = DaskMLLogisticRegression(solver=solver, tol=1e-8, C=1e8, max_iter=cap)
            seconds, b, w = timed(lambda m=model: _dask_ml(m, X, y))
            rows.append(Row(f"dask-ml {solver}", seconds, cost(b, w, X, y)))
        X_local, y_local = client.compute([X, y], sync=True)
        _in_memory(X_local[:100_000], y_local[:100_000])  # warm-up: its parallel kernels load
        seconds, b, w = timed(lambda: _in_memory(X_local, y_local))
        seconds = median_time(lambda: _in_memory(X_local, y_local), seconds)
        rows.append(Row("logitkit in memory", seconds, cost(b, w, X, y)))
    return rows


def _logitkit(X: Any, y: Any) -> tuple[float, NDArrayLike]:
    import logitkit

    model = logitkit.LogisticRegression(tol=1e-8).fit(X, y)
    return float(model.intercept_[0]), model.coef_.ravel()


def _dask_ml(model: Any, X: Any, y: Any) -> tuple[float, NDArrayLike]:
    model.fit(X, y)
    return float(model.intercept_), np.asarray(model.coef_).ravel()


def _in_memory(X: NDArrayLike, y: NDArrayLike) -> tuple[float, NDArrayLike]:
    import logitkit

    model = logitkit.LogisticRegression(tol=1e-8).fit(X, y)
    return float(model.intercept_[0]), model.coef_.ravel()


class PeakRSS:
    """The largest RSS of the client's workers, sampled every 50 ms in a thread."""

    def __init__(self, client: Any) -> None:
        import psutil

        self.processes = [
            psutil.Process(pid) for pid in client.run(lambda: __import__("os").getpid()).values()
        ]
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak = max([self.peak, *(p.memory_info().rss for p in self.processes)])
            time.sleep(0.05)

    def __enter__(self) -> PeakRSS:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def out_of_core(scale: float) -> list[Row]:
    """The out-of-core problem (module docstring)."""
    import dask

    from logitkit.io.lazy_tables import data_files, memory_size, read_lazy

    folder = Path(tempfile.mkdtemp(prefix="logitkit-out-of-core-"))
    limit = WORKER_LIMIT
    try:
        X, y = draw(round(N * scale))
        names = [f"x{j}" for j in range(P)]
        frame = dask.array.concatenate([X, y[:, None]], axis=1).to_dask_dataframe(
            columns=[*names, "y"]
        )
        with dask.config.set(scheduler="threads", num_workers=2):
            frame.to_parquet(folder, write_index=False)
        files = data_files(folder)
        size = memory_size(files)
        settings = {f"distributed.worker.memory.{key}": False for key in ("target", "spill")}
        with dask.config.set(settings), cluster(memory_limit=limit) as client:
            array = read_lazy(folder, files=files).to_dask_array(lengths=True)
            with counted_passes() as designs, PeakRSS(client) as peak:
                seconds, b, w = timed(lambda: _logitkit(array[:, :P], array[:, P]))
            passes = sum(design.passes for design in designs)
            note = (
                f"{size / 1e6:.0f} MB of Parquet data in {len(files)} files, read at every pass; "
                f"worker limit {limit / 1e6:.0f} MB, peak worker RSS "
                f"{peak.peak / 1e6:.0f} MB; {seconds / max(passes, 1):.2f} s per pass"
            )
            rows = [Row("logitkit out of core", seconds, cost(b, w, X, y), passes, note)]
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return rows


PROBLEMS: dict[str, Callable[[float], list[Row]]] = {
    "dask-tall": dask_tall,
    "out-of-core": out_of_core,
}


def table(name: str, scale: float, rows: Sequence[Row]) -> str:
    """A Markdown table of one problem's rows: time, ratio to the first row, J's gap to the
    best J, passes."""
    best = min(row.cost for row in rows)
    lines = [
        f"### {name} (n = {round(N * scale):,}, p = {P}, {CHUNKS} chunks)",
        "",
        "| tool | seconds | × logitkit on Dask | J | J − best | passes |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        passes = "" if row.passes is None else str(row.passes)
        lines.append(
            f"| {row.name} | {row.seconds:.2f} | {row.seconds / rows[0].seconds:.2f} | "
            f"{row.cost:.12f} | {row.cost - best:.1e} | {passes} |"
        )
    lines += [f"\n{row.note}" for row in rows if row.note]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--problems", default=",".join(PROBLEMS), help="comma-separated names")
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies n (default 1.0)")
    args = parser.parse_args(argv)
    names = [name for name in args.problems.split(",") if name]
    unknown = [name for name in names if name not in PROBLEMS]
    if unknown or args.scale <= 0:
        parser.error(f"choose problems among {', '.join(PROBLEMS)} and a positive --scale")
    for name in names:
        print(table(name, args.scale, PROBLEMS[name](args.scale)), "\n", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
