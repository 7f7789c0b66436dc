"""lk.binned_residuals: arm's binned.resids (Gelman and Hill, 2007, section 5.6)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import logitkit as lk
from diagnostic_datasets import DATASETS, assert_close, challenger, spector
from logitkit.inference.binned import binned_table


@pytest.mark.parametrize("name", ["spector", "breast_cancer"])
def test_bins_are_equal_count_chunks_of_sorted_fitted_values(name) -> None:
    """Without ties arm's bins are the sorted rows cut at ⌊n j/B⌋, B = ⌊√n⌋: recomputed with
    pandas from the fitted probabilities."""
    X, y = DATASETS[name]()
    model = lk.LogisticRegression().fit(X, y)
    table = lk.binned_residuals(model, X, y)
    fitted = model.predict_proba(X)[:, 1]
    assert np.unique(fitted).size == fitted.size
    order = np.argsort(fitted)
    n = len(y)
    bins = int(np.floor(np.sqrt(n)))
    cuts = np.floor(n * np.arange(bins + 1) / bins).astype(int)
    label = np.empty(n, dtype=int)
    for b in range(bins):
        label[order[cuts[b] : cuts[b + 1]]] = b
    frame = pd.DataFrame({"p": fitted, "r": np.asarray(y, float) - fitted, "bin": label})
    grouped = frame.groupby("bin")
    assert len(table) == bins and table.index.name == "bin"
    assert_close(table["mean_fitted"], grouped["p"].mean())
    assert_close(table["mean_residual"], grouped["r"].mean())
    assert_close(table["count"], grouped.size())
    assert_close(table["fitted_low"], grouped["p"].min())
    assert_close(table["fitted_high"], grouped["p"].max())
    assert_close(table["two_se"], 2 * grouped["r"].std(ddof=1) / np.sqrt(grouped.size()))


def test_challenger_ties_share_a_bin() -> None:
    """Flights at the same temperature have the same p̂ and fall in the same bin."""
    X, y = challenger()
    model = lk.LogisticRegression().fit(X, y)
    table = lk.binned_residuals(model, X, y)
    assert table["count"].sum() == len(y)
    edges = table[["fitted_low", "fitted_high"]].to_numpy()
    assert np.all(edges[1:, 0] > edges[:-1, 1])


def test_ties_follow_arm() -> None:
    """arm with nclass = 2 on p̂ = (.1, .2, .2, .2, .3, .4): the break between the tied 3rd and
    4th values moves to (.1 + .2)/2, so the bins hold 1 and 5 rows."""
    fitted = np.array([0.2, 0.1, 0.3, 0.2, 0.4, 0.2])
    residual = np.array([0.5, -0.1, 0.2, -0.2, 0.6, 0.3])
    table = binned_table(fitted, residual, 2)
    assert table["count"].tolist() == [1, 5]
    assert_close(table["mean_fitted"], [0.1, 0.26])
    assert_close(table["mean_residual"], [-0.1, 0.28])
    assert np.isnan(table["two_se"].iloc[0])
    assert_close(
        table["two_se"].iloc[1], 2 * np.std([0.5, 0.2, -0.2, 0.6, 0.3], ddof=1) / np.sqrt(5)
    )


def test_ties_at_the_smallest_fitted_value_move_the_break_to_minus_infinity() -> None:
    """p̂ = (.1, .1, .1, .3) in 2 bins: the break at ⌊4/2⌋ = 2 falls between two tied .1,
    with no smaller p̂ to move it to, so it goes to −∞ and every row shares one bin."""
    residual = np.array([0.4, -0.1, -0.1, 0.2])
    table = binned_table(np.array([0.1, 0.1, 0.1, 0.3]), residual, 2)
    assert table["count"].tolist() == [4]
    assert_close(table["mean_fitted"], [0.15])
    assert_close(table["mean_residual"], [0.1])
    assert_close(table["two_se"], [2 * np.std(residual, ddof=1) / 2])


def test_two_rows_a_bin_have_a_standard_error() -> None:
    """p̂ = (.1, .2, .3, .4) in 2 bins of 2 rows: two_se = 2 sd(r)/√2 with sd's divisor
    1, i.e. √2 |r₁ − r₂| / √2 = |r₁ − r₂|."""
    table = binned_table(np.array([0.4, 0.1, 0.3, 0.2]), np.array([0.5, -0.1, 0.2, 0.3]), 2)
    assert table["count"].tolist() == [2, 2]
    assert_close(table["two_se"], [0.4, 0.3])


def test_an_empty_bin_between_full_ones_is_dropped() -> None:
    """p̂ = (a, a⁺, a⁺⁺, .9) with a = .5 and a⁺, a⁺⁺ the next floats, in 4 bins: the
    midpoints (a + a⁺)/2 and (a⁺ + a⁺⁺)/2 round to a and a⁺⁺, so the third bin (a⁺⁺, mid]
    holds no row and is dropped; the fourth bin still holds .9."""
    a = 0.5
    above = np.nextafter(a, 1.0)
    fitted = np.array([0.9, np.nextafter(above, 1.0), above, a])
    table = binned_table(fitted, np.array([0.1, 0.2, 0.3, 0.4]), 4)
    assert table["count"].tolist() == [1, 2, 1]
    assert_close(table["fitted_high"], [a, fitted[1], 0.9])
    assert_close(table["mean_residual"], [0.4, 0.25, 0.1])


def test_as_many_bins_as_rows_and_a_single_bin() -> None:
    table = binned_table(np.array([0.3, 0.1, 0.2]), np.array([0.1, 0.2, 0.3]), 3)
    assert table["count"].tolist() == [1, 1, 1]
    one = binned_table(np.array([0.3, 0.1, 0.2, 0.4]), np.array([0.1, 0.2, 0.3, 0.4]), 1)
    assert one["count"].tolist() == [4]


def test_frequency_weights_equal_repeated_rows_and_formula_route() -> None:
    X, y = spector()
    counts = np.tile([1, 2, 3, 1], 8)
    rows = np.repeat(np.arange(len(y)), counts)
    weighted = lk.LogisticRegression().fit(X, y, sample_weight=counts)
    repeated = lk.LogisticRegression().fit(X.iloc[rows], y.iloc[rows])
    assert_close(
        lk.binned_residuals(weighted, X, y, sample_weight=counts),
        lk.binned_residuals(repeated, X.iloc[rows], y.iloc[rows]),
    )
    flights = lk.datasets.load_challenger()
    X, y = challenger()
    pd.testing.assert_frame_equal(
        lk.binned_residuals(lk.logit("damage ~ temperature_f", data=flights), bins=3),
        lk.binned_residuals(lk.LogisticRegression().fit(X, y), X, y, bins=3),
        rtol=1e-8,
    )


def test_refusals() -> None:
    X, y = spector()
    weights = np.full(len(y), 1.5)
    model = lk.LogisticRegression().fit(X, y, sample_weight=weights)
    with pytest.raises(ValueError, match="sample_weight must hold whole numbers"):
        lk.binned_residuals(model, X, y, sample_weight=weights)
    plain = lk.LogisticRegression().fit(X, y)
    for bins in [0, 33, 2.5, True]:
        with pytest.raises(ValueError, match="bins must be a whole number from 1 to the 32 rows"):
            lk.binned_residuals(plain, X, y, bins=bins)
    three = (X["GPA"] > 3).astype(int) + y.astype(int)
    with pytest.raises(ValueError, match="two classes only, and this model has 3"):
        lk.binned_residuals(lk.LogisticRegression().fit(X, three), X, three)
