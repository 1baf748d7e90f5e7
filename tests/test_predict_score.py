"""The rules of "predict, then reveal" (ui.pure.predict_score), without Streamlit."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gmm_core import MixtureParams, e_step
from ui.pure.predict_score import (
    HIT_FRACTION,
    Score,
    candidate_means,
    owner_result,
    pick_point,
    score_means,
)


def test_exact_guess_scores_one_and_a_wrong_direction_scores_zero():
    old, new = np.array([0.0, 5.0]), np.array([1.0, 4.0])
    assert score_means(new, old, new, scale=2.0).points == 1.0
    wrong = score_means(np.array([-1.0, 6.0]), old, new, scale=2.0)
    assert wrong.points == 0.0 and wrong.errors.tolist() == [-2.0, 2.0]
    half = score_means(np.array([1.2, 6.0]), old, new, scale=2.0)  # 0.2 ≤ 0.25 × 1
    assert half.hits.tolist() == [True, False] and half.points == 0.5


def test_small_moves_use_the_data_scale():
    old = new = np.array([3.0])
    assert score_means(np.array([3.03]), old, new, scale=2.0).points == 1.0  # 0.03 ≤ 0.04
    assert score_means(np.array([3.05]), old, new, scale=2.0).points == 0.0


def test_bad_guesses_are_refused():
    with pytest.raises(ValueError, match="one value per component"):
        score_means(np.array([1.0]), np.zeros(2), np.ones(2), 1.0)
    with pytest.raises(ValueError, match="finite"):
        score_means(np.array([np.nan, 1.0]), np.zeros(2), np.ones(2), 1.0)


@given(
    st.lists(st.floats(-100, 100), min_size=1, max_size=5),
    st.lists(st.floats(-10, 10), min_size=5, max_size=5),
    st.integers(0, 10_000),
)
def test_candidates_hold_the_answer_once_and_the_others_score_zero(old, moves, seed):
    old = np.array(old)
    new = old + np.array(moves[: old.size])
    scale = 1.0
    cands = candidate_means(old, new, scale, seed)
    assert cands.means.shape == (3, old.size)
    assert np.array_equal(cands.means[cands.correct], new)
    for c in range(3):
        points = score_means(cands.means[c], old, new, scale).points
        assert points == (1.0 if c == cands.correct else 0.0)
    assert candidate_means(old, new, scale, seed).correct == cands.correct  # reproducible


def test_owner_and_the_point_asked_about():
    params = MixtureParams([0.5, 0.5], [0.0, 4.0], [1.0, 1.0])
    x = np.linspace(-3, 7, 501)
    n = pick_point(x, params, seed=3)
    resp, _ = e_step(x[n : n + 1], params)
    assert abs(resp.max() - 0.75) < 0.05  # an informative, not obvious, point
    assert owner_result(int(np.argmax(resp[0])), resp[0])
    assert not owner_result(1 - int(np.argmax(resp[0])), resp[0])
    assert pick_point(x, params, seed=3) == n


def test_running_score():
    score = Score()
    assert score.text == "no guesses yet"
    score = score.add(1.0).add(0.5).add(0.0)
    assert (score.points, score.attempts) == (1.5, 3)
    assert score.text == "1.5 / 3 (50%)"
    with pytest.raises(ValueError):
        score.add(2.0)
    assert HIT_FRACTION == 0.25


def test_the_right_candidate_is_not_always_the_middle_one():
    old, new = np.array([0.0, 5.0]), np.array([1.0, 4.0])
    ranks = set()
    for seed in range(40):
        cands = candidate_means(old, new, 1.0, seed)
        ranks.add(int(np.argsort(np.argsort(cands.means[:, 0]))[cands.correct]))
    assert ranks == {0, 1, 2}
