"""logitkit.plots: each plot draws the expected artists on the Axes it is given, with the values
of the library's own functions, and refuses bad input with a clear error."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

matplotlib = pytest.importorskip("matplotlib")

import logitkit as lk  # noqa: E402
from logitkit import plots  # noqa: E402
from logitkit.plots.fit_quality import roc_curve  # noqa: E402
from problems import make_problem  # noqa: E402


@pytest.fixture(autouse=True)
def agg_backend():
    """Draw off screen, and close every figure a test made."""
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    yield
    plt.close("all")


@pytest.fixture(scope="module")
def challenger():
    return lk.logit("damage ~ temperature_f", lk.datasets.load_challenger())


@pytest.fixture(scope="module")
def array_fit():
    X, y = make_problem(400, 3, seed=7)
    return lk.LogisticRegression().fit(X, y), X, y


@pytest.fixture(scope="module")
def iris():
    from sklearn.datasets import load_iris

    data = load_iris(as_frame=True)
    X, y = data.data, pd.Series(data.target_names[data.target], name="species")
    return lk.LogisticRegression(alpha=1e-2).fit(X, y), X, y


def _axes():
    import matplotlib.pyplot as plt

    return plt.subplots()[1]


def test_importing_the_plots_does_not_import_matplotlib():
    probe = (
        "import sys, logitkit, logitkit.plots; logitkit.plots.plot_roc; "
        "print('matplotlib' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
    assert lk.plots is plots
    assert set(plots.__all__) == {
        "plot_roc",
        "plot_calibration",
        "plot_binned_residuals",
        "plot_influence",
        "plot_coefficients",
        "plot_marginal_effects",
        "plot_history",
        "plot_path",
    }


def test_roc_curve_runs_from_corner_to_corner_and_its_area_is_the_auc(challenger):
    fit = lk.goodness_of_fit(challenger)
    ax = _axes()
    assert plots.plot_roc(challenger, ax=ax) is ax
    chance, curve = ax.get_lines()
    assert list(chance.get_xdata()) == [0.0, 1.0]
    x, y = curve.get_xdata(), curve.get_ydata()
    assert (x[0], y[0]) == (0.0, 0.0) and (x[-1], y[-1]) == (1.0, 1.0)
    assert np.all(np.diff(x) >= 0) and np.all(np.diff(y) >= 0)
    assert np.trapezoid(y, x) == pytest.approx(fit.auc, abs=1e-12)
    low, high = fit.auc_ci
    label = curve.get_label()
    assert f"AUC = {fit.auc:.3f}" in label and f"{low:.3f} to {high:.3f}" in label
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["chance", label]
    again = plots.plot_roc(fit, ax=_axes())
    np.testing.assert_array_equal(again.get_lines()[1].get_xydata(), curve.get_xydata())


def test_roc_of_weighted_rows_counts_each_row_by_its_weight(array_fit):
    model, X, y = array_fit
    fit = lk.goodness_of_fit(model, X, y)
    fpr, tpr = roc_curve(fit.probabilities, fit.labels, np.full(len(y), 3.0))
    assert np.trapezoid(tpr, fpr) == pytest.approx(fit.auc, abs=1e-12)


def test_calibration_points_are_the_binned_means_with_binomial_intervals(array_fit):
    model, X, y = array_fit
    ax = plots.plot_calibration(model, X, y, bins=5, ax=_axes())
    p = model.predict_proba(X)[:, 1]
    group = np.clip(np.searchsorted(np.quantile(p, np.linspace(0, 1, 6)), p) - 1, 0, 4)
    expected_x = [p[group == g].mean() for g in range(5)]
    expected_y = [y[group == g].mean() for g in range(5)]
    container = ax.containers[0]
    points = container.lines[0]
    np.testing.assert_allclose(points.get_xdata(), expected_x, rtol=1e-12)
    np.testing.assert_allclose(points.get_ydata(), expected_y, rtol=1e-12)
    segments = container.lines[2][0].get_segments()
    assert len(segments) == 5
    for (low, high), observed in zip(
        ((s[0][1], s[1][1]) for s in segments), expected_y, strict=True
    ):
        assert 0.0 <= low <= observed <= high <= 1.0
    assert ax.get_xlabel() == "Mean predicted P(y = 1)"


def test_calibration_of_a_multinomial_model_has_one_panel_per_class(iris):
    model, X, y = iris
    axes = plots.plot_calibration(model, X, y, bins=4)
    assert [ax.get_title() for ax in axes] == [
        "class setosa",
        "class versicolor",
        "class virginica",
    ]
    assert all(len(ax.containers[0].lines[0].get_xdata()) >= 2 for ax in axes)
    with pytest.raises(ValueError, match="3 panels"):
        plots.plot_calibration(model, X, y, ax=_axes())


def test_binned_residuals_draw_arms_table_and_its_band(challenger):
    table = lk.binned_residuals(challenger)
    ax = plots.plot_binned_residuals(challenger, ax=_axes())
    np.testing.assert_array_equal(
        ax.collections[0].get_offsets(), table[["mean_fitted", "mean_residual"]].to_numpy()
    )
    _, upper, lower = ax.get_lines()
    np.testing.assert_array_equal(upper.get_ydata(), table["two_se"].to_numpy())
    np.testing.assert_array_equal(lower.get_ydata(), -table["two_se"].to_numpy())
    assert f"{len(table)} bins" in ax.collections[0].get_label()


def test_influence_plot_draws_every_row_and_names_the_worst(challenger):
    measures = lk.influence(challenger)
    ax = plots.plot_influence(challenger, label=3, ax=_axes())
    points = ax.collections[0]
    np.testing.assert_array_equal(points.get_offsets(), measures[["hat", "studentized"]].to_numpy())
    sizes = points.get_sizes()
    assert np.argmax(sizes) == np.argmax(measures["cooks_distance"].to_numpy())
    worst = measures["cooks_distance"].nlargest(3).index
    assert [t.get_text() for t in ax.texts] == [str(i) for i in worst]
    k = 2
    assert ax.get_lines()[-1].get_xdata()[0] == pytest.approx(3 * k / len(measures))


def test_large_data_draw_from_binned_or_sampled_points():
    X, y = make_problem(200_000, 3, seed=3)
    model = lk.LogisticRegression().fit(X, y)
    roc = plots.plot_roc(model, X, y, ax=_axes())
    assert len(roc.get_lines()[1].get_xdata()) <= 1000
    influence = lk.influence(model, X, y)
    ax = plots.plot_influence(influence, ax=_axes())
    drawn = ax.collections[0].get_offsets()
    assert len(drawn) == 1000
    top = influence["cooks_distance"].nlargest(5)
    assert set(map(tuple, influence.loc[top.index, ["hat", "studentized"]].to_numpy())) <= set(
        map(tuple, np.asarray(drawn))
    )
    again = plots.plot_influence(influence, ax=_axes()).collections[0].get_offsets()
    np.testing.assert_array_equal(again, drawn)
    binned = plots.plot_binned_residuals(model, X, y, ax=_axes())
    assert len(binned.collections[0].get_offsets()) == int(np.sqrt(200_000))


def test_coefficients_forest_draws_the_summary_of_any_covariance(array_fit):
    model, X, y = array_fit
    summary = model.summary(cov_type="HC1")
    ax = plots.plot_coefficients(model, X, y, cov_type="HC1", ax=_axes())
    table = summary.table.drop(index="Intercept")
    estimates = ax.get_lines()[-1]
    np.testing.assert_allclose(estimates.get_xdata(), table["coef"], rtol=1e-12)
    segments = ax.collections[0].get_segments()
    np.testing.assert_allclose([s[0][0] for s in segments], table["ci_low"], rtol=1e-12)
    np.testing.assert_allclose([s[1][0] for s in segments], table["ci_high"], rtol=1e-12)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["x0", "x1", "x2"]
    assert "HC1" in ax.get_xlabel()
    odds = plots.plot_coefficients(summary, odds_ratio=True, intercept=True, ax=_axes())
    assert odds.get_xscale() == "log"
    np.testing.assert_allclose(
        odds.get_lines()[-1].get_xdata(), summary.table["odds_ratio"], rtol=1e-12
    )


def test_coefficients_of_a_multinomial_model_have_one_panel_per_class(iris):
    model = iris[0]
    axes = plots.plot_coefficients(model)
    assert [ax.get_title() for ax in axes] == [
        "class setosa",
        "class versicolor",
        "class virginica",
    ]
    table = model.summary().table
    for ax, label in zip(axes, ["setosa", "versicolor", "virginica"], strict=True):
        expected = table.xs(label, level=0).drop(index="Intercept")["coef"]
        np.testing.assert_allclose(ax.get_lines()[-1].get_xdata(), expected, rtol=1e-12)


def test_marginal_effects_forest_draws_the_library_effects(challenger, iris):
    effects = lk.marginal_effects(challenger)
    ax = plots.plot_marginal_effects(challenger, ax=_axes())
    np.testing.assert_allclose(ax.get_lines()[-1].get_xdata(), effects["effect"], rtol=1e-12)
    _, X, y = iris
    unpenalised = lk.LogisticRegression().fit(X, y)
    axes = plots.plot_marginal_effects(unpenalised, X, y)
    table = lk.marginal_effects(unpenalised, X, y)
    assert [ax.get_title() for ax in axes] == [
        "class setosa",
        "class versicolor",
        "class virginica",
    ]
    for ax, label in zip(axes, ["setosa", "versicolor", "virginica"], strict=True):
        expected = table.xs(label, level=0)["effect"]
        np.testing.assert_allclose(ax.get_lines()[-1].get_xdata(), expected, rtol=1e-12)


def test_history_draws_each_solver_against_iterations_passes_and_seconds():
    X, y = make_problem(2000, 4, seed=1)
    fits = {"newton": lk.LogisticRegression(solver="newton").fit(X, y)}
    with pytest.warns(lk.ConvergenceWarning):
        fits["sgd"] = lk.LogisticRegression(solver="sgd", max_iter=3, random_state=0).fit(X, y)
    with pytest.warns(lk.ConvergenceWarning):
        fits["gd"] = lk.LogisticRegression(solver="gd", max_iter=5).fit(X, y)
    cost, gradient = plots.plot_history(list(fits.values()))
    assert [line.get_label() for line in cost.get_lines()] == ["newton", "sgd", "gd"]
    for line, model in zip(cost.get_lines(), fits.values(), strict=True):
        np.testing.assert_array_equal(line.get_ydata(), model.history_["loss"])
        np.testing.assert_array_equal(line.get_xdata(), np.arange(len(model.history_)))
    assert gradient.get_yscale() == "log"
    timed = plots.plot_history(fits, "seconds", what="loss", ax=_axes())
    for line, model in zip(timed.get_lines(), fits.values(), strict=True):
        assert len(model._iteration_seconds) == len(model.history_)
        np.testing.assert_array_equal(line.get_xdata(), model._iteration_seconds)
        assert np.all(np.diff(model._iteration_seconds) >= 0)
    passes = plots.plot_history(fits["sgd"], "pass", what="grad_norm", ax=_axes())
    assert passes.get_xlabel() == "Passes over the data"
    with pytest.raises(ValueError, match="passes over the data are known for sgd"):
        plots.plot_history(fits["newton"], "pass")


def test_history_against_seconds_needs_a_fit_in_this_process(tmp_path, challenger):
    lk.save(challenger, tmp_path / "model.json")
    loaded = lk.load(tmp_path / "model.json")
    ax = plots.plot_history(loaded, what="loss", ax=_axes())
    assert len(ax.get_lines()) == 1
    with pytest.raises(ValueError, match="no iteration times"):
        plots.plot_history(loaded, "seconds")
    with pytest.raises(ValueError, match="x must be one of"):
        plots.plot_history(loaded, "epochs")


def test_plot_path_is_the_paths_plot(array_fit):
    _, X, y = array_fit
    path = lk.logistic_path(X, y, n_alphas=5)
    ax = plots.plot_path(path, ax=_axes())
    assert len(ax.get_lines()) == 3 + 1
    np.testing.assert_array_equal(ax.get_lines()[0].get_ydata(), path.coefs[:, 0])
    assert path.plot(ax=_axes()).get_xscale() == "log"


@pytest.mark.parametrize(
    "plot", [plots.plot_roc, plots.plot_binned_residuals, plots.plot_influence]
)
def test_binary_only_plots_refuse_a_multinomial_model(iris, plot):
    model, X, y = iris
    with pytest.raises(ValueError, match=r"model of two classes; this model has 3 \(setosa"):
        plot(model, X, y, ax=_axes())


@pytest.mark.parametrize(
    "plot",
    [
        plots.plot_roc,
        plots.plot_calibration,
        plots.plot_binned_residuals,
        plots.plot_influence,
        plots.plot_coefficients,
        plots.plot_marginal_effects,
        plots.plot_history,
    ],
)
def test_an_unfitted_model_is_refused(plot):
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError, match="not fitted"):
        plot(lk.LogisticRegression())


def test_data_of_the_wrong_shape_or_no_data_are_refused(array_fit):
    model, X, y = array_fit
    with pytest.raises(ValueError, match="3 features"):
        plots.plot_calibration(model, X[:, :2], y)
    with pytest.raises(ValueError, match="needs the data the model was fitted on"):
        plots.plot_calibration(model)
    with pytest.raises(ValueError, match="fitted on"):
        plots.plot_roc(model, X[:100], y[:100])
    with pytest.raises(TypeError, match="fitted logitkit model"):
        plots.plot_roc("model")
    with pytest.raises(ValueError, match="one Axes"):
        plots.plot_roc(model, X, y, ax=[_axes(), _axes()])


def test_without_matplotlib_a_plot_says_how_to_install_it(challenger, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r'pip install "logitkit\[plots\]"'):
        plots.plot_binned_residuals(challenger)
