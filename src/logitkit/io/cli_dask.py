"""``logitkit fit`` on data read with Dask: several files, or more than memory comfortably holds.

``logitkit fit "data/*.parquet" --target y`` reads the files of a glob or a directory. It uses
Dask when

    --dask  or  --scheduler ADDRESS  or  in-memory size of the files > --dask-above

with ``--dask-above`` a size ("500MB", "2GB") defaulting to a quarter of the memory available
now (:func:`dask_threshold`); the in-memory size is estimated from the files
(:func:`~logitkit.io.lazy_tables.memory_size`). Otherwise the files are read whole and joined.
With Dask, the columns are read lazily as one row-chunked array (X, y and the groups share
its chunks), kept on the cluster when they fit in half its memory
(:func:`~logitkit.io.lazy_tables.keep_if_it_fits`), else read again at every pass; the fit
runs on the scheduler at ``--scheduler`` when given (a ``distributed.Client``), else on Dask's
default scheduler in this process. Each iteration prints a progress line on stderr (cost,
gradient norm, elapsed time). Any failure of the cluster is an error line, never a traceback.
"""

from __future__ import annotations

import argparse
import glob
import os
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd

from ..models.estimator import LogisticRegression
from .lazy_tables import data_files, keep_if_it_fits, memory_size, read_lazy
from .tables import DataError, read_table

__all__ = [
    "DASK_FRACTION",
    "DataSource",
    "add_dask_options",
    "dask_threshold",
    "fit_with_dask",
    "plan_source",
    "read_joined",
]

DASK_FRACTION = 0.25
"""Above this share of the memory available now, the data are read with Dask."""
SCHEDULER_TIMEOUT_S = 5
"""Seconds to wait for the scheduler at ``--scheduler`` to answer."""


def add_dask_options(fit: argparse.ArgumentParser) -> None:
    """The options of ``fit`` for data read with Dask."""
    scale = fit.add_argument_group(
        "data larger than memory (Dask)",
        "DATA is read with Dask, partition by partition at each pass, when its files take more "
        "memory than --dask-above (estimated from the files: Parquet's uncompressed size, a "
        "CSV's size on disk), or with --dask or --scheduler; the data are kept in the "
        "cluster's memory when they fit in half of it. Each iteration then prints a progress "
        "line on stderr: cost, gradient norm, elapsed time. --formula and --diagnostics need "
        "the data in memory.",
    )
    scale.add_argument("--dask", action="store_true", help="read DATA with Dask whatever its size")
    scale.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="fit on the Dask cluster whose scheduler is at ADDRESS (e.g. tcp://host:8786)",
    )
    scale.add_argument(
        "--dask-above",
        metavar="SIZE",
        help="use Dask above this in-memory size, e.g. 500MB or 2GB (default: a quarter of "
        "the memory available)",
    )


def dask_threshold(text: str | None) -> int:
    """``--dask-above`` in bytes ("500MB", "2GB", a plain number); None: DASK_FRACTION of the
    memory available now (``os.sysconf``; no threshold where it cannot be read)."""
    if text is not None:
        from dask.utils import parse_bytes

        try:
            return int(parse_bytes(text))
        except (ValueError, TypeError):
            raise DataError(
                f"--dask-above {text!r} is not a size: write e.g. 500MB, 2GB or 1e9"
            ) from None
    try:
        available = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return 2**63 - 1
    return int(DASK_FRACTION * available)


class DataSource:
    """The files of the DATA argument and whether Dask reads them."""

    def __init__(self, pattern: str, files: list[Path], nbytes: int, dask: bool) -> None:
        self.pattern, self.files, self.nbytes, self.dask = pattern, files, nbytes, dask


def plan_source(args: argparse.Namespace) -> DataSource | None:
    """The files to read and how; None for one plain file (or standard input) read whole as
    before: one that is small enough, or that cannot be sized (its reading says why)."""
    pattern = args.data
    wants_dask = bool(args.dask or args.scheduler)
    if pattern == "-":
        if wants_dask:
            raise DataError("Dask reads files, not standard input: name the file(s) in DATA")
        return None
    path = Path(pattern)
    if path.is_file() and not wants_dask:
        try:
            nbytes = memory_size([path])
        except DataError:
            return None
        if nbytes <= dask_threshold(args.dask_above):
            return None
        return DataSource(pattern, data_files(pattern), nbytes, True)
    if not path.is_dir() and not glob.has_magic(pattern) and not wants_dask:
        return None
    files = data_files(pattern)
    nbytes = memory_size(files)
    dask = wants_dask or nbytes > dask_threshold(args.dask_above)
    return DataSource(pattern, files, nbytes, dask)


