"""Lecture mode's parameter table in chromium: a table of texts (no pandas Styler), each k
cell in its component's colour by the page's CSS (``ui.parameter_grid.LECTURE_ROW_COLOURS``),
at lecture type, for every one of K = 10 components."""

from __future__ import annotations

from playwright.sync_api import Page

from figures import component_color
from figures.palette import text_color_on
from ui.parameter_grid import LECTURE_TABLE_KEY

from .test_classroom_browser import SHOTS, open_at, press


def rgb(hex_colour: str) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


def test_lecture_table_colours_each_k_cell_at_lecture_type(page: Page, wait_for_app):
    open_at(page, wait_for_app, "?K=10&lecture=1", (1280, 720))
    press(page, "PageDown", wait_for_app)  # E-step
    press(page, "PageDown", wait_for_app)  # M-step: iteration 1, with its changes
    table = page.locator(f".st-key-{LECTURE_TABLE_KEY} table")
    table.scroll_into_view_if_needed()
    SHOTS.mkdir(parents=True, exist_ok=True)
    table.screenshot(path=str(SHOTS / "lecture_table_K10.png"))
    cells = table.evaluate(
        """t => [...t.querySelectorAll('tbody tr')].map(r => {
             const c = r.children[0], s = getComputedStyle(c);
             return [c.innerText.trim(), s.backgroundColor, s.color, parseFloat(s.fontSize)];
           })"""
    )
    assert [c[0] for c in cells] == [str(k + 1) for k in range(10)]
    for k, (_, background, colour, size) in enumerate(cells):
        assert background == rgb(component_color(k)), (k, background)
        assert colour == rgb(text_color_on(component_color(k))), (k, colour)
        assert size >= 20, (k, size)  # 1.3rem: lecture type, as every lecture table
    second = table.evaluate(
        "t => getComputedStyle(t.querySelector('tbody tr').children[2]).backgroundColor"
    )
    assert second != rgb(component_color(0))  # only the k cell is coloured
