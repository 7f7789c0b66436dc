"""scikit-learn's own estimator checks, in full, one test per check: on the default estimator
and on one with ``partial_fit``."""

from __future__ import annotations

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

import logitkit as lk


# scikit-learn's checks fit on tiny, degenerate data of their own: separable classes, more
# columns than rows, constant or repeated columns. Unpenalised fits of such data warn about it,
# rightly; the checks do not look at these warnings, so they are expected here and ignored.
@pytest.mark.filterwarnings("ignore::logitkit.SeparationWarning")
@pytest.mark.filterwarnings("ignore::logitkit.CollinearityWarning")
# The stochastic solver's 200 epochs do not meet its tolerance on some of that data either.
@pytest.mark.filterwarnings("ignore::logitkit.ConvergenceWarning")
@parametrize_with_checks(
    [
        lk.LogisticRegression(),
        # with partial_fit, which the stochastic solvers have
        lk.LogisticRegression(solver="minibatch", alpha=1e-3, random_state=0),
    ]
)
def test_scikit_learn_estimator_checks(estimator, check) -> None:
    check(estimator)
