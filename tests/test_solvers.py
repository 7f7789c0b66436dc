"""Every solver reaches the one global optimum of the convex cost J."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import scipy.sparse as sp

import logitkit as lk
from logitkit.solvers import SOLVERS
from problems import make_problem

EXACT = ["newton", "lbfgs", "newton-cg"]


def fit(X, y, **params) -> lk.LogisticRegression:
    with warnings.catch_warnings():
        warnings.simplefilter("error", lk.ConvergenceWarning)
        return lk.LogisticRegression(**params).fit(X, y)


def params_of(model: lk.LogisticRegression) -> np.ndarray:
    return np.concatenate([model.intercept_, model.coef_[0]])


def final_cost(model: lk.LogisticRegression) -> float:
    return float(model.history_["loss"].iloc[-1])


@pytest.mark.parametrize("alpha", [0.0, 0.01])
@pytest.mark.parametrize("seed, n, p", [(0, 2000, 5), (1, 500, 20)])
def test_exact_solvers_agree_to_1e8(seed, n, p, alpha) -> None:
    X, y = make_problem(n, p, seed)
    reference = params_of(fit(X, y, solver="newton", alpha=alpha))
    scale = np.max(np.abs(reference))
    newton_cg = params_of(fit(X, y, solver="newton-cg", alpha=alpha))
    assert np.max(np.abs(newton_cg - reference)) <= 1e-8 * scale
    # L-BFGS's line search compares costs, which a float64 resolves to about 1e-16 relative,
    # so its gradient cannot be driven much below 1e-8 (see docs/solvers.md): the coefficients
    # it reaches agree to about 1e-7.
    lbfgs = params_of(fit(X, y, solver="lbfgs", alpha=alpha))
    assert np.max(np.abs(lbfgs - reference)) <= 1e-7 * scale


@pytest.mark.parametrize("alpha", [0.0, 0.01])
def test_gd_reaches_the_optimal_cost_to_1e8(problem, alpha) -> None:
    X, y = problem
    optimum = final_cost(fit(X, y, solver="newton", alpha=alpha))
    model = fit(X, y, solver="gd", alpha=alpha)
    assert model.converged_
    assert abs(final_cost(model) - optimum) <= 1e-8 * optimum


@pytest.mark.parametrize("solver", ["sgd", "minibatch"])
@pytest.mark.parametrize("seed, n, p", [(0, 2000, 5), (2, 1000, 10)])
def test_stochastic_solvers_reach_the_optimal_cost_to_1e3(solver, seed, n, p) -> None:
    X, y = make_problem(n, p, seed)
    optimum = final_cost(fit(X, y, solver="newton"))
    model = fit(X, y, solver=solver, random_state=0)
    assert model.converged_
    assert 0 <= final_cost(model) - optimum <= 1e-3 * optimum


def test_gd_with_a_fixed_learning_rate_converges(problem) -> None:
    X, y = problem
    optimum = final_cost(fit(X, y, solver="newton"))
    model = fit(X, y, solver="gd", learning_rate=1.0)
    assert final_cost(model) == pytest.approx(optimum, rel=1e-10)
    losses = model.history_["loss"].to_numpy()
    assert np.all(np.diff(losses) <= 1e-15)


def test_gd_with_a_too_large_learning_rate_says_so(problem) -> None:
    X, y = problem
    with pytest.warns(lk.ConvergenceWarning, match="learning_rate=10000.*smaller one"):
        model = lk.LogisticRegression(solver="gd", learning_rate=1e4).fit(X, y)
    assert not model.converged_


@pytest.mark.parametrize("schedule", ["constant", "invscaling"])
def test_other_schedules_get_close(problem, schedule) -> None:
    X, y = problem
    optimum = final_cost(fit(X, y, solver="newton"))
    model = lk.LogisticRegression(
        solver="minibatch", schedule=schedule, learning_rate=0.1, max_iter=30, random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", lk.ConvergenceWarning)
        model.fit(X, y)
    assert final_cost(model) - optimum <= 1e-2 * optimum


@pytest.mark.parametrize("solver", ["sgd", "minibatch"])
def test_stochastic_solvers_honour_sample_weights(solver) -> None:
    X, y = make_problem(1000, 4, seed=9)
    weights = np.random.default_rng(2).choice([0.0, 1.0, 5.0], size=1000)
    exact = lk.LogisticRegression(solver="newton").fit(X, y, sample_weight=weights)
    model = lk.LogisticRegression(solver=solver, random_state=0).fit(X, y, sample_weight=weights)
    optimum = exact.history_["loss"].iloc[-1]
    assert model.converged_
    assert 0 <= model.history_["loss"].iloc[-1] - optimum <= 1e-3 * optimum


def test_stochastic_divergence_is_not_called_convergence(problem) -> None:
    X, y = problem
    with pytest.warns(lk.ConvergenceWarning, match="rose above its starting value"):
        model = lk.LogisticRegression(solver="sgd", learning_rate=1e6, random_state=0).fit(X, y)
    assert not model.converged_


def test_fixed_random_state_is_deterministic(problem) -> None:
    X, y = problem
    first = fit(X, y, solver="minibatch", random_state=7, batch_size=16)
    second = fit(X, y, solver="minibatch", random_state=7, batch_size=16)
    third = fit(X, y, solver="minibatch", random_state=8, batch_size=16)
    np.testing.assert_array_equal(params_of(first), params_of(second))
    assert not np.array_equal(params_of(first), params_of(third))


@pytest.mark.parametrize("solver", sorted(SOLVERS))
def test_sparse_input_gives_the_dense_answer(solver) -> None:
    X, y = make_problem(600, 6, seed=4)
    X[np.abs(X) < 0.7] = 0.0
    X[:, 2] = 0.0  # an empty column
    X[:5] = 0.0  # empty rows
    X = X[:, [0, 1, 3, 4, 5, 2]]
    params = {"solver": solver, "alpha": 0.01, "random_state": 0}
    dense = fit(X, y, **params)
    for matrix in (sp.csr_matrix(X), sp.csc_matrix(X)):
        sparse = fit(matrix, y, **params)
        np.testing.assert_allclose(params_of(sparse), params_of(dense), rtol=1e-6, atol=1e-9)


def test_history_records_every_iteration(problem) -> None:
    X, y = problem
    model = fit(X, y, solver="newton")
    history = model.history_
    assert list(history.columns) == ["loss", "grad_norm"]
    assert len(history) == model.n_iter_ + 1
    assert history.index.name == "iteration"
    assert history["loss"].iloc[0] == pytest.approx(
        -np.mean(y * np.log(y.mean()) + (1 - y) * np.log(1 - y.mean())), rel=1e-12
    )
    assert np.all(np.diff(history["loss"]) < 0)
    assert history["grad_norm"].iloc[-1] <= 1e-8
    assert 3 <= model.n_iter_ <= 8


@pytest.mark.parametrize("solver", ["newton", "lbfgs", "newton-cg", "gd"])
def test_stopping_at_max_iter_warns_with_advice(solver) -> None:
    X, y = make_problem(500, 5, seed=5)
    X = X * np.array([1e3, 1.0, 1e-2, 1.0, 1.0])
    with pytest.warns(lk.ConvergenceWarning) as record:
        model = lk.LogisticRegression(solver=solver, max_iter=2).fit(X, y)
    message = str(record[0].message)
    assert not model.converged_
    assert "max_iter=2" in message
    assert f"{model.history_['grad_norm'].iloc[-1]:.3g}" in message
    assert f"tol {SOLVERS[solver].tol:.3g}" in message
    assert "Standardise" in message and "penalty" in message


def test_stochastic_warning_names_epochs() -> None:
    X, y = make_problem(300, 3, seed=6)
    expected = "max_iter=1 epochs with the cost still changing by inf .* tol 0.0001.*Standardise"
    with pytest.warns(lk.ConvergenceWarning, match=expected):
        lk.LogisticRegression(solver="sgd", max_iter=1, random_state=0).fit(X, y)


def test_proximal_gd_handles_l1_with_exact_zeros() -> None:
    X, y = make_problem(800, 8, seed=7, scale=0.3)
    model = fit(X, y, solver="gd", alpha=0.05, l1_ratio=1.0)
    objective = lk.Objective.from_data(X, y, alpha=0.05, l1_ratio=1.0)
    theta = params_of(model)
    _, smooth_grad = objective.smooth_value_and_gradient(theta)
    assert objective.optimality(theta, smooth_grad) <= 1e-8
    assert np.sum(model.coef_ == 0.0) >= 2
    assert np.all(np.abs(smooth_grad[1:][model.coef_[0] == 0.0]) <= 0.05)


@pytest.mark.parametrize("solver", ["newton", "lbfgs", "newton-cg"])
def test_solvers_without_l1_refuse_it(problem, solver) -> None:
    X, y = problem
    with pytest.raises(ValueError, match="cannot handle an L1 penalty.*'gd', 'sgd', 'minibatch'"):
        lk.LogisticRegression(solver=solver, alpha=0.1, l1_ratio=0.5).fit(X, y)


def test_auto_rule() -> None:
    X, y = make_problem(300, 3, seed=8)
    assert fit(X, y).solver_ == "newton"
    assert fit(X, y, alpha=0.1, l1_ratio=0.5).solver_ == "cd"
    rng = np.random.default_rng(0)
    wide = rng.standard_normal((300, 600))
    assert fit(wide, y, alpha=0.1).solver_ == "lbfgs"
    assert fit(sp.csr_matrix(wide), y, alpha=0.1).solver_ == "newton-cg"


def test_verbose_prints_progress(problem, capsys) -> None:
    X, y = problem
    fit(X, y, solver="newton", verbose=1)
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) >= 4
    assert lines[0].startswith("iter      0  loss 0.6")
    assert "grad_norm" in lines[-1]
