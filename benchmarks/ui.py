"""Server CPU of one "Next iteration" click, and its charts' size: ``python -m benchmarks.ui``.

**Primary measure: a real server.** Two ``streamlit run`` processes are started side by side
from the repository (same ``.streamlit/config.toml``): the app, and the minimal page
(``benchmarks/minimal_page.py``: one button, one text). Each is driven by the protocol client
of :mod:`benchmarks.load` (a websocket speaking Streamlit's ``BackMsg``/``ForwardMsg``, as the
browser's frontend does; the stepper's button carries its fragment id, so a click reruns only
the fragment, as in a browser). Per N the app is opened by its link (``?src=gen&n=N``, K = 3),
``--warmup`` untimed clicks fill the caches, then ``--rounds`` rounds, app and minimal page
alternating, each:

1. ``--clicks`` clicks one after another (each waits for its answer), the server process's
   user + system CPU (``/proc/<pid>/stat``, every thread, 10 ms ticks — hence many clicks a
   round) over that window;
2. an **idle window** of the same length right after, no clicks: the same process's CPU, the
   cost of the server merely running (tornado's timers, websocket pings, a background thread);
3. per click: (click-window CPU − idle-window CPU) / clicks.

Before the rounds of each N, both servers must idle below 15 ms of CPU per second (a fresh
process compiles or loads the numba kernel in a background thread), waited for up to 60 s.

The table gives the median over the rounds (min–max beside it), the idle CPU (ms per second of
wall clock), the minimal page's click measured the same way in the same rounds, and the ratio
against the target (≤ 8× at N = 1e5, K = 3; issue 10). The clients run in this process, so
their CPU is not in the figures.

**Secondary: AppTest.** ``AppTest.from_file("app.py")`` in this process reruns the **whole**
script for every click (fragment or not): the cost of a full rerun, as a sidebar change pays.
For every N the data is set through the sidebar, one untimed warm-up step is taken, then
``button(key="step").click().run()`` is timed ``--repeats`` times. Its table gives, per N:

* ``warm-up``: the first step on that data, in ms (not part of the median);
* ``step``: median, min and max ms of the timed steps (the whole rerun: EM iteration, binned
  responsibilities, figures, protobuf), against the target (< 300 ms at N = 1e6);
* ``cpu``: median CPU time of a step (``time.process_time``, every thread of this process),
  and ``× minimal``: that against the median CPU of a click on the minimal page in AppTest;
* the JSON size of every plotly chart on the page (``plotly_chart.proto.spec``, KB = 1000 bytes)
  after the last step, against the target (every chart < 300 KB).

Scripts are compiled once, as a server does: ``AppTest`` makes a fresh ``ScriptCache`` on every
run, so each click would recompile ``app.py`` and the page (Streamlit's "magic" AST pass: ~20 ms
here) — a cost ``streamlit run`` pays once per process (``Runtime`` keeps one ``ScriptCache``).
:func:`server_script_cache` shares one cache across the runs; ``--recompile`` measures the
AppTest default instead.

If numba is installed, ``gmm_core._fused.warmup()`` runs first and its time (compile, or load
from numba's disk cache) is printed on its own line, so no timed step includes a compile.

Options: ``--sizes 1e4,1e5,1e6``, ``--repeats R`` (AppTest), ``--rounds``, ``--clicks``,
``--warmup`` (server), ``--no-server`` / ``--no-apptest`` (one measure only), ``--k K``
(components; the app's default 3), ``--bins B`` (histogram bins; 0 = automatic, AppTest only).
The app's pages live in ``app_pages/`` (not ``pages/``, which would switch Streamlit to its
legacy multipage mode).
"""

from __future__ import annotations

import importlib.util
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from benchmarks.common import argument_parser, int_list
from benchmarks.load import MINIMAL_SCRIPT

