"""logitkit.report: one self-contained HTML page whose numbers are the library's, whose
figures are all there, which reads at desktop and phone widths, and which refuses bad input
with a clear error."""

from __future__ import annotations

import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError

pytest.importorskip("matplotlib")

import logitkit as lk
from logitkit.report.page import number, pvalue
from problems import make_problem
from report_html import read_report

BINARY_FIGURES = [
    "figure-coefficients",
    "figure-roc",
    "figure-calibration",
    "figure-binned-residuals",
    "figure-influence",
    "figure-margins",
    "figure-history",
]


@pytest.fixture(scope="module")
def challenger():
    return lk.logit("damage ~ temperature_f", lk.datasets.load_challenger())


@pytest.fixture(scope="module")
def challenger_page(challenger, tmp_path_factory):
    path = tmp_path_factory.mktemp("report") / "challenger.html"
    assert lk.report(challenger, path=path) == path
    return path


@pytest.fixture(scope="module")
def frame_fit():
    X, y = make_problem(300, 3, seed=11)
    X = pd.DataFrame(X, columns=["age", "dose", "weight"])
    y = pd.Series(y, name="cured")
    return lk.LogisticRegression().fit(X, y), X, y


def test_the_page_refers_to_nothing_outside_itself(challenger_page):
    text = challenger_page.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in text
    lowered = text.lower()
    for reference in ("http://", "https://", "src=", "<script", "<link", "<img", "@import"):
        assert reference not in lowered, reference
    assert re.findall(r"url\((?!#)", text) == []
    assert re.findall(r'href="(?!#)', text) == []


def test_the_coefficient_table_is_the_summary_and_rs_glm(challenger, challenger_page):
    page = read_report(challenger_page.read_text(encoding="utf-8"))
    header, *rows = page.tables["coefficients"][0]
    assert header == [
        "Term",
        "Estimate",
        "Std. error",
        "z",
        "p-value",
        "95% low",
        "95% high",
        "Odds ratio",
        "OR 95% low",
        "OR 95% high",
    ]
    table = challenger.summary().table
    assert [row[0] for row in rows] == list(table.index)
    columns = [
        "coef",
        "std_err",
        "z",
        "p_value",
        "ci_low",
        "ci_high",
        "odds_ratio",
        "or_low",
        "or_high",
    ]
    for row, (_, values) in zip(rows, table.iterrows(), strict=True):
        for cell, column in zip(row[1:], columns, strict=True):
            shown = pvalue(values[column]) if column == "p_value" else number(values[column])
            assert cell == shown
            digits = 4 if column == "p_value" else 6
            assert float(cell) == pytest.approx(values[column], rel=10.0 ** (1 - digits))
    # R: glm(damage ~ temperature_f, binomial) on the 23 flights.
    assert float(rows[0][1]) == pytest.approx(15.0429, abs=1e-4)
    assert float(rows[1][1]) == pytest.approx(-0.232163, abs=1e-6)
    facts = page.facts["coefficients"]
    assert facts["Null deviance"] == f"{number(28.2672)} on 22 df"
    assert facts["Residual deviance"].startswith("20.3152 on 21")
    assert facts["AIC"] == number(challenger.record_.aic)


def test_the_goodness_of_fit_and_tests_are_the_librarys(challenger, challenger_page):
    page = read_report(challenger_page.read_text(encoding="utf-8"))
    fit = lk.goodness_of_fit(challenger)
    facts = page.facts["fit"]
    low, high = fit.auc_ci
    assert facts["AUC"] == f"{number(fit.auc)} (95% CI {number(low)} to {number(high)}, DeLong)"
    hl = fit.hosmer_lemeshow
    statistic = re.match(r"X² = (\S+), df = (\d+), p = (\S+)", facts["Hosmer–Lemeshow"])
    assert statistic.groups() == (number(hl["statistic"]), "7", pvalue(hl["p_value"]))
    assert float(statistic.group(1)) == pytest.approx(hl["statistic"], rel=1e-5)
    assert facts["Brier score"] == number(fit.brier)
    anova = page.tables["anova"][0]
    assert anova[1] == [
        "temperature_f",
        number(lk.anova(challenger).table.iloc[0, 0]),
        "1",
        pvalue(lk.anova(challenger).table.iloc[0, 2]),
    ]
    # The likelihood-ratio statistic is R's null minus residual deviance: 28.267 − 20.315.
    assert float(anova[1][1]) == pytest.approx(28.2672 - 20.3152, abs=2e-4)
    influential = page.tables["residuals"][0]
    measures = lk.influence(challenger).nlargest(5, "cooks_distance")
    assert [row[0] for row in influential[1:]] == [str(i) for i in measures.index]
    assert [row[1] for row in influential[1:]] == [number(v) for v in measures["cooks_distance"]]


