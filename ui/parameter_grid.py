"""The stepper's parameter table as a plain data grid (``st.dataframe`` without a pandas
Styler): a colour swatch per component and printf number formats per column.

A Styler costs ~12 ms of server CPU on every click (pandas renders it, Streamlit converts its
display values cell by cell), a plain frame with a column configuration under 1 ms
(``benchmarks.ui``); lecture mode keeps its styled HTML table (``st.table``). The columns go to
Streamlit as an Arrow table built from the arrays, without a pandas frame: 0.1 ms instead of the
1.2 ms a frame's construction and conversion to Arrow took.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import quote

import numpy as np
import pyarrow as pa
import streamlit as st

from figures import component_color
from figures.palette import text_color_on
from ui.pure.grid import DIGITS, column_format, column_kind, display_columns
from ui.pure.settings import MAX_K

SWATCH = "colour"
#: Key of lecture mode's table's container (its CSS class ``st-key-…``).
LECTURE_TABLE_KEY = "lecture_parameters"
#: Lecture mode's table: the k cell of row k in component k's colour, text in black or white
#: (whichever contrasts more), for every K the sidebar allows. Static CSS, so the table itself
#: is plain text (``st.table`` of strings) and no pandas Styler runs on a click.
LECTURE_ROW_COLOURS = (
    "<style>\n"
    + "\n".join(
        f".st-key-{LECTURE_TABLE_KEY} tbody tr:nth-child({k + 1}) > :first-child "
        f"{{ background-color: {component_color(k)}; color: {text_color_on(component_color(k))}; }}"
        for k in range(MAX_K)
    )
    + "\n</style>"
)


def swatch(k: int) -> str:
    """An SVG data URL: a rounded square of component ``k``'s colour (0-based)."""
    svg = (
        "<svg xmlns='http://www.w3.org/2000/svg' width='16' height='16'>"
        f"<rect width='16' height='16' rx='3' fill='{component_color(k)}'/></svg>"
    )
    return "data:image/svg+xml;utf8," + quote(svg)


def column_config(table: Mapping[str, np.ndarray]) -> dict:
    """Streamlit column configuration of ``table`` (column name → values, shape (K,); columns
    k, πₖ, …, Δσₖ; a data frame works too), by :func:`ui.pure.grid.column_kind`: parameters
    and changes in :func:`ui.pure.grid.column_format`, Nₖ (a count of points) with two
    decimals."""
    config: dict = {SWATCH: st.column_config.ImageColumn("", width=40)}
    for name in table:
        if name == SWATCH:
            continue
        kind = column_kind(name)
        if kind == "index":
            config[name] = st.column_config.NumberColumn(name, format="%d", width=40)
        elif kind == "count":
            config[name] = st.column_config.NumberColumn(name, format="%.2f")
        else:  # a parameter, or a change with its sign
            values = np.asarray(table[name], dtype=float)
            fmt = column_format(values, DIGITS[kind], signed=kind == "change")
            config[name] = st.column_config.NumberColumn(name, format=fmt)
    return config


def parameter_grid(columns: Mapping[str, np.ndarray]) -> None:
    """``columns`` (name → values, shape (K,), one per component: k, πₖ, μₖ, …) as a data grid,
    each row led by its component's colour."""
    n_rows = len(next(iter(columns.values())))
    shown = pa.table({**columns, SWATCH: [swatch(k) for k in range(n_rows)]})
    st.dataframe(
        shown,
        hide_index=True,
        width="stretch",
        column_config=column_config(columns),
        column_order=[SWATCH, *columns],
    )


def lecture_parameter_table(columns: Mapping[str, np.ndarray]) -> None:
    """``columns`` (name → values, shape (K,)) as lecture mode's table: an HTML table (it takes
    the lecture type; the data grid draws on a canvas) of the texts of
    :func:`ui.pure.grid.display_columns`, each k cell in its component's colour
    (:data:`LECTURE_ROW_COLOURS`, put on the page once)."""
    with st.container(key=LECTURE_TABLE_KEY):
        st.table(pa.table(display_columns(columns)), hide_index=True)
