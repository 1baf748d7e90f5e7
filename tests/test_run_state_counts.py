"""N_k of the responsibilities on screen, taken from the E-step the run already took
(``StepperState.responsibility_counts``), against a separate pass over the data
(``gmm_core.sufficient_statistics`` of ``responsibility_params``) at every position a sequence
of moves reaches: the parameter table no longer pays that pass on every click."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from gmm_core import MixtureParams, sample
from gmm_core.em import FUSED_MIN_POINTS, sufficient_statistics
from ui.pure import run_state as rs

TRUTH = MixtureParams([0.35, 0.45, 0.2], [-2.0, 1.5, 5.0], [1.0, 0.64, 1.69])
SMALL, _ = sample(TRUTH, 600, np.random.default_rng(5))
LARGE, _ = sample(TRUTH, FUSED_MIN_POINTS + 1_000, np.random.default_rng(6))  # the fused path
MOVES = ("E", "M", "next", "back", "go0", "goend")


def apply(state: rs.StepperState, x: np.ndarray, move: str) -> rs.StepperState:
    if move == "E":
        return rs.e_half_step(state)
    if move == "M":
        return rs.m_half_step(state, x)
    if move == "next":
        return rs.next_iteration(state, x)
    if move == "back":
        return rs.back(state)
    return rs.go_to(state, 0 if move == "go0" else state.frontier)


def check(state: rs.StepperState, x: np.ndarray) -> None:
    counts, params = state.responsibility_counts, state.responsibility_params
    if params is None:
        assert counts is None
        return
    expected = sufficient_statistics(x, params).n_k
    assert counts.shape == (params.n_components,)
    np.testing.assert_allclose(counts, expected, rtol=1e-10, atol=1e-9)
    assert counts.sum() == pytest.approx(x.size, rel=1e-12)


@pytest.mark.parametrize("x", [SMALL, LARGE], ids=["numpy", "fused"])
@pytest.mark.parametrize("prior", [False, True])
def test_counts_at_each_half_step_match_a_pass_over_the_data(x: np.ndarray, prior: bool) -> None:
    state = rs.new_state(x, "d", rs.ModelSettings(n_components=3, seed=2, prior=prior))
    check(state, x)  # θ_0 at phase M: no E-step yet
    for move in ("E", "M", "E", "next", "next", "E", "back", "back", "go0", "E", "goend", "E"):
        state = apply(state, x, move)
        check(state, x)


@hsettings(max_examples=30, deadline=None)
@given(st.lists(st.sampled_from(MOVES), max_size=25), st.integers(1, 4), st.booleans())
def test_counts_after_any_moves(moves: list[str], k: int, equal_variance: bool) -> None:
    state = rs.new_state(
        SMALL, "d", rs.ModelSettings(n_components=k, seed=3, equal_variance=equal_variance)
    )
    for move in moves:
        state = apply(state, SMALL, move)
        check(state, SMALL)
