"""The benchmark suite's correctness part, on small sizes: every tool reaches the same cost J.

The benchmarks package is imported from the repository root (it is not part of logitkit). Each
problem runs once per tool, without timing repeats or memory tracing; the anchors run at the
suite's tight tolerances, so their costs agree, and logitkit's default must reach the best of
them.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.special import expit
from sklearn.metrics import log_loss

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import data, measure, problems, report, run, tools

SCALES = {
    "dense-tall": 0.002,
    "dense-illconditioned": 0.01,
    "sparse-wide": 0.01,
    "inference": 0.002,
    "diagnostics": 0.002,
    "sgd-epoch": 0.002,
    "multinomial": 0.01,
    "l1-path": 0.02,
    "elasticnet": 0.02,
}
"""A few thousand rows each; sparse-wide's p shrinks with n (2,000 × 500, 50 entries a row), as
does that of the L1 problems (2,000 × 20)."""

SCALES.update(
    {
        "small-fits-200x5": 1.0,
        "small-fits-2000x10": 0.1,
        "small-fits-20000x30": 0.05,
        "float32": 0.002,
        "one-hot-dense": 0.004,
        "one-hot-sparse": 0.004,
    }
)
"""The small fits at 200 × 5, 200 × 10 and 1,000 × 30; float32 as dense-tall (2,000 × 100); the
one-hot problems at 2,000 × 129."""

EXACT = [name for name, problem in problems.PROBLEMS.items() if problem.exact]

LEFT_OUT = {"dense-illconditioned": ("scikit-learn lbfgs",)}
"""Anchors that cannot solve a problem to SAME_COST, left out here (the suite still runs them).

