"""The Markdown report: the machine, the results table and each problem's goals."""

from __future__ import annotations

import datetime
import os
import platform
import subprocess
from collections.abc import Sequence
from pathlib import Path

import glum
import numpy as np
import scipy
import sklearn
import statsmodels
from threadpoolctl import threadpool_info

import logitkit

from .measure import SAME_COST, Result, Row
from .problems import PASSES_GOAL
from .tools import SAGA_TOL, SKLEARN_MAX_ITER

ROOT = Path(__file__).resolve().parent.parent
MIB = 2.0**20

LOGITKIT_COST = 1e-9
"""logitkit's default must reach the best anchor's cost within this (relative)."""

MEMORY_GOAL = 0.25
"""A dense fit may allocate at most this fraction of X's size beyond X."""


def _read(path: str, key: str) -> str | None:
    try:
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                if line.startswith(key):
                    return line.split(":", 1)[1].strip()
    except OSError:
        return None
    return None


def source() -> str:
    """The logitkit commit measured, and whether src/ differs from it."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        changed = subprocess.run(
            ["git", "status", "--porcelain", "src"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
    except OSError:
        return "unknown"
    if not commit:
        return "unknown"
    return commit + (" with uncommitted changes to src/" if changed else "")


def machine() -> list[str]:
    """Platform, CPU, cores, memory, BLAS and the library versions, one Markdown bullet each."""
    memory = _read("/proc/meminfo", "MemTotal")
    memory_text = f"{int(memory.split()[0]) / 2**20:.1f} GiB" if memory else "unknown"
    pools = [
        f"{info.get('internal_api')} {info.get('version')} "
        f"({info.get('threading_layer', 'threads')}, {info.get('num_threads')} threads"
        + (f", {info['architecture']}" if info.get("architecture") else "")
        + ")"
        for info in threadpool_info()
        if info.get("user_api") == "blas"
    ]
    return [
        f"- platform: {platform.platform()}, Python {platform.python_version()}",
        f"- CPU: {_read('/proc/cpuinfo', 'model name') or platform.processor() or 'unknown'}, "
        f"{os.cpu_count()} cores",
        f"- memory: {memory_text}",
        f"- NumPy BLAS: {'; '.join(pools) or 'not found'}",
        f"- versions: logitkit {logitkit.__version__}, NumPy {np.__version__}, "
        f"SciPy {scipy.__version__}, scikit-learn {sklearn.__version__}, "
        f"glum {glum.__version__}, statsmodels {statsmodels.__version__}",
    ]


def _seconds(value: float) -> str:
    if not np.isfinite(value):
        return "—"
    return f"{value:.3g}" if value < 100 else f"{value:.0f}"


def _float(value: float | None, digits: int = 2) -> str:
    if value is None or not np.isfinite(value):
        return "—"
    return f"{value:.{digits}f}"


def _gap(value: float) -> str:
    if not np.isfinite(value):
        return "—"
    return "0" if value == 0 else f"{value:.1e}"


def _runs(row: Row, repeats: int) -> str:
    count = len(row.times)
    return "" if count >= repeats else f" ({count} run{'s' if count > 1 else ''}, over budget)"


def table(results: Sequence[Result]) -> list[str]:
    """The Markdown table, one row per tool and problem."""
    lines = [
        "| problem | tool / solver | iterations | median s | × fastest anchor | cost J "
        "| gap to best | max KKT | peak extra MiB | × X size | passes |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for result in results:
        problem = f"{result.problem.name} (n = {result.data_n:,}, p = {result.data_p:,}"
        problem += ")" if result.scale == 1 else f", scale {result.scale:g})"
        for row in result.rows:
            if row.error:
                lines.append(f"| {problem} | {row.name} | | failed: {row.error} | | | | | | | |")
                continue
            marker = "" if result.solved(row) else " †"
            reference = " (ref.)" if row is result.reference else ""
            peak = row.peak_bytes
            passes = result.passes(row)
            lines.append(
                f"| {problem} | {row.name}{marker}{reference} | "
                f"{row.n_iter if row.n_iter is not None else '—'} | "
                f"{_seconds(row.median)}{_runs(row, result.repeats)} | "
                f"{_float(result.ratio(row))} | {row.cost:.12f} | "
                f"{_gap(result.gap(row))} | {row.kkt:.1e} | "
                f"{_float(None if peak is None else peak / MIB, 1)} | "
                f"{_float(None if peak is None else peak / result.x_bytes)} | "
                f"{_float(passes, 1)} |"
            )
        if result.optimum is not None:
            lines.append(
                f"| {problem} | optimum J* (scikit-learn newton-cholesky, untimed) | | | | "
                f"{result.optimum:.12f} | {_gap(result.gap_of(result.optimum))} | | | | |"
            )
    return lines


def _verdict(met: bool) -> str:
    return "**met**" if met else "**not met**"


def goals(result: Result) -> list[str]:
    """logitkit's row of this problem against each of its goals, one bullet each."""
    problem, row = result.problem, result.logitkit
    head = f"- **{problem.name}**"
    if not row.ok:
        return [f"{head}: logitkit failed ({row.error}); no goal met"]
    reference = result.reference
    lines = [f"{head} ({row.name}):"]
    if reference is None:
        lines.append("  - time: no anchor reached the optimum; no reference time")
    else:
        ratio = result.ratio(row)
        lines.append(
            f"  - time ≤ {problem.goal.ratio:g} × {problem.goal.versus} ({reference.name}, "
            f"{_seconds(reference.median)} s): {_seconds(row.median)} s, ratio {ratio:.2f} — "
            f"{_verdict(ratio <= problem.goal.ratio)}"
        )
    if problem.exact:
        best = result.best_anchor_cost
        gap = (row.cost - best) / abs(best)
        lines.append(
            f"  - cost within {LOGITKIT_COST:g} (relative) of the best anchor's: "
            f"{gap:+.1e} — {_verdict(gap <= LOGITKIT_COST)}"
        )
    elif reference is not None:
        lines.append(
            f"  - cost after the epoch ≤ {reference.name}'s: {row.cost:.6f} vs "
            f"{reference.cost:.6f} — {_verdict(row.cost <= reference.cost)}"
        )
    if problem.coef_goal is not None and reference is not None:
        difference = result.coef_difference(row)
        lines.append(
            f"  - coefficients within {problem.coef_goal:g} (relative) of {reference.name}'s: "
            f"{difference:.1e} — {_verdict(difference <= problem.coef_goal)}"
        )
    if problem.l1_ratio > 0 and reference is not None:
        lines.append(
            f"  - accuracy: largest KKT violation {row.kkt:.1e} (logitkit) vs "
            f"{reference.kkt:.1e} ({reference.name})"
        )
    passes = result.passes(row)
    if problem.passes_goal is not None and passes is not None:
        lines.append(
            f"  - ≤ {problem.passes_goal:g} passes over X: {passes:.1f} — "
            f"{_verdict(passes <= problem.passes_goal)}"
        )
    if result.matvec_seconds is not None and row.peak_bytes is not None:
        fraction = row.peak_bytes / result.x_bytes
        if problem.memory_goal is None:
            lines.append(
                f"  - peak extra memory ({result.x_bytes / MIB:.2f} MiB X): "
                f"{row.peak_bytes / MIB:.2f} MiB = {fraction:.2f} × X (no goal: see above)"
            )
            return lines
        lines.append(
            f"  - peak extra memory ≤ {problem.memory_goal:g} × X "
            f"({result.x_bytes / MIB:.0f} MiB): {row.peak_bytes / MIB:.1f} MiB = "
            f"{fraction:.2f} × X — {_verdict(fraction <= problem.memory_goal)}"
        )
        if problem.result_bytes is not None:
            table = problem.result_bytes(result.data_n, result.data_p)
            working = (row.peak_bytes - table) / result.x_bytes
            lines.append(
                f"  - of which the returned table is {table / MIB:.1f} MiB = "
                f"{table / result.x_bytes:.2f} × X; the working memory beyond it, "
                f"{(row.peak_bytes - table) / MIB:.1f} MiB = {working:.2f} × X, ≤ "
                f"{problem.memory_goal:g} × X — {_verdict(working <= problem.memory_goal)}"
            )
    return lines


