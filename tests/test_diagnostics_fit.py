"""Marginal effects and goodness of fit against statsmodels, Stata, scikit-learn and DeLong."""

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf
from scipy.stats import norm
from sklearn.metrics import brier_score_loss, log_loss, roc_auc_score

import logitkit as lk

RTOL = 1e-6


@pytest.fixture(scope="module")
def spector():
    data = sm.datasets.spector.load_pandas()
    X, y = data.exog, data.endog
    reference = sm.Logit(y, sm.add_constant(X)).fit(disp=0, tol=1e-12)
    return X, y, reference, lk.LogisticRegression(tol=1e-10).fit(X, y)


@pytest.fixture(scope="module")
def anes():
    data = sm.datasets.anes96.load_pandas().data
    formula = "vote ~ age + C(educ) + logpopul"
    return data, formula, smf.logit(formula, data).fit(disp=0), lk.logit(formula, data)


CASES = [
    (at, method, dummy, count)
    for at in ("overall", "mean", "median", "zero")
    for method in ("dydx", "eyex", "dyex", "eydx")
    for dummy, count in ((False, False), (True, False), (False, True), (True, True))
    if not ((dummy or count) and (method.endswith("ex") or at in ("median", "zero")))
]


@pytest.mark.parametrize(("at", "method", "dummy", "count"), CASES)
def test_marginal_effects_match_statsmodels(spector, at, method, dummy, count):
    X, y, reference, model = spector
    with np.errstate(invalid="ignore"):  # statsmodels' z of a zero effect (x = 0) is 0/0
        expected = reference.get_margeff(
            at=at, method=method, dummy=dummy, count=count
        ).summary_frame()
    got = lk.marginal_effects(model, X, y, at=at, method=method, dummy=dummy, count=count)
    assert list(got.index) == ["GPA", "TUCE", "PSI"]
    np.testing.assert_allclose(got["effect"], expected.iloc[:, 0], rtol=RTOL, atol=1e-12)
    np.testing.assert_allclose(got["std_err"], expected.iloc[:, 1], rtol=RTOL, atol=1e-12)
    finite = got["std_err"] > 0
    for ours, theirs in (("p_value", 3), ("ci_low", 4), ("ci_high", 5)):
        np.testing.assert_allclose(
            got.loc[finite, ours], expected.loc[finite.to_numpy()].iloc[:, theirs], rtol=RTOL
        )


@pytest.mark.parametrize(
    ("kwargs", "effects", "std_errs"),
    [
        (
            {},
            [0.36258084688424, 0.01220841099085, 0.30517768382304],
            [0.1094412, 0.0177942, 0.0923796],
        ),
        (
            {"at": "mean", "dummy": True},
            [0.53385885781692, 0.01797548988961, 0.4564984096959],
            [0.237038, 0.0262369, 0.1810537],
        ),
        (
            {"at": "median"},
            [0.25009492465091, 0.00842091261329, 0.2105003352955],
            [0.1546708, 0.0134314, 0.0928183],
        ),
        (
            {"method": "eyex"},
            [5.4747106798973, 1.3173389907576, 0.44600395466634],
            [2.44682, 1.943525, 0.1567618],
        ),
    ],
)
def test_marginal_effects_match_statas_margins(spector, kwargs, effects, std_errs):
    """Stata's ``margins`` for the spector data, as statsmodels' test results record them."""
    X, y, _, model = spector
    got = lk.marginal_effects(model, X, y, **kwargs)
    np.testing.assert_allclose(got["effect"], effects, rtol=1e-6)
    np.testing.assert_allclose(got["std_err"], std_errs, rtol=2e-5)


