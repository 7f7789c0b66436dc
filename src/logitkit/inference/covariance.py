"""Covariances of the estimate (the Wald table and the intervals are in
:mod:`logitkit.inference.intervals`).

Pure functions of small arrays: they never fit a model. Conventions, for P coefficients
θ = (b, w) (intercept first), frequency weights sᵢ, fitted ŷᵢ = σ(x̃ᵢᵀθ̂) and n = Σ sᵢ:

    I   = X̃ᵀ diag(s ⊙ ŷ(1 − ŷ)) X̃                  the information (sum scale, P×P)
    M   = Σᵢ sᵢ (yᵢ − ŷᵢ)² x̃ᵢ x̃ᵢᵀ                   the HC0 meat (a row of weight w is w rows)
    u_g = Σ_{i ∈ g} sᵢ (yᵢ − ŷᵢ) x̃ᵢ                  the score summed within cluster g

and the covariances

    nonrobust  V = I⁻¹
    HC0        V = I⁻¹ M I⁻¹
    HC1        V = n/(n − P) · I⁻¹ M I⁻¹             (R sandwich's and Stata's HC1)
    cluster    V = G/(G − 1) · (n − 1)/(n − P) · I⁻¹ (Σ_g u_g u_gᵀ) I⁻¹

The cluster factor is the small-sample correction statsmodels and Stata apply by default.
statsmodels' ``HC1`` for Logit and GLM applies no n/(n − P) factor; ours does.
"""

from __future__ import annotations

from typing import NoReturn

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.linalg import LinAlgError, cho_factor, cho_solve, lapack

from ..backends.design import Design

__all__ = [
    "COV_TYPES",
    "TABLE_COLUMNS",
    "check_level",
    "cluster_score_sums",
    "covariance",
    "square_matrix",
]

COV_TYPES = ("nonrobust", "HC0", "HC1", "cluster")
TABLE_COLUMNS = (
    "coef",
    "std_err",
    "z",
    "p_value",
    "ci_low",
    "ci_high",
    "odds_ratio",
    "or_low",
    "or_high",
)
_SINGULAR_RCOND = 10.0 * np.finfo(np.float64).eps


def check_level(level: float) -> float:
    """The confidence level as a float, or ValueError unless 0 < level < 1."""
    try:
        value = float(level)
    except (TypeError, ValueError):
        raise ValueError(f"level must be a number in (0, 1), e.g. 0.95; got {level!r}") from None
    if not 0.0 < value < 1.0:
        raise ValueError(f"level must be in (0, 1), e.g. 0.95 for 95% intervals; got {level!r}")
    return value


def covariance(
    information: ArrayLike,
    *,
    cov_type: str = "nonrobust",
    score_outer: ArrayLike | None = None,
    cluster_scores: ArrayLike | None = None,
    n_obs: float | None = None,
    infinite: ArrayLike | None = None,
) -> NDArray[np.float64]:
    """The P×P covariance of θ̂: I⁻¹, or a sandwich I⁻¹ M I⁻¹ with a small-sample factor.

    ``cov_type`` picks the meat M and the factor c in V = c · I⁻¹ M I⁻¹ (nonrobust: V = I⁻¹):

    - "HC0": M = ``score_outer`` = Σ sᵢ (yᵢ − ŷᵢ)² x̃ᵢ x̃ᵢᵀ, c = 1;
    - "HC1": the same M, c = n/(n − P), n = ``n_obs``;
    - "cluster": M = Σ_g u_g u_gᵀ from ``cluster_scores`` (the G×P rows u_g, see
      :func:`cluster_score_sums`), c = G/(G − 1) · (n − 1)/(n − P).

    I is factored by Cholesky after scaling it to unit diagonal, D⁻¹ I D⁻¹ with D = diag(I)^½;
    I⁻¹A is computed as D⁻¹ S⁻¹ D⁻¹ A by triangular solves, never by an explicit inverse.

    ``infinite`` (booleans, one per coefficient) flags the estimates that are infinite under
    separation. I is singular along them, so their variances are +inf, their covariances with
    the other coefficients NaN (undefined), and the rest of V comes from the remaining block
    of I and M: the variance of the finite coefficients with the infinite ones held at their
    limit. Any other numerical singularity of I (reciprocal condition number of the scaled
    block at most 10ε: collinear columns) raises ValueError. A separated coefficient that is
    not flagged gets the huge finite variance of its large finite estimate, as R reports it.
    """
    info = square_matrix(information, "information")
    n_params = info.shape[0]
    if cov_type not in COV_TYPES:
        raise ValueError(f"cov_type must be one of {COV_TYPES}; got {cov_type!r}")
    mask = _infinite_mask(infinite, n_params)
    keep = np.flatnonzero(~mask)
    block = info[np.ix_(keep, keep)]
    result = np.full((n_params, n_params), np.nan)
    unbounded = np.flatnonzero(mask)
    result[unbounded, unbounded] = np.inf
    if keep.size == 0:
        return result
    factor, scale = _factor(block, keep)
    if cov_type == "nonrobust":
        inner = _solve(factor, scale, np.eye(keep.size))
    else:
        meat = _meat(cov_type, score_outer, cluster_scores, n_params)[np.ix_(keep, keep)]
        half = _solve(factor, scale, meat)
        inner = _solve(factor, scale, half.T) * _correction(
            cov_type, n_obs, n_params, cluster_scores
        )
    result[np.ix_(keep, keep)] = 0.5 * (inner + inner.T)
    return result


