"""The compiled epochs of sgd and minibatch reproduce a plain NumPy loop over the shuffles."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

import logitkit as lk
from logitkit import sigmoid
from logitkit.backends.design import make_design
from logitkit.core.penalties import ElasticNet
from logitkit.solvers import SolverOptions
from logitkit.solvers._sgd_kernels import epoch_runner
from logitkit.solvers.gradient_descent import solve_minibatch, solve_sgd

N_SAMPLES, N_FEATURES = 53, 6
PENALTIES = {"none": (0.0, 0.0), "ridge": (0.05, 0.0), "elastic net": (0.05, 0.5)}


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sparse-ish X with an empty column (2) and empty rows (4 to 6), labels, weights with 0s."""
    rng = np.random.default_rng(11)
    X = rng.standard_normal((N_SAMPLES, N_FEATURES))
    X[np.abs(X) < 0.6] = 0.0
    X[:, 2] = 0.0
    X[4:7] = 0.0
    y = (rng.random(N_SAMPLES) < sigmoid(X @ rng.standard_normal(N_FEATURES) + 0.2)).astype(float)
    weights = rng.choice([0.0, 0.5, 1.0, 3.0], size=N_SAMPLES)
    return X, y, weights


def as_kind(X: np.ndarray, kind: str):
    """X as the kernel should see it: dense C or Fortran order, float32, CSR or CSC."""
    return {
        "dense": X,
        "fortran": np.asfortranarray(X),
        "float32": X.astype(np.float32),
        "csr": sp.csr_matrix(X),
        "csc": sp.csc_matrix(X),
    }[kind]


def make_objective(X, y, weights, fit_intercept, penalty, offset=None) -> lk.Objective:
    design = make_design(X, fit_intercept)
    alpha, l1_ratio = PENALTIES[penalty]
    elastic_net = ElasticNet(alpha, l1_ratio, design.n_params, fit_intercept)
    return lk.Objective(design, y, weights, elastic_net, offset=offset)


def reference_epoch(
    X, y, s, theta, order, seen, *, fit_intercept, penalty, schedule, eta0, batch_size, offset=None
):
    """One epoch written out with NumPy on dense float64 X, a batch of the permutation a step.

    r = s_B/(|B| s̄) (σ(X̃_B θ + o_B) − y_B), g = X̃_Bᵀ r + α(1 − ρ) w, θ ← S(θ − η g, η αρ) on w,
    and the running mean of the iterates.
    """
    n = X.shape[0]
    Xt = np.hstack([np.ones((n, 1)), X]) if fit_intercept else X
    penalised = np.arange(Xt.shape[1]) >= int(fit_intercept)
    alpha, l1_ratio = PENALTIES[penalty]
    l1, l2 = alpha * l1_ratio, alpha * (1.0 - l1_ratio)
    theta, mean = theta.copy(), np.zeros_like(theta)
    for step, start in enumerate(range(0, n, batch_size), start=1):
        rows = order[start : start + batch_size]
        epochs = seen / n
        eta = {
            "constant": eta0,
            "invscaling": eta0 / np.sqrt(1.0 + epochs),
            "auto": eta0 / (1.0 + epochs) ** 0.75,
        }[schedule]
        z = Xt[rows] @ theta + (0.0 if offset is None else offset[rows])
        r = s[rows] / (rows.size * s.mean()) * (sigmoid(z) - y[rows])
        grad = Xt[rows].T @ r + np.where(penalised, l2 * theta, 0.0)
        theta = theta - eta * grad
        shrunk = np.sign(theta) * np.maximum(np.abs(theta) - eta * l1, 0.0)
        theta = np.where(penalised, shrunk, theta)
        seen += rows.size
        mean += (theta - mean) / step
    return theta, mean, seen


def assert_close(actual: np.ndarray, expected: np.ndarray, rtol: float) -> None:
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=rtol * np.max(np.abs(expected)))


@pytest.mark.parametrize("kind", ["dense", "fortran", "float32", "csr", "csc"])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("penalty", sorted(PENALTIES))
@pytest.mark.parametrize("batch_size", [1, 8])
def test_two_epochs_match_the_numpy_loop(data, kind, fit_intercept, penalty, batch_size) -> None:
    X, y, weights = data
    matrix = as_kind(X, kind)
    # float32 X is computed in float64: the reference runs on the float32 values themselves.
    dense = X.astype(np.float32).astype(np.float64) if kind == "float32" else X
    objective = make_objective(matrix, y, weights, fit_intercept, penalty)
    epoch = epoch_runner(objective, "auto", 0.7, batch_size)
    rng = np.random.default_rng(3)
    start = rng.normal(scale=0.1, size=objective.n_params)
    kernel = reference = (start, None, 0)
    for _ in range(2):
        order = rng.permutation(N_SAMPLES)
        given = kernel[0]
        unchanged = given.copy()
        kernel = epoch(given, order, kernel[2])
        np.testing.assert_array_equal(given, unchanged)
        reference = reference_epoch(
            dense,
            y,
            weights,
            reference[0],
            order,
            reference[2],
            fit_intercept=fit_intercept,
            penalty=penalty,
            schedule="auto",
            eta0=0.7,
            batch_size=batch_size,
        )
        assert_close(kernel[0], reference[0], 1e-12)
        assert_close(kernel[1], reference[1], 1e-12)
        assert kernel[2] == reference[2]
    if penalty == "elastic net":
        assert np.any(kernel[0][int(fit_intercept) :] == 0.0)
    if kind == "float32":
        original = make_objective(X, y, weights, fit_intercept, penalty)
        rng = np.random.default_rng(3)
        theta, seen = rng.normal(scale=0.1, size=objective.n_params), 0
        for _ in range(2):
            theta, mean, seen = epoch_runner(original, "auto", 0.7, batch_size)(
                theta, rng.permutation(N_SAMPLES), seen
            )
        assert_close(kernel[0], theta, 1e-5)
        assert_close(kernel[1], mean, 1e-5)


