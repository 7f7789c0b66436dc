"""Draw docs/images/diagnostic-plots.png and docs/images/solver-history.png.

python docs/images/make_diagnostic_plots.py
"""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
from sklearn.datasets import load_breast_cancer
from sklearn.preprocessing import StandardScaler

import logitkit as lk
from logitkit import plots

HERE = Path(__file__).parent

model = lk.logit("damage ~ temperature_f", lk.datasets.load_challenger())
fig, axes = plt.subplots(2, 3, figsize=(13.5, 8.0), dpi=70, layout="constrained")
plots.plot_roc(model, ax=axes[0, 0])
plots.plot_calibration(model, bins=5, ax=axes[0, 1])
plots.plot_binned_residuals(model, ax=axes[0, 2])
plots.plot_influence(model, ax=axes[1, 0])
plots.plot_coefficients(model, odds_ratio=True, ci="profile", ax=axes[1, 1])
plots.plot_marginal_effects(model, ax=axes[1, 2])
fig.savefig(HERE / "diagnostic-plots.png")

data = load_breast_cancer()
X = StandardScaler().fit_transform(data.data)
# Compile sgd's kernels first (once per machine), so its first epoch is not timed with them.
lk.LogisticRegression(solver="sgd", max_iter=1).fit(X[:50], data.target[:50])
fits = {
    solver: lk.LogisticRegression(solver=solver, alpha=1e-3, max_iter=300, random_state=0).fit(
        X, data.target
    )
    for solver in ("newton", "lbfgs", "gd", "sgd")
}
fig, axes = plt.subplots(1, 2, figsize=(10.0, 3.8), dpi=70, layout="constrained")
plots.plot_history(fits, "seconds", ax=axes)
fig.savefig(HERE / "solver-history.png")
