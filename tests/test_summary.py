"""The Summary: R's summary.glm layout and numbers, HTML, JSON-ready dict, bad input; and
what model.summary() builds from a fit: its level, penalty, robust errors and profile bounds."""

from __future__ import annotations

import dataclasses
import json
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy.stats import chi2

import logitkit as lk
from logitkit.inference import summarize as summarize_module
from logitkit.inference.covariance import covariance
from logitkit.inference.intervals import wald_table
from logitkit.inference.summary import NOT_CONVERGED, SIGNIF_LEGEND, Summary

VOID_TAGS = {"br"}


@dataclasses.dataclass(frozen=True)
class Separation:
    """Stands in for the separation finding: kind, terms and a one-sentence str()."""

    kind: str
    terms: dict[str, int]

    def __str__(self) -> str:
        terms = ", ".join(self.terms)
        return f"{self.kind} separation: the estimates of {terms} run off to infinity"


def fitted_summary(temperature, damage, names=("Intercept", "Temp"), **fields: object) -> Summary:
    """The summary of damage ~ temperature, every number computed from the data here."""
    X = np.asarray(temperature, dtype=float)[:, None]
    y = np.asarray(damage, dtype=float)
    model = lk.LogisticRegression(solver="newton", tol=1e-12).fit(X, y)
    coef = np.concatenate([model.intercept_, model.coef_[0]])
    Xt = np.column_stack([np.ones(len(y)), X])
    p = lk.sigmoid(Xt @ coef)
    information = (Xt * (p * (1 - p))[:, None]).T @ Xt
    table = wald_table(coef, covariance(information), list(names))
    n, k = len(y), 2
    loglik = float(np.sum(y * np.log(p) + (1 - y) * np.log1p(-p)))
    mean = y.mean()
    null = n * (mean * np.log(mean) + (1 - mean) * np.log1p(-mean))
    values: dict[str, object] = {
        "table": table,
        "loglik": loglik,
        "null_loglik": null,
        "deviance": -2 * loglik,
        "null_deviance": -2 * null,
        "aic": -2 * loglik + 2 * k,
        "bic": -2 * loglik + k * np.log(n),
        "df_model": k - 1,
        "df_resid": n - k,
        "n_obs": float(n),
        "converged": bool(model.converged_),
        "n_iter": int(model.n_iter_),
        "solver": "newton",
    }
    values.update(fields)
    return Summary(**values)


def challenger_summary(**fields: object) -> Summary:
    data = lk.datasets.load_challenger()
    return fitted_summary(
        data["temperature_f"],
        data["damage"],
        names=("Intercept", "temperature_f"),
        target="damage",
        modelled=1,
        **fields,
    )


def table_of(coef, std_err, z, p_value) -> pd.DataFrame:
    """A table holding given numbers (the bounds follow from coef ∓ 1.96 se)."""
    coef, std_err = np.asarray(coef, float), np.asarray(std_err, float)
    table = wald_table(coef, np.diag(std_err**2), [f"x{j}" for j in range(len(coef))])
    table["z"] = z
    table["p_value"] = p_value
    return table


def summary_of(table: pd.DataFrame, **fields: object) -> Summary:
    values: dict[str, object] = {
        "table": table,
        "loglik": -10.0,
        "null_loglik": -12.0,
        "deviance": 20.0,
        "null_deviance": 24.0,
        "aic": 24.0,
        "bic": 26.0,
        "df_model": len(table) - 1,
        "df_resid": 30.0,
        "n_obs": 30.0 + len(table),
        "converged": True,
        "n_iter": 4,
        "solver": "newton",
    }
    values.update(fields)
    return Summary(**values)


def row_tokens(text: str, term: str) -> list[str]:
    return next(line.split() for line in text.splitlines() if line.startswith(term + " "))


