"""Every Python example in docs/ and the README runs and prints what the text after it shows."""

from __future__ import annotations

import contextlib
import io
import re
import textwrap
import warnings
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs"
EXAMPLE = re.compile(r"```python\n(.*?)```[ \t]*\n\s*(?:```text\n(.*?)```)?", re.S)


def examples(path: Path) -> list[tuple[str, str | None]]:
    return EXAMPLE.findall(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    "path", [*sorted(DOCS.glob("*.md")), DOCS.parent / "README.md"], ids=lambda p: p.name
)
def test_doc_examples_run_and_print_what_they_show(path: Path) -> None:
    namespace: dict[str, object] = {}
    for code, shown in examples(path):
        output = io.StringIO()
        with contextlib.redirect_stdout(output), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            exec(compile(textwrap.dedent(code), str(path), "exec"), namespace)
        if shown:
            printed = [line.strip() for line in output.getvalue().strip().splitlines()]
            assert printed == [line.strip() for line in shown.strip().splitlines()], code