def test_marginal_effects_robust_covariance_and_level(spector):
    X, y, _, model = spector
    robust = sm.Logit(y, sm.add_constant(X)).fit(disp=0, tol=1e-12, cov_type="HC0")
    expected = robust.get_margeff().summary_frame(alpha=0.1)
    got = lk.marginal_effects(model, X, y, cov_type="HC0", level=0.9)
    np.testing.assert_allclose(got["std_err"], expected.iloc[:, 1], rtol=RTOL)
    np.testing.assert_allclose(got["ci_low"], expected.iloc[:, 4], rtol=RTOL)
    hc1 = lk.marginal_effects(model, X, y, cov_type="HC1")
    np.testing.assert_allclose(hc1["std_err"], got["std_err"] * np.sqrt(32 / 28), rtol=RTOL)


def test_marginal_effects_of_a_formula_model_use_its_data(anes):
    _, _, reference, model = anes
    expected = reference.get_margeff(dummy=True).summary_frame()
    got = lk.marginal_effects(model, dummy=True)
    np.testing.assert_allclose(
        got["effect"], expected.loc[got.index].iloc[:, 0], rtol=RTOL, atol=1e-12
    )
    np.testing.assert_allclose(got["std_err"], expected.loc[got.index].iloc[:, 1], rtol=1e-5)


def test_marginal_effects_with_frequency_weights_equal_repeated_rows(spector):
    X, y, _, _ = spector
    weights = np.arange(1, 33) % 3 + 1.0
    weighted = lk.LogisticRegression(tol=1e-10).fit(X, y, sample_weight=weights)
    rows = np.repeat(np.arange(32), weights.astype(int))
    repeated = lk.LogisticRegression(tol=1e-10).fit(X.iloc[rows], y.iloc[rows])
    for at in ("overall", "median"):
        a = lk.marginal_effects(weighted, X, y, at=at, sample_weight=weights)
        b = lk.marginal_effects(repeated, X.iloc[rows], y.iloc[rows], at=at)
        np.testing.assert_allclose(a[["effect", "std_err"]], b[["effect", "std_err"]], rtol=1e-6)


def _delong(scores, labels):
    """DeLong, DeLong and Clarke-Pearson (1988): placements by the explicit pairwise kernel."""
    pos, neg = scores[labels == 1], scores[labels == 0]
    psi = (pos[:, None] > neg[None, :]) + 0.5 * (pos[:, None] == neg[None, :])
    v10, v01 = psi.mean(axis=1), psi.mean(axis=0)
    auc = psi.mean()
    return auc, v10.var(ddof=1) / pos.size + v01.var(ddof=1) / neg.size


def _hoslem(p, y, g):
    """ResourceSelection::hoslem.test: cut at type-7 quantiles, closed right, lowest included."""
    breaks = np.quantile(p, np.linspace(0, 1, g + 1))
    groups = pd.cut(p, breaks, include_lowest=True, duplicates="drop")
    frame = pd.DataFrame({"g": groups, "y": y, "p": p})
    sums = frame.groupby("g", observed=True).agg(o1=("y", "sum"), e1=("p", "sum"), n=("y", "size"))
    o0, e0 = sums.n - sums.o1, sums.n - sums.e1
    return float(((sums.o1 - sums.e1) ** 2 / sums.e1 + (o0 - e0) ** 2 / e0).sum())


