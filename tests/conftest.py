"""Shared pytest configuration for the whole suite.

Only cross-cutting setup lives here (Hypothesis profiles).  `import gmm_core`
works from the repo root thanks to ``pythonpath = ["."]`` in pyproject.toml.

Hypothesis profiles:
* ``ci``  – loaded when the ``CI`` environment variable is set: derandomized
  (same examples on every run, so CI is reproducible), no deadline (numba
  compilation and a busy 2-core runner make timings meaningless).
* ``dev`` – the default elsewhere: random exploration, no deadline.

Pick one explicitly with ``HYPOTHESIS_PROFILE=ci|dev``.

Under pytest-xdist (scripts/test.sh):

* one app server for all the workers' browser tests: this process (the controller) names a
  directory in ``EMLAB_TEST_SERVER_DIR``, inherited by the workers; the first worker that needs
  the server starts it and leaves its address and pid there (tests/browser/conftest.py), and
  the controller stops it at the end.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from tests.browser.helpers import SERVER_DIR_ENV, SERVER_INFO

settings.register_profile(
    "ci",
    deadline=None,
    derandomize=True,
    database=None,
    max_examples=50,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "dev",
    deadline=None,
    max_examples=100,
)

_ON_CI = os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")
_default_profile = "ci" if _ON_CI else "dev"
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", _default_profile))


# --------------------------------------------------------------------------- order


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The cases marked ``slow`` first, the benchmarks' smoke runs (15-75 s each, real
    servers and their own chromium) first of all, each group in collection order: on all
    cores (pytest-xdist) the longest cases start early instead of one worker finishing a
    long case alone at the end while the others wait (longest-first scheduling)."""
    items.sort(
        key=lambda item: (
            item.get_closest_marker("slow") is None,
            not item.path.name.startswith("test_benchmark_"),
        )
    )


# --------------------------------------------------------------------------- one app server


def pytest_configure(config: pytest.Config) -> None:
    if hasattr(config, "workerinput") or SERVER_DIR_ENV in os.environ:
        return  # a worker, or a pytest run inside a test run: the outer one owns the server
    os.environ[SERVER_DIR_ENV] = tempfile.mkdtemp(prefix="emlab-test-server-")
    config.stash[_OWNED_SERVER_DIR] = Path(os.environ[SERVER_DIR_ENV])


_OWNED_SERVER_DIR = pytest.StashKey[Path]()


def pytest_unconfigure(config: pytest.Config) -> None:
    folder = config.stash.get(_OWNED_SERVER_DIR, None)
    if folder is None:
        return
    info = folder / SERVER_INFO
    if info.exists():
        _stop_pid(json.loads(info.read_text())["pid"])
    shutil.rmtree(folder, ignore_errors=True)
    del os.environ[SERVER_DIR_ENV]


def _stop_pid(pid: int, timeout: float = 10.0) -> None:
    """SIGTERM, then SIGKILL after ``timeout`` s: the shared server a worker started."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, os.WNOHANG)  # our child when run without xdist
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.1)