def test_bundled_challenger_summary_shows_r_glm_numbers() -> None:
    """R's glm(damage ~ temperature_f, binomial) on these 23 flights (datasets/challenger.md)."""
    text = str(challenger_summary())
    assert row_tokens(text, "Intercept")[:6] == [
        "Intercept",
        "15.0429",
        "7.3786",
        "2.039",
        "0.0415",
        "*",
    ]
    assert row_tokens(text, "temperature_f")[:6] == [
        "temperature_f",
        "-0.2322",
        "0.1082",
        "-2.145",
        "0.0320",
        "*",
    ]
    lines = text.splitlines()
    assert "    Null deviance: 28.267  on 22  degrees of freedom" in lines
    assert "Residual deviance: 20.315  on 21  degrees of freedom" in lines
    assert any(line.startswith("AIC: 24.315    BIC: 26.586") for line in lines)
    assert "Log-likelihood: -10.158" in text
    assert "Response: damage, modelled as P(damage = 1)" in lines


def test_24_flight_summary_reproduces_r_printout_line_for_line() -> None:
    """R's summary(glm(Damage ~ Temp, binomial)) on the 24 flights (STS-4 at 80 °F, no damage).

    Published R output: "(Intercept)  15.2968     7.3286   2.087   0.0369 *",
    "Temp         -0.2360     0.1074  -2.198   0.0279 *", deviances 28.975 on 23 and 20.371
    on 22, AIC 24.371.
    """
    data = lk.datasets.load_challenger()
    text = str(fitted_summary(np.r_[data["temperature_f"], 80], np.r_[data["damage"], 0]))
    lines = text.splitlines()
    header = next(i for i, line in enumerate(lines) if line == "Coefficients:")
    assert lines[header + 1].split()[:4] == ["Estimate", "Std.", "Error", "z"]
    assert lines[header + 2].startswith("Intercept  15.2968     7.3286   2.087   0.0369 *")
    assert lines[header + 3].startswith("Temp       -0.2360     0.1074  -2.198   0.0279 *")
    assert lines[header + 4 : header + 6] == ["---", SIGNIF_LEGEND]
    assert "    Null deviance: 28.975  on 23  degrees of freedom" in lines
    assert "Residual deviance: 20.371  on 22  degrees of freedom" in lines
    assert any(line.startswith("AIC: 24.371 ") for line in lines)


def test_five_decimal_estimates_as_r_prints_them() -> None:
    """R's summary(glm(Failure ~ Temp, binomial)) on another 24-flight coding of the data.

    R printed 10.87535 and -0.17132 (estimates), 0.08344 (slope's se), z 1.907 and -2.053 and
    p 0.0565 with ".": five decimals because the smallest magnitude, 0.08344, needs them.
    (R's intercept se, 5.70291, comes from the weights of the iteration before the last;
    the exact value at the estimate, which statsmodels also reports, is 5.70313.)
    """
    temperature = [53, 56, 57, 63, 66, 67, 67, 67, 68, 69, 70, 70, 70, 70, 72, 73]
    temperature += [75, 75, 76, 76, 78, 79, 80, 81]
    failure = [1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]
    text = str(fitted_summary(temperature, failure))
    assert row_tokens(text, "Intercept")[:6] == [
        "Intercept",
        "10.87535",
        "5.70313",
        "1.907",
        "0.0565",
        ".",
    ]
    assert row_tokens(text, "Temp")[:6] == ["Temp", "-0.17132", "0.08344", "-2.053", "0.0401", "*"]
    assert "    Null deviance: 28.975  on 23  degrees of freedom" in text.splitlines()
    assert "Residual deviance: 23.030  on 22  degrees of freedom" in text.splitlines()