def test_every_figure_is_inline_svg(challenger_page):
    text = challenger_page.read_text(encoding="utf-8")
    page = read_report(text)
    assert page.figures == BINARY_FIGURES
    assert text.count("<svg") == len(BINARY_FIGURES)
    assert "AUC = 0.781" in text
    assert "<?xml" not in text and "<!DOCTYPE svg" not in text


def test_a_model_of_arrays_reports_with_its_data_and_says_what_needs_it(frame_fit, tmp_path):
    model, X, y = frame_fit
    page = read_report(lk.report(model, X, y, tmp_path / "r.html").read_text(encoding="utf-8"))
    vif = lk.vif(model, X)
    assert [row[0] for row in page.tables["vif"][0][1:]] == list(vif.index)
    assert [row[1] for row in page.tables["vif"][0][1:]] == [number(v) for v in vif["gvif"]]
    assert page.figures == BINARY_FIGURES
    alone = lk.report(model, path=tmp_path / "alone.html").read_text(encoding="utf-8")
    assert "this check needs the data the model was fitted on" in alone
    assert read_report(alone).figures == ["figure-coefficients", "figure-history"]


def test_warnings_are_said_in_plain_words(tmp_path):
    X = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0], "copy": [2.0, 4, 6, 8, 10, 12]})
    y = np.array([0, 0, 0, 1, 1, 1])
    with pytest.warns((lk.SeparationWarning, lk.CollinearityWarning)):
        model = lk.LogisticRegression().fit(X, y)
    text = lk.report(model, X, y, tmp_path / "w.html").read_text(encoding="utf-8")
    warnings_html = text.split('id="warnings"')[1].split("</section>")[0]
    assert "Separation: " in warnings_html
    assert "Collinearity: the columns of copy are linear combinations" in warnings_html
    X2, y2 = make_problem(500, 3, seed=2)
    with pytest.warns(lk.ConvergenceWarning):
        short = lk.LogisticRegression(solver="gd", max_iter=2).fit(X2, y2)
    text = lk.report(short, X2, y2, tmp_path / "c.html").read_text(encoding="utf-8")
    assert "The solver (gd) stopped after 2 iterations without reaching its tolerance" in text
    fine = lk.report(lk.LogisticRegression().fit(X2, y2), X2, y2, tmp_path / "f.html")
    assert "No warnings" in fine.read_text(encoding="utf-8")


def test_a_multinomial_report_has_one_panel_per_class_and_says_what_is_binary_only(tmp_path):
    from sklearn.datasets import load_iris

    data = load_iris(as_frame=True)
    X, y = data.data, pd.Series(data.target_names[data.target], name="species")
    model = lk.LogisticRegression().fit(X, y)
    text = lk.report(model, X, y, tmp_path / "iris.html").read_text(encoding="utf-8")
    page = read_report(text)
    assert page.figures == [
        "figure-coefficients",
        "figure-calibration",
        "figure-margins",
        "figure-history",
    ]
    assert "Goodness of fit not available: goodness_of_fit: defined for two classes only" in text
    assert "Influence measures not available: model checking" in text
    rows = page.tables["coefficients"][0][1:]
    table = model.summary().table
    assert [row[0] for row in rows] == [f"{c}: {t}" for c, t in table.index]
    assert [row[1] for row in rows] == [number(v) for v in table["coef"]]


