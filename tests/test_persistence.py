"""Model files: exact round trips, a readable format, and refusal of anything malformed."""

import dataclasses
import json
import pathlib
import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError

import logitkit
from logitkit import LogisticRegression, ModelFileError, load
from logitkit.io.model_file import FORMAT_VERSION, save


def _data(n=60, p=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p))
    z = X @ np.array([1.5, -2.0, 0.5][:p]) + 0.3
    y01 = (rng.random(n) < 1 / (1 + np.exp(-z))).astype(int)
    return X, y01


def _roundtrip(model, path):
    save(model, path)
    return load(path)


def _fitted_attributes(model):
    return sorted(name for name in vars(model) if name.endswith("_") and not name.startswith("_"))


def _assert_same_model(original, restored, X):
    assert type(restored) is LogisticRegression
    assert _fitted_attributes(restored) == _fitted_attributes(original)
    assert restored.get_params() == original.get_params()
    assert restored.classes_.dtype == original.classes_.dtype
    assert restored.classes_.tolist() == original.classes_.tolist()
    for name in ("coef_", "intercept_"):
        a, b = getattr(original, name), getattr(restored, name)
        assert b.dtype == a.dtype
        assert b.shape == a.shape
        assert b.tobytes() == a.tobytes()
    assert restored.n_features_in_ == original.n_features_in_
    assert hasattr(restored, "feature_names_in_") == hasattr(original, "feature_names_in_")
    if hasattr(original, "feature_names_in_"):
        assert restored.feature_names_in_.dtype == object
        assert restored.feature_names_in_.tolist() == original.feature_names_in_.tolist()
    assert restored.n_iter_ == original.n_iter_
    assert restored.converged_ is original.converged_
    assert restored.solver_ == original.solver_
    assert restored.stop_reason_ == original.stop_reason_
    pd.testing.assert_frame_equal(restored.history_, original.history_, check_exact=True)
    assert restored.history_.index.name == "iteration"
    assert list(restored.history_.columns) == ["loss", "grad_norm"]
    assert restored.decision_function(X).tobytes() == original.decision_function(X).tobytes()
    assert restored.predict_proba(X).tobytes() == original.predict_proba(X).tobytes()
    predicted = restored.predict(X)
    assert predicted.dtype == original.predict(X).dtype
    assert predicted.tolist() == original.predict(X).tolist()


@pytest.mark.parametrize(
    ("name", "make_labels"),
    [
        ("int", lambda y: y),
        ("other_ints", lambda y: np.where(y == 1, 7, 3)),
        ("float", lambda y: y.astype(float)),
        ("bool", lambda y: y == 1),
        ("str_array", lambda y: np.where(y == 1, "yes", "no")),
        ("str_object", lambda y: np.where(y == 1, "yes", "no").astype(object)),
        ("str_series", lambda y: pd.Series(np.where(y == 1, "spam", "ham"))),
    ],
)
def test_roundtrip_keeps_labels_and_their_dtype(tmp_path, name, make_labels):
    X, y01 = _data()
    model = LogisticRegression().fit(X, make_labels(y01))
    restored = _roundtrip(model, tmp_path / f"{name}.json")
    _assert_same_model(model, restored, X)


def test_roundtrip_dense_float64_is_bitwise(tmp_path):
    X, y = _data(p=3)
    model = LogisticRegression(alpha=0.01, solver="lbfgs").fit(X, y)
    restored = _roundtrip(model, tmp_path / "m.json")
    _assert_same_model(model, restored, X)
    assert restored.coef_.dtype == np.float64
    assert restored.get_params()["alpha"] == 0.01


def test_roundtrip_float32(tmp_path):
    X, y = _data()
    X32 = X.astype(np.float32)
    model = LogisticRegression().fit(X32, y)
    assert model.coef_.dtype == np.float32
    restored = _roundtrip(model, tmp_path / "m.json")
    _assert_same_model(model, restored, X32)
    assert json.loads((tmp_path / "m.json").read_text())["dtype"] == "float32"


def test_roundtrip_dataframe_feature_names(tmp_path):
    X, y = _data()
    frame = pd.DataFrame(X, columns=["age", "dose", "weight"])
    model = LogisticRegression().fit(frame, y)
    restored = _roundtrip(model, tmp_path / "m.json")
    _assert_same_model(model, restored, frame)
    assert restored.feature_names_in_.tolist() == ["age", "dose", "weight"]
    with pytest.raises(ValueError, match="dose"):
        restored.predict(frame.drop(columns="dose"))


