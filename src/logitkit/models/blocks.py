"""BlockSpec: how a block of rows becomes the objective J of ``partial_fit``'s stream."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..backends.design import make_design
from ..core.datafits import datafit_for
from ..core.layout import penalised_mask, start_coef
from ..core.objective import Objective
from ..core.penalties import ElasticNet
from ..core.validation import check_missing_labels, check_sample_weight

__all__ = ["BlockSpec"]


@dataclass(frozen=True)
class BlockSpec:
    """How a block of rows becomes an objective: the classes, the weight of each class, the
    intercept, the penalty and the reference class. Picklable, so that a Dask worker builds
    the objective of the block it holds."""

    classes: NDArray
    class_weights: NDArray | None
    fit_intercept: bool
    alpha: float
    l1_ratio: float
    reference: int | None

    @property
    def n_classes(self) -> int:
        return len(self.classes)

    def labels(self, y: ArrayLike, where: str = "y") -> NDArray:
        """The class indices of ``y``; a label outside the classes is refused by name."""
        values = np.asarray(y)
        if values.ndim != 1:
            values = values.ravel()
        check_missing_labels(values)
        known = np.isin(values, self.classes)
        if not known.all():
            unknown = np.unique(values[~known]).tolist()
            raise ValueError(
                f"{where} has labels {unknown} outside classes={self.classes.tolist()}, the "
                "classes given to the first partial_fit call"
            )
        return np.searchsorted(self.classes, values)

    def weights(self, labels: NDArray, sample_weight: ArrayLike | None) -> NDArray:
        """sᵢ: the sample weights (ones when None) times their class's weight."""
        weights = check_sample_weight(sample_weight, labels.size)
        if self.class_weights is not None:
            weights = weights * self.class_weights[labels]
        return weights

    def objective(self, X: Any, labels: NDArray, weights: NDArray) -> Objective:
        """J over a validated X (dense or sparse), class indices and weights."""
        design = make_design(X, self.fit_intercept)
        datafit = datafit_for(self.n_classes, self.reference)
        mask = penalised_mask(design.n_params, datafit.n_outputs, self.fit_intercept)
        penalty = ElasticNet.with_mask(self.alpha, self.l1_ratio, mask)
        return Objective(design, labels, weights, penalty, datafit)

    def start(self, counts: NDArray, n_params: int) -> NDArray:
        """θ₀ from the weighted class counts: zero weights and the intercept-only optimum."""
        datafit = datafit_for(self.n_classes, self.reference)
        return start_coef(
            datafit,
            np.arange(self.n_classes),
            counts,
            n_params // datafit.n_outputs,
            self.fit_intercept,
        )

    def null_loglik(self, counts: NDArray) -> float:
        """ℓ₀ from the weighted class counts."""
        datafit = datafit_for(self.n_classes, self.reference)
        return datafit.null_loglik(np.arange(self.n_classes), counts, self.fit_intercept)

    def template(self, n_features: int, dtype: np.dtype) -> Objective:
        """J over one row of zeros: the layout of θ (design width, datafit, dtype) without data,
        for the FitRecord of a chunk that is not in memory."""
        X = np.zeros((1, n_features), dtype=dtype)
        return self.objective(X, np.zeros(1, dtype=np.intp), np.ones(1))
