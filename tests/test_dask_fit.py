"""Fits on Dask collections equal the in-memory fits of the same data.

The coefficients, log-likelihoods and information match the NumPy backend's to 1e-8 relative
for every solver, binary and multinomial, with sample and class weights, whatever the chunks.
Tests taking ``dask_scheduler`` run on the LocalCluster (``distributed``) and on the
synchronous scheduler; the others on Dask's default threaded scheduler, without a client (each
pass on the cluster costs a round trip to its scheduler, so the long fits run locally).
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from logitkit import LogisticRegression
from problems import make_problem

da = pytest.importorskip("dask.array")
dd = pytest.importorskip("dask.dataframe")

RTOL = 1e-8

X_BIN, Y_BIN = make_problem(1500, 4, seed=3)
Y_THREE = np.random.default_rng(4).integers(0, 3, size=1500) + (X_BIN[:, 0] > 0.5)
Y_SPARSE = (
    np.random.default_rng(8).random(1500) < 1 / (1 + np.exp(-(1.5 * X_BIN[:, 0] - X_BIN[:, 1])))
).astype(int)
"""Labels that two of the four features explain: an L1 penalty zeroes the other two."""


def lazy(values: np.ndarray, chunks=400):
    """A NumPy array as a Dask array of row chunks (one column chunk per 2 columns)."""
    shape = chunks if values.ndim == 1 else (chunks, 2)
    return da.from_array(values, chunks=shape)


def assert_same_fit(dask_model, numpy_model, rtol: float = RTOL) -> None:
    """Coefficients, intercepts, log-likelihoods, n and information equal to ``rtol``."""
    scale = np.max(np.abs(numpy_model.coef_))
    np.testing.assert_allclose(dask_model.coef_, numpy_model.coef_, rtol=rtol, atol=rtol * scale)
    np.testing.assert_allclose(
        dask_model.intercept_, numpy_model.intercept_, rtol=rtol, atol=rtol * scale
    )
    assert dask_model.loglik_ == pytest.approx(numpy_model.loglik_, rel=rtol)
    assert dask_model.null_loglik_ == pytest.approx(numpy_model.null_loglik_, rel=rtol)
    assert dask_model.n_obs_ == pytest.approx(numpy_model.n_obs_, rel=1e-14)
    np.testing.assert_allclose(dask_model.information_, numpy_model.information_, rtol=rtol, atol=0)


@pytest.mark.parametrize("solver", ["newton", "lbfgs", "cd"])
def test_solvers_on_the_cluster_equal_numpy(dask_scheduler, solver: str) -> None:
    expected = LogisticRegression(solver=solver).fit(X_BIN, Y_BIN)
    model = LogisticRegression(solver=solver).fit(lazy(X_BIN), lazy(Y_BIN))
    assert_same_fit(model, expected)
    assert model.n_iter_ == expected.n_iter_


@pytest.mark.parametrize("solver", ["auto", "newton", "lbfgs", "newton-cg", "gd", "cd"])
def test_every_solver_equals_numpy(solver: str) -> None:
    expected = LogisticRegression(solver=solver).fit(X_BIN, Y_BIN)
    model = LogisticRegression(solver=solver).fit(lazy(X_BIN), lazy(Y_BIN))
    assert_same_fit(model, expected)
    assert model.converged_
    assert model.solver_ == expected.solver_
    assert model.n_iter_ == expected.n_iter_


@pytest.mark.parametrize(
    "params",
    [
        {"solver": "auto"},
        {"solver": "lbfgs"},
        {"alpha": 0.01},
        {"alpha": 0.01, "solver": "newton-cg"},
    ],
    ids=["auto (newton)", "lbfgs", "ridge, symmetric", "newton-cg"],
)
def test_multinomial_equals_numpy(params: dict) -> None:
    expected = LogisticRegression(**params).fit(X_BIN, Y_THREE)
    model = LogisticRegression(**params).fit(lazy(X_BIN), lazy(Y_THREE))
    assert model.coef_.shape == (4, 4)
    assert_same_fit(model, expected)
    np.testing.assert_array_equal(model.classes_, [0, 1, 2, 3])


def test_multinomial_on_the_cluster_equals_numpy(dask_scheduler) -> None:
    expected = LogisticRegression().fit(X_BIN, Y_THREE)
    assert_same_fit(LogisticRegression().fit(lazy(X_BIN), lazy(Y_THREE)), expected)


@pytest.mark.parametrize("y", [Y_SPARSE, Y_THREE], ids=["binary", "four classes"])
def test_l1_zeros_identical_to_in_memory_cd(y: np.ndarray) -> None:
    """The proximal Newton steps on the reduced Gram leave exactly the in-memory zeros."""
    params = {"alpha": 0.04, "l1_ratio": 0.8}
    expected = LogisticRegression(**params).fit(X_BIN, y)
    model = LogisticRegression(**params).fit(lazy(X_BIN), lazy(y))
    assert model.solver_ == expected.solver_ == "cd"
    assert 0 < np.count_nonzero(expected.coef_ == 0) < expected.coef_.size
    np.testing.assert_array_equal(model.coef_ == 0, expected.coef_ == 0)
    np.testing.assert_allclose(model.coef_, expected.coef_, rtol=RTOL, atol=1e-10)


def test_frequency_weights_equal_repeated_rows(dask_scheduler) -> None:
    """Integer weights on Dask give the fit of the data with each row repeated that often."""
    counts = np.random.default_rng(5).integers(0, 4, size=X_BIN.shape[0])
    repeated = LogisticRegression().fit(np.repeat(X_BIN, counts, axis=0), np.repeat(Y_BIN, counts))
    model = LogisticRegression().fit(lazy(X_BIN), lazy(Y_BIN), sample_weight=lazy(counts * 1.0))
    assert_same_fit(model, repeated)


@pytest.mark.parametrize("class_weight", ["balanced", {0: 2.5, 1: 0.5, 2: 1.0, 3: 1.0}])
def test_class_weights_equal_numpy(class_weight) -> None:
    weights = np.random.default_rng(6).random(X_BIN.shape[0])
    expected = LogisticRegression(class_weight=class_weight).fit(
        X_BIN, Y_THREE, sample_weight=weights
    )
    model = LogisticRegression(class_weight=class_weight).fit(
        lazy(X_BIN), lazy(Y_THREE), sample_weight=weights
    )
    assert_same_fit(model, expected)


def test_warm_start_continues_from_the_last_fit() -> None:
    """A warm start from the unpenalised fit reaches the ridge fit of memory."""
    expected = LogisticRegression(alpha=0.05).fit(X_BIN, Y_BIN)
    model = LogisticRegression(warm_start=True).fit(lazy(X_BIN), lazy(Y_BIN))
    model.set_params(alpha=0.05).fit(lazy(X_BIN), lazy(Y_BIN))
    np.testing.assert_allclose(model.coef_, expected.coef_, rtol=RTOL)
    assert model.n_iter_ <= expected.n_iter_


@pytest.mark.parametrize(
    "chunks",
    [(1, 700, 299, 500), (X_BIN.shape[0],), (1,) * 20 + (X_BIN.shape[0] - 20,)],
    ids=["uneven", "one chunk", "single-row chunks"],
)
def test_chunk_invariance(chunks: tuple[int, ...]) -> None:
    """The same fit whatever the chunks of rows, single rows and one chunk included."""
    expected = LogisticRegression().fit(X_BIN, Y_BIN)
    model = LogisticRegression().fit(
        da.from_array(X_BIN, chunks=(chunks, 4)), da.from_array(Y_BIN, chunks=(chunks,))
    )
    assert_same_fit(model, expected)


def test_every_row_its_own_chunk() -> None:
    X, y = make_problem(40, 2, seed=7)
    expected = LogisticRegression().fit(X, y)
    model = LogisticRegression().fit(da.from_array(X, chunks=1), da.from_array(y, chunks=1))
    assert_same_fit(model, expected)


def test_columns_of_a_parquet_directory_taken_apart_fit_as_in_memory(tmp_path) -> None:
    """X and y selected separately from one read_parquet: reading one column, Dask joins the
    small files into fewer partitions than for the others, and y is cut like X's rows."""
    frame = pd.DataFrame(X_BIN, columns=["a", "b", "c", "d"]).assign(y=Y_BIN)
    for part in range(6):
        frame.iloc[part * 250 : (part + 1) * 250].to_parquet(tmp_path / f"part{part}.parquet")
    lazy_frame = dd.read_parquet(tmp_path)
    features, labels = lazy_frame[["a", "b", "c", "d"]], lazy_frame["y"]
    assert labels.optimize().npartitions < features.optimize().npartitions
    model = LogisticRegression().fit(features, labels)
    assert_same_fit(model, LogisticRegression().fit(frame[["a", "b", "c", "d"]], frame["y"]))


