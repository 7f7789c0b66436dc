"""The Summary of a fitted logistic regression: its text, HTML and data renderings.

The text follows R's ``summary(glm(..., family = binomial))`` and the number formatting of
R's printCoefmat and format.pval: estimates and standard errors rounded and formatted
together so the smallest shows 4 significant digits, z to 3 decimals, p-values to 3
significant digits ("<2e-16" below machine precision) with significance codes, then the null
and residual deviances with their degrees of freedom (5 significant digits), AIC, BIC, the
log-likelihood, the iterations and how the standard errors and intervals were computed.
The interval and odds-ratio columns follow the significance codes.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import pandas as pd

from ..core.record import FitRecord
from .covariance import COV_TYPES, TABLE_COLUMNS, check_level

__all__ = ["CI_METHODS", "Summary"]

CI_METHODS = ("wald", "profile")
SIGNIF_LEGEND = "Signif. codes:  0 ‘***’ 0.001 ‘**’ 0.01 ‘*’ 0.05 ‘.’ 0.1 ‘ ’ 1"
NOT_CONVERGED = "WARNING: the solver did not converge; these numbers are not the optimum"
_STARS = ((0.001, "***"), (0.01, "**"), (0.05, "*"), (0.1, "."), (math.inf, " "))
_EPS = float(np.finfo(np.float64).eps)
_COEF_DIGITS = 4
_P_DIGITS = 3
_Z_DECIMALS = 3
_FIT_DIGITS = 5


@dataclass(frozen=True, eq=False)
class Summary:
    """What a fit says about its coefficients and its likelihood.

    table: one row per term ("Intercept" first), the columns of
        :data:`logitkit.inference.TABLE_COLUMNS`; with ``ci="profile"`` the interval and
        odds-ratio bounds are profile-likelihood ones, z and p stay Wald's.
    loglik, null_loglik: ℓ(θ̂) = Σ sᵢ [yᵢ log ŷᵢ + (1 − yᵢ) log(1 − ŷᵢ)] and the same for the
        intercept-only model.
    deviance, null_deviance: −2ℓ and −2ℓ₀ (Bernoulli data: the saturated ℓ is 0).
    aic, bic: −2ℓ + 2k and −2ℓ + k log n, k coefficients.
    df_model: the coefficients other than the intercept; df_resid = n − k. The null
        deviance has df_model + df_resid degrees of freedom, the residual one df_resid.
    n_obs: n = Σ sᵢ, the frequency-weighted number of observations.
    converged, n_iter, solver: how the fit ended.
    cov_type: "nonrobust", "HC0", "HC1" or "cluster" (then ``n_groups`` clusters).
    ci, level: "wald" or "profile" intervals at this confidence level.
    separation: None, or the separation finding (its str() is one sentence).
    target, modelled: the response's name and the label modelled as P(y = 1).
    firth, penalty: Firth's bias reduction; a description of any other penalty
        (e.g. "alpha=0.1, l1_ratio=0"), None when there is none.
    reference: the reference class of a multinomial fit (three or more classes), whose
        table is indexed by (class, term): each class's log-odds against the reference.
        None for a binary fit.
    symmetric: a penalised multinomial fit in the symmetric parameterisation: its table is
        indexed by (class, term) with every class, the intercepts centred to sum to 0.
    """

    table: pd.DataFrame
    loglik: float
    null_loglik: float
    deviance: float
    null_deviance: float
    aic: float
    bic: float
    df_model: float
    df_resid: float
    n_obs: float
    converged: bool
    n_iter: int
    solver: str
    cov_type: str = "nonrobust"
    ci: str = "wald"
    level: float = 0.95
    n_groups: int | None = None
    separation: Any = None
    target: str | None = None
    modelled: Any = None
    firth: bool = False
    penalty: str | None = None
    reference: Any = None
    symmetric: bool = False

    def __post_init__(self) -> None:
        if list(self.table.columns) != list(TABLE_COLUMNS):
            raise ValueError(
                f"table must have the columns {list(TABLE_COLUMNS)}; got {list(self.table.columns)}"
            )
        if self.cov_type not in COV_TYPES:
            raise ValueError(f"cov_type must be one of {COV_TYPES}; got {self.cov_type!r}")
        if self.ci not in CI_METHODS:
            raise ValueError(f"ci must be one of {CI_METHODS}; got {self.ci!r}")
        object.__setattr__(self, "level", check_level(self.level))
        object.__setattr__(self, "table", self.table.copy())

    def to_frame(self) -> pd.DataFrame:
        """A copy of :attr:`table`."""
        return self.table.copy()

    def __str__(self) -> str:
        header, footer = self._header_lines(), self._footer_lines()
        rows = self._coefficient_rows()
        widths = [max(len(row[j]) for row in rows) for j in range(len(rows[0]))]
        body = [
            " ".join(
                cell.ljust(width) if j == 0 else cell.rjust(width)
                for j, (cell, width) in enumerate(zip(row, widths, strict=True))
            ).rstrip()
            for row in rows
        ]
        middle = ["", "Coefficients:", *self._grouped(body)]
        if self._show_stars():
            middle += ["---", SIGNIF_LEGEND]
        return "\n".join([*header, *middle, "", *footer])

    def _grouped(self, body: list[str]) -> list[str]:
        """A multinomial table's rows under one heading per class (the header row first)."""
        if not isinstance(self.table.index, pd.MultiIndex):
            return body
        lines, previous = [body[0]], None
        name = self.target if self.target is not None else "y"
        for label, line in zip(self.table.index.get_level_values(0), body[1:], strict=True):
            if label != previous:
                against = "" if self.symmetric else f" (vs. {name} = {self.reference})"
                lines.append(f"{name} = {label}{against}:")
                previous = label
            lines.append(line)
        return lines

    def _repr_html_(self) -> str:
        """The same content as :meth:`__str__`, as an HTML fragment with one table."""
        rows = self._coefficient_rows()
        if isinstance(self.table.index, pd.MultiIndex):
            rows = [rows[0]] + [
                [_term_key(term), *row[1:]]
                for term, row in zip(self.table.index, rows[1:], strict=True)
            ]
        head = "".join(f"<th>{html.escape(cell)}</th>" for cell in rows[0])
        body = "".join(
            "<tr><th>{}</th>{}</tr>".format(
                html.escape(row[0]), "".join(f"<td>{html.escape(cell)}</td>" for cell in row[1:])
            )
            for row in rows[1:]
        )
        header = self._header_lines()
        parts = ['<div class="logitkit-summary">']
        if not self.converged:
            parts.append(f"<p><strong>{html.escape(header[0])}</strong></p>")
            header = header[1:]
        parts.append("<p>{}</p>".format("<br>".join(html.escape(line) for line in header)))
        parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
        if self._show_stars():
            parts.append(f"<p>{html.escape(SIGNIF_LEGEND)}</p>")
        footer = self._footer_lines()
        parts.append("<p>{}</p>".format("<br>".join(html.escape(line) for line in footer)))
        parts.append("</div>")
        return "".join(parts)

    def to_dict(self) -> dict[str, Any]:
        """Every statistic and the table as plain JSON-serialisable values.

        ``coefficients`` maps each term to its row (column name → value). Floats that JSON
        cannot hold are the strings "inf", "-inf" and "nan"; NumPy scalars become Python ones;
        ``separation`` is None or {"message", "kind", "terms"}; ``modelled`` keeps a number or
        string label and is otherwise its str().
        """
        result: dict[str, Any] = {
            "coefficients": {
                _term_key(term): {column: _json_value(value) for column, value in row.items()}
                for term, row in self.table.iterrows()
            }
        }
        for field in fields(self):
            if field.name in ("table", "separation"):
                continue
            result[field.name] = _json_value(getattr(self, field.name))
        result["separation"] = _separation_dict(self.separation)
        return result

    def _header_lines(self) -> list[str]:
        lines = [NOT_CONVERGED] if not self.converged else []
        if self.firth:
            method = "by Firth's penalised likelihood"
        elif self.penalty:
            method = f"with penalty {self.penalty}"
        else:
            method = "by maximum likelihood"
        if self.reference is not None or self.symmetric:
            classes = len(self.table.index.get_level_values(0).unique()) + (not self.symmetric)
            lines.append(f"Multinomial logistic regression ({classes} classes), fitted {method}")
            name = self.target if self.target is not None else "y"
            if self.symmetric:
                lines.append(f"Response: {name}, one logit per class (symmetric parameterisation)")
            else:
                against = f"{name} = {self.reference}"
                lines.append(f"Response: {name}, log-odds of each class against {against}")
            return lines
        lines.append(f"Logistic regression (binomial, logit link), fitted {method}")
        if self.target is not None:
            lines.append(f"Response: {self.target}, modelled as P({self.target} = {self.modelled})")
        elif self.modelled is not None:
            lines.append(f"Modelled: P(y = {self.modelled})")
        return lines

    def _footer_lines(self) -> list[str]:
        deviances = _format_fixed([self.null_deviance, self.deviance], _FIT_DIGITS)
        degrees = [_format_count(self.df_model + self.df_resid), _format_count(self.df_resid)]
        width = max(len(d) for d in degrees)
        lines = [
            f"{label} deviance: {value}  on {df.rjust(width)}  degrees of freedom"
            for label, value, df in zip(("    Null", "Residual"), deviances, degrees, strict=True)
        ]
        aic, bic, loglik = (
            _format_fixed([value], _FIT_DIGITS)[0] for value in (self.aic, self.bic, self.loglik)
        )
        lines.append(f"AIC: {aic}    BIC: {bic}    Log-likelihood: {loglik}")
        lines.append(f"Number of observations: {_format_count(self.n_obs)}")
        state = "converged" if self.converged else "not converged"
        lines.append(f"Number of iterations: {self.n_iter} ({self.solver}), {state}")
        lines.append(f"Standard errors: {self._cov_description()}; {self._ci_description()}")
        return lines + self._symmetric_note() + self._separation_note()

    def _symmetric_note(self) -> list[str]:
        """How to read the coefficients of the symmetric parameterisation."""
        if not self.symmetric:
            return []
        return [
            "Note: symmetric parameterisation: every class has its own coefficients, "
            "identified by the penalty, and the intercepts are centred to sum to 0; "
            "exp(coef) multiplies a class's probability relative to the geometric mean of all "
            "classes' probabilities. Standard errors come from the penalised information."
        ]

    def _cov_description(self) -> str:
        if self.cov_type == "cluster":
            groups = "" if self.n_groups is None else f", {self.n_groups} groups"
            return f"cluster-robust{groups}"
        if self.cov_type == "nonrobust":
            return "nonrobust (inverse information)"
        return f"{self.cov_type} (heteroskedasticity-robust sandwich)"

    def _ci_description(self) -> str:
        kind = "profile-likelihood" if self.ci == "profile" else "Wald"
        return f"{_percent(self.level)}% {kind} intervals"

    def _separation_note(self) -> list[str]:
        """The separation finding in plain words, and what it means for this fit."""
        if self.separation is None:
            return []
        sentence = str(self.separation).strip()
        if not sentence.endswith((".", "!", "?")):
            sentence += "."
        if self.firth or self.penalty:
            return [f"Note: {sentence}", "The penalty keeps the estimates finite."]
        return [
            f"Note: {sentence}",
            "The standard errors of the separated coefficients are infinite. "
            "Consider firth=True or a penalty (alpha > 0).",
        ]

    def _show_stars(self) -> bool:
        """R prints significance codes only when some p-value is below 0.1."""
        return bool(np.any(self.table["p_value"].to_numpy() < 0.1))

    def _coefficient_rows(self) -> list[list[str]]:
        """Header and one row per term: name, estimate, se, z, p, (stars), bounds, odds."""
        table = self.table
        low, high = _percent((1.0 - self.level) / 2.0), _percent((1.0 + self.level) / 2.0)
        header = ["", "Estimate", "Std. Error", "z value", "Pr(>|z|)"]
        columns = [
            *_format_estimates(table["coef"], table["std_err"]),
            _format_z(table["z"]),
            _format_pvalues(table["p_value"]),
        ]
        if self._show_stars():
            header.append("")
            columns.append([_stars(p) for p in table["p_value"]])
        header += [f"{low} %", f"{high} %", "Odds ratio", f"OR {low} %", f"OR {high} %"]
        for name in ("ci_low", "ci_high", "odds_ratio", "or_low", "or_high"):
            columns.append(_format_fixed(table[name], _COEF_DIGITS))
        names = (
            [f"  {term}" for term in table.index.get_level_values(1)]
            if isinstance(table.index, pd.MultiIndex)
            else [str(term) for term in table.index]
        )
        return [header] + [
            [name, *(column[i] for column in columns)] for i, name in enumerate(names)
        ]


