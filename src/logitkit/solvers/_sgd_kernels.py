"""Compiled epochs of stochastic and mini-batch (proximal) gradient descent.

One call runs a whole epoch over a given permutation of the samples, in batches of ``b``
consecutive entries of the permutation (the last one shorter when b does not divide m). A step
on the batch B, taken after t samples were seen, is

    rᵢ = (sᵢ / (|B| s̄)) (σ(zᵢ) − yᵢ),  zᵢ = x̃ᵢᵀθ (+ oᵢ),   s̄ = (1/m) Σ sᵢ over all samples
    g  = Σ_{i∈B} rᵢ x̃ᵢ + α(1 − ρ) w          (the intercept takes Σ rᵢ and no ridge term)
    θ ← prox(θ − η_t g, η_t),   prox = soft-thresholding S(w, η_t αρ) of the weights only
    θ̄ ← θ̄ + (θ − θ̄) / k       after the k-th step of the epoch (θ̄ starts at 0)

with the step size η_t of the schedule, as a function of e = t/m epochs seen (m the samples of
an epoch: all of X's rows, or more when X is one block of a longer epoch, as in
:mod:`logitkit.solvers.stochastic`; s̄ may likewise be given for the whole epoch):

    constant:   η_t = η₀
    invscaling: η_t = η₀ / (1 + e)^½
    auto:       η_t = η₀ / (1 + e)^¾

These are the steps of :meth:`logitkit.core.objective.Objective.smooth_gradient` on ``rows = B``
followed by :meth:`~logitkit.core.objective.Objective.prox`, without the per-step temporaries. The
logits and the updates are accumulated in float64 for float32 X too. The ridge and L1 parts
and the running mean θ̄ touch every coefficient at every step, as the NumPy steps do, so a
step costs O(p) on sparse X as well.

For b = 1 on dense X the step is applied straight from the row, g = r x̃ᵢ + α(1 − ρ)w, with no
gradient buffer. The rows of the coming steps are prefetched into the cache, since a random
permutation defeats the hardware's own prefetching.

The kernels are compiled by Numba on first use and cached (see :mod:`logitkit.backends.jit`). This
module imports Numba: the solvers import it only when a stochastic solver runs.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from llvmlite import ir
from numba.core import cgutils, types
from numba.core.base import BaseContext
from numba.core.typing.templates import Signature
from numba.extending import intrinsic, overload
from numpy.typing import NDArray

from ..backends.jit import compile_kernel
from .base import DataProblem

_CONSTANT = 0
_INVSCALING = 1
_AUTO = 2
SCHEDULES = {"constant": _CONSTANT, "invscaling": _INVSCALING, "auto": _AUTO}
"""The step-size schedules by name, as the codes the kernels take."""

_AHEAD = 4
"""How many steps ahead a sample's row is prefetched: far enough to hide the memory latency
behind the work of the steps in between, near enough that it is still cached when used."""
_LINE_BYTES = 64
"""Bytes in a cache line: one prefetch per line of a row."""

EpochResult = tuple[NDArray, NDArray, int]
Epoch = Callable[[NDArray, NDArray, int], EpochResult]


def _prefetch(array: NDArray, index: tuple) -> None:
    """Hint the CPU to fetch the cache line of ``array[index]`` for reading.

    Compiled, it is LLVM's ``llvm.prefetch`` (read, high locality, data cache), which never
    faults and changes no value, so results are the same with or without it; in pure Python
    (``NUMBA_DISABLE_JIT=1``) it does nothing.
    """


@intrinsic
def _llvm_prefetch(
    typingctx: object, array: types.Array, index: types.BaseTuple
) -> tuple[Signature, Callable]:
    """``llvm.prefetch`` of the address of ``array[index]`` (index: a tuple of integers)."""
    signature = types.none(array, index)

    def codegen(
        context: BaseContext, builder: ir.IRBuilder, sig: Signature, args: tuple
    ) -> ir.Value:
        array_type, index_type = sig.args
        view = context.make_array(array_type)(context, builder, args[0])
        position = cgutils.unpack_tuple(builder, args[1], len(index_type))
        pointer = cgutils.get_item_pointer(
            context, builder, array_type, view, position, wraparound=False
        )
        i32, byte_pointer = ir.IntType(32), ir.IntType(8).as_pointer()
        function_type = ir.FunctionType(ir.VoidType(), [byte_pointer, i32, i32, i32])
        prefetch = cgutils.get_or_insert_function(builder.module, function_type, "llvm.prefetch")
        builder.call(prefetch, [builder.bitcast(pointer, byte_pointer), i32(0), i32(3), i32(1)])
        return context.get_dummy_value()

    return signature, codegen


@overload(_prefetch)
def _prefetch_compiled(array: types.Array, index: types.BaseTuple) -> Callable:
    """The compiled :func:`_prefetch`: :func:`_llvm_prefetch`."""

    def implementation(array: types.Array, index: types.BaseTuple) -> None:
        _llvm_prefetch(array, index)  # type: ignore[call-arg]  # an intrinsic: Numba adds its context

    return implementation


@compile_kernel
def step_size(schedule: int, eta0: float, samples_seen: int, n_samples: int) -> float:
    """η_t after t = ``samples_seen`` samples: η₀, η₀/(1 + t/m)^½ or η₀/(1 + t/m)^¾."""
    epochs = samples_seen / n_samples
    if schedule == _CONSTANT:
        return eta0
    if schedule == _INVSCALING:
        return eta0 / np.sqrt(1.0 + epochs)
    return eta0 / (1.0 + epochs) ** 0.75


@compile_kernel
def _residual(
    z: float, i: int, y: NDArray, weights: NDArray, offset: NDArray, scale: float
) -> float:
    """rᵢ = (sᵢ / scale)(σ(zᵢ + oᵢ) − yᵢ), with scale = |B| s̄.

    σ(z) = 1/(1 + e) for z ≥ 0 and e/(1 + e) for z < 0, e = exp(−|z|), as
    :func:`logitkit.core.functions.sigmoid` computes it.
    """
    if offset.size:
        z += offset[i]
    e = np.exp(-abs(z))
    sigma = 1.0 / (1.0 + e) if z >= 0 else e / (1.0 + e)
    return weights[i] / scale * (sigma - y[i])


@compile_kernel
def _prefetch_sample(y: NDArray, weights: NDArray, offset: NDArray, i: int) -> None:
    """Fetch yᵢ, sᵢ and oᵢ ahead of the step that uses them."""
    _prefetch(y, (i,))
    _prefetch(weights, (i,))
    if offset.size:
        _prefetch(offset, (i,))


@compile_kernel(fastmath={"reassoc", "contract"})
def _dense_dot(X: NDArray, i: int, theta: NDArray, first: int) -> float:
    """Σⱼ X[i, j] θ[first + j] in float64; reassociated so that it runs in SIMD lanes."""
    z = 0.0
    for j in range(X.shape[1]):
        z += X[i, j] * theta[first + j]
    return z


@compile_kernel(fastmath={"reassoc", "contract"})
def _csr_dot(
    data: NDArray, indices: NDArray, start: int, stop: int, theta: NDArray, first: int
) -> float:
    """Σₖ data[k] θ[first + indices[k]] over the stored entries k of one CSR row, in float64."""
    z = 0.0
    for k in range(start, stop):
        z += data[k] * theta[first + indices[k]]
    return z


@compile_kernel
def _soft_threshold(value: float, threshold: float) -> float:
    """S(v, t) = sign(v) max(|v| − t, 0); NaN stays NaN."""
    if abs(value) <= threshold:
        return 0.0
    if value > 0.0:
        return value - threshold
    return value + threshold


@compile_kernel(inline="always")
def _take_step(
    theta: NDArray,
    grad: NDArray,
    mean: NDArray,
    first: int,
    eta: float,
    l2: float,
    l1: float,
    n_steps: int,
) -> None:
    """θ ← prox(θ − η(g + α(1 − ρ)w), η) and θ̄ ← θ̄ + (θ − θ̄)/k, in place; g is reset to 0.

    The first ``first`` entries (the intercept) take θⱼ − η gⱼ alone; the prox is
    S(v, η αρ), skipped when αρ = 0.
    """
    inverse = 1.0 / n_steps
    for j in range(first):
        theta[j] -= eta * grad[j]
        grad[j] = 0.0
        mean[j] += (theta[j] - mean[j]) * inverse
    threshold = eta * l1
    if l1 > 0.0:
        for j in range(first, theta.size):
            theta[j] = _soft_threshold(theta[j] - eta * (grad[j] + l2 * theta[j]), threshold)
            grad[j] = 0.0
            mean[j] += (theta[j] - mean[j]) * inverse
    else:
        for j in range(first, theta.size):
            theta[j] -= eta * (grad[j] + l2 * theta[j])
            grad[j] = 0.0
            mean[j] += (theta[j] - mean[j]) * inverse


@compile_kernel(inline="always")
def _take_row_step(
    theta: NDArray,
    mean: NDArray,
    X: NDArray,
    i: int,
    r: float,
    first: int,
    eta: float,
    l2: float,
    l1: float,
    n_steps: int,
) -> None:
    """The step of one sample i, g = rᵢ x̃ᵢ + α(1 − ρ)w, read from the row: as :func:`_take_step`."""
    inverse = 1.0 / n_steps
    if first:
        theta[0] -= eta * r
        mean[0] += (theta[0] - mean[0]) * inverse
    threshold = eta * l1
    if l1 > 0.0:
        for j in range(X.shape[1]):
            w = theta[first + j]
            theta[first + j] = _soft_threshold(w - eta * (X[i, j] * r + l2 * w), threshold)
            mean[first + j] += (theta[first + j] - mean[first + j]) * inverse
    else:
        for j in range(X.shape[1]):
            theta[first + j] -= eta * (X[i, j] * r + l2 * theta[first + j])
            mean[first + j] += (theta[first + j] - mean[first + j]) * inverse


@compile_kernel
def _dense_epoch(
    X: NDArray,
    y: NDArray,
    weights: NDArray,
    weight_mean: float,
    offset: NDArray,
    order: NDArray,
    theta0: NDArray,
    fit_intercept: bool,
    l2: float,
    l1: float,
    schedule: int,
    eta0: float,
    samples_seen: int,
    batch_size: int,
    epoch_samples: int,
) -> EpochResult:
    """One epoch on dense X (see the module docstring); returns θ, θ̄ and the samples seen."""
    n_samples, n_features = X.shape
    line = max(_LINE_BYTES // X.itemsize, 1)
    first = 1 if fit_intercept else 0
    theta = theta0.copy()
    mean = np.zeros_like(theta)
    grad = np.zeros_like(theta)
    for start in range(0, n_samples, batch_size):
        stop = min(start + batch_size, n_samples)
        eta = step_size(schedule, eta0, samples_seen, epoch_samples)
        scale = (stop - start) * weight_mean
        n_steps = start // batch_size + 1
        for position in range(start, stop):
            if position + _AHEAD < n_samples:
                ahead = order[position + _AHEAD]
                for j in range(0, n_features, line):
                    _prefetch(X, (ahead, j))
                _prefetch_sample(y, weights, offset, ahead)
            i = order[position]
            z = _dense_dot(X, i, theta, first)
            if first:
                z += theta[0]
            r = _residual(z, i, y, weights, offset, scale)
            if batch_size == 1:
                _take_row_step(theta, mean, X, i, r, first, eta, l2, l1, n_steps)
            else:
                if first:
                    grad[0] += r
                for j in range(n_features):
                    grad[first + j] += X[i, j] * r
        if batch_size > 1:
            _take_step(theta, grad, mean, first, eta, l2, l1, n_steps)
        samples_seen += stop - start
    return theta, mean, samples_seen


@compile_kernel
def _csr_epoch(
    data: NDArray,
    indices: NDArray,
    indptr: NDArray,
    y: NDArray,
    weights: NDArray,
    weight_mean: float,
    offset: NDArray,
    order: NDArray,
    theta0: NDArray,
    fit_intercept: bool,
    l2: float,
    l1: float,
    schedule: int,
    eta0: float,
    samples_seen: int,
    batch_size: int,
    epoch_samples: int,
) -> EpochResult:
    """One epoch on CSR X given by (data, indices, indptr); as :func:`_dense_epoch`."""
    n_samples = indptr.size - 1
    line = max(_LINE_BYTES // max(data.itemsize, indices.itemsize), 1)
    first = 1 if fit_intercept else 0
    theta = theta0.copy()
    mean = np.zeros_like(theta)
    grad = np.zeros_like(theta)
    for start in range(0, n_samples, batch_size):
        stop = min(start + batch_size, n_samples)
        eta = step_size(schedule, eta0, samples_seen, epoch_samples)
        scale = (stop - start) * weight_mean
        for position in range(start, stop):
            if position + 2 * _AHEAD < n_samples:
                _prefetch(indptr, (order[position + 2 * _AHEAD],))
            if position + _AHEAD < n_samples:
                ahead = order[position + _AHEAD]
                for k in range(indptr[ahead], indptr[ahead + 1], line):
                    _prefetch(data, (k,))
                    _prefetch(indices, (k,))
                _prefetch_sample(y, weights, offset, ahead)
            i = order[position]
            z = _csr_dot(data, indices, indptr[i], indptr[i + 1], theta, first)
            if first:
                z += theta[0]
            r = _residual(z, i, y, weights, offset, scale)
            if first:
                grad[0] += r
            for k in range(indptr[i], indptr[i + 1]):
                grad[first + indices[k]] += data[k] * r
        _take_step(theta, grad, mean, first, eta, l2, l1, start // batch_size + 1)
        samples_seen += stop - start
    return theta, mean, samples_seen


def epoch_runner(
    objective: DataProblem,
    schedule: str,
    eta0: float,
    batch_size: int,
    epoch_samples: int | None = None,
    weight_mean: float | None = None,
) -> Epoch:
    """The function ``epoch(θ, order, t) -> (θ', θ̄, t')`` that runs one compiled epoch.

    ``order`` is the permutation of the samples for the epoch and t the samples seen before
    it; θ is left unchanged. Sparse X is laid out as CSR once, here, for all the epochs.
    ``epoch_samples`` (m of the schedule) and ``weight_mean`` (s̄) default to X's rows and
    their mean weight; a block of a longer epoch passes the epoch's.
    """
    design = objective.design
    weights = objective.sample_weight
    if weight_mean is None:
        weight_mean = float(weights.mean())
    if epoch_samples is None:
        epoch_samples = design.n_samples
    offset = np.empty(0) if objective.offset is None else np.asarray(objective.offset, np.float64)
    penalty = objective.penalty
    samples = (objective.y, weights, weight_mean, offset)
    settings = (design.fit_intercept, penalty.l2_strength, penalty.l1_strength)
    step = (SCHEDULES[schedule], eta0)
    layout, matrix = design.compiled_rows()
    kernel = _csr_epoch if layout == "csr" else _dense_epoch

    def epoch(theta: NDArray, order: NDArray, samples_seen: int) -> EpochResult:
        return kernel(
            *matrix,
            *samples,
            order,
            theta,
            *settings,
            *step,
            samples_seen,
            batch_size,
            epoch_samples,
        )

    return epoch
