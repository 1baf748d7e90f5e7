"""Many EM runs side by side: where each run ended, how it got there, and the distinct optima.

* :func:`final_loglik_figure`: a strip plot of every run's final log L by init method.
* :func:`traces_figure`: every run's log-likelihood trace overlaid.
* :func:`optima_figure`: the histogram with the mixture f(x) of each distinct optimum.

Runs are numbered from 0 (their index in the inputs, also in ``customdata``); optima are given
best first and shown numbered from 1 ("optimum 1" is the best).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from gmm_core.binning import curve_grid
from gmm_core.params import MixtureParams

from .mixture import (
    GRID_POINTS,
    density_axis_top,
    histogram_traces,
    mixture_line_spec,
    weighted_densities,
)
from .notation import LOG_L_D3, log_l
from .palette import MIXTURE_COLOR, PALETTE, with_alpha
from .spec import centre_note, trace_object

__all__ = [
    "MAX_OPTIMA_DRAWN",
    "METHOD_COLORS",
    "OTHER_METHOD_COLOR",
    "TRACE_JSON_BUDGET",
    "decimate",
    "final_loglik_figure",
    "method_color",
    "method_order",
    "optima_figure",
    "optimum_color",
    "traces_figure",
]

#: Init method → colour (Okabe & Ito, as in :mod:`figures.palette`), in display order.
METHOD_COLORS: dict[str, str] = {
    "random": PALETTE[4],  # orange
    "kmeans++": PALETTE[0],  # blue
    "quantile": PALETTE[2],  # bluish green
    "kmeans": PALETTE[3],  # reddish purple
    "manual": PALETTE[1],  # vermillion
}
#: Colour of a method not in ``METHOD_COLORS``.
OTHER_METHOD_COLOR = "#777777"
#: At most this many optima get a curve in :func:`optima_figure`.
MAX_OPTIMA_DRAWN = 8
#: Bytes of JSON that :func:`traces_figure` aims at (up to ~400 runs; each run's line costs
#: ~400 bytes, and every point, x as uint16 and y as float64 in base64, ~13.3 more).
TRACE_JSON_BUDGET = 260_000
_TRACE_BYTES, _POINT_BYTES, _FIXED_BYTES = 420, 14, 12_000

_LAYOUT = {"template": "plotly_white", "hovermode": "closest"}
_MARGIN = {"l": 70, "r": 20, "t": 40, "b": 50}
#: Levels across the visible y span within which :func:`decimate` keeps a trace (sub-pixel).
_TRACE_LEVELS = 2_000
_SELECTED_COLOR = "#222222"
#: How far above the best run's line its note sits (px), and the room kept above the line for
#: it (a share of the runs' span of log L).
_NOTE_LIFT_PX = 12
_NOTE_HEADROOM = 0.18


def method_labels(methods: Sequence[str], counts: Sequence[int]) -> list[str]:
    """The strip's column labels, "method (runs)", level. With three columns or more every
    other one is a line lower, so neighbours never run into each other in a narrow chart or in
    lecture type (rotated, the last one ran out of the figure; side by side on one line they
    ran together at 1024 px)."""
    stagger = len(methods) > 2
    return [
        ("<br>" if stagger and i % 2 else "") + f"{m} ({c})"
        for i, (m, c) in enumerate(zip(methods, counts, strict=True))
    ]


def _headroom(values: np.ndarray) -> list[float]:
    """The y range for final log L ``values`` (finite, shape (R,)): 5 % below the lowest and
    room above the best for its note. Equal values get a span of 1 % of their size (or 1)."""
    low, high = float(np.min(values)), float(np.max(values))
    span = high - low or max(abs(high) * 0.01, 1.0)
    return [low - 0.05 * span, high + _NOTE_HEADROOM * span]


def method_color(method: str) -> str:
    """The colour of init method ``method`` (grey for one not in ``METHOD_COLORS``)."""
    return METHOD_COLORS.get(method, OTHER_METHOD_COLOR)


def method_order(methods: Sequence[str]) -> list[str]:
    """The distinct methods present: the known ones in ``METHOD_COLORS`` order, then others in
    order of first appearance."""
    present = list(dict.fromkeys(str(m) for m in methods))
    known = [m for m in METHOD_COLORS if m in present]
    return known + [m for m in present if m not in METHOD_COLORS]


def optimum_color(i: int) -> str:
    """Colour of optimum i (0-based): the best in the mixture's black, then the palette."""
    return MIXTURE_COLOR if i == 0 else PALETTE[(i - 1) % len(PALETTE)]


