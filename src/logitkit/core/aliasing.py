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

__all__ = ["ALIAS_TOL", "aliased_columns", "aliased_note", "aliases"]

ALIAS_TOL = 1e-7
_NAMED = 1e-8


_CLEAR = 100.0
"""Residuals above ``_CLEAR`` × tol from the Cholesky factor settle that no column is aliased."""


def aliased_columns(gram: NDArray, tol: float = ALIAS_TOL) -> list[int]:
    """The positions of the aliased columns of a Gram matrix G = X̃ᵀ diag(s) X̃, in order.

    With every column kept, the residuals rⱼ are the squared diagonal of the Cholesky factor L
    of the scaled G (G = LLᵀ gives Gⱼⱼ = Σₖ₍≤ⱼ₎ Lⱼₖ² and G_jK G_KK⁻¹ G_Kj = Σₖ₍<ⱼ₎ Lⱼₖ²), so
    one factorisation answers when all of them clear the tolerance by a wide margin (100·tol,
    far above rounding). Otherwise (a zero column, a residual near or below tol) the columns
    are taken one at a time, each against the ones kept before it.
    """
    diagonal = np.diag(gram).astype(np.float64)
    if np.all(diagonal > 0.0) and np.all(np.isfinite(diagonal)):
        scale = 1.0 / np.sqrt(diagonal)
        try:
            factor = np.linalg.cholesky(gram * scale[:, None] * scale[None, :])
        except np.linalg.LinAlgError:
            factor = None
        if factor is not None and np.all(np.diag(factor) ** 2 > _CLEAR * tol):
            return []
    kept: list[int] = []
    aliased: list[int] = []
    for j, g in enumerate(diagonal):
        if not g > 0.0:
            aliased.append(j)
            continue
        if kept:
            scale = 1.0 / np.sqrt(diagonal[kept] * g)
            cross = gram[kept, j] * scale
            block = _scaled(gram, kept, diagonal)
            residual = 1.0 - cross @ np.linalg.lstsq(block, cross, rcond=None)[0]
            if residual <= tol:
                aliased.append(j)
                continue
        kept.append(j)
    return aliased


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


def _scaled(gram: NDArray, kept: list[int], diagonal: NDArray) -> NDArray:
    """G_KK scaled to unit diagonal."""
    scale = 1.0 / np.sqrt(diagonal[kept])
    return gram[np.ix_(kept, kept)] * scale[:, None] * scale[None, :]