def test_column_formatting_and_p_values_follow_r_print_coefmat() -> None:
    """The numbers of R's summary(lm(mpg ~ wt + hp, mtcars)), a classic printout:

    (Intercept) 37.22727    1.59879  23.285  < 2e-16 ***
    wt          -3.87783    0.63273  -6.129 1.12e-06 ***
    hp          -0.03177    0.00903  -3.519  0.00145 **
    """
    table = table_of(
        [37.22727, -3.87783, -0.03177],
        [1.59879, 0.63273, 0.00903],
        [23.2850, -6.1286, -3.5187],
        [2.565459e-20, 1.119647e-06, 1.451229e-03],
    )
    text = str(summary_of(table))
    assert row_tokens(text, "x0")[:7] == [
        "x0",
        "37.22727",
        "1.59879",
        "23.285",
        "<",
        "2e-16",
        "***",
    ]
    assert row_tokens(text, "x1")[:6] == ["x1", "-3.87783", "0.63273", "-6.129", "1.12e-06", "***"]
    assert row_tokens(text, "x2")[:6] == ["x2", "-0.03177", "0.00903", "-3.519", "0.00145", "**"]


@pytest.mark.parametrize(
    ("p_values", "expected"),
    [
        ([1e-30, 0.0415, 0.5], ["<2e-16", "0.0415", "0.5000"]),
        ([1e-30, 1e-30], ["<2e-16", "<2e-16"]),
        ([0.0005, 0.0123, 0.2], ["0.0005", "0.0123", "0.2000"]),
        ([0.0005, 0.2], ["5e-04", "2e-01"]),
        ([0.00005, 1.5e-10, 0.7], ["5.0e-05", "1.5e-10", "0.7"]),
        ([1.0, 0.99999], ["1", "1"]),
    ],
)
def test_p_values_read_as_r_format_pval_writes_them(p_values, expected) -> None:
    n = len(p_values)
    table = table_of(np.ones(n), np.ones(n), np.ones(n), p_values)
    text = str(summary_of(table))
    shown = [row_tokens(text, f"x{j}")[4] for j in range(n)]
    assert shown == expected


def test_significance_codes_use_r_cut_points() -> None:
    p_values = [0.0009, 0.001, 0.0099, 0.05, 0.0999, 0.1, 0.6]
    n = len(p_values)
    text = str(summary_of(table_of(np.ones(n), np.ones(n), np.ones(n), p_values)))
    stars = []
    for j in range(n):
        line = next(line for line in text.splitlines() if line.startswith(f"x{j} "))
        stars.append(line.split()[5] if line.split()[5] in {"***", "**", "*", "."} else "")
    assert stars == ["***", "***", "**", "*", ".", ".", ""]
    assert SIGNIF_LEGEND in text


def test_no_significance_codes_when_no_p_value_is_below_a_tenth() -> None:
    text = str(summary_of(table_of([0.1, 0.2], [1.0, 1.0], [0.1, 0.2], [0.92, 0.84])))
    assert "Signif. codes" not in text
    assert "---" not in text


def test_non_converged_summary_starts_with_the_warning() -> None:
    summary = challenger_summary(converged=False)
    text = str(summary)
    assert text.splitlines()[0] == NOT_CONVERGED
    assert f"Number of iterations: {summary.n_iter} (newton), not converged" in text
    assert NOT_CONVERGED in summary._repr_html_()
    assert str(challenger_summary()).splitlines()[0].startswith("Logistic regression")


def test_iterations_standard_errors_and_intervals_are_stated() -> None:
    text = str(
        challenger_summary(cov_type="cluster", n_groups=6, ci="profile", level=0.9, n_iter=5)
    )
    assert "Number of iterations: 5 (newton), converged" in text
    assert "Standard errors: cluster-robust, 6 groups; 90% profile-likelihood intervals" in text
    header = next(line for line in text.splitlines() if line.lstrip().startswith("Estimate"))
    assert "5 %" in header and "95 %" in header and "OR 95 %" in header
    hc1 = str(challenger_summary(cov_type="HC1"))
    assert "Standard errors: HC1 (heteroskedasticity-robust sandwich); 95% Wald intervals" in hc1


