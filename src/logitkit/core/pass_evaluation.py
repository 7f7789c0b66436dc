"""How an objective evaluates itself over a design read by passes, and the totals it keeps.

Over a design that does not hold its rows in memory (the Dask backend, ``design.holds_rows``
False), the labels, weights and offsets are lazy n-vectors, and everything over all rows is a
sum that one pass computes (:meth:`~logitkit.backends.design.Design.pass_sums`,
:mod:`logitkit.backends.passes`), with the weights sᵢ/Σs. :class:`PassEvaluation` keeps the
sums of the last θs evaluated, since solvers and statistics ask again at the same θ, and asks
for whatever is missing at θ in one pass: the cost and gradient together and, once a
Newton-type solver has said it will want them (:meth:`PassEvaluation.expect_hessians`) or has
asked for one, the Hessian in the same pass: over every row, or over every k-th row when the
solver's Hessian is sampled (:meth:`PassEvaluation.hessian_sample`). It also gives Σs (the
class totals), the weights of a subset of rows for the stochastic solvers, and the Gram matrix
of the rows of positive weight, for in-memory designs as well.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.special import expit

from ..backends.design import Design
from ..backends.passes import PassRequest
from .datafits import Datafit

Rows = NDArray[np.intp] | slice | None

_KEPT_EVALUATIONS = 3
"""The θs whose pass sums an objective keeps."""


def _regular_step(rows: Rows) -> int | None:
    """k when ``rows`` is every k-th row from the first, ``slice(0, None, k)`` with k ≥ 2, else
    None: the regular sample whose Hessian a pass computes (``sampled_hessian``)."""
    if (
        isinstance(rows, slice)
        and rows.start in (None, 0)
        and rows.stop is None
        and rows.step is not None
        and rows.step >= 2
    ):
        return int(rows.step)
    return None


def _sampled(step: int) -> str:
    """The name under which an evaluation keeps the Hessian of every ``step``-th row."""
    return f"sampled_hessian/{step}"


class PassEvaluation:
    """The pass-based evaluation and the totals of :class:`~logitkit.core.objective.Objective`
    (a base class of it: it reads the objective's design, datafit, labels, weights and
    offsets)."""

    design: Design
    datafit: Datafit
    y: Any
    sample_weight: Any
    offset: Any
    start: Callable[[], NDArray]

    def _start_passes(self) -> None:
        """The empty caches: no totals, no sums, no Hessian expected yet."""
        self._totals: NDArray | None = None
        self._positive_gram: NDArray | None = None
        self._positive_sample: tuple[NDArray, NDArray] | None = None
        self._normalised: Any = None
        self._total = 0.0
        """Σsᵢ of the weights in memory, summed once (a fit asks for it about ten times);
        unused over a design read by passes, whose total is the class totals'."""
        if self.design.holds_rows:
            total = self.sample_weight.sum()
            self._normalised = self.sample_weight / total
            self._total = float(total)
        self._evaluated: dict[bytes, dict[str, NDArray]] = {}
        self._expected_hessian: int | None = None
        """Every how many rows the Hessian that passes bring along is taken (1: every row);
        None while no Newton-type solver has asked for one."""
        self._final_wants: tuple[str, ...] = ()
        """What a solver's predicted last pass brings along (:meth:`expect_statistics`)."""

    def class_totals(self) -> NDArray:
        """Σ_{yᵢ=k} sᵢ for every class k (K values): one pass over y and s for a design read
        by passes, which also checks the weights (finite, non-negative, not all zero)."""
        if self._totals is None:
            if self.design.holds_rows:
                totals = np.bincount(
                    np.asarray(self.y, dtype=np.intp),
                    weights=self.sample_weight,
                    minlength=self.datafit.n_classes,
                )
                self._totals = np.asarray(totals, dtype=np.float64)
            else:
                request = PassRequest(("class_totals",), n_classes=self.datafit.n_classes)
                sums = self.design.pass_sums(request, self.y, self.sample_weight)
                self._set_totals(sums["class_totals"])
        assert self._totals is not None
        return self._totals

    def _set_totals(self, totals: NDArray) -> None:
        """Keep the class totals of a pass, refusing weights that are zero everywhere."""
        if not totals.sum() > 0:
            raise ValueError(
                "sample_weight is zero for every sample: at least one weight must be positive"
            )
        self._totals = np.asarray(totals, dtype=np.float64)

    @property
    def total_weight(self) -> float:
        """Σsᵢ, the weighted number of observations n."""
        if self.design.holds_rows:
            return self._total
        return float(self.class_totals().sum())

    @property
    def _normalised_weights(self):
        """sᵢ/Σs: NumPy in memory, a lazy Dask array for a design read by passes."""
        if self._normalised is None:
            self._normalised = self.sample_weight / self.total_weight
        return self._normalised

    def _data(self, rows: Rows) -> tuple[Design, NDArray, NDArray]:
        """Design, labels and weights sᵢ/Σs over all rows, or sᵢ/(|B| s̄) over the rows B.

        B is an index array or a slice; a slice of a dense X is a view, not a copy.
        """
        if rows is None:
            return self.design, self.y, self._normalised_weights
        weights = self.sample_weight[rows]
        if self.design.holds_rows:
            scale = weights.size * self.sample_weight.mean()
        else:
            scale = weights.shape[0] * self.total_weight / self.design.n_samples
        return self.design.take(rows), self.y[rows], weights / scale

    def evaluate(
        self, coef: NDArray, wants: tuple[str, ...], sample_step: int = 0
    ) -> dict[str, NDArray]:
        """The pass sums ``wants`` at θ over all rows, with the weights sᵢ/Σs
        (:mod:`logitkit.backends.passes`): whatever the last evaluations at this θ lack comes
        from one pass, with the Hessian too when a Newton-type solver has asked for one.

        The value and gradient are the data term's (no penalty); the Hessian has no ridge;
        ``score_outer``, ``cluster_scores`` and ``overlap_min`` scale by Σs to their sums over
        the observations. ``sampled_hessian`` (over the rows S of every ``sample_step``-th row)
        is kept as :meth:`hessian_sample` gives it, scaled by n/|S|.
        """
        coef = np.asarray(coef, dtype=np.float64)
        key = coef.tobytes()
        entry = self._evaluated.pop(key, {})
        self._evaluated[key] = entry
        while len(self._evaluated) > _KEPT_EVALUATIONS:
            del self._evaluated[next(iter(self._evaluated))]
        names = {"overlap": "overlap_min", "sampled_hessian": _sampled(sample_step)}
        missing = tuple(want for want in wants if names.get(want, want) not in entry)
        if missing:
            extra, step = self._brought_along(missing, entry)
            request = PassRequest(
                missing + extra,
                datafit=self.datafit,
                coef=coef,
                sample_step=sample_step if "sampled_hessian" in missing else step,
            )
            sums = self.design.pass_sums(request, self.y, self._normalised_weights, self.offset)
            if "sampled_hessian" in sums:
                scale = self.design.n_samples / float(sums.pop("sample_count"))
                sums[_sampled(request.sample_step)] = sums.pop("sampled_hessian") * scale
            entry.update(sums)
        return entry

    def _brought_along(
        self, missing: tuple[str, ...], entry: dict[str, NDArray]
    ) -> tuple[tuple[str, ...], int]:
        """The Hessian a pass for the cost or gradient brings along, once a Newton-type solver
        has asked for one (nothing when a Hessian is asked for already, or kept at θ), and its
        sample step (0 for every row)."""
        step = self._expected_hessian
        if step is None or not {"value", "gradient"} & set(missing):
            return (), 0
        if step == 1:
            return ((), 0) if "hessian" in entry or "hessian" in missing else (("hessian",), 0)
        if _sampled(step) in entry or "sampled_hessian" in missing:
            return (), 0
        return ("sampled_hessian",), step

    def _by_pass(self, coef: NDArray, rows: Rows, wants: tuple[str, ...]) -> dict[str, NDArray]:
        """:meth:`evaluate` over all rows, or one uncached pass over the rows B."""
        if rows is None:
            return self.evaluate(coef, wants)
        design, y, s = self._data(rows)
        offset = None if self.offset is None else self.offset[rows]
        request = PassRequest(wants, datafit=self.datafit, coef=np.asarray(coef, np.float64))
        return design.pass_sums(request, y, s, offset)

    def _pass_hessian(self, coef: NDArray, rows: Rows = None) -> NDArray:
        """The data term's Hessian (no ridge) by a pass; later passes bring it along. For every
        k-th row (``rows`` = ``slice(0, None, k)``), :meth:`hessian_sample`."""
        step = _regular_step(rows)
        if step is not None:
            return self.hessian_sample(coef, step)
        self._expected_hessian = 1
        return self._by_pass(coef, rows, ("hessian",))["hessian"].copy()

    def hessian_sample(self, coef: NDArray, step: int) -> NDArray:
        """H_S = (n/|S|) Σ_{i∈S} (sᵢ/Σs) ∂²Lᵢ x̃ᵢx̃ᵢᵀ over the rows S = {0, k, 2k, …} (k =
        ``step``) of a design read by passes: the data term's Hessian (no ridge) over the
        sample, each sampled row weighted sᵢ/(|S| s̄) as an in-memory objective weighs the rows
        of ``slice(0, None, k)``. The pass computes it inside each chunk's task, the rows
        picked by their index among all rows (:mod:`logitkit.backends.passes`), so it does
        not depend on the chunks; later passes for the cost and gradient bring it along."""
        self._expected_hessian = step
        return self.evaluate(coef, ("sampled_hessian",), step)[_sampled(step)].copy()

    def _needs_rows(self, what: str) -> None:
        """Refuse an n-vector result over a design whose rows are not in memory."""
        if not self.design.holds_rows:
            raise ValueError(
                f"{what} are n-vectors, which a fit on a Dask array does not bring to the "
                "client: compute them from the data and the coefficients with Dask"
            )

    def positive_weight_gram(self) -> NDArray:
        """G = Σ_{sᵢ>0} x̃ᵢx̃ᵢᵀ, the Gram matrix of the rows of positive weight (aliasing): in
        memory, by the design's parallel pass when every weight is positive and it has one
        (:meth:`~logitkit.backends.design.DenseDesign.fused_gram`)."""
        if not self.design.holds_rows:
            if self._positive_gram is None:
                request = PassRequest(("positive_gram",))
                sums = self.design.pass_sums(request, None, self.sample_weight)
                self._positive_gram = sums["positive_gram"]
            return self._positive_gram
        positive = self.sample_weight > 0
        if not positive.all():
            return self.design.gram_rows(np.flatnonzero(positive))
        gram = self.design.fused_gram()
        return self.design.gram_rows() if gram is None else gram

    def positive_weight_sample(self) -> tuple[NDArray, NDArray] | None:
        """(G_S = Σ_{i∈S} x̃ᵢx̃ᵢᵀ over a sample S of the rows of positive weight, the columns'
        squared norms Σ_{sᵢ>0} x̃ᵢⱼ² over all of them) when a first pass over a design read by
        passes brought them instead of :meth:`positive_weight_gram`'s G, else None."""
        return self._positive_sample

    def keep_first_pass(
        self,
        totals: NDArray,
        positive_gram: NDArray | None,
        positive_sample: tuple[NDArray, NDArray] | None = None,
    ) -> None:
        """Keep what a fit's first pass over a design read by passes brought (it checked X, y
        and the weights there): the class totals Σ_{yᵢ=k} sᵢ, for :meth:`class_totals`, the
        Gram matrix of the rows of positive weight, for :meth:`positive_weight_gram`, or a
        sample's, for :meth:`positive_weight_sample` (None: not brought)."""
        self._set_totals(totals)
        self._positive_gram = positive_gram
        self._positive_sample = positive_sample

    def seed_start(
        self,
        weighted: NDArray,
        labelled: NDArray,
        sample: tuple[int, NDArray, float] | None = None,
    ) -> None:
        """Keep the sums at θ₀ = (b₀, 0) (:meth:`start`) of two classes without offsets, from
        sums a first pass brought: ``weighted`` = X̃ᵀs, ``labelled`` = X̃ᵀ(s ⊙ y) and, for a
        sampled Newton, ``sample`` = (k, Σ_{i∈S} sᵢx̃ᵢx̃ᵢᵀ, |S|) over the rows S of every k-th
        row. At θ₀ every zᵢ = b₀, so with n₀, n₁ the class totals and n = n₀ + n₁

            J(θ₀) = [n₀ softplus(b₀) + n₁ softplus(−b₀)] / n
            ∇J(θ₀) = [σ(b₀) X̃ᵀs − X̃ᵀ(s ⊙ y)] / n
            H_S(θ₀) = σ(b₀)σ(−b₀) (n_rows/|S|) Σ_{i∈S} (sᵢ/n) x̃ᵢx̃ᵢᵀ

        (the last as :meth:`hessian_sample` gives it), and no pass is made at θ₀."""
        theta = self.start()
        intercept = float(theta[0]) if self.design.fit_intercept else 0.0
        negative, positive = self.class_totals()
        total = negative + positive
        above, below = expit(intercept), expit(-intercept)
        softplus = np.logaddexp(0.0, intercept), np.logaddexp(0.0, -intercept)
        entry = {
            "value": np.array((negative * softplus[0] + positive * softplus[1]) / total),
            "gradient": (above * weighted - labelled) / total,
        }
        if sample is not None:
            step, gram, count = sample
            scale = above * below * self.design.n_samples / (count * total)
            entry[_sampled(step)] = scale * gram
        self._evaluated[theta.tobytes()] = entry

    def expect_statistics(self, wants: tuple[str, ...]) -> None:
        """Say what the fit's statistics will ask for at θ̂ (pass sums): over a design read by
        passes, the pass a solver predicts to be its last (``final_value_and_gradient``)
        brings them along, so that no pass of their own is made when it was."""
        self._final_wants = tuple(wants)

    def expect_hessians(self, *, sample_step: int | None = None) -> None:
        """Say that a Newton-type solver will ask for Hessians, over every ``sample_step``-th
        row when given (:meth:`hessian_sample`): over a design read by passes, every
        evaluation then brings that Hessian along in the same pass."""
        self._expected_hessian = 1 if sample_step is None else sample_step
