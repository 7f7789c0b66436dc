"""Warning and error classes, so users can filter or catch exactly these."""

from __future__ import annotations

from sklearn.exceptions import ConvergenceWarning as _SklearnConvergenceWarning


class ConvergenceWarning(_SklearnConvergenceWarning):
    """A solver stopped before the optimality conditions held to ``tol``.

    A subclass of scikit-learn's ConvergenceWarning, so filters written for scikit-learn apply.
    """


class SingularDesignError(ValueError):
    """The design matrix is rank-deficient (collinear columns): no unique unpenalised fit."""

    def __init__(self, message: str, columns: tuple[int, ...] = ()) -> None:
        super().__init__(message)
        self.columns = columns


class CollinearityWarning(UserWarning):
    """Collinear columns: the coefficients are not identified, though the predictions are.

    Issued when ``solver="auto"`` fits an unpenalised model on a rank-deficient design with
    minimum-norm Newton steps.
    """


class MissingRowsWarning(UserWarning):
    """Rows with missing values were dropped before a formula fit; the message counts them."""


class SeparationWarning(UserWarning):
    """The classes are (quasi-)completely separated: the maximum likelihood estimate does not
    exist and some estimates run off to infinity. Firth's correction or a penalty gives finite
    ones."""


class SmallClassWarning(UserWarning):
    """A class has a single sample: its coefficients rest on one observation, and without a
    penalty it is likely separated from the others."""
