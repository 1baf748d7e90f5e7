"""Lecture mode and presenter keys: large type and high contrast, readable from the back of a
room, and keys a presenter clicker sends (PageDown, PageUp) driving the stepper."""

from __future__ import annotations

import itertools
import re
from typing import Any

import plotly.graph_objects as go
import streamlit as st

from figures.spec import PROJECTOR_FONTS, serialisable

from .keyfocus import relay_keys
from .live_chart import streamlit_theme_layout
from .pure import keys

__all__ = [
    "BASE_CSS",
    "KEYS",
    "LECTURE_CSS",
    "LECTURE_FONT_PX",
    "chart",
    "chart_spec",
    "formula_parts",
    "formulas",
    "key_hint",
    "keyboard_help",
    "lecture_note",
    "lecture_style",
    "live_spec",
    "presentation",
    "streamlit_themed",
]

#: Presenter keys, one source for the buttons (``st.button(shortcut=...)``), their tooltips and
#: the Keyboard help. A clicker sends PageDown/PageUp. Streamlit reserves C and R (even with
#: modifiers), and a focused slider takes Home/End/arrows, hence these letters.
KEYS: dict[str, tuple[str, str]] = {
    "next": ("PageDown", "next half step (E, then M)"),
    "back": ("PageUp", "back: undo the last move"),
    "e_step": ("E", "E-step"),
    "m_step": ("M", "M-step"),
    "step": ("N", "next iteration (E and M)"),
    "play": ("P", "play / pause"),
    "run": ("G", "go: run to convergence"),
    "reset": ("0", "reset to iteration 0"),
    "lecture": ("L", "lecture mode on / off"),
}

#: Contrast fixes for every mode (WCAG AA, ≥ 4.5:1): Streamlit draws captions and widget help
#: at 60 % opacity of the text colour (~4.0:1 on white, ~3.8:1 on the grey sidebar).
BASE_CSS = """
<style>
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] * ,
[data-testid="stWidgetLabel"] small, [data-testid="stMarkdownContainer"] small,
[data-testid="stTooltipHoverTarget"] svg {
    color: #3d3f48 !important; opacity: 1 !important;
}
[data-testid="stMainBlockContainer"] { padding-top: 3rem; }
/* A folded sidebar is off screen: keep keyboard focus out of it (no Tab stops). */
[data-testid="stSidebar"][data-collapsed="true"],
[data-testid="stSidebar"][data-collapsed="true"] * { visibility: hidden !important; }
[data-testid="stMain"] button kbd {
    color: inherit !important; opacity: 1 !important; background: transparent !important;
}
/* Normal mode on a narrow window (1024 px with the sidebar open): the trace beside the chart
   would get ~180 px, too narrow for its ticks and notes, so it goes below the chart. */
@media (max-width: 1100px) {
    [data-testid="stHorizontalBlock"]:has(> [data-testid="stColumn"] .st-key-chart_box) {
        flex-wrap: wrap !important;
    }
    [data-testid="stHorizontalBlock"]:has(> [data-testid="stColumn"] .st-key-chart_box)
        > [data-testid="stColumn"] {
        flex: 1 1 100% !important; width: 100% !important; min-width: 100% !important;
    }
}
/* A wide formula wraps or overflows visibly rather than becoming a scroll box without focus. */
.katex-display { overflow: visible !important; }
[data-testid="stMarkdownContainer"]:has(.katex) { overflow: visible !important; }
[data-testid="stSliderTickBarMin"], [data-testid="stSliderTickBarMax"] {
    color: #3d3f48 !important; opacity: 1 !important;
}
/* Normal mode's first screen (1280×720): a compact heading, scenario row and button rows, and
   a main chart whose height follows the viewport, so the histogram with its curves is on
   screen without scrolling (the chart keeps 640 px from a 840 px high window on). */
[data-testid="stMain"] .st-key-stepper_head { flex-wrap: nowrap !important; }
[data-testid="stMain"] .st-key-stepper_head > div:last-child { flex: 1 1 0; min-width: 0; }
[data-testid="stMain"] .st-key-stepper_head h1 { font-size: 2.25rem; padding: 0; }
[data-testid="stMain"] .st-key-preset_row button, [data-testid="stMain"] .st-key-stepper_buttons
    button { min-height: 2.25rem; padding-top: 0.1rem; padding-bottom: 0.1rem; }
[data-testid="stMain"] .st-key-preset_row { gap: 0.4rem !important; }
[data-testid="stMain"] .st-key-preset_row button { padding-left: 0.5rem; padding-right: 0.5rem; }
[data-testid="stMain"] .st-key-preset_row button p { font-size: 0.875rem; }
[data-testid="stMain"] .st-key-chart_box {
    height: clamp(460px, calc(100vh - 260px), 640px) !important; flex: none !important;
}
</style>
"""

