"""Figure builders: arrays and parameters in, ``plotly.graph_objects.Figure`` out.

No streamlit, no side effects; numerics come from :mod:`gmm_core`.
"""

from .animation import run_animation_figure, run_animation_html
from .bound import bound_bars_figure, bound_slice_figure, hard_soft_figure
from .explorer import (
    METHOD_COLORS,
    final_loglik_figure,
    method_color,
    optima_figure,
    traces_figure,
)
from .mixture import mixture_figure
from .palette import MIXTURE_COLOR, TRUTH_COLOR, component_color, component_colors
from .selection import criteria_figure
from .trace import trace_figure

__all__ = [
    "METHOD_COLORS",
    "MIXTURE_COLOR",
    "TRUTH_COLOR",
    "bound_bars_figure",
    "bound_slice_figure",
    "component_color",
    "component_colors",
    "criteria_figure",
    "final_loglik_figure",
    "hard_soft_figure",
    "method_color",
    "mixture_figure",
    "optima_figure",
    "run_animation_figure",
    "run_animation_html",
    "trace_figure",
    "traces_figure",
]
