"""Tests of gmm_core.binning: bin edges, histograms and the responsibilities per bin.

``responsibility_by_bin`` has two backends, the chunked numpy E-step + ``np.bincount`` and the
fused numba kernel (``gmm_core._fused.fused_bin_responsibilities``); both are checked against a
direct reference (one ``e_step`` over all points, one ``np.bincount`` per component).
"""

from __future__ import annotations

import numpy as np
import pytest

from gmm_core import _fused
from gmm_core.binning import (
    MAX_BINS,
    MIN_BINS,
    SPIKE_OFFSETS,
    bin_edges,
    bin_index,
    components_span,
    curve_grid,
    default_bin_count,
    histogram,
    responsibility_by_bin,
)
from gmm_core.em import FUSED_MIN_POINTS, _log_coefficients, e_step
from gmm_core.params import MixtureParams

BACKENDS = ["numpy", "fused"]
#: The fused kernel's exp is clamped below at exp(-700): a responsibility that is (nearly) 0
#: in numpy comes out as ~1e-304 per point.
ATOL_PER_POINT = 1e-300

THREE = MixtureParams([0.3, 0.5, 0.2], [-2.0, 0.5, 3.0], [0.6, 1.0, 0.3])


def sample(rng: np.random.Generator, params: MixtureParams, n: int) -> np.ndarray:
    comp = rng.choice(params.n_components, size=n, p=params.weights)
    return params.means[comp] + np.sqrt(params.variances[comp]) * rng.normal(size=n)


def reference(x: np.ndarray, params: MixtureParams, edges: np.ndarray) -> np.ndarray:
    """Σ_{n in bin b} γ(z_nk) from one numpy E-step over the points inside the edges."""
    inside = x[(x >= edges[0]) & (x <= edges[-1])]
    idx = bin_index(inside, edges)
    resp, _ = e_step(inside, params)
    n_bins = edges.size - 1
    return np.stack(
        [np.bincount(idx, weights=resp[:, k], minlength=n_bins) for k in range(resp.shape[1])],
        axis=1,
    )


