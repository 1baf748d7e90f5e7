"""The stepper's live charts in chromium (ui/live_chart.py, ui/stepper_charts.py): a click or
presenter key shows the charts drawn one click ahead before the server answers, the answer then
draws nothing again, a key typed into a box draws nothing ahead, a click the server never
receives is undone; plotly.js comes from this server, and a live chart looks like
``st.plotly_chart``'s drawing of the same figure."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from benchmarks.common import streamlit_server

from .conftest import REPO_ROOT
from .helpers import chart, iteration, settle, sidebar, status

#: Streamlit's websocket, made controllable by the test: ``window.__holdAnswers = true`` keeps
#: the server's messages until ``window.__releaseAnswers()``; ``window.__dropClicks = true``
#: stops the page's messages (a click the server never gets). Installed before the page loads.
SOCKET_JS = """(() => {
  if (window.__emlabTestSocket) return;
  window.__emlabTestSocket = true;
  const Native = window.WebSocket;
  const held = [];
  window.__releaseAnswers = () => {
    window.__holdAnswers = false;
    for (const [socket, data] of held.splice(0)) {
      socket.dispatchEvent(new MessageEvent('message', { data }));
    }
  };
  class Controlled extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (event) => {
        if (!window.__holdAnswers) return;
        event.stopImmediatePropagation();
        held.push([this, event.data]);
      });
    }
    send(data) {
      if (!window.__dropClicks) super.send(data);
    }
  }
  window.WebSocket = Controlled;
})();"""

#: What each live chart shows: (the token of its front figure, the server's last token).
SHOWN_JS = """() => ['mixture_chart', 'trace_chart'].map((key) => {
  const live = document.querySelector(`.st-key-${key} .emlab-live`).__emlab;
  return [live.front.__emlabToken, live.token];
})"""


def current(page) -> int:
    (trace,) = [t for t in chart(page, "trace_chart")["traces"] if t["name"] == "current"]
    return int(trace["x"][0])


def shown(page) -> dict[str, tuple[str, str]]:
    mixture, trace = page.evaluate(SHOWN_JS)
    return {"mixture_chart": tuple(mixture), "trace_chart": tuple(trace)}


def open_controlled(page, wait_for_app, link: str) -> None:
    page.add_init_script(SOCKET_JS)
    page.goto(link)
    settle(page, wait_for_app)


@pytest.mark.slow
def test_a_click_shows_the_charts_drawn_ahead_before_the_server_answers(
    page, wait_for_app, _no_external_requests
):
    open_controlled(page, wait_for_app, "/?n=1000")
    assert iteration(page) == (0, "init") and current(page) == 0
    before = shown(page)
    page.evaluate("() => { window.__holdAnswers = true; }")
    page.locator(".st-key-step button:visible").first.click()
    # Drawn while the server's answer is held: the status line still says iteration 0.
    expect(status(page)).to_contain_text("Iteration 0")
    assert current(page) == 1
    during = shown(page)
    for key in ("mixture_chart", "trace_chart"):
        assert during[key][0] != before[key][0], key  # another figure on screen ...
        assert during[key][1] == before[key][1], key  # ... before any answer came
    page.evaluate("() => window.__releaseAnswers()")
    settle(page, wait_for_app)
    assert iteration(page) == (1, "M") and current(page) == 1
    after = shown(page)
    for key in ("mixture_chart", "trace_chart"):
        # The server's answer is the figure drawn ahead: nothing was drawn again.
        assert after[key] == (during[key][0], during[key][0]), key
    trace = page.locator(".st-key-trace_chart .js-plotly-plot:not(.emlab-back)")
    expect(trace).to_have_attribute("role", "figure")
    expect(trace).to_have_attribute("aria-label", "Log-likelihood trace up to iteration 1")
    expect(page.locator(".st-key-trace_chart .emlab-back").first).to_have_attribute(
        "aria-hidden", "true"
    )
    # The main chart fills the box the page's CSS sizes (normal mode: at least 460 px).
    front = ".st-key-mixture_chart .js-plotly-plot:not(.emlab-back) .main-svg"
    box = page.locator(front).first.bounding_box()
    assert box is not None and box["height"] >= 460
    assert any(url.endswith("/app/static/plotly.min.js") for url in _no_external_requests)


@pytest.mark.slow
def test_page_down_in_lecture_mode_recolours_at_once(page, wait_for_app):
    """The clicker's key: the E-step's recoloured histogram is on screen before the answer;
    the trace does not change at an E-step, so it is not drawn at all."""
    open_controlled(page, wait_for_app, "/?n=1000&lecture=1")
    before = shown(page)
    page.evaluate("() => { window.__holdAnswers = true; }")
    page.keyboard.press("PageDown")  # nothing focused after loading
    page.wait_for_function(
        "(old) => document.querySelector('.st-key-mixture_chart .emlab-live')"
        ".__emlab.front.__emlabToken !== old",
        arg=before["mixture_chart"][0],
        timeout=2_000,
    )
    assert shown(page)["trace_chart"] == before["trace_chart"]
    expect(status(page)).to_contain_text("Iteration 0")
    page.evaluate("() => window.__releaseAnswers()")
    settle(page, wait_for_app)
    assert iteration(page) == (0, "E")
    after = shown(page)
    assert after["mixture_chart"][0] == after["mixture_chart"][1] != before["mixture_chart"][0]


@pytest.mark.slow
def test_after_another_button_nothing_is_drawn_ahead_until_its_answer(page, wait_for_app):
    """Back, then Next iteration before Back's answer came: the figure sent ahead (iteration
    2 to 3) may be stale, so nothing is drawn ahead; the server's answers decide."""
    open_controlled(page, wait_for_app, "/?n=1000&t=2")
    assert iteration(page) == (2, "M") and current(page) == 2
    page.evaluate("() => { window.__holdAnswers = true; }")
    page.locator(".st-key-back button:visible").first.click()
    page.wait_for_timeout(300)
    page.locator(".st-key-step button:visible").first.click()
    page.wait_for_timeout(300)
    assert current(page) == 2  # not 3: nothing drawn ahead while Back's answer is pending
    page.evaluate("() => window.__releaseAnswers()")
    settle(page, wait_for_app)
    for key, (on_screen, from_server) in shown(page).items():
        assert on_screen == from_server, key  # whatever the server made of the two clicks


