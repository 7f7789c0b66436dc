"""Step 8: the same construction with a Gaussian likelihood gives linear regression."""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize
from scipy.stats import norm

from .data import LessonData
from .figures import COLORS, panel
from .shown import Shown


def gaussian_gives_squared_error(data: LessonData) -> Shown:
    """Step 8: −log ∏ Normal(yᵢ; b + wxᵢ, σ²) = n/2·log(2πσ²) + SSE/(2σ²): least squares."""
    x, y, sigma = data.gauss_x, data.gauss_y, data.gauss_sigma
    n = len(y)
    X1 = np.column_stack([np.ones(n), x])

    def nll(theta: np.ndarray) -> float:  # −ℓ(b, w) = −Σ log Normal(yᵢ; b + wxᵢ, σ²)
        return float(-norm.logpdf(y, loc=X1 @ theta, scale=sigma).sum())

    def sse(theta: np.ndarray) -> float:  # Σ (yᵢ − b − wxᵢ)², the squared error
        return float(np.sum((y - X1 @ theta) ** 2))

    mle = minimize(nll, np.zeros(2), method="BFGS", options={"gtol": 1e-9}).x  # maximum likelihood
    least_squares = np.linalg.lstsq(X1, y, rcond=None)[0]  # the normal equations' solution
    constant = n / 2 * np.log(2 * np.pi * sigma**2)

    slopes = np.linspace(least_squares[1] - 0.4, least_squares[1] + 0.4, 81)
    along = [np.array([least_squares[0], slope]) for slope in slopes]
    ax = panel("x", "y")
    ax.plot(x, y, "o", color=COLORS["data"], markersize=4, alpha=0.7, label="(xᵢ, yᵢ)")
    ax.plot(x, X1 @ mle, color=COLORS["gd"], label="b̂ + ŵ·x")
    ax.legend(loc="upper left")
    ax2 = panel("w  (b = b̂)", "−ℓ(b, w)")
    ax2.plot(slopes, [nll(t) for t in along], color=COLORS["gd"], linewidth=3, label="−Σ log N(yᵢ)")
    ax2.plot(
        slopes,
        [constant + sse(t) / (2 * sigma**2) for t in along],
        "--",
        color=COLORS["sgd"],
        label="n/2·log(2πσ²) + SSE/(2σ²)",
    )
    ax2.axvline(least_squares[1], color="0.5", linestyle=":", linewidth=1)
    ax2.legend(loc="upper center")
    return Shown(
        [ax, ax2],
        {
            "n": n,
            "sigma": sigma,
            "nll": nll(least_squares),
            "formula": constant + sse(least_squares) / (2 * sigma**2),
            "constant": constant,
            "sse": sse(least_squares),
            "sse_term": sse(least_squares) / (2 * sigma**2),
            "b_mle": mle[0],
            "w_mle": mle[1],
            "b_ls": least_squares[0],
            "w_ls": least_squares[1],
            "mle_gap": float(np.max(np.abs(mle - least_squares))),
        },
    )
