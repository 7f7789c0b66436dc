"""Reading CSV and Parquet tables, and splitting them into features and target."""

import gzip
import sys

import numpy as np
import pandas as pd
import pytest

from logitkit.io.tables import DataError, read_table, select_features, split_features

FRAME = pd.DataFrame(
    {
        "age": [34, 51, 29, 62],
        "dose": [1.5, 0.25, 2.0, 0.75],
        "smoker": [True, False, False, True],
        "outcome": ["yes", "no", "no", "yes"],
    }
)


def _one_line_error(match, call, *args):
    with pytest.raises(DataError, match=match) as caught:
        call(*args)
    assert "\n" not in str(caught.value)
    assert isinstance(caught.value, ValueError)
    return str(caught.value)


@pytest.mark.parametrize("name", ["data.csv", "DATA.CSV", "data.csv.gz"])
def test_reads_csv(tmp_path, name):
    path = tmp_path / name
    FRAME.to_csv(path, index=False)
    frame = read_table(path)
    assert frame.columns.tolist() == FRAME.columns.tolist()
    assert frame["age"].tolist() == [34, 51, 29, 62]
    assert frame["dose"].tolist() == [1.5, 0.25, 2.0, 0.75]
    assert frame["smoker"].dtype == bool
    assert frame["outcome"].tolist() == ["yes", "no", "no", "yes"]


def test_gzip_is_really_decompressed(tmp_path):
    path = tmp_path / "data.csv.gz"
    path.write_bytes(gzip.compress(b"a,b\n1,2\n3,4\n"))
    assert read_table(path).to_numpy().tolist() == [[1, 2], [3, 4]]


@pytest.mark.parametrize("name", ["data.parquet", "data.pq"])
def test_reads_parquet(tmp_path, name):
    path = tmp_path / name
    FRAME.to_parquet(path, index=False)
    frame = read_table(path)
    assert frame.columns.tolist() == FRAME.columns.tolist()
    assert frame["age"].tolist() == [34, 51, 29, 62]
    assert frame["dose"].tolist() == [1.5, 0.25, 2.0, 0.75]
    assert frame["outcome"].tolist() == ["yes", "no", "no", "yes"]


def test_missing_file(tmp_path):
    message = _one_line_error("no such file", read_table, tmp_path / "absent.csv")
    assert "absent.csv" in message


def test_directory(tmp_path):
    _one_line_error("it is a directory", read_table, tmp_path)


def test_unsupported_extension(tmp_path):
    path = tmp_path / "data.xlsx"
    path.write_bytes(b"PK\x03\x04")
    message = _one_line_error("unsupported file type '.xlsx'", read_table, path)
    assert "data.xlsx" in message
    assert ".csv, .csv.gz, .parquet or .pq" in message


def test_malformed_csv(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("a,b\n1,2\n3,4,5,6\n")
    message = _one_line_error("malformed file", read_table, path)
    assert "bad.csv" in message
    assert "Expected 2 fields in line 3, saw 4" in message


def test_empty_csv(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("")
    _one_line_error("the file is empty", read_table, path)


def test_binary_csv(tmp_path):
    path = tmp_path / "binary.csv"
    path.write_bytes(b"a,b\n\xff\xfe\xfa,\x81\n")
    _one_line_error("not UTF-8 text", read_table, path)


def test_corrupt_gzip(tmp_path):
    path = tmp_path / "data.csv.gz"
    path.write_bytes(b"this is not gzip")
    _one_line_error("malformed file", read_table, path)


def test_malformed_parquet(tmp_path):
    path = tmp_path / "bad.parquet"
    path.write_bytes(b"not a parquet file at all")
    message = _one_line_error("malformed Parquet file", read_table, path)
    assert "bad.parquet" in message


def test_parquet_without_pyarrow_says_how_to_install(tmp_path, monkeypatch):
    path = tmp_path / "data.parquet"
    FRAME.to_parquet(path, index=False)
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    _one_line_error('pip install "logitkit\\[parquet\\]"', read_table, path)


def test_split_defaults_to_every_other_column():
    X, y = split_features(FRAME, "outcome")
    assert X.columns.tolist() == ["age", "dose", "smoker"]
    assert y.name == "outcome"
    assert y.tolist() == ["yes", "no", "no", "yes"]
    pd.testing.assert_frame_equal(X, FRAME[["age", "dose", "smoker"]])


def test_split_keeps_the_listed_features_in_order():
    X, _ = split_features(FRAME, "outcome", ["dose", "age"])
    assert X.columns.tolist() == ["dose", "age"]
    assert X["dose"].tolist() == [1.5, 0.25, 2.0, 0.75]


def test_split_does_not_change_the_frame():
    before = FRAME.copy()
    X, _ = split_features(FRAME, "outcome", ["age"])
    X.loc[0, "age"] = -1
    pd.testing.assert_frame_equal(FRAME, before)


def test_missing_target_lists_the_columns():
    message = _one_line_error("target column 'result' not found", split_features, FRAME, "result")
    assert "available columns: 'age', 'dose', 'smoker', 'outcome'" in message


def test_missing_feature_is_named():
    features = ["age", "weight"]
    message = _one_line_error(
        "feature column\\(s\\) 'weight' not found", split_features, FRAME, "outcome", features
    )
    assert "available columns" in message


def test_non_numeric_feature_is_named_with_the_fix():
    frame = FRAME.assign(city=["Oslo", "Rome", "Lima", "Oslo"])
    message = _one_line_error("'city'", split_features, frame, "outcome")
    assert "not numeric" in message
    assert "encode them" in message
    assert "--features" in message
    assert "'age'" not in message


def test_missing_target_values_are_counted():
    frame = FRAME.assign(outcome=["yes", None, np.nan, "no"])
    match = "target column 'outcome' has 2 missing value\\(s\\) in 4 rows"
    _one_line_error(match, split_features, frame, "outcome")


def test_missing_feature_values_are_counted():
    frame = FRAME.assign(dose=[1.0, np.nan, np.nan, 2.0])
    _one_line_error("'dose' \\(2\\) have missing values", split_features, frame, "outcome")


def test_target_as_a_feature():
    features = ["age", "outcome"]
    _one_line_error("cannot also be a feature", split_features, FRAME, "outcome", features)


def test_feature_listed_twice():
    _one_line_error("'age' listed more than once", split_features, FRAME, "outcome", ["age", "age"])


def test_no_features():
    _one_line_error("no feature columns given", split_features, FRAME, "outcome", [])
    _one_line_error("only the target column", split_features, FRAME[["outcome"]], "outcome")


def test_no_rows():
    _one_line_error("no rows", split_features, FRAME.iloc[:0], "outcome")


def test_select_features_checks_like_split():
    X = select_features(FRAME, ["smoker", "age"])
    assert X.columns.tolist() == ["smoker", "age"]
    _one_line_error("'height' not found", select_features, FRAME, ["height"])