def _term_key(term: Any) -> str:
    """A table row's key: the term, or "class:term" for a multinomial table."""
    return ":".join(map(str, term)) if isinstance(term, tuple) else str(term)


def _separation_dict(separation: Any) -> dict[str, Any] | None:
    if separation is None:
        return None
    terms = getattr(separation, "terms", None)
    return {
        "message": str(separation),
        "kind": _json_value(getattr(separation, "kind", None)),
        "terms": None if terms is None else {str(k): _json_value(v) for k, v in terms.items()},
    }


def _json_value(value: Any) -> Any:
    """A JSON-native value: non-finite floats as "inf", "-inf", "nan"; NumPy scalars unwrapped."""
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return value
    if isinstance(value, Mapping):
        return {str(key): _json_value(item) for key, item in value.items()}
    if isinstance(value, Sequence):
        return [_json_value(item) for item in value]
    return str(value)


def _nonfinite(value: float) -> str:
    """R's spelling of a non-finite number."""
    if math.isnan(value):
        return "NaN"
    return "Inf" if value > 0 else "-Inf"


def _percent(fraction: float) -> str:
    """100·fraction without trailing zeros: 0.025 → "2.5", 0.95 → "95"."""
    return f"{100.0 * fraction:.6g}"


def _format_count(value: float) -> str:
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


