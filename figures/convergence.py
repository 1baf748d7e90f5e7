"""The Aitken asymptote on a log-likelihood trace (a layer over :func:`figures.trace_figure`)."""

from __future__ import annotations

from typing import Any

import numpy as np
import plotly.graph_objects as go

from gmm_core.convergence import aitken_asymptotes

from .notation import LOG_L_D3, log_l
from .spec import figure_builder, trace_object
from .trace import trace_figure_spec

__all__ = [
    "ASYMPTOTE_COLOR",
    "aitken_layer",
    "aitken_trace_figure",
    "aitken_trace_spec",
    "with_aitken_asymptote",
]

ASYMPTOTE_COLOR = "#CC79A7"


def aitken_layer(objective: np.ndarray) -> tuple[dict, dict] | None:
    """Aitken's estimate of the limit of log L as a trace dict and an annotation dict.

    Parameters
    ----------
    objective : ndarray, shape (T + 1,)
        log L(θ_t) (or the log posterior), t = 0..T.

    Returns
    -------
    (dict, dict) or None
        A dotted line "Aitken estimate" through the estimates o_∞ at each iteration
        (:func:`gmm_core.convergence.aitken_asymptotes`; gaps where none exists, or where it
        lies more than twice the trace's climb above its top), and the latest one written
        beside it. None when no estimate exists yet.
    """
    o = np.asarray(objective, dtype=np.float64)
    limit = aitken_asymptotes(o)
    if o.size > 1:  # near a saddle (rate → 1) the estimate shoots off the chart: leave it out
        span = float(np.ptp(o[1:])) or 1e-9 * max(abs(float(o[-1])), 1.0)
        limit[limit > o.max() + 2 * span] = np.nan
    finite = np.flatnonzero(np.isfinite(limit))
    if finite.size == 0:
        return None
    trace = {
        "type": "scatter",
        "x": np.arange(o.size),
        # Gaps as None (JSON null), never NaN: nothing non-finite is sent to the browser.
        "y": [float(v) if np.isfinite(v) else None for v in limit],
        "mode": "lines",
        "name": "Aitken estimate",
        "connectgaps": False,
        "line": {"color": ASYMPTOTE_COLOR, "width": 1.5, "dash": "dot"},
        "hovertemplate": f"iteration %{{x}}<br>Aitken's estimate of the limit = %{{y:{LOG_L_D3}}}"
        "<extra></extra>",
    }
    last = int(finite[-1])
    note = {
        "x": last,
        "y": float(limit[last]),
        "xanchor": "right",
        "yanchor": "bottom",
        "showarrow": False,
        "text": f"limit ≈ {log_l(float(limit[last]))}",
        "font": {"size": 11, "color": ASYMPTOTE_COLOR},
    }
    return trace, note


def with_aitken_asymptote(
    fig: go.Figure, objective: np.ndarray, converged_at: int | None = None
) -> go.Figure:
    """``fig`` (a trace figure) with Aitken's estimate of the limit of log L added
    (:func:`aitken_layer`; changed in place and returned, unchanged when no estimate exists
    yet; the "limit ≈" note only while the run has not converged, as in
    :func:`aitken_trace_spec`). The stepper uses :func:`aitken_trace_figure`, which builds
    both at once."""
    layer = aitken_layer(objective)
    if layer is not None:
        fig.add_trace(trace_object(layer[0]))
        if converged_at is None:
            fig.add_annotation(**layer[1])
    return fig


def aitken_trace_spec(objective: np.ndarray, **options: Any) -> dict:
    """The plain spec of :func:`figures.trace.trace_figure_spec` of ``objective`` (the same
    keyword options: ``current``, ``converged_at``, ``height``) with the Aitken layer
    (:func:`aitken_layer`) added. Once the run has converged the "limit ≈" note is left out:
    the limit is then the last log L to within tol, and the note would sit on the trace's
    "converged at" label. The stepper draws it as :func:`aitken_trace_figure`, the same figure
    as ``with_aitken_asymptote(trace_figure(...), objective, converged_at)``."""
    spec = trace_figure_spec(objective, **options)
    layer = aitken_layer(objective)
    if layer is not None:
        spec["data"].append(layer[0])
        if options.get("converged_at") is None:
            spec["layout"].setdefault("annotations", []).append(layer[1])
    return spec


aitken_trace_figure = figure_builder(aitken_trace_spec)