def test_the_fitting_method_is_named() -> None:
    plain = str(challenger_summary())
    assert plain.splitlines()[0].endswith("fitted by maximum likelihood")
    firth = str(challenger_summary(firth=True))
    assert firth.splitlines()[0].endswith("fitted by Firth's penalised likelihood")
    ridge = str(challenger_summary(penalty="alpha=0.1, l1_ratio=0"))
    assert ridge.splitlines()[0].endswith("fitted with penalty alpha=0.1, l1_ratio=0")


def test_a_penalised_summary_says_its_inference_conditions_on_the_selected_model() -> None:
    caveat = (
        "Penalised fit: p-values and intervals condition on the selected model "
        "(alpha and the kept terms taken as given)"
    )
    ridge = str(challenger_summary(penalty="alpha=0.1, l1_ratio=0")).splitlines()
    assert ridge[2] == caveat
    assert caveat not in str(challenger_summary())
    assert caveat not in str(challenger_summary(firth=True))


def test_separation_gets_a_plain_note_and_infinite_standard_errors() -> None:
    table = wald_table(
        np.array([-0.4, 31.0]),
        np.array([[0.2, np.nan], [np.nan, np.inf]]),
        ["Intercept", "smoker"],
    )
    finding = Separation("quasi-complete", {"smoker": 1})
    text = str(summary_of(table, separation=finding))
    assert text.splitlines()[-2:] == [
        "Note: quasi-complete separation: the estimates of smoker run off to infinity.",
        "The standard errors of the separated coefficients are infinite. Consider firth=True or "
        "a penalty (alpha > 0).",
    ]
    assert row_tokens(text, "smoker")[1:5] == ["31.0000", "Inf", "0.000", "1.000"]
    assert "-Inf" in row_tokens(text, "smoker")
    penalised = str(summary_of(table, separation=finding, firth=True))
    assert penalised.splitlines()[-1] == "The penalty keeps the estimates finite."
    assert "Note:" not in str(summary_of(table))


class TagChecker(HTMLParser):
    """Records the start tags and fails on any end tag that does not close the open one."""

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.seen: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        self.seen.append(tag)
        if tag not in VOID_TAGS:
            self.open.append(tag)

    def handle_endtag(self, tag) -> None:
        assert self.open and self.open.pop() == tag, f"unbalanced </{tag}>"

    def handle_data(self, data) -> None:
        self.text.append(data)


def test_html_is_well_formed_and_holds_the_table() -> None:
    table = wald_table(np.array([0.5, -1.0]), np.eye(2) * 0.04, ["Intercept", "<b>&x"])
    summary = summary_of(table)
    markup = summary._repr_html_()
    checker = TagChecker()
    checker.feed(markup)
    checker.close()
    assert checker.open == []
    assert checker.seen.count("table") == 1
    assert checker.seen.count("tr") == 3
    assert "&lt;b&gt;&amp;x" in markup and "<b>&x" not in markup
    text = "".join(checker.text)
    for cell in (
        "Estimate",
        "Std. Error",
        "Pr(>|z|)",
        "Odds ratio",
        "Residual deviance: 20  on 30",
    ):
        assert cell in text
    assert "<b>&x" in text


def test_to_dict_is_json_ready_and_round_trips() -> None:
    table = wald_table(np.array([-0.4, 31.0]), np.diag([0.2, np.inf]), ["Intercept", "smoker"])
    summary = summary_of(
        table,
        separation=Separation("quasi-complete", {"smoker": 1}),
        modelled=np.int64(1),
        target="low",
    )
    result = summary.to_dict()
    encoded = json.dumps(result, allow_nan=False)
    assert json.loads(encoded) == result
    smoker = result["coefficients"]["smoker"]
    assert smoker["std_err"] == "inf" and smoker["ci_low"] == "-inf" and smoker["or_low"] == 0.0
    assert smoker["coef"] == 31.0
    assert list(result["coefficients"]) == ["Intercept", "smoker"]
    assert result["separation"] == {
        "message": str(Separation("quasi-complete", {"smoker": 1})),
        "kind": "quasi-complete",
        "terms": {"smoker": 1},
    }
    assert result["modelled"] == 1 and type(result["modelled"]) is int
    for key in ("loglik", "null_loglik", "deviance", "null_deviance", "aic", "bic", "df_model"):
        assert result[key] == getattr(summary, key)
    assert (result["converged"], result["n_iter"], result["level"]) == (True, 4, 0.95)
    assert challenger_summary().to_dict()["separation"] is None


