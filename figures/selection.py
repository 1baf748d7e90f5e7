"""Model selection: BIC, AIC and ICL against the number of components K.

Solid lines for the model with a variance per component, dashed for the tied model (one σ²
for all); the best model of each criterion is starred. All three are "lower is better".
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import plotly.graph_objects as go

from .palette import PALETTE

__all__ = ["CRITERIA", "CRITERION_COLORS", "criteria_figure", "variance_label"]

#: The criteria, in drawing order.
CRITERIA: tuple[str, ...] = ("BIC", "AIC", "ICL")
#: One colour-blind-safe colour per criterion (Okabe & Ito).
CRITERION_COLORS: dict[str, str] = {"BIC": PALETTE[0], "AIC": PALETTE[4], "ICL": PALETTE[2]}


def variance_label(equal_variance: bool) -> str:
    """"equal σ²" for the tied model, "unequal σ²" otherwise."""
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

    Returns
    -------
    plotly.graph_objects.Figure
        Per criterion and variance model present, one line named e.g. "BIC, unequal σ²"
        (dash "solid" or "dash", legendgroup = criterion); then per entry of ``best`` a star
        named e.g. "best BIC: K = 3, unequal σ²".
    """
    ks = np.asarray(ks, dtype=np.int64).reshape(-1)
    tied = np.asarray(equal_variance, dtype=bool).reshape(-1)
    values = {"BIC": bic, "AIC": aic, "ICL": icl}
    values = {
        name: np.asarray(v, dtype=np.float64).reshape(-1)
        for name, v in values.items() if v is not None
    }
    sizes = {ks.size, tied.size, *(v.size for v in values.values())}
    if len(sizes) > 1:
        raise ValueError(
            "ks, the criteria and equal_variance need one entry per model, got sizes "
            f"{ks.size} (ks), {tied.size} (equal_variance), "
            + ", ".join(f"{v.size} ({name})" for name, v in values.items())
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
            fig.add_trace(
                go.Scatter(
                    x=ks[rows], y=values[name][rows], mode="lines+markers",
                    name=f"{name}, {variance_label(flag)}", legendgroup=name,
                    line={"color": CRITERION_COLORS[name], "width": 2.5,
                          "dash": "dash" if flag else "solid"},
                    marker={"size": 7},
                    hovertemplate=f"K = %{{x}}, {variance_label(flag)}<br>{name} = %{{y:.2f}}"
                    f"<extra>{name}</extra>",
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
                x=[int(k)], y=[float(values[name][rows[0]])], mode="markers", name=label,
                legendgroup=name,
                marker={"symbol": "star", "size": 20, "color": CRITERION_COLORS[name],
                        "line": {"color": "#222222", "width": 1.5}},
                hovertemplate=f"{label}<br>{name} = %{{y:.2f}}<extra></extra>",
            )
        )
    if not fig.data:
        fig.add_annotation(
            text="no models fitted yet", xref="paper", yref="paper", x=0.5, y=0.5,
            showarrow=False, font={"color": "#666", "size": 13},
        )
    fig.update_layout(
        template="plotly_white", hovermode="closest", height=height,
        margin={"l": 70, "r": 20, "t": 40, "b": 50},
        legend={"orientation": "v", "yanchor": "top", "y": 1, "x": 1.02},
        uirevision="criteria",
    )
    fig.update_xaxes(title_text="number of components K", dtick=1)
    fig.update_yaxes(title_text="criterion value (lower is better)")
    return fig