@pytest.mark.parametrize("route", ["estimator", "formula"])
def test_goodness_of_fit_matches_statsmodels_and_scikit_learn(anes, route):
    data, formula, reference, model = anes
    if route == "formula":
        fit = lk.goodness_of_fit(model)
    else:
        fit = lk.goodness_of_fit(model, model.formula_data_.X, data["vote"])
    y = data["vote"].to_numpy()
    p = reference.predict()
    np.testing.assert_allclose(fit.pseudo_r2["mcfadden"], reference.prsquared, rtol=RTOL)
    glm = smf.glm(formula, data, family=sm.families.Binomial()).fit()
    np.testing.assert_allclose(fit.pseudo_r2["cox_snell"], glm.pseudo_rsquared("cs"), rtol=RTOL)
    k = reference.params.size
    np.testing.assert_allclose(
        fit.pseudo_r2["mcfadden_adjusted"], 1 - (reference.llf - k) / reference.llnull, rtol=RTOL
    )
    nagelkerke = glm.pseudo_rsquared("cs") / (1 - np.exp(2 * reference.llnull / y.size))
    np.testing.assert_allclose(fit.pseudo_r2["nagelkerke"], nagelkerke, rtol=RTOL)
    np.testing.assert_allclose(
        fit.pseudo_r2["tjur"], p[y == 1].mean() - p[y == 0].mean(), rtol=1e-6
    )
    efron = 1 - ((y - p) ** 2).sum() / ((y - y.mean()) ** 2).sum()
    np.testing.assert_allclose(fit.pseudo_r2["efron"], efron, rtol=1e-6)
    np.testing.assert_allclose(fit.brier, brier_score_loss(y, p), rtol=1e-6)
    np.testing.assert_allclose(fit.log_loss, log_loss(y, p), rtol=1e-6)
    np.testing.assert_allclose(fit.auc, roc_auc_score(y, p), rtol=1e-9)
    auc, variance = _delong(p, y)
    half = norm.ppf(0.975) * np.sqrt(variance)
    np.testing.assert_allclose(fit.auc_ci, (auc - half, auc + half), rtol=1e-6)
    hl = fit.hosmer_lemeshow
    np.testing.assert_allclose(hl["statistic"], _hoslem(p, y, 10), rtol=1e-5)
    assert hl["df"] == 8
    assert "Hosmer and Lemeshow goodness of fit (GOF) test" in str(fit)
    assert "data:  vote, fitted(model)" in str(fit)


def test_hosmer_lemeshow_drops_the_empty_groups_of_tied_probabilities():
    """The challenger temperatures repeat: tied quantiles merge and a group between two tied
    values is empty; the test runs on the groups that hold rows."""
    flights = lk.datasets.load_challenger()
    model = lk.logit("damage ~ temperature_f", flights)
    p = model.predict_proba(flights[["temperature_f"]])[:, 1]
    hl = lk.goodness_of_fit(model).hosmer_lemeshow
    groups = pd.cut(
        p, np.quantile(p, np.linspace(0, 1, 11)), include_lowest=True, duplicates="drop"
    )
    used = pd.Series(groups).nunique()
    assert hl["groups"] == used < 10
    assert hl["df"] == used - 2
    np.testing.assert_allclose(hl["statistic"], _hoslem(p, flights["damage"].to_numpy(), 10))


def test_classification_table_counts_observed_against_predicted(spector):
    X, y, reference, model = spector
    fit = lk.goodness_of_fit(model, X, y)
    table = fit.classification_table(0.5)
    expected = reference.pred_table(0.5)
    np.testing.assert_array_equal(table.to_numpy(), expected)
    assert table.index.name == "observed" and table.columns.name == "predicted"
    assert fit.classification_table(0.0).to_numpy()[:, 1].sum() == 32
    with pytest.raises(ValueError, match="threshold must be a probability"):
        fit.classification_table(1.5)


def test_delong_interval_on_a_hand_computed_case():
    """Scores 0.1, 0.4 | 0.35, 0.8 (negatives | positives): ψ = [[1, 0], [1, 1]], AUC = 3/4,
    V10 = (1/2, 1), V01 = (1, 1/2); var = 1/8/2 + 1/8/2 = 1/8."""
    from logitkit.inference.fit_quality import delong_auc

    auc, variance = delong_auc(np.array([0.1, 0.4, 0.35, 0.8]), np.array([0, 0, 1, 1]), np.ones(4))
    assert auc == 0.75
    assert variance == pytest.approx(0.125)


