"""EM Lab: see the EM algorithm fit a Gaussian mixture to 1-D data.

Entry point: page config, navigation, and the sidebar shared by every page (data and model).
Run with ``bash scripts/app.sh`` (or ``streamlit run app.py`` inside the environment).
"""

import streamlit as st

from ui.data_panel import render_data_panel
from ui.model_panel import render_model_panel

st.set_page_config(page_title="EM Lab", page_icon="🔔", layout="wide")

pages = [
    st.Page("app_pages/stepper.py", title="EM stepper", icon="👣", default=True),
]
navigation = st.navigation(pages)

with st.sidebar:
    st.subheader("Data")
    data = render_data_panel()
    st.subheader("Model")
    settings, settings_error = render_model_panel(data)

st.session_state["model_settings"] = settings
st.session_state["model_settings_error"] = settings_error
navigation.run()
