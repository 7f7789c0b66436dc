"""Speed, accuracy and memory of logitkit's default fit against scikit-learn, glum and statsmodels.

    python benchmarks/run.py [--problems NAMES] [--repeats 3] [--scale 1.0] [--out BENCHMARKS.md]

Each problem is generated with a fixed seed; logitkit's default and the anchors then fit it in
this one process, one after the other, each ``--repeats`` times (timed) and once more under
tracemalloc (memory). Every tool's coefficients are scored by one shared function, the cost

    J(w, b) = (1/n) Σᵢ [log(1 + e^zᵢ) − yᵢ zᵢ] + α(ρ‖w‖₁ + (1 − ρ)/2 ‖w‖²),   zᵢ = b + xᵢᵀw,

(ρ = 0 but on the L1 problems; summed over the α of a path) so that all tools are held to the
same objective, and by the largest KKT violation of their solution(s). The table goes to
``--out`` (Markdown) with the machine, the command that reproduces it and a comparison against
the goals.

A problem that sets its own number of timed fits (the small fits: 200) ignores ``--repeats``.
The command line section (``benchmarks/command_line.py``) times ``logitkit report`` against
``logitkit fit`` on a CSV of 1e6 × ``--scale`` rows; ``--no-command-line`` leaves it out. The
scaling section that ``benchmarks/scaling.py`` writes is kept from the old ``--out``.
``--scale`` multiplies every problem's n (and sparse-wide's p, which keeps its shape n/p;
0.01 is a quick smoke run); ``NAME=SCALE`` in ``--problems`` sets one problem's scale.
Parameters map onto the anchors so that all minimise J: scikit-learn C = 1/(α·n) (C = ∞ for
α = 0), l1_ratio = ρ; glum alpha = α, l1_ratio = ρ (glum's objective is J). statsmodels' Logit
has no ridge penalty and fits the unpenalised likelihood.
"""

from __future__ import annotations

import argparse
import datetime
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path

# As a script, run.py has benchmarks/ on the path; the package needs the repository root.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.command_line import command_line_lines
from benchmarks.imports import import_time_lines
from benchmarks.measure import Result, run_problem
from benchmarks.problems import PROBLEMS, Problem
from benchmarks.report import ROOT, extract_section, load_average, replace_section, report
from benchmarks.scaling import TITLE as SCALING_TITLE


def parse_problems(values: Sequence[str], scale: float) -> list[tuple[Problem, float]]:
    """``NAME`` or ``NAME=SCALE`` entries, separated by commas or spaces; none means all."""
    names = [item for value in values for item in value.split(",") if item]
    if not names:
        return [(problem, scale) for problem in PROBLEMS.values()]
    chosen = []
    for item in names:
        name, _, own_scale = item.partition("=")
        if name not in PROBLEMS:
            raise SystemExit(
                f"unknown problem {name!r}; choose from {', '.join(PROBLEMS)} (NAME or NAME=SCALE)"
            )
        chosen.append((PROBLEMS[name], float(own_scale) if own_scale else scale))
    return chosen


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--problems",
        nargs="*",
        default=[],
        help=f"NAME or NAME=SCALE, among {', '.join(PROBLEMS)} (default: all)",
    )
    parser.add_argument("--repeats", type=int, default=3, help="timed fits per tool (default 3)")
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies n (default 1.0)")
    parser.add_argument(
        "--out", type=Path, default=ROOT / "BENCHMARKS.md", help="Markdown report to write"
    )
    parser.add_argument(
        "--budget",
        type=float,
        default=float("inf"),
        help="seconds: a tool whose fits take longer in all is not repeated (default: none)",
    )
    parser.add_argument(
        "--no-command-line",
        action="store_true",
        help="leave out `logitkit report` against `logitkit fit` on a CSV of 1e6 × scale rows",
    )
    args = parser.parse_args(argv)
    if args.repeats < 1 or args.scale <= 0 or args.budget <= 0:
        parser.error("--repeats must be at least 1, --scale and --budget positive")
    chosen = parse_problems(args.problems, args.scale)
    old = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
    scaling = extract_section(old, SCALING_TITLE)
    command = shlex.join(["python", "benchmarks/run.py", *(sys.argv[1:] if argv is None else argv)])
    started = datetime.datetime.now(datetime.timezone.utc)
    load_at_start = load_average()
    results: list[Result] = []
    for problem, scale in chosen:
        repeats = problem.repeats or args.repeats
        results.append(run_problem(problem, scale, repeats, budget=args.budget))
        text = report(results, command, started, load_at_start)
        args.out.write_text(text, encoding="utf-8")
    text += "\n" + "\n".join(import_time_lines(args.repeats))
    if not args.no_command_line:
        rows = max(round(1_000_000 * args.scale), 100)
        text += "\n\n" + "\n".join(command_line_lines(rows, args.repeats))
    if scaling is not None:
        text = replace_section(text, SCALING_TITLE, scaling)
    args.out.write_text(text, encoding="utf-8")
    print(args.out.read_text(encoding="utf-8"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
