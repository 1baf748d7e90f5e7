"""Layouts that fit every projector (issue 7, task 7b), in Debian's chromium:

* lecture mode at 1024×768 and 1280×720: whatever the stepper says (a collapsed or empty
  component, the preset's note, convergence, K = 10), the status line, the big Next, the whole
  main chart and every message (folded into one line) are on screen without scrolling;
* the γ panel's placeholder stays inside its plot, clear of the axis ticks;
* normal mode at 1280×720: the opening screen shows the histogram with its curves without
  scrolling; the trace beside the chart at 1280 px, below it at full width at 1024 px;
* normal mode at 1280 px: no table (explorer, K page, landscape) clips a column.

Screenshots: ``artifacts/screenshots/layout_*.png`` (taken before the assertions they show).
"""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import Page, expect

from .helpers import main, status
from .test_classroom_browser import PROJECTORS, SHOTS, open_at, press
from .test_classroom_browser import inside as on_screen

pytestmark = pytest.mark.timeout(600)


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"layout_{name}.png"))


def box(page: Page, selector: str) -> dict | None:
    return page.locator(selector).first.bounding_box()


# --------------------------------------------------------------------------- lecture mode

#: (name, link, keys pressed, what must be said on screen)
LECTURE_CASES = [
    ("collapse", "?preset=collapse&lecture=1", ["PageDown"] * 4, ["k = 1 collapsed"]),
    ("collapse_converged", "?preset=collapse&lecture=1", ["g"], ["k = 1 collapsed"]),
    ("converged", "?preset=separated&lecture=1", ["g"], ["converged at iteration"]),
    ("too_many", "?preset=too_many&lecture=1", ["g"], []),
    ("ten", "?K=10&lecture=1", ["PageDown"] * 3, []),
]


@pytest.mark.slow
@pytest.mark.parametrize("case", LECTURE_CASES, ids=lambda c: c[0])
@pytest.mark.parametrize("size", PROJECTORS, ids=lambda s: f"{s[0]}x{s[1]}")
def test_lecture_mode_keeps_every_message_on_screen(page: Page, wait_for_app, size, case):
    misses = []
    name, query, pressed, said = case  # one case per test: they spread over workers
    open_at(page, wait_for_app, query, size)
    for key in pressed:
        press(page, key, wait_for_app)
    shot(page, f"lecture_{size[0]}x{size[1]}_{name}")
    boxes = {
        "status": status(page).bounding_box(),
        "next": box(page, ".st-key-lecture_next button"),
        "chart": box(page, ".st-key-mixture_chart .js-plotly-plot:not(.emlab-back) .main-svg"),
    }
    # The preset's note and the warnings, when there are any, each one line.
    for what, key in (("what to watch", "lecture_watch"), ("messages", "lecture_messages")):
        folded = page.locator(f".st-key-{key} button")
        if folded.count():
            boxes[what] = folded.first.bounding_box()
    # Every message drawn open (an alert: status, warning, note) is on screen too.
    for i, alert in enumerate(main(page).locator('[data-testid="stAlert"]:visible').all()):
        boxes[f"alert {i} ({alert.inner_text()[:40]!r})"] = alert.bounding_box()
    if "preset" in query and "what to watch" not in boxes:
        misses.append(f"{name}: no 'What to watch' line")
    for what, got in boxes.items():
        if not on_screen(got, size):
            misses.append(f"{name}: {what} off screen: {got}")
    # Each message is one line (an expander's summary), not a paragraph.
    for what in ("what to watch", "messages"):
        if boxes.get(what) and boxes[what]["height"] > 80:
            misses.append(f"{name}: {what} takes {boxes[what]['height']:.0f} px")
    text = main(page).inner_text()
    misses += [f"{name}: {words!r} not said" for words in said if words not in text]
    assert not misses, "\n".join(misses)


#: What must not move while a lecturer presses Next: (name, selector).
STEADY = [
    ("Next", ".st-key-lecture_next button"),
    ("main chart", ".st-key-mixture_chart .js-plotly-plot:not(.emlab-back) .main-svg"),
    ("trace chart", ".st-key-trace_chart .js-plotly-plot:not(.emlab-back) .main-svg"),
]


