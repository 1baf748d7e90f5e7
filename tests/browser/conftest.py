"""Real-browser test infrastructure (pytest-playwright + Debian's chromium).

Every test under ``tests/browser`` is marked ``browser`` and gets:

* ``app_server`` (session): the repo's ``app.py`` served by ``python -m streamlit run``
  on a free 127.0.0.1 port; yields the base URL (``http://127.0.0.1:PORT``), which is
  also the ``base_url`` of every browser context, so ``page.goto("/")`` opens the app.
  Server output goes to ``artifacts/streamlit-server.log``.
* ``page`` and ``context``: one context and one tab per test worker, reused by its tests
  (a page load in a warm tab costs chromium a third of the CPU of one in a new tab); each
  test still opens the app in a new document, a new Streamlit session, and the tab is reset
  between tests (see "one tab per worker" below).
* a request recorder (autouse): at teardown, fails the test if the page asked for
  anything that is not on 127.0.0.1/localhost (the app must work offline).
* ``wait_for_app`` fixture -> ``wait_for_app(page, timeout_ms=60_000)``: returns once
  Streamlit has finished running the script (and plotly charts have drawn).
* ``full_page_screenshot`` fixture -> ``full_page_screenshot(page, "name")``: saves
  ``artifacts/screenshots/name.png`` of the whole app, not only the visible part.

Chromium is ``/usr/bin/chromium`` (Debian's package; never ``playwright install``;
``EMLAB_CHROMIUM=/path`` points elsewhere).
If it is missing the tests skip loudly, unless ``EMLAB_REQUIRE_BROWSER=1`` (as in CI),
which turns the skip into a failure.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import BrowserContext, Page, expect
from playwright.sync_api import Error as PlaywrightError

from benchmarks.common import (
    CHROMIUM_ARGS,
    SERVER_START_TIMEOUT_S,
    free_port,
    healthy,
    streamlit_command,
    streamlit_server,
    tail,
)

from .helpers import SERVER_DIR_ENV, SERVER_INFO

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO_ROOT / "artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
CHROMIUM = Path(os.environ.get("EMLAB_CHROMIUM", "/usr/bin/chromium"))
BROWSER_DIR = Path(__file__).resolve().parent

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
# file: a downloaded export opened from disk (tests/browser/test_pages_browser.py).
IGNORED_SCHEMES = {"data", "blob", "about", "chrome-extension", "chrome", "devtools", "file"}


# scripts/test.sh runs the suite on all cores (pytest-xdist): two browsers and two app servers
# then share a 2-core machine with the other tests. Give Playwright's expect() the patience of
# the helpers' waits (helpers.TIMEOUT_MS) instead of its default 5 s; no check is loosened.
expect.set_options(timeout=15_000)


def _require_browser() -> bool:
    return os.environ.get("EMLAB_REQUIRE_BROWSER", "").strip() == "1"


# --------------------------------------------------------------------------- markers


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if BROWSER_DIR in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.browser)


# --------------------------------------------------------------------------- chromium


@pytest.fixture(scope="session", autouse=True)
def _chromium_available() -> Path:
    """Skip (loudly) or fail every browser test when chromium is not installed."""
    if CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK):
        return CHROMIUM
    reason = (
        f"!!! BROWSER TESTS NOT RUN: {CHROMIUM} not found. "
        "Install Debian's chromium as root: apt-get update && apt-get install -y chromium "
        "(never 'playwright install'). !!!"
    )
    if _require_browser():
        pytest.fail(f"{reason} EMLAB_REQUIRE_BROWSER=1 makes this a failure.", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict, _chromium_available: Path) -> dict:
    """Launch Debian's chromium, headless, with no way to reach the network."""
    return {
        **browser_type_launch_args,
        "executable_path": str(_chromium_available),
        "headless": True,
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict, app_server: str) -> dict:
    return {
        **browser_context_args,
        "base_url": app_server,
        "viewport": {"width": 1280, "height": 900},
    }


# --------------------------------------------------------------------------- app server


