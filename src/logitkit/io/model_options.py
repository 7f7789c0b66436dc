"""The data and model options that ``logitkit fit`` and ``logitkit report`` share, and the fit
they describe: read the data, build the formula, fit it."""

from __future__ import annotations

import argparse
import sys
from contextlib import AbstractContextManager, nullcontext

from ..models.estimator import LogisticRegression
from ..models.formula import logit
from ..solvers import SOLVERS
from .cli_dask import DataSource, read_joined
from .encoding import formula_for
from .tables import DataError, check_finite, read_table

__all__ = [
    "DATA_HELP",
    "PROG",
    "add_model_options",
    "check_option_pairs",
    "compile_notice",
    "fit_from_arguments",
]

PROG = "logitkit"
COMPILED_SOLVERS = ("sgd", "minibatch")
DATA_HELP = "the data file ('-': standard input)"
COMPILING = f"{PROG}: compiling the stochastic solver's kernels (once: later runs reuse them)..."


def add_model_options(parser: argparse.ArgumentParser, data_help: str = DATA_HELP) -> None:
    """The data and model options that ``fit`` and ``report`` share."""
    parser.add_argument("data", metavar="DATA", help=data_help)
    choice = parser.add_mutually_exclusive_group(required=True)
    choice.add_argument("--target", metavar="COL", help="the column to predict")
    choice.add_argument(
        "--formula",
        metavar="F",
        help='an R-style model, e.g. "y ~ a + C(b) + a:b" (formulaic\'s grammar)',
    )
    parser.add_argument(
        "--features",
        type=column_list,
        metavar="A,B,...",
        help="comma-separated feature columns (default: every column but the target)",
    )
    parser.add_argument(
        "--alpha",
        type=float,
        default=0.0,
        metavar="A",
        help="penalty strength alpha >= 0 (default 0: none)",
    )
    parser.add_argument(
        "--l1-ratio",
        type=float,
        default=0.0,
        metavar="R",
        help="elastic-net mix in [0, 1]: 0 is ridge (L2), 1 is lasso (L1) (default 0)",
    )
    parser.add_argument(
        "--solver", default="auto", choices=("auto", *SOLVERS), help="the solver (default auto)"
    )
    parser.add_argument("--max-iter", type=int, metavar="N", help="iteration cap")
    parser.add_argument("--tol", type=float, metavar="T", help="stopping tolerance")
    parser.add_argument(
        "--firth", action="store_true", help="Firth's bias-reduced (penalised) likelihood"
    )
    parser.add_argument(
        "--cov-type",
        default="nonrobust",
        choices=("nonrobust", "HC0", "HC1", "cluster"),
        help="standard errors: model-based, sandwich, or cluster-robust (needs --groups)",
    )
    parser.add_argument("--groups", metavar="COL", help="the cluster column for --cov-type cluster")
    parser.add_argument(
        "--ci", default="wald", choices=("wald", "profile"), help="interval kind (default wald)"
    )
    parser.add_argument(
        "--level", type=float, default=0.95, metavar="L", help="confidence level (default 0.95)"
    )
    parser.add_argument(
        "--verbose", action="store_true", help="print each iteration's cost and gradient norm"
    )


def column_list(text: str) -> list[str]:
    """``A,B,C`` as a list of column names."""
    names = [name.strip() for name in text.split(",")]
    if not all(names):
        raise argparse.ArgumentTypeError(f"empty column name in {text!r}")
    return names


def check_option_pairs(args: argparse.Namespace) -> None:
    """Refuse options that do not go together, before any data are read."""
    if args.features is not None and args.formula is not None:
        raise DataError("--features goes with --target; with --formula name the terms in it")
    if args.cov_type == "cluster" and args.groups is None:
        raise DataError("--cov-type cluster needs --groups COL, the cluster of each row")


def fit_from_arguments(
    args: argparse.Namespace, source: DataSource | None = None
) -> tuple[LogisticRegression, str]:
    """Read the data (one file, or the files of ``source`` joined) and fit the model that the
    options of ``fit`` (and ``report``) describe; the model and a one-line title."""
    check_option_pairs(args)
    frame = read_table(args.data) if source is None else read_joined(source)
    check_finite(frame)
    if args.groups is not None and args.groups not in frame.columns:
        raise DataError(f"--groups column {args.groups!r} is not in {args.data!r}")
    if args.formula is None:
        features = args.features
        if features is None:
            features = [c for c in frame.columns if c not in (args.target, args.groups)]
        formula = formula_for(frame, args.target, features)
        title = f"Logistic regression of {args.target} on {', '.join(map(str, features))}"
    else:
        formula = args.formula
        title = f"Logistic regression: {formula}"
    with compile_notice(args.solver):
        model = logit(
            formula,
            frame,
            groups=args.groups,
            alpha=args.alpha,
            l1_ratio=args.l1_ratio,
            firth=args.firth,
            solver=args.solver,
            max_iter=args.max_iter,
            tol=args.tol,
            verbose=int(args.verbose),
        )
    return model, title


def compile_notice(solver: str) -> AbstractContextManager[None]:
    """For a solver with compiled kernels, a note on stderr when their first compilation takes
    more than a second; otherwise nothing (and Numba is not imported)."""
    if solver not in COMPILED_SOLVERS:
        return nullcontext()
    from ..backends.jit import compile_notice

    return compile_notice(lambda: print(COMPILING, file=sys.stderr, flush=True))
