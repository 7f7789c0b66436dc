"""``python -m logitkit``: the logitkit command line (see :mod:`logitkit.io.cli`)."""

from .io.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
