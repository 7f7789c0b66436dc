"""The time ``import logitkit`` takes, and the first use of its estimator, in fresh processes.

``logitkit/__init__.py`` loads its public names on first use, so importing the package should
pull in neither scikit-learn, SciPy's statistics nor pandas; this module measures that.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

HEAVY = ("sklearn", "scipy.stats", "pandas", "numpy")
"""Modules that ``import logitkit`` alone should leave unloaded."""


def _importtime_seconds() -> float:
    """The cumulative time of the ``logitkit`` line of ``python -X importtime``."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import logitkit"],
        capture_output=True,
        text=True,
        check=True,
    )
    for line in result.stderr.splitlines():
        fields = [field.strip() for field in line.split("|")]
        if len(fields) == 3 and fields[2] == "logitkit":
            return int(fields[1]) / 1e6
    raise RuntimeError("python -X importtime printed no line for logitkit")


def _wall_seconds(code: str) -> float:
    """The wall time of ``python -c code`` (the whole process)."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)
    return time.perf_counter() - start


def _loaded_after_import() -> list[str]:
    """Which of :data:`HEAVY` are in ``sys.modules`` right after ``import logitkit``."""
    code = f"import sys, logitkit; print(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    return result.stdout.split()


def import_time_lines(repeats: int = 5) -> list[str]:
    """The Markdown section: medians of ``repeats`` fresh processes (one untimed run first)."""
    _wall_seconds("import logitkit")
    importing = statistics.median(_importtime_seconds() for _ in range(repeats))
    first_use = statistics.median(
        _wall_seconds("import logitkit; logitkit.LogisticRegression") for _ in range(repeats)
    )
    loaded = _loaded_after_import()
    return [
        "## Import time",
        "",
        f"logitkit loads its public names on first use. Medians of {repeats} fresh processes each:",
        "",
        f'- `python -X importtime -c "import logitkit"`, the `logitkit` line: '
        f"{importing * 1e3:.1f} ms",
        f'- `python -c "import logitkit; logitkit.LogisticRegression"`, the whole process: '
        f"{first_use:.2f} s (the estimator needs scikit-learn, SciPy and pandas)",
        "- loaded by `import logitkit` alone, of "
        f"{', '.join(HEAVY)}: {', '.join(loaded) if loaded else 'none'}",
        "",
    ]
