"""partial_fit: one epoch of fit's stochastic run per call, over NumPy, sparse and Dask chunks.

What "equal" means: fit's epoch draws a permutation of all n rows from its generator and a
stream can only shuffle within a block, so partial_fit equals fit bit for bit when each call
is given all the data (the same draws, steps, schedule, averaging and history); a Dask chunk
of one block is the same run; a Dask chunk of several blocks is the in-memory run over the
same blocks in the same order; and a stream of chunks reaches fit's minimiser.
"""

from __future__ import annotations

import itertools
import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

import logitkit as lk
from logitkit.core.objective import Objective
from logitkit.solvers import SolverOptions
from logitkit.solvers.stochastic import EpochSettings, Pass, StochasticRun, block_epoch

N, P = 600, 5


def _data(n_classes: int = 2, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(N, P))
    if n_classes == 2:
        y = (X @ rng.normal(size=P) + rng.logistic(size=N) > 0).astype(int)
    else:
        y = np.argmax(X @ rng.normal(size=(P, n_classes)) + rng.gumbel(size=(N, n_classes)), 1)
    return X, y, rng.uniform(0.5, 2.0, N)


def _quiet_fit(model, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", lk.ConvergenceWarning)
        return model.fit(*args, **kwargs)


def _same(a: lk.LogisticRegression, b: lk.LogisticRegression) -> None:
    np.testing.assert_array_equal(a.coef_, b.coef_)
    np.testing.assert_array_equal(a.intercept_, b.intercept_)
    pd.testing.assert_frame_equal(a.history_, b.history_, check_exact=True)
    assert a.loglik_ == b.loglik_ and a.null_loglik_ == b.null_loglik_ and a.n_obs_ == b.n_obs_
    assert a.n_iter_ == b.n_iter_


@pytest.mark.parametrize("solver", ["sgd", "minibatch"])
@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "sparse"])
@pytest.mark.parametrize("penalty", [{}, {"alpha": 0.01, "l1_ratio": 0.5}], ids=["none", "enet"])
def test_partial_fit_on_all_the_data_equals_fit_bit_for_bit(solver, n_classes, sparse, penalty):
    X, y, w = _data(n_classes)
    if sparse:
        X = sp.csr_matrix(np.where(np.abs(X) > 0.6, X, 0.0))
    epochs = 7
    params = dict(solver=solver, random_state=4, tol=1e-12, batch_size=16, **penalty)
    fitted = _quiet_fit(lk.LogisticRegression(max_iter=epochs, **params), X, y, sample_weight=w)
    streamed = lk.LogisticRegression(**params)
    for _ in range(epochs):
        streamed.partial_fit(X, y, classes=np.unique(y), sample_weight=w)
    _same(fitted, streamed)
    assert len(streamed.history_) == epochs + 1


@pytest.mark.parametrize("solver", ["sgd", "minibatch"])
def test_partial_fit_goes_on_where_fit_stopped(solver):
    X, y, _ = _data()
    params = dict(solver=solver, random_state=1, tol=1e-12)
    whole = _quiet_fit(lk.LogisticRegression(max_iter=9, **params), X, y)
    model = _quiet_fit(lk.LogisticRegression(max_iter=4, **params), X, y)
    for _ in range(5):
        model.partial_fit(X, y)
    _same(whole, model)


def test_the_run_survives_pickling():
    X, y, _ = _data()
    one = lk.LogisticRegression(solver="minibatch", random_state=2)
    for _ in range(3):
        one.partial_fit(X, y, classes=[0, 1])
    two = pickle.loads(pickle.dumps(one))
    one.partial_fit(X, y)
    two.partial_fit(X, y)
    np.testing.assert_array_equal(one.coef_, two.coef_)


def test_history_continues_across_calls_one_row_a_call():
    X, y, _ = _data()
    model = lk.LogisticRegression(solver="sgd", random_state=0)
    for calls in range(1, 4):
        model.partial_fit(
            X[calls * 100 : calls * 100 + 150], y[calls * 100 : calls * 100 + 150], [0, 1]
        )
        assert len(model.history_) == calls + 1
        assert model.n_iter_ == calls
    assert model.n_obs_ == 150  # the statistics are those of the last chunk


def test_a_stream_of_chunks_reaches_fits_minimiser():
    """Shuffled within chunks only, the stream's averaged iterate converges to the same θ̂."""
    X, y, _ = _data(seed=3)
    exact = lk.LogisticRegression(alpha=0.01).fit(X, y)
    model = lk.LogisticRegression(alpha=0.01, solver="minibatch", random_state=0)
    for _ in range(60):
        for start in range(0, N, 200):
            model.partial_fit(X[start : start + 200], y[start : start + 200], classes=[0, 1])
    gap = np.max(
        np.abs(
            np.r_[model.coef_.ravel(), model.intercept_]
            - np.r_[exact.coef_.ravel(), exact.intercept_]
        )
    )
    assert gap < 0.02