def test_roundtrip_without_feature_names(tmp_path):
    X, y = _data()
    model = LogisticRegression().fit(X, y)
    restored = _roundtrip(model, tmp_path / "m.json")
    assert not hasattr(restored, "feature_names_in_")
    assert json.loads((tmp_path / "m.json").read_text())["feature_names_in"] is None


def test_roundtrip_without_intercept(tmp_path):
    X, y = _data()
    model = LogisticRegression(fit_intercept=False).fit(X, y)
    restored = _roundtrip(model, tmp_path / "m.json")
    _assert_same_model(model, restored, X)
    assert restored.fit_intercept is False
    assert restored.intercept_.tolist() == [0.0]


def test_roundtrip_stochastic_solver_params(tmp_path):
    X, y = _data()
    model = LogisticRegression(
        solver="minibatch", batch_size=8, max_iter=3, random_state=5, class_weight={0: 1.0, 1: 2.5}
    )
    with pytest.warns(logitkit.ConvergenceWarning):
        model.fit(X, y)
    restored = _roundtrip(model, tmp_path / "m.json")
    _assert_same_model(model, restored, X)
    assert restored.class_weight == {0: 1.0, 1: 2.5}
    assert restored.converged_ is False


def test_roundtrip_random_state_instance(tmp_path):
    X, y = _data()
    model = LogisticRegression(random_state=np.random.RandomState(42)).fit(X, y)
    restored = _roundtrip(model, tmp_path / "m.json")
    a, b = model.random_state, restored.random_state
    assert isinstance(b, np.random.RandomState)
    assert b is not a
    assert b.randint(0, 2**31, size=5).tolist() == a.randint(0, 2**31, size=5).tolist()


def test_non_finite_coefficients_are_written_as_strings(tmp_path):
    X, y = _data()
    model = LogisticRegression().fit(X, y)
    model.coef_ = np.array([[np.inf, -np.inf, np.nan]])
    path = tmp_path / "m.json"
    save(model, path)

    def refuse(name):
        raise AssertionError(f"{name} in the file")

    document = json.loads(path.read_text(), parse_constant=refuse)
    assert document["coef"] == [["inf", "-inf", "nan"]]
    with pytest.raises(ModelFileError, match="'coef' holds NaN or infinite values"):
        load(path)


def test_file_is_readable_json(tmp_path):
    X, y = _data(p=2)
    model = LogisticRegression().fit(pd.DataFrame(X, columns=["a", "b"]), np.where(y, "y", "n"))
    path = tmp_path / "m.json"
    save(model, path)
    text = path.read_text(encoding="utf-8")
    document = json.loads(text)
    assert document["format"] == "logitkit-model"
    assert document["format_version"] == FORMAT_VERSION == 1
    assert document["logitkit_version"] == logitkit.__version__
    assert document["classes"] == ["n", "y"]
    assert document["classes_dtype"] == "<U1"
    assert document["coef"] == [model.coef_[0].tolist()]
    assert document["intercept"] == model.intercept_.tolist()
    assert document["n_features_in"] == 2
    assert document["feature_names_in"] == ["a", "b"]
    assert document["params"] == model.get_params()
    assert document["solver"] == model.solver_
    assert document["history"]["loss"] == model.history_["loss"].tolist()
    assert '  "coef": [[' in text
    assert text.endswith("}\n")


def test_save_refuses_an_unfitted_model(tmp_path):
    with pytest.raises(NotFittedError):
        save(LogisticRegression(), tmp_path / "m.json")
    assert not (tmp_path / "m.json").exists()


def test_save_refuses_other_objects(tmp_path):
    with pytest.raises(TypeError, match="LogisticRegression"):
        save({"coef": [1.0]}, tmp_path / "m.json")


@pytest.fixture
def saved(tmp_path):
    """A valid model file's path and parsed document, to be spoilt by each test."""
    X, y = _data(p=2)
    model = LogisticRegression().fit(pd.DataFrame(X, columns=["a", "b"]), y)
    path = tmp_path / "model.json"
    save(model, path)
    return path, json.loads(path.read_text())


def _refused(path, match):
    with pytest.raises(ModelFileError, match=match) as caught:
        load(path)
    message = str(caught.value)
    assert str(path) in message
    assert "\n" not in message
    assert isinstance(caught.value, ValueError)
    return message


