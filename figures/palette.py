"""A colour-blind-safe palette: component k keeps its colour for the whole run.

Seven are Okabe & Ito's (2008) palette without black: the first six, ordered so that neighbours
differ most, and yellow (the hardest to see on white) kept for the tenth; the seventh to ninth
are from Paul Tol's "muted" scheme (also colour-blind safe).
"""

from __future__ import annotations

__all__ = [
    "MIXTURE_COLOR",
    "PALETTE",
    "TRUTH_COLOR",
    "component_color",
    "component_colors",
    "text_color_on",
    "with_alpha",
]

PALETTE: tuple[str, ...] = (
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#332288",  # indigo (Tol)
    "#882255",  # wine (Tol)
    "#999933",  # olive (Tol)
    "#F0E442",  # yellow
)
MIXTURE_COLOR = "#222222"
TRUTH_COLOR = "#555555"


def component_color(k: int) -> str:
    """Colour of component k (0-based); cycles after ten."""
    return PALETTE[k % len(PALETTE)]


def component_colors(n_components: int) -> list[str]:
    """Colours of components 0..K−1."""
    return [component_color(k) for k in range(n_components)]


def with_alpha(hex_color: str, alpha: float) -> str:
    """``rgba(...)`` of a ``#RRGGBB`` colour with opacity ``alpha``."""
    r, g, b = (int(hex_color[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def _luminance(hex_color: str) -> float:
    """WCAG relative luminance of a ``#RRGGBB`` colour (0 black … 1 white)."""
    channels = [int(hex_color[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def text_color_on(hex_color: str) -> str:
    """Black or white, whichever contrasts more with the background ``hex_color`` (WCAG)."""
    luminance = _luminance(hex_color)
    on_white = 1.05 / (luminance + 0.05)
    on_black = (luminance + 0.05) / 0.05
    return "#000000" if on_black > on_white else "#ffffff"
