"""The report's HTML: escaped text, number formats, tables, and the page with its style sheet.

The page is one file: the style sheet is inline, the figures are inline SVG, and nothing
refers outside it (no scripts, fonts, images or links but those to its own sections). The
layout is one column that fits a phone's width (about 390 px); on a wide window the figures
sit two or three to a row.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "Section",
    "definitions",
    "escape",
    "figure",
    "figures",
    "frame_table",
    "number",
    "page",
    "paragraph",
    "pvalue",
    "rows_table",
]

DIGITS = 6
"""Significant digits of the numbers in the report."""


@dataclass(frozen=True)
class Section:
    """One part of the report: its anchor, heading and HTML body."""

    id: str
    title: str
    body: str


def escape(text: Any) -> str:
    """``text`` as HTML text (quotes escaped too)."""
    return html.escape(str(text), quote=True)


def number(value: Any, digits: int = DIGITS) -> str:
    """A number in ``digits`` significant digits ("NA", "Inf", "-Inf" where not finite);
    integers, and floats that are whole numbers below 10¹⁵, as integers; anything else as its
    text."""
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, int | np.integer):
        return str(int(value))
    try:
        x = float(value)
    except (TypeError, ValueError):
        return str(value)
    if math.isnan(x):
        return "NA"
    if math.isinf(x):
        return "Inf" if x > 0 else "-Inf"
    if x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    return f"{x:.{digits}g}"


def pvalue(value: Any) -> str:
    """A p-value in 4 significant digits; one that underflows to 0 as "< 1e-300"."""
    if isinstance(value, float | np.floating) and value == 0.0:
        return "< 1e-300"
    return number(value, 4)


def rows_table(
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    caption: str | None = None,
    numeric: Sequence[bool] | None = None,
    css: str = "",
) -> str:
    """A table of already formatted cells; the first cell of each row is its heading."""
    header = list(header)
    numeric = list(numeric) if numeric is not None else [False] + [True] * (len(header) - 1)
    head = "".join(
        f'<th scope="col"{_num(numeric[j])}>{escape(cell)}</th>' for j, cell in enumerate(header)
    )
    body = []
    for row in rows:
        cells = [f'<th scope="row">{escape(row[0])}</th>']
        cells += [f"<td{_num(numeric[j])}>{escape(cell)}</td>" for j, cell in enumerate(row) if j]
        body.append(f"<tr>{''.join(cells)}</tr>")
    caption_html = f"<caption>{escape(caption)}</caption>" if caption else ""
    css_class = f' class="{css}"' if css else ""
    return (
        f'<div class="table-wrap"><table{css_class}>{caption_html}<thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def frame_table(
    frame: pd.DataFrame,
    columns: Mapping[str, tuple[str, Callable[[Any], str]]],
    *,
    index_label: str = "",
    caption: str | None = None,
    css: str = "",
) -> str:
    """The ``columns`` of a DataFrame (name → (heading, format)), one row per index entry
    (a (class, term) index as "class: term")."""
    header = [index_label, *(heading for heading, _ in columns.values())]
    rows = []
    for label, row in frame.iterrows():
        name = ": ".join(map(str, label)) if isinstance(label, tuple) else str(label)
        rows.append([name, *(fmt(row[column]) for column, (_, fmt) in columns.items())])
    return rows_table(header, rows, caption=caption, css=css)


def definitions(items: Iterable[tuple[str, str]]) -> str:
    """A definition list of (term, already formatted value) pairs."""
    body = "".join(f"<dt>{escape(term)}</dt><dd>{escape(value)}</dd>" for term, value in items)
    return f'<dl class="facts">{body}</dl>'


def paragraph(text: str, css: str = "") -> str:
    """One escaped paragraph."""
    css_class = f' class="{css}"' if css else ""
    return f"<p{css_class}>{escape(text)}</p>"


def figure(svg: str, caption: str, wide: bool = False) -> str:
    """An inline SVG figure with its caption (``wide``: across the whole row of figures)."""
    css = ' class="wide"' if wide else ""
    return f"<figure{css}>{svg}<figcaption>{escape(caption)}</figcaption></figure>"


def figures(*items: str) -> str:
    """Figures side by side where the window is wide enough, one above the other on a phone."""
    return f'<div class="figures">{"".join(items)}</div>'


def page(title: str, lede: str, sections: Sequence[Section], footer: str) -> str:
    """The whole HTML document."""
    contents = "".join(
        f'<li><a href="#{escape(section.id)}">{escape(section.title)}</a></li>'
        for section in sections
    )
    body = "".join(
        f'<section id="{escape(section.id)}"><h2>{escape(section.title)}</h2>'
        f"{section.body}</section>"
        for section in sections
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head>"
        f'<body><header><h1>{escape(title)}</h1><p class="lede">{escape(lede)}</p>'
        f'<nav aria-label="Contents"><ol>{contents}</ol></nav></header>'
        f"<main>{body}</main><footer>{footer}</footer></body></html>\n"
    )


def _num(numeric: bool) -> str:
    return ' class="num"' if numeric else ""


STYLE = """
:root{--ink:#1b1f23;--muted:#57606a;--line:#d0d7de;--soft:#f6f8fa;--warn:#9a6700;
--warn-bg:#fff8c5;--bad:#cf222e;--accent:#0969da}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;color:var(--ink);background:#fff;font:16px/1.5 system-ui,-apple-system,
"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
header,main,footer{max-width:80rem;margin:0 auto;padding:0 1rem}
header{padding-top:1rem}
h1{font-size:1.6rem;line-height:1.25;margin:.5rem 0}
h2{font-size:1.3rem;margin:2rem 0 .75rem;padding-bottom:.25rem;border-bottom:1px solid var(--line)}
h3{font-size:1.05rem;margin:1.25rem 0 .5rem}
.lede{color:var(--muted);margin:.25rem 0 1rem}
nav ol{display:flex;flex-wrap:wrap;gap:.25rem 1rem;padding:0;margin:0 0 1rem;list-style:none}
nav a{color:var(--accent);text-decoration:none}
nav a:hover{text-decoration:underline}
p,dl,ul{max-width:50rem}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.9em;
overflow-wrap:anywhere}
.table-wrap{overflow-x:auto;margin:.5rem 0 1rem;border:1px solid var(--line);border-radius:6px;
width:fit-content;max-width:100%}
table{border-collapse:collapse;font-size:.9rem;font-variant-numeric:tabular-nums}
caption{text-align:left;padding:.5rem .75rem;color:var(--muted);caption-side:top}
th,td{padding:.35rem .75rem;border-bottom:1px solid var(--line);text-align:left;
white-space:nowrap}
thead th{background:var(--soft);font-weight:600}
tbody tr:last-child th,tbody tr:last-child td{border-bottom:0}
.num{text-align:right}
.facts{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;margin:.5rem 0 1rem}
.facts dt{color:var(--muted)}
.facts dd{margin:0;font-variant-numeric:tabular-nums;overflow-wrap:anywhere}
.warnings{list-style:none;padding:0}
.warnings li{background:var(--warn-bg);border-left:4px solid var(--warn);padding:.5rem .75rem;
margin:.5rem 0;border-radius:0 6px 6px 0}
.ok{border-left:4px solid #1a7f37;background:#dafbe1;padding:.5rem .75rem;border-radius:0 6px 6px 0}
.unavailable{color:var(--muted);font-style:italic}
.figures{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,24rem),1fr));
gap:1rem;margin:1rem 0;max-width:78rem}
figure{margin:0;border:1px solid var(--line);border-radius:6px;padding:.5rem;background:#fff}
figure.wide{grid-column:1/-1;max-width:46rem}
svg.figure{display:block;width:100%;height:auto}
figcaption{color:var(--muted);font-size:.85rem;margin-top:.25rem}
footer{color:var(--muted);font-size:.85rem;margin:2.5rem auto 1.5rem;padding-top:.75rem;
border-top:1px solid var(--line)}
@media (max-width:480px){body{font-size:15px}h1{font-size:1.35rem}th,td{padding:.3rem .5rem}
header,main,footer{padding:0 .75rem}figure{padding:.25rem}}
"""
