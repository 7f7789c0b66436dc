"""The report's page: its heading, the data and command, the warnings, every section of
:mod:`logitkit.report.sections`, written to one file."""

from __future__ import annotations

import datetime
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from .assemble import Inputs, Results, gather
from .check_sections import convergence_section, margins_section, residuals_section
from .figures import require_matplotlib
from .fit_sections import anova_section, fit_section, summary_section, vif_section
from .page import Section, definitions, escape, page

__all__ = ["SECTIONS", "write_report"]

SECTIONS = (
    summary_section,
    fit_section,
    anova_section,
    vif_section,
    residuals_section,
    margins_section,
    convergence_section,
)


def write_report(inputs: Inputs, path: Path, title: str | None) -> Path:
    """Check the path, compute the report of ``inputs`` and write it to ``path``."""
    require_matplotlib()
    _check_writable(path)
    results = gather(inputs)
    sections = [data_section(results), warnings_section(results)]
    sections += [make(results) for make in SECTIONS]
    heading = title or _default_title(results)
    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    # The version is read from the loaded top-level package (importing it here would make
    # the report depend on every layer the package's namespace names).
    version = getattr(sys.modules.get("logitkit"), "__version__", "")
    footer = f"Written by logitkit {escape(version)} on {escape(when)}."
    document = page(heading, _lede(results), sections, footer)
    temporary = path.with_name(f".{path.name}.partial")
    temporary.write_text(document, encoding="utf-8")
    os.replace(temporary, path)
    return path


def _check_writable(path: Path) -> None:
    """An OSError naming the path when the report cannot be written there."""
    if path.is_dir():
        raise IsADirectoryError(f"cannot write the report to {str(path)!r}: it is a directory")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise FileNotFoundError(
            f"cannot write the report to {str(path)!r}: the folder {str(folder)!r} does not exist"
        )
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
        if path.exists() and not os.access(path, os.W_OK):
            raise PermissionError
    except OSError:
        raise PermissionError(
            f"cannot write the report to {str(path)!r}: permission denied"
        ) from None


def _default_title(results: Results) -> str:
    """'Logistic regression of <target>' or a formula's."""
    formula_data = getattr(results.inputs.model, "formula_data_", None)
    if formula_data is not None:
        return f"Logistic regression: {formula_data.formula}"
    target = getattr(results.summary, "target", None)
    return f"Logistic regression of {target}" if target else "Logistic regression report"


def _lede(results: Results) -> str:
    """One line: classes, rows and what the fit did."""
    record = results.inputs.model.record_
    rows = f"{results.n_rows:,} rows" if results.n_rows is not None else f"n = {record.n_obs:g}"
    state = "converged" if record.converged else "did not converge"
    return (
        f"{len(record.classes)} classes, {record.n_features} "
        f"feature{'s' if record.n_features != 1 else ''}, {rows}; "
        f"{record.solver} {state} in {record.n_iter} iterations."
    )


def data_section(results: Results) -> Section:
    """Where the data came from, the model, and the command that made the report."""
    inputs = results.inputs
    model = inputs.model
    formula_data = getattr(model, "formula_data_", None)
    record = model.record_
    if inputs.source:
        source = inputs.source
    elif inputs.X is not None:
        source = f"X given to report ({_shape(inputs.X)})"
    elif formula_data is not None:
        rows, columns = formula_data.data.shape
        source = f"the data frame given to logitkit.logit ({rows:,} rows × {columns} columns)"
    else:
        source = "none given: only what the fit itself records is shown"
    items = [("Data", source)]
    if results.n_rows is not None:
        items.append(("Rows used", f"{results.n_rows:,}"))
    if formula_data is not None:
        items.append(("Formula", formula_data.formula))
    terms = record.term_names[int(record.fit_intercept) :]
    shown = ", ".join(terms[:30]) + (f", … ({len(terms)} in all)" if len(terms) > 30 else "")
    items.append(("Terms", shown))
    items.append(("Classes", ", ".join(str(_plain(c)) for c in record.classes)))
    items.append(("Estimator", _estimator(model)))
    items.append(("Command", inputs.command or "logitkit.report(...) from Python"))
    return Section("data", "Data and command", definitions(items))


def warnings_section(results: Results) -> Section:
    """The warnings, in plain words, or a line saying there are none."""
    if not results.warnings:
        body = (
            '<p class="ok">No warnings: the solver converged, no separation and no '
            "collinearity were found.</p>"
        )
    else:
        body = (
            '<ul class="warnings">'
            + "".join(f"<li>{escape(message)}</li>" for message in results.warnings)
            + "</ul>"
        )
    return Section("warnings", "Warnings", body)


def _estimator(model: Any) -> str:
    """The estimator with the parameters that differ from their defaults (scikit-learn's
    repr), on one line."""
    return " ".join(repr(model).split())


def _shape(X: Any) -> str:
    shape = getattr(X, "shape", None)
    if shape is None or len(shape) != 2:
        return type(X).__name__
    return f"{shape[0]:,} rows × {shape[1]} columns"


def _plain(label: Any) -> Any:
    return label.item() if isinstance(label, np.generic) else label
