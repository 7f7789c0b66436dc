"""The cost J = datafit + penalty over a design matrix, and a finite-difference gradient check.

    J(θ) = (1/Σsᵢ) Σᵢ sᵢ L(yᵢ, x̃ᵢᵀθ) + α(ρ‖w‖₁ + (1 − ρ)/2 ‖w‖²)
    ∇J   = (1/Σs) X̃ᵀ(s ⊙ (ŷ − y)) + α(1 − ρ) w  (+ αρ sign(w))
    ∇²J  = (1/Σs) X̃ᵀ diag(s ⊙ ŷ(1 − ŷ)) X̃ + α(1 − ρ) I_w

θ = (b, w) is one flat vector (see :mod:`logitkit.design`). Every method takes ``rows``, a
subset B of sample indices, for the stochastic solvers: the data term is then the unbiased
estimate of the full one from those rows, (1/|B|) Σ_{i∈B} (sᵢ/s̄) Lᵢ with s̄ the mean weight
over all samples (the plain mean over B for unit weights), and the penalty is unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..backends.design import DenseDesign, Design, make_design
from .datafits import Bernoulli
from .penalties import ElasticNet

Rows = NDArray[np.intp] | slice | None

FUSED_MIN_ENTRIES = 1 << 20
"""A dense X with at least this many entries is read by one fused pass (:mod:`logitkit._fused`)
for the cost and gradient; smaller ones go through NumPy, which needs no compiled kernel."""


class Objective:
    """J(θ) for fixed data, with value, gradient, Hessian and Hessian-vector products.

    An ``offset`` o (one value per sample, default none) enters every logit as z = X̃θ + o, a
    known part of the linear predictor: profile likelihoods fix a coefficient this way.
    """

    def __init__(
        self,
        design: Design,
        y: NDArray,
        sample_weight: NDArray,
        penalty: ElasticNet,
        datafit: Bernoulli | None = None,
        offset: NDArray | None = None,
    ) -> None:
        self.design = design
        self.offset = None if offset is None else np.asarray(offset, dtype=design.dtype)
        self.y = np.asarray(y, dtype=design.dtype)
        self.sample_weight = np.asarray(sample_weight, dtype=np.float64)
        self.penalty = penalty
        self.datafit = datafit if datafit is not None else Bernoulli()
        self._cache: tuple[NDArray, NDArray] | None = None
        self._fused_last: tuple[NDArray, float, NDArray] | None = None

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
    ) -> Objective:
        """The binary logistic cost for numeric X and 0/1 labels y (unvalidated)."""
        design = make_design(
            X if hasattr(X, "tocsr") else np.asarray(X, dtype=float), fit_intercept
        )
        y = np.asarray(y, dtype=float)
        weights = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, float)
        penalty = ElasticNet(alpha, l1_ratio, design.n_params, fit_intercept)
        return cls(
            design, y, weights, penalty, offset=None if offset is None else np.asarray(offset)
        )

    @property
    def n_params(self) -> int:
        """Length of θ."""
        return self.design.n_params

    @cached_property
    def _normalised_weights(self) -> NDArray:
        """sᵢ / Σs."""
        return self.sample_weight / self.sample_weight.sum()

    def _data(self, rows: Rows) -> tuple[Design, NDArray, NDArray]:
        """Design, labels and weights sᵢ/Σs over all rows, or sᵢ/(|B| s̄) over the rows B.

        B is an index array or a slice; a slice of a dense X is a view, not a copy.
        """
        if rows is None:
            return self.design, self.y, self._normalised_weights
        weights = self.sample_weight[rows]
        scale = weights.size * self.sample_weight.mean()
        return self.design.take(rows), self.y[rows], weights / scale

    def _fused_value_gradient(self, coef: NDArray, rows: Rows) -> tuple[float, NDArray] | None:
        """The data term and its gradient by one fused pass over a large dense X, else None.

        It applies to the whole binary data (``rows`` None) on a C-ordered X of at least
        ``FUSED_MIN_ENTRIES`` entries. It keeps z for the Hessian at the same θ, and its results
        for a second call at the same θ (a line search's accepted point, then the fit's
        statistics).
        """
        X = self.design.X
        if not (
            rows is None
            and type(self.datafit) is Bernoulli
            and isinstance(self.design, DenseDesign)
            and X.flags.c_contiguous
            and X.size >= FUSED_MIN_ENTRIES
        ):
            return None
        if self._fused_last is not None and np.array_equal(self._fused_last[0], coef):
            return self._fused_last[1], self._fused_last[2].copy()
        from ..backends._fused import value_gradient

        intercept, w = self.design.split(coef)
        data, grad, z = value_gradient(
            X, w, intercept, self.y, self._normalised_weights, self.offset
        )
        self._cache = (coef.copy(), z)
        grad = grad if self.design.fit_intercept else grad[1:]
        self._fused_last = (coef.copy(), data, grad.copy())
        return data, grad

    def data_term(self, coef: NDArray) -> float:
        """(1/Σs) Σ sᵢ L(yᵢ, zᵢ), the mean cross-entropy at θ without the penalty."""
        fused = self._fused_value_gradient(coef, None)
        if fused is not None:
            return fused[0]
        return float(np.dot(self._normalised_weights, self.datafit.loss(self.y, self.logits(coef))))

    def _logits(self, coef: NDArray, rows: Rows, design: Design) -> NDArray:
        """z = X̃θ; the full-data z of the last θ is kept, since line searches ask twice."""
        if rows is not None:
            z = design.linear_predictor(coef)
            return z if self.offset is None else z + self.offset[rows]
        if self._cache is not None and np.array_equal(self._cache[0], coef):
            return self._cache[1]
        z = design.linear_predictor(coef)
        if self.offset is not None:
            z = z + self.offset
        self._cache = (coef.copy(), z)
        return z

    def logits(self, coef: NDArray) -> NDArray:
        """z = X̃θ (+ o) over all rows."""
        return self._logits(coef, None, self.design)

    def smooth_value(self, coef: NDArray, rows: Rows = None) -> float:
        """The differentiable part of J: mean cross-entropy plus the ridge term."""
        fused = self._fused_value_gradient(coef, rows)
        if fused is not None:
            return fused[0] + self.penalty.smooth_value(coef)
        design, y, s = self._data(rows)
        z = self._logits(coef, rows, design)
        data = float(np.dot(s, self.datafit.loss(y, z)))
        return data + self.penalty.smooth_value(coef)

    def smooth_value_and_gradient(self, coef: NDArray, rows: Rows = None) -> tuple[float, NDArray]:
        """The differentiable part of J and its gradient, in one pass over the data."""
        fused = self._fused_value_gradient(coef, rows)
        if fused is not None:
            data, grad = fused
            return (
                data + self.penalty.smooth_value(coef),
                grad + self.penalty.smooth_gradient(coef),
            )
        design, y, s = self._data(rows)
        z = self._logits(coef, rows, design)
        data = float(np.dot(s, self.datafit.loss(y, z)))
        grad = design.rmatvec(s * self.datafit.derivative(y, z))
        return data + self.penalty.smooth_value(coef), grad + self.penalty.smooth_gradient(coef)

    def smooth_gradient(self, coef: NDArray, rows: Rows = None) -> NDArray:
        """∇ of the differentiable part alone (no loss evaluated): the stochastic solvers' step."""
        fused = self._fused_value_gradient(coef, rows)
        if fused is not None:
            return fused[1] + self.penalty.smooth_gradient(coef)
        design, y, s = self._data(rows)
        z = self._logits(coef, rows, design)
        return design.rmatvec(s * self.datafit.derivative(y, z)) + self.penalty.smooth_gradient(
            coef
        )

    def value(self, coef: NDArray, rows: Rows = None) -> float:
        """J(θ), the L1 part included."""
        return self.smooth_value(coef, rows) + self.penalty.l1_value(coef)

    def gradient(self, coef: NDArray, rows: Rows = None) -> NDArray:
        """∇J(θ); with an L1 part, its gradient αρ sign(w) where w ≠ 0."""
        _, grad = self.smooth_value_and_gradient(coef, rows)
        return grad + self.penalty.l1_subgradient(coef)

    def hessian(self, coef: NDArray, rows: Rows = None) -> NDArray:
        """∇²J of the smooth part: (1/Σs) X̃ᵀ diag(s ⊙ ŷ(1 − ŷ)) X̃ + α(1 − ρ) I_w."""
        design, _, s = self._data(rows)
        z = self._logits(coef, rows, design)
        hess = design.weighted_gram(s * self.datafit.curvature(z))
        hess[np.diag_indices_from(hess)] += self.penalty.smooth_hessian_diagonal()
        return hess

    def hessian_diagonal(self, coef: NDArray, rows: Rows = None) -> NDArray:
        """diag ∇²J = (1/Σs) Σᵢ sᵢ ŷᵢ(1 − ŷᵢ) x̃ᵢⱼ² + α(1 − ρ), the Newton–CG preconditioner."""
        design, _, s = self._data(rows)
        d = s * self.datafit.curvature(self._logits(coef, rows, design))
        return design.weighted_column_sq_norms(d) + self.penalty.smooth_hessian_diagonal()

    def hessian_operator(self, coef: NDArray, rows: Rows = None) -> Callable[[NDArray], NDArray]:
        """v ↦ ∇²J(θ) v without forming the Hessian: X̃ᵀ(d ⊙ X̃v) + α(1 − ρ) v_w, d computed once."""
        design, _, s = self._data(rows)
        d = s * self.datafit.curvature(self._logits(coef, rows, design))
        ridge = self.penalty.smooth_hessian_diagonal()

        def hessp(v: NDArray) -> NDArray:
            return design.rmatvec(d * design.linear_predictor(v)) + ridge * v

        return hessp

    def hessp(self, coef: NDArray, v: NDArray, rows: Rows = None) -> NDArray:
        """The Hessian-vector product ∇²J(θ) v."""
        return self.hessian_operator(coef, rows)(v)

    def optimality(self, coef: NDArray, smooth_grad: NDArray) -> float:
        """Largest violation of the optimality (KKT) conditions: ‖∇J‖∞ when J is smooth."""
        return float(np.max(self.penalty.kkt_violation(coef, smooth_grad), initial=0.0))

    def prox(self, coef: NDArray, step: float) -> NDArray:
        """Proximal step of the non-smooth part (identity without L1)."""
        return self.penalty.prox(coef, step)

    def hessian_submatrix(self, coef: NDArray, index: ArrayLike) -> NDArray:
        """[∇²J]_II = (1/Σs) X̃_Iᵀ diag(s ⊙ ŷ(1 − ŷ)) X̃_I + α(1 − ρ) I_w, rows and columns I.

        I = ``index`` holds flat positions in θ; only those columns of X are read, so the cost is
        O(n|I|²) and the full Hessian is never formed.
        """
        return self.hessian_block(self.hessian_weights(coef), index)

    def hessian_weights(self, coef: NDArray) -> NDArray:
        """d = s ⊙ ŷ(1 − ŷ) / Σs over all rows, so that ∇²J = X̃ᵀ diag(d) X̃ + α(1 − ρ) I_w."""
        design, _, s = self._data(None)
        return s * self.datafit.curvature(self._logits(coef, None, design))

    def hessian_block(
        self, weights: NDArray, index: ArrayLike, other: ArrayLike | None = None
    ) -> NDArray:
        """X̃_Iᵀ diag(d) X̃_K + α(1 − ρ)[Iᵢ = Kⱼ penalised]: rows I = ``index`` and columns
        K = ``other`` (default I) of the Hessian whose :meth:`hessian_weights` are d = ``weights``.

        Only the columns in I and K are read: the cost is O(n|I||K|).
        """
        index = np.asarray(index, dtype=np.intp)
        other = index if other is None else np.asarray(other, dtype=np.intp)
        hess = self.design.weighted_gram_subset(weights, index, None if other is index else other)
        ridge = self.penalty.smooth_hessian_diagonal()[index]
        hess += np.where(index[:, None] == other[None, :], ridge[:, None], 0.0)
        return hess


