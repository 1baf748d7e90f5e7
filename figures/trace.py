"""The log-likelihood trace: log L(θ_t) per iteration, the current one marked."""

from __future__ import annotations

import math

import numpy as np

from gmm_core.convergence import decreases  # one rule for "log L went down", re-exported

from .notation import log_l
from .spec import (
    BOTTOM_MARGIN,
    SCREEN_FONTS,
    ChartFonts,
    figure_builder,
    left_margin,
    spec_of,
    template,
    text_px,
    tick_label_chars,
)

__all__ = [
    "CORNER_NOTE",
    "FLAT_REL",
    "NOTES_BELOW_MAX",
    "NOTE_FONT_PX",
    "TRACE_MAX_TICKS",
    "corner_note",
    "decreases",
    "iteration_dtick",
    "log_l_range",
    "note_line_px",
    "trace_figure",
    "trace_figure_spec",
    "trace_max_ticks",
]

DECREASE_COLOR = "#C00000"
CONVERGED_COLOR = "#007A58"  # the "converged at" line's green, dark enough for text on white
#: The y axis spans at least this fraction of |log L|: changes smaller than ~1e-6 of |log L|
#: (rounding, or a converged run) are drawn flat, never as a climb.
FLAT_REL = 1e-6
#: A single value (θ₀ alone, before the first step) gets a y range this wide (nats, log L's
#: unit), so its ticks are whole numbers ("−3,370"). The flat range of one value labelled them
#: to the thousandth ("−3,369.174"), which took the plot's width in the trace's narrow column
#: (21 px of a lecture trace at 1024 px, 73 px after the first step: the plot jumped sideways).
SINGLE_SPAN = 10.0
#: At most this many iteration ticks: they stay horizontal even on the narrow trace column.
TRACE_MAX_TICKS = 4
#: Notes that can stand below a lecture trace at once (``notes_below``): θ₀'s log L, and
#: "converged at" or the "limit ≈" of Aitken's rule (never both). The chart keeps room for
#: this many from the start, so it does not grow and shrink while notes come and go (what is
#: below it jumped 25-50 px between steps, and fell below a 720 px screen).
NOTES_BELOW_MAX = 2
#: The notes' type size (lecture mode raises it to its tick size, ui.lecture.chart_spec).
NOTE_FONT_PX = 12
X_TITLE = "iteration t"
#: The name of the notes stacked in the plot's lower-right corner (below the data there:
#: log L rises, so that corner is empty; away from the y tick labels and the current marker).
CORNER_NOTE = "corner note"
#: The height of one note line in the largest type (lecture mode), for the room made for it.
_NOTE_LINE_PX = 26
#: The y range's padding around the data, as a fraction of the span (the current iteration's
#: marker stays whole inside the plot).
Y_PAD = 0.1


