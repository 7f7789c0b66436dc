"""How well a binary logit fits and separates: Hosmer–Lemeshow, pseudo-R², Brier, AUC, tables.

With fitted p̂ᵢ = σ(x̃ᵢᵀθ̂), labels yᵢ ∈ {0, 1}, weights sᵢ, n = Σ sᵢ, ℓ and ℓ₀ the fitted and
intercept-only log-likelihoods and k the number of coefficients:

- Hosmer–Lemeshow: the rows are cut into g groups at the quantiles of p̂ (R's type 7, groups
  closed on the right, the first also on the left, as ResourceSelection::hoslem.test);
  C = Σ_groups Σ_{c∈{0,1}} (O_gc − E_gc)² / E_gc with O the observed and E = Σ p̂ (or Σ 1 − p̂)
  the expected counts, on g − 2 degrees of freedom. Tied quantiles are merged and groups
  that no row falls in (a quantile between two tied values) dropped, where R's test stops
  with an error or returns NaN; ``hosmer_lemeshow["groups"]`` says how many groups there were.
- pseudo-R²: McFadden 1 − ℓ/ℓ₀, adjusted 1 − (ℓ − k)/ℓ₀, Cox–Snell 1 − exp(2(ℓ₀ − ℓ)/n),
  Nagelkerke Cox–Snell / (1 − exp(2ℓ₀/n)), Tjur mean(p̂ | y = 1) − mean(p̂ | y = 0), Efron
  1 − Σ(y − p̂)² / Σ(y − ȳ)² (all weighted by s).
- Brier score Σ s(y − p̂)²/n, log loss −ℓ/n.
- AUC, the probability that a positive scores above a negative (ties count ½), with DeLong's
  variance S₁₀/m + S₀₁/q (m positives, q negatives, S the sample variances of the placement
  values) and the interval AUC ± z·√var clipped to [0, 1], as pROC's ``ci.auc``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy.stats import chi2, norm

from ..core.functions import sigmoid
from ..core.objective import Objective
from ..core.record import FitRecord
from ..core.validation import plain_label
from .check_inputs import require_binary

__all__ = ["GoodnessOfFit", "delong_auc", "fit_quality", "hosmer_lemeshow"]


@dataclass(frozen=True)
class GoodnessOfFit:
    """The fit-quality measures of one binary fit; ``print`` gives them in R's layout.

    hosmer_lemeshow : dict with statistic, df, p_value and groups.
    pseudo_r2 : dict with mcfadden, mcfadden_adjusted, cox_snell, nagelkerke, tjur, efron.
    brier, log_loss, auc : float; auc_ci : (low, high), DeLong's 95% interval.
    """

    hosmer_lemeshow: dict[str, float]
    pseudo_r2: dict[str, float]
    brier: float
    log_loss: float
    auc: float
    auc_ci: tuple[float, float]
    labels: NDArray
    probabilities: NDArray
    sample_weight: NDArray
    classes: tuple
    response: str | None = None

    def classification_table(self, threshold: float = 0.5) -> pd.DataFrame:
        """(Weighted) counts of the observed classes (rows) against the predicted ones
        (columns): a row is predicted as classes[1] when p̂ > ``threshold``."""
        if not 0.0 <= float(threshold) <= 1.0:
            raise ValueError(f"threshold must be a probability in [0, 1]; got {threshold!r}")
        predicted = (self.probabilities > threshold).astype(int)
        table = np.zeros((2, 2))
        np.add.at(table, (self.labels, predicted), self.sample_weight)
        names = [plain_label(label) for label in self.classes]
        return pd.DataFrame(
            table,
            index=pd.Index(names, name="observed"),
            columns=pd.Index(names, name="predicted"),
        )

    def __str__(self) -> str:
        """Hosmer–Lemeshow as R's htest prints it, then the other measures."""
        hl = self.hosmer_lemeshow
        r2 = self.pseudo_r2
        low, high = self.auc_ci
        response = self.response or "y"
        return "\n".join(
            [
                "",
                "\tHosmer and Lemeshow goodness of fit (GOF) test",
                "",
                f"data:  {response}, fitted(model)",
                f"X-squared = {hl['statistic']:.5g}, df = {int(hl['df'])}, "
                f"p-value = {hl['p_value']:.4g}",
                "",
                "Pseudo R-squared:",
                f"  McFadden {r2['mcfadden']:.4f}   adjusted {r2['mcfadden_adjusted']:.4f}   "
                f"Cox-Snell {r2['cox_snell']:.4f}   Nagelkerke {r2['nagelkerke']:.4f}",
                f"  Tjur {r2['tjur']:.4f}   Efron {r2['efron']:.4f}",
                f"Brier score: {self.brier:.4f}    Log loss: {self.log_loss:.4f}",
                f"Area under the ROC curve: {self.auc:.4f}  (95% CI {low:.4f}-{high:.4f}, DeLong)",
            ]
        )


