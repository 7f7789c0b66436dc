"""How fit time grows with n and with p: logitkit's default against the anchors, on log–log axes.

    python benchmarks/scaling.py [--max-n 10000000] [--max-p 2000] [--repeats 3] [--budget 60]
                                 [--into BENCHMARKS.md]

Two sweeps of unpenalised fits of dense-tall's data (standard normal X, seed 0): n = 10⁴, 10⁵,
10⁶, 10⁷ at p = 50, and p = 10, 100, 500, 2,000 at n = 10⁵ (each capped by ``--max-n`` and
``--max-p``). Every tool fits each size ``--repeats`` times after an untimed warm-up, as
``benchmarks/run.py`` does; the median is plotted. A tool is left out of the next size when
its last median, grown in proportion to the size, would pass
``--budget`` seconds. The slope of each line is the least-squares slope of log t against log n
(or log p): 1 is linear growth. The figure goes to ``docs/images/scaling.png`` and the section
into ``--into`` (replacing its old version; ``benchmarks/run.py`` keeps it).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.data import Data, standard_normal
from benchmarks.measure import SAME_COST, measure
from benchmarks.problems import _logitkit_default, _newton_anchors
from benchmarks.report import ROOT, replace_section
from benchmarks.tools import Tool

TITLE = "## Scaling: fit time against n and against p"
N_SIZES = (10_000, 100_000, 1_000_000, 10_000_000)
N_SWEEP_P = 50
P_SIZES = (10, 100, 500, 2_000)
P_SWEEP_N = 100_000
FIGURE = ROOT / "docs" / "images" / "scaling.png"


@dataclass
class Sweep:
    """One sweep: the sizes it ran and, per tool, the median seconds at each (NaN: not run)."""

    axis: str
    sizes: list[int]
    seconds: dict[str, list[float]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def slope(self, name: str) -> float:
        """Least-squares slope of log t against log size over the sizes the tool ran."""
        times = np.asarray(self.seconds[name])
        ran = np.isfinite(times)
        if ran.sum() < 2:
            return float("nan")
        return float(np.polyfit(np.log(np.asarray(self.sizes)[ran]), np.log(times[ran]), 1)[0])


def _tools() -> list[Tool]:
    return [_logitkit_default(), *_newton_anchors(penalised=False)]


def run_sweep(
    axis: str,
    sizes: Sequence[int],
    shape: Callable[[int], tuple[int, int]],
    repeats: int,
    budget: float,
    growth: int,
) -> Sweep:
    """Fit every tool at each size; ``shape(size)`` gives (n, p), ``growth`` the power of the
    size that the time is expected to grow with (for the budget rule)."""
    sweep = Sweep(axis, list(sizes))
    tools = _tools()
    sweep.seconds = {tool.name: [] for tool in tools}
    skipped: dict[str, int] = {}
    for index, size in enumerate(sizes):
        n, p = shape(size)
        X, y = standard_normal(n, p, seed=0)
        data = Data(X, y, 0.0)
        print(f"{axis} = {size:,} (n = {n:,}, p = {p:,})", file=sys.stderr)
        costs: dict[str, float] = {}
        for tool in tools:
            times = sweep.seconds[tool.name]
            if tool.name in skipped:
                times.append(float("nan"))
                continue
            row = measure(tool, data, repeats, memory=False, budget=budget)
            if row.error is not None or not row.times:
                sweep.notes.append(f"{tool.name} at {axis} = {size:,}: {row.error}")
                times.append(float("nan"))
                continue
            times.append(statistics.median(row.times))
            costs[tool.name] = row.cost
            print(f"  {tool.name}: {times[-1]:.3f} s", file=sys.stderr)
            following = sizes[index + 1] if index + 1 < len(sizes) else None
            if following is not None and times[-1] * (following / size) ** growth > budget:
                skipped[tool.name] = following
                sweep.notes.append(
                    f"{tool.name} left out from {axis} = {following:,}: its {times[-1]:.1f} s "
                    f"at {size:,} would grow past the {budget:g} s budget"
                )
        sweep.notes.extend(_cost_gaps(costs, axis, size))
        del X, y, data
    return sweep


def _cost_gaps(costs: dict[str, float], axis: str, size: int) -> list[str]:
    """A note for each tool whose cost J is more than SAME_COST (relative) above the best."""
    best = min(costs.values(), default=float("nan"))
    return [
        f"{name} at {axis} = {size:,}: cost {cost:.10g}, {(cost - best) / abs(best):.1e} above "
        "the best"
        for name, cost in costs.items()
        if cost - best > SAME_COST * abs(best)
    ]


def draw(sweeps: Sequence[Sweep], path: Path) -> None:
    """Both sweeps side by side on log–log axes, one line per tool, the slope in the legend."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(sweeps), figsize=(6 * len(sweeps), 4.5))
    for ax, sweep in zip(np.atleast_1d(axes), sweeps, strict=True):
        for name, times in sweep.seconds.items():
            style = "-o" if name.startswith("logitkit") else "--s"
            ax.loglog(sweep.sizes, times, style, label=f"{name} (slope {sweep.slope(name):.2f})")
        ax.set_xlabel(sweep.axis)
        ax.set_ylabel("median fit time (s)")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)


