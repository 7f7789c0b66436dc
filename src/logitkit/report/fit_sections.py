"""The report's sections on the fit itself: the coefficients and the fit's statistics, the
goodness of fit, the analysis of deviance and the variance inflation factors."""

from __future__ import annotations

from typing import Any

import pandas as pd

from .assemble import Results, Unavailable
from .page import Section, definitions, figures, frame_table, number, paragraph, pvalue, rows_table
from .parts import drawn, unavailable

__all__ = ["anova_section", "fit_section", "summary_section", "vif_section"]


def summary_section(results: Results) -> Section:
    """The coefficient table, the fit's statistics and the forest plot of the odds ratios."""
    summary = results.summary
    missing = unavailable("Summary", summary)
    if missing:
        return Section("coefficients", "Coefficients", missing)
    table = summary.table
    level = f"{round(summary.level * 100, 6):g}%"
    columns = {
        "coef": ("Estimate", number),
        "std_err": ("Std. error", number),
        "z": ("z", number),
        "p_value": ("p-value", pvalue),
        "ci_low": (f"{level} low", number),
        "ci_high": (f"{level} high", number),
        "odds_ratio": ("Odds ratio", number),
        "or_low": (f"OR {level} low", number),
        "or_high": (f"OR {level} high", number),
    }
    kind = "profile-likelihood" if summary.ci == "profile" else "Wald"
    body = [paragraph(_model_sentence(summary))]
    body.append(frame_table(table, columns, index_label="Term", css="coefficients"))
    facts = [
        (
            "Null deviance",
            f"{number(summary.null_deviance)} on {number(summary.df_model + summary.df_resid)} df",
        ),
        ("Residual deviance", f"{number(summary.deviance)} on {number(summary.df_resid)} df"),
        ("AIC", number(summary.aic)),
        ("BIC", number(summary.bic)),
        ("Log-likelihood", number(summary.loglik)),
        ("Observations", number(summary.n_obs)),
        (
            "Iterations",
            f"{summary.n_iter} ({summary.solver}), "
            f"{'converged' if summary.converged else 'not converged'}",
        ),
        ("Standard errors", f"{_COVARIANCES[summary.cov_type]}; {level} {kind} intervals"),
    ]
    body.append(definitions(facts))
    classes = (
        table.index.get_level_values(0).nunique() if isinstance(table.index, pd.MultiIndex) else 1
    )
    terms = table.index.get_level_values(-1).nunique()
    height = float(min(max(2.6, 0.8 + 0.32 * terms), 9.0))
    from ..plots import plot_coefficients

    body.append(
        figures(
            drawn(
                lambda ax: plot_coefficients(summary, odds_ratio=True, ax=ax),
                "coefficients",
                f"Odds ratios with their {level} {kind} intervals "
                "(log scale; the intercept left out)",
                panels=classes,
                size=(4.2 * classes if classes > 1 else 6.0, height),
                wide=True,
            )
        )
    )
    return Section("coefficients", "Coefficients", "".join(body))


_COVARIANCES = {
    "nonrobust": "model-based (inverse information)",
    "HC0": "HC0 (heteroskedasticity-robust sandwich)",
    "HC1": "HC1 (heteroskedasticity-robust sandwich, n/(n − k))",
    "cluster": "cluster-robust",
}


def _model_sentence(summary: Any) -> str:
    """What was fitted, how, and what is modelled, in one or two sentences."""
    if summary.firth:
        method = "by Firth's penalised likelihood"
    elif summary.penalty:
        method = (
            f"with the penalty {summary.penalty} (p-values and intervals take the "
            "selected model as given)"
        )
    else:
        method = "by maximum likelihood"
    name = summary.target if summary.target is not None else "y"
    if summary.symmetric:
        return (
            f"Multinomial logistic regression of {name}, fitted {method}: one logit per "
            "class (symmetric parameterisation, intercepts centred)."
        )
    if summary.reference is not None:
        return (
            f"Multinomial logistic regression of {name}, fitted {method}: the log-odds of "
            f"each class against {name} = {summary.reference}."
        )
    return (
        f"Logistic regression (binomial, logit link) of {name}, fitted {method}; "
        f"modelled: P({name} = {summary.modelled})."
    )


