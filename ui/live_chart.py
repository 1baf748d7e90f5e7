"""A plotly chart updated in place in the browser: ``Plotly.react`` on the same graph div on
every rerun, instead of ``st.plotly_chart``'s new chart drawn from scratch.

Why this exists
    Streamlit 1.67's ``st.plotly_chart`` computes its element id from the figure's spec
    (``key_as_main_identity=False``), so a click that changes the figure makes a new React
    element: the graph div is replaced and plotly.js draws the chart from nothing
    (``Plotly.newPlot``), on every click of the stepper. A custom component
    (``st.components.v2.component``, "CCv2") keeps its user key as its element id
    (``key_as_main_identity=True``): the same element receives the new spec as ``data``, and
    its script calls ``Plotly.react(div, data, layout, config)`` on the div it drew before, so
    plotly.js diffs the figure and redraws only what changed.

Where plotly.js comes from
    The plotly Python package's own ``plotly/package_data/plotly.min.js`` (the pinned plotly's
    plotly.js, nothing fetched off this host), served by Streamlit's static file serving
    (``server.enableStaticServing``, ``.streamlit/config.toml``) from ``static/`` beside
    ``app.py`` at ``/app/static/``. The file is not committed: :func:`plotly_js_ready` copies it
    from the installed package on first use (and after an upgrade of plotly), atomically, so a
    fresh clone, ``scripts/app.sh``, Docker and the tests' servers all serve the plotly.js of
    the environment they run in. Where it cannot be written (a read-only tree) or static
    serving is off, :func:`live_chart` falls back to ``st.plotly_chart``.

What it buys (``python -m benchmarks.roundtrip --breakdown``, main and this back to back,
2026-12-03, load average 1–7, 15 rounds each)
    The page's main-thread CPU per click −27 to −37 % (plotly.js's share −48 to −59 %, e.g.
    129–181 → 67–78 ms), the time from the server's last message to the chart drawn 113–186
    → 126–137 ms; but click → chart updated moved only −27 % to +7 % (medians 290–478 →
    311–348 ms; minimal page 67–85 ms): the server's rerun, the messages and React's
    re-render of the fragment are most of it, so the ratio to a minimal page stays 3.4–5.3×
    (target ≤ 1.5×, issue 10 target 2, not met by this alone).

Safety
    The component's HTML/JS are constants of this module; the figure arrives as data (JSON),
    and plotly.js renders its text as its own pseudo-HTML, as ``st.plotly_chart`` does (the
    figure builders escape user strings, :mod:`ui.pure.text`). The accessible name is set with
    ``setAttribute`` (never parsed as HTML).
"""

from __future__ import annotations

import functools
import json
import os
import tempfile
from pathlib import Path
from typing import Any, Literal

import plotly
import streamlit as st
from plotly.utils import PlotlyJSONEncoder

__all__ = [
    "COMPONENT_NAME",
    "PLOTLY_JS_NAME",
    "STATIC_DIR",
    "STREAMLIT_FONT",
    "live_chart",
    "live_chart_available",
    "live_chart_data",
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

export default function (component) {
  const { data, parentElement } = component;
  let gd = parentElement.querySelector(":scope > .emlab-live-chart");
  if (!gd) {
    gd = document.createElement("div");
    gd.className = "emlab-live-chart";
    gd.setAttribute("role", "figure");
    parentElement.appendChild(gd);
  }
  gd.setAttribute("aria-label", data.alt);
  gd.style.height = data.fill ? "100%" : "";
  gd.style.width = "100%";
  const figure = JSON.parse(data.figure);
  // One update at a time per chart, in the order the reruns sent them.
  gd.__emlabQueue = (gd.__emlabQueue || Promise.resolve())
    .then(() => plotlyLib(data.src))
    .then((Plotly) => {
      if (!gd.__emlabResize && window.ResizeObserver) {
        gd.__emlabResize = new ResizeObserver(() => {
          if (gd._fullLayout) Plotly.Plots.resize(gd);
        });
        gd.__emlabResize.observe(gd);
      }
      return Plotly.react(gd, figure.data, figure.layout, data.config);
    })
    .catch((err) => {
      console.error("EM Lab chart:", err);
      gd.textContent = "This chart could not be drawn: " + err.message;
    });
  return () => {
    if (gd.__emlabResize) gd.__emlabResize.disconnect();
    if (window.Plotly) window.Plotly.purge(gd);
  };
}
"""

_CSS = """
.emlab-live-chart { width: 100%; }
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


def live_chart_data(figure: dict[str, Any], *, alt: str, fill: bool) -> dict[str, Any]:
    """The component's ``data``.

    Parameters
    ----------
    figure : dict
        The figure ``{"data": [...], "layout": {...}}`` (numpy arrays allowed: plotly's JSON
        encoder writes them).
    alt : str
        The chart's accessible name (``aria-label`` of the graph div).
    fill : bool
        Whether the chart fills its box's height (the layout has no height of its own).

    Returns
    -------
    dict
        ``figure`` as a JSON string, ``alt``, ``fill``, plotly's ``config`` and ``src``, the
        URL of plotly.js.
    """
    return {
        "figure": json.dumps(figure, cls=PlotlyJSONEncoder),
        "alt": alt,
        "fill": fill,
        "config": PLOTLY_CONFIG,
        "src": plotly_js_url(),
    }


_component = st.components.v2.component(COMPONENT_NAME, js=_JS, css=_CSS, isolate_styles=False)


def live_chart(
    figure: dict[str, Any], *, key: str, alt: str, height: Literal["content", "stretch"] = "content"
) -> None:
    """Draw ``figure`` (a plain plotly spec, styled already) as a live chart under ``key``:
    the same element and graph div on every rerun, updated by ``Plotly.react``.
    ``height="stretch"`` fills the height the page's CSS gives the chart's box."""
    _component(
        key=key,
        data=live_chart_data(figure, alt=alt, fill=height == "stretch"),
        width="stretch",
        height=height,
    )
