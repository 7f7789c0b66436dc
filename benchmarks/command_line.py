"""The command line on a large CSV: ``logitkit report`` against ``logitkit fit`` on the same file.

    python benchmarks/command_line.py [--rows 1000000] [--repeats 3] [--into BENCHMARKS.md]

The file holds ``--rows`` rows of 20 standard normal features and a 0/1 target drawn from a
logistic model (seed 0). Each command runs ``--repeats`` times in turn, in a fresh process (the
time a user waits: start, read, fit and, for the report, the statistics and the figures). The
report should take at most 3 × the fit. ``--into`` writes the section into that Markdown file,
replacing the section of the same title if it has one; ``benchmarks/run.py`` appends it too.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.report import replace_section

TITLE = "## The command line: report against fit"
FEATURES = 20
REPORT_GOAL = 3.0
"""``logitkit report`` should take at most this many times ``logitkit fit``."""


def write_csv(path: Path, rows: int, seed: int = 0) -> None:
    """``rows`` × 20 standard normal features x0 … x19 and y ~ Bernoulli(σ(xᵀw)), w drawn once."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((rows, FEATURES))
    w = rng.normal(scale=0.3, size=FEATURES)
    y = (rng.random(rows) < 1.0 / (1.0 + np.exp(-(X @ w)))).astype(np.int8)
    header = ",".join([*(f"x{j}" for j in range(FEATURES)), "y"])
    with path.open("w", encoding="utf-8") as handle:
        handle.write(header + "\n")
        for start in range(0, rows, 100_000):
            block = np.column_stack([X[start : start + 100_000], y[start : start + 100_000]])
            np.savetxt(handle, block, delimiter=",", fmt=[*["%.6f"] * FEATURES, "%d"])


def _seconds(arguments: Sequence[str]) -> float:
    """Wall time of one ``logitkit`` command in a fresh interpreter (its output discarded)."""
    command = [sys.executable, "-m", "logitkit", *arguments]
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def command_line_lines(rows: int = 1_000_000, repeats: int = 3) -> list[str]:
    """The Markdown section: each command's runs, their medians and the ratio to the goal."""
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / "big.csv"
        write_csv(data, rows)
        size_mb = data.stat().st_size / 1e6
        commands = {
            "fit": ["fit", str(data), "--target", "y"],
            "report": ["report", str(data), "--target", "y", "--out", str(Path(folder) / "r.html")],
        }
        runs: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(repeats):
            for name, arguments in commands.items():
                runs[name].append(_seconds(arguments))
    median = {name: statistics.median(times) for name, times in runs.items()}
    ratio = median["report"] / median["fit"]
    verdict = "**met**" if ratio <= REPORT_GOAL else "**not met**"
    shown = {
        "fit": "`logitkit fit big.csv --target y`",
        "report": "`logitkit report big.csv --target y --out big.html`",
    }
    return [
        TITLE,
        "",
        f"A CSV of {rows:,} rows × {FEATURES} features ({size_mb:.0f} MB); each command run "
        f"{repeats} times in turn, each in a fresh process (`benchmarks/command_line.py`):",
        "",
        "| command | runs (s) | median (s) |",
        "| --- | --- | ---: |",
        *(
            f"| {shown[name]} | {', '.join(f'{t:.1f}' for t in runs[name])} | {median[name]:.1f} |"
            for name in commands
        ),
        "",
        f"- the report takes {ratio:.2f} × the fit (goal: at most {REPORT_GOAL:g} ×) — {verdict}",
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of the CSV (1e6)")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each command (3)")
    parser.add_argument("--into", type=Path, help="Markdown file to write the section into")
    args = parser.parse_args(argv)
    if args.rows < 100 or args.repeats < 1:
        parser.error("--rows must be at least 100 and --repeats at least 1")
    section = command_line_lines(args.rows, args.repeats)
    if args.into is not None:
        old = args.into.read_text(encoding="utf-8") if args.into.exists() else ""
        args.into.write_text(replace_section(old, TITLE, section), encoding="utf-8")
    print("\n".join(section))
    return 0


if __name__ == "__main__":
    sys.exit(main())