REPO = Path(__file__).resolve().parents[1]
APP = REPO / "app.py"
DEFAULT_SIZES: tuple[int, ...] = (10_000, 100_000, 1_000_000)
DEFAULT_REPEATS = 7
#: Targets: one step rerun at N = 1e6, and the JSON of any chart.
STEP_TARGET_MS = 300.0
STEP_TARGET_N = 1_000_000
CHART_TARGET_BYTES = 300_000
TIMEOUT_S = 600.0
#: Target: CPU of one step rerun within this many times a minimal page's click, at N = 1e5.
RATIO_TARGET = 8.0
RATIO_TARGET_N = 100_000
#: The reference: one button and one text, the smallest page a click can rerun.
MINIMAL_PAGE = MINIMAL_SCRIPT.read_text(encoding="utf-8")
#: Real server: rounds, clicks a round, untimed clicks first.
DEFAULT_ROUNDS = 7
DEFAULT_CLICKS = 10
DEFAULT_WARMUP = 3
#: The minimal page's click costs a few ms, the process's CPU clock ticks every 10 ms: its
#: rounds take this many times ``--clicks`` clicks, so a round's CPU spans many ticks.
MINIMAL_CLICKS_FACTOR = 5
CHART_KEYS: tuple[str, ...] = ("mixture_chart", "trace_chart")


@dataclass
class Row:
    """One N: step times in ms and chart sizes in bytes."""

    n: int
    warmup_ms: float
    step_ms: list[float]
    chart_bytes: dict[str, int] = field(default_factory=dict)
    cpu_ms: list[float] = field(default_factory=list)
    #: Median CPU ms of a minimal page's click in the same run (None: not measured).
    minimal_cpu_ms: float | None = None

    @property
    def median_cpu_ms(self) -> float:
        return float(np.median(self.cpu_ms)) if self.cpu_ms else float("nan")

    @property
    def ratio(self) -> float:
        """CPU of a step over the minimal page's click (nan without the reference)."""
        if not self.minimal_cpu_ms:
            return float("nan")
        return self.median_cpu_ms / self.minimal_cpu_ms

    @property
    def median_ms(self) -> float:
        return float(np.median(self.step_ms))

    @property
    def min_ms(self) -> float:
        return float(np.min(self.step_ms))

    @property
    def max_ms(self) -> float:
        return float(np.max(self.step_ms))

    @property
    def step_ok(self) -> bool:
        """The step target applies from N = 1e6 down (a smaller N must not be slower)."""
        return self.median_ms < STEP_TARGET_MS

    @property
    def charts_ok(self) -> bool:
        return all(size < CHART_TARGET_BYTES for size in self.chart_bytes.values())


@contextmanager
def server_script_cache() -> Iterator[None]:
    """While inside, every ``AppTest`` run shares one ``ScriptCache`` (compiled scripts), as
    the runs of a ``streamlit run`` server do; AppTest otherwise recompiles on each run."""
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache
    from streamlit.testing.v1 import app_test, local_script_runner

    cache = ScriptCache()
    saved = app_test.ScriptCache, local_script_runner.ScriptCache
    app_test.ScriptCache = local_script_runner.ScriptCache = lambda: cache
    try:
        yield
    finally:
        app_test.ScriptCache, local_script_runner.ScriptCache = saved


def _check(at, what: str):
    """``at`` after a run, or RuntimeError with the app's exception."""
    if at.exception:
        messages = "; ".join(str(e.message) for e in at.exception)
        raise RuntimeError(f"the app raised during {what}: {messages}")
    return at


def _timed_run(action: Callable[[], object]) -> float:
    return _timed_both(action)[0]


def _timed_both(action: Callable[[], object]) -> tuple[float, float]:
    """Wall-clock and CPU ms (all threads of this process) of ``action()``."""
    start, cpu = time.perf_counter(), time.process_time()
    action()
    return 1e3 * (time.perf_counter() - start), 1e3 * (time.process_time() - cpu)


