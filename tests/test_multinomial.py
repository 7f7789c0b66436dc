"""The multinomial (softmax) model against scikit-learn's and statsmodels' fits of it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import statsmodels.api as sm
from sklearn.linear_model import LogisticRegression as SklearnLogisticRegression

import logitkit as lk
from logitkit.core import layout
from logitkit.core import objective as objective_module
from logitkit.core.datafits import Bernoulli, Multinomial

ALPHA = 0.02


def _data(n: int = 240, p: int = 4, k: int = 4, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Standardised features and labels drawn from a softmax model."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p))
    logits = X @ rng.normal(size=(p, k)) + rng.normal(size=k)
    u = rng.uniform(size=(n, 1))
    y = (u > np.cumsum(lk.softmax(logits, axis=1), axis=1)).sum(axis=1)
    return X, y


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray]:
    return _data()


@pytest.fixture(scope="module")
def sklearn_fit(data) -> SklearnLogisticRegression:
    X, y = data
    return SklearnLogisticRegression(C=1.0 / (ALPHA * len(y)), tol=1e-12, max_iter=10_000).fit(X, y)


@pytest.fixture(scope="module")
def anes96() -> pd.DataFrame:
    return sm.datasets.anes96.load_pandas().data


ANES_TERMS = ["logpopul", "selfLR", "age", "educ", "income"]


@pytest.fixture(scope="module")
def mnlogit(anes96):
    return sm.MNLogit(anes96["PID"], sm.add_constant(anes96[ANES_TERMS])).fit(
        method="newton", tol=1e-12, maxiter=100, disp=0
    )


# ---- the datafit and the objective --------------------------------------------------------------


def test_two_class_datafit_is_the_bernoulli_one() -> None:
    z = np.linspace(-30.0, 30.0, 13)
    y = (np.arange(13) % 2).astype(np.intp)
    logits = np.column_stack((np.zeros_like(z), z))
    multi = Multinomial()
    np.testing.assert_allclose(multi.loss(y, logits), Bernoulli().loss(y, z), rtol=1e-13)
    exact = np.where(y == 1, -lk.sigmoid(-z), lk.sigmoid(z))  # σ(z) − y without cancellation
    np.testing.assert_allclose(multi.derivative(y, logits)[:, 1], exact, rtol=1e-13)
    np.testing.assert_allclose(multi.curvature(logits)[:, 1, 1], Bernoulli().curvature(z))


def test_loss_is_finite_for_huge_logits() -> None:
    z = np.array([[1e300, -1e300, 0.0], [0.0, 1e300, 1e300]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        loss = Multinomial().loss(np.array([0, 0]), z)
    np.testing.assert_array_equal(loss, [0.0, 1e300])


@pytest.mark.parametrize("reference", [None, 1])
@pytest.mark.parametrize("sparse", [False, True])
def test_gradient_hessian_and_products_agree(data, reference, sparse) -> None:
    X, y = data[0][:60], data[1][:60]
    rng = np.random.default_rng(1)
    weights = rng.uniform(0.5, 2.0, size=60)
    objective = lk.Objective.from_data(
        sp.csr_matrix(X) if sparse else X,
        y,
        alpha=0.1,
        sample_weight=weights,
        reference=reference,
    )
    theta = rng.normal(scale=0.5, size=objective.n_params)
    assert lk.check_gradient(objective, theta) < 1e-6
    grad = lambda t: objective.smooth_value_and_gradient(t)[1]  # noqa: E731
    h = 1e-6
    numeric = np.array(
        [(grad(theta + h * e) - grad(theta - h * e)) / (2 * h) for e in np.eye(theta.size)]
    )
    hessian = objective.hessian(theta)
    np.testing.assert_allclose(hessian, numeric, atol=1e-8)
    v = rng.normal(size=theta.size)
    np.testing.assert_allclose(objective.hessp(theta, v), hessian @ v, atol=1e-12)
    np.testing.assert_allclose(objective.hessian_diagonal(theta), np.diag(hessian), atol=1e-14)
    index = np.array([0, 3, 5, theta.size - 1])
    np.testing.assert_allclose(
        objective.hessian_submatrix(theta, index), hessian[np.ix_(index, index)], atol=1e-14
    )


def test_row_subsets_estimate_the_full_gradient(data) -> None:
    X, y = data[0][:30], data[1][:30]
    weights = np.arange(1.0, 31.0)
    objective = lk.Objective.from_data(X, y, alpha=0.1, sample_weight=weights)
    theta = np.linspace(-1, 1, objective.n_params)
    singles = [objective.smooth_gradient(theta, np.array([i])) for i in range(30)]
    np.testing.assert_allclose(np.mean(singles, axis=0), objective.smooth_gradient(theta))


@pytest.mark.parametrize("fit_intercept", [True, False], ids=["intercept", "no intercept"])
def test_the_penalty_mask_selects_the_weights_of_every_output(fit_intercept) -> None:
    """θ = (b₀, w₀₁, w₀₂, b₁, w₁₁, w₁₂) for p̃ = 3 and K′ = 2: a boolean mask that leaves out
    the intercepts b_k (row 0 of B), or nothing without an intercept."""
    mask = layout.penalised_mask(3, 2, fit_intercept)
    assert mask.dtype == np.bool_
    expected = [not fit_intercept, True, True] * 2
    np.testing.assert_array_equal(mask, expected)
    np.testing.assert_array_equal(np.arange(6.0)[mask], np.arange(6.0)[expected])


# Weights (K, p) = (3, 2) and intercepts in float32, class 1's entries small enough that their
# differences from the others round differently in float32 (1 − 3·10⁻⁸ is 1 in float32).
FLAT_WEIGHTS = np.array([[1.0, -2.0], [3e-8, 0.5], [0.25, 7.0]], dtype=np.float32)
FLAT_INTERCEPT = np.array([0.1, 1e-9, -0.3], dtype=np.float32)


@pytest.mark.parametrize("reference", [None, 1], ids=["symmetric", "reference 1"])
def test_flat_coefficients_are_the_float64_rows_relative_to_the_reference(reference) -> None:
    """θ = (b_k − b_r, w_k − w_r) for the classes k ≠ r in order, in float64 (exact for float32
    inputs); every class's (b_k, w_k) as it is without a reference class."""
    W, b = FLAT_WEIGHTS.astype(np.float64), FLAT_INTERCEPT.astype(np.float64)
    if reference is None:
        expected = np.concatenate([np.r_[b[k], W[k]] for k in range(3)])
    else:
        expected = np.r_[b[0] - b[1], W[0] - W[1], b[2] - b[1], W[2] - W[1]]
    theta = layout.flat_coefficients(FLAT_WEIGHTS, FLAT_INTERCEPT, Multinomial(3, reference), True)
    assert theta.dtype == np.float64
    np.testing.assert_array_equal(theta, expected)


