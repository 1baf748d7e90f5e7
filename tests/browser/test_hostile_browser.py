"""Markdown injection in a real browser: a hostile link and a hostile upload put no link and no
image on the page, and the visitor's browser fetches nothing from the attacker's host (the
conftest's request recorder fails the test on any request that leaves 127.0.0.1)."""

from __future__ import annotations

from urllib.parse import quote

from playwright.sync_api import Page, expect

from tests.hostile.corpus import HOSTILE_NAME

from .helpers import choose_source, in_use_caption, settle, sidebar

INJECTION = "**BOLD** [log in](https://example.invalid/login) ![p](http://example.invalid/p.png)"

# Every element whose link or source points at the attacker's host, SVG (plotly) included.
_LIVE_JS = """() => Array.from(document.querySelectorAll('*')).filter(el =>
  ['href', 'src', 'xlink:href', 'srcset', 'action'].some(
    name => (el.getAttribute(name) || '').includes('example.invalid'))
).map(el => el.outerHTML.slice(0, 200))"""


def live_elements(page: Page) -> list[str]:
    return page.evaluate(_LIVE_JS)


def test_a_hostile_link_and_upload_show_their_text_but_no_link_or_image(
    page: Page, wait_for_app, full_page_screenshot
):
    page.goto("/?K=" + quote(INJECTION, safe="*[]()!"))
    toast = page.locator('[data-testid="stToast"]')
    expect(toast.first).to_contain_text("example.invalid/login", timeout=60_000)  # as text
    assert live_elements(page) == []
    settle(page, wait_for_app)
    page.wait_for_timeout(5_000)  # a short toast (4 s) would be gone: the refusal stays
    expect(toast.first).to_contain_text("example.invalid/login", timeout=1)
    assert page.locator("strong", has_text="BOLD").count() == 0

    choose_source(page, "Upload", wait_for_app)
    column = '<a href="https://example.invalid/c">col</a> ![i](http://example.invalid/i.png)'
    rows = "\n".join(f"{i % 9}.5" for i in range(80))
    page.locator('.st-key-upload input[type="file"]').set_input_files(
        files=[
            {
                "name": HOSTILE_NAME,
                "mimeType": "text/csv",
                "buffer": f'"{column}"\n{rows}\n'.encode(),
            }
        ]
    )
    settle(page, wait_for_app)
    full_page_screenshot(page, "hostile_upload")
    expect(in_use_caption(page)).to_contain_text("**BOLD** [log in](https://example.invalid")
    expect(in_use_caption(page)).to_contain_text('<a href="https://example.invalid/c">col</a>')
    assert live_elements(page) == []
    assert sidebar(page).locator("img").count() == 0
    # The chart's axis title shows the column name as characters, not as an SVG link.
    axis = page.locator(
        ".st-key-mixture_chart .js-plotly-plot:not(.emlab-back) text[class*='title']"
    ).filter(has_text="example.invalid/c")
    expect(axis).to_have_count(1)
    expect(axis).to_contain_text('<a href="https://example.invalid/c">col</a>')