def minimal_page_cpu(repeats: int, page: str = MINIMAL_PAGE) -> list[float]:
    """CPU ms of each of ``repeats`` clicks on ``page`` (AppTest, after one untimed click)."""
    from streamlit.testing.v1 import AppTest

    at = _check(AppTest.from_string(page, default_timeout=TIMEOUT_S).run(), "the minimal page")
    _check(at.button(key="step").click().run(), "a minimal click")
    return [
        _timed_both(lambda: _check(at.button(key="step").click().run(), "a minimal click"))[1]
        for _ in range(repeats)
    ]


# --------------------------------------------------------------------------- a real server


@dataclass
class ServerRow:
    """One N on a real server: per round, CPU ms per click with the idle CPU subtracted, and
    the idle CPU in ms per second of wall clock; the app's and the minimal page's."""

    n: int
    cpu_ms: list[float] = field(default_factory=list)
    idle_ms_per_s: list[float] = field(default_factory=list)
    minimal_cpu_ms: list[float] = field(default_factory=list)
    minimal_idle_ms_per_s: list[float] = field(default_factory=list)
    latency_ms: list[float] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        """Median CPU of the app's click over the minimal page's (nan if not positive)."""
        minimal = float(np.median(self.minimal_cpu_ms)) if self.minimal_cpu_ms else 0.0
        return float(np.median(self.cpu_ms)) / minimal if minimal > 0 else float("nan")


async def click_window(session, pid: int, clicks: int) -> tuple[float, float, list[float]]:
    """``clicks`` checked clicks, then an idle window as long: (CPU ms per click with the idle
    rate subtracted, idle CPU ms per second, click latencies in ms)."""
    import asyncio

    from benchmarks.roundtrip import cpu_seconds

    before, start = cpu_seconds(pid), time.perf_counter()
    for _ in range(clicks):
        await session.click_next()
    if session.errors:
        raise RuntimeError(f"session {session.query}: {session.errors[-1]}")
    busy, wall = cpu_seconds(pid) - before, time.perf_counter() - start
    before, start = cpu_seconds(pid), time.perf_counter()
    await asyncio.sleep(wall)
    idle_rate = (cpu_seconds(pid) - before) / (time.perf_counter() - start)
    latencies = [1e3 * t for t in session.latencies[-clicks:]]
    return 1e3 * (busy - idle_rate * wall) / clicks, 1e3 * idle_rate, latencies


#: Before timing, each server's idle CPU must fall below this (ms per s; the numba warm-up
#: thread of a fresh process, imports) — waited for at most SETTLE_S seconds.
SETTLED_MS_PER_S = 15.0
SETTLE_S = 60.0


async def settle(pid: int) -> float:
    """Wait (1 s windows) until process ``pid`` idles below ``SETTLED_MS_PER_S``; its last
    idle rate, ms per second."""
    import asyncio

    from benchmarks.roundtrip import cpu_seconds

    deadline = time.perf_counter() + SETTLE_S
    while True:
        before, start = cpu_seconds(pid), time.perf_counter()
        await asyncio.sleep(1.0)
        rate = 1e3 * (cpu_seconds(pid) - before) / (time.perf_counter() - start)
        if rate < SETTLED_MS_PER_S or time.perf_counter() > deadline:
            return rate


async def measure_servers(
    app: tuple[str, int], minimal: tuple[str, int], sizes: Sequence[int], *, rounds: int,
    clicks: int, warmup: int, n_components: int | None = None,
) -> list[ServerRow]:  # fmt: skip
    """Per N, ``rounds`` rounds of :func:`click_window` on the app (opened by its link) and
    on the minimal page, alternating which goes first. ``app``, ``minimal``: (base URL, pid)."""
    from benchmarks.load import Session

    def ws(base: str) -> str:
        return base.replace("http://", "ws://", 1) + "/_stcore/stream"

    rows = []
    for n in sizes:
        query = f"src=gen&n={int(n)}" + (f"&K={n_components}" if n_components else "")
        ours, reference = Session(0, ws(app[0]), query), Session(1, ws(minimal[0]), "gs=1")
        try:
            for session in (ours, reference):
                await session.connect()
                for _ in range(warmup):
                    await session.click_next()
            for pid in (app[1], minimal[1]):
                await settle(pid)  # e.g. the numba warm-up of a fresh server
            row = ServerRow(int(n))
            for r in range(rounds):
                pair = [(ours, app[1], False), (reference, minimal[1], True)]
                for session, pid, is_minimal in pair if r % 2 else pair[::-1]:
                    factor = MINIMAL_CLICKS_FACTOR if is_minimal else 1
                    cpu, idle, latencies = await click_window(session, pid, clicks * factor)
                    if is_minimal:
                        row.minimal_cpu_ms.append(cpu)
                        row.minimal_idle_ms_per_s.append(idle)
                    else:
                        row.cpu_ms.append(cpu)
                        row.idle_ms_per_s.append(idle)
                        row.latency_ms += latencies
            rows.append(row)
        finally:
            await ours.close()
            await reference.close()
    return rows