def test_two_class_coefficients_of_a_float32_theta_are_float64() -> None:
    """θ = (b, w₁, w₂) in float32 gives coef_ [[w₁, w₂]] and intercept_ [b] in float64."""
    theta = np.array([0.1, -2.0, 3e-8], dtype=np.float32)
    weights, intercept = layout.class_coefficients(theta, Bernoulli(), 3, True)
    assert weights.dtype == intercept.dtype == np.float64
    np.testing.assert_array_equal(weights, [theta[1:].astype(np.float64)])
    np.testing.assert_array_equal(intercept, [np.float64(theta[0])])


# ---- penalised fits: scikit-learn's multinomial LogisticRegression -------------------------------


def _cost(X, y, coef, intercept) -> float:
    objective = lk.Objective.from_data(X, y, alpha=ALPHA)
    theta = layout.flat_coefficients(coef, intercept, Multinomial(len(coef)), True)
    return objective.value(theta)


@pytest.mark.parametrize("solver", ["newton", "lbfgs", "newton-cg", "gd"])
def test_exact_solvers_match_scikit_learn(data, sklearn_fit, solver) -> None:
    X, y = data
    model = lk.LogisticRegression(alpha=ALPHA, solver=solver).fit(X, y)
    assert model.converged_
    assert model.coef_.shape == (4, 4) and model.intercept_.shape == (4,)
    np.testing.assert_allclose(model.coef_, sklearn_fit.coef_, atol=1e-6)
    centred = sklearn_fit.intercept_ - sklearn_fit.intercept_.mean()
    np.testing.assert_allclose(model.intercept_, centred, atol=1e-6)
    np.testing.assert_allclose(model.predict_proba(X), sklearn_fit.predict_proba(X), atol=1e-6)


