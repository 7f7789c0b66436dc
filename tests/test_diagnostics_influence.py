"""lk.influence: R's influence.measures against statsmodels' GLMInfluence."""

from __future__ import annotations

import gc
import tracemalloc

import numpy as np
import pandas as pd
import pytest
from scipy.stats import f

import logitkit as lk
from diagnostic_datasets import DATASETS, assert_close, challenger, glm, spector


@pytest.fixture(scope="module", params=sorted(DATASETS))
def fitted(request):
    X, y = DATASETS[request.param]()
    return lk.LogisticRegression().fit(X, y), X, y, glm(X, y)


def test_columns(fitted) -> None:
    model, X, y, _ = fitted
    table = lk.influence(model, X, y)
    terms = [f"dfbeta_{name}" for name in ["Intercept", *X.columns]]
    assert list(table.columns) == [
        "hat",
        "cooks_distance",
        "standardized_deviance",
        "standardized_pearson",
        "studentized",
        *terms,
        "influential",
    ]
    assert table.index.equals(X.index)
    assert table["influential"].dtype == bool


def test_measures_equal_statsmodels(fitted) -> None:
    """hat, Cook's D, r_P/√(1 − h) and dfbeta as statsmodels' GLMInfluence; r_D/√(1 − h)
    and R's rstudent sign(r_D)·√(r_D² + h r_P²/(1 − h)) from statsmodels' residuals."""
    model, X, y, oracle = fitted
    table = lk.influence(model, X, y)
    influence = oracle.get_influence()
    hat = influence.hat_matrix_diag
    deviance, pearson = oracle.resid_deviance, oracle.resid_pearson
    assert_close(table["hat"], hat)
    assert_close(table["hat"].sum(), X.shape[1] + 1)
    assert_close(table["cooks_distance"], influence.cooks_distance[0])
    assert_close(table["standardized_pearson"], influence.resid_studentized)
    assert_close(table["standardized_deviance"], deviance / np.sqrt(1.0 - hat))
    assert_close(
        table["studentized"],
        np.sign(deviance) * np.sqrt(deviance**2 + hat * pearson**2 / (1.0 - hat)),
    )
    assert_close(table.filter(like="dfbeta_"), influence.d_params)


def test_dfbeta_is_the_one_step_change_of_a_refit() -> None:
    """R's dfbeta approximates β̂ − β̂₍₋ᵢ₎: on the Challenger flights, with the sign of the
    exact refits by statsmodels wherever the change is clear, and to 0.15 of the
    coefficients' standard errors but for the most influential flight, where one step
    undershoots."""
    X, y = challenger()
    table = lk.influence(lk.LogisticRegression().fit(X, y), X, y)
    full = glm(X, y)
    exact = np.array(
        [full.params - glm(X.drop(index=i), y.drop(index=i)).params for i in range(len(y))]
    )
    one_step = table.filter(like="dfbeta_").to_numpy()
    clear = np.abs(exact) > 0.05 * full.bse
    np.testing.assert_array_equal(np.sign(one_step)[clear], np.sign(exact)[clear])
    typical = np.arange(len(y)) != int(np.argmax(table["cooks_distance"]))
    np.testing.assert_allclose(one_step[typical] / full.bse, exact[typical] / full.bse, atol=0.15)


def r_rules(oracle) -> dict[str, np.ndarray]:
    """R's five rules of is.influential over influence.measures, row by row, built from
    statsmodels' quantities."""
    influence = oracle.get_influence()
    hat = influence.hat_matrix_diag
    deviance = oracle.resid_deviance
    n, k = len(hat), len(oracle.params)
    total = np.sum(deviance**2)
    sigma_out = np.sqrt((total - deviance**2 / (1 - hat)) / (n - k - 1))
    sigma = np.sqrt(total / (n - k))
    dfbetas = influence.d_params / np.outer(sigma_out, np.sqrt(np.diag(oracle.cov_params())))
    dffit = deviance * np.sqrt(hat) / (sigma_out * (1 - hat))
    cov_ratio = (sigma_out / sigma) ** (2 * k) / (1 - hat)
    cooks = influence.cooks_distance[0]
    return {
        "dfbetas": (np.abs(dfbetas) > 1).any(axis=1),
        "dffit": np.abs(dffit) > 3 * np.sqrt(k / (n - k)),
        "cov_ratio": np.abs(1 - cov_ratio) > 3 * k / (n - k),
        "cooks_distance": f.cdf(cooks, k, n - k) > 0.5,
        "hat": hat > 3 * k / n,
    }


