"""The headless browser the page tests rely on renders what it is given."""

from __future__ import annotations

from browser import is_blank, screenshot


def test_a_drawn_page_is_not_blank_and_an_empty_one_is(tmp_path):
    drawn = tmp_path / "drawn.html"
    drawn.write_text(
        '<svg width="300" height="200"><rect width="300" height="200" fill="red"/></svg>'
    )
    empty = tmp_path / "empty.html"
    empty.write_text("<html><body></body></html>")
    pixels = screenshot(drawn, tmp_path / "drawn.png", width=400, height=300)
    assert pixels.shape[:2] == (300, 400)
    assert not is_blank(pixels)
    assert tuple(pixels[100, 100].round(2)) == (1.0, 0.0, 0.0)
    assert is_blank(screenshot(empty, tmp_path / "empty.png", width=400, height=300))
