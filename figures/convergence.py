"""The Aitken asymptote on a log-likelihood trace (a layer over :func:`figures.trace_figure`)."""

from __future__ import annotations

from typing import Any

import numpy as np
import plotly.graph_objects as go

from gmm_core.convergence import aitken_asymptotes

from .notation import LOG_L_D3, log_l
from .spec import SCREEN_FONTS, figure_builder, trace_object
from .trace import corner_note, trace_figure_spec

__all__ = [
    "ASYMPTOTE_COLOR",
    "ASYMPTOTE_TEXT_COLOR",
    "aitken_layer",
    "aitken_trace_figure",
    "aitken_trace_spec",
    "limit_note",
    "with_aitken_asymptote",
]

ASYMPTOTE_COLOR = "#CC79A7"  # Okabe-Ito's reddish purple: the limit's dotted line
#: The "limit ≈" note's text: the same hue, dark enough to read on white (WCAG contrast 5.3,
#: as "converged at"; the line's own colour is 3.1, faint on a projector).
ASYMPTOTE_TEXT_COLOR = "#A34D80"


def aitken_layer(
    objective: np.ndarray, current: int | None = None
) -> tuple[dict, str | None] | None:
    """Aitken's estimate of the limit of log L as a trace dict, and the note on it.

    Parameters
    ----------
    objective : ndarray, shape (T + 1,)
        log L(θ_t) (or the log posterior), t = 0..T.
    current : int, optional
        The iteration on screen (default T).

    Returns
    -------
    (dict, str or None) or None
        A dotted line "Aitken estimate" through the estimates o_∞ at each iteration
        (:func:`gmm_core.convergence.aitken_asymptotes`; gaps where none exists, or where it
        lies more than twice the trace's climb above its top), and the text "limit ≈ …" of
        the estimate at ``current`` (:func:`limit_note`). None when no estimate exists yet.
    """
    o = np.asarray(objective, dtype=np.float64)
    limit = aitken_asymptotes(o)
    if o.size > 1:  # near a saddle (rate → 1) the estimate shoots off the chart: leave it out
        span = float(np.ptp(o[1:])) or 1e-9 * max(abs(float(o[-1])), 1.0)
        limit[limit > o.max() + 2 * span] = np.nan
    if not np.isfinite(limit).any():
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
    return trace, limit_note(o, limit, o.size - 1 if current is None else current)


def limit_note(objective: np.ndarray, limit: np.ndarray, current: int) -> str | None:
    """ "limit ≈ o_∞" for the estimate at iteration ``current``, or None when there is none
    there, or it lies below log L at ``current`` (a limit below a value already reached says
    nothing; an older estimate would be stale: students would watch log L pass it)."""
    if not 0 <= current < limit.size:
        return None
    value = float(limit[current])
    if not np.isfinite(value) or value < float(objective[current]):
        return None
    return f"limit ≈ {log_l(value)}"


def with_aitken_asymptote(
    fig: go.Figure,
    objective: np.ndarray,
    converged_at: int | None = None,
    current: int | None = None,
) -> go.Figure:
    """``fig`` (a trace figure) with Aitken's estimate of the limit of log L added
    (:func:`aitken_layer`; changed in place and returned, unchanged when no estimate exists
    yet; the "limit ≈" note only while the run has not converged, as in
    :func:`aitken_trace_spec`). The stepper uses :func:`aitken_trace_figure`, which builds
    both at once. ``current`` is by default the iteration ``fig`` marks (its "current"
    trace), or the last."""
    if current is None:
        marked = [t.x[0] for t in fig.data if t.name == "current" and t.x]
        current = int(marked[0]) if marked else None
    layer = aitken_layer(objective, current)
    if layer is not None:
        fig.add_trace(trace_object(layer[0]))
        if converged_at is None and layer[1] is not None:
            layout = fig.layout.to_plotly_json()
            spec = corner_note({"data": [], "layout": layout}, layer[1], ASYMPTOTE_TEXT_COLOR)
            fig.update_layout(
                annotations=spec["layout"]["annotations"],
                yaxis_range=spec["layout"]["yaxis"].get("range"),
                margin_l=spec["layout"]["margin"].get("l"),
            )
    return fig


def aitken_trace_spec(objective: np.ndarray, **options: Any) -> dict:
    """The plain spec of :func:`figures.trace.trace_figure_spec` of ``objective`` (the same
    keyword options: ``current``, ``converged_at``, ``height``, ``fonts``, ``notes_below``) with
    the Aitken layer (:func:`aitken_layer`) added. Once the run has converged the "limit ≈"
    note is left out: the limit is then the last log L to within tol. The stepper draws it as
    :func:`aitken_trace_figure`, the same figure as
    ``with_aitken_asymptote(trace_figure(...), objective, converged_at, current)``."""
    spec = trace_figure_spec(objective, **options)
    layer = aitken_layer(objective, options.get("current"))
    if layer is not None:
        spec["data"].append(layer[0])
        if options.get("converged_at") is None and layer[1] is not None:
            corner_note(
                spec,
                layer[1],
                ASYMPTOTE_TEXT_COLOR,
                options.get("fonts", SCREEN_FONTS),
                below=options.get("notes_below", False),
            )
    return spec


aitken_trace_figure = figure_builder(aitken_trace_spec)