def test_delong_with_ties_and_weights_equals_the_pairwise_kernel_on_repeated_rows():
    """Scores on a coarse grid (many ties, within and across classes) and whole weights: the
    one-sort placements equal the pairwise kernel on the rows repeated by their weights."""
    from logitkit.inference.fit_quality import delong_auc

    rng = np.random.default_rng(7)
    scores = np.round(rng.random(300), 1)
    labels = (rng.random(300) < scores).astype(int)
    weights = rng.integers(1, 4, 300)
    auc, variance = delong_auc(scores, labels, weights.astype(float))
    expected = _delong(np.repeat(scores, weights), np.repeat(labels, weights))
    assert auc == pytest.approx(expected[0], rel=1e-12)
    assert variance == pytest.approx(expected[1], rel=1e-9)


def test_the_delong_interval_is_clipped_at_one(spector):
    """Spector's AUC is 0.883 on 32 rows: AUC + 1.96·√var passes 1, so the upper bound is 1
    (pROC's ``ci.auc``), while the lower bound is AUC − 1.96·√var."""
    X, y, reference, model = spector
    fit = lk.goodness_of_fit(model, X, y)
    auc, variance = _delong(reference.predict(), y.to_numpy())
    half = norm.ppf(0.975) * np.sqrt(variance)
    assert auc + half > 1.0
    np.testing.assert_allclose(fit.auc_ci[0], auc - half, rtol=1e-9)
    assert fit.auc_ci[1] == 1.0


@pytest.mark.parametrize(("kwargs", "groups"), [({}, 10), ({"groups": 3}, 3), ({"groups": 4}, 4)])
def test_fit_quality_cuts_ten_quantile_groups_by_default_and_as_few_as_three(
    spector, kwargs, groups
):
    """The Hosmer-Lemeshow statistic of ``fit_quality`` equals ResourceSelection's on g
    groups (Spector's 32 probabilities are distinct, so every group holds rows), on g − 2 df;
    g is 10 unless asked, and 3 is the fewest allowed."""
    from logitkit.inference.fit_quality import fit_quality

    X, y, reference, model = spector
    objective = lk.Objective.from_data(X, y)
    hl = fit_quality(model.record_, objective, **kwargs).hosmer_lemeshow
    assert hl["groups"] == groups
    assert hl["df"] == groups - 2
    np.testing.assert_allclose(
        hl["statistic"], _hoslem(reference.predict(), y.to_numpy(), groups), rtol=1e-6
    )


def test_weighted_goodness_of_fit_equals_that_of_the_repeated_rows(spector):
    """Frequency weights count a row w times: with whole weights every pseudo-R² (Tjur's
    weighted means of p̂ by class included), the Brier score, the log loss, the AUC and its
    DeLong interval equal those of the rows repeated by their weights."""
    X, y, _, _ = spector
    counts = np.tile([1, 2, 3, 1], 8)
    rows = np.repeat(np.arange(len(y)), counts)
    weighted = lk.LogisticRegression(tol=1e-10).fit(X, y, sample_weight=counts)
    repeated = lk.LogisticRegression(tol=1e-10).fit(X.iloc[rows], y.iloc[rows])
    a = lk.goodness_of_fit(weighted, X, y, sample_weight=counts)
    b = lk.goodness_of_fit(repeated, X.iloc[rows], y.iloc[rows])
    for name, value in b.pseudo_r2.items():
        np.testing.assert_allclose(a.pseudo_r2[name], value, rtol=1e-7, err_msg=name)
    tjur = np.average(a.probabilities[y == 1], weights=counts[y == 1]) - np.average(
        a.probabilities[y == 0], weights=counts[y == 0]
    )
    np.testing.assert_allclose(a.pseudo_r2["tjur"], tjur, rtol=1e-12)
    np.testing.assert_allclose(
        [a.brier, a.log_loss, a.auc, *a.auc_ci], [b.brier, b.log_loss, b.auc, *b.auc_ci], rtol=1e-7
    )


@pytest.mark.parametrize("label", [0, 1])
def test_delong_refuses_a_single_class(label):
    """The AUC compares positives with negatives: with one class there is no pair."""
    from logitkit.inference.fit_quality import delong_auc

    with pytest.raises(ValueError, match="needs both classes"):
        delong_auc(np.array([0.2, 0.4, 0.6]), np.full(3, label), np.ones(3))