def test_dataframe_input_keeps_feature_names(dask_scheduler) -> None:
    frame = pd.DataFrame(X_BIN, columns=["a", "b", "c", "d"]).assign(y=Y_BIN)
    lazy_frame = dd.from_pandas(frame, npartitions=3)
    expected = LogisticRegression().fit(frame[["a", "b", "c", "d"]], frame["y"])
    model = LogisticRegression().fit(lazy_frame[["a", "b", "c", "d"]], lazy_frame["y"])
    assert_same_fit(model, expected)
    assert list(model.feature_names_in_) == ["a", "b", "c", "d"]


@pytest.mark.parametrize("dtype", ["bool", "boolean", "bool[pyarrow]", "Int64", "int64[pyarrow]"])
def test_boolean_and_nullable_columns_fit_as_their_numbers(dtype: str) -> None:
    """Beside float columns, a boolean column or one of pandas' extension dtypes (nullable,
    Arrow-backed: what Parquet files often give) is read as float64, as in memory; NumPy
    would make an array of objects of booleans beside numbers."""
    pytest.importorskip("pyarrow")
    frame = pd.DataFrame(X_BIN[:, :3], columns=["a", "b", "c"])
    frame["flag"] = pd.array(X_BIN[:, 3] > 0).astype(dtype)
    expected = LogisticRegression().fit(frame.astype(np.float64), Y_BIN)
    lazy_frame = dd.from_pandas(frame, npartitions=3)
    model = LogisticRegression().fit(lazy_frame, dd.from_pandas(pd.Series(Y_BIN), npartitions=3))
    assert_same_fit(model, expected)
    assert list(model.feature_names_in_) == ["a", "b", "c", "flag"]


