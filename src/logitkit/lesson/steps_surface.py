"""Steps 4–5: the log-likelihood surface, and why the cross-entropy and not squared error."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from ..core.functions import cross_entropy, log_likelihood, sigmoid
from ..core.objective import Objective
from ..models.estimator import LogisticRegression
from .data import LessonData
from .figures import COLORS, contours, loglik_surface, panel, path
from .shown import Shown

B_RANGE = (-3.6, 1.0)
W_RANGE = (-0.6, 2.6)
"""The window over (b, w) of the contour plots: the solvers' start and the optimum inside."""


def ascent_is_descent(data: LessonData) -> Shown:
    """Step 4: gradient ascent on ℓ and gradient descent on J = −ℓ/m take the same steps."""
    objective = Objective.from_data(data.X, data.y)  # J(θ), θ = (b, w)
    m = len(data.y)
    X1 = np.column_stack([np.ones(m), data.x])  # x̃ = (1, x)
    eta = 2.0  # the step on J; the same step on ℓ is η/m
    up, down = [data.start], [data.start]
    for _ in range(25):
        grad_loglik = X1.T @ (data.y - sigmoid(X1 @ up[-1]))  # ∇ℓ = X̃ᵀ(y − ŷ)
        up.append(up[-1] + (eta / m) * grad_loglik)  # ascent: θ ← θ + (η/m)∇ℓ
        down.append(down[-1] - eta * objective.gradient(down[-1]))  # descent: θ ← θ − η∇J
    up_path, down_path = np.array(up), np.array(down)
    loglik_up = np.array([log_likelihood(data.y, X1 @ theta) for theta in up])  # ℓ(θₖ)
    cost_down = np.array([objective.value(theta) for theta in down])
    surface = loglik_surface(data.x, data.y, B_RANGE, W_RANGE)

    ax = panel("b", "w")
    contours(ax, surface, best=surface.loglik.max())
    path(ax, up_path, COLORS["big"], "θ + (η/m)∇ℓ", markersize=8, linewidth=0, alpha=0.6)
    path(ax, down_path, COLORS["gd"], "θ − η∇J")
    ax.legend(loc="lower left")
    ax2 = panel("k", "ℓ(θₖ) = −m·J(θₖ)")
    ax2.plot(loglik_up, "o", color=COLORS["big"], markersize=7, alpha=0.6, label="ℓ(θₖ)")
    ax2.plot(-m * cost_down, color=COLORS["gd"], label="−m·J(θₖ)")
    ax2.legend(loc="lower right")
    return Shown(
        [ax, ax2],
        {
            "m": m,
            "eta": eta,
            "eta_l": eta / m,
            "steps": len(up) - 1,
            "largest_gap": float(np.max(np.abs(up_path - down_path))),
            "loglik_start": loglik_up[0],
            "loglik_end": loglik_up[-1],
            "b_end": down_path[-1, 0],
            "w_end": down_path[-1, 1],
        },
    )


def squared_error_hessians(x: NDArray, y: NDArray, b: NDArray, w: NDArray) -> NDArray:
    """The 2 × 2 Hessians of E(b, w) = (1/2m) Σ (σ(b + wxᵢ) − yᵢ)² at every (b, w) pair:
    ∂²E/∂z² = [ŷ(1 − ŷ)]² + (ŷ − y)·ŷ(1 − ŷ)(1 − 2ŷ) per row, times x̃x̃ᵀ, averaged."""
    y_hat = sigmoid(b[:, None] + w[:, None] * x[None, :])
    slope = y_hat * (1.0 - y_hat)
    d2 = slope**2 + (y_hat - y) * slope * (1.0 - 2.0 * y_hat)
    h_bb, h_bw, h_ww = d2.mean(axis=1), (d2 * x).mean(axis=1), (d2 * x * x).mean(axis=1)
    return np.stack([np.stack([h_bb, h_bw], -1), np.stack([h_bw, h_ww], -1)], -2)


def cross_entropy_is_convex(data: LessonData) -> Shown:
    """Step 5: through the sigmoid, cross-entropy is convex and squared error is not; and
    squared error's gradient vanishes where σ saturates."""
    z = np.linspace(-10.0, 10.0, 401)
    y_hat = sigmoid(z)
    loss = cross_entropy(1.0, z)  # L = −log ŷ for the label y = 1
    squared = 0.5 * (y_hat - 1.0) ** 2  # E = ½(ŷ − y)²
    grad_loss = y_hat - 1.0  # ∂L/∂z = ŷ − y
    grad_squared = (y_hat - 1.0) * y_hat * (1.0 - y_hat)  # ∂E/∂z = (ŷ − y)·ŷ(1 − ŷ)

    objective = Objective.from_data(data.X, data.y)
    grid_b, grid_w = np.meshgrid(np.linspace(*B_RANGE, 31), np.linspace(-3.0, 3.0, 31))
    b, w = grid_b.ravel(), grid_w.ravel()
    hessians = [
        objective.hessian(np.array(theta)) for theta in zip(b, w, strict=True)
    ]  # ∇²J at each (b, w)
    lowest_ce = np.linalg.eigvalsh(hessians)[:, 0]  # the smallest eigenvalue of each
    lowest_se = np.linalg.eigvalsh(squared_error_hessians(data.x, data.y, b, w))[:, 0]

    ax = panel("z  (y = 1)", "L,  E")
    ax.plot(z, loss, color=COLORS["gd"], label="L = −log σ(z)")
    ax.plot(z, squared, color=COLORS["sgd"], label="E = ½(σ(z) − 1)²")
    ax.set_ylim(-0.05, 3.0)
    ax.legend(loc="upper right")
    ax2 = panel("z  (y = 1)", "∂L/∂z,  ∂E/∂z")
    ax2.plot(z, grad_loss, color=COLORS["gd"], label="∂L/∂z = σ(z) − 1")
    ax2.plot(z, grad_squared, color=COLORS["sgd"], label="∂E/∂z = (σ − 1)σ(1 − σ)")
    ax2.legend(loc="center right")
    ax3 = panel("b", "w")
    concave = lowest_se < 0
    ax3.contourf(
        grid_b,
        grid_w,
        concave.reshape(grid_b.shape),
        levels=[-0.5, 0.5, 1.5],
        colors=["#e8e8e8", "#f4a3a3"],
    )
    ax3.plot([], [], "s", color="#e8e8e8", markersize=9, label="E: λₘᵢₙ(∇²E) ≥ 0")
    ax3.plot([], [], "s", color="#f4a3a3", markersize=9, label="E: λₘᵢₙ(∇²E) < 0")
    fit = LogisticRegression().fit(data.X, data.y)
    ax3.plot(fit.intercept_, fit.coef_[0], "*", color=COLORS["gd"], markersize=11, label="θ̂")
    ax3.legend(loc="lower left", framealpha=0.95)
    return Shown(
        [ax, ax2, ax3],
        {
            "grid_points": len(b),
            "lowest_ce": float(lowest_ce.min()),
            "lowest_se": float(lowest_se.min()),
            "share_not_convex": float(concave.mean()),
            "grad_loss_at_minus10": float(grad_loss[0]),
            "grad_squared_at_minus10": float(grad_squared[0]),
            "ratio": float(grad_loss[0] / grad_squared[0]),
        },
    )
