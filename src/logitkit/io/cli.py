"""The ``logitkit`` command line: fit a model to a data file, predict with a saved model, demo,
and the derivation as a lesson page.

::

    logitkit fit DATA (--formula "y ~ a + C(b)" | --target COL [--features A,B,...])
                 [--alpha A] [--l1-ratio R] [--solver S] [--max-iter N] [--tol T]
                 [--out model.json] [--verbose]
                 [--dask] [--scheduler ADDRESS] [--dask-above SIZE]
    logitkit predict MODEL DATA [--proba] [--out FILE]
    logitkit report DATA (--formula "y ~ a + C(b)" | --target COL [--features A,B,...])
                 [the model options of fit] [--out report.html] [--title TEXT]
    logitkit demo
    logitkit lesson [--out lesson.html] [--lang {en,zh}]
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
import shlex
import sys
import warnings
from collections.abc import Sequence
from typing import Any, NoReturn

import numpy as np
import pandas as pd

from .. import __version__
from ..datasets import challenger_path, load_challenger
from ..inference.summary import Summary
from ..lesson import LANGUAGES as LESSON_LANGUAGES
from ..lesson import lesson as write_lesson
from ..models.diagnostics import influence
from ..models.estimator import LogisticRegression
from ..models.model_checks import anova, goodness_of_fit, vif
from .cli_dask import DataSource, add_dask_options, fit_with_dask, plan_source
from .encoding import design_from_terms
from .model_file import load, save
from .model_options import (
    DATA_HELP,
    PROG,
    add_model_options,
    check_option_pairs,
    compile_notice,
    fit_from_arguments,
)
from .report_command import add_report_command
from .tables import (
    DataError,
    check_finite,
    check_writable,
    read_table,
    select_features,
    split_features,
)

__all__ = ["build_parser", "main"]

MOST_INFLUENTIAL = 5
"""Rows listed by ``fit --diagnostics`` under the most influential."""
CHALLENGER_LAUNCH_F = 31.0


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
    add_model_options(
        fit,
        DATA_HELP + ', or a glob (quoted: "data/*.parquet") or a directory of Parquet or CSV files',
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

    add_report_command(commands)

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

    lesson = commands.add_parser(
        "lesson",
        help="write the derivation of logistic regression as a lesson page (HTML)",
        description=(
            "Run the derivation logitkit is built on, step by step: the sigmoid as a "
            "probability, the Bernoulli likelihood, why the log, the log-likelihood surface, "
            "cross-entropy against squared error, batch, stochastic and mini-batch gradient "
            "descent, Newton (IRLS), and the Gaussian case. Each step is a short text, its "
            "formula, a figure computed now by logitkit's own functions and solvers, and the "
            "code that made it, on one self-contained HTML page (no script, no network). "
            'Needs matplotlib: pip install "logitkit[plots]".'
        ),
    )
    lesson.add_argument(
        "--out",
        default="lesson.html",
        metavar="FILE",
        help="the HTML file to write (default lesson.html)",
    )
    lesson.add_argument(
        "--lang",
        default="en",
        choices=LESSON_LANGUAGES,
        help="the language of the text: en (English, the default) or zh (Simplified Chinese)",
    )
    lesson.set_defaults(run=_run_lesson)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line on ``argv`` (default: ``sys.argv[1:]``); return the exit status."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as stop:
        return stop.code if isinstance(stop.code, int) else int(stop.code is not None)
    args.argv = list(sys.argv[1:] if argv is None else argv)
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


def _one_line(message: object) -> str:
    """A message with its line breaks and runs of spaces collapsed to single spaces."""
    return " ".join(str(message).split()) or type(message).__name__


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """Print a warning as one line on stderr (replaces :func:`warnings.showwarning`)."""
    print(f"{PROG}: warning: {_one_line(message)}", file=sys.stderr)


def _run_fit(args: argparse.Namespace) -> int:
    if args.out:
        check_writable(args.out)
    if args.diagnostics and args.json:
        raise DataError("--diagnostics prints text: drop --json, or drop --diagnostics")
    check_option_pairs(args)
    source = plan_source(args)
    if source is not None and source.dask:
        return _report_dask_fit(args, source)
    model, title = fit_from_arguments(args, source)
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
    with compile_notice(args.solver):
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
    data = shlex.quote(str(challenger_path()))
    print(
        f"\nSee this fit as a page with plots: logitkit report {data} --target damage "
        "--features temperature_f --out report.html"
    )
    print("Learn how it is derived, step by step: logitkit lesson --out lesson.html")
    return 0


def _run_lesson(args: argparse.Namespace) -> int:
    check_writable(args.out)
    try:
        written = write_lesson(args.out, lang=args.lang)
    except ImportError as error:
        print(f"{PROG}: error: {_one_line(error)}", file=sys.stderr)
        return 2
    print(f"Lesson written to {written} (open it in a web browser)")
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
