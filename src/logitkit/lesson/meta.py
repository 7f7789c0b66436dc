"""The logitkit version the lesson names in its footer."""

from __future__ import annotations

from importlib import metadata


def version() -> str:
    """The installed logitkit's version, read from the package metadata (this layer does not
    import the package's top, which names the layers above it)."""
    try:
        return metadata.version("logitkit")
    except metadata.PackageNotFoundError:
        return "(not installed)"
