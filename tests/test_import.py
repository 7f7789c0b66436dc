"""``import logitkit`` is light: the heavy libraries load when a name that needs them is read."""

from __future__ import annotations

import json
import subprocess
import sys

import logitkit

HEAVY = ("scipy.stats", "statsmodels", "matplotlib", "sklearn", "pandas")


def _loaded_after(code: str) -> list[str]:
    """The modules of HEAVY in sys.modules after running ``code`` in a fresh interpreter."""
    probe = (
        f"{code}\nimport json, sys\nprint(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout)


def test_import_logitkit_loads_no_heavy_module():
    assert _loaded_after("import logitkit") == []


def test_a_public_name_loads_what_it_needs():
    assert _loaded_after("import logitkit; logitkit.LogisticRegression") == [
        "scipy.stats",
        "sklearn",
        "pandas",
    ]


def test_every_public_name_resolves():
    for name in logitkit.__all__:
        assert getattr(logitkit, name) is not None
    assert set(logitkit.__all__) <= set(dir(logitkit))
    assert logitkit.LogisticRegression.__module__ == "logitkit.models.estimator"
