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
  const gd = document.querySelector(`.st-key-${key} .js-plotly-plot:not(.emlab-back)`);
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


_NOTES_JS = """() => {
  const gd = document.querySelector('.st-key-trace_chart .js-plotly-plot:not(.emlab-back)');
  const box = e => {
    const r = e.getBoundingClientRect();
    return [r.left, r.top, r.right, r.bottom];
  };
  return {
    svg: box(gd.querySelector('.main-svg')),
    notes: Array.from(gd.querySelectorAll('.annotation-text')).map(t => [t.textContent, box(t)]),
    labels: Array.from(gd.querySelectorAll('.ytick text, .xtick text, .ytitle, .xtitle'))
      .map(t => [t.textContent, box(t)]),
  };
}"""


def _overlap(a: list[float], b: list[float]) -> bool:
    return not (a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1])


@pytest.mark.slow
def test_lecture_trace_notes_are_clear_of_the_labels_and_of_each_other(page: Page, wait_for_app):
    """Lecture mode's trace is narrow and its type 19 px: the notes (the limit, θ₀'s log L) go
    below the x title, inside the chart, over no tick label, axis title or other note (at
    1024×768, the narrowest projector; collapse shows both notes from iteration 2)."""
    page.set_viewport_size({"width": 1024, "height": 768})
    page.goto("/?preset=collapse&lecture=1")
    settle(page, wait_for_app)
    for _ in range(6):  # three iterations in half steps, as a clicker does
        page.keyboard.press("PageDown")
        settle(page, wait_for_app)
    got = page.evaluate(_NOTES_JS)
    assert len(got["notes"]) == 2, got["notes"]
    svg = got["svg"]
    for i, (text, box) in enumerate(got["notes"]):
        assert svg[0] - 0.5 <= box[0] and box[2] <= svg[2] + 0.5, f"{text!r} leaves the chart"
        for label, where in got["labels"]:
            assert not _overlap(box, where), f"{text!r} over the label {label!r}"
        for other, where in got["notes"][i + 1 :]:
            assert not _overlap(box, where), f"{text!r} over {other!r}"
