"""The multinomial (softmax) cost J over a design matrix, for K ≥ 3 classes.

A sample's logits are z_k = b_k + w_kᵀx, read as P(y = k | x) = softmax(z)_k, and

    J(B) = (1/Σs) Σᵢ sᵢ [logsumexp(zᵢ) − zᵢ,yᵢ] + α(ρ‖W‖₁ + (1 − ρ)/2 ‖W‖²_F)
    ∇J   = (1/Σs) X̃ᵀ(s ⊙ (P − Y)) + α(1 − ρ) W                     (a p̃ × K′ matrix)
    ∇²J  : block (k, m) = (1/Σs) X̃ᵀ diag(s ⊙ P_k(δ_km − P_m)) X̃ + α(1 − ρ) δ_km I_w

with P the n × K fitted probabilities, Y the one-hot labels and the intercepts b never
penalised. Binary logistic regression is the case K = 2 with z₀ ≡ 0.

Layout. The coefficients form one matrix B of shape (p̃, K′), p̃ = features (+ 1 for the
intercept, in row 0), one column per modelled class; the flat θ every solver sees is its
column-major ravel, ``θ = B.ravel(order="F")``: class by class, each block (b_k, w_k) laid out
exactly like a binary θ. Two parameterisations:

- symmetric (``reference=None``, K′ = K): all K columns, as glmnet and scikit-learn; used
  for penalised fits, where the penalty identifies W. The intercepts are identified only up
  to a common shift (∇J sums to 0 over them), so gradient steps keep their sum, and
  :meth:`MultinomialObjective.newton_hessian` removes that direction from Newton steps.
- reference class r (K′ = K − 1): z_r ≡ 0 and its column left out, as statsmodels' MNLogit
  and R's ``nnet::multinom``; identified when X̃ has full column rank, so used without a
  penalty.

Every method takes ``rows`` like :class:`logitkit.objective.Objective`: the data term is then
the unbiased estimate (1/|B|) Σ_{i∈B} (sᵢ/s̄) Lᵢ from those rows, the penalty unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray

from ..backends.design import _BLOCK_ELEMENTS, DenseDesign, Design, make_design
from .datafits import Multinomial
from .functions import softmax
from .objective import FUSED_MIN_ENTRIES, Rows
from .penalties import ElasticNet

FULL_HESSIAN_MAX_PARAMS = 2000
"""Above this many coefficients, Newton steps use the block-diagonal Hessian (a block a class)."""


class MultinomialObjective:
    """J(θ) of the softmax model, with the methods of :class:`~logitkit.objective.Objective`."""

    def __init__(
        self,
        design: Design,
        labels: NDArray,
        sample_weight: NDArray,
        penalty: ElasticNet,
        n_classes: int,
        reference: int | None = None,
    ) -> None:
        self.design = design
        self.y = np.asarray(labels, dtype=np.intp)
        self.sample_weight = np.asarray(sample_weight, dtype=np.float64)
        self.penalty = penalty
        self.n_classes = int(n_classes)
        self.reference = reference
        self.datafit = Multinomial()
        self.offset = None
        classes = np.arange(self.n_classes)
        self.free = classes if reference is None else np.delete(classes, reference)
        self._cache: tuple[NDArray, NDArray] | None = None

    @classmethod
    def from_data(
        cls,
        X: ArrayLike,
        y: ArrayLike,
        *,
        n_classes: int | None = None,
        alpha: float = 0.0,
        l1_ratio: float = 0.0,
        sample_weight: ArrayLike | None = None,
        fit_intercept: bool = True,
        reference: int | None = None,
    ) -> MultinomialObjective:
        """The softmax cost for numeric X and labels y ∈ {0, …, K − 1} (unvalidated)."""
        design = make_design(
            X if hasattr(X, "tocsr") else np.asarray(X, dtype=float), fit_intercept
        )
        y = np.asarray(y, dtype=np.intp)
        n_classes = int(y.max()) + 1 if n_classes is None else n_classes
        weights = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, float)
        n_outputs = n_classes - (reference is not None)
        penalty = ElasticNet.with_mask(
            alpha, l1_ratio, penalised_mask(design.n_params, n_outputs, fit_intercept)
        )
        return cls(design, y, weights, penalty, n_classes, reference)

    @property
    def n_outputs(self) -> int:
        """K′, the modelled classes: K, or K − 1 with a reference class."""
        return self.free.size

    @property
    def n_params(self) -> int:
        """Length of θ: p̃ · K′."""
        return self.design.n_params * self.n_outputs

    def coef_matrix(self, coef: NDArray) -> NDArray:
        """B, shape (p̃, K′), from θ = B.ravel(order="F")."""
        return np.reshape(coef, (self.n_outputs, self.design.n_params)).T

    def _data(self, rows: Rows) -> tuple[Design, NDArray, NDArray]:
        """Design, labels and weights sᵢ/Σs over all rows, or sᵢ/(|B| s̄) over the rows B."""
        if rows is None:
            return self.design, self.y, self.sample_weight / self.sample_weight.sum()
        scale = rows.size * self.sample_weight.mean()
        return self.design.take(rows), self.y[rows], self.sample_weight[rows] / scale

    @property
    def fused_pass(self) -> bool:
        """Whether the cost and gradient over all rows come from one fused pass over X: for a
        C-ordered dense X of at least ``FUSED_MIN_ENTRIES`` entries."""
        X = self.design.X
        return (
            isinstance(self.design, DenseDesign)
            and X.flags.c_contiguous
            and X.size >= FUSED_MIN_ENTRIES
        )

    def _fused_value_gradient(self, coef: NDArray, rows: Rows) -> tuple[float, NDArray] | None:
        """The data term and its gradient by one fused pass over a large dense X, else None.

        It applies to all rows (``rows`` None) of a C-ordered dense X of at least
        ``FUSED_MIN_ENTRIES`` entries (:mod:`logitkit._fused_multinomial`), and keeps Z for the
        Hessian at the same θ. A reference class enters the pass as a class with zero
        coefficients, and its gradient is dropped.
        """
        if rows is not None or not self.fused_pass:
            return None
        from ..backends._fused_multinomial import value_gradient

        design = self.design
        full = np.zeros((design.n_params, self.n_classes))
        full[:, self.free] = self.coef_matrix(coef)
        intercepts = full[0] if design.fit_intercept else np.zeros(self.n_classes)
        weights = full[int(design.fit_intercept) :].T
        s = self.sample_weight / self.sample_weight.sum()
        data, grad, z = value_gradient(design.X, weights, intercepts, self.y, s)
        self._cache = (coef.copy(), z)
        grad = grad[self.free] if design.fit_intercept else grad[self.free, 1:]
        return data, grad.ravel()

    def _logits(self, coef: NDArray, rows: Rows, design: Design) -> NDArray:
        """All K logits Z = X̃B (float64, n × K; z_r = 0 for a reference class r).

        The full-data Z of the last θ is kept, since line searches ask twice.
        """
        if rows is None and self._cache is not None and np.array_equal(self._cache[0], coef):
            return self._cache[1]
        free = _matmul(design, self.coef_matrix(coef))
        if self.reference is None:
            z = free
        else:
            z = np.zeros((free.shape[0], self.n_classes))
            z[:, self.free] = free
        if rows is None:
            self._cache = (coef.copy(), z)
        return z

    def _flat_gradient(self, design: Design, residual: NDArray) -> NDArray:
        """θ-shaped X̃ᵀR for an n × K′ residual R."""
        return _rmatmul(design, residual).ravel(order="F")

    def smooth_value(self, coef: NDArray, rows: Rows = None) -> float:
        """The differentiable part of J: mean cross-entropy plus the ridge term."""
        fused = self._fused_value_gradient(coef, rows)
        if fused is not None:
            return fused[0] + self.penalty.smooth_value(coef)
        design, y, s = self._data(rows)
        z = self._logits(coef, rows, design)
        return float(np.dot(s, self.datafit.loss(y, z))) + self.penalty.smooth_value(coef)

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
        loss, derivative = self.datafit.loss_and_derivative(y, self._logits(coef, rows, design))
        grad = self._flat_gradient(design, s[:, None] * derivative[:, self.free])
        value = float(np.dot(s, loss)) + self.penalty.smooth_value(coef)
        return value, grad + self.penalty.smooth_gradient(coef)

    def smooth_gradient(self, coef: NDArray, rows: Rows = None) -> NDArray:
        """∇ of the differentiable part alone: (1/Σs) X̃ᵀ(s ⊙ (P − Y)) + α(1 − ρ)W."""
        return self.smooth_value_and_gradient(coef, rows)[1]

    def value(self, coef: NDArray, rows: Rows = None) -> float:
        """J(θ), the L1 part included."""
        return self.smooth_value(coef, rows) + self.penalty.l1_value(coef)

    def gradient(self, coef: NDArray, rows: Rows = None) -> NDArray:
        """∇J(θ); with an L1 part, its gradient αρ sign(w) where w ≠ 0."""
        _, grad = self.smooth_value_and_gradient(coef, rows)
        return grad + self.penalty.l1_subgradient(coef)

    def _probabilities(self, coef: NDArray, rows: Rows) -> tuple[Design, NDArray, NDArray]:
        """Design, weights and the modelled classes' probabilities P (n × K′)."""
        design, _, s = self._data(rows)
        p = softmax(self._logits(coef, rows, design), axis=1)
        return design, s, p[:, self.free]

    def hessian(self, coef: NDArray, rows: Rows = None) -> NDArray:
        """∇²J of the smooth part: block (k, m) is (1/Σs) X̃ᵀ diag(s ⊙ P_k(δ_km − P_m)) X̃, and
        α(1 − ρ) joins the diagonal of the weights."""
        design, s, p = self._probabilities(coef, rows)
        width = design.n_params
        hess = np.empty((self.n_params, self.n_params))
        for k in range(self.n_outputs):
            for m in range(k, self.n_outputs):
                block = design.weighted_gram(s * p[:, k] * (float(k == m) - p[:, m]))
                hess[k * width : (k + 1) * width, m * width : (m + 1) * width] = block
                hess[m * width : (m + 1) * width, k * width : (k + 1) * width] = block.T
        hess[np.diag_indices_from(hess)] += self.penalty.smooth_hessian_diagonal()
        return hess

    def block_diagonal_hessian(self, coef: NDArray) -> NDArray:
        """∇²J with the blocks between different classes set to 0: one p̃ × p̃ block per class."""
        design, s, p = self._probabilities(coef, None)
        width = design.n_params
        hess = np.zeros((self.n_params, self.n_params))
        for k in range(self.n_outputs):
            span = slice(k * width, (k + 1) * width)
            hess[span, span] = design.weighted_gram(s * p[:, k] * (1.0 - p[:, k]))
        hess[np.diag_indices_from(hess)] += self.penalty.smooth_hessian_diagonal()
        return hess

    def newton_hessian(self, coef: NDArray) -> NDArray:
        """The matrix ``newton`` solves with: ∇²J itself, or its block diagonal when large.

        - up to :data:`FULL_HESSIAN_MAX_PARAMS` coefficients, the exact ∇²J; in the symmetric
          parameterisation with intercepts, ∇²J u = 0 along u = the equal shift of all
          intercepts, and the gradient is orthogonal to u, so c uuᵀ (c the mean intercept
          curvature) is added: the step is unchanged elsewhere and never moves along u;
        - above it, the block-diagonal approximation (:meth:`block_diagonal_hessian`), whose
          blocks are positive definite: quasi-Newton steps at O(K p̃²) memory, not O(K²p̃²).
        """
        if self.n_params > FULL_HESSIAN_MAX_PARAMS:
            return self.block_diagonal_hessian(coef)
        hess = self.hessian(coef)
        if self.reference is None and self.design.fit_intercept:
            shift = np.arange(self.n_outputs) * self.design.n_params
            curvature = float(np.mean(hess[shift, shift]))
            hess[np.ix_(shift, shift)] += curvature / self.n_outputs
        return hess

    def hessian_diagonal(self, coef: NDArray, rows: Rows = None) -> NDArray:
        """diag ∇²J = (1/Σs) Σᵢ sᵢ P_ik(1 − P_ik) x̃ᵢⱼ² + α(1 − ρ), class by class."""
        design, s, p = self._probabilities(coef, rows)
        diagonal = np.concatenate(
            [
                design.weighted_column_sq_norms(s * p[:, k] * (1.0 - p[:, k]))
                for k in range(self.n_outputs)
            ]
        )
        return diagonal + self.penalty.smooth_hessian_diagonal()

    def hessian_operator(self, coef: NDArray, rows: Rows = None) -> Callable[[NDArray], NDArray]:
        """v ↦ ∇²J v = X̃ᵀ(s ⊙ P ⊙ (U − (P·U)1ᵀ)) + α(1 − ρ)v_w with U = X̃V, V = v as a matrix."""
        design, s, p = self._probabilities(coef, rows)
        ridge = self.penalty.smooth_hessian_diagonal()
        weighted = s[:, None] * p

        def hessp(v: NDArray) -> NDArray:
            u = _matmul(design, self.coef_matrix(v))
            inner = np.einsum("ik,ik->i", p, u)
            return self._flat_gradient(design, weighted * (u - inner[:, None])) + ridge * v

        return hessp

    def hessp(self, coef: NDArray, v: NDArray, rows: Rows = None) -> NDArray:
        """The Hessian-vector product ∇²J(θ) v."""
        return self.hessian_operator(coef, rows)(v)

    def hessian_submatrix(self, coef: NDArray, index: ArrayLike) -> NDArray:
        """∇²J restricted to the flat positions ``index`` (rows and columns), without forming
        the whole Hessian: for a = (j, k), b = (l, m), (1/Σs) Σᵢ sᵢ x̃ᵢⱼ x̃ᵢₗ P_ik(δ_km − P_im)
        (+ α(1 − ρ) on the diagonal of penalised entries)."""
        index = np.asarray(index, dtype=np.intp)
        design, s, p = self._probabilities(coef, None)
        classes, columns = np.divmod(index, design.n_params)
        x = _dense_columns(design, columns)
        probs = p[:, classes]
        weighted = x * (s[:, None] * probs)
        same_class = classes[:, None] == classes[None, :]
        sub = (weighted.T @ x) * same_class - weighted.T @ (x * probs)
        sub[np.diag_indices_from(sub)] += self.penalty.smooth_hessian_diagonal()[index]
        return sub

    def optimality(self, coef: NDArray, smooth_grad: NDArray) -> float:
        """Largest violation of the optimality (KKT) conditions: ‖∇J‖∞ when J is smooth."""
        return float(np.max(self.penalty.kkt_violation(coef, smooth_grad), initial=0.0))

    def prox(self, coef: NDArray, step: float) -> NDArray:
        """Proximal step of the non-smooth part (identity without L1)."""
        return self.penalty.prox(coef, step)


