"""A plotly chart updated in place in the browser, and able to show the figure one click
ahead before the server answers.

Why this exists
    Streamlit 1.67's ``st.plotly_chart`` computes its element id from the figure's spec
    (``key_as_main_identity=False``), so a click that changes the figure makes a new React
    element: the graph div is replaced and plotly.js draws the chart from nothing
    (``Plotly.newPlot``), on every click of the stepper, and only once the server's whole
    answer has arrived. A custom component (``st.components.v2.component``, "CCv2") keeps its
    user key as its element id (``key_as_main_identity=True``): the same element receives each
    new figure, draws it with ``Plotly.react`` on a graph div it drew before, and draws
    nothing when the figure's token (a digest of its JSON) is the one on screen.

One click ahead (issue 10, target 2)
    With the figure on screen the server may send figures one click ahead (:class:`Ahead`:
    the figure after a forward move, with the buttons and keys that make it;
    :mod:`ui.stepper_charts` builds them). Once the page is idle the component draws each into
    a graph div of its own, transparent, under the one on screen. A click on one of those
    buttons (the ``.st-key-<key>`` box Streamlit gives a keyed widget; a disabled button sends
    no click), or one of those keys that Streamlit's shortcut took (it calls
    ``preventDefault``; a key typed into a text or number box is left alone, as Streamlit's
    shortcuts leave it), brings that div to the front in the same event: one style change, a
    layer of its own, no drawing. The server's answer then brings the same figure, which is
    on screen already. One move per answer: after any button or shortcut the component waits
    for the server's next data (or the end of the rerun) before it moves again; if no answer
    comes while no script runs (a click the server never got), it shows the server's last
    figure again after :data:`AHEAD_PATIENCE_MS`.

Where plotly.js comes from
    The plotly Python package's own ``plotly/package_data/plotly.min.js`` (the pinned plotly's
    plotly.js, nothing fetched off this host), served by Streamlit's static file serving
    (``server.enableStaticServing``, ``.streamlit/config.toml``) from ``static/`` beside
    ``app.py`` at ``/app/static/``. The file is not committed: :func:`plotly_js_ready` copies it
    from the installed package on first use (and after an upgrade of plotly), atomically, so a
    fresh clone, ``scripts/app.sh``, Docker and the tests' servers all serve the plotly.js of
    the environment they run in. Where it cannot be written (a read-only tree) or static
    serving is off, :func:`live_chart` falls back to ``st.plotly_chart``.

What it buys (``python -m benchmarks.roundtrip``, 2026-12-03, README)
    Updating in place alone cut the page's CPU per click by a third but not the click →
    chart time (the server's rerun and React's re-render of the fragment are most of it).
    With the figures one click ahead, the chart changes in the first frame after the click:
    ~11 ms in the page against a minimal Streamlit page's 29 ms round trip, the server's
    answer then drawing nothing again.

Safety
    The component's HTML/JS are constants of this module; the figures arrive as data (one
    JSON document, as bytes: :func:`live_chart_data`), and plotly.js renders their text as its
    own pseudo-HTML, as ``st.plotly_chart`` does (the figure builders escape user strings,
    :mod:`ui.pure.text`). The accessible name is set with ``setAttribute`` (never parsed as
    HTML).
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal, NamedTuple

import numpy as np
import plotly
import streamlit as st
from plotly.utils import PlotlyJSONEncoder

__all__ = [
    "AHEAD_PATIENCE_MS",
    "COMPONENT_NAME",
    "PLOTLY_JS_NAME",
    "STATIC_DIR",
    "STREAMLIT_FONT",
    "Ahead",
    "LiveFigure",
    "live_chart",
    "live_chart_available",
    "live_chart_data",
    "live_figure",
    "plotly_js_ready",
    "plotly_js_source",
    "plotly_js_url",
    "streamlit_theme_layout",
]

#: Streamlit serves ``static/`` beside the main script at ``/app/static/``.
STATIC_DIR = Path(__file__).resolve().parents[1] / "static"
PLOTLY_JS_NAME = "plotly.min.js"
#: The component's name (unique in the app).
COMPONENT_NAME = "emlab_live_plotly"

_JS = """
function plotlyLib(src) {
  if (!window.__emlabPlotly) {
    window.__emlabPlotly = new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = src;
      script.async = true;
      script.onload = () => resolve(window.Plotly);
      script.onerror = () => {
        window.__emlabPlotly = undefined;
        reject(new Error("plotly.js could not be loaded from " + src));
      };
      document.head.appendChild(script);
    });
  }
  return window.__emlabPlotly;
}

