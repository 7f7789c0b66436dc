"""The architecture is enforced: import-linter's contracts hold and mypy finds no error.

The contracts in pyproject.toml fix the layers (io above models above inference above solvers
above core above backends), forbid import cycles between the modules of a package, keep the
solvers independent of objectives and model families, and keep private modules private; see
docs/architecture.md. A change that breaks one fails here, with the report of the tool.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _run(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *arguments],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def test_import_contracts_are_kept() -> None:
    result = _run(
        "-c",
        "import sys; from importlinter.cli import lint_imports; "
        "sys.exit(lint_imports(no_cache=True))",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.slow
def test_mypy_finds_no_error() -> None:
    result = _run("-m", "mypy", "--no-incremental")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success: no issues found" in result.stdout
