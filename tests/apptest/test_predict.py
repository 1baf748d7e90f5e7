"""Predict, then reveal, through AppTest: a guess is locked, the stepper's own buttons make the
move, and the reveal scores it (checked against numbers computed here)."""

from __future__ import annotations

import numpy as np
import pytest

from gmm_core import e_step

from .helpers import click, decode, figure, new_app, stepper, traces


def predict_app(lecture: bool = False):
    at = new_app()
    if lecture:
        at.toggle(key="lecture").set_value(True).run()
    at.toggle(key="predict_mode").set_value(True).run()
    assert not at.exception, at.exception
    return at


def score_line(at) -> str:
    return next(m.value for m in at.markdown if m.value.startswith("**Score:**"))


def owner_question(at):
    """(n, right answer) of the point asked about, from the chart and the data."""
    (line,) = traces(figure(at, "predict_chart"), name="x_n")
    x_n = decode(line["x"])[0]
    x = at.session_state["active_data"].x
    (n,) = np.flatnonzero(x == x_n)[:1]
    resp, _ = e_step(x[n : n + 1], stepper(at).params)
    return n, int(np.argmax(resp[0]))


@pytest.mark.slow
def test_guesses_are_scored_after_the_step():
    at = predict_app()
    assert score_line(at) == "**Score:** no guesses yet"
    # Before the E-step: the owner of x_n, guessed right.
    _, owner = owner_question(at)
    at.radio(key="predict_owner_0").set_value(owner).run()
    click(at, "predict_lock")
    assert any("Guess locked" in i.value for i in at.info)
    click(at, "e_step")
    assert score_line(at) == "**Score:** 1 / 1 (100%)"
    assert any("right!" in s.value for s in at.success)
    # Before the M-step: the new means, typed exactly for μ₁ and far off for the others.
    new = stepper(at).run.lookahead.params.means
    at.number_input(key="predict_mu_0_0").set_value(float(new[0])).run()
    for j in range(1, new.size):
        at.number_input(key=f"predict_mu_0_{j}").set_value(float(new[j]) + 50.0).run()
    click(at, "predict_lock")
    click(at, "m_step")
    k = new.size
    assert score_line(at) == f"**Score:** {1 + 1 / k:g} / 2 ({(1 + 1 / k) / 2:.0%})"
    assert any("error +50" in w.value for w in at.warning)
    # A step without a locked guess scores nothing.
    click(at, "e_step")
    assert score_line(at).startswith(f"**Score:** {1 + 1 / k:g} / 2")


def test_lecture_mode_candidates_and_a_wrong_owner():
    at = predict_app(lecture=True)
    _, owner = owner_question(at)
    wrong = (owner + 1) % stepper(at).params.n_components
    at.radio(key="predict_owner_0").set_value(wrong).run()
    click(at, "predict_lock")
    click(at, "lecture_next")  # the E-step
    assert score_line(at) == "**Score:** 0 / 1 (0%)"
    assert any(f"you said {wrong + 1}" in w.value for w in at.warning)
    # Three candidates, one of them the M-step's answer.
    spec = figure(at, "predict_chart")
    names = [t["name"] for t in traces(spec, prefix="candidate")]
    assert names == ["candidate A", "candidate B", "candidate C"]
    new = stepper(at).run.lookahead.params.means
    right = next(
        c
        for c, name in enumerate(names)
        if np.allclose(decode(traces(spec, name=name)[0]["x"]), new)
    )
    at.radio(key="predict_pick_0").set_value(right).run()
    click(at, "predict_lock")
    click(at, "lecture_next")  # the M-step
    assert score_line(at) == "**Score:** 1 / 2 (50%)"


def test_a_guess_is_dropped_when_the_user_goes_elsewhere():
    at = predict_app()
    click(at, "predict_lock")
    click(at, "step")  # a whole iteration: not the E-step the guess was about
    assert "predict_pending" not in at.session_state
    assert score_line(at) == "**Score:** no guesses yet"
