"""Dask collections as the Dask backend reads them: a validated matrix of row chunks, and
the distinct labels, codes and per-row lookups built lazily from one value per row.

Nothing here brings rows to the client: a DataFrame is converted with its partitions' row
counts, labels are counted by ``dask.array.unique`` (one pass over them), and codes and
lookups are lazy ``map_blocks`` that run inside the passes that read them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import dask
import dask.array as da
import numpy as np
import pandas as pd
from numpy.typing import NDArray

from .base import is_dask_collection

CHUNKS_HELP = (
    "Dask needs to know how many rows each chunk holds: call X.compute_chunk_sizes() on the "
    "array, or make it from a DataFrame with df.to_dask_array(lengths=True) (or pass the "
    "DataFrame itself)"
)


def is_frame(value: object) -> bool:
    """A Dask DataFrame or Series (what turns into an array with ``to_dask_array``)."""
    return is_dask_collection(value) and hasattr(value, "to_dask_array")


def dask_matrix(X: Any, allow_empty: bool = False) -> tuple[da.Array, list[str] | None]:
    """X as a validated float Dask array of row chunks and one column chunk, with the column
    names of a DataFrame (None for an array).

    A DataFrame's columns must be numbers or booleans; booleans and pandas' extension dtypes
    (nullable or Arrow-backed) become float64, a missing value NaN; it is converted with its
    chunks' row counts (``to_dask_array(lengths=True)``, one pass over its partitions). An
    array must know its chunks' sizes; integers and booleans become float64, float32 stays
    float32; column chunks are merged into one. At least one row and one column, unless
    ``allow_empty``.
    """
    names = None
    if is_frame(X):
        if not hasattr(X, "columns"):
            raise ValueError("X must be 2-D: a Dask DataFrame or array, not a Series")
        names = [str(name) for name in X.columns]
        bad = [str(name) for name, dtype in X.dtypes.items() if not _numeric(dtype)]
        if bad:
            raise ValueError(
                f"X has non-numeric column(s) {', '.join(map(repr, bad))}: logistic regression "
                "needs numbers. Encode them first or drop them"
            )
        X = frame_array(_numbers(X))
    if not isinstance(X, da.Array):
        raise TypeError(f"the Dask backend reads a dask.array.Array or DataFrame; got {type(X)}")
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D (rows × features); got {X.ndim} dimension(s)")
    if any(np.isnan(size) for size in X.chunks[0]) or np.isnan(X.shape[1]):
        raise ValueError(f"X has chunks of unknown size. {CHUNKS_HELP}")
    if X.shape[0] < 1 and not allow_empty:
        raise ValueError("X has 0 samples: at least one is required")
    if X.shape[1] < 1:
        raise ValueError("X has 0 features: at least one is required")
    if X.dtype not in (np.float32, np.float64):
        if not _numeric(X.dtype):
            raise ValueError(f"X must hold numbers; got dtype {X.dtype}")
        X = X.astype(np.float64)
    if len(X.chunks[1]) > 1:
        X = X.rechunk({1: -1})
    return X, names


def frame_array(frame: Any) -> da.Array:
    """A Dask DataFrame or Series as an array with its partitions' row counts (one pass),
    taken after Dask's optimisation: reading few columns from files can join partitions, so
    the partitions before it need not be those computed."""
    return frame.optimize().to_dask_array(lengths=True)


def _numbers(frame: Any) -> Any:
    """The frame with its boolean columns and those of pandas' extension dtypes as float64:
    NumPy's numbers alone make a numeric array (booleans beside numbers make one of objects)."""
    others = {
        name: np.float64
        for name, dtype in frame.dtypes.items()
        if not (isinstance(dtype, np.dtype) and dtype.kind in "iuf")
    }
    return frame.astype(others) if others else frame


def _numeric(dtype: Any) -> bool:
    """Numbers and booleans (NumPy's or pandas' extension dtypes)."""
    return bool(pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype))


