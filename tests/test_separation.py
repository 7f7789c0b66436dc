"""Separation detection: known datasets, every kind of finding, input forms, an LP oracle, fits.

The endometrial data (tests/data/endometrial.csv, see tests/data/README.md) are the classic
quasi-separated example of Heinze and Schemper (2002): R's detectseparation reports the NV
estimate as +Inf and the others as finite.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from scipy.linalg import null_space
from scipy.optimize import linprog

import logitkit as lk
from logitkit.backends.design import make_design
from logitkit.inference.separation import Separation, detect_separation
from problems import make_problem

DATA = Path(__file__).resolve().parent / "data"


def endometrial() -> tuple[np.ndarray, np.ndarray]:
    frame = pd.read_csv(DATA / "endometrial.csv")
    return frame[["NV", "PI", "EH"]].to_numpy(float), frame["HG"].to_numpy(float)


ENDOMETRIAL_NAMES = ["Intercept", "NV", "PI", "EH"]


def exposure_problem(n: int = 120, seed: int = 3) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A continuous covariate with overlapping classes, a binary exposure z, and labels."""
    rng = np.random.default_rng(seed)
    dose = rng.standard_normal(n)
    exposed = (np.arange(n) % 6 == 0).astype(float)
    y = (rng.random(n) < lk.sigmoid(dose)).astype(float)
    return dose, exposed, y


def ties_problem() -> tuple[np.ndarray, np.ndarray]:
    """y = 1 above x = 2, y = 0 below, both labels at x = 2: the cut point is pinned."""
    x = np.repeat([0.0, 1.0, 2.0, 3.0, 4.0], 4)
    y = (x > 2).astype(float)
    y[x == 2] = [0.0, 1.0, 0.0, 1.0]
    return x[:, None], y


def nested_problem() -> tuple[np.ndarray, np.ndarray]:
    """z2 = 1 only where z1 = 1, and y = 1 wherever z1 = 1: z2 can move either way."""
    dose, _, y = exposure_problem(seed=4)
    rows = np.arange(dose.size)
    z1 = (rows % 5 == 0).astype(float)
    z2 = (rows % 10 == 0).astype(float)
    y = np.where(z1 == 1, 1.0, y)
    return np.column_stack((dose, z1, z2)), y


def symmetric_problem() -> tuple[np.ndarray, np.ndarray]:
    x = np.array([-3.0, -2.0, -1.0, 1.0, 2.0, 3.0])
    return x[:, None], (x > 0).astype(float)


def exposure_fixture(sign: int) -> tuple[np.ndarray, np.ndarray]:
    dose, exposed, y = exposure_problem()
    return np.column_stack((dose, exposed)), np.where(exposed == 1, (1 + sign) / 2, y)


def test_no_separation_on_a_typical_problem() -> None:
    X, y = make_problem(2000, 5, seed=0)
    names = ["Intercept", *(f"x{j}" for j in range(5))]
    assert detect_separation(make_design(X, True), y.astype(float), None, names) is None
    assert detect_separation(make_design(X, False), y.astype(float), None, names[1:]) is None


def test_collinear_columns_alone_are_not_separation() -> None:
    X, y = make_problem(500, 3, seed=1)
    X = np.column_stack((X, X[:, 0], 2.0 * X[:, 1] - X[:, 2], np.zeros(500)))
    names = ["Intercept", "a", "b", "c", "a_again", "b_minus_c", "zero"]
    assert detect_separation(make_design(X, True), y.astype(float), None, names) is None


def test_endometrial_neovasculation_runs_to_plus_infinity() -> None:
    X, y = endometrial()
    assert X.shape == (79, 3)
    found = detect_separation(make_design(X, True), y, None, ENDOMETRIAL_NAMES)
    assert found == Separation("quasi-complete", {"NV": 1})
    assert (
        str(found) == "quasi-complete separation: the estimate of 'NV' (+inf) runs off to infinity"
    )