@pytest.fixture(scope="session")
def app_server(_chromium_available: Path) -> Iterator[str]:
    """Serve the repo's app.py on a free port; yield its base URL.

    One server for the whole run, shared by every xdist worker, when tests/conftest.py names
    a directory for it (``EMLAB_TEST_SERVER_DIR``): the first worker to get here starts it,
    the others find its address there, and tests/conftest.py stops it when the run ends.
    Otherwise (no such directory) one server for this process, stopped at its end.
    """
    app = REPO_ROOT / "app.py"
    if not app.is_file():
        pytest.fail(f"{app} does not exist: nothing to serve", pytrace=False)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    shared = os.environ.get(SERVER_DIR_ENV)
    if shared:
        yield _shared_server(Path(shared), env)
        return
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    log_path = ARTIFACTS / f"streamlit-server{'-' + worker if worker else ''}.log"
    with streamlit_server("app.py", cwd=REPO_ROOT, log_path=log_path, env=env) as (base_url, _):
        yield base_url


def _shared_server(folder: Path, env: dict[str, str]) -> str:
    """The base URL of the run's one app server, started here if no worker has started it."""
    log_path = ARTIFACTS / "streamlit-server.log"
    with (folder / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one worker at a time past this line
        info = folder / SERVER_INFO
        if not info.exists():
            port = free_port()
            cmd = streamlit_command("app.py", port)
            log_path.parent.mkdir(parents=True, exist_ok=True)
            with log_path.open("w") as log:
                log.write(f"$ {' '.join(cmd)}\n")
                log.flush()
                # Its own session: it outlives this worker, until tests/conftest.py stops it.
                proc = subprocess.Popen(cmd, cwd=REPO_ROOT, env=env, stdin=subprocess.DEVNULL,
                                        stdout=log, stderr=subprocess.STDOUT,
                                        start_new_session=True)  # fmt: skip
            info.write_text(json.dumps({"url": f"http://127.0.0.1:{port}", "pid": proc.pid}))
        base_url = json.loads(info.read_text())["url"]
        deadline = time.monotonic() + SERVER_START_TIMEOUT_S
        while not healthy(base_url):
            if time.monotonic() > deadline:
                pytest.fail(
                    f"the app server at {base_url} is not healthy; log {log_path}:\n"
                    f"{tail(log_path)}",
                    pytrace=False,
                )
            time.sleep(0.25)
    return base_url


# --------------------------------------------------------------------------- offline check


def _is_local(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in IGNORED_SCHEMES:
        return True
    return (parts.hostname or "") in LOCAL_HOSTS


@pytest.fixture(autouse=True)
def _no_external_requests(context) -> Iterator[list[str]]:
    """Record every request of every page in the test's context; fail if any left the box."""
    seen: list[str] = []

    def on_request(req) -> None:
        seen.append(req.url)

    def on_websocket(ws) -> None:
        seen.append(ws.url)

    def on_page(page) -> None:
        page.on("websocket", on_websocket)

    context.on("request", on_request)
    context.on("page", on_page)
    for page in context.pages:
        on_page(page)
    yield seen
    # The context and its tab outlive the test: take this test's listeners off them.
    context.remove_listener("request", on_request)
    context.remove_listener("page", on_page)
    for page in context.pages:
        with contextlib.suppress(Exception):
            page.remove_listener("websocket", on_websocket)
    external = sorted({url for url in seen if not _is_local(url)})
    assert not external, (
        f"the page made {len(external)} request(s) that leave 127.0.0.1 "
        f"(the app must work offline):\n" + "\n".join(external)
    )


# --------------------------------------------------------------------------- helpers

# True when Streamlit is connected, has finished a script run, shows no running
# indicator, no stale elements or loading skeletons, and every plotly chart has drawn.
_APP_IDLE_JS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app) return false;
  if (app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  if (app.getAttribute('data-test-connection-state') !== 'CONNECTED') return false;
  if (document.querySelector(
      '[data-testid="stStatusWidgetRunningIcon"], [data-testid="stStatusWidgetRunningManIcon"]'))
    return false;
  if (document.querySelector('[data-testid="stElementContainer"][data-stale="true"]'))
    return false;
  if (document.querySelector('[data-testid="stSkeleton"]')) return false;
  // st.plotly_chart, and the live charts (ui/live_chart.py: the app's only custom component).
  for (const chart of document.querySelectorAll(
      '[data-testid="stPlotlyChart"], [data-testid="stBidiComponentRegular"]')) {
    if (!chart.querySelector('.main-svg')) return false;
  }
  // A live chart at rest: it shows the server's last figure and has drawn the figures one
  // click ahead (ui/live_chart.py).
  for (const root of document.querySelectorAll('.emlab-live')) {
    const live = root.__emlab;
    if (!live || live.spent || live.pending || !live.ready) return false;
    if (live.front.__emlabToken !== live.token) return false;
  }
  return true;
}"""


# Installed in every page of the test's context before Streamlit's own scripts run (an init
# script): when the user last gave input (click, key, typing, focus moved), when the app's run
# state last changed (script running or not, connection, stale elements), and how many script
# runs have finished in this document.  wait_for_app reads them to know that the rerun an
# interaction triggered has come and gone, instead of sleeping a fixed time to be sure of it.
_TRACKER_JS = """(() => {
  if (window.__emlab) return;
  const t = window.__emlab = {input: -1e9, change: performance.now(), finished: 0};
  const inputs = ['pointerdown', 'pointerup', 'click', 'keydown', 'keyup', 'input', 'change',
                  'focusin', 'focusout'];
  for (const type of inputs)
    document.addEventListener(type, () => { t.input = performance.now(); }, true);
  new MutationObserver(records => {
    for (const r of records) {
      t.change = performance.now();
      if (r.attributeName === 'data-test-script-state'
          && r.target.getAttribute('data-test-script-state') === 'notRunning') t.finished++;
    }
  }).observe(document, {subtree: true, attributes: true, attributeFilter: [
    'data-test-script-state', 'data-test-connection-state', 'data-stale']});
})()"""

# True once the page is idle (_APP_IDLE_JS), a script run has finished in this document, the
# last input has been answered by a change of the run state (or `patience` ms have passed
# without one: the input did not rerun the script), and nothing has changed for `quiet` ms (a
# run that triggers another, st.rerun or a fragment's timer, shows up as a change in that time).
_SETTLED_JS = (
    """([patience, quiet]) => {
  const t = window.__emlab;
  const now = performance.now();
  return t.finished >= 1 && (t.change > t.input || now - t.input >= patience)
    && now - t.change >= quiet && ("""
    + _APP_IDLE_JS
    + """)();
}"""
)


# --------------------------------------------------------------------------- one tab per worker
#
# Opening the app in a new tab costs chromium ~5 CPU-s and ~3 s (a new renderer process parses
# and compiles Streamlit's and plotly.js's scripts again); opening it again in the same tab
# costs ~1.5 CPU-s and ~0.7 s (the renderer keeps its compiled code). On 2 cores that CPU is
# the browser tests' time, so each test worker keeps one context and one tab, and every test
# opens the app in it with ``page.goto``: still a new document and a new Streamlit session
# per test, as before. Between tests the tab forgets what a test left behind (its web storage,
# the pages it opened, its listeners, its viewport) and goes to about:blank, which ends the old
# session; after a failed test the tab is closed and the next test gets a new one.

_FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    if report.failed:
        item.stash[_FAILED] = True
    return report


@pytest.fixture(scope="session")
def _worker_context(browser, browser_context_args: dict) -> Iterator[BrowserContext]:
    """This worker's one browser context, with the run-state tracker in every page."""
    shared = browser.new_context(**browser_context_args)
    shared.add_init_script(script=_TRACKER_JS)
    yield shared
    shared.close()


@pytest.fixture(scope="session")
def _worker_tab() -> dict[str, Page]:
    """Holds this worker's tab between tests (``"page"``), so a failed test can replace it."""
    return {}


@pytest.fixture
def context(_worker_context: BrowserContext) -> BrowserContext:
    """The worker's context (pytest-playwright's own would be a new one per test)."""
    return _worker_context


@pytest.fixture
def page(
    request: pytest.FixtureRequest,
    _worker_context: BrowserContext,
    _worker_tab: dict[str, Page],
    browser_context_args: dict,
) -> Iterator[Page]:
    """The worker's tab, at the default viewport; after the test, reset (see above)."""
    tab = _worker_tab.get("page")
    if tab is None or tab.is_closed():
        tab = _worker_tab["page"] = _worker_context.new_page()
    tab.set_viewport_size(browser_context_args["viewport"])
    yield tab
    for other in _worker_context.pages:
        if other is not tab:
            other.close()
    if request.node.stash.get(_FAILED, False):
        tab.close()  # whatever state it was left in, the next test does not inherit it
        return
    with contextlib.suppress(PlaywrightError):  # a page on the app's origin has storage
        tab.evaluate("() => { localStorage.clear(); sessionStorage.clear(); }")
    tab.goto("about:blank")


def wait_for_app(page, timeout_ms: float = 60_000, settle_ms: int = 300) -> None:
    """Wait until the Streamlit script run has finished and the page has settled.

    Call it after ``page.goto`` and after every interaction that triggers a rerun.
    In a page of the test's context (see ``_TRACKER_JS``) it returns as soon as a run has
    finished since the last input and the run state has not changed for ``settle_ms``; an input
    that causes no rerun costs ``2 * settle_ms`` (a rerun that starts later than that, the old
    fixed waits would have missed too).  In other pages (a context a test makes
    itself) ``settle_ms`` gives a just-triggered rerun time to start, and the idle state must
    hold for two checks ``settle_ms`` apart (reruns, st.rerun, fragments).
    """
    if page.evaluate("() => !!window.__emlab"):
        page.wait_for_function(
            _SETTLED_JS, arg=[2 * settle_ms, settle_ms], timeout=timeout_ms, polling=50
        )
        return
    deadline = time.monotonic() + timeout_ms / 1000
    page.wait_for_timeout(settle_ms)
    while True:
        remaining = max(1.0, (deadline - time.monotonic()) * 1000)
        page.wait_for_function(_APP_IDLE_JS, timeout=remaining, polling=100)
        page.wait_for_timeout(settle_ms)
        if page.evaluate(_APP_IDLE_JS):
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"Streamlit app still busy after {timeout_ms} ms")