def test_minibatch_steps_through_chunks_towards_the_optimum() -> None:
    """One chunk per step: the averaged iterates come within 1e-3 of the optimal cost, and
    the same seed gives the same fit."""
    best = LogisticRegression().fit(X_BIN, Y_BIN).history_["loss"].iloc[-1]
    fits = [
        LogisticRegression(solver="minibatch", max_iter=30, random_state=0).fit(
            da.from_array(X_BIN, chunks=(100, 4)), da.from_array(Y_BIN, chunks=100)
        )
        for _ in range(2)
    ]
    assert fits[0].history_["loss"].iloc[-1] == pytest.approx(best, rel=1e-3)
    np.testing.assert_array_equal(fits[0].coef_, fits[1].coef_)


def test_sgd_is_refused_with_the_reason() -> None:
    with pytest.raises(ValueError, match="one row per step.*'minibatch'"):
        LogisticRegression(solver="sgd").fit(lazy(X_BIN), lazy(Y_BIN))


def test_unaligned_chunks_are_refused() -> None:
    with pytest.raises(ValueError, match=r"y is not aligned with X.*Rechunk it like X"):
        LogisticRegression().fit(lazy(X_BIN, 400), lazy(Y_BIN, 500))
    with pytest.raises(ValueError, match="sample_weight is not aligned with X"):
        LogisticRegression().fit(lazy(X_BIN), lazy(Y_BIN), sample_weight=lazy(Y_BIN * 1.0, 300))


def test_a_series_partitioned_apart_is_cut_like_x_and_one_of_other_length_is_refused() -> None:
    frame = dd.from_pandas(pd.DataFrame(X_BIN, columns=list("abcd")), npartitions=3)
    labels = dd.from_pandas(pd.Series(Y_BIN), npartitions=2)
    model = LogisticRegression().fit(frame, labels)
    assert_same_fit(model, LogisticRegression().fit(X_BIN, Y_BIN))
    shorter = dd.from_pandas(pd.Series(Y_BIN[:-10]), npartitions=2)
    with pytest.raises(ValueError, match="y is not aligned with X"):
        LogisticRegression().fit(frame, shorter)


def test_unknown_chunk_sizes_are_refused_with_the_fix() -> None:
    frame = dd.from_pandas(pd.DataFrame(X_BIN, columns=list("abcd")), npartitions=3)
    with pytest.raises(ValueError, match=r"unknown size.*to_dask_array\(lengths=True\)"):
        LogisticRegression().fit(frame.to_dask_array(), lazy(Y_BIN))


@pytest.mark.parametrize("bad", [np.nan, -np.inf])
def test_nan_found_during_a_pass_names_the_chunk(dask_scheduler, bad: float) -> None:
    X = X_BIN.copy()
    X[950, 2] = bad
    where = r"NaN or infinite values in chunk 2 of X \(rows 800–1199\), the first in its row 150"
    with pytest.raises(ValueError, match=where):
        LogisticRegression().fit(lazy(X), lazy(Y_BIN))


