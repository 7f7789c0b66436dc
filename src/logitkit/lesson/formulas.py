"""Each step's formula as HTML (Unicode mathematics with <sub> and <sup>): the same in every
language, and readable as is in Markdown."""

from __future__ import annotations

FORMULA_GAP = "&ensp;"
"""What separates the parts of a line: a page may break a line there, never inside a part."""

FORMULAS: dict[str, tuple[str, ...]] = {
    "sigmoid": (
        "ŷ = σ(z) = 1 / (1 + e<sup>−z</sup>),&ensp; z = b + w·t",
        "ŷ = P(y = 1 | t),&ensp; z = log(ŷ / (1 − ŷ))",
    ),
    "bernoulli": (
        "P(y | x) = ŷ<sup>y</sup> (1 − ŷ)<sup>1−y</sup>",
        "y = 1: ŷ<sup>1</sup>(1 − ŷ)<sup>0</sup> = ŷ,&ensp; y = 0: ŷ<sup>0</sup>(1 − ŷ)<sup>1</sup>"
        " = 1 − ŷ",
    ),
    "product": (
        "ℒ(b, w) = ∏<sub>i=1</sub><sup>m</sup> ŷ<sub>i</sub><sup>y<sub>i</sub></sup>"
        " (1 − ŷ<sub>i</sub>)<sup>1−y<sub>i</sub></sup>",
        "ℓ(b, w) = log ℒ = Σ<sub>i=1</sub><sup>m</sup> [ y<sub>i</sub> log ŷ<sub>i</sub>"
        " + (1 − y<sub>i</sub>) log(1 − ŷ<sub>i</sub>) ]",
    ),
    "surface": (
        "J(θ) = −ℓ(θ) / m,&ensp; θ = (b, w),&ensp; ∇ℓ = X̃<sup>T</sup>(y − ŷ),&ensp;"
        " ∇J = X̃<sup>T</sup>(ŷ − y) / m",
        "θ ← θ + (η/m) ∇ℓ(θ) &ensp;≡&ensp; θ ← θ − η ∇J(θ)",
    ),
    "convexity": (
        "L = −[y log ŷ + (1 − y) log(1 − ŷ)],&ensp; ∂L/∂z = ŷ − y,&ensp;"
        " ∇²J = X̃<sup>T</sup> diag(ŷ(1 − ŷ)) X̃ / m ⪰ 0",
        "E = ½(ŷ − y)<sup>2</sup>,&ensp; ∂E/∂z = (ŷ − y) · ŷ(1 − ŷ)",
    ),
    "descents": (
        "batch: θ ← θ − η X̃<sup>T</sup>(ŷ − y) / m",
        "SGD: θ ← θ − η<sub>t</sub> (ŷ<sub>i</sub> − y<sub>i</sub>) x̃<sub>i</sub>",
        "mini-batch: θ ← θ − η<sub>t</sub> X̃<sub>B</sub><sup>T</sup>(ŷ<sub>B</sub> − y<sub>B</sub>)"
        " / |B|",
    ),
    "newton": (
        "θ ← θ − [∇²J(θ)]<sup>−1</sup> ∇J(θ),&ensp; ∇²J = X̃<sup>T</sup> W X̃ / m,&ensp;"
        " W = diag(ŷ<sub>i</sub>(1 − ŷ<sub>i</sub>))",
    ),
    "gaussian": (
        "P(y | x) = (2πσ<sup>2</sup>)<sup>−½</sup>"
        " exp(−(y − b − wx)<sup>2</sup> / (2σ<sup>2</sup>))",
        "−ℓ(b, w) = n/2 · log(2πσ<sup>2</sup>) + SSE / (2σ<sup>2</sup>),&ensp;"
        " SSE = Σ<sub>i</sub> (y<sub>i</sub> − b − wx<sub>i</sub>)<sup>2</sup>",
    ),
}
"""One or more display lines per step key."""
