"""Detection of complete and quasi-complete separation by linear programming (Konis, 2007).

With signs tᵢ = 2yᵢ − 1 and rows x̃ᵢ = (1, xᵢ) (xᵢ alone without an intercept), write
aᵢ = tᵢ x̃ᵢ. The log-likelihood ℓ(β) = −Σ sᵢ log(1 + e^(−aᵢᵀβ)) increases strictly along a
direction δ for ever exactly when δ lies in the cone

    C = {δ : aᵢᵀδ ≥ 0 for every row with sᵢ > 0}

and aᵢᵀδ > 0 for at least one such row: the data are then *separated* and no finite maximum
likelihood estimate exists. Directions with aᵢᵀδ = 0 for every row (X̃δ = 0, collinear columns)
change no fitted value and are not separation.

The rows split into the separated set S = {i : aᵢᵀδ > 0 for some δ ∈ C} and the overlap
O = the rest. The separation is *complete* when O is empty (some δ classifies every row
correctly with a positive margin) and *quasi-complete* otherwise. Every δ ∈ C has aᵢᵀδ = 0 on O,
and C spans V = null(X̃_O) (with the collinear directions null(X̃) taken out, V = null(X̃_O) ⊖
null(X̃)); as the fit drives the margins of S to +∞, the coefficients that V leaves at zero
converge, and a coefficient βⱼ with δⱼ ≥ 0 on all of C (and δⱼ > 0 somewhere) runs off to +∞
on every path that maximises the likelihood (−∞ for the mirror case). A coefficient with
δⱼ > 0 for some separating directions and δⱼ < 0 for others is not determined by the data:
where it goes depends on the path a solver takes. With collinear columns the coefficients
themselves are not identified; directions are then taken orthogonal to null(X̃) (in the
scaled columns below), the minimum-norm representatives, so that exact copies of a
separating column run off together.

Everything is decided by linear programs solved with HiGHS (:func:`scipy.optimize.linprog`)
on columns scaled to unit maximum absolute value, so that the tolerances are relative.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.linalg import LinAlgError, cho_factor, cho_solve, lapack, solve

from ..backends.base import one_blas_thread
from ..backends.design import Design
from ..core.functions import sigmoid
from ..core.objective import Objective
from ..core.record import Separation
from .separation_cone import SignedRows, coefficient_directions, separated_rows

_CERTIFICATE_ROWS = 20_000
"""Rows sampled by :func:`overlap_certified` for its bound on the smallest singular value."""

_BLOCK_ROWS = 65_536
"""Rows per block of :func:`_smallest_residual_weight`."""

_CERTIFICATE_MAX_PARAMS = 5000
"""Above this many coefficients :func:`overlap_certified` does not try: its eigenvalue problem
(O(p³)) would cost more than the programs usually do. Below, it is far cheaper than they are:
at 2,001 coefficients and 10⁵ rows a fit takes 24 s with it, and the programs minutes."""

_CERTIFICATE_STEPS = 2
"""Newton steps the one-pass certificate of a Dask fit may take towards the optimum."""

_SAMPLE_NEWTON_STEPS = 6
"""Newton steps on the rows S that :func:`overlap_certified` may take towards S's optimum: from
a fit's θ, even one stochastic epoch's, a few reach a score below rounding."""


def overlap_certified(
    objective: Objective,
    coef: NDArray,
    gram: NDArray | None = None,
    aliased: Sequence[int] = (),
) -> bool:
    """Whether a fit's probabilities prove that the data are not separated, without a program.

    With λᵢ = sᵢ |yᵢ − ŷᵢ| at some θ and r = Aᵀλ = X̃ᵀ(s ⊙ (y − ŷ)), the score (zero at the
    maximum likelihood estimate), any δ ≠ 0 with Aδ ≥ 0 would give, for A of full column rank,

        λ_min σ_min(A) ‖δ‖ ≤ λ_min ‖Aδ‖₁ ≤ λᵀAδ = rᵀδ ≤ ‖r‖ ‖δ‖,

    so λ_min σ_min(A) > ‖r‖ leaves C = {0}: no separation (this is Gordan's theorem of the
    alternative, Aᵀλ = 0 with λ > 0, made quantitative for a score that is only nearly 0). The
    same holds for AD with columns scaled by D and r replaced by Dr; D gives the columns unit
    norm. Any θ will do, and so will any subset S of the rows: a direction with Aδ ≥ 0 has
    A_S δ ≥ 0, so rows that are not separated prove that all of them are not.

    S is every k-th row with sᵢ > 0, about ``_CERTIFICATE_ROWS`` of them (all of them when
    there are fewer than twice as many), and σ_min(A_S D) bounds σ_min(AD) from below. The test is
    made first at the fit's θ with λ and r over every row: a converged fit on overlapping data
    passes it unless some fitted probability is within about ‖r‖/σ_min of 0 or 1. While it
    fails, it is made over S alone at up to ``_SAMPLE_NEWTON_STEPS`` Newton steps on S's own
    likelihood: a fit stopped short of the optimum (one stochastic epoch) is certified at S's
    optimum, where r_S ≈ 0 and λ_min over S is no smaller than over all rows, at the cost of
    products with S alone. On separated data every test fails, and the fit goes to
    :func:`detect_separation`. Designs with more than ``_CERTIFICATE_MAX_PARAMS`` coefficients
    are always left to the programs.

    Over a design read by passes (Dask), λ_min, the score and the Hessian over every row come
    from one pass, and the Hessian takes the Gram matrix's place
    (:func:`_overlap_certified_by_pass`).

    ``gram``, A_SᵀA_S = X̃_SᵀX̃_S over S = :func:`certificate_rows`: given, it is used instead
    of a new one. ``aliased``: the coefficients a fit held at 0 (linear combinations of the
    others); over a design read by passes the test is made on the others' columns.
    """
    if not objective.design.holds_rows:
        return _overlap_certified_by_pass(objective, coef, aliased)
    design = objective.design
    sample, n_kept = _certificate_sample(objective.sample_weight)
    if design.n_params > _CERTIFICATE_MAX_PARAMS or n_kept <= design.n_params:
        return False
    if gram is None:
        gram = design.gram_rows(sample)
    theta = np.asarray(coef, dtype=np.float64)
    if _certified_at(objective, theta, gram, sample):
        return True
    rows = objective if sample is None or sample.size == n_kept else _restricted(objective, sample)
    for _ in range(_SAMPLE_NEWTON_STEPS):
        try:
            theta = theta - cho_solve(cho_factor(rows.hessian(theta)), rows.gradient(theta))
        except (LinAlgError, ValueError):
            return False
        if _certified_at(rows, theta, gram):
            return True
    return False


def certificate_rows(weights: NDArray) -> NDArray | None:
    """S, the rows of :func:`overlap_certified`: every row of positive weight when there are
    fewer than 2 × ``_CERTIFICATE_ROWS`` of them (None when that is every row), else every k-th of
    them, about ``_CERTIFICATE_ROWS`` rows."""
    return _certificate_sample(weights)[0]


def certificate_step(n_rows: int) -> int:
    """k: :func:`overlap_certified` reads every k-th of ``n_rows`` rows, about
    ``_CERTIFICATE_ROWS`` of them (k = 1, all of them, when there are fewer than twice as many)."""
    return max(1, n_rows // _CERTIFICATE_ROWS)


def _certificate_sample(weights: NDArray) -> tuple[NDArray | None, int]:
    """(:func:`certificate_rows`, the number of rows of positive weight), from one pass over
    the weights."""
    positive = weights > 0
    n_kept = int(np.count_nonzero(positive))
    step = certificate_step(n_kept)
    if n_kept == weights.size:
        return (None if step == 1 else np.arange(0, n_kept, step)), n_kept
    return np.flatnonzero(positive)[::step], n_kept


def _certified_at(
    objective: Objective, coef: NDArray, gram: NDArray, sample: NDArray | None = None
) -> bool:
    """λ_min σ_min(A_S D) > 2‖D r‖ with λ and r over the rows of ``objective`` at θ = ``coef``,
    and ``gram`` = A_SᵀA_S over rows S among them.

    σ_min(A_S D) ≤ 1 (D gives A_S unit columns) and λ_min over all rows is at most λ_min over
    S = ``sample``, so when λ_min over S is not above 2‖D r‖ the test fails, and λ over every
    row (a sigmoid per row) is not computed. A large fit stopped at ``tol`` usually fails it:
    ‖r‖ = Σs·‖∇J‖ grows with n, and the steps on S's own likelihood take over.
    """
    smallest = objective.overlap_min(coef)
    if smallest is None:
        z, y, weights = objective.logits(coef), objective.y, objective.sample_weight
        if sample is not None:
            bound = _smallest_residual_weight(z[sample], y[sample], weights[sample])
            if not _certificate_holds(bound, gram, _score(objective, coef), lowest=1.0):
                return False
        smallest = _smallest_residual_weight(z, y, weights)
    if not smallest > 0.0:
        return False
    return _certificate_holds(smallest, gram, _score(objective, coef))


def _score(objective: Objective, coef: NDArray) -> NDArray:
    """r = X̃ᵀ(s ⊙ (y − ŷ)) at θ, the data term's gradient times −Σs (one fused pass, or none
    when the last one was at θ)."""
    data_gradient = Objective.smooth_gradient(objective, coef)
    if objective.penalty.l2_strength != 0.0:
        data_gradient = data_gradient - objective.penalty.smooth_gradient(coef)
    return -objective.total_weight * data_gradient


def _restricted(objective: Objective, rows: NDArray) -> Objective:
    """The objective over ``rows`` alone: their design, labels, weights and offsets."""
    offset = None if objective.offset is None else objective.offset[rows]
    return Objective(
        objective.design.take(rows),
        objective.y[rows],
        objective.sample_weight[rows],
        objective.penalty,
        objective.datafit,
        offset,
    )


def _smallest_residual_weight(z: NDArray, y: NDArray, weights: NDArray) -> float:
    """min over rows with sᵢ > 0 of λᵢ = sᵢ |yᵢ − σ(zᵢ)| = sᵢ σ(−tᵢ zᵢ), tᵢ = 2yᵢ − 1, a block of
    rows at a time so that the temporaries stay small beside X."""
    smallest = np.inf
    for start in range(0, z.shape[0], _BLOCK_ROWS):
        rows = slice(start, start + _BLOCK_ROWS)
        s = weights[rows]
        positive = s > 0
        signed = np.where(y[rows] == 1, -z[rows], z[rows])[positive]
        if signed.size:
            smallest = min(smallest, float(np.min(s[positive] * sigmoid(signed))))
    return smallest


def _overlap_certified_by_pass(
    objective: Objective, coef: NDArray, aliased: Sequence[int] = ()
) -> bool:
    """:func:`overlap_certified` from the sums of one pass over every row of positive weight:
    λ_min = min sᵢ|yᵢ − ŷᵢ|, the score r and the Hessian H = Σ sᵢŷᵢ(1 − ŷᵢ)x̃ᵢx̃ᵢᵀ, which the
    fit's statistics pass at θ̂ brings anyway, so that no Gram matrix of the rows is formed.

    With wᵢ = sᵢŷᵢ(1 − ŷᵢ) and W = diag(w), H = AᵀWA (aᵢ = ±x̃ᵢ), and for Aδ ≥ 0

        ρ σ_min(W^½A) ‖δ‖ ≤ ρ ‖W^½Aδ‖₁ ≤ Σ (λᵢ/√wᵢ) √wᵢ aᵢᵀδ = rᵀδ ≤ ‖r‖ ‖δ‖,

    ρ = minᵢ λᵢ/√wᵢ = minᵢ √sᵢ e^(−tᵢzᵢ/2) ≥ √λ_min (as σ(−m) ≤ e^(−m)). So
    √λ_min σ_min(W^½AD) > 2‖Dr‖, with σ_min(W^½AD)² the smallest eigenvalue of DHD, leaves
    C = {0}, as :func:`overlap_certified`'s test does with the Gram matrix of the rows. For a
    fit whose fitted probabilities reach far towards 0 or 1 it is the stronger test: λ_min
    enters squared there and once here. On 4,000,000 rows the Gram matrix's form failed at θ̂
    with the Gram matrix of 20,000 rows; this one needs none.

    Aliased columns (``aliased``, held at 0 by the fit) make H singular. The test and the
    steps are then made on the other columns K: every column is a combination of those, so
    Aδ = A_K δ' for some δ', and A_K δ' ≥ 0 only for δ' = 0 means Aδ = 0, no separation.

    The certificate holds at any θ whose score is small enough; when it fails at the fit's θ
    (a stochastic solver stops short of the optimum), up to ``_CERTIFICATE_STEPS`` Newton
    steps on the likelihood, one pass each, bring θ closer before giving up.
    """
    design = objective.design
    if design.n_params > _CERTIFICATE_MAX_PARAMS:
        return False
    theta = np.array(coef, dtype=np.float64)
    keep = np.setdiff1d(np.arange(design.n_params), aliased)
    for attempt in range(_CERTIFICATE_STEPS + 1):
        sums = objective.evaluate(theta, ("overlap", "gradient", "hessian"))
        hessian, gradient = sums["hessian"][np.ix_(keep, keep)], sums["gradient"][keep]
        if _certified(sums, hessian, gradient, objective.total_weight):
            return True
        if attempt == _CERTIFICATE_STEPS:
            return False
        try:
            step = solve(hessian, gradient, assume_a="pos")
        except (LinAlgError, ValueError):
            return False
        theta = theta.copy()
        theta[keep] -= step
    return False


def _certified(sums: dict[str, NDArray], hessian: NDArray, gradient: NDArray, total: float) -> bool:
    """√λ_min σ_min(W^½AD) > 2‖D r‖ from a pass's overlap sums and the ``hessian`` and
    ``gradient`` it brought, on the columns tested (:func:`_overlap_certified_by_pass`); the
    pass's weights are sᵢ/Σs, so each is scaled by Σs to its sum over the rows."""
    if sums["overlap_count"] <= len(gradient):
        return False
    smallest = float(sums["overlap_min"]) * total
    if not smallest > 0.0:
        return False
    return _certificate_holds(np.sqrt(smallest), total * hessian, -total * gradient)


