"""Scenarios: the data and model settings (and iteration) of a demo, as widget values.

One mechanism serves the shareable link and the presets: a scenario is a mapping from widget
keys to values; :func:`encode` / :func:`decode` turn it into URL query parameters and back
(floats as ``repr`` so a link reproduces the run bit for bit). Pure: no streamlit here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from gmm_core.data import DATASETS

from .run_state import INIT_CHOICES

__all__ = ["TABLE_COLUMNS", "WIDGET_KEYS", "decode", "encode", "table_from_text", "table_text"]

TABLE_COLUMNS = ("μ", "σ", "π")
#: Widget key → (query parameter, type). Tables and the position are handled apart.
WIDGET_KEYS: dict[str, tuple[str, type]] = {
    "data_source": ("src", str),
    "n_points": ("n", int),
    "gen_seed": ("gs", int),
    "dataset": ("ds", str),
    "n_components": ("K", int),
    "equal_variance": ("eq", bool),
    "init_method": ("init", str),
    "seed": ("seed", int),
    "tol": ("tol", float),
    "max_iter": ("iters", int),
}
_SOURCES = {"Generate": "gen", "Data set": "ds", "Upload": "up"}
_LIMITS = {"n_points": (10, 1_000_000), "n_components": (1, 10), "max_iter": (1, 5000),
           "seed": (0, 2**31 - 1), "gen_seed": (0, 2**31 - 1)}


def table_text(table: pd.DataFrame) -> str:
    """A μ/σ/π table as "μ,σ,π;μ,σ,π" with exact (repr) floats."""
    rows = table[list(TABLE_COLUMNS)].to_numpy(dtype=float)
    return ";".join(",".join(repr(float(v)) for v in row) for row in rows)


def table_from_text(text: str) -> pd.DataFrame:
    """Inverse of :func:`table_text`; ValueError if it is not rows of three finite numbers."""
    rows = [[float(v) for v in row.split(",")] for row in text.split(";") if row]
    if not rows or any(len(r) != 3 for r in rows) or not np.isfinite(rows).all():
        raise ValueError(f"not a table of μ,σ,π rows: {text!r}")
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


def _parse(key: str, kind: type, text: str) -> Any:
    if key == "data_source":
        inverse = {v: k for k, v in _SOURCES.items()}
        if text not in inverse:
            raise ValueError(f"unknown data source {text!r}")
        return inverse[text]
    if kind is bool:
        return text not in ("0", "false", "")
    value = kind(text)
    if key == "dataset" and value not in DATASETS:
        raise ValueError(f"unknown data set {text!r}")
    if key == "init_method" and value not in INIT_CHOICES:
        raise ValueError(f"unknown initialisation {text!r}")
    if key in _LIMITS:
        lo, hi = _LIMITS[key]
        if not lo <= value <= hi:
            raise ValueError(f"{key} = {value} is outside {lo}..{hi}")
    if kind is float and not (np.isfinite(value) and value >= 0):
        raise ValueError(f"{key} must be a finite number ≥ 0")
    return value


def decode(query: Mapping[str, str]) -> tuple[dict[str, Any], list[str]]:
    """A scenario from query parameters.

    Returns
    -------
    values : dict
        Widget values (keys of ``WIDGET_KEYS``), "truth_table"/"manual_table" DataFrames, "t",
        "phase", "lecture" — only those present and valid.
    problems : list of str
        One sentence per parameter that could not be used (it is ignored).
    """
    values: dict[str, Any] = {}
    problems: list[str] = []
    for key, (name, kind) in WIDGET_KEYS.items():
        if name in query:
            try:
                values[key] = _parse(key, kind, query[name])
            except ValueError as err:
                problems.append(f"Link parameter {name}={query[name]!r} ignored: {err}.")
    for name, key in (("truth", "truth_table"), ("manual", "manual_table")):
        if name in query:
            try:
                values[key] = table_from_text(query[name])
            except ValueError as err:
                problems.append(f"Link parameter {name} ignored: {err}.")
    if "t" in query:
        try:
            values["t"] = max(0, int(query["t"]))
        except ValueError:
            problems.append(f"Link parameter t={query['t']!r} ignored: not an iteration number.")
    if query.get("ph") == "E":
        values["phase"] = "E"
    if query.get("lecture") in ("1", "true"):
        values["lecture"] = True
    if "preset" in query:  # a preset's key; ui.links knows which exist
        if re.fullmatch(r"[a-z_]{1,40}", query["preset"]):
            values["preset"] = query["preset"]
        else:
            problems.append("Link parameter preset ignored: not a preset's name.")
    return values, problems
