"""The first pass over a Dask fit's data: X, y and the weights checked, y's labels found, and
what the fit needs from every row before its solver starts, all from one read of the rows.

The labels are read as given, before the classes are known, so the pass's sums are grouped by
label (:mod:`logitkit.backends.passes`, ``labels``): once the classes and the class weights
are known, the class totals, and for two classes the cost, gradient and sampled Hessian at
the start θ₀ = (b₀, 0), follow from those groups
(:meth:`~logitkit.core.objective.Objective.seed_start`), so the fit makes no pass of its own
for the labels or at θ₀.

The aliasing check reads the Gram matrix of the rows of positive weight. Over fewer than
40,000 rows the pass brings it; over more, it brings the Gram matrix of a sample of about
20,000 of them (every k-th row, as the overlap certificate samples rows in memory,
:func:`~logitkit.inference.separation.certificate_step`) and the columns' squared norms over
all of them, which bound the check from below: the full matrix, an O(np²) product (65% of
this pass's time on 100,000 × 50 chunks), is formed by a pass of its own only when the sample
does not decide.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..backends.passes import PassRequest
from ..core.objective import Objective
from ..inference.separation import certificate_step

__all__ = ["FirstPass", "keep_first_pass", "read_first_pass"]


@dataclass(frozen=True)
class FirstPass:
    """What the first pass brought: maxᵢ |x̃ᵢⱼ| (``maxima``), y's distinct labels, sorted,
    with how often each occurs and their weights Σ_{yᵢ=u} sᵢ (before class weights), for at
    most two labels ``label_sums`` = [Σ_{yᵢ=u} sᵢx̃ᵢ] (p̃ × labels), when asked for the Gram
    matrix of the rows of positive weight (``positive_gram``) or, over 40,000 rows or more,
    that of a sample of them with the columns' squared norms over all of them
    (``positive_sample``, module docstring), and the sample (k, Σ_{i∈S} sᵢx̃ᵢx̃ᵢᵀ, |S|) of
    every k-th row when a sample step was given."""

    maxima: NDArray
    labels: NDArray
    counts: NDArray
    label_weights: NDArray
    label_sums: NDArray | None
    positive_gram: NDArray | None
    positive_sample: tuple[NDArray, NDArray] | None
    sample: tuple[int, NDArray, float] | None


def read_first_pass(
    design: Any, labels: Any, weights: Any, *, with_gram: bool, sample_step: int | None
) -> FirstPass:
    """The :class:`FirstPass` of the Dask design ``design`` with the lazy labels and weights
    (one value per row, chunked as X): one pass, which checks X and the weights (finite,
    non-negative) and names the chunk where they are not."""
    wants: tuple[str, ...] = ("abs_max", "labels")
    positive_step = certificate_step(design.n_samples)
    if with_gram:
        wants += ("positive_sample",) if positive_step > 1 else ("positive_gram",)
    if sample_step:
        wants += ("sample_gram",)
    request = PassRequest(wants, sample_step=sample_step or 0, positive_step=positive_step)
    sums = design.pass_sums(request, labels, weights)
    sample = None
    if sample_step:
        sample = (sample_step, sums["sample_gram"], float(sums["sample_count"]))
    positive_sample = None
    if "positive_sample" in sums:
        positive_sample = (sums["positive_sample"], sums["positive_sq_norms"])
    return FirstPass(
        maxima=sums["abs_max"],
        labels=np.asarray(sums["label_values"]),
        counts=sums["label_counts"].astype(np.int64),
        label_weights=sums["label_weights"],
        label_sums=sums.get("label_sums"),
        positive_gram=sums.get("positive_gram"),
        positive_sample=positive_sample,
        sample=sample,
    )


def keep_first_pass(
    objective: Objective, found: FirstPass, classes: NDArray, per_class: NDArray | None
) -> None:
    """Give ``objective`` (its labels the positions of y's among ``classes``, its weights
    sᵢ · ``per_class``[yᵢ]) what ``found`` brought: the class totals, the Gram matrix of the
    rows of positive weight or a sample's (when every class weight is positive: they were
    taken over the rows of positive sᵢ) and, for two classes, the sums at the start."""
    factor = np.ones(len(classes)) if per_class is None else np.asarray(per_class, np.float64)
    where = np.searchsorted(classes, found.labels)
    totals = np.zeros(len(classes))
    totals[where] = factor[where] * found.label_weights
    if np.all(factor > 0):
        objective.keep_first_pass(totals, found.positive_gram, found.positive_sample)
    else:
        objective.keep_first_pass(totals, None)
    if (
        len(classes) != 2
        or found.label_sums is None
        or objective.offset is not None
        or objective.datafit.kernel != "bernoulli"
    ):
        return
    sums = np.zeros((found.label_sums.shape[0], 2))
    sums[:, where] = found.label_sums * factor[where]
    sample = found.sample
    if sample is not None:
        sample = (sample[0], sample[1] * factor[0], sample[2]) if factor[0] == factor[1] else None
    objective.seed_start(sums.sum(axis=1), sums[:, 1], sample)
