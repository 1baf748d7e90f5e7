"""Model controls: K, equal variances, initialisation, seed, prior, stopping rule, tolerance,
iteration limit."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from gmm_core import MixtureParams, initial_params
from gmm_core.convergence import STOPPING_LABELS

from .pure import keys
from .pure.run_state import ModelSettings
from .pure.scenario import tolerance_label
from .pure.settings import INIT_LABELS, MAX_K, MODEL_SETTINGS, SETTING, defaults
from .session import ActiveData
from .widgets import keep_values, persistent_editor, reset_editor, rows_as_floats, sentence

__all__ = ["INIT_LABELS", "MAX_K", "manual_table_problem", "render_model_panel"]

#: The widgets' starting values (from the settings table, :mod:`ui.pure.settings`).
DEFAULTS = defaults(MODEL_SETTINGS)
PRIOR_HELP = (
    "MAP-EM with R mclust's priorControl() defaults (Fraley & Raftery 2007): a conjugate "
    "prior shrinks each μₖ towards the data's mean (κ = 0.01) and keeps each σₖ² away from 0 "
    "(ν = 3, scale var(x)/K²). It stops components collapsing onto a point. The criteria then "
    "use log L at the MAP fit, as mclust does."
)
TOL_HELP = {
    "aitken": "Aitken's rule (Böhning et al. 1994; McNicholas et al. 2010): stop when the "
    "estimated limit of log L is within this tolerance per point of the current value. It "
    "does not stop on a plateau, where log L still rises slowly before climbing again.",
    "gain": "Gain rule (scikit-learn, mclust): stop when log L rises by less than this per "
    "point in one iteration. It can stop on a plateau, far from the maximum.",
}


def _manual_default(x: np.ndarray, k: int) -> pd.DataFrame:
    """A starting table from the quantile initialisation (deterministic), one row per component."""
    k = max(1, min(k, int(np.unique(x[:10_000]).size)))
    start = initial_params(x, k, "quantile", np.random.default_rng(0))
    return pd.DataFrame({"μ": start.means, "σ": start.stds, "π": start.weights})


def _rows(mask: np.ndarray) -> str:
    rows = [str(i + 1) for i in np.flatnonzero(mask)]
    return f"row{'s' if len(rows) > 1 else ''} {', '.join(rows)}"


def manual_table_problem(
    means: np.ndarray, stds: np.ndarray, weights: np.ndarray, x: np.ndarray | None = None
) -> str | None:
    """What is wrong with a manual θ₀ table (columns μ, σ, π, shape (K,) each), or None.

    Rows are numbered from 1, as on screen. With the data ``x`` (shape (N,)), a μ too far
    from every value to square the distance in double precision is refused too.
    """
    blank = ~(np.isfinite(means) & np.isfinite(stds) & np.isfinite(weights))
    if blank.any():
        verb = "need" if blank.sum() > 1 else "needs"
        return f"{_rows(blank)} {verb} a number in every cell (μ, σ and π)."
    if (stds <= 0).any():
        return f"σ must be greater than 0 ({_rows(stds <= 0)})."
    with np.errstate(over="ignore", under="ignore"):
        squares, total = stds**2, weights.sum()
    out_of_range = ~(np.isfinite(squares) & (squares > 0))
    if out_of_range.any():  # σ = 1e-300: σ² underflows to 0; σ = 1e200: it overflows
        return (
            f"σ is out of range for double precision ({_rows(out_of_range)}: σ² would be "
            "0 or infinite); use a σ between 1e-150 and 1e150."
        )
    if (weights < 0).any():
        return f"π must be 0 or more ({_rows(weights < 0)})."
    if not np.isfinite(total):
        return "the weights π are too large to add up; use weights like 0.3 or 2."
    if total <= 0:
        return "at least one π must be greater than 0."
    if x is not None and x.size:
        with np.errstate(over="ignore"):
            reach = np.maximum(np.abs(means - x.min()), np.abs(means - x.max())) ** 2
            far = ~np.isfinite(reach * x.size)  # the M-step sums N such squares
        if far.any():
            return (
                f"μ is too far from the data ({_rows(far)}): the squared distance to the values "
                f"(from {x.min():.4g} to {x.max():.4g}) overflows double precision; use a μ "
                "near the data."
            )
    return None


def _manual_params(data: ActiveData, k: int) -> tuple[MixtureParams | None, str | None]:
    """The manual θ₀ table, kept at K rows; returns (params, error message)."""
    name = "manual"
    table = st.session_state.get(f"{name}_table")
    pending = st.session_state.pop(keys.MANUAL_PENDING, None)  # from a preset or a shared link
    if pending is not None:
        reset_editor(name, pending)
        st.session_state[keys.MANUAL_FOR] = data.data_id
    elif table is None or len(table) != k or st.session_state.get(keys.MANUAL_FOR) != data.data_id:
        reset_editor(name, _manual_default(data.x, k))
        st.session_state[keys.MANUAL_FOR] = data.data_id
    table = persistent_editor(
        name,
        _manual_default(data.x, k),
        hide_index=True,
        width="stretch",
        column_config={c: st.column_config.NumberColumn(c, format="%.4g") for c in "μσπ"},
    )
    means, stds, weights = (np.array(c) for c in rows_as_floats(table, ("μ", "σ", "π")))
    problem = manual_table_problem(means, stds, weights, data.x)
    if problem:
        st.error(sentence(problem))
        return None, f"Manual table: {problem}"
    if not np.isclose(weights.sum(), 1.0):
        st.caption(f"π sums to {weights.sum():.4g}: it is rescaled to sum to 1.")
    return MixtureParams.from_stds(weights / weights.sum(), means, stds), None


def _number_input(key: str, where: Any = st) -> Any:
    """The number widget of setting ``key``: its label and bounds from the settings table."""
    setting = SETTING[key]
    low, high = setting.bounds  # type: ignore[misc]
    return where.number_input(setting.label, min_value=low, max_value=high, key=key)


def _selectbox(key: str, where: Any = st, **kwargs: Any) -> Any:
    """The menu of setting ``key``: its label and choices from the settings table."""
    setting = SETTING[key]
    return where.selectbox(setting.label, setting.choices, key=key, **kwargs)


def render_model_panel(data: ActiveData) -> tuple[ModelSettings, str | None]:
    """Draw the model controls and return the chosen settings and any error message."""
    keep_values(DEFAULTS)
    k = _number_input("n_components")
    st.toggle(SETTING["equal_variance"].label, key="equal_variance")
    method = _selectbox("init_method", format_func=INIT_LABELS.__getitem__)
    manual, error = (None, None)
    if method == "manual":
        manual, error = _manual_params(data, int(k))
    else:
        _number_input("seed")
    st.toggle(SETTING["prior"].label, key="prior", help=PRIOR_HELP)
    stopping = _selectbox(
        "stopping",
        format_func=STOPPING_LABELS.__getitem__,
        help=f"{TOL_HELP['aitken']} {TOL_HELP['gain']}",
    )
    col1, col2 = st.columns(2)
    _selectbox("tol", col1, format_func=tolerance_label, help=TOL_HELP[stopping])
    _number_input("max_iter", col2)
    settings = ModelSettings(
        n_components=int(k),
        equal_variance=bool(st.session_state.equal_variance),
        init_method=method,
        seed=int(st.session_state.seed),
        tol=float(st.session_state.tol),
        max_iter=int(st.session_state.max_iter),
        manual=manual,
        prior=bool(st.session_state.prior),
        stopping=stopping,
    )
    return settings, error