def _write(path, document):
    path.write_text(json.dumps(document))
    return path


def test_refuses_missing_file(tmp_path):
    _refused(tmp_path / "absent.json", "no such file")


def test_refuses_directory(tmp_path):
    _refused(tmp_path, "directory")


def test_refuses_non_json(tmp_path):
    path = tmp_path / "m.json"
    path.write_text("flight,temperature_f\nSTS-1,66\n")
    _refused(path, "not valid JSON")


def test_refuses_truncated_json(saved):
    path, _ = saved
    text = path.read_text()
    path.write_text(text[: len(text) // 2])
    _refused(path, r"not valid JSON \(truncated or corrupted\?\)")


def test_refuses_wrong_format(saved):
    path, document = saved
    document["format"] = "sklearn-model"
    _refused(_write(path, document), "not a logitkit model file: 'format' is 'sklearn-model'")


def test_refuses_a_json_array(tmp_path):
    _refused(_write(tmp_path / "m.json", [1, 2, 3]), "the top level is an array")


def test_refuses_newer_format_version(saved):
    path, document = saved
    document["format_version"] = FORMAT_VERSION + 1
    document["logitkit_version"] = "9.0"
    message = _refused(_write(path, document), "format version 2")
    assert "logitkit 9.0" in message
    assert "upgrade logitkit" in message


@pytest.mark.parametrize("key", ["coef", "classes", "params", "history", "format_version"])
def test_refuses_missing_key(saved, key):
    path, document = saved
    del document[key]
    _refused(_write(path, document), f"missing key\\(s\\) '{key}'")


def test_refuses_coef_of_wrong_length(saved):
    path, document = saved
    document["coef"] = [document["coef"][0][:1]]
    _refused(_write(path, document), "'coef' has 1 entries; expected 2")


def test_refuses_coef_with_two_rows(saved):
    path, document = saved
    document["coef"] = document["coef"] * 2
    _refused(_write(path, document), "'coef' must hold 1 row\\(s\\) for a model of 2 classes")


def test_refuses_three_classes_with_one_row_of_coefficients(saved):
    path, document = saved
    document["classes"] = [0, 1, 2]
    _refused(_write(path, document), "'coef' must hold 3 row\\(s\\) for a model of 3 classes")


def test_refuses_repeated_class(saved):
    path, document = saved
    document["classes"] = [1, 1]
    _refused(_write(path, document), "distinct labels in increasing order")


def test_refuses_labels_that_do_not_fit_their_dtype(saved):
    path, document = saved
    document["classes"] = ["no", "yes"]
    _refused(_write(path, document), "labels of dtype int64")
    document["classes_dtype"] = "<U2"
    _refused(_write(path, document), "do not fit dtype '<U2'")


@pytest.mark.parametrize("dtype", ["datetime64[ns]", "V8", "i4,f8", "S3", "int"])
def test_refuses_unsupported_classes_dtype(saved, dtype):
    path, document = saved
    document["classes_dtype"] = dtype
    _refused(_write(path, document), "'classes_dtype' must name")


@pytest.mark.parametrize(
    ("key", "value", "match"),
    [
        ("n_iter", "5", "'n_iter' must be an integer; got a string"),
        ("n_iter", True, "'n_iter' must be an integer; got a boolean"),
        ("n_features_in", 0, "'n_features_in' must be at least 1"),
        ("converged", 1, "'converged' must be true or false; got a number"),
        ("dtype", "float16", "'dtype' must be 'float64' or 'float32'"),
        ("intercept", [0.1, 0.2], "'intercept' has 2 entries; expected 1"),
        ("coef", [["1.5", 2.0]], "'coef' must hold numbers"),
        ("feature_names_in", ["a"], "'feature_names_in' must hold 2 strings"),
        ("history", {"loss": [1.0, 0.5], "grad_norm": [1.0]}, "'history.grad_norm' has 1"),
        ("history", {"loss": []}, "exactly the keys 'loss' and 'grad_norm'"),
        ("params", [], "'params' must be an object; got an array"),
    ],
)
def test_refuses_ill_typed_entries(saved, key, value, match):
    path, document = saved
    document[key] = value
    _refused(_write(path, document), match)


def test_refuses_unknown_parameter(saved):
    path, document = saved
    document["params"]["penalty"] = "l2"
    _refused(_write(path, document), "unknown parameter\\(s\\) 'penalty'")


def test_a_parameter_missing_from_the_file_takes_its_default(saved):
    path, document = saved
    del document["params"]["batch_size"]
    document["params"]["alpha"] = 0.5
    restored = load(_write(path, document))
    assert restored.batch_size == LogisticRegression().batch_size
    assert restored.alpha == 0.5


def test_refuses_invalid_parameter_values(saved):
    path, document = saved
    document["params"]["solver"] = "magic"
    _refused(_write(path, document), "invalid 'params': solver must be one of")
    document["params"]["solver"] = "auto"
    document["params"]["fit_intercept"] = "yes"
    _refused(_write(path, document), "'params.fit_intercept' must be true or false")


def test_refuses_intercept_without_fit_intercept(saved):
    path, document = saved
    document["params"]["fit_intercept"] = False
    _refused(_write(path, document), "'intercept' must be \\[0.0\\]")


def test_refuses_non_standard_json(saved):
    path, _ = saved
    path.write_text(path.read_text().replace('"intercept": [', '"intercept": [NaN, '))
    _refused(path, "NaN is not standard JSON")


def test_refuses_duplicate_keys(saved):
    path, _ = saved
    path.write_text(path.read_text().replace('"n_iter": ', '"n_iter": 3, "n_iter": '))
    _refused(path, "the key 'n_iter' appears twice")


class _Tripwire:
    """Unpickling this object would create a file: proof that the payload ran."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (pathlib.Path.touch, (self.marker,))


def test_refuses_a_pickle_and_runs_nothing(tmp_path):
    marker = tmp_path / "payload-ran"
    path = tmp_path / "model.json"
    path.write_bytes(pickle.dumps(_Tripwire(marker)))
    _refused(path, "looks like a pickle")
    assert not marker.exists()


def test_refuses_pickle_looking_json(tmp_path, saved):
    payload = {"__reduce__": ["os.system", ["echo pwned"]]}
    _refused(_write(tmp_path / "reduce.json", payload), "it has no 'format' key")

    path, document = saved
    document["__reduce__"] = ["os.system", ["echo pwned"]]
    _refused(_write(path, document), "unexpected key\\(s\\) '__reduce__'")
    del document["__reduce__"]
    document["classes"] = [{"py/reduce": ["os.system"]}, 1]
    _refused(_write(path, document), "'classes' must be labels of dtype int64; got an object")
    document["classes"] = [0, 1]
    document["params"]["random_state"] = {"py/object": "numpy.random.RandomState"}
    _refused(_write(path, document), "'params.random_state' must be an MT19937 state")


def test_refuses_binary_garbage(tmp_path):
    path = tmp_path / "m.json"
    path.write_bytes(b"\xff\xfe\x00garbage")
    _refused(path, "not UTF-8 text")


def test_top_level_save_writes_the_same_file(tmp_path):
    X, y = _data()
    model = LogisticRegression(alpha=0.1).fit(X, y)
    logitkit.save(model, tmp_path / "method.json")
    save(model, tmp_path / "function.json")
    assert (tmp_path / "method.json").read_text() == (tmp_path / "function.json").read_text()
    _assert_same_model(model, logitkit.load(tmp_path / "method.json"), X)


def test_an_unfinished_separation_check_survives_the_file(tmp_path):
    """A fit that could not rule separation out (separation_checked False) says so again
    after loading; a file without the key (before version 1.2) reads as checked."""
    rng = np.random.default_rng(5)
    X = rng.standard_normal((60, 2))
    y = (X[:, 0] + rng.standard_normal(60) > 0).astype(int)
    fitted = LogisticRegression().fit(X, y)
    unchecked = LogisticRegression.from_record(
        dataclasses.replace(fitted.record_, separation_checked=False)
    )
    path = tmp_path / "model.json"
    save(unchecked, path)
    document = json.loads(path.read_text())
    assert document["separation_checked"] is False
    loaded = load(path)
    assert loaded.record_.separation_checked is False
    assert loaded.summary().separation_checked is False
    del document["separation_checked"]
    path.write_text(json.dumps(document))
    assert load(path).record_.separation_checked is True
    document["separation_checked"] = "no"
    path.write_text(json.dumps(document))
    with pytest.raises(ModelFileError, match="separation_checked"):
        load(path)
