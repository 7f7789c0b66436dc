"""The summary of a model with three or more classes: its level, penalty and matrices.

The numbers against statsmodels' MNLogit are in test_multinomial.py; these pin what the
summary states about itself and where its information comes from.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import norm

import logitkit as lk
from logitkit.inference import statistics


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray]:
    """Three classes drawn from a softmax model of two features."""
    rng = np.random.default_rng(11)
    X = rng.normal(size=(150, 2))
    logits = X @ np.array([[1.0, -0.5, 0.2], [0.3, 0.8, -1.0]])
    y = (rng.uniform(size=(150, 1)) > np.cumsum(lk.softmax(logits, axis=1), axis=1)).sum(axis=1)
    return X, y


def test_intervals_and_the_stated_level_follow_level(data) -> None:
    """At level 0.9 the bounds are θ̂ ∓ Φ⁻¹(0.95)·se and the summary states 90%."""
    X, y = data
    summary = lk.LogisticRegression().fit(X, y).summary(level=0.9)
    table = summary.table
    half = norm.ppf(0.95) * table["std_err"]
    np.testing.assert_allclose(table["ci_low"], table["coef"] - half, rtol=1e-12)
    np.testing.assert_allclose(table["ci_high"], table["coef"] + half, rtol=1e-12)
    assert summary.level == 0.9
    assert "90% Wald intervals" in str(summary)


@pytest.mark.parametrize(
    ("params", "penalty", "reference"),
    [({}, None, 0), ({"alpha": 0.1}, "alpha=0.1, l1_ratio=0", None)],
)
def test_the_summary_states_the_penalty_or_the_reference_class(
    data, params, penalty, reference
) -> None:
    """Unpenalised, the log-odds are against the reference class (the first) and there is
    no penalty; penalised, every class is modelled and the penalty is named."""
    X, y = data
    summary = lk.LogisticRegression(**params).fit(X, y).summary()
    assert (summary.penalty, summary.reference) == (penalty, reference)
    assert summary.symmetric == bool(params)


@pytest.mark.parametrize("params", [{}, {"alpha": 0.1}])
@pytest.mark.parametrize("cov_type", ["nonrobust", "HC0"])
def test_a_fit_without_its_matrices_is_summarised_from_the_data(
    monkeypatch, data, params, cov_type
) -> None:
    """A fit above the work limit keeps neither I nor M; given X and y, its summary evaluates
    them at θ̂ and equals the summary of the same fit that kept them."""
    X, y = data
    kept = lk.LogisticRegression(**params).fit(X, y)
    monkeypatch.setattr(statistics, "MAX_MATRIX_WORK", 10.0)
    left = lk.LogisticRegression(**params).fit(X, y)
    assert left.information_ is None and left.score_outer_ is None
    with pytest.raises(ValueError, match=r"pass X and y to summary\(\)"):
        left.summary(cov_type=cov_type)
    np.testing.assert_allclose(
        left.summary(cov_type=cov_type, X=X, y=y).table.to_numpy(),
        kept.summary(cov_type=cov_type).table.to_numpy(),
        rtol=1e-10,
    )