const idle = (fn) => (window.requestIdleCallback
  ? window.requestIdleCallback(fn, { timeout: 300 })
  : setTimeout(fn, 30));

// A graph div: the front one (on screen) or a back one (drawn ahead, transparent, under the
// front one in the same place, so plotly sizes it as the front one). Each is a layer of its
// own (CSS below): bringing a back one to the front repaints nothing.
function buffer(live) {
  const gd = document.createElement("div");
  gd.className = "emlab-live-chart emlab-back";
  gd.setAttribute("aria-hidden", "true");
  live.root.appendChild(gd);
  return gd;
}

// Draw a figure ({figure: {data, layout}, token}) on one graph div: one update at a time per
// div, in order. Resolves once drawn. ``fresh``: drawn anew (Plotly.newPlot), without the zoom
// or the initial ranges a reused back div kept from an earlier figure; otherwise updated in
// place (Plotly.react, which keeps a user's zoom on the chart on screen).
function draw(live, gd, entry, fresh = false) {
  gd.__emlabToken = entry.token;
  gd.__emlabReady = false;
  const figure = entry.figure;
  // Every div lies over the box: the box takes the figure's height (or its container's).
  if (!live.fill) live.root.style.height = `${figure.layout.height || 450}px`;
  gd.__emlabQueue = (gd.__emlabQueue || Promise.resolve())
    .then(() => plotlyLib(live.src))
    .then((Plotly) => {
      if (!gd.__emlabResize && window.ResizeObserver) {
        gd.__emlabResize = new ResizeObserver(() => {
          if (gd._fullLayout) Plotly.Plots.resize(gd);
        });
        gd.__emlabResize.observe(gd);
      }
      const plot = fresh ? Plotly.newPlot : Plotly.react;
      return plot(gd, figure.data, figure.layout, live.config);
    })
    .then(() => {
      gd.__emlabReady = gd.__emlabToken === entry.token;
    })
    .catch((err) => {
      console.error("EM Lab chart:", err);
      gd.textContent = "This chart could not be drawn: " + err.message;
    });
  return gd.__emlabQueue;
}

function front(live, gd, alt) {
  const old = live.front;
  gd.classList.remove("emlab-back");
  gd.removeAttribute("aria-hidden");
  gd.setAttribute("role", "figure");
  gd.setAttribute("aria-label", alt);
  old.classList.add("emlab-back");
  old.setAttribute("aria-hidden", "true");
  old.removeAttribute("role");
  old.removeAttribute("aria-label");
  live.backs = live.backs.filter((b) => b !== gd).concat([old]);
  live.front = gd;
}

// Put a figure on screen: a back div that has drawn it comes to the front (no drawing);
// otherwise the front div draws it.
function show(live, entry) {
  if (live.front.__emlabToken !== entry.token) {
    const ready = live.backs.find((gd) => gd.__emlabReady && gd.__emlabToken === entry.token);
    if (ready) front(live, ready, entry.alt);
    else draw(live, live.front, entry);
  }
  live.front.setAttribute("aria-label", entry.alt);
}

// Draw the figures one click ahead into back divs, one per idle moment of the page.
function prepare(live) {
  const version = live.version;
  live.ready = false;
  const next = () => {
    if (live.version !== version) return;
    const held = (token) =>
      live.front.__emlabToken === token || live.backs.some((gd) => gd.__emlabToken === token);
    const entry = live.ahead.find((a) => !held(a.token));
    if (!entry) {
      Promise.all(live.backs.map((gd) => gd.__emlabQueue)).then(() => {
        if (live.version === version) live.ready = true;
      });
      return;
    }
    const wanted = new Set([live.front.__emlabToken, ...live.ahead.map((a) => a.token)]);
    const gd = live.backs.find((b) => !wanted.has(b.__emlabToken)) || buffer(live);
    if (!live.backs.includes(gd)) live.backs.push(gd);
    draw(live, gd, entry, true).then(() => idle(next));
  };
  idle(next);
}