def run_servers(
    sizes: Sequence[int], *, rounds: int, clicks: int, warmup: int, k: int | None = None
) -> list[ServerRow]:
    """Start the app and the minimal page with ``streamlit run`` and measure them."""
    from benchmarks.load import app_server, run_async

    logs = REPO / "artifacts"
    with (
        app_server(logs / "ui-app-server.log") as app,
        app_server(logs / "ui-minimal-server.log", str(MINIMAL_SCRIPT.relative_to(REPO))) as ref,
    ):
        result: list[ServerRow] = []

        async def go() -> int:
            rows = await measure_servers(
                app, ref, sizes, rounds=rounds, clicks=clicks, warmup=warmup, n_components=k
            )
            result.extend(rows)
            return 0

        run_async(go())
    return result


def _spread(values: Sequence[float]) -> str:
    return f"{np.median(values):7.1f} ({np.min(values):.1f}–{np.max(values):.1f})"


def format_server_table(rows: Sequence[ServerRow]) -> str:
    """The real server's table: CPU ms per click, median (min–max) over the rounds."""
    header = (
        f"{'N':>9} | {'app cpu/click':>22} | {'idle ms/s':>9} | {'minimal cpu/click':>22} | "
        f"{'idle ms/s':>9} | {'× minimal':>9} {'target':>9} | {'app click p50':>13}"
    )
    lines = [
        "a real server (streamlit run; protocol client): CPU ms per click, idle CPU subtracted, "
        f"median (min–max) of the rounds; target ≤ {RATIO_TARGET:g}× at N = {RATIO_TARGET_N:.0e}",
        header,
        "-" * len(header),
    ]
    for r in rows:
        lines.append(
            f"{r.n:>9.0e} | {_spread(r.cpu_ms):>22} | {np.median(r.idle_ms_per_s):>9.1f} | "
            f"{_spread(r.minimal_cpu_ms):>22} | {np.median(r.minimal_idle_ms_per_s):>9.1f} | "
            f"{r.ratio:>8.1f}× {_verdict(r.ratio, r.n):>9} | "
            f"{np.median(r.latency_ms):>10.1f} ms"
        )
    return "\n".join(lines)


def chart_sizes(at) -> dict[str, int]:
    """Bytes of every plotly chart's JSON on the page (st.plotly_chart or live chart), by
    widget key (or position)."""
    sizes = {}
    for i, chart in enumerate(at.get("plotly_chart")):
        chart_id = chart.proto.id or ""
        name = next((k for k in CHART_KEYS if k in chart_id), None)
        if name is None:
            name = chart_id.rsplit("-", 1)[-1] if chart_id else f"chart {i}"
        sizes[name] = len(chart.proto.spec.encode("utf-8"))
    for element in at.get("bidi_component"):  # live charts (ui.live_chart): all they send,
        name = element.proto.id.rsplit("-", 1)[-1]  # the figure and the one ahead
        sizes[name] = len(element.proto.bytes)
    return sizes


def warm_numba() -> float | None:
    """Compile (or load from cache) the fused kernel; seconds, or None without it."""
    if importlib.util.find_spec("gmm_core._fused") is None:
        return None
    from gmm_core import _fused

    if not getattr(_fused, "NUMBA_AVAILABLE", False):
        return None
    start = time.perf_counter()
    _fused.warmup()
    return time.perf_counter() - start


