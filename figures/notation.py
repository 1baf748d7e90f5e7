"""The lecture notes' notation in plain text: subscripts for component and iteration numbers."""

from __future__ import annotations

__all__ = ["subscript"]

_SUBSCRIPT_DIGITS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def subscript(n: int) -> str:
    """``n`` in Unicode subscript digits: ``subscript(12) == "₁₂"`` (for θ₁₂, μ₃, …)."""
    return str(n).translate(_SUBSCRIPT_DIGITS)