def test_the_first_call_needs_classes():
    X, y, _ = _data()
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        lk.LogisticRegression(solver="sgd").partial_fit(X, y)


def test_labels_outside_the_classes_are_refused():
    X, y, _ = _data()
    model = lk.LogisticRegression(solver="sgd").partial_fit(X, y, classes=[0, 1])
    with pytest.raises(ValueError, match=r"labels \[2\] outside classes=\[0, 1\]"):
        model.partial_fit(X, np.where(y == 1, 2, 0))
    with pytest.raises(ValueError, match="not the same as on the first call"):
        model.partial_fit(X, y, classes=[0, 1, 2])


def test_a_chunk_may_miss_classes():
    X, y3, _ = _data(3)
    model = lk.LogisticRegression(solver="minibatch", alpha=1e-3, random_state=0)
    model.partial_fit(X[y3 != 2], y3[y3 != 2], classes=[0, 1, 2])
    model.partial_fit(X, y3)
    assert model.coef_.shape == (3, P)


def test_the_number_of_features_must_match():
    X, y, _ = _data()
    model = lk.LogisticRegression(solver="sgd").partial_fit(X, y, classes=[0, 1])
    with pytest.raises(ValueError, match="X has 4 features, but LogisticRegression is expecting 5"):
        model.partial_fit(X[:, :4], y)


def test_only_the_stochastic_solvers_have_partial_fit():
    model = lk.LogisticRegression()
    assert not hasattr(model, "partial_fit")
    with pytest.raises(AttributeError) as error:
        model.partial_fit(*_data()[:2], classes=[0, 1])
    assert "only for the stochastic solvers 'sgd' and 'minibatch'" in str(error.value.__cause__)
    assert hasattr(lk.LogisticRegression(solver="minibatch"), "partial_fit")


def test_balanced_class_weight_is_refused_and_a_dict_is_taken():
    X, y, _ = _data()
    with pytest.raises(ValueError, match="class_weight='balanced' needs all of y"):
        lk.LogisticRegression(solver="sgd", class_weight="balanced").partial_fit(X, y, [0, 1])
    params = dict(solver="sgd", random_state=0, max_iter=3, tol=1e-12, class_weight={1: 2.0})
    fitted = _quiet_fit(lk.LogisticRegression(**params), X, y)
    streamed = lk.LogisticRegression(**params)
    for _ in range(3):
        streamed.partial_fit(X, y, classes=[0, 1])
    np.testing.assert_array_equal(fitted.coef_, streamed.coef_)


def test_float32_and_a_frame_keep_dtype_and_names():
    X, y, _ = _data()
    frame = pd.DataFrame(X.astype(np.float32), columns=list("abcde"))
    model = lk.LogisticRegression(solver="minibatch").partial_fit(frame, y, classes=[0, 1])
    assert model.coef_.dtype == np.float32
    assert list(model.feature_names_in_) == list("abcde")


# ---------------------------------------------------------------------------------------- Dask

da = pytest.importorskip("dask.array")
dd = pytest.importorskip("dask.dataframe")


@pytest.fixture(autouse=False)
def synchronous():
    import dask

    with dask.config.set(scheduler="synchronous"):
        yield


