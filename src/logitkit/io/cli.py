"""The ``logitkit`` command line: fit a model to a data file, predict with a saved model, demo.

::

    logitkit fit DATA (--formula "y ~ a + C(b)" | --target COL [--features A,B,...])
                 [--alpha A] [--l1-ratio R] [--solver S] [--max-iter N] [--tol T]
                 [--out model.json] [--verbose]
                 [--dask] [--scheduler ADDRESS] [--dask-above SIZE]
    logitkit predict MODEL DATA [--proba] [--out FILE]
    logitkit demo
    logitkit --version

An error is one line ``logitkit: error: ...`` on stderr, with exit status 2, for a usage error
(an unknown option, a value of the wrong type) as for a data, model-file or fitting error.
A warning (say, a solver that did not converge) is one line ``logitkit: warning: ...``; one
that the warning filters turn into an error (``python -W error``) is an error line, status 2.
The first fit with ``--solver sgd`` or ``minibatch`` compiles their kernels (Numba, cached on
disk); when that takes more than a second a line on stderr says so.

DATA may also be a glob (``"data/*.parquet"``) or a directory of Parquet or CSV files, read with
Dask when they are larger than ``--dask-above`` or with ``--dask`` / ``--scheduler``
(:mod:`logitkit.io.cli_dask`).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import warnings
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import Any, NoReturn

import numpy as np
import pandas as pd

from .. import __version__
from ..datasets import challenger_path, load_challenger
from ..inference.summary import Summary
from ..models.diagnostics import influence
from ..models.estimator import LogisticRegression
from ..models.formula import logit
from ..models.model_checks import anova, goodness_of_fit, vif
from ..solvers import SOLVERS
from .cli_dask import DataSource, add_dask_options, fit_with_dask, plan_source, read_joined
from .encoding import design_from_terms, formula_for
from .model_file import load, save
from .tables import (
    DataError,
    check_finite,
    check_writable,
    read_table,
    select_features,
    split_features,
)

__all__ = ["build_parser", "main"]

PROG = "logitkit"
MOST_INFLUENTIAL = 5
"""Rows listed by ``fit --diagnostics`` under the most influential."""
CHALLENGER_LAUNCH_F = 31.0
COMPILED_SOLVERS = ("sgd", "minibatch")
COMPILING = f"{PROG}: compiling the stochastic solver's kernels (once: later runs reuse them)..."


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors are one line on stderr, exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{PROG}: error: {message} (see '{self.prog} --help')\n")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``logitkit`` command and its subcommands."""
    parser = _Parser(
        prog=PROG,
        description="Logistic regression by maximum likelihood, from the command line.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    fit = commands.add_parser(
        "fit",
        help="fit a model to a CSV or Parquet file and print a report",
        description=(
            "Fit a logistic regression of the target column on the feature columns of a CSV "
            "(.csv, .csv.gz; the delimiter is detected; '-' reads standard input) or Parquet "
            "(.parquet, .pq) file, or the model of an R-style --formula, and print its "
            "statistical summary, "
            "as R's summary(glm(...)) does: coefficients, standard errors, z, p-values, "
            "intervals and odds ratios, deviances, AIC and BIC (--json for a machine-readable "
            "form); --out saves the model for 'logitkit predict'. String and categorical "
            "columns are one-hot encoded in treatment coding (first level the reference); rows "
            "with a missing value are dropped, with a note on stderr."
        ),
    )
    fit.add_argument(
        "data",
        metavar="DATA",
        help=(
            "the data file ('-': standard input), or a glob (quoted: \"data/*.parquet\") or a "
            "directory of Parquet or CSV files"
        ),
    )
    choice = fit.add_mutually_exclusive_group(required=True)
    choice.add_argument("--target", metavar="COL", help="the column to predict")
    choice.add_argument(
        "--formula",
        metavar="F",
        help='an R-style model, e.g. "y ~ a + C(b) + a:b" (formulaic\'s grammar)',
    )
    fit.add_argument(
        "--features",
        type=_column_list,
        metavar="A,B,...",
        help="comma-separated feature columns (default: every column but the target)",
    )
    fit.add_argument(
        "--alpha",
        type=float,
        default=0.0,
        metavar="A",
        help="penalty strength alpha >= 0 (default 0: none)",
    )
    fit.add_argument(
        "--l1-ratio",
        type=float,
        default=0.0,
        metavar="R",
        help="elastic-net mix in [0, 1]: 0 is ridge (L2), 1 is lasso (L1) (default 0)",
    )
    fit.add_argument(
        "--solver", default="auto", choices=("auto", *SOLVERS), help="the solver (default auto)"
    )
    fit.add_argument("--max-iter", type=int, metavar="N", help="iteration cap")
    fit.add_argument("--tol", type=float, metavar="T", help="stopping tolerance")
    fit.add_argument(
        "--firth", action="store_true", help="Firth's bias-reduced (penalised) likelihood"
    )
    fit.add_argument(
        "--cov-type",
        default="nonrobust",
        choices=("nonrobust", "HC0", "HC1", "cluster"),
        help="standard errors: model-based, sandwich, or cluster-robust (needs --groups)",
    )
    fit.add_argument("--groups", metavar="COL", help="the cluster column for --cov-type cluster")
    fit.add_argument(
        "--ci", default="wald", choices=("wald", "profile"), help="interval kind (default wald)"
    )
    fit.add_argument(
        "--level", type=float, default=0.95, metavar="L", help="confidence level (default 0.95)"
    )
    fit.add_argument(
        "--json", action="store_true", help="write the summary as JSON instead of text"
    )
    fit.add_argument("--out", metavar="MODEL", help="save the fitted model to this JSON file")
    fit.add_argument(
        "--diagnostics",
        action="store_true",
        help=(
            "after the summary, print the goodness of fit (Hosmer-Lemeshow, pseudo R-squared, "
            "Brier score, AUC), the variance inflation factors, the analysis of deviance and "
            "the most influential rows"
        ),
    )
    fit.add_argument(
        "--verbose", action="store_true", help="print each iteration's cost and gradient norm"
    )
    add_dask_options(fit)
    fit.set_defaults(run=_run_fit)

    predict = commands.add_parser(
        "predict",
        help="predict with a saved model",
        description=(
            "Predict each row of a CSV or Parquet file with a model saved by 'logitkit fit "
            "--out'. The model's terms are rebuilt from the raw columns: numeric columns, "
            "one-hot levels (col[T.level], C(col)[T.level]) and their interactions (a:b). "
            "Writes CSV with one column: "
            "'prediction' (the predicted class), or with --proba 'proba_<class>', the "
            "probability of the class modelled as 1 (one such column per class for a model "
            "of three or more classes)."
        ),
    )
    predict.add_argument("model", metavar="MODEL", help="the model file (JSON)")
    predict.add_argument("data", metavar="DATA", help="the data file ('-': standard input)")
    predict.add_argument(
        "--proba", action="store_true", help="write probabilities instead of classes"
    )
    predict.add_argument("--out", metavar="FILE", help="write to this file (default: stdout)")
    predict.set_defaults(run=_run_predict)

    demo = commands.add_parser(
        "demo",
        help="fit the bundled Challenger O-ring data",
        description=(
            "Fit damage ~ temperature_f on the 23 Space Shuttle flights before Challenger "
            "(Rogers Commission, 1986), print the report and the predicted probability of "
            "O-ring damage at 31 °F, the temperature on the morning of the Challenger launch."
        ),
    )
    demo.set_defaults(run=_run_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line on ``argv`` (default: ``sys.argv[1:]``); return the exit status."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as stop:
        return stop.code if isinstance(stop.code, int) else int(stop.code is not None)
    with warnings.catch_warnings():
        warnings.showwarning = _show_warning
        try:
            return args.run(args)
        except BrokenPipeError:
            _silence_stdout()
            return 1
        except (ValueError, TypeError, OSError, Warning) as error:
            print(f"{PROG}: error: {_one_line(error)}", file=sys.stderr)
            return 2
        except KeyboardInterrupt:
            print(f"{PROG}: interrupted", file=sys.stderr)
            return 130


def _silence_stdout() -> None:
    """Point stdout at the null device: a reader that stopped early (``| head``) is no error."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def _column_list(text: str) -> list[str]:
    """``A,B,C`` as a list of column names."""
    names = [name.strip() for name in text.split(",")]
    if not all(names):
        raise argparse.ArgumentTypeError(f"empty column name in {text!r}")
    return names


def _one_line(message: object) -> str:
    """A message with its line breaks and runs of spaces collapsed to single spaces."""
    return " ".join(str(message).split()) or type(message).__name__


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """Print a warning as one line on stderr (replaces :func:`warnings.showwarning`)."""
    print(f"{PROG}: warning: {_one_line(message)}", file=sys.stderr)


def _run_fit(args: argparse.Namespace) -> int:
    if args.out:
        check_writable(args.out)
    if args.features is not None and args.formula is not None:
        raise DataError("--features goes with --target; with --formula name the terms in it")
    if args.cov_type == "cluster" and args.groups is None:
        raise DataError("--cov-type cluster needs --groups COL, the cluster of each row")
    source = plan_source(args)
    if source is not None and source.dask:
        return _report_dask_fit(args, source)
    frame = read_table(args.data) if source is None else read_joined(source)
    check_finite(frame)
    if args.groups is not None and args.groups not in frame.columns:
        raise DataError(f"--groups column {args.groups!r} is not in {args.data!r}")
    if args.diagnostics and args.json:
        raise DataError("--diagnostics prints text: drop --json, or drop --diagnostics")
    if args.formula is None:
        features = args.features
        if features is None:
            features = [c for c in frame.columns if c not in (args.target, args.groups)]
        formula = formula_for(frame, args.target, features)
        title = f"Logistic regression of {args.target} on {', '.join(map(str, features))}"
    else:
        formula = args.formula
        title = f"Logistic regression: {formula}"
    with _compile_notice(args.solver):
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
    summary = model.summary(cov_type=args.cov_type, ci=args.ci, level=args.level)
    shown = "standard input" if args.data == "-" else args.data
    text = f"{title}\nData: {shown}, {len(model.formula_data_.X)} rows\n\n{summary}"
    print(json.dumps(summary.to_dict(), indent=2) if args.json else text)
    if args.diagnostics:
        print(_diagnostics(model))
    if args.out:
        save(model, args.out)
        print(f"Model saved to {args.out}", file=sys.stderr if args.json else sys.stdout)
    return 0


def _report_dask_fit(args: argparse.Namespace, source: DataSource) -> int:
    """Fit with Dask and print the report, as for data read whole."""
    with _compile_notice(args.solver):
        model, summary, data_line = fit_with_dask(args, source)
    features = ", ".join(model.feature_names_in_)
    text = f"Logistic regression of {args.target} on {features}\n{data_line}\n\n{summary}"
    print(json.dumps(summary.to_dict(), indent=2) if args.json else text)
    if args.out:
        save(model, args.out)
        print(f"Model saved to {args.out}", file=sys.stderr if args.json else sys.stdout)
    return 0


def _diagnostics(model: LogisticRegression) -> str:
    """Goodness of fit, VIF, the type II analysis of deviance and the most influential rows,
    each under a heading; a check that does not apply to this fit says why in one line."""
    sections = [
        ("Goodness of fit", lambda: str(goodness_of_fit(model)).strip("\n")),
        ("Variance inflation factors", lambda: vif(model).to_string()),
        ("Analysis of deviance", lambda: str(anova(model))),
        ("Most influential rows", lambda: _most_influential(model)),
    ]
    parts = []
    for title, show in sections:
        try:
            body = show()
        except ValueError as error:
            body = f"not available: {_one_line(error)}"
        parts.append(f"\n{title}\n{'-' * len(title)}\n{body}")
    return "\n".join(parts)


def _most_influential(model: LogisticRegression) -> str:
    """The rows with the largest Cook's distances (at most 5), those flagged by R's
    influence.measures rules marked, with their hat values and studentized residuals."""
    measures = influence(model)
    columns = ["hat", "cooks_distance", "studentized", "influential"]
    return measures.nlargest(MOST_INFLUENTIAL, "cooks_distance")[columns].to_string()


def _compile_notice(solver: str) -> AbstractContextManager[None]:
    """For a solver with compiled kernels, a note on stderr when their first compilation takes
    more than a second; otherwise nothing (and Numba is not imported)."""
    if solver not in COMPILED_SOLVERS:
        return nullcontext()
    from ..backends.jit import compile_notice

    return compile_notice(lambda: print(COMPILING, file=sys.stderr, flush=True))


def _run_predict(args: argparse.Namespace) -> int:
    if args.out:
        check_writable(args.out)
    model = load(args.model)
    frame = read_table(args.data)
    check_finite(frame)
    names = getattr(model, "feature_names_in_", None)
    if getattr(model, "formula_terms_", None) is not None:
        X = frame
    elif names is not None:
        X = design_from_terms(frame, [str(name) for name in names])
    elif frame.shape[1] == model.n_features_in_:
        X = select_features(frame, list(frame.columns)).to_numpy()
    else:
        raise DataError(
            f"the model was fitted on {model.n_features_in_} unnamed features, but "
            f"{args.data!r} has {frame.shape[1]} columns"
        )
    if args.proba and len(model.classes_) > 2:
        columns = [f"proba_{_label(label)}" for label in model.classes_]
        result = pd.DataFrame(model.predict_proba(X), columns=columns)
    elif args.proba:
        column = f"proba_{_label(model.classes_[1])}"
        result = pd.DataFrame({column: model.predict_proba(X)[:, 1]})
    else:
        result = pd.DataFrame({"prediction": model.predict(X)})
    result.to_csv(args.out if args.out else sys.stdout, index=False)
    return 0


def _run_demo(args: argparse.Namespace) -> int:
    frame = load_challenger()
    X, y = split_features(frame, "damage", ["temperature_f"])
    model = LogisticRegression().fit(X, y)
    source = f"{challenger_path().name} (bundled: Space Shuttle flights before Challenger)"
    print(_report(model, X, y, source)[0])
    launch = pd.DataFrame({"temperature_f": [CHALLENGER_LAUNCH_F]})
    probability = model.predict_proba(launch)[0, 1]
    coldest = frame["temperature_f"].min()
    print(f"\nP(damage | {CHALLENGER_LAUNCH_F:g} °F) = {probability:.4f}")
    print(
        f"{CHALLENGER_LAUNCH_F:g} °F was the temperature at Challenger's launch; the coldest "
        f"earlier launch was {coldest} °F, so this is an extrapolation."
    )
    return 0


def _report(
    model: LogisticRegression, X: pd.DataFrame, y: pd.Series, source: str, **options: Any
) -> tuple[str, Summary]:
    """The data, then the model's full statistical summary (``options`` go to ``summary``)."""
    summary = model.summary(X=X, y=y, **options)
    header = [
        f"Logistic regression of {y.name} on {', '.join(str(c) for c in X.columns)}",
        f"Data: {source}, {len(y)} rows",
        "",
    ]
    return "\n".join(header) + "\n" + str(summary), summary


def _label(value: object) -> str:
    """A class label as text (NumPy scalars as their Python value)."""
    return str(value.item() if isinstance(value, np.generic) else value)
