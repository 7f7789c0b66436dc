"""Aliased (collinear or constant) columns: the fit goes on and reports them as R does.

R's glm keeps the columns in order, gives NA for a column that is a linear combination of
earlier ones, fits the rest as if it were absent and counts only the estimable coefficients in
the degrees of freedom and AIC; statsmodels' Logit on the design without the aliased columns is
the oracle for every number.
"""

from __future__ import annotations

import json
import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

import logitkit as lk
from logitkit import CollinearityWarning


@pytest.fixture(scope="module")
def spector() -> pd.DataFrame:
    return sm.datasets.spector.load_pandas().data


def _aliased_frame(spector: pd.DataFrame) -> pd.DataFrame:
    frame = spector[["GPA", "TUCE", "PSI"]].copy()
    frame["const"] = 1.0
    frame["combo"] = frame["GPA"] + 2.0 * frame["TUCE"]
    return frame


def _fit(X, y, **params) -> lk.LogisticRegression:
    with (
        warnings.catch_warnings(),
        pytest.warns(CollinearityWarning, match="'const', 'combo' are a linear combination"),
    ):
        warnings.simplefilter("ignore", lk.ConvergenceWarning)
        return lk.LogisticRegression(**params).fit(X, y)


def test_aliased_coefficients_are_nan_and_the_rest_is_the_reduced_fit(spector) -> None:
    X, y = _aliased_frame(spector), spector["GRADE"]
    summary = _fit(X, y).summary()
    oracle = sm.Logit(y, sm.add_constant(spector[["GPA", "TUCE", "PSI"]])).fit(disp=0)
    table = summary.table
    assert table.loc[["const", "combo"]].isna().all().all()
    estimable = table.loc[["Intercept", "GPA", "TUCE", "PSI"]]
    np.testing.assert_allclose(estimable["coef"], oracle.params, rtol=1e-7)
    np.testing.assert_allclose(estimable["std_err"], oracle.bse, rtol=1e-6)
    assert summary.df_model == oracle.df_model == 3
    assert summary.df_resid == oracle.df_resid
    assert summary.aic == pytest.approx(oracle.aic, rel=1e-9)
    assert summary.bic == pytest.approx(oracle.bic, rel=1e-9)
    assert summary.aliased == {"const": ["Intercept"], "combo": ["GPA", "TUCE"]}


def test_printed_summary_says_which_columns_are_aliased_with_which(spector) -> None:
    text = str(_fit(_aliased_frame(spector), spector["GRADE"]).summary())
    assert "Coefficients: (2 not defined because of singularities)" in text
    assert "'const' is aliased with 'Intercept'" in text
    assert "'combo' is aliased with 'GPA', 'TUCE'" in text
    assert "infinite" not in text and ".." not in text


def test_to_dict_keeps_every_term(spector) -> None:
    result = _fit(_aliased_frame(spector), spector["GRADE"]).summary().to_dict()
    assert list(result["coefficients"]) == ["Intercept", "GPA", "TUCE", "PSI", "const", "combo"]
    assert result["coefficients"]["const"]["coef"] == "nan"
    assert result["aliased"] == {"const": ["Intercept"], "combo": ["GPA", "TUCE"]}
    json.dumps(result)


