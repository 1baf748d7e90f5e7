"""Scenarios in the session: one-click presets and the shareable link (``st.query_params``)."""

from __future__ import annotations

from typing import Any

import streamlit as st

from .pure import keys
from .pure import run_state as rs
from .pure.presets import OPENING, PRESET_BY_KEY, Preset
from .pure.scenario import WIDGET_KEYS, affordable_iteration, decode, encode
from .session import ActiveData, get_stepper, notify, set_stepper
from .widgets import reset_editor

__all__ = [
    "apply_goto",
    "apply_link_once",
    "apply_scenario",
    "current_scenario",
    "follow_switch",
    "link_query",
    "load_preset",
    "open_in_stepper",
    "preset_note",
    "publish_link",
]

GOTO_KEY = "goto_position"
LINK_APPLIED_KEY = "link_applied"
PRESET_NOTE_KEY = "preset_note"
PRESET_KEY = "preset_key"
SWITCH_KEY = "switch_to_stepper"


def apply_scenario(values: dict[str, Any]) -> None:
    """Put a scenario's values into the widgets (call before they are drawn, e.g. a callback).

    The run then restarts from the new settings; "t"/"phase" are applied after that restart.
    """
    for key in WIDGET_KEYS:
        if key in values:
            st.session_state[key] = values[key]
            st.session_state[keys.kept(key)] = values[key]
    if "truth_table" in values:
        reset_editor("truth", values["truth_table"])
    if "manual_table" in values:
        st.session_state[keys.MANUAL_PENDING] = values["manual_table"]
    if "lecture" in values:
        lecture = values["lecture"]
        st.session_state[keys.LECTURE] = st.session_state[keys.kept(keys.LECTURE)] = lecture
    st.session_state[GOTO_KEY] = (int(values.get("t", 0)), values.get("phase", "M"))
    st.session_state[keys.PLAYING] = False


def load_preset(preset: Preset) -> None:
    """Button callback: load a preset and remember what to watch."""
    apply_scenario(preset.scenario())
    st.session_state[PRESET_NOTE_KEY] = (preset.title, preset.watch)
    st.session_state[PRESET_KEY] = preset.key
    st.session_state.pop(keys.PRESET_RUN, None)


def open_in_stepper(values: dict[str, Any], notice: str) -> None:
    """Button callback: load model settings (a scenario's widget values) into the stepper and
    go there; the run restarts at iteration 0 from them."""
    apply_scenario(values)
    st.session_state[SWITCH_KEY] = True
    notify(notice)


def follow_switch(stepper_page: st.Page) -> None:
    """Go to the stepper if :func:`open_in_stepper` asked for it (call after st.navigation)."""
    if st.session_state.pop(SWITCH_KEY, False):
        st.switch_page(stepper_page)


def preset_note() -> tuple[str, str] | None:
    """(title, what to watch) of the loaded preset while its data and model are on screen."""
    note = st.session_state.get(PRESET_NOTE_KEY)
    state = get_stepper()
    if note is None or state is None:
        return None
    identity = (state.data_id, state.settings)
    if st.session_state.setdefault(keys.PRESET_RUN, identity) != identity:
        del st.session_state[PRESET_NOTE_KEY]  # the user has moved on from the preset
        return None
    return note


def _not_done(message: str) -> None:
    """Say what a link asked for and did not get: a notice that stays until dismissed (the
    reader may have looked away while the page opened)."""
    notify(message, until_dismissed=True)


def apply_link_once() -> None:
    """On a session's first run, take the scenario from the URL's query parameters."""
    if st.session_state.get(LINK_APPLIED_KEY):
        return
    st.session_state[LINK_APPLIED_KEY] = True
    query = {name: st.query_params.get_all(name) for name in st.query_params}
    values, problems = decode(
        {name: texts[0] if len(texts) == 1 else texts for name, texts in query.items()}
    )
    for problem in problems:
        _not_done(problem)
    if values.get("data_source") == "Upload":
        _not_done("Shared links cannot carry uploaded data: upload the file again to continue.")
    asked = values.pop("preset", None)
    if asked is not None and asked not in PRESET_BY_KEY:
        _not_done(f"Link parameter preset ignored: there is no preset {asked!r}.")
        asked = None  # the link opens as if it named none
    bare = not set(values) - {"lecture"}  # no scenario in the link: the opening one
    preset = PRESET_BY_KEY.get(asked or (OPENING if bare else None))
    if preset is not None:  # the preset with its note; the link's own values win
        load_preset(preset)
    if values:
        apply_scenario({**(preset.scenario() if preset else {}), **values})


def apply_goto(x) -> None:
    """Move a freshly (re)started run to the position a link or preset asked for: at most the
    iteration limit, and at most what the work budget allows on opening (the page says so)."""
    target = st.session_state.pop(GOTO_KEY, None)
    state = get_stepper()
    if not target or state is None or target == (state.t, state.phase):
        return  # (a restart is at iteration 0; a preset picked again goes back there too)
    t, phase = target
    limit = state.settings.max_iter
    if t > limit:
        _not_done(
            f"The link asks for iteration {t:,}, beyond the limit of {limit:,} iterations: "
            f"the run opens at iteration {limit:,}."
        )
        t = limit
    affordable = affordable_iteration(t, x.size, state.settings.n_components)
    if affordable < t:
        _not_done(
            f"The link asks for iteration {t:,}; with N = {x.size:,} points and "
            f"K = {state.settings.n_components} that is too much to compute while the page "
            f"opens, so the run opens at iteration {affordable:,}. Press *Run to convergence* "
            "(with a progress bar) to go on."
        )
        t, phase = affordable, "M"
    state = rs.jump_to(state, x, t, phase)
    set_stepper(state)


def current_scenario(data: ActiveData) -> dict[str, Any]:
    """The scenario on screen: widget values, tables, position and lecture mode."""
    values = {
        key: st.session_state.get(key, st.session_state.get(keys.kept(key))) for key in WIDGET_KEYS
    }
    values["data_source"] = data.source
    if data.source == "Generate":
        values["truth_table"] = st.session_state.get("truth_table")
    if values.get("init_method") == "manual":
        values["manual_table"] = st.session_state.get("manual_table")
    state = get_stepper()
    if state is not None:
        values["t"], values["phase"] = state.t, state.phase
    values["lecture"] = bool(st.session_state.get(keys.LECTURE))
    if st.session_state.get(PRESET_NOTE_KEY) is not None:
        values["preset"] = st.session_state.get(PRESET_KEY)
    return values


def link_query(data: ActiveData) -> dict[str, str]:
    """The shareable link's query parameters for the scenario on screen now."""
    return encode(current_scenario(data))


def publish_link(data: ActiveData) -> None:
    """Keep the URL's query parameters equal to the scenario on screen (the shareable link)."""
    query = link_query(data)
    if query != st.query_params.to_dict():
        st.query_params.from_dict(query)
