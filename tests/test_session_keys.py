"""ui.pure.keys: one name per shared session key, and ``kept`` is keep_values' mirror key."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import pytest

import ui.widgets
from ui.pure import keys

ROOT = Path(__file__).resolve().parents[1]
KEY_NAMES = {
    name: value
    for name, value in vars(keys).items()
    if name.isupper() and isinstance(value, str) and name != "KEPT_PREFIX"
}


def test_constants_are_unique_and_not_mirror_keys() -> None:
    values = list(KEY_NAMES.values())
    assert len(values) == len(set(values)), "two constants name the same session key"
    assert all(v and not v.startswith(keys.KEPT_PREFIX) for v in values)


def test_key_strings_unchanged_for_links_and_tests() -> None:
    """The strings are a contract (AppTest, links): spot-check some the tests rely on."""
    assert keys.LECTURE == "lecture"
    assert keys.PLAYING == "playing"
    assert keys.MODEL_SETTINGS == "model_settings"
    assert keys.EXPLORER_PICK == "explorer_pick"
    assert keys.kept("lecture") == "_kept_lecture"


@pytest.fixture
def session(monkeypatch: pytest.MonkeyPatch) -> dict:
    state: dict = {}
    monkeypatch.setattr(ui.widgets, "st", SimpleNamespace(session_state=state))
    return state


def test_kept_is_where_keep_values_mirrors(session: dict) -> None:
    ui.widgets.keep_values({keys.BINS: 0})
    assert session == {keys.BINS: 0}  # first run: the default, nothing to mirror yet
    session[keys.BINS] = 40  # the user moves the widget
    ui.widgets.keep_values({keys.BINS: 0})
    assert session[keys.kept(keys.BINS)] == session["_kept_bins"] == 40  # the documented name
    del session[keys.BINS]  # Streamlit drops it on a run that does not draw the widget
    ui.widgets.keep_values({keys.BINS: 0})
    assert session[keys.BINS] == 40  # put back from kept(key)
    assert set(session) == {keys.BINS, keys.kept(keys.BINS)}


def test_no_raw_shared_key_left_in_the_ui() -> None:
    """Session reads/writes and widget keys use the names, not the strings."""
    alternatives = "|".join(re.escape(v) for v in KEY_NAMES.values())
    raw = re.compile(
        r"(session_state(\[|\.get\(|\.pop\(|\.setdefault\()|\bkey=|keep_values\(\{)\s*f?"
        rf"[\"']({alternatives})[\"']|[\"']_kept_"
    )
    files = [ROOT / "app.py", *(ROOT / "app_pages").glob("*.py"), *(ROOT / "ui").glob("*.py")]
    hits = [
        f"{path.name}:{n}: {line.strip()}"
        for path in files
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if raw.search(line)
    ]
    assert not hits, hits
