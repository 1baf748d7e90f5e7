"""First load of a new session: navigation → first chart drawn, ours against a one-button
Streamlit page, in the same chromium: ``python -m benchmarks.firstload``.

Two servers are started side by side (``streamlit run``): the app (``app.py``) and a minimal
page (one ``st.button`` and one tiny ``st.plotly_chart``, written to a temporary folder). Each
round opens a fresh browser context (a new session) on each server, alternating which goes
first, and measures from ``page.goto`` to the moment the first plotly chart has drawn its svg
(``.js-plotly-plot:not(.emlab-back) .main-svg``: ``st.plotly_chart``'s or a live chart's front
graph div, :mod:`ui.live_chart`).
The first round is a warm-up (servers import their modules) and is not counted. Prints the
median and range of each and their ratio against the target (ours within 2× of the minimal page).

Options: ``--rounds R`` (default 7), ``--chromium PATH`` (default /usr/bin/chromium).
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from benchmarks.common import CHROMIUM_ARGS, argument_parser, streamlit_server

REPO = Path(__file__).resolve().parents[1]
TARGET_RATIO = 2.0
MINIMAL_PAGE = """import plotly.graph_objects as go
import streamlit as st

st.button("Go")
st.plotly_chart(go.Figure(go.Scatter(x=[0, 1], y=[0, 1])))
"""
FIRST_CHART = ".js-plotly-plot:not(.emlab-back) .main-svg"


def time_to_first_chart(browser, url: str) -> float:
    """Seconds from navigation to the first drawn plotly chart, in a fresh session."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    try:
        start = time.perf_counter()
        page.goto(url, wait_until="commit")
        page.wait_for_selector(FIRST_CHART, timeout=120_000)
        return time.perf_counter() - start
    finally:
        context.close()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argument_parser("benchmarks.firstload", __doc__)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--chromium", default=os.environ.get("EMLAB_CHROMIUM", "/usr/bin/chromium"))
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        minimal = Path(tmp) / "minimal.py"
        minimal.write_text(MINIMAL_PAGE)
        # Both served from the repository, so both run with its .streamlit/config.toml.
        with streamlit_server("app.py") as (ours, _), streamlit_server(minimal) as (base, _):
            times: dict[str, list[float]] = {"EM Lab": [], "minimal page": []}
            with sync_playwright() as p:
                browser = p.chromium.launch(
                    executable_path=args.chromium, args=CHROMIUM_ARGS, headless=True
                )
                for r in range(args.rounds + 1):
                    order = [("EM Lab", ours), ("minimal page", base)]
                    for name, url in order if r % 2 else order[::-1]:
                        elapsed = time_to_first_chart(browser, url)
                        if r:  # round 0 warms the servers up
                            times[name].append(elapsed)
                browser.close()
    print(f"navigation → first chart drawn, fresh session, {args.rounds} rounds (s)")
    for name, values in times.items():
        print(
            f"  {name:13s} median {statistics.median(values):.2f}  "
            f"min {min(values):.2f}  max {max(values):.2f}"
        )
    ratio = statistics.median(times["EM Lab"]) / statistics.median(times["minimal page"])
    verdict = "OK" if ratio <= TARGET_RATIO else "ABOVE TARGET"
    print(f"  ratio {ratio:.2f}× (target ≤ {TARGET_RATIO:g}×): {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