def test_complete_separation_of_a_symmetric_covariate() -> None:
    """y = 1 ⇔ x > 0: every cut point in (−1, 1) separates, so the intercept may go either way."""
    X, y = symmetric_problem()
    found = detect_separation(make_design(X, True), y, None, ["Intercept", "x"])
    assert found == Separation("complete", {"x": 1}, ("Intercept",))
    assert str(found) == (
        "complete separation: the estimate of 'x' (+inf) runs off to infinity, and that of "
        "'Intercept' is not determined by the data (separating directions move it both ways)"
    )
    found = detect_separation(make_design(X, False), y, None, ["x"])
    assert found == Separation("complete", {"x": 1})


def test_complete_separation_by_several_covariates() -> None:
    rng = np.random.default_rng(7)
    X = rng.standard_normal((400, 3))
    y = (X @ np.array([2.0, -1.0, 0.0]) > 0).astype(float)
    found = detect_separation(make_design(X, True), y, None, ["Intercept", "a", "b", "c"])
    assert found.kind == "complete"
    assert found.terms == {"a": 1, "b": -1}
    assert set(found.undetermined) == {"Intercept", "c"}


def test_quasi_complete_separation_by_a_binary_feature() -> None:
    X, y = exposure_fixture(+1)
    found = detect_separation(make_design(X, True), y, None, ["Intercept", "dose", "exposed"])
    assert found == Separation("quasi-complete", {"exposed": 1})


def test_a_negative_direction() -> None:
    X, y = exposure_fixture(-1)
    found = detect_separation(make_design(X, True), y, None, ["Intercept", "dose", "exposed"])
    assert found == Separation("quasi-complete", {"exposed": -1})


def test_tied_cut_point_sends_the_intercept_to_minus_infinity() -> None:
    X, y = ties_problem()
    found = detect_separation(make_design(X, True), y, None, ["Intercept", "x"])
    assert found == Separation("quasi-complete", {"Intercept": -1, "x": 1})
    assert str(found) == (
        "quasi-complete separation: the estimates of 'Intercept' (-inf) and 'x' (+inf) run off "
        "to infinity"
    )


def test_a_coefficient_that_separating_directions_move_both_ways() -> None:
    X, y = nested_problem()
    found = detect_separation(make_design(X, True), y, None, ["Intercept", "dose", "z1", "z2"])
    assert found == Separation("quasi-complete", {"z1": 1}, ("z2",))


def test_collinear_copies_of_a_separating_column_run_off_together() -> None:
    X, y = exposure_fixture(+1)
    X = np.column_stack((X, 3.0 * X[:, 1]))
    names = ["Intercept", "dose", "exposed", "thrice"]
    found = detect_separation(make_design(X, True), y, None, names)
    assert found == Separation("quasi-complete", {"exposed": 1, "thrice": 1})
    E, z = endometrial()
    E = np.column_stack((E, E[:, 1] - E[:, 2]))
    found = detect_separation(make_design(E, True), z, None, [*ENDOMETRIAL_NAMES, "PI_minus_EH"])
    assert found == Separation("quasi-complete", {"NV": 1})


def test_rows_of_weight_zero_play_no_part() -> None:
    """A row of weight zero changes nothing, not even the columns' scale (counted there, a row
    with NV = 10⁹ would shrink the scaled NV column below the margins' tolerance); given a
    weight, the last row (NV = 20, y = 0) ends the separation."""
    X, y = endometrial()
    X = np.vstack((X, [1e9, 1.0, 1.0], [1.0, 20.0, 1.5]))
    y = np.append(y, [0.0, 0.0])
    weights = np.append(np.full(79, 2.0), [0.0, 0.0])
    found = detect_separation(make_design(X, True), y, weights, ENDOMETRIAL_NAMES)
    assert found == Separation("quasi-complete", {"NV": 1})
    weights[-1] = 1.0
    assert detect_separation(make_design(X, True), y, weights, ENDOMETRIAL_NAMES) is None


@pytest.mark.parametrize("to_sparse", [sp.csr_array, sp.csc_matrix])
def test_sparse_and_float32_inputs_give_the_dense_answer(to_sparse) -> None:
    cases = [
        (*endometrial(), ENDOMETRIAL_NAMES),
        (*nested_problem(), ["Intercept", "dose", "z1", "z2"]),
        (*symmetric_problem(), ["Intercept", "x"]),
        (*make_problem(500, 4, seed=2), ["Intercept", "a", "b", "c", "d"]),
    ]
    for X, y, names in cases:
        expected = detect_separation(make_design(X, True), y, None, names)
        X32 = X.astype(np.float32)
        assert detect_separation(make_design(to_sparse(X), True), y, None, names) == expected
        assert detect_separation(make_design(X32, True), y, None, names) == expected
        assert detect_separation(make_design(to_sparse(X32), True), y, None, names) == expected


