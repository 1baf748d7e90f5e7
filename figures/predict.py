"""Predict, then reveal: the current curves with the question drawn on them — three candidate
sets of new means (lecture mode) or the point x_n whose owner is to be guessed."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from gmm_core.binning import curve_grid
from gmm_core.params import MixtureParams

from .mixture import curve_traces, density_axis_top, histogram_traces
from .palette import component_color

__all__ = ["LETTERS", "prediction_figure"]

LETTERS = ("A", "B", "C")


def prediction_figure(
    edges: np.ndarray,
    counts: np.ndarray,
    params: MixtureParams,
    *,
    candidates: np.ndarray | None = None,
    point: float | None = None,
    x_label: str = "x",
    height: int = 360,
) -> go.Figure:
    """The histogram and the curves of θ_t, with candidate means or a point to classify.

    Parameters
    ----------
    edges : ndarray, shape (B + 1,)
    counts : ndarray, shape (B,)
    params : MixtureParams
        θ_t, drawn as now.
    candidates : ndarray, shape (3, K), optional
        Candidate new means; candidate c's μ_k is a marker in component k's colour on row c,
        labelled with its letter.
    point : float, optional
        x_n, marked with a vertical line and a question.
    x_label : str
    height : int

    Returns
    -------
    plotly.graph_objects.Figure
        Traces: "histogram", the curves, "candidate A/B/C", and "x_n" for the point.
    """
    fig = go.Figure()
    for trace in histogram_traces(edges, counts, None):
        fig.add_trace(trace)
    shown = [params]
    if candidates is not None:
        shown.append(MixtureParams(params.weights, candidates.min(axis=0), params.variances))
        shown.append(MixtureParams(params.weights, candidates.max(axis=0), params.variances))
    grid = curve_grid(edges, *shown)
    curves = curve_traces(grid, params)
    for trace in curves:
        fig.add_trace(trace)
    bars = counts / max(int(counts.sum()), 1) / ((edges[-1] - edges[0]) / counts.size)
    curve_top = max(float(np.max(np.asarray(t.y, dtype=float))) for t in curves)
    top = density_axis_top(float(bars.max()), curve_top)
    if candidates is not None:
        k = params.n_components
        for c, letter in enumerate(LETTERS[: len(candidates)]):
            fig.add_trace(
                go.Scatter(
                    x=candidates[c],
                    y=np.full(k, top * (0.92 - 0.12 * c)),
                    mode="markers+text",
                    name=f"candidate {letter}",
                    text=[f"{letter}"] * k,
                    textposition="middle left",
                    textfont={"size": 18, "color": "#000000"},
                    marker={
                        "size": 16,
                        "symbol": "triangle-down",
                        "color": [component_color(j) for j in range(k)],
                        "line": {"color": "#000000", "width": 1},
                    },
                    hovertemplate=f"candidate {letter}: μ = %{{x:.4g}}<extra></extra>",
                    showlegend=False,
                )
            )
    if point is not None:
        fig.add_trace(
            go.Scatter(
                x=[point, point],
                y=[0, top],
                mode="lines",
                name="x_n",
                line={"color": "#000000", "width": 3, "dash": "dot"},
                showlegend=False,
                hovertemplate=f"x_n = {point:.6g}<extra></extra>",
            )
        )
        fig.add_annotation(
            x=point,
            y=top,
            text=f"x_n = {point:.4g}: whose?",
            showarrow=False,
            yanchor="bottom",
            font={"size": 15},
        )
    fig.update_layout(
        barmode="stack",
        height=height,
        template="plotly_white",
        hovermode="closest",
        margin={"l": 60, "r": 20, "t": 40, "b": 45},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
    )
    fig.update_yaxes(title_text="density", range=[0.0, top * 1.05], exponentformat="power")
    fig.update_xaxes(title_text=x_label)
    return fig
