"""The cone of separating directions and the linear programs over it (Konis, 2007).

With aᵢ = tᵢ x̃ᵢ (tᵢ = 2yᵢ − 1), the separating directions form the cone
C = {δ : aᵢᵀδ ≥ 0 for every row with sᵢ > 0}; :mod:`logitkit.inference.separation` says what
they mean for the fit. Here: the signed rows read from the design on demand (A is never
formed), Konis's row-generation linear programs that find the separated rows, and the
programs over C that give each coefficient's direction, all on columns scaled to unit maximum
absolute value, solved with HiGHS (:func:`scipy.optimize.linprog`).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray
from scipy.linalg import eigh
from scipy.optimize import linprog

from ..backends.design import Design

TOL = 1e-8
"""A margin aᵢᵀδ or a coordinate δⱼ counts as non-zero above TOL · ‖δ‖∞ (unit max-abs columns)."""

RANK_TOL = 1e-12
"""Eigenvalues of a unit-diagonal Gram matrix below RANK_TOL × the largest span its null space."""

SUBSPACE_TOL = 1e-6
"""Coefficient j is outside V when the projection of eⱼ onto V is shorter than this."""

FIRST_ROWS = 100
"""The first active subset of a :class:`Cone` has min(n, FIRST_ROWS + 2p) rows."""


HIGHS_OPTIONS = {"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10}


class SignedRows:
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


class Cone:
    """Linear programs over the cone C = {δ : Aδ ≥ 0, Nᵀδ = 0} ∩ [−1, 1]^p, by row generation.

    N (orthonormal columns, possibly none) spans the collinear directions L, which move no
    margin. A vertex needs only a few rows of A, so HiGHS solves each program on an active
    subset of rows (at first an evenly spaced sample of min(n, 100 + 2p)); the solution δ is
    checked against every row, and the most violated rows (at most as many again) join the
    subset, until Aδ ≥ −TOL · ‖δ‖∞. A relaxed program has a larger feasible set, so a
    solution that satisfies every row solves the full program. The active subset carries
    over from one program to the next, as they share their binding rows.
    """

    def __init__(self, signed: SignedRows | sp.csr_array, collinear: NDArray) -> None:
        self.signed = signed
        self.collinear = collinear
        n_rows, n_params = signed.shape
        self.batch = min(n_rows, FIRST_ROWS + 2 * n_params)
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
                options=HIGHS_OPTIONS,
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
        violated = np.flatnonzero(~self.active & (margins < -TOL * np.max(np.abs(point))))
        worst = violated[np.argsort(margins[violated])[: self.batch]]
        self.active[worst] = True
        return worst.size > 0


def separated_rows(signed: SignedRows) -> tuple[NDArray, list[NDArray]]:
    """The rows S that some δ ∈ C separates, and the solutions δ (scaled to ‖δ‖∞ = 1) found.

    Repeats Konis's program max Σ_{i∈U} aᵢᵀδ over C ∩ [−1, 1]^p, U = the rows not yet in S,
    until it adds no row. Each solution lies in C, so their sum has aᵢᵀδ > 0 on all of S.
    """
    separated = np.zeros(signed.shape[0], dtype=bool)
    directions: list[NDArray] = []
    cone = Cone(signed, np.zeros((signed.shape[1], 0)))
    while True:
        rows = np.flatnonzero(~separated)
        cost = signed.row_sum(rows)
        if not np.any(cost):
            break
        direction, margins = cone.maximise(cost)
        size = np.max(np.abs(direction))
        new = ~separated & (margins > TOL * size)
        if not new.any():
            break
        separated |= new
        directions.append(direction / size)
    return separated, directions


def coefficient_directions(
    signed: SignedRows, separated: NDArray, directions: list[NDArray]
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
    collinear = null_space(signed.gram())
    overlap = np.flatnonzero(~separated)
    if overlap.size:
        spanning = null_space(signed.gram(overlap))
        reach, dim = np.sum(spanning**2, axis=1), spanning.shape[1]
    else:
        reach, dim = np.ones(n_params), n_params
    support = reach - np.sum(collinear**2, axis=1) > SUBSPACE_TOL**2
    dim -= collinear.shape[1]
    increases = np.zeros(n_params, dtype=bool)
    decreases = np.zeros(n_params, dtype=bool)

    def observe(direction: NDArray, mask: NDArray) -> None:
        """Record the signs of δⱼ beyond TOL · ‖δ‖∞ for the coefficients in mask."""
        threshold = TOL * np.max(np.abs(direction))
        increases[:] |= mask & (direction > threshold)
        decreases[:] |= mask & (direction < -threshold)

    central = project_out(np.sum(directions, axis=0), collinear)
    if dim <= 1:
        observe(central, np.ones(n_params, dtype=bool))
        return increases, decreases
    for direction in directions:
        observe(project_out(direction, collinear), support)
    columns = np.flatnonzero(support)
    block = signed.columns(columns)
    touching = np.flatnonzero(np.asarray(abs(block).sum(axis=1)).ravel() > 0)
    cone = Cone(block[touching], collinear[columns])

    def explore(cost: NDArray) -> None:
        """Maximise costᵀδ over the cone on the support and record the solution's signs."""
        direction = np.zeros(n_params)
        direction[columns] = cone.maximise(cost[columns])[0]
        observe(direction, support)

    for sign, seen in ((1.0, increases), (-1.0, decreases)):
        found = -1
        while found < np.count_nonzero(seen) and (support & ~seen).any():
            found = int(np.count_nonzero(seen))
            explore(sign * (support & ~seen))
    for j in columns:
        for sign, seen in ((1.0, increases), (-1.0, decreases)):
            if not seen[j]:
                explore(sign * (np.arange(n_params) == j))
    return increases, decreases


def null_space(gram: NDArray) -> NDArray:
    """An orthonormal basis of the null space of M from G = MᵀM (p × k, k = 0 when none).

    G is scaled to unit diagonal, D^(−½) G D^(−½), so column scales do not matter;
    eigenvectors u with eigenvalue below RANK_TOL × the largest give null vectors D^(−½)u,
    and a column of zeros gives its unit vector.
    """
    diagonal = np.diag(gram)
    live = np.flatnonzero(diagonal > 0.0)
    dead = np.flatnonzero(diagonal <= 0.0)
    vectors = np.zeros((gram.shape[0], 0))
    if live.size:
        scale = 1.0 / np.sqrt(diagonal[live])
        values, eigenvectors = eigh(gram[np.ix_(live, live)] * scale[:, None] * scale[None, :])
        null = eigenvectors[:, values <= RANK_TOL * values[-1]] * scale[:, None]
        vectors = np.zeros((gram.shape[0], null.shape[1]))
        vectors[live] = null
    units = np.zeros((gram.shape[0], dead.size))
    units[dead, np.arange(dead.size)] = 1.0
    spanning = np.column_stack((vectors, units))
    if spanning.shape[1] == 0:
        return spanning
    orthonormal, _ = np.linalg.qr(spanning)
    return orthonormal


def project_out(vectors: NDArray, basis: NDArray) -> NDArray:
    """(I − QQᵀ)v: the part of v orthogonal to the orthonormal columns Q."""
    return vectors - basis @ (basis.T @ vectors)
