"""Newton's sampled Hessian over a design read by passes (a Dask array).

On a tall Dask design ``auto``'s Newton builds its Hessian from every k-th row, as it does in
memory (:func:`logitkit.solvers.hessian_sample_step`): each pass for the cost and gradient also
computes H_S in the same chunk tasks (``sampled_hessian``, :mod:`logitkit.backends.passes`),
the rows picked by their index among all rows. The thresholds are lowered here, so that 6,000
rows are tall: k = 6,000 // 1,000 = 6.
"""

from __future__ import annotations

import numpy as np
import pytest

import logitkit.solvers
from dask_support import on_scheduler
from logitkit import LogisticRegression
from logitkit.backends.passes import PassRequest
from logitkit.core.datafits import Bernoulli
from logitkit.core.objective import Objective
from logitkit.solvers import SOLVERS, SolverOptions
from problems import make_problem

dask = pytest.importorskip("dask")
da = pytest.importorskip("dask.array")
backend = pytest.importorskip("logitkit.backends.dask")

N, P = 6000, 5
SAMPLE_ROWS = 1000
STEP = N // SAMPLE_ROWS
X, Y = make_problem(N, P, seed=21)
UNEVEN = (1100, 7, 1893, 1000, 2000)
"""Chunks whose first rows (0, 1100, 1107, 3000, 4000) fall at every offset from the sample."""
THETA = np.array([0.2, -0.5, 0.3, 0.1, -0.2, 0.4])


def lazy(values: np.ndarray, chunks=1000):
    """A NumPy array as a Dask array of row chunks."""
    return da.from_array(values, chunks=chunks if values.ndim == 1 else (chunks, values.shape[1]))


@pytest.fixture
def tall(monkeypatch):
    """Designs of 6,000 rows and two coefficients count as tall: Newton samples every 6th row."""
    monkeypatch.setattr(logitkit.solvers, "HESSIAN_SAMPLE_ROWS", SAMPLE_ROWS)
    monkeypatch.setattr(logitkit.solvers, "HESSIAN_SAMPLE_MIN_PARAMS", 2)


@pytest.fixture
def requests(monkeypatch) -> list[PassRequest]:
    """The requests of the passes made over Dask designs, in order."""
    made: list[PassRequest] = []
    original = backend.DaskDesign.pass_sums

    def recording(self, request, *args, **kwargs):
        made.append(request)
        return original(self, request, *args, **kwargs)

    monkeypatch.setattr(backend.DaskDesign, "pass_sums", recording)
    return made


def assert_same_fit(model, expected, rtol: float = 1e-8) -> None:
    """Coefficients, intercept, log-likelihood and (exact) information equal to ``rtol``."""
    scale = np.max(np.abs(expected.coef_))
    np.testing.assert_allclose(model.coef_, expected.coef_, rtol=rtol, atol=rtol * scale)
    np.testing.assert_allclose(model.intercept_, expected.intercept_, rtol=rtol, atol=rtol * scale)
    assert model.loglik_ == pytest.approx(expected.loglik_, rel=1e-12)
    np.testing.assert_allclose(model.information_, expected.information_, rtol=rtol)
    table, reference = model.summary().table, expected.summary().table
    np.testing.assert_allclose(table.to_numpy(), reference.to_numpy(), rtol=1e-7, atol=1e-12)


@pytest.mark.parametrize("chunks", [1000, UNEVEN, 37])
def test_the_sampled_hessian_of_a_pass_is_that_of_the_sampled_rows(chunks) -> None:
    """X̃_Sᵀ diag(s_S ŷ_S(1 − ŷ_S)) X̃_S over S = {0, 6, 12, …}, from the same pass as the cost
    and gradient, whatever the chunks."""
    weights = np.random.default_rng(3).uniform(0.5, 2.0, N)
    design = backend.DaskDesign(lazy(X, chunks), True)
    wants = ("value", "gradient", "sampled_hessian")
    request = PassRequest(wants, datafit=Bernoulli(), coef=THETA, sample_step=STEP)
    with dask.config.set(scheduler="synchronous"):
        sums = design.pass_sums(request, lazy(Y.astype(float), chunks), lazy(weights, chunks))
    sample = np.arange(0, N, STEP)
    X1 = np.column_stack([np.ones(sample.size), X[sample]])
    p = 1.0 / (1.0 + np.exp(-X1 @ THETA))
    expected = X1.T @ ((weights[sample] * p * (1 - p))[:, None] * X1)
    np.testing.assert_allclose(sums["sampled_hessian"], expected, rtol=1e-12)
    assert sums["sample_count"] == sample.size
    assert design.passes == 1


