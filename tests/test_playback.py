"""Autoplay's pure state machine (ui/pure/playback.py): play, pause, tick, scrub, step, back, reset,
run; tempo from the clock (a late redraw caught up, a few steps at most, and said); never
backwards, in particular after scrubbing back and pressing Play (issue 7: the page used to show
2→3→2→3…); and a Hypothesis test over any sequence of events against a simple model of what
the lecturer should see.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from gmm_core import MixtureParams, sample
from ui.pure import playback as pb
from ui.pure import run_state as rs

TRUTH = MixtureParams([0.35, 0.45, 0.2], [-2.0, 1.5, 5.0], [1.0, 0.64, 1.69])
X, _ = sample(TRUTH, 400, np.random.default_rng(5))
X.flags.writeable = False
PERIOD = 1.0


def fresh(**overrides) -> rs.StepperState:
    options = {"n_components": 3, "seed": 2, "tol": 0.0, "max_iter": 40}
    options.update(overrides)
    return rs.new_state(X, "test-data", rs.ModelSettings(**options))


def position(state: rs.StepperState) -> tuple[int, str]:
    return state.t, state.phase


def ticks(p, s, times, *, half=False):
    """Apply a tick at each clock time; return the states and the positions seen."""
    seen = []
    for now in times:
        p, s = pb.tick(p, s, X, now=now, period=PERIOD, half_steps=half)
        seen.append(position(s))
    return p, s, seen


# ---------------------------------------------------------------- play, tick, pause


def test_play_then_a_tick_each_period_moves_one_iteration_each():
    p, s = pb.play(pb.Playback(), fresh(), now=100.0, n_points=X.size)
    assert p.playing and p.ticks == 0
    p, s, seen = ticks(p, s, [101.0, 102.0, 103.0, 104.0])
    assert seen == [(1, "M"), (2, "M"), (3, "M"), (4, "M")]
    assert p.playing and p.ticks == 4


def test_half_steps_alternate_e_and_m():
    p, s = pb.play(pb.Playback(), fresh(), now=0.0, n_points=X.size)
    _, _, seen = ticks(p, s, [1.0, 2.0, 3.0, 4.0], half=True)
    assert seen == [(0, "E"), (1, "M"), (1, "E"), (2, "M")]


def test_early_timer_events_do_nothing_and_a_late_redraw_is_caught_up():
    p, s = pb.play(pb.Playback(), fresh(), now=0.0, n_points=X.size)
    # Queued reruns arriving at once (a slow rerun before them) take a single step.
    p, s, seen = ticks(p, s, [0.2, 0.5, 1.0, 1.01, 1.02, 1.3])
    assert seen == [(0, "M"), (0, "M"), (1, "M"), (1, "M"), (1, "M"), (1, "M")]
    assert p.burst == 1 and pb.tempo_note(p) is None
    # A redraw 1.5 s late takes the two steps due, and says so; then one a period again.
    p, s, seen = ticks(p, s, [3.5, 3.6, 4.0])
    assert seen == [(3, "M"), (3, "M"), (4, "M")]
    p, s = pb.tick(p, s, X, now=5.0, period=PERIOD, half_steps=False)
    assert position(s) == (5, "M") and p.burst == 1 and pb.tempo_note(p) is None


def test_a_catch_up_is_said_and_capped():
    p, s = pb.play(pb.Playback(), fresh(), now=0.0, n_points=X.size)
    p, s, _ = ticks(p, s, [1.0, 2.0])
    p, s = pb.tick(p, s, X, now=4.0, period=PERIOD, half_steps=False)
    assert position(s) == (4, "M") and (p.burst, p.behind) == (2, 0)
    assert pb.tempo_note(p) == "catching up: 2 steps at once"
    # A 6 s stall: at most MAX_STEPS_PER_TICK steps in one redraw; the rest is not made up.
    p, s = pb.tick(p, s, X, now=10.0, period=PERIOD, half_steps=False)
    assert s.t == 4 + pb.MAX_STEPS_PER_TICK == 7 and (p.burst, p.behind) == (3, 3)
    assert pb.tempo_note(p) == "catching up: 3 steps at once"
    p, s = pb.tick(p, s, X, now=11.0, period=PERIOD, half_steps=False)
    assert s.t == 8 and pb.tempo_note(p) is None and p.behind == 0
    assert pb.tempo_note(pb.pause(p, s)[0]) is None


def test_a_machine_slower_than_the_speed_keeps_time_with_the_clock():
    """Reruns of 1.5 s at 1 step/s: the timer's events are merged while a rerun runs, so one
    arrives every 1.5 s. The iteration shown follows the clock (it used to follow the reruns:
    1, 2, 3, … one per 1.5 s)."""
    p, s = pb.play(pb.Playback(), fresh(), now=0.0, n_points=X.size)
    times = [1.0 + 1.5 * k for k in range(8)]
    _, _, seen = ticks(p, s, times)
    shown = [t for t, _ in seen]
    assert shown == [1, 2, 4, 5, 7, 8, 10, 11]
    assert all(abs(t - now) <= 1 for t, now in zip(shown, times, strict=True))


def test_the_clock_locks_to_the_timers_phase():
    """A timer whose phase sits near the edge of the slack window, with a little jitter, took
    no step at one event and two due at the next (steps 2 s apart); locked on the first event,
    every event takes one."""
    p, s = pb.play(pb.Playback(), fresh(), now=0.0, n_points=X.size)
    times = [1.62, 2.68, 3.63, 4.67, 5.61, 6.69]
    p, _, seen = ticks(p, s, times)
    assert [t for t, _ in seen] == [1, 2, 3, 4, 5, 6]
    assert p.anchor == pytest.approx(0.62)


def test_a_change_of_speed_restarts_the_clock():
    p, s = pb.play(pb.Playback(), fresh(), now=0.0, n_points=X.size)
    p, s, _ = ticks(p, s, [1.0, 2.0, 3.0])
    seen = []
    for now in (3.1, 3.35, 3.6, 3.85, 4.1):  # now 4 steps per second
        p, s = pb.tick(p, s, X, now=now, period=0.25, half_steps=False)
        seen.append(s.t)
    assert seen == [3, 4, 5, 6, 7] and p.burst == 1


def test_timer_jitter_keeps_a_steady_tempo():
    """A 1 s timer firing a little early or late still gives one step per event."""
    p, s = pb.play(pb.Playback(), fresh(), now=0.0, n_points=X.size)
    jitter = [0.0, -0.2, 0.25, -0.3, 0.1, -0.1, 0.3, 0.0]
    times = [k + 1 + j for k, j in enumerate(jitter)]
    _, _, seen = ticks(p, s, times)
    assert [t for t, _ in seen] == list(range(1, len(times) + 1))


def test_pause_stops_ticks():
    p, s = pb.play(pb.Playback(), fresh(), now=0.0, n_points=X.size)
    p, s, _ = ticks(p, s, [1.0, 2.0])
    p, s = pb.pause(p, s)
    p, s, seen = ticks(p, s, [3.0, 4.0, 10.0])
    assert seen == [(2, "M")] * 3 and not p.playing


def test_toggle_plays_and_pauses():
    p, s = pb.toggle(pb.Playback(), fresh(), now=0.0, n_points=X.size)
    assert p.playing
    p, s = pb.toggle(p, s, now=1.0, n_points=X.size)
    assert not p.playing


def test_play_stops_at_the_iteration_limit_and_will_not_start_there():
    p, s = pb.play(pb.Playback(), fresh(max_iter=3), now=0.0, n_points=X.size)
    p, s, seen = ticks(p, s, [1.0, 2.0, 3.0, 4.0, 5.0])
    assert [t for t, _ in seen] == [1, 2, 3, 3, 3]
    assert not p.playing
    p, s = pb.play(p, s, now=6.0, n_points=X.size)
    assert not p.playing


def test_play_stops_at_convergence():
    converged = rs.run_to_convergence(fresh(tol=1e-4), X)
    done = rs.converged_at(converged, X.size)
    p, s = pb.play(pb.Playback(), rs.go_to(converged, done - 2), now=0.0, n_points=X.size)
    assert p.playing
    p, s, seen = ticks(p, s, [1.0, 2.0, 3.0, 4.0])
    assert [t for t, _ in seen] == [done - 1, done, done, done]
    assert not p.playing


# ---------------------------------------------------------------- scrub → play → tick


def test_scrub_back_then_play_only_moves_forward():
    """Issue 7: run to 8, scrub back to 2, Play: 2, 3, 4, …, never 3 → 2."""
    p, s = pb.Playback(), fresh()
    p, s = pb.step(p, s, lambda state: rs.jump_to(state, X, 8))
    assert s.frontier == 8
    p, s = pb.scrub(p, s, 2)
    assert position(s) == (2, "M")
    p, s = pb.play(p, s, now=50.0, n_points=X.size)
    p, s, seen = ticks(p, s, [50.5, 51.0, 51.9, 53.0, 54.0, 55.0, 56.0, 57.0, 58.0])
    shown = [t for t, _ in seen]
    assert shown == [2, 3, 4, 5, 6, 7, 8, 9, 10]
    # Replayed iterations are the computed ones, not new ones.
    assert s.params is s.run.history[10]


def test_scrub_while_playing_pauses_there():
    p, s = pb.play(pb.Playback(), fresh(), now=0.0, n_points=X.size)
    p, s, _ = ticks(p, s, [1.0, 2.0, 3.0, 4.0])
    p, s = pb.scrub(p, s, 1)
    assert not p.playing and position(s) == (1, "M")
    p, s, seen = ticks(p, s, [5.0, 6.0])
    assert seen == [(1, "M"), (1, "M")]


def test_step_back_reset_and_run_pause_playback():
    for event in (
        lambda p, s: pb.step(p, s, lambda state: rs.next_iteration(state, X)),
        pb.back,
        lambda p, s: pb.reset(p, s, X),
        lambda p, s: pb.run(p, s, X),
    ):
        p, s = pb.play(pb.Playback(), fresh(tol=1e-4), now=0.0, n_points=X.size)
        p, s, _ = ticks(p, s, [1.0, 2.0])
        p, s = event(p, s)
        assert not p.playing


def test_reset_keeps_theta_0_and_run_ends_converged():
    s0 = fresh(tol=1e-4)
    p, s = pb.run(pb.Playback(), s0, X)
    assert s.t == rs.converged_at(s, X.size)
    p, s = pb.reset(p, s, X)
    assert position(s) == (0, "M") and s.params == s0.params and s.frontier == 0


def test_steps_due_rejects_a_zero_period():
    with pytest.raises(ValueError, match="period"):
        pb.steps_due(pb.Playback(playing=True), now=1.0, period=0.0)


# ---------------------------------------------------------------- any sequence of events

EVENT = st.one_of(
    st.tuples(st.just("tick"), st.floats(0.0, 3.0)),
    st.tuples(st.just("scrub"), st.integers(0, 12)),
    st.sampled_from(["play", "pause", "next", "e", "m", "back", "reset"]),
)


@hsettings(max_examples=60, deadline=None)
@given(st.lists(EVENT, max_size=30), st.booleans())
def test_any_sequence_of_events(events, half):
    """Positions only move forward between two user events while playing; paused, ticks
    change nothing."""
    base = fresh(max_iter=12)
    p, s, now = pb.Playback(), base, 0.0
    for event in events:
        before_p, before_s = p, s
        if isinstance(event, tuple) and event[0] == "tick":
            now += event[1]
            p, s = pb.tick(p, s, X, now=now, period=PERIOD, half_steps=half)
            if not before_p.playing:
                assert s is before_s and p == before_p
            else:
                order = (s.t, s.phase == "E")
                assert order >= (before_s.t, before_s.phase == "E"), (before_s, s)
                # At most MAX_STEPS_PER_TICK moves per tick.
                assert (s.t - before_s.t) <= pb.MAX_STEPS_PER_TICK
        elif isinstance(event, tuple):
            p, s = pb.scrub(p, s, event[1])
            assert not p.playing and s.t == min(event[1], s.frontier) and s.phase == "M"
        elif event == "play":
            p, s = pb.play(p, s, now=now, n_points=X.size)
            assert p.playing == (not pb.at_end(s, X.size))
        elif event == "pause":
            p, s = pb.pause(p, s)
        elif event == "back":
            p, s = pb.back(p, s)
        elif event == "reset":
            p, s = pb.reset(p, s, X)
            assert position(s) == (0, "M")
        else:
            move = {
                "next": lambda state: rs.next_iteration(state, X),
                "e": rs.e_half_step,
                "m": lambda state: rs.m_half_step(state, X),
            }[event]
            p, s = pb.step(p, s, move)
            assert not p.playing
        assert 0 <= s.t <= s.frontier <= 12
        assert s.params is s.run.history[s.t]
