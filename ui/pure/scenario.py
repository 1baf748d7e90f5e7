"""Scenarios: the data and model settings (and iteration) of a demo, as widget values.

One mechanism serves the shareable link and the presets: a scenario is a mapping from widget
keys to values; :func:`encode` / :func:`decode` turn it into URL query parameters and back
(floats as ``repr`` so a link reproduces the run bit for bit). Pure: no streamlit here.

A link is untrusted input. The rules :func:`decode` applies (each refusal is one sentence for
a toast, the value echoed shortened and literal; the setting keeps its default):

* numbers are ASCII digits only (``int("٣")`` and ``float("1_0")`` are not accepted), integers
  without a fraction or exponent, floats finite; each value at most 40 characters, a table at
  most 2,000;
* every setting within the bounds of its widget; ``tol`` one of the menu's values
  (:data:`TOLERANCES`, 0 included: exactly ``max_iter`` iterations);
* a key given twice with different values is ignored (with the same value, it is used);
* keys EM Lab does not know are left alone (Streamlit's own, such as ``embed``, use the same
  address);
* the iteration ``t`` is limited by a work budget, :func:`affordable_iteration`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from gmm_core.notation import power_of_ten

from .settings import SETTING, SETTINGS, SOURCE_LINKS, TOLERANCES
from .text import code

__all__ = [
    "MAX_TABLE_CHARS",
    "MAX_VALUE_CHARS",
    "TABLE_COLUMNS",
    "TOLERANCES",
    "WIDGET_KEYS",
    "WORK_BUDGET",
    "affordable_iteration",
    "decode",
    "encode",
    "table_from_text",
    "table_text",
    "tolerance_label",
]

TABLE_COLUMNS = ("μ", "σ", "π")
#: Widget key → (query parameter, type), from the settings table (:mod:`ui.pure.settings`). Tables
#: and the position are handled apart.
WIDGET_KEYS: dict[str, tuple[str, type]] = {
    s.key: (s.link, s.kind) for s in SETTINGS if s.link is not None
}
_SOURCES = SOURCE_LINKS
_LIMITS = {s.key: s.bounds for s in SETTINGS if s.link is not None and s.bounds is not None}
#: Longest value of one setting in a link, and of a table ("μ,σ,π;…").
MAX_VALUE_CHARS = 40
MAX_TABLE_CHARS = 2_000
#: Most rows of a link's tables: the generator's (as its editor) and the manual start's (K).
_TABLE_ROWS = {"truth_table": 6, "manual_table": _LIMITS["n_components"][1]}
#: Work a link may ask for on opening, in point × component iterations (≈ 1–2 s of CPU);
#: each iteration also counts a fixed cost of ``_ITERATION_OVERHEAD`` for its Python overhead.
WORK_BUDGET = 200_000_000
_ITERATION_OVERHEAD = 20_000
_INT = re.compile(r"[+-]?[0-9]+")
_BOOLEANS = {"1": True, "0": False, "true": True, "false": False}
_FLOAT = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def tolerance_label(tol: float) -> str:
    """How a tolerance appears in the menu: "10⁻⁶", or "0 (run to the limit)"."""
    return "0 (run to the limit)" if tol == 0 else power_of_ten(tol)


def affordable_iteration(t: int, n_points: int, n_components: int) -> int:
    """The largest iteration ≤ ``t`` a link may compute on opening within :data:`WORK_BUDGET`
    (N·K work per iteration, plus a fixed overhead)."""
    per_iteration = n_points * n_components + _ITERATION_OVERHEAD
    return int(min(t, WORK_BUDGET // per_iteration))


def table_text(table: pd.DataFrame) -> str:
    """A μ/σ/π table as "μ,σ,π;μ,σ,π" with exact (repr) floats."""
    rows = table[list(TABLE_COLUMNS)].to_numpy(dtype=float)
    return ";".join(",".join(repr(float(v)) for v in row) for row in rows)


def _number(text: str) -> float:
    """An ASCII decimal number (ValueError otherwise: no "nan", "inf", "1_0" or "٣")."""
    if not _FLOAT.fullmatch(text.strip()):
        raise ValueError("not a number written with the digits 0-9")
    value = float(text)
    if not np.isfinite(value):
        raise ValueError("a number too large for double precision")
    return value


def table_from_text(text: str, max_rows: int = 10) -> pd.DataFrame:
    """Inverse of :func:`table_text`; ValueError (a reason, not echoing the text) if it is not
    1 to ``max_rows`` rows of three finite ASCII numbers."""
    if len(text) > MAX_TABLE_CHARS:
        raise ValueError(f"longer than {MAX_TABLE_CHARS:,} characters")
    cells = [row.split(",") for row in text.split(";") if row]
    if not cells or any(len(r) != 3 for r in cells):
        raise ValueError("not rows of three numbers μ,σ,π separated by ;")
    if len(cells) > max_rows:
        raise ValueError(f"{len(cells)} rows, more than {max_rows}")
    rows = [[_number(v) for v in row] for row in cells]
    return pd.DataFrame(rows, columns=list(TABLE_COLUMNS))


def encode(values: Mapping[str, Any]) -> dict[str, str]:
    """Query parameters for a scenario.

    Parameters
    ----------
    values : mapping
        Widget keys of ``WIDGET_KEYS`` (missing ones are left out), plus optionally
        "truth_table" and "manual_table" (DataFrames with columns μ, σ, π), "t" (int) and
        "phase" ("M" or "E"), "lecture" (bool).
    """
    query: dict[str, str] = {}
    for key, (name, kind) in WIDGET_KEYS.items():
        if key not in values:
            continue
        value = values[key]
        if key == "data_source":
            query[name] = _SOURCES[value]
        elif kind is bool:
            query[name] = "1" if value else "0"
        elif kind is float:
            query[name] = repr(float(value))
        else:
            query[name] = str(value)
    if values.get("data_source") != "Generate":
        for key in ("n_points", "gen_seed"):
            query.pop(WIDGET_KEYS[key][0], None)
    if values.get("data_source") != "Data set":
        query.pop("ds", None)
    if values.get("data_source") == "Generate" and values.get("truth_table") is not None:
        query["truth"] = table_text(values["truth_table"])
    if values.get("init_method") == "manual" and values.get("manual_table") is not None:
        query["manual"] = table_text(values["manual_table"])
        query.pop("seed", None)
    if values.get("t"):
        query["t"] = str(int(values["t"]))
    if values.get("phase") == "E":
        query["ph"] = "E"
    if values.get("lecture"):
        query["lecture"] = "1"
    if values.get("preset"):
        query["preset"] = str(values["preset"])
    return query


def _choices(options: Sequence[str]) -> str:
    return ", ".join(options)


def _choice(text: str, options: Mapping[str, Any], what: str) -> Any:
    """The option named ``text``; ValueError listing the names otherwise."""
    if text not in options:
        raise ValueError(f"{what} must be one of {_choices(list(options))}")
    return options[text]


def _bounded_number(key: str, kind: type, text: str) -> float:
    """An int or float setting within its widget's bounds (``tol``: one of the menu's)."""
    if kind is int:
        if not _INT.fullmatch(text):
            raise ValueError("not a whole number written with the digits 0-9")
        value: float = int(text)
    else:
        value = _number(text)
    lo, hi = _LIMITS.get(key, (-np.inf, np.inf))
    if not lo <= value <= hi:
        raise ValueError(f"outside {lo:,}..{hi:,}")
    if key == "tol" and value not in TOLERANCES:
        # As a link is typed (1e-06), not as the menu shows it (10⁻⁶).
        menu = ", ".join("0 (run to the limit)" if t == 0 else f"{t:g}" for t in TOLERANCES)
        raise ValueError(f"the tolerance must be one of the menu's values: {menu}")
    return value


def _parse(key: str, kind: type, text: str) -> Any:
    """One setting's value from its link text; ValueError says why (without echoing it)."""
    if len(text) > MAX_VALUE_CHARS:
        raise ValueError(f"longer than {MAX_VALUE_CHARS} characters")
    if key == "data_source":
        return _choice(text, {v: k for k, v in _SOURCES.items()}, "the data source")
    if kind is bool:
        return _choice(text, _BOOLEANS, "the value")
    if kind is str:
        return _choice(text, {o: o for o in SETTING[key].choices}, "the value")
    return _bounded_number(key, kind, text)


