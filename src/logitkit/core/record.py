"""FitRecord: everything a fit leaves for summaries, model files and likelihood-ratio tests.

A fit turns data into one vector θ̂ and a few numbers about it. The record keeps them frozen,
so what reads a fit (inference, model files, reports) reads this and never an estimator:

- θ, one float64 array: the intercept first, then the weights, class by class for K ≥ 3
  classes (θ = B.ravel(order="F") for the p̃ × K′ matrix B of :mod:`logitkit.core.layout`),
  the reference class's column left out when there is one;
- the log-likelihood ℓ = Σ sᵢ log P(yᵢ | xᵢ) at θ̂, the intercept-only ℓ₀, n = Σ sᵢ, and the
  information I and meat M (or None when the fit was too large to keep them);
- the separation finding and the solver's history.

With k = len(θ) coefficients the derived statistics are

    deviance = −2ℓ,  null deviance = −2ℓ₀,  AIC = −2ℓ + 2k,  BIC = −2ℓ + k log n,
    df_model = r − K′·[intercept],  df_resid = n − r,

K′ the modelled classes (1 for two classes), r = k minus the aliased coefficients (those a
fit holds at 0 because their column is a combination of earlier ones; see
:mod:`logitkit.core.aliasing`): AIC and BIC count r parameters, as R's ``glm`` does.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .datafits import Datafit, datafit_for
from .layout import class_coefficients

__all__ = ["INTERCEPT", "FitRecord", "Separation", "term_names"]

INTERCEPT = "Intercept"


@dataclass(frozen=True)
class Separation:
    """A finding of separation: the maximum likelihood estimate does not exist.

    Attributes
    ----------
    kind : str
        "complete" (some linear predictor classifies every sample correctly with a positive
        margin) or "quasi-complete" (correctly or on the boundary, and strictly for some).
    terms : dict[str, int]
        Term name → +1 or −1: the direction in which that coefficient's estimate runs off to
        infinity along every path that maximises the likelihood.
    undetermined : tuple[str, ...]
        Terms whose estimates the data do not determine: some separating directions increase
        them and others decrease them, so a fit may leave them finite or drive them to either
        infinity, depending on the solver's path. Empty in most quasi-complete separations.
    """

    kind: str
    terms: dict[str, int]
    undetermined: tuple[str, ...] = ()

    def __str__(self) -> str:
        """One sentence naming the kind, the infinite estimates and the undetermined ones."""
        parts = []
        if self.terms:
            one = len(self.terms) == 1
            listed = _join(
                f"{name!r} ({'+' if sign > 0 else '-'}inf)" for name, sign in self.terms.items()
            )
            parts.append(
                f"the {'estimate' if one else 'estimates'} of {listed} "
                f"{'runs' if one else 'run'} off to infinity"
            )
        if self.undetermined:
            one = len(self.undetermined) == 1
            listed = _join(repr(name) for name in self.undetermined)
            if self.terms:
                subject = "that" if one else "those"
            else:
                subject = "the estimate" if one else "the estimates"
            parts.append(
                f"{subject} of {listed} {'is' if one else 'are'} not determined by the data "
                f"(separating directions move {'it' if one else 'them'} both ways)"
            )
        return f"{self.kind} separation: {', and '.join(parts)}"


def _join(names: Iterable[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    items = list(names)
    if len(items) == 1:
        return items[0]
    return f"{', '.join(items[:-1])} and {items[-1]}"


def term_names(
    feature_names: Sequence[str] | None, n_features: int, fit_intercept: bool
) -> list[str]:
    """The name of each coefficient of one class: "Intercept" (when fitted), then the feature
    names, or x0, x1, … when the data had none."""
    features = (
        [str(name) for name in feature_names]
        if feature_names is not None
        else [f"x{j}" for j in range(n_features)]
    )
    return ([INTERCEPT] if fit_intercept else []) + features


@dataclass(frozen=True, eq=False)
class FitRecord:
    """A fitted logistic regression, frozen: what summaries, model files and tests read.

    Attributes
    ----------
    theta : ndarray of float64, shape (k,)
        θ̂: the intercept first (when fitted), then the weights; with K ≥ 3 classes one such
        block per modelled class, in the order of ``classes``, the reference class left out.
    feature_names : tuple of str, or None
        The column names of the fitted X, None when it had none.
    classes : ndarray of shape (K,)
        The labels, sorted; with two, ``classes[1]`` is modelled as y = 1.
    reference : int or None
        The position in ``classes`` of the class whose coefficients are fixed at 0: 0 for two
        classes, the reference class of an unpenalised fit with K ≥ 3, None for the symmetric
        parameterisation of a penalised fit with K ≥ 3 (all K classes in θ).
    fit_intercept, alpha, l1_ratio, firth :
        The model: an intercept or not, J's penalty α(ρ‖w‖₁ + (1 − ρ)/2 ‖w‖²) with α =
        ``alpha`` and ρ = ``l1_ratio``, and Firth's bias reduction.
    loglik, null_loglik : float
        ℓ(θ̂) = Σ sᵢ log P(yᵢ | xᵢ) and ℓ₀, the maximum of the intercept-only model.
    n_obs : float
        n = Σ sᵢ, the frequency-weighted number of observations.
    information, score_outer : ndarray of shape (k, k), or None
        I = Σs ∇²J(θ̂) and M = Σᵢ sᵢ gᵢgᵢᵀ (gᵢ the score of sample i): the bread and meat
        of the covariances; None when the fit was too large to keep them.
    separation : Separation or None
        What the separation check found before an unpenalised binary fit.
    loss, grad_norm : ndarray of float64
        The solver's history: J and the largest optimality violation at every iteration,
        entry 0 at the start.
    solver, converged, n_iter, stop_reason :
        The solver that ran, whether it met its tolerance, its iterations, and why it stopped.
    dtype : numpy dtype
        The dtype of the fitted X, float64 or float32: the dtype of ``coef`` and ``intercept``.
    aliased : tuple of str
        The terms whose columns are linear combinations of earlier ones: not estimable, held
        at 0 in θ (binary unpenalised fits; empty otherwise).
    separation_checked : bool
        False when the separation check could not run to the end: on Dask data whose one-pass
        overlap certificate failed (the linear programs need the rows in memory), so
        ``separation`` None does not rule separation out. True otherwise.

    Arrays are read-only copies and scalars plain Python values, so a record never changes
    after it is made.
    """

    theta: NDArray
    feature_names: tuple[str, ...] | None
    classes: NDArray
    reference: int | None
    fit_intercept: bool
    alpha: float
    l1_ratio: float
    firth: bool
    loglik: float
    null_loglik: float
    n_obs: float
    information: NDArray | None
    score_outer: NDArray | None
    separation: Separation | None
    loss: NDArray
    grad_norm: NDArray
    solver: str
    converged: bool
    n_iter: int
    stop_reason: str
    dtype: np.dtype
    aliased: tuple[str, ...] = ()
    separation_checked: bool = True

    def __post_init__(self) -> None:
        frozen = {
            "theta": _frozen(self.theta, np.float64),
            "classes": _frozen(self.classes, None),
            "loss": _frozen(self.loss, np.float64),
            "grad_norm": _frozen(self.grad_norm, np.float64),
            "information": None if self.information is None else _frozen(self.information, None),
            "score_outer": None if self.score_outer is None else _frozen(self.score_outer, None),
            "feature_names": (
                None if self.feature_names is None else tuple(map(str, self.feature_names))
            ),
            "dtype": np.dtype(self.dtype),
            "reference": None if self.reference is None else int(self.reference),
            "aliased": tuple(map(str, self.aliased)),
        }
        frozen.update(
            {name: kind(getattr(self, name)) for kind, names in _SCALARS.items() for name in names}
        )
        # The fields of a frozen dataclass are set past its __setattr__: all at once, in the
        # instance's dictionary (a field at a time took a fifth of the time a record takes).
        self.__dict__.update(frozen)
        if len(self.classes) < 2:
            raise ValueError(f"a fit has at least 2 classes; got {len(self.classes)}")
        if len(self.classes) == 2 and self.reference != 0:
            raise ValueError(f"with two classes the reference is 0; got {self.reference!r}")
        n_outputs = self.n_outputs
        width, remainder = divmod(self.theta.size, n_outputs)
        if remainder or width < 1 + int(self.fit_intercept):
            raise ValueError(
                f"theta has {self.theta.size} entries, which is not {n_outputs} block(s) "
                "of an intercept and at least one weight"
            )
        if self.feature_names is not None and len(self.feature_names) != self.n_features:
            raise ValueError(
                f"{len(self.feature_names)} feature names for {self.n_features} features"
            )
        unknown = [name for name in self.aliased if name not in self.term_names]
        if unknown:
            raise ValueError(f"aliased names {unknown} that are not terms of the fit")
        if self.loss.shape != self.grad_norm.shape:
            raise ValueError("the history's loss and grad_norm differ in length")
        for name in ("information", "score_outer"):
            matrix = getattr(self, name)
            if matrix is not None and matrix.shape != (self.n_params, self.n_params):
                raise ValueError(
                    f"{name} has shape {matrix.shape}; expected ({self.n_params}, {self.n_params})"
                )

    def __eq__(self, other: object) -> bool:
        """Field by field; arrays equal entry by entry (NaN equal to NaN) and in dtype."""
        if not isinstance(other, FitRecord):
            return NotImplemented
        return all(
            _same(getattr(self, field.name), getattr(other, field.name)) for field in fields(self)
        )

    def datafit(self) -> Datafit:
        """The fit's datafit: Bernoulli for two classes, else the softmax (against the
        reference class when there is one)."""
        return datafit_for(len(self.classes), self.reference)

    @property
    def n_outputs(self) -> int:
        """K′, the modelled classes: 1 for two, K − 1 with a reference class, else K."""
        return self.datafit().n_outputs

    @property
    def n_params(self) -> int:
        """k = len(θ): K′(p + [intercept]); (K − 1)(p + 1) for an unpenalised K-class fit."""
        return int(self.theta.size)

    @property
    def n_features(self) -> int:
        """p, the columns of X."""
        return self.n_params // self.n_outputs - int(self.fit_intercept)

    @property
    def rank(self) -> int:
        """r: the estimable coefficients, k minus the aliased ones."""
        return self.n_params - len(self.aliased)

    @property
    def term_names(self) -> list[str]:
        """The names of one class's coefficients: "Intercept" (when fitted), then the features."""
        return term_names(self.feature_names, self.n_features, self.fit_intercept)

    @property
    def deviance(self) -> float:
        """−2ℓ (for 0/1 data the saturated model's ℓ is 0)."""
        return -2.0 * self.loglik

    @property
    def null_deviance(self) -> float:
        """−2ℓ₀."""
        return -2.0 * self.null_loglik

    @property
    def aic(self) -> float:
        """Akaike's criterion −2ℓ + 2r."""
        return self.deviance + 2.0 * self.rank

    @property
    def bic(self) -> float:
        """Schwarz's criterion −2ℓ + r log n."""
        return self.deviance + self.rank * np.log(self.n_obs)

    @property
    def df_model(self) -> int:
        """r − K′·[intercept]: the estimable coefficients other than the intercepts."""
        return self.rank - self.n_outputs * int(self.fit_intercept)

    @property
    def df_resid(self) -> float:
        """n − r."""
        return self.n_obs - self.rank

    def coefficients(self) -> tuple[NDArray, NDArray]:
        """scikit-learn's ``coef_`` and ``intercept_`` of θ, in ``dtype``: shapes (1, p) and
        (1,) for two classes, (K, p) and (K,) for K ≥ 3 (the reference class's row 0);
        intercepts 0 without one (:func:`~logitkit.core.layout.class_coefficients`; θ holds the
        symmetric parameterisation's intercepts centred already)."""
        width = self.n_features + int(self.fit_intercept)
        weights, intercept = class_coefficients(
            self.theta, self.datafit(), width, self.fit_intercept, centre=False
        )
        return weights.astype(self.dtype), intercept.astype(self.dtype)


_SCALARS = {
    bool: ("fit_intercept", "firth", "converged", "separation_checked"),
    float: ("alpha", "l1_ratio", "loglik", "null_loglik", "n_obs"),
    int: ("n_iter",),
    str: ("solver", "stop_reason"),
}


def _frozen(values: ArrayLike, dtype: type | None) -> NDArray:
    """A read-only copy of ``values`` (as ``dtype`` when given)."""
    array = np.array(values, dtype=dtype)
    array.setflags(write=False)
    return array


def _same(a: Any, b: Any) -> bool:
    """Whether two field values are equal: arrays by dtype and entries (NaN = NaN)."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        if not (isinstance(a, np.ndarray) and isinstance(b, np.ndarray)):
            return False
        if a.dtype != b.dtype or a.shape != b.shape:
            return False
        return bool(np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))
    if isinstance(a, float) and isinstance(b, float) and np.isnan(a) and np.isnan(b):
        return True
    return bool(a == b)
