"""Presets and shareable links through AppTest."""

from __future__ import annotations

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from figures.notation import log_l
from gmm_core import MixtureParams
from ui.pure.presets import PRESETS

from .helpers import blocks, click, new_app, open_link, status_text, stepper

PRESET = {p.key: p for p in PRESETS}


def load(key: str) -> AppTest:
    at = new_app()
    click(at, f"preset_{key}")
    assert not at.exception, at.exception
    return at


def watch_note(at) -> str:
    return " ".join(i.value for i in at.info if "what to watch" in i.value)


def final_params(at) -> MixtureParams:
    click(at, "run")
    return stepper(at).params.sorted_by_mean()


@pytest.mark.parametrize("key", list(PRESET))
def test_each_preset_loads_its_scenario_and_says_what_to_watch(key):
    at = load(key)
    preset = PRESET[key]
    assert preset.watch in watch_note(at)
    state = stepper(at)
    assert state.t == 0 and state.settings.n_components == preset.scenario()["n_components"]
    assert state.settings.init_method == preset.scenario()["init_method"]
    click(at, "step")
    assert stepper(at).t == 1


def test_well_separated_converges_fast_to_the_two_bumps():
    at = load("separated")
    p = final_params(at)
    np.testing.assert_allclose(p.means, [-4, 4], atol=0.2)
    assert stepper(at).t < 30


def test_overlapping_needs_more_iterations_than_separated():
    separated, overlapping = load("separated"), load("overlapping")
    final_params(separated)
    final_params(overlapping)
    assert stepper(overlapping).t > 2 * stepper(separated).t


def test_bad_start_escapes_to_the_second_bump():
    at = load("bad_start")
    start = stepper(at).params
    assert np.all(start.means < 0)  # both means in the left bump
    np.testing.assert_allclose(final_params(at).means, [-3, 3], atol=0.25)


def test_collapse_preset_reports_the_collapse_onto_1_833():
    at = load("collapse")
    final_params(at)
    warnings = " ".join(w.value for w in at.warning)
    assert "Component 1 collapsed onto x = 1.833" in warnings


@pytest.mark.slow
def test_k_too_large_runs_six_components_without_nan():
    at = load("too_many")
    p = final_params(at)
    assert p.n_components == 6 and np.all(np.isfinite(p.means))


def test_old_faithful_preset_reaches_the_published_fit():
    at = load("old_faithful")
    p = final_params(at)
    np.testing.assert_allclose(p.weights, [0.361, 0.639], atol=6e-4)
    np.testing.assert_allclose(p.means, [54.61, 80.09], atol=6e-3)
    np.testing.assert_allclose(np.sqrt(p.variances), 5.869, atol=6e-4)
    final = stepper(at).run.log_likelihoods[stepper(at).t]
    assert final == pytest.approx(-1034.002, abs=6e-4)
    # The note quotes log L as the status line writes it (−1,034.0018), not −1034.002.
    assert f"log L = {log_l(final)}," in PRESET["old_faithful"].watch
    assert log_l(final) in status_text(at)


@pytest.mark.slow
def test_galaxies_seeds_end_in_different_local_maxima():
    at = load("galaxies")
    finals = set()
    for seed in (1, 2, 3, 4, 5):
        at.number_input(key="seed").set_value(seed).run()
        click(at, "run")
        finals.add(round(float(stepper(at).run.log_likelihoods[stepper(at).t]), 3))
    assert len(finals) >= 2


def test_the_note_disappears_once_the_scenario_changes():
    at = load("separated")
    assert watch_note(at)
    at.number_input(key="n_components").set_value(3).run()
    assert not watch_note(at)


@pytest.mark.slow
def test_a_shared_link_reproduces_the_parameters_bit_for_bit():
    at = load("overlapping")
    at.number_input(key="seed").set_value(4).run()
    for _ in range(7):
        click(at, "step")
    click(at, "e_step")
    link = dict(at.query_params)
    assert link["t"] == "7" and link["ph"] == "E" and link["seed"] == "4"
    other = open_link(link)
    a, b = stepper(at), stepper(other)
    assert (b.t, b.phase) == (7, "E")
    assert b.params == a.params  # exact equality of every float
    np.testing.assert_array_equal(b.run.log_likelihoods, a.run.log_likelihoods[: b.t + 1])
    assert "Iteration 7 · after E-step" in status_text(other)


def test_a_link_with_a_manual_start_and_a_data_set():
    at = load("old_faithful")
    for _ in range(3):
        click(at, "step")
    other = open_link(dict(at.query_params))
    assert stepper(other).run.history[0] == stepper(at).run.history[0]
    assert stepper(other).params == stepper(at).params
    assert other.session_state["active_data"].data_id == "ds:old_faithful_waiting"


def test_a_link_to_uploaded_data_says_it_cannot_carry_it():
    other = open_link({"src": "up", "K": "2"})
    assert any("cannot carry uploaded data" in t.value for t in other.toast)
    assert stepper(other).settings.n_components == 2


def test_bad_link_parameters_are_ignored_with_a_message():
    other = open_link({"K": "99", "init": "magic", "seed": "3"})
    messages = " ".join(t.value for t in other.toast)
    assert "`K=99`" in messages and "`init=magic`" in messages
    assert stepper(other).settings.seed == 3 and stepper(other).settings.n_components == 3


def test_lecture_mode_has_one_big_next_button_doing_half_steps():
    at = open_link({"lecture": "1"})
    assert at.toggle(key="lecture").value is True
    assert at.button(key="lecture_next").label.startswith("Next ▸  E-step")
    click(at, "lecture_next")
    assert (stepper(at).t, stepper(at).phase) == (0, "E")
    click(at, "lecture_next")
    assert (stepper(at).t, stepper(at).phase) == (1, "M")
    assert dict(at.query_params).get("lecture") == "1"


def test_in_lecture_mode_what_to_watch_is_folded_into_one_line():
    at = open_link({"lecture": "1"})
    click(at, "preset_bad_start")
    assert not watch_note(at)
    # A short label (a preset's title took up to four lines of the narrow column beside the
    # chart); the title and the note inside (a popover: opened, it floats over the chart).
    (fold,) = [b for b in blocks(at.main) if getattr(b.proto, "id", "").endswith("-lecture_watch")]
    assert fold.proto.popover.label == "What to watch"
    inside = " ".join(m.value for m in fold.markdown)
    assert PRESET["bad_start"].title in inside
    assert PRESET["bad_start"].watch in inside


def test_the_link_follows_run_to_convergence():
    at = new_app()
    click(at, "step")
    click(at, "run")
    state = stepper(at)
    assert state.t > 5
    assert dict(at.query_params)["t"] == str(state.t)
    other = open_link(dict(at.query_params))
    assert stepper(other).t == state.t and stepper(other).params == state.params