def test_bad_weights_and_labels_are_refused() -> None:
    weights = np.ones(X_BIN.shape[0])
    weights[1300] = -1.0
    with pytest.raises(ValueError, match="non-negative; chunk 3 of X"):
        LogisticRegression().fit(lazy(X_BIN), lazy(Y_BIN), sample_weight=lazy(weights))
    labels = Y_BIN.astype(float)
    labels[3] = np.nan
    with pytest.raises(ValueError, match="y contains NaN"):
        LogisticRegression().fit(lazy(X_BIN), lazy(labels))
    with pytest.raises(ValueError, match="only one class"):
        LogisticRegression().fit(lazy(X_BIN), lazy(np.zeros(X_BIN.shape[0])))


def test_non_numeric_columns_are_refused() -> None:
    frame = dd.from_pandas(pd.DataFrame({"a": [1.0, 2.0], "b": ["x", "y"]}), npartitions=1)
    with pytest.raises(ValueError, match="non-numeric column.*'b'"):
        LogisticRegression().fit(frame, da.from_array(np.array([0, 1]), chunks=2))


def test_import_logitkit_loads_no_dask() -> None:
    code = "import logitkit, sys; logitkit.LogisticRegression; assert 'dask' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_each_evaluation_is_one_pass() -> None:
    """Cost and gradient together in one pass, kept for the same θ; a Newton-type solver's
    Hessian comes in the same pass as the cost and gradient."""
    from logitkit.backends.design import make_design
    from logitkit.core.objective import Objective
    from logitkit.core.penalties import ElasticNet

    design = make_design(lazy(X_BIN), True)
    objective = Objective(design, Y_BIN, np.ones(X_BIN.shape[0]), ElasticNet(0.0, 0.0, 5, True))
    assert objective.total_weight == X_BIN.shape[0]
    assert design.passes == 1
    theta = np.full(5, 0.1)
    value, grad = objective.smooth_value_and_gradient(theta)
    assert objective.smooth_value(theta) == value
    assert design.passes == 2
    objective.expect_hessians()
    objective.smooth_value_and_gradient(2 * theta)
    hessian = objective.hessian(2 * theta)
    assert design.passes == 3
    expected = Objective(make_design(X_BIN), Y_BIN, np.ones(X_BIN.shape[0]), objective.penalty)
    np.testing.assert_allclose(grad, expected.smooth_value_and_gradient(theta)[1], rtol=1e-12)
    np.testing.assert_allclose(hessian, expected.hessian(2 * theta), rtol=1e-12)


@pytest.mark.parametrize("y", [Y_BIN, Y_THREE], ids=["binary", "four classes"])
def test_predictions_are_lazy_and_equal_numpy(y: np.ndarray) -> None:
    """decision_function, predict_proba, predict_log_proba and predict of a Dask X are Dask
    arrays chunked as X, equal to the in-memory predictions."""
    model = LogisticRegression().fit(lazy(X_BIN), lazy(y))
    expected = LogisticRegression().fit(X_BIN, y)
    for method in ("decision_function", "predict_proba", "predict_log_proba", "predict"):
        result = getattr(model, method)(lazy(X_BIN))
        assert isinstance(result, da.Array)
        assert result.chunks[0] == lazy(X_BIN).chunks[0]
        wanted = getattr(expected, method)(X_BIN)
        if method == "predict":
            np.testing.assert_array_equal(result.compute(), wanted)
        else:
            np.testing.assert_allclose(result.compute(), wanted, rtol=1e-8, atol=1e-12)
    with pytest.raises(ValueError, match="X has 3 features"):
        model.predict(lazy(X_BIN[:, :3]))


