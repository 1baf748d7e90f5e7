"""Figures from plain dicts: the spec is built as dicts and lists, and plotly's validators are
skipped when it becomes a ``go.Figure``.

Validating a figure (``go.Figure(spec)``, ``make_subplots``, ``add_trace``) costs 20–110 ms for
the stepper's charts, most of a click's server time; a figure made from the same dict without
validation costs 1–3 ms, and ``st.plotly_chart`` only calls its ``to_dict()``. The specs are
checked by the tests instead: each builder's output is validated there (``go.Figure(spec)``), so
a misspelt key fails a test rather than the browser.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache, wraps
from inspect import signature
from typing import Any, ParamSpec

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio

__all__ = [
    "BOTTOM_MARGIN",
    "PROJECTOR_FONTS",
    "SCREEN_FONTS",
    "TEMPLATE",
    "ChartFonts",
    "centre_note",
    "figure_builder",
    "left_margin",
    "legend_side_margin",
    "legend_top_margin",
    "serialisable",
    "spec_of",
    "template",
    "text_px",
    "tick_label_chars",
    "trace_object",
    "typed_array",
    "typed_arrays",
    "unvalidated",
]

P = ParamSpec("P")

#: The template of every figure built here (plotly's ``plotly_white``).
TEMPLATE = "plotly_white"


@lru_cache(maxsize=4)
def _template_json(name: str) -> dict[str, Any]:
    return pio.templates[name].to_plotly_json()


def template(name: str = TEMPLATE) -> dict[str, Any]:
    """The named plotly template as a plain dict (what ``template=name`` expands to when a
    figure is validated).

    One dict shared by every figure (deep-copying its ~7 KB on every chart of every click cost
    ~0.6 ms): read it, never change it. A figure that needs a different template sets its own
    ``layout["template"]``; :func:`serialisable` and :func:`ui.lecture.chart_spec` leave it as
    it is.
    """
    return _template_json(name)


def unvalidated(spec: dict[str, Any]) -> go.Figure:
    """``go.Figure`` of a plain spec ``{"data": [...], "layout": {...}}`` without validation.

    Uses plotly's private ``_validate=False`` flag of ``go.Figure`` (plotly 7.1.0, pinned in
    requirements.txt): the figure holds the dicts as given; ``fig.data[i].y``,
    ``fig.layout.yaxis.range`` etc. read them as usual, and ``to_dict()`` / ``to_json()``
    serialise them (numpy arrays as base64 typed arrays). ``None`` values in the layout are
    dropped (plotly leaves such properties unset). A spec is only as valid as its builder:
    tests validate each builder's output with ``go.Figure(spec)``.
    """
    layout = {k: v for k, v in spec.get("layout", {}).items() if v is not None}
    return go.Figure({"data": list(spec.get("data", [])), "layout": layout}, _validate=False)


def centre_note(text: str, *, xref: str = "paper", yref: str = "paper") -> dict[str, Any]:
    """A grey note in the middle of the plot (``xref``/``yref``: which area), e.g. "no runs
    yet" on an empty chart, as an annotation dict (``fig.add_annotation(**note)``)."""
    return {
        "text": text,
        "xref": xref,
        "yref": yref,
        "x": 0.5,
        "y": 0.5,
        "showarrow": False,
        "font": {"color": "#666", "size": 13},
    }