@pytest.mark.slow
@pytest.mark.parametrize("size", PROJECTORS, ids=lambda s: f"{s[0]}x{s[1]}")
def test_lecture_mode_nothing_jumps_while_stepping(page: Page, wait_for_app, size):
    """Through the first iterations of "collapse" (iteration 0's long status line, then
    one-line ones; "k = 1 collapsed" appearing beside the chart; the trace's notes coming and
    going), Next, the main chart, the trace chart and what is below it stay where they are: the
    status line keeps two lines' height, the warnings' line is held by an invisible stand-in
    and the trace keeps room for its notes (jumps of 33, 63 and 25-50 px before)."""
    open_at(page, wait_for_app, "?preset=collapse&lecture=1", size)
    playback = page.locator('[data-testid="stExpander"]').filter(has_text="Playback and display")
    seen = []
    for step in range(5):
        if step:
            press(page, "PageDown", wait_for_app)
        at = {what: box(page, sel)["y"] for what, sel in STEADY}
        # Below the trace: its notes come and go (θ₀'s log L, "limit ≈", "converged at").
        at["Playback and display"] = playback.bounding_box()["y"]
        seen.append(at)
    shot(page, f"lecture_{size[0]}x{size[1]}_steady")
    expect(page.locator(".st-key-lecture_messages button")).to_contain_text("k = 1 collapsed")
    moved = [
        f"{what}: y {[round(s[what]) for s in seen]}"
        for what in seen[0]
        if max(s[what] for s in seen) - min(s[what] for s in seen) > 1
    ]
    assert not moved, "moved while stepping:\n" + "\n".join(moved)


@pytest.mark.slow
def test_the_gamma_placeholder_stays_clear_of_the_ticks(page: Page, wait_for_app):
    misses = []
    for query, size in [("?lecture=1", (1024, 768)), ("?preset=galaxies&lecture=1", (1024, 768))]:
        open_at(page, wait_for_app, query, size)
        shot(page, f"placeholder_{query.strip('?').replace('&', '_')}")
        found = page.evaluate(
            """() => {
              const gd = document.querySelector(
                '.st-key-mixture_chart .js-plotly-plot:not(.emlab-back)');
              const note = Array.from(gd.querySelectorAll('.annotation'))
                .find(a => a.textContent.includes('first E-step'));
              const plot = gd.querySelector('.draglayer .x2y2 .nsewdrag');
              const ticks = Array.from(gd.querySelectorAll('.y2tick text, .x2tick text'))
                .map(t => t.getBoundingClientRect());
              const r = b => ({x: b.x, y: b.y, w: b.width, h: b.height});
              return note && {
                note: r(note.querySelector('text').getBoundingClientRect()),
                plot: r(plot.getBoundingClientRect()),
                ticks: ticks.map(r),
              };
            }"""
        )
        assert found, f"{query}: no γ placeholder drawn"
        note, plot = found["note"], found["plot"]
        if note["x"] < plot["x"] - 0.5 or note["x"] + note["w"] > plot["x"] + plot["w"] + 0.5:
            misses.append(f"{query}: placeholder {note} wider than the γ plot {plot}")
        for tick in found["ticks"]:
            apart = (
                tick["x"] + tick["w"] <= note["x"]
                or note["x"] + note["w"] <= tick["x"]
                or tick["y"] + tick["h"] <= note["y"]
                or note["y"] + note["h"] <= tick["y"]
            )
            if not apart:
                misses.append(f"{query}: placeholder {note} over a tick {tick}")
    assert not misses, "\n".join(misses)


# --------------------------------------------------------------------------- normal mode


@pytest.mark.slow
def test_normal_mode_opening_shows_the_histogram_at_1280x720(page: Page, wait_for_app):
    size = (1280, 720)
    open_at(page, wait_for_app, "", size)
    shot(page, "normal_1280x720_opening")
    # The histogram with its curves is the figure's first subplot (xy).
    histogram = page.evaluate(
        """() => {
          const drag = document.querySelector(
            '.st-key-mixture_chart .js-plotly-plot:not(.emlab-back) .draglayer .xy .nsewdrag');
          const b = drag.getBoundingClientRect();
          return {x: b.x, y: b.y, width: b.width, height: b.height};
        }"""
    )
    assert on_screen(histogram, size), f"histogram not on the first screen: {histogram}"
    assert histogram["height"] >= 200, histogram
    expect(main(page).get_by_role("button", name="Galaxies")).to_be_in_viewport()