def test_term_names_must_match_the_coefficients() -> None:
    X, y = endometrial()
    with pytest.raises(ValueError, match="term_names has 3 names for 4 coefficients"):
        detect_separation(make_design(X, True), y, None, ENDOMETRIAL_NAMES[1:])


def oracle(X: np.ndarray, y: np.ndarray, fit_intercept: bool) -> Separation | None:
    """The definition, one linear program per question, no shortcuts.

    Over D = {δ : tᵢx̃ᵢᵀδ ≥ 0, δ ⊥ null(X̃), −1 ≤ δ ≤ 1}: separated iff max Σ tᵢx̃ᵢᵀδ > 0,
    complete iff max min tᵢx̃ᵢᵀδ > 0, and coefficient j can rise (fall) iff max ±δⱼ > 0.
    """
    design = np.column_stack((np.ones(len(y)), X)) if fit_intercept else X
    signed = (2 * y - 1)[:, None] * design
    signed = signed / np.abs(signed).max(axis=0)
    n, p = signed.shape
    lineality = null_space(signed).T

    def best(cost: np.ndarray, margin: bool = False) -> float:
        upper = np.column_stack((-signed, np.ones(n))) if margin else -signed
        width = p + int(margin)
        result = linprog(
            -cost,
            A_ub=upper,
            b_ub=np.zeros(n),
            A_eq=np.column_stack((lineality, np.zeros((len(lineality), width - p))))
            if len(lineality)
            else None,
            b_eq=np.zeros(len(lineality)) if len(lineality) else None,
            bounds=[(-1.0, 1.0)] * width,
            method="highs",
        )
        assert result.status == 0
        return -result.fun

    if best(signed.sum(axis=0)) <= 1e-7:
        return None
    complete = best(np.eye(p + 1)[p], margin=True) > 1e-7
    names = ["Intercept", *(f"x{j}" for j in range(X.shape[1]))][1 - int(fit_intercept) :]
    up = [best(np.eye(p)[j]) > 1e-7 for j in range(p)]
    down = [best(-np.eye(p)[j]) > 1e-7 for j in range(p)]
    terms = {name: 1 if u else -1 for name, u, d in zip(names, up, down, strict=True) if u != d}
    both = tuple(name for name, u, d in zip(names, up, down, strict=True) if u and d)
    return Separation("complete" if complete else "quasi-complete", terms, both)


def oracle_problems() -> list[tuple[np.ndarray, np.ndarray, bool]]:
    """Complete, quasi-complete, wide (p > n), collinear and clean problems, small and large."""
    rng = np.random.default_rng(11)
    problems = []
    for n, p in ((30, 3), (60, 5), (3000, 6)):
        X = rng.standard_normal((n, p))
        y = (X @ rng.standard_normal(p) + 0.3 > 0).astype(float)
        problems.append((X, y, True))
        binary = (rng.random(n) < 0.2).astype(float)
        noisy = (rng.random(n) < lk.sigmoid(X[:, 0])).astype(float)
        problems.append((np.column_stack((X, binary)), np.where(binary == 1, 1.0, noisy), True))
    X = rng.standard_normal((8, 12))
    problems.append((X, (rng.random(8) < 0.5).astype(float), True))
    X = rng.standard_normal((40, 2))
    X = np.column_stack((X, X[:, 0] + X[:, 1], (np.arange(40) < 4).astype(float)))
    problems.append((X, np.where(np.arange(40) < 4, 0.0, (X[:, 0] > 0).astype(float)), False))
    X, y = make_problem(300, 3, seed=12)
    problems.append((X, y.astype(float), True))
    problems += [(*endometrial(), True), (*ties_problem(), True), (*nested_problem(), True)]
    return problems


@pytest.mark.parametrize("case", range(len(oracle_problems())))
def test_agrees_with_the_one_program_per_question_oracle(case: int) -> None:
    X, y, fit_intercept = oracle_problems()[case]
    names = ["Intercept", *(f"x{j}" for j in range(X.shape[1]))][1 - int(fit_intercept) :]
    found = detect_separation(make_design(X, fit_intercept), y, None, names)
    assert found == oracle(X, y, fit_intercept)


