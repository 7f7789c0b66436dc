"""scikit-learn's own estimator checks, in full, one test per check."""

from __future__ import annotations

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

import logitkit as lk


# scikit-learn's checks fit on tiny, degenerate data of their own: separable classes, more
# columns than rows, constant or repeated columns. Unpenalised fits of such data warn about it,
# rightly; the checks do not look at these warnings, so they are expected here and ignored.
@pytest.mark.filterwarnings("ignore::logitkit.SeparationWarning")
@pytest.mark.filterwarnings("ignore::logitkit.CollinearityWarning")
@parametrize_with_checks([lk.LogisticRegression()])
def test_scikit_learn_estimator_checks(estimator, check) -> None:
    check(estimator)