def fit_quality(
    record: FitRecord, objective: Objective, *, groups: int = 10, response: str | None = None
) -> GoodnessOfFit:
    """Every measure of the module docstring for the fit ``record`` on its data."""
    require_binary(record, "goodness_of_fit")
    if isinstance(groups, bool) or not isinstance(groups, int | np.integer) or groups < 3:
        raise ValueError(
            f"groups must be an integer of at least 3 (R's default is 10); got {groups!r}"
        )
    labels = np.asarray(objective.y, dtype=np.intp)
    weights = np.asarray(objective.sample_weight, dtype=np.float64)
    p = sigmoid(objective.logits(record.theta))
    y = labels.astype(np.float64)
    n = weights.sum()
    k = record.theta.size
    loglik, null = record.loglik, record.null_loglik
    cox_snell = -np.expm1(2.0 * (null - loglik) / n)
    mean_y = weights @ y / n
    positive = labels == 1
    pseudo_r2 = {
        "mcfadden": 1.0 - loglik / null,
        "mcfadden_adjusted": 1.0 - (loglik - k) / null,
        "cox_snell": cox_snell,
        "nagelkerke": cox_snell / -np.expm1(2.0 * null / n),
        "tjur": np.average(p[positive], weights=weights[positive])
        - np.average(p[~positive], weights=weights[~positive]),
        "efron": 1.0 - weights @ (y - p) ** 2 / (weights @ (y - mean_y) ** 2),
    }
    auc, variance = delong_auc(p, labels, weights)
    spread = float(norm.ppf(0.975)) * np.sqrt(variance)
    return GoodnessOfFit(
        hosmer_lemeshow=hosmer_lemeshow(p, labels, weights, groups),
        pseudo_r2={name: float(value) for name, value in pseudo_r2.items()},
        brier=float(weights @ (y - p) ** 2 / n),
        log_loss=float(-loglik / n),
        auc=auc,
        auc_ci=(float(max(auc - spread, 0.0)), float(min(auc + spread, 1.0))),
        labels=labels,
        probabilities=p,
        sample_weight=weights,
        classes=tuple(record.classes.tolist()),
        response=response,
    )


def hosmer_lemeshow(p: NDArray, labels: NDArray, weights: NDArray, groups: int) -> dict[str, float]:
    """C = Σ (O − E)²/E over the quantile groups of p̂ and both classes, on g − 2 df."""
    breaks = np.unique(np.quantile(p, np.linspace(0.0, 1.0, groups + 1)))
    # p̂ ∈ (b_{j-1}, b_j] falls in group j − 1 and the smallest p̂ (= b₀) in group 0; the
    # largest is b_last, so no group exceeds breaks.size − 2 (and a constant p̂ is one group)
    group = np.maximum(np.searchsorted(breaks, p, side="left") - 1, 0)
    total = np.bincount(group, weights=weights, minlength=breaks.size - 1)
    keep = total > 0
    observed = np.bincount(group, weights=weights * labels, minlength=total.size)[keep]
    expected = np.bincount(group, weights=weights * p, minlength=total.size)[keep]
    total = total[keep]
    used = int(keep.sum())
    if used < 3:
        raise ValueError(
            f"the fitted probabilities fall into only {used} quantile groups: the "
            "Hosmer-Lemeshow test needs at least 3"
        )
    statistic = float(
        np.sum((observed - expected) ** 2 / expected)
        + np.sum((observed - expected) ** 2 / (total - expected))
    )
    df = used - 2
    return {
        "statistic": statistic,
        "df": float(df),
        "p_value": float(chi2.sf(statistic, df)),
        "groups": float(used),
    }


def delong_auc(scores: NDArray, labels: NDArray, weights: NDArray) -> tuple[float, float]:
    """The AUC and DeLong's variance, frequency-weighted (a row of weight w counts w times).

    Placement of positive i: V₁₀ᵢ = Σⱼ wⱼ ψ(xᵢ, yⱼ) / q over negatives j, ψ = 1 when xᵢ > yⱼ and
    ½ when tied; of negative j: V₀₁ⱼ = Σᵢ wᵢ ψ(xᵢ, yⱼ) / m. AUC = mean V₁₀, var = S₁₀/m + S₀₁/q.

    Both placements come from one sort of all the scores, in any order within ties: a run of
    tied scores shares the cumulative weights of each class at its start and end. The sums
    over rows need no row order, so everything stays in sorted order.
    """
    positive = labels == 1
    if positive.all() or not positive.any():
        raise ValueError("the AUC needs both classes among the observations")
    order = np.argsort(scores)
    ordered, is_positive, w = scores[order], positive[order], weights[order]
    change = np.r_[True, ordered[1:] != ordered[:-1]]
    starts = np.flatnonzero(change)
    lengths = np.diff(np.r_[starts, ordered.size])
    w_pos, w_neg = w[is_positive], w[~is_positive]
    m, q = w_pos.sum(), w_neg.sum()
    v10 = _placement(np.where(is_positive, 0.0, w), starts, lengths)[is_positive] / q
    v01 = (m - _placement(np.where(is_positive, w, 0.0), starts, lengths)[~is_positive]) / m
    auc = float(w_pos @ v10 / m)
    s10 = w_pos @ (v10 - auc) ** 2 / (m - 1.0)
    s01 = w_neg @ (v01 - auc) ** 2 / (q - 1.0)
    return auc, float(s10 / m + s01 / q)


def _placement(class_weights: NDArray, starts: NDArray, lengths: NDArray) -> NDArray:
    """For every row in sorted order: the weight of one class's rows below its run of ties plus
    half of that class's weight within the run (the runs start at ``starts``)."""
    cumulative = np.concatenate(([0.0], np.cumsum(class_weights)))
    below = cumulative[starts]
    tied = cumulative[starts + lengths] - below
    return np.repeat(below + 0.5 * tied, lengths)
