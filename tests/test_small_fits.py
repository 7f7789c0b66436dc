"""The small-fit paths give the answers and the errors of the general ones.

- plain float ndarrays skip scikit-learn's input detection: the same fit as a DataFrame or a
  list, the same refusals of NaN, infinities and continuous labels;
- ``history_`` is read from the record when asked for;
- one Cholesky factor settles that no column is aliased, as the column-by-column test does;
- a small fit runs its BLAS products on one thread, with the result of the default threads;
- the overlap certificate reads the Gram matrix the aliasing check made;
- a small dense binary fit takes its Newton sums (cost, gradient, Hessian, meat, smallest
  residual weight) from the compiled pass when X is C-ordered, from a few whole-array NumPy
  products when it is Fortran-ordered, with the fit of the layered path either way;
- a large plain X is not summed for finiteness: its column maxima, one compiled pass with the
  squares, catch a NaN or infinity, and the error is scikit-learn's;
- k × k algebra sets no BLAS limit up to k = 64, and one thread above.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression as SkLogisticRegression
from threadpoolctl import threadpool_info, threadpool_limits

import logitkit as lk
import logitkit.backends.dense
from logitkit.backends.base import SMALL_MATRIX_ORDER, one_blas_thread
from logitkit.backends.fused import FUSED_MIN_ENTRIES
from logitkit.core.aliasing import ALIAS_TOL, aliased_columns
from logitkit.inference.separation import overlap_certified
from logitkit.models.build import build_objective, plain_arrays
from logitkit.models.fitting import SMALL_FIT_ENTRIES, blas_threads, positive_gram


def _data(n: int = 300, p: int = 4, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    y = (rng.random(n) < 1.0 / (1.0 + np.exp(-(X @ rng.standard_normal(p))))).astype(float)
    return X, y


def test_plain_arrays_are_told_apart() -> None:
    X, y = _data()
    assert plain_arrays(X, y)
    assert plain_arrays(X.astype(np.float32), y.astype(np.int64))
    assert not plain_arrays(X.astype(np.int64), y)
    assert not plain_arrays(pd.DataFrame(X), y)
    assert not plain_arrays(X, list(y))
    assert not plain_arrays(X, y[:, None])
    assert not plain_arrays(X, y[:-1])
    assert not plain_arrays(X, y.astype(bool))
    assert not plain_arrays(X, y + 0.5)
    assert not plain_arrays(X[:, :0], y)
    bad = X.copy()
    bad[3, 2] = np.nan
    assert not plain_arrays(bad, y)
    huge = X.copy()
    huge[:2, 0] = 1e308
    assert not plain_arrays(huge, y)
    labels = y.copy()
    labels[5] = np.inf
    assert not plain_arrays(X, labels)


def test_a_plain_fit_is_the_fit_of_a_frame_and_of_lists() -> None:
    X, y = _data()
    plain = lk.LogisticRegression().fit(X, y)
    frame = lk.LogisticRegression().fit(pd.DataFrame(X, columns=list("abcd")), y.tolist())
    listed = lk.LogisticRegression().fit(X.tolist(), y.astype(int).tolist())
    for other in (frame, listed):
        np.testing.assert_allclose(plain.coef_, other.coef_, rtol=1e-12, atol=1e-14)
    reference = SkLogisticRegression(C=np.inf, solver="newton-cholesky", tol=1e-10).fit(X, y)
    np.testing.assert_allclose(plain.coef_, reference.coef_, rtol=1e-7)
    assert plain.n_features_in_ == 4
    assert not hasattr(plain, "feature_names_in_")
    refit = frame.fit(X, y)
    assert not hasattr(refit, "feature_names_in_")
    np.testing.assert_array_equal(refit.coef_, plain.coef_)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda X, y: (np.where(np.arange(X.size).reshape(X.shape) == 7, np.nan, X), y), "NaN"),
        (lambda X, y: (np.where(np.arange(X.size).reshape(X.shape) == 7, np.inf, X), y), "inf"),
        (lambda X, y: (X, y + 0.25), "Unknown label type"),
        (lambda X, y: (X, np.where(np.arange(y.size) == 3, np.nan, y)), "NaN"),
    ],
)
def test_bad_plain_arrays_meet_the_general_errors(change, message: str) -> None:
    X, y = change(*_data())
    with pytest.raises(ValueError, match=message) as plain:
        lk.LogisticRegression().fit(X, y)
    with pytest.raises(ValueError, match=message) as listed:
        lk.LogisticRegression().fit(X.tolist(), y.tolist())
    assert str(plain.value) == str(listed.value)


def test_a_refit_with_other_columns_is_refused_after_a_plain_fit() -> None:
    X, y = _data()
    model = lk.LogisticRegression().fit(X, y)
    with pytest.raises(ValueError, match="4 features"):
        model.predict(X[:, :3])
    objective = build_objective(model, X, y, None, reset=False)
    assert objective.design.n_features == 4


def test_history_is_read_from_the_record() -> None:
    model = lk.LogisticRegression()
    assert not hasattr(model, "history_")
    X, y = _data()
    model.fit(X, y)
    history = model.history_
    assert list(history.columns) == ["loss", "grad_norm"]
    assert history.index.name == "iteration"
    np.testing.assert_array_equal(history["loss"].to_numpy(), model.record_.loss)
    np.testing.assert_array_equal(history["grad_norm"].to_numpy(), model.record_.grad_norm)
    assert len(history) == len(model.record_.loss) >= 2
    assert history["loss"].iloc[-1] == pytest.approx(-model.loglik_ / 300, rel=1e-9)


def _column_by_column(gram: np.ndarray, tol: float = ALIAS_TOL) -> list[int]:
    """The definition: column j is aliased when 1 − c G_KK⁻¹ c ≤ tol on the unit-diagonal scale."""
    diagonal = np.diag(gram)
    kept: list[int] = []
    aliased: list[int] = []
    for j, g in enumerate(diagonal):
        if not g > 0:
            aliased.append(j)
            continue
        if kept:
            scale = 1.0 / np.sqrt(diagonal[kept] * g)
            cross = gram[kept, j] * scale
            inner = 1.0 / np.sqrt(diagonal[kept])
            block = gram[np.ix_(kept, kept)] * inner[:, None] * inner[None, :]
            if 1.0 - cross @ np.linalg.solve(block, cross) <= tol:
                aliased.append(j)
                continue
        kept.append(j)
    return aliased


@pytest.mark.parametrize("noise", [1.0, 1e-2, 1e-3, 3e-4, 1e-4, 1e-6, 0.0])
def test_aliased_columns_by_one_factor_agree_with_the_definition(noise: float) -> None:
    rng = np.random.default_rng(3)
    X = np.column_stack([np.ones(500), rng.standard_normal((500, 5))])
    X = np.column_stack([X, X[:, 1] - 2.0 * X[:, 3] + noise * rng.standard_normal(500)])
    gram = X.T @ X
    expected = _column_by_column(gram)
    assert aliased_columns(gram) == expected
    assert expected == ([6] if noise < 1e-3 else [])


def test_a_zero_column_is_aliased() -> None:
    X = np.column_stack([np.ones(50), np.arange(50.0), np.zeros(50)])
    assert aliased_columns(X.T @ X) == [2]


def test_a_small_fit_runs_blas_on_one_thread_with_the_same_result() -> None:
    X, y = _data(2_000, 10)
    default = lk.LogisticRegression().fit(X, y)
    with threadpool_limits(limits=2, user_api="blas"):
        two = lk.LogisticRegression().fit(X, y)
    np.testing.assert_allclose(default.coef_, two.coef_, rtol=1e-12)
    np.testing.assert_allclose(default.information_, two.information_, rtol=1e-12)
    objective = build_objective(lk.LogisticRegression(), X, y, None, reset=True)
    with blas_threads(objective):
        inside = [info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas"]
    assert inside and set(inside) == {1}


def _blas_threads_inside(X: np.ndarray) -> tuple[list[int], list[int]]:
    """BLAS thread counts before and inside ``blas_threads`` for a fit of X."""
    y = np.arange(X.shape[0]) % 2.0
    objective = build_objective(lk.LogisticRegression(), X, y, None, reset=True)
    with threadpool_limits(limits=2, user_api="blas"):
        before = [info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas"]
        with blas_threads(objective):
            inside = [
                info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas"
            ]
    return before, inside


def test_a_large_fit_read_by_numpy_keeps_the_default_threads() -> None:
    rows = SMALL_FIT_ENTRIES // 3 + 1
    before, inside = _blas_threads_inside(np.zeros((rows, 4), order="F"))
    assert inside == before


def test_a_large_fit_with_compiled_passes_runs_blas_on_one_thread() -> None:
    # The passes over a large C-ordered X run compiled on every core; threaded BLAS products
    # between them would leave OpenBLAS's threads spinning against the next pass.
    before, inside = _blas_threads_inside(np.zeros((SMALL_FIT_ENTRIES // 3 + 1, 4)))
    assert set(before) == {2}
    assert inside and set(inside) == {1}


def test_the_certificate_reads_the_shared_gram() -> None:
    X, y = _data(1_000, 6)
    weights = np.ones(1_000)
    weights[::7] = 0.0
    model = lk.LogisticRegression()
    objective = build_objective(model, X, y, weights, reset=True)
    params = model.get_params()
    gram = positive_gram(objective, params)
    kept = X[weights > 0]
    design = np.column_stack([np.ones(len(kept)), kept])
    np.testing.assert_allclose(gram, design.T @ design, rtol=1e-12)
    fitted = lk.LogisticRegression().fit(X, y, sample_weight=weights)
    theta = np.r_[fitted.intercept_, fitted.coef_.ravel()]
    assert overlap_certified(objective, theta, gram)
    assert overlap_certified(objective, theta)
    assert not overlap_certified(objective, theta, np.zeros_like(gram))
    assert positive_gram(objective, {**params, "alpha": 0.1}) is None


@pytest.mark.parametrize("weighted", [False, True], ids=["unit weights", "weights"])
def test_a_small_fortran_ordered_fit_takes_its_newton_sums_from_numpy(
    monkeypatch, weighted: bool
) -> None:
    X, y = _data(500, 5, seed=3)
    X = np.asfortranarray(X)
    weights = np.random.default_rng(4).uniform(0.0, 2.0, 500) if weighted else None
    calls: list[int] = []
    numpy_sums = logitkit.backends.dense.small_sums

    def counted(*args, **kwargs):
        calls.append(1)
        return numpy_sums(*args, **kwargs)

    monkeypatch.setattr(logitkit.backends.dense, "small_sums", counted)
    fast = lk.LogisticRegression().fit(X, y, sample_weight=weights)
    # A Newton step's pass and the statistics' matrices at the optimum, at least.
    assert len(calls) >= fast.n_iter_ + 1
    monkeypatch.setattr(logitkit.backends.dense.DenseDesign, "gram_fuses", lambda self, d: False)
    layered = lk.LogisticRegression().fit(X, y, sample_weight=weights)
    np.testing.assert_allclose(fast.coef_, layered.coef_, rtol=1e-11)
    np.testing.assert_allclose(fast.intercept_, layered.intercept_, rtol=1e-11)
    for name in ("information_", "score_outer_"):
        np.testing.assert_allclose(getattr(fast, name), getattr(layered, name), rtol=1e-11)
    assert fast.loglik_ == pytest.approx(layered.loglik_, rel=1e-13)
    reference = SkLogisticRegression(C=np.inf, solver="newton-cholesky", tol=1e-12).fit(
        X, y, sample_weight=weights
    )
    np.testing.assert_allclose(fast.coef_, reference.coef_, rtol=1e-7)


@pytest.mark.parametrize("n", [200, 2048, 3 * 2048 + 5])
def test_a_c_ordered_small_fit_takes_its_newton_sums_from_the_compiled_pass(
    monkeypatch, n: int
) -> None:
    """Below FUSED_MIN_ENTRIES entries, a C-ordered X's Newton sums come from the compiled
    pass (on the calling thread up to 2,048 rows, one block), a Fortran-ordered one's from
    NumPy; both give the same fit, statistics and certificate."""
    X, y = _data(n, 8, seed=6)
    weights = np.random.default_rng(7).uniform(0.0, 2.0, len(y))
    calls: list[str] = []
    for name in ("small_sums", "fused_sums"):
        original = getattr(logitkit.backends.dense, name)
        monkeypatch.setattr(
            logitkit.backends.dense,
            name,
            lambda *args, _name=name, _original=original, **kwargs: (
                calls.append(_name) or _original(*args, **kwargs)
            ),
        )
    fit = lk.LogisticRegression().fit(X, y, sample_weight=weights)
    assert calls and set(calls) == {"fused_sums"}
    calls.clear()
    other = lk.LogisticRegression().fit(np.asfortranarray(X), y, sample_weight=weights)
    assert calls and set(calls) == {"small_sums"}
    np.testing.assert_allclose(fit.coef_, other.coef_, rtol=1e-11)
    np.testing.assert_allclose(fit.intercept_, other.intercept_, rtol=1e-11)
    for name in ("information_", "score_outer_"):
        np.testing.assert_allclose(getattr(fit, name), getattr(other, name), rtol=1e-11)
    assert fit.loglik_ == pytest.approx(other.loglik_, rel=1e-13)
    assert fit.separation_ is None and other.separation_ is None


@pytest.mark.parametrize("bad", [np.nan, np.inf], ids=["NaN", "inf"])
def test_a_large_plain_x_is_checked_by_its_column_maxima(bad: float) -> None:
    rows = FUSED_MIN_ENTRIES // 4 + 1
    X = np.random.default_rng(5).standard_normal((rows, 4))
    X[rows // 2, 2] = bad
    y = np.arange(rows) % 2.0
    assert plain_arrays(X, y)  # not summed: the maxima's pass finds it
    small_X, small_y = _data()
    small_X[7, 2] = bad
    with pytest.raises(ValueError) as small:
        lk.LogisticRegression().fit(small_X, small_y)
    with pytest.raises(ValueError) as large:
        lk.LogisticRegression().fit(X, y)
    assert str(large.value) == str(small.value)


def test_small_matrices_set_no_blas_limit() -> None:
    def threads() -> set[int]:
        return {info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas"}

    with threadpool_limits(limits=2, user_api="blas"):
        with one_blas_thread(SMALL_MATRIX_ORDER):
            assert threads() == {2}
        with one_blas_thread(SMALL_MATRIX_ORDER + 1):
            assert threads() == {1}
        assert threads() == {2}
