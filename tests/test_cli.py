"""The command line, run in-process through main() and once as ``python -m logitkit``."""

import json
import re
import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest

import logitkit
from logitkit import LogisticRegression, load
from logitkit.datasets import load_challenger
from logitkit.io.cli import main

REPORT_LINES = [
    "Response: damage, modelled as P(damage = 1)",
    "Residual deviance: 20.315  on 21  degrees of freedom",
    "    Null deviance: 28.267  on 22  degrees of freedom",
    "AIC: 24.315    BIC: 26.586    Log-likelihood: -10.158",
]


@pytest.fixture
def challenger_csv(tmp_path):
    path = tmp_path / "challenger.csv"
    load_challenger().to_csv(path, index=False)
    return path


@pytest.fixture
def challenger_model():
    df = load_challenger()
    return LogisticRegression().fit(df[["temperature_f"]], df["damage"])


def _run(capsys, *argv):
    code = main(list(map(str, argv)))
    out, err = capsys.readouterr()
    return code, out, err


def _assert_one_error_line(code, err, expected_code=2):
    assert code == expected_code
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("logitkit: error: ")
    return lines[0]


def test_demo_reports_the_published_fit(capsys, challenger_model):
    code, out, err = _run(capsys, "demo")
    assert code == 0
    assert err == ""
    assert "15.0429" in out
    assert "-0.2322" in out
    for line in REPORT_LINES:
        assert line in out.splitlines()
    p31 = challenger_model.predict_proba(pd.DataFrame({"temperature_f": [31]}))[0, 1]
    assert 0.99 < p31 < 1
    assert f"P(damage | 31 °F) = {p31:.4f}" in out
    assert "coldest earlier launch was 53 °F" in out


def test_fit_csv_reports_data_solver_and_coefficients(capsys, challenger_csv, challenger_model):
    code, out, err = _run(
        capsys, "fit", challenger_csv, "--target", "damage", "--features", "temperature_f"
    )
    assert code == 0
    assert err == ""
    lines = out.splitlines()
    assert lines[0] == "Logistic regression of damage on temperature_f"
    assert f"Data: {challenger_csv}, 23 rows" in lines
    assert f"Number of iterations: {challenger_model.n_iter_} (newton), converged" in lines
    assert "fitted by maximum likelihood" in lines[3]
    for line in REPORT_LINES:
        assert line in lines
    table = lines[lines.index("Coefficients:") + 2 :][:2]
    intercept, slope = float(challenger_model.intercept_[0]), float(challenger_model.coef_[0, 0])
    assert table[0].split()[:2] == ["Intercept", f"{intercept:.4f}"]
    assert table[1].split()[:2] == ["temperature_f", f"{slope:.4f}"]
    assert f"{np.exp(slope):.3e}" in table[1]


def test_fit_json_and_inference_options(capsys, tmp_path, challenger_csv):
    frame = load_challenger()
    frame["decade"] = np.arange(len(frame)) % 4
    path = tmp_path / "flights.csv"
    frame.drop(columns=["flight", "distressed_orings"]).to_csv(path, index=False)
    code, out, err = _run(
        capsys,
        "fit",
        path,
        "--target",
        "damage",
        "--groups",
        "decade",
        "--cov-type",
        "cluster",
        "--ci",
        "profile",
        "--level",
        "0.9",
        "--json",
    )
    assert code == 0, err
    document = json.loads(out)
    model = LogisticRegression().fit(frame[["temperature_f"]], frame["damage"])
    expected = model.summary(
        cov_type="cluster",
        groups=frame["decade"].to_numpy(),
        ci="profile",
        level=0.9,
        X=frame[["temperature_f"]],
        y=frame["damage"],
    ).table
    assert list(document["coefficients"]) == ["Intercept", "temperature_f"]
    for name in ("std_err", "ci_low", "ci_high"):
        assert document["coefficients"]["temperature_f"][name] == pytest.approx(
            expected.loc["temperature_f", name], rel=1e-9
        )
    code, _, err = _run(capsys, "fit", path, "--target", "damage", "--cov-type", "cluster")
    assert code == 2 and "needs --groups" in err


