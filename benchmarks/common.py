"""What every benchmark (and the browser tests' server fixture) shares: timing a call, reading
a comma-separated list of sizes, and serving a Streamlit script on a free local port.

One source for each: the benchmarks used to carry five copies of the server start-up (free port,
``/_stcore/health`` polling, terminate → wait → kill) and four of the timing loop.
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
#: Seconds a server may take to answer its health check.
SERVER_START_TIMEOUT_S = 90.0

#: Debian's chromium, headless on this machine: no sandbox (root), no GPU, nothing fetched from
#: the network (every host but 127.0.0.1 unresolvable).
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

# Talk to the local server directly, whatever *_proxy variables say.
_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def timings(fn: Callable[[], object], repeats: int, *, warm: bool = False) -> list[float]:
    """Wall times of ``repeats`` calls of ``fn``, in seconds.

    Parameters
    ----------
    fn : callable
        The work, called with no arguments.
    repeats : int
        How many timed calls.
    warm : bool
        Make one untimed call first (fills caches, compiles kernels).

    Returns
    -------
    list of float, shape (repeats,)
    """
    if warm:
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def int_list(text: str) -> list[int]:
    """``"1e4,1e6"`` → ``[10000, 1000000]`` (an argparse ``type``)."""
    return [int(float(item)) for item in text.split(",") if item.strip()]


def argument_parser(prog: str, doc: str | None) -> argparse.ArgumentParser:
    """A parser for ``python -m <prog>`` whose ``--help`` prints the module's docstring."""
    return argparse.ArgumentParser(
        prog=f"python -m {prog}",
        description=doc,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (as of now)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def healthy(base_url: str) -> bool:
    """Whether the Streamlit server at ``base_url`` answers ``/_stcore/health`` with ``ok``."""
    try:
        with _NO_PROXY.open(f"{base_url}/_stcore/health", timeout=2) as resp:
            return resp.status == 200 and resp.read().strip() == b"ok"
    except OSError:
        return False


def stop(proc: subprocess.Popen, timeout: float = 10.0) -> None:
    """Terminate ``proc``, wait, and kill it if it does not stop within ``timeout`` s."""
    proc.terminate()
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout)


def tail(path: Path, n: int = 60) -> str:
    """The last ``n`` lines of a log file (or why it cannot be read)."""
    try:
        lines = path.read_text(errors="replace").splitlines()
    except OSError as exc:
        return f"<cannot read {path}: {exc}>"
    return "\n".join(lines[-n:])


def streamlit_command(script: Path | str, port: int, *extra: str) -> list[str]:
    """``streamlit run script`` on 127.0.0.1:``port``, headless, no file watcher, no telemetry."""
    return [
        sys.executable, "-m", "streamlit", "run", str(script),
        "--server.address", "127.0.0.1",
        "--server.port", str(port),
        "--server.headless", "true",
        "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none",
        *extra,
    ]  # fmt: skip


@contextmanager
def streamlit_server(
    script: Path | str = "app.py",
    *,
    cwd: Path = REPO,
    log_path: Path | None = None,
    env: dict[str, str] | None = None,
    extra: Sequence[str] = (),
) -> Iterator[tuple[str, subprocess.Popen]]:
    """Serve ``script`` with ``streamlit run`` on a free local port until the block ends.

    Parameters
    ----------
    script : path
        The script, relative to ``cwd`` or absolute.
    cwd : path
        The server's working directory (the repository root by default).
    log_path : path, optional
        Where the server's output goes (discarded if None); quoted when it fails to start.
    env : dict, optional
        The server's environment (this process's by default).
    extra : sequence of str
        More ``streamlit run`` options.

    Yields
    ------
    (base URL, process)
        ``http://127.0.0.1:<port>`` once the health check answers, and the server's process.
    """
    port = free_port()
    cmd = streamlit_command(script, port, *extra)
    if log_path is not None:
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with log_path.open("w") as log:
            log.write(f"$ {' '.join(cmd)}\n")
            log.flush()
            proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=log,
                                    stderr=subprocess.STDOUT)  # fmt: skip
    else:
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT_S
        while not healthy(base_url):
            if proc.poll() is not None or time.monotonic() > deadline:
                why = "exited" if proc.poll() is not None else "is not healthy"
                log = f"; log {log_path}:\n{tail(log_path)}" if log_path else ""
                raise RuntimeError(f"streamlit serving {script} {why} at {base_url}{log}")
            time.sleep(0.25)
        yield base_url, proc
    finally:
        stop(proc)