def counts_inside(x: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Points per bin by the rule of ``bin_index`` (points outside the edges not counted)."""
    inside = x[(x >= edges[0]) & (x <= edges[-1])]
    return np.bincount(bin_index(inside, edges), minlength=edges.size - 1)


def assert_close(got: np.ndarray, expected: np.ndarray, n_points: int) -> None:
    assert got.shape == expected.shape and got.dtype == np.float64
    assert np.all(np.isfinite(got))
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=ATOL_PER_POINT * n_points)


# ------------------------------------------------------------------------------------
# bin_edges, default_bin_count, histogram
# ------------------------------------------------------------------------------------


def test_bin_edges_span_the_data() -> None:
    x = sample(np.random.default_rng(1), THREE, 5_000)
    edges = bin_edges(x)
    assert edges.size - 1 == default_bin_count(x)
    assert 10 <= default_bin_count(x) <= 120
    assert edges[0] == x.min() and edges[-1] == x.max()
    widths = np.diff(edges)
    assert np.all(widths > 0)
    np.testing.assert_allclose(widths, widths[0], rtol=1e-12)
    assert bin_edges(x, 1).size - 1 == MIN_BINS
    assert bin_edges(x, 10_000).size - 1 == MAX_BINS
    assert bin_edges(x, 37).size - 1 == 37


def test_bin_edges_of_constant_data() -> None:
    for value in (0.0, -3.5, 1e12):
        edges = bin_edges(np.full(50, value), 20)
        assert np.all(np.diff(edges) > 0)
        assert edges[0] < value < edges[-1]
        assert histogram(np.full(50, value), edges).sum() == 50


@pytest.mark.parametrize("n_bins", [None, 5, 200])
def test_data_at_1e12_with_tiny_spread(n_bins: int | None) -> None:
    """1e12 ± 1e-3: floats there are 1.2e-4 apart; every bin is >= 8 of those steps wide."""
    rng = np.random.default_rng(2)
    x = np.concatenate([1e12 + rng.uniform(-1e-3, 1e-3, size=4_000), [1e12 - 1e-3, 1e12 + 1e-3]])
    count = default_bin_count(x)
    assert 10 <= count <= 120
    edges = bin_edges(x, n_bins)
    assert edges.size >= 2
    assert np.all(np.diff(edges) > 0)
    steps = np.diff(edges) / np.spacing(edges[1:])
    assert np.all(steps >= 8), steps
    assert histogram(x, edges).sum() == x.size
    shares = responsibility_by_bin(
        x, MixtureParams([0.5, 0.5], [1e12 - 5e-4, 1e12 + 5e-4], [1e-7, 1e-7]), edges
    )
    np.testing.assert_allclose(shares.sum(axis=1), histogram(x, edges), rtol=1e-12)


def test_histogram() -> None:
    x = np.array([0.0, 0.1, 0.5, 0.99, 1.0, 2.0, -0.5, 1.5, 3.0])
    edges = np.linspace(0.0, 2.0, 5)  # [0, .5), [.5, 1), [1, 1.5), [1.5, 2]
    counts = histogram(x, edges)
    np.testing.assert_array_equal(counts, [2, 2, 1, 2])  # last bin closed; -0.5, 3.0 not counted
    np.testing.assert_array_equal(counts, counts_inside(x, edges))
    y = sample(np.random.default_rng(3), THREE, 20_000)
    y_edges = bin_edges(y, 64)
    assert histogram(y, y_edges).sum() == y.size
    np.testing.assert_array_equal(histogram(y, y_edges), counts_inside(y, y_edges))


# ------------------------------------------------------------------------------------
# responsibility_by_bin
# ------------------------------------------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("n", "n_bins"), [(1, 5), (999, 7), (70_001, 200), (150_000, 33)])
def test_matches_reference_and_rows_sum_to_counts(backend: str, n: int, n_bins: int) -> None:
    rng = np.random.default_rng(n + n_bins)
    x = sample(rng, THREE, n)
    edges = bin_edges(x, n_bins) if n > 1 else np.array([-1.0, 0.0, 1.0, 2.0, 3.0, 4.0]) + x[0]
    got = responsibility_by_bin(x, THREE, edges, backend=backend)
    assert_close(got, reference(x, THREE, edges), n)
    counts = histogram(x, edges)
    np.testing.assert_allclose(got.sum(axis=1), counts, rtol=1e-9)
    assert got.sum() == pytest.approx(x.size, rel=1e-12)


@pytest.mark.parametrize("k", [1, 2, 10])
def test_backends_agree(k: int) -> None:
    rng = np.random.default_rng(10 + k)
    params = MixtureParams(
        rng.dirichlet(np.ones(k)), rng.normal(size=k) * 3, rng.uniform(0.1, 2.0, size=k)
    )
    x = sample(rng, params, 100_000) + 0.3
    edges = bin_edges(x, 200)
    fused = responsibility_by_bin(x, params, edges, backend="fused")
    numpy = responsibility_by_bin(x, params, edges, backend="numpy")
    np.testing.assert_allclose(fused, numpy, rtol=1e-12, atol=ATOL_PER_POINT * x.size)


def test_auto_backend_dispatch() -> None:
    """ "auto" is the numpy path below FUSED_MIN_POINTS and the fused kernel from there on."""
    rng = np.random.default_rng(4)
    x = sample(rng, THREE, FUSED_MIN_POINTS + 5_000)
    edges = bin_edges(x, 50)
    small = x[: FUSED_MIN_POINTS - 1]
    np.testing.assert_array_equal(
        responsibility_by_bin(small, THREE, edges),
        responsibility_by_bin(small, THREE, edges, backend="numpy"),
    )
    expected = "fused" if _fused.NUMBA_AVAILABLE else "numpy"
    np.testing.assert_array_equal(
        responsibility_by_bin(x, THREE, edges),
        responsibility_by_bin(x, THREE, edges, backend=expected),
    )
    with pytest.raises(ValueError, match="backend"):
        responsibility_by_bin(x, THREE, edges, backend="gpu")  # type: ignore[arg-type]


@pytest.mark.parametrize("backend", BACKENDS)
def test_points_outside_the_edges_are_not_counted(backend: str) -> None:
    rng = np.random.default_rng(5)
    x = sample(rng, THREE, 60_000)
    edges = np.linspace(-1.0, 1.0, 11)
    x = np.concatenate([x, [-1.0, 1.0, np.nextafter(-1.0, -2.0), np.nextafter(1.0, 2.0)]])
    got = responsibility_by_bin(x, THREE, edges, backend=backend)
    counts = counts_inside(x, edges)
    assert counts.sum() == np.count_nonzero((x >= -1.0) & (x <= 1.0)) < x.size
    np.testing.assert_allclose(got.sum(axis=1), counts, rtol=1e-9)
    assert_close(got, reference(x, THREE, edges), x.size)
    # Edges entirely away from the data: nothing counted.
    away = responsibility_by_bin(x, THREE, np.linspace(100.0, 101.0, 6), backend=backend)
    assert away.shape == (5, 3) and not away.any()


@pytest.mark.parametrize("backend", BACKENDS)
def test_one_component_gives_the_counts_exactly(backend: str) -> None:
    """K = 1: every γ is exactly 1, so each bin gets exactly its count (bin_index's rule)."""
    rng = np.random.default_rng(6)
    x = rng.normal(size=50_000) * 2
    edges = bin_edges(x, 97)
    # points exactly on and next to every edge
    x = np.concatenate([x, edges, np.nextafter(edges, -np.inf), np.nextafter(edges, np.inf)])
    got = responsibility_by_bin(x, MixtureParams([1.0], [0.4], [3.0]), edges, backend=backend)
    assert got.shape == (97, 1)
    np.testing.assert_array_equal(got[:, 0], counts_inside(x, edges))


def test_fused_bin_rule_equals_bin_index_on_awkward_edges() -> None:
    """The kernel's bin of a point is bin_index's, also for edges that round badly."""
    rng = np.random.default_rng(7)
    one = (np.array([0.0]), np.array([0.0]), np.array([0.5]))
    for lo, hi, n_bins in [
        (-0.1, 0.7, 3),
        (1e12 - 1e-3, 1e12 + 1e-3, 2),
        (0.0, 1.0, 200),
        (-1e-300, 3e-300, 7),
        (-5.0, 1e5, 199),
    ]:
        edges = np.linspace(lo, hi, n_bins + 1)
        x = np.concatenate(
            [
                rng.uniform(lo, hi, size=2_000),
                edges,
                np.nextafter(edges, -np.inf),
                np.nextafter(edges, np.inf),
            ]
        )
        got = _fused.fused_bin_responsibilities(x, *one, edges[0], edges[-1], n_bins)
        np.testing.assert_array_equal(got[:, 0], counts_inside(x, edges))


@pytest.mark.parametrize("backend", BACKENDS)
def test_zero_weight_component_gets_nothing(backend: str) -> None:
    params = MixtureParams([0.6, 0.0, 0.4], [-1.0, 0.0, 2.0], [1.0, 1.0, 0.5])
    x = sample(np.random.default_rng(8), params, 40_000)
    edges = bin_edges(x, 120)
    got = responsibility_by_bin(x, params, edges, backend=backend)
    counts = histogram(x, edges)
    assert np.all(np.isfinite(got))
    assert np.all(got[:, 1] <= ATOL_PER_POINT * counts)
    np.testing.assert_allclose(got.sum(axis=1), counts, rtol=1e-9)
    assert_close(got, reference(x, params, edges), x.size)


@pytest.mark.parametrize("backend", BACKENDS)
def test_hostile_parameters_give_no_nan(backend: str) -> None:
    """σ² = 1e-300: (x − μ)²/(2σ²) overflows without the cap; the result stays finite."""
    rng = np.random.default_rng(9)
    x = np.concatenate([rng.normal(size=30_000), [0.0, 1.0, 1e6, -1e6]])
    edges = bin_edges(x, 200)
    counts = histogram(x, edges)
    for params in (
        MixtureParams([0.5, 0.5], [0.0, 1.0], [1e-300, 1e-300]),  # every point capped
        MixtureParams([0.4, 0.3, 0.3], [0.0, 5.0, 1e6], [1e-300, 1e-300, 1.0]),
        MixtureParams([1e-300, 1.0 - 1e-300], [1e6, 0.0], [1e-300, 1e300]),
    ):
        got = responsibility_by_bin(x, params, edges, backend=backend)
        assert np.all(np.isfinite(got)) and np.all(got >= 0)
        np.testing.assert_allclose(got.sum(axis=1), counts, rtol=1e-9)
        assert_close(got, reference(x, params, edges), x.size)


# ------------------------------------------------------------------------------------
# the fused path: determinism and threads
# ------------------------------------------------------------------------------------


def test_fused_is_deterministic_and_threads_do_not_change_bits() -> None:
    import numba

    rng = np.random.default_rng(11)
    params = MixtureParams([0.2, 0.3, 0.1, 0.4], [-3.0, -1.0, 0.5, 2.0], [0.5, 1.0, 0.2, 2.0])
    x = sample(rng, params, 300_001)
    edges = bin_edges(x, 200)
    first = responsibility_by_bin(x, params, edges, backend="fused")
    second = responsibility_by_bin(x, params, edges, backend="fused")
    np.testing.assert_array_equal(first, second)

    log_coef, half_prec = _log_coefficients(params)
    args = (x, log_coef, params.means, half_prec, (float(edges[0]), float(edges[-1]), 200))
    serial = _fused._bin_responsibilities_impl(*args, parallel=False)
    threaded = _fused._bin_responsibilities_impl(*args, parallel=True)
    np.testing.assert_array_equal(serial, threaded)
    np.testing.assert_array_equal(serial, first)
    n_threads = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one_thread = _fused._bin_responsibilities_impl(*args, parallel=True)
    finally:
        numba.set_num_threads(n_threads)
    np.testing.assert_array_equal(one_thread, serial)
    # Another chunk size changes only the rounding.
    odd = _fused._bin_responsibilities_impl(*args, chunk=333, parallel=True)
    np.testing.assert_allclose(odd, serial, rtol=1e-13)


COLLAPSED = MixtureParams([0.05, 0.95], [1.833, 3.5], [1e-8, 1.0])


def test_curve_grid_is_even_without_narrow_components() -> None:
    edges = np.linspace(-5.0, 5.0, 21)
    grid = curve_grid(edges, THREE, n=300)
    np.testing.assert_allclose(np.diff(grid), np.diff(grid)[0])
    assert grid.size == 300


def test_curve_grid_draws_a_collapsed_spike_at_its_true_height() -> None:
    edges = np.linspace(1.6, 5.1, 36)
    grid = curve_grid(edges, COLLAPSED, n=300)
    assert np.all(np.diff(grid) > 0) and 300 < grid.size <= 300 + SPIKE_OFFSETS.size
    assert 1.833 in grid
    peak = 0.05 / np.sqrt(2 * np.pi * 1e-8)  # π₁ N(μ₁ | μ₁, σ₁²)
    density = (
        COLLAPSED.weights[0] * np.exp(-((grid - 1.833) ** 2) / (2e-8)) / np.sqrt(2 * np.pi * 1e-8)
    )
    assert density.max() == pytest.approx(peak, rel=1e-12)
    # ...and its shape: points at μ ± σ, ± 2σ on both flanks.
    for offset in (-2e-4, -1e-4, 1e-4, 2e-4):
        assert np.min(np.abs(grid - (1.833 + offset))) < 1e-12


def test_curve_grid_bounds_the_number_of_spikes() -> None:
    many = MixtureParams(np.full(12, 1 / 12), np.linspace(0.5, 9.5, 12), np.full(12, 1e-10))
    grid = curve_grid(np.linspace(0, 10, 11), many, n=300, max_spikes=3)
    assert grid.size <= 300 + 3 * SPIKE_OFFSETS.size
    assert np.array_equal(
        curve_grid(np.linspace(0, 10, 11), many, n=300, max_spikes=0), np.linspace(0, 10, 300)
    )


def test_components_span_covers_three_sigma_of_every_component_of_every_mixture() -> None:
    wide = MixtureParams([0.5, 0.5], [-1.0, 2.0], [4.0, 0.25])  # σ = 2 and 0.5
    low = min(-1.0 - 6.0, *(THREE.means - 3 * THREE.stds))
    high = max(-1.0 + 6.0, 2.0 + 1.5, *(THREE.means + 3 * THREE.stds))
    assert components_span([THREE, wide]) == pytest.approx((low, high), rel=1e-15)


def test_curve_grid_widens_to_a_span_within_one_data_range() -> None:
    """A run's span widens the grid beyond the current θ's ±3σ (so the axis stays put), but
    never further than one data range beyond the data, as for the components themselves."""
    edges = np.linspace(0.0, 10.0, 11)
    narrow = MixtureParams([0.5, 0.5], [3.0, 7.0], [0.25, 0.25])
    assert curve_grid(edges, narrow, n=50)[[0, -1]].tolist() == [0.0, 10.0]
    assert curve_grid(edges, narrow, n=50, span=(-4.0, 12.5))[[0, -1]].tolist() == [-4.0, 12.5]
    assert curve_grid(edges, narrow, n=50, span=(-40.0, 99.0))[[0, -1]].tolist() == [-10.0, 20.0]
