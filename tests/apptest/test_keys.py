"""Presenter keys (issue 7): every stepping button has its key (ui.lecture.KEYS, one source)
as its shortcut and names it in its tooltip; lecture mode keeps them all on the page."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from ui.keyfocus import relay_script
from ui.lecture import KEYS, keyboard_help

from .helpers import APP, TIMEOUT, new_app

BUTTONS = {
    "next_half": "next",
    "e_step": "e_step",
    "m_step": "m_step",
    "step": "step",
    "back": "back",
    "play": "play",
    "run": "run",
    "reset": "reset",
    "lecture_toggle": "lecture",
}


def shortcut_and_help(at: AppTest, key: str) -> tuple[str, str]:
    button = at.button(key=key)
    return button.proto.shortcut, button.help


@pytest.mark.parametrize("lecture", [False, True])
def test_every_button_has_its_key_in_shortcut_and_tooltip(lecture):
    if lecture:
        at = AppTest.from_file(APP, default_timeout=TIMEOUT)
        at.query_params["lecture"] = "1"
        at.run()
        buttons = {**BUTTONS, "lecture_next": "next"}
        del buttons["next_half"]
    else:
        at, buttons = new_app(), BUTTONS
    for key, action in buttons.items():
        shortcut, tooltip = shortcut_and_help(at, key)
        name = KEYS[action][0]
        assert shortcut.lower() == name.lower(), (key, shortcut)
        assert f"Key: {name}" in tooltip, (key, tooltip)


def test_keys_are_distinct_and_avoid_streamlits_reserved_ones():
    keys = [k.lower() for k, _ in KEYS.values()]
    assert len(set(keys)) == len(keys)
    assert not {"c", "r"} & set(keys)
    assert all(k in keyboard_help() for k, _ in KEYS.values())


def test_the_key_relay_script_is_on_every_run_and_takes_only_key_names():
    """ui/keyfocus.py: the script that lets the keys through a focused toggle or radio (its
    behaviour is tested in chromium, tests/browser/test_keys_focus.py)."""
    at = new_app()
    scripts = [h for h in at.get("html") if "__emlabKeyRelay" in h.proto.body]
    assert len(scripts) == 1
    assert scripts[0].proto.unsafe_allow_javascript
    body = scripts[0].proto.body
    for name, _ in KEYS.values():
        assert f'"{name.lower()}"' in body, name
    for bad in ('"; alert(1); "', "</script>", "Ctrl+E", ""):
        with pytest.raises(ValueError):
            relay_script(["PageDown", bad])
