"""The fused softmax pass over a dense X gives the answers of the NumPy objective.

The NumPy path of the softmax :class:`Objective` (BLAS products in float64, the datafit's
log-sum-exp) is the reference: at tile and chunk boundaries, for float32 X, with weights,
without an intercept and with a reference class; in the tails; whatever the number of threads;
and fits on it match scikit-learn's.
"""

from __future__ import annotations

import numba
import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression as SklearnLogisticRegression

import logitkit as lk
from logitkit.backends import fused
from logitkit.backends._fused_multinomial import CHUNK, TILE, value_gradient
from logitkit.backends.design import make_design
from logitkit.core import layout
from logitkit.core.datafits import Multinomial
from logitkit.core.objective import Objective
from logitkit.core.penalties import ElasticNet
from logitkit.solvers import choose_solver


def _objective(X, y, weights, fit_intercept, reference, n_classes) -> Objective:
    """The penalised softmax cost on X as given (float32 stays float32)."""
    design = make_design(X, fit_intercept)
    n_outputs = n_classes - (reference is not None)
    mask = layout.penalised_mask(design.n_params, n_outputs, fit_intercept)
    penalty = ElasticNet.with_mask(0.01, 0.0, mask)
    return Objective(design, y, weights, penalty, Multinomial(n_classes, reference))


def _both_paths(objective: Objective, theta, monkeypatch):
    """((J, ∇J) by NumPy, (J, ∇J) by the fused pass) at θ."""
    monkeypatch.setattr(fused, "FUSED_MIN_ENTRIES", 1 << 62)
    assert not objective.fused_pass
    numpy_result = objective.smooth_value_and_gradient(theta)
    monkeypatch.setattr(fused, "FUSED_MIN_ENTRIES", 0)
    assert objective.fused_pass
    fused_result = objective.smooth_value_and_gradient(theta)
    return numpy_result, fused_result


@pytest.mark.parametrize("n", [1, TILE - 1, TILE + 1, CHUNK - 1, CHUNK, 3 * CHUNK + 17])
@pytest.mark.parametrize(
    ("dtype", "fit_intercept", "reference"),
    [
        (np.float64, True, None),
        (np.float32, True, None),
        (np.float64, False, None),
        (np.float64, True, 2),
        (np.float32, False, 0),
    ],
)
def test_fused_pass_equals_the_numpy_objective(
    n, dtype, fit_intercept, reference, monkeypatch
) -> None:
    rng = np.random.default_rng(n)
    X = rng.standard_normal((n, 6)).astype(dtype)
    y = rng.integers(0, 4, n)
    weights = rng.random(n) + 0.5
    objective = _objective(X, y, weights, fit_intercept, reference, 4)
    theta = rng.standard_normal(objective.n_params)
    (f0, g0), (f1, g1) = _both_paths(objective, theta, monkeypatch)
    assert f1 == pytest.approx(f0, rel=1e-13)
    np.testing.assert_allclose(g1, g0, rtol=1e-11, atol=1e-15)
    assert objective.smooth_value(theta) == f1


@pytest.mark.parametrize("reference", [None, 1])
def test_an_offset_reaches_the_softmax_cost_where_the_fused_pass_would_run(
    reference, monkeypatch
) -> None:
    """J = Σ sᵢ [log Σₖ e^{zᵢₖ} − zᵢ,yᵢ] / Σ s with Z = X̃B + O: an n × K′ offset changes the
    cost and its gradient on a dense C-ordered X as it does elsewhere (the fused kernel adds
    no offset, so the objective does not use it then)."""
    from scipy.special import logsumexp

    monkeypatch.setattr(fused, "FUSED_MIN_ENTRIES", 0)
    rng = np.random.default_rng(7)
    X = rng.standard_normal((200, 3))
    y = rng.integers(0, 3, 200)
    weights = rng.random(200) + 0.5
    datafit = Multinomial(3, reference)
    offset = rng.normal(size=(200, datafit.n_outputs))
    design = make_design(X, True)
    penalty = ElasticNet.with_mask(
        0.0, 0.0, layout.penalised_mask(design.n_params, datafit.n_outputs, True)
    )
    objective = Objective(design, y, weights, penalty, datafit, offset=offset)
    theta = rng.standard_normal(objective.n_params)
    logits = np.column_stack([np.ones(200), X]) @ theta.reshape(datafit.n_outputs, 4).T + offset
    if reference is not None:
        logits = np.insert(logits, reference, 0.0, axis=1)
    losses = logsumexp(logits, axis=1) - logits[np.arange(200), y]
    assert objective.smooth_value(theta) == pytest.approx(
        np.dot(weights, losses) / weights.sum(), rel=1e-13
    )
    assert lk.check_gradient(objective, theta) < 1e-6


