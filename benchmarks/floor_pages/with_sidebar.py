"""``benchmarks.roundtrip --floor``: the one-chart page (``one_chart.py``) and a sidebar of 30
widgets that a click does not rerun (outside the fragment, like EM Lab's data and model
panels): what the elements a click does not touch still cost."""

import streamlit as st

from benchmarks.floor_pages.one_chart import view

with st.sidebar:
    for i in range(6):
        st.subheader(f"Group {i}")
        st.slider(f"Slider {i}", 0, 100, 50, key=f"slider_{i}")
        st.selectbox(f"Choice {i}", ["a", "b", "c"], key=f"choice_{i}")
        st.number_input(f"Number {i}", value=1.0, key=f"number_{i}")
        st.checkbox(f"Check {i}", key=f"check_{i}")
        st.caption("A line of explanation under the group's controls.")

st.fragment(view)()
