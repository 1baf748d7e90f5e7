"""The likelihood landscape over (μ₁, μ₂) and the basins of attraction of EM (K = 2).

Both figures carry a layer of invisible, clickable points on the grid (trace "start here"), so
that a click (Streamlit's point selection) names a cell; its ``customdata`` is the cell (i, j).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from gmm_core.landscape import BasinMap, LandscapeOptimum

from .notation import LOG_L_D3, log_l
from .palette import PALETTE, with_alpha

__all__ = [
    "CLICK_TRACE",
    "basin_colors",
    "basin_figure",
    "landscape_figure",
    "optimum_names",
]

CLICK_TRACE = "start here"
OTHER_COLOR = "#bbbbbb"
_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def optimum_names(optima: Sequence[LandscapeOptimum]) -> list[str]:
    """ "A", "B", … in order; the mirror image of an earlier optimum gets that one's letter,
    primed ("A′")."""
    names: list[str] = []
    letter = 0
    for g, opt in enumerate(optima):
        if opt.mirror is not None and opt.mirror < g and not names[opt.mirror].endswith("′"):
            names.append(f"{names[opt.mirror]}′")
        else:
            names.append(chr(ord("A") + letter))
            letter += 1
    return names


def basin_colors(basin_map: BasinMap) -> list[str]:
    """One colour per optimum: a mirror image shares its twin's hue, lighter."""
    colors: list[str] = []
    hue = 0
    for g, opt in enumerate(basin_map.optima):
        if opt.mirror is not None and opt.mirror < g and colors[opt.mirror].startswith("#"):
            colors.append(with_alpha(colors[opt.mirror], 0.45))
        else:
            colors.append(PALETTE[hue % len(PALETTE)])
            hue += 1
    return colors


def _click_layer(g1: np.ndarray, g2: np.ndarray, max_side: int = 60) -> go.Scatter:
    """Invisible markers on (at most max_side²) grid cells, for clicks."""
    i_idx = np.unique(np.linspace(0, g1.size - 1, min(g1.size, max_side)).round().astype(int))
    j_idx = np.unique(np.linspace(0, g2.size - 1, min(g2.size, max_side)).round().astype(int))
    ii, jj = np.meshgrid(i_idx, j_idx)
    return go.Scatter(
        x=g1[ii.ravel()],
        y=g2[jj.ravel()],
        mode="markers",
        name=CLICK_TRACE,
        customdata=np.column_stack([ii.ravel(), jj.ravel()]),
        marker={"size": 9, "color": "rgba(0,0,0,0)", "opacity": 0.01},
        selected={"marker": {"opacity": 0.01}},
        unselected={"marker": {"opacity": 0.01}},
        showlegend=False,
        hovertemplate="click to start EM here<br>μ₁ = %{x:.4g}, μ₂ = %{y:.4g}<extra></extra>",
    )


def _diagonal(g1: np.ndarray, g2: np.ndarray) -> go.Scatter:
    lo, hi = max(g1[0], g2[0]), min(g1[-1], g2[-1])
    return go.Scatter(
        x=[lo, hi],
        y=[lo, hi],
        mode="lines",
        name="mirror line μ₁ = μ₂",
        line={"color": "#ffffff", "width": 2, "dash": "dash"},
        hoverinfo="skip",
    )


#: The markers of the explorer's restarts: white circles on the contours, hollow rings on the
#: coloured basins.
_RESTART_MARKERS = {
    "contours": {
        "size": 7,
        "color": "#ffffff",
        "line": {"color": "#000000", "width": 1},
        "symbol": "circle-open",
    },
    "basins": {"size": 8, "color": "rgba(0,0,0,0)", "line": {"color": "#000000", "width": 1.5}},
}


