"""The fused passes over a dense X: the cost and its gradient from one read of X.

Each datafit names its kernel (``datafit.kernel``); this module runs it and lays its results
out as the objective needs them, θ-shaped. The kernels (:mod:`._fused` for two classes,
:mod:`._fused_multinomial` for the softmax) import Numba on first use only.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
from numpy.typing import NDArray


class KernelDatafit(Protocol):
    """What a fused pass reads of a datafit: its kernel's name and, for the softmax, its
    classes and the modelled ones (``free``)."""

    kernel: str
    n_classes: int
    free: NDArray


FUSED_MIN_ENTRIES = 1 << 20
"""A dense X with at least this many entries is read by one fused pass for the cost and
gradient; smaller ones go through NumPy, which needs no compiled kernel."""


def fused_value_gradient(
    X: NDArray,
    datafit: KernelDatafit,
    coef: NDArray,
    fit_intercept: bool,
    y: NDArray,
    s: NDArray,
    offset: NDArray | None,
) -> tuple[float, NDArray, NDArray | None]:
    """(Σ sᵢLᵢ, its gradient (1/Σs-weighted by s) as a flat θ, Z) in one pass over the C-ordered
    X, for normalised weights s (Σ s = 1).

    Two classes: Z = z = b + Xw (+ o), n values. The softmax: Z is None, since its n × K
    logits are never kept whole; a reference class's logit is the zero its coefficients are,
    and its gradient is left out.
    """
    width = X.shape[1] + int(fit_intercept)
    matrix = np.reshape(coef, (-1, width)).T
    if datafit.kernel == "bernoulli":
        from ._fused import value_gradient

        intercept = float(matrix[0, 0]) if fit_intercept else 0.0
        value, grad, z = value_gradient(X, matrix[int(fit_intercept) :, 0], intercept, y, s, offset)
        return value, grad if fit_intercept else grad[1:], z
    from ._fused_multinomial import value_gradient as multinomial_value_gradient

    full = np.zeros((width, datafit.n_classes))
    full[:, datafit.free] = matrix
    intercepts = full[0] if fit_intercept else np.zeros(datafit.n_classes)
    value, grad = multinomial_value_gradient(X, full[int(fit_intercept) :].T, intercepts, y, s)
    grad = grad[datafit.free] if fit_intercept else grad[datafit.free, 1:]
    return value, grad.ravel(), None