// A click on one of an entry's buttons, or its key taken by Streamlit's shortcut, shows that
// entry's figure at once; the server's answer then brings the same figure (nothing to draw)
// or corrects it. One move per answer: after a move the look-ahead waits for the server's
// next data (or the end of the rerun); after any other button or shortcut, whose rerun may
// change what is one click ahead, it waits for that rerun to end (or, if the page sees none
// start within the patience, for that long: the server may be slow, or the click may have
// rerun nothing).
const EDITABLE = new Set(["INPUT", "TEXTAREA", "SELECT"]);

function typing(event) {
  // Streamlit's shortcuts (hotkeys-js) ignore keys typed into these; so does the look-ahead.
  return event.composedPath().some(
    (el) => el instanceof HTMLElement && (EDITABLE.has(el.tagName) || el.isContentEditable));
}

function enabled(buttons) {
  return buttons.some((key) => {
    const button = document.querySelector(`.st-key-${key} button`);
    return !!button && !button.disabled;
  });
}

function used(live, entry) {
  if (!entry) {
    live.pending = true;
    live.sawRun = false;
    clearTimeout(live.pendingTimer);
    live.pendingTimer = setTimeout(() => {
      if (!live.sawRun) live.pending = false;
    }, live.patience);
    return;
  }
  if (live.spent || live.pending) return;
  live.spent = true;
  show(live, entry);
  clearTimeout(live.timer);
  live.timer = setTimeout(() => settle(live, live.version), live.patience);
}

// The figure the server sent last, on screen again, and the look-ahead free to move.
function answered(live) {
  clearTimeout(live.timer);
  live.spent = false;
  live.pending = false;
  show(live, { figure: live.figure, token: live.token, alt: live.alt });
}

// No answer came (a click Streamlit dropped): show what the server last sent again.
function settle(live, version) {
  if (live.version !== version) return;
  const app = document.querySelector('[data-testid="stApp"]');
  if (app && app.dataset.testScriptState !== "notRunning") {
    live.timer = setTimeout(() => settle(live, version), live.patience);
    return;
  }
  answered(live);
}

function listen(live) {
  const onClick = (event) => {
    const button = event.target instanceof Element ? event.target.closest("button") : null;
    if (!button || button.disabled) return;
    used(live, live.ahead.find((a) => a.buttons.some((k) => button.closest(`.st-key-${k}`))));
  };
  const onKey = (event) => {
    // Only a key Streamlit took (its shortcut handler calls preventDefault).
    if (!event.defaultPrevented || typeof event.key !== "string") return;
    if (event.ctrlKey || event.altKey || event.metaKey || typing(event)) return;
    const key = event.key.toLowerCase();
    used(live, live.ahead.find((a) => a.keys.includes(key) && enabled(a.buttons)));
  };
  // A rerun that ends without new data for this chart (its figure did not change, so
  // Streamlit did not call this script again) is the answer too: the server's figure stays.
  const app = document.querySelector('[data-testid="stApp"]');
  const observer = new MutationObserver(() => {
    if (app.dataset.testScriptState !== "notRunning") {
      live.sawRun = true;
      return;
    }
    if (!live.spent && !live.pending) return;
    const version = live.version;
    setTimeout(() => {  // new data, if any, comes within a few ms of the run's end
      if (live.version === version && app.dataset.testScriptState === "notRunning") {
        answered(live);
      }
    }, 50);
  });
  if (app) observer.observe(app, { attributes: true, attributeFilter: ["data-test-script-state"] });
  window.addEventListener("click", onClick);
  window.addEventListener("keydown", onKey);
  return () => {
    observer.disconnect();
    window.removeEventListener("click", onClick);
    window.removeEventListener("keydown", onKey);
  };
}