def cluster_score_sums(
    design: Design,
    residual: ArrayLike,
    groups: ArrayLike,
) -> NDArray[np.float64]:
    """The G×P matrix of within-cluster score sums u_g = Σ_{i ∈ g} rᵢ x̃ᵢ.

    ``design`` is the design matrix X̃ (the intercept's column Σ_{i ∈ g} rᵢ comes first when
    it has one), ``residual`` r = s ⊙ (y − ŷ) and ``groups`` n cluster labels of any hashable
    kind; rows come out in the order the labels first appear. Computed by the design as A X̃,
    A the sparse G×n cluster-indicator matrix weighted by r (:meth:`Design.group_sums`).
    """
    r = np.asarray(residual, dtype=np.float64)
    if r.ndim != 1:
        raise ValueError(f"residual must be one value per sample; got shape {r.shape}")
    if r.size != design.n_samples:
        raise ValueError(f"residual has {r.size} values but X has {design.n_samples} rows")
    return design.group_sums(r, design.group_codes(groups)[0])


def square_matrix(
    matrix: ArrayLike, name: str, allow_nonfinite: bool = False
) -> NDArray[np.float64]:
    """A float64 square matrix, or ValueError naming ``name``."""
    array = np.asarray(matrix, dtype=np.float64)
    if array.ndim != 2 or array.shape[0] != array.shape[1]:
        raise ValueError(f"{name} must be a square matrix; got shape {array.shape}")
    if not allow_nonfinite and not np.all(np.isfinite(array)):
        raise ValueError(f"{name} has NaN or infinite entries")
    return array


def _infinite_mask(infinite: ArrayLike | None, n_params: int) -> NDArray[np.bool_]:
    """The ``infinite`` flags as a boolean mask of length P (all False when None)."""
    if infinite is None:
        return np.zeros(n_params, dtype=bool)
    mask = np.asarray(infinite)
    if mask.dtype != np.bool_ or mask.shape != (n_params,):
        raise ValueError(
            f"infinite must be {n_params} booleans, one per coefficient; got "
            f"dtype {mask.dtype} and shape {mask.shape}"
        )
    return mask


def _factor(block: NDArray, keep: NDArray) -> tuple[tuple[NDArray, bool], NDArray]:
    """Cholesky factor of S = D⁻¹ I D⁻¹ and D⁻¹; ValueError when I is numerically singular."""
    diagonal = np.diag(block)
    if np.any(diagonal <= 0.0):
        _raise_singular(keep[diagonal <= 0.0])
    scale = 1.0 / np.sqrt(diagonal)
    scaled = block * scale[:, None] * scale[None, :]
    try:
        factor = cho_factor(scaled, lower=True)
    except LinAlgError:
        _raise_singular(None)
    norm_1 = float(np.max(np.sum(np.abs(scaled), axis=0)))
    rcond, _ = lapack.dpocon(factor[0], norm_1, uplo="L")
    if rcond <= _SINGULAR_RCOND:
        _raise_singular(None)
    return factor, scale


def _raise_singular(columns: NDArray | None) -> NoReturn:
    """ValueError for a singular information matrix; ``columns`` are the coefficients with no
    information at all (0 = the first), None when the singularity involves them jointly."""
    involved = (
        ""
        if columns is None
        else f" (no information on coefficient(s) {', '.join(str(int(j)) for j in columns)}, "
        "0 = the first)"
    )
    raise ValueError(
        "the information matrix is singular: the coefficients are not identified (nearly "
        f"collinear columns, or separation){involved}"
    )


def _solve(factor: tuple[NDArray, bool], scale: NDArray, rhs: NDArray) -> NDArray:
    """I⁻¹ A = D⁻¹ S⁻¹ D⁻¹ A by two triangular solves."""
    return scale[:, None] * cho_solve(factor, scale[:, None] * rhs)


def _meat(
    cov_type: str,
    score_outer: ArrayLike | None,
    cluster_scores: ArrayLike | None,
    n_params: int,
) -> NDArray:
    """M for a sandwich: ``score_outer`` (HC0, HC1) or Uᵀ U from ``cluster_scores``."""
    if cov_type == "cluster":
        if cluster_scores is None:
            raise ValueError('cov_type="cluster" needs cluster_scores (see cluster_score_sums)')
        scores = np.asarray(cluster_scores, dtype=np.float64)
        if scores.ndim != 2 or scores.shape[1] != n_params:
            raise ValueError(
                f"cluster_scores must be G×{n_params} (one row per group); got {scores.shape}"
            )
        if scores.shape[0] < 2:
            raise ValueError(
                f"cluster-robust standard errors need at least two groups; got {scores.shape[0]}"
            )
        return scores.T @ scores
    if score_outer is None:
        raise ValueError(f"cov_type={cov_type!r} needs score_outer, Σ sᵢ (yᵢ − ŷᵢ)² x̃ᵢ x̃ᵢᵀ")
    meat = square_matrix(score_outer, "score_outer")
    if meat.shape[0] != n_params:
        raise ValueError(f"score_outer is {meat.shape[0]}×{meat.shape[0]}, expected {n_params}")
    return meat


def _correction(
    cov_type: str, n_obs: float | None, n_params: int, cluster_scores: ArrayLike | None
) -> float:
    """1 (HC0), n/(n − P) (HC1) or G/(G − 1) · (n − 1)/(n − P) (cluster)."""
    if cov_type == "HC0":
        return 1.0
    if n_obs is None or not float(n_obs) > n_params:
        raise ValueError(
            f"cov_type={cov_type!r} needs n_obs, the number of observations (Σ weights), "
            f"larger than the {n_params} coefficients; got {n_obs!r}"
        )
    n = float(n_obs)
    if cov_type == "HC1":
        return n / (n - n_params)
    n_groups = np.asarray(cluster_scores).shape[0]
    return n_groups / (n_groups - 1.0) * (n - 1.0) / (n - n_params)
