"""The main figure: histogram, weighted components, mixture curve and responsibilities.

Top panel (density scale): the histogram as a density, its bars stacked by each component's
share Σγ of the points in the bin (grey before the first E-step); each weighted component
π_k N(x | μ_k, σ_k²) in its own colour; the mixture f(x) in black; the true components dashed.
Bottom panel (same x axis): γ_k(x), how every x is split between the components.
"""

from __future__ import annotations

import re

import numpy as np
import plotly.graph_objects as go

from gmm_core.binning import curve_grid
from gmm_core.em import e_step, log_weighted_densities
from gmm_core.params import MixtureParams

from .notation import plain, subscript
from .palette import MIXTURE_COLOR, TRUTH_COLOR, component_color, with_alpha
from .spec import (
    BOTTOM_MARGIN,
    SCREEN_FONTS,
    ChartFonts,
    centre_note,
    figure_builder,
    left_margin,
    legend_side_margin,
    legend_top_margin,
    spec_of,
    template,
    tick_label_chars,
    trace_object,
)

__all__ = [
    "DENSITY_HEADROOM",
    "GRID_POINTS",
    "curve_specs",
    "curve_traces",
    "density_axis_top",
    "display_values",
    "histogram_specs",
    "histogram_traces",
    "mixture_figure",
    "mixture_figure_spec",
    "mixture_line_spec",
    "responsibility_specs",
    "responsibility_traces",
    "truth_specs",
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


def histogram_specs(
    edges: np.ndarray, counts: np.ndarray, bin_shares: np.ndarray | None
) -> list[dict]:
    """The histogram as a density, as trace dicts: one grey bar trace, or (``bin_shares`` of
    shape (B, K)) K bar traces stacked by each component's share Σγ, in the component's
    colour."""
    n_points = max(int(counts.sum()), 1)
    centres = 0.5 * (edges[1:] + edges[:-1])
    # The nominal width: near 1e12 the doubles are 1.2e-4 apart, so equal-width edges finer
    # than that come out unequal, some of zero width.
    width = float(edges[-1] - edges[0]) / (edges.size - 1)
    scale = 1.0 / (n_points * width)
    if bin_shares is None:
        custom = np.column_stack([edges[:-1], edges[1:], counts])
        return [
            {
                "type": "bar",
                "x": centres,
                "y": display_values(counts * scale),
                "width": width,
                "name": "histogram",
                "marker": {"color": _GREY_BARS, "line": {"width": 0}},
                "customdata": custom,
                "hovertemplate": "[%{customdata[0]:,.5~r}, %{customdata[1]:,.5~r})<br>"
                "%{customdata[2]} points<br>density %{y:.4g}<extra>histogram</extra>",
                "xaxis": "x",
                "yaxis": "y",
            }
        ]
    traces = []
    with np.errstate(invalid="ignore", divide="ignore"):
        fraction = np.where(counts[:, None] > 0, bin_shares / counts[:, None], 0.0)
    for k in range(bin_shares.shape[1]):
        custom = display_values(np.column_stack([bin_shares[:, k], 100 * fraction[:, k], counts]))
        traces.append(
            {
                "type": "bar",
                "x": centres,
                "y": display_values(bin_shares[:, k] * scale),
                "width": width,
                "name": f"Σγ share of {k + 1}",
                "legendgroup": f"c{k}",
                "showlegend": False,
                "marker": {
                    "color": with_alpha(component_color(k), _BAR_ALPHA),
                    "line": {"width": 0},
                },
                "customdata": custom,
                "hovertemplate": "bin at x ≈ %{x:,.5~r}: %{customdata[2]:,.0f} points<br>"
                f"Σγ(zₙ{subscript(k + 1)}) = " + "%{customdata[0]:,.2f} (%{customdata[1]:.1f}%)"
                f"<extra>component {k + 1}</extra>",
                "xaxis": "x",
                "yaxis": "y",
            }
        )
    return traces


def histogram_traces(
    edges: np.ndarray, counts: np.ndarray, bin_shares: np.ndarray | None
) -> list[go.Bar]:
    """:func:`histogram_specs` as ``go.Bar`` traces."""
    return [trace_object(t) for t in histogram_specs(edges, counts, bin_shares)]


def weighted_densities(grid: np.ndarray, params: MixtureParams) -> np.ndarray:
    """π_k N(x | μ_k, σ_k²) on ``grid`` (shape (n,)), shape (K, n)."""
    return np.exp(log_weighted_densities(grid, params))


def mixture_line_spec(
    grid: np.ndarray,
    density: np.ndarray,
    *,
    name: str = "mixture f(x)",
    color: str = MIXTURE_COLOR,
    width: float = 3,
    hover_label: str = "mixture",
) -> dict:
    """The line of a mixture density f(x) (values ``density`` on ``grid``, both shape (n,)),
    as a trace dict."""
    return {
        "type": "scatter",
        "x": grid,
        "y": display_values(density),
        "mode": "lines",
        "name": name,
        "line": {"color": color, "width": width},
        "hovertemplate": f"x = %{{x:,.5~r}}<br>f(x) = %{{y:.4g}}<extra>{hover_label}</extra>",
    }


def curve_specs(grid: np.ndarray, params: MixtureParams) -> list[dict]:
    """K weighted component curves π_k N(x | μ_k, σ_k²), then the mixture f(x), on ``grid``,
    as trace dicts."""
    dens = weighted_densities(grid, params)
    traces = []
    for k in range(params.n_components):
        s = subscript(k + 1)
        traces.append(
            {
                "type": "scatter",
                "x": grid,
                "y": display_values(dens[k]),
                "mode": "lines",
                "name": f"π{s}·N(x | μ{s}, σ{s}²)",
                "legendgroup": f"c{k}",
                "line": {"color": component_color(k), "width": 2.5},
                "hovertemplate": f"x = %{{x:,.5~r}}<br>π{s}·N = %{{y:.4g}}"
                f"<br>μ{s} = {plain(params.means[k], 4)}, σ{s} = {plain(params.stds[k], 4)} "
                f"(σ{s}² = {plain(params.variances[k], 4)}), π{s} = {params.weights[k]:.3f}"
                f"<extra>component {k + 1}</extra>",
            }
        )
    traces.append(mixture_line_spec(grid, dens.sum(axis=0)))
    return traces


def curve_traces(grid: np.ndarray, params: MixtureParams) -> list[go.Scatter]:
    """:func:`curve_specs` as ``go.Scatter`` traces."""
    return [trace_object(t) for t in curve_specs(grid, params)]


def truth_specs(grid: np.ndarray, truth: MixtureParams) -> list[dict]:
    """The true weighted components, dashed grey, one legend entry for all (trace dicts)."""
    dens = weighted_densities(grid, truth)
    return [
        {
            "type": "scatter",
            "x": grid,
            "y": display_values(dens[k]),
            "mode": "lines",
            "name": "true components",
            "legendgroup": "truth",
            "showlegend": k == 0,
            "line": {"color": TRUTH_COLOR, "width": 1.5, "dash": "dash"},
            "hovertemplate": f"true π·N = %{{y:.4g}}<br>μ = {plain(truth.means[k], 4)}, "
            f"σ = {plain(truth.stds[k], 4)}, π = {truth.weights[k]:.3f}<extra>truth</extra>",
        }
        for k in range(truth.n_components)
    ]


def truth_traces(grid: np.ndarray, truth: MixtureParams) -> list[go.Scatter]:
    """:func:`truth_specs` as ``go.Scatter`` traces."""
    return [trace_object(t) for t in truth_specs(grid, truth)]


def _peak(trace: dict) -> float:
    return float(np.max(trace["y"])) if len(trace["y"]) else 0.0


def _density_range(
    edges: np.ndarray,
    counts: np.ndarray,
    curves: list[dict],
    params: MixtureParams,
    others: list[dict],
) -> tuple[float, list[dict]]:
    """Top of the density axis (see :func:`density_axis_top`) for the fitted ``curves`` (K
    components, then f) and ``others`` (the truth), and a note (annotation dict) for each
    fitted component whose spike is cut off there, with its true peak, at the top of the
    plot."""
    width = float(edges[-1] - edges[0]) / max(edges.size - 1, 1)
    bars = float(np.max(counts)) / (max(float(np.sum(counts)), 1.0) * width) if counts.size else 0
    peaks = [_peak(c) for c in curves]
    top = density_axis_top(bars, max([*peaks, *(_peak(c) for c in others)]))
    middle = 0.5 * float(edges[0] + edges[-1])
    notes = [
        {
            "x": float(params.means[k]),
            "y": top,
            "yref": "y",
            "yanchor": "top",
            # The ▲ over the spike, the text towards the plot's middle (off the tick labels).
            "xanchor": "left" if params.means[k] < middle else "right",
            "showarrow": False,
            "text": f"▲ π{subscript(k + 1)}·N peaks at {peak:.3g}"
            if params.means[k] < middle
            else f"π{subscript(k + 1)}·N peaks at {peak:.3g} ▲",
            "font": {"color": component_color(k), "size": 12},
            "bgcolor": "rgba(255,255,255,0.8)",
        }
        for k, peak in enumerate(peaks[: params.n_components])
        if peak > top
    ]
    return top, notes


def responsibility_specs(grid: np.ndarray, params: MixtureParams) -> list[dict]:
    """γ_k(x) on ``grid`` as K stacked areas (they add up to one), as trace dicts in the
    second row (axes x2, y2)."""
    resp, _ = e_step(grid, params)
    return [
        {
            "type": "scatter",
            "x": grid,
            "y": display_values(resp[:, k]),
            "mode": "lines",
            "stackgroup": "gamma",
            "name": f"γ{subscript(k + 1)}(x)",
            "legendgroup": f"c{k}",
            "showlegend": False,
            "line": {"color": component_color(k), "width": 0.5},
            "fillcolor": with_alpha(component_color(k), 0.55),
            "hovertemplate": f"x = %{{x:,.5~r}}<br>γ{subscript(k + 1)}(x) = %{{y:.3f}}"
            f"<extra>component {k + 1}</extra>",
            "xaxis": "x2",
            "yaxis": "y2",
        }
        for k in range(params.n_components)
    ]


def responsibility_traces(grid: np.ndarray, params: MixtureParams) -> list[go.Scatter]:
    """:func:`responsibility_specs` as ``go.Scatter`` traces."""
    return [trace_object(t) for t in responsibility_specs(grid, params)]


def _side_legend(traces: list[dict], *, short: bool) -> dict:
    """A one-column legend beside the plot. ``short`` (a projector's narrow plot): the
    component entries of ``traces`` (renamed in place) read "k = 1", …, the mixture "f(x)",
    the truth "truth", under a title naming them, so the legend takes ~100 px of the plot's
    width."""
    if short:
        for trace in traces:
            name = str(trace.get("name") or "")
            if name.startswith("π") and "N(x" in name:
                trace["name"] = f"k = {int(str(trace['legendgroup'])[1:]) + 1}"
            elif name in _SHORT_NAMES:
                trace["name"] = _SHORT_NAMES[name]
    return {
        "orientation": "v",
        "yanchor": "top",
        "y": 1.0,
        "x": 1.01,
        "xanchor": "left",
        # No gap between the entries (each component is a legend group of its own, and
        # plotly puts 10 px between groups): K = 10 with the truth and f(x) in projector type
        # then fits beside the chart instead of scrolling.
        "tracegroupgap": 0,
        "title": {
            "text": "π<sub>k</sub>N(x | μ<sub>k</sub>, σ<sub>k</sub><sup>2</sup>)" if short else ""
        },
    }


_SHORT_NAMES = {"mixture f(x)": "f(x)", "true components": "truth"}


def _margins(data: list[dict], top: float, legend: dict, *, side: bool, fonts: ChartFonts) -> dict:
    """Margins with room for the density axis's tick labels (0 to ``top``), the legend of the
    traces ``data`` (beside the plot, or in rows above it) and the x axis, in the type
    ``fonts``, so that plotly draws the figure once (see :mod:`figures.spec`)."""
    names = [str(t["name"]) for t in data if t.get("showlegend", True) and t.get("name")]
    chars = max(tick_label_chars(0.0, top, power=True), tick_label_chars(0.0, 1.0))
    title = re.sub(r"<[^>]+>", "", str(legend.get("title", {}).get("text", "")))
    return {
        "l": left_margin(chars, fonts),
        "r": legend_side_margin(names, title, fonts) if side else 20,
        "t": 30 if side else legend_top_margin(names),
        "b": BOTTOM_MARGIN,
    }


#: The two rows of the main figure share the x axis (as ``make_subplots(rows=2,
#: shared_xaxes=True, row_heights=[0.74, 0.26], vertical_spacing=0.05)`` lays them out).
_ROW_SPACING = 0.05
_TOP_DOMAIN = [round(1.0 - 0.74 * (1.0 - _ROW_SPACING), 6), 1.0]
_BOTTOM_DOMAIN = [0.0, round(0.26 * (1.0 - _ROW_SPACING), 6)]


def mixture_figure_spec(
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
    fonts: ChartFonts = SCREEN_FONTS,
    x_span: tuple[float, float] | None = None,
) -> dict:
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
    fonts : ChartFonts
        The type it will be drawn in (:data:`figures.spec.PROJECTOR_FONTS` in lecture mode):
        the margins hold its tick labels, titles and legend, so plotly draws it once.
    x_span : (float, float), optional
        An x range the axis shows as well (within one data range of the data;
        :func:`gmm_core.binning.components_span` of every θ_t of a run, so the axis does not
        zoom while the run's components widen and narrow).

    Returns
    -------
    dict
        The spec ``{"data": [...], "layout": {...}}`` as plain dicts: row 1 (y axis
        "density"), row 2 (y axis "γ_k(x)", 0 to 1). :func:`mixture_figure` makes it a figure.
    """
    shown = [params] if truth is None else [params, truth]
    n_curves = 2 * params.n_components + 1 + (0 if truth is None else truth.n_components)
    # One shared grid; fewer points when many curves, so the JSON stays small (< 300 KB).
    many = n_curves > 21
    grid = curve_grid(
        edges,
        *shown,
        n=GRID_POINTS * 2 // 3 if many else GRID_POINTS,
        max_spikes=4 if many else 10,
        span=x_span,
    )
    true_curves = [] if truth is None else truth_specs(grid, truth)
    curves = curve_specs(grid, params)
    for trace in (*true_curves, *curves):
        trace["xaxis"], trace["yaxis"] = "x", "y"
    top, annotations = _density_range(edges, counts, curves, params, true_curves)
    data = [*histogram_specs(edges, counts, bin_shares), *true_curves, *curves]
    if responsibility_params is not None:
        data += responsibility_specs(grid, responsibility_params)
    else:  # keep row 2 (plotly drops an empty subplot, and the shared x axis with it)
        data.append(
            {
                "type": "scatter",
                "x": [float(grid[0]), float(grid[-1])],
                "y": [0.0, 0.0],
                "mode": "lines",
                "showlegend": False,
                "hoverinfo": "skip",
                "line": {"color": "rgba(0,0,0,0)"},
                "name": "placeholder",
                "xaxis": "x2",
                "yaxis": "y2",
            }
        )
        annotations.append(
            centre_note(
                # Short lines: on a projector's narrow plot one long line ran over the ticks.
                "γₖ(x), each x's split<br>between the components,<br>appears after the "
                "first E-step",
                xref="x2 domain",
                yref="y2 domain",
            )
        )
    shapes = []
    if highlight_x is not None:
        shapes = [
            {
                "type": "line",
                "x0": float(highlight_x),
                "x1": float(highlight_x),
                "xref": xref,
                "y0": 0,
                "y1": 1,
                "yref": f"{yref} domain",
                "line": {"color": "#444", "width": 1.5, "dash": "dot"},
            }
            for xref, yref in (("x", "y"), ("x2", "y2"))
        ]
    side = legend == "side" or (legend == "auto" and params.n_components > LEGEND_ROW_MAX)
    legend_layout = (
        _side_legend(data, short=legend == "side")
        if side
        else {"orientation": "h", "yanchor": "bottom", "y": 1.01, "x": 0}
    )
    layout = {
        # exponentformat: plotly's SI default would print a density of 4e-4 as "400μ".
        "xaxis": {"anchor": "y", "domain": [0.0, 1.0], "matches": "x2", "showticklabels": False},
        "yaxis": {
            "anchor": "x",
            "domain": _TOP_DOMAIN,
            "title": {"text": "density"},
            "range": [0.0, top],
            "exponentformat": "power",
        },
        "xaxis2": {"anchor": "y2", "domain": [0.0, 1.0], "title": {"text": x_label}},
        "yaxis2": {
            "anchor": "x2",
            "domain": _BOTTOM_DOMAIN,
            "title": {"text": "γ<sub>k</sub>(x)"},
            "range": [0, 1.001],
        },
        "margin": _margins(data, top, legend_layout, side=side, fonts=fonts),
        "legend": legend_layout,
        "barmode": "stack",
        "bargap": 0.02,
        "height": height,
        "hovermode": "closest",
        "template": template(),
        "uirevision": "mixture",
    }
    return spec_of(data, layout, annotations=annotations, shapes=shapes)


mixture_figure = figure_builder(mixture_figure_spec)
