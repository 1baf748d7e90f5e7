"""Figure builders: arrays and parameters in, ``plotly.graph_objects.Figure`` out.

No streamlit, no side effects; numerics come from :mod:`gmm_core`.
"""

from .mixture import mixture_figure
from .palette import MIXTURE_COLOR, TRUTH_COLOR, component_color, component_colors
from .trace import trace_figure

__all__ = [
    "MIXTURE_COLOR",
    "TRUTH_COLOR",
    "component_color",
    "component_colors",
    "mixture_figure",
    "trace_figure",
]
