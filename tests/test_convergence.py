"""The stopping rules in one place (gmm_core.convergence): Aitken's rule against the gain rule on
a constructed plateau and on random EM-like traces, the Aitken asymptote on an exact geometric
sequence, and the monitor used by fit, the stepper and the trace figure."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gmm_core import ConvergenceMonitor, aitken_asymptotes, converged_at, decreases, fit
from gmm_core.convergence import has_converged
from gmm_core.data import load_dataset


@pytest.fixture(scope="module")
def galaxies() -> np.ndarray:
    return load_dataset("galaxies")


def test_aitken_does_not_stop_on_the_galaxies_plateau(galaxies):
    """The issue's plateau: galaxies, K = 2, equal variances, quantile start. The gain rule
    quits near the K = 1 saddle (log L −806.85); Aitken's rule carries on to the maximum that
    a run with tol = 1e-12 reaches (−796.93)."""
    options = {"init": "quantile", "equal_variance": True, "tol": 1e-6, "max_iter": 5000}
    gain = fit(galaxies, 2, stopping="gain", **options)
    aitken = fit(galaxies, 2, stopping="aitken", **options)
    limit = fit(
        galaxies,
        2,
        init="quantile",
        equal_variance=True,
        tol=1e-12,
        max_iter=20_000,
        stopping="gain",
    )
    assert gain.converged and aitken.converged
    assert gain.log_likelihood == pytest.approx(-806.85, abs=0.01)
    assert limit.log_likelihood == pytest.approx(-796.93, abs=0.01)
    assert aitken.log_likelihood == pytest.approx(limit.log_likelihood, abs=1e-3)
    assert aitken.n_iter > 3 * gain.n_iter
    # The same run: Aitken's trace extends the gain rule's, iteration for iteration.
    np.testing.assert_array_equal(aitken.log_likelihoods[: gain.n_iter + 1], gain.log_likelihoods)


def test_aitken_asymptote_of_a_geometric_approach_is_its_limit():
    """o_t = L − c r^t converges linearly with rate r: Aitken's estimate is L from t = 2 on."""
    t = np.arange(12)
    o = -100.0 - 5.0 * 0.7**t
    limit = aitken_asymptotes(o)
    assert np.isnan(limit[:2]).all()
    np.testing.assert_allclose(limit[2:], -100.0, rtol=0, atol=1e-9)


def test_no_asymptote_while_the_gains_grow():
    """Leaving a saddle the gains grow (a ≥ 1): no estimate, so Aitken's rule cannot stop."""
    o = np.array([0.0, 1e-9, 3e-9, 1e-8, 5e-8, 1.0])
    assert np.isnan(aitken_asymptotes(o)[2:5]).all()
    assert converged_at(o, 1, 1e-6, "aitken") is None
    assert converged_at(o, 1, 1e-6, "gain") == 1


def em_like_traces():
    """Non-decreasing traces with arbitrary positive gains, plateaus and exact stalls."""
    gains = st.lists(st.one_of(st.floats(1e-12, 10.0), st.just(0.0)), min_size=1, max_size=60)
    return st.tuples(st.floats(-1e4, 1e4), gains)


@given(em_like_traces(), st.sampled_from([1e-3, 1e-6, 1e-9]), st.integers(1, 1000))
def test_aitken_never_stops_before_the_gain_rule(trace, tol, n_points):
    start, gains = trace
    o = start + np.concatenate([[0.0], np.cumsum(gains)])
    gain_stop = converged_at(o, n_points, tol, "gain")
    aitken_stop = converged_at(o, n_points, tol, "aitken")
    if aitken_stop is not None:
        assert gain_stop is not None and aitken_stop >= gain_stop
        # Wherever Aitken stops, the gain rule holds too.
        assert has_converged(o[: aitken_stop + 1], n_points, tol, "gain")


@given(em_like_traces(), st.sampled_from(["aitken", "gain"]))
def test_the_monitor_agrees_with_converged_at_everywhere(trace, rule):
    """has_converged on each prefix (what fit checks as it goes) marks exactly the iterations
    converged_at finds first (what the stepper asks afterwards)."""
    start, gains = trace
    o = start + np.concatenate([[0.0], np.cumsum(gains)])
    monitor = ConvergenceMonitor(1e-6, rule)
    first = next((t for t in range(1, o.size) if monitor.converged(o[: t + 1], 10)), None)
    assert first == monitor.converged_at(o, 10)


@pytest.mark.parametrize("stopping", ["aitken", "gain"])
def test_fit_stops_where_the_monitor_says(galaxies, stopping):
    result = fit(galaxies, 3, seed=1, n_init=1, stopping=stopping, tol=1e-7)
    assert result.converged
    assert result.n_iter == converged_at(result.log_likelihoods, galaxies.size, 1e-7, stopping)


def test_tol_zero_never_converges():
    o = np.array([0.0, 1.0, 1.0, 1.0])
    assert converged_at(o, 1, 0.0, "aitken") is None and converged_at(o, 1, 0.0, "gain") is None


def test_the_monitor_refuses_bad_settings():
    with pytest.raises(ValueError, match="unknown stopping rule"):
        ConvergenceMonitor(1e-6, "sometimes")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="tol"):
        ConvergenceMonitor(-1.0)
    with pytest.raises(ValueError, match="unknown stopping rule"):
        fit(np.arange(10.0), 2, stopping="never")  # type: ignore[arg-type]


def test_the_trace_figure_uses_the_same_decrease_rule():
    from figures import trace

    assert trace.decreases is decreases
    assert decreases(np.array([0.0, 1.0, 0.5, 2.0])).tolist() == [2]
    assert decreases(np.array([-1e6, -1e6 - 1e-5])).size == 0  # rounding slack
