"""The report's sections on model checking: binned residuals, influence and the most
influential rows, marginal effects, and the solver's convergence."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .assemble import Results, Unavailable
from .page import Section, definitions, figures, frame_table, number, paragraph, pvalue, rows_table
from .parts import drawn, unavailable

__all__ = ["MOST_INFLUENTIAL", "convergence_section", "margins_section", "residuals_section"]

MOST_INFLUENTIAL = 5
"""Rows listed under the most influential (largest Cook's distances)."""
DATA_COLUMNS = 6
"""At most this many data columns are shown beside the most influential rows."""


def residuals_section(results: Results) -> Section:
    """The binned residuals, the influence plot and the most influential rows."""
    from ..plots import plot_binned_residuals, plot_influence

    body, shown = [], []
    binned, influence = results.binned, results.influence
    missing = unavailable("Binned residuals", binned)
    if missing:
        body.append(missing)
    else:
        shown.append(
            drawn(
                lambda ax: plot_binned_residuals(binned, ax=ax),
                "binned-residuals",
                f"Binned residuals ({len(binned)} bins of equal count) with the "
                "±2 standard-error band",
                size=(5.0, 4.0),
            )
        )
    missing = unavailable("Influence measures", influence)
    if missing:
        body.append(missing)
    else:
        shown.append(
            drawn(
                lambda ax: plot_influence(influence, ax=ax),
                "influence",
                "Studentized residuals against leverage; area ∝ Cook's distance",
                size=(5.0, 4.0),
            )
        )
    if shown:
        body.append(figures(*shown))
    if not isinstance(influence, Unavailable):
        body.append(_most_influential(results, influence))
    return Section("residuals", "Residuals and influence", "".join(body))


def _most_influential(results: Results, influence: pd.DataFrame) -> str:
    """The rows of largest Cook's distance with their measures and data."""
    order = np.argsort(-influence["cooks_distance"].to_numpy(dtype=np.float64), kind="stable")
    top = order[:MOST_INFLUENTIAL]
    flagged = int(influence["influential"].sum())
    values = _data_rows(results, top)
    header = ["Row", "Cook's distance", "Hat value", "Studentized residual", "Flagged"]
    header += list(values.columns) if values is not None else []
    rows = []
    for j, position in enumerate(top):
        row = influence.iloc[position]
        cells = [
            str(influence.index[position]),
            number(row["cooks_distance"]),
            number(row["hat"]),
            number(row["studentized"]),
            "yes" if row["influential"] else "no",
        ]
        if values is not None:
            cells += [number(v) for v in values.iloc[j]]
        rows.append(cells)
    text = paragraph(
        f"{flagged:,} of {len(influence):,} rows are flagged by R's influence.measures rules. "
        f"The {len(top)} with the largest Cook's distances:"
    )
    return text + rows_table(header, rows, caption="Most influential rows")


def _data_rows(results: Results, positions: np.ndarray) -> pd.DataFrame | None:
    """The data of the rows at ``positions`` (at most DATA_COLUMNS columns), or None."""
    model, X = results.inputs.model, results.inputs.X
    formula_data = getattr(model, "formula_data_", None)
    if X is None and formula_data is not None:
        frame = formula_data.data.iloc[formula_data.rows[positions]]
    elif isinstance(X, pd.DataFrame):
        frame = X.iloc[positions]
    elif isinstance(X, np.ndarray) and X.ndim == 2:
        names = getattr(model, "feature_names_in_", None)
        columns = (
            [str(c) for c in names] if names is not None else [f"x{j}" for j in range(X.shape[1])]
        )
        frame = pd.DataFrame(X[positions], columns=columns)
    else:
        return None
    return frame.iloc[:, :DATA_COLUMNS]


def margins_section(results: Results) -> Section:
    """The average marginal effects and their forest plot."""
    from ..plots import plot_marginal_effects

    table = results.margins
    missing = unavailable("Marginal effects", table)
    if missing:
        return Section("margins", "Marginal effects", missing)
    level = f"{round(results.inputs.level * 100, 6):g}%"
    body = [
        paragraph(
            "Average marginal effects: the mean change in the predicted probability "
            "per unit change of each feature, with delta-method standard errors."
        )
    ]
    body.append(
        frame_table(
            table,
            {
                "effect": ("dP/dx", number),
                "std_err": ("Std. error", number),
                "z": ("z", number),
                "p_value": ("p-value", pvalue),
                "ci_low": (f"{level} low", number),
                "ci_high": (f"{level} high", number),
            },
            index_label="Term",
        )
    )
    multi = isinstance(table.index, pd.MultiIndex)
    classes = table.index.get_level_values(0).nunique() if multi else 1
    terms = table.index.get_level_values(-1).nunique()
    height = float(min(max(2.6, 0.8 + 0.32 * terms), 9.0))
    body.append(
        figures(
            drawn(
                lambda ax: plot_marginal_effects(table, ax=ax),
                "margins",
                f"Average marginal effects with their {level} intervals",
                panels=classes,
                size=(4.2 * classes if multi else 6.0, height),
                wide=True,
            )
        )
    )
    return Section("margins", "Marginal effects", "".join(body))


def convergence_section(results: Results) -> Section:
    """The solver's cost and gradient norm at every iteration."""
    from ..plots import plot_history

    model = results.inputs.model
    record = model.record_
    facts = definitions(
        [
            ("Solver", record.solver),
            ("Iterations", str(record.n_iter)),
            ("Converged", "yes" if record.converged else "no"),
            ("Stopped because", record.stop_reason),
        ]
    )
    history = figures(
        drawn(
            lambda axes: plot_history(model, ax=axes),
            "history",
            "The cost J and the gradient norm at each iteration",
            panels=2,
            size=(8.0, 3.4),
        )
    )
    return Section("convergence", "Convergence", facts + history)
