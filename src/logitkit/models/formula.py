"""The formula interface: a LogisticRegression fitted from an R-style formula over a DataFrame.

``logit("low ~ age + C(race)", data)`` builds the design with formulaic: the left-hand side is
the response, the right-hand side the terms, categorical terms (``C(x)`` and string columns) in
treatment coding, so the coefficients carry the names formulaic, patsy and statsmodels give
them ("C(race)[T.2]"). The formula's intercept becomes ``fit_intercept``; ``- 1`` or ``+ 0``
removes it. Rows with a missing value in a variable the formula uses, in the weights or in the
groups are dropped, as R's ``glm`` does, with a :class:`MissingRowsWarning` that counts them.

The fitted model keeps the design, response, weights, groups and formulaic's ``ModelSpec`` in
a :class:`FormulaData`, with the data frame itself (not a copy) and the positions of the rows it
kept, so what needs the data later (cluster-robust covariances by any column of the data,
profile intervals) finds it without a refit, and the formula with what it learnt (categories,
stateful transforms) in a :class:`~logitkit.models.formula_terms.FormulaTerms`
(``formula_terms_``), through which every prediction and summary reads raw data; a model file
keeps the latter.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from formulaic import Formula, ModelMatrix, ModelSpec, SimpleFormula, model_matrix
from formulaic.errors import FormulaicError
from formulaic.utils.context import capture_context
from formulaic.utils.variables import Variable
from numpy.typing import ArrayLike, NDArray

from ..core.exceptions import MissingRowsWarning
from .estimator import LogisticRegression
from .formula_terms import FormulaTerms, design_frame, first_line, pandas_frame, response_name

__all__ = ["FormulaData", "logit", "transform_for_prediction"]

INTERCEPT = "Intercept"
_LISTED_COLUMNS = 30


@dataclass(frozen=True, eq=False)
class FormulaData:
    """What a formula fit used, kept on the model as ``formula_data_``.

    formula : the formula as given.
    X : the design the model was fitted on (rows after dropping missing values), one column
        per coefficient, named by term; the intercept is not a column (it is ``fit_intercept``).
    y : the response as given, for the same rows.
    sample_weight, groups : the frequency weights and cluster labels for the same rows, or None.
    model_spec : formulaic's ModelSpec of the right-hand side, as learnt from the data.
    data : the data frame the model was fitted from, as given (a reference, not a copy; a
        polars or pyarrow frame converted to pandas), every row and column.
    rows : the positions in ``data`` of the rows the model kept, in the order of X.
    """

    formula: str
    X: pd.DataFrame
    y: NDArray
    sample_weight: NDArray | None
    groups: NDArray | None
    model_spec: ModelSpec
    data: pd.DataFrame
    rows: NDArray[np.intp]

    def column(self, name: str) -> NDArray:
        """The values of column ``name`` of the data on the kept rows, in the order of X;
        ValueError listing the data's columns when it has none of that name."""
        if name not in self.data.columns:
            raise ValueError(
                f"groups={name!r} is not a column of the data the model was fitted from; "
                f"its columns: {_listed_columns(self.data)}"
            )
        return self.data[name].to_numpy()[self.rows]


