"""The FitRecord a fit leaves: frozen, the source of every fitted attribute, saved and loaded."""

from __future__ import annotations

import ast
import dataclasses
import pathlib

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

import logitkit as lk
from logitkit import FitRecord, LogisticRegression
from logitkit.inference.summarize import summarize

INFERENCE = pathlib.Path(lk.__file__).parent / "inference"


def _data(n: int = 200, n_classes: int = 2, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(rng.normal(size=(n, 3)), columns=["a", "b", "c"])
    z = X.to_numpy() @ rng.normal(size=(3, n_classes))
    y = np.argmax(z + rng.gumbel(size=z.shape), axis=1)
    return X, y


FITS = {
    "binary": (2, {}),
    "binary, no intercept": (2, {"fit_intercept": False}),
    "binary, ridge": (2, {"alpha": 0.05}),
    "binary, firth": (2, {"firth": True}),
    "four classes": (4, {}),
    "four classes, reference 2": (4, {"reference": 2}),
    "four classes, penalised": (4, {"alpha": 0.01}),
}


@pytest.fixture(scope="module", params=list(FITS))
def fitted(request) -> tuple[LogisticRegression, pd.DataFrame]:
    n_classes, params = FITS[request.param]
    X, y = _data(n_classes=n_classes)
    return LogisticRegression(**params).fit(X, y), X


def _fitted_attributes(model: LogisticRegression) -> dict[str, object]:
    return {name: value for name, value in vars(model).items() if name.endswith("_")}


def _assert_same_attributes(restored: LogisticRegression, original: LogisticRegression) -> None:
    expected, found = _fitted_attributes(original), _fitted_attributes(restored)
    assert sorted(found) == sorted(expected)
    for name, value in expected.items():
        if isinstance(value, pd.DataFrame):
            pd.testing.assert_frame_equal(found[name], value, check_exact=True)
        elif isinstance(value, np.ndarray):
            assert found[name].dtype == value.dtype, name
            assert found[name].shape == value.shape, name
            assert found[name].tobytes() == value.tobytes(), name
        else:
            assert found[name] == value, name
            assert type(found[name]) is type(value), name


def test_the_record_is_frozen(fitted) -> None:
    model, _ = fitted
    record = model.record_
    assert isinstance(record, FitRecord)
    with pytest.raises(dataclasses.FrozenInstanceError):
        record.loglik = 0.0
    for name in ("theta", "classes", "loss", "grad_norm", "information", "score_outer"):
        with pytest.raises(ValueError, match="read-only"):
            getattr(record, name)[0] = 1
    copy = LogisticRegression.from_record(record, **model.get_params())
    copy.coef_[0, 0] += 1.0
    assert copy.record_ == record
    assert record.coefficients()[0][0, 0] == model.coef_[0, 0] != copy.coef_[0, 0]


def test_the_record_holds_theta_in_the_documented_layout(fitted) -> None:
    model, _ = fitted
    record = model.record_
    K, p = len(model.classes_), model.n_features_in_
    head = int(model.fit_intercept)
    assert record.theta.dtype == np.float64
    if K == 2:
        assert record.reference == 0 and record.n_outputs == 1
        np.testing.assert_array_equal(
            record.theta, np.concatenate((model.intercept_[:head], model.coef_[0]))
        )
    elif model.alpha == 0:
        r = record.reference
        assert r == (2 if model.reference == 2 else 0)
        assert record.n_outputs == K - 1 and record.n_params == (K - 1) * (p + 1)
        others = [k for k in range(K) if k != r]
        blocks = np.column_stack((model.intercept_, model.coef_))[others]
        np.testing.assert_allclose(record.theta, blocks.ravel(), rtol=0, atol=1e-15)
    else:
        assert record.reference is None and record.n_outputs == K
        blocks = np.column_stack((model.intercept_, model.coef_))
        np.testing.assert_array_equal(record.theta, blocks.ravel())
    assert record.term_names == (["Intercept"] if head else []) + ["a", "b", "c"]
    assert record.classes.tolist() == model.classes_.tolist()


def test_the_derived_statistics_follow_their_formulas(fitted) -> None:
    model, _ = fitted
    record = model.record_
    k, n, ell = record.n_params, record.n_obs, record.loglik
    assert record.deviance == -2.0 * ell == model.deviance_
    assert record.null_deviance == -2.0 * record.null_loglik == model.null_deviance_
    assert record.aic == pytest.approx(-2.0 * ell + 2.0 * k, rel=1e-15) == model.aic_
    assert record.bic == pytest.approx(-2.0 * ell + k * np.log(n), rel=1e-15) == model.bic_
    assert record.df_model == k - record.n_outputs * int(record.fit_intercept) == model.df_model_
    assert record.df_resid == n - k == model.df_resid_
    pd.testing.assert_frame_equal(
        model.history_,
        pd.DataFrame(
            {"loss": record.loss, "grad_norm": record.grad_norm},
            index=pd.RangeIndex(len(record.loss), name="iteration"),
        ),
    )


def test_the_record_agrees_with_statsmodels_mnlogit() -> None:
    X, y = _data(n=300, n_classes=3, seed=4)
    reference = sm.MNLogit(y, sm.add_constant(X)).fit(method="newton", disp=0, tol=1e-12)
    record = LogisticRegression().fit(X, y).record_
    np.testing.assert_allclose(record.theta, reference.params.to_numpy().ravel(order="F"), 1e-6)
    assert record.loglik == pytest.approx(reference.llf, rel=1e-10)
    assert record.aic == pytest.approx(reference.aic, rel=1e-10)
    assert record.bic == pytest.approx(reference.bic, rel=1e-10)
    assert record.df_model == reference.df_model
    assert record.df_resid == reference.df_resid


def test_from_record_gives_the_fitted_model_back(fitted) -> None:
    model, X = fitted
    restored = LogisticRegression.from_record(model.record_, **model.get_params())
    _assert_same_attributes(restored, model)
    assert restored.get_params() == model.get_params()
    assert restored.predict_proba(X).tobytes() == model.predict_proba(X).tobytes()
    pd.testing.assert_frame_equal(restored.summary().table, model.summary().table)
    bare = LogisticRegression.from_record(model.record_)
    for name in ("alpha", "l1_ratio", "firth", "fit_intercept", "reference"):
        assert getattr(bare, name) == getattr(model, name)


def test_float32_fits_round_trip_through_their_record() -> None:
    X, y = _data()
    model = LogisticRegression().fit(X.to_numpy(np.float32), y)
    assert model.record_.dtype == np.float32 and model.coef_.dtype == np.float32
    np.testing.assert_array_equal(model.record_.theta, model.record_.theta.astype(np.float32))
    _assert_same_attributes(LogisticRegression.from_record(model.record_), model)


def test_from_record_refuses_parameters_the_fit_did_not_have() -> None:
    X, y = _data(n_classes=3)
    record = LogisticRegression(reference=1).fit(X, y).record_
    with pytest.raises(ValueError, match="alpha=0.1 disagrees with the record's 0.0"):
        LogisticRegression.from_record(record, alpha=0.1, reference=1)
    with pytest.raises(ValueError, match="reference=0 is not the record's reference class 1"):
        LogisticRegression.from_record(record, reference=0)
    with pytest.raises(ValueError, match="reference=7 is not the record's reference class"):
        LogisticRegression.from_record(record, reference=7)
    with pytest.raises(ValueError, match="l1_ratio must be in"):
        LogisticRegression.from_record(record, reference=1, l1_ratio=2.0)


def test_a_loaded_model_has_the_saved_record(fitted, tmp_path) -> None:
    model, X = fitted
    path = tmp_path / "model.json"
    lk.save(model, path)
    restored = lk.load(path)
    assert restored.record_ == model.record_
    _assert_same_attributes(restored, model)
    assert restored.predict_proba(X).tobytes() == model.predict_proba(X).tobytes()


def test_records_differ_when_fits_do() -> None:
    X, y = _data()
    plain = LogisticRegression().fit(X, y).record_
    assert plain == LogisticRegression().fit(X, y).record_
    assert plain != LogisticRegression(alpha=0.1).fit(X, y).record_
    assert plain != LogisticRegression().fit(X[["a", "b"]], y).record_
    assert plain != dataclasses.replace(plain, solver="lbfgs")
    assert plain != "not a record"


def test_a_record_refuses_inconsistent_fields() -> None:
    X, y = _data()
    record = LogisticRegression().fit(X, y).record_
    with pytest.raises(ValueError, match="2 feature names for 3 features"):
        dataclasses.replace(record, feature_names=("a", "b"))
    with pytest.raises(ValueError, match="information has shape"):
        dataclasses.replace(record, information=np.eye(2))
    with pytest.raises(ValueError, match="with two classes the reference is 0"):
        dataclasses.replace(record, reference=None)
    with pytest.raises(ValueError, match="loss and grad_norm differ"):
        dataclasses.replace(record, loss=record.loss[:-1])


def test_summaries_and_lr_tests_read_the_record_alone() -> None:
    X, y = _data()
    model = LogisticRegression().fit(X, y)
    from_record = summarize(
        model.record_, None, cov_type="HC0", groups=None, ci="wald", level=0.9, target=None
    )
    pd.testing.assert_frame_equal(from_record.table, model.summary(cov_type="HC0", level=0.9).table)
    restricted = LogisticRegression().fit(X[["a"]], y)
    assert lk.lr_test(restricted.record_, model.record_) == lk.lr_test(restricted, model)


def test_the_inference_layer_imports_nothing_from_models() -> None:
    for path in sorted(INFERENCE.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                module = "." * node.level + (node.module or "")
                assert "models" not in module.split("."), f"{path.name} imports {module}"
            elif isinstance(node, ast.Import):
                assert not any("logitkit.models" in alias.name for alias in node.names)


def test_record_equality_compares_arrays_by_dtype_shape_and_entries_with_nan_equal() -> None:
    X, y = _data()
    plain = LogisticRegression().fit(X, y).record_
    assert plain != dataclasses.replace(plain, information=None, score_outer=None)
    assert dataclasses.replace(plain, information=None, score_outer=None) != plain
    assert plain != dataclasses.replace(plain, classes=plain.classes.astype(np.int8))
    shorter = dataclasses.replace(plain, loss=plain.loss[:-1], grad_norm=plain.grad_norm[:-1])
    assert plain != shorter
    with_nan = plain.loss.copy()
    with_nan[0] = np.nan
    assert dataclasses.replace(plain, loss=with_nan) == dataclasses.replace(plain, loss=with_nan)
    assert dataclasses.replace(plain, loglik=np.nan) == dataclasses.replace(plain, loglik=np.nan)
    assert plain != dataclasses.replace(plain, loglik=plain.loglik - 1.0)
    assert plain != dataclasses.replace(plain, loglik=np.nan)


def test_a_separation_says_which_estimates_run_off_and_which_are_undetermined() -> None:
    from logitkit.core.record import Separation

    assert str(Separation("complete", {"x1": 1})) == (
        "complete separation: the estimate of 'x1' (+inf) runs off to infinity"
    )
    assert str(Separation("quasi-complete", {"a": 1, "b": -1, "c": 1}, ("d", "e"))) == (
        "quasi-complete separation: the estimates of 'a' (+inf), 'b' (-inf) and 'c' (+inf) "
        "run off to infinity, and those of 'd' and 'e' are not determined by the data "
        "(separating directions move them both ways)"
    )
    assert str(Separation("quasi-complete", {"a": -1}, ("d",))) == (
        "quasi-complete separation: the estimate of 'a' (-inf) runs off to infinity, and that "
        "of 'd' is not determined by the data (separating directions move it both ways)"
    )
    assert str(Separation("quasi-complete", {}, ("d", "e"))) == (
        "quasi-complete separation: the estimates of 'd' and 'e' are not determined by the "
        "data (separating directions move them both ways)"
    )
    assert str(Separation("quasi-complete", {}, ("d",))) == (
        "quasi-complete separation: the estimate of 'd' is not determined by the data "
        "(separating directions move it both ways)"
    )


def _bare_record(**changes: object) -> FitRecord:
    """A binary record with an intercept and features 'a' and 'b', built field by field."""
    values: dict[str, object] = {
        "theta": [0.5, -1.0, 2.0],
        "feature_names": ("a", "b"),
        "classes": np.array([0, 1]),
        "reference": 0,
        "fit_intercept": True,
        "alpha": 0.0,
        "l1_ratio": 0.0,
        "firth": False,
        "loglik": -3.0,
        "null_loglik": -4.0,
        "n_obs": 8.0,
        "information": None,
        "score_outer": None,
        "separation": None,
        "loss": [4.0, 3.0],
        "grad_norm": [1.0, 0.0],
        "solver": "newton",
        "converged": True,
        "n_iter": 1,
        "stop_reason": "converged",
        "dtype": np.float64,
    }
    values.update(changes)
    return FitRecord(**values)


def test_a_record_made_from_python_values_holds_float64_copies_and_plain_values() -> None:
    """θ and the history are stored as float64 whatever numbers they were given in (here
    Python ints), the reference as a Python int, and the names as tuples of their own: lists
    the caller changes afterwards leave the record as it was made."""
    names, aliased, theta = ["a", "b"], ["b"], [1, 0, 2]
    record = _bare_record(
        theta=theta,
        loss=[3, 1],
        grad_norm=[2, 0],
        reference=np.int64(0),
        feature_names=names,
        aliased=aliased,
    )
    names[0], aliased[0], theta[0] = "z", "a", 7
    for name, expected in (
        ("theta", [1.0, 0.0, 2.0]),
        ("loss", [3.0, 1.0]),
        ("grad_norm", [2.0, 0.0]),
    ):
        assert getattr(record, name).dtype == np.float64, name
        assert getattr(record, name).tolist() == expected, name
    assert type(record.reference) is int and record.reference == 0
    assert record.feature_names == ("a", "b")
    assert record.aliased == ("b",)
    assert record.rank == 2 and record.df_model == 1


@pytest.mark.parametrize(
    ("classes", "reference", "size", "fit_intercept"),
    [
        pytest.param([0, 1], 0, 1, True, id="an intercept and no weight"),
        pytest.param([0, 1], 0, 0, False, id="no intercept and no weight"),
        pytest.param([0, 1, 2], 0, 5, True, id="two blocks and one entry over"),
        pytest.param([0, 1, 2], None, 7, True, id="three blocks and one entry over"),
    ],
)
def test_a_record_refuses_a_theta_that_is_not_whole_blocks_of_at_least_one_weight(
    classes: list[int], reference: int | None, size: int, fit_intercept: bool
) -> None:
    """θ holds K′ blocks of p̃ = [intercept] + p ≥ 1 + [intercept] entries: K′ = 1, 2 and 3
    here (two classes; three against a reference; three symmetric), so its size must be a
    multiple of K′ and each block must hold at least one weight."""
    with pytest.raises(ValueError, match=f"theta has {size} entries"):
        _bare_record(
            theta=np.zeros(size),
            classes=np.array(classes),
            reference=reference,
            fit_intercept=fit_intercept,
            feature_names=None,
        )


def test_a_record_refuses_aliased_names_that_are_not_its_terms() -> None:
    """The aliased terms are named among the record's own: Intercept, a and b here."""
    assert _bare_record(aliased=("Intercept", "b")).rank == 1
    with pytest.raises(ValueError, match=r"aliased names \['c'\]"):
        _bare_record(aliased=("b", "c"))


def test_coefficients_give_the_symmetric_intercepts_exactly_as_theta_holds_them() -> None:
    """θ of a symmetric three-class fit holds its intercepts centred already, blocks
    (intercept, weight) class by class: ``coefficients()`` gives them back bit for bit, so a
    model rebuilt from its record predicts exactly as the fit did. Re-centring would move
    them: in floating point 0.1 + 0.2 − 0.3 = 5.6e-17, not 0, and 0.1 − 5.6e-17/3 is the
    float below 0.1."""
    intercepts, weights = [0.1, 0.2, -0.3], [1.5, -0.25, 3.0]
    record = _bare_record(
        theta=np.column_stack((intercepts, weights)).ravel(),
        classes=np.array([0, 1, 2]),
        reference=None,
        alpha=0.1,
        feature_names=("a",),
    )
    coef, intercept = record.coefficients()
    assert intercept.tolist() == intercepts
    assert coef.tolist() == [[w] for w in weights]
