"""The lesson (logitkit.lesson): every step's numbers are the real ones, the page is one
self-contained HTML file in either language, and docs/lesson.md matches the code.

The lesson is run once for the module; the numbers are checked against computations made here
from the library's public functions, not read back from the lesson.
"""

from __future__ import annotations

import inspect
import re
import string
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from matplotlib.axes import Axes
from scipy.stats import norm

import logitkit as lk
from logitkit.lesson import course
from logitkit.lesson.data import lesson_data
from logitkit.lesson.languages import LANGUAGES, text_for
from logitkit.lesson.markdown import _escape, image_name, markdown_name
from logitkit.lesson.page import render_html
from logitkit.lesson.steps_surface import squared_error_hessians
from logitkit.lesson.trace import run_solver

DOCS = Path(__file__).resolve().parent.parent / "docs"
CJK = re.compile(r"[\u4e00-\u9fff]")
TIMING = ("seconds_",)
"""Numbers that change from run to run: the timings."""
ROUNDING = ("largest_gap", "agree", "gap_gd", "epochs_gd", "iter_gd", "distance")
"""Numbers at the level of floating-point rounding, which may differ between CPUs and BLAS:
among them batch GD's count of steps, whose last crossing of its tolerance moves by a step
when the rounding of its slow, linear approach does."""