def run_benchmark(
    sizes: Sequence[int],
    repeats: int,
    *,
    n_components: int | None = None,
    n_bins: int | None = None,
    app: Path = APP,
    progress: Callable[[str], None] | None = None,
) -> list[Row]:
    """Measure one step rerun and the chart sizes at every N.

    Parameters
    ----------
    sizes : sequence of int
        Numbers of points N (the data panel accepts 10 to 1e6).
    repeats : int
        Timed steps per N (the median is reported).
    n_components : int, optional
        K set in the sidebar (default: the app's).
    n_bins : int, optional
        Histogram bins set on the page (default: the app's automatic choice).
    app : Path
        The app's entry point.
    progress : callable, optional
        Called with a short message before each N.

    Returns
    -------
    list of Row
    """
    from streamlit.testing.v1 import AppTest

    if repeats < 1:
        raise ValueError("repeats must be >= 1")
    at = _check(AppTest.from_file(str(app), default_timeout=TIMEOUT_S).run(), "the first run")
    if n_components is not None:
        _check(at.number_input(key="n_components").set_value(n_components).run(), "setting K")
    if n_bins is not None:
        _check(at.number_input(key="bins").set_value(n_bins).run(), "setting the bins")
    rows = []
    for n in sizes:
        if progress is not None:
            progress(f"N={n:.0e}")
        _check(at.number_input(key="n_points").set_value(int(n)).run(), f"setting N = {n}")
        size = at.session_state["active_data"].x.size
        if size != n:
            raise RuntimeError(f"the app holds {size} points, not N = {n}")
        warmup = _timed_run(lambda: _check(at.button(key="step").click().run(), "a step"))
        times, cpu = [], []
        for _ in range(repeats):
            if at.button(key="step").disabled:
                raise RuntimeError("the step button is disabled (iteration limit reached)")
            wall, used = _timed_both(lambda: _check(at.button(key="step").click().run(), "a step"))
            times.append(wall)
            cpu.append(used)
        # The reference right after, in the same process: the same machine load.
        minimal = float(np.median(minimal_page_cpu(max(repeats, 5))))
        rows.append(Row(int(n), warmup, times, chart_sizes(at), cpu, minimal))
    return rows


def _kb(size: int | None) -> str:
    return "-" if size is None else f"{size / 1e3:.1f}"


def format_table(rows: Sequence[Row]) -> str:
    """The table as text: ms per step rerun, chart JSON in KB (1000 bytes)."""
    charts = list(dict.fromkeys(name for r in rows for name in r.chart_bytes))
    header = (
        f"{'N':>9} | {'warm-up':>8} | {'step':>8} {'min':>8} {'max':>8} {'target':>9} | "
        f"{'cpu':>7} {'minimal':>7} {'× minimal':>9} {'target':>9} | "
        + " ".join(f"{name + ' KB':>17}" for name in charts)
        + f" {'target':>9}"
    )
    lines = [
        f"one 'Next iteration' rerun, ms (median of the timed steps); chart JSON in KB; "
        f"targets: step < {STEP_TARGET_MS:.0f} ms at N = {STEP_TARGET_N:.0e}, "
        f"every chart < {CHART_TARGET_BYTES / 1e3:.0f} KB; server CPU (ms) of a step against "
        f"a minimal page's click (one button, one text), same run: ≤ {RATIO_TARGET:g}× at "
        f"N = {RATIO_TARGET_N:.0e}",
        header,
        "-" * len(header),
    ]
    for r in rows:
        step_verdict = "ok" if r.step_ok else ("FAIL" if r.n >= STEP_TARGET_N else "slow")
        chart_verdict = "ok" if r.charts_ok else "FAIL"
        lines.append(
            f"{r.n:>9.0e} | {r.warmup_ms:>8.1f} | {r.median_ms:>8.1f} {r.min_ms:>8.1f} "
            f"{r.max_ms:>8.1f} {'<300 ' + step_verdict:>9} | "
            f"{r.median_cpu_ms:>7.1f} {r.minimal_cpu_ms or float('nan'):>7.1f} "
            f"{r.ratio:>8.1f}× {ratio_verdict(r):>9} | "
            + " ".join(f"{_kb(r.chart_bytes.get(name)):>17}" for name in charts)
            + f" {'<300 ' + chart_verdict:>9}"
        )
    return "\n".join(lines)