def trace_figure_spec(
    log_likelihoods: np.ndarray,
    *,
    current: int,
    converged_at: int | None = None,
    height: int = 300,
    fonts: ChartFonts = SCREEN_FONTS,
    notes_below: bool = False,
) -> dict:
    """log L per iteration.

    Parameters
    ----------
    log_likelihoods : ndarray, shape (T + 1,)
        log L(θ_t) for t = 0..T (every iteration computed so far).
    current : int
        The iteration on screen, marked.
    converged_at : int, optional
        Iteration at which the convergence rule was met, marked.
    height : int
        Pixels.
    fonts : ChartFonts
        The type it will be drawn in (:data:`figures.spec.PROJECTOR_FONTS` in lecture mode):
        the margins hold its tick labels and titles, so plotly draws it once.
    notes_below : bool
        The notes ("converged at", θ₀'s log L) below the x axis's title instead of inside the
        plot's corner: for a narrow plot in projector type (:func:`corner_note`).

    Returns
    -------
    dict
        The spec ``{"data": [...], "layout": {...}}`` as plain dicts; traces: "log L" (line),
        "current", and "decrease" when log L ever dropped. :func:`trace_figure` makes it a
        figure.
    """
    ll = np.asarray(log_likelihoods, dtype=np.float64)
    t = np.arange(ll.size)
    data = [
        {
            "type": "scatter",
            "x": t,
            "y": ll,
            "mode": "lines+markers",
            "name": "log L",
            "line": {"color": "#0072B2", "width": 2},
            "marker": {"size": 5},
            "customdata": [log_l(float(v)) for v in ll],  # one format: notation.log_l
            "hovertemplate": "iteration %{x}<br>log L = %{customdata}<extra></extra>",
        }
    ]
    annotations: list[dict] = []
    shapes: list[dict] = []
    if 0 <= current < ll.size:
        data.append(
            {
                "type": "scatter",
                "x": [int(current)],
                "y": [float(ll[current])],
                "mode": "markers",
                "name": "current",
                "marker": {"size": 14, "color": "#E69F00", "line": {"color": "#222", "width": 1.5}},
                "cliponaxis": False,  # whole even at the last iteration, on the plot's edge
                "customdata": [log_l(float(ll[current]))],
                "hovertemplate": "iteration %{x} (on screen)<br>log L = %{customdata}"
                "<extra></extra>",
            }
        )
    bad = decreases(ll)
    if bad.size:
        data.append(
            {
                "type": "scatter",
                "x": bad,
                "y": ll[bad],
                "mode": "markers",
                "name": "decrease",
                "marker": {"size": 13, "color": DECREASE_COLOR, "symbol": "x"},
                "hovertemplate": "log L DECREASED at iteration %{x}<extra></extra>",
            }
        )
        annotations.append(
            {
                "x": int(bad[0]),
                "y": float(ll[bad[0]]),
                "text": "log L decreased: EM never does this",
                "font": {"color": DECREASE_COLOR},
                "showarrow": True,
                "arrowcolor": DECREASE_COLOR,
            }
        )
    if converged_at is not None:  # what fig.add_vline(annotation_text=...) draws
        shapes.append(
            {
                "type": "line",
                "x0": converged_at,
                "x1": converged_at,
                "xref": "x",
                "y0": 0,
                "y1": 1,
                "yref": "y domain",
                "line": {"color": "#009E73", "width": 2, "dash": "dash"},
            }
        )
    last = max(int(ll.size) - 1, 1)
    focus = _focus_range(ll)
    shown = ll if focus is None else ll[1:]
    y_range = log_l_range(shown, focus)
    # Room for the y tick labels and the x axis, so that plotly draws the chart once.
    chars = tick_label_chars(*y_range) if y_range is not None else 6
    # Below the x title, room for every note that may come (corner_note(below=True)).
    room = NOTES_BELOW_MAX * note_line_px(fonts) if notes_below else 0
    layout = {
        "height": height + room,
        "template": template(),
        "showlegend": False,
        "margin": {
            "l": left_margin(chars, fonts),
            # Half the x title: the title is whole when the plot is narrower than it.
            "r": math.ceil(text_px(len(X_TITLE), fonts.title_px) / 2),
            "t": 30,
            "b": BOTTOM_MARGIN + room,
        },
        "uirevision": "trace",
        "xaxis": {
            "title": {"text": X_TITLE},
            "range": [-0.5, last + 0.5],
            "tick0": 0,
            "dtick": iteration_dtick(last, trace_max_ticks(fonts)),
            "tickangle": 0,
        },
        "yaxis": {
            "title": {"text": "log L(θ<sub>t</sub>)"},
            "range": y_range,
            "separatethousands": True,
            "exponentformat": "none",
        },
    }
    spec = spec_of(data, layout, annotations=annotations, shapes=shapes)
    if converged_at is not None:
        corner_note(spec, f"converged at {converged_at}", CONVERGED_COLOR, fonts, below=notes_below)
    if focus is not None:
        where = "θ₀:" if notes_below else "θ₀ below:"  # below: as short as it can be
        corner_note(
            spec, f"↓ {where} log L = {log_l(float(ll[0]))}", "#3d3f48", fonts, below=notes_below
        )
    return spec


trace_figure = figure_builder(trace_figure_spec)


