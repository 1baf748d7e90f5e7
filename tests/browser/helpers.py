"""Helpers shared by the browser tests: locators for the stepper's elements, waiting for a
rerun to settle, and reading what plotly drew."""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, expect

TIMEOUT_MS = 15_000
#: The directory where the run's one app server leaves its address and pid (``SERVER_INFO``):
#: named by tests/conftest.py, used by the ``app_server`` fixture of tests/browser/conftest.py.
SERVER_DIR_ENV = "EMLAB_TEST_SERVER_DIR"
SERVER_INFO = "server.json"
STATUS_RE = re.compile(r"Iteration (\d+) · (?:after ([EM])-step|initial parameters)")

# The plotly figure as drawn, read from the graph div (plotly.js keeps the computed traces
# in ``_fullData``; ``data`` holds the typed-array specs {dtype, bdata} Streamlit sends).
_TRACE_JS = """(key) => {
  const gd = document.querySelector(`.st-key-${key} .js-plotly-plot:not(.emlab-back)`);
  if (!gd || !gd._fullData) return null;
  const traces = gd._fullData.map(t => ({
    name: t.name, type: t.type, mode: t.mode || null,
    x: t.x ? Array.from(t.x).map(Number) : [],
    y: t.y ? Array.from(t.y).map(Number) : [],
  }));
  const layers = Array.from(gd.querySelectorAll('.scatterlayer .trace'));
  return {
    traces,
    svgPoints: layers.map(l => l.querySelectorAll('path.point').length),
    svgLines: gd.querySelectorAll('.scatterlayer path.js-line').length,
    svgBars: gd.querySelectorAll('.barlayer path').length,
    texts: Array.from(gd.querySelectorAll('text')).map(t => t.textContent),
  };
}"""


# --------------------------------------------------------------------------- helpers


def main(page: Page) -> Locator:
    return page.locator('[data-testid="stMain"]')


def sidebar(page: Page) -> Locator:
    return page.locator('[data-testid="stSidebar"]')


def status(page: Page) -> Locator:
    """The one status line ("Iteration N · …") above the charts."""
    return main(page).locator('[data-testid="stAlert"]').filter(has_text=STATUS_RE)


def in_use_caption(page: Page) -> Locator:
    return sidebar(page).locator('[data-testid="stCaptionContainer"]').filter(has_text="In use:")


def settle(page: Page, wait_for_app) -> None:
    """Wait for the run to finish and for exactly one of each chart and status line.

    During a rerun the old elements can coexist with the new ones; reading then would mix
    two runs.
    """
    wait_for_app(page)
    expect(page.locator(".st-key-mixture_chart .js-plotly-plot:not(.emlab-back)")).to_have_count(1)
    expect(page.locator(".st-key-trace_chart .js-plotly-plot:not(.emlab-back)")).to_have_count(1)
    expect(status(page)).to_have_count(1)
    errors = page.locator('[data-testid="stException"]')
    assert errors.count() == 0, "the app raised:\n" + "\n---\n".join(errors.all_inner_texts())


def iteration(page: Page) -> tuple[int, str]:
    """(N, phase) from the status line; phase is "E", "M", or "init" at iteration 0."""
    text = status(page).inner_text()
    match = STATUS_RE.search(text)
    assert match, f"status line not understood: {text!r}"
    return int(match.group(1)), match.group(2) or "init"


def chart(page: Page, key: str) -> dict:
    info = page.evaluate(_TRACE_JS, key)
    assert info is not None, f"no drawn plotly figure in .st-key-{key}"
    return info


def log_l_trace(page: Page) -> tuple[list[float], float | None, int]:
    """(iterations on the log L line, iteration of the "current" marker, svg markers drawn)."""
    info = chart(page, "trace_chart")
    by_name = {t["name"]: (i, t) for i, t in enumerate(info["traces"])}
    assert "log L" in by_name, f"no 'log L' trace in {list(by_name)}"
    index, line = by_name["log L"]
    current = by_name.get("current", (None, {"x": [None]}))[1]["x"][0]
    return line["x"], current, info["svgPoints"][index]


def click(page: Page, key: str, wait_for_app) -> None:
    # A button with help= is rendered twice in 1.67 (one copy hidden): take the visible one.
    button = page.locator(f".st-key-{key}").get_by_role("button")
    expect(button).to_be_enabled()
    button.click()
    settle(page, wait_for_app)


def open_stepper(page: Page, wait_for_app) -> None:
    page.goto("/")
    settle(page, wait_for_app)
    expect(main(page).locator("h1")).to_have_text("EM stepper")


def choose_source(page: Page, source: str, wait_for_app) -> None:
    page.locator('.st-key-data_source [data-testid="stRadioOption"]').filter(
        has_text=source
    ).click()
    settle(page, wait_for_app)
    expect(
        page.locator('.st-key-data_source [data-testid="stRadioOption"][data-selected="true"]')
    ).to_have_text(source)