def _restart_layer(
    restarts: np.ndarray | None, *, on: str, reached: list[str] | None = None
) -> list[go.Scatter]:
    """The explorer's restarts' θ₀ (shape (R, 2): μ₁, μ₂) as markers for the figure ``on``
    ("contours" or "basins"), hovering with what each reached when ``reached`` is given, else
    with its coordinates; none when there are none."""
    if restarts is None or not len(restarts):
        return []
    if reached is None:
        hover = "explorer restart θ₀<br>μ₁ = %{x:.4g}, μ₂ = %{y:.4g}<extra></extra>"
    else:
        hover = "explorer restart θ₀ → %{text}<extra></extra>"
    return [
        go.Scatter(
            x=restarts[:, 0],
            y=restarts[:, 1],
            mode="markers",
            name="explorer restarts (θ₀)",
            marker=_RESTART_MARKERS[on],
            text=reached,
            hovertemplate=hover,
        )
    ]


def _finish(fig: go.Figure, g1: np.ndarray, g2: np.ndarray, height: int, x_label: str) -> go.Figure:
    """The click layer on the grid (g1, g2) on top, and the layout both figures share."""
    fig.add_trace(_click_layer(g1, g2))
    fig.update_layout(
        height=height,
        template="plotly_white",
        margin={"l": 60, "r": 10, "t": 30, "b": 50},
        legend={"orientation": "h", "y": -0.18, "x": 0},
        clickmode="event+select",
        dragmode=False,
    )
    fig.update_xaxes(title_text=f"μ₁ ({x_label})", constrain="domain")
    fig.update_yaxes(title_text=f"μ₂ ({x_label})", scaleanchor="x", scaleratio=1)
    return fig


def landscape_figure(
    g1: np.ndarray,
    g2: np.ndarray,
    surface: np.ndarray,
    *,
    path: np.ndarray | None = None,
    restarts: np.ndarray | None = None,
    x_label: str = "x",
    height: int = 560,
) -> go.Figure:
    """Contours of log L over (μ₁, μ₂), the mirror line, the EM path and restarts.

    Parameters
    ----------
    g1, g2 : ndarray, shapes (G1,), (G2,)
    surface : ndarray, shape (G2, G1)
        log L at (g1[i], g2[j]) in [j, i] (:func:`gmm_core.landscape.mean_surface`).
    path : ndarray, shape (T + 1, 2), optional
        (μ₁, μ₂) of θ₀ … θ_t of the stepper's run.
    restarts : ndarray, shape (R, 2), optional
        (μ₁, μ₂) where the explorer's restarts started.
    x_label : str
    height : int

    Returns
    -------
    plotly.graph_objects.Figure
        Traces: "log L" (contour), "mirror line μ₁ = μ₂", "EM path", "explorer restarts",
        ``CLICK_TRACE``.
    """
    finite = surface[np.isfinite(surface)]
    top = float(finite.max())
    # The surface plunges far from the data: colour the upper part, where the hills are.
    low = float(np.quantile(finite, 0.35))
    fig = go.Figure()
    fig.add_trace(
        go.Contour(
            x=g1,
            y=g2,
            z=np.clip(surface, low, None),
            name="log L",
            colorscale="Viridis",
            zmin=low,
            zmax=top,
            ncontours=28,
            contours={"coloring": "heatmap"},
            line={"width": 0.6, "color": "rgba(255,255,255,0.5)"},
            colorbar={"title": {"text": "log L"}, "len": 0.8},
            customdata=surface,
            hovertemplate="μ₁ = %{x:.4g}, μ₂ = %{y:.4g}<br>"
            f"log L = %{{customdata:{LOG_L_D3}}}<extra></extra>",
        )
    )
    fig.add_trace(_diagonal(g1, g2))
    fig.add_traces(_restart_layer(restarts, on="contours"))
    if path is not None and len(path):
        fig.add_trace(
            go.Scatter(
                x=path[:, 0],
                y=path[:, 1],
                mode="lines+markers",
                name="EM path of the stepper",
                line={"color": "#E69F00", "width": 3},
                marker={"size": 6, "color": "#E69F00"},
                hovertemplate="θ%{text}: μ₁ = %{x:.4g}, μ₂ = %{y:.4g}<extra></extra>",
                text=[str(t).translate(_SUB) for t in range(len(path))],
            )
        )
        fig.add_trace(
            go.Scatter(
                x=path[[0, -1], 0],
                y=path[[0, -1], 1],
                mode="markers+text",
                showlegend=False,
                text=["θ₀", f"θ{str(len(path) - 1).translate(_SUB)}"],
                textposition="top right",
                textfont={"color": "#ffffff", "size": 15},
                marker={
                    "size": [11, 14],
                    "color": ["#ffffff", "#E69F00"],
                    "line": {"color": "#000000", "width": 1.5},
                },
                hoverinfo="skip",
                name="path ends",
            )
        )
    return _finish(fig, g1, g2, height, x_label)


