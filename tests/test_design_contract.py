"""The design protocol's contract: every implementation, every operation, against plain NumPy.

Each factory in FACTORIES turns a float64 X into one kind of design (a new array backend is one
more entry); every design runs with and without an intercept through every operation of
:class:`~logitkit.backends.design.Design`, compared with the same computation on the dense
float64 X̃ = [1, X] (X alone without an intercept) of the values the design holds. Operations
computed in the dtype of X are held to 1e-12 relative for float64 data and 1e-5 for float32;
those documented as accumulated in float64 to 1e-12 whatever the dtype. Row blocks are made
small, so every blocked operation crosses block boundaries. A test named ``test_<operation>``
must exist for each operation of the protocol.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.typing import NDArray

import logitkit.backends.base
import logitkit.backends.fused
from logitkit.backends.design import Design, make_design
from logitkit.backends.passes import PassRequest
from logitkit.core.datafits import Bernoulli, Multinomial

da = pytest.importorskip("dask.array")

FACTORIES: dict[str, Callable[[NDArray, bool], Design]] = {
    "dense C float64": lambda X, fit: make_design(np.ascontiguousarray(X), fit),
    "dense F float64": lambda X, fit: make_design(np.asfortranarray(X), fit),
    "dense float32": lambda X, fit: make_design(X.astype(np.float32), fit),
    "CSR float64": lambda X, fit: make_design(sp.csr_array(X), fit),
    "CSC float64": lambda X, fit: make_design(sp.csc_matrix(X), fit),
    "CSR float32": lambda X, fit: make_design(sp.csr_matrix(X.astype(np.float32)), fit),
    "Dask float64": lambda X, fit: make_design(da.from_array(X, chunks=(170, 3)), fit),
    "Dask float32": lambda X, fit: make_design(da.from_array(X.astype(np.float32), 250), fit),
}
"""How each implementation is built from a float64 X and fit_intercept."""

EXACT = 1e-12
"""Relative tolerance of float64 results (of float64 data, or accumulated in float64)."""

SINGLE = 1e-5
"""Relative tolerance of results computed in float32."""


def _data() -> NDArray:
    """600 × 7, columns on different scales, about half the entries zero, one zero column."""
    rng = np.random.default_rng(20)
    X = rng.standard_normal((600, 7)) * np.array([1.0, 10.0, 0.1, 1.0, 3.0, 1.0, 0.5])
    X[rng.random(X.shape) < 0.5] = 0.0
    X[:, 3] = 0.0
    return X


X_DATA = _data()


@dataclass(frozen=True)
class Case:
    """A design and the float64 values it holds (X, without the intercept's column)."""

    design: Design
    X: NDArray
    fit_intercept: bool
    rtol: float

    @property
    def x_tilde(self) -> NDArray:
        """X̃ = [1, X] with an intercept, X without."""
        if self.fit_intercept:
            return np.column_stack((np.ones(self.X.shape[0]), self.X))
        return self.X


@pytest.fixture(autouse=True)
def small_blocks(monkeypatch) -> None:
    """Blocks of at most 2¹⁰ entries (256 rows for a dense X, the least it takes)."""
    monkeypatch.setattr(logitkit.backends.base, "BLOCK_ELEMENTS", 1 << 10)


@pytest.fixture(
    params=[(name, fit) for name in FACTORIES for fit in (True, False)],
    ids=lambda param: f"{param[0]}, {'intercept' if param[1] else 'no intercept'}",
)
def case(request) -> Case:
    name, fit_intercept = request.param
    design = FACTORIES[name](X_DATA, fit_intercept)
    held = np.asarray(X_DATA.astype(design.dtype), dtype=np.float64)
    rtol = EXACT if design.dtype == np.float64 else SINGLE
    return Case(design, held, fit_intercept, rtol)


def in_memory(case: Case) -> bool:
    """Whether the design holds its rows in memory (dense or sparse), not Dask's chunks."""
    return not type(case.design).__module__.endswith(".dask")


def assert_close(actual: NDArray, expected: NDArray, rtol: float) -> None:
    """Equal to rtol relative to each entry, or to rtol × the largest entry (for cancellation)."""
    expected = np.asarray(expected, dtype=np.float64)
    atol = rtol * float(np.max(np.abs(expected), initial=0.0))
    np.testing.assert_allclose(np.asarray(actual, dtype=np.float64), expected, rtol, atol)


def assert_float64(actual: NDArray, expected: NDArray) -> None:
    """A float64 result, exact to EXACT whatever the dtype of the data."""
    assert actual.dtype == np.float64
    assert_close(actual, expected, EXACT)


def coef_for(case: Case, seed: int = 0) -> NDArray:
    return np.random.default_rng(seed).standard_normal(case.design.n_params)


ROWS = np.random.default_rng(1).permutation(X_DATA.shape[0])[:400]
"""An unordered subset of the rows, crossing every block."""

SUBSETS = {
    "every row": None,
    "a subset": np.concatenate((ROWS, ROWS[:5])),
    "no row": np.array([], dtype=np.intp),
}
"""Row arguments: None, an unordered index array with repeated rows, an empty one."""


def selected(matrix: NDArray, rows: NDArray | None) -> NDArray:
    return matrix if rows is None else matrix[rows]


def test_attributes(case: Case) -> None:
    design = case.design
    expected = {
        "n_samples": case.X.shape[0],
        "n_features": case.X.shape[1],
        "fit_intercept": case.fit_intercept,
        "dtype": np.dtype(np.float32 if case.rtol == SINGLE else np.float64),
        "samples_rows_cheaply": isinstance(case.design.X, np.ndarray),
        "prefers_hessian_products": in_memory(case) and not isinstance(case.design.X, np.ndarray),
        "holds_rows": in_memory(case),
    }
    assert set(expected) == set(Design.__annotations__)
    for name, value in expected.items():
        assert getattr(design, name) == value


def test_n_params(case: Case) -> None:
    assert case.design.n_params == case.x_tilde.shape[1]


def test_split(case: Case) -> None:
    coef = coef_for(case)
    intercept, w = case.design.split(coef)
    assert intercept == (coef[0] if case.fit_intercept else 0.0)
    np.testing.assert_array_equal(w, coef[int(case.fit_intercept) :])


def test_linear_predictor(case: Case) -> None:
    coef = coef_for(case)
    assert_close(case.design.linear_predictor(coef), case.x_tilde @ coef, case.rtol)


def test_rmatvec(case: Case) -> None:
    r = np.random.default_rng(2).standard_normal(case.X.shape[0])
    assert_close(case.design.rmatvec(r), case.x_tilde.T @ r, case.rtol)


def test_matrix_products_are_float64(case: Case) -> None:
    """A coefficient matrix B (K′ = 3 columns) and an n × 3 residual: X̃B and X̃ᵀR in float64."""
    rng = np.random.default_rng(12)
    B = rng.standard_normal((case.design.n_params, 3))
    R = rng.standard_normal((case.X.shape[0], 3))
    assert_float64(case.design.linear_predictor(B), case.x_tilde @ B)
    assert_float64(case.design.rmatvec(R), case.x_tilde.T @ R)


def test_row_quadratic_forms(case: Case) -> None:
    M = np.random.default_rng(13).standard_normal((case.design.n_params,) * 2)
    M = M + M.T
    expected = np.einsum("ij,jk,ik->i", case.x_tilde, M, case.x_tilde)
    assert_float64(case.design.row_quadratic_forms(M), expected)


def test_compiled_rows(case: Case) -> None:
    """The arrays a compiled kernel reads hold X: dense as it is, else CSR; a Dask design has
    no rows in memory to give and says so."""
    if not in_memory(case):
        with pytest.raises(TypeError, match="not in memory"):
            case.design.compiled_rows()
        return
    layout, arrays = case.design.compiled_rows()
    if layout == "dense":
        (matrix,) = arrays
    else:
        assert layout == "csr"
        data, indices, indptr = arrays
        matrix = sp.csr_array((data, indices, indptr), shape=case.X.shape).toarray()
    np.testing.assert_array_equal(np.asarray(matrix, dtype=np.float64), case.X)


def test_fuses(case: Case, monkeypatch) -> None:
    """The fused pass runs on a C-ordered dense X of at least FUSED_MIN_ENTRIES entries, on
    every sparse X for two classes (its threaded CSR kernel) and on every Dask X (each
    evaluation is a pass)."""
    datafit = Bernoulli()
    if not in_memory(case):
        assert case.design.fuses(datafit)
        return
    if sp.issparse(case.design.X):
        assert case.design.fuses(datafit)
        assert not case.design.fuses(Multinomial(3))
        return
    assert not case.design.fuses(datafit)
    monkeypatch.setattr(logitkit.backends.fused, "FUSED_MIN_ENTRIES", 0)
    X = case.design.X
    assert case.design.fuses(datafit) == (isinstance(X, np.ndarray) and X.flags.c_contiguous)


@pytest.mark.parametrize(
    "datafit",
    [Bernoulli(), Multinomial(3), Multinomial(3, reference=1)],
    ids=["bernoulli", "softmax", "softmax with a reference"],
)
@pytest.mark.parametrize("with_offset", [False, True], ids=["no offset", "offset"])
def test_fused_value_gradient(case: Case, datafit, with_offset, monkeypatch) -> None:
    """Σ sᵢLᵢ, its gradient X̃ᵀ(s ⊙ ∂L/∂η) and the logits, against the datafit on X̃B (+ o);
    an in-memory softmax pass keeps no n × K logits (None) and takes no offset."""
    monkeypatch.setattr(logitkit.backends.fused, "FUSED_MIN_ENTRIES", 0)
    rng = np.random.default_rng(14)
    n = case.X.shape[0]
    y = rng.integers(0, datafit.n_classes, size=n)
    labels = y.astype(np.float64) if datafit.n_outputs == 1 else y
    s = rng.random(n)
    s /= s.sum()
    B = 0.3 * rng.standard_normal((case.design.n_params, datafit.n_outputs))
    offset = rng.standard_normal((n, datafit.n_outputs)) if with_offset else None
    given = None if offset is None else offset[:, 0] if datafit.n_outputs == 1 else offset
    fused = case.design.fused_value_gradient(datafit, B.ravel(order="F"), labels, s, given)
    softmax_offset = with_offset and datafit.n_outputs > 1 and in_memory(case)
    if not case.design.fuses(datafit) or softmax_offset:  # the kernel adds no softmax offset
        assert fused is None
        return
    eta = case.x_tilde @ B + (0.0 if offset is None else offset)
    z = datafit.logits(eta[:, 0] if datafit.n_outputs == 1 else eta)
    loss, derivative = datafit.loss_and_gradient(labels, z)
    residual = s * derivative if derivative.ndim == 1 else s[:, None] * derivative
    value, grad, logits = fused
    assert value == pytest.approx(float(s @ loss), rel=EXACT)
    assert_float64(grad, (case.x_tilde.T @ residual).ravel(order="F"))
    if datafit.n_outputs > 1 and in_memory(case):
        assert logits is None
    else:
        assert_float64(np.asarray(logits), z)


def test_fused_gram(case: Case, monkeypatch) -> None:
    """X̃ᵀX̃ over every row by one parallel pass, accumulated in float64, where the dense fused
    pass applies (a C-ordered dense X of at least FUSED_MIN_ENTRIES entries); None elsewhere."""
    assert case.design.fused_gram() is None
    monkeypatch.setattr(logitkit.backends.fused, "FUSED_MIN_ENTRIES", 0)
    gram = case.design.fused_gram()
    dense = isinstance(case.design.X, np.ndarray)
    if not (in_memory(case) and dense and case.design.fuses(Bernoulli())):
        assert gram is None
        return
    assert_float64(gram, case.x_tilde.T @ case.x_tilde)


def test_gram_fuses(case: Case, monkeypatch) -> None:
    """The fused pass with the Hessian runs where the fused pass does, for two classes and at
    most FUSED_GRAM_MAX_PARAMS coefficients, in memory only (a Dask pass brings its own)."""
    monkeypatch.setattr(logitkit.backends.fused, "FUSED_MIN_ENTRIES", 0)
    if not in_memory(case):
        assert not case.design.gram_fuses(Bernoulli())
        return
    dense = isinstance(case.design.X, np.ndarray)
    assert case.design.gram_fuses(Bernoulli()) == (dense and case.design.fuses(Bernoulli()))
    assert not case.design.gram_fuses(Multinomial(3))
    monkeypatch.setattr(logitkit.backends.fused, "FUSED_GRAM_MAX_PARAMS", case.design.n_params - 1)
    assert not case.design.gram_fuses(Bernoulli())


@pytest.mark.parametrize("with_offset", [False, True], ids=["no offset", "offset"])
def test_fused_sums(case: Case, with_offset: bool, monkeypatch) -> None:
    """Σ sᵢLᵢ, X̃ᵀ(s ⊙ (ŷ − y)), X̃ᵀdiag(s ⊙ ŷ(1 − ŷ))X̃, X̃ᵀdiag(s ⊙ (ŷ − y)²)X̃ and
    min over sᵢ > 0 of sᵢ|yᵢ − ŷᵢ|, accumulated in float64, where the pass applies."""
    monkeypatch.setattr(logitkit.backends.fused, "FUSED_MIN_ENTRIES", 0)
    rng = np.random.default_rng(15)
    n = case.X.shape[0]
    y = (rng.random(n) < 0.5).astype(np.float64)
    s = rng.random(n)
    s[::7] = 0.0
    s /= s.sum()
    offset = rng.standard_normal(n) if with_offset else None
    coef = 0.3 * coef_for(case)
    sums = case.design.fused_sums(Bernoulli(), coef, y, s, offset, hessian=True, score_outer=True)
    if not case.design.gram_fuses(Bernoulli()):
        assert sums is None
        return
    z = case.x_tilde @ coef + (0.0 if offset is None else offset)
    p = 1.0 / (1.0 + np.exp(-z))
    loss = np.logaddexp(0.0, z) - y * z
    assert sums.value == pytest.approx(float(s @ loss), rel=EXACT)
    assert sums.overlap_min == pytest.approx(float(np.min((s * np.abs(y - p))[s > 0])), rel=EXACT)
    assert_float64(sums.gradient, case.x_tilde.T @ (s * (p - y)))
    assert_float64(sums.hessian, case.x_tilde.T @ ((s * p * (1 - p))[:, None] * case.x_tilde))
    assert_float64(sums.score_outer, case.x_tilde.T @ ((s * (p - y) ** 2)[:, None] * case.x_tilde))


@pytest.mark.parametrize("signed", [False, True], ids=["d >= 0", "signed d"])
def test_weighted_gram(case: Case, signed: bool) -> None:
    d = np.random.default_rng(3).random(case.X.shape[0])
    d = d - 0.3 if signed else d
    expected = case.x_tilde.T @ (d[:, None] * case.x_tilde)
    assert_close(case.design.weighted_gram(d), expected, case.rtol)


@pytest.mark.parametrize(
    ("index", "other"),
    [
        ([3, 0, 5], None),
        ([6, 1, 0, 4], [0, 2]),
        ([2, 5], [5, 0, 1]),
        (list(range(8)), None),
    ],
    ids=["I", "I and K", "K with position 0", "every position"],
)
def test_weighted_gram_subset(case: Case, index: list[int], other: list[int] | None) -> None:
    """Positions 0..7 (position 0 the intercept's when fitted, else the first feature's)."""
    index = [j for j in index if j < case.design.n_params]
    d = np.random.default_rng(4).random(case.X.shape[0])
    right = index if other is None else other
    expected = case.x_tilde[:, index].T @ (d[:, None] * case.x_tilde[:, right])
    actual = case.design.weighted_gram_subset(
        d, np.array(index), None if other is None else np.array(other)
    )
    assert_close(actual, expected, case.rtol)


def test_weighted_gram_product(case: Case) -> None:
    """X̃ᵀ diag(d) X̃ v in float64, for d of either sign."""
    rng = np.random.default_rng(15)
    d = rng.random(case.X.shape[0]) - 0.3
    v = rng.standard_normal(case.design.n_params)
    expected = case.x_tilde.T @ (d * (case.x_tilde @ v))
    assert_close(case.design.weighted_gram_product(d, v), expected, case.rtol)


def test_weighted_column_sq_norms(case: Case) -> None:
    d = np.random.default_rng(5).random(case.X.shape[0])
    expected = d @ np.square(case.x_tilde)
    assert_close(case.design.weighted_column_sq_norms(d), expected, case.rtol)


def test_row_sq_norms(case: Case) -> None:
    assert_close(case.design.row_sq_norms(), np.sum(np.square(case.x_tilde), axis=1), case.rtol)


@pytest.mark.parametrize(
    "rows", [SUBSETS["a subset"], slice(5, 400, 3)], ids=["index array", "slice"]
)
def test_take(case: Case, rows: NDArray | slice) -> None:
    """The rows taken behave as a design of X̃[rows] with the same intercept."""
    taken = case.design.take(rows)
    Xt = case.x_tilde[rows]
    assert (taken.n_samples, taken.n_features) == case.X[rows].shape
    assert taken.fit_intercept == case.fit_intercept
    assert taken.dtype == case.design.dtype
    coef = coef_for(case)
    d = np.random.default_rng(6).random(Xt.shape[0])
    assert_close(taken.linear_predictor(coef), Xt @ coef, case.rtol)
    assert_close(taken.rmatvec(d), Xt.T @ d, case.rtol)
    assert_close(taken.weighted_gram(d), Xt.T @ (d[:, None] * Xt), case.rtol)
    assert_close(taken.row_sq_norms(), np.sum(np.square(Xt), axis=1), case.rtol)


@pytest.mark.parametrize("subset", list(SUBSETS))
def test_matvec_rows(case: Case, subset: str) -> None:
    rows, coef = SUBSETS[subset], coef_for(case)
    assert_float64(case.design.matvec_rows(coef, rows), selected(case.x_tilde, rows) @ coef)


@pytest.mark.parametrize("subset", list(SUBSETS))
def test_rmatvec_rows(case: Case, subset: str) -> None:
    rows = SUBSETS[subset]
    Xt = selected(case.x_tilde, rows)
    r = np.random.default_rng(7).standard_normal(Xt.shape[0])
    assert_float64(case.design.rmatvec_rows(r, rows), Xt.T @ r)


@pytest.mark.parametrize("subset", list(SUBSETS))
def test_gram_rows(case: Case, subset: str) -> None:
    rows = SUBSETS[subset]
    Xt = selected(case.x_tilde, rows)
    assert_float64(case.design.gram_rows(rows), Xt.T @ Xt)


@pytest.mark.parametrize("subset", list(SUBSETS))
@pytest.mark.parametrize("kernel", [False, True], ids=["NumPy", "compiled where it applies"])
def test_column_abs_max(case: Case, subset: str, kernel: bool, monkeypatch) -> None:
    if kernel:
        monkeypatch.setattr(logitkit.backends.fused, "FUSED_MIN_ENTRIES", 0)
    rows = SUBSETS[subset]
    expected = np.max(np.abs(selected(case.x_tilde, rows)), axis=0, initial=0.0)
    assert_float64(case.design.column_abs_max(rows), expected)


@pytest.mark.parametrize("subset", list(SUBSETS))
@pytest.mark.parametrize(
    "columns", [None, [4, 0, 2], [6, 1]], ids=["every position", "with 0", "without 0"]
)
def test_submatrix(case: Case, subset: str, columns: list[int] | None) -> None:
    rows = SUBSETS[subset]
    matrix = case.design.submatrix(rows, None if columns is None else np.array(columns))
    expected = selected(case.x_tilde, rows)
    expected = expected if columns is None else expected[:, columns]
    assert isinstance(matrix, sp.csr_array)
    assert matrix.shape == expected.shape
    assert_float64(matrix.toarray(), expected)


def test_group_sums(case: Case) -> None:
    """Codes 0..5 with code 3 unused: its row of sums is zero."""
    rng = np.random.default_rng(8)
    groups = rng.choice([0, 1, 2, 4, 5], size=case.X.shape[0])
    r = rng.standard_normal(case.X.shape[0])
    expected = np.array([case.x_tilde[groups == g].T @ r[groups == g] for g in range(6)])
    assert_float64(case.design.group_sums(r, groups), expected)


def test_holds_rows(case: Case) -> None:
    """In-memory designs hold their rows; a Dask design's n-vectors are lazy Dask arrays."""
    z = case.design.linear_predictor(coef_for(case))
    assert case.design.holds_rows == isinstance(z, np.ndarray)


def test_sample_values(case: Case) -> None:
    """One value per row in the design's form: NumPy, or a Dask array chunked as X's rows."""
    values = np.arange(case.X.shape[0]) % 3
    held = case.design.sample_values(values, np.float64)
    np.testing.assert_array_equal(np.asarray(held), values.astype(np.float64))
    if not in_memory(case):
        assert held.chunks[0] == case.design.X.chunks[0]
        with pytest.raises(ValueError, match="not aligned with X"):
            case.design.sample_values(da.from_array(values, chunks=7), np.float64)
        with pytest.raises(ValueError, match="has 5 entries but X has 600 rows"):
            case.design.sample_values(values[:5], np.float64)


def test_row_chunks(case: Case) -> None:
    """The row ranges a pass reads as one block cover every row once, in order."""
    chunks = case.design.row_chunks()
    covered = np.concatenate([np.arange(part.start, part.stop) for part in chunks])
    np.testing.assert_array_equal(covered, np.arange(case.X.shape[0]))
    assert len(chunks) == (1 if in_memory(case) else len(case.design.X.chunks[0]))


def test_group_codes(case: Case) -> None:
    """Labels as codes 0 … G − 1 that group the rows as the labels do, and G."""
    labels = np.random.default_rng(9).choice(["b", "a", "c"], size=case.X.shape[0])
    codes, n_groups = case.design.group_codes(labels)
    codes = np.asarray(codes)
    assert n_groups == 3
    for label in "abc":
        assert np.unique(codes[labels == label]).size == 1
    with pytest.raises(ValueError, match="at least two groups"):
        case.design.group_codes(np.full(case.X.shape[0], "a"))


@pytest.mark.parametrize(
    "datafit",
    [Bernoulli(), Multinomial(3), Multinomial(3, reference=1)],
    ids=["bernoulli", "softmax", "softmax with a reference"],
)
def test_pass_sums(case: Case, datafit) -> None:
    """Every sum of a pass against the datafit's per-row formulas on the dense X̃."""
    rng = np.random.default_rng(15)
    n = case.X.shape[0]
    labels = rng.integers(0, datafit.n_classes, size=n)
    y = labels.astype(np.float64) if datafit.n_outputs == 1 else labels
    s = rng.random(n)
    s[:40] = 0.0
    B = 0.3 * rng.standard_normal((case.design.n_params, datafit.n_outputs))
    V = rng.standard_normal(B.shape)
    codes = rng.integers(0, 4, size=n)
    wants = ["value", "gradient", "hessian", "score_outer", "hessian_product", "cluster_scores"]
    wants += ["positive_gram", "class_totals", "abs_max"]
    wants += ["overlap", "labels"] if datafit.n_outputs == 1 else []
    request = PassRequest(
        tuple(wants),
        datafit=datafit,
        coef=B.ravel(order="F"),
        direction=V.ravel(order="F"),
        n_groups=5,
        n_classes=datafit.n_classes,
    )
    sums = case.design.pass_sums(request, y, s, None, codes)
    Xt = case.x_tilde
    eta = Xt @ B
    z = datafit.logits(eta[:, 0] if datafit.n_outputs == 1 else eta)
    loss, derivative = datafit.loss_and_gradient(y, z)
    r = np.reshape(derivative, (n, -1))
    factors = datafit.hessian_factors(z)
    width, k = Xt.shape[1], B.size
    hessian, meat = np.zeros((k, k)), np.zeros((k, k))
    for a, b, curvature in datafit.hessian_blocks(factors):
        hessian[a * width : (a + 1) * width, b * width : (b + 1) * width] = Xt.T @ (
            (s * curvature)[:, None] * Xt
        )
        hessian[b * width : (b + 1) * width, a * width : (a + 1) * width] = hessian[
            a * width : (a + 1) * width, b * width : (b + 1) * width
        ].T
    for a in range(r.shape[1]):
        for b in range(r.shape[1]):
            meat[a * width : (a + 1) * width, b * width : (b + 1) * width] = Xt.T @ (
                (s * r[:, a] * r[:, b])[:, None] * Xt
            )
    along = np.reshape(
        datafit.hessian_product(factors, np.reshape(Xt @ V, eta.shape).squeeze()), (n, -1)
    )
    clusters = np.hstack(
        [
            np.array([Xt[codes == g].T @ (-s * r[:, a])[codes == g] for g in range(5)])
            for a in range(r.shape[1])
        ]
    )
    kept = s > 0
    expected = {
        "value": s @ loss,
        "gradient": (Xt.T @ (s[:, None] * r)).ravel(order="F"),
        "hessian": hessian,
        "score_outer": meat,
        "hessian_product": (Xt.T @ (s[:, None] * along)).ravel(order="F"),
        "cluster_scores": clusters,
        "positive_gram": Xt[kept].T @ Xt[kept],
        "positive_count": kept.sum(),
        "class_totals": np.bincount(labels, weights=s, minlength=datafit.n_classes),
        "abs_max": np.max(np.abs(Xt), axis=0),
        "row_count": n,
    }
    if datafit.n_outputs == 1:
        p = 1.0 / (1.0 + np.exp(-z))
        expected["overlap_min"] = np.min((s * np.abs(y - p))[kept])
        expected["overlap_count"] = kept.sum()
        expected["label_values"] = [0.0, 1.0]
        expected["label_counts"] = np.bincount(labels)
        expected["label_weights"] = np.bincount(labels, weights=s)
        expected["label_sums"] = Xt.T @ np.column_stack((s * (y == 0), s * y))
    assert set(sums) == set(expected)
    for key, value in expected.items():
        assert_close(sums[key], value, max(case.rtol, 1e-10))
    if datafit.n_outputs == 1:
        # The statistics' pass at θ̂ alone: a dense chunk reads it by the fused kernel.
        request = PassRequest(
            ("value", "gradient", "hessian", "score_outer", "overlap"),
            datafit=datafit,
            coef=B.ravel(order="F"),
        )
        fused = case.design.pass_sums(request, y, s)
        names = ["value", "gradient", "hessian", "score_outer", "overlap_min", "overlap_count"]
        assert set(fused) == set(names)
        for key in names:
            assert_close(fused[key], expected[key], max(case.rtol, 1e-10))


def test_every_operation_of_the_protocol_is_tested() -> None:
    """Each method and property of Design has its test_<name> here (attributes: test_attributes)."""
    operations = {name for name in vars(Design) if not name.startswith("_")}
    untested = {name for name in operations if f"test_{name}" not in vars(sys.modules[__name__])}
    assert operations and not untested, f"operations of Design without a test: {sorted(untested)}"
