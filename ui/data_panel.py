"""The data panel shared by every page: generate, pick a classic data set, or upload.

A source that fails (a bad upload, an invalid table) shows its message and changes nothing:
the active data and the EM run stay as they were.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from gmm_core import MixtureParams
from gmm_core.data import DATASETS, MAX_POINTS, DataError, ParsedTable, read_table, select_column

from .session import (
    DEFAULT_GEN_SEED,
    DEFAULT_N,
    DEFAULT_TRUTH,
    ActiveData,
    cached_sample,
    dataset_data,
    get_data,
    set_data,
)
from .widgets import keep_values, persistent_editor, rows_as_floats

__all__ = ["SOURCES", "render_data_panel", "truth_from_table"]

SOURCES = ("Generate", "Data set", "Upload")
MAX_TRUE_COMPONENTS = 6
DEFAULTS = {
    "data_source": "Generate",
    "n_points": DEFAULT_N,
    "gen_seed": DEFAULT_GEN_SEED,
    "dataset": "old_faithful_waiting",
    "upload_drop": False,
    "show_truth": True,
}


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
    for name, values, ok in (
        ("μ", means, np.isfinite(means)),
        ("σ", stds, np.isfinite(stds) & (stds > 0)),
        ("π", weights, np.isfinite(weights) & (weights >= 0)),
    ):
        if not ok.all():
            row = int(np.flatnonzero(~ok)[0]) + 1
            need = {"μ": "a number", "σ": "a number > 0", "π": "a number ≥ 0"}[name]
            raise ValueError(f"Row {row}: {name} must be {need}, got {values[row - 1]}.")
    if weights.sum() <= 0:
        raise ValueError("At least one weight π must be positive.")
    return MixtureParams.from_stds(weights / weights.sum(), means, stds)


def _generate() -> ActiveData | None:
    st.caption("True mixture (edit the cells; add or delete rows for 1–6 components)")
    table = persistent_editor(
        "truth", _default_truth_table(), max_rows=MAX_TRUE_COMPONENTS, num_rows="dynamic",
        hide_index=True, width="stretch",
        column_config={
            "μ": st.column_config.NumberColumn("μ", format="%.3g", required=True),
            "σ": st.column_config.NumberColumn("σ", min_value=0.0, format="%.3g", required=True),
            "π": st.column_config.NumberColumn("π", min_value=0.0, format="%.3g", required=True),
        },
    )
    st.number_input(
        "Number of points N", min_value=10, max_value=MAX_POINTS, step=100, key="n_points"
    )
    st.number_input("Seed for the data", min_value=0, max_value=2**31 - 1, key="gen_seed")
    try:
        truth = truth_from_table(table)
    except ValueError as err:
        st.error(f"{err} The data shown is unchanged.")
        return None
    n, seed = int(st.session_state.n_points), int(st.session_state.gen_seed)
    data_id = f"gen:{truth.to_dict()}:{n}:{seed}"
    if data_id == get_data().data_id:
        return None
    x, _ = cached_sample(
        tuple(truth.weights), tuple(truth.means), tuple(truth.variances), n, seed
    )
    k = truth.n_components
    return ActiveData(
        x, data_id, f"Generated: {n:,} points from {k} component{'s' * (k > 1)}", "x",
        truth=truth, source="Generate",
    )


def _dataset() -> ActiveData:
    key = st.selectbox(
        "Data set", list(DATASETS), key="dataset", format_func=lambda k: DATASETS[k].title
    )
    ds = DATASETS[key]
    st.caption(f"{ds.description} *Source: {ds.source}.*")
    return dataset_data(key)


@st.cache_data(max_entries=4, show_spinner="Reading the file…")
def _read(
    file_id: str,  # noqa: ARG001 (the cache key standing for the unhashed bytes)
    _data: bytes,
    filename: str,
) -> ParsedTable:
    return read_table(_data, filename)


def _upload() -> ActiveData | None:
    uploaded = st.file_uploader(
        "CSV, TSV or TXT file of numbers", type=["csv", "tsv", "txt", "dat"], key="upload",
        help="One value per row, or several columns with or without a header row; "
        f"comma, semicolon, tab, space or | between columns; at most {MAX_POINTS:,} values.",
    )
    if uploaded is None:
        st.info("Choose a file. The data in use stays until a file is read successfully.")
        return None
    try:
        table = _read(uploaded.file_id, uploaded.getvalue(), uploaded.name)
        column = table.default_column
        if len(table.columns) > 1:
            column = st.selectbox("Column", table.columns, key="upload_column")
        drop = st.checkbox("Drop non-finite values (blank, text, NaN, inf)", key="upload_drop")
        picked = select_column(table, column, drop_nonfinite=drop)
    except DataError as err:
        st.error(f"{err}\n\nThe data and the EM run in use are unchanged.")
        return None
    for note in picked.notes:
        st.info(note)
    values = picked.values
    values.flags.writeable = False
    return ActiveData(
        values, f"up:{uploaded.file_id}:{picked.name}:{drop}",
        f"Uploaded: {uploaded.name} — {picked.name} ({values.size:,} values)", picked.name,
        notes=picked.notes, source="Upload",
    )


def render_data_panel() -> ActiveData:
    """Draw the data panel (in the current container) and return the active data."""
    keep_values(DEFAULTS)
    source = st.radio("Source", SOURCES, key="data_source")
    candidate = {"Generate": _generate, "Data set": _dataset, "Upload": _upload}[source]()
    if candidate is not None and candidate.data_id != get_data().data_id:
        set_data(candidate)
    data = get_data()
    st.caption(f"In use: **{data.title}** · N = {data.x.size:,}")
    if data.truth is not None:
        st.toggle("Overlay the true components", key="show_truth")
    return data
