"""Hostile data: extreme offsets and spreads, ties, outliers, collapse, empty components, bad
input, and 10 million points.

Everywhere: no NaN or inf in parameters or traces, and the only exception is ValueError with a
message that says what is wrong.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import textwrap
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

import gmm_core
from gmm_core import INIT_METHODS, MixtureParams, em_step, fit
from gmm_core.data import load_dataset

BACKENDS = ("numpy", "fused")
REPO = Path(gmm_core.__file__).resolve().parent.parent


def old_faithful(column: str) -> np.ndarray:
    """The Old Faithful column ("waiting" or "eruptions"), 272 values in file order."""
    return load_dataset(f"old_faithful_{column}")


def assert_clean(result) -> None:
    """Finite parameters and trace, normalised weights, variances ≥ floor, monotone log L."""
    for p in result.history:
        for values in (p.weights, p.means, p.variances):
            assert np.all(np.isfinite(values)), p
        assert abs(p.weights.sum() - 1.0) <= 1e-12
    for p in result.history[1:]:  # θ₀ is whatever the caller gave
        assert np.all(p.variances >= result.var_floor)
    lls = result.log_likelihoods
    assert lls.shape == (result.n_iter + 1,)
    assert np.all(np.isfinite(lls))
    drops = lls[:-1] - lls[1:]
    assert np.all(drops <= 1e-9 * np.abs(lls[1:]) + 1e-9), drops.max()
    for report in result.reports:
        for k in report.collapsed:
            assert f"Component {k + 1} collapsed onto x = " in " ".join(report.messages())


def exact_mean_var(x: np.ndarray, about: float | None = None) -> tuple[float, float]:
    """Mean, and mean squared deviation about ``about`` (default: the exact mean), exactly."""
    values = [Fraction(float(v)) for v in x]
    mean = sum(values) / len(values)
    centre = mean if about is None else Fraction(about)
    var = sum((v - centre) ** 2 for v in values) / len(values)
    return float(mean), float(var)


# --------------------------------------------------------------------------------------
# Extreme offsets and spreads
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(
    ("centre", "spread"),
    [(1e12, 1e-3), (0.0, 1e-9), (1.0, 1e-9), (-3e8, 1e-6)],
    ids=["1e12±1e-3", "0±1e-9", "1±1e-9", "-3e8±1e-6"],
)
def test_one_component_is_the_exact_mean_and_variance(centre, spread, backend):
    """K = 1: EM gives the mean of the data and the variance about it, to float64 accuracy.

    The mean is the float nearest the exact mean; σ² is the exact mean squared deviation about
    that stored mean (which maximises log L for it). The shifted sums keep this exact where
    Σx² − Nμ² would lose every digit (at 1e12 with spread 1e-3, x² has ulp 1e8).
    """
    x = centre + spread * np.random.default_rng(0).standard_normal(1000)
    result = fit(x, 1, init="kmeans++", seed=0, tol=0, max_iter=3, backend=backend)
    assert_clean(result)
    p = result.params
    mean, var = exact_mean_var(x, about=float(p.means[0]))
    assert abs(p.means[0] - mean) <= np.spacing(abs(mean)) + 1e-12 * spread
    assert p.variances[0] == pytest.approx(var, rel=1e-9)
    assert var == pytest.approx(exact_mean_var(x)[1], rel=0.01)
    assert p.weights[0] == 1.0
    expected_ll = -0.5 * x.size * (math.log(2 * math.pi * var) + 1.0)
    assert result.log_likelihood == pytest.approx(expected_ll, rel=1e-9, abs=1e-6)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("tied", [False, True], ids=["unequal", "tied"])
@pytest.mark.parametrize("method", INIT_METHODS)
def test_values_around_1e12_with_spread_1e_3(method, tied, backend):
    """Two groups 4σ apart around 1e12: a sensible, finite, monotone fit from every init.

    float64 holds a mean near 1e12 only to ulp = 1.2e-4 ≈ σ/8; log L still never decreases
    because σ² is taken about the mean as stored, not the unrounded one.
    """
    rng = np.random.default_rng(1)
    x = 1e12 + 1e-3 * rng.standard_normal(1000)
    x[:500] += 4e-3
    result = fit(
        x, 2, init=method, seed=0, tol=0, max_iter=60, equal_variance=tied, backend=backend
    )
    assert_clean(result)
    p = result.params.sorted_by_mean()
    np.testing.assert_allclose(p.weights, [0.5, 0.5], atol=0.1)
    np.testing.assert_allclose(p.means - 1e12, [0.0, 4e-3], atol=5e-4)
    np.testing.assert_allclose(p.variances, 1e-6, rtol=0.3)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("tied", [False, True], ids=["unequal", "tied"])
@pytest.mark.parametrize("centre", [0.0, 1.0])
def test_spread_1e_9(centre, tied, backend):
    """Two groups of spread 1e-9 (around 0 and around 1): found, finite, monotone."""
    rng = np.random.default_rng(2)
    x = centre + 1e-9 * rng.standard_normal(600)
    x[:200] += 6e-9
    result = fit(
        x, 2, init="kmeans", seed=1, tol=0, max_iter=100, equal_variance=tied, backend=backend
    )
    assert_clean(result)
    p = result.params.sorted_by_mean()
    np.testing.assert_allclose(p.weights, [2 / 3, 1 / 3], atol=0.05)
    np.testing.assert_allclose(p.means - centre, [0.0, 6e-9], atol=3e-10)
    np.testing.assert_allclose(p.variances, 1e-18, rtol=0.3)


# --------------------------------------------------------------------------------------
# Ties, few points, K
# --------------------------------------------------------------------------------------

TIED_VALUES = np.repeat([1.0, 2.0, 3.0, 4.0, 5.0], 40)


@pytest.mark.parametrize("backend", BACKENDS)
def test_heavy_ties_one_component_per_value_collapses_at_the_floor(backend):
    """5 distinct values, K = 5: every component sits on one value, variance exactly the floor."""
    result = fit(TIED_VALUES, 5, init="quantile", tol=0, max_iter=10, backend=backend)
    assert_clean(result)
    p = result.params.sorted_by_mean()
    np.testing.assert_array_equal(p.means, [1.0, 2.0, 3.0, 4.0, 5.0])
    np.testing.assert_array_equal(p.variances, np.full(5, result.var_floor))
    np.testing.assert_allclose(p.weights, 0.2, rtol=1e-12)
    last = result.reports[-1]
    assert last.collapsed == (0, 1, 2, 3, 4) and not last.empty
    text = " ".join(last.messages())
    for value in ("1", "2", "3", "4", "5"):
        assert f"collapsed onto x = {value}:" in text


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("tied", [False, True], ids=["unequal", "tied"])
@pytest.mark.parametrize("method", INIT_METHODS)
@pytest.mark.parametrize("k", [1, 2, 3, 4, 5])
def test_heavy_ties_every_k_and_init(k, method, tied, backend):
    """Repeated values with any feasible K and init: clean runs, collapse reported at the floor."""
    x = np.random.default_rng(k).permutation(TIED_VALUES)
    result = fit(
        x, k, init=method, seed=k, tol=0, max_iter=50, equal_variance=tied, backend=backend
    )
    assert_clean(result)
    for p, report in zip(result.history[1:], result.reports, strict=True):
        for j in report.collapsed:
            assert p.variances[j] == result.var_floor


@pytest.mark.parametrize(
    ("x", "k", "message"),
    [
        (np.repeat([1.0, 2.0, 3.0, 4.0, 5.0], 40), 6, "only 5 distinct values"),
        (np.array([1.0, 1.0, 2.0, 2.0]), 3, "only 2 distinct values"),
        (np.array([1.0, 2.0]), 3, "need at least 3 points"),
        (np.array([7.0]), 2, "need at least 2 points"),
        (np.array([]), 1, "need at least 1 points"),
        (np.full(10, 3.0), 1, "all values are equal"),
        (np.array([1.0, np.nan, 2.0]), 1, "non-finite"),
        (np.array([1.0, np.inf, 2.0]), 1, "non-finite"),
        (np.ones((4, 2)), 1, "one-dimensional"),
        (np.arange(5.0), 0, "at least 1"),
    ],
    ids=[
        "K>distinct",
        "K>distinct-small",
        "N<K",
        "one-point",
        "empty",
        "constant",
        "nan",
        "inf",
        "2-d",
        "K=0",
    ],
)
def test_impossible_data_raise_value_error_with_message(x, k, message):
    """Data that cannot be fitted raise ValueError saying why."""
    with pytest.raises(ValueError, match=message):
        fit(x, k, seed=0)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_init": 0}, "n_init must be at least 1"),
        ({"tol": -1.0}, "tol"),
        ({"max_iter": -1}, "≥ 0"),
        ({"init": "nope"}, "unknown init method 'nope'"),
        ({"init": MixtureParams([1.0], [0.0], [1.0])}, "1 components, expected 2"),
        ({"var_floor": 0.0}, "var_floor must be > 0"),
        ({"backend": "gpu"}, "backend"),
    ],
    ids=["n_init", "tol", "max_iter", "init", "init-K", "var_floor", "backend"],
)
def test_bad_options_raise_value_error_with_message(kwargs, message):
    """Bad fit options raise ValueError naming the problem."""
    x = np.random.default_rng(0).normal(size=50)
    with pytest.raises(ValueError, match=message):
        fit(x, 2, seed=0, **kwargs)


def test_string_data_raise_value_error():
    """Non-numeric data is a ValueError, not a TypeError."""
    with pytest.raises(ValueError, match="could not convert"):
        fit(["1.0", "two", "3"], 1)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("n", [1, 2, 3, 10])
def test_n_equals_k_and_tiny_data(n, backend):
    """N = K (each point its own component) and N barely above K: clean runs."""
    x = np.arange(float(n + 1)) ** 1.5
    for k in {1, n, n + 1}:
        result = fit(x, k, seed=0, tol=0, max_iter=30, backend=backend)
        assert_clean(result)
        assert result.params.n_components == k


@pytest.mark.parametrize("backend", BACKENDS)
def test_k_equals_one_converges_after_one_step(backend):
    """K = 1 is solved by the first M-step: θ₂ = θ₁ and the run converges (tol > 0)."""
    x = old_faithful("waiting")
    result = fit(x, 1, init="random", seed=3, tol=1e-12, max_iter=100, backend=backend)
    assert result.converged and result.n_iter <= 3
    mean, var = exact_mean_var(x)
    assert result.params.means[0] == pytest.approx(mean, rel=1e-14)
    assert result.params.variances[0] == pytest.approx(var, rel=1e-12)


# --------------------------------------------------------------------------------------
# Outliers, collapse, empty components
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("k", [1, 2, 3])
@pytest.mark.parametrize("method", INIT_METHODS)
def test_one_outlier_a_million_away(method, k, backend):
    """One point 1e6 from the rest: clean runs; with K ≥ 2 it gets its own component."""
    x = np.random.default_rng(4).normal(size=300)
    x[17] = 1e6
    result = fit(x, k, init=method, seed=0, tol=0, max_iter=50, backend=backend)
    assert_clean(result)
    if k >= 2:
        p = result.params
        j = int(np.argmax(p.means))
        assert p.means[j] == 1e6
        assert p.weights[j] == pytest.approx(1 / 300, rel=1e-12)
        assert j in result.reports[-1].collapsed
        assert p.variances[j] == result.var_floor


def data_with_repeated_value() -> np.ndarray:
    """270 continuous values around 3 and 30 copies of 1.833 (as in Old Faithful eruptions).

    No continuous value lies within 0.02 (≈ 20 floor-σ) of 1.833, so a component collapsed
    there has its mean at 1.833 to rounding.
    """
    rng = np.random.default_rng(5)
    continuous = rng.normal(3.0, 1.0, 400)
    continuous = continuous[np.abs(continuous - 1.833) > 0.02][:270]
    return rng.permutation(np.concatenate([continuous, np.full(30, 1.833)]))


@pytest.mark.parametrize("backend", BACKENDS)
def test_old_faithful_eruptions_component_collapses_onto_1_833(backend):
    """Real data: a component started at 1.833 (σ² = 1e-5, above the floor) collapses there."""
    x = old_faithful("eruptions")
    assert np.count_nonzero(x == 1.833) == 7
    start = MixtureParams([0.05, 0.3, 0.65], [1.833, 2.0, 4.3], [1e-5, 0.1, 0.2])
    result = fit(x, 3, init=start, tol=0, max_iter=30, backend=backend)
    assert start.variances[0] > result.var_floor
    assert_clean(result)
    for p, report in zip(result.history[1:], result.reports, strict=True):
        assert report.collapsed == (0,) and not report.empty
        assert p.variances[0] == result.var_floor
        assert "Component 1 collapsed onto x = 1.833:" in report.messages()[0]


@pytest.mark.parametrize("backend", BACKENDS)
def test_component_forced_onto_a_repeated_value_is_reported_collapsed(backend):
    """A narrow component started on 1.833 collapses there: reported, σ² exactly at the floor.

    It starts at σ² = 1e-4 (above the floor, 1e-6 × var(x)), so the trace is monotone too.
    """
    x = data_with_repeated_value()
    start = MixtureParams([0.1, 0.9], [1.833, 3.0], [1e-4, 1.0])
    result = fit(x, 2, init=start, tol=0, max_iter=20, backend=backend)
    assert start.variances[0] > result.var_floor
    assert_clean(result)
    assert result.reports[0].ok  # not at once: σ² shrinks over a few iterations
    first = next(t for t, report in enumerate(result.reports) if report.collapsed)
    for p, report in zip(result.history[first + 1 :], result.reports[first:], strict=True):
        assert report.collapsed == (0,) and not report.empty
        assert p.means[0] == pytest.approx(1.833, abs=1e-12)
        assert p.variances[0] == result.var_floor
        assert p.variances[1] > 0.5
        messages = report.messages()
        assert len(messages) == 1 and "Component 1 collapsed onto x = 1.833:" in messages[0]
        assert 25.0 < report.n_k[0] <= 30.0 + 1e-9  # the 30 copies, shared a little at first


@pytest.mark.parametrize("backend", BACKENDS)
def test_start_below_the_floor_is_lifted_to_it(backend):
    """θ₀ with σ² below the floor starts at the floor (``within_model``), stays there, is
    reported collapsed onto 1.833, and log L never decreases from θ₀ on."""
    x = data_with_repeated_value()
    start = MixtureParams([0.1, 0.9], [1.833, 3.0], [1e-8, 1.0])
    result = fit(x, 2, init=start, tol=0, max_iter=10, backend=backend)
    lls = result.log_likelihoods
    assert result.history[0].variances[0] == result.var_floor
    assert np.all(np.diff(lls) >= -1e-9 * np.abs(lls[1:]) - 1e-9)
    for p, report in zip(result.history[1:], result.reports, strict=True):
        assert p.variances[0] == result.var_floor
        assert "Component 1 collapsed onto x = 1.833:" in report.messages()[0]


@pytest.mark.parametrize("backend", BACKENDS)
def test_one_em_step_onto_a_single_point(backend):
    """em_step directly: a component whose update falls below the floor is held at it."""
    x = data_with_repeated_value()
    floor = 1e-4
    step = em_step(
        x, MixtureParams([0.1, 0.9], [1.833, 3.0], [1e-8, 1.0]), var_floor=floor, backend=backend
    )
    assert step.report.collapsed == (0,)
    assert step.params.variances[0] == floor
    assert step.report.var_floor == floor


@pytest.mark.parametrize("seed", range(6))
def test_collapse_reports_are_consistent_with_big_k(seed):
    """Data with 30 copies of 1.833, K = 8: every collapse reported sits exactly at the floor."""
    x = data_with_repeated_value()
    result = fit(x, 8, init="random", seed=seed, tol=0, max_iter=60, backend="numpy")
    assert_clean(result)
    for p, report in zip(result.history[1:], result.reports, strict=True):
        collapsed = set(report.collapsed)
        at_floor = set(np.flatnonzero(p.variances == result.var_floor).tolist())
        assert collapsed == at_floor - set(report.empty)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("tied", [False, True], ids=["unequal", "tied"])
def test_emptied_component_is_reported_and_kept(tied, backend):
    """A component far from all data with tiny weight empties: reported, kept, no NaN."""
    x = np.random.default_rng(6).normal(size=300)
    start = MixtureParams([1 - 1e-12, 1e-12], [0.0, 1e3], [1.0, 1.0])
    result = fit(x, 2, init=start, tol=0, max_iter=20, equal_variance=tied, backend=backend)
    assert_clean(result)
    for p, report in zip(result.history[1:], result.reports, strict=True):
        assert report.empty == (1,) and not report.collapsed
        assert p.means[1] == 1e3
        assert p.weights[1] < 1e-8 / x.size
        message = " ".join(report.messages())
        assert "Component 2 is empty" in message
        if tied:  # the tied model keeps one shared variance, empty component included
            assert p.variances[1] == p.variances[0]
        else:
            assert p.variances[1] == 1.0
    p = result.params
    assert p.means[0] == pytest.approx(np.mean(x), rel=1e-12)
    assert p.variances[0] == pytest.approx(np.var(x), rel=1e-12)


@pytest.mark.parametrize("backend", BACKENDS)
def test_zero_weight_start_is_empty_not_nan(backend):
    """A starting weight of exactly 0 (log π = −inf) gives an empty component, never NaN."""
    x = np.random.default_rng(7).normal(size=200)
    start = MixtureParams([1.0, 0.0], [0.0, 0.5], [1.0, 1.0])
    result = fit(x, 2, init=start, tol=0, max_iter=5, backend=backend)
    assert_clean(result)
    assert all(report.empty == (1,) for report in result.reports)


# --------------------------------------------------------------------------------------
# Scale
# --------------------------------------------------------------------------------------

SCALE_CHILD = textwrap.dedent(
    """
    import json, sys
    import numpy as np
    from gmm_core import fit

    backend = sys.argv[1]
    n = 10_000_000
    rng = np.random.default_rng(0)
    x = rng.standard_normal(n)
    for j, shift in enumerate((-12.0, -6.0, 0.0, 6.0, 12.0)):  # 5 groups, in place
        x[j * n // 5 : (j + 1) * n // 5] += shift
    def high_water_kib():
        # This process's own peak RSS (VmHWM, kernel per address space). Not getrusage's
        # ru_maxrss: Linux carries the parent's peak into it across the exec of a spawned
        # child, so a big pytest worker would count as this child's memory.
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
        raise RuntimeError("no VmHWM in /proc/self/status")

    before = high_water_kib()
    result = fit(x, 5, seed=0, tol=0, max_iter=3, backend=backend)
    peak = high_water_kib()
    p = result.params
    print(json.dumps({
        "before_kib": before, "peak_kib": peak, "n_iter": result.n_iter,
        "lls": result.log_likelihoods.tolist(),
        "finite": bool(np.all(np.isfinite([p.weights, p.means, p.variances]))),
    }))
    """
)


@pytest.mark.slow
@pytest.mark.parametrize("backend", BACKENDS)
def test_ten_million_points_in_bounded_memory(backend):
    """fit on 1e7 points, K = 5, 3 iterations: peak RSS of the whole child under 1 GB."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run(
        [sys.executable, "-c", SCALE_CHILD, backend],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    peak_bytes = out["peak_kib"] * 1024
    data_mib = out["before_kib"] / 1024
    report = f"{backend}: {data_mib:.0f} MiB with the data, peak {peak_bytes / 2**20:.0f} MiB"
    assert peak_bytes < 1e9, report
    assert out["n_iter"] == 3 and out["finite"], report
    assert np.all(np.diff(out["lls"]) > 0), report


@pytest.mark.parametrize(
    ("x", "message"),
    [
        (np.array([0.0, 1e-300, 2e-300, 3e-300]), "too small for double precision"),
        (np.array([-1e200, 0.0, 1e200]), "too wide a range"),
    ],
)
def test_data_beyond_double_precision_get_a_clear_message(x, message):
    """Values whose squares under- or overflow are refused with a plain message."""
    with pytest.raises(ValueError, match=message):
        fit(x, 2)


def test_one_far_outlier_does_not_inflate_the_variance_floor():
    """The floor follows the bulk's spread (IQR), so a normal bulk is not called collapsed."""
    rng = np.random.default_rng(4)
    x = np.append(rng.normal(0.0, 1.0, 300), 1e6)
    result = fit(x, 2, init="quantile", tol=0, max_iter=50)
    assert result.var_floor < 2e-6
    bulk = int(np.argmin(np.abs(result.params.means)))
    assert all(bulk not in r.collapsed for r in result.reports)  # the lone outlier may collapse
    assert 0.7 < result.params.variances[bulk] < 1.4


def test_a_given_start_outside_the_model_is_moved_inside():
    """A typed θ₀ with σ² below the floor, or unequal σ² for the tied model, starts inside the
    model, so the log-likelihood never decreases from the first step on."""
    rng = np.random.default_rng(5)
    x = np.concatenate([rng.normal(0, 1, 200), rng.normal(5, 2, 200)])
    wild = MixtureParams([0.5, 0.5], [0.0, 5.0], [1e-30, 9.0])
    for tied in (False, True):
        result = fit(x, 2, init=wild, tol=0, max_iter=30, equal_variance=tied)
        theta0 = result.history[0]
        assert theta0.variances.min() >= result.var_floor
        if tied:
            assert np.ptp(theta0.variances) == 0
        assert np.all(np.diff(result.log_likelihoods) >= -1e-9 * np.abs(result.log_likelihoods[1:]))