@pytest.mark.parametrize("y", [Y_BIN, Y_THREE], ids=["binary", "four classes"])
@pytest.mark.parametrize("reduced", [True, False], ids=["reduced Hessian", "product per pass"])
def test_hessian_products_and_diagonals_over_passes_equal_numpy(y, reduced, monkeypatch) -> None:
    """J, ∇J, ∇²J v, diag ∇²J, the block-diagonal Hessian and the cluster score sums of a design
    read by passes equal the in-memory ones, with an offset (n × K for the softmax) and unequal
    weights; above PASS_HESSIAN_MAX_PARAMS (lowered here to 0) each product is a pass of its
    own."""
    from logitkit.backends.design import make_design
    from logitkit.core import objective as objective_module
    from logitkit.core.datafits import datafit_for
    from logitkit.core.layout import penalised_mask
    from logitkit.core.objective import Objective
    from logitkit.core.penalties import ElasticNet

    if not reduced:
        monkeypatch.setattr(objective_module, "PASS_HESSIAN_MAX_PARAMS", 0)
    rng = np.random.default_rng(5)
    weights = rng.uniform(0.5, 2.0, size=X_BIN.shape[0])
    datafit = datafit_for(int(y.max()) + 1, None)
    shape = (X_BIN.shape[0], datafit.n_outputs) if datafit.n_outputs > 1 else X_BIN.shape[0]
    offset = rng.normal(scale=0.3, size=shape)
    n_params = 5 * datafit.n_outputs
    penalty = ElasticNet.with_mask(0.01, 0.0, penalised_mask(5, datafit.n_outputs, True))

    def build(design):
        return Objective(design, y, weights, penalty, datafit=datafit, offset=offset)

    on_dask = build(make_design(lazy(X_BIN), True))
    in_memory = build(make_design(X_BIN, True))
    theta = np.linspace(-0.4, 0.5, n_params)
    v = np.linspace(1.0, -1.0, n_params)
    value, grad = on_dask.smooth_value_and_gradient(theta)
    expected_value, expected_grad = in_memory.smooth_value_and_gradient(theta)
    assert value == pytest.approx(expected_value, rel=1e-12)
    np.testing.assert_allclose(grad, expected_grad, rtol=1e-11, atol=1e-15)
    np.testing.assert_allclose(
        on_dask.hessian_operator(theta)(v), in_memory.hessian_operator(theta)(v), rtol=1e-12
    )
    np.testing.assert_allclose(
        on_dask.hessian_diagonal(theta), in_memory.hessian_diagonal(theta), rtol=1e-12
    )
    np.testing.assert_allclose(
        on_dask.block_diagonal_hessian(theta),
        in_memory.block_diagonal_hessian(theta),
        rtol=1e-12,
        atol=1e-15,
    )
    groups = np.arange(X_BIN.shape[0]) % 7
    np.testing.assert_allclose(
        on_dask.cluster_scores(theta, lazy(groups)),
        in_memory.cluster_scores(theta, groups),
        rtol=1e-11,
        atol=1e-12,
    )
    rows = np.arange(0, X_BIN.shape[0], 3)
    np.testing.assert_allclose(
        in_memory.hessian_diagonal(theta, rows), np.diag(in_memory.hessian(theta, rows)), rtol=1e-12
    )


def _pass_objective(weights: np.ndarray | None = None):
    """The unpenalised binary cost of X_BIN over a design read by passes, and its design."""
    from logitkit.backends.design import make_design
    from logitkit.core.objective import Objective
    from logitkit.core.penalties import ElasticNet

    design = make_design(lazy(X_BIN), True)
    s = np.ones(X_BIN.shape[0]) if weights is None else weights
    return Objective(design, Y_BIN, s, ElasticNet(0.0, 0.0, 5, True)), design


def test_the_first_pass_keeps_the_totals_and_the_gram_matrix_it_was_asked_for() -> None:
    """The first pass (with the Gram matrix) is one pass, which finds y's labels with their
    counts; the class totals and the Gram matrix of the rows of positive weight then cost
    none, and equal their in-memory values. Without the Gram matrix, asking for it costs one
    pass, once."""
    from logitkit.models.dask_first_pass import keep_first_pass, read_first_pass

    objective, design = _pass_objective()
    before = design.passes
    ones = np.ones(X_BIN.shape[0])
    found = read_first_pass(design, Y_BIN, ones, with_gram=True, sample_step=None)
    assert design.passes == before + 1
    np.testing.assert_array_equal(found.labels, [0, 1])
    np.testing.assert_array_equal(found.counts, np.bincount(Y_BIN))
    keep_first_pass(objective, found, np.array([0, 1]), None)
    totals = objective.class_totals()
    gram = objective.positive_weight_gram()
    assert design.passes == before + 1
    np.testing.assert_array_equal(totals, np.bincount(Y_BIN, minlength=2).astype(float))
    X1 = np.column_stack([np.ones(X_BIN.shape[0]), X_BIN])
    np.testing.assert_allclose(gram, X1.T @ X1, rtol=1e-12, atol=1e-10)
    np.testing.assert_allclose(found.maxima, np.abs(X1).max(axis=0), rtol=0)
    objective, design = _pass_objective()
    before = design.passes
    found = read_first_pass(design, Y_BIN, ones, with_gram=False, sample_step=None)
    keep_first_pass(objective, found, np.array([0, 1]), None)
    objective.positive_weight_gram()
    objective.positive_weight_gram()
    assert design.passes == before + 2


