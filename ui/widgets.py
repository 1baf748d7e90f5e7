"""Small widget helpers: values that survive page changes, and an editable table that keeps
its edits when it is hidden and shown again."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from functools import wraps
from typing import Any, ParamSpec

import pandas as pd
import streamlit as st

from .pure import keys

__all__ = [
    "apply_editor_delta",
    "behind_toggle",
    "keep_values",
    "persistent_editor",
    "sentence",
    "show_table",
]

P = ParamSpec("P")


def keep_values(defaults: dict[str, Any]) -> None:
    """Give widget keys their defaults once, and keep their values while the widget is hidden.

    Streamlit forgets a widget's value when a run does not draw it (another page, another data
    source, a fragment-only run). Each value is mirrored under ``keys.kept(key)``, i.e.
    ``_kept_<key>`` (plain session state, never cleaned up), and put back before the widget is
    drawn. Widgets using these keys
    must not pass ``value=``/``index=``: their value comes from the session.
    """
    for key, default in defaults.items():
        kept = keys.kept(key)
        if key in st.session_state:
            st.session_state[kept] = st.session_state[key]
        st.session_state[key] = st.session_state.get(kept, default)


def apply_editor_delta(base: pd.DataFrame, delta: dict[str, Any]) -> pd.DataFrame:
    """``st.data_editor``'s edit record (edited/added/deleted rows) applied to ``base``."""
    df = base.copy()
    for row, changes in delta.get("edited_rows", {}).items():
        for column, value in changes.items():
            df.loc[df.index[int(row)], column] = value
    added = delta.get("added_rows", [])
    if added:
        df = pd.concat([df, pd.DataFrame(added, columns=df.columns)], ignore_index=True)
    deleted = delta.get("deleted_rows", [])
    if deleted:
        df = df.drop(index=df.index[list(deleted)])
    return df.reset_index(drop=True)


def persistent_editor(
    name: str, default: pd.DataFrame, *, max_rows: int | None = None, **editor_kwargs: Any
) -> pd.DataFrame:
    """A data editor whose table is kept in session state under ``name``.

    Each edit is folded into the stored table by a callback and the editor is re-keyed, so the
    table survives being hidden (page or source changes). ``max_rows`` caps added rows.

    Returns
    -------
    pandas.DataFrame
        The table as the user has edited it.
    """
    table_key, version_key = f"{name}_table", f"{name}_version"
    st.session_state.setdefault(table_key, default)
    st.session_state.setdefault(version_key, 0)
    widget_key = f"{name}_editor_{st.session_state[version_key]}"

    def fold_edits() -> None:
        table = apply_editor_delta(st.session_state[table_key], st.session_state[widget_key])
        if max_rows is not None:
            table = table.head(max_rows)
        st.session_state[table_key] = table
        st.session_state[version_key] += 1

    st.data_editor(
        st.session_state[table_key], key=widget_key, on_change=fold_edits, **editor_kwargs
    )
    return st.session_state[table_key]


def reset_editor(name: str, table: pd.DataFrame) -> None:
    """Replace the stored table of :func:`persistent_editor` ``name``."""
    st.session_state[f"{name}_table"] = table
    st.session_state[f"{name}_version"] = st.session_state.get(f"{name}_version", 0) + 1


def behind_toggle(
    label: str, *, key: str, help: str
) -> Callable[[Callable[P, None]], Callable[P, None]]:
    """Decorator of a panel: calling it draws a toggle (``label``, session key ``key``,
    tooltip ``help``) and then the panel only while the toggle is on."""

    def decorate(render: Callable[P, None]) -> Callable[P, None]:
        @wraps(render)
        def panel(*args: P.args, **kwargs: P.kwargs) -> None:
            if st.toggle(label, key=key, help=help):
                render(*args, **kwargs)

        return panel

    return decorate


def show_table(frame: Any, columns: Mapping[str, Any] | None = None) -> None:
    """``frame`` (a DataFrame or its Styler) at full width without its index.

    ``columns`` maps a column to its number format (``"%.4f"``, ``"percent"``) or to a whole
    ``st.column_config`` (a short header with the long name in its help, a width, …).
    """
    config = {
        c: st.column_config.NumberColumn(format=v) if isinstance(v, str) else v
        for c, v in (columns or {}).items()
    }
    st.dataframe(frame, hide_index=True, width="stretch", column_config=config or None)


def rows_as_floats(table: pd.DataFrame, columns: Iterable[str]) -> list[list[float]]:
    """The table's columns as floats, blank cells as NaN (for validation)."""
    return [pd.to_numeric(table[c], errors="coerce").astype(float).tolist() for c in columns]


def sentence(text: object) -> str:
    """``text`` (a message, or an exception's) starting with a capital letter, for st.error.

    Only a Latin letter a–z is capitalised: a message may start with a symbol of the notes
    (σ, μ, π, γ), whose capital (Σ, M, Π, Γ) means something else.
    """
    text = str(text)
    if text[:1].isascii() and text[:1].isalpha():
        return text[:1].upper() + text[1:]
    return text