def test_nan_becomes_the_string_nan() -> None:
    table = wald_table(np.array([1.0]), np.array([[1.0]]), ["x"])
    table["p_value"] = np.nan
    assert summary_of(table).to_dict()["coefficients"]["x"]["p_value"] == "nan"


def test_to_frame_and_table_are_copies() -> None:
    table = wald_table(np.array([1.0]), np.array([[1.0]]), ["x"])
    summary = summary_of(table)
    table.loc["x", "coef"] = 99.0
    assert summary.table.loc["x", "coef"] == 1.0
    frame = summary.to_frame()
    frame.loc["x", "coef"] = 42.0
    assert summary.table.loc["x", "coef"] == 1.0
    pd.testing.assert_frame_equal(summary.to_frame(), summary.table)


def test_summary_is_frozen() -> None:
    summary = challenger_summary()
    with pytest.raises(dataclasses.FrozenInstanceError):
        summary.aic = 0.0  # type: ignore[misc]


def test_fractional_weights_show_fractional_counts() -> None:
    text = str(summary_of(table_of([1.0], [1.0], [1.0], [0.3]), df_resid=20.5, n_obs=21.5))
    assert "Residual deviance: 20  on 20.5  degrees of freedom" in text
    assert "Number of observations: 21.5" in text


# Bad input


@pytest.mark.parametrize("level", [0.0, 1.0, 1.2, -0.1])
def test_level_outside_zero_one_is_rejected(level) -> None:
    with pytest.raises(ValueError, match="level must be in"):
        challenger_summary(level=level)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"ci": "bootstrap"}, "ci must be one of"),
        ({"cov_type": "HC3"}, "cov_type must be one of"),
    ],
)
def test_unknown_methods_are_rejected(fields, message) -> None:
    with pytest.raises(ValueError, match=message):
        challenger_summary(**fields)


def test_a_table_without_the_standard_columns_is_rejected() -> None:
    table = wald_table(np.array([1.0]), np.array([[1.0]]), ["x"]).drop(columns="or_high")
    with pytest.raises(ValueError, match="table must have the columns"):
        summary_of(table)


# From a fit: model.summary()


@pytest.fixture(scope="module")
def challenger_fit():
    flights = lk.datasets.load_challenger()
    return lk.logit("damage ~ temperature_f", flights), flights


def profile_deviance(flights, j: int, value: float, loglik_max: float) -> float:
    """2(ℓ̂ − ℓ_p(β)) with coefficient j held at β: statsmodels' GLM with offset β·x̃ⱼ."""
    design = np.column_stack([np.ones(len(flights)), flights["temperature_f"]])
    rest = np.delete(design, j, axis=1)
    fit = sm_glm(flights["damage"], rest, offset=value * design[:, j])
    return 2 * (loglik_max - fit.llf)


def sm_glm(y, design, offset=None):
    """statsmodels' binomial GLM fitted to a tight tolerance."""
    return sm.GLM(y, design, family=sm.families.Binomial(), offset=offset).fit(tol=1e-12)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"cov_type": "cluster", "groups": np.zeros(32)}, "cluster-robust errors need the data"),
        ({"ci": "profile"}, "profile intervals need the data"),
    ],
)
def test_a_summary_without_the_data_names_what_needs_them(kwargs, message) -> None:
    """Without X and y, the refusal names the result that needs them."""
    data = lk.datasets.load_challenger()
    model = lk.LogisticRegression().fit(data[["temperature_f"]], data["damage"])
    with pytest.raises(ValueError, match=message):
        model.summary(**kwargs)


