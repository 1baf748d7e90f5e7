"""How many students one server holds: ``python -m benchmarks.load``.

Starts ``streamlit run app.py`` on 127.0.0.1 (a free port; or ``--url`` names a server already
running on this machine — loopback only), then drives it with cheap protocol clients: each one
is a websocket speaking Streamlit's own protocol (``streamlit.proto`` ``BackMsg`` /
``ForwardMsg``), the way the browser's frontend does, with no browser behind it. A client

1. opens ``/_stcore/stream`` and asks for the stepper with a shared link's query string
   (``?src=gen&n=10000&gs=1``: generated data, N = 10⁴, K = 3; even sessions get data seed
   ``gs=1``, odd ones ``gs=2``, so two scenarios share the server and a mix-up shows);
2. every ``--period`` seconds (3 s; the phases are spread evenly over the period) "clicks"
   *Next iteration*: sends a ``rerun_script`` carrying the button's trigger (and the fragment
   id when the button sits in an ``st.fragment``), as the frontend does, and times until the
   server reports the script run finished — the click latency. A client whose click is still
   running when its next tick comes clicks again as soon as it is answered (closed loop);
3. reads the status line of every answer ("Iteration t · … log L(θ_t) = …").

Levels of ``--sessions`` (default 10,25,50,100,150,200) run one after another, each for
``--duration`` seconds after all its sessions have loaded the page; it stops escalating at the
first level whose p95 click latency reaches 1 s (``--max-p95``). Per level it prints: sessions,
clicks answered, median and p95 latency, errors (timeouts, exceptions on the page, a click
that did not advance exactly one iteration), cross-talk (a session whose log L(θ_t) differs
from the solo run of its scenario at the same t) and the server's memory per session (growth
of its resident set over the idle server at the end of the level, all sessions still open,
divided by the sessions). The verdict line gives the most sessions held with p95 < 1 s and
no errors; the reference line the solo runs' median latency.

Bounds: at most ``MAX_SESSIONS`` sessions and ``MAX_SECONDS`` per level; every click times out
after ``CLICK_TIMEOUT_S``; loopback only. The clients are one asyncio process, and the
``clients CPU`` column says how much of a core they used while clicking (parsing every
``ForwardMsg`` included): the server, not the load, must be what is measured.
Options: ``--quick`` (2 sessions, 2 clicks each: a smoke run), ``--sessions``, ``--duration``,
``--period``, ``--n``, ``--url``.
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import contextlib
import math
import os
import re
import statistics
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from benchmarks.common import argument_parser, int_list, streamlit_server

REPO = Path(__file__).resolve().parents[1]
MAX_SESSIONS = 1_000
MAX_SECONDS = 600.0
CLICK_TIMEOUT_S = 30.0
LOAD_TIMEOUT_S = 120.0
DEFAULT_LEVELS = (10, 25, 50, 100, 150, 200)
MAX_REPLICAS = 8
#: The reference page (``--minimal``): one button, one text.
MINIMAL_SCRIPT = REPO / "benchmarks" / "minimal_page.py"
NEXT_BUTTON_KEY = "step"  # st.button(key="step"): "Next iteration" on the stepper
#: The status line's iteration and log L (figures.notation.log_l: "log L(θ₇) = −23,397.2846").
STATUS_RE = re.compile(r"Iteration (\d+)\b.*?log L\(θ[^)]*\) = ([−-]?[\d,]+(?:\.\d+)?)", re.S)
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
HEADER = (
    f"{'sessions':>8} | {'clicks':>6} | {'p50 ms':>7} | {'p95 ms':>7} | {'errors':>6} | "
    f"{'cross-talk':>10} | {'MiB/session':>11} | {'clients CPU':>11} | {'server ms/click':>13} | "
    "verdict"
)


# --------------------------------------------------------------------------- one client


@dataclass
class Session:
    """One protocol client: a student's browser tab, without the browser."""

    index: int
    url: str
    query: str
    ws: object = None
    page_hash: str = ""
    button_id: str = ""
    fragment_id: str = ""
    status: tuple[int, float] | None = None  # (t, log L(θ_t)) of the last status line
    log_l: dict[int, float] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    async def connect(self) -> None:
        from websockets.asyncio.client import connect

        self.ws = await connect(
            self.url, subprotocols=["streamlit"], max_size=None, compression=None,
            ping_interval=None, proxy=None, open_timeout=LOAD_TIMEOUT_S,
        )  # fmt: skip
        await self.run_script(trigger=None, timeout=LOAD_TIMEOUT_S)

    async def close(self) -> None:
        if self.ws is not None:
            with contextlib.suppress(Exception):
                await self.ws.close()

    def _back_msg(self, trigger: str | None) -> bytes:
        from streamlit.proto.BackMsg_pb2 import BackMsg

        msg = BackMsg()
        state = msg.rerun_script
        state.query_string = self.query
        state.page_script_hash = self.page_hash
        if trigger:
            widget = state.widget_states.widgets.add()
            widget.id = trigger
            widget.trigger_value = True
            if self.fragment_id:
                state.fragment_id = self.fragment_id
        return msg.SerializeToString()

    async def run_script(self, trigger: str | None, timeout: float = CLICK_TIMEOUT_S) -> float:
        """Send one rerun request; read until the run finishes. Returns seconds taken."""
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        start = time.perf_counter()
        await self.ws.send(self._back_msg(trigger))
        async with asyncio.timeout(timeout):
            while True:
                msg = ForwardMsg()
                msg.ParseFromString(await self.ws.recv())
                kind = msg.WhichOneof("type")
                if kind == "new_session":
                    self.page_hash = msg.new_session.page_script_hash
                elif kind == "page_info_changed":
                    self.query = msg.page_info_changed.query_string
                elif kind == "delta":
                    self._read_delta(msg.delta)
                elif kind == "script_finished":
                    finished = msg.script_finished
                    if finished in (ForwardMsg.FINISHED_SUCCESSFULLY,
                                    ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY):  # fmt: skip
                        return time.perf_counter() - start
                    if finished == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                        raise RuntimeError("the app failed to compile")
                    # FINISHED_EARLY_FOR_RERUN: another run follows; keep reading.

    def _read_delta(self, delta: object) -> None:
        if delta.WhichOneof("type") != "new_element":
            return
        element = delta.new_element
        kind = element.WhichOneof("type")
        if kind == "button" and element.button.id.endswith(f"-{NEXT_BUTTON_KEY}"):
            self.button_id = element.button.id
            self.fragment_id = delta.fragment_id
        elif kind == "alert":
            match = STATUS_RE.search(element.alert.body)
            if match:
                self.status = (
                    int(match.group(1)),
                    float(match.group(2).replace(",", "").replace("−", "-")),
                )
        elif kind == "exception":
            self.errors.append(f"exception on the page: {element.exception.message[:200]}")

    async def click(self) -> float:
        """One click on the page's button (key ``step``), unchecked: seconds until answered."""
        if not self.button_id:
            raise RuntimeError("no button with key 'step' on the page")
        return await self.run_script(self.button_id)

    async def click_next(self) -> None:
        """One click on Next iteration, checked: exactly one more iteration, log L recorded."""
        if not self.button_id or self.status is None:
            self.errors.append("no Next iteration button or status line on the page")
            return
        before = self.status[0]
        try:
            self.latencies.append(await self.click())
        except TimeoutError:
            self.errors.append(f"click timed out after {CLICK_TIMEOUT_S:.0f} s")
            return
        t, log_l = self.status
        if t != before + 1:
            self.errors.append(f"click moved from iteration {before} to {t}")
        self.log_l[t] = log_l