def basin_figure(
    basin_map: BasinMap,
    *,
    restarts: np.ndarray | None = None,
    restart_optima: list[str] | None = None,
    x_label: str = "x",
    height: int = 560,
) -> go.Figure:
    """Each start (μ₁, μ₂) coloured by the optimum EM reached from it; the optima marked.

    Parameters
    ----------
    basin_map : BasinMap
    restarts : ndarray, shape (R, 2), optional
        (μ₁, μ₂) of the explorer's restarts' θ₀.
    restart_optima : list of str, optional
        What each restart reached (hover text).
    x_label : str
    height : int

    Returns
    -------
    plotly.graph_objects.Figure
        Traces: "basins" (heatmap), "mirror line μ₁ = μ₂", one "optimum …" marker per optimum,
        "explorer restarts (θ₀)", ``CLICK_TRACE``.
    """
    optima = basin_map.optima
    colors = basin_colors(basin_map)
    n = len(optima)
    z = np.where(basin_map.labels < 0, n, basin_map.labels).astype(float)
    scale_colors = [*colors, OTHER_COLOR]
    steps = len(scale_colors)
    colorscale = []
    for c, color in enumerate(scale_colors):
        colorscale += [[c / steps, color], [(c + 1) / steps, color]]
    names = optimum_names(optima)
    text = np.array([*names, "other"], dtype=object)[z.astype(int)]
    fig = go.Figure()
    fig.add_trace(
        go.Heatmap(
            x=basin_map.g1,
            y=basin_map.g2,
            z=z,
            zmin=-0.5,
            zmax=steps - 0.5,
            colorscale=colorscale,
            showscale=False,
            name="basins",
            text=text,
            customdata=np.stack([basin_map.log_likelihoods, basin_map.n_iter], axis=-1),
            hovertemplate="start μ₁ = %{x:.4g}, μ₂ = %{y:.4g}<br>→ optimum %{text}, "
            f"log L = %{{customdata[0]:{LOG_L_D3}}} after %{{customdata[1]}} iterations"
            "<extra></extra>",
        )
    )
    fig.add_trace(_diagonal(basin_map.g1, basin_map.g2))
    for g, opt in enumerate(optima):
        means = opt.params.means
        fig.add_trace(
            go.Scatter(
                x=[means[0]],
                y=[means[1]],
                mode="markers+text",
                name=f"optimum {names[g]}",
                text=[names[g]],
                textposition="top right",
                textfont={"size": 16, "color": "#000"},
                marker={
                    "size": 14,
                    "symbol": "x",
                    "color": "#000000",
                    "line": {"color": "#ffffff", "width": 1},
                },
                hovertemplate=f"optimum {names[g]}: log L = {log_l(opt.log_likelihood)}<br>"
                f"μ = ({means[0]:.4g}, {means[1]:.4g}), reached from {opt.n_cells} starts"
                "<extra></extra>",
            )
        )
    fig.add_traces(_restart_layer(restarts, on="basins", reached=restart_optima))
    fig.update_layout(showlegend=False)
    return _finish(fig, basin_map.g1, basin_map.g2, height, x_label)