_MAX_SHOT_HEIGHT = 16_000  # chromium cannot capture much taller surfaces


def full_page_screenshot(page, name: str | os.PathLike[str]) -> Path:
    """Screenshot the whole app to artifacts/screenshots/NAME.png (or to a given path).

    Streamlit scrolls inside ``[data-testid="stMain"]``, so Playwright's ``full_page``
    sees only the viewport: grow the viewport to the content height first.
    """
    path = Path(name)
    if path.suffix != ".png":
        path = path.with_name(path.name + ".png")
    if not path.is_absolute() and path.parent == Path("."):
        path = SCREENSHOTS / path
    path.parent.mkdir(parents=True, exist_ok=True)
    original = page.viewport_size or {"width": 1280, "height": 900}
    content_height = page.evaluate(
        """() => {
          const sels = ['[data-testid="stMain"]', '[data-testid="stAppViewContainer"]',
                        '[data-testid="stSidebarContent"]'];
          let h = document.documentElement.scrollHeight;
          for (const s of sels) {
            const el = document.querySelector(s);
            if (el) h = Math.max(h, el.scrollHeight);
          }
          return h;
        }"""
    )
    height = int(min(max(original["height"], content_height), _MAX_SHOT_HEIGHT))
    try:
        page.set_viewport_size({"width": original["width"], "height": height})
        page.wait_for_timeout(400)  # let Streamlit/plotly re-layout to the new size
        page.screenshot(path=str(path), full_page=True, animations="disabled")
    finally:
        page.set_viewport_size(original)
    return path


@pytest.fixture(name="wait_for_app")
def _wait_for_app() -> Callable[..., None]:
    """The :func:`wait_for_app` helper, as a fixture (conftest modules are not importable)."""
    return wait_for_app


@pytest.fixture(name="full_page_screenshot")
def _full_page_screenshot() -> Callable[..., Path]:
    """The :func:`full_page_screenshot` helper, as a fixture."""
    return full_page_screenshot