@pytest.mark.parametrize("solver", ["sgd", "minibatch"])
def test_stochastic_solvers_reach_scikit_learns_cost(data, sklearn_fit, solver) -> None:
    X, y = data
    model = lk.LogisticRegression(alpha=ALPHA, solver=solver, random_state=0).fit(X, y)
    best = _cost(X, y, sklearn_fit.coef_, sklearn_fit.intercept_)
    assert _cost(X, y, model.coef_, model.intercept_) - best < 1e-3 * best


def test_newton_with_the_block_diagonal_hessian_reaches_the_optimum(
    data, sklearn_fit, monkeypatch
) -> None:
    monkeypatch.setattr(objective_module, "FULL_HESSIAN_MAX_PARAMS", 4)
    X, y = data
    model = lk.LogisticRegression(alpha=ALPHA, solver="newton").fit(X, y)
    assert model.converged_
    np.testing.assert_allclose(model.coef_, sklearn_fit.coef_, atol=1e-6)


def test_predictions_are_softmax_and_argmax(data) -> None:
    X, y = data
    labels = np.array(["a", "b", "c", "d"])[y]
    model = lk.LogisticRegression(alpha=ALPHA).fit(X, labels)
    z = model.decision_function(X)
    np.testing.assert_allclose(z, X @ model.coef_.T + model.intercept_, rtol=1e-12)
    np.testing.assert_allclose(model.predict_proba(X), lk.softmax(z, axis=1))
    np.testing.assert_allclose(np.exp(model.predict_log_proba(X)), model.predict_proba(X))
    np.testing.assert_array_equal(model.predict(X), model.classes_[np.argmax(z, axis=1)])


def test_class_weight_matches_scikit_learn(data) -> None:
    X, y = data
    weights = {0: 2.0, 1: 0.5, 2: 1.0, 3: 3.0}
    model = lk.LogisticRegression(alpha=ALPHA, class_weight=weights).fit(X, y)
    total = sum(weights[label] for label in y)
    reference = SklearnLogisticRegression(
        C=1.0 / (ALPHA * total), class_weight=weights, tol=1e-12, max_iter=10_000
    ).fit(X, y)
    np.testing.assert_allclose(model.coef_, reference.coef_, atol=1e-6)


def test_sparse_and_float32_input(data) -> None:
    X, y = data
    dense = lk.LogisticRegression(alpha=ALPHA).fit(X, y)
    sparse = lk.LogisticRegression(alpha=ALPHA).fit(sp.csr_matrix(X), y)
    np.testing.assert_allclose(sparse.coef_, dense.coef_, atol=1e-10)
    single = lk.LogisticRegression(alpha=ALPHA).fit(X.astype(np.float32), y)
    assert single.coef_.dtype == np.float32 and single.intercept_.dtype == np.float32
    np.testing.assert_allclose(single.coef_, dense.coef_, atol=1e-4)


# ---- unpenalised fits: statsmodels' MNLogit -----------------------------------------------------


