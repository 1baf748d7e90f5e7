"""The stepper's parameter table as a plain data grid (``st.dataframe`` without a pandas
Styler): a colour swatch per component and printf number formats per column.

A Styler costs ~12 ms of server CPU on every click (pandas renders it, Streamlit converts its
display values cell by cell), a plain frame with a column configuration under 1 ms
(``benchmarks.ui``); lecture mode keeps its styled HTML table (``st.table``).
"""

from __future__ import annotations

from urllib.parse import quote

import pandas as pd
import streamlit as st

from figures import component_color
from ui.pure.grid import column_format

SWATCH = "colour"


def swatch(k: int) -> str:
    """An SVG data URL: a rounded square of component ``k``'s colour (0-based)."""
    svg = (
        "<svg xmlns='http://www.w3.org/2000/svg' width='16' height='16'>"
        f"<rect width='16' height='16' rx='3' fill='{component_color(k)}'/></svg>"
    )
    return "data:image/svg+xml;utf8," + quote(svg)


def column_config(table: pd.DataFrame) -> dict:
    """Streamlit column configuration of ``table`` (columns k, πₖ, …, Δσₖ): numbers in
    :func:`ui.pure.grid.column_format`, Nₖ (a count of points) with two decimals."""
    config: dict = {SWATCH: st.column_config.ImageColumn("", width=40)}
    for name in table.columns:
        if name == "k":
            config[name] = st.column_config.NumberColumn("k", format="%d", width=40)
        elif name == "Nₖ":
            config[name] = st.column_config.NumberColumn(name, format="%.2f")
        elif name != SWATCH:
            change = name.startswith("Δ")  # changes: 3 digits and a sign, as before
            fmt = column_format(
                table[name].to_numpy(dtype=float), 3 if change else 5, signed=change
            )
            config[name] = st.column_config.NumberColumn(name, format=fmt)
    return config


def parameter_grid(table: pd.DataFrame) -> None:
    """``table`` (one row per component, columns k, πₖ, μₖ, …) as a data grid, each row led by
    its component's colour."""
    shown = table.assign(**{SWATCH: [swatch(k) for k in range(len(table))]})
    st.dataframe(
        shown,
        hide_index=True,
        width="stretch",
        column_config=column_config(table),
        column_order=[SWATCH, *table.columns],
    )
