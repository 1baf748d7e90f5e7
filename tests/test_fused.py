"""Tests of gmm_core._fused: the fused compiled E-step + sufficient statistics kernel.

The reference is a straightforward float64 numpy/scipy computation in (K, N) layout with
``scipy.special.logsumexp`` and exactly rounded sums (``math.fsum``), so that its own
summation error does not hide (or fake) an error of the kernel.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy.special import logsumexp

from gmm_core import MixtureParams, _fused
from gmm_core._fused import (
    _bin_responsibilities_impl,
    _fused_statistics_impl,
    fused_bin_responsibilities,
    fused_statistics,
)
from gmm_core.binning import responsibility_by_bin
from gmm_core.em import _numpy_statistics

REPO = Path(__file__).resolve().parents[1]
RTOL = 1e-12
#: The kernel's exp is clamped below at -700: a responsibility below ~1e-300 comes out as
#: ~1e-304 instead of (nearly) 0.
ATOL_PER_POINT = 1e-300


def reference(
    x: np.ndarray, log_coef: np.ndarray, means: np.ndarray, half_prec: np.ndarray
) -> tuple[np.ndarray, float, np.ndarray, float]:
    """Return ``(stats (3, K), loglik, scale (3, K), loglik_scale)``.

    ``scale`` holds ``sum gamma, sum gamma |d|, sum gamma d**2``: the size of the terms, so
    that ``S1`` (a sum of both signs, which can cancel) is compared relative to the size
    of its terms; likewise ``loglik_scale = sum |lse_n|``.
    """
    d = x[None, :] - means[:, None]  # (K, N)
    with np.errstate(over="ignore"):  # the documented cap; a no-op unless d**2 overflows
        lp = log_coef[:, None] - np.minimum(half_prec[:, None] * d**2, _fused.QUADRATIC_CAP)
    lse = logsumexp(lp, axis=0)  # (N,)
    g = np.exp(lp - lse[None, :])
    terms = (g, g * d, g * d * d)
    stats = np.array([[math.fsum(t[k]) for k in range(len(means))] for t in terms])
    scale = np.array([np.abs(t).sum(axis=1) for t in terms])
    return stats, math.fsum(lse), scale, float(np.abs(lse).sum())


def as_params(log_coef: np.ndarray, means: np.ndarray, half_prec: np.ndarray) -> MixtureParams:
    """The MixtureParams whose kernel inputs these are (inverse of the kernel's coefficients)."""
    variances = 0.5 / np.asarray(half_prec)
    weights = np.exp(np.asarray(log_coef) + 0.5 * np.log(2.0 * np.pi * variances))
    return MixtureParams(weights / weights.sum(), means, variances)


def numpy_statistics(
    x: np.ndarray, log_coef: np.ndarray, means: np.ndarray, half_prec: np.ndarray, chunk: int
) -> tuple[np.ndarray, float]:
    """gmm_core.em's numpy path (the fallback when the kernel does not run) on kernel inputs."""
    return _numpy_statistics(
        np.asarray(x, dtype=np.float64), as_params(log_coef, means, half_prec), chunk
    )


def assert_matches(
    got: tuple[np.ndarray, float],
    x: np.ndarray,
    log_coef: np.ndarray,
    means: np.ndarray,
    half_prec: np.ndarray,
    rtol: float = RTOL,
) -> None:
    stats, loglik = got
    ref_stats, ref_ll, scale, ll_scale = reference(x, log_coef, means, half_prec)
    assert stats.shape == (3, len(means))
    assert stats.dtype == np.float64
    assert isinstance(loglik, float)
    assert np.all(np.isfinite(stats)) and math.isfinite(loglik)
    # The clamp can add up to ATOL_PER_POINT to any gamma_nk (not only to tiny ones).
    d = np.abs(x[None, :] - means[:, None])
    atol = ATOL_PER_POINT * np.array([np.full(len(means), x.size), d.sum(1), (d * d).sum(1)])
    err = np.abs(stats - ref_stats)
    bad = err > rtol * scale + atol
    assert not bad.any(), (
        f"stats differ: max rel {np.max(err / np.maximum(scale, 1e-300)):.3e}\n"
        f"got {stats}\nref {ref_stats}"
    )
    assert abs(loglik - ref_ll) <= rtol * ll_scale, (loglik, ref_ll)


def make_params(
    rng: np.random.Generator, k: int, spread: float = 2.0, center: float = 0.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Random mixture parameters: ``(log_coef, means, half_prec)``, each shape (K,)."""
    weights = rng.dirichlet(np.ones(k))
    means = center + spread * rng.normal(size=k)
    sigma = spread * rng.uniform(0.2, 1.5, size=k)
    return to_kernel(weights, means, sigma)


def to_kernel(
    weights: np.ndarray, means: np.ndarray, sigma: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    weights = np.asarray(weights, dtype=float)
    sigma = np.asarray(sigma, dtype=float)
    with np.errstate(divide="ignore"):
        log_coef = np.log(weights) - 0.5 * np.log(2.0 * np.pi * sigma**2)
    return log_coef, np.asarray(means, dtype=float), 1.0 / (2.0 * sigma**2)


# ------------------------------------------------------------------------------------
# correctness against the reference
# ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "k", "chunk"),
    [
        (1, 1, _fused.CHUNK),
        (1, 10, _fused.CHUNK),
        (7, 3, _fused.CHUNK),
        (1000, 1, _fused.CHUNK),
        (_fused.CHUNK, 2, _fused.CHUNK),  # exactly one chunk
        (_fused.CHUNK + 1, 5, _fused.CHUNK),  # one point in the last chunk
        (3 * _fused.CHUNK - 17, 8, _fused.CHUNK),
        (20_000, 10, _fused.CHUNK),
        (5_001, 4, 64),  # many chunks; tail of 9 points (< the 64-point log block)
        (1_000, 3, 100),  # chunk not a multiple of the log block
        (999, 2, 1),  # chunk of one point
    ],
)
def test_matches_reference(n: int, k: int, chunk: int) -> None:
    rng = np.random.default_rng(1000 * n + k)
    x = 3.0 * rng.normal(size=n)
    log_coef, means, half_prec = make_params(rng, k)
    for parallel in (False, True):
        got = _fused_statistics_impl(x, log_coef, means, half_prec, chunk=chunk, parallel=parallel)
        assert_matches(got, x, log_coef, means, half_prec)
    if chunk == _fused.CHUNK:
        assert_matches(
            fused_statistics(x, log_coef, means, half_prec), x, log_coef, means, half_prec
        )


def test_k1_is_exact() -> None:
    """One component: every gamma is exactly 1, so S0 = N exactly and loglik = sum lp."""
    rng = np.random.default_rng(3)
    x = rng.normal(size=10_001)
    log_coef, means, half_prec = to_kernel([1.0], [0.3], [1.7])
    stats, loglik = fused_statistics(x, log_coef, means, half_prec)
    assert stats[0, 0] == x.size
    d = x - means[0]
    assert stats[1, 0] == pytest.approx(math.fsum(d), rel=1e-13, abs=1e-10)
    assert stats[2, 0] == pytest.approx(math.fsum(d * d), rel=1e-13)
    assert loglik == pytest.approx(math.fsum(log_coef[0] - half_prec[0] * d * d), rel=1e-13)


def test_points_a_million_sigma_away() -> None:
    """Far points: every lp ~ -5e11; no underflow to 0/0, responsibilities still sum to 1."""
    rng = np.random.default_rng(4)
    log_coef, means, half_prec = to_kernel([0.5, 0.3, 0.2], [-1.0, 0.0, 2.0], [1.0, 0.5, 2.0])
    x = np.concatenate([rng.normal(size=2_000), [1e6, -1e6, 3e6, -2e6 + 0.5]])
    got = fused_statistics(x, log_coef, means, half_prec)
    assert_matches(got, x, log_coef, means, half_prec)
    # Only far points: each one goes (almost) entirely to the widest component or the one
    # on its side; S0 still sums to N.
    x_far = np.array([1e6, -1e6, 5e5, -3e6])
    stats, loglik = fused_statistics(x_far, log_coef, means, half_prec)
    assert stats[0].sum() == pytest.approx(x_far.size, rel=1e-15)
    assert loglik < -1e10
    assert_matches((stats, loglik), x_far, log_coef, means, half_prec)


def test_overflowing_quadratic_is_capped() -> None:
    """half_prec * d**2 = inf for every k would give lp - max = NaN; the cap keeps it finite."""
    from gmm_core.em import MAX_QUADRATIC

    assert _fused.QUADRATIC_CAP == MAX_QUADRATIC  # same rule as gmm_core.em's numpy path
    log_coef, means, half_prec = to_kernel([0.5, 0.0, 0.5], [0.0, 1.0, 2.0], [1e-100, 1.0, 1.0])
    x = np.array([0.0, 1.5, 1e160, -1e200, 2.0])
    for parallel in (False, True):
        stats, loglik = _fused_statistics_impl(x, log_coef, means, half_prec, parallel=parallel)
        assert np.all(np.isfinite(stats[0])) and np.isfinite(loglik) and loglik < -1e299
        assert stats[0].sum() == pytest.approx(x.size, rel=1e-15)
        # far points are shared by the two components of positive weight (lp ~ -1e300 each)
        np.testing.assert_allclose(stats[0, [0, 2]], [2.0, 3.0], rtol=1e-15)
        assert stats[0, 1] < 1e-290
    fallback = numpy_statistics(x, log_coef, means, half_prec, chunk=2)
    np.testing.assert_allclose(fallback[0][0], stats[0], rtol=1e-15, atol=1e-290)
    assert fallback[1] == pytest.approx(loglik, rel=1e-15)
    near = x[np.abs(x) < 1e3]
    assert_matches(
        fused_statistics(near, log_coef, means, half_prec), near, log_coef, means, half_prec
    )


def test_component_with_weight_zero() -> None:
    """log_coef = -inf: tiny positive responsibilities (clamped exp), never NaN."""
    rng = np.random.default_rng(5)
    x = rng.normal(size=9_000)
    log_coef, means, half_prec = to_kernel([0.6, 0.0, 0.4], [-0.5, 0.0, 1.0], [1.0, 1.0, 0.7])
    assert log_coef[1] == -np.inf
    for parallel in (False, True):
        stats, loglik = _fused_statistics_impl(
            x, log_coef, means, half_prec, chunk=1000, parallel=parallel
        )
        assert np.all(np.isfinite(stats)) and math.isfinite(loglik)
        assert 0.0 < stats[0, 1] < 1e-290 * x.size
        assert_matches((stats, loglik), x, log_coef, means, half_prec)


def test_all_but_one_weight_zero() -> None:
    log_coef, means, half_prec = to_kernel([0.0, 1.0, 0.0], [-3.0, 0.0, 3.0], [1.0, 2.0, 1.0])
    x = np.linspace(-5, 5, 1001)
    stats, loglik = fused_statistics(x, log_coef, means, half_prec)
    assert stats[0, 1] == pytest.approx(x.size, rel=1e-15)
    assert np.all(stats[:, [0, 2]] < 1e-290 * x.size)
    assert_matches((stats, loglik), x, log_coef, means, half_prec)


def test_large_offset_small_spread() -> None:
    """Data around 1e12 with spread 1e-3: shifted sums keep full precision."""
    rng = np.random.default_rng(6)
    x = 1e12 + 1e-3 * rng.normal(size=30_000)
    log_coef, means, half_prec = to_kernel([0.3, 0.7], [1e12 - 5e-4, 1e12 + 1e-3], [1e-3, 2e-3])
    stats, loglik = fused_statistics(x, log_coef, means, half_prec)
    assert_matches((stats, loglik), x, log_coef, means, half_prec)
    # The M-step from these sums recovers the weighted mean/variance of the reference.
    ref_stats = reference(x, log_coef, means, half_prec)[0]
    mu_new = means + stats[1] / stats[0]
    var_new = stats[2] / stats[0] - (stats[1] / stats[0]) ** 2
    ref_var = ref_stats[2] / ref_stats[0] - (ref_stats[1] / ref_stats[0]) ** 2
    np.testing.assert_allclose(
        mu_new - 1e12, means + ref_stats[1] / ref_stats[0] - 1e12, rtol=0, atol=1e-12
    )
    np.testing.assert_allclose(var_new, ref_var, rtol=1e-10)
    assert np.all(var_new > 0)


def test_extreme_parameters_no_nan() -> None:
    """Very narrow/wide components, far means, extreme weights: finite everywhere."""
    rng = np.random.default_rng(7)
    x = np.concatenate([rng.normal(size=5_000), rng.standard_cauchy(size=5_000) * 1e3])
    log_coef, means, half_prec = to_kernel(
        [1e-300, 1e-12, 0.5, 0.5 - 1e-12], [0.0, 1e8, -3.0, 50.0], [1e-6, 1e4, 1e-2, 30.0]
    )
    got = fused_statistics(x, log_coef, means, half_prec)
    assert_matches(got, x, log_coef, means, half_prec)


@pytest.mark.parametrize("seed", range(6))
def test_random_mixtures(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    k = int(rng.integers(1, 11))
    n = int(rng.integers(1, 40_000))
    log_coef, means, half_prec = make_params(
        rng, k, spread=float(10 ** rng.uniform(-3, 3)), center=float(rng.normal() * 1e3)
    )
    comp = rng.integers(0, k, size=n)
    x = means[comp] + rng.normal(size=n) / np.sqrt(2 * half_prec[comp])
    got = _fused_statistics_impl(
        x, log_coef, means + 0.3 / np.sqrt(half_prec), half_prec, chunk=int(rng.integers(1, 9000))
    )
    assert_matches(got, x, log_coef, means + 0.3 / np.sqrt(half_prec), half_prec)


def test_a_wrong_reference_is_detected() -> None:
    """Guard against a tautological comparison: perturbed stats must fail the check."""
    rng = np.random.default_rng(8)
    x = rng.normal(size=3000)
    log_coef, means, half_prec = make_params(rng, 3)
    stats, loglik = fused_statistics(x, log_coef, means, half_prec)
    with pytest.raises(AssertionError):
        assert_matches((stats * (1 + 1e-10), loglik), x, log_coef, means, half_prec)
    with pytest.raises(AssertionError):
        assert_matches((stats, loglik * (1 + 1e-10)), x, log_coef, means, half_prec)


def test_numpy_fallback_matches() -> None:
    """gmm_core.em's numpy path (used without numba) meets the same reference."""
    rng = np.random.default_rng(9)
    x = rng.normal(size=70_001)
    log_coef, means, half_prec = make_params(rng, 5)
    got = numpy_statistics(x, log_coef, means, half_prec, chunk=4096)
    assert_matches(got, x, log_coef, means, half_prec)


# ------------------------------------------------------------------------------------
# determinism, threads
# ------------------------------------------------------------------------------------


def test_deterministic_bits_and_serial_equals_parallel() -> None:
    import numba

    rng = np.random.default_rng(10)
    x = rng.normal(size=300_001) * 4
    log_coef, means, half_prec = make_params(rng, 5)
    first = fused_statistics(x, log_coef, means, half_prec)
    second = fused_statistics(x, log_coef, means, half_prec)
    np.testing.assert_array_equal(first[0], second[0])
    assert first[1] == second[1]

    serial = _fused_statistics_impl(x, log_coef, means, half_prec, parallel=False)
    parallel = _fused_statistics_impl(x, log_coef, means, half_prec, parallel=True)
    # Same chunks, same per-chunk code, sums added in chunk order: identical bits.
    np.testing.assert_array_equal(serial[0], parallel[0])
    assert serial[1] == parallel[1]
    np.testing.assert_allclose(serial[0], parallel[0], rtol=1e-12)  # the documented promise

    n_threads = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one_thread = _fused_statistics_impl(x, log_coef, means, half_prec, parallel=True)
    finally:
        numba.set_num_threads(n_threads)
    np.testing.assert_array_equal(one_thread[0], parallel[0])
    assert one_thread[1] == parallel[1]


def test_chunking_changes_only_rounding() -> None:
    rng = np.random.default_rng(11)
    x = rng.normal(size=50_000)
    log_coef, means, half_prec = make_params(rng, 4)
    a = _fused_statistics_impl(x, log_coef, means, half_prec, chunk=333)
    b = _fused_statistics_impl(x, log_coef, means, half_prec, chunk=_fused.CHUNK)
    np.testing.assert_allclose(a[0], b[0], rtol=1e-13)
    assert a[1] == pytest.approx(b[1], rel=1e-13)


def test_threshold_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    """fused_statistics uses threads only from PARALLEL_MIN_WORK = N * K on."""
    calls: list[str] = []
    serial, parallel = _fused._fused_serial, _fused._fused_parallel
    monkeypatch.setattr(_fused, "_fused_serial", lambda *a: calls.append("serial") or serial(*a))
    monkeypatch.setattr(
        _fused, "_fused_parallel", lambda *a: calls.append("parallel") or parallel(*a)
    )
    monkeypatch.setattr(_fused, "PARALLEL_MIN_WORK", 1000)
    log_coef, means, half_prec = to_kernel([0.5, 0.5], [0.0, 1.0], [1.0, 1.0])
    fused_statistics(np.zeros(499), log_coef, means, half_prec)
    fused_statistics(np.zeros(500), log_coef, means, half_prec)
    fused_bin_responsibilities(np.zeros(499), log_coef, means, half_prec, -1.0, 1.0, 3)
    fused_bin_responsibilities(np.zeros(500), log_coef, means, half_prec, -1.0, 1.0, 3)
    import numba

    expected_big = "parallel" if numba.get_num_threads() > 1 else "serial"
    assert calls == ["serial", expected_big] * 2


# ------------------------------------------------------------------------------------
# the custom exp
# ------------------------------------------------------------------------------------


def kernel_exp(a: np.ndarray) -> np.ndarray:
    out = np.empty_like(a)
    _fused._exp_array(np.ascontiguousarray(a, dtype=np.float64), out)
    return out


def max_rel_error(a: np.ndarray) -> float:
    exact = np.exp(a.astype(np.longdouble))  # 64-bit mantissa: ~1e-19 relative
    return float(np.max(np.abs((kernel_exp(a).astype(np.longdouble) - exact) / exact)))


def test_exp_accuracy() -> None:
    """Measured: max relative error 1.39e-16 on a 2e7-point grid of [-700, 0] (~1.2 ulp)."""
    assert np.finfo(np.longdouble).eps < 1e-18, "needs 80-bit long double as the reference"
    rng = np.random.default_rng(12)
    grid_700 = np.concatenate([np.linspace(-700.0, 0.0, 2_000_001), rng.uniform(-700, 0, 10**6)])
    grid_30 = np.concatenate([np.linspace(-30.0, 0.0, 1_000_001), rng.uniform(-30, 0, 10**6)])
    k = np.arange(-1009, 1)
    halfway = (k + 0.5) * math.log(2.0)  # range-reduction boundaries
    halfway = np.concatenate([halfway, np.nextafter(halfway, 0), np.nextafter(halfway, -1e9)])
    halfway = halfway[halfway >= -700.0]
    err_700 = max_rel_error(grid_700)
    err_30 = max_rel_error(grid_30)
    assert err_700 <= 2.5e-16, err_700  # the brief asked for <= 2.5e-14
    assert err_30 <= 2.5e-16, err_30  # the brief asked for <= 1e-15
    assert max_rel_error(halfway) <= 2.5e-16


def test_exp_special_values() -> None:
    e700 = math.exp(-700.0)
    got = kernel_exp(np.array([0.0, -0.0, -700.0, -700.5, -1e5, -1e308, -np.inf]))
    assert got[0] == 1.0 and got[1] == 1.0
    assert np.all(got[2:] > 0)
    np.testing.assert_allclose(got[2:], e700, rtol=1e-15)  # clamped below at -700
    assert kernel_exp(np.array([-math.log(2.0) * 10]))[0] == pytest.approx(2.0**-10, rel=2e-16)


# ------------------------------------------------------------------------------------
# interface
# ------------------------------------------------------------------------------------


def test_empty_and_bad_inputs() -> None:
    log_coef, means, half_prec = to_kernel([0.5, 0.5], [0.0, 1.0], [1.0, 1.0])
    stats, loglik = fused_statistics(np.empty(0), log_coef, means, half_prec)
    assert stats.shape == (3, 2) and not stats.any() and loglik == 0.0
    with pytest.raises(ValueError):
        fused_statistics(np.zeros((2, 2)), log_coef, means, half_prec)
    with pytest.raises(ValueError):
        fused_statistics(np.zeros(3), log_coef[:1], means, half_prec)
    with pytest.raises(ValueError):
        fused_statistics(np.zeros(3), np.empty(0), np.empty(0), np.empty(0))


def test_accepts_other_layouts_and_readonly() -> None:
    rng = np.random.default_rng(13)
    base = rng.normal(size=4001)
    log_coef, means, half_prec = make_params(rng, 3)
    expected = fused_statistics(base, log_coef, means, half_prec)
    readonly = base.copy()
    readonly.flags.writeable = False
    strided = np.repeat(base, 2)[::2]
    for x in (readonly, strided, list(base)):
        got = fused_statistics(x, list(log_coef), tuple(means), half_prec[::1])
        np.testing.assert_array_equal(got[0], expected[0])
        assert got[1] == expected[1]


def test_imports_and_works_without_numba() -> None:
    code = (
        "import sys; sys.modules['numba'] = None\n"
        "import numpy as np\n"
        "from gmm_core import _fused\n"
        "assert _fused.NUMBA_AVAILABLE is False\n"
        "_fused.warmup()\n"
        "try:\n"
        "    _fused.fused_statistics(np.zeros(3), np.zeros(1), np.zeros(1), np.ones(1))\n"
        "except RuntimeError:\n"
        "    pass\n"
        "else:\n"
        "    raise AssertionError('the kernel ran without numba')\n"
        "from gmm_core import MixtureParams\n"
        "from gmm_core.binning import responsibility_by_bin\n"
        "from gmm_core.em import sufficient_statistics\n"
        "x = np.linspace(-2, 2, 10_001)\n"
        "p = MixtureParams([0.4, 0.6], [0.0, 1.0], [1.0, 1.0])\n"
        "s = sufficient_statistics(x, p)\n"
        "assert abs(s.n_k.sum() - x.size) < 1e-9 and np.isfinite(s.log_likelihood)\n"
        "t = responsibility_by_bin(x, p, np.linspace(-1.0, 1.0, 5))\n"
        "assert t.shape == (4, 2) and abs(t.sum() - 5001) < 1e-9, t\n"
        "print('ok')\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_numba_is_installed() -> None:
    """numba is a pinned requirement: the compiled kernels are tested here, never skipped."""
    assert _fused.NUMBA_AVAILABLE, "numba is missing: pip install -r requirements.txt"


def test_warmup_compiles_the_serial_and_the_threaded_kernel() -> None:
    _fused.warmup()
    for kernel in (_fused._fused_serial, _fused._fused_parallel, _fused._exp_array):
        assert kernel.signatures, f"{kernel.__name__} was not compiled or loaded"


def test_concurrent_calls_from_threads() -> None:
    """Several Python threads (e.g. Streamlit sessions) may call the kernels at once."""
    from concurrent.futures import ThreadPoolExecutor

    rng = np.random.default_rng(14)
    x = rng.normal(size=60_000)
    log_coef, means, half_prec = make_params(rng, 4)
    expected = _fused_statistics_impl(x, log_coef, means, half_prec, chunk=1024, parallel=False)

    def call(i: int) -> tuple[np.ndarray, float]:
        return _fused_statistics_impl(
            x, log_coef, means, half_prec, chunk=1024, parallel=bool(i % 2)
        )

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(call, range(16)))
    for stats, loglik in results:
        np.testing.assert_array_equal(stats, expected[0])
        assert loglik == expected[1]


# ------------------------------------------------------------------------------------
# binned responsibilities (more in tests/test_binning.py)
# ------------------------------------------------------------------------------------


def bin_reference(
    x: np.ndarray,
    log_coef: np.ndarray,
    means: np.ndarray,
    half_prec: np.ndarray,
    lo: float,
    hi: float,
    n_bins: int,
) -> np.ndarray:
    """(n_bins, K) sums of gamma per bin from the float64 scipy reference."""
    inside = x[(x >= lo) & (x <= hi)]
    d = inside[None, :] - means[:, None]
    with np.errstate(over="ignore"):
        lp = log_coef[:, None] - np.minimum(half_prec[:, None] * d**2, _fused.QUADRATIC_CAP)
    g = np.exp(lp - logsumexp(lp, axis=0)[None, :])
    idx = np.minimum(((inside - lo) * (n_bins / (hi - lo))).astype(np.intp), n_bins - 1)
    return np.stack([np.bincount(idx, weights=row, minlength=n_bins) for row in g], axis=1)


@pytest.mark.parametrize(
    ("n", "k", "n_bins", "chunk"),
    [
        (1, 1, 1, _fused.CHUNK),
        (7, 3, 5, _fused.CHUNK),
        (_fused.CHUNK + 1, 10, 200, _fused.CHUNK),
        (_fused.BIN_TABLE_POINTS * 2 + 3, 4, 64, _fused.CHUNK),  # three tables, the last tiny
        (5_001, 2, 9, 64),
        (2_000, 3, 13, 1),
    ],
)
def test_bins_match_reference(n: int, k: int, n_bins: int, chunk: int) -> None:
    rng = np.random.default_rng(2000 + n + k)
    x = 3.0 * rng.normal(size=n)
    log_coef, means, half_prec = make_params(rng, k)
    lo, hi = -4.0, 5.0  # some points fall outside
    expected = bin_reference(x, log_coef, means, half_prec, lo, hi, n_bins)
    results = [
        responsibility_by_bin(
            x,
            as_params(log_coef, means, half_prec),
            np.linspace(lo, hi, n_bins + 1),
            backend="numpy",
        )
    ]
    if _fused.NUMBA_AVAILABLE:
        results += [
            _bin_responsibilities_impl(
                x, log_coef, means, half_prec, (lo, hi, n_bins), chunk=chunk, parallel=parallel
            )
            for parallel in (False, True)
        ]
    for got in results:
        assert got.shape == (n_bins, k) and got.dtype == np.float64
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=ATOL_PER_POINT * n)
    if len(results) == 3:
        np.testing.assert_array_equal(results[1], results[2])


def test_bins_empty_and_bad_inputs() -> None:
    log_coef, means, half_prec = to_kernel([0.5, 0.5], [0.0, 1.0], [1.0, 1.0])
    empty = fused_bin_responsibilities(np.empty(0), log_coef, means, half_prec, 0.0, 1.0, 4)
    assert empty.shape == (4, 2) and not empty.any()
    for lo, hi, n_bins in [
        (0.0, 1.0, 0),
        (1.0, 1.0, 3),
        (1.0, 0.0, 3),
        (0.0, np.inf, 3),
        (np.nan, 1.0, 3),
        (-1e308, 1e308, 3),
    ]:
        with pytest.raises(ValueError):
            fused_bin_responsibilities(np.zeros(3), log_coef, means, half_prec, lo, hi, n_bins)
    with pytest.raises(TypeError):
        fused_bin_responsibilities(np.zeros(3), log_coef, means, half_prec, 0.0, 1.0, 2.5)
    with pytest.raises(ValueError):
        fused_bin_responsibilities(np.zeros((2, 2)), log_coef, means, half_prec, 0.0, 1.0, 2)


def test_bins_fallback_above_max_compiled_components(monkeypatch: pytest.MonkeyPatch) -> None:
    """Above MAX_COMPILED_COMPONENTS the kernels refuse; "auto" takes the numpy path."""
    rng = np.random.default_rng(15)
    x = rng.normal(size=30_000)
    log_coef, means, half_prec = make_params(rng, 3)
    params = as_params(log_coef, means, half_prec)
    edges = np.linspace(-2.0, 2.0, 11)
    compiled = responsibility_by_bin(x, params, edges, backend="fused")
    monkeypatch.setattr(_fused, "MAX_COMPILED_COMPONENTS", 2)
    monkeypatch.setattr(_fused, "_run_kernel", None)  # must not be reached
    with pytest.raises(ValueError, match="at most 2 components"):
        fused_bin_responsibilities(x, log_coef, means, half_prec, -2.0, 2.0, 10)
    with pytest.raises(ValueError, match="at most 2 components"):
        responsibility_by_bin(x, params, edges, backend="fused")
    fallback = responsibility_by_bin(x, params, edges, backend="auto")
    np.testing.assert_allclose(fallback, compiled, rtol=1e-12)


def test_bins_accept_other_layouts_and_readonly() -> None:
    rng = np.random.default_rng(16)
    base = rng.normal(size=4001)
    log_coef, means, half_prec = make_params(rng, 3)
    expected = fused_bin_responsibilities(base, log_coef, means, half_prec, -1.0, 1.5, 7)
    readonly = base.copy()
    readonly.flags.writeable = False
    for x in (readonly, np.repeat(base, 2)[::2], list(base)):
        got = fused_bin_responsibilities(
            x, list(log_coef), tuple(means), half_prec[::1], np.float64(-1.0), 1.5, np.int64(7)
        )
        np.testing.assert_array_equal(got, expected)
