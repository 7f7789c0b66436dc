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

from collections.abc import Iterator

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray
from scipy.linalg import eigh
from scipy.optimize import linprog

from ..core.functions import sigmoid
from ..core.objective import Objective
from ..core.record import Separation

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
    X: NDArray | sp.sparray | sp.spmatrix,
    y: ArrayLike,
    sample_weight: ArrayLike | None,
    term_names: list[str],
    fit_intercept: bool,
) -> Separation | None:
    """Detect complete or quasi-complete separation before an unpenalised fit.

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n_samples, n_features)
        The validated numeric design without the intercept column.
    y : array of shape (n_samples,)
        Labels 0 and 1.
    sample_weight : array of shape (n_samples,) or None
        Weights sᵢ ≥ 0; rows with sᵢ = 0 play no part. None weighs every row 1.
    term_names : list of str
        The names of the coefficients in order, "Intercept" first when ``fit_intercept``.
    fit_intercept : bool
        Whether the model has an intercept, the coefficient of a column of ones.

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
    proof that there is none, at worst about one program per coefficient.
    """
    signed = (
        _signed_design(X, y, sample_weight, fit_intercept)
        if sp.issparse(X)
        else _SignedRows(np.asarray(X), y, sample_weight, fit_intercept)
    )
    if signed.shape[1] != len(term_names):
        raise ValueError(
            f"term_names has {len(term_names)} names for {signed.shape[1]} coefficients "
            f"(fit_intercept={fit_intercept})"
        )
    if signed.shape[0] == 0 or signed.shape[1] == 0:
        return None
    separated, directions = _separated_rows(signed)
    if not separated.any():
        return None
    if isinstance(signed, _SignedRows):
        signed = signed.materialise()
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


def _signed_design(
    X: NDArray | sp.sparray | sp.spmatrix,
    y: ArrayLike,
    sample_weight: ArrayLike | None,
    fit_intercept: bool,
) -> NDArray | sp.csr_array:
    """Rows aᵢ = tᵢ x̃ᵢ / c of the positive-weight samples, cⱼ = maxᵢ |x̃ᵢⱼ| (1 where 0).

    Dividing column j by cⱼ > 0 maps a direction δ to (cⱼδⱼ)ⱼ: signs, margins' signs and
    the cone's structure are unchanged, while the tolerances become relative.
    """
    labels = np.asarray(y, dtype=np.float64).ravel()
    keep = (
        np.ones(labels.shape[0], dtype=bool)
        if sample_weight is None
        else np.asarray(sample_weight, dtype=np.float64).ravel() > 0
    )
    rows = np.flatnonzero(keep)
    signs = 2.0 * labels[rows] - 1.0
    if sp.issparse(X):
        design = sp.csr_array(X, dtype=np.float64)[rows]
        if fit_intercept:
            design = sp.hstack([np.ones((rows.size, 1)), design], format="csr")
        signed = sp.csr_array(sp.diags_array(signs) @ design)
        scale = np.asarray(abs(signed).max(axis=0).toarray()).ravel()
        scale[scale == 0.0] = 1.0
        return sp.csr_array(signed @ sp.diags_array(1.0 / scale))
    design = np.asarray(X, dtype=np.float64)[rows]
    if fit_intercept:
        design = np.column_stack((np.ones(rows.size), design))
    signed = design * signs[:, None]
    scale = np.abs(signed).max(axis=0, initial=0.0)
    scale[scale == 0.0] = 1.0
    return signed / scale


