"""A real headless browser for the page tests: Debian's ``chromium`` renders a page to a PNG.

``.ci/run`` installs chromium when it is missing, so under CI a missing browser is a failure; on
any other machine the page tests are skipped with the reason and the install command.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

BROWSERS = ("chromium", "chromium-browser", "google-chrome")


def find_browser() -> str:
    """The path of a headless-capable Chromium, or skip (fail under CI) when there is none."""
    for name in BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    message = "no chromium on this machine: apt-get install chromium"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def screenshot(page: Path, png: Path, width: int = 1280, height: int = 2400) -> np.ndarray:
    """Render ``page`` in headless chromium at ``width`` × ``height`` and return its RGB pixels."""
    browser = find_browser()
    command = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--hide-scrollbars",
        f"--window-size={width},{height}",
        f"--screenshot={png}",
        Path(page).resolve().as_uri(),
    ]
    subprocess.run(command, check=True, capture_output=True, timeout=120)
    import matplotlib.image

    return np.asarray(matplotlib.image.imread(png))[..., :3]


def is_blank(pixels: np.ndarray) -> bool:
    """True when the picture is one flat colour (nothing was drawn)."""
    return bool(np.ptp(pixels.reshape(-1, pixels.shape[-1]), axis=0).max() == 0)