def test_goodness_of_fit_refuses_what_it_cannot_do(spector):
    X, y, _, model = spector
    for groups in (2, 5.0, True):
        with pytest.raises(ValueError, match="groups must be an integer of at least 3"):
            lk.goodness_of_fit(model, X, y, groups=groups)
    with pytest.raises(ValueError, match="needs the data the model was fitted on"):
        lk.goodness_of_fit(model)
    with pytest.raises(ValueError, match="these differ from them"):
        lk.goodness_of_fit(model, X, 1 - y)
    rng = np.random.default_rng(0)
    X3 = rng.normal(size=(60, 2))
    y3 = np.repeat([0, 1, 2], 20)
    three = lk.LogisticRegression().fit(X3, y3)
    with pytest.raises(ValueError, match="^goodness_of_fit: defined for two classes only"):
        lk.goodness_of_fit(three, X3, y3)


def test_marginal_effects_of_a_firth_fit_are_the_average_derivatives(spector):
    """Firth's estimate is a maximum of a (penalised) likelihood with a covariance I⁻¹, so its
    marginal effects exist: the average effect of xⱼ is mean p̂(1 − p̂) β̂ⱼ at Firth's β̂."""
    X, y, _, _ = spector
    firth = lk.LogisticRegression(firth=True, tol=1e-10).fit(X, y)
    p = firth.predict_proba(X)[:, 1]
    got = lk.marginal_effects(firth, X, y)
    np.testing.assert_allclose(got["effect"], np.mean(p * (1 - p)) * firth.coef_[0], rtol=1e-9)
    assert np.all(got["std_err"] > 0)


def test_marginal_effects_refusals(spector):
    X, y, _, model = spector
    with pytest.raises(ValueError, match="at must be one of"):
        lk.marginal_effects(model, X, y, at="average")
    with pytest.raises(ValueError, match="method must be one of"):
        lk.marginal_effects(model, X, y, method="dydz")
    with pytest.raises(ValueError, match="elasticity in x"):
        lk.marginal_effects(model, X, y, method="eyex", dummy=True)
    with pytest.raises(ValueError, match="not defined with dummy=True"):
        lk.marginal_effects(model, X, y, at="median", count=True)
    with pytest.raises(ValueError, match="cov_type must be one of"):
        lk.marginal_effects(model, X, y, cov_type="HC3")
    with pytest.raises(ValueError, match="needs groups"):
        lk.marginal_effects(model, X, y, cov_type="cluster")
    penalised = lk.LogisticRegression(alpha=0.1).fit(X, y)
    with pytest.raises(ValueError, match="is penalised \\(alpha=0.1\\). Refit with alpha=0"):
        lk.marginal_effects(penalised, X, y)


@pytest.fixture(scope="module")
def party():
    """anes96 party identification in three classes (Democrat, independent, Republican)."""
    data = sm.datasets.anes96.load_pandas().data
    y = (data["PID"] // 3).astype(int)
    X = data[["age", "educ", "logpopul"]].assign(rich=(data["income"] > 15).astype(float))
    reference = sm.MNLogit(y, sm.add_constant(X)).fit(disp=0, method="newton", tol=1e-12)
    return X, y, reference, lk.LogisticRegression(tol=1e-10).fit(X, y)


@pytest.mark.parametrize("at", ["overall", "mean", "median", "zero"])
def test_marginal_effects_of_three_classes_match_statsmodels_mnlogit(party, at):
    X, y, reference, model = party
    expected = reference.get_margeff(at=at).summary_frame()
    got = lk.marginal_effects(model, X, y, at=at)
    assert got.index.names == ["class", "term"]
    assert list(got.index) == [(k, t) for k in (0, 1, 2) for t in X.columns]
    np.testing.assert_allclose(got["effect"], expected.iloc[:, 0], rtol=RTOL, atol=1e-12)
    np.testing.assert_allclose(got["std_err"], expected.iloc[:, 1], rtol=RTOL, atol=1e-12)


def _softmax_probabilities(params, rows):
    """P = softmax([0, x̃ᵀB]) for statsmodels' MNLogit parameters B (p̃ × (K − 1))."""
    logits = np.column_stack([np.zeros(rows.shape[0]), rows @ params])
    logits -= logits.max(axis=1, keepdims=True)
    return np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)


