"""Reading data tables from files and splitting them into features and target.

Every problem is a :class:`DataError` (a ValueError) with a one-line message that names the
file or column and what to do about it.
"""

from __future__ import annotations

import csv
import gzip
import io
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

import pandas as pd

__all__ = [
    "STDIN",
    "DataError",
    "check_finite",
    "check_writable",
    "read_table",
    "select_features",
    "split_features",
]

STDIN = "-"
_DELIMITERS = ",;\t|"
_SNIFF_CHARS = 65536

_CSV = (".csv", ".csv.gz")
_PARQUET = (".parquet", ".pq")


class DataError(ValueError):
    """A data file or table that cannot be used: unreadable, malformed, or missing a column."""


def read_table(path: str | os.PathLike[str], stdin: TextIO | None = None) -> pd.DataFrame:
    """Read a CSV (``.csv``, ``.csv.gz``) or Parquet (``.parquet``, ``.pq``) file.

    The file type is taken from the name's extension (case-insensitive); the path ``-`` reads
    CSV text from ``stdin`` (default: standard input). The CSV delimiter is detected among
    comma, semicolon, tab and ``|`` from the first lines. Parquet needs pyarrow
    (``pip install "logitkit[parquet]"``). A missing, unreadable or malformed file, a
    directory or an unsupported extension raises DataError naming the file and the problem.
    """
    if os.fspath(path) == STDIN:
        source = sys.stdin if stdin is None else stdin
        return _read(Path("<stdin>"), lambda _: _read_csv_text(source.read()))
    path = Path(path)
    name = path.name.lower()
    if not path.exists():
        raise DataError(f"cannot read {str(path)!r}: no such file")
    if path.is_dir():
        raise DataError(f"cannot read {str(path)!r}: it is a directory, not a data file")
    if name.endswith(_CSV):
        return _read(path, _read_csv)
    if name.endswith(_PARQUET):
        return _read(path, _read_parquet)
    raise DataError(
        f"cannot read {str(path)!r}: unsupported file type {''.join(path.suffixes) or '(none)'!r}; "
        "expected .csv, .csv.gz, .parquet or .pq"
    )


def check_writable(path: str | os.PathLike[str]) -> None:
    """Raise DataError unless a file can be written at ``path``: its folder exists and is
    writable, and the path is not a folder or a read-only file. Checked before the work, so a
    bad output path fails before anything is printed."""
    target = Path(path)
    folder = target.parent
    if target.is_dir():
        raise DataError(f"cannot write {str(target)!r}: it is a directory; give a file name")
    if not folder.is_dir():
        raise DataError(
            f"cannot write {str(target)!r}: the folder {str(folder)!r} does not exist; create "
            "it first"
        )
    if not os.access(target if target.exists() else folder, os.W_OK):
        raise DataError(f"cannot write {str(target)!r}: permission denied; choose another path")


def _read(path: Path, reader: Callable[[Path], pd.DataFrame]) -> pd.DataFrame:
    """Run ``reader(path)``, turning any failure into one DataError line."""
    try:
        return reader(path)
    except DataError as error:
        raise DataError(f"cannot read {str(path)!r}: {error}") from None
    except pd.errors.EmptyDataError:
        raise DataError(f"cannot read {str(path)!r}: the file is empty") from None
    except UnicodeDecodeError:
        raise DataError(f"cannot read {str(path)!r}: {_not_utf8(path)}") from None
    except PermissionError:
        raise DataError(f"cannot read {str(path)!r}: permission denied") from None
    except (OSError, EOFError, ValueError) as error:
        raise DataError(f"cannot read {str(path)!r}: malformed file ({_one_line(error)})") from None


_MAGIC = (
    (b"\x1f\x8b", "it is gzip-compressed, not CSV text: name it .csv.gz"),
    (b"PAR1", "it is a Parquet file, not CSV text: name it .parquet"),
    (b"\xff\xfe", "it is UTF-16 text: save it with UTF-8 encoding"),
    (b"\xfe\xff", "it is UTF-16 text: save it with UTF-8 encoding"),
)


def _not_utf8(path: Path) -> str:
    """Why a file that is not UTF-8 cannot be read as CSV, from its first bytes (standard
    input, which has no file to look at, is just not UTF-8)."""
    if path.is_file():
        with path.open("rb") as file:
            start = file.read(4)
        for magic, reason in _MAGIC:
            if start.startswith(magic):
                return reason
    return "it is not UTF-8 text: save it with UTF-8 encoding"


def _read_csv(path: Path) -> pd.DataFrame:
    """A CSV file (gzip-compressed when its name ends in ``.gz``), delimiter detected."""
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8", newline="") as handle:
        return _read_csv_text(handle.read())


