"""Playback of the stepper: play, pause, tick, scrub, step, back, reset and run as pure
transitions (no streamlit: unit-testable).

Every transition takes the playback state and the stepper state (:mod:`ui.pure.run_state`) and
returns both, so the page applies one transition per event and then draws status line, slider
and trace marker from the one stepper state that results: they cannot disagree.

Tempo
    Autoplay ticks come from the fragment's timer (``st.fragment(run_every=period)``), but a tick
    moves the run only when the clock says a step is due: the k-th step is due ``k × period``
    after Play was pressed. A timer event that arrives early (a rerun queued behind a slow one)
    does nothing; one that arrives late takes a single step and drops the missed ones, so the
    pace never bunches up and never depends on how long a rerun takes.
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
    "Playback",
    "at_end",
    "back",
    "forward",
    "pause",
    "play",
    "reset",
    "run",
    "scrub",
    "step",
    "steps_due",
    "tick",
    "toggle",
]

#: A timer event up to this fraction of a period before a step is due still takes it (timer
#: jitter), so a steady 1 s timer gives a steady 1 s tempo.
EARLY_SLACK = 0.35

Move = Callable[[rs.StepperState], rs.StepperState]


@dataclass(frozen=True)
class Playback:
    """Autoplay's state.

    Attributes
    ----------
    playing : bool
    anchor : float
        Clock time (s, monotonic) at which Play was pressed.
    ticks : int
        Steps due since ``anchor`` already accounted for.
    """

    playing: bool = False
    anchor: float = 0.0
    ticks: int = 0


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
    """How many steps the clock says should have been taken since Play (≥ 0)."""
    if period <= 0:
        raise ValueError(f"period must be > 0, got {period}")
    return max(0, math.floor((now - pb.anchor) / period + EARLY_SLACK))


def play(
    pb: Playback, state: rs.StepperState, now: float, n_points: int
) -> tuple[Playback, rs.StepperState]:
    """Start autoplay from the position on screen; the first step is due one period later.
    At the end of the run (converged, or the iteration limit) nothing starts."""
    if at_end(state, n_points):
        return replace(pb, playing=False), state
    return replace(pb, playing=True, anchor=now, ticks=0), state


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
    """A timer event: one step forward if one is due (see the module's *Tempo*), and stop at
    the end of the run. Paused, or not yet due: nothing changes."""
    if not pb.playing:
        return pb, state
    due = steps_due(pb, now, period)
    if due <= pb.ticks:
        return pb, state
    if at_end(state, x.size):
        return replace(pb, playing=False), state
    moved = forward(state, x, half_steps)
    pb = replace(pb, ticks=due)
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
