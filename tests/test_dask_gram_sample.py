"""A Dask fit over more than 40,000 rows forms no Gram matrix over all of them: its first pass
samples the aliasing check's Gram matrix, and the overlap certificate reads the Hessian that
the statistics pass brings."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import logitkit as lk
from logitkit import CollinearityWarning

da = pytest.importorskip("dask.array")
dask = pytest.importorskip("dask")

N_TALL = 50_000


def _tall(seed: int, n: int = N_TALL) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 4))
    y = (rng.random(n) < 1.0 / (1.0 + np.exp(-X[:, 0]))).astype(float)
    return X, y


def _counting_full_grams(monkeypatch) -> list[int]:
    """A list that grows by one whenever the Gram matrix over all rows is asked for."""
    from logitkit.core.pass_evaluation import PassEvaluation

    formed: list[int] = []
    original = PassEvaluation.positive_weight_gram
    monkeypatch.setattr(
        PassEvaluation,
        "positive_weight_gram",
        lambda self: formed.append(1) or original(self),
    )
    return formed


@pytest.mark.parametrize("chunks", [7_001, N_TALL])
def test_the_first_pass_brings_a_sample_of_the_rows_gram_and_every_rows_norms(chunks) -> None:
    """Over 50,000 rows (uneven chunks, or one), some of weight 0: the Gram matrix of every
    2nd row (counted from row 0 of all) of positive weight, the squared norms of the columns
    over every row of positive weight, and no full Gram matrix."""
    from logitkit.backends.design import make_design
    from logitkit.inference.separation import certificate_step
    from logitkit.models.dask_first_pass import read_first_pass

    X, y = _tall(1)
    weights = np.random.default_rng(2).uniform(0.5, 2.0, N_TALL)
    weights[::5] = 0.0
    design = make_design(da.from_array(X, chunks=(chunks, 4)), True)
    with dask.config.set(scheduler="synchronous"):
        found = read_first_pass(design, y, weights, with_gram=True, sample_step=None)
    assert certificate_step(N_TALL) == 2 and found.positive_gram is None
    X1 = np.column_stack([np.ones(N_TALL), X])
    sample = np.arange(0, N_TALL, 2)
    sample = sample[weights[sample] > 0]
    gram, sq_norms = found.positive_sample
    np.testing.assert_allclose(gram, X1[sample].T @ X1[sample], rtol=1e-12, atol=1e-9)
    kept = X1[weights > 0]
    np.testing.assert_allclose(sq_norms, (kept**2).sum(axis=0), rtol=1e-12)


def test_the_first_pass_brings_the_full_gram_under_40000_rows() -> None:
    from logitkit.backends.design import make_design
    from logitkit.models.dask_first_pass import read_first_pass

    X, y = _tall(1, n=39_999)
    design = make_design(da.from_array(X, chunks=(7_001, 4)), True)
    with dask.config.set(scheduler="synchronous"):
        found = read_first_pass(design, y, np.ones(39_999), with_gram=True, sample_step=None)
    X1 = np.column_stack([np.ones(39_999), X])
    assert found.positive_sample is None
    np.testing.assert_allclose(found.positive_gram, X1.T @ X1, rtol=1e-12, atol=1e-9)


def test_a_tall_dask_fit_forms_the_full_gram_only_for_an_aliased_column(
    monkeypatch, dask_scheduler
) -> None:
    """Overlapping data: the sample and the norms clear every column, and the Hessian
    certifies the overlap, so no Gram matrix over all rows is formed and the fit equals the
    in-memory one. With x3 = x1 − 2·x2 the bound cannot clear x3: the Gram matrix over all
    rows is formed once and finds it, as in memory."""
    formed = _counting_full_grams(monkeypatch)
    X, y = _tall(3)
    chunked = (da.from_array(X, chunks=(12_500, 4)), da.from_array(y, chunks=12_500))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = lk.LogisticRegression().fit(*chunked)
    assert formed == [] and model.record_.separation_checked
    assert model.record_.aliased == () and model.separation_ is None
    expected = lk.LogisticRegression().fit(X, y)
    np.testing.assert_allclose(model.record_.theta, expected.record_.theta, rtol=1e-8)
    X[:, 3] = X[:, 1] - 2.0 * X[:, 2]
    chunked = (da.from_array(X, chunks=(12_500, 4)), da.from_array(y, chunks=12_500))
    with pytest.warns(CollinearityWarning, match="x3"):
        model = lk.LogisticRegression().fit(*chunked)
    assert formed == [1] and model.record_.aliased == ("x3",)
    assert model.record_.separation_checked


def test_the_hessian_certificate_is_the_documented_inequality() -> None:
    """On a fit's sums, 3 steps from its optimum: ρ = minᵢ λᵢ/√wᵢ (λᵢ = |yᵢ − ŷᵢ|,
    wᵢ = ŷᵢ(1 − ŷᵢ)) is at least √λ_min, and the certificate holds exactly when
    √λ_min σ_min(W^½AD) > 2‖Dr‖, with σ_min² the smallest eigenvalue of DHD,
    D = diag(H)^(−½): checked against that formula from the rows themselves, on both sides of
    its threshold (the score scaled to 0.9 and 1.1 times the one that meets it)."""
    from logitkit.inference.separation import _certified

    X, y = _tall(4, n=3_000)
    theta = lk.LogisticRegression(max_iter=3, tol=1e-2).fit(X, y).record_.theta
    X1 = np.column_stack([np.ones(len(y)), X])
    p = 1.0 / (1.0 + np.exp(-(X1 @ theta)))
    residual, weight = np.abs(y - p), p * (1 - p)
    assert np.min(residual / np.sqrt(weight)) >= np.sqrt(residual.min())
    hessian = X1.T @ (weight[:, None] * X1)
    score = X1.T @ (y - p)
    scale = 1.0 / np.sqrt(np.diag(hessian))
    smallest_eigenvalue = np.linalg.eigvalsh(hessian * np.outer(scale, scale))[0]
    margin = np.sqrt(residual.min() * smallest_eigenvalue) / (2 * np.linalg.norm(scale * score))
    n = len(y)
    sums = {"overlap_count": np.array(float(n)), "overlap_min": np.array(residual.min() / n)}
    for factor, certified in ((0.9, True), (1.1, False)):
        gradient = -score * factor * margin / n
        assert _certified(sums, hessian / n, gradient, float(n)) is certified
