"""Formula models predict from raw data, before and after a round trip through a model file."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf

import logitkit as lk
from logitkit import ModelFileError
from logitkit.io.model_file import FORMAT_MINOR_VERSION

SPECTOR = "GRADE ~ GPA + center(TUCE) + C(PSI)"


@pytest.fixture(scope="module")
def spector() -> pd.DataFrame:
    return sm.datasets.spector.load_pandas().data


def test_plain_column_formula_predicts_on_the_fitted_frame() -> None:
    data = lk.datasets.load_challenger()
    model = lk.logit("damage ~ temperature_f", data)
    oracle = smf.logit("damage ~ temperature_f", data).fit(disp=0).predict(data).to_numpy()
    np.testing.assert_allclose(model.predict_proba(data)[:, 1], oracle, rtol=1e-6)
    np.testing.assert_array_equal(model.predict(data), (oracle > 0.5).astype(int))
    reordered = data[list(reversed(data.columns))]
    np.testing.assert_array_equal(model.predict_proba(reordered), model.predict_proba(data))


def test_formula_model_refuses_an_array() -> None:
    data = lk.datasets.load_challenger()
    model = lk.logit("damage ~ temperature_f", data)
    with pytest.raises(TypeError, match="pass a DataFrame with the formula's variables"):
        model.predict(data[["temperature_f"]].to_numpy())


def test_saved_formula_model_predicts_from_raw_data(tmp_path, spector) -> None:
    model = lk.logit(SPECTOR, spector)
    path = tmp_path / "m.json"
    lk.save(model, path)
    loaded = lk.load(path)
    oracle = smf.logit(SPECTOR, spector).fit(disp=0).predict(spector).to_numpy()
    np.testing.assert_allclose(loaded.predict_proba(spector)[:, 1], oracle, rtol=1e-6)
    np.testing.assert_array_equal(loaded.predict_proba(spector), model.predict_proba(spector))
    assert loaded.formula_ == SPECTOR
    summary = loaded.summary()
    assert summary.target == "GRADE"
    assert "GRADE" in str(summary)
    entry = json.loads(path.read_text())["formula"]
    assert entry["categories"] == {"C(PSI)": [0.0, 1.0]}
    assert entry["transforms"]["center(TUCE)"]["center"] == pytest.approx(spector["TUCE"].mean())
    assert json.loads(path.read_text())["format_minor_version"] == FORMAT_MINOR_VERSION


def test_loaded_formula_model_refuses_an_unseen_category(tmp_path, spector) -> None:
    path = tmp_path / "m.json"
    lk.save(lk.logit(SPECTOR, spector), path)
    with pytest.raises(ValueError, match="categories outside"):
        lk.load(path).predict(spector.assign(PSI=2.0))


def test_cli_predicts_with_a_saved_formula_model(tmp_path, spector) -> None:
    model = lk.logit(SPECTOR, spector)
    path, table = tmp_path / "m.json", tmp_path / "d.csv"
    lk.save(model, path)
    spector.to_csv(table, index=False)
    done = subprocess.run(
        [sys.executable, "-m", "logitkit", "predict", str(path), str(table), "--proba"],
        capture_output=True,
        text=True,
        check=True,
    )
    predicted = pd.read_csv(pd.io.common.StringIO(done.stdout))["proba_1.0"].to_numpy()
    np.testing.assert_allclose(predicted, model.predict_proba(spector)[:, 1], rtol=1e-15)


def test_files_without_a_formula_still_load(tmp_path, spector) -> None:
    path = tmp_path / "m.json"
    model = lk.LogisticRegression().fit(spector[["GPA", "TUCE"]], spector["GRADE"])
    lk.save(model, path)
    document = json.loads(path.read_text())
    del document["formula"], document["format_minor_version"]
    path.write_text(json.dumps(document))
    np.testing.assert_array_equal(
        lk.load(path).predict_proba(spector[["GPA", "TUCE"]]),
        model.predict_proba(spector[["GPA", "TUCE"]]),
    )


def test_newer_minor_version_is_refused(tmp_path, spector) -> None:
    path = tmp_path / "m.json"
    lk.save(lk.logit(SPECTOR, spector), path)
    document = json.loads(path.read_text())
    document["format_minor_version"] = FORMAT_MINOR_VERSION + 1
    path.write_text(json.dumps(document))
    with pytest.raises(ModelFileError, match="upgrade logitkit"):
        lk.load(path)


def test_a_formula_entry_with_a_wrong_response_is_refused(tmp_path, spector) -> None:
    path = tmp_path / "m.json"
    lk.save(lk.logit(SPECTOR, spector), path)
    document = json.loads(path.read_text())
    document["formula"]["response"] = "PSI"
    path.write_text(json.dumps(document))
    with pytest.raises(ModelFileError, match="the formula's response is 'GRADE'"):
        lk.load(path)


@pytest.mark.parametrize("value", ["nan", "inf", "-inf"])
def test_non_finite_coefficients_are_refused_on_load(tmp_path, spector, value) -> None:
    path = tmp_path / "m.json"
    lk.save(lk.LogisticRegression().fit(spector[["GPA"]], spector["GRADE"]), path)
    document = json.loads(path.read_text())
    document["coef"][0][0] = value
    path.write_text(json.dumps(document))
    with pytest.raises(ModelFileError, match="'coef' holds NaN or infinite values.*refit"):
        lk.load(path)
    document["coef"][0][0] = 1.0
    document["intercept"][0] = value
    path.write_text(json.dumps(document))
    with pytest.raises(ModelFileError, match="'intercept' holds NaN or infinite values"):
        lk.load(path)


def test_a_formula_whose_transform_state_is_not_numbers_is_refused_on_save(
    tmp_path, spector
) -> None:
    model = lk.logit("GRADE ~ poly(GPA, 2) + TUCE", spector)
    with pytest.raises(ValueError, match="'poly\\(GPA, 2\\)' learnt is not a set of numbers"):
        lk.save(model, tmp_path / "m.json")
    assert not (tmp_path / "m.json").exists()
