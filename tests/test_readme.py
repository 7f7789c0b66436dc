"""The README: its two commands, and its Python examples run (docs tests check their output)."""

from __future__ import annotations

import contextlib
import io
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import logitkit

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


def test_readme_command_line_example_runs_as_written(tmp_path: Path) -> None:
    section = README.read_text(encoding="utf-8").split("## On the command line", 1)[1]
    block = re.search(r"```bash\n(.*?)```", section, re.S)
    assert block is not None
    lines = block.group(1).strip().splitlines()
    assert lines[0].startswith("python -c")
    source = str(Path(logitkit.__file__).resolve().parents[1])
    environment = {**os.environ, "PYTHONPATH": source}
    outputs = []
    for line in lines:
        argv = shlex.split(line)
        argv[:1] = [sys.executable] if argv[0] == "python" else [sys.executable, "-m", "logitkit"]
        result = subprocess.run(
            argv, cwd=tmp_path, env=environment, capture_output=True, text=True, check=False
        )
        assert (result.returncode, result.stderr) == (0, ""), line
        outputs.append(result.stdout)
    assert "temperature_f  -0.2322     0.1082" in outputs[1]
    assert "Model saved to model.json" in outputs[1]
    predictions = (tmp_path / "predictions.csv").read_text().splitlines()
    assert predictions[0] == "proba_1" and len(predictions) == 24
    assert "-0.5154 -0.06079" in outputs[3]
    assert "95% profile-likelihood intervals" in outputs[3]
    assert "P(damage | 31 °F) = 0.9996" in outputs[4]