def r_influential(oracle) -> np.ndarray:
    """R's is.influential: any of the five rules."""
    return np.logical_or.reduce(list(r_rules(oracle).values()))


def test_influential_follows_r_rules(fitted) -> None:
    model, X, y, oracle = fitted
    table = lk.influence(model, X, y)
    np.testing.assert_array_equal(table["influential"].to_numpy(), r_influential(oracle))


@pytest.mark.parametrize(
    "last_x, cooks, flagged", [(-0.84, 0.7858321, True), (-0.78, 0.7309787, False)]
)
def test_cooks_rule_alone_flags_a_row_past_the_median_of_f(last_x, cooks, flagged) -> None:
    """Twelve rows, k = 2: the last (y = 1 at a low x) breaks none of R's other rules, and
    Cook's rule flags it when F_{2, 10}(D) > 0.5, that is D above the median 0.7435 of
    F(2, 10): D = 0.7858 at x = −0.84, and D = 0.7310 at x = −0.78, below that median though
    above the median 0.7286 of F(2, 14). (Rows 0 and 2 are flagged by the covariance ratio.)"""
    x = [1.12, 0.0, -1.27, 0.75, 0.39, -0.24, -0.05, -0.23, 0.3, 0.24, 0.07, last_x]
    X = pd.DataFrame({"x": x})
    y = pd.Series([1.0, 0, 0, 1, 1, 0, 1, 0, 0, 0, 1, 1])
    table = lk.influence(lk.LogisticRegression().fit(X, y), X, y)
    oracle = glm(X, y)
    rules = r_rules(oracle)
    assert not any(rules[rule][-1] for rule in ["dfbetas", "dffit", "cov_ratio", "hat"])
    assert_close(table["cooks_distance"], oracle.get_influence().cooks_distance[0])
    np.testing.assert_allclose(table["cooks_distance"].iloc[-1], cooks, rtol=1e-6)
    assert (cooks > f.median(2, 10)) == flagged
    assert cooks > f.median(2, 14)
    expected = np.zeros(len(y), dtype=bool)
    expected[[0, 2, -1]] = [True, True, flagged]
    np.testing.assert_array_equal(table["influential"], expected)
    np.testing.assert_array_equal(table["influential"], r_influential(oracle))


def test_some_rows_are_flagged_and_most_are_not() -> None:
    X, y = spector()
    table = lk.influence(lk.LogisticRegression().fit(X, y), X, y)
    assert 0 < table["influential"].sum() < len(table) // 2


def test_frequency_weights_give_hat_values_of_the_copies_summed() -> None:
    """A row of weight w has w times the hat value of each of its copies (the hat matrix's
    trace k is kept), and the copies' dfbeta summed; prior weights as statsmodels' var_weights."""
    X, y = spector()
    counts = np.tile([1, 2, 3, 1], 8)
    weighted = lk.influence(lk.LogisticRegression().fit(X, y, sample_weight=counts), X, y, counts)
    rows = np.repeat(np.arange(len(y)), counts)
    Xr, yr = X.iloc[rows].reset_index(drop=True), y.iloc[rows].reset_index(drop=True)
    repeated = lk.influence(lk.LogisticRegression().fit(Xr, yr), Xr, yr)
    first = np.searchsorted(rows, np.arange(len(y)))
    assert_close(weighted["hat"], counts * repeated["hat"].to_numpy()[first])
    assert_close(
        weighted.filter(like="dfbeta_").to_numpy() * (1 - weighted["hat"].to_numpy()[:, None]),
        counts[:, None]
        * (repeated.filter(like="dfbeta_").to_numpy() * (1 - repeated[["hat"]].to_numpy()))[first],
    )
    oracle = glm(X, y, var_weights=counts.astype(float)).get_influence()
    assert_close(weighted["hat"], oracle.hat_matrix_diag)
    assert_close(weighted["cooks_distance"], oracle.cooks_distance[0])


def test_rows_of_zero_weight_change_nothing_and_get_zero_measures() -> None:
    """Rows of weight 0 are not among the n rows of R's rules (n = 32 here, not 48): the other
    rows' measures and flags are those of the fit without them, and their own hat, Cook's D,
    residuals and dfbeta are 0."""
    X, y = spector()
    without = lk.influence(lk.LogisticRegression().fit(X, y), X, y)
    Xz = pd.concat([X, X.iloc[:16]], ignore_index=True)
    yz = pd.concat([y, 1.0 - y.iloc[:16]], ignore_index=True)
    weights = np.r_[np.ones(len(y)), np.zeros(16)]
    model = lk.LogisticRegression().fit(Xz, yz, sample_weight=weights)
    table = lk.influence(model, Xz, yz, weights)
    assert_close(
        table.iloc[: len(y)].drop(columns="influential"), without.drop(columns="influential")
    )
    np.testing.assert_array_equal(table["influential"].iloc[: len(y)], without["influential"])
    assert not table["influential"].iloc[len(y) :].any()
    np.testing.assert_array_equal(table.iloc[len(y) :].drop(columns="influential"), 0.0)