# The chart box takes what the viewport leaves below the heading and the status row, so the
# histogram, the γ panel and the x axis are always on screen (1024×768, 1280×720, …).
LECTURE_CSS = """
<style>
[data-testid="stAppViewContainer"] { color: #000000; }
[data-testid="stMain"] p, [data-testid="stMain"] li, [data-testid="stMain"] label,
[data-testid="stMain"] [data-testid="stMarkdownContainer"] { font-size: 1.45rem !important; }
[data-testid="stMain"] h1 { font-size: 2.6rem !important; padding-top: 0 !important; }
[data-testid="stMain"] h3 { font-size: 1.7rem !important; padding: 0 !important; }
[data-testid="stMain"] .stButton button { font-size: 1.3rem !important; min-height: 3rem; }
[data-testid="stMain"] .st-key-lecture_next button p { font-size: 1.8rem !important; }
[data-testid="stMain"] .st-key-lecture_next button kbd, [data-testid="stMain"] .st-key-lecture_next
    button [data-testid="stButtonShortcut"] { font-size: 0.9rem !important; }
[data-testid="stMain"] .st-key-lecture_next button {
    min-height: 4.2rem; font-weight: 700;
    background: #0b3d91 !important; color: #ffffff !important; border: 3px solid #000 !important;
}
/* The run has ended (converged, or the limit): Next says so, like the status line, in green. */
[data-testid="stMain"] .st-key-lecture_next button:disabled {
    background: #e6f4ea !important; color: #0b5a2a !important;
    border: 3px solid #0b5a2a !important; opacity: 1 !important;
}
/* ... but the iteration limit is not success: amber, as the status line's warning. */
[data-testid="stMain"] .st-key-run_limit .st-key-lecture_next button:disabled {
    background: #fff4e0 !important; color: #7a4500 !important; border-color: #7a4500 !important;
}
[data-testid="stMain"] .st-key-lecture_next button:disabled kbd,
[data-testid="stMain"] .st-key-lecture_next button:disabled [aria-label^="Shortcut"] {
    display: none !important;
}
/* The status line always takes two lines' height (its text centred in them): iteration 0's
   line and "converged at …" wrap at 1024 px, the others do not, and the chart and Next would
   jump by a line at the first click. */
[data-testid="stMain"] .st-key-status_line [data-testid="stMarkdownContainer"] p {
    font-size: 1.4rem !important; line-height: 1.5 !important; margin: 0 !important;
}
[data-testid="stMain"] .st-key-status_line [data-testid="stMarkdownContainer"] {
    min-height: calc(2 * 1.5 * 1.4rem); display: flex; align-items: center;
}
/* Long labels wrap rather than end in "…" at 1024 px (e.g. "Run restarts", "Compare models"). */
[data-testid="stMain"] button [data-testid="stMarkdownContainer"] p {
    white-space: normal !important; overflow: visible !important; text-overflow: clip !important;
}
[data-testid="stMain"] .stButton button { height: auto !important; }
/* What is typed or chosen is as large as the labels beside it. */
[data-testid="stMain"] input, [data-testid="stMain"] [data-baseweb="select"] div,
[data-testid="stMain"] [data-baseweb="tag"] span { font-size: 1.3rem !important; }
[data-testid="stMain"] [data-testid="stMetricValue"] * {
    font-size: clamp(2.25rem, 3vw, 2.6rem) !important; white-space: normal !important;
    overflow: visible !important; text-overflow: clip !important;
}
[data-testid="stMain"] [data-testid="stMetricLabel"] * { font-size: 1.3rem !important; }
[data-testid="stMain"] [data-testid="stTable"] td, [data-testid="stMain"] [data-testid="stTable"] th
    { font-size: 1.3rem !important; }
[data-testid="stMain"] .katex { font-size: 1.45em !important; }
[data-testid="stMain"] .katex-display { margin: 0.15em 0 !important; }
[data-testid="stAlert"] { border: 2px solid #000; }
[data-testid="stMainBlockContainer"] { padding-top: 3rem !important; padding-bottom: 1rem; }
/* The preset's note and the warnings beside the chart: one line each (folded). */
[data-testid="stMain"] :is(.st-key-lecture_watch, .st-key-lecture_messages) button p {
    font-size: 1.25rem !important; white-space: nowrap; overflow: hidden; text-overflow: ellipsis;
}
[data-testid="stMain"] .st-key-lecture_no_messages { visibility: hidden; }
/* Popovers open outside the main area (what to watch, the warnings, the scenarios): their text
   in lecture type too (it was 14-16 px on the projector). */
[data-testid="stPopoverBody"] p, [data-testid="stPopoverBody"] li {
    font-size: 1.3rem !important; line-height: 1.45 !important;
}
[data-testid="stMain"] .st-key-lecture_chart_box {
    height: max(300px, calc(100vh - 15.5rem)) !important; flex: none !important;
}
</style>
"""