scikit-learn's L-BFGS on the raw columns of dense-illconditioned (scales 1e-3 … 1e3) stops
after about 13,600 iterations, when the cost decreases by less than 64ε (relative) a step,
about 2% above the optimum; that also takes about 20 s at this size.
"""


def test_every_problem_has_a_small_size() -> None:
    assert set(SCALES) == set(problems.PROBLEMS)


@pytest.fixture(scope="module")
def results() -> dict[str, object]:
    return {}


def _result(results: dict[str, object], name: str):
    if name not in results:
        results[name] = measure.run_problem(
            problems.PROBLEMS[name],
            SCALES[name],
            repeats=1,
            memory=False,
            exclude=LEFT_OUT.get(name, ()),
        )
    return results[name]


@pytest.mark.parametrize("name", EXACT)
def test_every_tool_reaches_the_best_cost(results: dict[str, object], name: str) -> None:
    result = _result(results, name)
    for row in result.rows:
        assert row.error is None, f"{row.name}: {row.error}"
        assert np.isfinite(row.cost), row.name
        if row.tool.same_objective:
            assert result.gap(row) <= measure.SAME_COST, (row.name, row.cost, result.best_cost)


@pytest.mark.parametrize("name", EXACT)
def test_logitkit_reaches_the_best_anchor_cost(results: dict[str, object], name: str) -> None:
    result = _result(results, name)
    best = result.best_anchor_cost
    logitkit = result.logitkit
    assert (logitkit.cost - best) / abs(best) <= report.LOGITKIT_COST, (logitkit.cost, best)


@pytest.mark.parametrize("name", EXACT)
def test_a_reference_anchor_solved_the_problem(results: dict[str, object], name: str) -> None:
    result = _result(results, name)
    assert result.reference is not None
    assert result.reference.tool.anchor


def test_one_sgd_epoch_of_logitkit_makes_progress_and_nobody_beats_the_optimum(
    results: dict[str, object],
) -> None:
    result = _result(results, "sgd-epoch")
    data = problems.PROBLEMS["sgd-epoch"].data(SCALES["sgd-epoch"])
    rate = data.y.mean()
    start = measure.cost(data.X, data.y, np.log(rate / (1 - rate)), np.zeros(data.p), 0.0)
    assert SCALES["sgd-epoch"] == SCALES["dense-tall"]
    optimum = _result(results, "dense-tall").best_cost
    for row in result.rows:
        assert row.error is None, f"{row.name}: {row.error}"
        assert row.cost >= optimum * (1 - 1e-12), (row.name, row.cost, optimum)
    assert result.logitkit.cost < start


def test_the_shared_cost_is_the_mean_cross_entropy_plus_the_ridge() -> None:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((300, 4))
    y = (rng.random(300) < 0.4).astype(float)
    coef, intercept, alpha = np.array([0.5, -1.0, 2.0, 0.0]), 0.3, 0.01
    expected = log_loss(y, expit(X @ coef + intercept)) + alpha / 2 * coef @ coef
    assert measure.cost(X, y, intercept, coef, alpha) == pytest.approx(expected, rel=1e-12)


def test_the_shared_cost_is_finite_for_huge_logits() -> None:
    X = np.array([[1.0], [-1.0], [1.0]])
    y = np.array([1.0, 0.0, 0.0])
    value = measure.cost(X, y, 0.0, np.array([1e300]), 0.0)
    assert value == pytest.approx(1e300 / 3)


def test_the_command_writes_the_report(tmp_path: Path) -> None:
    out = tmp_path / "BENCHMARKS.md"
    arguments = ["--problems", "inference=0.001", "--repeats", "1", "--no-command-line"]
    assert run.main([*arguments, "--out", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert f"python benchmarks/run.py {' '.join(arguments)} --out" in text
    assert "| inference (n = 1,000, p = 20, scale 0.001) | logitkit default + summary()" in text
    assert "## Goals" in text and "ratio" in text and "CPU:" in text and "NumPy BLAS:" in text


def test_the_command_line_section_times_report_and_fit(tmp_path: Path) -> None:
    """Both commands run on a small CSV; the section names them, with one run each, and goes
    into a Markdown file in place of its old version, the sections after it kept."""
    from benchmarks import command_line

    data = tmp_path / "small.csv"
    command_line.write_csv(data, 300)
    lines = data.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 301 and lines[0].split(",")[-1] == "y"
    assert {line.rsplit(",", 1)[1] for line in lines[1:]} == {"0", "1"}
    out = tmp_path / "BENCHMARKS.md"
    out.write_text(f"# B\n\n{command_line.TITLE}\n\nold\n\n## Import time\n\nkept\n")
    assert command_line.main(["--rows", "300", "--repeats", "1", "--into", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert "old" not in text and text.count(command_line.TITLE) == 1
    assert text.index(command_line.TITLE) < text.index("## Import time") and "kept" in text
    rows = [line for line in text.splitlines() if line.startswith("| `logitkit ")]
    assert [row.split("`")[1].split()[1] for row in rows] == ["fit", "report"]
    assert all(float(row.rstrip(" |").rsplit("|", 1)[1]) > 0 for row in rows)
    assert "× the fit (goal: at most 3 ×)" in text


def test_the_scaling_sweep_times_every_tool_and_fits_its_slope(tmp_path: Path) -> None:
    """Two sizes of the n sweep: every tool runs both, the slope is that of the two points;
    with no budget to spare, each tool stops after the first size, and the notes say so."""
    from benchmarks import scaling

    sweep = scaling.run_sweep("n", [1_000, 4_000], lambda n: (n, 5), 1, 60.0, 1)
    assert list(sweep.seconds) == [tool.name for tool in scaling._tools()]
    for name, (small, large) in sweep.seconds.items():
        assert small > 0 and large > 0
        assert sweep.slope(name) == pytest.approx(np.log(large / small) / np.log(4.0))
    assert sweep.notes == []
    assert scaling._cost_gaps({"a": 0.5, "b": 0.5 + 1e-9, "c": 0.501}, "n", 10) == [
        "c at n = 10: cost 0.501, 2.0e-03 above the best"
    ]
    starved = scaling.run_sweep("p", [5, 10], lambda p: (500, p), 1, 1e-9, 2)
    assert all(np.isnan(times[1]) for times in starved.seconds.values())
    assert all(np.isnan(starved.slope(name)) for name in starved.seconds)
    assert len(starved.notes) == len(starved.seconds) and "budget" in starved.notes[0]
    scaling.draw([sweep, starved], tmp_path / "scaling.png")
    assert (tmp_path / "scaling.png").read_bytes()[:4] == b"\x89PNG"
    lines = scaling.section([sweep, starved], "python benchmarks/scaling.py", "scaling.png")
    assert lines[0] == scaling.TITLE and "![fit time against n and p](scaling.png)" in lines
    assert "| tool | n = 1,000 | n = 4,000 | slope |" in lines
    row = next(line for line in lines if line.startswith("| logitkit default | "))
    cells = [cell.strip() for cell in row.strip("| ").split("|")]
    assert cells[1].endswith(" s") and cells[2].endswith(" s")
    assert float(cells[3]) == pytest.approx(sweep.slope("logitkit default"), abs=0.005)
    starved_row = [line for line in lines if line.startswith("| logitkit default | ")][1]
    assert starved_row.endswith("| — | nan |")


def test_the_full_run_keeps_the_scaling_section(tmp_path: Path) -> None:
    from benchmarks import scaling

    out = tmp_path / "BENCHMARKS.md"
    out.write_text(f"# old\n\n{scaling.TITLE}\n\nthe sweep\n\n## Goals\n\nold goals\n")
    arguments = ["--problems", "inference=0.001", "--repeats", "1", "--no-command-line"]
    assert run.main([*arguments, "--out", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert "old goals" not in text and text.count(scaling.TITLE) == 1
    assert text.endswith(f"{scaling.TITLE}\n\nthe sweep\n")


def test_problem_names_take_their_own_scale() -> None:
    chosen = run.parse_problems(["dense-tall,sparse-wide=0.5"], 0.25)
    assert [(problem.name, scale) for problem, scale in chosen] == [
        ("dense-tall", 0.25),
        ("sparse-wide", 0.5),
    ]
    with pytest.raises(SystemExit, match="unknown problem"):
        run.parse_problems(["dense"], 1.0)


@pytest.mark.slow
def test_the_scale_out_problem_runs_at_a_small_size() -> None:
    """dask-tall at 10,000 rows against dask-ml's newton: logitkit on Dask reaches the best
    cost, as logitkit in memory does, in few passes (out-of-core's fit is tested in
    tests/test_out_of_core.py)."""
    pytest.importorskip("dask_ml")
    from benchmarks import scale_out

    rows = {row.name: row for row in scale_out.dask_tall(0.0025, dask_ml_solvers=("newton",))}
    on_dask = rows["logitkit on Dask (auto: newton)"]
    best = min(row.cost for row in rows.values())
    assert on_dask.cost - best <= 1e-9 * abs(best)
    assert abs(rows["logitkit in memory"].cost - on_dask.cost) <= 1e-9 * abs(best)
    assert abs(rows["dask-ml newton"].cost - on_dask.cost) <= 1e-6 * abs(best)
    assert on_dask.passes is not None and on_dask.passes <= scale_out.PASSES_GOAL


def test_float32_coefficients_agree_with_float64(results: dict[str, object]) -> None:
    result = _result(results, "float32")
    assert result.reference is not None
    assert result.reference.name.startswith("logitkit default, float64")
    assert result.logitkit.name.startswith("logitkit default, float32")
    difference = result.coef_difference(result.logitkit)
    assert 0.0 < difference <= problems.PROBLEMS["float32"].coef_goal


def test_one_hot_problems_hold_the_same_data_dense_and_sparse() -> None:
    dense = problems.PROBLEMS["one-hot-dense"].data(0.001)
    sparse = problems.PROBLEMS["one-hot-sparse"].data(0.001)
    assert sp.isspmatrix_csr(sparse.X) and isinstance(dense.X, np.ndarray)
    assert dense.X.shape == sparse.X.shape == (500, 4 + 40 + 25 + 60)
    np.testing.assert_array_equal(dense.X, sparse.X.toarray())
    np.testing.assert_array_equal(dense.y, sparse.y)
    blocks = np.split(dense.X[:, 4:], np.cumsum(data.ONE_HOT_LEVELS)[:-1], axis=1)
    for block, levels in zip(blocks, data.ONE_HOT_LEVELS, strict=True):
        assert block.shape[1] == levels
        np.testing.assert_array_equal(block.sum(axis=1), 1.0)
    first, last = blocks[2][:, 0].sum(), blocks[2][:, -1].sum()
    assert first > 10 * max(last, 1.0)


def test_the_categorical_frame_has_the_codes_of_the_one_hot_columns() -> None:
    sparse = problems.PROBLEMS["one-hot-sparse"].data(0.001)
    frame = tools.categorical_frame(sparse)
    assert list(frame.columns) == ["x0", "x1", "x2", "x3", "c0", "c1", "c2"]
    np.testing.assert_array_equal(
        frame[["x0", "x1", "x2", "x3"]].to_numpy(), sparse.X[:, :4].toarray()
    )
    codes = frame["c1"].cat.codes.to_numpy()
    np.testing.assert_array_equal(np.asarray(sparse.X[np.arange(500), 44 + codes]).ravel(), 1.0)
    assert list(frame["c2"].cat.categories) == list(range(60))


def test_small_fits_run_their_own_number_of_fits() -> None:
    names = [name for name in problems.PROBLEMS if name.startswith("small-fits")]
    assert len(names) == 3
    for name in names:
        problem = problems.PROBLEMS[name]
        assert problem.repeats == problems.SMALL_FIT_REPEATS == 200
        assert problem.alpha == 0.0
        assert problem.memory_goal is None
        assert {tool.name for tool in problem.tools} >= {
            "statsmodels Logit newton + bse",
            "scikit-learn lbfgs",
            "scikit-learn newton-cholesky",
            "glum irls-ls",
        }


def test_the_diagnostics_goal_separates_the_table_from_the_working_memory(tmp_path: Path) -> None:
    """The influence table every tool returns has n × (p + 6) float64 values and a flag; the
    report gives its share of the peak and the working memory beyond it."""
    assert problems.influence_table_bytes(1_000, 20) == 1_000 * (8 * 26 + 1)
    out = tmp_path / "BENCHMARKS.md"
    arguments = ["--problems", "diagnostics=0.001", "--repeats", "1", "--no-command-line"]
    assert run.main([*arguments, "--out", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert "of which the returned table is 0.2 MiB = 1.31 × X; the working memory beyond it" in text


def test_small_fits_report_their_memory_without_a_goal() -> None:
    """A small fit's peak extra memory is reported with X's size, with no verdict: its
    n-vectors alone are a fixed share of X. Other dense problems keep their goal."""
    problem = problems.PROBLEMS["small-fits-200x5"]
    logitkit_row, anchor = (
        measure.Row(tool, times=[0.001], cost=0.5, peak_bytes=34_000) for tool in problem.tools[:2]
    )
    x_bytes = 200 * 5 * 8
    result = measure.Result(problem, 200, 5, 1.0, x_bytes, [logitkit_row, anchor], 1e-6, 1)
    lines = report.goals(result)
    assert "  - peak extra memory (0.01 MiB X): 0.03 MiB = 4.25 × X (no goal: see above)" in lines
    assert not any("peak extra memory ≤" in line for line in lines)
    tall = measure.Result(
        problems.PROBLEMS["dense-tall"], 200, 5, 1.0, x_bytes, [logitkit_row, anchor], 1e-6, 1
    )
    assert any("peak extra memory ≤ 0.25 × X" in line for line in report.goals(tall))


@pytest.mark.parametrize(("collect_each", "collections"), [(True, 4), (False, 1)])
def test_fits_timed_by_the_hundred_run_without_a_collection_before_each(
    monkeypatch, collect_each: bool, collections: int
) -> None:
    """A full garbage collection before each timed fit leaves the caches cold (a 200 × 5 fit
    took 2.5 × as long after one); the small fits, timed by the hundred, collect once before
    them all, the other problems before each of their few repeats."""
    calls = []
    monkeypatch.setattr(measure.gc, "collect", lambda: calls.append(1))
    problem = problems.PROBLEMS["small-fits-200x5"]
    data = problem.data()
    row = measure.measure(problem.tools[0], data, 3, memory=False, collect_each=collect_each)
    assert len(row.times) == 3 and row.ok
    assert len(calls) == collections
    seen = []
    monkeypatch.setattr(measure, "measure", lambda *args, **kwargs: seen.append(kwargs) or row)
    monkeypatch.setattr(measure, "_optimum", lambda problem, data: None)
    measure.run_problem(problem, repeats=1, memory=False)
    measure.run_problem(problems.PROBLEMS["dense-tall"], scale=0.0001, repeats=1, memory=False)
    assert [kwargs["collect_each"] for kwargs in seen[:1] + seen[-1:]] == [False, True]


def test_the_scale_out_fits_of_logitkit_report_the_median_of_their_repeats(monkeypatch) -> None:
    """A fit timed once already, and REPEATS − 1 more: their median, whatever their order."""
    from benchmarks import scale_out

    more = iter([(5.0, 0.0, None), (1.0, 0.0, None)])
    monkeypatch.setattr(scale_out, "REPEATS", 3)
    monkeypatch.setattr(scale_out, "timed", lambda fit: next(more))
    assert scale_out.median_time(lambda: (0.0, None), 3.0) == 3.0
    assert next(more, None) is None