@pytest.mark.slow
def test_a_key_typed_into_a_box_draws_nothing_ahead(page, wait_for_app):
    """ "N" is Next iteration's key, but typed into a number box it is text: Streamlit's
    shortcut does not take it, and neither does the look-ahead."""
    open_controlled(page, wait_for_app, "/?n=1000")
    before = shown(page)
    box = sidebar(page).locator('input[type="number"]').first
    box.click()
    page.keyboard.press("n")
    page.wait_for_timeout(500)
    assert shown(page) == before
    page.keyboard.press("Escape")


@pytest.mark.slow
def test_a_click_the_server_never_gets_is_undone(page, wait_for_app):
    """A click that never reaches the server (here its message is dropped): the chart drawn
    ahead goes back to the server's last figure once no answer came (ui.live_chart
    AHEAD_PATIENCE_MS), rather than showing an iteration the run is not at."""
    open_controlled(page, wait_for_app, "/?n=1000")
    before = shown(page)
    page.evaluate("() => { window.__dropClicks = true; }")
    page.locator(".st-key-step button:visible").first.click()
    assert current(page) == 1  # drawn ahead at once
    page.wait_for_function(
        "(old) => document.querySelector('.st-key-trace_chart .emlab-live')"
        ".__emlab.front.__emlabToken === old",
        arg=before["trace_chart"][0],
        timeout=10_000,
    )
    assert current(page) == 0 and shown(page) == before
    assert iteration(page) == (0, "init")