def spec_of(
    data: list[dict[str, Any]],
    layout: dict[str, Any],
    *,
    annotations: list[dict[str, Any]] | None = None,
    shapes: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The spec ``{"data": data, "layout": layout}``; the layout's ``annotations`` and
    ``shapes`` are set only when there are some (as plotly leaves them unset)."""
    if annotations:
        layout["annotations"] = annotations
    if shapes:
        layout["shapes"] = shapes
    return {"data": data, "layout": layout}


def figure_builder(build_spec: Callable[P, dict[str, Any]]) -> Callable[P, go.Figure]:
    """The figure builder of a spec builder: same parameters and documentation, returning
    ``unvalidated(build_spec(...))``, the figure without plotly's validation (the tests
    validate the spec).

    Named after the spec builder without its ``_spec`` and with ``_figure`` (``trace_figure``
    of ``trace_figure_spec``, ``aitken_trace_figure`` of ``aitken_trace_spec``).
    """

    @wraps(build_spec)
    def build(*args: P.args, **kwargs: P.kwargs) -> go.Figure:
        return unvalidated(build_spec(*args, **kwargs))

    stem = build_spec.__name__.removesuffix("_spec")
    build.__name__ = stem if stem.endswith("_figure") else f"{stem}_figure"
    build.__qualname__ = build.__name__
    build.__doc__ = (
        f"``{build_spec.__name__}(...)`` as a ``go.Figure`` built without validation "
        f"(:func:`figures.spec.unvalidated`).\n\n    {build_spec.__doc__ or ''}"
    )
    build.__annotations__ = {**build_spec.__annotations__, "return": "go.Figure"}
    build.__signature__ = signature(build_spec).replace(  # type: ignore[attr-defined]
        return_annotation="go.Figure"
    )
    return build


class _SpecFigure(go.Figure):
    """A figure that is only its spec, for a consumer that calls ``to_dict()`` and nothing
    else (``st.plotly_chart``): no trace or layout objects are built."""

    def __init__(self, spec: dict[str, Any]) -> None:  # no go.Figure.__init__: nothing built
        self._spec = spec

    def to_dict(self) -> dict[str, Any]:
        return self._spec


def serialisable(spec: dict[str, Any]) -> go.Figure:
    """What :func:`unvalidated` gives ``st.plotly_chart`` — the same ``to_dict()`` — without
    building the figure's objects and deep-copying them (~10 ms a chart on every click).

    Only ``to_dict()`` works on the result. The spec's dicts are converted in place (numpy
    arrays become plotly.js typed arrays, as ``go.Figure.to_dict`` does: :func:`typed_arrays`):
    hand it a spec built for this one chart (``ui.lecture.chart_spec`` makes a new one).
    """
    layout = {k: v for k, v in spec.get("layout", {}).items() if v is not None}
    shared_template = layout.pop("template", None)  # plain values, no arrays: not walked
    # "type" last in each trace, as a go.Figure's to_dict() writes it: the same bytes.
    data = [
        {**{k: v for k, v in trace.items() if k != "type"}, "type": trace.get("type", "scatter")}
        for trace in spec.get("data", [])
    ]
    result = {"data": data, "layout": layout}
    typed_arrays(result)
    if shared_template is not None:
        layout["template"] = shared_template
    return _SpecFigure(result)


#: numpy dtype → plotly.js typed-array dtype (plotly.js's "typed array spec").
TYPED_ARRAY_DTYPES = {
    "int8": "i1",
    "uint8": "u1",
    "int16": "i2",
    "uint16": "u2",
    "int32": "i4",
    "uint32": "u4",
    "float32": "f4",
    "float64": "f8",
}
#: Keys whose arrays plotly.js reads as plain lists (plotly's own encoder skips them too).
PLAIN_ARRAY_KEYS = frozenset({"geojson", "layer", "layers", "range"})


def narrowest_int(values: np.ndarray) -> np.ndarray:
    """A 64-bit integer array in the narrowest type of its sign that holds its values (plotly.js
    has no 64-bit integer arrays); unchanged when none does."""
    low, high = int(values.min()), int(values.max())
    kinds = (
        ("int8", "int16", "int32") if values.dtype.kind == "i" else ("uint8", "uint16", "uint32")
    )
    for kind in kinds:
        info = np.iinfo(kind)
        if info.min <= low and high <= info.max:
            return values.astype(kind)
    return values


def typed_array(values: np.ndarray) -> dict[str, str] | np.ndarray:
    """``values`` (shape (n,) or (n, m)) as a plotly.js typed array ``{"dtype", "bdata"[,
    "shape"]}``: its bytes in base64, as ``plotly.io.to_json`` writes numpy arrays; unchanged
    when plotly.js has no typed array for it (empty, object or 64-bit integers out of range,
    non-native byte order)."""
    if values.size == 0 or not values.dtype.isnative:
        return values
    if values.dtype.kind in "iu" and values.dtype.itemsize == 8:
        values = narrowest_int(values)
    code = TYPED_ARRAY_DTYPES.get(values.dtype.name)
    if code is None:
        return values
    spec = {"dtype": code, "bdata": base64.b64encode(np.ascontiguousarray(values)).decode("ascii")}
    if values.ndim > 1:
        spec["shape"] = ", ".join(str(n) for n in values.shape)
    return spec


def typed_arrays(node: Any) -> None:
    """Every numpy array held by a dict in ``node`` (nested dicts, lists and tuples) replaced
    in place by its :func:`typed_array`, except under :data:`PLAIN_ARRAY_KEYS` — what
    ``go.Figure.to_dict`` does to a figure's arrays (plotly's private ``convert_to_base64``;
    the tests check both agree)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in PLAIN_ARRAY_KEYS:
                continue
            if isinstance(value, np.ndarray):
                node[key] = typed_array(value)
            else:
                typed_arrays(value)
    elif isinstance(node, list | tuple):
        for value in node:
            typed_arrays(value)


def trace_object(trace: dict[str, Any]) -> go.BaseTraceType:
    """A validated ``go`` trace (``go.Bar``, ``go.Scatter``, …) from a trace dict with its
    ``"type"``, for figures still assembled from trace objects."""
    props = dict(trace)
    kind = props.pop("type")
    cls = {"bar": go.Bar, "scatter": go.Scatter}.get(kind)
    if cls is None:
        raise ValueError(f"no trace class for type {kind!r}")
    return cls(props)