def _single(query: Mapping[str, str | Sequence[str]], name: str) -> str:
    """The one value of ``name``; ValueError when it is given twice with different values."""
    value = query[name]
    if isinstance(value, str):
        return value
    distinct = list(dict.fromkeys(value))
    if len(distinct) != 1:
        raise ValueError(f"given {len(value)} times with different values")
    return distinct[0]


def _ignored(name: str, text: str | None, reason: object) -> str:
    shown = code(f"{name}={text}") if text is not None else code(name)
    return f"Link parameter {shown} ignored: {reason}."


def _preset_name(text: str) -> str:
    """A preset's key as text (which presets exist is ui.links's business)."""
    if not re.fullmatch(r"[a-z_]{1,40}", text):
        raise ValueError("not a preset's name")
    return text


def _iteration(text: str) -> int:
    """The iteration ``t`` of a link: a whole number from 0 on (a negative one is refused and
    said, not quietly taken as 0)."""
    value = _parse("t", int, text)
    if value < 0:
        raise ValueError("an iteration is a whole number from 0 on")
    return value


def _phase(text: str) -> str:
    if text not in ("E", "M"):
        raise ValueError("the phase must be E or M")
    return text


#: (query parameter, scenario key, parser of its text) for everything a link can carry.
_PARSERS: tuple[tuple[str, str, Callable[[str], Any]], ...] = (
    *(
        (name, key, functools.partial(_parse, key, kind))
        for key, (name, kind) in WIDGET_KEYS.items()
    ),
    ("truth", "truth_table", lambda text: table_from_text(text, _TABLE_ROWS["truth_table"])),
    ("manual", "manual_table", lambda text: table_from_text(text, _TABLE_ROWS["manual_table"])),
    ("t", "t", _iteration),
    ("ph", "phase", _phase),
    ("lecture", "lecture", lambda text: _parse("lecture", bool, text)),
    ("preset", "preset", _preset_name),
)


def decode(query: Mapping[str, str | Sequence[str]]) -> tuple[dict[str, Any], list[str]]:
    """A scenario from query parameters (the rules are in the module docstring).

    Parameters
    ----------
    query : mapping
        Parameter name → its value, or the list of its values when the address repeats it.

    Returns
    -------
    values : dict
        Widget values (keys of ``WIDGET_KEYS``), "truth_table"/"manual_table" DataFrames, "t",
        "phase" (only "E"), "lecture" (only True) — only those present and valid.
    problems : list of str
        One sentence (Markdown, the value shown literally and shortened) per parameter that
        could not be used; it is ignored.
    """
    values: dict[str, Any] = {}
    problems: list[str] = []
    for name, key, parse in _PARSERS:
        if name not in query:
            continue
        text = None
        try:
            text = _single(query, name)
            values[key] = parse(text)
        except ValueError as err:
            problems.append(_ignored(name, text, err))
    if values.get("phase") != "E":
        values.pop("phase", None)
    if not values.get("lecture"):
        values.pop("lecture", None)
    return values, problems
