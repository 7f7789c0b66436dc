"""The lesson as Markdown with its figures as SVG files: docs/lesson.md (English) and
docs/lesson.zh.md (Simplified Chinese), made by ``python docs/make_lesson.py``.

The text, formulas and code are those of the HTML page; paragraphs keep their inline HTML
(<sub>, <sup>, <code>, <em>), which GitHub's Markdown renders."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from . import figures
from .course import PANEL_LETTERS, Step, run_steps
from .formulas import FORMULAS
from .languages import LANGUAGES, text_for
from .meta import version

IMAGES = Path("images") / "lesson"
"""Where the figures go, relative to the Markdown files."""
IMAGE_WIDTH = 420
"""Pixels each panel is shown at: two side by side fit a page."""


def markdown_name(lang: str) -> str:
    """lesson.md for English, lesson.<lang>.md for the others."""
    return "lesson.md" if lang == "en" else f"lesson.{lang}.md"


def image_name(step: Step, index: int) -> str:
    """The file name of panel ``index`` of ``step``: step1a.svg, step1b.svg, ..."""
    return f"step{step.number}{PANEL_LETTERS[index]}.svg"


def render_markdown(steps: list[Step], text: dict[str, Any], version: str) -> str:
    """The lesson in the language of ``text``, its figures referenced under IMAGES."""
    lines = [f"# {text['title']}", "", text["docs_note"], ""]
    lines += [_escape(paragraph) + "\n" for paragraph in text["intro"]]
    lines.append(f"**{text['contents']}**\n")
    lines += [
        f"{step.number}. [{text['steps'][step.key]['title']}](#step-{step.number})"
        for step in steps
    ]
    for step in steps:
        lines += ["", *_section(step, text)]
    lines += ["", "---", "", text["footer"].format(version=version), ""]
    return "\n".join(lines)


def _section(step: Step, text: dict[str, Any]) -> list[str]:
    words = text["steps"][step.key]
    numbers = step.shown.numbers
    module, _, name = step.function.rpartition(".")
    images = " ".join(
        f'<img src="{(IMAGES / image_name(step, index)).as_posix()}" width="{IMAGE_WIDTH}" '
        f'alt="{step.number}({PANEL_LETTERS[index]})">'
        for index in range(len(step.shown.panels))
    )
    lines = [f'<a id="step-{step.number}"></a>', "", f"## {step.number}. {words['title']}", ""]
    lines += [_escape(paragraph.format(**numbers)) + "\n" for paragraph in words["text"]]
    lines += [
        '<p align="center">' + "<br>".join(FORMULAS[step.key]) + "</p>",
        "",
        f'<p align="center">{images}</p>',
        "",
        _escape(words["caption"].format(**numbers)),
        "",
        f"<details><summary>{text['code']}: <code>{name}</code> (<code>{module}</code>)</summary>",
        "",
        "```py",
        step.code.rstrip("\n"),
        "```",
        "",
        "</details>",
    ]
    return lines


def _escape(paragraph: str) -> str:
    """A paragraph of the lesson as Markdown text: an asterisk (J*) is a character, not
    emphasis."""
    return paragraph.replace("*", "\\*")


def write_docs(folder: Path, steps: list[Step] | None = None) -> list[Path]:
    """Run the lesson (unless ``steps`` are given) and write its Markdown in every language
    into ``folder`` and its figures into ``folder``/IMAGES; returns the files written."""
    steps = run_steps() if steps is None else steps
    image_folder = folder / IMAGES
    image_folder.mkdir(parents=True, exist_ok=True)
    written = []
    for step in steps:
        for index, ax in enumerate(step.shown.panels):
            target = image_folder / image_name(step, index)
            target.write_bytes(figures.svg_file(ax))
            written.append(target)
    for lang in LANGUAGES:
        target = folder / markdown_name(lang)
        target.write_text(render_markdown(steps, text_for(lang), version()), "utf-8")
        written.append(target)
    return written