def separated_fits() -> dict[str, tuple[np.ndarray, np.ndarray, bool, list[str]]]:
    return {
        "endometrial": (*endometrial(), True, ENDOMETRIAL_NAMES),
        "exposed": (*exposure_fixture(+1), True, ["Intercept", "dose", "exposed"]),
        "protective": (*exposure_fixture(-1), True, ["Intercept", "dose", "exposed"]),
        "ties": (*ties_problem(), True, ["Intercept", "x"]),
        "nested": (*nested_problem(), True, ["Intercept", "dose", "z1", "z2"]),
        "symmetric": (*symmetric_problem(), True, ["Intercept", "x"]),
        "no intercept": (*symmetric_problem(), False, ["x"]),
    }


def newton_fit(X: np.ndarray, y: np.ndarray, fit_intercept: bool, tol: float, names: list[str]):
    X = pd.DataFrame(X, columns=names[1:] if fit_intercept else names)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", lk.SeparationWarning)
        warnings.simplefilter("ignore", lk.ConvergenceWarning)
        model = lk.LogisticRegression(
            solver="newton", tol=tol, max_iter=200, fit_intercept=fit_intercept
        ).fit(X, y)
    coef = model.coef_[0].astype(float)
    return model, np.concatenate((model.intercept_, coef)) if fit_intercept else coef


@pytest.mark.parametrize("name", list(separated_fits()))
def test_reported_estimates_run_off_in_the_reported_direction(name: str) -> None:
    """Tightening tol from 1e-6 to 1e-12 moves each reported coefficient far in its direction,
    while the coefficients reported finite stay where they are."""
    X, y, fit_intercept, names = separated_fits()[name]
    found = detect_separation(make_design(X, fit_intercept), y, None, names)
    loose_model, loose = newton_fit(X, y, fit_intercept, 1e-6, names)
    _, tight = newton_fit(X, y, fit_intercept, 1e-12, names)
    assert loose_model.separation_ == found
    for j, term in enumerate(names):
        if term in found.terms:
            sign = found.terms[term]
            assert sign * loose[j] > 5.0
            assert sign * (tight[j] - loose[j]) > 5.0
        elif term not in found.undetermined:
            assert abs(tight[j] - loose[j]) < 1e-4


def test_endometrial_finite_estimates_match_r() -> None:
    """R's glm (detectseparation's vignette) prints 4.30452, −0.04218, −2.90261 for the finite
    estimates of the intercept, PI and EH, at a point where NV (18.19) is effectively infinite."""
    X, y = endometrial()
    _, coef = newton_fit(X, y, True, 1e-12, ENDOMETRIAL_NAMES)
    np.testing.assert_allclose(coef[[0, 2, 3]], [4.30452, -0.04218, -2.90261], atol=5e-6)
    assert coef[1] > 18.18556


def exposure_with_a_copy() -> tuple[np.ndarray, np.ndarray]:
    X, y = exposure_fixture(+1)
    return np.column_stack((X, 3.0 * X[:, 1])), y


