"""Presenter keys with a toggle, checkbox or radio focused (issue 7, ui/keyfocus.py), in
Debian's chromium: Streamlit's shortcut filter drops key events aimed at any ``<input>``, so
after a mouse click on a toggle the clicker's PageDown did nothing. A number box keeps its keys.

Screenshots: ``artifacts/screenshots/keys_focus_*.png``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from .helpers import iteration, main, settle, sidebar

pytestmark = [pytest.mark.timeout(300), pytest.mark.slow]

SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"keys_focus_{name}.png"))


def focused(page: Page) -> tuple[str, str | None]:
    return tuple(
        page.evaluate("() => [document.activeElement.tagName, document.activeElement.type]")
    )


def press(page: Page, key: str, wait_for_app) -> None:
    page.keyboard.press(key)
    settle(page, wait_for_app)


def lecture_toggle(page: Page):
    return sidebar(page).locator('[data-testid="stCheckbox"]').filter(has_text="Lecture mode")


def test_clicker_keys_work_with_the_lecture_toggle_focused(page: Page, wait_for_app):
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto("/?preset=separated&lecture=1")
    settle(page, wait_for_app)
    page.locator('[data-testid="stExpandSidebarButton"]').click()
    expect(sidebar(page)).to_have_attribute("data-collapsed", "false")
    for lecture in (False, True):  # leave lecture mode with the mouse, then enter it again
        start = iteration(page)
        lecture_toggle(page).locator("label").click()
        settle(page, wait_for_app)
        expect(page.locator(".st-key-lecture_next")).to_have_count(1 if lecture else 0)
        assert focused(page) == ("INPUT", "checkbox"), "the toggle lost the focus"
        press(page, "PageDown", wait_for_app)
        first = iteration(page)
        press(page, "PageDown", wait_for_app)
        shot(page, f"lecture_toggle_{'on' if lecture else 'off'}")
        assert focused(page) == ("INPUT", "checkbox"), "the focus should stay on the toggle"
        n, _ = start
        assert (first, iteration(page)) == ((n, "E"), (n + 1, "M")), (start, first)


def test_letter_keys_work_with_a_radio_focused_and_a_number_box_keeps_its_keys(
    page: Page, wait_for_app
):
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto("/?preset=separated")
    settle(page, wait_for_app)
    # Click the radio option already chosen: focus on the radio, nothing else changes.
    sidebar(page).locator(
        '.st-key-data_source [data-testid="stRadioOption"][data-selected="true"]'
    ).click()
    settle(page, wait_for_app)
    assert focused(page) == ("INPUT", "radio")
    steps = [("e", (0, "E")), ("m", (1, "M")), ("PageDown", (1, "E")), ("PageUp", (1, "M"))]
    seen = []
    for key, _ in steps:
        press(page, key, wait_for_app)
        seen.append(iteration(page))
    assert seen == [where for _, where in steps]
    assert focused(page) == ("INPUT", "radio")
    # A number box keeps its keys: typing "e" or PageDown there does not step.
    main(page).locator(".st-key-show_maths label").click()
    settle(page, wait_for_app)
    box = main(page).locator(".st-key-maths_n input")
    box.click()
    assert focused(page) == ("INPUT", "number")
    page.keyboard.press("e")
    page.keyboard.press("PageDown")
    page.keyboard.press("m")
    settle(page, wait_for_app)
    shot(page, "number_box")
    assert iteration(page) == (1, "M")
