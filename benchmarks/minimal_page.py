"""The reference page of the speed benchmarks: one button and one text.

``benchmarks.ui`` runs it in AppTest and with ``streamlit run`` beside the app;
``benchmarks.load --minimal`` serves it to the same protocol clients as the app. The text
echoes the session's click count in the stepper's status-line format ("Iteration t · log L(θ)
= …", the number made from the link's ``gs`` and t), so the clients' checks (one click, one
step; no session seeing another's numbers) apply to it unchanged.
"""

import streamlit as st

if st.button("Go", key="step"):
    st.session_state["clicks"] = st.session_state.get("clicks", 0) + 1
clicks = st.session_state.get("clicks", 0)
seed = st.query_params.get("gs", "1")
st.info(f"Iteration {clicks} · clicks: {clicks} · log L(θ) = -{seed}.{clicks}")
