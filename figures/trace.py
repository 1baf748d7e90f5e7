"""The log-likelihood trace: log L(θ_t) per iteration, the current one marked."""

from __future__ import annotations

import numpy as np

from gmm_core.convergence import decreases  # one rule for "log L went down", re-exported

from .notation import log_l
from .spec import BOTTOM_MARGIN, figure_builder, left_margin, spec_of, template, tick_label_chars

__all__ = [
    "FLAT_REL",
    "decreases",
    "iteration_dtick",
    "log_l_range",
    "trace_figure",
    "trace_figure_spec",
]

DECREASE_COLOR = "#C00000"
#: The y axis spans at least this fraction of |log L|: changes smaller than ~1e-6 of |log L|
#: (rounding, or a converged run) are drawn flat, never as a climb.
FLAT_REL = 1e-6


def trace_figure_spec(
    log_likelihoods: np.ndarray,
    *,
    current: int,
    converged_at: int | None = None,
    height: int = 300,
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
        annotations.append(
            {
                "text": f"converged at {converged_at}",
                "showarrow": False,
                "x": converged_at,
                "xref": "x",
                "xanchor": "right",
                "y": 1,
                "yref": "y domain",
                "yanchor": "top",
            }
        )
    last = max(int(ll.size) - 1, 1)
    focus = _focus_range(ll)
    shown = ll if focus is None else ll[1:]
    if focus is not None:
        annotations.append(
            {
                "xref": "paper",
                "x": 1,
                "y": focus[0],
                "yanchor": "bottom",
                "xanchor": "right",
                "showarrow": False,
                "text": f"↓ θ₀ below: log L = {log_l(float(ll[0]))}",
                "font": {"size": 12, "color": "#3d3f48"},
                "bgcolor": "rgba(255,255,255,0.85)",
            }
        )
    y_range = log_l_range(shown, focus)
    # Room for the y tick labels and the x axis, so that plotly draws the chart once.
    chars = tick_label_chars(*y_range) if y_range is not None else 6
    layout = {
        "height": height,
        "template": template(),
        "showlegend": False,
        "margin": {"l": left_margin(chars), "r": 20, "t": 30, "b": BOTTOM_MARGIN},
        "uirevision": "trace",
        "xaxis": {
            "title": {"text": "iteration t"},
            "range": [-0.5, last + 0.5],
            "tick0": 0,
            "dtick": iteration_dtick(last),
        },
        "yaxis": {
            "title": {"text": "log L(θ<sub>t</sub>)"},
            "range": y_range,
            "separatethousands": True,
            "exponentformat": "none",
        },
    }
    return spec_of(data, layout, annotations=annotations, shapes=shapes)


trace_figure = figure_builder(trace_figure_spec)


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
    ``FLAT_REL`` × |log L| around the values, so a rise below that looks flat."""
    values = np.asarray(shown, dtype=np.float64)
    values = values[np.isfinite(values)]
    if values.size == 0:
        return focus
    low, high = focus if focus is not None else (float(values.min()), float(values.max()))
    span = high - low
    floor = FLAT_REL * float(np.max(np.abs(values))) + 1e-12
    if span >= floor and focus is not None:
        return focus
    if span >= floor:
        pad = 0.08 * span
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
    pad = 0.15 * max(rest, 1e-9 * abs(float(ll[-1])), 1e-9)
    return [float(ll[1:].min()) - pad, float(ll[1:].max()) + pad]
