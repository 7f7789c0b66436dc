"""A softmax fit keeps no n × K array: its peak memory beyond X, measured by tracemalloc.

The bounds are stated relative to X's bytes, at sizes where n × K float64 arrays would break
them: such an array is K/p × X (0.25 × X for p = 40 and K = 10, 0.2 × X for p = 20 and K = 4,
0.5 × X for p = 20 and K = 10), and before the softmax was evaluated by blocks of rows a fit
kept two (on the fused pass) or several (on the NumPy path) at once. What a fit keeps now is
coefficient-sized, the n-vectors of labels and weights (8 bytes a row each, 1/p × X), and one
block of rows' temporaries (about 2¹⁴ entries an n_b × K array, at most 2¹⁸ an n_b × p one);
the sizes are large enough that these stay well below the bound.
"""

from __future__ import annotations

import gc
import tracemalloc
from collections.abc import Callable

import numpy as np
import pytest

import logitkit as lk
from logitkit.backends import fused

BOUND = 0.35
"""Peak memory beyond X, as a multiple of X's bytes."""


def _softmax_data(n: int, p: int, n_classes: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Standard normal X and labels drawn from a softmax model (logits of standard deviation
    about 1 per class)."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    z = X @ (rng.standard_normal((p, n_classes)) / np.sqrt(p)) + 0.5 * rng.standard_normal(
        n_classes
    )
    return X, np.argmax(z + rng.gumbel(size=z.shape), axis=1)


def _peak(run: Callable[[], object]) -> int:
    """tracemalloc's peak, in bytes, while ``run`` runs (the allocations before it excluded)."""
    gc.collect()
    tracemalloc.start()
    try:
        run()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_the_default_fit_on_the_fused_pass_keeps_no_n_by_k_array() -> None:
    """n = 50,000, p = 40, K = 10: auto picks L-BFGS on the fused pass, whose kernel forms no
    logits outside a tile of rows. A first fit on 30,000 rows (also fused) loads the kernel,
    whose compilation's memory is not the fit's."""
    X, y = _softmax_data(50_000, 40, 10)
    model = lk.LogisticRegression(alpha=1e-4)
    model.fit(X[:30_000], y[:30_000])
    peak = _peak(lambda: model.fit(X, y))
    assert model.solver_ == "lbfgs" and model.converged_
    assert peak <= BOUND * X.nbytes, f"{peak / X.nbytes:.3f} × X"


@pytest.mark.parametrize("solver", ["newton", "newton-cg"])
def test_fits_on_the_numpy_path_keep_no_n_by_k_array(solver, monkeypatch) -> None:
    """n = 100,000, p = 20, K = 4, X read by NumPy products (as auto's Newton reads an X below
    the fused pass's size): the cost, gradient, Hessian, Hessian-vector products and the fit's
    statistics come by blocks of rows."""
    monkeypatch.setattr(fused, "FUSED_MIN_ENTRIES", 1 << 62)
    X, y = _softmax_data(100_000, 20, 4, seed=1)
    model = lk.LogisticRegression(alpha=1e-4, solver=solver)
    model.fit(X[:2000], y[:2000])
    peak = _peak(lambda: model.fit(X, y))
    assert model.converged_ and model.solver_ == solver
    assert peak <= BOUND * X.nbytes, f"{peak / X.nbytes:.3f} × X"


def test_evaluations_keep_no_n_by_k_array() -> None:
    """n = 50,000, p = 20, K = 10 (an n × K array is 0.5 × X): the cost and gradient, the
    Hessian, its diagonal, ten Hessian-vector products, the meat and the cluster scores (the
    groups' codes included), each within the bound."""
    X, y = _softmax_data(50_000, 20, 10, seed=2)
    objective = lk.Objective.from_data(X, y, alpha=1e-4)
    theta = 0.1 * np.random.default_rng(3).standard_normal(objective.n_params)
    groups = np.arange(len(y)) % 50
    v = np.ones(objective.n_params)

    def products() -> None:
        operator = objective.hessian_operator(theta)
        for _ in range(10):
            operator(v)

    evaluations: dict[str, Callable[[], object]] = {
        "cost and gradient": lambda: objective.smooth_value_and_gradient(theta),
        "Hessian": lambda: objective.hessian(theta),
        "Hessian diagonal": lambda: objective.hessian_diagonal(theta),
        "Hessian-vector products": products,
        "meat": lambda: objective.score_outer(theta),
        "cluster scores": lambda: objective.cluster_scores(theta, groups),
    }
    for name, run in evaluations.items():
        peak = _peak(run)
        assert peak <= BOUND * X.nbytes, f"{name}: {peak / X.nbytes:.3f} × X"