def check_gradient(
    objective: Objective, coef: ArrayLike | None = None, step: float | None = None
) -> float:
    """Largest relative error between ∇J and central finite differences.

    For each coordinate j, gⱼ ≈ (J(θ + h eⱼ) − J(θ − h eⱼ)) / 2h with h = ε^(1/3)·max(1, |θⱼ|),
    and the error is |gⱼ − ĝⱼ| / max(|gⱼ|, |ĝⱼ|, √ε·max(1, |J|)); the floor in the denominator
    compares near-zero components absolutely. A correct gradient gives about 1e-7 or less.
    """
    theta = np.zeros(objective.n_params) if coef is None else np.array(coef, dtype=np.float64)
    eps = np.finfo(np.float64).eps
    analytic = objective.gradient(theta)
    floor = np.sqrt(eps) * max(1.0, abs(objective.value(theta)))
    worst = 0.0
    for j in range(theta.size):
        h = (step if step is not None else eps ** (1 / 3)) * max(1.0, abs(theta[j]))
        up, down = theta.copy(), theta.copy()
        up[j] += h
        down[j] -= h
        numeric = (objective.value(up) - objective.value(down)) / (up[j] - down[j])
        scale = max(abs(numeric), abs(analytic[j]), floor)
        worst = max(worst, abs(numeric - analytic[j]) / scale)
    return worst
