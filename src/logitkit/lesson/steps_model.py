"""Steps 1–3: the sigmoid as a probability, one Bernoulli formula, and why the log.

Each step is one function of the lesson's data that computes its numbers with logitkit and
draws its figure; the page shows the function's source as the code that made the figure.
"""

from __future__ import annotations

import numpy as np

from ..core.functions import cross_entropy, log_likelihood, sigmoid
from ..models.estimator import LogisticRegression
from .data import LessonData
from .figures import COLORS, panel
from .shown import Shown

LAUNCH_F = 31.0
"""The temperature on the morning of the Challenger launch, 28 January 1986."""


def sigmoid_as_probability(data: LessonData) -> Shown:
    """Step 1: ŷ = σ(b + w·t) read as P(damage | t) on the Challenger flights."""
    t, damage = data.flights["temperature_f"], data.flights["damage"]
    model = LogisticRegression().fit(data.flights[["temperature_f"]], damage)
    b, w = model.intercept_[0], model.coef_[0, 0]
    grid = np.linspace(25.0, 85.0, 241)

    ax = panel("t (°F)", "ŷ = σ(b + w·t) = P(y = 1 | t)")
    ax.plot(grid, sigmoid(b + w * grid), color=COLORS["gd"], label="σ(b + w·t)")
    ax.scatter(t, damage, color=COLORS["data"], alpha=0.6, zorder=3, label="yᵢ (n = 23)")
    ax.axvline(LAUNCH_F, color=COLORS["sgd"], linestyle="--", linewidth=1)
    ax.annotate("t = 31 °F", (LAUNCH_F, 0.12), xytext=(4, 0), textcoords="offset points")
    ax.legend(loc="center left", bbox_to_anchor=(0.16, 0.5))

    z = np.linspace(-8.0, 8.0, 201)
    ax2 = panel("z = b + w·t", "σ(z) = 1 / (1 + e⁻ᶻ)")
    ax2.plot(z, sigmoid(z), color=COLORS["gd"])
    ax2.axhline(0.5, color="0.6", linewidth=0.8)
    ax2.plot([0.0], [0.5], "o", color=COLORS["sgd"])
    ax2.annotate("σ(0) = ½", (0.0, 0.5), xytext=(8, -14), textcoords="offset points")
    return Shown(
        [ax, ax2],
        {
            "b": b,
            "w": w,
            "odds_colder": np.exp(-w),
            "p_launch": float(sigmoid(b + w * LAUNCH_F)),
            "p_70": float(sigmoid(b + w * 70.0)),
            "flights": len(t),
        },
    )


def bernoulli(data: LessonData) -> Shown:
    """Step 2: P(y | x) = ŷ^y (1 − ŷ)^(1−y), one formula for both labels."""
    t, y = data.flights["temperature_f"].to_numpy(float), data.flights["damage"].to_numpy(float)
    model = LogisticRegression().fit(t[:, None], y)
    z = model.decision_function(t[:, None])
    y_hat = sigmoid(z)
    p = y_hat**y * (1.0 - y_hat) ** (1.0 - y)  # P(yᵢ | xᵢ) = ŷᵢ^yᵢ (1 − ŷᵢ)^(1−yᵢ)
    from_loss = np.exp(-cross_entropy(y, z))  # the same number, e^(−L), L = −log P(y | x)
    grid = np.linspace(50.0, 84.0, 200)
    y_hat_grid = model.predict_proba(grid[:, None])[:, 1]

    ax = panel("t (°F)", "P(y | t)")
    ax.plot(grid, y_hat_grid, color=COLORS["sgd"], label="y = 1:  ŷ")
    ax.plot(grid, 1.0 - y_hat_grid, color=COLORS["gd"], label="y = 0:  1 − ŷ")
    for label, marker in ((1.0, "s"), (0.0, "o")):
        mine = y == label
        color = COLORS["sgd"] if label else COLORS["gd"]
        ax.plot(t[mine], p[mine], marker, color=color, markersize=5, alpha=0.8)
    ax.set_ylim(0.0, 1.02)
    ax.legend(loc="center right")
    coldest, warmest = np.argmin(t), np.argmax(t)
    return Shown(
        [ax],
        {
            "agree": float(np.max(np.abs(p - from_loss))),
            "t_cold": t[coldest],
            "y_cold": int(y[coldest]),
            "p_cold": p[coldest],
            "t_warm": t[warmest],
            "y_warm": int(y[warmest]),
            "p_warm": p[warmest],
        },
    )


def product_underflows(data: LessonData) -> Shown:
    """Step 3: ℒ = ∏ P(yᵢ | xᵢ) underflows to 0.0; ℓ = Σ log P(yᵢ | xᵢ) stays finite."""
    model = LogisticRegression().fit(data.X, data.y)
    z = model.decision_function(data.X)
    p = np.where(data.y == 1, sigmoid(z), sigmoid(-z))  # P(yᵢ | xᵢ) at the fitted (b, w)
    product = float(np.prod(p))  # ℒ, multiplied out in float64
    loglik = log_likelihood(data.y, z)  # ℓ = Σ log P(yᵢ | xᵢ), from the logits
    running = np.cumprod(p)  # ℒ over the first k rows
    zero_at = int(np.argmax(running == 0.0)) + 1  # the row after which ℒ is 0.0
    with np.errstate(divide="ignore"):
        log10_product = np.log10(running)  # −inf once the product is 0.0
    log10_exact = np.cumsum(np.log(p)) / np.log(10.0)
    rows = np.arange(1, len(p) + 1)

    ax = panel("k", "log₁₀ ∏ᵢ₌₁ᵏ P(yᵢ | xᵢ)")
    ax.plot(rows, log10_exact, color=COLORS["gd"], linewidth=2.5, label="ℓₖ / ln 10 = Σ log₁₀ P")
    shown = np.isfinite(log10_product)
    ax.plot(rows[shown], log10_product[shown], color=COLORS["sgd"], label="log₁₀ ∏ P (float64)")
    tiny = np.log10(np.nextafter(0.0, 1.0))  # the smallest float64 above 0: 4.9 × 10⁻³²⁴
    ax.axhline(tiny, color="0.5", linestyle=":", linewidth=1)
    ax.annotate("4.9·10⁻³²⁴", (0, tiny), xytext=(2, -13), textcoords="offset points")
    ax.axvline(zero_at, color=COLORS["sgd"], linestyle="--", linewidth=1)
    ax.annotate(
        f"k = {zero_at}:  ∏ = 0.0",
        (zero_at, tiny),
        xytext=(6, 8),
        textcoords="offset points",
        color=COLORS["sgd"],
    )
    ax.legend(loc="lower left")
    return Shown(
        [ax],
        {
            "rows": len(p),
            "product": product,
            "loglik": loglik,
            "by_hand": float(np.sum(np.log(p))),
            "zero_at": zero_at,
            "log10_likelihood": loglik / np.log(10.0),
            "tiny": float(np.nextafter(0.0, 1.0)),
        },
    )