@pytest.mark.parametrize("schedule", ["constant", "invscaling", "auto"])
def test_schedules_and_offsets_match_the_numpy_loop(data, schedule) -> None:
    X, y, weights = data
    offset = np.linspace(-0.5, 0.5, N_SAMPLES)
    objective = make_objective(X, y, weights, True, "ridge", offset=offset)
    order = np.random.default_rng(4).permutation(N_SAMPLES)
    theta = np.zeros(objective.n_params)
    kernel = epoch_runner(objective, schedule, 0.5, 5)(theta, order, 3 * N_SAMPLES + 7)
    reference = reference_epoch(
        X,
        y,
        weights,
        theta,
        order,
        3 * N_SAMPLES + 7,
        fit_intercept=True,
        penalty="ridge",
        schedule=schedule,
        eta0=0.5,
        batch_size=5,
        offset=offset,
    )
    assert_close(kernel[0], reference[0], 1e-12)
    assert_close(kernel[1], reference[1], 1e-12)
    assert kernel[2] == reference[2] == 4 * N_SAMPLES + 7


@pytest.mark.parametrize("kind", ["dense", "csc"])
@pytest.mark.parametrize(("solve", "batch_size"), [(solve_sgd, 1), (solve_minibatch, 10)])
def test_solver_reports_the_averaged_reference_iterates(data, kind, solve, batch_size) -> None:
    """Three epochs of the solver: the reported θ is the mean of the epoch means 2 and 3."""
    X, y, weights = data
    objective = make_objective(as_kind(X, kind), y, weights, True, "elastic net")
    options = SolverOptions(
        tol=1e-4, max_iter=3, learning_rate=0.4, batch_size=batch_size, random_state=21
    )
    result = solve(objective, np.zeros(objective.n_params), options)
    rng = np.random.default_rng(21)
    theta, seen, means = np.zeros(objective.n_params), 0, []
    for _ in range(3):
        theta, mean, seen = reference_epoch(
            X,
            y,
            weights,
            theta,
            rng.permutation(N_SAMPLES),
            seen,
            fit_intercept=True,
            penalty="elastic net",
            schedule="auto",
            eta0=0.4,
            batch_size=batch_size,
        )
        means.append(mean)
    assert result.n_iter == 3
    assert_close(result.coef, np.mean(means[1:], axis=0), 1e-12)


@pytest.mark.parametrize("kind", ["dense", "csr"])
def test_a_fixed_random_state_gives_identical_fits(data, kind) -> None:
    X, y, weights = data
    objective = make_objective(as_kind(X, kind), y, weights, True, "ridge")

    def fit(seed: int) -> np.ndarray:
        options = SolverOptions(tol=1e-4, max_iter=4, random_state=seed)
        return solve_sgd(objective, np.zeros(objective.n_params), options).coef

    np.testing.assert_array_equal(fit(5), fit(5))
    assert not np.array_equal(fit(5), fit(6))


def test_importing_logitkit_does_not_import_numba() -> None:
    code = "import logitkit, sys; assert 'numba' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_a_read_only_install_compiles_without_a_cache(tmp_path: Path) -> None:
    """No writable cache directory anywhere: the kernels still compile and run."""
    package = Path(lk.__file__).parent
    shutil.copytree(package, tmp_path / "logitkit", ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "logitkit" / "solvers" / "__pycache__").touch()  # no directory can go there
    (tmp_path / "home").touch()  # nor under the user-wide cache, ~/.cache
    env = {k: v for k, v in os.environ.items() if k not in ("NUMBA_CACHE_DIR", "XDG_CACHE_HOME")}
    env.update(HOME=str(tmp_path / "home"), PYTHONPATH=str(tmp_path))
    code = (
        "import logitkit.solvers._sgd_kernels as k; "
        f"assert k.__file__.startswith({str(tmp_path)!r}); "
        "assert k.step_size(1, 2.0, 30, 10) == 1.0"
    )
    subprocess.run([sys.executable, "-c", code], check=True, env=env, cwd=tmp_path)
