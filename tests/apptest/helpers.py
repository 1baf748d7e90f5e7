"""Reading what an AppTest run shows: plotly figures (plotly 7 base64 arrays) and state."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np
from streamlit.testing.v1 import AppTest

from ui.live_chart import COMPONENT_NAME as LIVE_CHART

APP = str(Path(__file__).resolve().parents[2] / "app.py")
TIMEOUT = 120


def new_app() -> AppTest:
    """The app after its first run."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.exception, at.exception
    return at


def open_link(query: dict[str, str], page: str | None = None) -> AppTest:
    """The app opened from a shared link with ``query`` (on ``page`` when given)."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params.update(query)
    if page is not None:
        at.switch_page(page)
    at.run()
    assert not at.exception, at.exception
    return at


def open_app_page(page: str, title: str, at: AppTest | None = None) -> AppTest:
    """``at`` (a new app by default) on ``page``, which must show the title ``title``."""
    at = at or new_app()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    assert at.title[0].value == title
    return at


def decode(values) -> np.ndarray:
    """A plotly JSON array: a list, or plotly 7's {"dtype", "bdata"} (base64, maybe shaped)."""
    if isinstance(values, dict) and "bdata" in values:
        array = np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"])
        if "shape" in values:
            shape = [int(s) for s in str(values["shape"]).split(",")]
            array = array.reshape(shape)
        return array
    return np.asarray(values)


def figure(at: AppTest, key: str) -> dict:
    """The figure JSON of the plotly chart with widget key ``key``: an ``st.plotly_chart``'s
    spec, or the figure a live chart (:mod:`ui.live_chart`) hands the browser."""
    for chart in at.get("plotly_chart"):
        if chart.proto.id and key in chart.proto.id:
            return json.loads(chart.proto.spec)
    for element in at.get("bidi_component"):
        if element.proto.id.endswith(f"-{key}"):
            return live_chart_figure(element.proto)
    raise AssertionError(f"no plotly chart with key {key!r}")


def live_chart_figure(proto) -> dict:
    """The figure in a live chart's component data (``BidiComponent`` proto)."""
    assert proto.component_name == LIVE_CHART, proto.component_name
    return json.loads(proto.bytes)["figure"]  # ui.live_chart.live_chart_data's bytes


def traces(spec: dict, name: str | None = None, prefix: str | None = None) -> list[dict]:
    """Traces of a figure by exact name or name prefix."""
    data = spec["data"]
    if name is not None:
        return [t for t in data if t.get("name") == name]
    return [t for t in data if str(t.get("name", "")).startswith(prefix or "")]


def trace_log_likelihoods(at: AppTest) -> np.ndarray:
    """The y values of the log-likelihood trace chart."""
    (line,) = traces(figure(at, "trace_chart"), name="log L")
    return decode(line["y"])


def click(at: AppTest, key: str) -> AppTest:
    at.button(key=key).click().run()
    assert not at.exception, at.exception
    return at


def stepper(at: AppTest):
    """The stepper's state object in the session."""
    return at.session_state["stepper"]


def status_text(at: AppTest) -> str:
    """The status line (info, success or warning) that says where the run is."""
    for element in (*at.info, *at.success, *at.warning):
        if element.value.startswith("**Iteration "):  # not a preset's note that names iterations
            return element.value
    raise AssertionError("no status line")


def opened_in_stepper(at: AppTest) -> AppTest:
    """After a button that switches to the stepper (``st.switch_page``): check the run ended on
    the stepper, and stay there. (AppTest keeps requesting the page of its last
    ``switch_page`` call, where a browser would follow the switch.)"""
    assert not at.exception, at.exception
    assert at.title[0].value == "EM stepper"
    return at.switch_page("app_pages/stepper.py")


def blocks(node):
    """``node`` and every block below it (AppTest's element tree), e.g. to find a keyed
    container or popover: its ``proto.id`` ends with ``-<key>``."""
    yield node
    for child in getattr(node, "children", {}).values():
        yield from blocks(child)
