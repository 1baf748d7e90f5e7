"""A preset travels in the shareable link with its "what to watch" note (issue 7), and a first
visit without a link opens on a scenario where EM visibly moves."""

from __future__ import annotations

import numpy as np
import pytest

from ui.pure.presets import OPENING, PRESET_BY_KEY, PRESETS

from .helpers import click, new_app, open_link, stepper


def watch_note(at) -> str:
    return " ".join(i.value for i in at.info if "what to watch" in i.value)


@pytest.mark.parametrize("key", ["collapse", "old_faithful", "overlapping"])
def test_a_preset_link_reproduces_the_preset_and_its_note(key):
    at = new_app()
    click(at, f"preset_{key}")
    click(at, "step")
    link = dict(at.query_params)
    assert link.get("preset") == [key] or link.get("preset") == key, link
    query = {k: v[0] if isinstance(v, list) else v for k, v in link.items()}

    fresh = open_link(query)  # a fresh session: nothing but the link
    preset = PRESET_BY_KEY[key]
    assert preset.watch in watch_note(fresh)
    a, b = stepper(at), stepper(fresh)
    assert (b.t, b.phase) == (a.t, a.phase) == (1, "M")
    assert b.settings == a.settings and b.data_id == a.data_id
    for field in ("weights", "means", "variances"):
        assert getattr(a.params, field).tobytes() == getattr(b.params, field).tobytes()


def test_a_bare_preset_link_loads_the_whole_preset():
    at = open_link({"preset": "bad_start"})
    preset = PRESET_BY_KEY["bad_start"]
    assert preset.watch in watch_note(at)
    state = stepper(at)
    assert state.settings.init_method == "manual" and state.settings.n_components == 2
    np.testing.assert_allclose(state.params.means, [-3.5, -2.5])


def test_the_note_leaves_the_link_once_the_scenario_changes():
    at = new_app()
    click(at, "preset_galaxies")
    assert dict(at.query_params).get("preset") in (["galaxies"], "galaxies")
    at.number_input(key="seed").set_value(4).run()
    assert not watch_note(at)
    assert "preset" not in dict(at.query_params)


def test_an_unknown_preset_in_a_link_is_said_and_ignored():
    at = open_link({"preset": "nonsense", "K": "2"})
    assert any("no preset 'nonsense'" in t.value for t in at.toast)
    assert stepper(at).settings.n_components == 2


def test_a_first_visit_opens_on_a_scenario_where_em_moves():
    at = new_app()
    opening = PRESET_BY_KEY[OPENING]
    assert opening.watch in watch_note(at)
    before = stepper(at).params.means.copy()
    click(at, "step")
    moved = np.abs(stepper(at).params.means - before)
    assert moved.max() > 1.0, moved  # the outer curves are thrown towards the outer bumps
    assert len(PRESETS) == len({p.key for p in PRESETS})
