"""The lecture notes' notation in plain text: subscripts for component and iteration numbers."""

from __future__ import annotations

import math
import re

__all__ = [
    "LOG_L_D3",
    "LOG_L_DECIMALS",
    "MINUS",
    "log_l",
    "minus",
    "plain",
    "plural",
    "subscript",
    "superscript",
]

#: The minus sign (U+2212) of typeset maths, as plotly draws it on its axes.
MINUS = "\u2212"
#: Decimals of every log-likelihood on screen (status line, tables, hovers, notes): the
#: default stopping rule's tolerance (10⁻⁵ per point) moves log L in the second or third.
LOG_L_DECIMALS = 4
#: The same in plotly's (d3) number format, for hovers whose text is not sent per point.
LOG_L_D3 = f",.{LOG_L_DECIMALS}f"

_SUBSCRIPT_DIGITS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def subscript(n: int) -> str:
    """``n`` in Unicode subscript digits: ``subscript(12) == "₁₂"`` (for θ₁₂, μ₃, …)."""
    return str(n).translate(_SUBSCRIPT_DIGITS)


def minus(text: str) -> str:
    """``text`` with each hyphen-minus that precedes a digit made a true minus sign "−"."""
    return re.sub(r"-(?=[\d.])", MINUS, text)


def log_l(value: float) -> str:
    """A log-likelihood as shown everywhere: fixed point, :data:`LOG_L_DECIMALS` decimals,
    thousands separators, the true minus: ``log_l(-2304.82581) == "−2,304.8258"``; non-finite
    values as "n/a"."""
    if not math.isfinite(value):
        return "n/a"
    return minus(f"{value:,.{LOG_L_DECIMALS}f}")


def plain(value: float, digits: int = 5) -> str:
    """``value`` with about ``digits`` significant digits, in e-notation only beyond ordinary
    magnitudes (below 10⁻⁴ or from 10⁹ on): ``plain(178520.3) == "178,520"``,
    ``plain(0.0123456) == "0.012346"``, ``plain(3e-7) == "3.0000 × 10⁻⁷"``; "n/a" if not finite."""
    if not math.isfinite(value):
        return "n/a"
    if value == 0:
        return "0"
    exponent = math.floor(math.log10(abs(value)))
    if -4 <= exponent < 9:
        decimals = max(0, digits - 1 - exponent)
        return f"{value:,.{decimals}f}"
    mantissa, exp_text = f"{value:.{digits - 1}e}".split("e")
    return f"{mantissa} × 10{superscript(int(exp_text))}"


_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def superscript(n: int) -> str:
    """``n`` in Unicode superscript digits: ``superscript(-7) == "⁻⁷"``."""
    return str(n).translate(_SUPERSCRIPT)


def plural(n: int, word: str, many: str | None = None) -> str:
    """``"1 iteration"``, ``"2 iterations"``, ``"1,000 points"``."""
    return f"{n:,} {word if n == 1 else many or word + 's'}"
