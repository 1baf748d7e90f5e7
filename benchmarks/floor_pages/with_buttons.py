"""``benchmarks.roundtrip --floor``: the one-chart page (``one_chart.py``) with eight more
buttons in a row beside *Next* and a status line, all in the fragment a click reruns (as the
stepper's controls are): what each element a click redraws costs."""

import streamlit as st

from benchmarks.floor_pages.one_chart import next_button, trace


def view() -> None:
    """A row of nine buttons, a status line and the chart."""
    with st.container(horizontal=True, gap="small"):
        t = next_button()
        for i in range(8):
            st.button(f"Other {i}", key=f"other_{i}")
    st.info(f"Iteration {t}")
    trace(t)


st.fragment(view)()