@pytest.mark.parametrize("solver", ["lbfgs", "sgd"])
def test_every_solver_holds_aliased_coefficients_at_zero(spector, solver) -> None:
    params = {"random_state": 0, "max_iter": 3000} if solver == "sgd" else {}
    model = _fit(_aliased_frame(spector), spector["GRADE"], solver=solver, **params)
    assert model.coef_[0, 3:].tolist() == [0.0, 0.0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", lk.ConvergenceWarning)
        reduced = lk.LogisticRegression(solver=solver, **params).fit(
            spector[["GPA", "TUCE", "PSI"]], spector["GRADE"]
        )
    np.testing.assert_allclose(model.coef_[0, :3], reduced.coef_[0], rtol=1e-5)


def test_profile_intervals_skip_aliased_coefficients(spector) -> None:
    X, y = _aliased_frame(spector), spector["GRADE"]
    table = _fit(X, y).summary(ci="profile", X=X, y=y).table
    reduced = spector[["GPA", "TUCE", "PSI"]]
    expected = lk.LogisticRegression().fit(reduced, y).summary(ci="profile", X=reduced, y=y).table
    assert table.loc[["const", "combo"], ["ci_low", "ci_high"]].isna().all().all()
    np.testing.assert_allclose(
        table.loc[expected.index, ["ci_low", "ci_high"]], expected[["ci_low", "ci_high"]], rtol=1e-6
    )


def test_an_all_constant_x_warns_and_fits_the_intercept() -> None:
    y = np.array([0, 1, 1, 0, 1, 1, 1, 0])
    with pytest.warns(CollinearityWarning, match="the columns 'x0', 'x1' are a linear"):
        model = lk.LogisticRegression().fit(np.full((8, 2), 3.0), y)
    assert model.coef_.tolist() == [[0.0, 0.0]]
    assert model.intercept_[0] == pytest.approx(np.log(5 / 3))
    assert model.summary().df_model == 0


def test_lr_test_counts_estimable_coefficients(spector) -> None:
    y = spector["GRADE"]
    small = lk.LogisticRegression().fit(spector[["GPA"]], y)
    big = _fit(_aliased_frame(spector), y)
    assert lk.lr_test(small, big).df == 2


def test_saved_model_keeps_its_aliased_terms(tmp_path, spector) -> None:
    model = _fit(_aliased_frame(spector), spector["GRADE"])
    lk.save(model, tmp_path / "m.json")
    loaded = lk.load(tmp_path / "m.json")
    assert loaded.record_ == model.record_
    pd.testing.assert_frame_equal(loaded.summary().table, model.summary().table)


def test_cli_prints_the_table_with_aliased_columns(tmp_path, spector) -> None:
    path = tmp_path / "d.csv"
    _aliased_frame(spector).assign(GRADE=spector["GRADE"]).to_csv(path, index=False)
    with warnings.catch_warnings():
        done = subprocess.run(
            [sys.executable, "-m", "logitkit", "fit", str(path), "--target", "GRADE"],
            capture_output=True,
            text=True,
        )
    assert done.returncode == 0, done.stderr
    assert "(2 not defined because of singularities)" in done.stdout
    assert "'combo' is aliased with 'GPA', 'TUCE'" in done.stdout


def _aliased_by_definition(gram: np.ndarray, tol: float = 1e-7) -> list[int]:
    """Column by column, in order: aliased when its residual after projection on the kept
    earlier columns (G scaled to unit diagonal) is at most tol, or when it is all zeros."""
    diagonal = np.diag(gram)
    kept: list[int] = []
    aliased: list[int] = []
    for j in range(gram.shape[0]):
        if not diagonal[j] > 0:
            aliased.append(j)
            continue
        if kept:
            scale = 1.0 / np.sqrt(diagonal[kept])
            block = gram[np.ix_(kept, kept)] * np.outer(scale, scale)
            cross = gram[kept, j] * scale / np.sqrt(diagonal[j])
            if 1.0 - cross @ np.linalg.lstsq(block, cross, rcond=None)[0] <= tol:
                aliased.append(j)
                continue
        kept.append(j)
    return aliased


@pytest.mark.parametrize("seed", range(40))
def test_the_blocked_check_aliases_what_the_column_by_column_definition_does(seed) -> None:
    """Random designs with scaled columns, combinations of earlier or later columns, zero
    columns and more columns than rows: the same aliased columns as the definition."""
    from logitkit.core.aliasing import aliased_columns

    rng = np.random.default_rng(seed)
    n, p = int(rng.integers(3, 40)), int(rng.integers(2, 30))
    X = rng.standard_normal((n, p)) * rng.choice([1e-3, 1.0, 1e3], size=p)
    for _ in range(int(rng.integers(0, 4))):
        j, k = rng.integers(0, p, size=2)
        X[:, j] = (
            rng.choice([0.0, 1.0, -2.5]) * X[:, k] + rng.choice([0.0, 1.0]) * X[:, (k + 1) % p]
        )
    gram = X.T @ X
    assert aliased_columns(gram) == _aliased_by_definition(gram)


def test_more_columns_than_rows_alias_every_column_past_the_rank() -> None:
    """n = 300 rows, 601 columns: the first 300 are kept, the other 301 aliased."""
    from logitkit.core.aliasing import aliased_columns

    X = np.random.default_rng(0).standard_normal((300, 601))
    assert aliased_columns(X.T @ X) == list(range(300, 601))


def _tall(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 4))
    y = (rng.random(n) < 1.0 / (1.0 + np.exp(-X[:, 0]))).astype(int)
    return X, y


