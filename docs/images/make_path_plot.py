"""Draw docs/images/lasso-path.png: the lasso path of the standardised breast-cancer data.

python docs/images/make_path_plot.py
"""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
from sklearn.datasets import load_breast_cancer
from sklearn.preprocessing import StandardScaler

import logitkit as lk

data = load_breast_cancer()
X = StandardScaler().fit_transform(data.data)
path = lk.logistic_path(X, data.target, l1_ratio=1.0, n_alphas=100, eps=1e-3)

fig, ax = plt.subplots(figsize=(6.4, 4.0), dpi=90)
path.plot(ax=ax)
ax.set_title("Lasso path, breast-cancer data (30 standardised features)")
fig.tight_layout()
fig.savefig(Path(__file__).with_name("lasso-path.png"))