def test_the_table_is_indexed_like_the_data() -> None:
    X, y = challenger()
    X.index = y.index = pd.Index([f"STS-{i}" for i in range(len(y))], name="flight")
    table = lk.influence(lk.LogisticRegression().fit(X, y), X, y)
    assert table.index.equals(X.index)
    assert_close(table["hat"], glm(X, y).get_influence().hat_matrix_diag)


def test_coefficients_plus_two_rows_are_enough() -> None:
    """Four rows for k = 2 coefficients leave n − k − 1 = 1 degree of freedom for σ₍₋ᵢ₎:
    the measures exist, and equal statsmodels'."""
    X, y = [[1.0], [2.0], [3.0], [4.0]], [0, 1, 0, 1]
    table = lk.influence(lk.LogisticRegression().fit(X, y), X, y)
    influence = glm(X, y).get_influence()
    assert_close(table["hat"], influence.hat_matrix_diag)
    assert_close(table["cooks_distance"], influence.cooks_distance[0])


def test_formula_route_equals_estimator_route() -> None:
    flights = lk.datasets.load_challenger()
    by_formula = lk.influence(lk.logit("damage ~ temperature_f", data=flights))
    X, y = challenger()
    by_estimator = lk.influence(lk.LogisticRegression().fit(X, y), X, y)
    pd.testing.assert_frame_equal(
        by_formula.drop(columns="influential"),
        by_estimator.drop(columns="influential"),
        rtol=1e-8,
    )
    np.testing.assert_array_equal(by_formula["influential"], by_estimator["influential"])


def test_sparse_design_gives_the_dense_numbers() -> None:
    import scipy.sparse as sp

    X, y = spector()
    dense = lk.influence(lk.LogisticRegression().fit(X.to_numpy(), y), X.to_numpy(), y)
    Xs = sp.csr_matrix(X.to_numpy())
    sparse = lk.influence(lk.LogisticRegression().fit(Xs, y), Xs, y)
    assert_close(sparse.drop(columns="influential"), dense.drop(columns="influential"))


def test_peak_memory_is_the_table_and_a_few_n_vectors() -> None:
    """n = 200,000, p = 20: the table is n × (k + 5) float64 entries and n flags, 1.31 × X
    for k = 21 coefficients. Beside it influence() holds the objective's labels, unit weights
    and logits (three n-vectors, 0.15 × X) and one block of rows' temporaries (about 2¹⁶
    entries each, 0.04 × X): 1.5 × X, bounded by 1.6 × X. An n × k array beside the table (X̃I⁻¹
    whole, 1.05 × X, as before the table was filled by blocks) breaks the bound."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((200_000, 20))
    y = (rng.random(len(X)) < 1.0 / (1.0 + np.exp(-X[:, 0]))).astype(float)
    model = lk.LogisticRegression().fit(X, y)
    gc.collect()
    tracemalloc.start()
    try:
        table = lk.influence(model, X, y)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert table.shape == (len(X), 21 + 6)
    assert peak <= 1.6 * X.nbytes, f"{peak / X.nbytes:.3f} × X"


def test_refusals() -> None:
    X, y = spector()
    with pytest.raises(
        ValueError, match="influence measures: needs the maximum-likelihood fit.*alpha=0.1"
    ):
        lk.influence(lk.LogisticRegression(alpha=0.1).fit(X, y), X, y)
    with pytest.raises(ValueError, match="influence measures: not defined for Firth"):
        lk.influence(lk.LogisticRegression(firth=True).fit(X, y), X, y)
    model = lk.LogisticRegression().fit(X, y)
    with pytest.raises(ValueError, match="n = 31 .* the fit had 32"):
        lk.influence(model, X.iloc[1:], y.iloc[1:])
    three = (X["GPA"] > 3).astype(int) + y.astype(int)
    with pytest.raises(ValueError, match="two classes only, and this model has 3"):
        lk.influence(lk.LogisticRegression().fit(X, three), X, three)
    tiny = lk.LogisticRegression().fit([[1.0], [2.0], [3.0]], [0, 1, 0])
    with pytest.raises(ValueError, match="more rows than coefficients plus one: 3 rows .* 2"):
        lk.influence(tiny, [[1.0], [2.0], [3.0]], [0, 1, 0])
