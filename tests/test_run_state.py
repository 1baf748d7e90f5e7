"""The stepper's pure state machine (ui/pure/run_state.py) on small generated data.

Half steps against whole iterations, Back, go_to, the iteration limit, run to convergence and
beyond, the errors of new_state, reproducibility; and a Hypothesis test that any sequence of
moves keeps the position valid and equal to a simple model of what each button does.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from gmm_core import MixtureParams, aitken_asymptotes, run_em, sample
from ui.pure import run_state as rs

TRUTH = MixtureParams([0.35, 0.45, 0.2], [-2.0, 1.5, 5.0], [1.0, 0.64, 1.69])
X, _ = sample(TRUTH, 600, np.random.default_rng(5))
X.flags.writeable = False


def fresh(**overrides) -> rs.StepperState:
    options = {"n_components": 3, "seed": 2}
    options.update(overrides)
    return rs.new_state(X, "test-data", rs.ModelSettings(**options))


def same_bits(a: MixtureParams, b: MixtureParams) -> bool:
    return all(
        getattr(a, f).tobytes() == getattr(b, f).tobytes()
        for f in ("weights", "means", "variances")
    )


def position(state: rs.StepperState) -> tuple[int, str]:
    return state.t, state.phase


def nondecreasing(ll: np.ndarray) -> bool:
    return bool(np.all(np.diff(ll) >= -1e-9 * np.maximum(np.abs(ll[1:]), 1.0)))


# ---------------------------------------------------------------- the start


def test_new_state_starts_at_iteration_zero():
    state = fresh()
    assert position(state) == (0, "M")
    assert state.trail == () and state.frontier == 0
    assert state.params is state.run.history[0]
    assert state.responsibility_params is None and state.report is None
    assert state.run.log_likelihoods.shape == (1,)
    assert state.var_floor > 0 and state.data_id == "test-data"


def test_same_settings_and_seed_give_the_same_start():
    for method in ("kmeans++", "random", "quantile", "kmeans"):
        a, b = fresh(init_method=method, seed=9), fresh(init_method=method, seed=9)
        assert same_bits(a.params, b.params), method
        assert a.run.log_likelihoods.tobytes() == b.run.log_likelihoods.tobytes()
    # A different seed draws a different start (for the random methods).
    assert fresh(init_method="random", seed=1).params != fresh(init_method="random", seed=2).params


def test_manual_start_is_used_as_given():
    manual = MixtureParams([0.2, 0.3, 0.5], [-3.0, 0.0, 4.0], [1.0, 2.0, 0.5])
    state = fresh(init_method="manual", manual=manual)
    assert same_bits(state.params, manual)
    assert state.run.init == "manual"


def test_equal_variance_runs_keep_one_variance():
    state = fresh(equal_variance=True)
    for _ in range(4):
        state = rs.next_iteration(state, X)
    for params in state.run.history[1:]:
        assert np.ptp(params.variances) == 0


# ---------------------------------------------------------------- errors


def test_k_above_the_distinct_values_is_a_clear_error():
    x = np.repeat([1.0, 2.0, 3.0], 20)
    with pytest.raises(ValueError, match=r"K = 4 components but the data has only 3 distinct"):
        rs.new_state(x, "d", rs.ModelSettings(n_components=4))
    with pytest.raises(ValueError, match=r"K = 5 components need at least 5 points"):
        rs.new_state(np.array([1.0, 2.0, 3.0]), "d", rs.ModelSettings(n_components=5))


@pytest.mark.parametrize("manual_k", [None, 2, 4])
def test_manual_table_with_the_wrong_k_is_a_clear_error(manual_k):
    manual = None
    if manual_k:
        k = manual_k
        manual = MixtureParams(np.full(k, 1 / k), np.arange(k), np.ones(k))
    settings = rs.ModelSettings(n_components=3, init_method="manual", manual=manual)
    with pytest.raises(ValueError, match=r"manual table must have K = 3 rows"):
        rs.new_state(X, "d", settings)


def test_unknown_init_method_is_an_error():
    with pytest.raises(ValueError):
        fresh(init_method="no such method")


# ---------------------------------------------------------------- half steps


def test_e_then_m_equals_next_iteration_bit_for_bit():
    halves, whole = fresh(), fresh()
    for t in range(1, 6):
        halves = rs.e_half_step(halves)
        assert position(halves) == (t - 1, "E")
        assert halves.responsibility_params is halves.params  # E recolours, the curves stay
        halves = rs.m_half_step(halves, X)
        whole = rs.next_iteration(whole, X)
        assert position(halves) == position(whole) == (t, "M")
        assert same_bits(halves.params, whole.params)
        assert halves.run.log_likelihoods.tobytes() == whole.run.log_likelihoods.tobytes()
        assert halves.responsibility_params is halves.run.history[t - 1]
    # …and equal to a plain EM run from the same θ₀.
    plain = run_em(X, whole.run.history[0], var_floor=whole.var_floor, tol=0.0, max_iter=5)
    for a, b in zip(whole.run.history, plain.history, strict=True):
        assert same_bits(a, b)


def test_next_iteration_from_the_e_phase_completes_the_iteration():
    state = rs.next_iteration(rs.e_half_step(fresh()), X)
    assert position(state) == (1, "M")


def test_half_steps_out_of_turn_do_nothing():
    state = fresh()
    assert rs.m_half_step(state, X) is state  # no M-step before its E-step
    e = rs.e_half_step(state)
    assert rs.e_half_step(e) is e  # a second E-step changes nothing


def test_report_and_responsibilities_follow_the_position():
    state = rs.next_iteration(rs.next_iteration(fresh(), X), X)
    assert state.report is state.run.reports[1]
    assert state.report.ok
    assert state.responsibility_params is state.run.history[1]


# ---------------------------------------------------------------- back and go_to


def test_back_undoes_every_move_exactly():
    state = fresh()
    positions = [position(state)]
    moves = [
        rs.e_half_step,
        lambda s: rs.m_half_step(s, X),
        lambda s: rs.next_iteration(s, X),
        rs.e_half_step,
        lambda s: rs.next_iteration(s, X),
        lambda s: rs.go_to(s, 1),
        rs.e_half_step,
        lambda s: rs.go_to(s, 3),
        lambda s: rs.go_to(s, 0),
    ]
    for move in moves:
        state = move(state)
        positions.append(position(state))
    run = state.run
    for expected in reversed(positions[:-1]):
        state = rs.back(state)
        assert position(state) == expected
        assert state.params is state.run.history[state.t]
    assert state.trail == ()
    assert state.run is run  # computed iterations are kept: going forward again is free


def test_back_restores_the_parameters_after_go_to():
    state = fresh()
    for _ in range(4):
        state = rs.next_iteration(state, X)
    at4 = state.params
    state = rs.go_to(state, 1)
    assert same_bits(state.params, state.run.history[1])
    state = rs.back(state)
    assert position(state) == (4, "M") and same_bits(state.params, at4)


def test_back_without_a_trail_goes_back_one_phase():
    state = rs.e_half_step(fresh())
    state = rs.next_iteration(state, X)
    bare = rs.StepperState(state.data_id, state.settings, state.run, state.var_floor, 1, "E")
    assert position(rs.back(bare)) == (1, "M")
    assert position(rs.back(rs.back(bare))) == (0, "M")
    assert position(rs.back(rs.back(rs.back(bare)))) == (0, "M")


def test_go_to_clips_and_does_not_compute():
    state = fresh()
    for _ in range(3):
        state = rs.next_iteration(state, X)
    assert position(rs.go_to(state, 99)) == (3, "M")
    assert position(rs.go_to(state, -5)) == (0, "M")
    assert rs.go_to(state, 3) is state  # already there: no move, nothing on the trail
    assert rs.go_to(state, 99).frontier == 3


# ---------------------------------------------------------------- limits and convergence


def test_max_iter_blocks_stepping():
    state = fresh(max_iter=3)
    for _ in range(3):
        state = rs.next_iteration(state, X)
    assert state.t == 3 and state.at_max_iter
    assert rs.next_iteration(state, X) is state
    assert rs.e_half_step(state) is state
    assert rs.m_half_step(state, X) is state
    # The last half step reaches the limit and no further.
    half = rs.e_half_step(rs.back(state))
    assert position(half) == (2, "E")
    assert position(rs.m_half_step(half, X)) == (3, "M")
    # Run to convergence stops at the limit too.
    ran = rs.run_to_convergence(fresh(max_iter=3, tol=1e-12), X)
    assert ran.frontier == 3 and position(ran) == (3, "M") and ran.at_max_iter


@pytest.mark.parametrize("stopping", ["gain", "aitken"])
def test_run_to_convergence_ends_where_converged_at_says(stopping):
    state = rs.run_to_convergence(fresh(tol=1e-6, stopping=stopping), X)
    done = rs.converged_at(state, X.size)
    assert done is not None and 1 <= done < state.settings.max_iter
    assert position(state) == (done, "M")
    ll = state.run.log_likelihoods
    assert nondecreasing(ll)
    gains = np.diff(ll) / X.size
    if stopping == "gain":
        assert gains[done - 1] < 1e-6 and np.all(gains[: done - 1] >= 1e-6)
    else:  # Aitken: the estimated distance to the limit from θ_{t−1}, per point, below tol
        limit = aitken_asymptotes(ll)
        assert (limit[done] - ll[done - 1]) / X.size < 1e-6
        assert not np.any((limit[2:done] - ll[1 : done - 1]) / X.size < 1e-6)
        assert done >= rs.converged_at(
            replace(state, settings=replace(state.settings, stopping="gain")), X.size
        )
    # Pressing it again changes nothing but the trail.
    again = rs.run_to_convergence(state, X)
    assert position(again) == (done, "M") and again.run is state.run


def test_run_to_convergence_reports_progress():
    calls = []
    state = rs.run_to_convergence(fresh(), X, on_iteration=lambda i, n: calls.append((i, n)))
    assert calls and calls[-1][0] == state.frontier
    assert all(total == state.settings.max_iter for _, total in calls)
    assert [i for i, _ in calls] == list(range(1, state.frontier + 1))


def test_run_to_convergence_from_the_middle_of_a_run():
    a = fresh()
    for _ in range(3):
        a = rs.next_iteration(a, X)
    a = rs.run_to_convergence(rs.go_to(a, 1), X)
    b = rs.run_to_convergence(fresh(), X)
    assert position(a) == position(b)
    assert same_bits(a.params, b.params)


def test_stepping_past_convergence_keeps_working():
    state = rs.run_to_convergence(fresh(tol=1e-4), X)
    done = state.t
    for i in range(1, 6):
        state = rs.next_iteration(state, X)
        assert position(state) == (done + i, "M")
        assert state.frontier == done + i
        assert state.params is state.run.history[state.t]
    state = rs.m_half_step(rs.e_half_step(state), X)
    assert state.t == done + 6
    assert nondecreasing(state.run.log_likelihoods)
    assert rs.converged_at(state, X.size) == done
    # The extra iterations are the ones EM computes anyway.
    plain = run_em(X, state.run.history[0], var_floor=state.var_floor, tol=0.0, max_iter=done + 6)
    assert same_bits(plain.params, state.params)


def test_converged_at_is_none_without_a_tolerance_or_before_convergence():
    state = rs.next_iteration(fresh(tol=0.0), X)
    assert rs.converged_at(state, X.size) is None
    assert rs.converged_at(fresh(), X.size) is None


# ---------------------------------------------------------------- any sequence of moves

MAX_ITER = 6
MOVE = st.one_of(
    st.sampled_from(["e", "m", "next", "back"]),
    st.tuples(st.just("go_to"), st.integers(-2, MAX_ITER + 2)),
)
_BASE = fresh(max_iter=MAX_ITER)
_REFERENCE = run_em(X, _BASE.params, var_floor=_BASE.var_floor, tol=0.0, max_iter=MAX_ITER)


def expected_move(t: int, phase: str, trail: list, frontier: int, move) -> tuple[int, str, int]:
    """What the button should do, written independently of run_state: (t, phase, frontier)."""
    if move == "e":
        if phase == "M" and t < MAX_ITER:
            trail.append((t, phase))
            phase = "E"
    elif move == "m":
        if phase == "E" and t < MAX_ITER:
            trail.append((t, phase))
            t, phase = t + 1, "M"
    elif move == "next":
        if t < MAX_ITER:
            trail.append((t, phase))
            t, phase = t + 1, "M"
    elif move == "back":
        if trail:
            t, phase = trail.pop()
        elif phase == "E":
            phase = "M"
        else:
            t = max(t - 1, 0)
    else:
        target = min(max(move[1], 0), frontier)
        if (target, "M") != (t, phase):
            trail.append((t, phase))
            t, phase = target, "M"
    return t, phase, max(frontier, t)


@hsettings(max_examples=75)
@given(st.lists(MOVE, max_size=25))
def test_any_sequence_of_moves_keeps_a_valid_position(moves):
    state = _BASE
    t, phase, trail, frontier = 0, "M", [], 0
    for move in moves:
        if move == "e":
            state = rs.e_half_step(state)
        elif move == "m":
            state = rs.m_half_step(state, X)
        elif move == "next":
            state = rs.next_iteration(state, X)
        elif move == "back":
            state = rs.back(state)
        else:
            state = rs.go_to(state, move[1])
        t, phase, frontier = expected_move(t, phase, trail, frontier, move)

        assert 0 <= state.t <= state.frontier <= MAX_ITER
        assert state.phase in ("M", "E")
        assert not (state.phase == "E" and state.at_max_iter)
        assert (state.t, state.phase) == (t, phase)
        assert list(state.trail) == trail
        assert state.frontier == frontier
        assert state.params is state.run.history[state.t]
        assert len(state.run.log_likelihoods) == state.frontier + 1
        assert same_bits(state.params, _REFERENCE.history[state.t])
        if state.phase == "E":
            assert state.responsibility_params is state.params
        elif state.t > 0:
            assert state.responsibility_params is state.run.history[state.t - 1]
        else:
            assert state.responsibility_params is None


def test_the_prior_setting_makes_the_stepper_run_map_em():
    """ModelSettings(prior=True): the stepper's run is MAP-EM with mclust's default prior for
    this data and K, bit for bit the run of gmm_core.run_em with that prior, and converged_at
    judges the log posterior, which never decreases."""
    from gmm_core import ConjugatePrior

    state = rs.run_to_convergence(fresh(prior=True, tol=1e-6), X)
    assert state.prior == ConjugatePrior.default(X, 3)
    lp = state.run.log_priors
    assert lp is not None and np.array_equal(state.run.objective, state.run.log_likelihoods + lp)
    assert np.all(np.diff(state.run.objective) >= -1e-9 * np.abs(state.run.objective[1:]))
    done = rs.converged_at(state, X.size)
    assert done == state.settings.monitor.converged_at(state.run.objective, X.size)
    plain = run_em(
        X,
        state.run.history[0],
        var_floor=state.var_floor,
        tol=0.0,
        max_iter=state.frontier,
        prior=state.prior,
    )
    assert same_bits(plain.params, state.params)
    ml = rs.run_to_convergence(fresh(tol=1e-6), X)
    assert not same_bits(ml.params, state.params)  # the prior changed the fit


def test_scenario_link_carries_the_prior():
    from ui.pure.scenario import decode, encode

    query = encode({"n_components": 2, "prior": True})
    assert query["prior"] == "1"
    values, problems = decode(query)
    assert values["prior"] is True and not problems
    assert decode(encode({"prior": False}))[0]["prior"] is False


def test_the_stopping_rule_in_words():
    aitken = rs.ModelSettings(tol=1e-6)
    gain = rs.ModelSettings(tol=1e-4, stopping="gain")
    assert aitken.until() == (
        "until Aitken's estimate of the limit of log L is within 10⁻⁶ per point"
    )
    assert gain.until() == "until log L rises by less than 10⁻⁴ per point"
    assert "Aitken" in aitken.why_converged() and "rose by less than 10⁻⁴" in gain.why_converged()