def logit(
    formula: str,
    data: pd.DataFrame,
    *,
    sample_weight: str | ArrayLike | None = None,
    groups: str | ArrayLike | None = None,
    **params: Any,
) -> LogisticRegression:
    """Fit ``LogisticRegression(**params)`` to the model ``formula`` describes over ``data``.

    The model is logit P(y = classes_[1] | x) = b + Σⱼ wⱼ xⱼ with y the left-hand side (any two
    labels) and xⱼ the columns formulaic builds from the right-hand side; b is fitted when the
    formula has an intercept (the default) and fixed at 0 with ``- 1`` or ``+ 0``.

    Parameters
    ----------
    formula : str
        ``"response ~ terms"`` in formulaic's (Wilkinson–Rogers, patsy-compatible) grammar.
        Functions and variables of the caller's scope may appear in it.
    data : DataFrame
        The variables the formula names: a pandas DataFrame, or any other that scikit-learn
        accepts (polars, pyarrow; converted to pandas).
    sample_weight, groups : str, array-like or None
        Frequency weights and cluster labels (for ``summary(cov_type="cluster")``): a column
        name of ``data`` or one value per row of ``data``, in its order.
    **params
        Parameters of :class:`~logitkit.LogisticRegression`, except ``fit_intercept``, which
        the formula sets.

    Returns
    -------
    LogisticRegression
        Fitted, with ``feature_names_in_`` the term names, ``formula_`` the formula,
        ``formula_terms_`` a :class:`~logitkit.models.formula_terms.FormulaTerms` (what
        ``predict`` and its kin apply to raw data) and ``formula_data_`` a :class:`FormulaData`.
    """
    data = pandas_frame(data, "data")
    if "fit_intercept" in params:
        raise TypeError(
            "logit() takes no fit_intercept: the formula sets it. Write '- 1' (or '+ 0') in the "
            "formula to fit without an intercept"
        )
    context = capture_context(1)
    parsed = _parse(formula)
    frame = data.reset_index(drop=True)
    try:
        matrices = model_matrix(parsed, frame, context=context)
    except FormulaicError as error:
        raise _design_error(formula, parsed, error, data, context) from None
    rows = matrices.rhs.index.to_numpy()
    response = _response(matrices.lhs, frame, rows)
    weights = _per_row(sample_weight, "sample_weight", data, rows)
    labels = _per_row(groups, "groups", data, rows)
    present = np.ones(len(rows), dtype=bool)
    for values in (weights, labels):
        if values is not None:
            present &= ~pd.isna(values)
    design = design_frame(matrices.rhs, data.index[rows])[present]
    if design.shape[1] == int(INTERCEPT in design.columns):
        raise ValueError(
            f"formula {formula!r} has no predictor terms: give at least one term to the right "
            "of '~'"
        )
    dropped = len(data) - int(present.sum())
    if len(data) and not present.any():
        raise ValueError(
            f"every row has a missing value in the variables of formula {formula!r} (or in "
            "sample_weight or groups): nothing is left to fit; fill in or drop the empty columns"
        )
    if dropped:
        warnings.warn(
            f"{dropped} of {len(data)} rows have missing values (in the formula's variables, "
            f"sample_weight or groups) and were dropped; the model is fitted on "
            f"{len(data) - dropped} rows",
            MissingRowsWarning,
            stacklevel=2,
        )
    fit_intercept = INTERCEPT in design.columns
    X = design.drop(columns=INTERCEPT) if fit_intercept else design
    y = response[present]
    weights = None if weights is None else weights[present]
    model = LogisticRegression(fit_intercept=fit_intercept, **params)
    model.fit(X, y, sample_weight=weights)
    model.formula_ = formula
    model.formula_terms_ = FormulaTerms(
        formula, response_name(formula), matrices.rhs.model_spec, tuple(map(str, X.columns))
    )
    model.formula_data_ = FormulaData(
        formula=formula,
        X=X,
        y=y,
        sample_weight=None if weights is None else np.asarray(weights, dtype=np.float64),
        groups=None if labels is None else labels[present],
        model_spec=matrices.rhs.model_spec,
        data=data,
        rows=rows[present].astype(np.intp),
    )
    return model


def transform_for_prediction(model: LogisticRegression, new_data: pd.DataFrame) -> pd.DataFrame:
    """The design of ``new_data`` under the formula ``model`` was fitted with.

    Applies the fit's right-hand side, with the categories and any stateful transforms (such as
    ``center(x)``) learnt from the training data, and returns one row per row of ``new_data``
    and the columns of ``model.feature_names_in_``, ready for ``predict`` or ``predict_proba``.
    The response need not be present. A missing value or a category the fit never saw is an
    error, since it has no row of the design.
    """
    terms = getattr(model, "formula_terms_", None)
    if not isinstance(terms, FormulaTerms):
        raise ValueError(
            "the model was not fitted from a formula: use logitkit.logit(formula, data) to fit "
            "one, or pass the design matrix to predict directly"
        )
    return terms.design_of(new_data)


