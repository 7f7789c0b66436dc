"""The seed formulas of logistic regression as stable, vectorised functions.

Every function takes the logit ``z = wᵀx + b`` (not the probability ŷ = σ(z)), so that no
formula ever evaluates ``log(0)`` or ``exp`` of a large positive number. Each is exact to a
few units in the last place for any finite ``z``, ``|z|`` up to 1e300 included, and raises no
floating-point warning.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import log_expit
from scipy.special import log_softmax as _log_softmax
from scipy.special import softmax as _softmax

__all__ = [
    "cross_entropy",
    "log_likelihood",
    "log_sigmoid",
    "log_softmax",
    "sigmoid",
    "sigmoid_curvature",
    "softmax",
    "softplus",
]


def _as_float_array(z: ArrayLike) -> NDArray[np.floating]:
    z = np.asarray(z)
    if z.dtype.kind != "f":
        z = z.astype(np.float64)
    return z


def sigmoid(z: ArrayLike) -> NDArray[np.floating]:
    """The logistic function σ(z) = 1 / (1 + e^(−z)), read as ŷ = P(y = 1 | x).

    Computed with ``e = exp(−|z|)``, which never overflows: σ(z) = 1 / (1 + e) for z ≥ 0 and
    σ(z) = e / (1 + e) for z < 0. The second form keeps full relative accuracy far into the
    left tail, down to the subnormal numbers, where ``1 / (1 + exp(−z))`` (and SciPy's
    ``expit``) return 0 too early.
    """
    z = _as_float_array(z)
    e = _exp_minus_abs(z)
    negative = z < 0
    q = np.add(1.0, e, out=np.empty_like(e))
    np.divide(e, q, out=e, where=negative)
    np.divide(1.0, q, out=q)
    np.copyto(q, e, where=negative)
    return q


def _exp_minus_abs(z: NDArray[np.floating]) -> NDArray[np.floating]:
    """e^(−|z|) ∈ (0, 1], in one new array (the steps run in place)."""
    e = np.abs(z, out=np.empty_like(z))
    np.negative(e, out=e)
    return np.exp(e, out=e)


def sigmoid_curvature(z: ArrayLike) -> NDArray[np.floating]:
    """σ(z)(1 − σ(z)) = σ(z)σ(−z) = e / (1 + e)² with e = e^(−|z|): the variance of a
    Bernoulli(σ(z)) label and ∂²L/∂z², accurate in both tails (no 1 − σ(z) is formed)."""
    z = _as_float_array(z)
    e = _exp_minus_abs(z)
    q = np.add(1.0, e, out=np.empty_like(e))
    np.multiply(q, q, out=q)
    return np.divide(e, q, out=e)


def softplus(z: ArrayLike) -> NDArray[np.floating]:
    """softplus(z) = log(1 + e^z), computed as ``logaddexp(0, z)`` = max(z, 0) + log1p(e^(−|z|)).

    It is the loss of a sample with y = 0: −log(1 − σ(z)) = softplus(z).
    """
    z = _as_float_array(z)
    return np.logaddexp(np.zeros((), dtype=z.dtype), z)


def log_sigmoid(z: ArrayLike) -> NDArray[np.floating]:
    """log σ(z) = −softplus(−z): the log-probability of the label y = 1."""
    return log_expit(_as_float_array(z))


def cross_entropy(y: ArrayLike, z: ArrayLike) -> NDArray[np.floating]:
    """Per-sample loss L = −[y log ŷ + (1 − y) log(1 − ŷ)] with ŷ = σ(z).

    Since −log σ(z) = softplus(−z) and −log(1 − σ(z)) = softplus(z),

        L = y · softplus(−z) + (1 − y) · softplus(z)  (= log(1 + e^z) − y·z).

    The first form is used: the second subtracts two nearly equal large numbers when the
    prediction is confident and correct, and loses every digit of the small loss.
    """
    z = _as_float_array(z)
    y = np.asarray(y, dtype=z.dtype)
    return y * softplus(-z) + (1 - y) * softplus(z)


def log_likelihood(y: ArrayLike, z: ArrayLike, sample_weight: ArrayLike | None = None) -> float:
    """Log-likelihood of independent Bernoulli samples: ℓ = Σᵢ sᵢ log P(yᵢ | xᵢ) = −Σᵢ sᵢ Lᵢ.

    P(y | x) = ŷ^y (1 − ŷ)^(1−y) is one formula for both labels; the log of the product over
    the samples is the sum of the logs, and each log is −Lᵢ (see :func:`cross_entropy`).
    ``sample_weight`` sᵢ defaults to 1 (frequency weights).
    """
    losses = cross_entropy(y, z)
    if sample_weight is None:
        return -float(np.sum(losses))
    return -float(np.dot(np.asarray(sample_weight, dtype=losses.dtype), losses))


def softmax(z: ArrayLike, axis: int = -1) -> NDArray[np.floating]:
    """softmax(z)_k = e^(z_k) / Σ_j e^(z_j), the multinomial generalisation of σ.

    σ(z) = softmax([0, z])₁: the binary model is the two-class case with one logit fixed at 0.
    """
    return _softmax(_as_float_array(z), axis=axis)


def log_softmax(z: ArrayLike, axis: int = -1) -> NDArray[np.floating]:
    """log softmax(z)_k = z_k − log Σ_j e^(z_j), with the log-sum-exp shifted by max_j z_j."""
    return _log_softmax(_as_float_array(z), axis=axis)