@pytest.mark.parametrize(
    ("method", "dummy", "count"),
    [("eyex", False, False), ("dyex", False, False), ("eydx", True, False), ("dydx", True, True)],
)
def test_three_class_elasticities_and_discrete_changes_by_differences(party, method, dummy, count):
    """statsmodels' MNLogit computes only plain dydx; the others are checked here against
    central differences of the predicted probabilities, at the mean row, with the delta
    method on statsmodels' covariance."""
    X, y, reference, model = party
    params = reference.params.to_numpy()
    exog = sm.add_constant(X).to_numpy()
    mean_row = exog.mean(axis=0)

    def effects(flat):
        B = flat.reshape(params.shape, order="F")
        out = []
        for j in range(1, exog.shape[1]):
            column = exog[:, j]
            low, high = mean_row.copy(), mean_row.copy()
            is_dummy = set(np.unique(column)) == {0.0, 1.0}
            is_count = np.all(column % 1 == 0) and column.min() >= 0 and not is_dummy
            if dummy and is_dummy:
                low[j], high[j], width = 0.0, 1.0, 1.0
            elif count and is_count:
                low[j], high[j], width = low[j] - 1, high[j] + 1, 2.0
            else:
                step = 1e-6 * max(1.0, abs(mean_row[j]))
                low[j], high[j], width = low[j] - step, high[j] + step, 2 * step
            P = _softmax_probabilities(B, np.vstack([low, high]))
            values = np.log(P) if method.startswith("ey") else P
            change = (values[1] - values[0]) / width
            if method.endswith("ex"):
                change = change * mean_row[j]
            out.append(change)
        return np.array(out).T.ravel()

    flat = params.ravel(order="F")
    expected = effects(flat)
    steps = 1e-5 * np.maximum(1.0, np.abs(flat))
    jacobian = np.column_stack(
        [
            (effects(flat + np.eye(flat.size)[i] * h) - effects(flat - np.eye(flat.size)[i] * h))
            / (2 * h)
            for i, h in enumerate(steps)
        ]
    )
    std_err = np.sqrt(np.diag(jacobian @ reference.cov_params().to_numpy() @ jacobian.T))
    got = lk.marginal_effects(model, X, y, at="mean", method=method, dummy=dummy, count=count)
    np.testing.assert_allclose(got["effect"], expected, rtol=1e-5, atol=1e-9)
    np.testing.assert_allclose(got["std_err"], std_err, rtol=1e-4)


def test_marginal_effects_cluster_robust_match_statsmodels(spector):
    X, y, _, model = spector
    groups = np.arange(32) % 8
    robust = sm.Logit(y, sm.add_constant(X)).fit(
        disp=0, tol=1e-12, cov_type="cluster", cov_kwds={"groups": groups}
    )
    expected = robust.get_margeff().summary_frame()
    got = lk.marginal_effects(model, X, y, cov_type="cluster", groups=groups)
    np.testing.assert_allclose(got["std_err"], expected.iloc[:, 1], rtol=RTOL)


def test_marginal_effects_of_a_sparse_design_equal_the_dense_ones(spector):
    from scipy import sparse

    X, y, _, model = spector
    sparse_model = lk.LogisticRegression(tol=1e-10).fit(sparse.csr_matrix(X.to_numpy()), y)
    got = lk.marginal_effects(sparse_model, sparse.csr_matrix(X.to_numpy()), y, dummy=True)
    expected = lk.marginal_effects(model, X, y, dummy=True)
    np.testing.assert_allclose(got.to_numpy(), expected.to_numpy(), rtol=1e-7)