@pytest.mark.parametrize("per_class", [None, (0.5, 2.0)])
@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("chunks", [1000, UNEVEN])
def test_the_first_pass_brings_the_cost_gradient_and_sampled_hessian_at_the_start(
    fit_intercept, chunks, per_class
) -> None:
    """At θ₀ = (b₀, 0) every logit is b₀: the first pass's sums by label and weighted sample
    Gram give J, ∇J and H_S there equal to those of a pass at θ₀, which is then not made
    (with unequal class weights, J and ∇J only: the sample was weighted before the classes
    were known)."""
    from logitkit.models.dask_first_pass import keep_first_pass, read_first_pass

    weights = np.random.default_rng(4).uniform(0.5, 2.0, N)
    factor = np.ones(2) if per_class is None else np.asarray(per_class)

    def objective() -> Objective:
        return Objective.from_data(
            lazy(X, chunks),
            lazy(Y, chunks),
            sample_weight=lazy(weights * factor[Y], chunks),
            fit_intercept=fit_intercept,
            n_classes=2,
        )

    seeded, fresh = objective(), objective()
    wants = ("value", "gradient") + (("sampled_hessian",) if per_class is None else ())
    with dask.config.set(scheduler="synchronous"):
        found = read_first_pass(
            seeded.design, lazy(Y, chunks), lazy(weights, chunks), with_gram=True, sample_step=STEP
        )
        keep_first_pass(seeded, found, np.array([0, 1]), per_class)
        theta = seeded.start()
        before = seeded.design.passes
        kept = seeded.evaluate(theta, wants, STEP)
        assert seeded.design.passes == before
        fresh.class_totals()
        assert np.array_equal(fresh.start(), theta)
        made = fresh.evaluate(theta, wants, STEP)
    names = ["value", "gradient"] + ([f"sampled_hessian/{STEP}"] if per_class is None else [])
    for name in names:
        np.testing.assert_allclose(kept[name], made[name], rtol=1e-12, atol=1e-15)


def test_a_fit_makes_no_pass_at_its_start(tall, requests) -> None:
    """The Newton of ``auto`` starts from what the first pass brought: 1 + its iterations
    passes, with none at θ₀."""
    with dask.config.set(scheduler="synchronous"):
        model = LogisticRegression().fit(lazy(X), lazy(Y))
    theta = np.concatenate(([np.log(Y.mean() / (1 - Y.mean()))], np.zeros(P)))
    at_start = [r for r in requests if r.coef is not None and np.allclose(r.coef, theta)]
    assert not at_start
    assert requests[0].sample_step == STEP
    assert_same_fit(model, LogisticRegression(solver="newton").fit(X, Y))


def test_a_pass_refuses_a_sample_without_a_step() -> None:
    with pytest.raises(ValueError, match="sample_step of at least 2"):
        PassRequest(("sampled_hessian",), datafit=Bernoulli(), coef=THETA)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_the_objectives_sampled_hessian_equals_the_in_memory_one(n_classes) -> None:
    """∇²J over ``slice(0, None, 6)`` of a Dask design equals the in-memory objective's (same
    weights sᵢ/(|S| s̄), ridge added); a later pass for the cost brings it along at its θ."""
    labels = Y if n_classes == 2 else (Y + (X[:, 0] > 0.5)).astype(int)
    weights = np.random.default_rng(5).uniform(0.5, 2.0, N)
    memory = Objective.from_data(X, labels, alpha=0.01, sample_weight=weights)
    passes = Objective.from_data(lazy(X, UNEVEN), labels, alpha=0.01, sample_weight=weights)
    theta = np.random.default_rng(6).normal(scale=0.3, size=memory.n_params)
    rows = slice(0, None, STEP)
    with dask.config.set(scheduler="synchronous"):
        np.testing.assert_allclose(
            passes.hessian(theta, rows), memory.hessian(theta, rows), rtol=1e-12
        )
        before = passes.design.passes
        passes.smooth_value_and_gradient(theta + 0.01)
        np.testing.assert_allclose(
            passes.hessian(theta + 0.01, rows), memory.hessian(theta + 0.01, rows), rtol=1e-12
        )
    assert passes.design.passes == before + 1