@pytest.mark.parametrize("n_classes", [2, 3])
def test_a_dask_chunk_of_one_block_is_the_in_memory_run(synchronous, n_classes):
    X, y, w = _data(n_classes)
    params = dict(solver="minibatch", random_state=5, tol=1e-12, alpha=1e-3)
    memory, lazy = lk.LogisticRegression(**params), lk.LogisticRegression(**params)
    for _ in range(4):
        memory.partial_fit(X, y, classes=np.unique(y), sample_weight=w)
        lazy.partial_fit(
            da.from_array(X, chunks=(N, 2)),  # column chunks are merged
            da.from_array(y, chunks=N),
            classes=np.unique(y),
            sample_weight=da.from_array(w, chunks=N),
        )
    # θ₀ from the weighted class counts rounds differently from Σsᵢyᵢ / Σsᵢ in its last bit.
    np.testing.assert_allclose(memory.coef_, lazy.coef_, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(memory.history_, lazy.history_, rtol=1e-13)
    np.testing.assert_allclose(memory.loglik_, lazy.loglik_, rtol=1e-13)


class _Blocks:
    """The chunk protocol over NumPy blocks in memory: the reference for a Dask chunk."""

    def __init__(self, objectives):
        self.objectives = objectives
        self.n_blocks = len(objectives)
        self.n_samples = sum(o.design.n_samples for o in objectives)

    def weight_mean(self):
        return sum(o.sample_weight.sum() for o in self.objectives) / self.n_samples

    def run_epoch(self, settings: EpochSettings, order, state: Pass) -> Pass:
        for index in order:
            state = block_epoch(self.objectives[index], settings, state)
        return state

    def evaluate(self, coef):
        return 0.0, 0.0


@pytest.mark.parametrize("solver", ["sgd", "minibatch"])
def test_a_dask_chunk_of_uneven_blocks_is_the_in_memory_run_over_those_blocks(synchronous, solver):
    X, y, w = _data()
    rows = (100, 250, 1, 249)
    model = lk.LogisticRegression(solver=solver, random_state=7, learning_rate=0.05, batch_size=8)
    Xd, yd, wd = (da.from_array(a, chunks=(rows, *a.shape[1:])) for a in (X, y, w))
    for _ in range(3):
        model.partial_fit(Xd, yd, classes=[0, 1], sample_weight=wd)
    # The same run by hand over the same blocks in memory.
    edges = np.cumsum((0, *rows))
    blocks = [
        Objective.from_data(X[a:b], y[a:b], sample_weight=w[a:b])
        for a, b in itertools.pairwise(edges)
    ]
    chunk = _Blocks(blocks)
    seed = np.random.RandomState(7).randint(np.iinfo(np.int32).max)
    options = SolverOptions(tol=1.0, max_iter=1, learning_rate=0.05, random_state=seed)
    start = Objective.from_data(X, y, sample_weight=w).start()
    chunk.evaluate = lambda coef: (0.0, 0.0)
    run = StochasticRun.start(chunk, start, options, 1 if solver == "sgd" else 8)
    for _ in range(3):
        run.epoch(chunk)
    np.testing.assert_allclose(model.coef_.ravel(), run.reported[1:], rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(model.intercept_, run.reported[:1], rtol=1e-13)


def test_a_dask_dataframe_chunk_keeps_names_and_checks_alignment(synchronous):
    X, y, _ = _data()
    frame = dd.from_pandas(pd.DataFrame(X, columns=list("abcde")), npartitions=3)
    target = dd.from_pandas(pd.Series(y, name="y"), npartitions=3)
    model = lk.LogisticRegression(solver="minibatch", random_state=0)
    model.partial_fit(frame, target, classes=[0, 1])
    assert list(model.feature_names_in_) == list("abcde")
    with pytest.raises(ValueError, match="y has 2 partitions and X has 3"):
        model.partial_fit(frame, target.repartition(npartitions=2))
    with pytest.raises(TypeError, match="y must be one too"):
        model.partial_fit(frame, y)


def test_a_block_with_nan_is_named(synchronous):
    X, y, _ = _data()
    X = X.copy()
    X[450, 2] = np.nan
    model = lk.LogisticRegression(solver="sgd")
    with pytest.raises(ValueError, match="row block 2 of the Dask data: .*NaN"):
        model.partial_fit(da.from_array(X, chunks=(200, P)), da.from_array(y, chunks=200), [0, 1])


def test_unaligned_or_unknown_chunks_are_refused(synchronous):
    X, y, _ = _data()
    model = lk.LogisticRegression(solver="sgd")
    with pytest.raises(ValueError, match="row chunks .* differ from X's"):
        model.partial_fit(da.from_array(X, chunks=(200, P)), da.from_array(y, chunks=300), [0, 1])
    unknown = da.from_array(X, chunks=(200, P))
    unknown = unknown[unknown[:, 0] > -10]
    with pytest.raises(ValueError, match="compute_chunk_sizes"):
        model.partial_fit(unknown, da.from_array(y, chunks=200), [0, 1])


def test_a_summary_after_partial_fit_reads_the_last_chunk():
    X, y, _ = _data()
    model = lk.LogisticRegression(solver="minibatch", random_state=0)
    for _ in range(40):
        model.partial_fit(X, y, [0, 1])
    with pytest.raises(ValueError, match="partial_fit keeps none"):
        model.summary()
    table = model.summary(X=X, y=y).table
    reference = lk.LogisticRegression().fit(X, y).summary().table
    assert np.all(np.isfinite(table["std_err"]))
    np.testing.assert_allclose(table["std_err"], reference["std_err"], rtol=0.01)
