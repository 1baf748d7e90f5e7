"""Why EM goes up: log L = L(q, θ) + KL as stacked bars per half step, the PRML Fig. 9.14-style
slice of log L and the bound, and hard (classification) EM against ordinary EM.

Arrays in, plotly figures out; the numbers come from :mod:`gmm_core.bound`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from gmm_core.bound import Slice

from .palette import MIXTURE_COLOR

__all__ = [
    "BOUND_COLOR",
    "GAP_COLOR",
    "HalfStep",
    "bound_bars_figure",
    "bound_slice_figure",
    "hard_soft_figure",
]

BOUND_COLOR = "#0072B2"
GAP_COLOR = "#E69F00"
NEXT_BOUND_COLOR = "#009E73"
HARD_COLOR = "#D55E00"


@dataclass(frozen=True)
class HalfStep:
    """One half step's split log L(θ) = L(q, θ) + KL.

    Attributes
    ----------
    label : str
        What happened, e.g. "E₃" (after the E-step of iteration 3) or "M₄".
    log_likelihood, bound, gap : float
        log L(θ), L(q, θ) and KL(q ‖ p(z | x, θ)) ≥ 0 of the parameters and q on screen then.
    current : bool
        Whether it is the position on screen.
    """

    label: str
    log_likelihood: float
    bound: float
    gap: float
    current: bool = False


def _gap_text(gap: float) -> str:
    return "KL = 0" if gap == 0 else f"KL = {gap:.3g}"


def bound_bars_figure(steps: Sequence[HalfStep], *, height: int = 320) -> go.Figure:
    """Per half step a bar up to L(q, θ) (blue) with the KL gap stacked on it (orange): the
    stack's top is log L(θ). The axis starts just below the lowest bound shown, so the rises
    are visible (log L is in the thousands; the changes are small).

    Parameters
    ----------
    steps : sequence of HalfStep
        In order; at least one.
    height : int

    Returns
    -------
    plotly.graph_objects.Figure
        Traces "L(q, θ)" and "KL gap" (bars) and "log L(θ)" (markers on the stack tops).
    """
    labels = [s.label for s in steps]
    bound = np.array([s.bound for s in steps])
    gap = np.array([s.gap for s in steps])
    ll = np.array([s.log_likelihood for s in steps])
    spread = float(max(ll.max() - bound.min(), 1e-9 * max(1.0, abs(ll.max()))))
    base = float(bound.min() - 0.25 * spread)
    edge = ["#000000" if s.current else "rgba(0,0,0,0)" for s in steps]
    fig = go.Figure()
    # The two parts of each bar: (name, bottom, size, value in the hover, colour, hover, more)
    parts = (
        (
            "L(q, θ)",
            base,
            bound - base,
            bound,
            BOUND_COLOR,
            "L(q, θ) = %{customdata:.6f}",
            {"marker_line": {"color": edge, "width": 3}},
        ),
        (
            "KL gap",
            bound,
            gap,
            gap,
            GAP_COLOR,
            "KL(q ‖ p(z|x,θ)) = %{customdata:.6g}",
            {"text": [_gap_text(g) for g in gap], "textposition": "outside", "cliponaxis": False},
        ),
    )
    for name, bottom, size, value, color, hover, more in parts:
        fig.add_trace(
            go.Bar(
                x=labels,
                y=size,
                base=bottom,
                name=name,
                marker_color=color,
                customdata=value,
                hovertemplate=f"%{{x}}<br>{hover}<extra></extra>",
                **more,
            )
        )
    fig.add_trace(
        go.Scatter(
            x=labels,
            y=ll,
            mode="markers",
            name="log L(θ)",
            marker={"symbol": "line-ew", "size": 28, "line": {"color": MIXTURE_COLOR, "width": 3}},
            hovertemplate="%{x}<br>log L(θ) = %{y:.6f}<extra></extra>",
        )
    )
    fig.update_layout(
        barmode="overlay",
        height=height,
        template="plotly_white",
        margin={"l": 70, "r": 20, "t": 30, "b": 40},
        bargap=0.35,
        legend={"orientation": "h", "y": 1.12, "x": 0},
    )
    fig.update_yaxes(
        title_text="log L = L(q, θ) + KL", range=[base, float(ll.max() + 0.2 * spread)]
    )
    fig.update_xaxes(title_text="E: gap closes · M: bound rises")
    return fig


def bound_slice_figure(
    cut: Slice, *, x_title: str, start_label: str, end_label: str, height: int = 360
) -> go.Figure:
    """log L(θ) (black) and the bound L(q_t, θ) (blue) along a path through θ_t and θ_{t+1},
    as in Bishop's PRML Fig. 9.14 but exact for the data: the curves touch at θ_t, the bound
    peaks at θ_{t+1}, and the gap there (the KL divergence) is drawn and labelled.

    Parameters
    ----------
    cut : gmm_core.bound.Slice
    x_title : str
        What the horizontal axis is (the segment's s, or μ_k).
    start_label, end_label : str
        Names of the two marked points, e.g. "θ₃", "θ₄".
    height : int

    Returns
    -------
    plotly.graph_objects.Figure
        Traces "log L(θ)", "L(q_t, θ)", optionally "L(q_t+1, θ)", and the marked points.
    """
    i0 = int(np.argmin(np.abs(cut.s - cut.start)))
    i1 = int(np.argmin(np.abs(cut.s - cut.end)))
    curves = [
        ("log L(θ)", cut.log_likelihood, {"color": MIXTURE_COLOR, "width": 3}, "log L"),
        (
            f"bound L(q, θ), q = γ of {start_label}",
            cut.bound,
            {"color": BOUND_COLOR, "width": 3},
            "L(q, θ)",
        ),
    ]
    if cut.next_bound is not None:
        curves.append(
            (
                f"next bound, q = γ of {end_label}",
                cut.next_bound,
                {"color": NEXT_BOUND_COLOR, "width": 2, "dash": "dash"},
                "next L(q, θ)",
            )
        )
    fig = go.Figure()
    for name, values, line, hover_name in curves:
        fig.add_trace(
            go.Scatter(
                x=cut.s,
                y=values,
                mode="lines",
                name=name,
                line=line,
                hovertemplate=f"%{{x:.4g}}<br>{hover_name} = %{{y:.6f}}<extra></extra>",
            )
        )
    points_x = [cut.s[i0], cut.s[i1], cut.s[i1]]
    points_y = [cut.log_likelihood[i0], cut.bound[i1], cut.log_likelihood[i1]]
    fig.add_trace(
        go.Scatter(
            x=points_x,
            y=points_y,
            mode="markers+text",
            name="marked points",
            marker={
                "size": 12,
                "color": ["#000000", BOUND_COLOR, "#000000"],
                "line": {"color": "#ffffff", "width": 1.5},
            },
            text=[f"{start_label}: touch", f"bound's top at {end_label}", f"log L({end_label})"],
            textposition=["top left", "bottom right", "top left"],
            cliponaxis=False,
            showlegend=False,
            hovertemplate="%{text}<br>%{y:.6f}<extra></extra>",
        )
    )
    gap = float(cut.log_likelihood[i1] - cut.bound[i1])
    fig.add_trace(
        go.Scatter(
            x=[cut.s[i1], cut.s[i1]],
            y=[cut.bound[i1], cut.log_likelihood[i1]],
            mode="lines",
            name="KL gap",
            line={"color": GAP_COLOR, "width": 6},
            showlegend=False,
            hovertemplate=f"KL gap = {gap:.6g}<extra></extra>",
        )
    )
    fig.add_annotation(
        x=cut.s[i1],
        y=0.5 * (cut.bound[i1] + cut.log_likelihood[i1]),
        ax=60,
        ay=0,
        text=f"gap = KL = {gap:.3g}",
        showarrow=True,
        arrowcolor=GAP_COLOR,
        font={"color": "#7a4d00", "size": 15},
        xanchor="left",
    )
    top = float(np.max(cut.log_likelihood))
    low = float(min(cut.bound[i0], cut.log_likelihood[i0]))
    spread = max(top - low, 1e-9 * max(1.0, abs(top)))
    fig.update_layout(
        height=height,
        template="plotly_white",
        margin={"l": 70, "r": 20, "t": 70, "b": 45},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
    )
    # Focus on the step: from a little below θ_t's value to above the top; the far ends of
    # the bound plunge and are cut off (their values are in the hover).
    fig.update_yaxes(title_text="log-likelihood", range=[low - 2.5 * spread, top + 0.4 * spread])
    fig.update_xaxes(title_text=x_title)
    return fig


def hard_soft_figure(
    soft_log_likelihoods: np.ndarray, hard_log_likelihoods: np.ndarray, *, height: int = 320
) -> go.Figure:
    """log L(θ_t) of ordinary EM (soft γ) and of classification EM (hard labels) from one θ₀.

    Parameters
    ----------
    soft_log_likelihoods : ndarray, shape (T₁ + 1,)
    hard_log_likelihoods : ndarray, shape (T₂ + 1,)
    height : int

    Returns
    -------
    plotly.graph_objects.Figure
        Traces "EM (soft γ)" and "classification EM (hard)".
    """
    fig = go.Figure()
    for name, lls, color, dash in (
        ("EM (soft γ)", soft_log_likelihoods, BOUND_COLOR, "solid"),
        ("classification EM (hard)", hard_log_likelihoods, HARD_COLOR, "dash"),
    ):
        lls = np.asarray(lls, dtype=np.float64)
        fig.add_trace(
            go.Scatter(
                x=np.arange(lls.size),
                y=lls,
                mode="lines+markers",
                name=name,
                line={"color": color, "width": 3, "dash": dash},
                marker={"size": 5},
                hovertemplate="iteration %{x}<br>log L = %{y:.6f}<extra>" + name + "</extra>",
            )
        )
    both = np.concatenate([np.asarray(soft_log_likelihoods), np.asarray(hard_log_likelihoods)])
    later = np.concatenate(
        [np.asarray(soft_log_likelihoods)[1:], np.asarray(hard_log_likelihoods)[1:]]
    )
    fig.update_layout(
        height=height,
        template="plotly_white",
        margin={"l": 70, "r": 20, "t": 30, "b": 45},
        legend={"orientation": "h", "y": 1.15, "x": 0},
    )
    if later.size and both.min() < later.min() - 3 * max(np.ptp(later), 1e-9):
        pad = 0.15 * max(np.ptp(later), 1e-9 * abs(later.max()))
        fig.update_yaxes(range=[later.min() - pad, later.max() + pad])  # θ₀ off the bottom
    fig.update_xaxes(title_text="iteration t")
    fig.update_yaxes(title_text="log L(θ<sub>t</sub>)")
    return fig