def _certificate_holds(
    smallest: float, gram: NDArray, score: NDArray, lowest: float | None = None
) -> bool:
    """λ_min σ_min(A_S D) > 2‖D r‖, with D = diag(gram)^(−½) giving the columns unit norm;
    σ_min(A_S D)² = ``lowest`` when given (1, its largest possible value, for a bound), else the
    smallest eigenvalue of D A_SᵀA_S D.

    That eigenvalue need not be found, only compared with t = (2‖D r‖/λ_min)²: it exceeds t
    exactly when D A_SᵀA_S D − tI has a Cholesky factor: 0.06–0.09 s on 2,001 coefficients,
    against 0.68–0.78 s for the eigenvalues (one BLAS thread). The shift adds k²ε, above
    the factorisation's backward error on a k × k matrix of unit diagonal, so that rounding
    never certifies a matrix whose eigenvalue is at t."""
    diagonal = gram.diagonal()
    if not (np.isfinite(gram).all() and (diagonal > 0.0).all()):
        return False
    scale = 1.0 / np.sqrt(diagonal)
    needed = 2.0 * float(np.linalg.norm(scale * score))
    if lowest is not None:
        return smallest * np.sqrt(max(lowest, 0.0)) > needed
    ratio = needed / smallest if smallest > 0.0 else np.inf
    if not ratio < 1.0:  # the eigenvalues of a unit diagonal average 1
        return False
    k = len(diagonal)
    shifted = gram * scale[:, None] * scale[None, :]
    shifted.flat[:: k + 1] -= ratio**2 + k * k * np.finfo(np.float64).eps
    with one_blas_thread(k):  # see collinear_columns
        _, info = lapack.dpotrf(shifted, lower=1, clean=0, overwrite_a=1)
    return info == 0