# --------------------------------------------------------------------------- margins
# Margins sized for what will be drawn in them. A chart whose margins are too small for its tick
# labels or legend is drawn twice by plotly.js (``automargin`` pushes the margin, then the whole
# plot is redrawn), and Streamlit draws a new chart on every rerun that changes it: with margins
# sized here each chart is drawn once instead of two or three times. The estimates are on the
# generous side (a margin a few pixels too wide costs nothing); where one falls short,
# ``automargin`` (plotly_white's default) still makes room, so a label is never cut off, only
# drawn twice.


@dataclass(frozen=True)
class ChartFonts:
    """The type a chart is drawn in, in pixels, which its margins must hold: tick labels,
    axis titles, legend entries, and the gap plotly leaves between a y title and the plot."""

    tick_px: float
    title_px: float
    legend_px: float
    title_standoff_px: float


#: Streamlit's chart theme (``theme="streamlit"``, measured in chromium, Streamlit 1.67): tick
#: labels and legend 12 px, axis titles 14 px, 24 px between an axis title and the plot.
SCREEN_FONTS = ChartFonts(tick_px=12, title_px=14, legend_px=12, title_standoff_px=24)
#: Lecture mode (``ui.lecture.chart_spec``, the one source of these sizes there: the layout's
#: font 19 px, the legend's 18 px, no Streamlit theme). Without the theme plotly puts a y title
#: nearer its tick labels: the left margins it settled on in chromium (stepper, five scenarios,
#: 1280×720 and 1024×768) needed 40 px or less beside the labels' estimate, 45 px here.
PROJECTOR_FONTS = ChartFonts(tick_px=19, title_px=19, legend_px=18, title_standoff_px=14)
#: A character of a chart's text is ~0.46 em wide, counted here as 0.55 em.
CHAR_EM = 0.55
#: The bottom margin an x axis with tick labels and a one-line title takes (plotly's
#: automargin pushes it to 67 px with Streamlit's theme, and in lecture mode).
BOTTOM_MARGIN = 68
#: The plot width a top legend is laid out for: the stepper's main chart in a 1280 px window.
TOP_LEGEND_WIDTH_PX = 480
_LEGEND_ITEM_PX = 40  # symbol and gaps of one legend entry
_LABEL_PAD_PX = 12  # tick label to axis line, and around the title
_LEGEND_ROW_PX = 29
_LEGEND_TOP_PX = 17


def tick_label_chars(low: float, high: float, *, power: bool = False) -> int:
    """Characters in the widest tick label plotly's automatic ticks (about ten on the axis)
    draw on an axis from ``low`` to ``high``.

    A step of span/10 rounded down to a power of ten gives the decimals (plotly's step is a
    1-2-5 multiple of at least that, so it needs no more); thousands separators and the minus
    sign count. ``power`` (``exponentformat="power"``): values below 10⁻³ or from 10⁴ on are
    written as a mantissa × 10 to a power (plotly's rule), counted as eight characters."""
    if not (math.isfinite(low) and math.isfinite(high)) or high <= low:
        return 6
    big = max(abs(low), abs(high))
    if power and big > 0 and not 1e-3 <= big < 1e4:
        return 8
    step = 10.0 ** math.floor(math.log10((high - low) / 10))
    decimals = max(0, -math.floor(math.log10(step)))
    return len(f"{-big if low < 0 else big:,.{decimals}f}")


def text_px(chars: int, font_px: float = SCREEN_FONTS.tick_px) -> float:
    """Width in pixels of ``chars`` characters of text at ``font_px`` (generous)."""
    return chars * CHAR_EM * font_px


def left_margin(chars: int, fonts: ChartFonts = SCREEN_FONTS) -> int:
    """The left margin of a y axis whose widest tick label has ``chars`` characters, with its
    title (one line, rotated) beside the labels, in the type ``fonts``."""
    return math.ceil(
        text_px(chars, fonts.tick_px) + fonts.title_standoff_px + fonts.title_px + _LABEL_PAD_PX
    )


def _entry_px(name: str, font_px: float) -> float:
    return text_px(len(name), font_px) + _LEGEND_ITEM_PX


def legend_top_margin(names: Iterable[str], width_px: float = TOP_LEGEND_WIDTH_PX) -> int:
    """The top margin of a horizontal legend above the plot with entries ``names``, laid out
    in rows of ``width_px`` (as plotly wraps it), in Streamlit's chart theme (lecture mode puts
    the legend beside the plot: :func:`legend_side_margin`)."""
    rows, used = 1, 0.0
    for name in names:
        entry = _entry_px(name, SCREEN_FONTS.legend_px)
        if used and used + entry > width_px:
            rows, used = rows + 1, 0.0
        used += entry
    return _LEGEND_TOP_PX + _LEGEND_ROW_PX * rows


def legend_side_margin(
    names: Iterable[str], title: str = "", fonts: ChartFonts = SCREEN_FONTS
) -> int:
    """The right margin of a one-column legend beside the plot with entries ``names`` under
    ``title``, in the type ``fonts``."""
    px = fonts.legend_px
    widest = max([_entry_px(n, px) for n in names] + [text_px(len(title), px)], default=0.0)
    return math.ceil(widest + 10)