def _check_lengths(**arrays: np.ndarray) -> int:
    sizes = {name: len(a) for name, a in arrays.items()}
    if len(set(sizes.values())) > 1:
        detail = ", ".join(f"{name} {size}" for name, size in sizes.items())
        raise ValueError(f"one entry per run expected, got lengths {detail}")
    return next(iter(sizes.values()))


# ---------------------------------------------------------------- final log L strip plot


def _jitter(n: int, spread: float = 0.5) -> np.ndarray:
    """Deterministic offsets in (−spread/2, spread/2), shape (n,): the golden-ratio sequence
    spreads any number of points evenly, and adding runs does not move the earlier ones."""
    return ((np.arange(n) * 0.6180339887498949) % 1.0 - 0.5) * spread


def final_loglik_figure(
    log_likelihoods: np.ndarray,
    methods: Sequence[str],
    optimum: np.ndarray,
    *,
    selected: int | None = None,
    seeds: np.ndarray | None = None,
    iterations: np.ndarray | None = None,
    height: int = 380,
    degenerate: np.ndarray | None = None,
) -> go.Figure:
    """Every run's final log L as a jittered strip, one column per init method.

    Parameters
    ----------
    log_likelihoods : ndarray, shape (R,)
        Final log L of each run; runs without a finite value are left out (and counted in a
        note).
    methods : sequence of str, length R
        Init method of each run; sets the column and the colour (:data:`METHOD_COLORS`).
    optimum : ndarray of int, shape (R,)
        Which distinct optimum each run reached, 0-based, 0 = best (shown as "optimum 1").
    selected : int, optional
        A run to highlight (ignored when out of range or not finite).
    seeds, iterations : ndarray of int, shape (R,), optional
        Shown in the hover when given.
    height : int
        Pixels.
    degenerate : ndarray of bool, shape (R,), optional
        Runs that ended degenerate (a variance at the floor): crossed out by a trace named
        "degenerate (variance at the floor)" when any is.

    Returns
    -------
    plotly.graph_objects.Figure
        One marker trace per method (name = method), the degenerate crosses when any, a
        "selected run" trace when ``selected`` is drawn, and a dotted line at the best log L.
        Every point's ``customdata[0]`` is its run index (then its optimum number from 1, and
        the seed and iterations when given).
    """
    ll = np.asarray(log_likelihoods, dtype=np.float64).reshape(-1)
    methods = [str(m) for m in methods]
    optimum = np.asarray(optimum, dtype=np.int64).reshape(-1)
    columns = {"log_likelihoods": ll, "methods": methods, "optimum": optimum}
    if seeds is not None:
        columns["seeds"] = np.asarray(seeds, dtype=np.int64).reshape(-1)
    if iterations is not None:
        columns["iterations"] = np.asarray(iterations, dtype=np.int64).reshape(-1)
    n_runs = _check_lengths(**columns)

    custom = [np.arange(n_runs), optimum + 1]
    hover = "run %{customdata[0]}<br>log L = %{text}<br>optimum %{customdata[1]}"
    if seeds is not None:
        custom.append(columns["seeds"])
        hover += f"<br>seed %{{customdata[{len(custom) - 1}]}}"
    if iterations is not None:
        custom.append(columns["iterations"])
        hover += f"<br>%{{customdata[{len(custom) - 1}]}} iterations"
    custom = np.column_stack(custom) if n_runs else np.zeros((0, len(custom)), dtype=np.int64)

    fig = go.Figure()
    finite = np.isfinite(ll)
    method_array = np.asarray(methods, dtype=object)
    order = method_order(methods)
    x_of_run = np.zeros(n_runs)
    for position, method in enumerate(order):
        runs = np.flatnonzero((method_array == method) & finite)
        x_of_run[runs] = position + _jitter(runs.size)
        fig.add_trace(
            go.Scatter(
                x=x_of_run[runs],
                y=ll[runs],
                mode="markers",
                name=method,
                marker={
                    "color": method_color(method),
                    "size": 9,
                    "opacity": 0.8,
                    "line": {"color": "white", "width": 0.5},
                },
                customdata=custom[runs],
                text=[log_l(v) for v in ll[runs]],
                hovertemplate=hover + f"<extra>{method}</extra>",
            )
        )
    bad = (
        np.zeros(n_runs, dtype=bool)
        if degenerate is None
        else np.asarray(degenerate, dtype=bool).reshape(-1)
    )
    if bad.size != n_runs:
        raise ValueError(f"degenerate needs one entry per run, got {bad.size} for {n_runs}")
    crossed = np.flatnonzero(bad & finite)
    if crossed.size:
        fig.add_trace(
            go.Scatter(
                x=x_of_run[crossed],
                y=ll[crossed],
                mode="markers",
                name="degenerate (variance at the floor)",
                marker={"symbol": "x-thin-open", "size": 13, "color": "#222", "line": {"width": 2}},
                customdata=custom[crossed],
                text=[log_l(v) for v in ll[crossed]],
                hovertemplate=hover + "<br>degenerate: a variance at the floor"
                "<extra>degenerate</extra>",
            )
        )
    if selected is not None and 0 <= selected < n_runs and finite[selected]:
        fig.add_trace(
            go.Scatter(
                x=[x_of_run[selected]],
                y=[ll[selected]],
                mode="markers",
                name="selected run",
                marker={
                    "symbol": "circle-open",
                    "size": 18,
                    "color": _SELECTED_COLOR,
                    "line": {"width": 3},
                },
                customdata=custom[[selected]],
                text=[log_l(ll[selected])],
                hovertemplate=hover + "<extra>selected run</extra>",
            )
        )
    if finite.any():
        best = float(ll[finite].max())
        fig.add_hline(
            y=best,
            line={"color": MIXTURE_COLOR, "width": 1.5, "dash": "dot"},
            # "stopped at": the page's best log L is that optimum refined past the stopping
            # rule, a little higher; two "best" values that differ would puzzle a class.
            annotation_text=f"best run stopped at log L = {log_l(best)}",
            annotation_position="top left",
            # Clear of the runs' dots on the line (the selected run's ring is 18 px wide).
            annotation_yshift=_NOTE_LIFT_PX,
        )
        fig.update_yaxes(range=_headroom(ll[finite]))
    else:
        fig.add_annotation(
            **centre_note("no runs yet" if n_runs == 0 else "no run has a finite log L")
        )
    if n_runs and not finite.all():
        missing = int((~finite).sum())
        fig.add_annotation(
            text=f"{missing} run{'s' if missing > 1 else ''} without a finite log L not shown",
            xref="paper",
            yref="paper",
            x=1,
            y=-0.16,
            xanchor="right",
            showarrow=False,
            font={"color": "#666", "size": 11},
        )
    counts = [int(np.sum(method_array == m)) for m in order]
    fig.update_layout(
        **_LAYOUT,
        height=height,
        margin=_MARGIN,
        clickmode="event+select",
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
        uirevision="final-loglik",
    )
    fig.update_xaxes(
        title_text="init method",
        tickvals=list(range(len(order))),
        ticktext=method_labels(order, counts),
        tickangle=0,
        range=[-0.6, max(len(order), 1) - 0.4],
        zeroline=False,
    )
    fig.update_yaxes(title_text="final log L")
    return fig


