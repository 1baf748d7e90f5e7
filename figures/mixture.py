"""The main figure: histogram, weighted components, mixture curve and responsibilities.

Top panel (density scale): the histogram as a density, its bars stacked by each component's
share Σγ of the points in the bin (grey before the first E-step); each weighted component
π_k N(x | μ_k, σ_k²) in its own colour; the mixture f(x) in black; the true components dashed.
Bottom panel (same x axis): γ_k(x), how every x is split between the components.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from gmm_core.binning import curve_grid
from gmm_core.em import e_step, log_weighted_densities
from gmm_core.params import MixtureParams

from .notation import plain, subscript
from .palette import MIXTURE_COLOR, TRUTH_COLOR, component_color, with_alpha

__all__ = [
    "DENSITY_HEADROOM",
    "GRID_POINTS",
    "curve_traces",
    "density_axis_top",
    "display_values",
    "histogram_traces",
    "mixture_figure",
    "mixture_trace",
    "responsibility_traces",
    "truth_traces",
    "weighted_densities",
]

GRID_POINTS = 300
#: A curve may reach this many times the histogram's tallest bar before it is cut off the top.
DENSITY_HEADROOM = 3.0
_BAR_ALPHA = 0.45
#: At most this many components keep a one-row legend above the plot.
LEGEND_ROW_MAX = 3
_GREY_BARS = "rgba(140,140,140,0.45)"
_FLOAT32_MAX = float(np.finfo(np.float32).max)


def display_values(values: np.ndarray) -> np.ndarray:
    """Heights sent to the browser in float32: half the bytes, ample for drawing and hover.

    Clipped to float32's range first: the peak of a collapsed component (σ² = 1e-300 gives
    ~1e149) would otherwise become inf.
    """
    return np.clip(np.asarray(values, dtype=np.float64), -_FLOAT32_MAX, _FLOAT32_MAX).astype(
        np.float32
    )


def density_axis_top(histogram_top: float, curve_top: float) -> float:
    """The top of a density axis showing the histogram and the curves: the taller of the two,
    but a curve's spike (a collapsed component) is cut at ``DENSITY_HEADROOM`` × the tallest
    bar rather than flattening everything else. Always finite and > 0."""
    bars = float(histogram_top) if np.isfinite(histogram_top) and histogram_top > 0 else 0.0
    curves = float(curve_top) if np.isfinite(curve_top) and curve_top > 0 else 0.0
    top = max(bars, min(curves, DENSITY_HEADROOM * bars)) if bars > 0 else curves
    return 1.05 * top if top > 0 else 1.0


def histogram_traces(
    edges: np.ndarray, counts: np.ndarray, bin_shares: np.ndarray | None
) -> list[go.Bar]:
    """The histogram as a density: one grey bar trace, or (``bin_shares`` of shape (B, K))
    K bar traces stacked by each component's share Σγ, in the component's colour."""
    n_points = max(int(counts.sum()), 1)
    centres = 0.5 * (edges[1:] + edges[:-1])
    # The nominal width: near 1e12 the doubles are 1.2e-4 apart, so equal-width edges finer
    # than that come out unequal, some of zero width.
    width = float(edges[-1] - edges[0]) / (edges.size - 1)
    scale = 1.0 / (n_points * width)
    if bin_shares is None:
        custom = np.column_stack([edges[:-1], edges[1:], counts])
        return [
            go.Bar(
                x=centres, y=display_values(counts * scale), width=width, name="histogram",
                marker={"color": _GREY_BARS, "line": {"width": 0}}, customdata=custom,
                hovertemplate="[%{customdata[0]:,.5~r}, %{customdata[1]:,.5~r})<br>"
                "%{customdata[2]} points<br>density %{y:.4g}<extra>histogram</extra>",
                xaxis="x", yaxis="y",
            )
        ]
    traces = []
    with np.errstate(invalid="ignore", divide="ignore"):
        fraction = np.where(counts[:, None] > 0, bin_shares / counts[:, None], 0.0)
    for k in range(bin_shares.shape[1]):
        custom = display_values(np.column_stack([bin_shares[:, k], 100 * fraction[:, k], counts]))
        traces.append(
            go.Bar(
                x=centres, y=display_values(bin_shares[:, k] * scale), width=width,
                name=f"Σγ share of {k + 1}", legendgroup=f"c{k}", showlegend=False,
                marker={"color": with_alpha(component_color(k), _BAR_ALPHA), "line": {"width": 0}},
                customdata=custom,
                hovertemplate="bin at x ≈ %{x:,.5~r}: %{customdata[2]:,.0f} points<br>"
                f"Σγ(zₙ{subscript(k + 1)}) = " + "%{customdata[0]:,.2f} (%{customdata[1]:.1f}%)"
                f"<extra>component {k + 1}</extra>",
            )
        )
    return traces


def weighted_densities(grid: np.ndarray, params: MixtureParams) -> np.ndarray:
    """π_k N(x | μ_k, σ_k²) on ``grid`` (shape (n,)), shape (K, n)."""
    return np.exp(log_weighted_densities(grid, params))


def mixture_trace(
    grid: np.ndarray,
    density: np.ndarray,
    *,
    name: str = "mixture f(x)",
    color: str = MIXTURE_COLOR,
    width: float = 3,
    hover_label: str = "mixture",
) -> go.Scatter:
    """The line of a mixture density f(x) (values ``density`` on ``grid``, both shape (n,))."""
    return go.Scatter(
        x=grid, y=display_values(density), mode="lines", name=name,
        line={"color": color, "width": width},
        hovertemplate=f"x = %{{x:,.5~r}}<br>f(x) = %{{y:.4g}}<extra>{hover_label}</extra>",
    )


def curve_traces(grid: np.ndarray, params: MixtureParams) -> list[go.Scatter]:
    """K weighted component curves π_k N(x | μ_k, σ_k²), then the mixture f(x), on ``grid``."""
    dens = weighted_densities(grid, params)
    traces = []
    for k in range(params.n_components):
        s = subscript(k + 1)
        traces.append(
            go.Scatter(
                x=grid, y=display_values(dens[k]), mode="lines",
                name=f"π{s}·N(x | μ{s}, σ{s}²)", legendgroup=f"c{k}",
                line={"color": component_color(k), "width": 2.5},
                hovertemplate=f"x = %{{x:,.5~r}}<br>π{s}·N = %{{y:.4g}}"
                f"<br>μ{s} = {plain(params.means[k], 4)}, σ{s} = {plain(params.stds[k], 4)} "
                f"(σ{s}² = {plain(params.variances[k], 4)}), π{s} = {params.weights[k]:.3f}"
                f"<extra>component {k + 1}</extra>",
            )
        )
    traces.append(mixture_trace(grid, dens.sum(axis=0)))
    return traces


def truth_traces(grid: np.ndarray, truth: MixtureParams) -> list[go.Scatter]:
    """The true weighted components, dashed grey, one legend entry for all."""
    dens = weighted_densities(grid, truth)
    return [
        go.Scatter(
            x=grid, y=display_values(dens[k]), mode="lines", name="true components",
            legendgroup="truth", showlegend=k == 0,
            line={"color": TRUTH_COLOR, "width": 1.5, "dash": "dash"},
            hovertemplate=f"true π·N = %{{y:.4g}}<br>μ = {plain(truth.means[k], 4)}, "
            f"σ = {plain(truth.stds[k], 4)}, π = {truth.weights[k]:.3f}<extra>truth</extra>",
        )
        for k in range(truth.n_components)
    ]


def _density_range(
    fig: go.Figure, edges: np.ndarray, counts: np.ndarray, curves: list[go.Scatter],
    params: MixtureParams, others: list[go.Scatter],
) -> float:
    """Top of the density axis (see :func:`density_axis_top`) for the fitted ``curves`` (K
    components, then f) and ``others`` (the truth); a fitted component whose spike is cut off
    there gets a note with its true peak at the top of the plot."""
    width = float(edges[-1] - edges[0]) / max(edges.size - 1, 1)
    bars = float(np.max(counts)) / (max(float(np.sum(counts)), 1.0) * width) if counts.size else 0
    peaks = [float(np.max(c.y)) if len(c.y) else 0.0 for c in curves]
    top = density_axis_top(bars, max([*peaks, *(float(np.max(c.y)) for c in others)]))
    for k, peak in enumerate(peaks[: params.n_components]):
        if peak > top:
            fig.add_annotation(
                x=float(params.means[k]), y=top, yref="y", yanchor="top", showarrow=False,
                text=f"▲ π{subscript(k + 1)}·N peaks at {peak:.3g}",
                font={"color": component_color(k), "size": 12}, bgcolor="rgba(255,255,255,0.8)",
            )
    return top


def responsibility_traces(grid: np.ndarray, params: MixtureParams) -> list[go.Scatter]:
    """γ_k(x) on ``grid`` as K stacked areas (they add up to one)."""
    resp, _ = e_step(grid, params)
    return [
        go.Scatter(
            x=grid, y=display_values(resp[:, k]), mode="lines", stackgroup="gamma",
            name=f"γ{subscript(k + 1)}(x)", legendgroup=f"c{k}", showlegend=False,
            line={"color": component_color(k), "width": 0.5},
            fillcolor=with_alpha(component_color(k), 0.55),
            hovertemplate=f"x = %{{x:,.5~r}}<br>γ{subscript(k + 1)}(x) = %{{y:.3f}}"
            f"<extra>component {k + 1}</extra>",
        )
        for k in range(params.n_components)
    ]


def _side_legend(fig: go.Figure, *, short: bool) -> dict:
    """A one-column legend beside the plot. ``short`` (a projector's narrow plot): the
    component entries read "k = 1", …, the mixture "f(x)", the truth "truth", under a title
    naming them, so the legend takes ~100 px of the plot's width."""
    if short:
        for trace in fig.data:
            name = str(trace.name or "")
            if name.startswith("π") and "N(x" in name:
                trace.name = f"k = {int(str(trace.legendgroup)[1:]) + 1}"
            elif name in _SHORT_NAMES:
                trace.name = _SHORT_NAMES[name]
    return {
        "orientation": "v", "yanchor": "top", "y": 1.0, "x": 1.01, "xanchor": "left",
        "title": {"text": "π<sub>k</sub>N(x | μ<sub>k</sub>, σ<sub>k</sub><sup>2</sup>)"
                  if short else ""},
    }


_SHORT_NAMES = {"mixture f(x)": "f(x)", "true components": "truth"}


def mixture_figure(
    edges: np.ndarray,
    counts: np.ndarray,
    params: MixtureParams,
    *,
    bin_shares: np.ndarray | None = None,
    responsibility_params: MixtureParams | None = None,
    truth: MixtureParams | None = None,
    highlight_x: float | None = None,
    x_label: str = "x",
    height: int | None = 640,
    legend: str = "auto",
) -> go.Figure:
    """Histogram, weighted components, mixture and responsibilities on one shared x axis.

    Parameters
    ----------
    edges : ndarray, shape (B + 1,)
        Equal-width bin edges.
    counts : ndarray, shape (B,)
        Points per bin.
    params : MixtureParams with K components
        The curves drawn: π_k N(x | μ_k, σ_k²) and f(x).
    bin_shares : ndarray, shape (B, K), optional
        Σ_{n in bin} γ(z_nk) (see :func:`gmm_core.binning.responsibility_by_bin`); the bars are
        stacked by it. None draws grey bars (no E-step yet).
    responsibility_params : MixtureParams, optional
        Parameters of the γ_k(x) curves in the bottom panel (those of the last E-step);
        None leaves the bottom panel empty.
    truth : MixtureParams, optional
        True components, drawn dashed.
    highlight_x : float, optional
        A point x_n to mark with a vertical line.
    x_label : str
        Title of the shared x axis (data name and unit).
    height : int or None
        Figure height in pixels; None leaves it to the container (it fills it).
    legend : {"auto", "top", "side"}
        Where the legend goes: one row above the plot ("top"), or one column beside it
        ("side"); "auto" puts it on top while it fits one row (at most three components),
        beside otherwise. Beside, its entries are short ("k = 1", …, "f(x)") under a title
        naming them, so the plot keeps its width.

    Returns
    -------
    plotly.graph_objects.Figure
        Row 1 (y axis "density"), row 2 (y axis "γ_k(x)", 0 to 1).
    """
    fig = make_subplots(
        rows=2, cols=1, shared_xaxes=True, row_heights=[0.74, 0.26], vertical_spacing=0.05
    )
    shown = [params] if truth is None else [params, truth]
    n_curves = 2 * params.n_components + 1 + (0 if truth is None else truth.n_components)
    # One shared grid; fewer points when many curves, so the JSON stays small (< 300 KB).
    many = n_curves > 21
    grid = curve_grid(
        edges, *shown, n=GRID_POINTS * 2 // 3 if many else GRID_POINTS, max_spikes=4 if many else 10
    )
    for trace in histogram_traces(edges, counts, bin_shares):
        fig.add_trace(trace, row=1, col=1)
    true_curves = [] if truth is None else truth_traces(grid, truth)
    for trace in true_curves:
        fig.add_trace(trace, row=1, col=1)
    curves = curve_traces(grid, params)
    for trace in curves:
        fig.add_trace(trace, row=1, col=1)
    top = _density_range(fig, edges, counts, curves, params, true_curves)
    if responsibility_params is not None:
        for trace in responsibility_traces(grid, responsibility_params):
            fig.add_trace(trace, row=2, col=1)
    else:  # keep row 2 (plotly drops an empty subplot, and the shared x axis with it)
        fig.add_trace(
            go.Scatter(
                x=[grid[0], grid[-1]], y=[0.0, 0.0], mode="lines", showlegend=False,
                hoverinfo="skip", line={"color": "rgba(0,0,0,0)"}, name="placeholder",
            ),
            row=2, col=1,
        )
        fig.add_annotation(
            text="γₖ(x), each x's split between the components, appears after the first E-step",
            xref="x2 domain", yref="y2 domain", x=0.5, y=0.5, showarrow=False,
            font={"color": "#666", "size": 13},
        )
    if highlight_x is not None:
        fig.add_vline(x=highlight_x, line={"color": "#444", "width": 1.5, "dash": "dot"})
    side = legend == "side" or (legend == "auto" and params.n_components > LEGEND_ROW_MAX)
    fig.update_layout(
        barmode="stack", bargap=0.02, height=height, hovermode="closest",
        margin={"l": 60, "r": 20, "t": 30, "b": 50},
        legend=_side_legend(fig, short=legend == "side") if side else {
            "orientation": "h", "yanchor": "bottom", "y": 1.01, "x": 0
        },
        template="plotly_white", uirevision="mixture",
    )
    # exponentformat: plotly's SI default would print a density of 4e-4 as "400μ".
    fig.update_yaxes(
        title_text="density", range=[0.0, top], exponentformat="power", row=1, col=1
    )
    fig.update_yaxes(title_text="γ<sub>k</sub>(x)", range=[0, 1.001], row=2, col=1)
    fig.update_xaxes(title_text=x_label, row=2, col=1)
    return fig
