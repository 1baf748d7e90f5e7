"""Click → chart updated in chromium, EM Lab's stepper against a minimal Streamlit page:
``python -m benchmarks.roundtrip``.

Two servers run side by side (``streamlit run``, as in :mod:`benchmarks.firstload`): the app and
a minimal page (one ``st.button`` and one ``st.write`` of a click count). One chromium opens a
page on each (EM Lab once per N, by its shareable link ``?n=N``) and then, round after round,
alternating which goes first:

* EM Lab: click *Next iteration* and wait until the trace chart in the page (plotly's
  ``_fullData``) marks the next iteration as the current one — the click went to the server,
  the server reran, and the new chart was drawn;
* minimal page: click *Go* and wait until the text shows the new count.

Both waits poll in the page on every animation frame. Prints the median and p95 (ms) of each,
and EM Lab's ratios to the minimal page, against the target (≤ 1.5×, issue 10); the first
``--warmup`` clicks of each page are not counted. Also the **server CPU per click** on a real
server (the server process's user + system time, ``/proc/<pid>/stat``, summed over the counted
clicks and divided by their number; 10 ms ticks, hence the sum): unlike ``benchmarks.ui``'s
AppTest, which reruns the whole script for every click, this sees the stepper's fragment rerun
only the view, as a browser's click does.

Options: ``--sizes 1e3,1e6``, ``--rounds R`` (default 25), ``--warmup W`` (default 3),
``--chromium PATH``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from benchmarks.firstload import CHROMIUM_ARGS, REPO, serve_process

TARGET_RATIO = 1.5
DEFAULT_SIZES = (1_000, 1_000_000)
MINIMAL_PAGE = """import streamlit as st

if st.button("Go", key="go"):
    st.session_state["clicks"] = st.session_state.get("clicks", 0) + 1
st.write(f"clicks: {st.session_state.get('clicks', 0)}")
"""
#: The iteration the trace chart marks as current (its "current" trace), or null.
CURRENT_JS = """() => {
  const gd = document.querySelector('.st-key-trace_chart .js-plotly-plot');
  if (!gd || !gd._fullData) return null;
  const cur = gd._fullData.find(t => t.name === 'current');
  return cur ? Number(Array.from(cur.x)[0]) : null;
}"""
CLICKS_JS = """(n) => {
  const main = document.querySelector('[data-testid="stMain"]');
  return !!main && main.innerText.includes('clicks: ' + n);
}"""
TIMEOUT_MS = 120_000


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` so far (Linux ``/proc``; nan elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: Sequence[float], q: float) -> float:
    return float(np.percentile(np.asarray(values, dtype=float), q))


class Stepper:
    """EM Lab's stepper in one browser page, at N points."""

    def __init__(self, browser, url: str, n: int) -> None:
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.page = self.context.new_page()
        self.page.goto(f"{url}/?n={n}", wait_until="commit")
        self.page.wait_for_function(f"({CURRENT_JS})() !== null", timeout=TIMEOUT_MS)
        self.page.wait_for_timeout(1000)  # let the first run settle

    def current(self) -> int:
        return int(self.page.evaluate(CURRENT_JS))

    def click(self) -> float:
        """ms from the click on *Next iteration* to the trace chart drawn one step on."""
        button = self.page.locator(".st-key-step button:visible").first
        if button.is_disabled():  # the iteration limit: start over (not timed)
            self.page.locator(".st-key-reset button:visible").first.click()
            self.page.wait_for_function(f"({CURRENT_JS})() === 0", timeout=TIMEOUT_MS)
        want = self.current() + 1
        start = time.perf_counter()
        button.click()
        self.page.wait_for_function(
            f"(want) => ({CURRENT_JS})() === want", arg=want, timeout=TIMEOUT_MS, polling="raf"
        )
        return 1e3 * (time.perf_counter() - start)


class Minimal:
    """The minimal page in one browser page."""

    def __init__(self, browser, url: str) -> None:
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.page = self.context.new_page()
        self.page.goto(url, wait_until="commit")
        self.page.wait_for_function(CLICKS_JS, arg=0, timeout=TIMEOUT_MS)
        self.clicks = 0

    def click(self) -> float:
        self.clicks += 1
        start = time.perf_counter()
        self.page.locator(".st-key-go button:visible").first.click()
        self.page.wait_for_function(CLICKS_JS, arg=self.clicks, timeout=TIMEOUT_MS, polling="raf")
        return 1e3 * (time.perf_counter() - start)