def lecture_style(lecture: bool = True) -> None:
    """Inject the contrast fixes of every page, and the lecture-mode CSS when ``lecture``;
    the presenter keys reach their buttons even with a toggle or radio focused."""
    st.html(BASE_CSS + (LECTURE_CSS if lecture else ""))
    relay_keys(key for key, _ in KEYS.values())


def key_hint(action: str) -> str:
    """ " · Key: PageDown" for a tooltip."""
    return f" · Key: {KEYS[action][0]}"


def keyboard_help() -> str:
    """The presenter keys as a Markdown table (no user text in it)."""
    rows = "\n".join(f"| {key} | {what} |" for key, what in KEYS.values())
    return (
        "Keys work with nothing focused (not while typing in a box). A presenter clicker's "
        "forward/back buttons send PageDown/PageUp.\n\n| Key | Does |\n|---|---|\n" + rows
    )


def presentation(fig: go.Figure) -> go.Figure:
    """The same figure with projector-sized type and thicker lines; its horizontal legend, if
    any, moves beside the plot (one column) so it never eats the plot's height."""
    fig.update_layout(
        font={"size": LECTURE_FONT_PX, "color": "#000000"},
        legend={"font": {"size": PROJECTOR_FONTS.legend_px}},
        annotations=[lecture_note(a.to_plotly_json()) for a in fig.layout.annotations],
    )
    fig.update_traces(line={"width": 4}, selector={"type": "scatter", "mode": "lines"})
    return fig


#: The type size of lecture mode's charts (their tick labels); no note on a chart is smaller.
LECTURE_FONT_PX = PROJECTOR_FONTS.tick_px  # the charts' margins are sized for it (figures.spec)


def lecture_note(note: dict) -> dict:
    """An annotation dict in projector type: its font at least :data:`LECTURE_FONT_PX` (a
    note without a size already takes the layout's), a ``yshift`` (notes stacked a line apart)
    scaled with it."""
    size = (note.get("font") or {}).get("size")
    if size is None or size >= LECTURE_FONT_PX:
        return note
    out = _merged(note, {"font": {"size": LECTURE_FONT_PX}})
    if note.get("yshift"):
        out["yshift"] = note["yshift"] * LECTURE_FONT_PX / size
    return out


#: Colours :func:`chart` gives every chart's text (≥ 4.5:1 on white).
FONT_COLOR = "#262730"
TICK_COLOR = "#31333f"


def _merged(old: dict | None, new: dict) -> dict:
    """``old`` updated by ``new``, nested dicts merged (as plotly's ``update`` does)."""
    out = dict(old or {})
    for key, value in new.items():
        out[key] = _merged(out.get(key), value) if isinstance(value, dict) else value
    return out


def streamlit_themed(spec: dict[str, Any], theme: dict[str, Any]) -> dict[str, Any]:
    """``spec`` as ``st.plotly_chart(theme="streamlit")`` draws it: ``theme``
    (:func:`ui.live_chart.streamlit_theme_layout`) merged into its template's layout, which
    the figure's own layout still overrides, and a title in bold. A new dict; ``spec`` is not
    changed."""
    layout = dict(spec.get("layout") or {})
    template = dict(layout.get("template") or {})
    template["layout"] = _merged(template.get("layout"), theme)
    layout["template"] = template
    title = layout.get("title")
    if isinstance(title, str):
        title = {"text": title}
    if isinstance(title, dict) and title.get("text"):
        layout["title"] = {**title, "text": f"<b>{title['text']}</b>"}
    return {**spec, "layout": layout}


def chart_spec(spec: dict, *, lecture: bool) -> dict:
    """What :func:`chart` (and :func:`presentation` in lecture mode) does to a figure, done on
    a plain spec ``{"data": [...], "layout": {...}}`` (a new dict; ``spec`` is not changed):
    the text colours, and in lecture mode the projector type and thicker lines."""
    layout = _merged(spec.get("layout"), {"font": {"color": "#000000" if lecture else FONT_COLOR}})
    axis_style = {"tickfont": {"color": TICK_COLOR}, "title": {"font": {"color": FONT_COLOR}}}
    layout.setdefault("xaxis", {})
    layout.setdefault("yaxis", {})
    for name in list(layout):
        if name.startswith(("xaxis", "yaxis")):
            layout[name] = _merged(layout[name], axis_style)
    data = list(spec.get("data", []))
    if lecture:
        layout = _merged(
            layout,
            {
                "font": {"size": LECTURE_FONT_PX, "color": "#000000"},
                "legend": {"font": {"size": PROJECTOR_FONTS.legend_px}},
            },
        )
        if layout.get("annotations"):
            layout["annotations"] = [lecture_note(a) for a in layout["annotations"]]
        data = [
            _merged(t, {"line": {"width": 4}})
            if t.get("type", "scatter") == "scatter" and t.get("mode") == "lines"
            else t
            for t in data
        ]
    return {"data": data, "layout": layout}


