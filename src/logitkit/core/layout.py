"""The layout of θ: one flat vector of coefficients, whatever the number of classes.

The coefficients form a matrix B of shape (p̃, K′), p̃ = features (+ 1 for the intercept, in
row 0), one column per modelled output; θ is its column-major ravel, ``θ = B.ravel(order="F")``:
output by output, each block (b_k, w_k) laid out exactly like a binary θ = (b, w). Two classes
have one output (K′ = 1, θ = (b, w)); the softmax model has K outputs (the symmetric
parameterisation, penalised fits) or K − 1 (a reference class r with z_r ≡ 0, unpenalised
fits), as :class:`~logitkit.core.datafits.Multinomial` says.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from .datafits import Datafit


def coef_matrix(coef: NDArray, width: int) -> NDArray:
    """B, shape (p̃, K′), from θ = B.ravel(order="F") with p̃ = ``width``; a view, not a copy."""
    return np.reshape(coef, (-1, width)).T


def penalised_mask(width: int, n_outputs: int, fit_intercept: bool) -> NDArray:
    """Which entries of θ the penalty weighs: every weight, no intercept (row 0 of B)."""
    mask = np.ones((width, n_outputs), dtype=bool)
    if fit_intercept:
        mask[0] = False
    return mask.ravel(order="F")


def start_coef(
    datafit: Datafit, y: NDArray, s: NDArray, width: int, fit_intercept: bool
) -> NDArray:
    """θ₀: zero weights, and the intercepts of the intercept-only optimum
    (:meth:`~logitkit.core.datafits.Bernoulli.start`) when there are intercepts."""
    matrix = np.zeros((width, datafit.n_outputs))
    if fit_intercept:
        matrix[0] = datafit.start(y, s)
    return matrix.ravel(order="F")


def class_coefficients(
    coef: NDArray, datafit: Datafit, width: int, fit_intercept: bool, centre: bool = True
) -> tuple[NDArray, NDArray]:
    """The weights and intercepts of θ as the estimator reports them.

    Two classes: shapes (1, p) and (1,). K ≥ 3: (K, p) and (K,), the reference class's row 0;
    the symmetric parameterisation's intercepts are centred (summing to 0), since they are
    identified only up to a common shift, which changes no probability (``centre=False``
    leaves them as θ holds them, for a θ already centred).
    """
    matrix = coef_matrix(np.asarray(coef, dtype=np.float64), width)
    if datafit.n_outputs == 1:
        full = matrix
    else:
        full = np.zeros((width, datafit.n_classes))
        full[:, datafit.free] = matrix
    if not fit_intercept:
        return full.T.copy(), np.zeros(full.shape[1])
    intercept = full[0]
    if centre and datafit.symmetric:
        intercept = intercept - intercept.mean()
    return full[1:].T.copy(), intercept.copy()


def flat_coefficients(
    weights: NDArray, intercept: NDArray, datafit: Datafit, fit_intercept: bool
) -> NDArray:
    """θ from the weights (K, p) and intercepts (K,) of :func:`class_coefficients`.

    With a reference class r, the rows are taken relative to r's (which changes no probability)
    and r's own column is left out; two classes give (b, w) from their one row.
    """
    full = np.vstack((intercept[None, :], weights.T)) if fit_intercept else weights.T
    full = np.asarray(full, dtype=np.float64)
    if datafit.n_outputs > 1 and datafit.reference is not None:
        full = np.delete(full - full[:, [datafit.reference]], datafit.reference, axis=1)
    return full.ravel(order="F")
