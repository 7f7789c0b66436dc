"""The analysis-of-deviance table: likelihood-ratio tests of each term, as car::Anova.

For a term T with columns S, the test compares two nested maximum-likelihood fits by
LR = 2(ℓ_larger − ℓ_smaller) = D_smaller − D_larger on |S| degrees of freedom:

- type III: the full model against the full model without T (every other term kept);
- type II: the model of every term that does not contain T (is not T nor an interaction of
  which T is a part) with T, against the same model without T. Without interactions type II
  and type III agree.

The smaller fits hold the dropped coefficients at 0 (:class:`~logitkit.core.restricted.Restricted`)
and are solved by Newton's method from θ̂, the full fit's estimate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import chi2

from ..core.exceptions import SingularDesignError
from ..core.objective import Objective
from ..core.record import FitRecord
from ..core.restricted import Restricted
from ..solvers import SolverOptions
from ..solvers.newton import solve_newton
from .check_inputs import require_binary, require_maximum_likelihood
from .formatting import stars

__all__ = ["ANOVA_TESTS", "ANOVA_TYPES", "AnovaTable", "analysis_of_deviance"]

ANOVA_TYPES = (2, 3)
ANOVA_TESTS = ("LR",)


@dataclass(frozen=True)
class AnovaTable:
    """The table (indexed by term: lr_chisq, df, p_value) and the test type; ``print`` gives
    car::Anova's layout."""

    table: pd.DataFrame
    type: int
    response: str | None = None

    def __str__(self) -> str:
        """Analysis of Deviance Table (Type II tests), then one row per term."""
        roman = {2: "II", 3: "III"}[self.type]
        shown = pd.DataFrame(
            {
                "LR Chisq": self.table["lr_chisq"].map(lambda v: f"{v:.4f}"),
                "Df": self.table["df"].astype(int),
                "Pr(>Chisq)": self.table["p_value"].map(lambda v: f"{v:.4g}"),
                "": self.table["p_value"].map(stars),
            },
            index=pd.Index(list(self.table.index)),
        )
        return "\n".join(
            [
                f"Analysis of Deviance Table (Type {roman} tests)",
                "",
                f"Response: {self.response or 'y'}",
                shown.to_string(),
                "---",
                "Signif. codes:  0 ‘***’ 0.001 ‘**’ 0.01 ‘*’ 0.05 ‘.’ 0.1 ‘ ’ 1",
            ]
        )


def analysis_of_deviance(
    record: FitRecord,
    objective: Objective,
    terms: dict[str, list[str]],
    *,
    type: int = 2,
    test: str = "LR",
    response: str | None = None,
) -> AnovaTable:
    """One likelihood-ratio test per term of ``terms`` (term → its coefficient names)."""
    require_binary(record, "anova")
    require_maximum_likelihood(record, "anova's likelihood-ratio tests", firth=False)
    if type not in ANOVA_TYPES:
        raise ValueError(f"type must be 2 or 3 (car's type II or III tests); got {type!r}")
    if test not in ANOVA_TESTS:
        raise ValueError(f"test must be 'LR' (likelihood-ratio tests); got {test!r}")
    positions = {name: i for i, name in enumerate(record.term_names)}
    columns = {term: [positions[name] for name in names] for term, names in terms.items()}
    fits: dict[frozenset[str], float] = {}
    rows = []
    for term in terms:
        if type == 3:
            larger = frozenset(terms)
        else:
            larger = frozenset(t for t in terms if t == term or not _contains(t, term))
        smaller = larger - {term}
        for kept in (larger, smaller):
            if kept not in fits:
                fits[kept] = _restricted_loglik(record, objective, columns, kept)
        statistic = max(2.0 * (fits[larger] - fits[smaller]), 0.0)
        df = len(columns[term])
        rows.append((statistic, df, float(chi2.sf(statistic, df))))
    table = pd.DataFrame(
        rows, index=pd.Index(list(terms), name="term"), columns=["lr_chisq", "df", "p_value"]
    )
    return AnovaTable(table=table, type=type, response=response)


def _contains(term: str, inner: str) -> bool:
    """Whether ``term`` is an interaction with every factor of ``inner`` and more (a:b
    contains a and b)."""
    factors, inner_factors = set(term.split(":")), set(inner.split(":"))
    return term != inner and inner_factors < factors


def _restricted_loglik(
    record: FitRecord,
    objective: Objective,
    columns: dict[str, list[int]],
    kept: frozenset[str],
) -> float:
    """ℓ of the maximum-likelihood fit with the coefficients of the terms not ``kept`` at 0."""
    dropped = [i for term, indices in columns.items() if term not in kept for i in indices]
    positions = np.setdiff1d(np.arange(record.theta.size), dropped)
    restricted = Restricted(objective, positions, np.zeros(record.theta.size))
    try:
        result = solve_newton(restricted, record.theta[positions].copy(), _OPTIONS)
    except SingularDesignError:
        raise ValueError(
            "a restricted fit of the analysis of deviance has a singular design: drop the "
            "redundant columns and refit"
        ) from None
    if not result.converged:
        raise ValueError(
            "a restricted fit of the analysis of deviance did not converge (the data may be "
            "separated without some terms); check the model with model.summary()"
        )
    return -objective.data_term(restricted.expand(result.coef)) * objective.total_weight


_OPTIONS = SolverOptions(tol=1e-10, max_iter=200)
