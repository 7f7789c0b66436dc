"""What a fit tells its user: the solver's progress, and the words of its errors and warnings."""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence

from ..solvers import SOLVERS, SolveResult, SolverOptions

__all__ = ["ProgressLine", "aliased_message", "collinearity_message", "convergence_message"]


class ProgressLine:
    """Prints one line on stderr per iteration: the iteration, the cost J, the largest
    optimality violation and the seconds since this printer was made (the fit's start)."""

    def __init__(self) -> None:
        self.start = time.perf_counter()

    def __call__(self, iteration: int, loss: float, grad_norm: float) -> None:
        elapsed = time.perf_counter() - self.start
        print(
            f"iter {iteration:6d}  loss {loss:.10g}  grad_norm {grad_norm:.3e}  "
            f"elapsed {elapsed:.2f}s",
            file=sys.stderr,
            flush=True,
        )


def collinearity_message(
    names: Sequence[str], columns: Sequence[int], n_samples: int, fitted: bool = False
) -> str:
    """Why the design X̃ (coefficients ``names``) is singular and what to do about it.

    More coefficients than samples makes X̃ᵀX̃ singular whatever the data; otherwise the
    ``columns`` found collinear are named. ``fitted``: the fit went on with minimum-norm
    Newton steps (a warning), rather than stopping (an error).
    """
    if len(names) > n_samples:
        problem = (
            f"the design matrix is singular: {len(names)} coefficients (intercept included) "
            f"but only {n_samples} samples"
        )
    else:
        listed = ", ".join(repr(names[j]) for j in columns)
        problem = (
            f"the design matrix is singular: the columns {listed} are collinear (one is a "
            "linear combination of the others, or constant alongside the intercept)"
        )
    fix = "Drop a redundant column, or add a penalty (alpha > 0)."
    if fitted:
        return (
            f"{problem}. Their coefficients are not identified: the fit took minimum-norm "
            f"Newton steps, which leave the fitted probabilities unaffected. {fix}"
        )
    return f"{problem}, so the unpenalised fit is not unique. {fix}"


def aliased_message(names: Sequence[str], aliased: Sequence[int], n_samples: int) -> str:
    """Which coefficients are aliased (and why, when there are more than samples), and what
    the fit did with them."""
    listed = ", ".join(repr(names[j]) for j in aliased)
    one = len(aliased) == 1
    cause = (
        f" ({len(names)} coefficients (intercept included) but only {n_samples} samples)"
        if len(names) > n_samples
        else ""
    )
    return (
        f"{len(aliased)} coefficient{'' if one else 's'} not defined because of singularities"
        f"{cause}: "
        f"the column{'' if one else 's'} {listed} {'is' if one else 'are'} a linear "
        "combination of earlier columns (or constant alongside the intercept). "
        f"{'It is' if one else 'They are'} held at 0 and reported as NaN, as R reports NA; the "
        "summary names the columns each is aliased with. Drop the redundant column(s), or add "
        "a penalty (alpha > 0)."
    )


def convergence_message(solver: str, result: SolveResult, options: SolverOptions) -> str:
    """Why the solver stopped, how far it was from tol, and what helps."""
    if SOLVERS[solver].stochastic:
        return (
            f"solver {solver!r} did not converge: {result.reason}. Standardise the features "
            "(e.g. sklearn's StandardScaler), raise max_iter (epochs), or use an exact solver "
            "('newton', 'lbfgs') for a precise optimum."
        )
    grad_norm = result.grad_norm[-1]
    return (
        f"solver {solver!r} did not converge: {result.reason}. After {result.n_iter} iterations "
        f"the largest gradient component is {grad_norm:.3g} (tol {options.tol:.3g}, "
        f"{grad_norm / options.tol:.3g}x too large). Standardise the features (e.g. sklearn's "
        "StandardScaler); add a penalty (alpha > 0) if the classes are (nearly) separable or "
        "columns (nearly) collinear; or raise max_iter."
    )