def _parse(formula: str) -> Formula:
    """The formula parsed, with one response on the left and one right-hand side."""
    if not isinstance(formula, str):
        raise TypeError(f"formula must be a string like 'y ~ x1 + x2'; got {formula!r}")
    try:
        parsed = Formula(formula)
    except FormulaicError as error:
        raise ValueError(f"cannot parse formula {formula!r}: {first_line(error)}") from None
    if not hasattr(parsed, "lhs"):
        raise ValueError(
            f"formula {formula!r} has no response: write it as 'response ~ terms', "
            "e.g. 'low ~ age + C(race)'"
        )
    if not isinstance(parsed.rhs, SimpleFormula):
        raise ValueError(
            f"formula {formula!r} has several right-hand sides ('|'): give one set of terms"
        )
    if len(parsed.lhs) != 1:
        raise ValueError(
            f"formula {formula!r} has {len(parsed.lhs)} terms left of '~': give one response"
        )
    return parsed


def _design_error(
    formula: str,
    parsed: Formula,
    error: FormulaicError,
    data: pd.DataFrame,
    context: Mapping[str, Any],
) -> ValueError:
    """One line: the columns the formula names that neither data nor the caller's scope has."""
    missing = sorted(
        str(name)
        for name in parsed.required_variables
        if Variable.Role.VALUE in name.roles and name not in data.columns and name not in context
    )
    if not missing:
        return ValueError(f"cannot build the design of formula {formula!r}: {first_line(error)}")
    return ValueError(
        f"formula {formula!r} names column(s) {', '.join(map(repr, missing))} that data does "
        f"not have; available columns: {_listed_columns(data)}"
    )


def _listed_columns(data: pd.DataFrame) -> str:
    """The names of data's columns, quoted, the first 30 of them, or 'none'."""
    columns = [repr(str(name)) for name in data.columns]
    listed = ", ".join(columns[:_LISTED_COLUMNS])
    if len(columns) > _LISTED_COLUMNS:
        listed += f", ... ({len(columns) - _LISTED_COLUMNS} more)"
    return listed or "none"


def _response(lhs: ModelMatrix, frame: pd.DataFrame, rows: NDArray) -> NDArray:
    """y for the kept rows: a column named on the left as given, else the one column evaluated."""
    factors = lhs.model_spec.structure[0].term.factors
    if len(factors) == 1 and factors[0].expr in frame.columns:
        return frame[factors[0].expr].to_numpy()[rows]
    if lhs.shape[1] != 1:
        raise ValueError(
            f"the response {lhs.model_spec.formula} evaluates to {lhs.shape[1]} columns "
            f"({', '.join(map(str, lhs.columns))}): give a column of two labels, or an "
            "expression with values 0 and 1 such as I(count > 0)"
        )
    return np.asarray(lhs).ravel()


def _per_row(
    values: str | ArrayLike | None, name: str, data: pd.DataFrame, rows: NDArray
) -> NDArray | None:
    """A column of data, or one value per row of data, taken at the positions ``rows``."""
    if values is None:
        return None
    if isinstance(values, str):
        if values not in data.columns:
            raise ValueError(
                f"{name}={values!r} is not a column of data; give a column name or one value "
                "per row"
            )
        return data[values].to_numpy()[rows]
    array = np.asarray(values)
    if array.ndim != 1 or array.shape[0] != len(data):
        raise ValueError(
            f"{name} must be a column name or one value per row of data ({len(data)} rows); "
            f"got shape {array.shape}"
        )
    return array[rows]
