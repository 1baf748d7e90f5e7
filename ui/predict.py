"""The stepper's "Predict, then reveal" mode: guess the next half step, then see it happen.

One call from the stepper (:func:`render_predict_panel`). Before an M-step (after an E-step) the
student types where each μ_k will move, or in lecture mode picks one of three candidates (a show
of hands); before an E-step, which component owns a highlighted point. *Lock in* keeps the guess;
the stepper's own E-step / M-step / Next button then makes the move, and this panel reveals the
answer, the error and the running score. The rules are in :mod:`ui.pure.predict_score`.

Session keys: ``predict_mode`` (toggle), ``predict_pending`` (the locked guess and the position
it is about), ``predict_last`` (the last reveal and the position it belongs to),
``predict_score`` (:class:`ui.pure.predict_score.Score`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import streamlit as st

from figures.notation import short, subscript
from figures.predict import LETTERS, prediction_figure
from gmm_core import e_step

from . import session
from .lecture import chart
from .pure import keys
from .pure.predict_score import Score, candidate_means, owner_result, pick_point, score_means
from .pure.run_state import StepperState
from .widgets import behind_toggle

__all__ = ["render_predict_panel"]

PENDING_KEY = "predict_pending"
LAST_KEY = "predict_last"
SCORE_KEY = "predict_score"


def _run_id(state: StepperState) -> tuple:
    return (state.data_id, state.settings, hash(state.run.history[0]))


def _reveal(state: StepperState, x: np.ndarray) -> None:
    """Score a locked guess once the move it was about has happened (else drop it if the user
    went elsewhere)."""
    pending = st.session_state.get(PENDING_KEY)
    if pending is None:
        return
    position = (state.t, state.phase)
    if pending["run"] != _run_id(state) or position != pending["target"]:
        if position != pending["asked_at"]:
            del st.session_state[PENDING_KEY]  # moved elsewhere (Back, Reset, a jump)
        return
    del st.session_state[PENDING_KEY]
    t = pending["asked_at"][0]
    if pending["kind"] == "M":
        old, new = state.run.history[t].means, state.run.history[t + 1].means
        scale = float(np.std(x))
        if pending.get("pick") is not None:
            cands = candidate_means(old, new, scale, seed=t)
            right = pending["pick"] == cands.correct
            points = 1.0 if right else 0.0
            message = f"Candidate {LETTERS[pending['pick']]}: " + (
                "right!" if right else f"not this time — it was {LETTERS[cands.correct]}."
            )
        else:
            result = score_means(np.array(pending["guess"]), old, new, scale)
            points = result.points
            parts = [
                f"μ{subscript(k + 1)}: you said {short(g, 4)}, it moved to {short(a, 4)} (error "
                f"{'+' if e >= 0 else ''}{short(e)}"
                f"{', hit' if h else ''})"
                for k, (g, a, e, h) in enumerate(
                    zip(result.guess, result.answer, result.errors, result.hits, strict=True)
                )
            ]
            message = "; ".join(parts) + f". {points:g} point{'s' if points != 1 else ''}."
    else:
        n = pending["point"]
        resp, _ = e_step(x[n : n + 1], state.params)
        right = owner_result(pending["guess"], resp[0])
        points = 1.0 if right else 0.0
        gammas = ", ".join(f"γ(zₙ{subscript(k + 1)}) = {g:.3f}" for k, g in enumerate(resp[0]))
        owner = int(np.argmax(resp[0])) + 1
        message = f"xₙ = {short(x[n], 4)}: {gammas}. Component {owner} owns it — " + (
            "right!" if right else f"you said {pending['guess'] + 1}."
        )
    score = st.session_state.get(SCORE_KEY, Score()).add(points)
    st.session_state[SCORE_KEY] = score
    st.session_state[LAST_KEY] = {
        "run": _run_id(state),
        "at": position,
        "text": message,
        "right": points == 1.0,
    }


def _lock(values: dict[str, Any], widget_keys: list[str]) -> None:
    """Button callback: keep the guess as the widgets hold it at the click (``widget_keys``: the
    widgets whose values make the guess)."""
    answer = [st.session_state[key] for key in widget_keys]
    if values["kind"] == "M" and values.get("pick") is not None:
        values = {**values, "pick": int(answer[0])}
    elif values["kind"] == "M":
        values = {**values, "guess": [float(a) for a in answer]}
    else:
        values = {**values, "guess": int(answer[0])}
    st.session_state[PENDING_KEY] = values


def _ask_m(state: StepperState, data: session.ActiveData, lecture: bool) -> None:
    t = state.t
    old = state.params.means
    k = state.params.n_components
    if lecture:
        nxt = state.run.history[t + 1] if t < state.frontier else state.run.lookahead.params
        cands = candidate_means(old, nxt.means, float(np.std(data.x)), seed=t)
        edges, counts = session.cached_bins(data.data_id, data.x, None)
        chart(
            prediction_figure(
                edges, counts, state.params, candidates=cands.means, x_label=data.axis_label
            ),
            key="predict_chart",
        )
        st.radio(
            "Where will the means move in the M-step? (a show of hands, then pick)",
            [0, 1, 2],
            key=f"predict_pick_{t}",
            horizontal=True,
            format_func=lambda c: (
                f"{LETTERS[c]}: μ = " + ", ".join(short(m) for m in cands.means[c])
            ),
        )
        values, widget_keys = {"kind": "M", "pick": 0, "guess": None}, [f"predict_pick_{t}"]
    else:
        st.markdown(
            f"**Before the M-step:** where will each μₖ move? Now μ = "
            f"{', '.join(short(m, 4) for m in old)}. (Hint: μₖⁿᵉʷ = Σₙ γ(zₙₖ) xₙ / Nₖ, "
            "the γ-weighted mean of the coloured bars.)"
        )
        cols = st.columns(k)
        widget_keys = [f"predict_mu_{t}_{j}" for j in range(k)]
        for j in range(k):
            cols[j].number_input(
                f"μ{subscript(j + 1)} after the M-step",
                value=float(old[j]),
                key=widget_keys[j],
                format="%.4f",
            )
        values = {"kind": "M", "pick": None, "guess": None}
    st.button(
        "Lock in my guess",
        key="predict_lock",
        on_click=_lock,
        args=(
            {**values, "run": _run_id(state), "asked_at": (t, "E"), "target": (t + 1, "M")},
            widget_keys,
        ),
        help="Then press M-step (or Next) to see the answer",
    )


def _ask_e(state: StepperState, data: session.ActiveData) -> None:
    t = state.t
    n = pick_point(data.x, state.params, seed=1000 + t)
    edges, counts = session.cached_bins(data.data_id, data.x, None)
    chart(
        prediction_figure(
            edges, counts, state.params, point=float(data.x[n]), x_label=data.axis_label
        ),
        key="predict_chart",
    )
    k = state.params.n_components
    st.radio(
        f"**Before the E-step:** which component will own xₙ = {short(data.x[n], 4)} (the dotted "
        "line), i.e. have the largest γ(zₙₖ)?",
        list(range(k)),
        key=f"predict_owner_{t}",
        horizontal=True,
        format_func=lambda j: f"component {j + 1}",
    )
    st.button(
        "Lock in my guess",
        key="predict_lock",
        on_click=_lock,
        args=(
            {
                "kind": "E",
                "guess": 0,
                "point": n,
                "run": _run_id(state),
                "asked_at": (t, "M"),
                "target": (t, "E"),
            },
            [f"predict_owner_{t}"],
        ),
        help="Then press E-step (or Next) to see the answer",
    )


@behind_toggle(
    "Predict, then reveal",
    key=keys.PREDICT_MODE,
    help="Guess the next half step before it happens; the step reveals the answer",
)
def render_predict_panel(state: StepperState, data: session.ActiveData) -> None:
    """The "Predict, then reveal" toggle (key ``predict_mode``) and, when on, the game."""
    lecture = bool(st.session_state.get(keys.LECTURE))
    _reveal(state, data.x)
    last = st.session_state.get(LAST_KEY)
    if last and last["run"] == _run_id(state) and last["at"] == (state.t, state.phase):
        (st.success if last["right"] else st.warning)(last["text"])
    score = st.session_state.get(SCORE_KEY, Score())
    st.markdown(f"**Score:** {score.text}")
    pending = st.session_state.get(PENDING_KEY)
    if pending is not None and pending["asked_at"] == (state.t, state.phase):
        step = "M-step" if pending["kind"] == "M" else "E-step"
        st.info(f"Guess locked. Now press **{step}** (or Next) to reveal the answer.")
        return
    if state.at_max_iter:
        return
    if state.phase == "E":
        _ask_m(state, data, lecture)
    else:
        _ask_e(state, data)