def test_the_analysis_of_deviance_of_many_rows_is_left_out_unless_asked(
    frame_fit, tmp_path, monkeypatch
):
    from logitkit.report import assemble

    model, X, y = frame_fit
    monkeypatch.setattr(assemble, "ANOVA_MAX_ROWS", 100)
    left_out = lk.report(model, X, y, tmp_path / "a.html").read_text(encoding="utf-8")
    assert "with 300 rows the report leaves them out" in left_out
    assert "anova" not in read_report(left_out).tables
    asked = read_report(lk.report(model, X, y, tmp_path / "b.html", anova=True).read_text())
    expected = lk.anova(model, X, y).table
    assert [row[1] for row in asked.tables["anova"][0][1:]] == [
        number(v) for v in expected["lr_chisq"]
    ]


def test_bad_input_gets_a_clear_error(frame_fit, tmp_path):
    model, X, y = frame_fit
    with pytest.raises(NotFittedError, match="not fitted"):
        lk.report(lk.LogisticRegression(), X, y, tmp_path / "r.html")
    with pytest.raises(ValueError, match="Feature names seen at fit time, yet now missing"):
        lk.report(model, X.iloc[:, :2], y, tmp_path / "r.html")
    with pytest.raises(ValueError, match="these differ from them"):
        lk.report(model, X.iloc[:200], y.iloc[:200], tmp_path / "r.html")
    with pytest.raises(ValueError, match="both X and y"):
        lk.report(model, X, None, tmp_path / "r.html")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        lk.report(model, X, y, tmp_path / "missing" / "r.html")
    with pytest.raises(IsADirectoryError, match="is a directory"):
        lk.report(model, X, y, tmp_path)
    with pytest.raises(TypeError, match="fitted logitkit model"):
        lk.report("model", path=tmp_path / "r.html")
    assert not (tmp_path / "r.html").exists()


def test_without_matplotlib_the_report_says_how_to_install_it(frame_fit, tmp_path, monkeypatch):
    model, X, y = frame_fit
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r'pip install "logitkit\[plots\]"'):
        lk.report(model, X, y, tmp_path / "r.html")


def test_logitkit_report_is_the_function_whichever_is_imported_first(tmp_path):
    probe = (
        "import logitkit.report.page, logitkit as lk, pandas as pd\n"
        "assert callable(lk.report)\n"
        "m = lk.logit('damage ~ temperature_f', lk.datasets.load_challenger())\n"
        f"print(lk.report(m, path={str(tmp_path / 'r.html')!r}).name)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "r.html"


OUTLINES = {name: (255, 0, 10 * (k + 1)) for k, name in enumerate(BINARY_FIGURES)}


@pytest.mark.parametrize(
    ("width", "height"), [(1280, 5000), (390, 12000)], ids=["desktop", "phone"]
)
def test_a_browser_draws_every_figure_at_desktop_and_phone_width(
    challenger_page, tmp_path, width, height
):
    from browser import is_blank, screenshot

    outlined = tmp_path / "outlined.html"
    marks = "".join(
        f"#{name}{{outline:3px solid rgb{colour}}}" for name, colour in OUTLINES.items()
    )
    text = challenger_page.read_text(encoding="utf-8")
    outlined.write_text(text.replace("</style>", f"{marks}</style>", 1), encoding="utf-8")
    pixels = screenshot(outlined, tmp_path / "page.png", width=width, height=height)
    assert not is_blank(pixels)
    codes = np.round(pixels * 255).astype(int)
    for name, colour in OUTLINES.items():
        rows, columns = np.nonzero(np.all(codes == colour, axis=-1))
        assert rows.size, f"{name} is not on the page"
        top, bottom, left, right = rows.min(), rows.max(), columns.min(), columns.max()
        assert right - left > 0.5 * min(width, 600) or name == "figure-history", name
        assert right < width - 4 and bottom - top > 100, name
        inside = pixels[top + 4 : bottom - 3, left + 4 : right - 3]
        assert not is_blank(inside), name
