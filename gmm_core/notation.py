"""Plain-text numbers and indices of the lecture notes' notation (μ₁, N₁₀, 1.3 × 10⁻⁶).

The one source of these rules: gmm_core's own messages use them, and ``figures.notation``
re-exports them for the figures and the UI.
"""

from __future__ import annotations

import math
import re

__all__ = ["MINUS", "minus", "plain", "power_of_ten", "short", "subscript", "superscript"]

#: The minus sign (U+2212) of typeset maths, as plotly draws it on its axes.
MINUS = "\u2212"

_SUBSCRIPT_DIGITS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def subscript(n: int) -> str:
    """``n`` in Unicode subscript digits: ``subscript(12) == "₁₂"`` (for θ₁₂, μ₃, …)."""
    return str(n).translate(_SUBSCRIPT_DIGITS)


def superscript(n: int) -> str:
    """``n`` in Unicode superscript digits: ``superscript(-7) == "⁻⁷"``."""
    return str(n).translate(_SUPERSCRIPT)


def minus(text: str) -> str:
    """``text`` with each hyphen-minus that precedes a digit made a true minus sign "−"."""
    return re.sub(r"-(?=[\d.])", MINUS, text)


def plain(value: float, digits: int = 5) -> str:
    """``value`` with about ``digits`` significant digits, in e-notation only beyond ordinary
    magnitudes (below 10⁻⁴ or from 10⁹ on): ``plain(178520.3) == "178,520"``,
    ``plain(0.0123456) == "0.012346"``, ``plain(3e-7) == "3.0000 × 10⁻⁷"``, with the true minus
    (``plain(-1.36) == "−1.3600"``); "n/a" if not finite."""
    if not math.isfinite(value):
        return "n/a"
    if value == 0:
        return "0"
    exponent = math.floor(math.log10(abs(value)))
    if -4 <= exponent < 9:
        decimals = max(0, digits - 1 - exponent)
        return minus(f"{value:,.{decimals}f}")
    mantissa, exp_text = f"{value:.{digits - 1}e}".split("e")
    return minus(f"{mantissa} × 10{superscript(int(exp_text))}")


def short(value: float, digits: int = 3) -> str:
    """``value`` to ``digits`` significant digits as :func:`plain` writes it, without trailing
    zeros and with the true minus, for numbers inside sentences: ``short(6.7100) == "6.71"``,
    ``short(1.3e-6) == "1.3 × 10⁻⁶"``, ``short(-1.362, 4) == "−1.362"``, ``short(1234.5) ==
    "1,235"`` (never "1.23e+03")."""
    mantissa, times, power = plain(value, digits).partition(" × ")
    if "." in mantissa:
        mantissa = mantissa.rstrip("0").rstrip(".")
    return mantissa + times + power


def power_of_ten(value: float, digits: int = 2) -> str:
    """``value`` as m × 10ᵉ, for tolerances: ``power_of_ten(1e-6) == "10⁻⁶"``,
    ``power_of_ten(2.5e-10) == "2.5 × 10⁻¹⁰"``, ``power_of_ten(0.001) == "10⁻³"``; "0" for 0."""
    if value == 0 or not math.isfinite(value):
        return plain(value)
    mantissa, exp_text = f"{value:.{digits - 1}e}".split("e")
    mantissa = mantissa.rstrip("0").rstrip(".") if "." in mantissa else mantissa
    power = f"10{superscript(int(exp_text))}"
    return minus(power if mantissa == "1" else f"{mantissa} × {power}")
