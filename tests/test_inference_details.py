"""Details of the inference layer the broader tests leave open, each pinned down by a test that
a plausible slip in it would fail (found by mutation testing, see docs/testing.md)."""

from __future__ import annotations

import numpy as np
import pytest

from logitkit.inference.covariance import covariance


def test_a_coefficient_without_information_is_named() -> None:
    information = np.diag([2.0, 0.0, 1.0, 0.0])
    with pytest.raises(ValueError, match=r"no information on coefficient\(s\) 1, 3, 0 = the first"):
        covariance(information)
