"""Numba compilation with an on-disk cache where one can be written.

Kernels are compiled on first use, one version per argument types, and cached on disk
(``__pycache__`` beside the module, else Numba's user-wide cache directory, or the directory
named by ``NUMBA_CACHE_DIR``). Where none of them is writable they are compiled afresh in each
process instead. Only the modules holding kernels import this one, and they are imported
when a kernel is first needed, so ``import logitkit`` never imports Numba.
:func:`compile_notice` lets a caller (the command line) tell its user when a first compilation
takes a while.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numba
from numba.core import event


def compile_kernel(function: Callable | None = None, **options: Any) -> Callable:
    """``numba.njit(cache=True, **options)``, or without the cache where no directory is writable.

    Numba looks for a writable cache directory when the decorator is applied and raises
    RuntimeError ("no locator available") when it finds none, e.g. for a read-only install run
    by a user without a writable home directory. Used bare (``@compile_kernel``) or with options.
    """
    if function is None:
        return lambda decorated: compile_kernel(decorated, **options)
    try:
        return numba.njit(cache=True, **options)(function)
    except RuntimeError:
        return numba.njit(**options)(function)


class _SlowCompilation(event.Listener):
    """Calls ``notify`` once when a compilation (outermost, nested ones included) has run for
    ``after`` seconds; a quick one, such as a load from the on-disk cache, calls nothing."""

    def __init__(self, notify: Callable[[], None], after: float) -> None:
        self._notify = notify
        self._after = after
        self._depth = 0
        self._timer: threading.Timer | None = None
        self._told = False

    def on_start(self, started: event.Event) -> None:
        self._depth += 1
        if self._depth == 1 and not self._told:
            self._timer = threading.Timer(self._after, self._tell)
            self._timer.daemon = True
            self._timer.start()

    def on_end(self, ended: event.Event) -> None:
        self._depth -= 1
        if self._depth == 0 and self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _tell(self) -> None:
        self._told = True
        self._notify()


@contextmanager
def compile_notice(notify: Callable[[], None], after: float = 1.0) -> Iterator[None]:
    """Within the block, call ``notify()`` once, while it runs, if a Numba compilation has
    been running for ``after`` seconds (a kernel's first use; later runs load it from the
    cache and stay silent)."""
    with event.install_listener("numba:compile", _SlowCompilation(notify, after)):
        yield
