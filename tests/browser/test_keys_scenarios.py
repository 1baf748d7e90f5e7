"""Lecture mode's Scenarios popover gets out of the way (issue 7): after a preset is chosen,
nothing covers the status line, at 1024×768 in Debian's chromium, and it opens again.

Screenshots: ``artifacts/screenshots/keys_scenarios_*.png``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from .helpers import iteration, settle

pytestmark = pytest.mark.timeout(300)

SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"

# Whether the element drawn at the centre of the status line is inside it (nothing on top).
_STATUS_ON_TOP_JS = """() => {
  const box = document.querySelector('.st-key-status_line');
  if (!box) return null;
  const r = box.getBoundingClientRect();
  const top = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
  return {inside: box.contains(top), y: r.y, bottom: r.bottom, height: window.innerHeight,
          top: top ? top.outerHTML.slice(0, 160) : null};
}"""


def choose(page: Page, preset: str, wait_for_app) -> None:
    page.locator('[data-testid="stPopover"] button').filter(has_text="Scenarios").click()
    wait_for_app(page)  # opening reruns the page (on_change="rerun"): a click during it is lost
    button = page.locator(f".st-key-preset_{preset} button").first
    expect(button).to_be_visible()
    button.click()
    settle(page, wait_for_app)


@pytest.mark.slow
def test_choosing_a_preset_uncovers_the_status_line(page: Page, wait_for_app):
    page.set_viewport_size({"width": 1024, "height": 768})
    page.goto("/?lecture=1")
    settle(page, wait_for_app)
    for preset in ("collapse", "separated"):  # the second time it opens again, and closes
        choose(page, preset, wait_for_app)
        # the preset is loaded: the link names it and its note is one click away
        expect(page).to_have_url(re.compile(rf"[?&]preset={preset}\b"))
        expect(page.locator(".st-key-lecture_watch button")).to_be_visible()
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"keys_scenarios_{preset}.png"))
        expect(page.locator('[data-testid="stPopoverBody"]')).to_have_count(0)
        seen = page.evaluate(_STATUS_ON_TOP_JS)
        assert seen is not None, "no status line"
        assert seen["inside"], f"something covers the status line: {seen['top']}"
        assert seen["y"] >= 0 and seen["bottom"] <= seen["height"], seen
        assert iteration(page) == (0, "init")


#: The font sizes (px) of the text in the open popover.
_POPOVER_TYPE_JS = """() => Array.from(document.querySelectorAll(
    '[data-testid="stPopoverBody"] p')).map(p => parseFloat(getComputedStyle(p).fontSize))"""


@pytest.mark.slow
def test_popovers_are_in_lecture_type(page: Page, wait_for_app):
    """What to watch, the warnings and the scenarios open outside the main area; in lecture
    mode their text is projector-sized too (14-16 px before)."""
    page.set_viewport_size({"width": 1024, "height": 768})
    page.goto("/?preset=collapse&lecture=1&t=3")
    settle(page, wait_for_app)
    for key in ("lecture_watch", "lecture_messages"):
        page.locator(f".st-key-{key} button").first.click()
        expect(page.locator('[data-testid="stPopoverBody"] p').first).to_be_visible()
        sizes = page.evaluate(_POPOVER_TYPE_JS)
        assert sizes and min(sizes) >= 20, (key, sizes)
        page.keyboard.press("Escape")
        expect(page.locator('[data-testid="stPopoverBody"]')).to_have_count(0)
    page.locator('[data-testid="stPopover"] button').filter(has_text="Scenarios").click()
    wait_for_app(page)
    expect(page.locator(".st-key-preset_collapse button").first).to_be_visible()
    sizes = page.evaluate(_POPOVER_TYPE_JS)  # "Scenarios:" and every preset's label
    assert len(sizes) >= 9 and min(sizes) >= 20, sizes