def load_average() -> str:
    try:
        return ", ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "unknown"


def report(
    results: Sequence[Result], command: str, started: datetime.datetime, load_at_start: str
) -> str:
    """The whole BENCHMARKS.md."""
    notes = sorted(
        {
            f"{row.name} on {r.problem.name}: {w}"
            for r in results
            for row in r.rows
            for w in row.warnings
        }
    )
    lines = [
        "# Benchmarks",
        "",
        "logitkit's default fit against scikit-learn, glum and statsmodels on the problems below, "
        "all in one process, one tool after the other. Generated by `benchmarks/run.py`; "
        "do not edit by hand. How the fast paths work, and for each goal not met what limits "
        "it (with profiles) and what was tried: [docs/performance.md](docs/performance.md).",
        "",
        f"- date: {started:%Y-%m-%d %H:%M} UTC",
        f"- command: `{command}`",
        f"- logitkit source: git commit {source()}",
        *machine(),
        f"- load average (1, 5, 15 min) at the start: {load_at_start}; "
        f"when written: {load_average()}",
        "",
        "## How to read it",
        "",
        "- **median s**: median wall time of the fits; every tool ran the same number of "
        "times unless a budget was set and its fits took longer (then the runs are shown and "
        "its memory was not measured). Before them each tool fits the first 2,000 rows once, "
        "untimed, so that one-time costs (imports, compiled kernels) are left out. Data "
        "generation and statsmodels' added constant column "
        "are not timed.",
        "- **cost J**: (1/n) Σ [log(1 + e^z) − y z] + α(ρ‖w‖₁ + (1 − ρ)/2 ‖w‖²), computed by "
        "one function from each tool's intercept and weights, summed over the α of a path. "
        "scikit-learn runs with C = 1/(α·n) (C = ∞ for α = 0) and l1_ratio = ρ, glum with "
        "alpha = α and l1_ratio = ρ (the same J), statsmodels unpenalised. "
        "Anchors run at tight tolerances: tol 1e-8 and max_iter "
        f"{SKLEARN_MAX_ITER:,} (scikit-learn; "
        f"saga, whose tol bounds the relative change of w over an epoch, {SAGA_TOL:g}), "
        "gradient_tol 1e-8 and max_iter 10,000 (glum), newton with tol 1e-8 and maxiter 100 "
        "(statsmodels).",
        "- **gap to best**: (J − J_best) / J_best, J_best the lowest cost any tool reached on "
        "the problem (for sgd-epoch, the optimum J* of the same data, found untimed). "
        f"† marks a tool more than {SAME_COST:g} above it: it did not solve the "
        "problem (statsmodels fits the unpenalised likelihood; on a penalised problem its gap "
        "is that of a different objective), and it is not a reference for the time ratios.",
        "- **max KKT**: the largest violation of J's optimality conditions at the tool's "
        "solution, over every α of a path: |∂J/∂b|, |gⱼ + αρ sign wⱼ| for wⱼ ≠ 0 and "
        "max(|gⱼ| − αρ, 0) for wⱼ = 0, g the gradient of J's smooth part.",
        "- **× fastest anchor**: median time ÷ that of the fastest anchor that solved the problem "
        "(marked ref.).",
        "- **peak extra MiB**: tracemalloc's peak during one more fit, beyond the data; "
        "**× X size** relates it to the bytes of X. tracemalloc sees every allocation made "
        "through Python and NumPy, but not memory that BLAS, OpenMP, Numba or C/C++ "
        "extensions (glum's tabmat) allocate internally.",
        "- **passes**: median time ÷ the time of one `X @ w` (dense problems).",
        "- **iterations**: as each tool reports them (epochs for SGD, IRLS/Newton steps, "
        "L-BFGS iterations); → names the solver logitkit's `auto` chose.",
        "",
        "## Problems",
        "",
        *(
            f"- **{problem.name}**: {problem.description}; n = {problem.n:,}, p = {problem.p:,} "
            f"at scale 1, seed {problem.seed}."
            for problem in {result.problem.name: result.problem for result in results}.values()
        ),
        "",
        "## Results",
        "",
        *table(results),
        "",
        "## Goals",
        "",
        "logitkit's default should take at most half the time of the fastest anchor (a tenth of "
        "statsmodels' for inference and diagnostics, no more than scikit-learn's SGD epoch), reach "
        f"the best anchor's cost within {LOGITKIT_COST:g}, pass over dense-tall's X at most "
        f"{PASSES_GOAL:g} times, and allocate at most {MEMORY_GOAL:g} × X beyond X on dense data "
        "(0.5 × X for diagnostics, whose influence table alone has n × (p + 7) entries; none "
        "for the small fits, where the labels, the weights and the normalised weights, three "
        "n-vectors every fit keeps, are 3/p × X: 0.6 × X at p = 5).",
        "",
    ]
    for result in results:
        lines.extend(goals(result))
    if notes:
        lines += ["", "## Warnings raised during the fits", ""]
        lines += [f"- {note}" for note in notes]
    return "\n".join(lines) + "\n"


def _section_bounds(lines: list[str], title: str) -> tuple[int, int] | None:
    """Where the section headed ``title`` starts and ends (the next "## " heading or the end)."""
    if title not in lines:
        return None
    start = lines.index(title)
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
    return start, end


def extract_section(text: str, title: str) -> list[str] | None:
    """The lines of the section headed ``title`` in ``text`` (None if it has none)."""
    lines = text.rstrip("\n").split("\n")
    bounds = _section_bounds(lines, title)
    if bounds is None:
        return None
    section = lines[bounds[0] : bounds[1]]
    while section and not section[-1]:
        section.pop()
    return section


def replace_section(text: str, title: str, section: Sequence[str]) -> str:
    """``text`` with the section headed ``title`` replaced by ``section``, or it appended."""
    lines = text.rstrip("\n").split("\n") if text else []
    bounds = _section_bounds(lines, title)
    if bounds is None:
        lines += ["", *section] if lines else list(section)
    else:
        start, end = bounds
        lines[start:end] = [*section, ""] if end < len(lines) else list(section)
    return "\n".join(lines) + "\n"
