"""Real-browser test infrastructure (pytest-playwright + Debian's chromium).

Every test under ``tests/browser`` is marked ``browser`` and gets:

* ``app_server`` (session): the repo's ``app.py`` served by ``python -m streamlit run``
  on a free 127.0.0.1 port; yields the base URL (``http://127.0.0.1:PORT``), which is
  also the ``base_url`` of every browser context, so ``page.goto("/")`` opens the app.
  Server output goes to ``artifacts/streamlit-server.log``.
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

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from benchmarks.common import CHROMIUM_ARGS, streamlit_server

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
    """Serve the repo's app.py on a free port; yield its base URL."""
    app = REPO_ROOT / "app.py"
    if not app.is_file():
        pytest.fail(f"{app} does not exist: nothing to serve", pytrace=False)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    log_path = ARTIFACTS / f"streamlit-server{'-' + worker if worker else ''}.log"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with streamlit_server("app.py", cwd=REPO_ROOT, log_path=log_path, env=env) as (base_url, _):
        yield base_url


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

    def on_page(page) -> None:
        page.on("websocket", lambda ws: seen.append(ws.url))

    context.on("request", lambda req: seen.append(req.url))
    context.on("page", on_page)
    for page in context.pages:
        on_page(page)
    yield seen
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
  for (const chart of document.querySelectorAll('[data-testid="stPlotlyChart"]')) {
    if (!chart.querySelector('.main-svg')) return false;
  }
  return true;
}"""


def wait_for_app(page, timeout_ms: float = 60_000, settle_ms: int = 300) -> None:
    """Wait until the Streamlit script run has finished and the page has settled.

    Call it after ``page.goto`` and after every interaction that triggers a rerun.
    ``settle_ms`` gives a just-triggered rerun time to start, and the idle state
    must hold for two checks ``settle_ms`` apart (reruns, st.rerun, fragments).
    """
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