def ratio_verdict(row: Row) -> str:
    """ "≤8 ok" / "≤8 FAIL" at N ≥ 1e5 (the target's size); "≤8 slow" below it."""
    return _verdict(row.ratio, row.n)


def _verdict(ratio: float, n: int) -> str:
    if not np.isfinite(ratio):
        return "-"
    if ratio <= RATIO_TARGET:
        return f"≤{RATIO_TARGET:g} ok"
    return f"≤{RATIO_TARGET:g} " + ("FAIL" if n >= RATIO_TARGET_N else "slow")


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; prints the table. Returns the exit status."""
    parser = argument_parser("benchmarks.ui", __doc__)
    parser.add_argument("--sizes", type=int_list, help="comma-separated N, e.g. 1e4,1e6")
    parser.add_argument("--quick", action="store_true", help="N = 1e4 only (smoke run)")
    parser.add_argument("--repeats", type=int, default=DEFAULT_REPEATS, help="timed steps per N")
    parser.add_argument("--k", type=int, help="components K (default: the app's)")
    parser.add_argument("--bins", type=int, help="histogram bins (default: automatic)")
    parser.add_argument(
        "--recompile",
        action="store_true",
        help="compile the scripts on every run (AppTest's default; a server compiles once)",
    )
    parser.add_argument("--rounds", type=int, help=f"server rounds (default {DEFAULT_ROUNDS})")
    parser.add_argument("--clicks", type=int, help=f"clicks a round (default {DEFAULT_CLICKS})")
    parser.add_argument("--warmup", type=int, default=DEFAULT_WARMUP, help="untimed clicks")
    parser.add_argument("--no-server", action="store_true", help="AppTest only")
    parser.add_argument("--no-apptest", action="store_true", help="the real server only")
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error("--repeats must be >= 1")
    sizes = args.sizes or ([10_000] if args.quick else list(DEFAULT_SIZES))
    rounds = args.rounds or (3 if args.quick else DEFAULT_ROUNDS)
    clicks = args.clicks or (5 if args.quick else DEFAULT_CLICKS)
    if rounds < 1 or clicks < 1 or args.warmup < 0:
        parser.error("--rounds and --clicks must be >= 1, --warmup >= 0")

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"{os.cpu_count()} CPUs; load {load:.2f}; K = {args.k or 'app default'}; "
        f"bins = {args.bins or 'automatic'}",
        flush=True,
    )
    if not args.no_server:
        print(
            f"real server: {rounds} rounds of {clicks} clicks per N and page, "
            f"{args.warmup} untimed clicks first",
            flush=True,
        )
        server_rows = run_servers(sizes, rounds=rounds, clicks=clicks, warmup=args.warmup, k=args.k)
        print(format_server_table(server_rows), flush=True)
    if args.no_apptest:
        return 0
    compile_s = warm_numba()
    if compile_s is None:
        print("numba kernel: not available (numpy path)", flush=True)
    else:
        print(
            f"numba kernel: compiled or loaded from cache in {compile_s:.2f} s (before timing)",
            flush=True,
        )
    print(
        f"AppTest (a full rerun of the script per click, {args.repeats} timed steps per N); "
        "scripts compiled "
        + ("on every run (AppTest's default)" if args.recompile else "once, as a server does"),
        flush=True,
    )
    with nullcontext() if args.recompile else server_script_cache():
        rows = run_benchmark(
            sizes,
            args.repeats,
            n_components=args.k,
            n_bins=args.bins,
            progress=lambda msg: print(f"  measuring {msg} ...", file=sys.stderr, flush=True),
        )
    print(format_table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
