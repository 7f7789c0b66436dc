"""The vectorised exp(−|z|) and log1p(e) of the pass kernels, against NumPy's library functions."""

from __future__ import annotations

import numpy as np
import pytest

from logitkit.backends._elementary import exp_negative_abs, log1p_unit

SMALLEST_SUBNORMAL = np.nextafter(0.0, 1.0)


def _ulps(got: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """|got − reference| in units of the last place of the reference."""
    return np.abs(got - reference) / np.spacing(np.maximum(reference, SMALLEST_SUBNORMAL))


def _exp(z: np.ndarray) -> np.ndarray:
    out = np.empty(z.size)
    exp_negative_abs(z, 0, z.size, out, np.empty(z.size))
    return out


def _log1p(e: np.ndarray) -> np.ndarray:
    out = np.empty(e.size)
    log1p_unit(e, e.size, out)
    return out


def _wide_logits() -> np.ndarray:
    rng = np.random.default_rng(0)
    return np.concatenate(
        [
            rng.standard_normal(200_000) * 3.0,
            rng.uniform(-760.0, 760.0, 200_000),
            np.ldexp(1.0, -rng.integers(1, 1070, 5_000)),
            [0.0, -0.0, 708.39, 745.13, 745.2, 746.0, 1e300, -1e300, np.inf, -np.inf],
        ]
    )


def test_exp_is_within_one_ulp_of_the_library_over_the_whole_range() -> None:
    z = _wide_logits()
    reference = np.exp(-np.abs(z))
    got = _exp(z)
    normal = reference >= np.finfo(np.float64).tiny
    assert np.max(_ulps(got[normal], reference[normal])) <= 1.0
    assert np.mean(_ulps(got[normal], reference[normal])) < 0.2
    # Subnormal results are rounded once, as the library rounds them: within one subnormal step.
    assert np.max(np.abs(got[~normal] - reference[~normal])) <= SMALLEST_SUBNORMAL


def test_exp_keeps_the_ends_of_its_range() -> None:
    got = _exp(np.array([0.0, -0.0, 746.0, 800.0, np.inf, 1e300]))
    assert got[0] == 1.0 and got[1] == 1.0
    assert np.all(got[2:] == 0.0)
    # The last values above zero: e^−745 is about 5e-324, the smallest subnormal.
    assert _exp(np.array([745.0]))[0] == np.exp(-745.0) > 0.0


def test_nan_stays_nan() -> None:
    assert np.isnan(_exp(np.array([np.nan, 1.0]))[0])
    assert np.isnan(_log1p(np.array([np.nan]))[0])


def test_exp_reads_the_values_from_first_on_and_writes_m_of_them() -> None:
    z = np.array([9.0, 1.0, -2.0, 3.0, 9.0])
    out = np.full(5, -1.0)
    exp_negative_abs(z, 1, 3, out, np.empty(3))
    np.testing.assert_allclose(out[:3], np.exp(-np.abs(z[1:4])), rtol=2e-16)
    assert np.all(out[3:] == -1.0)


def test_log1p_is_within_three_ulps_of_the_library_on_the_unit_interval() -> None:
    rng = np.random.default_rng(1)
    cut = np.sqrt(2.0) - 1.0
    e = np.concatenate(
        [
            rng.random(400_000),
            np.exp(-rng.uniform(0.0, 745.0, 100_000)),
            [0.0, SMALLEST_SUBNORMAL, 1e-300, 1e-17, cut, np.nextafter(cut, 1.0), 0.5, 1.0],
        ]
    )
    reference = np.log1p(e)
    got = _log1p(e)
    assert np.max(_ulps(got, reference)) <= 3.0
    # A tiny e keeps its relative accuracy (log1p(e) ≈ e), where log(1 + e) would give 0.
    assert _log1p(np.array([1e-20]))[0] == pytest.approx(1e-20, rel=1e-15)
    assert _log1p(np.array([0.0]))[0] == 0.0


def test_log1p_writes_only_m_values() -> None:
    out = np.full(4, -1.0)
    log1p_unit(np.array([0.25, 1.0, 0.5, 0.5]), 2, out)
    np.testing.assert_allclose(out[:2], np.log1p([0.25, 1.0]), rtol=4e-16)
    assert np.all(out[2:] == -1.0)