def test_anes96_matches_statsmodels_mnlogit(anes96, mnlogit) -> None:
    model = lk.LogisticRegression().fit(anes96[ANES_TERMS], anes96["PID"])
    assert model.coef_.shape == (7, 5)
    np.testing.assert_array_equal(model.coef_[0], 0.0)
    summary = model.summary()
    table = summary.table
    assert table.index.names == ["class", "term"]
    assert table.index[0] == (1.0, "Intercept")
    np.testing.assert_allclose(table["coef"], mnlogit.params.to_numpy().ravel("F"), rtol=1e-6)
    np.testing.assert_allclose(table["std_err"], mnlogit.bse.to_numpy().ravel("F"), rtol=1e-6)
    np.testing.assert_allclose(table["p_value"], mnlogit.pvalues.to_numpy().ravel("F"), rtol=1e-5)
    low, high = (mnlogit.conf_int().to_numpy()[:, j] for j in (0, 1))
    np.testing.assert_allclose(table["ci_low"], low, rtol=1e-6)
    np.testing.assert_allclose(table["ci_high"], high, rtol=1e-6)
    assert summary.loglik == pytest.approx(mnlogit.llf, rel=1e-10)
    assert summary.null_loglik == pytest.approx(mnlogit.llnull, rel=1e-9)
    assert summary.aic == pytest.approx(mnlogit.aic, rel=1e-10)
    assert summary.bic == pytest.approx(mnlogit.bic, rel=1e-10)
    assert summary.df_model == mnlogit.df_model and summary.df_resid == mnlogit.df_resid


@pytest.mark.parametrize("cov_type", ["HC0", "cluster"])
def test_robust_errors_match_statsmodels(anes96, cov_type) -> None:
    X, y = anes96[ANES_TERMS], anes96["PID"]
    groups = anes96["educ"].to_numpy().astype(int)
    keywords = {"cov_kwds": {"groups": groups}} if cov_type == "cluster" else {}
    reference = sm.MNLogit(y, sm.add_constant(X)).fit(
        method="newton", tol=1e-12, disp=0, cov_type=cov_type, **keywords
    )
    model = lk.LogisticRegression().fit(X, y)
    table = model.summary(cov_type=cov_type, groups=groups, X=X, y=y).table
    np.testing.assert_allclose(table["std_err"], reference.bse.to_numpy().ravel("F"), rtol=1e-6)


def test_synthetic_data_match_statsmodels_mnlogit() -> None:
    X, y = _data(n=400, p=3, k=3, seed=5)
    reference = sm.MNLogit(y, sm.add_constant(X)).fit(method="newton", tol=1e-12, disp=0)
    model = lk.LogisticRegression(solver="lbfgs", tol=1e-10).fit(X, y)
    table = model.summary().table
    np.testing.assert_allclose(table["coef"], reference.params.ravel("F"), rtol=1e-6)
    np.testing.assert_allclose(table["std_err"], reference.bse.ravel("F"), rtol=1e-6)


def test_integer_weights_are_repeated_rows(data) -> None:
    X, y = data
    counts = np.arange(len(y)) % 3 + 1
    weighted = lk.LogisticRegression().fit(X, y, sample_weight=counts)
    repeated = lk.LogisticRegression().fit(np.repeat(X, counts, axis=0), np.repeat(y, counts))
    np.testing.assert_allclose(weighted.coef_, repeated.coef_, atol=1e-9)
    np.testing.assert_allclose(
        weighted.summary().table["std_err"], repeated.summary().table["std_err"], rtol=1e-8
    )
    assert weighted.aic_ == pytest.approx(repeated.aic_, rel=1e-12)


def test_reference_class_changes_coefficients_by_differences(data) -> None:
    X, y = data
    first = lk.LogisticRegression().fit(X, y)
    third = lk.LogisticRegression(reference=2).fit(X, y)
    np.testing.assert_array_equal(third.coef_[2], 0.0)
    np.testing.assert_allclose(third.coef_, first.coef_ - first.coef_[2], atol=1e-8)
    np.testing.assert_allclose(third.intercept_, first.intercept_ - first.intercept_[2], atol=1e-8)
    np.testing.assert_allclose(third.predict_proba(X), first.predict_proba(X), atol=1e-10)
    assert third.loglik_ == pytest.approx(first.loglik_, rel=1e-12)
    assert third.summary().table.index[0] == (0, "Intercept")