def aligned_values(values: Any, chunks: tuple[int, ...], dtype: Any, name: str) -> da.Array:
    """One value per row as a Dask array whose chunks hold ``chunks`` rows (those of X), of
    ``dtype`` (None keeps it): a NumPy array or list is cut into those chunks; a Dask array
    must have them already; a Dask Series or DataFrame is cut like X whatever its partitions
    (a column read from files may be partitioned apart from the others: Dask joins small
    partitions when it reads few columns). Two columns (n × K) are kept as one column chunk."""
    n_samples = int(sum(chunks))
    if isinstance(values, da.Array):
        array = values
    elif is_frame(values):
        array = frame_array(values)
        if array.shape[0] == n_samples and tuple(array.chunks[0]) != chunks:
            array = array.rechunk({0: chunks})
    elif is_dask_collection(values):
        raise TypeError(f"{name} must be a Dask array or Series; got {type(values)}")
    else:
        local = np.asarray(values) if dtype is None else np.asarray(values, dtype=dtype)
        if local.ndim == 0 or local.shape[0] != n_samples:
            got = "a scalar" if local.ndim == 0 else f"{local.shape[0]} entries"
            raise ValueError(f"{name} has {got} but X has {n_samples} rows")
        array = da.from_array(local, chunks=(chunks, *local.shape[1:]))
    if array.ndim == 2 and array.shape[1] == 1 and name in ("y", "labels"):
        array = array[:, 0]
    if array.ndim not in (1, 2):
        raise ValueError(f"{name} must hold one value per row; got shape {array.shape}")
    if any(np.isnan(size) for size in array.chunks[0]):
        raise ValueError(f"{name} has chunks of unknown size. {CHUNKS_HELP}")
    if tuple(array.chunks[0]) != chunks:
        raise ValueError(
            f"{name} is not aligned with X: its chunks hold {shown(array.chunks[0])} rows, "
            f"those of X {shown(chunks)}. Rechunk it like X, e.g. "
            f"{name}.rechunk(X.chunks[0])"
        )
    if array.ndim == 2 and len(array.chunks[1]) > 1:
        array = array.rechunk({1: -1})
    return array if dtype is None or array.dtype == dtype else array.astype(dtype)


def unique_labels(labels: da.Array) -> tuple[NDArray, NDArray]:
    """The sorted distinct values of a Dask array and how often each occurs (one pass)."""
    classes, counts = da.unique(labels, return_counts=True)
    classes, counts = dask.compute(classes, counts)
    return np.asarray(classes), np.asarray(counts)


def label_codes(labels: da.Array, classes: NDArray) -> da.Array:
    """Each label's position among the sorted ``classes`` (which hold every label), lazily:
    for two classes, whether the label is the second, one comparison a row where a search
    took five times as long."""
    return da.map_blocks(_positions, labels, classes, dtype=np.intp, meta=np.empty(0, np.intp))


def per_code(codes: da.Array, table: NDArray) -> da.Array:
    """``table[codeᵢ]`` for every row, lazily (a class weight per row, say)."""
    return da.map_blocks(_lookup, codes, np.asarray(table), dtype=np.asarray(table).dtype)


def _positions(block: NDArray, classes: NDArray) -> NDArray:
    if len(classes) == 2:
        return np.equal(np.asarray(block), classes[1]).astype(np.intp)
    return np.searchsorted(classes, np.asarray(block)).astype(np.intp)


def _lookup(block: NDArray, table: NDArray) -> NDArray:
    return table[np.asarray(block, dtype=np.intp)]


def shown(chunks: Sequence[float]) -> str:
    """Known chunk sizes as a short list."""
    sizes = [int(size) for size in chunks]
    return str(sizes) if len(sizes) <= 8 else f"{sizes[:4]} … {sizes[-2:]} ({len(sizes)} chunks)"


def row_weights(
    design: Any,
    sample_weight: Any,
    codes: da.Array | None = None,
    per_class: NDArray | None = None,
) -> da.Array:
    """The weight of every row, lazily: ``sample_weight`` (None: 1, a number: that number,
    else one value per row aligned with X), times ``per_class[codeᵢ]`` when given (class
    weights), for the rows of the Dask design ``design``. Their values are checked as the
    first pass reads them."""
    if sample_weight is None:
        weights = da.ones(design.n_samples, chunks=(design.chunks,))
    elif np.ndim(sample_weight) == 0 and not is_dask_collection(sample_weight):
        weights = da.full(design.n_samples, float(sample_weight), chunks=(design.chunks,))
    else:
        weights = design.sample_values(sample_weight, np.float64, "sample_weight")
        if weights.ndim != 1:
            raise ValueError(
                f"sample_weight must be 1-D, one weight per sample; got shape {weights.shape}"
            )
    if per_class is not None and codes is not None:
        weights = weights * per_code(codes, np.asarray(per_class, dtype=np.float64))
    return weights