def penalised_mask(n_rows: int, n_outputs: int, fit_intercept: bool) -> NDArray:
    """Which entries of θ = B.ravel(order="F") the penalty weighs: all but the intercepts."""
    mask = np.ones((n_rows, n_outputs), dtype=bool)
    if fit_intercept:
        mask[0] = False
    return mask.ravel(order="F")


def _matmul(design: Design, coef: NDArray) -> NDArray:
    """X̃B = 1 bᵀ + XW in float64; float32 X is widened a block of rows at a time."""
    weights = coef[1:] if design.fit_intercept else coef
    product = np.vstack([np.asarray(block @ weights) for _, block in _float64_blocks(design)])
    if design.fit_intercept:
        product += coef[0]
    return product


def _rmatmul(design: Design, residual: NDArray) -> NDArray:
    """X̃ᵀR = [1ᵀR; XᵀR] in float64; float32 X is widened a block of rows at a time."""
    xtr = np.zeros((design.n_features, residual.shape[1]))
    for rows, block in _float64_blocks(design):
        xtr += np.asarray(block.T @ residual[rows])
    if design.fit_intercept:
        return np.vstack((residual.sum(axis=0), xtr))
    return xtr


def _float64_blocks(design: Design) -> Iterator[tuple[slice, NDArray]]:
    """(rows, X[rows] as float64): all of a float64 or sparse X at once, else blocks of about
    2²⁰ entries, so that products are exact to float64 rounding without a float64 copy of X."""
    X = design.X
    if design.dtype == np.float64:
        yield slice(None), X
        return
    if sp.issparse(X):
        yield slice(None), X.astype(np.float64)
        return
    step = max(256, _BLOCK_ELEMENTS // max(design.n_features, 1))
    for start in range(0, design.n_samples, step):
        yield slice(start, start + step), X[start : start + step].astype(np.float64)


def _dense_columns(design: Design, columns: NDArray) -> NDArray:
    """The columns of X̃ (the intercept's ones as column 0) at ``columns``, dense float64."""
    features = columns - int(design.fit_intercept)
    picked = design.X[:, np.maximum(features, 0)]
    dense = picked.toarray() if sp.issparse(picked) else np.asarray(picked)
    dense = dense.astype(np.float64)
    dense[:, features < 0] = 1.0
    return dense


def initial_coef(objective: MultinomialObjective) -> NDArray:
    """θ with zero weights and the intercept-only optimum: b_k = log π_k − log π_r for a
    reference class r, or log π_k − mean_m log π_m (summing to 0), π the class frequencies."""
    coef = np.zeros((objective.design.n_params, objective.n_outputs))
    if objective.design.fit_intercept:
        counts = np.bincount(
            objective.y, weights=objective.sample_weight, minlength=objective.n_classes
        )
        log_freq = np.log(np.clip(counts / counts.sum(), 1e-10, None))
        base = log_freq.mean() if objective.reference is None else log_freq[objective.reference]
        coef[0] = log_freq[objective.free] - base
    return coef.ravel(order="F")


def class_coefficients(objective: MultinomialObjective, coef: NDArray) -> tuple[NDArray, NDArray]:
    """The (K, p) weights and (K,) intercepts of θ, the reference class's row 0.

    The symmetric parameterisation's intercepts are reported centred (summing to 0): they are
    identified only up to a common shift, which changes no probability.
    """
    full = np.zeros((objective.design.n_params, objective.n_classes))
    full[:, objective.free] = objective.coef_matrix(coef)
    if not objective.design.fit_intercept:
        return full.T.copy(), np.zeros(objective.n_classes)
    intercept = full[0]
    if objective.reference is None:
        intercept = intercept - intercept.mean()
    return full[1:].T.copy(), intercept


def free_coefficients(
    weights: NDArray, intercept: NDArray, reference: int | None, fit_intercept: bool
) -> NDArray:
    """θ from (K, p) weights and (K,) intercepts: their rows relative to the reference class's
    (which changes no probability), its own column left out; all K without a reference."""
    full = np.vstack((intercept[None, :], weights.T)) if fit_intercept else weights.T
    full = np.asarray(full, dtype=np.float64)
    if reference is not None:
        full = np.delete(full - full[:, [reference]], reference, axis=1)
    return full.ravel(order="F")
