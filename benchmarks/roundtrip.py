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

``--floor`` adds the floor pages (:data:`FLOOR_PAGES`), served and clicked the same way: one
button and one chart, EM Lab's own log L trace (drawn as the stepper draws it) of a made-up run
that grows by one iteration per click, in a fragment: the least a Streamlit page costs that
redraws one plotly chart per click; then that page with a sidebar of 30 widgets a click does not
rerun, and with eight more buttons and a status line in the fragment. Their ratios to the
minimal page say what the target asks of a page, and what each kind of element costs.

``--breakdown`` also says where EM Lab's round trip goes, measured by chromium itself: in the
page, the time from the click to the last websocket message before the chart changed (the
server's rerun and the network; a message is stamped when the page's main thread takes it, so
a busy page delays it) and from there to the chart drawn (the browser: React, plotly.js,
layout); and chromium's CPU profiler (``Profiler`` domain over CDP) gives the page's main-thread
CPU per click by whose code ran: plotly.js, React (with emotion's styles), Streamlit's other
scripts, and the browser's own work (style, layout, paint, DOM calls, garbage collection).

Options: ``--sizes 1e3,1e6``, ``--rounds R`` (default 25), ``--warmup W`` (default 3),
``--breakdown``, ``--floor``, ``--chromium PATH``.
"""

from __future__ import annotations

import contextlib
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from benchmarks.common import CHROMIUM_ARGS, argument_parser, int_list, streamlit_server

TARGET_RATIO = 1.5
DEFAULT_SIZES = (1_000, 1_000_000)
MINIMAL_PAGE = """import streamlit as st

if st.button("Go", key="go"):
    st.session_state["clicks"] = st.session_state.get("clicks", 0) + 1
st.write(f"clicks: {st.session_state.get('clicks', 0)}")
"""
#: The floor pages (``--floor``), by name: one button and EM Lab's own trace chart, then that
#: with what EM Lab's page has around it (their scripts in benchmarks/floor_pages/).
FLOOR_PAGES = {
    "floor: one chart": "benchmarks/floor_pages/one_chart.py",
    "floor: + sidebar": "benchmarks/floor_pages/with_sidebar.py",
    "floor: + buttons": "benchmarks/floor_pages/with_buttons.py",
}
#: The iteration the trace chart marks as current (its "current" trace), or null.
CURRENT_JS = """() => {
  const gd = document.querySelector('.st-key-trace_chart .js-plotly-plot:not(.emlab-back)');
  if (!gd || !gd._fullData) return null;
  const cur = gd._fullData.find(t => t.name === 'current');
  return cur ? Number(Array.from(cur.x)[0]) : null;
}"""
#: The page at rest after a click: no script running, and every live chart has the
#: server's answer to that click (its data arrived since: ``spent`` cleared) and has drawn
#: the figures one click ahead (``ready``).
SETTLED_JS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || app.dataset.testScriptState !== 'notRunning') return false;
  return Array.from(document.querySelectorAll('.emlab-live'))
    .every(root => root.__emlab && !root.__emlab.spent && !root.__emlab.pending
      && root.__emlab.ready);
}"""
#: Whether each live chart shows the figure the server sent last (a chart drawn ahead that
#: the server's answer had to correct would not, for a moment; null: no live chart).
AGREES_JS = """() => {
  const lives = Array.from(document.querySelectorAll('.emlab-live')).map(r => r.__emlab);
  return lives.length ? lives.every(l => l.front.__emlabToken === l.token) : null;
}"""
CLICKS_JS = """(n) => {
  const main = document.querySelector('[data-testid="stMain"]');
  return !!main && main.innerText.includes('clicks: ' + n);
}"""
#: Every page, timed by the page itself (the driver's own latency left out): at a click's
#: input event (``event.timeStamp``: when chromium took the input, so a busy page's input
#: delay counts), an animation-frame loop starts that checks ``window.__changed()`` (set by
#: :data:`EXPECT_JS` before the click) on every frame and stamps the first that sees it true.
CLICK_STAMP = """(() => {
  document.addEventListener('click', (e) => {
    if (!window.__changed || window.__input !== undefined) return;
    window.__input = e.timeStamp;
    const check = () => {
      if (window.__changed()) window.__done = performance.now();
      else requestAnimationFrame(check);
    };
    requestAnimationFrame(check);
  }, true);
})();"""
#: Before a click: what "changed" means for it (the source of a predicate, and its argument).
EXPECT_JS = """([source, arg]) => {
  const predicate = eval('(' + source + ')');
  window.__input = undefined; window.__done = undefined;
  window.__changed = () => predicate(arg);
}"""
#: ms in the page from the click's input to the first animation frame that saw the change.
IN_PAGE_JS = """() => {
  const ms = window.__done - window.__input;
  window.__changed = undefined;
  return ms;
}"""
#: Whether the page's own loop has seen the change.
SEEN_JS = "() => window.__done !== undefined"
TIMEOUT_MS = 120_000
#: Stamps every websocket message and the last click on the page (``performance.now()``).
WS_PROBE = """(() => {
  window.__ws = [];
  const Native = window.WebSocket;
  class Stamped extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', () => window.__ws.push(performance.now()));
    }
  }
  window.WebSocket = Stamped;
  document.addEventListener('click', () => { window.__click = performance.now(); }, true);
})();"""
#: The figure token a live chart (ui/live_chart.py) shows, or null (st.plotly_chart).
SHOWN_JS = """(key) => {
  const root = document.querySelector(`.st-key-${key} .emlab-live`);
  return root && root.__emlab ? root.__emlab.front.__emlabToken : null;
}"""
#: The wait of a click: true once the trace chart marks ``want`` and the main chart (a live
#: chart) shows another figure than before the click, stamping that moment.
DRAWN_JS = f"""([want, before]) => {{
  const mixture = ({SHOWN_JS})('mixture_chart');
  const drawn = ({CURRENT_JS})() === want && (mixture === null || mixture !== before);
  if (drawn && window.__drawn === undefined) window.__drawn = performance.now();
  return drawn;
}}"""
#: (click → last websocket message before the chart changed, that message → chart drawn), ms.
SPLIT_JS = """() => {
  const c = window.__click, d = window.__drawn;
  const before = window.__ws.filter(t => t >= c && t <= d);
  window.__ws = []; window.__drawn = undefined;
  const last = before.length ? before[before.length - 1] : c;
  return [last - c, d - last];
}"""
#: The bucket of the browser's own work (no script of a page).
BROWSER_BUCKET = "browser (style, layout, paint, DOM, GC)"
#: Buckets of the page's main-thread CPU profile, by the script a sample's function is in.
PROFILE_BUCKETS = (
    # Streamlit's bundle (st.plotly_chart), or the live chart's (ui.live_chart) and its script.
    ("plotly.js", ("PlotlyChart", "plotly.min.js", "st-bidi-emlab_live_plotly")),
    ("React + emotion", ("react-dom", "emotion", "react.")),
    ("Streamlit's other JS", (".js",)),
)


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` so far (Linux ``/proc``; nan elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: Sequence[float], q: float) -> float:
    return float(np.percentile(np.asarray(values, dtype=float), q))


def profile_bucket(url: str, function: str) -> str | None:
    """The bucket of a CPU profile sample (:data:`PROFILE_BUCKETS`, or the browser's own
    work); None for idle time."""
    if function == "(idle)":
        return None
    for name, parts in PROFILE_BUCKETS:
        if url and any(part in url for part in parts):
            return name
    return BROWSER_BUCKET


def profile_ms(profile: dict) -> dict[str, float]:
    """Self time (ms) by bucket of a ``Profiler.stop`` profile."""
    frames = {node["id"]: node["callFrame"] for node in profile["nodes"]}
    totals: dict[str, float] = {}
    deltas = [*profile["timeDeltas"][1:], 0]
    for sample, delta in zip(profile["samples"], deltas, strict=True):
        frame = frames[sample]
        bucket = profile_bucket(frame.get("url", ""), frame.get("functionName", ""))
        if bucket is not None:
            totals[bucket] = totals.get(bucket, 0.0) + delta / 1e3
    return totals


class Stepper:
    """EM Lab's stepper in one browser page, at N points (or a floor page, whose link has no
    N: ``n=None``); with ``breakdown``, each click's split (:data:`SPLIT_JS`) is kept in
    ``splits`` and the page's CPU is profiled."""

    def __init__(self, browser, url: str, n: int | None, *, breakdown: bool = False) -> None:
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.context.add_init_script(CLICK_STAMP)
        self.breakdown = breakdown
        self.splits: list[tuple[float, float]] = []
        #: ms from each click to the page at rest (the server's answer drawn), and how many
        #: answers had to correct a chart drawn ahead.
        self.settled: list[float] = []
        self.corrected = 0
        if breakdown:
            self.context.add_init_script(WS_PROBE)
        self.page = self.context.new_page()
        self.page.goto(url if n is None else f"{url}/?n={n}", wait_until="commit")
        self.page.wait_for_function(f"({CURRENT_JS})() !== null", timeout=TIMEOUT_MS)
        self.page.wait_for_timeout(1000)  # let the first run settle
        self.cdp = None
        if breakdown:
            self.cdp = self.context.new_cdp_session(self.page)
            self.cdp.send("Profiler.enable")
            self.cdp.send("Profiler.setSamplingInterval", {"interval": 500})

    def start_profile(self) -> None:
        if self.cdp is not None:
            self.cdp.send("Profiler.start")

    def stop_profile(self) -> dict[str, float]:
        """ms of main-thread CPU by bucket since :meth:`start_profile`."""
        if self.cdp is None:
            return {}
        return profile_ms(self.cdp.send("Profiler.stop")["profile"])

    def current(self) -> int:
        return int(self.page.evaluate(CURRENT_JS))

    def click(self) -> tuple[float, float]:
        """ms from the click on *Next iteration* to the trace chart drawn one step on (and the
        main chart changed): (in the page, wall clock of the driver's click)."""
        button = self.page.locator(".st-key-step button:visible").first
        if button.is_disabled():  # the iteration limit: start over (not timed)
            self.page.locator(".st-key-reset button:visible").first.click()
            self.page.wait_for_function(f"({CURRENT_JS})() === 0", timeout=TIMEOUT_MS)
        want = self.current() + 1
        before = self.page.evaluate(SHOWN_JS, "mixture_chart")
        self.page.evaluate(EXPECT_JS, [DRAWN_JS, [want, before]])
        start = time.perf_counter()
        button.click()
        self.page.wait_for_function(DRAWN_JS, arg=[want, before], timeout=TIMEOUT_MS, polling="raf")
        elapsed = 1e3 * (time.perf_counter() - start)
        self.page.wait_for_function(SEEN_JS, timeout=TIMEOUT_MS)
        in_page = float(self.page.evaluate(IN_PAGE_JS))
        if self.breakdown:
            server, browser = self.page.evaluate(SPLIT_JS)
            self.splits.append((float(server), float(browser)))
        # Not timed: the server's answer to this click (its CPU is counted), then the check
        # that the charts drawn ahead were the server's (ui/stepper_charts.py).
        self.page.wait_for_function(SETTLED_JS, timeout=TIMEOUT_MS, polling="raf")
        self.settled.append(1e3 * (time.perf_counter() - start))
        if self.page.evaluate(AGREES_JS) is False:
            self.corrected += 1
        return in_page, elapsed


class Minimal:
    """The minimal page in one browser page."""

    def __init__(self, browser, url: str) -> None:
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.context.add_init_script(CLICK_STAMP)
        self.page = self.context.new_page()
        self.page.goto(url, wait_until="commit")
        self.page.wait_for_function(CLICKS_JS, arg=0, timeout=TIMEOUT_MS)
        self.clicks = 0

    def click(self) -> tuple[float, float]:
        """(in the page, wall clock) ms from the click to the new count drawn."""
        self.clicks += 1
        self.page.evaluate(EXPECT_JS, [CLICKS_JS, self.clicks])
        start = time.perf_counter()
        self.page.locator(".st-key-go button:visible").first.click()
        self.page.wait_for_function(CLICKS_JS, arg=self.clicks, timeout=TIMEOUT_MS, polling="raf")
        elapsed = 1e3 * (time.perf_counter() - start)
        self.page.wait_for_function(SEEN_JS, timeout=TIMEOUT_MS)
        return float(self.page.evaluate(IN_PAGE_JS)), elapsed


def measure(
    browser,
    ours: tuple[str, int],
    minimal: tuple[str, int],
    sizes: Sequence[int],
    rounds: int,
    warmup: int,
    breakdown: bool = False,
    breakdowns: dict | None = None,
    floors: dict[str, tuple[str, int]] | None = None,
    wall: dict[str, list[float]] | None = None,
    settled: dict[str, tuple[list[float], int]] | None = None,
) -> tuple[dict[str, list[float]], dict[str, float]]:
    """Round trips in ms in the page (click's input → first frame with the change) by name
    ("minimal page", the ``floors`` by name, "EM Lab N=…"), alternating the order, and the
    server's CPU ms per counted click by name. ``ours``, ``minimal`` and each floor: (URL,
    server pid). ``wall[name]`` receives the same round trips timed by the driver (from its
    click call); ``settled[name]``, for EM Lab and the floors, the ms from each click to the
    page at rest and how many answers corrected a chart drawn ahead.
    With ``breakdown``, ``breakdowns[name]`` receives each EM Lab page's (splits in ms by
    part, main-thread CPU ms per click by bucket)."""
    breakdowns = {} if breakdowns is None else breakdowns
    pages: dict[str, Stepper | Minimal] = {"minimal page": Minimal(browser, minimal[0])}
    servers = {"minimal page": minimal[1]}
    for name, (url, pid) in (floors or {}).items():
        pages[name] = Stepper(browser, url, None, breakdown=breakdown)
        servers[name] = pid
    for n in sizes:
        pages[f"EM Lab N={n:.0e}"] = Stepper(browser, ours[0], n, breakdown=breakdown)
        servers[f"EM Lab N={n:.0e}"] = ours[1]
    times: dict[str, list[float]] = {name: [] for name in pages}
    wall = {} if wall is None else wall
    wall.update({name: [] for name in pages})
    settled = {} if settled is None else settled
    cpu = dict.fromkeys(pages, 0.0)
    names = list(pages)
    for r in range(warmup + rounds):
        if r == warmup:
            for page in pages.values():
                if isinstance(page, Stepper):
                    page.splits.clear()
                    page.settled.clear()
                    page.corrected = 0
                    page.start_profile()
        for name in names if r % 2 else names[::-1]:
            before = cpu_seconds(servers[name])
            in_page, elapsed = pages[name].click()
            if r >= warmup:
                times[name].append(in_page)
                wall[name].append(elapsed)
                cpu[name] += cpu_seconds(servers[name]) - before
    for name, page in pages.items():
        if isinstance(page, Stepper):
            settled[name] = (list(page.settled), page.corrected)
    if breakdown:
        for name, page in pages.items():
            if isinstance(page, Stepper):
                profile = {k: v / rounds for k, v in page.stop_profile().items()}
                splits = {
                    "click → last message before the chart (server, network)": [
                        a for a, _ in page.splits
                    ],
                    "that message → chart drawn (browser)": [b for _, b in page.splits],
                }
                breakdowns[name] = (splits, profile)
    for p in pages.values():
        p.context.close()
    return times, {name: 1e3 * total / rounds for name, total in cpu.items()}


def format_report(
    times: dict[str, list[float]],
    cpu: dict[str, float] | None = None,
    *,
    title: str = "click → chart (or text) updated in chromium, ms",
    settled: dict[str, tuple[list[float], int]] | None = None,
) -> str:
    """Median and p95 of each, and each EM Lab row's ratios to the minimal page; then the
    server CPU per click (``cpu``, ms) against the minimal page's, and each EM Lab page's time
    to rest (``settled``: ms per click, answers that corrected a chart drawn ahead)."""
    base = times["minimal page"]
    base_median, base_p95 = statistics.median(base), percentile(base, 95)
    lines = [
        f"{title}; target: EM Lab ≤ {TARGET_RATIO:g}× the minimal page (median and p95)",
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
        if name in FLOOR_PAGES:
            lines.append(row + f"{ratio_median:>7.2f}× {ratio_p95:>5.2f}×  (floor page)")
            continue
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
    if settled:
        lines.append(
            "click → page at rest (the server's answer drawn, the charts one click ahead "
            "drawn), median ms; answers that had to correct a chart drawn ahead"
        )
        for name, (values, corrected) in settled.items():
            if values:
                lines.append(
                    f"{name:>16} | {statistics.median(values):>7.0f} | "
                    f"{corrected} of {len(values)} corrected"
                )
    return "\n".join(lines)


def format_breakdown(breakdowns: dict[str, tuple[dict[str, list[float]], dict[str, float]]]) -> str:
    """Where each EM Lab page's round trip went: the median of each part of the split, and
    the page's main-thread CPU per click by bucket."""
    lines = ["where the time goes (median ms per click; CPU: the page's main thread per click)"]
    for name, (splits, profile) in breakdowns.items():
        lines.append(f"  {name}")
        for part, values in splits.items():
            if values:
                lines.append(f"    {part:<58} {statistics.median(values):>7.0f}")
        # Every bucket, 0 when the profiler caught none of it (a short run, a page at rest).
        buckets = {name: 0.0 for name, _ in PROFILE_BUCKETS} | {BROWSER_BUCKET: 0.0} | profile
        for bucket, ms in sorted(buckets.items(), key=lambda item: -item[1]):
            lines.append(f"    CPU {bucket:<54} {ms:>7.0f}")
        lines.append(f"    CPU {'total':<54} {sum(profile.values()):>7.0f}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argument_parser("benchmarks.roundtrip", __doc__)
    parser.add_argument("--sizes", type=int_list, default=list(DEFAULT_SIZES))
    parser.add_argument("--rounds", type=int, default=25)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument(
        "--breakdown",
        action="store_true",
        help="also split each EM Lab click into server and browser time, and profile the page",
    )
    parser.add_argument(
        "--floor",
        action="store_true",
        help="also time the floor pages: one button and one chart, with a sidebar, with buttons",
    )
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
        with contextlib.ExitStack() as stack:
            # All served from the repository, so all run with its .streamlit/config.toml.
            ours, ours_proc = stack.enter_context(streamlit_server("app.py"))
            base, base_proc = stack.enter_context(streamlit_server(minimal))
            floors = {}
            for name, script in FLOOR_PAGES.items() if args.floor else ():
                url, proc = stack.enter_context(streamlit_server(script))
                floors[name] = (url, proc.pid)
            p = stack.enter_context(sync_playwright())
            browser = p.chromium.launch(
                executable_path=args.chromium, args=CHROMIUM_ARGS, headless=True
            )
            try:
                breakdowns: dict = {}
                wall: dict[str, list[float]] = {}
                settled: dict[str, tuple[list[float], int]] = {}
                times, cpu = measure(
                    browser,
                    (ours, ours_proc.pid),
                    (base, base_proc.pid),
                    args.sizes,
                    args.rounds,
                    args.warmup,
                    breakdown=args.breakdown,
                    breakdowns=breakdowns,
                    floors=floors,
                    wall=wall,
                    settled=settled,
                )
            finally:
                browser.close()
    print(
        format_report(
            times,
            cpu,
            title="click → chart (or text) updated, in the page: the click's input event to "
            "the first frame with the change, ms",
            settled=settled,
        )
    )
    print(
        format_report(
            wall,
            title="the same, wall clock from the driver's click call (Playwright's checks and "
            "input dispatch included), ms",
        )
    )
    if breakdowns:
        print(format_breakdown(breakdowns))
    return 0


if __name__ == "__main__":
    sys.exit(main())