def _read_csv_text(text: str) -> pd.DataFrame:
    """CSV text as a table, its delimiter detected; repeated column names are an error, and so
    is a one-column result whose header holds a delimiter-like character (the error suggests
    that delimiter)."""
    if not text.strip():
        raise pd.errors.EmptyDataError("no data")
    delimiter = _delimiter(text[:_SNIFF_CHARS])
    names = next(csv.reader(io.StringIO(text), delimiter=delimiter), [])
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise DataError(
            f"duplicate column name(s) {_listing(repeated)}: give each column its own name"
        )
    frame = pd.read_csv(io.StringIO(text), sep=delimiter)
    if frame.empty and len(frame.columns):
        raise DataError("it has a header but no data rows")
    if frame.shape[1] == 1:
        header = str(frame.columns[0])
        likely = [mark for mark in _DELIMITERS + ", :" if mark in header]
        if likely:
            raise DataError(
                f"only one column was found, named {header!r}: the delimiter may be "
                f"{likely[0]!r}; save the file with commas, semicolons or tabs between fields"
            )
    return frame


def _delimiter(sample: str) -> str:
    """The delimiter of a CSV sample: csv.Sniffer's choice among comma, semicolon, tab and
    ``|``, else a comma."""
    try:
        return csv.Sniffer().sniff(sample, delimiters=_DELIMITERS).delimiter
    except csv.Error:
        return ","


def _read_parquet(path: Path) -> pd.DataFrame:
    try:
        import pyarrow
        import pyarrow.parquet
    except ImportError:
        raise DataError('reading Parquet needs pyarrow: pip install "logitkit[parquet]"') from None
    try:
        return pyarrow.parquet.read_table(path).to_pandas()
    except pyarrow.ArrowException as error:
        raise DataError(f"malformed Parquet file ({_one_line(error)})") from None


def _one_line(error: BaseException) -> str:
    """An exception's message with its line breaks and runs of spaces collapsed."""
    return " ".join(str(error).split()) or type(error).__name__


def _listing(names: Sequence[object]) -> str:
    return ", ".join(repr(str(name)) for name in names)


def check_finite(frame: pd.DataFrame) -> None:
    """Raise DataError naming the columns of ``frame`` that hold infinite values (or numbers
    too large for a double, which a CSV reader turns into infinities)."""
    numeric = frame.select_dtypes("number")
    infinite = {
        name: int(n) for name, n in numeric.isin([float("inf"), float("-inf")]).sum().items()
    }
    if any(infinite.values()):
        counts = ", ".join(f"{name!r} ({n})" for name, n in infinite.items() if n)
        raise DataError(
            f"column(s) {counts} have infinite values (or numbers too large for a double): "
            "drop those rows or rescale the column"
        )


def select_features(frame: pd.DataFrame, features: Sequence[str]) -> pd.DataFrame:
    """The columns ``features`` of ``frame``, checked to exist, be numeric and have no gaps."""
    missing = [name for name in features if name not in frame.columns]
    if missing:
        raise DataError(
            f"feature column(s) {_listing(missing)} not found; available columns: "
            f"{_listing(frame.columns)}"
        )
    X = frame[list(features)]
    non_numeric = [name for name in features if X[name].dtype.kind not in "biuf"]
    if non_numeric:
        kinds = ", ".join(f"{name!r} ({X[name].dtype})" for name in non_numeric)
        raise DataError(
            f"feature column(s) {kinds} are not numeric: encode them as numbers (e.g. one-hot "
            "with pandas.get_dummies), or choose the numeric features (--features A,B,...)"
        )
    check_finite(X)
    gaps = X.isna().sum()
    if gaps.any():
        counts = ", ".join(f"{name!r} ({int(n)})" for name, n in gaps.items() if n)
        raise DataError(
            f"feature column(s) {counts} have missing values: drop those rows or fill them in"
        )
    return X


def split_features(
    frame: pd.DataFrame, target: str, features: Sequence[str] | None = None
) -> tuple[pd.DataFrame, pd.Series]:
    """Split ``frame`` into the feature columns X and the target column y.

    ``features`` defaults to every column but ``target``. A missing target or feature column,
    a non-numeric or incomplete feature, and missing target values raise DataError.
    """
    if target not in frame.columns:
        raise DataError(
            f"target column {target!r} not found; available columns: {_listing(frame.columns)}"
        )
    if features is None:
        features = [name for name in frame.columns if name != target]
    else:
        features = list(features)
        if not features:
            raise DataError("no feature columns given: name at least one")
        if target in features:
            raise DataError(f"the target column {target!r} cannot also be a feature")
        repeated = sorted({name for name in features if features.count(name) > 1})
        if repeated:
            raise DataError(f"feature column(s) {_listing(repeated)} listed more than once")
    if not features:
        raise DataError(f"no feature columns: the table has only the target column {target!r}")
    if len(frame) == 0:
        raise DataError("the table has no rows")
    y = frame[target]
    n_missing = int(y.isna().sum())
    if n_missing:
        raise DataError(
            f"target column {target!r} has {n_missing} missing value(s) in {len(frame)} rows: "
            "drop those rows or fill them in"
        )
    return select_features(frame, features), y