# ---- penalised fits: the summary of the symmetric parameterisation ------------------------------


def _penalised_information(X, y, model) -> np.ndarray:
    """Σᵢ (diag(pᵢ) − pᵢpᵢᵀ) ⊗ x̃ᵢx̃ᵢᵀ + n α (1 − ρ) on the weights, class by class."""
    design = np.column_stack([np.ones(len(X)), X])
    probabilities = model.predict_proba(X)
    information = sum(
        np.kron(np.diag(p) - np.outer(p, p), np.outer(x, x))
        for p, x in zip(probabilities, design, strict=True)
    )
    ridge = np.tile(np.r_[0.0, np.ones(X.shape[1])], len(model.classes_))
    return information + len(y) * model.alpha * (1 - model.l1_ratio) * np.diag(ridge)


@pytest.mark.parametrize("l1_ratio", [0.0, 0.5])
def test_penalised_summary_uses_the_penalised_information(data, l1_ratio) -> None:
    X, y = data
    model = lk.LogisticRegression(alpha=ALPHA, l1_ratio=l1_ratio).fit(X, y)
    summary = model.summary()
    information = _penalised_information(X, y, model)
    # The intercepts are identified up to a common shift, the one null direction of I; the
    # centred intercepts reported have the pseudo-inverse as covariance.
    assert np.linalg.matrix_rank(information, tol=1e-8 * np.abs(information).max()) == 19
    cov = np.linalg.pinv(information, rtol=1e-10, hermitian=True)
    table = summary.table
    assert list(table.index[:2]) == [(0, "Intercept"), (0, "x0")] and len(table) == 20
    theta = np.column_stack([model.intercept_, model.coef_]).ravel()
    np.testing.assert_allclose(table["coef"], theta, rtol=1e-10)
    np.testing.assert_allclose(table["std_err"], np.sqrt(np.diag(cov)), rtol=1e-7)
    np.testing.assert_allclose(table["z"], theta / np.sqrt(np.diag(cov)), rtol=1e-7)
    assert model.intercept_.sum() == pytest.approx(0.0, abs=1e-12)
    text = str(summary)
    assert f"fitted with penalty alpha={ALPHA:g}, l1_ratio={l1_ratio:g}" in text
    assert "one logit per class (symmetric parameterisation)" in text
    assert "y = 3:" in text
    assert (
        "Note: symmetric parameterisation: every class has its own coefficients, identified by "
        "the penalty, and the intercepts are centred to sum to 0; exp(coef) multiplies a "
        "class's probability relative to the geometric mean of all classes' probabilities. "
        "Standard errors come from the penalised information."
    ) in " ".join(text.split())
    robust = model.summary(cov_type="HC0", X=X, y=y).table["std_err"]
    scores = np.column_stack([np.ones(len(X)), X])
    residual = np.eye(4)[y] - model.predict_proba(X)
    per_row = (residual[:, :, None] * scores[:, None, :]).reshape(len(y), -1)
    sandwich = cov @ (per_row.T @ per_row) @ cov
    np.testing.assert_allclose(robust, np.sqrt(np.diag(sandwich)), rtol=1e-6)


