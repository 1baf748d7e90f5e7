"""Playback of the stepper: play, pause, tick, scrub, step, back, reset and run as pure
transitions (no streamlit: unit-testable).

Every transition takes the playback state and the stepper state (:mod:`ui.pure.run_state`) and
returns both, so the page applies one transition per event and then draws status line, slider
and trace marker from the one stepper state that results: they cannot disagree.

Tempo
    Autoplay ticks come from the fragment's timer (``st.fragment(run_every=period)``: the
    browser asks for a rerun every ``period`` s; asks arriving while a rerun is still going are
    merged into one, so a rerun longer than the period used to set the pace). The step count
    follows the wall clock instead: the first timer event after Play (at least most of a period
    later) takes the first step and locks the clock to the timer's phase; the k-th step is then
    due ``k × period`` after that lock (an event up to :data:`EARLY_SLACK` of a period early
    still counts). Each event takes every step due since the last one shown, up to
    :data:`MAX_STEPS_PER_TICK`, so a slow redraw is caught up on the next one and the
    iteration on screen keeps time; more than that is not made up (the pace then drops rather
    than the screen skipping many steps). Either case is recorded (``burst``, ``behind``) for
    the page to say (:func:`tempo_note`, and that the speed is too fast): nothing is skipped
    silently. A change of speed
    restarts the clock.
Direction
    A tick only ever moves forward (a half step or a whole iteration); scrubbing, stepping, Back
    and Reset pause playback first, so nothing a tick does can undo them or be undone by them.
Widgets
    The page shows no scrub slider while playing and ignores slider values arriving then: the
    browser re-sends a removed slider's last value, which used to drag the run back.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from . import run_state as rs

__all__ = [
    "EARLY_SLACK",
    "MAX_STEPS_PER_TICK",
    "Playback",
    "at_end",
    "back",
    "clock",
    "forward",
    "pause",
    "play",
    "reset",
    "run",
    "scrub",
    "step",
    "steps_due",
    "tempo_note",
    "tick",
    "toggle",
]

#: A timer event up to this fraction of a period before a step is due still takes it (timer
#: jitter), so a steady 1 s timer gives a steady 1 s tempo.
EARLY_SLACK = 0.35

#: The most steps one timer event takes to catch up with the clock (a redraw that came late).
MAX_STEPS_PER_TICK = 3

Move = Callable[[rs.StepperState], rs.StepperState]


@dataclass(frozen=True)
class Playback:
    """Autoplay's state.

    Attributes
    ----------
    playing : bool
    anchor : float
        Clock time (s, monotonic) from which steps are due: Play, then the first tick (locked
        to the timer's phase), or the last change of speed.
    ticks : int
        Steps due since ``anchor`` already accounted for (0: the clock is not locked yet).
    period : float or None
        The period (s) ``anchor`` and ``ticks`` count in; None until the first tick.
    burst : int
        Steps the last tick took (more than one: it caught up with a late redraw).
    behind : int
        Due steps the last tick did not make up (more than :data:`MAX_STEPS_PER_TICK`): the
        machine draws slower than the speed asks.
    """

    playing: bool = False
    anchor: float = 0.0
    ticks: int = 0
    period: float | None = None
    burst: int = 0
    behind: int = 0


def at_end(state: rs.StepperState, n_points: int) -> bool:
    """Whether autoplay has nowhere to go: converged (at or past that iteration) or at the
    iteration limit."""
    done = rs.converged_at(state, n_points)
    return state.at_max_iter or (done is not None and state.t >= done)


def forward(state: rs.StepperState, x: np.ndarray, half_steps: bool) -> rs.StepperState:
    """One autoplay move from the position on screen: the next half step (E, then M) or a
    whole iteration. Never backwards."""
    if not half_steps:
        return rs.next_iteration(state, x)
    return rs.e_half_step(state) if state.phase == "M" else rs.m_half_step(state, x)


def steps_due(pb: Playback, now: float, period: float) -> int:
    """How many steps the clock says should have been taken since ``pb.anchor`` (≥ 0)."""
    if period <= 0:
        raise ValueError(f"period must be > 0, got {period}")
    return max(0, math.floor((now - pb.anchor) / period + EARLY_SLACK))


def clock(pb: Playback, now: float, period: float) -> Playback:
    """The playback clock as of a timer event at ``now``: a change of speed restarts it at
    ``now``; the first event at least ``1 − EARLY_SLACK`` periods after the (re)start locks it,
    making this event the first step's due time."""
    if pb.period is not None and pb.period != period:
        return replace(pb, anchor=now, ticks=0, period=period)
    pb = replace(pb, period=period)
    if pb.ticks == 0 and now - pb.anchor >= (1 - EARLY_SLACK) * period:
        pb = replace(pb, anchor=now - period)
    return pb


def tempo_note(pb: Playback) -> str | None:
    """What the status line says when the last redraw had to catch up with the clock (more
    than one step at once); ``None`` when it did not, or when paused. (``pb.behind`` says the
    speed is more than the machine can draw, even catching up.)"""
    if not pb.playing or pb.burst <= 1:
        return None
    return f"catching up: {pb.burst} steps at once"


def play(
    pb: Playback, state: rs.StepperState, now: float, n_points: int
) -> tuple[Playback, rs.StepperState]:
    """Start autoplay from the position on screen; the first step is due one period later.
    At the end of the run (converged, or the iteration limit) nothing starts."""
    if at_end(state, n_points):
        return replace(pb, playing=False), state
    return Playback(playing=True, anchor=now), state


def pause(pb: Playback, state: rs.StepperState) -> tuple[Playback, rs.StepperState]:
    """Stop autoplay where it is."""
    return replace(pb, playing=False), state


def toggle(
    pb: Playback, state: rs.StepperState, now: float, n_points: int
) -> tuple[Playback, rs.StepperState]:
    """The Play/Pause button."""
    return pause(pb, state) if pb.playing else play(pb, state, now, n_points)


def tick(
    pb: Playback,
    state: rs.StepperState,
    x: np.ndarray,
    *,
    now: float,
    period: float,
    half_steps: bool,
) -> tuple[Playback, rs.StepperState]:
    """A timer event: every step the clock says is due since the last one shown, at most
    :data:`MAX_STEPS_PER_TICK` (see the module's *Tempo*), forward only, stopping at the end
    of the run. Paused, or nothing due yet: nothing changes but the clock."""
    if not pb.playing:
        return pb, state
    pb = clock(pb, now, period)
    due = steps_due(pb, now, period)
    if due <= pb.ticks:
        return pb, state
    taken, moved = 0, state
    while taken < min(due - pb.ticks, MAX_STEPS_PER_TICK) and not at_end(moved, x.size):
        moved, taken = forward(moved, x, half_steps), taken + 1
    pb = replace(pb, ticks=due, burst=taken, behind=max(0, due - pb.ticks - MAX_STEPS_PER_TICK))
    if at_end(moved, x.size):
        pb = replace(pb, playing=False)
    return pb, moved


def scrub(pb: Playback, state: rs.StepperState, t: int) -> tuple[Playback, rs.StepperState]:
    """The slider moved to iteration ``t`` (after its M-step): pause there."""
    return replace(pb, playing=False), rs.go_to(state, t)


def step(pb: Playback, state: rs.StepperState, move: Move) -> tuple[Playback, rs.StepperState]:
    """A button move (E-step, M-step, Next iteration, …): pause, then move."""
    return replace(pb, playing=False), move(state)


def back(pb: Playback, state: rs.StepperState) -> tuple[Playback, rs.StepperState]:
    """Back: pause and undo the last move."""
    return step(pb, state, rs.back)


def reset(pb: Playback, state: rs.StepperState, x: np.ndarray) -> tuple[Playback, rs.StepperState]:
    """Reset: pause, and the same run from iteration 0 (same data, settings and θ₀)."""
    return step(pb, state, lambda s: rs.new_state(x, s.data_id, s.settings))


def run(
    pb: Playback, state: rs.StepperState, x: np.ndarray, on_iteration=None
) -> tuple[Playback, rs.StepperState]:
    """Run to convergence: pause, iterate until converged or the limit, show the last one.

    ``on_iteration(i, total)`` is passed to :func:`ui.pure.run_state.run_to_convergence`.
    """
    return step(pb, state, lambda s: rs.run_to_convergence(s, x, on_iteration=on_iteration))
