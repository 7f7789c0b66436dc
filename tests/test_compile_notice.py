"""compile_notice tells a caller, once, that a Numba compilation is under way and slow."""

from __future__ import annotations

import numba

from logitkit.backends.jit import compile_notice


def _fresh_function():
    """A function Numba has never compiled (no disk cache), so its first call compiles."""

    def total(values):
        result = 0.0
        for value in values:
            result += value * value
        return result

    return numba.njit(total)


def test_a_slow_first_compilation_is_announced_once():
    calls = []
    first, second = _fresh_function(), _fresh_function()
    with compile_notice(lambda: calls.append("compiling"), after=0.0):
        assert first(numba.typed.List([1.0, 2.0])) == 5.0
        assert second(numba.typed.List([3.0])) == 9.0
    assert calls == ["compiling"]


def test_a_compilation_shorter_than_the_wait_is_silent():
    calls = []
    with compile_notice(lambda: calls.append("compiling"), after=3600.0):
        assert _fresh_function()(numba.typed.List([2.0])) == 4.0
    assert calls == []