def corner_note(
    spec: dict, text: str, color: str, fonts: ChartFonts = SCREEN_FONTS, *, below: bool = False
) -> dict:
    """``spec`` (a trace spec, changed in place and returned) with ``text`` as one more note,
    stacked with the notes already there.

    Inside the plot (``below`` False): in its lower-right corner, the y range lowered by a line
    so that the notes sit below the data (the left margin widened for its new tick labels, in
    the type ``fonts``). Below the x axis's title (``below`` True: a narrow plot in projector
    type, where a note inside would run over the y tick labels): a line of ``fonts`` each,
    flush with the figure's right edge, in the room ``trace_figure_spec(notes_below=True)``
    keeps below the plot for :data:`NOTES_BELOW_MAX` notes."""
    layout = spec["layout"]
    notes = layout.setdefault("annotations", [])
    above = sum(1 for a in notes if a.get("name") == CORNER_NOTE)
    note = {
        "name": CORNER_NOTE,
        "text": text,
        "showarrow": False,
        "xref": "paper",
        "x": 1,
        "xanchor": "right",
    }
    margin = layout.setdefault("margin", {})
    if below:
        notes.append(
            {
                **note,
                "xshift": int(margin.get("r", 0)),  # to the figure's right edge
                "yref": "paper",
                "y": 0,
                "yanchor": "top",
                "yshift": -(BOTTOM_MARGIN + above * note_line_px(fonts)),
                "font": {"size": fonts.tick_px, "color": color},
            }
        )
        return spec
    notes.append(
        {
            **note,
            "yref": "y domain",
            "y": 0,
            "yanchor": "bottom",
            "yshift": above * round(1.3 * NOTE_FONT_PX),  # scaled with the font in lecture mode
            "font": {"size": NOTE_FONT_PX, "color": color},
        }
    )
    yaxis = layout.get("yaxis", {})
    if yaxis.get("range") is not None:
        yaxis["range"] = lowered_range(yaxis["range"], int(layout.get("height", 300)))
        wide = left_margin(tick_label_chars(*yaxis["range"]), fonts)
        margin["l"] = max(int(margin.get("l", 0)), wide)
    return spec


def lowered_range(y_range: list[float], height: int) -> list[float]:
    """``y_range`` extended downwards by one note line (:data:`_NOTE_LINE_PX`) of a chart
    ``height`` pixels high (its plot: the height less the top and bottom margins)."""
    low, high = (float(v) for v in y_range)
    plot_px = max(height - 30 - BOTTOM_MARGIN, 4 * _NOTE_LINE_PX)
    share = _NOTE_LINE_PX / plot_px
    return [high - (high - low) / (1.0 - share), high]


def note_line_px(fonts: ChartFonts) -> int:
    """The height of one note line below a trace, in the type ``fonts``."""
    return round(1.3 * fonts.tick_px)


def trace_max_ticks(fonts: ChartFonts) -> int:
    """How many iteration ticks the trace's narrow column holds in the type ``fonts``:
    :data:`TRACE_MAX_TICKS` at the screen's size, fewer in larger type (3 in projector type,
    where "0 200 400 600" ran together)."""
    return max(2, math.floor(TRACE_MAX_TICKS * SCREEN_FONTS.tick_px / fonts.tick_px + 0.5))


def iteration_dtick(last: int, max_ticks: int = 8) -> int:
    """A round step (1, 2, 5, 10, 20, 50, …) giving at most ``max_ticks`` ticks on 0..last."""
    step = 1
    while last / step > max_ticks:
        for factor in (2, 5, 10):
            if last / (step * factor) <= max_ticks:
                return step * factor
        step *= 10
    return step


def log_l_range(shown: np.ndarray, focus: list[float] | None = None) -> list[float] | None:
    """The trace's y range: ``focus`` or plotly's own, but never narrower than
    ``FLAT_REL`` × |log L| around the values, so a rise below that looks flat (one value alone:
    ``SINGLE_SPAN``, so its ticks are whole numbers)."""
    values = np.asarray(shown, dtype=np.float64)
    values = values[np.isfinite(values)]
    if values.size == 0:
        return focus
    low, high = focus if focus is not None else (float(values.min()), float(values.max()))
    span = high - low
    floor = FLAT_REL * float(np.max(np.abs(values))) + 1e-12
    if values.size == 1:
        floor = max(floor, SINGLE_SPAN / 2)
    if span >= floor and focus is not None:
        return focus
    if span >= floor:
        pad = Y_PAD * span
        return [low - pad, high + pad]
    centre = 0.5 * (low + high)
    return [centre - floor, centre + floor]


def _focus_range(ll: np.ndarray) -> list[float] | None:
    """A y range that shows the approach to convergence: when the first step's jump dwarfs the
    rest, start just below log L(θ_1) (θ_0's point is then off the bottom, its value in hover)."""
    if ll.size < 3 or not np.all(np.isfinite(ll)):
        return None
    rest = float(ll[1:].max() - ll[1:].min())
    first = float(ll[1] - ll[0])
    if not first > 5 * max(rest, 1e-12):
        return None
    pad = max(0.15, Y_PAD) * max(rest, 1e-9 * abs(float(ll[-1])), 1e-9)
    return [float(ll[1:].min()) - pad, float(ll[1:].max()) + pad]