# --------------------------------------------------------------------------- server


@contextlib.contextmanager
def app_server(log_path: Path, script: str = "app.py") -> Iterator[tuple[str, int]]:
    """``streamlit run <script>`` from the repository (so with its ``.streamlit/config.toml``:
    no file watcher, no full GC after each run, as deployed): yields (base URL, pid)."""
    with streamlit_server(script, log_path=log_path) as (base, proc):
        yield base, proc.pid


def rss_mib(pid: int | None) -> float | None:
    """Resident set of process ``pid`` in MiB (Linux /proc), or None."""
    if pid is None:
        return None
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def total_rss_mib(pids: Sequence[int]) -> float | None:
    """Resident sets of all ``pids`` added, MiB (None if any is unknown or none given)."""
    sizes = [rss_mib(pid) for pid in pids]
    return None if not sizes or None in sizes else sum(sizes)


def total_cpu_s(pids: Sequence[int]) -> float:
    """User + system CPU seconds of all ``pids`` so far (nan without them)."""
    from benchmarks.roundtrip import cpu_seconds

    return sum(cpu_seconds(pid) for pid in pids) if pids else math.nan


# --------------------------------------------------------------------------- a level


@dataclass
class Level:
    """The outcome of one load level."""

    sessions: int
    latencies: list[float]
    errors: list[str]
    cross_talk: int
    mib_per_session: float | None
    client_cpu: float = math.nan  # share of one core the clients used while clicking
    server_cpu_ms: float = math.nan  # the servers' CPU per click answered, ms (idle included)

    @property
    def p50_ms(self) -> float:
        return 1000 * statistics.median(self.latencies) if self.latencies else math.nan

    @property
    def p95_ms(self) -> float:
        return 1000 * percentile(self.latencies, 95) if self.latencies else math.nan

    def held(self, max_p95_ms: float) -> bool:
        return (
            bool(self.latencies)
            and not self.errors
            and not self.cross_talk
            and (self.p95_ms < max_p95_ms)
        )


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (nearest rank) of ``values``."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def replica_of(index: int, replicas: int) -> int:
    """The server session ``index`` sticks to: pairs of sessions in turn, so every replica
    serves both scenarios (a mix-up between them stays visible on each)."""
    return (index // 2) % replicas


def scenario_query(index: int, n_points: int) -> str:
    """The link session ``index`` opens: two data seeds, alternating."""
    return f"src=gen&n={n_points}&gs={1 + index % 2}"


def cross_talk(sessions: Sequence[Session], solo: Sequence[dict[int, float]]) -> int:
    """Sessions with a log L(θ_t) other than the solo run of their scenario at the same t.

    ``solo[j]`` is the solo run of scenario ``j`` (session ``i`` has scenario ``i % 2``).
    """
    bad = 0
    for session in sessions:
        reference = solo[session.index % len(solo)]
        shared = set(session.log_l) & set(reference)
        if not shared or any(session.log_l[t] != reference[t] for t in shared):
            bad += 1
    return bad


async def run_level(
    ws_urls: Sequence[str], n_points: int, n_sessions: int, duration: float, period: float,
    clicks: int | None, pids: Sequence[int], first: int = 0,
) -> tuple[Level, list[Session]]:  # fmt: skip
    """``n_sessions`` clients loaded, then clicking every ``period`` s for ``duration`` s
    (or ``clicks`` times each); session numbers start at ``first``; session i talks to
    ``ws_urls[replica_of(i, len(ws_urls))]`` for its whole life (sticky)."""
    idle = total_rss_mib(pids)
    indices = range(first, first + n_sessions)
    sessions = [
        Session(i, ws_urls[replica_of(i, len(ws_urls))], scenario_query(i, n_points))
        for i in indices
    ]
    results = await asyncio.gather(*(s.connect() for s in sessions), return_exceptions=True)
    for session, result in zip(sessions, results, strict=True):
        if isinstance(result, BaseException):
            session.errors.append(f"page did not load: {result!r}")

    async def student(session: Session) -> None:
        if session.errors:
            return
        await asyncio.sleep(period * (session.index - first) / n_sessions)  # spread the phases
        next_tick, done = time.perf_counter(), 0
        stop = time.perf_counter() + duration
        while (clicks is None and time.perf_counter() < stop) or (clicks and done < clicks):
            await session.click_next()
            done += 1
            if session.errors:
                return
            next_tick += period
            await asyncio.sleep(max(0.0, next_tick - time.perf_counter()))

    cpu0, wall0, server0 = time.process_time(), time.perf_counter(), total_cpu_s(pids)
    try:
        await asyncio.gather(*(student(s) for s in sessions))
        server = total_cpu_s(pids) - server0
        used = total_rss_mib(pids)  # with every session open and its run history grown
    finally:
        await asyncio.gather(*(s.close() for s in sessions))
    client_cpu = (time.process_time() - cpu0) / max(time.perf_counter() - wall0, 1e-9)
    per_session = None if idle is None or used is None else (used - idle) / n_sessions
    latencies = [lat for s in sessions for lat in s.latencies]
    level = Level(
        n_sessions, latencies, [e for s in sessions for e in s.errors], 0, per_session,
        client_cpu, 1e3 * server / max(len(latencies), 1),
    )  # fmt: skip
    return level, sessions


def format_level(level: Level, max_p95_ms: float) -> str:
    mib = "-" if level.mib_per_session is None else f"{level.mib_per_session:.1f}"
    verdict = "held" if level.held(max_p95_ms) else "NOT held"
    return (
        f"{level.sessions:>8} | {len(level.latencies):>6} | {level.p50_ms:>7.0f} | "
        f"{level.p95_ms:>7.0f} | {len(level.errors):>6} | {level.cross_talk:>10} | {mib:>11} | "
        f"{level.client_cpu:>10.0%} | {level.server_cpu_ms:>13.1f} | {verdict}"
    )


# --------------------------------------------------------------------------- main


async def measure(args: argparse.Namespace, bases: Sequence[str], pids: Sequence[int]) -> int:
    ws_urls = [f"ws://{urlsplit(base).netloc}/_stcore/stream" for base in bases]
    clicks = args.clicks or math.ceil(args.duration / args.period) + 2
    idle = total_rss_mib(pids)
    if idle is not None:
        print(f"server processes before any session: {idle:.0f} MiB resident", flush=True)
    # The references: each scenario alone, as many clicks as any session makes at a level.
    solo, solo_latencies = [], []
    for scenario in (0, 1):
        level, (session,) = await run_level(
            ws_urls[:1], args.n, 1, 0, args.period / 10, clicks, pids[:1], first=scenario
        )
        if session.errors or not session.log_l:
            print(f"solo run failed: {session.errors}")
            return 1
        solo.append(session.log_l)
        solo_latencies += level.latencies
        last = max(session.log_l)
        print(f"solo run of {scenario_query(scenario, args.n)}: {len(session.latencies)} clicks, "
              f"log L(θ_{last}) = {session.log_l[last]:.6f}", flush=True)  # fmt: skip
    if solo[0] == solo[1]:
        print("the two scenarios gave the same numbers: cross-talk could not be seen")
        return 1
    print(f"reference: a session alone, median click latency "
          f"{1000 * statistics.median(solo_latencies):.0f} ms", flush=True)  # fmt: skip
    print(HEADER, flush=True)
    held, status = 0, 0
    for n_sessions in args.sessions:
        level, sessions = await run_level(
            ws_urls, args.n, n_sessions, args.duration, args.period, args.clicks, pids,
        )  # fmt: skip
        level.cross_talk = cross_talk(sessions, solo)
        print(format_level(level, args.max_p95), flush=True)
        for error in sorted(set(level.errors))[:5]:
            print(f"    {error}")
        if level.cross_talk:
            status = 1
        if level.held(args.max_p95):
            held = max(held, n_sessions)
        else:
            break
    servers = "one server" if len(bases) == 1 else f"{len(bases)} server processes"
    print(f"verdict: {servers} held {held} concurrent sessions of {page_name(args)} (each "
          f"clicking every {args.period:g} s, N = {args.n:,}) with p95 click latency < "
          f"{args.max_p95:.0f} ms; "
          f"target ≥ 100 on a 2-core machine; {os.cpu_count()} CPUs here")  # fmt: skip
    return status


def main(argv: Sequence[str] | None = None) -> int:
    parser = argument_parser("benchmarks.load", __doc__)
    parser.add_argument("--quick", action="store_true", help="2 sessions, 2 clicks each")
    parser.add_argument("--sessions", type=int_list, help="levels, e.g. 10,50,100")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds per level")
    parser.add_argument("--period", type=float, default=3.0, help="seconds between clicks")
    parser.add_argument("--clicks", type=int, help="clicks per session (instead of --duration)")
    parser.add_argument("--n", type=int, default=10_000, help="data points N")
    parser.add_argument("--max-p95", type=float, default=1000.0, help="p95 target, ms")
    parser.add_argument("--url", help="a running server on this machine (default: start one)")
    parser.add_argument(
        "--minimal", action="store_true",
        help="serve the minimal page (benchmarks/minimal_page.py) instead: the reference",
    )  # fmt: skip
    parser.add_argument(
        "--replicas", type=int, default=1,
        help="server processes, sessions sticky to one each (as behind a sticky proxy)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    if args.quick:
        args.sessions, args.clicks, args.period = args.sessions or [2], args.clicks or 2, 0.5
    args.sessions = args.sessions or list(DEFAULT_LEVELS)
    if max(args.sessions) > MAX_SESSIONS or min(args.sessions) < 1:
        parser.error(f"--sessions must be between 1 and {MAX_SESSIONS}")
    if not 0 < args.duration <= MAX_SECONDS or args.period <= 0:
        parser.error(f"--duration must be in (0, {MAX_SECONDS:.0f}] s and --period > 0")
    if args.clicks is not None and not 1 <= args.clicks <= 200:
        parser.error("--clicks must be between 1 and 200")
    if args.url and urlsplit(args.url).hostname not in LOOPBACK:
        parser.error("--url must be a server on this machine (127.0.0.1 or localhost)")
    if not 1 <= args.replicas <= MAX_REPLICAS or (args.url and args.replicas != 1):
        parser.error(f"--replicas must be between 1 and {MAX_REPLICAS} (1 with --url)")
    print(f"{os.cpu_count()} CPUs; load {os.getloadavg()[0]:.2f}; {page_name(args)}; "
          f"N = {args.n:,}; a click every {args.period:g} s per session; "
          f"{args.replicas} server process(es)", flush=True)  # fmt: skip
    if args.url:
        return run_async(measure(args, [args.url.rstrip("/")], []))
    script = str(MINIMAL_SCRIPT.relative_to(REPO)) if args.minimal else "app.py"
    with contextlib.ExitStack() as stack:
        servers = [
            stack.enter_context(app_server(REPO / "artifacts" / f"load-server-{i}.log", script))
            for i in range(args.replicas)
        ]
        return run_async(measure(args, [b for b, _ in servers], [p for _, p in servers]))


def page_name(args: argparse.Namespace) -> str:
    return "the minimal page" if args.minimal else "EM Lab's stepper"


def run_async(coroutine: Any) -> int:
    """``asyncio.run`` in a thread of its own: works also where this thread already runs an
    event loop (a test process that drove Playwright's sync API before)."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


if __name__ == "__main__":
    sys.exit(main())