def test_auto_fits_a_tall_dask_array_with_the_sampled_hessian(
    tall, requests, dask_scheduler
) -> None:
    """On the cluster and the synchronous scheduler: the fit equals the exact in-memory Newton
    fit, its steps each one pass that brings H_S along, the exact Hessian asked for once, at
    the end, for the statistics, by the pass of the last step (Newton's final full step here);
    as many iterations as the sampled fit in memory."""
    model = LogisticRegression().fit(lazy(X), lazy(Y))
    assert_same_fit(model, LogisticRegression(solver="newton").fit(X, Y))
    assert model.n_iter_ == LogisticRegression().fit(X, Y).n_iter_
    *steps, last = requests[1:]
    assert len(steps) >= model.n_iter_
    for request in steps:
        assert set(request.wants) == {"value", "gradient", "sampled_hessian"}
        assert request.sample_step == STEP
    assert set(last.wants) == {
        "value",
        "gradient",
        "sampled_hessian",
        "hessian",
        "score_outer",
        "overlap",
    }


def test_the_sampled_fit_does_not_depend_on_where_its_tasks_run(tall, dask_client) -> None:
    """The same bits on the cluster's two worker processes and on one thread (the synchronous
    scheduler); the same fit, to rounding, over other chunks (the sample is chosen by the
    rows' index among all rows)."""
    fits = {}
    for name, chunks in (("distributed", UNEVEN), ("synchronous", UNEVEN), ("synchronous", 37)):
        with on_scheduler(name, dask_client if name == "distributed" else None):
            fits[name, chunks] = LogisticRegression().fit(lazy(X, chunks), lazy(Y, chunks))
    on_cluster, on_thread = fits["distributed", UNEVEN], fits["synchronous", UNEVEN]
    np.testing.assert_array_equal(on_cluster.coef_, on_thread.coef_)
    np.testing.assert_array_equal(on_cluster.intercept_, on_thread.intercept_)
    np.testing.assert_array_equal(on_cluster.information_, on_thread.information_)
    assert on_cluster.n_iter_ == on_thread.n_iter_
    assert_same_fit(fits["synchronous", 37], on_thread, rtol=1e-10)


def test_a_column_absent_from_the_sample_hands_over_to_the_full_hessian(tall, requests) -> None:
    """A rare indicator that is 0 on every sampled row (0, 6, 12, …) makes H_S singular: the
    exact Hessian takes over during the fit, which still reaches the exact optimum. (H_S at
    the start comes from the first pass, which reads the sample for it.)"""
    rare = np.zeros((N, 1))
    rare[1::STEP][:60] = 1.0
    X_rare = np.hstack((X, rare))
    with dask.config.set(scheduler="synchronous"):
        model = LogisticRegression().fit(lazy(X_rare), lazy(Y))
    assert_same_fit(model, LogisticRegression(solver="newton").fit(X_rare, Y))
    assert "sample_gram" in requests[0].wants and requests[0].sample_step == STEP
    exact = [i for i, request in enumerate(requests) if "hessian" in request.wants]
    assert exact and 0 < exact[0] < len(requests) - 1


def test_a_stalled_sample_hands_over_to_the_full_hessian(requests) -> None:
    """H_S of 8 rows (with a ridge, so it is not singular) gives steps too poor for the
    gradient to halve: the exact Hessian takes over (one pass for it at the θ where the sample
    gave way, then every pass brings it along), and Newton reaches the exact optimum."""
    step = N // 8
    exact_memory = SOLVERS["newton"].solve(
        Objective.from_data(X, Y, alpha=1e-3),
        np.zeros(P + 1),
        SolverOptions(tol=1e-10, max_iter=100),
    )
    objective = Objective.from_data(lazy(X), Y, alpha=1e-3)
    objective.expect_hessians(sample_step=step)
    with dask.config.set(scheduler="synchronous"):
        result = SOLVERS["newton"].solve(
            objective,
            np.zeros(P + 1),
            SolverOptions(tol=1e-10, max_iter=100, hessian_sample_step=step),
        )
    assert result.converged
    np.testing.assert_allclose(result.coef, exact_memory.coef, rtol=1e-8)
    wants = [request.wants for request in requests if request.wants != ("class_totals",)]
    handover = wants.index(("hessian",))
    assert handover > 0
    assert all(want == ("value", "gradient", "sampled_hessian") for want in wants[:handover])
    assert all(want == ("value", "gradient", "hessian") for want in wants[handover + 1 :])