def detect_separation(
    design: Design,
    y: ArrayLike,
    sample_weight: ArrayLike | None,
    term_names: list[str],
) -> Separation | None:
    """Detect complete or quasi-complete separation before an unpenalised fit.

    Parameters
    ----------
    design : Design
        The design matrix X̃ (see :mod:`logitkit.backends.design`); whether it has an
        intercept, the coefficient of a column of ones, is the design's ``fit_intercept``.
    y : array of shape (n_samples,)
        Labels 0 and 1.
    sample_weight : array of shape (n_samples,) or None
        Weights sᵢ ≥ 0; rows with sᵢ = 0 play no part. None weighs every row 1.
    term_names : list of str
        The names of the coefficients in order, "Intercept" first when the design has one.

    Returns
    -------
    Separation or None
        None when a finite maximum likelihood estimate exists.

    Notes
    -----
    The separated rows S are found by Konis's linear program, repeated on the rows not yet
    known to be separated, U (at first every row):

        maximise Σ_{i∈U} aᵢᵀδ  subject to  aᵢᵀδ ≥ 0 for every row,  −1 ≤ δⱼ ≤ 1.

    Its optimum is 0 exactly when no row of U can be separated; otherwise the rows of U with a
    positive margin at the solution join S, and the program is solved again. Usually one or
    two programs decide, each solved by row generation (see
    :class:`~logitkit.inference.separation_cone.Cone`), so that a large n costs little more
    than a few products Aδ. The directions of the infinite
    estimates follow from the cone C (see
    :func:`~logitkit.inference.separation_cone.coefficient_directions`): where it spans a
    single direction, its signs are read off; otherwise linear programs over C find, for
    each coefficient, a separating direction that moves it up, one that moves it down, or a
    proof that there is none, at worst about one program per coefficient. A is never formed:
    every pass over the rows is an operation of the design.
    """
    signed = SignedRows(design, y, sample_weight)
    if signed.shape[1] != len(term_names):
        raise ValueError(
            f"term_names has {len(term_names)} names for {signed.shape[1]} coefficients "
            f"(fit_intercept={design.fit_intercept})"
        )
    if signed.shape[0] == 0 or signed.shape[1] == 0:
        return None
    separated, directions = separated_rows(signed)
    if not separated.any():
        return None
    increases, decreases = coefficient_directions(signed, separated, directions)
    terms = {
        name: 1 if up else -1
        for name, up, down in zip(term_names, increases, decreases, strict=True)
        if up != down
    }
    undetermined = tuple(
        name for name, up, down in zip(term_names, increases, decreases, strict=True) if up and down
    )
    kind = "complete" if separated.all() else "quasi-complete"
    return Separation(kind=kind, terms=terms, undetermined=undetermined)