def test_fused_pass_is_exact_in_the_tails() -> None:
    """Logits up to 1e300 apart: finite, no warnings, the datafit's loss of every row."""
    X = np.array([[1e300], [-1e300], [40.0], [-40.0], [0.0]])
    weights = np.array([[1.0], [-1.0], [0.5]]).T
    y = np.array([0, 0, 0, 1, 2])
    s = np.full(5, 0.2)
    with np.errstate(all="raise"):
        loss, grad = value_gradient(X, weights.T, np.zeros(3), y, s)
    expected = Multinomial().loss(y, X @ weights)
    assert loss == pytest.approx(0.2 * float(np.sum(expected)), rel=1e-15)
    assert np.all(np.isfinite(grad))
    residual = 0.2 * Multinomial().derivative(y, X @ weights)
    np.testing.assert_allclose(grad[:, 1], X[:, 0] @ residual, rtol=1e-15)


def test_fused_pass_does_not_depend_on_the_number_of_threads() -> None:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((5 * CHUNK + 3, 11))
    y = rng.integers(0, 5, X.shape[0])
    s = np.full(X.shape[0], 1.0 / X.shape[0])
    weights, intercepts = rng.standard_normal((5, 11)), rng.standard_normal(5)
    threads = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        single = value_gradient(X, weights, intercepts, y, s)
    finally:
        numba.set_num_threads(threads)
    several = value_gradient(X, weights, intercepts, y, s)
    assert single[0] == several[0]
    np.testing.assert_array_equal(single[1], several[1])


def _softmax_data(n: int = 600, p: int = 5, k: int = 3) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(3)
    X = rng.standard_normal((n, p))
    z = X @ rng.standard_normal((p, k)) + rng.standard_normal(k)
    return X, np.argmax(z + rng.gumbel(size=z.shape), axis=1)


@pytest.mark.parametrize("solver", ["auto", "newton", "lbfgs", "newton-cg"])
def test_fits_on_the_fused_pass_match_scikit_learn(solver, monkeypatch) -> None:
    monkeypatch.setattr(fused, "FUSED_MIN_ENTRIES", 0)
    X, y = _softmax_data()
    alpha = 0.01
    reference = SklearnLogisticRegression(C=1.0 / (alpha * len(y)), tol=1e-12, max_iter=10_000)
    reference.fit(X, y)
    model = lk.LogisticRegression(alpha=alpha, solver=solver).fit(X, y)
    assert model.converged_
    assert model.solver_ == ("lbfgs" if solver == "auto" else solver)
    np.testing.assert_allclose(model.coef_, reference.coef_, atol=1e-6)
    np.testing.assert_allclose(model.predict_proba(X), reference.predict_proba(X), atol=1e-7)


def test_auto_picks_lbfgs_on_the_fused_pass_only(monkeypatch) -> None:
    X, y = _softmax_data()
    objective = Objective.from_data(X, y, alpha=0.01)
    assert choose_solver(objective) == "newton"
    monkeypatch.setattr(fused, "FUSED_MIN_ENTRIES", 0)
    assert choose_solver(objective) == "lbfgs"
    fortran = Objective.from_data(np.asfortranarray(X), y, alpha=0.01)
    assert choose_solver(fortran) == "newton"
