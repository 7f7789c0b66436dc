"""The lesson's text in English.

Paragraphs are HTML (with <em>, <code>, <sub>, <sup>) and ``str.format`` templates over the
step's numbers, so every number in the text is the one the step computed.
"""

from __future__ import annotations

TEXT = {
    "html_lang": "en",
    "title": "Logistic regression, derived step by step",
    "intro": (
        "This page derives logistic regression from its likelihood in eight steps. Each step "
        "is a short text, its formula, a figure, and the code that made the figure: every "
        "number and every curve was computed when the page was made, by logitkit's own "
        "functions and solvers. The data are seeded, so the numbers are the same on every run; "
        "only the timings change.",
    ),
    "docs_note": (
        "> This page is generated: <code>python docs/make_lesson.py</code> reruns the lesson "
        "and rewrites it, docs/lesson.zh.md (the same in Simplified Chinese) and the figures "
        "in docs/images/lesson/. Edit the lesson in src/logitkit/lesson/, not here. The same "
        "lesson as one HTML page: <code>logitkit lesson --out lesson.html</code>."
    ),
    "contents": "Steps",
    "code": "The code that made this figure",
    "footer": (
        "Made by logitkit {version} with <code>logitkit lesson --out lesson.html</code> "
        '(in Python: <code>logitkit.lesson("lesson.html")</code>). The derivation with every '
        "formula worked out is in logitkit's docs/derivation.md."
    ),
    "steps": {
        "sigmoid": {
            "title": "The sigmoid reads a score as a probability",
            "text": (
                "A linear score z = b + w·t can be any real number. The sigmoid σ maps it into "
                "(0, 1), so ŷ = σ(b + w·t) can be read as a probability: P(y = 1 | t). Turned "
                "around, z is the log-odds of y = 1.",
                "The data are the {flights} Space Shuttle flights before Challenger: t is the "
                "launch temperature in °F, and y = 1 when an O-ring of a booster field joint "
                "showed thermal distress. logitkit's maximum-likelihood fit is "
                "b = {b:.4f}, w = {w:.4f} per °F: each degree colder multiplies the odds of "
                "damage by e<sup>−w</sup> = {odds_colder:.3f}.",
                "At 70 °F the model gives P(y = 1) = {p_70:.3f}. At 31 °F, the temperature on "
                "the morning of the Challenger launch, it gives {p_launch:.4f}: an "
                "extrapolation (the coldest earlier flight was 53 °F), but a loud one.",
            ),
            "caption": (
                "(a) The fitted ŷ = σ(b + w·t) and the 23 flights (y = 1: damage). (b) The "
                "sigmoid itself: σ(0) = ½, and it saturates towards 0 and 1."
            ),
        },
        "bernoulli": {
            "title": "One Bernoulli formula for both labels",
            "text": (
                "Given x, the label is a coin that lands on 1 with probability ŷ. One formula "
                "covers both outcomes: the exponents y and 1 − y switch the factors on and off, "
                "so it gives ŷ for y = 1 and 1 − ŷ for y = 0.",
                "The coldest flight ({t_cold:.0f} °F) had damage (y = {y_cold}); the model "
                "gives its label the probability {p_cold:.4f}. The warmest ({t_warm:.0f} °F) "
                "had none (y = {y_warm}): probability {p_warm:.4f}. Computed as the power "
                "ŷ<sup>y</sup>(1 − ŷ)<sup>1−y</sup> and as e<sup>−L</sup> from logitkit's "
                "<code>cross_entropy</code>, the 23 probabilities agree to {agree:.1e}.",
            ),
            "caption": (
                "The probability of each flight's observed label: ŷ on the red curve for the "
                "flights with damage (squares), 1 − ŷ on the blue curve for those without "
                "(dots)."
            ),
        },
        "product": {
            "title": "The likelihood is a product and underflows; its log is a sum",
            "text": (
                "For independent samples, the probability of all the observed labels is the "
                "product of their probabilities. As a function of (b, w) it is the likelihood "
                "ℒ; maximum likelihood picks the (b, w) under which the observed labels are "
                "most probable.",
                "On m = {rows} simulated rows, at the fitted (b, w), the product computed in "
                "float64 is <b>{product!r}</b>: after {zero_at} rows it fell below "
                "4.9·10<sup>−324</sup>, the smallest positive double, and became exactly zero. "
                "Its logarithm, the sum ℓ = Σ log P(y<sub>i</sub> | x<sub>i</sub>), is "
                "<b>{loglik:.4f}</b>, perfectly finite: the likelihood is "
                "10<sup>{log10_likelihood:.1f}</sup>. logitkit's "
                "<code>log_likelihood(y, z)</code> gives the same number from the logits z, "
                "without forming a single probability.",
                "The logarithm is increasing, so it does not move the maximiser, and a sum is "
                "easy to differentiate: from here on everything works with ℓ.",
            ),
            "caption": (
                "The running product of P(y<sub>i</sub> | x<sub>i</sub>) over the first k rows "
                "(red, on a log scale) follows the sum of the logs (blue) until it underflows "
                "to 0.0 at k = {zero_at}; the dotted line is the smallest positive double."
            ),
        },
        "surface": {
            "title": "The log-likelihood surface: ascent on ℓ is descent on J",
            "text": (
                "Over the intercept b and the slope w, ℓ(b, w) is one hill with a single top "
                "(the contours). Gradient ascent climbs it. Written as a cost to minimise, the "
                "mean cross-entropy J = −ℓ/m, the same walk goes downhill.",
                "Since ∇J = −∇ℓ/m, an ascent step η/m on ℓ is a descent step η on J. Computed "
                "separately, ∇ℓ = X̃<sup>T</sup>(y − ŷ) by hand and ∇J by logitkit's "
                "<code>Objective.gradient</code>, {steps} steps with η = {eta:g} "
                "(η/m = {eta_l:.3g}) land on the same points: the two paths differ by at most "
                "{largest_gap:.1e}, rounding. ℓ rose from {loglik_start:.2f} to "
                "{loglik_end:.2f}.",
            ),
            "caption": (
                "(a) Contours of ℓ(b, w) on the {m} simulated rows; the ascent's points "
                "(orange) sit on the descent's path (blue). (b) ℓ along the ascent and −m·J "
                "along the descent."
            ),
        },
        "convexity": {
            "title": "Cross-entropy, not squared error",
            "text": (
                "Why not fit ŷ = σ(z) by least squares, E = ½(ŷ − y)², as in linear "
                "regression? Through the sigmoid, squared error loses two things the "
                "cross-entropy L keeps.",
                "<em>Convexity.</em> The Hessian of J is X̃<sup>T</sup>diag(ŷ(1 − ŷ))X̃/m, "
                "positive semidefinite everywhere: on a grid of {grid_points} points (b, w), "
                "the smallest eigenvalue of logitkit's <code>Objective.hessian</code> is "
                "{lowest_ce:.2e} > 0. The squared error's Hessian has a negative eigenvalue "
                "at {share_not_convex:.0%} of the same points (down to {lowest_se:.3f}): E "
                "has plateaus and ridges where a descent can stall, and no guarantee of a "
                "single minimum.",
                "<em>The gradient.</em> ∂L/∂z = ŷ − y, the error itself. ∂E/∂z carries the "
                "sigmoid's slope ŷ(1 − ŷ) as well, and that vanishes where σ saturates. At "
                "z = −10 with y = 1, a confident and wrong prediction, ∂L/∂z = "
                "{grad_loss_at_minus10:.6f} while ∂E/∂z = {grad_squared_at_minus10:.3e}: "
                "{ratio:,.0f} times smaller, just where the model most needs to move.",
            ),
            "caption": (
                "(a) Both costs and (b) their derivatives for one sample with y = 1. (c) Where, "
                "over (b, w), the squared-error cost of the simulated rows is not convex (red); "
                "the cross-entropy is convex at every point."
            ),
        },
        "descents": {
            "title": "Batch, stochastic and mini-batch gradient descent",
            "text": (
                "Batch GD computes ∇J over all m = {rows} rows for each step. Stochastic GD "
                "(SGD) takes a step after each row, along the gradient of that row's loss; "
                "mini-batch GD after each batch of 32 rows. An epoch is one pass over the data: "
                "one step of batch GD, m steps of SGD, m/32 of mini-batch.",
                "These are logitkit's solvers <code>gd</code>, <code>sgd</code> and "
                "<code>minibatch</code>, from the point every logitkit solver starts at: "
                "b = log(ȳ/(1 − ȳ)), w = 0. After one epoch the stochastic two are near the "
                "top, where batch GD has taken one step. But their steps are noisy: they stop "
                "(the cost changed by less than 10<sup>−4</sup> over 5 epochs) after "
                "{epochs_sgd} and {epochs_minibatch} epochs, {gap_sgd:.1e} and "
                "{gap_minibatch:.1e} above the minimum J*, while batch GD's exact steps go on "
                "to {gap_gd:.0e} in {epochs_gd} iterations. On this run they took "
                "{seconds_sgd:.3f} s, {seconds_minibatch:.3f} s and {seconds_gd:.3f} s.",
                "The step size matters. Near the optimum a fixed step must stay below "
                "2/λ<sub>max</sub>(∇²J) = {limit:.2f}. With η = {eta_good:g} batch GD "
                "converges steadily; with η = {eta_big:g} it overshoots across the valley and "
                "bounces, still {bounce_low:.2f} above J* after 30 steps. logitkit's "
                "<code>gd</code> solver refuses that step: <q>{refused}</q>.",
            ),
            "caption": (
                "(a) Each solver's iterates on the contours of ℓ, one dot per epoch (the "
                "stochastic solvers report the running average of their iterates). (b) J − J* "
                "against epochs and (c) against seconds. (d) Batch GD with a fixed step, "
                "η = {eta_good:g} and η = {eta_big:g}."
            ),
        },
        "newton": {
            "title": "Newton's method (IRLS) against gradient descent",
            "text": (
                "Gradient descent uses the slope only. Newton's method uses the curvature too: "
                "it steps to the top of the quadratic that matches ℓ's slope and curvature. "
                "Written as a weighted least-squares problem, the same step is iteratively "
                "reweighted least squares (IRLS), the way R's <code>glm</code> fits.",
                "From the same start, to the same tolerance (largest gradient component "
                "≤ {tol:.0e}), logitkit's <code>newton</code> solver needs {iter_newton} "
                "iterations and {seconds_newton:.4f} s; batch GD with its line search "
                "{iter_gd} iterations and {seconds_gd:.4f} s on this run. Near the optimum "
                "Newton's error is squared at every step, while GD's shrinks by a constant "
                "factor set by the shape of the valley. A Newton step costs more (a p × p "
                "solve), but with p = 2 it is almost free. Both end at the same (b, w), to "
                "{distance:.1e}.",
            ),
            "caption": (
                "(a) The two paths on the contours of ℓ. (b) The largest gradient component "
                "against iterations and (c) against seconds; the dotted line is the tolerance."
            ),
        },
        "gaussian": {
            "title": "A Gaussian likelihood gives linear regression's squared error",
            "text": (
                "Run the same construction with another distribution. Linear regression "
                "assumes y | x ~ Normal(b + wx, σ²). The likelihood is again a product, its log "
                "a sum, and the negative log-likelihood is n/2·log(2πσ²) + SSE/(2σ²). The first "
                "term does not depend on (b, w): maximising the likelihood is minimising the "
                "squared error, least squares.",
                "On n = {n} simulated points with σ = {sigma:g}, −Σ log N(y<sub>i</sub>; "
                "b + wx<sub>i</sub>, σ²) from SciPy's normal density is {nll:.6f}, and "
                "n/2·log(2πσ²) + SSE/(2σ²) = {constant:.4f} + {sse_term:.4f} = "
                "{formula:.6f}. Maximising the likelihood numerically gives (b, w) = "
                "({b_mle:.5f}, {w_mle:.5f}); least squares gives ({b_ls:.5f}, {w_ls:.5f}).",
                "So squared error belongs to the Gaussian as cross-entropy belongs to the "
                "Bernoulli. Both are generalised linear models with their canonical link, and "
                "both gradients read X̃<sup>T</sup>(prediction − y).",
            ),
            "caption": (
                "(a) The simulated points and the maximum-likelihood line. (b) Along w, with b "
                "at its optimum, the Gaussian negative log-likelihood (thick) and "
                "n/2·log(2πσ²) + SSE/(2σ²) (dashed) are one curve."
            ),
        },
    },
}
