"""The stepper's charts come with margins that hold their tick labels, legend and axis titles
(figures.spec), so plotly.js draws each chart once: when a margin is too small, plotly's
automargin pushes it and redraws the whole chart, and Streamlit draws a new chart on every
click (issue 10, target 2). Read from the drawn chart: the plot area plotly settled on
(``_fullLayout._size``) is the one the margins asked for, in normal mode (Streamlit's chart
theme) and in lecture mode (projector type, figures.spec.PROJECTOR_FONTS; stepped with the
clicker's PageDown, as a lecturer does)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from .helpers import click, settle

_MARGINS_JS = """(key) => {
  const gd = document.querySelector(`.st-key-${key} .js-plotly-plot`);
  const m = gd._fullLayout.margin, s = gd._fullLayout._size;
  const svg = gd.querySelector('.main-svg').getBoundingClientRect();
  const lefts = Array.from(gd.querySelectorAll('.ytick text, .y2tick text, .ytitle, .y2title'))
    .map(t => t.getBoundingClientRect().left - svg.left);
  return {asked: [m.l, m.r, m.t, m.b], drawn: [s.l, s.r, s.t, s.b], leftmost: Math.min(...lefts)};
}"""


@pytest.mark.slow
@pytest.mark.parametrize(
    "query",
    [
        "/",
        "/?src=ds&ds=galaxies&K=5",
        "/?preset=old_faithful",
        "/?preset=galaxies&lecture=1",
        "/?K=10&lecture=1",
    ],
    ids=[
        "opening",
        "galaxies-K5-side-legend",
        "old-faithful",
        "lecture-galaxies",
        "lecture-K10-legend",
    ],
)
def test_charts_are_drawn_in_the_margins_asked_for(page: Page, wait_for_app, query: str):
    page.goto(query)
    settle(page, wait_for_app)
    for _ in range(2):
        if "lecture=1" in query:  # the big Next button: half steps, E then M
            for _ in range(2):
                page.keyboard.press("PageDown")
                settle(page, wait_for_app)
        else:
            click(page, "step", wait_for_app)
    for key in ("mixture_chart", "trace_chart"):
        got = page.evaluate(_MARGINS_JS, key)
        pushed = [round(d - a) for a, d in zip(got["asked"], got["drawn"], strict=True)]
        assert all(abs(p) <= 1 for p in pushed), f"{key}: plotly pushed the margins {got}"
        assert got["leftmost"] >= 0, f"{key}: a y label or title is cut off: {got}"
