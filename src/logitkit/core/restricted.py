"""J restricted to some coordinates of θ, the others held at fixed values.

For the full cost J, positions S and a base point θ⁰, the restricted cost is u ↦ J(E u) with
E u the θ that is u on S and θ⁰ elsewhere: its gradient and Hessian are those of J at E u, read
on S. A regularisation path screens weights this way (θ⁰ = 0 off the kept set), and a profile
likelihood holds one coefficient at a value. X is used as it is: no column of it is copied.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .objective import Objective
from .penalties import ElasticNet


class Restricted:
    """The solver protocol of :class:`~logitkit.core.objective.Objective` on the coordinates
    ``positions`` of θ, every other one held at its value in ``base``."""

    def __init__(self, objective: Objective, positions: ArrayLike, base: NDArray) -> None:
        self.full = objective
        self.positions = np.asarray(positions, dtype=np.intp)
        self.base = np.array(base, dtype=np.float64)
        # The data as the full cost has them: gd's step bound (stochastic.smoothness) reads the
        # column norms of every column, a bound for the kept ones too.
        self.design = objective.design
        self.datafit = objective.datafit
        self.sample_weight = objective.sample_weight
        self.total_weight = objective.total_weight
        self.firth = objective.firth
        penalty = objective.penalty
        self.penalty = ElasticNet.with_mask(
            penalty.alpha, penalty.l1_ratio, penalty.penalised[self.positions]
        )

    @property
    def n_params(self) -> int:
        """|S|, the coordinates that move."""
        return int(self.positions.size)

    @property
    def n_outputs(self) -> int:
        """K′ of the full cost."""
        return self.full.n_outputs

    @property
    def fused_pass(self) -> bool:
        """Whether the full cost's evaluations are fused passes."""
        return self.full.fused_pass

    def expand(self, coef: NDArray) -> NDArray:
        """E u: θ over all coordinates, u on S and θ⁰ elsewhere."""
        theta = self.base.copy()
        theta[self.positions] = coef
        return theta

    def smooth_value(self, coef: NDArray) -> float:
        """The differentiable part of J at E u."""
        return self.full.smooth_value(self.expand(coef))

    def smooth_value_and_gradient(self, coef: NDArray) -> tuple[float, NDArray]:
        """The differentiable part of J at E u and its gradient on S."""
        value, grad = self.full.smooth_value_and_gradient(self.expand(coef))
        return value, grad[self.positions]

    def final_value_and_gradient(self, coef: NDArray) -> tuple[float, NDArray]:
        """:meth:`smooth_value_and_gradient` at the solver's last point, through the full
        cost's (:meth:`Objective.final_value_and_gradient`)."""
        value, grad = self.full.final_value_and_gradient(self.expand(coef))
        return value, grad[self.positions]

    def smooth_gradient(self, coef: NDArray) -> NDArray:
        """The gradient of the differentiable part on S."""
        return self.smooth_value_and_gradient(coef)[1]

    def value(self, coef: NDArray) -> float:
        """J(E u), the L1 part included."""
        return self.smooth_value(coef) + self.penalty.l1_value(coef)

    def gradient(self, coef: NDArray) -> NDArray:
        """∇J on S, with the L1 part's gradient where u ≠ 0."""
        return self.smooth_gradient(coef) + self.penalty.l1_subgradient(coef)

    def hessian(self, coef: NDArray) -> NDArray:
        """[∇²J(E u)]_SS, read from the columns in S only."""
        return self.hessian_submatrix(coef, np.arange(self.n_params))

    def newton_hessian(self, coef: NDArray) -> NDArray:
        """The matrix ``newton`` solves with: the restricted Hessian."""
        return self.hessian(coef)

    def hessian_diagonal(self, coef: NDArray) -> NDArray:
        """diag [∇²J(E u)]_SS."""
        return self.full.hessian_diagonal(self.expand(coef))[self.positions]

    def hessian_operator(self, coef: NDArray) -> Callable[[NDArray], NDArray]:
        """v ↦ [∇²J(E u)]_SS v through the full cost's Hessian-vector products."""
        product = self.full.hessian_operator(self.expand(coef))

        def hessp(v: NDArray) -> NDArray:
            padded = np.zeros(self.full.n_params)
            padded[self.positions] = v
            return product(padded)[self.positions]

        return hessp

    def hessian_submatrix(self, coef: NDArray, index: ArrayLike) -> NDArray:
        """∇²J on the rows and columns ``index`` of S, from the full cost's submatrix."""
        return self.full.hessian_submatrix(
            self.expand(coef), self.positions[np.asarray(index, dtype=np.intp)]
        )

    def hessian_weights(self, coef: NDArray) -> tuple[NDArray, NDArray]:
        """The full cost's Hessian weights at E u (:meth:`Objective.hessian_weights`)."""
        return self.full.hessian_weights(self.expand(coef))

    def hessian_block(
        self, weights: tuple[NDArray, NDArray], index: ArrayLike, other: ArrayLike | None = None
    ) -> NDArray:
        """Rows ``index`` and columns ``other`` (positions in S) of the Hessian of ``weights``."""
        positions = self.positions
        mapped = None if other is None else positions[np.asarray(other, dtype=np.intp)]
        return self.full.hessian_block(weights, positions[np.asarray(index, dtype=np.intp)], mapped)

    def optimality(self, coef: NDArray, smooth_grad: NDArray) -> float:
        """Largest violation of the optimality (KKT) conditions on S."""
        return float(np.max(self.penalty.kkt_violation(coef, smooth_grad), initial=0.0))

    def prox(self, coef: NDArray, step: float) -> NDArray:
        """Proximal step of the L1 part on S."""
        return self.penalty.prox(coef, step)