def test_wald_intervals_and_the_stated_level_follow_level(challenger_fit) -> None:
    """At level 0.9 the Wald bounds are θ̂ ∓ Φ⁻¹(0.95)·se, as statsmodels' conf_int(0.1), and
    the summary states 90%."""
    model, flights = challenger_fit
    summary = model.summary(level=0.9)
    design = np.column_stack([np.ones(len(flights)), flights["temperature_f"]])
    oracle = sm_glm(flights["damage"], design).conf_int(alpha=0.1)
    np.testing.assert_allclose(summary.table[["ci_low", "ci_high"]], oracle, rtol=1e-6)
    assert summary.level == 0.9
    assert "90% Wald intervals" in str(summary)


def test_profile_bounds_at_level_ninety_solve_the_likelihood_ratio_equation(
    challenger_fit,
) -> None:
    """Each 90% profile bound β solves 2(ℓ̂ − ℓ_p(β)) = χ²₁(0.9) = 2.7055."""
    model, flights = challenger_fit
    table = model.summary(ci="profile", level=0.9).table
    for j in range(2):
        for bound in ("ci_low", "ci_high"):
            deviance = profile_deviance(flights, j, table[bound].iloc[j], model.loglik_)
            assert deviance == pytest.approx(chi2.ppf(0.9, 1), abs=1e-6)


@pytest.mark.parametrize(
    ("params", "penalty", "firth"),
    [
        ({}, None, False),
        ({"alpha": 0.1}, "alpha=0.1, l1_ratio=0", False),
        ({"alpha": 1.0}, "alpha=1, l1_ratio=0", False),
        ({"firth": True}, None, True),
    ],
)
def test_the_summary_records_the_penalty_and_firth(params, penalty, firth) -> None:
    """The summary of a fit carries its penalty as "alpha=…, l1_ratio=…" (None unpenalised)
    and whether Firth's likelihood was maximised; the first line says which."""
    data = lk.datasets.load_challenger()
    model = lk.LogisticRegression(**params).fit(data[["temperature_f"]], data["damage"])
    summary = model.summary()
    assert (summary.penalty, summary.firth) == (penalty, firth)
    first = str(summary).splitlines()[0]
    assert first.endswith(f"fitted with penalty {penalty}" if penalty else "likelihood")


def test_a_model_file_without_the_meat_still_gives_nonrobust_errors(tmp_path) -> None:
    """A saved model whose "score_outer" is null keeps I: its nonrobust table is the fit's."""
    data = lk.datasets.load_challenger()
    model = lk.LogisticRegression().fit(data[["temperature_f"]], data["damage"])
    lk.save(model, tmp_path / "model.json")
    content = json.loads((tmp_path / "model.json").read_text())
    content["statistics"]["score_outer"] = None
    (tmp_path / "meatless.json").write_text(json.dumps(content))
    restored = lk.load(tmp_path / "meatless.json")
    pd.testing.assert_frame_equal(restored.summary().table, model.summary().table)


@pytest.mark.parametrize(("cov_type", "factor"), [("HC0", 1.0), ("HC1", 32 / 28)])
def test_robust_errors_of_an_aliased_fit_are_those_of_the_reduced_design(cov_type, factor) -> None:
    """With a constant and a combination GPA + 2·TUCE aliased, the sandwich errors of the rest
    are statsmodels' HC0 on the design without them (times n/(n − k) for HC1, n = 32 and k = 4
    estimable coefficients), and the aliased rows are NaN."""
    data = sm.datasets.spector.load_pandas().data
    X = data[["GPA", "TUCE", "PSI"]].assign(const=1.0, combo=data["GPA"] + 2.0 * data["TUCE"])
    with pytest.warns(lk.CollinearityWarning):
        model = lk.LogisticRegression().fit(X, data["GRADE"])
    table = model.summary(cov_type=cov_type).table
    oracle = sm.Logit(data["GRADE"], sm.add_constant(data[["GPA", "TUCE", "PSI"]])).fit(
        disp=0, tol=1e-12, cov_type="HC0"
    )
    np.testing.assert_allclose(
        table.loc[["Intercept", "GPA", "TUCE", "PSI"], "std_err"],
        oracle.bse * np.sqrt(factor),
        rtol=1e-6,
    )
    assert table.loc[["const", "combo"], "std_err"].isna().all()


