"""The languages the lesson is written in, and the text of each."""

from __future__ import annotations

from typing import Any

from .text_en import TEXT as ENGLISH
from .text_zh import TEXT as CHINESE

TEXTS: dict[str, dict[str, Any]] = {"en": ENGLISH, "zh": CHINESE}
"""The text of each language, by the code ``lang`` takes: "en" English, "zh" Simplified
Chinese."""
LANGUAGES = tuple(TEXTS)


def text_for(lang: str) -> dict[str, Any]:
    """The text of language ``lang``; a ValueError that lists the languages otherwise."""
    if lang not in TEXTS:
        choices = ", ".join(repr(code) for code in LANGUAGES)
        raise ValueError(f"unknown lesson language {lang!r}: choose one of {choices}")
    return TEXTS[lang]
