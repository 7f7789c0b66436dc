"""The lesson as one self-contained HTML page: inline CSS, figures inlined as SVG, no script,
no external reference. It reflows from a phone's width to a desktop's: the panels of a figure
sit side by side where they fit and stack where they do not."""

from __future__ import annotations

from html import escape
from typing import Any

from .course import PANEL_LETTERS, Step
from .figures import svg
from .formulas import FORMULA_GAP, FORMULAS

CSS = """
*, *::before, *::after { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; text-size-adjust: 100%; }
body {
  margin: 0; color: #1d232a; background: #ffffff; line-height: 1.6; font-size: 17px;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Helvetica Neue",
    Arial, "PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "Noto Sans CJK SC",
    "Source Han Sans SC", "WenQuanYi Micro Hei", sans-serif;
}
main { max-width: 62rem; margin: 0 auto; padding: 1.5rem 1.25rem 3rem; }
h1 { font-size: 1.9rem; line-height: 1.25; margin: 0.5rem 0 1rem; }
h2 { font-size: 1.35rem; line-height: 1.3; margin: 0 0 0.75rem; }
nav ol { padding-left: 1.6rem; margin: 0.25rem 0 0; }
nav a, footer a { color: #1f5fa8; }
section { border-top: 1px solid #d0d7de; padding-top: 1.5rem; margin-top: 2rem; }
p { margin: 0 0 0.9rem; }
code { font-family: "DejaVu Sans Mono", Menlo, Consolas, "Liberation Mono", monospace;
  font-size: 0.88em; }
q { font-style: italic; }
.formula {
  font-family: "DejaVu Serif", "Cambria Math", "STIX Two Math", "Times New Roman", serif;
  font-size: 1.08rem; background: #f4f7fb; border-left: 4px solid #1f77b4;
  padding: 0.6rem 1rem; margin: 1rem 0; overflow-x: auto;
}
.formula div { padding: 0.15rem 0; }
.formula span { display: inline-block; white-space: nowrap; margin-right: 1.1em; }
figure { margin: 1.25rem 0; }
.panels { display: flex; flex-wrap: wrap; gap: 0.75rem; justify-content: center; }
.panel {
  flex: 1 1 20rem; max-width: 29rem; min-width: 0; background: #ffffff;
  border: 1px solid #dde3ea; padding: 0.25rem;
}
.panel svg { display: block; width: 100%; height: auto; }
figcaption { font-size: 0.92rem; color: #4a545e; margin-top: 0.6rem; }
details { margin: 1rem 0 0; }
summary { cursor: pointer; font-weight: 600; color: #3c4650; }
summary code { font-weight: 400; }
pre {
  background: #f6f8fa; border: 1px solid #e1e6eb; padding: 0.75rem 0.9rem; margin: 0.5rem 0 0;
  overflow-x: auto; font-size: 0.8rem; line-height: 1.45;
}
footer { border-top: 1px solid #d0d7de; margin-top: 2.5rem; padding-top: 1rem;
  font-size: 0.9rem; color: #4a545e; }
@media (max-width: 40rem) {
  body { font-size: 16px; }
  main { padding: 1rem 0.75rem 2rem; }
  h1 { font-size: 1.55rem; }
  h2 { font-size: 1.2rem; }
  .formula { font-size: 0.98rem; padding: 0.5rem 0.7rem; }
  pre { font-size: 0.74rem; }
}
"""


def render_html(steps: list[Step], text: dict[str, Any], version: str) -> str:
    """The page of ``steps`` in the language of ``text`` (see :mod:`.languages`)."""
    contents = "".join(
        f'<li><a href="#step-{step.number}">{text["steps"][step.key]["title"]}</a></li>'
        for step in steps
    )
    intro = "".join(f"<p>{paragraph}</p>" for paragraph in text["intro"])
    body = "\n".join(_section(step, text) for step in steps)
    footer = text["footer"].format(version=escape(version))
    return f"""<!DOCTYPE html>
<html lang="{text["html_lang"]}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(text["title"])}</title>
<style>{CSS}</style>
</head>
<body>
<main>
<header>
<h1>{escape(text["title"])}</h1>
{intro}
<nav aria-label="{escape(text["contents"])}"><strong>{escape(text["contents"])}</strong>
<ol>{contents}</ol></nav>
</header>
{body}
<footer><p>{footer}</p></footer>
</main>
</body>
</html>
"""


def _section(step: Step, text: dict[str, Any]) -> str:
    """One step: heading, text, formula, figure with caption, and the code that made it."""
    words = text["steps"][step.key]
    numbers = {
        name: escape(value) if isinstance(value, str) else value
        for name, value in step.shown.numbers.items()
    }
    paragraphs = "".join(
        f"<p>{_tie(paragraph.format(**numbers))}</p>" for paragraph in words["text"]
    )
    formula = "".join(
        "<div>"
        + "".join(f"<span>{part.strip()}</span>" for part in line.split(FORMULA_GAP))
        + "</div>"
        for line in FORMULAS[step.key]
    )
    panels = "".join(
        f'<div class="panel">{svg(ax, f"s{step.number}{letter}", f"{step.number}({letter})")}</div>'
        for letter, ax in zip(PANEL_LETTERS, step.shown.panels, strict=False)
    )
    module, _, name = step.function.rpartition(".")
    where = f"<code>{escape(name)}</code> (<code>{escape(module)}</code>)"
    return f"""<section id="step-{step.number}" class="step">
<h2>{step.number}. {words["title"]}</h2>
{paragraphs}
<div class="formula">{formula}</div>
<figure>
<div class="panels">{panels}</div>
<figcaption>{words["caption"].format(**numbers)}</figcaption>
</figure>
<details open>
<summary>{escape(text["code"])}: {where}</summary>
<pre><code>{escape(step.code)}</code></pre>
</details>
</section>"""


def _tie(paragraph: str) -> str:
    """The paragraph with no line break around " = ": an equation stays on one line."""
    return paragraph.replace(" = ", "\u00a0=\u00a0")
