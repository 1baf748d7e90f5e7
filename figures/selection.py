"""Model selection: BIC, AIC and ICL against the number of components K.

Solid lines for the model with a variance per component, dashed for the tied model (one σ²
for all); the best model of each criterion is starred. All three are "lower is better".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import plotly.graph_objects as go

from .palette import PALETTE, component_color
from .spec import centre_note

__all__ = [
    "CRITERIA",
    "CRITERION_COLORS",
    "criteria_figure",
    "uncertainty_figure",
    "variance_label",
]

#: The criteria, in drawing order.
CRITERIA: tuple[str, ...] = ("BIC", "AIC", "ICL")
#: One colour-blind-safe colour per criterion (Okabe & Ito).
CRITERION_COLORS: dict[str, str] = {"BIC": PALETTE[0], "AIC": PALETTE[4], "ICL": PALETTE[2]}
#: Crosses over degenerate fits (not candidates).
DEGENERATE_COLOR = "#7f7f7f"


def variance_label(equal_variance: bool) -> str:
    """ "equal σ²" for the tied model, "unequal σ²" otherwise."""
    return "equal σ²" if equal_variance else "unequal σ²"


def criteria_figure(
    ks: np.ndarray,
    bic: np.ndarray,
    aic: np.ndarray,
    icl: np.ndarray | None,
    equal_variance: np.ndarray,
    *,
    best: Mapping[str, tuple[int, bool]],
    height: int = 400,
    degenerate: np.ndarray | None = None,
) -> go.Figure:
    """BIC, AIC and ICL of every fitted model against K.

    Parameters
    ----------
    ks : ndarray of int, shape (M,)
        K of each fitted model (any order).
    bic, aic : ndarray, shape (M,)
        The criteria of each model; non-finite values are left out.
    icl : ndarray, shape (M,), optional
        ICL of each model; None draws no ICL.
    equal_variance : ndarray of bool, shape (M,)
        Whether each model ties the variances.
    best : mapping of str to (int, bool)
        Criterion name ("BIC", "AIC", "ICL"; any case) → (K, equal_variance) of its best
        model, marked with a star. Entries naming no drawn model are skipped.
    height : int
        Pixels.
    degenerate : ndarray of bool, shape (M,), optional
        Models that are not candidates (a variance at the floor): their points are covered by
        grey crosses, one trace per criterion named e.g. "BIC: degenerate (not a candidate)".

    Returns
    -------
    plotly.graph_objects.Figure
        Per criterion and variance model present, one line named e.g. "BIC, unequal σ²"
        (dash "solid" or "dash", legendgroup = criterion); then per entry of ``best`` a star
        named e.g. "best BIC: K = 3, unequal σ²"; then the degenerate crosses.
    """
    ks = np.asarray(ks, dtype=np.int64).reshape(-1)
    tied = np.asarray(equal_variance, dtype=bool).reshape(-1)
    values = {"BIC": bic, "AIC": aic, "ICL": icl}
    values = {
        name: np.asarray(v, dtype=np.float64).reshape(-1)
        for name, v in values.items()
        if v is not None
    }
    sizes = {ks.size, tied.size, *(v.size for v in values.values())}
    if len(sizes) > 1:
        raise ValueError(
            "ks, the criteria and equal_variance need one entry per model, got sizes "
            f"{ks.size} (ks), {tied.size} (equal_variance), "
            + ", ".join(f"{v.size} ({name})" for name, v in values.items())
        )

    def models(
        name: str, rows: np.ndarray, label: str, hover: str, extra: str = "", **style: Any
    ) -> go.Scatter:
        """Criterion ``name`` of the models ``rows`` against K, in the legend group ``name``;
        the hover says ``hover`` and the value (and ``extra`` in its box)."""
        return go.Scatter(
            x=ks[rows],
            y=values[name][rows],
            name=label,
            legendgroup=name,
            hovertemplate=f"{hover}<br>{name} = %{{y:.2f}}<extra>{extra}</extra>",
            **style,
        )

    fig = go.Figure()
    for name in CRITERIA:
        if name not in values:
            continue
        for flag in (False, True):
            rows = np.flatnonzero((tied == flag) & np.isfinite(values[name]))
            if rows.size == 0:
                continue
            rows = rows[np.argsort(ks[rows], kind="stable")]
            line = {
                "color": CRITERION_COLORS[name],
                "width": 2.5,
                "dash": "dash" if flag else "solid",
            }
            fig.add_trace(
                models(
                    name,
                    rows,
                    f"{name}, {variance_label(flag)}",
                    f"K = %{{x}}, {variance_label(flag)}",
                    name,
                    mode="lines+markers",
                    line=line,
                    marker={"size": 7},
                )
            )
    for key, (k, flag) in best.items():
        name = str(key).upper()
        if name not in values:
            continue
        rows = np.flatnonzero((ks == int(k)) & (tied == bool(flag)) & np.isfinite(values[name]))
        if rows.size == 0:
            continue
        label = f"best {name}: K = {int(k)}, {variance_label(bool(flag))}"
        fig.add_trace(
            go.Scatter(
                x=[int(k)],
                y=[float(values[name][rows[0]])],
                mode="markers",
                name=label,
                legendgroup=name,
                marker={
                    "symbol": "star",
                    "size": 20,
                    "color": CRITERION_COLORS[name],
                    "line": {"color": "#222222", "width": 1.5},
                },
                hovertemplate=f"{label}<br>{name} = %{{y:.2f}}<extra></extra>",
            )
        )
    flags = (
        np.zeros(ks.size, dtype=bool)
        if degenerate is None
        else np.asarray(degenerate, dtype=bool).reshape(-1)
    )
    if flags.size != ks.size:
        raise ValueError(f"degenerate needs one entry per model, got {flags.size} for {ks.size}")
    for name in CRITERIA:
        rows = np.flatnonzero(flags & np.isfinite(values[name])) if name in values else []
        if len(rows) == 0:
            continue
        fig.add_trace(
            models(
                name,
                rows,
                f"{name}: degenerate (not a candidate)",
                "K = %{x}: degenerate, a variance at the floor; not a candidate",
                mode="markers",
                marker={"symbol": "x", "size": 12, "color": DEGENERATE_COLOR},
            )
        )
    if not fig.data:
        fig.add_annotation(**centre_note("no models fitted yet"))
    fig.update_layout(
        template="plotly_white",
        hovermode="closest",
        height=height,
        margin={"l": 70, "r": 20, "t": 40, "b": 50},
        legend={"orientation": "v", "yanchor": "top", "y": 1, "x": 1.02},
        uirevision="criteria",
    )
    fig.update_xaxes(title_text="number of components K", dtick=1)
    fig.update_yaxes(title_text="criterion value (lower is better)")
    return fig


def uncertainty_figure(
    grid: np.ndarray,
    uncertainty: np.ndarray,
    *,
    points: np.ndarray | None = None,
    point_uncertainty: np.ndarray | None = None,
    point_labels: np.ndarray | None = None,
    x_label: str = "x",
    height: int = 300,
) -> go.Figure:
    """Classification uncertainty 1 − max_k γ(z_nk) along x (a function of x alone).

    Parameters
    ----------
    grid : ndarray, shape (G,)
        x values of the curve, increasing.
    uncertainty : ndarray, shape (G,)
        1 − max_k γ at each grid value, in [0, 1 − 1/K].
    points, point_uncertainty : ndarray, shape (N,), optional
        The data and their uncertainty, drawn as markers on the curve.
    point_labels : ndarray of int, shape (N,), optional
        Each point's most likely component (0-based), its marker colour.
    x_label : str
    height : int
        Pixels.

    Returns
    -------
    plotly.graph_objects.Figure
        A line named "uncertainty", and "data points" markers when given.
    """
    grid = np.asarray(grid, dtype=np.float64).reshape(-1)
    u = np.asarray(uncertainty, dtype=np.float64).reshape(-1)
    if grid.size != u.size:
        raise ValueError(f"grid and uncertainty differ in length: {grid.size} and {u.size}")
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=grid,
            y=u,
            mode="lines",
            name="uncertainty",
            line={"color": "#444", "width": 2},
            hovertemplate="x = %{x:.4g}<br>1 − max γ = %{y:.3f}<extra></extra>",
        )
    )
    if points is not None and point_uncertainty is not None:
        labels = (
            np.zeros(np.size(points), dtype=int)
            if point_labels is None
            else np.asarray(point_labels, dtype=int)
        )
        fig.add_trace(
            go.Scatter(
                x=np.asarray(points, dtype=np.float64),
                y=np.asarray(point_uncertainty),
                mode="markers",
                name="data points",
                marker={
                    "size": 6,
                    "color": [component_color(int(k)) for k in labels],
                    "line": {"color": "#222", "width": 0.5},
                },
                hovertemplate="x = %{x:.6g}<br>1 − max γ = %{y:.3f}<extra></extra>",
            )
        )
    fig.update_layout(
        template="plotly_white",
        height=height,
        showlegend=False,
        margin={"l": 70, "r": 20, "t": 30, "b": 50},
        uirevision="uncertainty",
    )
    fig.update_xaxes(title_text=x_label)
    fig.update_yaxes(title_text="1 − max<sub>k</sub> γ(z<sub>nk</sub>)", rangemode="tozero")
    return fig
