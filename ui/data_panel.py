"""The data panel shared by every page: generate, pick a classic data set, or upload.

A source that fails (a bad upload, an invalid table, values EM cannot scale) shows its message
and changes nothing: the active data and the EM run stay as they were, and the sidebar keeps
naming the data in use. Every user string (file and column names) is shown literally
(:mod:`ui.pure.text`). An upload is parsed once and kept in the session (only the latest file), not
in a process-wide cache.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from gmm_core import MixtureParams
from gmm_core.bundled import DATASETS
from gmm_core.em import data_variance
from gmm_core.upload import MAX_POINTS, DataError, ParsedTable, read_table, select_column

from .pure import keys
from .pure.settings import DATA_SETTINGS, SETTING, defaults
from .pure.text import code, escape, plotly_text
from .session import (
    DEFAULT_TRUTH,
    ActiveData,
    cached_sample,
    dataset_data,
    get_data,
    set_data,
)
from .widgets import keep_values, persistent_editor, rows_as_floats, sentence

__all__ = ["SOURCES", "render_data_panel", "truth_from_table"]

SOURCES = ("Generate", "Data set", "Upload")
MAX_TRUE_COMPONENTS = 6
#: The widgets' starting values: the settings table's (:mod:`ui.pure.settings`) and two of its own.
DEFAULTS = {**defaults(DATA_SETTINGS), "upload_drop": False, keys.SHOW_TRUTH: True}
#: The latest upload's parse, (file_id, ParsedTable or DataError): one per session.
UPLOAD_PARSE_KEY = "upload_parsed"


def _default_truth_table() -> pd.DataFrame:
    t = DEFAULT_TRUTH
    return pd.DataFrame({"μ": t.means, "σ": t.stds, "π": t.weights})


def truth_from_table(table: pd.DataFrame) -> MixtureParams:
    """The generating mixture from the μ/σ/π table (π renormalised to sum to 1).

    Raises
    ------
    ValueError
        With a message naming the row at fault.
    """
    means, stds, weights = (np.array(c) for c in rows_as_floats(table, ("μ", "σ", "π")))
    if not 1 <= means.size <= MAX_TRUE_COMPONENTS:
        raise ValueError(f"The table needs 1 to {MAX_TRUE_COMPONENTS} rows (one per component).")
    with np.errstate(over="ignore", under="ignore"):
        variances = stds**2
        total = weights.sum()
    for name, values, ok in (
        ("μ", means, np.isfinite(means)),
        ("σ", stds, np.isfinite(stds) & (stds > 0)),
        ("π", weights, np.isfinite(weights) & (weights >= 0)),
    ):
        if not ok.all():
            row = int(np.flatnonzero(~ok)[0]) + 1
            need = {"μ": "a number", "σ": "a number > 0", "π": "a number ≥ 0"}[name]
            raise ValueError(f"Row {row}: {name} must be {need}, got {values[row - 1]}.")
    bad = ~(np.isfinite(variances) & (variances > 0))
    if bad.any():
        row = int(np.flatnonzero(bad)[0]) + 1
        raise ValueError(
            f"Row {row}: σ = {stds[row - 1]:g} is out of range for double precision (σ² "
            f"{'overflows' if stds[row - 1] > 1 else 'underflows to 0'}); use a σ between "
            "1e-150 and 1e150."
        )
    if not np.isfinite(total):
        raise ValueError("The weights π are too large to add up; use weights like 0.3 or 2.")
    if total <= 0:
        raise ValueError("At least one weight π must be positive.")
    return MixtureParams.from_stds(weights / total, means, stds)


def _generate() -> ActiveData | None:
    st.caption("True mixture (edit the cells; add or delete rows for 1–6 components)")
    table = persistent_editor(
        "truth",
        _default_truth_table(),
        max_rows=MAX_TRUE_COMPONENTS,
        num_rows="dynamic",
        hide_index=True,
        width="stretch",
        column_config={
            "μ": st.column_config.NumberColumn("μ", format="%.3g", required=True),
            "σ": st.column_config.NumberColumn("σ", min_value=0.0, format="%.3g", required=True),
            "π": st.column_config.NumberColumn("π", min_value=0.0, format="%.3g", required=True),
        },
    )
    st.number_input(
        SETTING["n_points"].label,
        min_value=SETTING["n_points"].bounds[0],
        max_value=SETTING["n_points"].bounds[1],
        step=100,
        key="n_points",
    )
    st.number_input(
        SETTING["gen_seed"].label,
        min_value=SETTING["gen_seed"].bounds[0],
        max_value=SETTING["gen_seed"].bounds[1],
        key="gen_seed",
    )
    try:
        truth = truth_from_table(table)
    except ValueError as err:
        st.error(f"{sentence(err)} The data shown is unchanged.")
        return None
    n, seed = int(st.session_state.n_points), int(st.session_state.gen_seed)
    data_id = f"gen:{truth.to_dict()}:{n}:{seed}"
    if data_id == get_data().data_id:
        return None
    x, _ = cached_sample(tuple(truth.weights), tuple(truth.means), tuple(truth.variances), n, seed)
    k = truth.n_components
    return ActiveData(
        x,
        data_id,
        f"Generated: {n:,} points from {k} component{'s' * (k > 1)}",
        "x",
        truth=truth,
        source="Generate",
    )


def _dataset() -> ActiveData:
    key = st.selectbox(
        "Data set", list(DATASETS), key="dataset", format_func=lambda k: DATASETS[k].title
    )
    ds = DATASETS[key]
    st.caption(f"{ds.description} *Source: {ds.source}.*")
    return dataset_data(key)


def _parsed(uploaded) -> ParsedTable:
    """The uploaded file's table, parsed once per file and kept in this session only (the
    latest file, or its DataError); raises the DataError."""
    kept = st.session_state.get(UPLOAD_PARSE_KEY)
    if kept is None or kept[0] != uploaded.file_id:
        with st.spinner("Reading the file…"):
            try:
                result: ParsedTable | DataError = read_table(uploaded.getvalue(), uploaded.name)
            except DataError as err:
                result = err
        kept = (uploaded.file_id, result)
        st.session_state[UPLOAD_PARSE_KEY] = kept
    if isinstance(kept[1], DataError):
        raise kept[1]
    return kept[1]


def _upload() -> ActiveData | None:
    uploaded = st.file_uploader(
        "CSV, TSV or TXT file of numbers",
        type=["csv", "tsv", "txt", "dat"],
        key="upload",
        help="One value per row, or several columns with or without a header row; "
        f"comma, semicolon, tab, space or | between columns; at most {MAX_POINTS:,} values.",
    )
    if uploaded is None:
        st.session_state.pop(UPLOAD_PARSE_KEY, None)
        st.info("Choose a file. The data in use stays until a file is read successfully.")
        return None
    try:
        table = _parsed(uploaded)
        column = table.default_column
        if len(table.columns) > 1:
            column = st.selectbox("Column", table.columns, key="upload_column")
        drop = st.checkbox("Drop non-finite values (blank, text, NaN, inf)", key="upload_drop")
        picked = select_column(table, column, drop_nonfinite=drop)
    except DataError as err:
        st.error(f"{escape(err)}\n\nThe data and the EM run in use are unchanged.")
        return None
    for note in picked.notes:
        st.info(escape(note))
    values = picked.values
    values.flags.writeable = False
    return ActiveData(
        values,
        f"up:{uploaded.file_id}:{picked.name}:{drop}",
        f"Uploaded: {code(uploaded.name)} — {code(picked.name)} ({values.size:,} values)",
        plotly_text(picked.name),
        notes=picked.notes,
        source="Upload",
    )


def _scale_problem(data: ActiveData) -> str | None:
    """Why EM cannot work on these values in double precision, or None (checked before the
    data is used, so a refusal rebuilds nothing)."""
    try:
        data_variance(data.x)
    except ValueError as err:
        return sentence(err)
    return None


def render_data_panel() -> ActiveData:
    """Draw the data panel (in the current container) and return the active data."""
    keep_values(DEFAULTS)
    source = st.radio("Source", SOURCES, key="data_source")
    candidate = {"Generate": _generate, "Data set": _dataset, "Upload": _upload}[source]()
    if candidate is not None and candidate.data_id != get_data().data_id:
        problem = _scale_problem(candidate)
        if problem is None:
            set_data(candidate)
        else:
            st.error(f"{problem}. The data and the EM run in use are unchanged.")
    data = get_data()
    st.caption(f"In use: **{data.title}** · N = {data.x.size:,}")
    if data.truth is not None:
        st.toggle("Overlay the true components", key=keys.SHOW_TRUTH)
    return data
