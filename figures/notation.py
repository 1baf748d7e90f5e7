"""The lecture notes' notation in plain text: subscripts for component and iteration numbers."""

from __future__ import annotations

import math

__all__ = ["fixed", "subscript"]

_SUBSCRIPT_DIGITS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def subscript(n: int) -> str:
    """``n`` in Unicode subscript digits: ``subscript(12) == "₁₂"`` (for θ₁₂, μ₃, …)."""
    return str(n).translate(_SUBSCRIPT_DIGITS)


def fixed(value: float, digits: int = 8) -> str:
    """``value`` in fixed point with thousands separators and about ``digits`` significant
    digits, never in e-notation: ``fixed(-2304.825812) == "-2,304.8258"``,
    ``fixed(-2296427.504) == "-2,296,427.5"``; non-finite values as "n/a"."""
    if not math.isfinite(value):
        return "n/a"
    integer_digits = len(str(int(abs(value)))) if abs(value) >= 1 else 0
    return f"{value:,.{max(1, digits - integer_digits)}f}"