class _SignedRows:
    """The rows aᵢ = tᵢ x̃ᵢ / c of :func:`_signed_design` for a dense X, without copying X.

    Konis's first programs need only a few rows at a time, products Aδ and sums of rows, all
    computed from X by blocks; a finding of separation then materialises A for the rest.
    """

    _BLOCK = 1 << 16

    def __init__(
        self, X: NDArray, y: ArrayLike, sample_weight: ArrayLike | None, fit_intercept: bool
    ) -> None:
        labels = np.asarray(y, dtype=np.float64).ravel()
        keep = (
            np.ones(labels.shape[0], dtype=bool)
            if sample_weight is None
            else np.asarray(sample_weight, dtype=np.float64).ravel() > 0
        )
        self.X, self.y, self.sample_weight = X, y, sample_weight
        self.fit_intercept = fit_intercept
        self.rows = np.flatnonzero(keep)
        self.signs = 2.0 * labels[self.rows] - 1.0
        self.dense = self.rows.size == labels.shape[0]
        self.scale = self._column_scale()
        self.shape = (self.rows.size, X.shape[1] + int(fit_intercept))

    def _column_scale(self) -> NDArray:
        """cⱼ = maxᵢ |x̃ᵢⱼ| over the kept rows (1 where 0), by blocks."""
        scale = np.zeros(self.X.shape[1])
        for start in range(0, self.rows.size, self._BLOCK):
            stop = start + self._BLOCK
            block = self.X[start:stop] if self.dense else self.X[self.rows[start:stop]]
            if block.shape[0]:
                np.maximum(scale, block.max(axis=0), out=scale)
                np.maximum(scale, -block.min(axis=0), out=scale)
        if self.fit_intercept:
            scale = np.concatenate(([1.0], scale))
        scale[scale == 0.0] = 1.0
        return scale

    def __getitem__(self, rows: NDArray) -> NDArray:
        """The rows aᵢ, i ∈ rows, as a dense array."""
        block = np.asarray(self.X[self.rows[rows]], dtype=np.float64)
        if self.fit_intercept:
            block = np.column_stack((np.ones(block.shape[0]), block))
        return block * (self.signs[rows, None] / self.scale[None, :])

    def __matmul__(self, direction: NDArray) -> NDArray:
        """Aδ = t ⊙ (X̃ (δ / c))."""
        scaled = direction / self.scale
        weights = scaled[1:] if self.fit_intercept else scaled
        X = self.X if self.dense else self.X[self.rows]
        margins = np.concatenate([block @ weights for block in _float64_blocks(X)] or [np.empty(0)])
        if self.fit_intercept:
            margins += scaled[0]
        return self.signs * margins

    def row_sum(self, rows: NDArray) -> NDArray:
        """Σ_{i ∈ rows} aᵢ = (X̃ᵀ t)_rows / c."""
        X, signs = (
            (self.X, self.signs)
            if self.dense and rows.size == self.rows.size
            else (self.X[self.rows[rows]], self.signs[rows])
        )
        total = np.zeros(X.shape[1])
        start = 0
        for block in _float64_blocks(X):
            total += block.T @ signs[start : start + block.shape[0]]
            start += block.shape[0]
        if self.fit_intercept:
            total = np.concatenate(([self.signs[rows].sum()], total))
        return total / self.scale

    def materialise(self) -> NDArray:
        """A as a dense array, for the programs that follow a finding of separation."""
        return _signed_design(self.X, self.y, self.sample_weight, self.fit_intercept)


def _float64_blocks(X: NDArray) -> Iterator[NDArray]:
    """The rows of a dense X in float64: X itself when it is float64, else blocks of about
    2¹⁸ entries converted one at a time, so that float32 data is never copied whole."""
    if X.dtype == np.float64:
        yield X
        return
    rows = max(256, (1 << 18) // max(X.shape[1], 1))
    for start in range(0, X.shape[0], rows):
        yield X[start : start + rows].astype(np.float64)


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

    def __init__(self, signed: NDArray | sp.csr_array, collinear: NDArray) -> None:
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


def _separated_rows(signed: NDArray | sp.csr_array) -> tuple[NDArray, list[NDArray]]:
    """The rows S that some δ ∈ C separates, and the solutions δ (scaled to ‖δ‖∞ = 1) found.

    Repeats Konis's program max Σ_{i∈U} aᵢᵀδ over C ∩ [−1, 1]^p, U = the rows not yet in S,
    until it adds no row. Each solution lies in C, so their sum has aᵢᵀδ > 0 on all of S.
    """
    separated = np.zeros(signed.shape[0], dtype=bool)
    directions: list[NDArray] = []
    cone = _Cone(signed, np.zeros((signed.shape[1], 0)))
    while True:
        rows = np.flatnonzero(~separated)
        cost = (
            signed.row_sum(rows)
            if isinstance(signed, _SignedRows)
            else np.asarray(signed[rows].sum(axis=0)).ravel()
        )
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
    signed: NDArray | sp.csr_array, separated: NDArray, directions: list[NDArray]
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
    collinear = _null_space(_gram(signed))
    overlap = np.flatnonzero(~separated)
    if overlap.size:
        spanning = _null_space(_gram(signed[overlap]))
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
    block = signed[:, columns]
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


def _gram(matrix: NDArray | sp.csr_array) -> NDArray:
    """MᵀM as a dense array."""
    product = matrix.T @ matrix
    return product.toarray() if sp.issparse(product) else np.asarray(product)


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
