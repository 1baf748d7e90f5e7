"""Number formats of the stepper's parameter grid, as printf strings for Streamlit's
``NumberColumn(format=...)`` (pure: no streamlit).

A column gets about ``digits`` significant digits of its largest value, in fixed point for
ordinary magnitudes (10⁻⁴ ≤ |v| < 10⁹, as ``figures.notation.plain``) and in e-notation beyond,
so a column's decimals line up and no ordinary number is written as 1.2e+03.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from gmm_core.notation import plain

__all__ = ["DIGITS", "column_format", "column_kind", "display_columns", "signed"]

#: Significant digits of a parameter column and of a change Δ… column.
DIGITS = {"value": 5, "change": 3}


def column_kind(name: str) -> str:
    """How the parameter table shows column ``name``, one rule for the grid and lecture mode's
    table: ``"index"`` (k, an integer), ``"count"`` (Nₖ, points: two decimals, never in
    e-notation), ``"change"`` (Δπₖ, Δμₖ, Δσₖ: :data:`DIGITS` ``["change"]`` and a sign) or
    ``"value"`` (πₖ, μₖ, σₖ, σₖ²: :data:`DIGITS` ``["value"]``)."""
    if name == "k":
        return "index"
    if name == "Nₖ":
        return "count"
    return "change" if name.startswith("Δ") else "value"


def column_format(values: np.ndarray, digits: int = 5, *, signed: bool = False) -> str:
    """printf format for a column of ``values`` (shape (K,)).

    Parameters
    ----------
    values : ndarray, shape (K,)
    digits : int
        Significant digits of the column's largest finite magnitude.
    signed : bool
        Always write the sign (changes: "+0.012").

    Returns
    -------
    str
        E.g. ``"%.4f"``, ``"%+.2e"``.
    """
    sign = "+" if signed else ""
    finite = np.abs(np.asarray(values, dtype=float))
    finite = finite[np.isfinite(finite) & (finite > 0)]
    if finite.size == 0:
        return f"%{sign}.{max(0, digits - 1)}f"
    exponent = math.floor(math.log10(float(finite.max())))
    if -4 <= exponent < 9:
        return f"%{sign}.{max(0, digits - 1 - exponent)}f"
    return f"%{sign}.{max(0, digits - 1)}e"


def signed(value: float) -> str:
    """A change with its sign and ``DIGITS["change"]`` significant digits: ``"+0.0123"``,
    ``"−0.500"``."""
    return ("+" if value >= 0 else "") + plain(float(value), DIGITS["change"])


def display_columns(columns: Mapping[str, np.ndarray]) -> dict[str, list[str]]:
    """The parameter table's columns (name → values, shape (K,)) as the text lecture mode's
    table shows, by :func:`column_kind`: k as an integer, the changes with their sign
    (:func:`signed`), Nₖ with two decimals and thousands separators, the parameters in
    :func:`gmm_core.notation.plain` (fixed point for ordinary magnitudes, the true minus)."""
    text = {
        "index": lambda v: str(int(v)),
        "count": lambda v: f"{v:,.2f}",
        "change": signed,
        "value": lambda v: plain(float(v), DIGITS["value"]),
    }
    return {name: [text[column_kind(name)](v) for v in values] for name, values in columns.items()}