def _format_fixed(values: Sequence[float] | pd.Series, digits: int) -> list[str]:
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


def _format_estimates(coef: pd.Series, std_err: pd.Series) -> tuple[list[str], list[str]]:
    """Estimates and standard errors formatted together, as R's printCoefmat does.

    Both columns are rounded to max(1, d − 1 − ⌊log₁₀ m⌋) decimals, m the smallest non-zero
    finite magnitude among them and d = 4 digits, then formatted together with d digits.
    """
    values = np.concatenate([coef.to_numpy(float), std_err.to_numpy(float)])
    magnitudes = np.abs(values[np.isfinite(values) & (values != 0.0)])
    smallest = math.floor(math.log10(magnitudes.min())) if magnitudes.size else 0
    decimals = max(1, _COEF_DIGITS - 1 - smallest)
    with np.errstate(invalid="ignore"):
        rounded = np.where(np.isfinite(values), np.round(values, decimals), values)
    cells = _format_fixed(rounded, _COEF_DIGITS)
    return cells[: len(coef)], cells[len(coef) :]


def _format_z(values: pd.Series) -> list[str]:
    """z values rounded to 3 decimals, then formatted together with 4 digits (printCoefmat)."""
    z = values.to_numpy(float)
    with np.errstate(invalid="ignore"):
        rounded = np.where(np.isfinite(z), np.round(z, _Z_DECIMALS), z)
    return _format_fixed(rounded, _COEF_DIGITS)


def _format_pvalues(values: Sequence[float] | pd.Series) -> list[str]:
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
        texts = _format_fixed([numbers[i] for i in group], _P_DIGITS) if group else []
        for i, text in zip(group, texts, strict=True):
            cells[i] = text
    widest = max((len(cells[i]) for i in regular), default=0)
    below = f"<{'' if widest <= 6 else ' '}{_EPS:.0e}"
    return [
        below if math.isfinite(p) and p < _EPS else cell
        for p, cell in zip(numbers, cells, strict=True)
    ]


def _stars(p: float) -> str:
    """R's significance code for a p-value: cut points 0.001, 0.01, 0.05, 0.1 (right-closed)."""
    if not math.isfinite(p):
        return ""
    return next(symbol for cut, symbol in _STARS if p <= cut).ljust(3)


def fit_fields(record: FitRecord) -> dict[str, Any]:
    """The Summary fields read straight from a fit's record: ℓ, deviances, AIC, BIC, df, n."""
    names = ("loglik", "null_loglik", "deviance", "null_deviance", "aic", "bic", "df_model")
    names += ("df_resid", "n_obs", "converged", "n_iter", "solver")
    return {name: getattr(record, name) for name in names}
