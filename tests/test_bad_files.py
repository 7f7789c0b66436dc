"""Every file of the bad-input corpus (tests/data/bad/) through the command line, in-process.

Each must end with exit status 2 (the command line's status for a usage, data or model-file
error) and exactly one error line on stderr that names the problem (warnings about what was
done to the data, such as dropped rows, may come before it), never a traceback. Files the
command line handles as R and statsmodels would (another delimiter, a text column one-hot
encoded, rows with missing values dropped, an aliased column reported as not defined) fit with
status 0 and a warning that says what was done. The corpus is written by
tests/data/bad/make_corpus.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from logitkit.io.cli import main

BAD = Path(__file__).parent / "data" / "bad"
GOOD_DATA = BAD / "good" / "data.csv"
GOOD_MODEL = BAD / "good" / "model.json"

DATA_FILES = {
    "a_directory.csv": "directory",
    "binary_garbage.csv": "UTF-8",
    "blank_lines.csv": "empty",
    "duplicate_columns.csv": "duplicate column",
    "duplicate_target.csv": "duplicate column",
    "empty.csv": "empty",
    "feature_all_missing.csv": "every row",
    "gzip_named_csv.csv": "gzip",
    "header_only.csv": "no data rows",
    "huge_1e308.csv": "too large",
    "inf_string.csv": "infinite",
    "latin1.csv": "UTF-8",
    "minus_infinity_string.csv": "infinite",
    "no_target_column.csv": "not found",
    "not_gzip.csv.gz": "gzip",
    "one_class.csv": "one class",
    "only_target.csv": "no feature columns",
    "overflow_1e400.csv": "infinite",
    "parquet_named_csv.csv": "Parquet",
    "ragged_long_row.csv": "Expected 3 fields",
    "ragged_short_row.csv": "one class",
    "truncated.parquet": "Parquet",
    "unclosed_quote.csv": "EOF inside string",
    "unicode_confusable_target.csv": "'ｙ'",
    "utf16_bom.csv": "UTF-16",
    "wrong_extension.txt": "unsupported file type",
}

ACCEPTED_DATA_FILES = {
    "constant_column.csv": "not defined because of singularities",
    "nan_string.csv": "missing values",
    "non_numeric_feature.csv": "separation",
    "nul_bytes.csv": "separation",
    "target_missing_value.csv": "missing values",
    "semicolon.csv": None,
    "tab.csv": None,
    "tiny_1e-320.csv": "not defined because of singularities",
}
"""Files that fit, as R and statsmodels would fit them, and the warning each gives (None: no
warning): a text column is one-hot encoded (on these few rows the classes are then separated,
which the warning says), the delimiter detected, rows with a missing value dropped, a column
constant alongside the intercept reported as not defined."""

MODEL_FILES = {
    "alpha_negative.json": "alpha",
    "alpha_string.json": "'params.alpha' must be a number",
    "classes_dtype_unknown.json": "classes_dtype",
    "coef_inf.json": "finite",
    "coef_nan.json": "finite",
    "coef_string.json": "'coef' must be an array",
    "coef_too_long.json": "'coef' has 3 entries",
    "coef_too_short.json": "'coef' has 1 entries",
    "converged_string.json": "'converged' must be true or false",
    "data_file_as_model.json": "not valid JSON",
    "dtype_unknown.json": "'dtype' must be",
    "duplicate_classes.json": "distinct",
    "duplicate_key.json": "appears twice",
    "empty.json": "not valid JSON",
    "extra_key.json": "unexpected key(s) 'weights'",
    "extra_param.json": "unknown parameter(s) 'gamma'",
    "feature_names_numbers.json": "feature_names_in",
    "fitted_solver_unknown.json": "'solver'",
    "history_wrong_type.json": "'history' must be an object",
    "intercept_inf.json": "finite",
    "intercept_too_long.json": "'intercept' has 2 entries",
    "latin1.json": "UTF-8",
    "missing_classes.json": "missing key(s) 'classes'",
    "missing_coef.json": "missing key(s) 'coef'",
    "missing_params.json": "missing key(s) 'params'",
    "n_features_mismatch.json": "expected 5",
    "n_iter_negative.json": "'n_iter' must be at least 0",
    "nan_literal.json": "NaN is not standard JSON",
    "newer_version.json": "upgrade logitkit",
    "one_class.json": "at least 2 labels",
    "pickle_bytes.json": "pickle",
    "statistics_wrong_type.json": "'statistics' must be an object",
    "top_level_list.json": "not a logitkit model file",
    "truncated.json": "not valid JSON",
    "unknown_solver.json": "solver must be one of",
    "version_string.json": "'format_version' must be an integer",
    "version_zero.json": "'format_version' must be at least 1",
    "wrong_format.json": "not a logitkit model file",
}


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(argv)
    return code, capsys.readouterr().err


def _assert_one_line_error(code: int, err: str, keyword: str) -> None:
    assert "Traceback" not in err
    assert code == 2, err
    lines = [line for line in err.splitlines() if not line.startswith("logitkit: warning: ")]
    assert len(lines) == 1, err
    assert lines[0].startswith("logitkit: error: ")
    assert keyword in lines[0]


def test_the_corpus_is_the_expected_one() -> None:
    """Every generated file has an expectation here, and there are at least 40 of them."""
    data_files = {**DATA_FILES, **ACCEPTED_DATA_FILES}
    assert sorted(p.name for p in (BAD / "data").iterdir()) == sorted(data_files)
    assert sorted(p.name for p in (BAD / "model").iterdir()) == sorted(MODEL_FILES)
    assert len(data_files) + len(MODEL_FILES) >= 40


def test_the_good_files_fit_and_predict(capsys: pytest.CaptureFixture[str]) -> None:
    """The valid data file fits and the valid model predicts: the bad ones differ in one way."""
    assert _run(["fit", str(GOOD_DATA), "--target", "y"], capsys) == (0, "")
    assert _run(["predict", str(GOOD_MODEL), str(GOOD_DATA)], capsys) == (0, "")


@pytest.mark.parametrize(("name", "keyword"), list(DATA_FILES.items()))
def test_bad_data_file(name: str, keyword: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = _run(["fit", str(BAD / "data" / name), "--target", "y"], capsys)
    _assert_one_line_error(code, err, keyword)


@pytest.mark.parametrize(("name", "warning"), list(ACCEPTED_DATA_FILES.items()))
def test_accepted_data_file(
    name: str, warning: str | None, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = _run(["fit", str(BAD / "data" / name), "--target", "y"], capsys)
    assert code == 0, err
    assert "Traceback" not in err and "error" not in err
    if warning is None:
        assert err == ""
    else:
        assert warning in err


@pytest.mark.parametrize(("name", "keyword"), list(MODEL_FILES.items()))
def test_bad_model_file(name: str, keyword: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = _run(["predict", str(BAD / "model" / name), str(GOOD_DATA)], capsys)
    _assert_one_line_error(code, err, keyword)