def two_exposures(leak: float = 0.0, copies: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Two binary exposures z1, z2 with y = 1 wherever either is 1, beside an overlapping dose.

    The exposure column is z1 − leak · dose, so the separating direction e_z1 + leak · e_dose
    moves the dose too; ``copies`` adds an overlapping covariate u and its copy 2u.
    """
    dose, _, y = exposure_problem()
    rows = np.arange(dose.size)
    z1 = (rows % 6 == 0).astype(float)
    z2 = (rows % 6 == 3).astype(float)
    columns = [dose, z1 - leak * dose, z2]
    if copies:
        u = np.random.default_rng(5).standard_normal(dose.size)
        columns += [u, 2.0 * u]
    return np.column_stack(columns), np.where(z1 + z2 == 1, 1.0, y)


@pytest.mark.parametrize(
    ("leak", "terms"),
    [(1e-4, {"dose": 1, "z1": 1, "z2": 1}), (1e-7, {"z1": 1, "z2": 1})],
)
def test_a_coefficient_moves_with_the_separation_above_the_subspace_tolerance(leak, terms) -> None:
    """With z1 − c·dose as a column, δ = e_z1 + c·e_dose keeps every overlapping margin at 0:
    the dose runs off to +∞ with z1, its share of V = null(A_O) being c·max|dose| ≈ 3c in
    unit-max columns. That share counts when its square is above SUBSPACE_TOL² = 10⁻¹²
    (c = 10⁻⁴), and is taken as zero below it (c = 10⁻⁷)."""
    X, y = two_exposures(leak)
    names = ["Intercept", "dose", "z1", "z2"]
    found = detect_separation(make_design(X, True), y, None, names)
    assert found == Separation("quasi-complete", terms)


@pytest.mark.parametrize(
    ("problem", "cones"),
    [
        (lambda: exposure_fixture(+1), [((120, 3), 0)]),
        (exposure_with_a_copy, [((120, 4), 0)]),
        (ties_problem, [((20, 2), 0)]),
        (lambda: two_exposures(copies=True), [((120, 6), 0), ((40, 2), 1)]),
    ],
)
def test_the_coefficient_programs_run_over_the_support_of_a_cone_of_two_dimensions(
    monkeypatch, problem, cones
) -> None:
    """Where V (the span of the separating directions, collinear ones taken out) is one ray,
    the signs are read off the separating direction and no program over the coefficients is
    built: the only cone is that of the separating programs (n × p). Two exposures span a
    plane: its cone takes the columns z1, z2 that V reaches (not u and 2u, which only the
    collinear direction reaches), the 40 rows not zero there, and the one collinear direction."""
    from logitkit.inference import separation_cone

    built = []

    class Recorded(separation_cone.Cone):
        def __init__(self, signed, collinear) -> None:
            built.append((signed.shape, collinear.shape[1]))
            super().__init__(signed, collinear)

    monkeypatch.setattr(separation_cone, "Cone", Recorded)
    X, y = problem()
    names = ["Intercept", *(f"x{j}" for j in range(X.shape[1]))]
    assert detect_separation(make_design(X, True), y, None, names) is not None
    assert built == cones


@pytest.mark.parametrize(
    "matrix",
    [
        np.array([[1.0, 1.0]]),
        np.eye(2),
        np.zeros((3, 2)),
        np.array([[2.0, 0.0, 2.0], [0.0, 0.0, 0.0]]),
        np.diag([1e-4, 1.0]),
    ],
)
def test_the_null_space_from_a_gram_matrix_is_that_of_the_matrix(matrix) -> None:
    """null_space(MᵀM) spans null(M) (SciPy's, from the SVD of M), whatever the columns'
    norms: two equal unit columns give (1, −1)/√2, orthonormal ones nothing, zero columns their
    unit vectors, and a column of norm 10⁻⁴ orthogonal to the rest is not null."""
    from logitkit.inference.separation_cone import null_space as gram_null_space

    basis = gram_null_space(matrix.T @ matrix)
    expected = null_space(matrix)
    assert basis.shape == expected.shape
    np.testing.assert_allclose(basis @ basis.T, expected @ expected.T, atol=1e-12)


@pytest.mark.parametrize(("gap", "rank"), [(1.5e-12, 1), (2.5e-12, 2)])
def test_an_eigenvalue_below_the_rank_tolerance_times_the_largest_is_null(gap, rank) -> None:
    """G = [[1, 1 − g], [1 − g, 1]] has eigenvalues g and 2 − g: the direction (1, −1)/√2 is
    null when g ≤ RANK_TOL × (2 − g) ≈ 2·10⁻¹², so for g = 1.5·10⁻¹² and not 2.5·10⁻¹²."""
    from logitkit.inference.separation_cone import null_space as gram_null_space

    basis = gram_null_space(np.array([[1.0, 1.0 - gap], [1.0 - gap, 1.0]]))
    assert basis.shape == (2, 2 - rank)
    if basis.size:
        np.testing.assert_allclose(np.abs(basis[:, 0]), [np.sqrt(0.5)] * 2, rtol=1e-12)


def test_a_cone_program_adds_exactly_the_rows_its_solution_violates() -> None:
    """300 rows a = (1, 0), except (0, −1) at row 1 and (0, 1) at rows 3 and 4, none of them
    among the first active rows (0, 2, 5, …). Without row 1, max δ₁ + δ₂ is at (1, 1), which
    violates row 1 alone; with it the solution is (1, 0), where rows 3 and 4 have margin 0:
    satisfied, so they stay out."""
    from logitkit.inference.separation_cone import Cone

    rows = np.zeros((300, 2))
    rows[:, 0] = 1.0
    rows[1] = [0.0, -1.0]
    rows[[3, 4]] = [0.0, 1.0]
    cone = Cone(sp.csr_array(rows), np.zeros((2, 0)))
    first = cone.active.copy()
    assert not first[[1, 3, 4]].any()
    solution, margins = cone.maximise(np.array([1.0, 1.0]))
    np.testing.assert_allclose(solution, [1.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(margins, rows @ solution, atol=1e-12)
    assert np.flatnonzero(cone.active & ~first).tolist() == [1]


@pytest.mark.parametrize(
    ("cost", "expected"), [([1.0, 1.0], [1.0, 1.0]), ([-1.0, 1.0], [-1.0, 1.0])]
)
def test_a_cone_program_keeps_to_the_unit_box(cost, expected) -> None:
    """Over C = {δ : δ₂ ≥ 0} ∩ [−1, 1]², max δ₁ + δ₂ is at (1, 1) and max δ₂ − δ₁ at (−1, 1):
    the box, not the cone, stops δ₁ both ways."""
    from logitkit.inference.separation_cone import Cone

    cone = Cone(sp.csr_array(np.array([[0.0, 1.0]])), np.zeros((2, 0)))
    np.testing.assert_allclose(cone.maximise(np.array(cost))[0], expected, atol=1e-12)


def test_a_cone_program_holds_its_rows_well_below_the_margin_tolerance() -> None:
    """Rows (1, −1 − ε) and (−1, 1) with ε = 5·10⁻⁹ force δ₂ ≤ 0 and δ₁ ≤ δ₂: max δ₁ + δ₂ is 0,
    at 0. The point (1, 1) violates the first row by ε only, which HiGHS's default
    feasibility tolerance (10⁻⁷) would accept; the programs are solved to 10⁻¹⁰."""
    from logitkit.inference.separation_cone import Cone

    cone = Cone(sp.csr_array(np.array([[1.0, -1.0 - 5e-9], [-1.0, 1.0]])), np.zeros((2, 0)))
    np.testing.assert_allclose(cone.maximise(np.array([1.0, 1.0]))[0], [0.0, 0.0], atol=1e-12)


def test_the_signed_rows_are_the_kept_rows_signed_and_scaled() -> None:
    """aᵢ = tᵢ x̃ᵢ / c over the rows of positive weight, tᵢ = 2yᵢ − 1 and cⱼ their largest
    |x̃ᵢⱼ| (the row of weight zero, with the largest entries, does not count): the rows, the
    columns, Aδ, sums of rows and AᵀA, written out with NumPy."""
    from logitkit.inference.separation_cone import SignedRows

    X = np.array([[2.0, -1.0], [-4.0, 0.5], [9.0, 9.0], [1.0, 3.0], [0.5, -2.0]])
    y = np.array([1.0, 0.0, 1.0, 0.0, 1.0])
    weights = np.array([1.0, 2.0, 0.0, 1.0, 0.5])
    kept = [0, 1, 3, 4]
    design = np.column_stack((np.ones(5), X))[kept]
    signed_design = (2 * y[kept] - 1)[:, None] * design / np.abs(design).max(axis=0)
    signed = SignedRows(make_design(X, True), y, weights)
    delta = np.array([0.5, -1.0, 2.0])
    assert signed.shape == (4, 3)
    np.testing.assert_allclose(signed[np.arange(4)].toarray(), signed_design, rtol=1e-15)
    np.testing.assert_allclose(signed.columns(np.array([0, 2])).toarray(), signed_design[:, [0, 2]])
    np.testing.assert_allclose(signed @ delta, signed_design @ delta, rtol=1e-14)
    np.testing.assert_allclose(signed.row_sum(np.array([1, 3])), signed_design[[1, 3]].sum(axis=0))
    np.testing.assert_allclose(signed.gram(), signed_design.T @ signed_design, rtol=1e-14)