export default function (component) {
  const { parentElement } = component;
  const data = JSON.parse(new TextDecoder().decode(component.data));
  let root = parentElement.querySelector(":scope > .emlab-live");
  if (!root) {
    root = document.createElement("div");
    root.className = "emlab-live";
    parentElement.appendChild(root);
  }
  let live = root.__emlab;
  if (!live) {
    live = root.__emlab = { root, backs: [], version: 0 };
    const gd = document.createElement("div");
    gd.className = "emlab-live-chart";
    gd.setAttribute("role", "figure");
    root.appendChild(gd);
    live.front = gd;
    live.unlisten = listen(live);
  }
  clearTimeout(live.timer);
  clearTimeout(live.pendingTimer);
  Object.assign(live, {
    src: data.src, config: data.config, figure: data.figure, token: data.token,
    alt: data.alt, ahead: data.ahead || [], patience: data.patience_ms,
    version: live.version + 1, spent: false, pending: false, timer: undefined,
  });
  live.fill = !!data.fill;
  root.classList.toggle("emlab-fill", live.fill);
  if (live.fill) root.style.height = "";
  show(live, { figure: data.figure, token: data.token, alt: data.alt });
  prepare(live);
  return () => {
    clearTimeout(live.timer);
    clearTimeout(live.pendingTimer);
    live.version += 1;
    if (live.unlisten) live.unlisten();
    for (const gd of [live.front, ...live.backs]) {
      if (gd.__emlabResize) gd.__emlabResize.disconnect();
      if (window.Plotly) window.Plotly.purge(gd);
    }
    root.remove();
  };
}
"""

_CSS = """
.emlab-live { position: relative; width: 100%; }
.emlab-live.emlab-fill { height: 100%; }
.emlab-live > .emlab-live-chart {
  position: absolute; inset: 0; z-index: 1; will-change: opacity;
}
.emlab-live > .emlab-back { opacity: 0; z-index: 0; pointer-events: none; }
/* plotly's toolbar buttons take the keyboard focus: none in a chart that is not on screen */
.emlab-live > .emlab-back .modebar-container { display: none; }
"""


#: Streamlit's body font, which the page has loaded (its theme's ``genericFonts.bodyFont``).
STREAMLIT_FONT = '"Source Sans", sans-serif'
#: Colours of Streamlit 1.67's chart theme that are not theme options: its grey for chart
#: text, its light grey for grid lines and ticks, and the legend's text colour.
_CHART_TEXT = "#808495"
_CHART_GRID = "#e6eaf1"
_LEGEND_TEXT = "#262730"


def streamlit_theme_layout(*, background: str, border: str, heading: str) -> dict[str, Any]:
    """What ``st.plotly_chart(theme="streamlit")`` merges into a figure's
    ``layout.template.layout`` in the browser (Streamlit 1.67's ``PlotlyChart``), for the
    cartesian charts drawn here: Streamlit's font and sizes, its greys, no vertical grid, the
    axis titles' standoff, the hover label. ``background``, ``border``, ``heading``: the
    theme's background, border and heading (text) colours. Checked against Streamlit's own
    rendering in ``tests/browser/test_live_chart_browser.py``."""
    text = {"color": _CHART_TEXT, "size": 12}
    axis = {
        "zerolinecolor": _CHART_GRID,
        "gridcolor": _CHART_GRID,
        "minor": {"gridcolor": _CHART_GRID},
        "tickcolor": _CHART_GRID,
        "tickfont": text,
        "automargin": True,
    }
    return {
        "font": {"color": _CHART_TEXT, "family": STREAMLIT_FONT, "size": 12, "weight": 400},
        "title": {
            "font": {"family": STREAMLIT_FONT, "size": 16, "color": heading},
            "pad": {"l": 4},
            "xanchor": "left",
            "x": 0,
        },
        "legend": {
            "title": {"font": text, "side": "top"},
            "valign": "top",
            "bordercolor": "rgba(0,0,0,0)",  # Streamlit writes "transparent"
            "borderwidth": 0,
            "font": {"size": 12, "color": _LEGEND_TEXT},
        },
        "paper_bgcolor": background,
        "plot_bgcolor": background,
        "yaxis": {
            **axis,
            "ticklabelposition": "outside",
            "title": {"font": {"color": _CHART_TEXT, "size": 14}, "standoff": 24},
        },
        "xaxis": {
            **axis,
            "showgrid": False,
            "zeroline": False,
            "title": {"font": {"color": _CHART_TEXT, "size": 14}, "standoff": 20},
        },
        "margin": {"pad": 8, "r": 0, "l": 0},
        "hoverlabel": {
            "bgcolor": background,
            "bordercolor": border,
            "font": {"color": _CHART_TEXT, "family": STREAMLIT_FONT, "size": 12},
        },
    }


def plotly_js_source() -> Path:
    """The plotly.js bundle shipped inside the installed plotly package."""
    return Path(plotly.__file__).resolve().parent / "package_data" / PLOTLY_JS_NAME


def plotly_js_ready(static_dir: Path = STATIC_DIR) -> bool:
    """Whether ``static_dir``/plotly.min.js is the installed plotly's bundle (same bytes),
    copying it there when it is missing or differs: written to a temporary file and renamed,
    so a server never serves half a file and two servers starting at once do not collide.
    False when it cannot be written (a read-only tree)."""
    source = plotly_js_source()
    target = static_dir / PLOTLY_JS_NAME
    try:
        wanted = source.read_bytes()
        if target.is_file() and target.read_bytes() == wanted:
            return True
        static_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=static_dir, prefix=".plotly-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(wanted)
            os.chmod(tmp, 0o644)
            os.replace(tmp, target)
        except OSError:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError:
        return False
    return True


@functools.lru_cache(maxsize=1)
def _plotly_js_ready_once() -> bool:
    """:func:`plotly_js_ready`, checked once per server process (it reads 4.8 MB)."""
    return plotly_js_ready()


def live_chart_available() -> bool:
    """Whether the browser can load plotly.js for a live chart: Streamlit serves ``static/``
    (``server.enableStaticServing``) and the bundle is in place. Otherwise the caller draws
    the chart with ``st.plotly_chart``."""
    return bool(st.get_option("server.enableStaticServing")) and _plotly_js_ready_once()


def plotly_js_url() -> str:
    """The path the browser loads plotly.js from (Streamlit's ``server.baseUrlPath``
    honoured)."""
    base = str(st.get_option("server.baseUrlPath") or "").strip("/")
    return "/" + (f"{base}/" if base else "") + f"app/static/{PLOTLY_JS_NAME}"


#: plotly.js's options, as ``st.plotly_chart`` sets them (no logo, no cloud link, no lasso or
#: box select: the charts take no selection); the width and height follow the chart's box.
PLOTLY_CONFIG: dict[str, Any] = {
    "displaylogo": False,
    "showSendToCloud": False,
    "modeBarButtonsToRemove": ["lasso2d", "select2d", "sendChartToCloud"],
    "responsive": True,
}


#: How long (ms) a chart drawn ahead waits for the server's answer, while no script runs,
#: before it draws the server's last figure again (a click Streamlit dropped).
AHEAD_PATIENCE_MS = 4000


class LiveFigure(NamedTuple):
    """A figure as the browser receives it: its plotly JSON and a digest of that JSON (equal
    figures, equal tokens: the browser draws a figure only when its token is new)."""

    figure: str
    token: str


def live_figure(figure: dict[str, Any]) -> LiveFigure:
    """``figure`` (``{"data": [...], "layout": {...}}``, styled already; numpy arrays allowed:
    plotly's JSON encoder writes them) as a :class:`LiveFigure`."""
    try:  # the builders' specs: plain values, arrays already plotly.js typed arrays
        text = json.dumps(figure, separators=(",", ":"), allow_nan=False, default=_plain)
    except (TypeError, ValueError):  # anything else (NaN, other objects): plotly's encoder
        text = json.dumps(figure, cls=PlotlyJSONEncoder)
    return LiveFigure(text, hashlib.blake2b(text.encode("utf-8"), digest_size=12).hexdigest())


def _plain(value: Any) -> Any:
    """A numpy scalar or array as plain JSON values (``json.dumps``'s ``default``)."""
    if isinstance(value, np.generic | np.ndarray):
        return value.tolist()
    raise TypeError(f"not JSON: {type(value).__name__}")


class Ahead(NamedTuple):
    """A figure one click ahead: what the chart shows after any of ``buttons`` (widget keys of
    ``st.button`` s) is clicked or any of ``keys`` (their shortcuts, as ``st.button`` names
    them: "PageDown", "N", …) is pressed, and its accessible name then."""

    figure: LiveFigure
    buttons: tuple[str, ...]
    keys: tuple[str, ...]
    alt: str = ""


def live_chart_data(
    figure: LiveFigure | dict[str, Any], *, alt: str, fill: bool, ahead: Sequence[Ahead] = ()
) -> bytes:
    """The component's ``data``: one JSON document, as UTF-8 bytes.

    Bytes, because Streamlit forwards them as they are: a dict would be encoded to JSON twice
    more (once for the message, once sorted for the element's identity), the figures' JSON
    escaped inside it — ~3 ms of a click's server time for the main chart and the one ahead.
    The figures' JSON (:class:`LiveFigure`, from :func:`live_figure`) goes in as it is.

    Parameters
    ----------
    figure : LiveFigure or dict
        The figure to draw (a plain spec is encoded by :func:`live_figure`).
    alt : str
        The chart's accessible name (``aria-label`` of the graph div).
    fill : bool
        Whether the chart fills its box's height (the layout has no height of its own).
    ahead : sequence of Ahead
        Figures one click ahead, drawn by the browser as soon as their button or key is used.
        A button's key may only appear in one entry.

    Returns
    -------
    bytes
        ``{"figure": {...}, "token", "alt", "fill", "config", "src" (the URL of plotly.js),
        "patience_ms", "ahead": [{"figure": {...}, "token", "buttons", "keys" (lower case, as
        ``KeyboardEvent.key`` gives them)}, ...]}``.
    """
    if not isinstance(figure, LiveFigure):
        figure = live_figure(figure)
    meta = {
        "token": figure.token,
        "alt": alt,
        "fill": fill,
        "config": PLOTLY_CONFIG,
        "src": plotly_js_url(),
        "patience_ms": AHEAD_PATIENCE_MS,
    }

    def entry(ahead_figure: Ahead) -> str:
        fields = {
            "token": ahead_figure.figure.token,
            "buttons": ahead_figure.buttons,
            "keys": [k.lower() for k in ahead_figure.keys],
            "alt": ahead_figure.alt,
        }
        return '{"figure":' + ahead_figure.figure.figure + "," + json.dumps(fields)[1:-1] + "}"

    text = (
        '{"figure":'
        + figure.figure
        + ","
        + json.dumps(meta)[1:-1]
        + ',"ahead":['
        + ",".join(entry(a) for a in ahead)
        + "]}"
    )
    return text.encode("utf-8")


_component = st.components.v2.component(COMPONENT_NAME, js=_JS, css=_CSS, isolate_styles=False)


def live_chart(
    figure: LiveFigure | dict[str, Any],
    *,
    key: str,
    alt: str,
    height: Literal["content", "stretch"] = "content",
    ahead: Sequence[Ahead] = (),
) -> None:
    """Draw ``figure`` (a plain plotly spec, styled already, or its :class:`LiveFigure`) as a
    live chart under ``key``: the same element and graph div on every rerun, updated by
    ``Plotly.react``, and redrawn only when the figure changed. ``height="stretch"`` fills the
    height the page's CSS gives the chart's box. ``ahead``: see :func:`live_chart_data`."""
    _component(
        key=key,
        data=live_chart_data(figure, alt=alt, fill=height == "stretch", ahead=ahead),
        width="stretch",
        height=height,
    )