# ---------------------------------------------------------------- traces overlaid


def decimate(values: np.ndarray, tolerance: float, origin: float | None = None) -> np.ndarray:
    """Indices of the points of a line worth drawing, shape (M,), M ≤ len(values).

    The y axis is cut into levels ``tolerance`` apart from ``origin`` (default: the lowest
    value); a point is kept where the level changes (with the point before it, so a sudden
    jump keeps its corner), and the first and last points always. Between two kept points the
    line stays within one level, so drawing straight segments between them is off by less
    than ``tolerance``. A converged run's long flat tail shrinks to its two ends, and once
    ``tolerance`` exceeds the span above ``origin`` only the two ends remain.

    Parameters
    ----------
    values : ndarray, shape (N,)
        Finite y values of the line, in order.
    tolerance : float
        The largest vertical error allowed (> 0; otherwise every point is kept).
    origin : float, optional
        Where the levels start; give the same one to lines drawn together.
    """
    n = values.size
    if n <= 2 or not tolerance > 0:
        return np.arange(n)
    start = float(values.min()) if origin is None else origin
    with np.errstate(over="ignore", invalid="ignore"):
        level = np.floor((values - start) / tolerance)
    change = np.flatnonzero(level[1:] != level[:-1]) + 1
    return np.unique(np.concatenate(([0, n - 1], change, change - 1)))


