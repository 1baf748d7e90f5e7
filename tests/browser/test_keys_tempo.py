"""Autoplay keeps time with the clock (issue 7; the rule is ui/pure/playback.py, unit-tested in
tests/test_playback.py), sampled loosely in Debian's chromium: on a busy 2-core machine a
rerun can take longer than the period, and the position must still follow the clock, every
step taken at once be said ("catching up"), and nothing run backwards. No timed assertion
tighter than the machine can keep.
"""

from __future__ import annotations

import itertools
import time

import pytest
from playwright.sync_api import Page

from .helpers import STATUS_RE, iteration, settle

pytestmark = [pytest.mark.timeout(300), pytest.mark.slow]

SECONDS = 10.0  # sampled after the first step, at the default 1 step per second

# Every status line drawn (a MutationObserver records each change, with the page's clock).
_RECORD_JS = """() => {
  window.__statusSeen = [];
  const record = () => {
    const box = document.querySelector('.st-key-status_line');
    const text = box ? box.innerText : '';
    const seen = window.__statusSeen;
    if (text && (!seen.length || seen[seen.length - 1].text !== text))
      seen.push({at: performance.now() / 1000, text});
  };
  new MutationObserver(record).observe(document.body,
    {subtree: true, childList: true, characterData: true});
  record();
}"""


def test_autoplay_follows_the_clock_and_says_when_it_catches_up(page: Page, wait_for_app):
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/?preset=overlapping&iters=300")
    settle(page, wait_for_app)
    assert iteration(page) == (0, "init")
    page.evaluate(_RECORD_JS)
    page.keyboard.press("p")
    samples: list[tuple[float, int, bool]] = []  # (clock, iteration shown, "catching up")
    deadline = time.monotonic() + 60.0
    while time.monotonic() < deadline:
        page.wait_for_timeout(500)
        samples = [
            (s["at"], int(m.group(1)), "catching up" in s["text"])
            for s in page.evaluate("() => window.__statusSeen")
            if (m := STATUS_RE.search(s["text"]))
        ]
        moved = [s for s in samples if s[1] > 0]
        if moved and page.evaluate("() => performance.now() / 1000") - moved[0][0] >= SECONDS:
            break
    page.keyboard.press("p")
    shown = [n for _, n, _ in samples]
    first = next(s for s in samples if s[1] > 0)
    assert not [(a, b) for a, b in itertools.pairwise(shown) if b < a], shown
    expected = first[1] + (samples[-1][0] - first[0])  # one step per second from the first
    assert samples[-1][1] >= 0.6 * expected, (
        f"iteration {samples[-1][1]} after {samples[-1][0] - first[0]:.1f} s: the pace fell "
        f"behind the clock ({expected:.0f} due)"
    )
    silent = [  # one redraw to the next: more than one step at once, not said
        (a[1], b[1]) for a, b in itertools.pairwise(samples) if b[1] - a[1] > 1 and not b[2]
    ]
    assert not silent, f"steps taken at once without 'catching up': {silent}"