@pytest.mark.parametrize(
    ("converged", "gradient", "where", "refused"),
    [
        (False, 1e-3, "inside", True),
        (False, 1e-3, "outside", False),
        (True, 1e-3, "everywhere", False),
        (False, 1e-9, "everywhere", False),
    ],
    ids=["stalled-inside", "stalled-past-the-bounds", "converged", "flat"],
)
def test_a_profile_fit_that_stalls_is_refused_only_inside_the_interval(
    monkeypatch, challenger_fit, converged, gradient, where, refused
) -> None:
    """The constrained fits are made to report (converged, final ‖∇J‖∞) at the exact profile
    optimum. One that did not converge with a gradient above 1e-7 gives a lower bound of ℓ_p:
    inside the interval that is an error; past a bound (here by more than 10⁻⁴ of the width,
    far beyond the bounds' error, so χ²₁(0.95) < D(β), below χ²₂(0.95) at some probes) it
    still brackets the root, and the bounds are unchanged. A converged fit, or one whose
    gradient is flat (≤ 1e-7), is taken as it is."""
    model, _ = challenger_fit
    expected = model.summary(ci="profile").table
    solve = summarize_module.solve_newton

    def reporting(fixed, coef0, options):
        result = solve(fixed, coef0, options)
        j = int(np.setdiff1d(np.arange(2), fixed.positions)[0])
        value = fixed.base[j]
        low, high = expected[["ci_low", "ci_high"]].iloc[j]
        margin = 1e-4 * (high - low)
        outside = not low - margin <= value <= high + margin
        if where == "everywhere" or outside == (where == "outside"):
            grad_norm = [*result.grad_norm[:-1], gradient]
            return dataclasses.replace(result, converged=converged, grad_norm=grad_norm)
        return result

    monkeypatch.setattr(summarize_module, "solve_newton", reporting)
    if refused:
        with pytest.raises(ValueError, match="did not converge"):
            model.summary(ci="profile")
    else:
        table = model.summary(ci="profile").table
        np.testing.assert_allclose(
            table[["ci_low", "ci_high"]], expected[["ci_low", "ci_high"]], rtol=1e-9
        )


@pytest.mark.parametrize("firth", [False, True])
def test_profile_newton_steps_use_the_exact_hessian_of_the_held_fixed_cost(firth) -> None:
    """With θⱼ held, Newton's matrix is the restricted Hessian; for Firth's J*, whose hessian()
    is Fisher's approximation, it is instead ∂∇J*/∂θ, here checked against central differences
    of the gradient with steps of 10⁻⁴ (error O(10⁻⁸))."""
    rng = np.random.default_rng(7)
    X = rng.standard_normal((40, 3))
    y = (X[:, 0] + rng.standard_normal(40) > 0).astype(float)
    objective = lk.Objective.from_data(X, y, firth=firth)
    fixed = summarize_module._HeldFixed(objective, np.array([0, 2, 3]), 1, 0.7)
    coef = np.array([0.3, -0.8, 0.5])
    matrix = fixed.newton_hessian(coef)
    if not firth:
        np.testing.assert_array_equal(matrix, fixed.hessian(coef))
        return
    step = 1e-4
    columns = [
        (fixed.smooth_gradient(coef + step * unit) - fixed.smooth_gradient(coef - step * unit))
        / (2 * step)
        for unit in np.eye(3)
    ]
    np.testing.assert_allclose(matrix, np.array(columns), rtol=1e-6, atol=1e-9)
    assert not np.allclose(matrix, fixed.hessian(coef), rtol=1e-2)
