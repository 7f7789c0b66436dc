"""scikit-learn's own estimator checks, in full, one test per check."""

from __future__ import annotations

from sklearn.utils.estimator_checks import parametrize_with_checks

import logitkit as lk


@parametrize_with_checks([lk.LogisticRegression()])
def test_scikit_learn_estimator_checks(estimator, check) -> None:
    check(estimator)