def section(sweeps: Sequence[Sweep], command: str, figure_link: str) -> list[str]:
    """The Markdown section: the figure, each sweep's table of medians and slopes, the notes."""
    lines = [
        TITLE,
        "",
        f"Unpenalised fits of standard normal data, medians of the repeats (`{command}`). "
        f"Every tool's cost J is within {SAME_COST:g} (relative) of the best at each size "
        "unless a note below says otherwise. Slope: of log t against log n (or log p) over "
        "the sizes a tool ran; 1 is linear.",
        "",
        f"![fit time against n and p]({figure_link})",
    ]
    for sweep in sweeps:
        names = list(sweep.seconds)
        lines += [
            "",
            f"| tool | {' | '.join(f'{sweep.axis} = {size:,}' for size in sweep.sizes)} | slope |",
            f"| --- |{' ---: |' * (len(sweep.sizes) + 1)}",
        ]
        for name in names:
            cells = ["—" if not np.isfinite(t) else f"{t:.3g} s" for t in sweep.seconds[name]]
            lines.append(f"| {name} | {' | '.join(cells)} | {sweep.slope(name):.2f} |")
    notes = [note for sweep in sweeps for note in sweep.notes]
    if notes:
        lines += ["", *(f"- {note}" for note in notes)]
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--max-n", type=int, default=N_SIZES[-1], help="largest n (1e7)")
    parser.add_argument("--max-p", type=int, default=P_SIZES[-1], help="largest p (2000)")
    parser.add_argument("--repeats", type=int, default=3, help="timed fits per size (3)")
    parser.add_argument("--budget", type=float, default=60.0, help="seconds per fit (60)")
    parser.add_argument("--figure", type=Path, default=FIGURE, help="where the plot goes")
    parser.add_argument("--into", type=Path, help="Markdown file to write the section into")
    args = parser.parse_args(argv)
    if args.max_n < N_SIZES[0] or args.max_p < P_SIZES[0] or args.repeats < 1:
        parser.error(f"--max-n ≥ {N_SIZES[0]:,}, --max-p ≥ {P_SIZES[0]} and --repeats ≥ 1")
    n_sizes = [n for n in N_SIZES if n <= args.max_n]
    p_sizes = [p for p in P_SIZES if p <= args.max_p]
    command = "python benchmarks/scaling.py " + " ".join(argv if argv is not None else sys.argv[1:])
    home = args.into.resolve().parent if args.into is not None else Path.cwd()
    link = Path(os.path.relpath(args.figure.resolve(), home)).as_posix()
    sweeps = [run_sweep("n", n_sizes, lambda n: (n, N_SWEEP_P), args.repeats, args.budget, 1)]
    _write(sweeps, command.strip(), link, args.figure.resolve(), args.into)
    sweeps.append(run_sweep("p", p_sizes, lambda p: (P_SWEEP_N, p), args.repeats, args.budget, 1))
    print("\n".join(_write(sweeps, command.strip(), link, args.figure.resolve(), args.into)))
    return 0


def _write(
    sweeps: list[Sweep], command: str, link: str, figure: Path, into: Path | None
) -> list[str]:
    """Draw the sweeps run so far and write their section into ``into`` (after each sweep, so
    that an interrupted run keeps what it measured)."""
    draw(sweeps, figure)
    lines = section(sweeps, command, link)
    if into is not None:
        old = into.read_text(encoding="utf-8") if into.exists() else ""
        into.write_text(replace_section(old, TITLE, lines), encoding="utf-8")
    return lines


if __name__ == "__main__":
    sys.exit(main())
