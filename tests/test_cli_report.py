"""``logitkit report``: the command writes the report of the fit that ``logitkit fit`` makes,
and bad input is one error line with exit status 2."""

from __future__ import annotations

import subprocess
import sys

import pytest

pytest.importorskip("matplotlib")

import logitkit as lk
from logitkit.io.cli import main
from logitkit.report.page import number
from report_html import read_report


@pytest.fixture
def flights(tmp_path):
    path = tmp_path / "flights.csv"
    lk.datasets.load_challenger().to_csv(path, index=False)
    return path


def _run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def _one_error_line(code, err):
    assert code == 2
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("logitkit: error: ")
    return lines[0]


def test_report_writes_the_fit_of_the_same_options_as_fit(capsys, flights, tmp_path):
    out_path = tmp_path / "report.html"
    code, out, err = _run(
        capsys,
        "report",
        flights,
        "--target",
        "damage",
        "--features",
        "temperature_f",
        "--out",
        out_path,
    )
    assert (code, err) == (0, "")
    assert out.strip() == f"Report written to {out_path}"
    text = out_path.read_text(encoding="utf-8")
    page = read_report(text)
    model = lk.logit("damage ~ temperature_f", lk.datasets.load_challenger())
    rows = page.tables["coefficients"][0][1:]
    assert [row[1] for row in rows] == [number(v) for v in model.summary().table["coef"]]
    command = page.facts["data"]["Command"]
    assert command == (
        f"logitkit report {flights} --target damage --features temperature_f --out {out_path}"
    )
    assert page.facts["data"]["Data"] == f"{flights} (23 rows used)"
    assert "Logistic regression of damage on temperature_f" in text


def test_report_takes_a_formula_and_the_interval_options(capsys, tmp_path):
    data = lk.datasets.load_challenger()
    data["crew"] = ["A", "B", "C"] * 7 + ["A", "B"]
    flights = tmp_path / "crews.csv"
    data.to_csv(flights, index=False)
    out_path = tmp_path / "formula.html"
    code, _, err = _run(
        capsys,
        "report",
        flights,
        "--formula",
        "damage ~ temperature_f + C(crew)",
        "--cov-type",
        "HC1",
        "--level",
        "0.9",
        "--out",
        out_path,
        "--title",
        "O-rings",
    )
    assert code == 0, err
    page = read_report(out_path.read_text(encoding="utf-8"))
    model = lk.logit("damage ~ temperature_f + C(crew)", data)
    table = model.summary(cov_type="HC1", level=0.9).table
    rows = page.tables["coefficients"][0][1:]
    assert [row[0] for row in rows] == list(table.index)
    assert [row[2] for row in rows] == [number(v) for v in table["std_err"]]
    assert page.tables["coefficients"][0][0][5] == "90% low"
    assert "<title>O-rings</title>" in out_path.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["missing.csv", "--target", "damage"], "cannot read 'missing.csv'"),
        (["{flights}", "--target", "nope"], "nope"),
        (["{flights}", "--target", "damage", "--out", "{tmp}/no/such/r.html"], "does not exist"),
        (["{flights}", "--target", "damage", "--out", "{tmp}"], "is a directory"),
        (["{flights}", "--formula", "damage ~ temperature_f", "--features", "a"], "--features"),
    ],
)
def test_bad_input_is_one_error_line(capsys, flights, tmp_path, arguments, message):
    argv = [a.format(flights=flights, tmp=tmp_path) for a in arguments]
    line = _one_error_line(*_run(capsys, "report", *argv)[::2])
    assert message in line


def test_without_matplotlib_the_command_says_how_to_install_it(
    capsys, flights, tmp_path, monkeypatch
):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    code, _, err = _run(capsys, "report", flights, "--target", "damage", "--out", tmp_path / "r")
    assert 'pip install "logitkit[plots]"' in _one_error_line(code, err)


def test_a_multinomial_target_reports_what_applies(capsys, tmp_path):
    from sklearn.datasets import load_iris

    data = load_iris(as_frame=True).frame
    data["species"] = load_iris().target_names[data.pop("target")]
    path = tmp_path / "iris.csv"
    data.to_csv(path, index=False)
    out_path = tmp_path / "iris.html"
    code, _, err = _run(capsys, "report", path, "--target", "species", "--out", out_path)
    assert code == 0, err
    text = out_path.read_text(encoding="utf-8")
    assert "defined for two classes only" in text
    assert read_report(text).figures == [
        "figure-coefficients",
        "figure-calibration",
        "figure-margins",
        "figure-history",
    ]


def test_demo_points_to_the_report_and_the_lesson(capsys):
    code, out, _ = _run(capsys, "demo")
    assert code == 0
    assert "logitkit report " in out and "--target damage" in out
    assert "logitkit lesson --out lesson.html" in out


def test_python_m_logitkit_report_fails_without_a_traceback(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "logitkit", "report", str(tmp_path / "none.csv"), "--target", "y"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("logitkit: error: cannot read")
