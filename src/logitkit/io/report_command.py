"""``logitkit report``: fit a model as ``logitkit fit`` does and write its HTML report."""

from __future__ import annotations

import argparse
import shlex
import warnings
from pathlib import Path
from typing import Any

from ..core.exceptions import ConvergenceWarning, SeparationWarning
from .model_options import PROG, add_model_options, fit_from_arguments
from .tables import DataError, check_writable

__all__ = ["add_report_command", "run_report"]

MANY_FEATURES = 6
"""Above this many features the report's title counts them instead of naming them."""


def add_report_command(commands: Any) -> None:
    """The ``report`` subcommand, added to the subparsers ``commands``."""
    report = commands.add_parser(
        "report",
        help="fit a model and write a self-contained HTML report with plots",
        description=(
            "Fit a model as 'logitkit fit' does (the same data and model options) and write "
            "one self-contained HTML file: the summary table, goodness of fit, analysis of "
            "deviance, variance inflation, plots (ROC, calibration, binned residuals, "
            "influence, odds ratios, marginal effects, convergence) as inline SVG, the most "
            "influential rows, warnings in plain words, and the data and command. No "
            "network, no JavaScript; it reads on a phone and a desktop. Needs matplotlib: "
            'pip install "logitkit[plots]".'
        ),
    )
    add_model_options(report)
    report.add_argument(
        "--out", default="report.html", metavar="FILE", help="the HTML file (default report.html)"
    )
    report.add_argument("--title", metavar="TEXT", help="the report's title")
    report.add_argument(
        "--anova",
        action=argparse.BooleanOptionalAction,
        default=None,
        help=(
            "include the analysis of deviance, whose likelihood-ratio tests refit the model "
            "once per term (default: only up to 200,000 rows)"
        ),
    )
    report.set_defaults(run=run_report)


def run_report(args: argparse.Namespace) -> int:
    from ..report.assemble import Inputs
    from ..report.figures import require_matplotlib
    from ..report.write import write_report

    try:
        require_matplotlib()
    except ImportError as error:
        raise DataError(str(error)) from None
    check_writable(args.out)
    with warnings.catch_warnings(record=True) as caught:
        model, title = fit_from_arguments(args)
    for warning in caught:
        warnings.showwarning(warning.message, warning.category, warning.filename, warning.lineno)
    source = "standard input" if args.data == "-" else args.data
    rows = len(model.formula_data_.X)
    inputs = Inputs(
        model=model,
        X=None,
        y=None,
        sample_weight=None,
        cov_type=args.cov_type,
        groups=args.groups,
        ci=args.ci,
        level=args.level,
        source=f"{source} ({rows:,} rows used)",
        command=shlex.join([PROG, *args.argv]),
        anova=args.anova,
        fit_warnings=tuple(
            str(warning.message)
            for warning in caught
            if not issubclass(warning.category, ConvergenceWarning | SeparationWarning)
        ),
    )
    terms = model.record_.n_features
    if args.formula is None and terms > MANY_FEATURES:
        title = f"Logistic regression of {args.target} on {terms} features"
    path = write_report(inputs, Path(args.out), args.title or title)
    print(f"Report written to {path}")
    return 0