def _focus(finite_traces: list[np.ndarray]) -> tuple[float, float]:
    """The y span worth showing: from the lowest log L after the first step (log L(θ_0) of a
    poor start may lie far below) to the highest."""
    drawn = [y for y in finite_traces if y.size]
    if not drawn:
        return 0.0, 1.0
    top = max(float(y.max()) for y in drawn)
    low = min(float(y[min(1, y.size - 1) :].min()) for y in drawn)
    pad = 0.05 * (top - low) if top > low else max(1e-9 * abs(top), 1e-9)
    return low - pad, top + pad


def traces_figure(
    traces: Sequence[np.ndarray],
    methods: Sequence[str],
    *,
    selected: int | None = None,
    height: int = 380,
) -> go.Figure:
    """Every run's log-likelihood trace log L(θ_t) over iterations t, overlaid.

    Thin, semi-transparent lines coloured by init method (one legend entry per method; the
    entry toggles all its runs); the selected run bold on top. Each trace is thinned by
    :func:`decimate` to what is visible (a flat tail becomes one segment), with a tolerance
    that grows until the figure fits ``TRACE_JSON_BUDGET`` bytes, so 200 runs of 1,000
    iterations stay under 300 KB of JSON. Non-finite values are left out.

    Parameters
    ----------
    traces : sequence of ndarray, length R
        log L per iteration of each run (shape (T_r + 1,); lengths differ).
    methods : sequence of str, length R
        Init method of each run.
    selected : int, optional
        The run drawn bold (ignored when out of range).
    height : int
        Pixels.

    Returns
    -------
    plotly.graph_objects.Figure
        One line trace per run with points (name = its method, legendgroup = method), then
        "run i (selected)" when ``selected`` is drawn.
    """
    methods = [str(m) for m in methods]
    n_runs = _check_lengths(traces=traces, methods=methods)
    finite_traces, iterations = [], []
    for trace in traces:
        y = np.asarray(trace, dtype=np.float64).reshape(-1)
        keep = np.isfinite(y)
        finite_traces.append(y[keep])
        iterations.append(np.flatnonzero(keep))
    low, high = _focus(finite_traces)
    origin = min((float(y.min()) for y in finite_traces if y.size), default=0.0)
    tolerance = (high - low) / _TRACE_LEVELS
    budget = max((TRACE_JSON_BUDGET - _FIXED_BYTES - _TRACE_BYTES * n_runs) // _POINT_BYTES, 0)
    # Coarser until the budget is met; after ~1100 doublings a level is wider than any span of
    # doubles, and every line is down to its two ends.
    for _ in range(1_100):
        kept = [decimate(y, tolerance, origin) for y in finite_traces]
        if sum(k.size for k in kept) <= budget or not np.isfinite(tolerance):
            break
        tolerance *= 2.0
    last = max((int(t[-1]) for t in iterations if t.size), default=0)
    x_type = np.uint16 if last < np.iinfo(np.uint16).max else np.uint32

    fig = go.Figure()
    shown: set[str] = set()
    selected_run = selected if selected is not None and 0 <= selected < n_runs else None
    lines = [(run, False) for run in range(n_runs)]
    if selected_run is not None:
        lines.append((selected_run, True))  # drawn again, last, so it is on top
    for run, bold in lines:
        if not finite_traces[run].size:
            continue
        method, idx = methods[run], kept[run]
        color = method_color(method)
        fig.add_trace(
            go.Scatter(
                x=iterations[run][idx].astype(x_type),
                y=finite_traces[run][idx],
                mode="lines",
                name=f"run {run} (selected)" if bold else method,
                legendgroup=None if bold else method,
                showlegend=bool(bold or method not in shown),
                line={"color": color, "width": 3}
                if bold
                else {"color": with_alpha(color, 0.35), "width": 1},
                # A d3 format, not log_l's text per point: 200 runs' traces stay < 300 KB.
                hovertemplate=f"run {run} · {method}<br>iteration %{{x}}<br>"
                f"log L = %{{y:{LOG_L_D3}}}<extra></extra>",
                meta={"run": run},
            )
        )
        shown.add(method)
    fig.update_layout(
        **_LAYOUT,
        height=height,
        margin=_MARGIN,
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
        uirevision="traces",
    )
    fig.update_xaxes(title_text="iteration t", rangemode="tozero")
    fig.update_yaxes(title_text="log L(θ<sub>t</sub>)", range=[low, high] if n_runs else None)
    if not any(y.size for y in finite_traces):
        fig.add_annotation(
            **centre_note("no runs yet" if n_runs == 0 else "no run has a finite log L")
        )
    return fig


# ---------------------------------------------------------------- distinct optima


def _percent(share: float) -> str:
    if not np.isfinite(share) or share <= 0:
        return "0%"
    return "<1%" if share < 0.005 else f"{100 * share:.0f}%"


def optima_figure(
    edges: np.ndarray,
    counts: np.ndarray,
    optima: Sequence[MixtureParams],
    log_likelihoods: np.ndarray,
    shares: np.ndarray,
    *,
    x_label: str = "x",
    height: int = 420,
) -> go.Figure:
    """The data's histogram with the mixture f(x) of every distinct optimum the runs reached.

    Parameters
    ----------
    edges, counts : ndarray, shapes (B + 1,) and (B,)
        Equal-width bin edges and the points in each bin, drawn as grey density bars.
    optima : sequence of MixtureParams, length M
        The distinct optima, best first; at most ``MAX_OPTIMA_DRAWN`` are drawn (the legend's
        title says how many were left out, and their share of the runs).
    log_likelihoods : ndarray, shape (M,)
        log L of each optimum.
    shares : ndarray, shape (M,)
        Fraction of the runs that reached each optimum.
    x_label : str
        Title of the x axis.
    height : int
        Pixels.

    Returns
    -------
    plotly.graph_objects.Figure
        The "histogram" bar trace, then one line per drawn optimum named
        "optimum i: log L = …, p% of runs" (optimum 1 black and thickest).
    """
    edges = np.asarray(edges, dtype=np.float64)
    counts = np.asarray(counts)
    ll = np.asarray(log_likelihoods, dtype=np.float64).reshape(-1)
    shares = np.asarray(shares, dtype=np.float64).reshape(-1)
    n_optima = _check_lengths(optima=optima, log_likelihoods=ll, shares=shares)
    drawn = list(optima[:MAX_OPTIMA_DRAWN])

    fig = go.Figure(histogram_traces(edges, counts, None))
    histogram_top = float(np.max(fig.data[0].y)) if counts.size else 0.0
    curve_top = 0.0
    if drawn:
        grid = curve_grid(edges, *drawn, n=GRID_POINTS)
        for i, params in enumerate(drawn):
            density = weighted_densities(grid, params).sum(axis=0)
            label = f"optimum {i + 1}: log L = {log_l(ll[i])}, {_percent(shares[i])} of runs"
            trace = trace_object(
                mixture_line_spec(
                    grid,
                    density,
                    name=label,
                    color=optimum_color(i),
                    width=3.5 if i == 0 else 2,
                    hover_label=f"optimum {i + 1}",
                )
            )
            fig.add_trace(trace)
            curve_top = max(curve_top, float(np.max(trace.y)))
    else:
        fig.add_annotation(**centre_note("no optima yet: run EM first"))
    legend = {"orientation": "v", "yanchor": "top", "y": 1, "x": 1.02}
    if n_optima > len(drawn):
        rest = float(np.nansum(shares[len(drawn) :]))
        legend["title"] = {
            "text": f"{len(drawn)} of {n_optima} optima drawn "
            f"(the other {n_optima - len(drawn)}: {_percent(rest)} of runs)"
        }
    fig.update_layout(
        **_LAYOUT,
        height=height,
        margin={**_MARGIN, "r": 10},
        bargap=0.02,
        legend=legend,
        uirevision="optima",
    )
    fig.update_xaxes(title_text=x_label)
    fig.update_yaxes(
        title_text="density",
        range=[0, density_axis_top(histogram_top, curve_top)],
        exponentformat="power",
    )
    return fig
