"""The Aitken asymptote on a log-likelihood trace (a layer over :func:`figures.trace_figure`)."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from gmm_core.convergence import aitken_asymptotes

__all__ = ["ASYMPTOTE_COLOR", "with_aitken_asymptote"]

ASYMPTOTE_COLOR = "#CC79A7"


def with_aitken_asymptote(fig: go.Figure, objective: np.ndarray) -> go.Figure:
    """``fig`` (a trace figure) with Aitken's estimate of the limit of log L added.

    Parameters
    ----------
    fig : plotly.graph_objects.Figure
        The trace of ``objective``; changed in place and returned.
    objective : ndarray, shape (T + 1,)
        log L(θ_t) (or the log posterior), t = 0..T.

    Returns
    -------
    plotly.graph_objects.Figure
        With a dotted line "Aitken estimate" through the estimates o_∞ at each iteration
        (:func:`gmm_core.convergence.aitken_asymptotes`; gaps where none exists, or where it
        lies more than twice the trace's climb above its top) and the latest one written
        beside it. Unchanged when no estimate exists yet.
    """
    o = np.asarray(objective, dtype=np.float64)
    limit = aitken_asymptotes(o)
    if o.size > 1:  # near a saddle (rate → 1) the estimate shoots off the chart: leave it out
        span = float(np.ptp(o[1:])) or 1e-9 * max(abs(float(o[-1])), 1.0)
        limit[limit > o.max() + 2 * span] = np.nan
    finite = np.flatnonzero(np.isfinite(limit))
    if finite.size == 0:
        return fig
    t = np.arange(o.size)
    fig.add_trace(
        go.Scatter(
            x=t,
            # Gaps as None (JSON null), never NaN: nothing non-finite is sent to the browser.
            y=[float(v) if np.isfinite(v) else None for v in limit],
            mode="lines",
            name="Aitken estimate",
            connectgaps=False,
            line={"color": ASYMPTOTE_COLOR, "width": 1.5, "dash": "dot"},
            hovertemplate="iteration %{x}<br>Aitken's estimate of the limit = %{y:.6f}"
            "<extra></extra>",
        )
    )
    last = int(finite[-1])
    fig.add_annotation(
        x=last,
        y=float(limit[last]),
        xanchor="right",
        yanchor="bottom",
        showarrow=False,
        text=f"limit ≈ {limit[last]:.6g}",
        font={"size": 11, "color": ASYMPTOTE_COLOR},
    )
    return fig
