"""A whole EM run as a plotly animation, and as a standalone HTML file that plays offline.

The figure holds the histogram (grey density bars), the true components (dashed, when known)
and, per iteration t = 0..T, one frame that moves the weighted components π_k N(x | μ_k, σ_k²)
and the mixture f(x) and retitles the plot "iteration t · log L = …". A slider (one step per
frame) and Play/Pause buttons drive it; the axes stay fixed over all frames.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from gmm_core.binning import curve_grid
from gmm_core.params import MixtureParams

from .mixture import (
    GRID_POINTS,
    curve_traces,
    density_axis_top,
    display_values,
    truth_traces,
)
from .notation import log_l, subscript

__all__ = [
    "ANIMATION_VALUE_BUDGET",
    "MIN_CURVE_POINTS",
    "frame_iterations",
    "histogram_outline",
    "run_animation_figure",
    "run_animation_html",
]

#: Curve values (over all frames) the animation carries at most, before the grid shrinks to
#: ``MIN_CURVE_POINTS``: float32 in base64, ~0.8 MB. Short runs keep the full 300-point grid.
ANIMATION_VALUE_BUDGET = 150_000
#: The coarsest grid a curve is drawn on.
MIN_CURVE_POINTS = 60
#: A whole run plays in about this long (each frame 40 to 400 ms).
_PLAY_MS = 12_000


def frame_iterations(n_iterations: int, max_frames: int) -> np.ndarray:
    """The iterations that get a frame, shape (F,): all of 0..n−1 when ``n_iterations`` ≤
    ``max_frames``, otherwise ``max_frames`` of them evenly spaced, first and last included."""
    if n_iterations <= max_frames:
        return np.arange(n_iterations)
    spaced = np.round(np.linspace(0, n_iterations - 1, max(max_frames, 2))).astype(int)
    return np.unique(spaced)


def histogram_outline(edges: np.ndarray, counts: np.ndarray) -> go.Scatter:
    """The histogram as a density, drawn as one filled step line (a scatter trace).

    Bars would vanish while frames play: plotly clears bar traces when it animates frames
    without a full redraw, and a full redraw per frame makes them flicker. A step line stays.
    """
    n_points = max(int(counts.sum()), 1)
    width = float(edges[-1] - edges[0]) / max(edges.size - 1, 1)
    density = counts / (n_points * width)
    return go.Scatter(
        x=edges,
        y=display_values(np.append(density, density[-1:])),
        mode="lines",
        line={"shape": "hv", "color": "rgba(120,120,120,0.9)", "width": 1},
        fill="tozeroy",
        fillcolor="rgba(140,140,140,0.35)",
        name="histogram",
        hovertemplate="x = %{x:.4g}<br>density %{y:.4g}<extra>histogram</extra>",
    )


def _title(t: int, log_likelihood: float) -> str:
    return f"iteration {t} · log L = {log_l(float(log_likelihood))}"


def run_animation_figure(
    edges: np.ndarray,
    counts: np.ndarray,
    history: Sequence[MixtureParams],
    log_likelihoods: np.ndarray,
    *,
    truth: MixtureParams | None = None,
    x_label: str = "x",
    max_frames: int = 500,
    height: int = 560,
) -> go.Figure:
    """The EM run θ_0, θ_1, …, θ_T as plotly frames over the data's histogram.

    Parameters
    ----------
    edges, counts : ndarray, shapes (B + 1,) and (B,)
        The data's histogram (equal-width bin edges, points per bin), drawn as grey density
        bars behind every frame.
    history : sequence of MixtureParams, length T + 1
        θ_t for t = 0..T, all with the same K.
    log_likelihoods : ndarray, shape (T + 1,)
        log L(θ_t), shown in each frame's title.
    truth : MixtureParams, optional
        True components, drawn dashed in every frame.
    x_label : str
        Title of the x axis.
    max_frames : int
        At most this many frames; a longer run is shown at evenly spaced iterations (the
        first and last included, each labelled with its t).
    height : int
        Pixels.

    Returns
    -------
    plotly.graph_objects.Figure
        Traces: the "histogram" bars, the truth (if any), K component curves and the mixture
        (showing θ_0). Frames named "t", each updating only the K + 1 curves (y values and
        hover) and the title. ``layout.sliders[0]`` has one step per frame;
        ``layout.updatemenus[0]`` holds the Play and Pause buttons. The grid has 300 points,
        fewer (down to ``MIN_CURVE_POINTS``) when frames × curves exceed
        ``ANIMATION_VALUE_BUDGET`` values.
    """
    if len(history) == 0:
        raise ValueError("history is empty: an animation needs at least θ_0")
    ll = np.asarray(log_likelihoods, dtype=np.float64).reshape(-1)
    if ll.size != len(history):
        raise ValueError(
            f"one log-likelihood per iteration expected: {len(history)} parameter sets, "
            f"{ll.size} log-likelihoods"
        )
    n_components = history[0].n_components
    if any(p.n_components != n_components for p in history):
        raise ValueError("every θ_t of one run must have the same number of components")
    if max_frames < 1:
        raise ValueError(f"max_frames must be ≥ 1, got {max_frames}")
    edges = np.asarray(edges, dtype=np.float64)
    counts = np.asarray(counts)
    shown = frame_iterations(len(history), max_frames)
    n_curves = n_components + 1
    n_points = int(
        np.clip(ANIMATION_VALUE_BUDGET // (shown.size * n_curves), MIN_CURVE_POINTS, GRID_POINTS)
    )
    extra = [] if truth is None else [truth]
    # A collapsing component gets points of its own (a spike between grid points would be
    # drawn far too low); fewer of them when the frames already strain the budget.
    grid = curve_grid(
        edges, *(history[t] for t in shown), *extra, n=n_points, max_spikes=n_points // 30
    )

    traces: list[go.Scatter] = [histogram_outline(edges, counts)]
    if truth is not None:
        traces += truth_traces(grid, truth)
    curve_indices = list(range(len(traces), len(traces) + n_curves + 1))
    traces += curve_traces(grid, history[int(shown[0])])

    # Frames as plain dicts, validated once when the figure is built (500 frames × 11 curves
    # of go.Frame objects would be validated twice, for seconds). Each frame moves only
    # scatter traces (the curves and the "iteration t · log L" label), so frames play without
    # a redraw: the histogram stays on screen instead of flickering.
    frames, curve_top = [], max((float(np.max(c.y)) for c in traces[1:]), default=0.0)
    for t in shown.tolist():
        curves = curve_traces(grid, history[t])
        curve_top = max(curve_top, max(float(np.max(c.y)) for c in curves))
        frames.append(
            {
                "name": str(t),
                "data": [
                    *(
                        {"type": "scatter", "y": c.y, "hovertemplate": c.hovertemplate}
                        for c in curves
                    ),
                    {"type": "scatter", "text": [_title(t, ll[t])]},
                ],
                "traces": curve_indices,
            }
        )
    histogram_top = float(np.max(traces[0].y)) if counts.size else 0.0  # bars' densities
    top = density_axis_top(histogram_top, curve_top)
    first = int(shown[0])
    traces.append(
        go.Scatter(
            x=[float(grid[0])],
            y=[top],
            mode="text",
            text=[_title(first, ll[first])],
            textposition="bottom right",
            textfont={"size": 16, "color": "#222"},
            name="iteration",
            showlegend=False,
            hoverinfo="skip",
            cliponaxis=False,
        )
    )
    fig = go.Figure(data=traces, frames=frames)

    duration = int(np.clip(_PLAY_MS / shown.size, 40, 400))
    step_args = {
        "mode": "immediate",
        "frame": {"duration": 0, "redraw": False},
        "transition": {"duration": 0},
    }
    fig.update_layout(
        title={
            "text": f"EM, iteration by iteration: θ₀ … θ{subscript(len(history) - 1)}",
            "x": 0.01,
        },
        template="plotly_white",
        hovermode="closest",
        height=height,
        bargap=0.02,
        margin={"l": 60, "r": 20, "t": 60, "b": 110},
        legend={"orientation": "v", "yanchor": "top", "y": 1, "x": 1.02},
        sliders=[
            {
                "active": 0,
                "x": 0.2,
                "len": 0.8,
                "y": -0.12,
                "yanchor": "top",
                "currentvalue": {"visible": True, "prefix": "iteration ", "xanchor": "left"},
                "steps": [
                    {
                        "label": str(t),
                        "value": str(t),
                        "method": "animate",
                        "args": [[str(t)], step_args],
                    }
                    for t in shown.tolist()
                ],
            }
        ],
        updatemenus=[
            {
                "type": "buttons",
                "direction": "left",
                "showactive": False,
                "x": 0.0,
                "y": -0.12,
                "xanchor": "left",
                "yanchor": "top",
                "pad": {"t": 30, "r": 10},
                "buttons": [
                    {
                        "label": "▶ Play",
                        "method": "animate",
                        "args": [
                            None,
                            {
                                "mode": "immediate",
                                "fromcurrent": True,
                                "frame": {"duration": duration, "redraw": False},
                                "transition": {"duration": 0},
                            },
                        ],
                    },
                    {"label": "❚❚ Pause", "method": "animate", "args": [[None], step_args]},
                ],
            }
        ],
    )
    fig.update_xaxes(title_text=x_label, range=[float(grid[0]), float(grid[-1])], autorange=False)
    fig.update_yaxes(
        title_text="density", autorange=False, exponentformat="power", range=[0.0, top]
    )
    return fig


def run_animation_html(fig: go.Figure) -> str:
    """``fig`` as one standalone HTML page: plotly.js inlined (no CDN, plays offline), frames
    included, not playing until Play is pressed."""
    return fig.to_html(include_plotlyjs=True, full_html=True, auto_play=False)