@pytest.mark.filterwarnings("ignore::scipy.linalg.LinAlgWarning")
def test_a_tall_fit_with_aliased_columns_takes_the_full_hessian(tall) -> None:
    """The problem on the estimable coefficients has no Hessian over a sample of rows: with an
    aliased column, ``auto``'s Newton takes the full Hessian, in memory and on Dask, and the
    aliased coefficient is held at 0. (On Dask the overlap certificate's solve with the full,
    singular Hessian warns, as it did before Newton sampled there.)"""
    X_aliased = np.column_stack((X, X[:, 0] - X[:, 1]))
    expected = LogisticRegression(solver="newton").fit(X, Y)
    with pytest.warns(UserWarning):
        in_memory = LogisticRegression().fit(X_aliased, Y)
    with dask.config.set(scheduler="synchronous"), pytest.warns(UserWarning):
        on_dask = LogisticRegression().fit(lazy(X_aliased), lazy(Y))
    for model in (in_memory, on_dask):
        assert model.coef_[0, -1] == 0.0
        np.testing.assert_allclose(model.coef_[0, :-1], expected.coef_[0], rtol=1e-8)


def test_a_step_predicted_to_be_the_last_brings_the_statistics(tall, requests) -> None:
    """At tol 1e-8 the seventh step's gradient (1.6e-8, after 4.2e-7) predicts the next one
    far below tol: that step's pass brings the Hessian, the meat and the overlap along, and
    the statistics make no pass of their own: the first pass, then one pass a step."""
    with dask.config.set(scheduler="synchronous"):
        model = LogisticRegression(tol=1e-8).fit(lazy(X), lazy(Y))
    assert len(requests) == 1 + model.n_iter_
    assert {"hessian", "score_outer", "overlap"} <= set(requests[-1].wants)
    assert all("hessian" not in request.wants for request in requests[1:-1])
    expected = LogisticRegression(tol=1e-8).fit(X, Y)
    np.testing.assert_allclose(model.coef_, expected.coef_, rtol=1e-7)
    np.testing.assert_allclose(model.information_, expected.information_, rtol=1e-7)


def test_wrong_guesses_of_the_last_step_cost_no_pass(tall, requests, monkeypatch) -> None:
    """With every step guessed to be the last, each step's pass brings the statistics' sums
    (and still H_S for the next step): no pass more than one a step, and the same fit."""
    import logitkit.solvers.newton as newton

    with dask.config.set(scheduler="synchronous"):
        usual = LogisticRegression(tol=1e-8).fit(lazy(X), lazy(Y))
        made = len(requests)
        monkeypatch.setattr(newton, "LAST_STEP_MARGIN", 1e-30)
        guessed = LogisticRegression(tol=1e-8).fit(lazy(X), lazy(Y))
    steps = requests[made + 1 :]
    assert guessed.n_iter_ == usual.n_iter_ and len(steps) == guessed.n_iter_
    assert all({"hessian", "sampled_hessian"} <= set(request.wants) for request in steps[1:])
    np.testing.assert_allclose(guessed.coef_, usual.coef_, rtol=1e-12)
    np.testing.assert_allclose(guessed.information_, usual.information_, rtol=1e-12)


def test_the_last_step_is_guessed_from_the_rate_of_the_last_one() -> None:
    from logitkit.solvers.newton import likely_last

    assert likely_last(1.6e-8, 4.2e-7, 1e-8)  # next about 6e-10
    assert not likely_last(2.7e-7, 8.8e-6, 1e-8)  # next about 8e-9: within 4 × tol
    assert not likely_last(1e-3, np.inf, 1e-8)  # the first step: no rate yet
