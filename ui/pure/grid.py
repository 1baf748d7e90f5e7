"""Number formats of the stepper's parameter grid, as printf strings for Streamlit's
``NumberColumn(format=...)`` (pure: no streamlit).

A column gets about ``digits`` significant digits of its largest value, in fixed point for
ordinary magnitudes (10⁻⁴ ≤ |v| < 10⁹, as ``figures.notation.plain``) and in e-notation beyond,
so a column's decimals line up and no ordinary number is written as 1.2e+03.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["column_format"]


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
