"""Separation found before an unpenalised fit: the warning, separation_, the summary, files."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import logitkit as lk
from problems import make_problem


@pytest.fixture(scope="module")
def quasi_separated():
    rng = np.random.default_rng(61)
    frame = pd.DataFrame({"dose": rng.standard_normal(80), "exposed": (np.arange(80) % 4 == 0)})
    risk = lk.sigmoid(0.8 * frame["dose"] - 0.5)
    y = np.where(frame["exposed"], 1, (rng.random(80) < risk).astype(int))
    return frame.astype(float), y


def test_separation_is_found_named_and_warned(quasi_separated) -> None:
    X, y = quasi_separated
    with pytest.warns(lk.SeparationWarning, match="'exposed' \\(\\+inf\\).*firth=True"):
        model = lk.LogisticRegression().fit(X, y)
    assert model.separation_.kind == "quasi-complete"
    assert model.separation_.terms == {"exposed": 1}
    table = model.summary().table
    assert np.isinf(table.loc["exposed", "std_err"])
    assert table.loc["exposed", "p_value"] == 1.0
    assert np.all(np.isfinite(table.loc[["Intercept", "dose"], "std_err"]))
    assert "Note: quasi-complete separation" in str(model.summary())


def test_firth_fits_separated_data_without_the_warning(quasi_separated) -> None:
    X, y = quasi_separated
    with warnings.catch_warnings():
        warnings.simplefilter("error", lk.SeparationWarning)
        model = lk.LogisticRegression(firth=True).fit(X, y)
    assert model.separation_.terms == {"exposed": 1}
    table = model.summary().table
    assert np.all(np.isfinite(table["std_err"]))
    assert 2.0 < table.loc["exposed", "coef"] < 10.0


def test_no_separation_on_overlapping_classes_and_with_a_penalty(quasi_separated) -> None:
    X, y = make_problem(300, 3, seed=62)
    assert lk.LogisticRegression().fit(X, y).separation_ is None
    Xs, ys = quasi_separated
    assert lk.LogisticRegression(alpha=0.01).fit(Xs, ys).separation_ is None


def test_separation_survives_saving(quasi_separated, tmp_path) -> None:
    X, y = quasi_separated
    with pytest.warns(lk.SeparationWarning):
        model = lk.LogisticRegression().fit(X, y)
    lk.save(model, tmp_path / "model.json")
    restored = lk.load(tmp_path / "model.json")
    assert restored.separation_ == model.separation_
    pd.testing.assert_frame_equal(restored.summary().table, model.summary().table)


def test_complete_separation_leaves_no_standard_error_finite() -> None:
    rng = np.random.default_rng(63)
    X = rng.standard_normal((40, 2))
    y = (X[:, 0] > 0.2).astype(int)
    with pytest.warns(lk.SeparationWarning, match="complete separation"):
        model = lk.LogisticRegression().fit(X, y)
    assert model.separation_.kind == "complete"
    assert np.all(np.isinf(model.summary().table["std_err"]))


def test_overlap_on_a_thousand_columns_is_certified_without_the_programs(monkeypatch) -> None:
    """6,000 rows of 1,100 standard normal features and a weak signal: the fit's own
    probabilities prove overlap (up to 5,000 coefficients), so the linear programs, minutes
    on dense data this wide, never run."""
    from logitkit.models import fitting

    def no_programs(*args, **kwargs):
        raise AssertionError("the separation programs ran")

    monkeypatch.setattr(fitting, "detect_separation", no_programs)
    rng = np.random.default_rng(0)
    X = rng.standard_normal((6000, 1100))
    y = (rng.random(6000) < 1 / (1 + np.exp(-0.3 * X[:, 0]))).astype(int)
    model = lk.LogisticRegression().fit(X, y)
    assert model.separation_ is None and model.converged_
