"""``logitkit fit`` on a glob or a directory of files, read whole or with Dask."""

from __future__ import annotations

import json
import logging
import re

import numpy as np
import pandas as pd
import pytest

import logitkit as lk
from logitkit.io.cli import main

distributed = pytest.importorskip("distributed")

FEATURES = ["a", "b", "c"]


def _frame(seed: int, rows: int = 400) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(rows, 3))
    y = (X @ np.array([1.0, -0.5, 0.25]) + rng.logistic(size=rows) > 0).astype(np.int64)
    return pd.DataFrame(X, columns=FEATURES).assign(y=y)


@pytest.fixture
def parts(tmp_path):
    folder = tmp_path / "parts"
    folder.mkdir()
    for i in range(3):
        _frame(i).to_parquet(folder / f"part-{i}.parquet", index=False)
    return folder


@pytest.fixture
def reference():
    data = pd.concat([_frame(i) for i in range(3)], ignore_index=True)
    return lk.LogisticRegression().fit(data[FEATURES], data["y"])


def _run(capsys, *argv):
    code = main(list(map(str, argv)))
    out, err = capsys.readouterr()
    return code, out, err


def _estimates(out: str) -> dict[str, float]:
    return {term: row["coef"] for term, row in json.loads(out)["coefficients"].items()}


def _error_line(code: int, err: str) -> str:
    assert code == 2
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("logitkit: error: ")
    return lines[0]


def test_help_documents_dask(capsys):
    code, out, _ = _run(capsys, "fit", "--help")
    assert code == 0
    for text in ("--dask", "--scheduler ADDRESS", "--dask-above SIZE", "glob", "elapsed"):
        assert text in " ".join(out.split()), text


def test_small_files_of_a_glob_are_read_whole_and_joined(capsys, parts, reference):
    code, out, err = _run(capsys, "fit", f"{parts}/*.parquet", "--target", "y", "--json")
    assert code == 0 and err == ""
    estimates = _estimates(out)
    np.testing.assert_allclose(
        [estimates[name] for name in FEATURES], reference.coef_.ravel(), rtol=1e-10
    )


def test_files_above_the_threshold_are_fitted_with_dask(capsys, parts, reference):
    code, out, err = _run(capsys, "fit", parts, "--target", "y", "--dask-above", "1KB", "--json")
    assert code == 0, err
    estimates = _estimates(out)
    np.testing.assert_allclose(
        [estimates["Intercept"], *(estimates[name] for name in FEATURES)],
        [*reference.intercept_, *reference.coef_.ravel()],
        rtol=1e-8,
    )
    lines = err.splitlines()
    assert len(lines) >= 3
    for line in lines:
        assert re.fullmatch(r"iter +\d+  loss \S+  grad_norm \S+  elapsed \d+\.\d\ds", line), line


def test_text_report_names_the_files_and_how_they_were_read(capsys, parts):
    code, out, _ = _run(capsys, "fit", f"{parts}/*.parquet", "--target", "y", "--dask")
    assert code == 0
    assert "Logistic regression of y on a, b, c" in out
    assert "3 file(s), 1200 rows, read with Dask on this machine" in out
    assert "Response: y" in out


def test_a_scheduler_address_fits_on_that_cluster(capsys, parts, reference):
    with distributed.LocalCluster(
        n_workers=1,
        threads_per_worker=1,
        processes=False,
        dashboard_address=None,
        silence_logs=logging.ERROR,
    ) as cluster:
        code, out, err = _run(
            capsys, "fit", parts, "--target", "y", "--scheduler", cluster.scheduler_address
        )
    assert code == 0, err
    assert f"on the scheduler at {cluster.scheduler_address} (kept in the cluster's memory)" in out
    assert f"{reference.coef_[0, 0]:.4f}" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["nowhere/*.parquet", "--target", "y"], "no file matches 'nowhere/\\*.parquet'"),
        (["{parts}", "--formula", "y ~ a", "--dask"], "--formula needs the data in memory"),
        (["{parts}", "--target", "z", "--dask"], "--target column 'z' is not in"),
        (["{parts}", "--target", "y", "--dask-above", "lots"], "--dask-above 'lots' is not a size"),
        (["{empty}", "--target", "y"], "no Parquet or CSV file in the directory"),
        (["-", "--target", "y", "--dask"], "Dask reads files, not standard input"),
    ],
)
def test_bad_inputs_are_one_error_line(capsys, parts, tmp_path, argv, message):
    (tmp_path / "empty").mkdir()
    argv = [a.format(parts=parts, empty=tmp_path / "empty") for a in argv]
    code, out, err = _run(capsys, "fit", *argv)
    assert re.search(message, _error_line(code, err))
    assert out == ""


def test_an_unreachable_scheduler_is_one_error_line(capsys, parts):
    code, out, err = _run(capsys, "fit", parts, "--target", "y", "--scheduler", "tcp://127.0.0.1:9")
    assert "cannot reach the Dask scheduler at 'tcp://127.0.0.1:9'" in _error_line(code, err)
    assert out == ""