# The same trace figure drawn by st.plotly_chart (ui.lecture.chart) and as a live chart, in
# normal mode.
SIDE_BY_SIDE = """
import numpy as np

from figures.trace import trace_figure_spec
from ui.lecture import chart, live_spec
from ui.live_chart import live_chart, live_chart_available

assert live_chart_available()  # plotly.js put in the repository's static/
lls = np.array([-2316.9, -2307.6, -2305.1, -2304.8])
spec = lambda: trace_figure_spec(lls, current=2, converged_at=None, height=300)
chart(spec(), key="reference", name="reference")
live_chart(live_spec(spec(), lecture=False), key="live", alt="live")
"""

#: What plotly.js computed for a chart's look (its ``_fullLayout``), to compare two drawings.
LOOK_JS = """(key) => {
  const gd = document.querySelector(`.st-key-${key} .js-plotly-plot:not(.emlab-back)`);
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
                    "(k) => !!document.querySelector("
                    "`.st-key-${k} .js-plotly-plot:not(.emlab-back) .main-svg`)",
                    arg=key,
                    timeout=60_000,
                )
            page.wait_for_timeout(500)
            reference = page.evaluate(LOOK_JS, "reference")
            live = page.evaluate(LOOK_JS, "live")
    assert reference["font"]["family"].startswith('"Source Sans"')  # Streamlit's theme applied
    assert live == reference


#: The main chart's x range on screen, and the range its figure asks for.
X_RANGE_JS = """() => {
  const gd = document.querySelector('.st-key-mixture_chart .js-plotly-plot:not(.emlab-back)');
  return [gd._fullLayout.xaxis.range.map(Number), gd.layout.xaxis.range || null];
}"""


@pytest.mark.slow
def test_a_zoom_lasts_until_the_next_click_and_never_comes_back(page, wait_for_app):
    """A zoom on the chart on screen goes with the next click (each figure comes with its own
    axes) and does not come back two clicks later from a reused hidden chart; nor does the
    zoom of an earlier figure come back on screen."""
    open_controlled(page, wait_for_app, "/?n=1000")
    page.locator(".st-key-step button:visible").first.click()
    settle(page, wait_for_app)
    full, _ = page.evaluate(X_RANGE_JS)
    page.evaluate(
        "() => Plotly.relayout(document.querySelector("
        "'.st-key-mixture_chart .js-plotly-plot:not(.emlab-back)'), "
        "{'xaxis.range': [-1, 1]})"
    )
    assert page.evaluate(X_RANGE_JS)[0] == [-1, 1]  # zoomed
    spans = []
    for _ in range(4):
        page.locator(".st-key-step button:visible").first.click()
        settle(page, wait_for_app)
        lo, hi = page.evaluate(X_RANGE_JS)[0]
        spans.append(hi - lo)
    assert all(span > 0.8 * (full[1] - full[0]) for span in spans), (full, spans)


@pytest.mark.slow
def test_no_keyboard_stop_inside_a_chart_that_is_not_on_screen(page, wait_for_app):
    """The charts drawn ahead are transparent: Tab must never land in them (plotly's toolbar
    buttons are focusable), and screen readers must not see them."""
    open_controlled(page, wait_for_app, "/?n=1000")
    page.locator(".st-key-step button:visible").first.click()
    settle(page, wait_for_app)
    found = page.evaluate(
        """() => {
          const backs = Array.from(document.querySelectorAll('.emlab-live > .emlab-back'));
          const focusable = backs.flatMap(b => Array.from(b.querySelectorAll(
            'a, button, input, [tabindex]:not([tabindex="-1"])')))
            .filter(el => el.getClientRects().length > 0);
          return {backs: backs.length, hidden: backs.every(b => b.getAttribute('aria-hidden')),
                  focusable: focusable.map(el => el.outerHTML.slice(0, 80))};
        }"""
    )
    assert found["backs"] >= 1 and found["hidden"], found
    assert found["focusable"] == [], found
    on_screen = page.locator(".st-key-mixture_chart .js-plotly-plot:not(.emlab-back)")
    label = on_screen.get_attribute("aria-label") or ""
    assert "θ₁" in label, label  # the name of the figure on screen, not of an earlier one
