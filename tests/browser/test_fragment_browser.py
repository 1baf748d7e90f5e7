"""The stepper's view is a fragment (issue 10): a click on *Next iteration* reruns only the
view — the server sends no element of the sidebar — and the shareable link in the address bar
still follows the position. Read from the websocket: every ``ForwardMsg`` delta names the
container it goes to (``metadata.delta_path[0]``: 0 the main area, 1 the sidebar)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Page, expect
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from .helpers import click, iteration, open_stepper

SIDEBAR = 1  # streamlit.proto.RootContainer: MAIN = 0, SIDEBAR = 1


@pytest.fixture
def record_deltas(page: Page) -> Iterator[Callable[[Page], list[int]]]:
    """``record_deltas(page)``: the root container of every delta the server sends from now on
    (a live list). The listener comes off the page with the test (the tab outlives it)."""
    listeners: list[Callable] = []

    def start(tab: Page) -> list[int]:
        roots, listen = _deltas()
        tab.on("websocket", listen)
        listeners.append(listen)
        return roots

    yield start
    for listen in listeners:
        page.remove_listener("websocket", listen)


def _deltas() -> tuple[list[int], Callable]:
    """A live list of delta roots, and the websocket listener that fills it."""
    roots: list[int] = []

    def on_frame(payload) -> None:
        if not isinstance(payload, (bytes, bytearray)):
            return
        msg = ForwardMsg()
        try:
            msg.ParseFromString(bytes(payload))
        except Exception:  # not a ForwardMsg (never seen; ignore rather than guess)
            return
        if msg.WhichOneof("type") == "delta" and msg.metadata.delta_path:
            roots.append(int(msg.metadata.delta_path[0]))

    return roots, lambda ws: ws.on("framereceived", on_frame)


def test_next_iteration_reruns_only_the_view_and_the_link_follows(
    page: Page, wait_for_app, record_deltas
):
    roots = record_deltas(page)
    open_stepper(page, wait_for_app)
    assert SIDEBAR in roots, "a full run sends the sidebar (else this test could not fail)"
    assert iteration(page)[0] == 0
    roots.clear()
    click(page, "step", wait_for_app)
    assert iteration(page)[0] == 1
    assert roots, "the click sent nothing"
    assert SIDEBAR not in roots, f"the click reran the sidebar too: roots {sorted(set(roots))}"
    expect(page).to_have_url(re.compile(r"[?&]t=1(&|$)"))
    # Lecture mode, toggled from inside the view, changes the whole page: a full run.
    roots.clear()
    page.locator(".st-key-lecture_toggle button:visible").first.click()
    wait_for_app(page)
    assert SIDEBAR in roots
