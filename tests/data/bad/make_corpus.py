"""Write the corpus of bad input files that tests/test_bad_files.py feeds to the command line.

Run from anywhere: ``python tests/data/bad/make_corpus.py``. It rewrites ``data/`` (data files
for ``logitkit fit FILE --target y``), ``model/`` (model files for ``logitkit predict MODEL
good/data.csv``) and ``good/`` (a valid data file and the valid model that every tampered model
file starts from). Every file is small and the output is deterministic, so the generated files
are committed beside this script.
"""

from __future__ import annotations

import copy
import gzip
import io
import json
import pickle
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

import logitkit as lk

HERE = Path(__file__).resolve().parent
GOOD_CSV = "a,b,y\n0.5,1.0,0\n-1.2,0.3,1\n0.7,-0.4,1\n-0.1,2.2,0\n1.5,0.1,1\n-0.8,-1.0,0\n"


def _csv(rows: list[str]) -> bytes:
    return ("\n".join(rows) + "\n").encode("utf-8")


def _good_frame() -> pd.DataFrame:
    return pd.read_csv(io.StringIO(GOOD_CSV))


def _parquet_bytes() -> bytes:
    buffer = io.BytesIO()
    _good_frame().to_parquet(buffer)
    return buffer.getvalue()


DATA_FILES: dict[str, Callable[[], bytes]] = {
    "latin1.csv": lambda: GOOD_CSV.replace("a,b", "café,b").encode("latin-1"),
    "utf16_bom.csv": lambda: GOOD_CSV.encode("utf-16"),
    "semicolon.csv": lambda: GOOD_CSV.replace(",", ";").encode(),
    "tab.csv": lambda: GOOD_CSV.replace(",", "\t").encode(),
    "ragged_long_row.csv": lambda: _csv(["a,b,y", "1,2,0", "3,4,1,9", "5,6,0"]),
    "ragged_short_row.csv": lambda: _csv(["a,b,y", "1,2,0", "3,1", "5,6,0"]),
    "empty.csv": lambda: b"",
    "blank_lines.csv": lambda: b"\n\n\n",
    "header_only.csv": lambda: _csv(["a,b,y"]),
    "only_target.csv": lambda: _csv(["y", "0", "1", "0", "1"]),
    "no_target_column.csv": lambda: _csv(["a,b,z", "1,2,0", "3,4,1"]),
    "huge_1e308.csv": lambda: _csv(["a,y", "1e308,0", "-1e308,1", "1e308,1", "-1e308,0"]),
    "overflow_1e400.csv": lambda: _csv(["a,y", "1e400,0", "2,1", "3,0", "4,1"]),
    "tiny_1e-320.csv": lambda: _csv(["a,y", "1e-320,0", "-1e-320,1", "2e-320,1", "0,0"]),
    "inf_string.csv": lambda: _csv(["a,y", "inf,0", "2,1", "3,0", "4,1"]),
    "minus_infinity_string.csv": lambda: _csv(["a,y", "-Infinity,0", "2,1", "3,0", "4,1"]),
    "nan_string.csv": lambda: _csv(["a,y", "nan,0", "2,1", "3,0", "4,1"]),
    "feature_all_missing.csv": lambda: _csv(["a,b,y", "1,,0", "2,,1", "3,,0", "4,,1"]),
    "constant_column.csv": lambda: _csv(["a,c,y", "1,5,0", "2,5,1", "3,5,0", "4,5,1", "0,5,1"]),
    "duplicate_columns.csv": lambda: _csv(["a,a,y", "1,2,0", "3,1,1", "5,6,0", "2,2,1"]),
    "duplicate_target.csv": lambda: _csv(["a,y,y", "1,0,0", "3,1,1", "5,0,0", "2,1,1"]),
    "unicode_confusable_target.csv": lambda: _csv(["température,ｙ", "1,0", "2,1", "3,0"]),
    "gzip_named_csv.csv": lambda: gzip.compress(GOOD_CSV.encode(), mtime=0),
    "not_gzip.csv.gz": lambda: GOOD_CSV.encode(),
    "parquet_named_csv.csv": _parquet_bytes,
    "truncated.parquet": lambda: _parquet_bytes()[:40],
    "binary_garbage.csv": lambda: bytes(np.random.default_rng(7).integers(0, 256, 512).tolist()),
    "nul_bytes.csv": lambda: b"a,y\n1\x00,0\n2,1\n",
    "unclosed_quote.csv": lambda: _csv(["a,b,y", '1,"open,0', "2,3,1"]),
    "one_class.csv": lambda: _csv(["a,y", "1,0", "2,0", "3,0", "4,0"]),
    "target_missing_value.csv": lambda: _csv(["a,y", "1,0", "2,", "3,1", "4,0"]),
    "non_numeric_feature.csv": lambda: _csv(["a,b,y", "1,red,0", "2,blue,1", "3,red,1"]),
    "wrong_extension.txt": lambda: GOOD_CSV.encode(),
}


