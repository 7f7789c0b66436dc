"""Details of the inference layer the broader tests leave open, each pinned down by a test that
a plausible slip in it would fail (found by mutation testing, see docs/testing.md)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import chi2

import logitkit as lk
from logitkit.inference import statistics
from logitkit.inference.covariance import covariance
from logitkit.inference.intervals import profile_interval
from problems import make_problem


def test_a_coefficient_without_information_is_named() -> None:
    information = np.diag([2.0, 0.0, 1.0, 0.0])
    with pytest.raises(ValueError, match=r"no information on coefficient\(s\) 1, 3, 0 = the first"):
        covariance(information)


def test_the_matrices_are_kept_up_to_both_limits_inclusive(monkeypatch) -> None:
    """I and M are kept when k ≤ MAX_MATRIX_PARAMS and n·k² ≤ MAX_MATRIX_WORK (or when asked
    for), each limit included: n = 100 rows and k = 5 coefficients make n·k² = 2500."""
    X, y = make_problem(100, 4, seed=44)
    objective = lk.Objective.from_data(X, y)
    coef = objective.start()
    monkeypatch.setattr(statistics, "MAX_MATRIX_WORK", 2500.0)
    kept = statistics.fit_statistics(objective, coef)
    assert kept.information is not None and kept.score_outer is not None
    assert kept.information.shape == kept.score_outer.shape == (5, 5)
    monkeypatch.setattr(statistics, "MAX_MATRIX_WORK", 2499.0)
    left = statistics.fit_statistics(objective, coef)
    assert left.information is None and left.score_outer is None
    assert statistics.fit_statistics(objective, coef, keep_matrices=True).information is not None
    monkeypatch.setattr(statistics, "MAX_MATRIX_PARAMS", 4)
    assert statistics.fit_statistics(objective, coef, keep_matrices=True).information is None
    monkeypatch.setattr(statistics, "MAX_MATRIX_PARAMS", 5)
    assert statistics.fit_statistics(objective, coef, keep_matrices=True).information is not None
    assert left.loglik == kept.loglik and left.n_obs == kept.n_obs == 100.0


@pytest.mark.parametrize(
    ("spread", "finite"), [(2.0**29.5, True), (2.0**30.5, False)], ids=["within", "beyond"]
)
def test_profile_bounds_give_up_after_thirty_doublings(spread, finite) -> None:
    """D(β) = ((β − β̂)/σ)² with σ = ``spread`` Wald standard errors: the walk outward in steps
    h·2ᵉ (h the Wald half-width, e = 0 … 30) brackets the root √q·σ when σ ≤ 2³⁰ and reports
    ±inf beyond, as documented."""
    estimate, quantile = 0.5, chi2.ppf(0.95, df=1)
    low, high = profile_interval(
        lambda beta: -0.5 * ((beta - estimate) / spread) ** 2, estimate, 1.0, 0.0
    )
    if finite:
        half_width = np.sqrt(quantile) * spread
        assert low == pytest.approx(estimate - half_width, rel=1e-9)
        assert high == pytest.approx(estimate + half_width, rel=1e-9)
    else:
        assert (low, high) == (-np.inf, np.inf)
