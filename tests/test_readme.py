"""The README: its two commands, and its Python examples run (docs tests check their output)."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_python_examples_run() -> None:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    assert len(blocks) >= 2
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        exec(compile(blocks[0], str(README), "exec"), {})
    printed = output.getvalue()
    assert "[15.0429" in printed and "[[-0.2321627" in printed
    assert "[0.9996" in printed


def test_readme_starts_with_exactly_the_two_commands() -> None:
    first_block = re.search(r"```bash\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    assert first_block is not None
    commands = first_block.group(1).strip().splitlines()
    assert commands == [
        "python -m pip install . && python -m logitkit demo",
        'python -m pip install ".[test]" && python -m pytest',
    ]
    assert commands[1] in Path(README.parent, ".ci", "run").read_text(encoding="utf-8")