def read_joined(source: DataSource) -> pd.DataFrame:
    """The files read whole, one after the other, as one table."""
    return pd.concat([read_table(path) for path in source.files], ignore_index=True)


@contextmanager
def _scheduler(address: str | None) -> Iterator[Any]:
    """A ``distributed.Client`` of the scheduler at ``address`` set as Dask's scheduler, or
    None (Dask's default scheduler)."""
    if address is None:
        yield None
        return
    try:
        from distributed import Client
    except ImportError:
        raise DataError('--scheduler needs distributed: pip install "logitkit[dask]"') from None
    try:
        client = Client(address, timeout=SCHEDULER_TIMEOUT_S, set_as_default=True)
    except (OSError, TimeoutError, ValueError) as error:
        raise DataError(
            f"cannot reach the Dask scheduler at {address!r} within {SCHEDULER_TIMEOUT_S} s "
            f"({' '.join(str(error).split()) or type(error).__name__}): check the address and "
            "that the scheduler is running"
        ) from None
    with client:
        yield client


def fit_with_dask(
    args: argparse.Namespace, source: DataSource
) -> tuple[LogisticRegression, Any, str]:
    """Fit on ``source`` with Dask; the model, its summary and the data line of the report."""
    if args.formula is not None:
        raise DataError(
            "--formula needs the data in memory; with Dask name the columns with --target "
            "(and --features)"
        )
    if args.diagnostics:
        raise DataError("--diagnostics needs the data in memory; drop it to fit with Dask")
    with _scheduler(args.scheduler) as client, warnings.catch_warnings():
        # Dask's own notices about the libraries it calls are not the user's to act on.
        for category in (DeprecationWarning, FutureWarning):
            warnings.filterwarnings("ignore", category=category, module=r"(dask|distributed)\b")
        try:
            return _fit(args, source, client)
        except (DataError, ValueError, TypeError, Warning):
            raise
        except Exception as error:  # a failure of the cluster: an error line, not a traceback
            raise DataError(
                f"the Dask computation failed: {type(error).__name__}: "
                f"{' '.join(str(error).split())}"
            ) from None


def _fit(args: argparse.Namespace, source: DataSource, client: Any) -> tuple[Any, Any, str]:
    frame = read_lazy(source.pattern, files=source.files)
    columns = [str(name) for name in frame.columns]
    for option, name in (("--target", args.target), ("--groups", args.groups)):
        if name is not None and name not in columns:
            raise DataError(f"{option} column {name!r} is not in {source.pattern!r}")
    features = args.features
    if features is None:
        features = [c for c in columns if c not in (args.target, args.groups)]
    missing = [name for name in features if name not in columns]
    if missing:
        raise DataError(f"--features column(s) {missing} are not in {source.pattern!r}")
    extra = [args.groups] if args.groups is not None else []
    frame = frame[[*features, args.target, *extra]].dropna()
    frame, persisted = keep_if_it_fits(frame, source.nbytes, client)
    array = frame.to_dask_array(lengths=True)
    X = array[:, : len(features)]
    y = array[:, len(features)]
    groups = array[:, -1] if extra else None
    model = LogisticRegression(
        alpha=args.alpha,
        l1_ratio=args.l1_ratio,
        firth=args.firth,
        solver=args.solver,
        max_iter=args.max_iter,
        tol=args.tol,
        verbose=1,
    )
    model.fit(X, y)
    # The columns were read as one array (so that X, y and the groups share its chunks): the
    # names come back from the frame.
    model._set_record(replace(model.record_, feature_names=tuple(features)))
    summary = model.summary(
        cov_type=args.cov_type, groups=groups, ci=args.ci, level=args.level, X=X, y=y
    )
    summary = replace(summary, target=args.target)
    kept = "kept in the cluster's memory" if persisted else "read from the files at each pass"
    where = f"the scheduler at {args.scheduler}" if client is not None else "this machine"
    line = (
        f"Data: {source.pattern}, {len(source.files)} file(s), {X.shape[0]} rows, read with Dask "
        f"on {where} ({kept})"
    )
    return model, summary, line
