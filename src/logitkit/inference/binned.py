"""Binned residuals, as arm's ``binned.resids`` (Gelman and Hill, 2007, section 5.6).

The rows are sorted by fitted probability p̂ and cut into B bins of (nearly) equal counts,
B = ⌊√n⌋ by default. With breaks at positions mⱼ = ⌊n j / B⌋ of the sorted p̂₍₁₎ ≤ … ≤ p̂₍ₙ₎,
the j-th break is the midpoint (p̂₍ₘⱼ₎ + p̂₍ₘⱼ₊₁₎)/2; when the two are tied, p̂₍ₘⱼ₎ is replaced by
the largest p̂ below it (−∞ when there is none), so tied rows share a bin. A bin holds the
rows with p̂ in (lower break, upper break]; a bin left empty by ties is dropped. For each bin:

    mean_fitted = mean p̂,   mean_residual = mean (y − p̂),   count = nᵦ,
    fitted_low, fitted_high = min p̂, max p̂,   two_se = 2 sd(y − p̂)/√nᵦ

sd with the divisor nᵦ − 1. About 95% of the mean residuals should lie within ±two_se when
the model is right.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import NDArray

__all__ = ["BINNED_COLUMNS", "binned_table"]

BINNED_COLUMNS = (
    "mean_fitted",
    "mean_residual",
    "count",
    "fitted_low",
    "fitted_high",
    "two_se",
)


def binned_table(fitted: NDArray, residual: NDArray, bins: int | None) -> pd.DataFrame:
    """The binned residuals of rows with fitted probabilities ``fitted`` and response
    residuals ``residual``, in ``bins`` bins (⌊√n⌋ when None): one row per bin, columns
    :data:`BINNED_COLUMNS`."""
    x = np.asarray(fitted, dtype=np.float64)
    r = np.asarray(residual, dtype=np.float64)
    n = x.size
    count = int(np.floor(np.sqrt(n))) if bins is None else _check_bins(bins, n)
    positions = np.floor(n * np.arange(1, count) / count).astype(np.intp)
    ordered = np.sort(x)
    breaks = [-np.inf]
    if count > 1:
        for m in positions:
            low, high = ordered[m - 1], ordered[m]
            if low == high:
                below = ordered[ordered < low]
                low = below[-1] if below.size else -np.inf
            breaks.append((low + high) / 2.0)
    breaks.append(np.inf)
    edges = np.unique(breaks)
    which = np.searchsorted(edges, x, side="left") - 1
    rows = []
    for b in range(edges.size - 1):
        x_bin, r_bin = x[which == b], r[which == b]
        size = x_bin.size
        if size == 0:
            continue
        spread = 2.0 * np.std(r_bin, ddof=1) / np.sqrt(size) if size > 1 else np.nan
        rows.append((x_bin.mean(), r_bin.mean(), size, x_bin.min(), x_bin.max(), float(spread)))
    table = pd.DataFrame(rows, columns=list(BINNED_COLUMNS))
    table.index.name = "bin"
    return table


def _check_bins(bins: int, n: int) -> int:
    """``bins`` as an int in [1, n], or ValueError."""
    if isinstance(bins, bool) or not isinstance(bins, (int, np.integer)) or not 1 <= bins <= n:
        raise ValueError(f"bins must be a whole number from 1 to the {n} rows; got {bins!r}")
    return int(bins)