def _tamper(document: dict, path: tuple[str, ...], value: object) -> dict:
    """A copy of ``document`` with the entry at ``path`` set to ``value`` (``DELETE`` drops it)."""
    changed = copy.deepcopy(document)
    *parents, last = path
    target = changed
    for key in parents:
        target = target[key]
    if value is DELETE:
        del target[last]
    else:
        target[last] = value
    return changed


DELETE = object()

MODEL_TAMPERS: dict[str, tuple[tuple[str, ...], object]] = {
    "wrong_format.json": (("format",), "sklearn-model"),
    "newer_version.json": (("format_version",), 99),
    "version_zero.json": (("format_version",), 0),
    "version_string.json": (("format_version",), "1"),
    "missing_coef.json": (("coef",), DELETE),
    "missing_classes.json": (("classes",), DELETE),
    "missing_params.json": (("params",), DELETE),
    "extra_key.json": (("weights",), [1.0, 2.0]),
    "extra_param.json": (("params", "gamma"), 1.0),
    "coef_string.json": (("coef",), "0.5, 0.2"),
    "coef_nan.json": (("coef",), [["nan", 0.1]]),
    "coef_inf.json": (("coef",), [[0.3, "inf"]]),
    "intercept_inf.json": (("intercept",), ["-inf"]),
    "coef_too_short.json": (("coef",), [[0.3]]),
    "coef_too_long.json": (("coef",), [[0.3, 0.1, 0.7]]),
    "intercept_too_long.json": (("intercept",), [0.1, 0.2]),
    "unknown_solver.json": (("params", "solver"), "magic"),
    "fitted_solver_unknown.json": (("solver",), "magic"),
    "alpha_negative.json": (("params", "alpha"), -1.0),
    "alpha_string.json": (("params", "alpha"), "0.1"),
    "one_class.json": (("classes",), [0]),
    "duplicate_classes.json": (("classes",), [1, 1]),
    "classes_dtype_unknown.json": (("classes_dtype",), "complex128"),
    "dtype_unknown.json": (("dtype",), "float16"),
    "n_features_mismatch.json": (("n_features_in",), 5),
    "feature_names_numbers.json": (("feature_names_in",), [1, 2]),
    "n_iter_negative.json": (("n_iter",), -3),
    "converged_string.json": (("converged",), "yes"),
    "history_wrong_type.json": (("history",), [0.1, 0.2]),
    "statistics_wrong_type.json": (("statistics",), "none"),
}


def _model_files(document: dict, text: str) -> dict[str, bytes]:
    files = {
        name: (json.dumps(_tamper(document, path, value), indent=1) + "\n").encode()
        for name, (path, value) in MODEL_TAMPERS.items()
    }
    files["pickle_bytes.json"] = pickle.dumps(document, protocol=4)
    files["truncated.json"] = text[: len(text) // 2].encode()
    files["empty.json"] = b""
    files["top_level_list.json"] = b"[1, 2, 3]\n"
    files["nan_literal.json"] = text.replace('"intercept": [', '"intercept": [NaN, ', 1).encode()
    files["duplicate_key.json"] = text.replace('"n_iter":', '"n_iter": 1, "n_iter":', 1).encode()
    files["latin1.json"] = text.replace('"b"', '"bé"').encode("latin-1")
    files["data_file_as_model.json"] = GOOD_CSV.encode()
    return files


def _rewrite(folder: Path, files: dict[str, bytes]) -> None:
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir()
    for name, content in files.items():
        (folder / name).write_bytes(content)


def main() -> None:
    good = HERE / "good"
    _rewrite(good, {"data.csv": GOOD_CSV.encode()})
    frame = _good_frame()
    model = lk.LogisticRegression(alpha=0.1).fit(frame[["a", "b"]], frame["y"])
    lk.save(model, good / "model.json")
    document = json.loads((good / "model.json").read_text(encoding="utf-8"))
    document["logitkit_version"] = "0.1.0"
    text = json.dumps(document, indent=1) + "\n"
    (good / "model.json").write_text(text, encoding="utf-8")

    _rewrite(HERE / "data", {name: make() for name, make in DATA_FILES.items()})
    directory = HERE / "data" / "a_directory.csv"
    directory.mkdir()
    (directory / "README").write_text("A directory named like a data file.\n")
    _rewrite(HERE / "model", _model_files(document, text))


if __name__ == "__main__":
    main()
