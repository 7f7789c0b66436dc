"""Numbers written as R's summary.glm writes them, and the significance codes.

R's format(x, digits) for a vector (shared decimals, e-notation when narrower, "Inf", "-Inf",
"NaN"), printCoefmat's estimates and standard errors formatted together so the smallest
shows 4 significant digits and its z values to 3 decimals, format.pval's p-values to 3
significant digits ("<2e-16" below machine precision), the significance stars, counts and
percentages.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = [
    "COEF_DIGITS",
    "FIT_DIGITS",
    "format_count",
    "format_estimates",
    "format_fixed",
    "format_pvalues",
    "format_z",
    "percent",
    "stars",
]

_STARS = ((0.001, "***"), (0.01, "**"), (0.05, "*"), (0.1, "."), (math.inf, " "))
_EPS = float(np.finfo(np.float64).eps)
COEF_DIGITS = 4
_P_DIGITS = 3
_Z_DECIMALS = 3
FIT_DIGITS = 5


def _nonfinite(value: float) -> str:
    """R's spelling of a non-finite number."""
    if math.isnan(value):
        return "NaN"
    return "Inf" if value > 0 else "-Inf"


def percent(fraction: float) -> str:
    """100·fraction without trailing zeros: 0.025 → "2.5", 0.95 → "95"."""
    return f"{100.0 * fraction:.6g}"


def format_count(value: float) -> str:
    """A count: an integer when it is one, else 6 significant digits (fractional weights)."""
    return str(round(value)) if float(value).is_integer() else f"{value:.6g}"


def _needed_decimals(value: float, digits: int) -> int:
    """Decimals that show |value| to ``digits`` significant digits, trailing zeros dropped."""
    if value == 0.0:
        return 0
    rounded = float(f"{value:.{digits - 1}e}")
    decimals = max(0, digits - 1 - math.floor(math.log10(abs(rounded))))
    text = f"{rounded:.{decimals}f}"
    return len(text.rstrip("0").split(".")[1]) if "." in text else 0


def _needed_mantissa(value: float, digits: int) -> int:
    """Mantissa decimals that show value to ``digits`` significant digits in e-notation."""
    mantissa = f"{value:.{digits - 1}e}".split("e")[0]
    return len(mantissa.rstrip("0").split(".")[1]) if "." in mantissa else 0


def format_fixed(values: Sequence[float] | pd.Series, digits: int) -> list[str]:
    """Numbers formatted together the way R's format(x, digits) formats a vector.

    Enough decimals, shared by all, that each number shows ``digits`` significant digits
    (trailing zeros dropped, digits left of the point never cut); e-notation with a shared
    mantissa instead when that is narrower. Non-finite values read "Inf", "-Inf", "NaN".
    """
    numbers = [float(v) for v in values]
    finite = [v for v in numbers if math.isfinite(v)]
    if not finite:
        return [_nonfinite(v) for v in numbers]
    decimals = max(_needed_decimals(v, digits) for v in finite)
    mantissa = max(_needed_mantissa(v, digits) for v in finite)
    fixed = [f"{v:.{decimals}f}" for v in finite]
    scientific = [f"{v:.{mantissa}e}" for v in finite]
    spelled = iter(scientific if max(map(len, fixed)) > max(map(len, scientific)) else fixed)
    return [next(spelled) if math.isfinite(v) else _nonfinite(v) for v in numbers]


def format_estimates(coef: pd.Series, std_err: pd.Series) -> tuple[list[str], list[str]]:
    """Estimates and standard errors formatted together, as R's printCoefmat does.

    Both columns are rounded to max(1, d − 1 − ⌊log₁₀ m⌋) decimals, m the smallest non-zero
    finite magnitude among them and d = 4 digits, then formatted together with d digits.
    """
    values = np.concatenate([coef.to_numpy(float), std_err.to_numpy(float)])
    magnitudes = np.abs(values[np.isfinite(values) & (values != 0.0)])
    smallest = math.floor(math.log10(magnitudes.min())) if magnitudes.size else 0
    decimals = max(1, COEF_DIGITS - 1 - smallest)
    with np.errstate(invalid="ignore"):
        rounded = np.where(np.isfinite(values), np.round(values, decimals), values)
    cells = format_fixed(rounded, COEF_DIGITS)
    return cells[: len(coef)], cells[len(coef) :]


def format_z(values: pd.Series) -> list[str]:
    """z values rounded to 3 decimals, then formatted together with 4 digits (printCoefmat)."""
    z = values.to_numpy(float)
    with np.errstate(invalid="ignore"):
        rounded = np.where(np.isfinite(z), np.round(z, _Z_DECIMALS), z)
    return format_fixed(rounded, COEF_DIGITS)


def format_pvalues(values: Sequence[float] | pd.Series) -> list[str]:
    """R's format.pval(p, digits = 3, eps = ε), as summary.glm prints p-values.

    p ≥ 10⁻⁴ are formatted together with 3 digits, smaller ones together (in e-notation when
    narrower); p < ε reads "<2e-16", or "< 2e-16" when another p-value is wider than six
    characters.
    """
    numbers = [float(v) for v in values]
    cells = [_nonfinite(p) if not math.isfinite(p) else "" for p in numbers]
    regular = [i for i, p in enumerate(numbers) if math.isfinite(p) and p >= _EPS]
    for group in (
        [i for i in regular if numbers[i] >= 1e-4],
        [i for i in regular if numbers[i] < 1e-4],
    ):
        texts = format_fixed([numbers[i] for i in group], _P_DIGITS) if group else []
        for i, text in zip(group, texts, strict=True):
            cells[i] = text
    widest = max((len(cells[i]) for i in regular), default=0)
    below = f"<{'' if widest <= 6 else ' '}{_EPS:.0e}"
    return [
        below if math.isfinite(p) and p < _EPS else cell
        for p, cell in zip(numbers, cells, strict=True)
    ]


def stars(p: float) -> str:
    """R's significance code for a p-value: cut points 0.001, 0.01, 0.05, 0.1 (right-closed)."""
    if not math.isfinite(p):
        return ""
    return next(symbol for cut, symbol in _STARS if p <= cut).ljust(3)
