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

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray
from scipy.linalg import eigh
from scipy.optimize import linprog

from ..backends.design import Design
from ..core.functions import sigmoid
from ..core.objective import Objective

_TOL = 1e-8
"""A margin aᵢᵀδ or a coordinate δⱼ counts as non-zero above _TOL · ‖δ‖∞ (unit max-abs columns)."""

_RANK_TOL = 1e-12
"""Eigenvalues of a unit-diagonal Gram matrix below _RANK_TOL × the largest span its null space."""

_SUBSPACE_TOL = 1e-6
"""Coefficient j is outside V when the projection of eⱼ onto V is shorter than this."""

_FIRST_ROWS = 100
"""The first active subset of a :class:`_Cone` has min(n, _FIRST_ROWS + 2p) rows."""

_CERTIFICATE_ROWS = 20_000
"""Rows sampled by :func:`overlap_certified` for its bound on the smallest singular value."""

_CERTIFICATE_MAX_PARAMS = 1000
"""Above this many coefficients :func:`overlap_certified` does not try."""

_HIGHS_OPTIONS = {"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10}


@dataclass(frozen=True)
class Separation:
    """A finding of separation: the maximum likelihood estimate does not exist.

    Attributes
    ----------
    kind : str
        "complete" (some linear predictor classifies every sample correctly with a positive
        margin) or "quasi-complete" (correctly or on the boundary, and strictly for some).
    terms : dict[str, int]
        Term name → +1 or −1: the direction in which that coefficient's estimate runs off to
        infinity along every path that maximises the likelihood.
    undetermined : tuple[str, ...]
        Terms whose estimates the data do not determine: some separating directions increase
        them and others decrease them, so a fit may leave them finite or drive them to either
        infinity, depending on the solver's path. Empty in most quasi-complete separations.
    """

    kind: str
    terms: dict[str, int]
    undetermined: tuple[str, ...] = ()

    def __str__(self) -> str:
        """One sentence naming the kind, the infinite estimates and the undetermined ones."""
        parts = []
        if self.terms:
            one = len(self.terms) == 1
            listed = _join(
                f"{name!r} ({'+' if sign > 0 else '-'}inf)" for name, sign in self.terms.items()
            )
            parts.append(
                f"the {'estimate' if one else 'estimates'} of {listed} "
                f"{'runs' if one else 'run'} off to infinity"
            )
        if self.undetermined:
            one = len(self.undetermined) == 1
            listed = _join(repr(name) for name in self.undetermined)
            if self.terms:
                subject = "that" if one else "those"
            else:
                subject = "the estimate" if one else "the estimates"
            parts.append(
                f"{subject} of {listed} {'is' if one else 'are'} not determined by the data "
                f"(separating directions move {'it' if one else 'them'} both ways)"
            )
        return f"{self.kind} separation: {', and '.join(parts)}"


def overlap_certified(objective: Objective, coef: NDArray) -> bool:
    """Whether a fit's probabilities prove that the data are not separated, without a program.

    With λᵢ = sᵢ |yᵢ − ŷᵢ| at the fitted θ and r = Aᵀλ = X̃ᵀ(s ⊙ (y − ŷ)), the score (zero at
    the maximum likelihood estimate), any δ ≠ 0 with Aδ ≥ 0 would give, for A of full column
    rank,

        λ_min σ_min(A) ‖δ‖ ≤ λ_min ‖Aδ‖₁ ≤ λᵀAδ = rᵀδ ≤ ‖r‖ ‖δ‖,

    so λ_min σ_min(A) > ‖r‖ leaves C = {0}: no separation (this is Gordan's theorem of the
    alternative, Aᵀλ = 0 with λ > 0, made quantitative for a score that is only nearly 0). The
    same holds for AD with columns scaled by D and r replaced by Dr. σ_min(AD) is bounded below
    by σ_min(A_S D) for a sample S of the rows, since adding rows only adds to (AD)ᵀAD; S is
    every k-th row with sᵢ > 0, about ``_CERTIFICATE_ROWS`` of them, and D gives its columns
    unit norm. The test costs one pass over X and a small Gram matrix, and a converged fit on
    overlapping data passes it unless some fitted probability is within about ‖r‖/σ_min of 0
    or 1; a fit that fails it goes to :func:`detect_separation`. Designs with more than
    ``_CERTIFICATE_MAX_PARAMS`` coefficients are always left to the programs.
    """
    design, y, weights = objective.design, objective.y, objective.sample_weight
    kept = np.flatnonzero(weights > 0)
    if design.n_params > _CERTIFICATE_MAX_PARAMS or kept.size <= design.n_params:
        return False
    z = objective.logits(coef)
    residual = np.where(y[kept] == 1, sigmoid(-z[kept]), sigmoid(z[kept]))
    smallest = float(np.min(weights[kept] * residual))
    if not smallest > 0.0:
        return False
    data_gradient = Objective.smooth_gradient(objective, coef) - objective.penalty.smooth_gradient(
        coef
    )
    score = -weights.sum() * data_gradient  # X̃ᵀ(s ⊙ (y − ŷ)), one (fused) pass over X
    step = max(1, kept.size // _CERTIFICATE_ROWS)
    sample = slice(0, None, step) if kept.size == weights.size else kept[::step]
    rows = design.take(sample)
    gram = rows.weighted_gram(np.ones(rows.n_samples))
    diagonal = np.diag(gram)
    if not np.all(diagonal > 0.0):
        return False
    scale = 1.0 / np.sqrt(diagonal)
    lowest = float(eigh(gram * scale[:, None] * scale[None, :], eigvals_only=True)[0])
    return smallest * np.sqrt(max(lowest, 0.0)) > 2.0 * float(np.linalg.norm(scale * score))


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
    two programs decide, each solved by row generation (see :class:`_Cone`), so that a
    large n costs little more than a few products Aδ. The directions of the infinite
    estimates follow from the cone C (see :func:`_coefficient_directions`): where it spans a
    single direction, its signs are read off; otherwise linear programs over C find, for
    each coefficient, a separating direction that moves it up, one that moves it down, or a
    proof that there is none, at worst about one program per coefficient. A is never formed:
    every pass over the rows is an operation of the design.
    """
    signed = _SignedRows(design, y, sample_weight)
    if signed.shape[1] != len(term_names):
        raise ValueError(
            f"term_names has {len(term_names)} names for {signed.shape[1]} coefficients "
            f"(fit_intercept={design.fit_intercept})"
        )
    if signed.shape[0] == 0 or signed.shape[1] == 0:
        return None
    separated, directions = _separated_rows(signed)
    if not separated.any():
        return None
    increases, decreases = _coefficient_directions(signed, separated, directions)
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


class _SignedRows:
    """The rows aᵢ = tᵢ x̃ᵢ / c of the positive-weight samples, read from the design on demand.

    tᵢ = 2yᵢ − 1 and cⱼ = maxᵢ |x̃ᵢⱼ| over those rows (1 where 0). Dividing column j by
    cⱼ > 0 maps a direction δ to (cⱼδⱼ)ⱼ: signs, margins' signs and the cone's structure are
    unchanged, while the tolerances become relative. The programs need a few rows at a time,
    products Aδ, sums of rows and Gram matrices AᵀA, each one operation of the design, so A
    (and a float64 copy of X) is never formed.
    """

    def __init__(self, design: Design, y: ArrayLike, sample_weight: ArrayLike | None) -> None:
        labels = np.asarray(y, dtype=np.float64).ravel()
        keep = (
            np.ones(labels.shape[0], dtype=bool)
            if sample_weight is None
            else np.asarray(sample_weight, dtype=np.float64).ravel() > 0
        )
        self.design = design
        self.kept = np.flatnonzero(keep)
        self.rows = None if self.kept.size == labels.shape[0] else self.kept
        self.signs = 2.0 * labels[self.kept] - 1.0
        scale = design.column_abs_max(self.rows)
        scale[scale == 0.0] = 1.0
        self.scale = scale
        self.shape = (self.kept.size, design.n_params)

    def __getitem__(self, rows: NDArray) -> sp.csr_array:
        """The rows aᵢ, i ∈ rows, as a CSR array (a form HiGHS takes)."""
        return self._signed(self.design.submatrix(self.kept[rows]), self.signs[rows], self.scale)

    def columns(self, columns: NDArray) -> sp.csr_array:
        """The columns A[:, columns] of every row, as a CSR array."""
        block = self.design.submatrix(self.rows, columns)
        return self._signed(block, self.signs, self.scale[columns])

    @staticmethod
    def _signed(block: sp.csr_array, signs: NDArray, scale: NDArray) -> sp.csr_array:
        """diag(t) B diag(1/c): rows of X̃ signed and columns scaled."""
        return sp.csr_array(sp.diags_array(signs) @ block @ sp.diags_array(1.0 / scale))

    def __matmul__(self, direction: NDArray) -> NDArray:
        """Aδ = t ⊙ (X̃ (δ / c)), in float64."""
        return self.signs * self.design.matvec_rows(direction / self.scale, self.rows)

    def row_sum(self, rows: NDArray) -> NDArray:
        """Σ_{i ∈ rows} aᵢ = X̃_rowsᵀ t_rows / c, for distinct row indices ``rows``."""
        subset = self.rows if rows.size == self.kept.size else self.kept[rows]
        return self.design.rmatvec_rows(self.signs[rows], subset) / self.scale

    def gram(self, rows: NDArray | None = None) -> NDArray:
        """AᵀA over the rows ``rows`` (every row when None): D⁻¹ X̃ᵀX̃ D⁻¹ with D = diag(c),
        since tᵢ² = 1; in float64."""
        subset = self.rows if rows is None else self.kept[rows]
        return self.design.gram_rows(subset) / np.outer(self.scale, self.scale)


class _Cone:
    """Linear programs over the cone C = {δ : Aδ ≥ 0, Nᵀδ = 0} ∩ [−1, 1]^p, by row generation.

    N (orthonormal columns, possibly none) spans the collinear directions L, which move no
    margin. A vertex needs only a few rows of A, so HiGHS solves each program on an active
    subset of rows (at first an evenly spaced sample of min(n, 100 + 2p)); the solution δ is
    checked against every row, and the most violated rows (at most as many again) join the
    subset, until Aδ ≥ −_TOL · ‖δ‖∞. A relaxed program has a larger feasible set, so a
    solution that satisfies every row solves the full program. The active subset carries
    over from one program to the next, as they share their binding rows.
    """

    def __init__(self, signed: _SignedRows | sp.csr_array, collinear: NDArray) -> None:
        self.signed = signed
        self.collinear = collinear
        n_rows, n_params = signed.shape
        self.batch = min(n_rows, _FIRST_ROWS + 2 * n_params)
        self.active = np.zeros(n_rows, dtype=bool)
        self.active[np.linspace(0, n_rows - 1, self.batch).astype(np.intp)] = True

    def maximise(self, cost: NDArray) -> tuple[NDArray, NDArray]:
        """A solution of max costᵀδ subject to Aδ ≥ 0, Nᵀδ = 0, −1 ≤ δ ≤ 1, and its margins Aδ.

        Solved by HiGHS (:func:`scipy.optimize.linprog`), the cost scaled to ‖cost‖∞ = 1.
        """
        cost = cost / np.max(np.abs(cost))
        equality = self.collinear.T if self.collinear.shape[1] else None
        while True:
            active = np.flatnonzero(self.active)
            result = linprog(
                -cost,
                A_ub=-self.signed[active],
                b_ub=np.zeros(active.size),
                A_eq=equality,
                b_eq=None if equality is None else np.zeros(equality.shape[0]),
                bounds=(-1.0, 1.0),
                method="highs",
                options=_HIGHS_OPTIONS,
            )
            if result.status != 0:
                raise RuntimeError(
                    f"separation check: HiGHS failed on its linear program: {result.message}"
                )
            solution = np.asarray(result.x)
            margins = np.asarray(self.signed @ solution).ravel()
            if not self._add_violated(solution, margins):
                return solution, margins

    def _add_violated(self, point: NDArray, margins: NDArray) -> bool:
        """Add the most violated rows to the active subset; whether any row was violated."""
        violated = np.flatnonzero(~self.active & (margins < -_TOL * np.max(np.abs(point))))
        worst = violated[np.argsort(margins[violated])[: self.batch]]
        self.active[worst] = True
        return worst.size > 0


def _separated_rows(signed: _SignedRows) -> tuple[NDArray, list[NDArray]]:
    """The rows S that some δ ∈ C separates, and the solutions δ (scaled to ‖δ‖∞ = 1) found.

    Repeats Konis's program max Σ_{i∈U} aᵢᵀδ over C ∩ [−1, 1]^p, U = the rows not yet in S,
    until it adds no row. Each solution lies in C, so their sum has aᵢᵀδ > 0 on all of S.
    """
    separated = np.zeros(signed.shape[0], dtype=bool)
    directions: list[NDArray] = []
    cone = _Cone(signed, np.zeros((signed.shape[1], 0)))
    while True:
        rows = np.flatnonzero(~separated)
        cost = signed.row_sum(rows)
        if not np.any(cost):
            break
        direction, margins = cone.maximise(cost)
        size = np.max(np.abs(direction))
        new = ~separated & (margins > _TOL * size)
        if not new.any():
            break
        separated |= new
        directions.append(direction / size)
    return separated, directions


def _coefficient_directions(
    signed: _SignedRows, separated: NDArray, directions: list[NDArray]
) -> tuple[NDArray, NDArray]:
    """For each coefficient j: whether some δ ∈ C ⊖ L has δⱼ > 0, and whether some has δⱼ < 0.

    L = null(A) holds the collinear directions, which move no margin: δ is taken orthogonal
    to it (Nᵀδ = 0 for an orthonormal basis N of L). C spans V = null(A_O) ⊖ L, whose
    dimension is dim null(A_O) − dim L and whose support is the set of j with
    ‖Z_j‖² − ‖N_j‖² > 0 (Z an orthonormal basis of null(A_O), identity when O is empty).
    When V has dimension one (or numerically none), C is the ray through the sum of the
    separating directions found. Otherwise the linear program

        max ±Σ_{j∈T} δⱼ  subject to  Aδ ≥ 0,  Nᵀδ = 0,  −1 ≤ δ ≤ 1,

    over the support (δⱼ = 0 off it, and rows that are zero there drop out), with T = the
    coefficients whose sign of that kind no solution has shown yet, is repeated while it
    shows new ones (one vertex often shows many); then T = {j} settles each one left: a zero
    optimum proves that δⱼ never takes that sign.
    """
    n_params = signed.shape[1]
    collinear = _null_space(signed.gram())
    overlap = np.flatnonzero(~separated)
    if overlap.size:
        spanning = _null_space(signed.gram(overlap))
        reach, dim = np.sum(spanning**2, axis=1), spanning.shape[1]
    else:
        reach, dim = np.ones(n_params), n_params
    support = reach - np.sum(collinear**2, axis=1) > _SUBSPACE_TOL**2
    dim -= collinear.shape[1]
    increases = np.zeros(n_params, dtype=bool)
    decreases = np.zeros(n_params, dtype=bool)

    def observe(direction: NDArray, mask: NDArray) -> None:
        """Record the signs of δⱼ beyond _TOL · ‖δ‖∞ for the coefficients in mask."""
        threshold = _TOL * np.max(np.abs(direction))
        increases[:] |= mask & (direction > threshold)
        decreases[:] |= mask & (direction < -threshold)

    central = _project_out(np.sum(directions, axis=0), collinear)
    if dim <= 1:
        observe(central, np.ones(n_params, dtype=bool))
        return increases, decreases
    for direction in directions:
        observe(_project_out(direction, collinear), support)
    columns = np.flatnonzero(support)
    block = signed.columns(columns)
    touching = np.flatnonzero(np.asarray(abs(block).sum(axis=1)).ravel() > 0)
    cone = _Cone(block[touching], collinear[columns])

    def explore(cost: NDArray) -> None:
        """Maximise costᵀδ over the cone on the support and record the solution's signs."""
        direction = np.zeros(n_params)
        direction[columns] = cone.maximise(cost[columns])[0]
        observe(direction, support)

    for sign, seen in ((1.0, increases), (-1.0, decreases)):
        found = -1
        while found < np.count_nonzero(seen) and (support & ~seen).any():
            found = np.count_nonzero(seen)
            explore(sign * (support & ~seen))
    for j in columns:
        for sign, seen in ((1.0, increases), (-1.0, decreases)):
            if not seen[j]:
                explore(sign * (np.arange(n_params) == j))
    return increases, decreases


def _null_space(gram: NDArray) -> NDArray:
    """An orthonormal basis of the null space of M from G = MᵀM (p × k, k = 0 when none).

    G is scaled to unit diagonal, D^(−½) G D^(−½), so column scales do not matter;
    eigenvectors u with eigenvalue below _RANK_TOL × the largest give null vectors D^(−½)u,
    and a column of zeros gives its unit vector.
    """
    diagonal = np.diag(gram)
    live = np.flatnonzero(diagonal > 0.0)
    dead = np.flatnonzero(diagonal <= 0.0)
    vectors = np.zeros((gram.shape[0], 0))
    if live.size:
        scale = 1.0 / np.sqrt(diagonal[live])
        values, eigenvectors = eigh(gram[np.ix_(live, live)] * scale[:, None] * scale[None, :])
        null = eigenvectors[:, values <= _RANK_TOL * values[-1]] * scale[:, None]
        vectors = np.zeros((gram.shape[0], null.shape[1]))
        vectors[live] = null
    units = np.zeros((gram.shape[0], dead.size))
    units[dead, np.arange(dead.size)] = 1.0
    spanning = np.column_stack((vectors, units))
    if spanning.shape[1] == 0:
        return spanning
    orthonormal, _ = np.linalg.qr(spanning)
    return orthonormal


def _project_out(vectors: NDArray, basis: NDArray) -> NDArray:
    """(I − QQᵀ)v: the part of v orthogonal to the orthonormal columns Q."""
    return vectors - basis @ (basis.T @ vectors)


def _join(names: Iterable[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    items = list(names)
    if len(items) == 1:
        return items[0]
    return f"{', '.join(items[:-1])} and {items[-1]}"
