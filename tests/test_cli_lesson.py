"""``logitkit lesson``: the command writes the page in either language, refuses bad input with
one error line, and the page it writes renders in a real browser at a desktop's and a phone's
width with every figure panel drawn."""

from __future__ import annotations

import contextlib
import io
import re
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest

from browser import is_blank, screenshot
from logitkit.io.cli import main

BORDER = (221, 227, 234)
"""The colour of a figure panel's frame on the page (``.panel`` in logitkit.lesson.page)."""
WINDOWS = {"desktop": (1024, 17000), "phone": (390, 22000)}
"""Browser windows, CSS pixels: each taller than the whole page at that width."""


def _run(capsys, *argv):
    code = main([str(arg) for arg in argv])
    out, err = capsys.readouterr()
    return code, out, err


def _one_error_line(code: int, err: str) -> str:
    assert code == 2
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("logitkit: error: ")
    return lines[0]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """The command run twice: with its defaults (lesson.html in English, in the working
    folder), and with --out and --lang zh; the pages and what it printed."""
    folder = tmp_path_factory.mktemp("lesson")
    printed = io.StringIO()
    with pytest.MonkeyPatch.context() as patch, contextlib.redirect_stdout(printed):
        patch.chdir(folder)
        assert main(["lesson"]) == 0
        assert main(["lesson", "--out", "chinese.html", "--lang", "zh"]) == 0
    return {"en": folder / "lesson.html", "zh": folder / "chinese.html"}, printed.getvalue()


@pytest.fixture(scope="module")
def pages(run):
    return run[0]


def test_lesson_says_where_it_wrote(run):
    assert run[1].splitlines() == [
        "Lesson written to lesson.html (open it in a web browser)",
        "Lesson written to chinese.html (open it in a web browser)",
    ]


def test_lesson_writes_one_page_per_language(pages):
    english = pages["en"].read_text(encoding="utf-8")
    chinese = pages["zh"].read_text(encoding="utf-8")
    assert '<html lang="en">' in english and '<html lang="zh-CN">' in chinese
    assert english.startswith("<!DOCTYPE html>")
    assert english.count("<svg") == chinese.count("<svg") >= 8
    assert "<script" not in english + chinese
    assert "逻辑回归" in chinese and "逻辑回归" not in english


def test_lesson_help(capsys):
    code, out, _ = _run(capsys, "lesson", "--help")
    assert code == 0
    assert "--out FILE" in out and "--lang {en,zh}" in out
    assert "Simplified Chinese" in out


def test_an_unknown_language_is_one_error_line(capsys, tmp_path):
    code, out, err = _run(capsys, "lesson", "--out", tmp_path / "x.html", "--lang", "fr")
    line = _one_error_line(code, err)
    assert "invalid choice: 'fr'" in line and "'en', 'zh'" in line
    assert out == "" and not (tmp_path / "x.html").exists()


@pytest.mark.parametrize(
    ("where", "message"),
    [
        ("missing/x.html", "does not exist"),
        (".", "it is a directory"),
    ],
)
def test_an_unwritable_path_is_one_error_line(capsys, tmp_path, where, message):
    code, _, err = _run(capsys, "lesson", "--out", tmp_path / where)
    assert message in _one_error_line(code, err)


def test_without_matplotlib_the_error_says_what_to_install(capsys, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    code, _, err = _run(capsys, "lesson", "--out", tmp_path / "x.html")
    assert 'pip install "logitkit[plots]"' in _one_error_line(code, err)
    assert not (tmp_path / "x.html").exists()


def panel_frames(pixels: np.ndarray, min_width: int = 150) -> list[tuple[int, int, int, int]]:
    """The frames of the figure panels in a screenshot, as (top, bottom, left, right): the
    horizontal runs of the frame colour at least ``min_width`` long, paired top and bottom by
    their columns."""
    rgb = np.rint(pixels * 255).astype(np.uint8)
    mask = np.all(rgb == BORDER, axis=-1)
    rows_by_columns: dict[tuple[int, int], list[int]] = defaultdict(list)
    for row in np.flatnonzero(mask.sum(axis=1) >= min_width):
        change = np.diff(np.r_[0, mask[row].astype(np.int8), 0])
        for left, right in zip(
            np.flatnonzero(change == 1), np.flatnonzero(change == -1), strict=True
        ):
            if right - left >= min_width:
                rows_by_columns[(int(left), int(right))].append(int(row))
    frames = []
    for (left, right), rows in rows_by_columns.items():
        assert len(rows) % 2 == 0, f"a frame edge at columns {left}..{right} has no partner"
        pairs = zip(rows[::2], rows[1::2], strict=True)
        frames += [(top, bottom, left, right) for top, bottom in pairs]
    return sorted(frames)


@pytest.mark.slow
@pytest.mark.parametrize("window", list(WINDOWS))
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_page_renders_with_every_figure_in_a_browser(pages, tmp_path, lang, window):
    page = pages[lang]
    width, height = WINDOWS[window]
    pixels = screenshot(page, tmp_path / f"{lang}-{window}.png", width=width, height=height)
    assert pixels.shape[:2] == (height, width)
    assert not is_blank(pixels)
    drawn = np.flatnonzero((pixels < 0.99).any(axis=(1, 2)))
    assert drawn.max() < height - 200, "the page is longer than the window: raise its height"
    panels = len(re.findall("<svg", page.read_text(encoding="utf-8")))
    frames = panel_frames(pixels)
    assert len(frames) == panels
    side_by_side = len({top for top, *_ in frames}) < len(frames)
    assert side_by_side == (window == "desktop")
    for top, bottom, left, right in frames:
        assert bottom - top > 150
        inside = pixels[top + 2 : bottom - 1, left + 2 : right - 2]
        assert not is_blank(inside)
        assert (inside.max(axis=-1) < 0.3).mean() > 0.002  # axes, ticks and labels are drawn
    assert Path(page).stat().st_size < 2_000_000