def test_fit_parquet_gives_the_same_report(capsys, tmp_path, challenger_csv):
    parquet = tmp_path / "challenger.parquet"
    load_challenger().to_parquet(parquet, index=False)
    options = ["--target", "damage", "--features", "temperature_f"]
    csv_report = _run(capsys, "fit", challenger_csv, *options)
    parquet_report = _run(capsys, "fit", parquet, *options)
    assert parquet_report[0] == 0
    assert parquet_report[1] == csv_report[1].replace(str(challenger_csv), str(parquet))


def test_fit_with_penalty_and_solver(capsys, challenger_csv):
    code, out, _ = _run(
        capsys, "fit", challenger_csv, "--target", "damage", "--features", "temperature_f",
        "--alpha", "0.01", "--solver", "lbfgs", "--tol", "1e-6",
    )  # fmt: skip
    expected = LogisticRegression(alpha=0.01, solver="lbfgs", tol=1e-6)
    df = load_challenger()
    expected.fit(df[["temperature_f"]], df["damage"])
    assert code == 0
    assert "fitted with penalty alpha=0.01, l1_ratio=0" in out
    assert "(lbfgs), converged" in out
    assert f"{float(expected.coef_[0, 0]):.4f}" in out


def test_fit_string_labels_names_the_modelled_class(capsys, tmp_path):
    rng = np.random.default_rng(1)
    x = rng.normal(size=40)
    outcome = np.where(x + rng.normal(size=40) > 0, "sick", "well")
    path = tmp_path / "patients.csv"
    pd.DataFrame({"x": x, "outcome": outcome}).to_csv(path, index=False)
    code, out, _ = _run(capsys, "fit", path, "--target", "outcome", "--out", tmp_path / "m.json")
    assert code == 0
    assert "Response: outcome, modelled as P(outcome = well)" in out
    assert load(tmp_path / "m.json").classes_.tolist() == ["sick", "well"]

    code, out, _ = _run(capsys, "predict", tmp_path / "m.json", path, "--proba")
    assert out.splitlines()[0] == "proba_well"


def test_fit_out_then_predict_reproduces_the_model(capsys, tmp_path, challenger_csv):
    model_path = tmp_path / "model.json"
    code, out, _ = _run(
        capsys, "fit", challenger_csv, "--target", "damage", "--features", "temperature_f",
        "--out", model_path,
    )  # fmt: skip
    assert code == 0
    assert out.splitlines()[-1] == f"Model saved to {model_path}"
    model = load(model_path)
    X = load_challenger()[["temperature_f"]]

    code, out, err = _run(capsys, "predict", model_path, challenger_csv)
    assert code == 0
    assert err == ""
    lines = out.splitlines()
    assert lines[0] == "prediction"
    assert [int(v) for v in lines[1:]] == model.predict(X).tolist()

    code, out, _ = _run(capsys, "predict", model_path, challenger_csv, "--proba")
    assert code == 0
    assert out.splitlines()[0] == "proba_1"
    written = np.array([float(v) for v in out.splitlines()[1:]])
    assert written.tobytes() == model.predict_proba(X)[:, 1].tobytes()


def test_predict_out_file(capsys, tmp_path, challenger_csv, challenger_model):
    model_path = tmp_path / "model.json"
    logitkit.io.model_file.save(challenger_model, model_path)
    out_path = tmp_path / "predictions.csv"
    code, out, _ = _run(capsys, "predict", model_path, challenger_csv, "--proba", "--out", out_path)
    assert code == 0
    assert out == ""
    header, *rows = out_path.read_text().splitlines()
    assert header == "proba_1"
    X = load_challenger()[["temperature_f"]]
    expected = challenger_model.predict_proba(X)[:, 1]
    assert np.array([float(v) for v in rows]).tobytes() == expected.tobytes()


