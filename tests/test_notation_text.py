"""Numbers and indices in the app's sentences: Unicode subscripts (N₁, σ₁₀²), powers of ten
instead of e-notation (1.3 × 10⁻⁶, 10⁻⁶), the true minus; and the messages that use them."""

from __future__ import annotations

import re

import pytest

from gmm_core import MixtureParams
from gmm_core.em import StepReport
from gmm_core.fit import degeneracy
from gmm_core.notation import MINUS, power_of_ten, short

#: What must never reach a sentence: e-notation, a hyphen-minus before a digit, a raw _k index.
RAW = re.compile(r"\de[+-]?\d|(?<![\w])-\d|_\w")


@pytest.mark.parametrize(
    ("value", "digits", "text"),
    [
        (6.7100, 3, "6.71"),
        (1.3e-6, 3, "1.3 × 10⁻⁶"),
        (1.25e-6, 3, "1.25 × 10⁻⁶"),
        (-1.362, 4, f"{MINUS}1.362"),
        (1234.6, 3, "1,235"),  # never 1.23e+03
        (1.833, 6, "1.833"),
        (2.0, 6, "2"),
        (0.0, 3, "0"),
        (-3e-7, 2, f"{MINUS}3 × 10⁻⁷"),
        (float("nan"), 3, "n/a"),
    ],
)
def test_short(value, digits, text):
    assert short(value, digits) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [(1e-6, "10⁻⁶"), (1e-10, "10⁻¹⁰"), (1e-3, "10⁻³"), (2.5e-10, "2.5 × 10⁻¹⁰"), (0.0, "0")],
)
def test_power_of_ten(value, text):
    assert power_of_ten(value) == text


def test_collapse_message_has_subscripts_and_no_e_notation():
    report = StepReport(collapsed=(0,), empty=(), var_floor=1.3e-6, means=(-1.362,), n_k=(6.7123,))
    (message,) = report.messages()
    assert message.startswith(
        f"Component 1 collapsed onto x = {MINUS}1.362: its variance σ₁² fell to the variance "
        "floor (1.3 × 10⁻⁶) and is held there (N₁ = 6.71)."
    )
    assert not RAW.search(message), RAW.search(message)


def test_empty_message_of_component_ten():
    report = StepReport(
        collapsed=(), empty=(9,), var_floor=1e-6, means=(0.0,) * 10, n_k=(1.0,) * 9 + (3e-12,)
    )
    (message,) = report.messages()
    assert message == (
        "Component 10 is empty (N₁₀ = 3 × 10⁻¹²): no point belongs to it, so its μ₁₀ and σ₁₀² "
        "are kept and π₁₀ ≈ 0."
    )


def test_degeneracy_names_each_collapsed_variance():
    params = MixtureParams([0.5, 0.01, 0.49], [-2.0, 4.8, 7.0], [1.0, 1.3e-6, 1.3e-6])
    text = degeneracy(params, 1.3e-6, n_points=580)
    assert text == (
        "component 2 collapsed onto x = 4.8 (N₂ ≈ 5.8); component 3 collapsed onto x = 7 "
        "(N₃ ≈ 284): σ₂², σ₃² are held at the variance floor (1.3 × 10⁻⁶), so log L (and "
        "every criterion) depends only on that arbitrary floor"
    )
    assert degeneracy(params, 1e-7) is None
    assert "σ₂² is held" in degeneracy(MixtureParams([0.5, 0.5], [0.0, 1.0], [1.0, 1e-6]), 1e-6)
    assert not RAW.search(text)
