"""One pass over a block of rows: every sum over the rows that the objective and the statistics
need, from the coefficients, in one read of the block.

A backend that cannot hold n-vectors on the client (the Dask backend: its rows live in chunks,
possibly on other machines) evaluates the objective by *passes*: each chunk of rows, with its
labels y, weights s (and offsets o, cluster codes g), turns into the sums below, and the sums of
the chunks are added (a tree reduction). Every result is coefficient-sized, so only p- and
p²-sized arrays travel. With θ laid out as the objective lays it out (B = (b_k, w_k), one
column per modelled output, :mod:`logitkit.core.layout`), η = X̃B (+ o), Z the datafit's logits
and r = ∂L/∂η:

============== ===================================================================
``value``       Σ sᵢ L(yᵢ, zᵢ)
``gradient``    X̃ᵀ(s ⊙ r), θ-shaped
``hessian``     the blocks X̃ᵀ diag(s ⊙ ∂²L/∂η_k∂η_m) X̃, assembled (k̃ × k̃, k̃ = len θ)
``sampled_hessian`` the same over the sample S of every ``sample_step``-th row, X̃_Sᵀ diag(s_S ⊙
                ∂²L/∂η_k∂η_m) X̃_S, and ``sample_count`` = |S ∩ block|: S is chosen by the global
                row index i (i ≡ 0 mod ``sample_step``, the block's first row being
                ``first_row``), so it is the rows ``slice(0, None, sample_step)`` of the whole
                X however the rows are split into blocks
``score_outer`` the blocks X̃ᵀ diag(s ⊙ r_k r_m) X̃ (the sandwich's meat M)
``hessian_product`` X̃ᵀ(s ⊙ C(X̃V)) for V = ``direction`` (C the per-row curvature)
``cluster_scores``  u_g = Σ_{i: gᵢ = g} −sᵢ rᵢ ⊗ x̃ᵢ, G × k̃, for the codes gᵢ < ``n_groups``
``overlap``     two classes: ``overlap_min`` = min_{sᵢ>0} sᵢ|yᵢ − ŷᵢ| (+inf without rows) and
                ``overlap_count`` = #{sᵢ > 0} (the certificate by passes reads them with the
                ``hessian`` of the same pass)
``positive_gram``   Σ_{sᵢ>0} x̃ᵢx̃ᵢᵀ and ``positive_count``: no coefficients needed
``class_totals``    Σ_{yᵢ=k} sᵢ for k < ``n_classes`` (and a check of the weights)
``abs_max``     maxᵢ |x̃ᵢⱼ| (and a check that X is finite), ``row_count``
``labels``      the distinct values of y as given, sorted (``label_values``, of any dtype), how
                often each occurs (``label_counts``) and their weights Σ_{yᵢ=u} sᵢ
                (``label_weights``); with at most two of them in the block, also
                ``label_sums`` = [Σ_{yᵢ=u} sᵢx̃ᵢ], p̃ × their number. A fit's first pass reads
                them before the classes are known: at θ₀ = (b₀, 0) every zᵢ is b₀, so the
                cost and gradient there follow from ``label_sums``
``sample_gram`` Σ_{i∈S} sᵢx̃ᵢx̃ᵢᵀ over the sample S of ``sampled_hessian`` (``sample_step``)
                and ``sample_count``: the sampled Hessian at θ₀ is σ(b₀)σ(−b₀) times it
``positive_sample`` Σ_{i∈S, sᵢ>0} x̃ᵢx̃ᵢᵀ over the rows of positive weight among every
                ``positive_step``-th row (counted from row 0 of all, as ``sampled_hessian``'s
                sample), with ``positive_sample_count`` = |S ∩ {sᵢ > 0} ∩ block| and
                ``positive_sq_norms`` = Σ_{sᵢ>0} x̃ᵢⱼ² over every row: what the aliasing
                check reads instead of ``positive_gram`` on many rows
============== ===================================================================

Over a C-ordered dense block (a chunk of a Dask array), the cost and gradient come from the
serial fused kernel (:mod:`._chunk_kernels`); when the pass also wants the Hessian, the meat or
the overlap of the binary model (the certificate's and the statistics' pass at θ̂), all of them
come from one read of the block by the serial form of the in-memory fused pass
(:func:`logitkit.backends.fused.fused_sums`), not from a product per matrix; ``abs_max`` and
``label_sums`` come from one compiled read of it.

The sums of two blocks are combined by :func:`combine`: added, except ``overlap_min`` (the
least), ``abs_max`` (the largest) and the ``labels`` table (merged by label). A block whose
sums are not finite because its data are not (NaN or infinite values in X, y or s) raises
ValueError naming the block (``where``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import pandas as pd
from numpy.typing import NDArray

WANTS = (
    "value",
    "gradient",
    "hessian",
    "sampled_hessian",
    "score_outer",
    "hessian_product",
    "cluster_scores",
    "overlap",
    "positive_gram",
    "class_totals",
    "abs_max",
    "labels",
    "sample_gram",
    "positive_sample",
)
"""What a pass can compute (see the module docstring)."""

_NEEDS_LOGITS = frozenset(WANTS[:8])
_FUSED_WANTS = frozenset({"value", "gradient", "hessian", "score_outer", "overlap"})
"""What the fused pass of the binary model computes in one read of a dense block (a sampled
Hessian beside them comes from the sample's own rows)."""
_LEAST = frozenset({"overlap_min"})
_LARGEST = frozenset({"abs_max"})
_LABELS = frozenset({"label_values", "label_counts", "label_weights", "label_sums"})


@dataclass(frozen=True)
class PassRequest:
    """What one pass computes, and the coefficient-sized inputs it needs.

    ``datafit`` is the datafit of the objective (its kernel, logits, loss and curvature);
    ``coef`` θ; ``direction`` V for ``hessian_product``; ``n_groups`` G for
    ``cluster_scores``; ``n_classes`` K for ``class_totals``; ``sample_step`` k ≥ 2 for
    ``sampled_hessian`` (every k-th row); ``positive_step`` k ≥ 2 for ``positive_sample``.
    """

    wants: tuple[str, ...]
    datafit: Any = None
    coef: NDArray | None = None
    direction: NDArray | None = None
    n_groups: int = 0
    n_classes: int = 0
    sample_step: int = 0
    positive_step: int = 0
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        unknown = sorted(set(self.wants) - set(WANTS))
        if unknown:
            raise ValueError(f"a pass cannot compute {unknown}; it computes {list(WANTS)}")
        if set(self.wants) & _NEEDS_LOGITS and (self.datafit is None or self.coef is None):
            raise ValueError(f"{sorted(set(self.wants) & _NEEDS_LOGITS)} need a datafit and θ")
        if "sampled_hessian" in self.wants and self.sample_step < 2:
            raise ValueError(
                f"sampled_hessian needs a sample_step of at least 2, not {self.sample_step}"
            )
        if "positive_sample" in self.wants and self.positive_step < 2:
            raise ValueError(
                f"positive_sample needs a positive_step of at least 2, not {self.positive_step}"
            )


class BlockDesign(Protocol):
    """The in-memory design operations a pass over a block uses."""

    n_samples: int
    fit_intercept: bool

    @property
    def n_params(self) -> int: ...

    def linear_predictor(self, coef: NDArray) -> NDArray: ...

    def rmatvec(self, r: NDArray) -> NDArray: ...

    def weighted_gram(self, d: NDArray) -> NDArray: ...

    def weighted_gram_product(self, d: NDArray, v: NDArray) -> NDArray: ...

    def gram_rows(self, rows: NDArray | None = None) -> NDArray: ...

    def column_abs_max(self, rows: NDArray | None = None) -> NDArray: ...

    def weighted_column_sq_norms(self, d: NDArray) -> NDArray: ...

    def take(self, rows: NDArray | slice) -> BlockDesign: ...

    def group_sums(self, r: NDArray, groups: NDArray) -> NDArray: ...


def block_sums(
    design: BlockDesign,
    request: PassRequest,
    y: NDArray | None,
    s: NDArray | None,
    offset: NDArray | None = None,
    codes: NDArray | None = None,
    *,
    rows: NDArray | None = None,
    where: str = "X",
    first_row: int = 0,
) -> dict[str, NDArray]:
    """The sums of ``request`` over one block: ``design`` holds its rows X (in memory), ``y``,
    ``s``, ``offset`` and ``codes`` its labels, weights, offsets and cluster codes.

    ``rows``, when given, is the block's X as a C-ordered dense array: the cost and gradient
    then come from the serial fused kernel (:mod:`._chunk_kernels`), in one read of the rows;
    otherwise (and for a softmax with an offset, which that kernel does not add) from the
    design's products. ``where`` names the block in errors; ``first_row`` is the index of its
    first row among all rows (the sample of ``sampled_hessian`` counts from row 0 of all).
    """
    wants = set(request.wants)
    out: dict[str, NDArray] = {}
    weighted = wants & {
        "positive_gram",
        "class_totals",
        "overlap",
        "labels",
        "sample_gram",
        "positive_sample",
    }
    weights = _checked_weights(s, where) if weighted else np.zeros(0)
    labelled = _label_table(y, weights, out) if "labels" in wants else None
    if rows is not None and ("abs_max" in wants or labelled is not None):
        _column_sums(rows, design, wants, weights, labelled, where, out)
    elif labelled is not None:
        n_labels = len(out["label_values"])
        out["label_sums"] = design.rmatvec(_group_weights(labelled, weights, n_labels))
    if "abs_max" in wants and "abs_max" not in out:
        out["abs_max"] = _checked_abs_max(design, rows, where)
    if "abs_max" in wants:
        out["row_count"] = np.array(float(design.n_samples))
    if "class_totals" in wants:
        labels = np.asarray(y)
        _check_finite(labels, "y", where)
        out["class_totals"] = np.bincount(
            labels.astype(np.intp), weights=weights, minlength=request.n_classes
        )[: request.n_classes].astype(np.float64)
    if "positive_gram" in wants:
        kept = np.flatnonzero(weights > 0)
        out["positive_gram"] = design.gram_rows(None if kept.size == weights.size else kept)
        out["positive_count"] = np.array(float(kept.size))
    if "sample_gram" in wants:
        step = request.sample_step
        sample = slice(-first_row % step, None, step)
        out["sample_gram"] = design.take(sample).weighted_gram(weights[sample])
        out["sample_count"] = np.array(float(len(range(design.n_samples)[sample])))
    if "positive_sample" in wants:
        _positive_sample(design, weights, request.positive_step, first_row, out)
    if wants & _NEEDS_LOGITS:
        _datafit_sums(design, request, wants, y, s, offset, codes, rows, first_row, out)
        _check_sums(out, design, rows, (y, s), where)
    return out


def _datafit_sums(
    design: BlockDesign,
    request: PassRequest,
    wants: set[str],
    y: Any,
    s: Any,
    offset: Any,
    codes: Any,
    rows: NDArray | None,
    first_row: int,
    out: dict[str, NDArray],
) -> None:
    """The sums that need the logits Z at θ (see :func:`block_sums`)."""
    datafit, coef = request.datafit, np.asarray(request.coef, dtype=np.float64)
    width = design.n_params
    n_outputs = datafit.n_outputs
    labels = np.asarray(y, dtype=np.float64 if n_outputs == 1 else np.intp)
    weights = np.asarray(s, dtype=np.float64)
    shift = None if offset is None else np.asarray(offset, dtype=np.float64)
    logit_wants = wants & _NEEDS_LOGITS
    if (
        rows is not None
        and datafit.kernel == "bernoulli"
        and logit_wants - {"sampled_hessian"} <= _FUSED_WANTS
        and logit_wants - {"value", "gradient", "sampled_hessian"}
    ):
        _fused_block_sums(rows, design.fit_intercept, coef, labels, weights, shift, wants, out)
        if "sampled_hessian" in wants:
            _sampled_hessian(design, datafit, coef, weights, shift, request, first_row, out)
        return
    z = None
    if wants & {"value", "gradient"} and rows is not None and (shift is None or n_outputs == 1):
        value, grad, z = serial_value_gradient(
            rows, datafit, coef, design.fit_intercept, labels, weights, shift
        )
        out["value"], out["gradient"] = np.array(value), grad
    if z is None:
        eta = design.linear_predictor(coef if n_outputs == 1 else _matrix(coef, width))
        eta = np.asarray(eta, dtype=np.float64)
        if shift is not None:
            eta = eta + (shift if shift.ndim == eta.ndim else shift[:, None])
        z = datafit.logits(eta)
    derivative = None
    if wants & {"value", "gradient", "score_outer", "cluster_scores"} - set(out):
        loss, derivative = datafit.loss_and_gradient(labels, z)
        if "value" in wants and "value" not in out:
            out["value"] = np.array(float(np.dot(weights, loss)))
        if "gradient" in wants and "gradient" not in out:
            out["gradient"] = design.rmatvec(_scaled(weights, derivative)).ravel(order="F")
    k = width * n_outputs
    if "sampled_hessian" in wants:
        _sampled_hessian(design, datafit, coef, weights, shift, request, first_row, out, z)
    if wants & {"hessian", "hessian_product"}:
        factors = datafit.hessian_factors(z)
        if "hessian" in wants:
            out["hessian"] = _hessian(design, datafit, factors, weights, k)
        if "hessian_product" in wants:
            direction = np.asarray(request.direction, dtype=np.float64)
            if n_outputs == 1:
                product = design.weighted_gram_product(weights * factors, direction)
            else:
                along = design.linear_predictor(_matrix(direction, width))
                curved = datafit.hessian_product(factors, np.asarray(along, dtype=np.float64))
                product = design.rmatvec(_scaled(weights, curved))
            out["hessian_product"] = product.ravel(order="F")
    if derivative is not None:
        columns = np.reshape(derivative, (design.n_samples, -1))
        if "score_outer" in wants:
            meat = np.zeros((k, k))
            for a in range(n_outputs):
                for b in range(a, n_outputs):
                    block = design.weighted_gram(weights * columns[:, a] * columns[:, b])
                    meat[a * width : (a + 1) * width, b * width : (b + 1) * width] = block
                    meat[b * width : (b + 1) * width, a * width : (a + 1) * width] = block.T
            out["score_outer"] = meat
        if "cluster_scores" in wants:
            out["cluster_scores"] = _cluster_scores(
                design, -weights[:, None] * columns, codes, request.n_groups
            )
    if "overlap" in wants:
        kept = np.flatnonzero(weights > 0)
        if n_outputs != 1:
            raise ValueError("the overlap certificate is for two classes")
        residual = np.where(labels[kept] == 1, _sigmoid(-z[kept]), _sigmoid(z[kept]))
        out["overlap_min"] = np.array(float(np.min(weights[kept] * residual, initial=np.inf)))
        out["overlap_count"] = np.array(float(kept.size))


def _sampled_hessian(
    design: BlockDesign,
    datafit: Any,
    coef: NDArray,
    weights: NDArray,
    offset: NDArray | None,
    request: PassRequest,
    first_row: int,
    out: dict[str, NDArray],
    z: NDArray | None = None,
) -> None:
    """``sampled_hessian`` and ``sample_count`` of the block: the Hessian over its rows of the
    sample S (:func:`block_sums`), from the logits Z of every row when given, else from the
    sample's own."""
    step = request.sample_step
    sample = slice(-first_row % step, None, step)
    rows = design.take(sample)
    if z is None:
        width = design.n_params
        eta = rows.linear_predictor(coef if datafit.n_outputs == 1 else _matrix(coef, width))
        eta = np.asarray(eta, dtype=np.float64)
        if offset is not None:
            eta = eta + (offset[sample] if offset.ndim == eta.ndim else offset[sample][:, None])
        z = datafit.logits(eta)
    else:
        z = z[sample]
    factors = datafit.hessian_factors(z)
    k = design.n_params * datafit.n_outputs
    out["sampled_hessian"] = _hessian(rows, datafit, factors, weights[sample], k)
    out["sample_count"] = np.array(float(len(range(design.n_samples)[sample])))


def _fused_block_sums(
    rows: NDArray,
    fit_intercept: bool,
    coef: NDArray,
    labels: NDArray,
    weights: NDArray,
    offset: NDArray | None,
    wants: set[str],
    out: dict[str, NDArray],
) -> None:
    """The binary model's ``value``, ``gradient``, ``hessian``, ``score_outer`` and
    ``overlap`` of the dense block ``rows`` that ``wants`` asks for, from one serial read of it
    (:func:`logitkit.backends.fused.fused_sums`)."""
    from .fused import fused_sums

    sums = fused_sums(
        np.ascontiguousarray(rows),
        coef,
        fit_intercept,
        labels,
        weights,
        offset,
        hessian="hessian" in wants,
        score_outer="score_outer" in wants,
        serial=True,
    )
    found = {
        "value": np.array(sums.value),
        "gradient": sums.gradient,
        "hessian": sums.hessian,
        "score_outer": sums.score_outer,
    }
    out.update(
        {name: value for name, value in found.items() if value is not None and name in wants}
    )
    if "overlap" in wants:
        out["overlap_min"] = np.array(sums.overlap_min)
        out["overlap_count"] = np.array(float(np.count_nonzero(weights > 0)))


def _positive_sample(
    design: BlockDesign, weights: NDArray, step: int, first_row: int, out: dict[str, NDArray]
) -> None:
    """``positive_sample`` and ``positive_sample_count`` of the block (:func:`block_sums`), and
    ``positive_sq_norms`` unless the compiled read of the block brought them."""
    positive = weights > 0
    sample = np.arange(-first_row % step, design.n_samples, step)
    sample = sample[positive[sample]]
    out["positive_sample"] = design.gram_rows(sample)
    out["positive_sample_count"] = np.array(float(sample.size))
    if "positive_sq_norms" not in out:
        out["positive_sq_norms"] = design.weighted_column_sq_norms(positive * 1.0)


def _label_table(y: Any, weights: NDArray, out: dict[str, NDArray]) -> NDArray | None:
    """The ``labels`` table of the block into ``out`` (the labels found by hashing, then
    sorted: a sort of every row took six times as long on strings); each row's label's
    position when the block holds at most two labels (for ``label_sums``), else None."""
    codes, values = pd.factorize(np.asarray(y).ravel(), sort=True, use_na_sentinel=False)
    out["label_values"] = np.asarray(values)
    out["label_counts"] = np.bincount(codes, minlength=len(values)).astype(np.float64)
    out["label_weights"] = np.bincount(codes, weights=weights, minlength=len(values))
    return codes if len(values) <= 2 else None


def _column_sums(
    rows: NDArray,
    design: BlockDesign,
    wants: set[str],
    weights: NDArray,
    codes: NDArray | None,
    where: str,
    out: dict[str, NDArray],
) -> None:
    """``abs_max``, given the rows' label ``codes`` the ``label_sums`` [Σ_{cᵢ=g} sᵢx̃ᵢ], and for
    ``positive_sample`` the ``positive_sq_norms`` Σ_{sᵢ>0} x̃ᵢⱼ², of the dense block ``rows``
    from one compiled read of it (:func:`._chunk_kernels.column_sums`); ValueError naming the
    block when X is not finite there."""
    from ._chunk_kernels import column_sums

    n_groups = 0 if codes is None else len(out["label_values"])
    positive = (weights > 0) * 1.0 if "positive_sample" in wants else np.zeros(0)
    top, probe, sums, squares = column_sums(
        np.ascontiguousarray(rows),
        np.zeros(0, dtype=np.intp) if codes is None else codes.astype(np.intp),
        weights,
        n_groups,
        positive,
    )
    if not np.all(np.isfinite(probe)):
        _check_finite(rows, "X", where)
    if "abs_max" in wants:
        out["abs_max"] = (
            np.concatenate(([float(len(rows) > 0)], top)) if design.fit_intercept else top
        )
    if codes is not None:
        out["label_sums"] = (
            np.vstack((out["label_weights"], sums)) if design.fit_intercept else sums
        )
    if positive.size:
        count = [float(np.count_nonzero(positive))] if design.fit_intercept else []
        out["positive_sq_norms"] = np.concatenate((count, squares))


def _group_weights(codes: NDArray, weights: NDArray, n_groups: int) -> NDArray:
    """The n × G matrix sᵢ[cᵢ = g]."""
    return weights[:, None] * (codes[:, None] == np.arange(n_groups))


def _hessian(design: BlockDesign, datafit: Any, factors: Any, weights: NDArray, k: int) -> NDArray:
    """The k × k matrix of the blocks X̃ᵀ diag(s ⊙ ∂²L/∂η_a∂η_b) X̃ over the rows of ``design``,
    from the datafit's Hessian factors of their logits."""
    width = design.n_params
    hessian = np.zeros((k, k))
    for a, b, curvature in datafit.hessian_blocks(factors):
        block = design.weighted_gram(weights * curvature)
        hessian[a * width : (a + 1) * width, b * width : (b + 1) * width] = block
        hessian[b * width : (b + 1) * width, a * width : (a + 1) * width] = block.T
    return hessian


def _cluster_scores(design: BlockDesign, residual: NDArray, codes: Any, n_groups: int) -> NDArray:
    """[Σ_{g} r_k x̃ᵢ] for every output k, side by side: G × k̃ with G = ``n_groups``."""
    labels = np.asarray(codes, dtype=np.intp)
    parts = []
    for k in range(residual.shape[1]):
        sums = design.group_sums(residual[:, k], labels)
        padded = np.zeros((n_groups, design.n_params))
        padded[: sums.shape[0]] = sums
        parts.append(padded)
    return np.hstack(parts)


def serial_value_gradient(
    X: NDArray,
    datafit: Any,
    coef: NDArray,
    fit_intercept: bool,
    y: NDArray,
    s: NDArray,
    offset: NDArray | None,
) -> tuple[float, NDArray, NDArray]:
    """(Σ sᵢLᵢ, its gradient as a flat θ, Z) in one serial pass over the dense rows X, laid out
    as :func:`logitkit.backends.fused.fused_value_gradient` lays them out."""
    from ._chunk_kernels import binary_value_gradient, multinomial_value_gradient

    X = np.ascontiguousarray(X)
    width = X.shape[1] + int(fit_intercept)
    matrix = np.reshape(coef, (-1, width)).T
    start = int(fit_intercept)
    if datafit.kernel == "bernoulli":
        z = np.empty(X.shape[0])
        value, grad = binary_value_gradient(
            X,
            np.ascontiguousarray(matrix[start:, 0], dtype=np.float64),
            float(matrix[0, 0]) if fit_intercept else 0.0,
            np.asarray(y, dtype=np.float64),
            np.asarray(s, dtype=np.float64),
            np.empty(0) if offset is None else np.asarray(offset, dtype=np.float64),
            z,
        )
        return float(value), grad if fit_intercept else grad[1:], z
    full = np.zeros((width, datafit.n_classes))
    full[:, datafit.free] = matrix
    intercepts = full[0] if fit_intercept else np.zeros(datafit.n_classes)
    logits = np.empty((X.shape[0], datafit.n_classes))
    value, grad = multinomial_value_gradient(
        X,
        np.ascontiguousarray(full[start:].T),
        np.ascontiguousarray(intercepts),
        np.asarray(y, dtype=np.intp),
        np.asarray(s, dtype=np.float64),
        logits,
    )
    grad = grad[datafit.free] if fit_intercept else grad[datafit.free, 1:]
    return float(value), grad.ravel(), logits


def combine(parts: Iterable[Mapping[str, NDArray]]) -> dict[str, NDArray]:
    """The sums of several blocks as those of their union: added entry by entry, except the
    least ``overlap_min``, the largest ``abs_max`` and the ``labels`` table, merged by label
    (:func:`_merged_labels`)."""
    total: dict[str, NDArray] = {}
    for part in parts:
        if "label_values" in part:
            part = _merged_labels(total, part)
            for key in _LABELS:
                total.pop(key, None)
        for key, value in part.items():
            if key in _LABELS:
                total[key] = value
            elif key not in total:
                total[key] = np.array(value, dtype=np.float64, copy=True)
            elif key in _LEAST:
                total[key] = np.minimum(total[key], value)
            elif key in _LARGEST:
                total[key] = np.maximum(total[key], value)
            else:
                total[key] = total[key] + value
    return total


def _merged_labels(total: Mapping[str, NDArray], part: Mapping[str, NDArray]) -> dict[str, Any]:
    """``part`` with its ``labels`` table merged with that of ``total`` (when it has one): the
    union of their labels, sorted, with their counts, weights and (while there are at most
    two labels and both blocks have them) ``label_sums`` added label by label."""
    merged = {key: value for key, value in part.items() if key not in _LABELS}
    if "label_values" not in total:
        merged.update({key: part[key] for key in _LABELS if key in part})
        return merged
    values = np.union1d(total["label_values"], part["label_values"])
    merged["label_values"] = values
    for key in ("label_counts", "label_weights"):
        added = np.zeros(len(values))
        for table in (total, part):
            added[np.searchsorted(values, table["label_values"])] += table[key]
        merged[key] = added
    if len(values) <= 2 and "label_sums" in total and "label_sums" in part:
        sums = np.zeros((total["label_sums"].shape[0], len(values)))
        for table in (total, part):
            sums[:, np.searchsorted(values, table["label_values"])] += table["label_sums"]
        merged["label_sums"] = sums
    return merged


def _matrix(coef: NDArray, width: int) -> NDArray:
    """B (p̃ × K′) from θ."""
    return np.reshape(coef, (-1, width)).T


def _scaled(weights: NDArray, values: NDArray) -> NDArray:
    """s ⊙ values, row by row."""
    return weights * values if values.ndim == 1 else weights[:, None] * values


def _sigmoid(z: NDArray) -> NDArray:
    """σ(z), without overflow."""
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _checked_weights(s: Any, where: str) -> NDArray:
    """The weights of a block as float64, refused unless finite and non-negative."""
    weights = np.asarray(s, dtype=np.float64)
    _check_finite(weights, "sample_weight", where)
    if np.any(weights < 0):
        first = int(np.flatnonzero(weights < 0)[0])
        raise ValueError(
            f"sample_weight must be non-negative; {where} has weight {weights[first]:g} in its "
            f"row {first}"
        )
    return weights


def _check_finite(values: NDArray, name: str, where: str) -> None:
    """ValueError naming the block and the first bad row unless ``values`` are finite."""
    if values.dtype.kind in "fc" and not np.all(np.isfinite(values)):
        bad = np.argwhere(~np.isfinite(values))[0]
        raise ValueError(
            f"{name} has NaN or infinite values in {where}, the first in its row {int(bad[0])}"
            + (f", column {int(bad[1])}" if bad.size > 1 else "")
            + ": drop or fill those rows first"
        )


def _checked_abs_max(design: BlockDesign, rows: NDArray | None, where: str) -> NDArray:
    """maxᵢ |x̃ᵢⱼ| of the block; ValueError naming the block when X is not finite there."""
    top = design.column_abs_max()
    if not np.all(np.isfinite(top)) and rows is not None:
        _check_finite(rows, "X", where)
    if not np.all(np.isfinite(top)):
        raise ValueError(f"X has NaN or infinite values in {where}: drop or fill those rows first")
    return top


def _check_sums(
    out: Mapping[str, NDArray],
    design: BlockDesign,
    rows: NDArray | None,
    samples: tuple,
    where: str,
) -> None:
    """ValueError naming the block when its sums are not finite because its data are not."""
    if all(np.all(np.isfinite(value)) for key, value in out.items() if key != "overlap_min"):
        return
    if rows is not None:
        _check_finite(rows, "X", where)
    elif not np.all(np.isfinite(design.column_abs_max())):
        raise ValueError(f"X has NaN or infinite values in {where}: drop or fill those rows first")
    for name, values in zip(("y", "sample_weight"), samples, strict=True):
        if values is not None:
            _check_finite(np.asarray(values), name, where)
