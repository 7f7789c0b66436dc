"""Steps 6–7: three gradient descents side by side, then Newton's method (IRLS) against GD."""

from __future__ import annotations

import numpy as np

from ..core.objective import Objective
from .data import LessonData
from .figures import COLORS, contours, loglik_surface, panel, path
from .shown import Shown
from .steps_surface import B_RANGE, W_RANGE
from .trace import run_solver

SEED = 0
"""The seed of the stochastic solvers' shuffles."""
NAMES = {"gd": "batch GD", "sgd": "SGD  (|B| = 1)", "minibatch": "mini-batch  (|B| = 32)"}


def three_descents(data: LessonData) -> Shown:
    """Step 6: batch, stochastic and mini-batch gradient descent on the same J, and a step too
    large for batch GD."""
    objective = Objective.from_data(data.X, data.y)
    best = run_solver("newton", objective, data.start).loss[-1]  # J at the optimum, J*
    runs = {name: run_solver(name, objective, data.start, random_state=SEED) for name in NAMES}
    steps = {2.0: [data.start], 4.0: [data.start]}  # η = 2 (step 4), and η = 4: too large
    for eta, thetas in steps.items():
        for _ in range(30):  # θ ← θ − η∇J with a fixed step
            thetas.append(thetas[-1] - eta * objective.gradient(thetas[-1]))
    refused = run_solver("gd", objective, data.start, learning_rate=4.0)  # the solver refuses it
    largest = np.linalg.eigvalsh(objective.hessian(runs["gd"].thetas[-1]))[-1]  # λ_max at θ̂
    surface = loglik_surface(data.x, data.y, B_RANGE, W_RANGE)

    ax = panel("b", "w")
    contours(ax, surface, best=-len(data.y) * best)
    for name, run in runs.items():
        path(ax, run.thetas, COLORS[name], NAMES[name])
    ax.legend(loc="lower left")
    ax2 = panel("epoch", "J(θ) − J*")
    ax3 = panel("t (s)", "J(θ) − J*")
    for name, run in runs.items():
        gap = np.maximum(run.loss - best, 1e-16)
        ax2.semilogy(np.arange(len(gap)), gap, color=COLORS[name], label=NAMES[name])
        ax3.semilogy(run.seconds, gap, color=COLORS[name], label=NAMES[name])
    ax2.legend(loc="upper right")
    ax4 = panel("k", "J(θₖ) − J*")
    for (eta, thetas), color in zip(steps.items(), (COLORS["gd"], COLORS["big"]), strict=True):
        gap = np.array([objective.value(theta) for theta in thetas]) - best
        ax4.semilogy(np.maximum(gap, 1e-16), marker=".", color=color, label=f"η = {eta:g}")
    ax4.legend(loc="lower left")
    return Shown(
        [ax, ax2, ax3, ax4],
        {
            **{f"epochs_{name}": run.n_iter for name, run in runs.items()},
            **{f"seconds_{name}": run.seconds[-1] for name, run in runs.items()},
            **{f"gap_{name}": run.loss[-1] - best for name, run in runs.items()},
            "rows": len(data.y),
            "eta_good": 2.0,
            "eta_big": 4.0,
            "limit": 2.0 / largest,
            "bounce_low": float(min(objective.value(t) for t in steps[4.0][-10:]) - best),
            "refused": refused.result.reason,
        },
    )


def newton_against_gd(data: LessonData) -> Shown:
    """Step 7: Newton's method (IRLS) and batch GD to the same tolerance, from the same start."""
    objective = Objective.from_data(data.X, data.y)
    tol = 1e-8  # both stop when the largest gradient component is ≤ tol
    runs = {name: run_solver(name, objective, data.start, tol=tol) for name in ("newton", "gd")}
    names = {"newton": "Newton (IRLS)", "gd": "batch GD"}
    surface = loglik_surface(data.x, data.y, B_RANGE, W_RANGE)

    ax = panel("b", "w")
    contours(ax, surface, best=-len(data.y) * runs["newton"].loss[-1])
    for name, run in runs.items():
        path(ax, run.thetas, COLORS[name], f"{names[name]}:  k = {run.n_iter}")
    ax.legend(loc="lower left")
    ax2 = panel("k", "max |∂J/∂θⱼ|")
    ax3 = panel("t (s)", "max |∂J/∂θⱼ|")
    for name, run in runs.items():
        ax2.semilogy(run.grad_norm, marker=".", color=COLORS[name], label=names[name])
        ax3.semilogy(run.seconds, run.grad_norm, marker=".", color=COLORS[name], label=names[name])
    for axis in (ax2, ax3):
        axis.axhline(tol, color="0.5", linestyle=":", linewidth=1)
    ax2.legend(loc="upper right")
    return Shown(
        [ax, ax2, ax3],
        {
            "tol": tol,
            "iter_newton": runs["newton"].n_iter,
            "iter_gd": runs["gd"].n_iter,
            "seconds_newton": runs["newton"].seconds[-1],
            "seconds_gd": runs["gd"].seconds[-1],
            "distance": float(np.max(np.abs(runs["newton"].thetas[-1] - runs["gd"].thetas[-1]))),
        },
    )