@pytest.mark.parametrize("chunks", [100, 37, 2000])
def test_the_first_pass_groups_its_sums_by_label_whatever_the_chunks(chunks) -> None:
    """String labels, weighted: the counts, weights and (two labels) X̃ᵀ(s ⊙ [y = u]) of each
    label, merged across chunks that hold one label, two or both."""
    from logitkit.backends.design import make_design
    from logitkit.models.dask_first_pass import read_first_pass

    n = X_BIN.shape[0]
    labels = np.where(np.arange(n) < n // 3, "no", np.where(Y_BIN == 1, "yes", "no"))
    weights = np.random.default_rng(2).uniform(0.5, 2.0, n)
    design = make_design(da.from_array(X_BIN, chunks=(chunks, X_BIN.shape[1])), True)
    found = read_first_pass(design, labels, weights, with_gram=False, sample_step=None)
    np.testing.assert_array_equal(found.labels, ["no", "yes"])
    X1 = np.column_stack([np.ones(n), X_BIN])
    for index, label in enumerate(("no", "yes")):
        rows = labels == label
        assert found.counts[index] == rows.sum()
        assert found.label_weights[index] == pytest.approx(weights[rows].sum(), rel=1e-13)
        np.testing.assert_allclose(
            found.label_sums[:, index], X1[rows].T @ weights[rows], rtol=1e-12, atol=1e-12
        )
    three = np.where(np.arange(n) % 7 == 0, "maybe", labels)
    found = read_first_pass(design, three, weights, with_gram=False, sample_step=None)
    np.testing.assert_array_equal(found.labels, ["maybe", "no", "yes"])
    np.testing.assert_array_equal(found.counts, [np.sum(three == u) for u in found.labels])
    assert found.label_sums is None


def test_evaluations_are_kept_for_the_last_three_thetas_and_bring_the_hessian_along() -> None:
    """The sums at the last three θs are kept (the overlap and the Gram matrix under their own
    names too); once a Hessian has been asked for, a pass for the value or the gradient alone
    brings the Hessian along."""
    objective, design = _pass_objective()
    objective.class_totals()
    thetas = [np.full(5, t) for t in (0.1, 0.2, 0.3)]
    for theta in thetas:
        objective.evaluate(theta, ("value", "overlap", "positive_gram"))
    before = design.passes
    for theta in thetas:
        objective.evaluate(theta, ("value", "overlap", "positive_gram"))
    assert design.passes == before
    objective.hessian(thetas[0])
    assert design.passes == before + 1
    for index, want in enumerate(("value", "gradient")):
        theta = np.full(5, 0.5 + index)
        objective.evaluate(theta, (want,))
        objective.hessian(theta)
        assert design.passes == before + 2 + index


def test_class_totals_are_the_weighted_label_counts_and_refuse_all_zero_weights() -> None:
    """Σ_{yᵢ=k} sᵢ in memory and over passes, a class no row has included, and for the binary
    cost's float labels; weights that sum to less than 1 are fine, all 0 are refused."""
    from logitkit.backends.design import make_design
    from logitkit.core.datafits import Multinomial
    from logitkit.core.objective import Objective
    from logitkit.core.penalties import ElasticNet

    weights = np.linspace(0.0, 0.001, X_BIN.shape[0])
    expected = np.array([weights[k == Y_BIN].sum() for k in range(3)])
    for data in (X_BIN, lazy(X_BIN)):
        objective = Objective(
            make_design(data, True), Y_BIN, weights, ElasticNet(0.0, 0.0, 15, True), Multinomial(3)
        )
        totals = objective.class_totals()
        assert totals.dtype == np.float64 and totals[2] == 0.0
        np.testing.assert_allclose(totals, expected, rtol=1e-12)
    binary = Objective.from_data(X_BIN, Y_BIN.astype(float), sample_weight=weights)
    np.testing.assert_allclose(binary.class_totals(), expected[:2], rtol=1e-12)
    objective, _ = _pass_objective(np.zeros(X_BIN.shape[0]))
    with pytest.raises(ValueError, match="sample_weight is zero for every sample"):
        objective.class_totals()