def test_predict_uses_only_the_model_columns_in_any_order(capsys, tmp_path, challenger_model):
    model_path = tmp_path / "model.json"
    logitkit.io.model_file.save(challenger_model, model_path)
    data = tmp_path / "new.csv"
    pd.DataFrame({"note": ["a", "b"], "temperature_f": [31, 75]}).to_csv(data, index=False)
    code, out, _ = _run(capsys, "predict", model_path, data, "--proba")
    assert code == 0
    expected = challenger_model.predict_proba(pd.DataFrame({"temperature_f": [31, 75]}))[:, 1]
    assert [float(v) for v in out.splitlines()[1:]] == expected.tolist()


def test_verbose_prints_iterations_to_stderr(capsys, challenger_csv):
    code, _, err = _run(
        capsys, "fit", challenger_csv, "--target", "damage", "--features", "temperature_f",
        "--verbose",
    )  # fmt: skip
    assert code == 0
    lines = err.splitlines()
    assert lines[0].startswith("iter      0  loss 0.61450")
    assert all(line.startswith("iter ") for line in lines)
    assert "Traceback" not in err


def test_convergence_warning_is_one_line(capsys, challenger_csv):
    argv = ["fit", challenger_csv, "--target", "damage", "--features", "temperature_f"]
    with warnings.catch_warnings():
        warnings.simplefilter("default", logitkit.ConvergenceWarning)
        code, out, err = _run(capsys, *argv, "--max-iter", "1")
    assert code == 0
    lines = err.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("logitkit: warning: solver 'newton' did not converge")
    assert "Number of iterations: 1 (newton), not converged" in out
    assert out.splitlines()[3].startswith("WARNING: the solver did not converge")


def test_convergence_warning_as_error_is_one_error_line(capsys, challenger_csv):
    argv = ["fit", challenger_csv, "--target", "damage", "--features", "temperature_f"]
    with warnings.catch_warnings():
        warnings.simplefilter("error", logitkit.ConvergenceWarning)
        code, out, err = _run(capsys, *argv, "--max-iter", "1")
    line = _assert_one_error_line(code, err)
    assert "did not converge" in line
    assert out == ""


def test_version(capsys):
    code, out, _ = _run(capsys, "--version")
    assert code == 0
    assert out.strip() == f"logitkit {logitkit.__version__}"


def _write(path, text):
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("case", "match"),
    [
        ("missing_file", "cannot read '.*absent.csv': no such file"),
        ("directory", "no Parquet or CSV file in the directory"),
        ("unsupported", "unsupported file type '.xlsx'"),
        ("malformed", "malformed file .*Expected 2 fields in line 3, saw 3"),
        ("missing_target", "target column 'outcome' not found; available columns: 'x', 'y'"),
        ("missing_feature", "feature column\\(s\\) 'z' not found"),
        ("bad_alpha", "alpha must be a finite number >= 0; got -1.0"),
        ("three_classes_firth", "firth=True is for two classes; y has 3"),
        ("bad_formula", "formula 'y ~ z' names column\\(s\\) 'z' that data does not have"),
    ],
)
def test_fit_errors_are_one_line(capsys, tmp_path, case, match):
    good = _write(tmp_path / "good.csv", "x,y\n1,0\n2,1\n3,0\n4,1\n")
    (tmp_path / "empty").mkdir()
    argv = {
        "missing_file": [tmp_path / "absent.csv", "--target", "y"],
        "directory": [tmp_path / "empty", "--target", "y"],
        "unsupported": [_write(tmp_path / "data.xlsx", "x,y\n1,0\n"), "--target", "y"],
        "malformed": [_write(tmp_path / "bad.csv", "x,y\n1,0\n2,1,7\n"), "--target", "y"],
        "missing_target": [good, "--target", "outcome"],
        "missing_feature": [good, "--target", "y", "--features", "x,z"],
        "bad_alpha": [good, "--target", "y", "--alpha", "-1"],
        "three_classes_firth": [
            _write(tmp_path / "t.csv", "x,y\n1,0\n2,1\n3,2\n4,0\n5,1\n6,2\n"),
            "--target",
            "y",
            "--firth",
        ],
        "bad_formula": [good, "--formula", "y ~ z"],
    }[case]
    code, out, err = _run(capsys, "fit", *argv)
    line = _assert_one_error_line(code, err)
    assert re.search(match, line), line
    assert out == ""


