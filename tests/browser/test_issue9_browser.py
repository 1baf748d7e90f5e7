"""Why EM works, in a real browser: the lower-bound panel, the likelihood landscape (a click on
the map starts EM there) and predict-then-reveal, in normal and lecture mode.

Screenshots (``artifacts/screenshots/``): ``bound_panel.png``, ``bound_panel_lecture.png``,
``landscape.png``, ``landscape_lecture.png``, ``predict.png``, ``predict_lecture.png``.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, expect

from .helpers import click, iteration, main, settle

pytestmark = pytest.mark.timeout(300)


def toggle(page: Page, key: str, wait_for_app) -> None:
    page.locator(f".st-key-{key} label").first.click()
    wait_for_app(page)


def scroll_to(page: Page, key: str) -> None:
    page.locator(f".st-key-{key}").first.scroll_into_view_if_needed()


def no_errors(page: Page) -> None:
    errors = page.locator('[data-testid="stException"]')
    assert errors.count() == 0, "the app raised:\n" + "\n---\n".join(errors.all_inner_texts())


@pytest.mark.parametrize("lecture", [False, True])
def test_bound_panel(page: Page, wait_for_app, full_page_screenshot, lecture):
    page.goto("/?K=2&lecture=1" if lecture else "/?K=2")
    settle(page, wait_for_app)
    if lecture:
        for _ in range(4):  # E, M, E, M
            click(page, "lecture_next", wait_for_app)
    else:
        click(page, "step", wait_for_app)
        click(page, "e_step", wait_for_app)
        click(page, "m_step", wait_for_app)
    assert iteration(page) == (2, "M")
    toggle(page, "show_bound", wait_for_app)
    toggle(page, "show_hard", wait_for_app)
    no_errors(page)
    for key in ("bound_bars", "bound_slice", "hard_soft_chart"):
        expect(page.locator(f".st-key-{key} .js-plotly-plot:not(.emlab-back)")).to_have_count(1)
    expect(main(page).get_by_text(re.compile("gap = KL = "))).to_have_count(1)
    full_page_screenshot(page, "bound_panel_lecture" if lecture else "bound_panel")


def test_landscape_click_starts_em_there(page: Page, wait_for_app, full_page_screenshot):
    page.goto("/landscape?K=2")
    wait_for_app(page, timeout_ms=120_000)
    expect(main(page).locator("h1")).to_have_text("Likelihood landscape")
    page.locator(".st-key-land_grid input").fill("30")
    page.locator(".st-key-land_grid input").press("Enter")
    wait_for_app(page)
    page.locator(".st-key-land_run").get_by_role("button").click()
    wait_for_app(page, timeout_ms=120_000)
    no_errors(page)
    expect(page.locator(".st-key-land_basins .js-plotly-plot:not(.emlab-back)")).to_have_count(1)
    full_page_screenshot(page, "landscape")
    # Click one of the invisible grid points of the surface: the stepper opens at θ₀ there.
    layer = page.locator(".st-key-land_surface .scatterlayer .trace").nth(
        page.evaluate(
            """() => {
              const gd = document.querySelector('.st-key-land_surface .js-plotly-plot');
              return gd._fullData.filter(d => d.type === 'scatter')
                .findIndex(d => d.name === 'start here');
            }"""
        )
    )
    box = layer.locator("path.point").nth(800).bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_timeout(300)
    # The grid point plotly hovers there (its hover label says "click to start EM here").
    target = page.evaluate(
        """() => {
          const gd = document.querySelector('.st-key-land_surface .js-plotly-plot');
          const hit = gd._hoverdata.find(h => h.data.name === 'start here');
          return {x: hit.x, y: hit.y};
        }"""
    )
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    wait_for_app(page, timeout_ms=60_000)
    settle(page, wait_for_app)
    expect(main(page).locator("h1")).to_have_text("EM stepper")
    assert iteration(page) == (0, "init")
    manual = parse_qs(urlsplit(page.url).query)["manual"][0]
    rows = [[float(v) for v in row.split(",")] for row in manual.split(";")]
    assert [rows[0][0], rows[1][0]] == [target["x"], target["y"]]


def test_landscape_lecture(page: Page, wait_for_app, full_page_screenshot):
    page.goto("/landscape?K=2&lecture=1")
    wait_for_app(page, timeout_ms=120_000)
    no_errors(page)
    expect(page.locator(".st-key-land_surface .js-plotly-plot:not(.emlab-back)")).to_have_count(1)
    full_page_screenshot(page, "landscape_lecture")


@pytest.mark.parametrize("lecture", [False, True])
def test_predict_mode(page: Page, wait_for_app, full_page_screenshot, lecture):
    page.goto("/?lecture=1" if lecture else "/")
    settle(page, wait_for_app)
    toggle(page, "predict_mode", wait_for_app)
    page.locator(".st-key-predict_lock").get_by_role("button").click()
    wait_for_app(page)
    click(page, "lecture_next" if lecture else "e_step", wait_for_app)
    expect(main(page).locator("p").filter(has_text="Score:")).to_contain_text("/ 1")
    no_errors(page)
    scroll_to(page, "predict_lock")
    full_page_screenshot(page, "predict_lecture" if lecture else "predict")
