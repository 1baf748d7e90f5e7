"""Lecture mode: large type and high contrast, readable from the back of a room."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

__all__ = ["LECTURE_CSS", "chart", "lecture_style", "presentation"]

LECTURE_CSS = """
<style>
[data-testid="stAppViewContainer"] { color: #000000; }
[data-testid="stMain"] p, [data-testid="stMain"] li, [data-testid="stMain"] label,
[data-testid="stMain"] [data-testid="stMarkdownContainer"] { font-size: 1.45rem !important; }
[data-testid="stMain"] h1 { font-size: 2.6rem !important; padding-top: 0 !important; }
[data-testid="stMain"] h3 { font-size: 1.9rem !important; }
[data-testid="stMain"] .stButton button { font-size: 1.3rem !important; min-height: 3rem; }
[data-testid="stMain"] .st-key-lecture_next button p { font-size: 2rem !important; }
[data-testid="stMain"] .st-key-lecture_next button {
    font-size: 2.2rem !important; min-height: 4.8rem; font-weight: 700;
    background: #0b3d91 !important; color: #ffffff !important; border: 3px solid #000 !important;
}
[data-testid="stMain"] [data-testid="stMetricValue"] * { font-size: 2.6rem !important; }
[data-testid="stMain"] [data-testid="stMetricLabel"] * { font-size: 1.3rem !important; }
[data-testid="stAlert"] { border: 2px solid #000; }
[data-testid="stMainBlockContainer"] { padding-top: 3.6rem !important; }
</style>
"""


def lecture_style() -> None:
    """Inject the lecture-mode CSS into the page."""
    st.html(LECTURE_CSS)


def presentation(fig: go.Figure) -> go.Figure:
    """The same figure with projector-sized type and thicker lines."""
    fig.update_layout(font={"size": 19, "color": "#000000"}, legend={"font": {"size": 18}})
    fig.update_traces(line={"width": 4}, selector={"type": "scatter", "mode": "lines"})
    return fig


def chart(fig: go.Figure, *, key: str, **kwargs) -> None:
    """``st.plotly_chart`` at the full width of the current container; in lecture mode with
    projector type (:func:`presentation`) and without Streamlit's chart theme, which would
    shrink the type again."""
    lecture = bool(st.session_state.get("lecture"))
    st.plotly_chart(
        presentation(fig) if lecture else fig, key=key, width="stretch",
        theme=None if lecture else "streamlit", **kwargs,
    )

