"""First load of a new session: navigation → first chart drawn, ours against a one-button
Streamlit page, in the same chromium: ``python -m benchmarks.firstload``.

Two servers are started side by side (``streamlit run``): the app (``app.py``) and a minimal
page (one ``st.button`` and one tiny ``st.plotly_chart``, written to a temporary folder). Each
round opens a fresh browser context (a new session) on each server, alternating which goes
first, and measures from ``page.goto`` to the moment the first plotly chart has drawn its svg
(``[data-testid="stPlotlyChart"] .main-svg``). The first round is a warm-up (servers import
their modules) and is not counted. Prints the median and range of each and their ratio against
the target (ours within 2× of the minimal page).

Options: ``--rounds R`` (default 7), ``--chromium PATH`` (default /usr/bin/chromium).
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TARGET_RATIO = 2.0
MINIMAL_PAGE = """import plotly.graph_objects as go
import streamlit as st

st.button("Go")
st.plotly_chart(go.Figure(go.Scatter(x=[0, 1], y=[0, 1])))
"""
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
]
FIRST_CHART = '[data-testid="stPlotlyChart"] .main-svg'


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve(script: Path, cwd: Path) -> Iterator[str]:
    """``streamlit run script`` on a free port; yields the base URL."""
    with serve_process(script, cwd) as (url, _):
        yield url


@contextmanager
def serve_process(script: Path, cwd: Path) -> Iterator[tuple[str, subprocess.Popen]]:
    """``streamlit run script`` on a free port; yields the base URL and the server process."""
    port = _free_port()
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(script),
        "--server.address",
        "127.0.0.1",
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
    ]
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with opener.open(f"{url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError(f"{script} did not start")
            time.sleep(0.25)
        yield url, proc
    finally:
        proc.terminate()
        proc.wait(10)


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
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--chromium", default=os.environ.get("EMLAB_CHROMIUM", "/usr/bin/chromium"))
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        minimal = Path(tmp) / "minimal.py"
        minimal.write_text(MINIMAL_PAGE)
        with serve(REPO / "app.py", REPO) as ours, serve(minimal, Path(tmp)) as base:
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
