"""EM Lab: see the EM algorithm fit a Gaussian mixture to 1-D data.

Entry point: page config, navigation, and what every page shares — the sidebar (data, model,
presets, lecture mode), the EM run in the session, and the shareable link in the URL.
Run with ``bash scripts/app.sh`` (or ``streamlit run app.py`` inside the environment).
"""

from pathlib import Path

import streamlit as st

from gmm_core.warmup import start_background
from ui import links, session
from ui.data_panel import render_data_panel
from ui.lecture import lecture_style
from ui.model_panel import render_model_panel
from ui.pure import keys
from ui.widgets import keep_values

lecture = st.query_params.get("lecture") == "1" or st.session_state.get(keys.LECTURE, False)
st.set_page_config(
    # A local image: a ":material/…:" page icon is fetched from Google's servers.
    page_title="EM Lab",
    page_icon=str(Path(__file__).parent / "assets" / "favicon.png"),
    layout="wide",
    initial_sidebar_state="collapsed" if lecture else "auto",
)
start_background()  # the numba kernels, once per server process (numpy meanwhile)
keep_values({keys.LECTURE: False})
links.apply_link_once()

stepper_page = st.Page(
    "app_pages/stepper.py", title="EM stepper", icon=":material/footprint:", default=True
)
navigation = st.navigation(
    [
        stepper_page,
        st.Page(
            "app_pages/explorer.py", title="Initialisation explorer", icon=":material/explore:"
        ),
        st.Page("app_pages/choose_k.py", title="How many components?", icon=":material/balance:"),
        st.Page("app_pages/landscape.py", title="Likelihood landscape", icon=":material/terrain:"),
    ]
)

with st.sidebar:
    st.toggle(
        "Lecture mode",
        key=keys.LECTURE,
        help="Large type, high contrast, controls folded away, one big Next button",
    )
    st.subheader("Data")
    data = render_data_panel()
    st.subheader("Model")
    settings, settings_error = render_model_panel(data)

lecture_style(bool(st.session_state.get(keys.LECTURE)))
# After the sidebar is drawn: a switch before its widgets ran would lose their values.
links.follow_switch(stepper_page)
st.session_state[keys.MODEL_SETTINGS] = settings
st.session_state[keys.STEPPER_PROBLEM] = session.sync_stepper(data, settings, settings_error)
links.apply_goto(data.x)
# From callbacks, links and restarts, on every page; the stepper in lecture mode shows the
# lasting ones beside its chart (a toast would cover the Scenarios control and Next).
session.show_notices(
    fold_lasting=bool(st.session_state.get(keys.LECTURE)) and navigation is stepper_page
)
navigation.run()
# After the page, which may have moved the run (Run to convergence): the link says where it is.
links.publish_link(data)