def chart(fig: go.Figure | dict, *, key: str, name: str | None = None, **kwargs) -> None:
    """``st.plotly_chart`` at the full width of the current container; in lecture mode with
    projector type (:func:`presentation`) and without Streamlit's chart theme, which would
    shrink the type again. ``name`` is the chart's accessible name (``alt``); by default the
    figure's title or its key.

    ``fig`` may be a plain spec ``{"data": [...], "layout": {...}}`` (the figure builders'
    ``*_spec`` functions): it is styled as a dict (:func:`chart_spec`) and handed to Streamlit
    as a figure that is only its spec (:func:`figures.spec.serialisable`): no plotly
    validators, no trace objects, no deep copy — most of a click's server time otherwise.
    (The stepper's charts are live charts instead: :func:`live_spec`, :mod:`ui.stepper_charts`.)"""
    lecture = bool(st.session_state.get(keys.LECTURE))
    if isinstance(fig, dict):
        if name is None:
            name = str(fig.get("layout", {}).get("title", {}).get("text") or "") or None
        figure = serialisable(chart_spec(fig, lecture=lecture))
    else:
        if name is None:
            name = fig.layout.title.text or None
        fig.update_layout(font={"color": "#000000" if lecture else FONT_COLOR})
        fig.update_xaxes(tickfont={"color": TICK_COLOR}, title_font={"color": FONT_COLOR})
        fig.update_yaxes(tickfont={"color": TICK_COLOR}, title_font={"color": FONT_COLOR})
        figure = presentation(fig) if lecture else fig
    st.plotly_chart(
        figure,
        key=key,
        width="stretch",
        theme=None if lecture else "streamlit",
        alt=name or key.replace("_", " "),
        **kwargs,
    )


def live_spec(spec: dict, *, lecture: bool) -> dict:
    """A plain spec as a live chart (:mod:`ui.live_chart`) draws it: styled as :func:`chart`
    styles it (:func:`chart_spec`), Streamlit's chart theme written in (normal mode: the
    browser does not apply it to a custom component), numpy arrays as plotly.js typed arrays.
    A new dict; ``spec`` is not changed."""
    styled = chart_spec(spec, lecture=lecture)
    if not lecture:
        styled = streamlit_themed(styled, _streamlit_theme())
    return serialisable(styled).to_dict()


def _streamlit_theme() -> dict:
    """Streamlit's chart theme for this app's theme options (``.streamlit/config.toml``)."""
    return streamlit_theme_layout(
        background=st.get_option("theme.backgroundColor") or "#ffffff",
        border=st.get_option("theme.borderColor") or "#d5dae5",
        heading=st.get_option("theme.textColor") or "#31333f",
    )


def formula_parts(line: str) -> list[str]:
    """A LaTeX line cut where it may wrap: at each ", \\quad", ", \\qquad" or ", \\ " (separate
    formulas or a list of values, which keep their comma) and before each "=" outside braces
    after the first (a chain a = b = c)."""
    parts: list[str] = []
    pieces = [p.strip() for p in re.split(r",\\(?:q?quad|\s)", line)]
    for i, piece in enumerate(pieces):
        depth, cuts, seen = 0, [], 0
        for j, ch in enumerate(piece):
            depth += ch == "{"
            depth -= ch == "}"
            if ch == "=" and depth == 0:
                seen += 1
                if seen > 1:
                    cuts.append(j)
        bounds = [0, *cuts, len(piece)]
        chunks = [piece[a:b].strip() for a, b in itertools.pairwise(bounds)]
        if i < len(pieces) - 1:
            chunks[-1] += ","
        parts.extend(c for c in chunks if c)
    return parts


def formulas(*lines: str) -> None:
    """LaTeX formulas that wrap to the width (see :func:`formula_parts`): the parts of a
    line flow in a row that breaks onto the next line when the page is narrow."""
    for line in lines:
        with st.container(horizontal=True, gap="medium", vertical_alignment="center"):
            for part in formula_parts(line):
                st.latex(part, width="content")