def test_command_line_summarises_a_penalised_three_class_fit(anes96, tmp_path, capsys) -> None:
    from logitkit.io.cli import main

    frame = anes96[ANES_TERMS[:3]].assign(
        party=np.select([anes96["PID"] <= 1, anes96["PID"] >= 5], ["D", "R"], "I")
    )
    data = tmp_path / "anes.csv"
    frame.to_csv(data, index=False)
    assert main(["fit", str(data), "--target", "party", "--alpha", "0.1"]) == 0
    out = capsys.readouterr().out
    assert "Multinomial logistic regression (3 classes), fitted with penalty alpha=0.1" in out
    assert "party = D:" in out and "party = I:" in out and "party = R:" in out
    model = lk.LogisticRegression(alpha=0.1).fit(frame[ANES_TERMS[:3]], frame["party"])
    expected = model.summary().table
    line = next(row for row in out.splitlines() if row.strip().startswith("logpopul"))
    assert f"{expected.loc[('D', 'logpopul'), 'z']:.3f}" in line


# ---- bad input ---------------------------------------------------------------------------------


def test_bad_multiclass_input_is_refused_clearly(data) -> None:
    X, y = data
    with pytest.raises(ValueError, match="firth=True is for two classes; y has 4"):
        lk.LogisticRegression(firth=True).fit(X, y)
    with pytest.raises(ValueError, match="reference=7 is not one of the classes"):
        lk.LogisticRegression(reference=7).fit(X, y)
    with pytest.raises(ValueError, match="with two classes the reference is classes_"):
        lk.LogisticRegression(reference=1).fit(X, (y > 1).astype(int))
    lonely = np.where(np.arange(len(y)) == 0, 9, y)
    with pytest.warns(lk.SmallClassWarning, match="class\\(es\\) 9 have a single sample"):
        lk.LogisticRegression(alpha=ALPHA).fit(X, lonely)
    lasso = lk.LogisticRegression(alpha=ALPHA, l1_ratio=1.0).fit(X, y)
    with pytest.raises(ValueError, match="pure L1 penalty \\(l1_ratio=1\\) do not exist"):
        lasso.summary()
    with pytest.raises(ValueError, match="profile intervals are not available for multinomial"):
        lk.LogisticRegression().fit(X, y).summary(ci="profile", X=X, y=y)


# ---- model files and the command line ----------------------------------------------------------


@pytest.mark.parametrize(("alpha", "reference"), [(0.0, "c"), (ALPHA, None)])
def test_model_file_round_trip(data, tmp_path, alpha, reference) -> None:
    X, y = data
    labels = np.array(["a", "b", "c", "d"])[y]
    model = lk.LogisticRegression(alpha=alpha, reference=reference).fit(X, labels)
    lk.save(model, tmp_path / "m.json")
    restored = lk.load(tmp_path / "m.json")
    np.testing.assert_array_equal(restored.predict_proba(X), model.predict_proba(X))
    np.testing.assert_array_equal(restored.classes_, model.classes_)
    assert restored.aic_ == model.aic_ and restored.df_model_ == model.df_model_
    if alpha == 0:
        pd.testing.assert_frame_equal(restored.summary().table, model.summary().table)


def test_command_line_fits_and_predicts_three_classes(anes96, tmp_path, capsys) -> None:
    from logitkit.io.cli import main

    frame = anes96[[*ANES_TERMS[:3], "PID"]].assign(
        party=np.select([anes96["PID"] <= 1, anes96["PID"] >= 5], ["D", "R"], "I")
    )
    data = tmp_path / "anes.csv"
    frame.drop(columns="PID").to_csv(data, index=False)
    assert main(["fit", str(data), "--target", "party", "--out", str(tmp_path / "m.json")]) == 0
    out = capsys.readouterr().out
    assert "Multinomial logistic regression (3 classes)" in out
    assert "party = R (vs. party = D):" in out
    assert main(["predict", str(tmp_path / "m.json"), str(data), "--proba"]) == 0
    written = pd.read_csv(__import__("io").StringIO(capsys.readouterr().out))
    assert list(written.columns) == ["proba_D", "proba_I", "proba_R"]
    model = lk.LogisticRegression().fit(frame[ANES_TERMS[:3]], frame["party"])
    np.testing.assert_allclose(written.to_numpy(), model.predict_proba(frame[ANES_TERMS[:3]]))