@pytest.mark.parametrize(
    ("argv", "match"),
    [
        (["fit", "data.csv"], "one of the arguments --target --formula is required"),
        (["fit", "data.csv", "--target", "y", "--max-iter", "many"], "invalid int value: 'many'"),
        (["fit", "data.csv", "--target", "y", "--solver", "magic"], "invalid choice: 'magic'"),
        (["fit", "data.csv", "--target", "y", "--features", "a,,b"], "empty column name"),
        (["fit", "data.csv", "--target", "y", "--bogus"], "unrecognized arguments: --bogus"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
        ([], "the following arguments are required: COMMAND"),
    ],
)
def test_usage_errors_exit_2_with_one_line(capsys, argv, match):
    code, out, err = _run(capsys, *argv)
    line = _assert_one_error_line(code, err, expected_code=2)
    assert match in line
    assert "--help" in line
    assert out == ""


def test_predict_errors_are_one_line(capsys, tmp_path, challenger_csv, challenger_model):
    model_path = tmp_path / "model.json"
    logitkit.io.model_file.save(challenger_model, model_path)
    other = _write(tmp_path / "other.csv", "pressure,damage\n50,0\n")
    code, _, err = _run(capsys, "predict", model_path, other)
    line = _assert_one_error_line(code, err)
    assert "feature column(s) 'temperature_f' not found" in line

    code, _, err = _run(capsys, "predict", challenger_csv, challenger_csv)
    line = _assert_one_error_line(code, err)
    assert f"cannot load model from '{challenger_csv}': not valid JSON" in line

    code, _, err = _run(capsys, "predict", tmp_path / "absent.json", challenger_csv)
    assert "no such file" in _assert_one_error_line(code, err)


def test_python_m_logitkit_demo():
    result = subprocess.run(
        [sys.executable, "-m", "logitkit", "demo"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "15.0429" in result.stdout
    assert "-0.2322" in result.stdout
    assert "P(damage | 31 °F) = 0.9996" in result.stdout
    assert result.stderr == ""


def test_python_m_logitkit_fit_help():
    result = subprocess.run(
        [sys.executable, "-m", "logitkit", "fit", "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0
    assert result.stdout.startswith("usage: logitkit fit")
    for option in ("--target", "--features", "--alpha", "--l1-ratio", "--solver", "--out"):
        assert option in result.stdout
    assert "Fit a logistic regression" in result.stdout


def test_fit_diagnostics_prints_goodness_of_fit_vif_and_anova(capsys, tmp_path):
    import statsmodels.api as sm

    data = sm.datasets.spector.load_pandas().data
    path = tmp_path / "spector.csv"
    data.to_csv(path, index=False)
    code, out, _ = _run(capsys, "fit", path, "--target", "GRADE", "--diagnostics")
    assert code == 0
    model = logitkit.LogisticRegression().fit(data[["GPA", "TUCE", "PSI"]], data["GRADE"])
    X, y = data[["GPA", "TUCE", "PSI"]], data["GRADE"]
    assert str(logitkit.goodness_of_fit(model, X, y)).strip("\n") in out
    assert logitkit.vif(model, X).to_string() in out
    assert str(logitkit.anova(model, X, y)) in out
    assert "X-squared = 6.0948, df = 8, p-value = 0.6366" in out
    measures = logitkit.influence(model, X, y)
    worst = measures["cooks_distance"].nlargest(5)
    assert list(worst.index) == list(measures.sort_values("cooks_distance").index[::-1][:5])
    listed = out.split("Most influential rows")[1].splitlines()[3:8]
    assert [int(line.split()[0]) for line in listed] == list(worst.index)
    _, one, _ = _run(capsys, "fit", path, "--target", "GRADE", "--features", "GPA", "--diagnostics")
    assert "not available: the model has 1 term" in one
    code, _, err = _run(capsys, "fit", path, "--target", "GRADE", "--diagnostics", "--json")
    assert "--diagnostics prints text" in _assert_one_error_line(code, err)