@pytest.mark.slow
def test_normal_mode_gives_the_trace_room_on_a_narrow_window(page: Page, wait_for_app):
    """Beside the chart at 1280 px; below it, at full width, at 1024 px (with the sidebar open
    the column beside the chart was ~180 px, too narrow for the trace's ticks and notes)."""
    for size in ((1280, 720), (1024, 768)):
        open_at(page, wait_for_app, "", size)
        trace, mixture = box(page, ".st-key-trace_chart"), box(page, ".st-key-mixture_chart")
        assert trace and mixture, (trace, mixture)
        beside = trace["x"] >= mixture["x"] + mixture["width"] - 1
        if size[0] == 1280:
            assert beside, (size, trace, mixture)
        else:
            shot(page, "normal_1024x768_trace_below")
            assert not beside and trace["y"] >= mixture["y"] + mixture["height"] - 1
            assert trace["width"] >= 0.9 * mixture["width"], (trace, mixture)


# --------------------------------------------------------------------------- tables

# Streamlit's grid draws on a canvas inside a scroller; a column cut at the grid's edge shows
# as a scroller wider inside (scrollWidth) than its visible width (clientWidth).
_GRIDS_JS = """() => Array.from(document.querySelectorAll(
    '[data-testid="stMain"] [data-testid="stDataFrame"]')).map(df => {
  const s = df.querySelector('.dvn-scroller');
  return {
    headers: Array.from(df.querySelectorAll('th[role="columnheader"]')).map(h => h.textContent),
    inside: s.scrollWidth, visible: s.clientWidth,
  };
})"""


def grids(page: Page, wanted: list[str]) -> list[dict]:
    """Every data grid of the page, once drawn: the headers ``wanted`` are in the DOM (a page's
    grids draw one after another; reading at the first would miss the later ones), or 15 s
    have passed (then the caller's check of the headers fails)."""
    headers = page.locator(
        '[data-testid="stMain"] [data-testid="stDataFrame"] th[role="columnheader"]'
    )
    expect(headers.first).to_be_attached()
    deadline = time.monotonic() + 15
    while True:
        found = [g for g in page.evaluate(_GRIDS_JS) if g["headers"]]
        if set(wanted) <= {h for g in found for h in g["headers"]} or time.monotonic() > deadline:
            return found
        page.wait_for_timeout(100)


def run_button(page: Page, key: str, wait_for_app) -> None:
    page.locator(f".st-key-{key}").get_by_role("button").click()
    wait_for_app(page, timeout_ms=180_000)


def set_number(page: Page, key: str, value: int, wait_for_app) -> None:
    field = page.locator(f".st-key-{key} input")
    field.fill(str(value))
    field.press("Enter")
    wait_for_app(page)


#: (page, link, number inputs set, the button that computes the table, headers looked for)
TABLE_RUNS = [
    ("explorer", "", {"explorer_restarts": 12}, "explorer_run", ["optimum", "best reached"]),
    ("choose_k", "?preset=collapse", {"k_max": 5, "k_restarts": 2}, "k_run",
     ["min Nₖ", "degenerate"]),
    ("landscape", "?preset=separated", {"land_grid": 10}, "land_run", ["starts", "mirror of"]),
]  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize("run", TABLE_RUNS, ids=lambda r: r[0])
def test_no_table_clips_a_column_at_1280(page: Page, wait_for_app, run):
    where, link, numbers, button, wanted = run  # one page per test: they spread over workers
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(f"/{where}{link}")
    wait_for_app(page)
    for key, value in numbers.items():
        set_number(page, key, value, wait_for_app)
    run_button(page, button, wait_for_app)
    found = grids(page, wanted)
    frames = page.locator('[data-testid="stMain"] [data-testid="stDataFrame"]')
    for i in range(frames.count()):
        frames.nth(i).screenshot(path=str(SHOTS / f"layout_table_{where}_{i}.png"))
    cut = [f"{where}: {g}" for g in found if g["inside"] > g["visible"] + 1]
    assert not cut, "tables wider than their grid (a column cut off):\n" + "\n".join(cut)
    headers = [h for g in found for h in g["headers"]]  # the tables looked at, short headers
    assert set(wanted) <= set(headers), (where, headers)