@pytest.fixture(scope="module")
def lesson():
    """The steps run once, and both pages rendered, with every warning recorded."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        steps = course.run_steps()
        pages = {lang: render_html(steps, text_for(lang), "test") for lang in LANGUAGES}
    return steps, pages, caught


@pytest.fixture(scope="module")
def numbers(lesson):
    return {step.key: step.shown.numbers for step in lesson[0]}


@pytest.fixture(scope="module")
def data():
    return lesson_data()


def test_the_lesson_runs_without_a_warning(lesson):
    assert [str(w.message) for w in lesson[2]] == []


def test_each_step_has_figure_panels_numbers_and_the_source_that_ran(lesson):
    steps = lesson[0]
    assert [step.key for step in steps] == [key for key, _ in course.STEPS]
    assert len(steps) == 8
    for step, (_, function) in zip(steps, course.STEPS, strict=True):
        assert step.shown.panels and all(isinstance(ax, Axes) for ax in step.shown.panels)
        assert step.shown.numbers
        assert step.code == inspect.getsource(function)
        assert step.code.startswith(f"def {function.__name__}(")
        assert step.function == f"{function.__module__}.{function.__name__}"


def test_step1_is_the_published_challenger_fit(numbers):
    step = numbers["sigmoid"]
    assert step["b"] == pytest.approx(15.0429, abs=5e-5)
    assert step["w"] == pytest.approx(-0.2322, abs=5e-5)
    assert step["p_launch"] == pytest.approx(lk.sigmoid(step["b"] + 31 * step["w"]))
    assert step["flights"] == 23


def test_step2_one_formula_gives_both_labels_probabilities(numbers):
    step = numbers["bernoulli"]
    assert step["agree"] < 1e-15
    assert (step["y_cold"], step["y_warm"]) == (1, 0)
    flights = lk.datasets.load_challenger()
    model = lk.LogisticRegression().fit(flights[["temperature_f"]], flights["damage"])
    proba = model.predict_proba(flights[["temperature_f"]])[:, 1]
    cold, warm = flights["temperature_f"].idxmin(), flights["temperature_f"].idxmax()
    assert step["p_cold"] == pytest.approx(proba[cold])
    assert step["p_warm"] == pytest.approx(1 - proba[warm])


def test_step3_the_product_underflows_to_zero_and_the_log_likelihood_is_finite(numbers, data):
    step = numbers["product"]
    model = lk.LogisticRegression().fit(data.X, data.y)
    z = model.decision_function(data.X)
    p = np.where(data.y == 1, lk.sigmoid(z), lk.sigmoid(-z))
    assert step["rows"] == len(data.y) >= 1000
    assert step["product"] == 0.0 and np.prod(p) == 0.0
    assert np.isfinite(step["loglik"]) and step["loglik"] < -700
    assert step["loglik"] == lk.log_likelihood(data.y, z)
    assert step["by_hand"] == pytest.approx(step["loglik"], rel=1e-12)
    zero_at = step["zero_at"]
    assert np.prod(p[: zero_at - 1]) > 0.0 and np.prod(p[:zero_at]) == 0.0
    assert step["log10_likelihood"] < np.log10(step["tiny"])


def test_step4_ascent_on_the_log_likelihood_and_descent_on_the_cost_take_the_same_steps(
    numbers, data
):
    step = numbers["surface"]
    assert step["largest_gap"] < 1e-12
    assert step["loglik_end"] > step["loglik_start"]
    m, eta = len(data.y), step["eta"]
    objective = lk.Objective.from_data(data.X, data.y)
    up = down = data.start
    X1 = np.column_stack([np.ones(m), data.x])
    for _ in range(step["steps"]):
        up = up + (eta / m) * (X1.T @ (data.y - lk.sigmoid(X1 @ up)))
        down = down - eta * objective.gradient(down)
        np.testing.assert_allclose(up, down, rtol=1e-12, atol=1e-14)
    assert (down[0], down[1]) == pytest.approx((step["b_end"], step["w_end"]))


def _finite_difference_hessian(cost, theta, h=1e-4):
    hessian = np.empty((2, 2))
    for i in range(2):
        for j in range(2):
            e_i, e_j = np.eye(2)[i] * h, np.eye(2)[j] * h
            hessian[i, j] = (
                cost(theta + e_i + e_j)
                - cost(theta + e_i - e_j)
                - cost(theta - e_i + e_j)
                + cost(theta - e_i - e_j)
            ) / (4 * h * h)
    return hessian


def test_step5_cross_entropy_is_convex_and_squared_error_is_not(numbers, data):
    step = numbers["convexity"]
    assert step["lowest_ce"] > 0
    assert step["lowest_se"] < 0
    assert 0 < step["share_not_convex"] < 1
    x, y = data.x, data.y

    def cross_entropy(theta):
        return lk.cross_entropy(y, theta[0] + theta[1] * x).mean()

    def squared_error(theta):
        return 0.5 * np.mean((lk.sigmoid(theta[0] + theta[1] * x) - y) ** 2)

    grid = [np.array([b, w]) for b in np.linspace(-3.6, 1.0, 7) for w in np.linspace(-3, 3, 7)]
    lowest_ce = [np.linalg.eigvalsh(_finite_difference_hessian(cross_entropy, t))[0] for t in grid]
    lowest_se = [np.linalg.eigvalsh(_finite_difference_hessian(squared_error, t))[0] for t in grid]
    assert min(lowest_ce) > -1e-6  # positive semidefinite at every grid point
    assert min(lowest_se) < -1e-2  # clearly indefinite somewhere
    b, w = np.array([t[0] for t in grid]), np.array([t[1] for t in grid])
    formula = squared_error_hessians(x, y, b, w)
    for theta, hessian in zip(grid, formula, strict=True):
        np.testing.assert_allclose(
            hessian, _finite_difference_hessian(squared_error, theta), atol=1e-6
        )
    assert step["grad_loss_at_minus10"] == pytest.approx(lk.sigmoid(-10.0) - 1)
    assert abs(step["grad_squared_at_minus10"]) < 1e-4 < abs(step["grad_loss_at_minus10"])


def test_step6_runs_the_three_descents_and_a_step_too_large(numbers):
    step = numbers["descents"]
    assert step["epochs_sgd"] < step["epochs_gd"] and step["epochs_minibatch"] < step["epochs_gd"]
    assert 0 < step["gap_minibatch"] < 1e-3 and 0 < step["gap_sgd"] < 1e-3
    assert step["gap_gd"] < 1e-12
    assert step["eta_good"] < step["limit"] < step["eta_big"]
    assert step["bounce_low"] > 1e-2
    assert "learning_rate=4" in step["refused"]


def test_the_traced_solvers_are_the_estimators(data):
    objective = lk.Objective.from_data(data.X, data.y)
    for solver in ("newton", "gd"):
        trace = run_solver(solver, objective, data.start, tol=1e-8)
        model = lk.LogisticRegression(solver=solver, tol=1e-8).fit(data.X, data.y)
        assert trace.n_iter == model.n_iter_
        np.testing.assert_allclose(trace.loss, model.history_["loss"], rtol=1e-12)
        np.testing.assert_allclose(trace.thetas[-1], [model.intercept_[0], model.coef_[0, 0]])
        assert len(trace.thetas) == len(trace.seconds) == trace.n_iter + 1
    first, second = (
        run_solver("sgd", objective, data.start, random_state=0).thetas for _ in range(2)
    )
    np.testing.assert_array_equal(first, second)  # seeded: the same iterates every run


def test_step7_newton_reaches_the_tolerance_in_fewer_iterations_than_gd(numbers):
    step = numbers["newton"]
    assert step["iter_newton"] < step["iter_gd"]
    assert step["iter_newton"] <= 10
    assert step["distance"] < 1e-5


def test_step8_the_gaussian_negative_log_likelihood_is_the_scaled_squared_error(numbers, data):
    step = numbers["gaussian"]
    x, y, sigma = data.gauss_x, data.gauss_y, data.gauss_sigma
    n = len(y)
    for b, w in [(0.0, 0.0), (1.0, 0.8), (-2.0, 3.0), (step["b_ls"], step["w_ls"])]:
        nll = -norm.logpdf(y, loc=b + w * x, scale=sigma).sum()
        sse = np.sum((y - b - w * x) ** 2)
        assert nll == pytest.approx(n / 2 * np.log(2 * np.pi * sigma**2) + sse / (2 * sigma**2))
    assert step["nll"] == pytest.approx(step["formula"], rel=1e-12)
    assert step["mle_gap"] < 1e-5
    slope, intercept = np.polyfit(x, y, 1)
    assert (step["b_ls"], step["w_ls"]) == pytest.approx((intercept, slope))


def test_the_page_is_self_contained(lesson):
    steps, pages, _ = lesson
    panels = sum(len(step.shown.panels) for step in steps)
    for page in pages.values():
        assert page.startswith("<!DOCTYPE html>")
        lowered = page.lower()
        for banned in ("<script", "http:", "https:", "@import", "<link", "<img", "src=", "<iframe"):
            assert banned not in lowered, banned
        assert set(re.findall(r'href="([^"]*)"', page)) <= {
            f"#{name}" for name in re.findall(r'id="([^"]+)"', page)
        }
        assert all(ref.startswith("#") for ref in re.findall(r"url\(([^)]*)\)", page))
        ids = re.findall(r'\bid="([^"]+)"', page)
        assert len(ids) == len(set(ids))
        assert page.count("<svg") == panels
        assert '<meta name="viewport"' in page


def test_every_step_has_a_figure_and_its_code(lesson):
    steps, pages, _ = lesson
    for page in pages.values():
        sections = re.findall(r'<section id="step-(\d+)".*?</section>', page, re.S)
        assert sections == [str(step.number) for step in steps]
        for step in steps:
            body = re.search(rf'<section id="step-{step.number}".*?</section>', page, re.S)
            assert body is not None
            section = body.group(0)
            assert section.count("<figure>") == 1
            assert section.count("<svg") == len(step.shown.panels)
            assert "<pre><code>" in section
            assert f"def {step.function.rpartition('.')[2]}(" in section
            assert 'class="formula"' in section


def test_the_chinese_page_is_in_chinese(lesson):
    steps, pages, _ = lesson
    assert '<html lang="zh-CN">' in pages["zh"]
    assert '<html lang="en">' in pages["en"]
    assert not CJK.search(pages["en"])
    for step in steps:
        section = re.search(rf'<section id="step-{step.number}".*?</section>', pages["zh"], re.S)
        assert section is not None
        assert len(CJK.findall(section.group(0))) > 50


def test_every_text_quotes_only_numbers_its_step_computes(lesson):
    for lang in LANGUAGES:
        text = text_for(lang)
        assert set(text["steps"]) == {key for key, _ in course.STEPS}
        for step in lesson[0]:
            words = text["steps"][step.key]
            for template in (*words["text"], words["caption"]):
                names = {field for _, field, _, _ in string.Formatter().parse(template) if field}
                assert names <= set(step.shown.numbers), (lang, step.key, names)


def test_lesson_writes_the_page_and_rejects_bad_input_before_the_work(tmp_path, monkeypatch):
    with pytest.raises(ValueError, match="unknown lesson language 'fr'.*'en', 'zh'"):
        lk.lesson(tmp_path / "x.html", lang="fr")
    with pytest.raises(FileNotFoundError, match="no folder"):
        lk.lesson(tmp_path / "missing" / "x.html")
    with pytest.raises(IsADirectoryError):
        lk.lesson(tmp_path)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ImportError, match=re.escape('pip install "logitkit[plots]"')):
        lk.lesson(tmp_path / "x.html")
    assert not (tmp_path / "x.html").exists()


def test_logitkit_lesson_is_callable_whichever_is_imported_first():
    code = (
        "import logitkit.lesson, logitkit; assert callable(logitkit.lesson); "
        "import logitkit as lk; from logitkit.lesson import lesson; "
        "assert lk.__getattr__('lesson') is lesson; print('ok')"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "ok", result.stderr


def _pattern(template: str, numbers: dict, volatile: tuple[str, ...]) -> str:
    """A regular expression for the template filled with ``numbers``, in which a volatile
    number may be anything without a space."""
    parts = []
    for literal, field, spec, conversion in string.Formatter().parse(template):
        parts.append(re.escape(_escape(literal)))
        if field is None:
            continue
        if field.startswith(volatile):
            parts.append(r"\S+?")
        else:
            value = numbers[field]
            value = repr(value) if conversion == "r" else value
            parts.append(re.escape(_escape(format(value, spec))))
    return "".join(parts)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_docs_lesson_quotes_the_numbers_and_code_the_lesson_computes_now(lesson, lang):
    """docs/lesson.md (and its translation) say what the code computes now: rerun
    ``python docs/make_lesson.py`` when this fails."""
    document = (DOCS / markdown_name(lang)).read_text(encoding="utf-8")
    text = text_for(lang)
    for step in lesson[0]:
        words = text["steps"][step.key]
        for template in (*words["text"], words["caption"]):
            pattern = _pattern(template, step.shown.numbers, TIMING + ROUNDING)
            assert re.search(pattern, document), (lang, step.key, template[:60])
        assert step.code.rstrip("\n") in document, (lang, step.key)
        for index in range(len(step.shown.panels)):
            name = image_name(step, index)
            assert f"images/lesson/{name}" in document
            assert (DOCS / "images" / "lesson" / name).is_file()
    underflow = lesson[0][2].shown.numbers
    assert f"<b>{underflow['product']!r}</b>" in document
    assert f"<b>{underflow['loglik']:.4f}</b>" in document
