"""Number formats of the stepper's parameter grid, as printf strings for Streamlit's
``NumberColumn(format=...)`` (pure: no streamlit).

A column gets about ``digits`` significant digits of its largest value, in fixed point for
ordinary magnitudes (10⁻⁴ ≤ |v| < 10⁹, as ``figures.notation.plain``) and in e-notation beyond,
so a column's decimals line up and no ordinary number is written as 1.2e+03.
"""

from __future__ import annotations

import math

import numpy as np

from gmm_core.notation import plain

__all__ = ["column_format", "display_columns", "signed"]


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
    """A change with its sign and 3 significant digits: ``"+0.0123"``, ``"−1.2"``."""
    return ("+" if value >= 0 else "") + plain(float(value), 3)


def display_columns(columns: dict[str, np.ndarray]) -> dict[str, list[str]]:
    """The parameter table's columns (name → values, shape (K,)) as the text lecture mode's
    table shows: k as an integer, the changes Δ… with their sign (:func:`signed`), Nₖ (a
    count of points) with two decimals and thousands separators, everything else in
    :func:`gmm_core.notation.plain` (fixed point for ordinary magnitudes, the true minus)."""

    def text(name: str, value: float) -> str:
        if name == "k":
            return str(int(value))
        if name.startswith("Δ"):
            return signed(value)
        if name == "Nₖ":
            return f"{value:,.2f}"
        return plain(float(value))

    return {name: [text(name, v) for v in values] for name, values in columns.items()}
