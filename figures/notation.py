"""The lecture notes' notation in plain text: subscripts for component and iteration numbers."""

from __future__ import annotations

import math

from gmm_core.notation import MINUS, minus, plain, power_of_ten, short, subscript, superscript

__all__ = [
    "LOG_L_D3",
    "LOG_L_DECIMALS",
    "MINUS",
    "log_l",
    "minus",
    "plain",
    "plural",
    "power_of_ten",
    "short",
    "subscript",
    "superscript",
]

#: Decimals of every log-likelihood on screen (status line, tables, hovers, notes): the
#: default stopping rule's tolerance (10⁻⁵ per point) moves log L in the second or third.
LOG_L_DECIMALS = 4
#: The same in plotly's (d3) number format, for hovers whose text is not sent per point.
LOG_L_D3 = f",.{LOG_L_DECIMALS}f"


def log_l(value: float) -> str:
    """A log-likelihood as shown everywhere: fixed point, :data:`LOG_L_DECIMALS` decimals,
    thousands separators, the true minus: ``log_l(-2304.82581) == "−2,304.8258"``; non-finite
    values as "n/a"."""
    if not math.isfinite(value):
        return "n/a"
    return minus(f"{value:,.{LOG_L_DECIMALS}f}")


def plural(n: int, word: str, many: str | None = None) -> str:
    """``"1 iteration"``, ``"2 iterations"``, ``"1,000 points"``."""
    return f"{n:,} {word if n == 1 else many or word + 's'}"
