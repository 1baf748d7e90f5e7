"""The live chart's server side (ui/live_chart.py, ui/lecture.py): plotly.js put where
Streamlit serves it, the component's data, and Streamlit's chart theme written into a spec."""

from __future__ import annotations

import copy
import json

import numpy as np
import plotly.graph_objects as go
import pytest
from streamlit import config

from figures.spec import template
from ui import live_chart
from ui.lecture import streamlit_themed

THEME = live_chart.streamlit_theme_layout(background="#fffffe", border="#d5dee3", heading="#1f2a33")


def test_plotly_js_is_copied_from_the_installed_plotly_package(tmp_path) -> None:
    static = tmp_path / "static"
    assert live_chart.plotly_js_ready(static)
    copied = (static / live_chart.PLOTLY_JS_NAME).read_bytes()
    assert copied == live_chart.plotly_js_source().read_bytes()
    assert b"plotly.js v" in copied[:200]
    assert [p.name for p in static.iterdir()] == [live_chart.PLOTLY_JS_NAME]  # no temp left


def test_a_stale_or_damaged_copy_is_replaced(tmp_path) -> None:
    target = tmp_path / live_chart.PLOTLY_JS_NAME
    size = live_chart.plotly_js_source().stat().st_size
    target.write_bytes(b"x" * size)  # same size, other bytes (another plotly version)
    assert live_chart.plotly_js_ready(tmp_path)
    assert target.read_bytes() == live_chart.plotly_js_source().read_bytes()


def test_an_unwritable_place_says_no_rather_than_raising(tmp_path) -> None:
    not_a_dir = tmp_path / "static"
    not_a_dir.write_text("a file where the folder should be")
    assert live_chart.plotly_js_ready(not_a_dir) is False


def test_plotly_js_url_follows_the_base_url_path() -> None:
    old = config.get_option("server.baseUrlPath")
    try:
        config.set_option("server.baseUrlPath", "")
        assert live_chart.plotly_js_url() == "/app/static/plotly.min.js"
        config.set_option("server.baseUrlPath", "/emlab/")
        assert live_chart.plotly_js_url() == "/emlab/app/static/plotly.min.js"
    finally:
        config.set_option("server.baseUrlPath", old)


def test_component_data_carries_the_figure_as_plotly_json() -> None:
    y = np.linspace(0.0, 1.0, 7)
    figure = {"data": [{"type": "scatter", "y": y, "name": "<b>x</b>"}], "layout": {}}
    payload = live_chart.live_chart_data(figure, alt="Trace of log L", fill=False)
    assert isinstance(payload, bytes)  # forwarded by Streamlit as it is
    data = json.loads(payload)  # one JSON document
    decoded = data["figure"]
    assert np.allclose(decoded["data"][0]["y"], y)
    assert decoded["data"][0]["name"] == "<b>x</b>"  # data, passed through unchanged
    assert data["alt"] == "Trace of log L" and data["fill"] is False
    assert data["config"]["displaylogo"] is False
    assert {"lasso2d", "select2d"} <= set(data["config"]["modeBarButtonsToRemove"])


def _spec() -> dict:
    return {
        "data": [{"type": "scatter", "x": [0, 1], "y": [1, 2]}],
        "layout": {
            "template": template(),
            "font": {"color": "#262730"},
            "xaxis": {"showgrid": True},
            "title": {"text": "log L"},
        },
    }


def test_streamlit_theme_goes_under_the_figures_own_layout() -> None:
    spec = _spec()
    before = copy.deepcopy(spec)
    themed = streamlit_themed(spec, THEME)
    assert spec == before  # a new dict
    tl = themed["layout"]["template"]["layout"]
    assert tl["font"]["family"] == live_chart.STREAMLIT_FONT
    assert tl["xaxis"]["showgrid"] is False and tl["paper_bgcolor"] == "#fffffe"
    # plotly_white's own template entries stay unless the theme sets them
    assert tl["scene"] == template()["layout"]["scene"]
    assert themed["layout"]["title"]["text"] == "<b>log L</b>"
    # what plotly draws: the figure's layout over the theme, the theme over plotly_white
    full = go.Figure(themed).layout
    assert full.font.color == "#262730"
    assert full.xaxis.showgrid is True
    assert full.template.layout.yaxis.title.standoff == 24
    assert full.template.layout.hoverlabel.bordercolor == "#d5dee3"


def test_streamlit_theme_is_a_valid_plotly_layout() -> None:
    go.Layout(THEME)  # plotly's validators raise on a misspelt property


@pytest.mark.parametrize("title", [None, "", {"text": ""}])
def test_no_title_stays_no_title(title) -> None:
    spec = _spec()
    spec["layout"]["title"] = title
    assert streamlit_themed(spec, THEME)["layout"]["title"] == title
