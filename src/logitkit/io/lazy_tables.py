"""Data read lazily: Parquet or CSV files (a glob or a directory) as a ``dask.dataframe``.

Nothing is read when the frame is made, beyond the files' schemas: each pass of a fit reads the
files again, partition by partition, so the data never need to fit in memory. When they do fit
in the cluster's memory they are kept there instead (:func:`keep_if_it_fits`):

    persist  ⇔  a distributed.Client is in use  and  in-memory size ≤ ½ Σ workers' memory_limit

The in-memory size is estimated from the files (:func:`memory_size`: Parquet's uncompressed
column-chunk sizes, a CSV's size on disk). Half the cluster's memory leaves room for each
task's working copies; without a client the data stay on disk (persisting on Dask's default
scheduler would load them whole into this process, which is what reading lazily avoids).

Every problem is a :class:`~logitkit.io.tables.DataError` naming the pattern or file. This
module imports Dask only when a frame is read.
"""

from __future__ import annotations

import glob
import os
from pathlib import Path
from typing import Any

from .tables import DataError

__all__ = [
    "PERSIST_FRACTION",
    "data_files",
    "keep_if_it_fits",
    "memory_size",
    "read_lazy",
    "worker_memory",
]

PERSIST_FRACTION = 0.5
"""The share of the cluster's memory (Σ workers' memory_limit) the data may take to be kept
there."""

_PARQUET = (".parquet", ".pq")
_CSV = (".csv", ".csv.gz")


def data_files(pattern: str | os.PathLike[str]) -> list[Path]:
    """The files of ``pattern``: a glob (``data/*.parquet``, ``**`` recursive), a directory
    (every Parquet or CSV file under it) or one file; sorted, all of one format."""
    text = os.fspath(pattern)
    path = Path(text)
    if path.is_dir():
        found = sorted(p for p in path.rglob("*") if p.is_file() and _kind(p) is not None)
        if not found:
            raise DataError(f"no Parquet or CSV file in the directory {text!r}")
    elif glob.has_magic(text):
        found = sorted(Path(p) for p in glob.glob(text, recursive=True) if Path(p).is_file())
        if not found:
            raise DataError(f"no file matches {text!r}: check the pattern and the folder")
    elif path.is_file():
        found = [path]
    else:
        raise DataError(f"cannot read {text!r}: no such file, directory or matching files")
    kinds = {_kind(p) for p in found}
    if None in kinds:
        odd = next(p for p in found if _kind(p) is None)
        raise DataError(
            f"cannot read {str(odd)!r}: unsupported file type; expected .csv, .csv.gz, "
            ".parquet or .pq"
        )
    if len(kinds) > 1:
        raise DataError(f"{text!r} matches both Parquet and CSV files: read one format at a time")
    return found


def _kind(path: Path) -> str | None:
    name = path.name.lower()
    if name.endswith(_PARQUET):
        return "parquet"
    if name.endswith(_CSV):
        return "csv"
    return None


def memory_size(files: list[Path]) -> int:
    """Bytes the files take in memory, estimated: for Parquet the uncompressed size of their
    row groups (from the footers, nothing else read), for CSV the size on disk."""
    if _kind(files[0]) != "parquet":
        return sum(path.stat().st_size for path in files)
    import pyarrow.parquet as pq

    total = 0
    for path in files:
        try:
            metadata = pq.ParquetFile(path).metadata
        except (OSError, ValueError) as error:
            raise DataError(f"cannot read {str(path)!r}: {' '.join(str(error).split())}") from None
        total += sum(metadata.row_group(i).total_byte_size for i in range(metadata.num_row_groups))
    return total


def read_lazy(
    pattern: str | os.PathLike[str], blocksize: str | int = "64MB", files: list[Path] | None = None
) -> Any:
    """The files of ``pattern`` as a lazy ``dask.dataframe.DataFrame``: a partition per
    Parquet file (row group splitting left to Dask), or per ``blocksize`` of CSV text."""
    try:
        import dask.dataframe as dd
    except ImportError:
        raise DataError('reading files lazily needs Dask: pip install "logitkit[dask]"') from None
    found = data_files(pattern) if files is None else files
    names = [str(path) for path in found]
    try:
        if _kind(found[0]) == "parquet":
            return dd.read_parquet(names)
        return dd.read_csv(names, blocksize=blocksize, compression="infer")
    except (OSError, ValueError) as error:
        raise DataError(
            f"cannot read {os.fspath(pattern)!r}: {' '.join(str(error).split())}"
        ) from None


def worker_memory(client: Any) -> int | None:
    """Σ memory_limit over the client's workers, None when one has no limit (or no client)."""
    if client is None:
        return None
    limits = [w.get("memory_limit") for w in client.scheduler_info()["workers"].values()]
    if not limits or any(not limit for limit in limits):
        return None
    return int(sum(limits))


def keep_if_it_fits(frame: Any, nbytes: int, client: Any) -> tuple[Any, bool]:
    """``frame`` persisted on the cluster when the rule of the module docstring allows it, else
    as it is (read from the files at each pass); and whether it was persisted."""
    memory = worker_memory(client)
    if memory is None or nbytes > PERSIST_FRACTION * memory:
        return frame, False
    return client.persist(frame), True
