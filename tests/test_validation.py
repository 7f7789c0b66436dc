"""The input checks of logitkit.core.validation: the frequency weights they return (float64,
one per sample), and what their errors name (the first negative weight's row, the one class
found), and a lazy frame refused with how to collect it."""

from __future__ import annotations

import numpy as np
import pytest

import logitkit as lk
from logitkit.core.validation import (
    check_labels,
    check_numeric_columns,
    check_sample_weight,
    distinct_labels,
)


@pytest.mark.parametrize(
    ("sample_weight", "expected"),
    [
        pytest.param(None, [1.0, 1.0, 1.0], id="none"),
        pytest.param(2, [2.0, 2.0, 2.0], id="an int"),
        pytest.param([1, 0, 3], [1.0, 0.0, 3.0], id="a list of ints"),
        pytest.param(np.array([True, False, True]), [1.0, 0.0, 1.0], id="booleans"),
    ],
)
def test_sample_weights_are_returned_as_float64_one_per_sample(
    sample_weight: object, expected: list[float]
) -> None:
    """Whatever numbers the weights come as (none meaning 1 each, one number for every
    sample, integers, booleans), they come back as a float64 vector of n = 3 entries."""
    weights = check_sample_weight(sample_weight, 3)
    assert weights.dtype == np.float64
    assert weights.tolist() == expected


def test_the_weight_error_names_the_first_negative_row() -> None:
    """Rows 1 (0.5) and 2 (0) are valid weights; the first negative one is row 3."""
    with pytest.raises(ValueError, match="row 3 has weight -3"):
        check_sample_weight([2.0, 0.5, 0.0, -3.0, -1.0], 5)


@pytest.mark.parametrize(
    ("classes", "found"),
    [
        pytest.param(np.array([]), "class: ", id="none"),
        pytest.param(np.array(["a"], dtype=object), r"class \('a'\): ", id="one"),
        pytest.param(np.array([3]), r"class \(3\): ", id="a NumPy integer, written plainly"),
    ],
)
def test_the_label_error_names_the_one_class_found(classes: np.ndarray, found: str) -> None:
    """y of one class is refused, naming that class; y of none names none."""
    with pytest.raises(ValueError, match=f"y has only one {found}logistic regression"):
        check_labels(classes)


_RNG = np.random.default_rng(5)


@pytest.mark.parametrize(
    "y",
    [
        pytest.param(_RNG.integers(0, 2, 3000), id="0/1, counted"),
        pytest.param(_RNG.integers(-7, 4, 3000).astype(np.int8), id="negative int8, counted"),
        pytest.param(_RNG.integers(0, 2, 3000) == 1, id="bool, counted"),
        pytest.param(np.ones(3000, dtype=bool), id="bool of one value"),
        pytest.param(
            np.r_[np.full(1500, 2**63 + 9), np.full(1500, 2**63 + 3)].astype(np.uint64),
            id="uint64 beyond int64",
        ),
        pytest.param(np.r_[np.zeros(2000, dtype=np.int64), [10**12]], id="a wide range"),
        pytest.param(_RNG.integers(5, 8, 200), id="few labels"),
        pytest.param(_RNG.integers(0, 3, (1500, 2)), id="two dimensions"),
        pytest.param(np.where(_RNG.random(3000) < 0.5, "yes", "no"), id="strings"),
        pytest.param(np.round(_RNG.random(3000)), id="floats"),
    ],
)
def test_distinct_labels_are_numpys_unique(y: np.ndarray) -> None:
    """Counted or not, the labels are np.unique's: the same values, order and dtype."""
    found, expected = distinct_labels(y), np.unique(y)
    assert found.dtype == expected.dtype
    np.testing.assert_array_equal(found, expected)


def test_two_classes_pass_the_label_check() -> None:
    """Two labels are enough: the check returns without a word."""
    assert check_labels(np.array(["a", "b"])) is None


def test_a_lazy_polars_frame_is_refused_with_how_to_collect_it() -> None:
    """A polars LazyFrame is a query: fit and predict refuse it and say X.collect(), where
    NumPy's conversion would fail with "setting an array element with a sequence"."""
    pl = pytest.importorskip("polars")
    lazy = pl.LazyFrame({"a": [1.0, 2.0, 3.0, 4.0], "b": [0.0, 1.0, 1.0, 0.0]})
    with pytest.raises(ValueError, match=r"lazy frame .*LazyFrame.*X\.collect\(\)"):
        lk.LogisticRegression().fit(lazy, [0, 1, 0, 1])
    model = lk.LogisticRegression().fit(lazy.collect(), [0, 1, 0, 1])
    with pytest.raises(ValueError, match=r"X\.collect\(\)"):
        model.predict(lazy)


def test_a_dask_dataframe_is_data_not_a_lazy_frame_to_collect() -> None:
    """Dask DataFrames are read by the Dask backend, so the check lets them through."""
    dd = pytest.importorskip("dask.dataframe")
    pd = pytest.importorskip("pandas")
    frame = dd.from_pandas(pd.DataFrame({"a": [1.0, 2.0], "b": [3.0, 4.0]}), npartitions=1)
    assert check_numeric_columns(frame) is None


def test_new_data_with_a_text_column_are_refused_naming_it() -> None:
    """predict checks new data as fit checks its data: the text column is named."""
    pd = pytest.importorskip("pandas")
    X = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0], "b": [0.0, 1.0, 1.0, 0.0]})
    model = lk.LogisticRegression().fit(X, [0, 1, 0, 1])
    with pytest.raises(ValueError, match="non-numeric column.*'b'"):
        model.predict(pd.DataFrame({"a": [1.0], "b": ["x"]}))
