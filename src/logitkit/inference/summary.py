"""The Summary of a fitted logistic regression: its text, HTML and data renderings.

The text follows R's ``summary(glm(..., family = binomial))`` and the number formatting of
R's printCoefmat and format.pval: estimates and standard errors rounded and formatted
together so the smallest shows 4 significant digits, z to 3 decimals, p-values to 3
significant digits ("<2e-16" below machine precision) with significance codes, then the null
and residual deviances with their degrees of freedom (5 significant digits), AIC, BIC, the
log-likelihood, the iterations and how the standard errors and intervals were computed.
The interval and odds-ratio columns follow the significance codes. The numbers are written by
:mod:`logitkit.inference.formatting`.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np
import pandas as pd

from ..core.aliasing import aliased_note
from ..core.record import FitRecord
from .covariance import COV_TYPES, TABLE_COLUMNS, check_level
from .formatting import (
    COEF_DIGITS,
    FIT_DIGITS,
    format_count,
    format_estimates,
    format_fixed,
    format_pvalues,
    format_z,
    percent,
    stars,
)

__all__ = ["CI_METHODS", "Summary"]

CI_METHODS = ("wald", "profile")
SIGNIF_LEGEND = "Signif. codes:  0 ‘***’ 0.001 ‘**’ 0.01 ‘*’ 0.05 ‘.’ 0.1 ‘ ’ 1"
NOT_CONVERGED = "WARNING: the solver did not converge; these numbers are not the optimum"
CONDITIONAL_ON_SELECTION = (
    "Penalised fit: p-values and intervals condition on the selected model "
    "(alpha and the kept terms taken as given)"
)


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
    separation_checked: False when the check could not run to the end (Dask data whose
        one-pass certificate failed): then None above does not rule separation out.
    aliased: each aliased (not estimable) term → the terms it is a linear combination of;
        its row of the table is NaN and it does not count in the degrees of freedom.
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
    aliased: dict[str, list[str]] = field(default_factory=dict)
    target: str | None = None
    modelled: Any = None
    firth: bool = False
    penalty: str | None = None
    reference: Any = None
    symmetric: bool = False
    separation_checked: bool = True

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
        defined = (
            f" ({len(self.aliased)} not defined because of singularities)" if self.aliased else ""
        )
        middle = ["", f"Coefficients:{defined}", *self._grouped(body)]
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
        for entry in fields(self):
            if entry.name in ("table", "separation"):
                continue
            result[entry.name] = _json_value(getattr(self, entry.name))
        result["separation"] = _separation_dict(self.separation)
        return result

    def _header_lines(self) -> list[str]:
        lines = [NOT_CONVERGED] if not self.converged else []
        selected = [CONDITIONAL_ON_SELECTION] if self.penalty else []
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
            return lines + selected
        lines.append(f"Logistic regression (binomial, logit link), fitted {method}")
        if self.target is not None:
            lines.append(f"Response: {self.target}, modelled as P({self.target} = {self.modelled})")
        elif self.modelled is not None:
            lines.append(f"Modelled: P(y = {self.modelled})")
        return lines + selected

    def _footer_lines(self) -> list[str]:
        deviances = format_fixed([self.null_deviance, self.deviance], FIT_DIGITS)
        degrees = [format_count(self.df_model + self.df_resid), format_count(self.df_resid)]
        width = max(len(d) for d in degrees)
        lines = [
            f"{label} deviance: {value}  on {df.rjust(width)}  degrees of freedom"
            for label, value, df in zip(("    Null", "Residual"), deviances, degrees, strict=True)
        ]
        aic, bic, loglik = (
            format_fixed([value], FIT_DIGITS)[0] for value in (self.aic, self.bic, self.loglik)
        )
        lines.append(f"AIC: {aic}    BIC: {bic}    Log-likelihood: {loglik}")
        lines.append(f"Number of observations: {format_count(self.n_obs)}")
        state = "converged" if self.converged else "not converged"
        lines.append(f"Number of iterations: {self.n_iter} ({self.solver}), {state}")
        lines.append(f"Standard errors: {self._cov_description()}; {self._ci_description()}")
        notes = self._symmetric_note() + self._separation_note() + aliased_note(self.aliased)
        return lines + notes

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
        return f"{percent(self.level)}% {kind} intervals"

    def _separation_note(self) -> list[str]:
        """The separation finding in plain words, and what it means for this fit."""
        if not self.separation_checked:
            return [
                "Note: separation was not ruled out. The one-pass overlap certificate failed on "
                "this fit's Dask data, and the linear programs that find a separation need the "
                "rows in memory. Very large coefficients or standard errors would signal it."
            ]
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
        low, high = percent((1.0 - self.level) / 2.0), percent((1.0 + self.level) / 2.0)
        header = ["", "Estimate", "Std. Error", "z value", "Pr(>|z|)"]
        columns = [
            *format_estimates(table["coef"], table["std_err"]),
            format_z(table["z"]),
            format_pvalues(table["p_value"]),
        ]
        if self._show_stars():
            header.append("")
            columns.append([stars(p) for p in table["p_value"]])
        header += [f"{low} %", f"{high} %", "Odds ratio", f"OR {low} %", f"OR {high} %"]
        for name in ("ci_low", "ci_high", "odds_ratio", "or_low", "or_high"):
            columns.append(format_fixed(table[name], COEF_DIGITS))
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


def fit_fields(record: FitRecord) -> dict[str, Any]:
    """The Summary fields read straight from a fit's record: ℓ, deviances, AIC, BIC, df, n."""
    names: tuple[str, ...] = (
        "loglik",
        "null_loglik",
        "deviance",
        "null_deviance",
        "aic",
        "bic",
        "df_model",
    )
    names += ("df_resid", "n_obs", "converged", "n_iter", "solver", "separation_checked")
    return {name: getattr(record, name) for name in names}
