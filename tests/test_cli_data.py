"""The command line's data handling: formulas, one-hot encoding, missing rows, standard
input, delimiters, output paths, and predictions from the raw file."""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
import pytest

import logitkit as lk
from logitkit.io.cli import main

ROWS = 60


@pytest.fixture
def mixed(tmp_path):
    """A table with a numeric, a string and a three-class column, one row missing a value."""
    rng = np.random.default_rng(3)
    a = rng.normal(size=ROWS)
    b = rng.choice(["low", "mid", "high"], size=ROWS)
    y = (a + (b == "mid") + rng.normal(size=ROWS) > 0.3).astype(int)
    kind = np.where(a > 0.5, "k1", np.where(a < -0.5, "k2", "k3"))
    kind[:6] = ["k2", "k3", "k1", "k1", "k3", "k2"]
    frame = pd.DataFrame({"a": a, "b": b, "y": y, "kind": kind})
    frame.loc[4, "a"] = np.nan
    path = tmp_path / "mixed.csv"
    frame.to_csv(path, index=False)
    return path, frame


def _run(capsys, *argv):
    code = main([str(arg) for arg in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_string_columns_are_one_hot_and_missing_rows_dropped(capsys, mixed):
    path, frame = mixed
    code, out, err = _run(capsys, "fit", path, "--target", "y", "--features", "a,b", "--json")
    assert code == 0
    assert err.startswith("logitkit: warning: 1 of 60 rows have missing values")
    assert err.count("\n") == 1
    kept = frame.drop(index=4)
    X = pd.get_dummies(kept[["a", "b"]], columns=["b"], drop_first=True, dtype=float)
    reference = lk.LogisticRegression().fit(X, kept["y"])
    table = json.loads(out)["coefficients"]
    coefs = {name: row["coef"] for name, row in table.items()}
    assert list(coefs) == ["Intercept", "a", "b[T.low]", "b[T.mid]"]
    expected = [reference.intercept_[0], *reference.coef_[0]]
    np.testing.assert_allclose(list(coefs.values()), expected, rtol=1e-6)


def test_formula_fit_then_predict_from_the_raw_file(capsys, monkeypatch, tmp_path, mixed):
    path, frame = mixed
    model_path = tmp_path / "model.json"
    formula = "y ~ a + C(b) + a:b"
    code, out, _ = _run(capsys, "fit", path, "--formula", formula, "--out", model_path)
    assert code == 0
    assert out.startswith(f"Logistic regression: {formula}\nData: {path}, 59 rows")
    raw = frame.drop(index=4).drop(columns="y")
    monkeypatch.setattr("sys.stdin", io.StringIO(raw.to_csv(index=False)))
    code, out, _ = _run(capsys, "predict", model_path, "-", "--proba")
    assert code == 0
    with pytest.warns(lk.MissingRowsWarning):
        python_model = lk.logit(formula, frame)
    expected = python_model.predict_proba(raw)[:, 1]
    predicted = pd.read_csv(io.StringIO(out))["proba_1"].to_numpy()
    np.testing.assert_allclose(predicted, expected, rtol=1e-9)


def test_multinomial_target_predicts_every_class_from_raw_data(capsys, tmp_path, mixed):
    path, frame = mixed
    model_path = tmp_path / "model.json"
    argv = ["fit", path, "--target", "kind", "--features", "b", "--out", model_path]
    assert _run(capsys, *argv)[0] == 0
    code, out, _ = _run(capsys, "predict", model_path, path, "--proba")
    assert code == 0
    proba = pd.read_csv(io.StringIO(out))
    assert list(proba.columns) == ["proba_k1", "proba_k2", "proba_k3"]
    model = lk.logit("kind ~ b", frame)
    np.testing.assert_allclose(proba.to_numpy(), model.predict_proba(frame), rtol=1e-9)


def test_standard_input_with_semicolons(capsys, monkeypatch, mixed):
    _, frame = mixed
    text = frame.drop(columns="kind").dropna().to_csv(sep=";", index=False)
    monkeypatch.setattr("sys.stdin", io.StringIO(text))
    code, out, err = _run(capsys, "fit", "-", "--target", "y", "--features", "a")
    assert (code, err) == (0, "")
    assert "Data: standard input, 59 rows" in out
    direct = lk.logit("y ~ a", frame.dropna())
    assert f"{direct.coef_[0, 0]:.4f}" in out


def test_tab_delimited_file_and_a_delimiter_hint(capsys, tmp_path, mixed):
    _, frame = mixed
    tabbed = tmp_path / "tabbed.csv"
    frame.dropna().to_csv(tabbed, sep="\t", index=False)
    assert _run(capsys, "fit", tabbed, "--target", "y", "--features", "a")[0] == 0
    spaced = tmp_path / "spaced.csv"
    spaced.write_text("a y\n1 0\n2 1\n")
    code, out, err = _run(capsys, "fit", spaced, "--target", "y")
    assert code == 2 and out == ""
    assert "only one column was found, named 'a y': the delimiter may be ' '" in err


def test_unwritable_out_fails_before_the_fit(capsys, tmp_path, mixed):
    path, _ = mixed
    target = tmp_path / "absent" / "model.json"
    code, out, err = _run(capsys, "fit", path, "--target", "y", "--out", target)
    assert code == 2 and out == ""
    assert err == (
        f"logitkit: error: cannot write {str(target)!r}: the folder "
        f"{str(target.parent)!r} does not exist; create it first\n"
    )