def fit_section(results: Results) -> Section:
    """Hosmer–Lemeshow, pseudo-R², Brier, AUC, the classification table, the ROC curve and
    the calibration plot."""
    from ..plots import plot_calibration, plot_roc

    fit = results.goodness
    body = []
    missing = unavailable("Goodness of fit", fit)
    if missing:
        body.append(missing)
    else:
        hl, r2 = fit.hosmer_lemeshow, fit.pseudo_r2
        low, high = fit.auc_ci
        body.append(
            definitions(
                [
                    (
                        "Hosmer–Lemeshow",
                        f"X² = {number(hl['statistic'])}, df = {number(int(hl['df']))}, "
                        f"p = {pvalue(hl['p_value'])} ({number(int(hl['groups']))} groups)",
                    ),
                    ("AUC", f"{number(fit.auc)} (95% CI {number(low)} to {number(high)}, DeLong)"),
                    ("Brier score", number(fit.brier)),
                    ("Log loss", number(fit.log_loss)),
                    (
                        "McFadden R²",
                        f"{number(r2['mcfadden'])} (adjusted {number(r2['mcfadden_adjusted'])})",
                    ),
                    ("Cox–Snell R²", number(r2["cox_snell"])),
                    ("Nagelkerke R²", number(r2["nagelkerke"])),
                    ("Tjur R²", number(r2["tjur"])),
                    ("Efron R²", number(r2["efron"])),
                ]
            )
        )
        table = fit.classification_table()
        rows = [[f"observed {label}", *(number(v) for v in row)] for label, row in table.iterrows()]
        body.append(
            rows_table(
                ["", *(f"predicted {c}" for c in table.columns)],
                rows,
                caption="Classification table (predicted class 1 when p̂ > 0.5)",
            )
        )
    shown = []
    if not isinstance(fit, Unavailable):
        shown.append(drawn(lambda ax: plot_roc(fit, ax=ax), "roc", "ROC curve", size=(4.6, 4.6)))
        shown.append(
            drawn(
                lambda ax: plot_calibration(fit, ax=ax),
                "calibration",
                "Calibration: observed proportion against mean prediction in 10 quantile groups",
                size=(4.6, 4.6),
            )
        )
    elif results.has_data and len(results.inputs.model.classes_) > 2:
        inputs = results.inputs
        k = len(inputs.model.classes_)
        shown.append(
            drawn(
                lambda axes: plot_calibration(
                    inputs.model, inputs.X, inputs.y, sample_weight=inputs.sample_weight, ax=axes
                ),
                "calibration",
                "Calibration of each class's probability",
                panels=k,
                size=(3.6 * k, 3.6),
            )
        )
    if shown:
        body.append(figures(*shown))
    return Section("fit", "Goodness of fit", "".join(body))


def anova_section(results: Results) -> Section:
    """The type II analysis of deviance."""
    table = results.anova
    body = unavailable("Analysis of deviance", table) or (
        paragraph(
            f"Likelihood-ratio tests of each term (type {'II' if table.type == 2 else 'III'}"
            ", as car::Anova): the deviance the term explains given the others."
        )
        + frame_table(
            table.table,
            {"lr_chisq": ("LR χ²", number), "df": ("df", number), "p_value": ("p-value", pvalue)},
            index_label="Term",
        )
    )
    return Section("anova", "Analysis of deviance", body)


def vif_section(results: Results) -> Section:
    """The (generalised) variance inflation factors."""
    table = results.vif
    body = unavailable("Variance inflation factors", table) or (
        paragraph(
            "Generalised variance inflation factors (car::vif): how much collinearity "
            "with the other terms inflates each term's variance; GVIF^(1/(2 df)) is on "
            "the scale of a standard error."
        )
        + frame_table(
            table,
            {
                "gvif": ("GVIF", number),
                "df": ("df", number),
                "gvif_adjusted": ("GVIF^(1/(2 df))", number),
            },
            index_label="Term",
        )
    )
    return Section("vif", "Variance inflation", body)
