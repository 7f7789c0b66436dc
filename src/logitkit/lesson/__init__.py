"""The derivation of logistic regression as a lesson you can run.

``logitkit.lesson(path="lesson.html", lang="en")`` (or ``logitkit lesson --out lesson.html``)
runs the eight steps of the derivation, each a short text, its formula, a figure computed
then and there by logitkit's own functions and solvers, and the source of the function that
made the figure, and writes them as one self-contained HTML page (no script, no network).
``lang="zh"`` writes it in Simplified Chinese. Needs matplotlib (``pip install
"logitkit[plots]"``).

The steps live in ``steps_model`` (1–3), ``steps_surface`` (4–5), ``steps_solvers`` (6–7) and
``step_gaussian`` (8); ``course`` orders and runs them, ``page`` writes the HTML,
``markdown`` the same lesson as Markdown with image files (docs/lesson.md), and
``text_en`` / ``text_zh`` hold the words.
"""

from __future__ import annotations

import os
import sys
import types
from pathlib import Path

from .languages import LANGUAGES, text_for

__all__ = ["LANGUAGES", "lesson"]


def lesson(path: str | Path = "lesson.html", lang: str = "en") -> Path:
    """Run the lesson and write it to ``path`` as one HTML page in language ``lang`` ("en"
    English, "zh" Simplified Chinese); returns the path written.

    Takes a few seconds: every figure is computed afresh. Raises ValueError for an unknown
    language, ImportError when matplotlib is missing, OSError when ``path`` cannot be written.
    """
    from .course import run_steps
    from .figures import require_matplotlib
    from .meta import version
    from .page import render_html

    text = text_for(lang)
    require_matplotlib()
    target = Path(path)
    check_writable(target)
    target.write_text(render_html(run_steps(), text, version()), encoding="utf-8")
    return target


def check_writable(target: Path) -> None:
    """Raise OSError unless a file can be written at ``target``: checked before the work, so
    that a bad path fails at once."""
    folder = target.parent
    if target.is_dir():
        raise IsADirectoryError(f"cannot write {str(target)!r}: it is a directory")
    if not folder.is_dir():
        raise FileNotFoundError(f"cannot write {str(target)!r}: no folder {str(folder)!r}")
    if not os.access(target if target.exists() else folder, os.W_OK):
        raise PermissionError(f"cannot write {str(target)!r}: permission denied")


class _CallableModule(types.ModuleType):
    """This package, callable as :func:`lesson`: ``logitkit.lesson`` is the function when read
    from ``logitkit`` first, and this module once ``import logitkit.lesson`` has run (the
    import system sets the package as the parent's attribute); both calls do the same."""

    def __call__(self, path: str | Path = "lesson.html", lang: str = "en") -> Path:
        return lesson(path, lang)


sys.modules[__name__].__class__ = _CallableModule
