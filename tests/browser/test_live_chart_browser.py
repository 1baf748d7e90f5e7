"""The stepper's live charts in chromium (ui/live_chart.py): a click updates the chart drawn
before (the same graph div, ``Plotly.react``) instead of replacing it, plotly.js comes from
this server, and a live chart looks like ``st.plotly_chart``'s drawing of the same figure."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from benchmarks.common import streamlit_server

from .conftest import REPO_ROOT
from .helpers import chart, iteration, settle

#: Marks both graph divs, so a later check can tell the same node from a new one.
MARK_JS = """() => {
  for (const key of ['mixture_chart', 'trace_chart']) {
    document.querySelector(`.st-key-${key} .js-plotly-plot`).__emlabMark = key;
  }
}"""
SAME_JS = """() => ['mixture_chart', 'trace_chart'].map(
  key => document.querySelector(`.st-key-${key} .js-plotly-plot`).__emlabMark === key)"""


def current(page) -> int:
    (trace,) = [t for t in chart(page, "trace_chart")["traces"] if t["name"] == "current"]
    return int(trace["x"][0])


@pytest.mark.slow
def test_a_click_updates_the_same_graph_div(page, wait_for_app, _no_external_requests):
    page.goto("/?n=1000")
    settle(page, wait_for_app)
    assert iteration(page) == (0, "init") and current(page) == 0
    page.evaluate(MARK_JS)
    page.locator(".st-key-step button:visible").first.click()
    settle(page, wait_for_app)
    assert iteration(page) == (1, "M")
    assert current(page) == 1  # the new figure is drawn ...
    assert page.evaluate(SAME_JS) == [True, True]  # ... in the graph divs drawn before
    trace = page.locator(".st-key-trace_chart .js-plotly-plot")
    expect(trace).to_have_attribute("role", "figure")
    expect(trace).to_have_attribute("aria-label", "Log-likelihood trace up to iteration 1")
    # The main chart fills the box the page's CSS sizes (normal mode: at least 460 px).
    box = page.locator(".st-key-mixture_chart .js-plotly-plot .main-svg").first.bounding_box()
    assert box is not None and box["height"] >= 460
    assert any(url.endswith("/app/static/plotly.min.js") for url in _no_external_requests)


# The same trace figure drawn by both paths of ui.lecture.chart, in normal mode.
SIDE_BY_SIDE = """
import numpy as np

from figures.trace import trace_figure_spec
from ui.lecture import chart

lls = np.array([-2316.9, -2307.6, -2305.1, -2304.8])
spec = lambda: trace_figure_spec(lls, current=2, converged_at=None, height=300)
chart(spec(), key="reference", name="reference")
chart(spec(), key="live", name="live", live=True)
"""

#: What plotly.js computed for a chart's look (its ``_fullLayout``), to compare two drawings.
LOOK_JS = """(key) => {
  const gd = document.querySelector(`.st-key-${key} .js-plotly-plot`);
  const fl = gd._fullLayout;
  const font = f => f && {color: f.color, size: f.size, weight: String(f.weight),
    family: Array.from(new Set(f.family.split(',').map(s => s.trim()))).join(', ')};
  const axis = a => ({tickfont: font(a.tickfont), title: font(a.title.font),
    standoff: a.title.standoff, gridcolor: a.gridcolor, showgrid: a.showgrid,
    zeroline: a.zeroline, zerolinecolor: a.zerolinecolor, tickcolor: a.tickcolor,
    ticklabelposition: a.ticklabelposition, range: a.range.map(v => +(+v).toFixed(6))});
  return {font: font(fl.font), hover: {bgcolor: fl.hoverlabel.bgcolor,
      bordercolor: fl.hoverlabel.bordercolor, font: font(fl.hoverlabel.font)},
    paper: fl.paper_bgcolor, plot: fl.plot_bgcolor, margin: fl.margin,
    height: fl.height, width: Math.round(fl.width),
    xaxis: axis(fl.xaxis), yaxis: axis(fl.yaxis),
    traces: gd._fullData.map(t => [t.name, t.type, t.mode, t.line && t.line.color]),
    texts: Array.from(gd.querySelectorAll('text')).map(t => t.textContent)};
}"""


@pytest.mark.slow
def test_a_live_chart_looks_like_st_plotly_chart(page):
    """One page draws the trace figure with st.plotly_chart (Streamlit's theme applied in the
    browser) and as a live chart (the theme written into the spec): plotly.js must compute the
    same fonts, colours, grid, margins, ranges and text for both."""
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "side_by_side.py"
        script.write_text(SIDE_BY_SIDE)
        # Streamlit serves static/ beside the main script: the repository's, with plotly.js.
        (Path(tmp) / "static").symlink_to(REPO_ROOT / "static", target_is_directory=True)
        # Served from the repository (its .streamlit/config.toml: theme, static serving).
        with streamlit_server(script, cwd=REPO_ROOT) as (url, _):
            page.goto(url)
            for key in ("reference", "live"):
                page.wait_for_function(
                    "(k) => !!document.querySelector(`.st-key-${k} .js-plotly-plot .main-svg`)",
                    arg=key,
                    timeout=60_000,
                )
            page.wait_for_timeout(500)
            reference = page.evaluate(LOOK_JS, "reference")
            live = page.evaluate(LOOK_JS, "live")
    assert reference["font"]["family"].startswith('"Source Sans"')  # Streamlit's theme applied
    assert live == reference