def test_a_row_sample_clears_the_columns_without_the_full_gram(monkeypatch) -> None:
    """On 50,000 rows the certificate's sample (every 2nd row) and the columns' norms prove
    that no column is aliased: X̃ᵀX̃ over all rows is never formed."""
    from logitkit.core.pass_evaluation import PassEvaluation

    X, y = _tall(50_000, 1)
    formed = []
    original = PassEvaluation.positive_weight_gram
    monkeypatch.setattr(
        PassEvaluation,
        "positive_weight_gram",
        lambda self: formed.append(1) or original(self),
    )
    model = lk.LogisticRegression().fit(X, y)
    assert formed == [] and model.record_.aliased == ()
    X[:, 3] = X[:, 1] - 2.0 * X[:, 2]  # aliased on every row, so on the sample too
    with pytest.warns(CollinearityWarning):
        model = lk.LogisticRegression().fit(X, y)
    assert formed == [1] and model.record_.aliased == ("x3",)


def test_a_column_aliased_only_over_all_rows_is_found_by_the_full_gram() -> None:
    """x3 = x1 plus noise on the sampled rows alone (every 5th of 100,000): on the sample its
    residual is 4e-7, clear of the tolerance 1e-7; over all rows the noise's share of x3's
    norm makes it 8e-8. The bound from the sample cannot clear it, and the Gram over all rows
    finds x3 aliased, as the rows themselves make it."""
    from logitkit.core.aliasing import aliased_columns, clear_from_rows
    from logitkit.inference.separation import certificate_rows

    X, y = _tall(100_000, 2)
    sample = certificate_rows(np.ones(len(y)))
    assert sample is not None and sample.size == 20_000
    noise = np.zeros(len(y))
    noise[sample] = np.random.default_rng(3).standard_normal(sample.size) * np.sqrt(4e-7)
    X[:, 3] = X[:, 1] + noise
    design = np.column_stack([np.ones(len(y)), X])
    full = design.T @ design
    rows = design[sample]
    assert aliased_columns(rows.T @ rows) == []
    assert not clear_from_rows(rows.T @ rows, np.diag(full))
    assert aliased_columns(full) == [4]
    with pytest.warns(CollinearityWarning):
        model = lk.LogisticRegression().fit(X, y)
    assert model.record_.aliased == ("x3",)


def _unit_gram(correlations: dict[tuple[int, int], float], p: int) -> np.ndarray:
    gram = np.eye(p)
    for (j, k), rho in correlations.items():
        gram[j, k] = gram[k, j] = rho
    return gram


@pytest.mark.parametrize(
    ("gram", "residual", "expected"),
    [
        (_unit_gram({(0, 1): 0.375}, 2), 0.859375, [1]),
        (_unit_gram({(0, 1): 1.0, (0, 2): 0.25, (1, 2): 0.25}, 3), 0.9375, [1, 2]),
    ],
    ids=["in-the-first-factorisation", "on-the-schur-complement"],
)
def test_a_residual_equal_to_the_tolerance_is_aliased(gram, residual, expected) -> None:
    """Aliased means a residual at most tol. x₁ with correlation 0.375 to x₀ leaves
    1 − 0.375² = 0.859375, the first factorisation's squared pivot; after x₁ = x₀ is aliased,
    x₂ with correlation 0.25 to x₀ leaves 1 − 0.25² = 0.9375 on the Schur complement's diagonal.
    Both are exact in binary, so tol equal to the residual aliases the column and a tol a hair
    below keeps it."""
    from logitkit.core.aliasing import aliased_columns

    assert aliased_columns(gram, tol=residual) == expected
    assert aliased_columns(gram, tol=residual * (1.0 - 1e-12)) == expected[:-1]


