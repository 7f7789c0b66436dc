"""The cost J = datafit + penalty over a design matrix, for every number of classes K ≥ 2.

    J(θ) = (1/Σsᵢ) Σᵢ sᵢ L(yᵢ, zᵢ) + α(ρ‖W‖₁ + (1 − ρ)/2 ‖W‖²)
    ∇J   = (1/Σs) X̃ᵀ(s ⊙ ∂L/∂η) + α(1 − ρ) W  (+ αρ sign(W))
    ∇²J  : block (k, m) = (1/Σs) X̃ᵀ diag(s ⊙ ∂²L/∂η_k∂η_m) X̃ + α(1 − ρ) δ_km I_w

with η = X̃B the K′ modelled linear predictors (:mod:`logitkit.core.layout`) and z the logits the
datafit builds from them (:mod:`logitkit.core.datafits`). Two classes: one output, z = b + Xw,
∂L/∂z = ŷ − y and ∂²L/∂z² = ŷ(1 − ŷ). The softmax: ∂L/∂η = P − Y and the blocks
P_k(δ_km − P_m). θ is one flat vector (see :mod:`logitkit.core.layout`).

Every method takes ``rows``, a subset B of sample indices, for the stochastic solvers: the data
term is then the unbiased estimate of the full one from those rows, (1/|B|) Σ_{i∈B} (sᵢ/s̄) Lᵢ
with s̄ the mean weight over all samples (the plain mean over B for unit weights), and the
penalty is unchanged. With ``firth=True`` (two classes) Firth's term −½ log det I(θ)/Σs joins
the smooth part (:mod:`logitkit.core.firth`).

The softmax over an in-memory design is evaluated a block of rows at a time
(:mod:`logitkit.core.softmax_rows`), or by the fused pass for its cost and gradient: its n × K
logits, probabilities and residuals are never formed whole, and only the labels' codes (one
integer per row) stand for the one-hot Y.

Over a design that does not hold its rows in memory (the Dask backend; ``design.holds_rows``
False) the labels, weights and offsets are the design's lazy n-vectors, and every evaluation
over all rows is one *pass* (:meth:`~logitkit.backends.design.Design.pass_sums`): the value
and gradient together, and, once a Hessian has been asked for (a Newton-type solver runs), the
Hessian in the same pass, so that each Newton step reads the data once. The sums of the last
θs evaluated are kept, since solvers and statistics ask again at the same θ.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..backends.design import Design, make_design
from ..backends.fused import FusedSums
from ..backends.passes import PassRequest
from .datafits import Bernoulli, Datafit, Multinomial, datafit_for
from .firth import FirthTerm
from .layout import coef_matrix, penalised_mask, start_coef
from .pass_evaluation import PassEvaluation
from .penalties import ElasticNet
from .softmax_rows import SoftmaxRows

Rows = NDArray[np.intp] | slice | None

FULL_HESSIAN_MAX_PARAMS = 2000
"""Above this many coefficients, Newton steps of a model with K′ ≥ 2 outputs use the
block-diagonal Hessian (a block an output)."""

PASS_HESSIAN_MAX_PARAMS = 2000
"""Over a design read by passes, Hessian-vector products of at most this many coefficients
come from the Hessian, reduced in one pass and kept; above it each product is a pass."""


def same_point(kept: NDArray, coef: NDArray) -> bool:
    """Whether θ = ``coef`` is the kept θ bit for bit (same dtype, shape and bytes): the test
    of the caches of the last evaluations. A small fit asks it about 20 times; it costs about
    0.1 µs on a small θ against 2–4 µs for ``np.array_equal``. It differs from equality only
    where the answer is the same either way: −0.0 against 0.0, or another dtype, evaluates
    again, and a NaN met again is answered with what evaluating it again would give."""
    coef = np.asarray(coef)
    return (
        kept.shape == coef.shape and kept.dtype == coef.dtype and kept.tobytes() == coef.tobytes()
    )


class Objective(PassEvaluation):
    """J(θ) for fixed data, with value, gradient, Hessian and Hessian-vector products.

    ``y`` holds 0/1 labels for :class:`~logitkit.core.datafits.Bernoulli` (the default datafit)
    and class indices 0 … K − 1 for :class:`~logitkit.core.datafits.Multinomial`. An ``offset``
    o (one value per sample, two classes) enters every logit as z = X̃θ + o, a known part of the
    linear predictor: profile likelihoods fix a coefficient this way.
    """

    def __init__(
        self,
        design: Design,
        y: Any,
        sample_weight: Any,
        penalty: ElasticNet,
        datafit: Datafit | None = None,
        offset: Any = None,
        firth: bool = False,
    ) -> None:
        self.design = design
        self.datafit: Datafit = datafit if datafit is not None else Bernoulli()
        label_dtype = design.dtype if self.datafit.n_outputs == 1 else np.intp
        self.y = design.sample_values(y, label_dtype, "y")
        self.sample_weight = design.sample_values(sample_weight, np.float64, "sample_weight")
        self.offset = (
            None if offset is None else design.sample_values(offset, design.dtype, "offset")
        )
        self.penalty = penalty
        self.firth = FirthTerm() if firth else None
        if firth and not design.holds_rows:
            raise ValueError(
                "firth=True needs per-row hat values, which a Dask array's rows do not give "
                "the client: fit Firth's model in memory, or use a penalty (alpha > 0)"
            )
        self._cache: tuple[NDArray, NDArray] | None = None
        self._fused_last: tuple[NDArray, float, NDArray] | None = None
        self._sums_last: tuple[NDArray, FusedSums] | None = None
        self._fuse_hessians = False
        self._start_passes()

    @classmethod
    def from_data(
        cls,
        X: ArrayLike,
        y: ArrayLike,
        *,
        alpha: float = 0.0,
        l1_ratio: float = 0.0,
        sample_weight: ArrayLike | None = None,
        fit_intercept: bool = True,
        offset: ArrayLike | None = None,
        n_classes: int | None = None,
        reference: int | None = None,
        firth: bool = False,
    ) -> Objective:
        """The logistic cost for numeric X and labels y ∈ {0, …, K − 1} (unvalidated).

        K = ``n_classes`` (default: the largest label + 1): two classes give the binary cost of
        y = 1, more the softmax cost of every class, or of every class against ``reference``.
        """
        design = make_design(X, fit_intercept)
        labels = np.asarray(y)
        n_classes = int(labels.max()) + 1 if n_classes is None else int(n_classes)
        datafit = datafit_for(n_classes, reference)
        weights = np.ones(len(labels)) if sample_weight is None else np.asarray(sample_weight)
        penalty = ElasticNet.with_mask(
            alpha, l1_ratio, penalised_mask(design.n_params, datafit.n_outputs, fit_intercept)
        )
        offset = None if offset is None else np.asarray(offset)
        return cls(design, labels, weights, penalty, datafit, offset, firth)

    @property
    def n_outputs(self) -> int:
        """K′, the columns of coefficients: 1 for two classes."""
        return self.datafit.n_outputs

    @property
    def n_params(self) -> int:
        """Length of θ: p̃ · K′."""
        return self.design.n_params * self.n_outputs

    @property
    def fused_pass(self) -> bool:
        """Whether the cost and gradient over all rows come from one fused pass over X."""
        return self.firth is None and self.design.fuses(self.datafit)

    def coef_matrix(self, coef: NDArray) -> NDArray:
        """B, shape (p̃, K′), from θ."""
        return coef_matrix(coef, self.design.n_params)

    def start(self) -> NDArray:
        """θ₀: zero weights and the intercept-only optimum (:func:`~.layout.start_coef`)."""
        if not self.design.holds_rows:
            return start_coef(
                self.datafit,
                np.arange(self.datafit.n_classes),
                self.class_totals(),
                self.design.n_params,
                self.design.fit_intercept,
            )
        return start_coef(
            self.datafit,
            self.y,
            self.sample_weight,
            self.design.n_params,
            self.design.fit_intercept,
        )

    def null_loglik(self) -> float:
        """ℓ₀, the log-likelihood of the intercept-only fit (of ŷ = ½ / 1/K without one)."""
        if not self.design.holds_rows:
            classes = np.arange(self.datafit.n_classes)
            labels = classes.astype(np.float64) if self.n_outputs == 1 else classes
            return self.datafit.null_loglik(labels, self.class_totals(), self.design.fit_intercept)
        return self.datafit.null_loglik(self.y, self.sample_weight, self.design.fit_intercept)

    def _product(self, design: Design, coef: NDArray) -> NDArray:
        """η = X̃θ for one output (in the dtype of X), X̃B (float64) for several."""
        if self.n_outputs == 1:
            return design.linear_predictor(coef)
        return design.linear_predictor(self.coef_matrix(coef))

    def _fused(self, coef: NDArray, hessian: bool = True) -> tuple[float, NDArray] | None:
        """The data term and its gradient by one fused pass over X, else None.

        The design decides whether its kernel applies (a large C-ordered dense X,
        :meth:`~logitkit.backends.design.DenseDesign.fused_value_gradient`). Two classes: the
        pass keeps z for the Hessian at the same θ (the softmax pass forms no logits to keep).
        Its results are kept for a second call at the same θ (a line search's accepted point,
        then the fit's statistics).

        Once Newton has said it takes a Hessian wherever it takes a gradient
        (:meth:`expect_hessians`), the pass of :meth:`fused_sums` is made instead where it
        applies: it brings the Hessian along (unless ``hessian`` is False: a line search's
        trial point) and keeps no Z. Its sums at θ, when it has made them, answer first.
        """
        last = self._sums_last
        if last is not None and same_point(last[0], coef):
            return last[1].value, last[1].gradient.copy()
        if self._fuse_hessians:
            sums = self.fused_sums(coef, hessian=hessian)
            if sums is not None:
                return sums.value, sums.gradient.copy()
        if self._fused_last is not None and same_point(self._fused_last[0], coef):
            return self._fused_last[1], self._fused_last[2].copy()
        fused = self.design.fused_value_gradient(
            self.datafit, coef, self.y, self._normalised_weights, self.offset
        )
        if fused is None:
            return None
        data, grad, z = fused
        if z is not None:
            self._cache = (coef.copy(), z)
        self._fused_last = (coef.copy(), data, grad.copy())
        return data, grad

    def fused_sums(
        self, coef: NDArray, hessian: bool = False, score_outer: bool = False
    ) -> FusedSums | None:
        """The sums of one fused pass at θ (:class:`~logitkit.backends.fused.FusedSums`: the
        data term, its gradient, min sᵢ|yᵢ − ŷᵢ| and, when asked for, the data term's Hessian
        (no ridge) and Σ sᵢ(ŷᵢ − yᵢ)²x̃ᵢx̃ᵢᵀ, all with the weights sᵢ/Σs), or None where that
        pass does not apply (:meth:`~logitkit.backends.design.DenseDesign.gram_fuses`: a large
        dense X, two classes, few coefficients; not with Firth's term).

        The sums of the last pass are kept: when it was at θ, only what it lacks is computed,
        and what it had is kept beside it. Sums kept at θ answer before the design is asked
        whether its pass applies (it did when they were made).
        """
        if self.firth is not None:
            return None
        coef = np.asarray(coef, dtype=np.float64)
        last = self._sums_last
        kept = last[1] if last is not None and same_point(last[0], coef) else None
        if kept is not None:
            hessian = hessian and kept.hessian is None
            score_outer = score_outer and kept.score_outer is None
            if not (hessian or score_outer):
                return kept
        elif not self.design.gram_fuses(self.datafit):
            return None
        sums = self.design.fused_sums(
            self.datafit,
            coef,
            self.y,
            self._normalised_weights,
            self.offset,
            hessian=hessian,
            score_outer=score_outer,
        )
        if sums is None:
            return None
        if kept is not None:
            sums = replace(
                sums,
                hessian=sums.hessian if hessian else kept.hessian,
                score_outer=sums.score_outer if score_outer else kept.score_outer,
            )
        self._sums_last = (coef.copy(), sums)
        return sums

    def overlap_min(self, coef: NDArray) -> float | None:
        """min over the rows with sᵢ > 0 of sᵢ|yᵢ − ŷᵢ| at θ from the fused pass of
        :meth:`fused_sums` (the last one when it was at θ), or None where it does not apply."""
        sums = self.fused_sums(coef)
        return None if sums is None else sums.overlap_min * self.total_weight

    def expect_hessians(self, every_step: bool = False, sample_step: int | None = None) -> None:
        """Say that a Newton-type solver will ask for Hessians: over a design read by passes,
        every evaluation then brings the Hessian along in the same pass, over every
        ``sample_step``-th row when Newton samples it (:meth:`hessian_sample`). In memory,
        ``every_step`` says that the solver (Newton with the exact Hessian) asks for ∇²J
        wherever it asks for the gradient: each fused pass then brings it along where
        :meth:`fused_sums` applies."""
        super().expect_hessians(sample_step=sample_step)
        self._fuse_hessians = every_step

    def _logits(self, coef: NDArray, rows: Rows, design: Design) -> NDArray:
        """Z = the datafit's logits of X̃θ (+ o); for two classes, those over all rows of the
        last θ are kept, since line searches ask twice (the softmax's n × K logits are not),
        and a subset of rows at that θ (a sampled Hessian's) reads its logits from them."""
        if self._cache is not None and same_point(self._cache[0], coef):
            return self._cache[1] if rows is None else self._cache[1][rows]
        eta = self._product(design, coef)
        if self.offset is not None:
            eta = eta + (self.offset if rows is None else self.offset[rows])
        z = self.datafit.logits(eta)
        if rows is None and self.n_outputs == 1:
            self._cache = (coef.copy(), z)
        return z

    def _softmax_rows(self, rows: Rows = None, weights: Any = None) -> SoftmaxRows | None:
        """The softmax's sums over the rows B (all when None) of an in-memory design, a block
        of rows at a time, with the weights of :meth:`_data` (or ``weights`` over all rows);
        None for two classes or a design read by passes."""
        if self.n_outputs == 1 or not self.design.holds_rows:
            return None
        design, y, s = self._data(rows)
        offset = self.offset if rows is None or self.offset is None else self.offset[rows]
        assert isinstance(self.datafit, Multinomial)
        return SoftmaxRows(design, self.datafit, y, s if weights is None else weights, offset)

    def logits(self, coef: NDArray) -> NDArray:
        """Z over all rows: z = X̃θ (+ o) for two classes, the n × K logits for the softmax."""
        self._needs_rows("logits")
        return self._logits(coef, None, self.design)

    def data_term(self, coef: NDArray) -> float:
        """(1/Σs) Σ sᵢ L(yᵢ, zᵢ), the mean cross-entropy at θ without penalty or Firth's term."""
        if not self.design.holds_rows:
            return float(self.evaluate(coef, ("value",))["value"])
        fused = self._fused(coef) if self.firth is None else None
        if fused is not None:
            return fused[0]
        softmax = self._softmax_rows()
        if softmax is not None:
            return softmax.value(coef)
        z = self.logits(coef)
        return float(np.dot(self._normalised_weights, self.datafit.loss_and_gradient(self.y, z)[0]))

    def score_residuals(self, coef: NDArray) -> NDArray:
        """rᵢ = ∂Lᵢ/∂ηᵢ over all rows (ŷᵢ − yᵢ; Pᵢ − Yᵢ over the modelled classes): the score of
        sample i is −sᵢ x̃ᵢ ⊗ rᵢ. In memory only: the sums built from them (:meth:`score_outer`,
        :meth:`cluster_scores`) come by passes otherwise."""
        self._needs_rows("per-row score residuals")
        return self.datafit.loss_and_gradient(self.y, self.logits(coef))[1]

    def _data_value_gradient(self, coef: NDArray, rows: Rows) -> tuple[float, NDArray]:
        """The data term and its gradient in θ, by the fused pass where it applies."""
        if not self.design.holds_rows:
            sums = self._by_pass(coef, rows, ("value", "gradient"))
            return float(sums["value"]), sums["gradient"].copy()
        if rows is None:
            fused = self._fused(coef)
            if fused is not None:
                return fused
        softmax = self._softmax_rows(rows)
        if softmax is not None:
            return softmax.value_gradient(coef)
        design, y, s = self._data(rows)
        loss, derivative = self.datafit.loss_and_gradient(y, self._logits(coef, rows, design))
        return float(np.dot(s, loss)), design.rmatvec(s * derivative)

    def smooth_value(self, coef: NDArray, rows: Rows = None) -> float:
        """The differentiable part of J: mean cross-entropy plus the ridge term (and Firth's)."""
        if self.firth is not None:
            return self.smooth_value_and_gradient(coef, rows)[0]
        if not self.design.holds_rows:
            value = float(self._by_pass(coef, rows, ("value", "gradient"))["value"])
            return value + self.penalty.smooth_value(coef)
        if rows is None:
            fused = self._fused(coef, hessian=False)
            if fused is not None:
                return fused[0] + self.penalty.smooth_value(coef)
        softmax = self._softmax_rows(rows)
        if softmax is not None:
            return softmax.value(coef) + self.penalty.smooth_value(coef)
        design, y, s = self._data(rows)
        loss, _ = self.datafit.loss_and_gradient(y, self._logits(coef, rows, design))
        return float(np.dot(s, loss)) + self.penalty.smooth_value(coef)

    def smooth_value_and_gradient(self, coef: NDArray, rows: Rows = None) -> tuple[float, NDArray]:
        """The differentiable part of J and its gradient, in one pass over the data."""
        data, grad = self._data_value_gradient(coef, rows)
        value = data + self.penalty.smooth_value(coef)
        if self.penalty.l2_strength != 0.0:
            grad = grad + self.penalty.smooth_gradient(coef)
        if self.firth is not None:
            if rows is not None:
                raise ValueError("Firth's penalty has no per-row form: use a full-batch solver")
            term, term_grad = self.firth.value_and_gradient(
                self.design, self.sample_weight, self.logits(coef), self.datafit
            )
            value, grad = value + term, grad + term_grad
        return value, grad

    def final_value_and_gradient(self, coef: NDArray) -> tuple[float, NDArray]:
        """:meth:`smooth_value_and_gradient` at the point a solver will (probably) return:
        Newton's final full step, or a step it predicts to be its last. Over a design read by
        passes, that pass also brings what the statistics will ask for there
        (:meth:`expect_statistics`); in memory, where Newton takes its Hessians from the fused
        pass (:meth:`expect_hessians`), that pass also brings the meat
        Σ sᵢ(ŷᵢ − yᵢ)²x̃ᵢx̃ᵢᵀ. Either way the statistics need no pass of their own when the
        solver stops there."""
        if self._final_wants and not self.design.holds_rows:
            self.evaluate(coef, self._final_wants)
        elif self._fuse_hessians:
            self.fused_sums(coef, hessian=True, score_outer=True)
        return self.smooth_value_and_gradient(coef)

    def smooth_gradient(self, coef: NDArray, rows: Rows = None) -> NDArray:
        """∇ of the differentiable part alone: the stochastic solvers' step."""
        return self.smooth_value_and_gradient(coef, rows)[1]

    def value(self, coef: NDArray, rows: Rows = None) -> float:
        """J(θ), the L1 part included."""
        return self.smooth_value(coef, rows) + self.penalty.l1_value(coef)

    def gradient(self, coef: NDArray, rows: Rows = None) -> NDArray:
        """∇J(θ); with an L1 part, its gradient αρ sign(w) where w ≠ 0."""
        _, grad = self.smooth_value_and_gradient(coef, rows)
        return grad + self.penalty.l1_subgradient(coef)

    def _factors(self, coef: NDArray, rows: Rows) -> tuple[Design, NDArray, NDArray]:
        """Design, weights s and the datafit's Hessian factors at θ."""
        design, _, s = self._data(rows)
        return design, s, self.datafit.hessian_factors(self._logits(coef, rows, design))

    def _from_blocks(self, blocks: list[tuple[int, int, NDArray]]) -> NDArray:
        """The (p̃K′ × p̃K′) symmetric matrix of the p̃ × p̃ blocks (k, m), k ≤ m (zero where a
        block is not given)."""
        if self.n_outputs == 1:
            return blocks[0][2]
        width = self.design.n_params
        matrix = np.zeros((self.n_params, self.n_params))
        for k, m, block in blocks:
            matrix[k * width : (k + 1) * width, m * width : (m + 1) * width] = block
            matrix[m * width : (m + 1) * width, k * width : (k + 1) * width] = block.T
        return matrix

    def _assemble(self, blocks: list[tuple[int, int, NDArray]]) -> NDArray:
        """The matrix of symmetric blocks (k, m), k ≤ m, the ridge on its diagonal."""
        hess = self._from_blocks(blocks)
        if self.penalty.l2_strength != 0.0:
            hess.flat[:: len(hess) + 1] += self.penalty.smooth_hessian_diagonal()
        return hess

    def hessian(self, coef: NDArray, rows: Rows = None) -> NDArray:
        """∇²J of the smooth part: blocks (1/Σs) X̃ᵀ diag(s ⊙ ∂²L/∂η_k∂η_m) X̃ + α(1 − ρ)I_w.

        With Firth's term it is I(θ)/Σs, the Fisher information that Firth's modified scoring
        uses in place of the Hessian.
        """
        if self.firth is not None and rows is not None:
            raise ValueError("Firth's penalty has no per-row form: use a full-batch solver")
        if not self.design.holds_rows:
            hess = self._pass_hessian(coef, rows)
            hess[np.diag_indices_from(hess)] += self.penalty.smooth_hessian_diagonal()
            return hess
        softmax = self._softmax_rows(rows)
        if softmax is not None:
            return self._assemble(softmax.hessian(coef))
        sums = self.fused_sums(coef, hessian=True) if rows is None else None
        if sums is not None and sums.hessian is not None:
            return self._assemble([(0, 0, sums.hessian.copy())])
        design, s, factors = self._factors(coef, rows)
        blocks = [
            (k, m, design.weighted_gram(s * weights))
            for k, m, weights in self.datafit.hessian_blocks(factors)
        ]
        return self._assemble(blocks)

    def block_diagonal_hessian(self, coef: NDArray) -> NDArray:
        """∇²J with the blocks between different outputs set to 0: one p̃ × p̃ block each."""
        if not self.design.holds_rows:
            hess = self.hessian(coef)
            outputs = np.arange(self.n_params) // self.design.n_params
            return np.where(outputs[:, None] == outputs[None, :], hess, 0.0)
        softmax = self._softmax_rows()
        if softmax is not None:
            return self._assemble(softmax.hessian(coef, diagonal_blocks=True))
        design, s, factors = self._factors(coef, None)
        blocks = [
            (k, k, design.weighted_gram(s * weights))
            for k, weights in enumerate(self.datafit.hessian_diagonals(factors))
        ]
        return self._assemble(blocks)

    def newton_hessian(self, coef: NDArray) -> NDArray:
        """The matrix ``newton`` solves with: ∇²J itself, or its block diagonal when large.

        - up to :data:`FULL_HESSIAN_MAX_PARAMS` coefficients (or one output), the exact ∇²J;
          in the symmetric softmax parameterisation with intercepts, ∇²J u = 0 along u = the
          equal shift of all intercepts, and the gradient is orthogonal to u, so c uuᵀ (c the
          mean intercept curvature) is added: the step is unchanged elsewhere and never moves
          along u;
        - above it, the block-diagonal approximation (:meth:`block_diagonal_hessian`), whose
          blocks are positive definite: quasi-Newton steps at O(K p̃²) memory, not O(K²p̃²).
        """
        if self.n_outputs > 1 and self.n_params > FULL_HESSIAN_MAX_PARAMS:
            return self.block_diagonal_hessian(coef)
        hess = self.hessian(coef)
        if self.n_outputs > 1 and self.datafit.symmetric and self.design.fit_intercept:
            shift = np.arange(self.n_outputs) * self.design.n_params
            curvature = float(np.mean(hess[shift, shift]))
            hess[np.ix_(shift, shift)] += curvature / self.n_outputs
        return hess

    def hessian_diagonal(self, coef: NDArray, rows: Rows = None) -> NDArray:
        """diag ∇²J = (1/Σs) Σᵢ sᵢ ∂²Lᵢ/∂η_k² x̃ᵢⱼ² + α(1 − ρ), output by output: the Newton–CG
        preconditioner."""
        if not self.design.holds_rows:
            return np.diag(self.hessian(coef, rows)).copy()
        softmax = self._softmax_rows(rows)
        if softmax is not None:
            return softmax.hessian_diagonal(coef) + self.penalty.smooth_hessian_diagonal()
        design, s, factors = self._factors(coef, rows)
        diagonal = np.concatenate(
            [
                design.weighted_column_sq_norms(s * weights)
                for weights in self.datafit.hessian_diagonals(factors)
            ]
        )
        return diagonal + self.penalty.smooth_hessian_diagonal()

    def hessian_operator(self, coef: NDArray, rows: Rows = None) -> Callable[[NDArray], NDArray]:
        """v ↦ ∇²J(θ) v without forming the Hessian: X̃ᵀ(s ⊙ C(X̃V)) + α(1 − ρ) v_w, with C the
        per-sample curvature. Two classes: X̃ᵀ diag(s ⊙ d) X̃ v, d computed once, one call of
        the design (one pass over the rows of a sparse X). The softmax's curvature, n × K′
        probabilities, is recomputed a block of rows at a time by each product
        (:meth:`~logitkit.core.softmax_rows.SoftmaxRows.hessian_product`).

        Over a design read by passes, the Hessian is reduced in one pass and each product is
        taken on the client, up to :data:`PASS_HESSIAN_MAX_PARAMS` coefficients; above, each
        product is a pass.
        """
        if not self.design.holds_rows:
            if self.n_params <= PASS_HESSIAN_MAX_PARAMS:
                hess = self.hessian(coef, rows)
                return lambda v: hess @ v
            ridge_only = self.penalty.smooth_hessian_diagonal()

            def pass_product(v: NDArray) -> NDArray:
                design, y, s = self._data(rows)
                request = PassRequest(
                    ("hessian_product",),
                    datafit=self.datafit,
                    coef=np.asarray(coef, np.float64),
                    direction=np.asarray(v, np.float64),
                )
                offset = self.offset if rows is None or self.offset is None else self.offset[rows]
                sums = design.pass_sums(request, y, s, offset)
                return sums["hessian_product"] + ridge_only * v

            return pass_product
        ridge = self.penalty.smooth_hessian_diagonal()
        softmax = self._softmax_rows(rows)
        if softmax is not None:
            product = softmax.hessian_product(coef)
            return lambda v: product(v) + ridge * v
        design, s, factors = self._factors(coef, rows)
        curvature = s * factors
        return lambda v: design.weighted_gram_product(curvature, v) + ridge * v

    def hessp(self, coef: NDArray, v: NDArray, rows: Rows = None) -> NDArray:
        """The Hessian-vector product ∇²J(θ) v."""
        return self.hessian_operator(coef, rows)(v)

    def optimality(self, coef: NDArray, smooth_grad: NDArray) -> float:
        """Largest violation of the optimality (KKT) conditions: ‖∇J‖∞ when J is smooth."""
        return float(self.penalty.kkt_violation(coef, smooth_grad).max(initial=0.0))

    def prox(self, coef: NDArray, step: float) -> NDArray:
        """Proximal step of the non-smooth part (identity without L1)."""
        return self.penalty.prox(coef, step)

    def hessian_submatrix(self, coef: NDArray, index: ArrayLike) -> NDArray:
        """[∇²J]_II, the rows and columns I = ``index`` (flat positions in θ) of the Hessian.

        Only the columns of X in I are read, so the cost is O(n|I|²) and the full Hessian is
        never formed; except where the fused pass of :meth:`fused_sums` applies (few
        coefficients), whose Hessian, often already at θ beside the gradient, is read instead.
        """
        if self.fused_sums(coef, hessian=True) is not None:
            index = np.asarray(index, dtype=np.intp)
            return self.hessian(coef)[np.ix_(index, index)]
        return self.hessian_block(self.hessian_weights(coef), index)

    def hessian_weights(self, coef: NDArray) -> tuple[NDArray, NDArray]:
        """(s/Σs, the datafit's Hessian factors) over all rows: with them,
        :meth:`hessian_block` gives any block of ∇²J at θ. Over a design read by passes, the
        weights stay where the rows are: the pair holds θ, and a block is read off the Hessian
        at θ (one pass, kept)."""
        if not self.design.holds_rows:
            return np.array(coef, dtype=np.float64), np.empty(0)
        _, s, factors = self._factors(coef, None)
        return s, factors

    def hessian_block(
        self, weights: tuple[NDArray, NDArray], index: ArrayLike, other: ArrayLike | None = None
    ) -> NDArray:
        """Rows I = ``index`` and columns K = ``other`` (default I) of the Hessian whose
        :meth:`hessian_weights` are ``weights``: for positions a = (j, k) and b = (l, m) (column,
        output), Σᵢ (sᵢ/Σs) x̃ᵢⱼ x̃ᵢₗ ∂²Lᵢ/∂η_k∂η_m, + α(1 − ρ) where a = b is penalised.

        Only the columns in I and K are read: the cost is O(n|I||K|) per pair of outputs.
        """
        index = np.asarray(index, dtype=np.intp)
        other = index if other is None else np.asarray(other, dtype=np.intp)
        if not self.design.holds_rows:
            return self.hessian(weights[0])[np.ix_(index, other)]
        width = self.design.n_params
        rows_output, rows_column = np.divmod(index, width)
        cols_output, cols_column = np.divmod(other, width)
        s, factors = weights
        hess = np.zeros((index.size, other.size))
        for k in np.unique(rows_output):
            for m in np.unique(cols_output):
                d = s * self.datafit.hessian_block(factors, min(k, m), max(k, m))
                at_rows, at_cols = rows_output == k, cols_output == m
                symmetric = other is index and k == m
                hess[np.ix_(at_rows, at_cols)] = self.design.weighted_gram_subset(
                    d, rows_column[at_rows], None if symmetric else cols_column[at_cols]
                )
        ridge = self.penalty.smooth_hessian_diagonal()[index]
        hess += np.where(index[:, None] == other[None, :], ridge[:, None], 0.0)
        return hess

    def score_outer(self, coef: NDArray) -> NDArray:
        """M = Σᵢ sᵢ gᵢgᵢᵀ at θ, gᵢ the score of sample i: block (k, m) is
        X̃ᵀ diag(s ⊙ rₖrₘ) X̃ with r = ∂L/∂η (one pass over a design read by passes)."""
        if not self.design.holds_rows:
            return self.evaluate(coef, ("score_outer",))["score_outer"] * self.total_weight
        softmax = self._softmax_rows(weights=self.sample_weight)
        if softmax is not None:
            return self._from_blocks(softmax.score_outer(coef))
        sums = self.fused_sums(coef, score_outer=True)
        if sums is not None and sums.score_outer is not None:
            return sums.score_outer * self.total_weight
        residual = self.score_residuals(coef)
        return self.design.weighted_gram(self.sample_weight * residual * residual)

    def cluster_scores(self, coef: NDArray, groups: object) -> NDArray:
        """The G × len(θ) cluster score sums u_g = Σ_{i∈g} −sᵢ rᵢ ⊗ x̃ᵢ, r = ∂L/∂η, laid out
        output by output as θ is, for the cluster labels ``groups`` (one per row; the design
        codes them, :meth:`~logitkit.backends.design.Design.group_codes`)."""
        codes, n_groups = self.design.group_codes(groups)
        if not self.design.holds_rows:
            request = PassRequest(
                ("cluster_scores",),
                datafit=self.datafit,
                coef=np.asarray(coef, np.float64),
                n_groups=n_groups,
            )
            sums = self.design.pass_sums(
                request, self.y, self._normalised_weights, self.offset, codes
            )
            return sums["cluster_scores"] * self.total_weight
        softmax = self._softmax_rows(weights=self.sample_weight)
        if softmax is not None:
            return softmax.cluster_scores(coef, codes, n_groups)
        group_sums = self.design.group_sums(-self.sample_weight * self.score_residuals(coef), codes)
        padded = np.zeros((n_groups, self.design.n_params))
        padded[: group_sums.shape[0]] = group_sums
        return padded