def measure(
    browser,
    ours: tuple[str, int],
    minimal: tuple[str, int],
    sizes: Sequence[int],
    rounds: int,
    warmup: int,
) -> tuple[dict[str, list[float]], dict[str, float]]:
    """Round trips in ms by name ("minimal page", "EM Lab N=…"), alternating the order, and
    the server's CPU ms per counted click by name. ``ours`` and ``minimal``: (URL, server pid)."""
    pages: dict[str, Stepper | Minimal] = {"minimal page": Minimal(browser, minimal[0])}
    servers = {"minimal page": minimal[1]}
    for n in sizes:
        pages[f"EM Lab N={n:.0e}"] = Stepper(browser, ours[0], n)
        servers[f"EM Lab N={n:.0e}"] = ours[1]
    times: dict[str, list[float]] = {name: [] for name in pages}
    cpu = dict.fromkeys(pages, 0.0)
    names = list(pages)
    for r in range(warmup + rounds):
        for name in names if r % 2 else names[::-1]:
            before = cpu_seconds(servers[name])
            elapsed = pages[name].click()
            if r >= warmup:
                times[name].append(elapsed)
                cpu[name] += cpu_seconds(servers[name]) - before
    for p in pages.values():
        p.context.close()
    return times, {name: 1e3 * total / rounds for name, total in cpu.items()}


def format_report(times: dict[str, list[float]], cpu: dict[str, float] | None = None) -> str:
    """Median and p95 of each, and each EM Lab row's ratios to the minimal page; then the
    server CPU per click (``cpu``, ms) against the minimal page's."""
    base = times["minimal page"]
    base_median, base_p95 = statistics.median(base), percentile(base, 95)
    lines = [
        "click → chart (or text) updated in chromium, ms; "
        f"target: EM Lab ≤ {TARGET_RATIO:g}× the minimal page (median and p95)",
        f"{'page':>16} | {'median':>7} {'p95':>7} {'min':>7} {'max':>7} | "
        f"{'× median':>8} {'× p95':>6}  verdict",
    ]
    for name, values in times.items():
        median, p95 = statistics.median(values), percentile(values, 95)
        row = f"{name:>16} | {median:>7.0f} {p95:>7.0f} {min(values):>7.0f} {max(values):>7.0f} | "
        if name == "minimal page":
            lines.append(row + f"{'1.00':>8} {'1.00':>6}  (reference)")
            continue
        ratio_median, ratio_p95 = median / base_median, p95 / base_p95
        ok = ratio_median <= TARGET_RATIO and ratio_p95 <= TARGET_RATIO
        lines.append(
            row + f"{ratio_median:>7.2f}× {ratio_p95:>5.2f}×  {'OK' if ok else 'ABOVE TARGET'}"
        )
    if cpu:
        base_cpu = cpu["minimal page"]
        lines.append("server CPU per click, ms (mean over the counted clicks; 10 ms ticks)")
        for name, value in cpu.items():
            ratio = value / base_cpu if base_cpu > 0 else float("nan")
            lines.append(f"{name:>16} | {value:>7.1f} | {ratio:>6.1f}× the minimal page")
    return "\n".join(lines)


def _int_list(text: str) -> list[int]:
    return [int(float(item)) for item in text.split(",") if item.strip()]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.roundtrip",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--sizes", type=_int_list, default=list(DEFAULT_SIZES))
    parser.add_argument("--rounds", type=int, default=25)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--chromium", default=os.environ.get("EMLAB_CHROMIUM", "/usr/bin/chromium"))
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error("--rounds must be >= 1")
    from playwright.sync_api import sync_playwright

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"{os.cpu_count()} CPUs; load {load:.2f}; {args.rounds} rounds (+{args.warmup} warm-up)",
        flush=True,
    )
    with tempfile.TemporaryDirectory() as tmp:
        minimal = Path(tmp) / "minimal.py"
        minimal.write_text(MINIMAL_PAGE)
        with (
            serve_process(REPO / "app.py", REPO) as (ours, ours_proc),
            serve_process(minimal, Path(tmp)) as (base, base_proc),
            sync_playwright() as p,
        ):
            browser = p.chromium.launch(
                executable_path=args.chromium, args=CHROMIUM_ARGS, headless=True
            )
            try:
                times, cpu = measure(
                    browser,
                    (ours, ours_proc.pid),
                    (base, base_proc.pid),
                    args.sizes,
                    args.rounds,
                    args.warmup,
                )
            finally:
                browser.close()
    print(format_report(times, cpu))
    return 0


if __name__ == "__main__":
    sys.exit(main())
