"""Smoke test: the real app loads in a real browser, offline, and looks like EM Lab."""

from __future__ import annotations

from playwright.sync_api import expect


def test_home_page_loads(page, wait_for_app, full_page_screenshot):
    page.goto("/")
    wait_for_app(page)
    # Screenshot first, so there is something to look at when an assertion fails.
    shot = full_page_screenshot(page, "home")
    assert shot.is_file() and shot.stat().st_size > 0

    # An uncaught exception in the script is rendered as an error block: none allowed
    # (checked first: it is the likeliest reason for everything else to be wrong).
    errors = page.locator('[data-testid="stException"]')
    assert errors.count() == 0, "the app raised:\n" + "\n---\n".join(errors.all_inner_texts())
    expect(page).to_have_title("EM Lab")
    expect(page.locator('[data-testid="stApp"]')).to_be_visible()
