"""Seconds from a fresh clone to a healthy app: ``python -m benchmarks.setup``.

Clones this repository's committed HEAD into a temporary directory, runs
``bash scripts/app.sh --server.port P`` there (creating ``.venv``, installing
``requirements.txt``, starting the server) and polls ``/_stcore/health`` on 127.0.0.1 until it
answers ``ok``. Prints the seconds to healthy against the target (60 s on a quiet machine),
the ratio, the machine's load, and the steps ``app.sh`` printed with their times. The server
is stopped and the clone deleted at the end.

Options: ``--cold`` (an empty uv cache: every wheel downloaded, as on a new machine),
``--pip`` (``EMLAB_NO_UV=1``: the pip fallback), ``--reuse-venv PATH`` (symlink an existing
``.venv`` into the clone: measures the start alone; the smoke test uses it), ``--timeout S``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from benchmarks.common import free_port, healthy

REPO = Path(__file__).resolve().parents[1]
TARGET_S = 60.0


def time_to_healthy(
    clone: Path, env: dict[str, str], timeout: float, log_path: Path
) -> tuple[float | None, str]:
    """Run app.sh in ``clone``; (seconds until healthy or None on timeout/exit, its output)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    start = time.perf_counter()
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            ["bash", "scripts/app.sh", "--server.port", str(port)], cwd=clone, env=env,
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,  # its own process group: stop the server and the warm-up
        )  # fmt: skip
    seconds = None
    try:
        while time.perf_counter() - start < timeout and proc.poll() is None:
            if healthy(url):
                seconds = time.perf_counter() - start
                break
            time.sleep(0.2)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(15)
    return seconds, log_path.read_text(errors="replace")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.setup", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )  # fmt: skip
    parser.add_argument("--cold", action="store_true", help="empty uv cache")
    parser.add_argument("--pip", action="store_true", help="EMLAB_NO_UV=1 (pip fallback)")
    parser.add_argument("--reuse-venv", type=Path, help="symlink this .venv into the clone")
    parser.add_argument("--timeout", type=float, default=600.0, help="give up after S s")
    args = parser.parse_args(argv)
    if args.reuse_venv and not (args.reuse_venv / "bin" / "python").exists():
        parser.error(f"{args.reuse_venv} is not a virtualenv")

    work = Path(tempfile.mkdtemp(prefix="emlab-setup-"))
    try:
        clone = work / "clone"
        subprocess.run(["git", "clone", "-q", str(REPO), str(clone)], check=True)
        env = {**os.environ}
        if args.cold:
            env["UV_CACHE_DIR"] = str(work / "uv-cache")
        if args.pip:
            env["EMLAB_NO_UV"] = "1"
        if args.reuse_venv:
            (clone / ".venv").symlink_to(args.reuse_venv.resolve())
        mode = "reused .venv" if args.reuse_venv else ("pip" if args.pip else "uv")
        load = os.getloadavg()[0]
        print(f"fresh clone of {REPO} ({mode}{', cold cache' if args.cold else ''}); "
              f"{os.cpu_count()} CPUs, load {load:.2f}", flush=True)  # fmt: skip
        seconds, output = time_to_healthy(clone, env, args.timeout, work / "app.log")
        for line in output.splitlines():
            if line.startswith("[app.sh"):
                print(f"  {line}")
        if seconds is None:
            print(f"NOT healthy within {args.timeout:.0f} s; the script's output:\n{output}")
            return 1
        verdict = "ok" if seconds <= TARGET_S else "SLOW"
        print(f"healthy after {seconds:.1f} s (target ≤ {TARGET_S:.0f} s on a quiet machine; "
              f"ratio {seconds / TARGET_S:.2f}) {verdict}")  # fmt: skip
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
