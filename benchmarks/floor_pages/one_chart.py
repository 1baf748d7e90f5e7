"""The floor of ``benchmarks.roundtrip --floor``: one button and one chart, EM Lab's own log L
trace (drawn by ``ui.lecture.chart``, as the stepper draws it) of a made-up run that grows by
one iteration per click, in a fragment as in the stepper: the least a Streamlit page costs
that redraws one plotly chart per click. ``with_sidebar.py`` and ``with_buttons.py`` add to it."""

import numpy as np
import streamlit as st

from figures.trace import trace_figure_spec
from ui.lecture import chart


def next_button() -> int:
    """*Next* (key ``step``, as in the stepper): the clicks so far, this one included."""
    if st.button("Next", key="step"):
        st.session_state["t"] = st.session_state.get("t", 0) + 1
    return st.session_state.get("t", 0)


def trace(t: int) -> None:
    """The trace chart (key ``trace_chart``) of a made-up log L rising over t iterations."""
    log_l = -1000.0 + 100.0 * (1.0 - np.exp(-0.5 * np.arange(t + 1)))
    chart(trace_figure_spec(log_l, current=t), key="trace_chart", name="log L trace")


def view() -> None:
    trace(next_button())


if __name__ == "__main__":  # served by streamlit run; the other floor pages import from here
    st.fragment(view)()