def test_a_zero_column_is_aliased_however_clear_the_other_columns_are() -> None:
    """x₁ = 0 between two independent columns: x₁ is aliased outright, the others kept."""
    from logitkit.core.aliasing import aliased_columns

    X = np.random.default_rng(4).standard_normal((20, 3))
    X[:, 1] = 0.0
    assert aliased_columns(X.T @ X) == [1]


def test_a_gram_whose_pivots_all_clear_is_settled_by_one_factorisation(monkeypatch) -> None:
    """Five independent columns: every squared pivot clears 100·tol, so the one Cholesky
    factorisation of the scaled Gram answers, with no round of the column-by-column search."""
    from types import SimpleNamespace

    from logitkit.core import aliasing

    factorised = []
    dpotrf = aliasing.lapack.dpotrf
    monkeypatch.setattr(
        aliasing,
        "lapack",
        SimpleNamespace(
            dpotrf=lambda *args, **kwargs: factorised.append(1) or dpotrf(*args, **kwargs)
        ),
    )
    X = np.random.default_rng(5).standard_normal((30, 5))
    assert aliasing.aliased_columns(X.T @ X) == []
    assert factorised == [1]


def test_the_whole_gram_does_not_clear_at_a_squared_pivot_equal_to_the_floor() -> None:
    """Correlation 0.375: the second squared pivot is 1 − 0.375² = 0.859375 exactly, which does
    not clear a floor of 0.859375 (clearing asks for more than the floor)."""
    from logitkit.core.aliasing import _all_pivots_clear

    matrix = _unit_gram({(0, 1): 0.375}, 2)
    assert not _all_pivots_clear(matrix, 0.859375)
    assert _all_pivots_clear(matrix, 0.859375 * (1.0 - 1e-12))


def test_a_breakdown_of_the_factorisation_is_reported_at_its_column() -> None:
    """[[1, 2], [2, 1]]: L₀₀ = 1, L₁₀ = 2, and column 1's pivot 1 − 2² = −3 breaks the
    factorisation down there, so column 1 is the first small pivot, with the factor exact
    before it."""
    from logitkit.core.aliasing import _first_small_pivot

    found = _first_small_pivot(np.array([[1.0, 2.0], [2.0, 1.0]]), 1e-7)
    assert found is not None
    first, factor = found
    assert first == 1 and factor[0, 0] == 1.0 and factor[1, 0] == 2.0


def test_a_kept_column_at_exactly_the_naming_cut_is_not_named() -> None:
    """x₂ = x₀ + 10⁻⁸·x₁ with orthonormal x₀, x₁ (‖x₂‖² = 1 + 10⁻¹⁶ rounds to 1): the scaled
    coefficients are exactly 1 and 10⁻⁸, and a partner is named above the cut 10⁻⁸ only."""
    from logitkit.core.aliasing import aliases

    gram = _unit_gram({(0, 2): 1.0, (1, 2): 1e-8}, 3)
    assert aliases(gram, [2], ["a", "b", "c"]) == {"c": ["a"]}


@pytest.mark.parametrize(
    "gram",
    [
        np.diag([1.0, 0.0]),
        np.diag([1.0, np.inf]),
        np.ones((2, 2)),
    ],
    ids=["zero-column", "infinite-column", "repeated-column"],
)
def test_rows_with_a_zero_infinite_or_repeated_column_prove_nothing(gram) -> None:
    """A column of zeros or an infinite one has no unit-diagonal scaling, and a repeated column
    breaks the Cholesky factorisation down: the rows cannot clear the columns, and the answer
    comes quietly, without a floating-point warning."""
    from logitkit.core.aliasing import clear_from_rows

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert clear_from_rows(gram, np.ones(2)) is False


def test_a_bound_equal_to_a_hundred_times_the_tolerance_does_not_clear() -> None:
    """One column whose rows hold all of its squared norm: the bound is its squared pivot, 1,
    and with tol = 0.01 it equals 100·tol exactly, which does not clear (clearing asks for
    more, and a tol of 0.0099 is cleared)."""
    from logitkit.core.aliasing import clear_from_rows

    gram = np.array([[1.0]])
    assert clear_from_rows(gram, np.array([1.0]), tol=0.01) is False
    assert clear_from_rows(gram, np.array([1.0]), tol=0.0099) is True
