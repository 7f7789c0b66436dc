"""Aliased coefficients: columns of the design that are linear combinations of earlier ones.

As R's ``glm`` does (its pivoted QR keeps the columns in order and drops a column that lies in
the span of the ones before it), a column j of X̃ is aliased when, with G = X̃ᵀ diag(s) X̃
scaled to unit diagonal (a zero column is aliased outright), its residual after projection on
the kept earlier columns K,

    rⱼ = Gⱼⱼ − G_jK G_KK⁻¹ G_Kj,

is at most ``tol`` (1e-7, R's ``glm.control`` tolerance for the QR). An aliased coefficient is
not estimable: the fit holds it at 0 and reports it as NaN, and it does not count in the
degrees of freedom. Its relation to the kept columns, x̃ⱼ = Σ_{k∈K} a_k x̃_k with
a = G_KK⁻¹ G_Kj, names the columns it is aliased with.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray
from scipy.linalg import lapack, solve_triangular

__all__ = ["ALIAS_TOL", "aliased_columns", "aliased_note", "aliases", "clear_from_rows"]

ALIAS_TOL = 1e-7
_NAMED = 1e-8


_CLEAR = 100.0
"""Residuals above ``_CLEAR`` × tol from the Cholesky factor settle that no column is aliased."""


def aliased_columns(gram: NDArray, tol: float = ALIAS_TOL) -> list[int]:
    """The positions of the aliased columns of a Gram matrix G = X̃ᵀ diag(s) X̃, in order.

    Scaled to unit diagonal, G = LLᵀ gives column j's residual against every column before it
    as the squared pivot Lⱼⱼ² (Gⱼⱼ = Σₖ₍≤ⱼ₎ Lⱼₖ² and G_jK G_KK⁻¹ G_Kj = Σₖ₍<ⱼ₎ Lⱼₖ²), so one
    factorisation answers when every pivot clears the tolerance by a wide margin (100·tol, far
    above rounding). Otherwise the columns are settled in order, in blocks: the columns before
    the first small pivot are kept, that column is aliased, and the rest continue from the
    Schur complement S = G_RR − G_RK G_KK⁻¹ G_KR, whose diagonal is each remaining column's
    residual against the columns kept so far. A residual at most tol there aliases the column
    at once (against more kept columns it can only shrink); the others are factorised again.
    Each round costs O(p³) at most, and rounds come only where a column is aliased.
    """
    diagonal = np.diag(gram).astype(np.float64)
    usable = (diagonal > 0.0) & np.isfinite(diagonal)
    aliased = [int(j) for j in np.flatnonzero(~usable)]
    remaining = np.flatnonzero(usable)
    scale = 1.0 / np.sqrt(diagonal[remaining])
    usable_gram = gram[np.ix_(remaining, remaining)] if aliased else gram
    schur = usable_gram * scale[:, None] * scale[None, :]
    if not aliased and _all_pivots_clear(schur, _CLEAR * tol):
        return []
    while remaining.size:
        small = np.diag(schur) <= tol
        aliased.extend(int(j) for j in remaining[small])
        remaining, schur = remaining[~small], schur[np.ix_(~small, ~small)]
        found = _first_small_pivot(schur, tol)
        if found is None:
            break
        first, factor = found
        aliased.append(int(remaining[first]))
        kept, rest = slice(0, first), slice(first + 1, None)
        cross = solve_triangular(factor[kept, kept], schur[kept, rest], lower=True)
        remaining = remaining[rest]
        schur = schur[rest, rest] - cross.T @ cross
    return sorted(aliased)


def clear_from_rows(gram: NDArray, sq_norms: NDArray, tol: float = ALIAS_TOL) -> bool:
    """Whether the Gram matrix G_S = X̃_SᵀX̃_S of some rows S proves that no column of X̃ is
    aliased over all its rows R ⊇ S, given the columns' squared norms over R, ‖x̃ⱼ‖²_R.

    Column j's residual against the columns K before it is a least-squares minimum, and over
    more rows every candidate's squared error is at least as large, so

        rⱼ = min_c ‖x̃ⱼ − X̃_K c‖²_R / ‖x̃ⱼ‖²_R ≥ r_S,ⱼ ‖x̃ⱼ‖²_S / ‖x̃ⱼ‖²_R,

    r_S,ⱼ the squared pivot of G_S's Cholesky factor in unit-diagonal scaling. When every
    bound clears ``_CLEAR`` × tol, as :func:`aliased_columns` asks of its own pivots, no column
    is aliased; otherwise G over all the rows must decide.
    """
    diagonal = np.diag(gram).astype(np.float64)
    if not (np.all(diagonal > 0.0) and np.all(np.isfinite(diagonal))):
        return False
    scale = 1.0 / np.sqrt(diagonal)
    factor, info = lapack.dpotrf(gram * scale[:, None] * scale[None, :], lower=1, clean=0)
    if info != 0:
        return False
    share = diagonal / np.asarray(sq_norms, dtype=np.float64)
    return bool(np.all(np.diag(factor) ** 2 * share > _CLEAR * tol))


def _all_pivots_clear(matrix: NDArray, floor: float) -> bool:
    """Whether the Cholesky factor of ``matrix`` exists with every squared pivot above floor."""
    factor, info = lapack.dpotrf(matrix, lower=1, clean=0)
    return info == 0 and bool((factor.diagonal() ** 2 > floor).all())


def _first_small_pivot(matrix: NDArray, tol: float) -> tuple[int, NDArray] | None:
    """The first column whose squared Cholesky pivot is at most ``tol`` (or where the
    factorisation breaks down), with the factor, whose lower triangle is exact before that
    column; None when every pivot is larger."""
    if matrix.shape[0] == 0:
        return None
    factor, info = lapack.dpotrf(matrix, lower=1, clean=0)
    valid = matrix.shape[0] if info == 0 else info - 1
    pivots = np.diag(factor)[:valid] ** 2
    small = np.flatnonzero(~(pivots > tol))
    if small.size:
        return int(small[0]), factor
    return None if info == 0 else (valid, factor)


def aliases(gram: NDArray, aliased: Sequence[int], names: Sequence[str]) -> dict[str, list[str]]:
    """Each aliased column's name → the names of the kept columns it is a combination of
    (those with |a_k| > 1e-8 in x̃ⱼ = Σ a_k x̃_k); an empty list for a column of zeros."""
    kept = [k for k in range(len(names)) if k not in set(aliased)]
    result: dict[str, list[str]] = {}
    for j in aliased:
        if not kept or not gram[j, j] > 0.0:
            result[names[j]] = []
            continue
        coefficients = np.linalg.lstsq(gram[np.ix_(kept, kept)], gram[kept, j], rcond=None)[0]
        size = np.abs(coefficients) * np.sqrt(np.diag(gram)[kept] / gram[j, j])
        result[names[j]] = [names[k] for k, a in zip(kept, size, strict=True) if a > _NAMED]
    return result


def aliased_note(aliased: dict[str, list[str]]) -> list[str]:
    """The summary's lines on aliased coefficients: which, and aliased with which."""
    if not aliased:
        return []
    lines = []
    for name, partners in aliased.items():
        with_ = ", ".join(repr(partner) for partner in partners)
        lines.append(
            f"Note: {name!r} is aliased with {with_} (a linear combination of them)"
            if partners
            else f"Note: {name!r} is a column of zeros"
        )
    lines.append(
        "Aliased coefficients are not estimable: they are held at 0 and shown as NaN. Drop "
        "the redundant column(s), or add a penalty (alpha > 0)."
    )
    return lines
