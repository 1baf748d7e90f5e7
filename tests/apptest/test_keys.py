"""Presenter keys (issue 7): every stepping button has its key (ui.lecture.KEYS, one source)
as its shortcut and names it in its tooltip; lecture mode keeps them all on the page."""

from __future__ import annotations

import time

import pytest
from streamlit.testing.v1 import AppTest

from ui.keyfocus import relay_script
from ui.lecture import KEYS, keyboard_help
from ui.pure.keys import PLAYING
from ui.pure.playback import Playback

from .helpers import APP, TIMEOUT, blocks, new_app

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


def lecture_app(**query: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params.update({"lecture": "1", **query})
    at.run()
    assert not at.exception, at.exception
    return at


def status_text(at: AppTest) -> str:
    (line,) = [a.value for a in [*at.info, *at.success, *at.warning] if "Iteration" in a.value]
    return line


def test_once_converged_the_big_next_says_so_like_the_status_line():
    """Issue 7: the status said "converged" while the big Next still offered an E-step."""
    at = lecture_app(preset="separated")
    assert at.button(key="lecture_next").label.startswith("Next ▸")
    assert not at.button(key="lecture_next").disabled
    at.button(key="run").click().run()
    assert not at.exception, at.exception
    assert "converged at iteration" in status_text(at)
    big = at.button(key="lecture_next")
    assert big.disabled and big.label == "Converged ✓"
    done = status_text(at).split("converged at iteration ")[1].split("*")[0]
    assert f"converged at iteration {done}" in big.help
    # PageDown does nothing now: neither the tooltip nor the button's badge offers it.
    assert "Key: PageDown" not in big.help and not big.proto.shortcut
    at.button(key="back").click().run()  # one half step back: not converged any more
    assert "converged" not in status_text(at)
    big = at.button(key="lecture_next")
    assert not big.disabled and big.label.startswith("Next ▸")


def test_at_the_iteration_limit_the_big_next_says_so_like_the_status_line():
    at = lecture_app(preset="separated", iters="2", tol="0")
    for _ in range(4):
        at.button(key="lecture_next").click().run()
    assert "reached the limit of 2 iterations" in status_text(at)
    big = at.button(key="lecture_next")
    assert big.disabled and big.label == "Limit reached"
    assert "reached the limit of 2 iterations" in big.help and not big.proto.shortcut
    # in the amber "run_limit" box (lecture CSS), not the green of convergence
    assert any(getattr(block.proto, "id", "").endswith("-run_limit") for block in blocks(at.main))


def test_the_status_line_says_when_autoplay_catches_up():
    """The page shows ui.pure.playback.tempo_note while playing (the rule is unit-tested in
    tests/test_playback.py). The clock's anchor lies ahead, so no tick happens in this run."""
    at = new_app()
    at.session_state["playback"] = Playback(
        playing=True, anchor=time.monotonic() + 1e6, period=1.0, burst=3, behind=2
    )
    at.session_state[PLAYING] = True
    at.run()
    assert not at.exception, at.exception
    assert "catching up: 3 steps at once" in status_text(at)
    assert any("Too fast for this machine" in c.value for c in at.caption)


@pytest.mark.parametrize("lecture", [False, True])
def test_a_new_preset_toasts_its_restart_except_in_lecture_mode(lecture: bool) -> None:
    """In lecture mode the status line says "Iteration 0" and a toast would sit over the
    Scenarios control (lecturer's review); in normal mode the toast says why the run restarted."""
    at = lecture_app(preset="separated") if lecture else AppTest.from_file(APP).run()
    at.button(key="preset_overlapping").click().run()
    assert not at.exception, at.exception
    toasts = [t.value for t in at.toast if "restarts at iteration 0" in t.value]
    assert bool(toasts) is not lecture
    assert "Iteration 0" in status_text(at)
