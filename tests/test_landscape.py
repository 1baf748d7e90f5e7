"""The likelihood landscape and the basins of attraction (gmm_core.landscape).

References: ``gmm_core.run_em`` one start at a time (the EM every page uses), the best optimum
of ``explore_restarts``, and log L written out with scipy.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import special, stats

from gmm_core import default_var_floor, explore_restarts, run_em
from gmm_core.data import load_dataset
from gmm_core.landscape import (
    SURFACE_MAX_POINTS,
    basins,
    batch_em,
    coincident,
    group_optima,
    landscape_points,
    mean_grid,
    mean_surface,
    start_params,
    warmup,
)

WEIGHTS = np.array([0.5, 0.5])
VARIANCES = np.array([0.3, 0.3])


@pytest.fixture(scope="module")
def faithful() -> np.ndarray:
    return load_dataset("old_faithful_eruptions")


def grid_basins(x, cells, variances=VARIANCES, *, tol=1e-8, max_iter=2000, **options):
    """:func:`basins` on the square ``mean_grid(x, cells)`` from π = WEIGHTS, at the default
    variance floor of ``x``."""
    grid = mean_grid(x, cells)
    floor = default_var_floor(x)
    return basins(
        x, WEIGHTS, variances, grid, grid, var_floor=floor, tol=tol, max_iter=max_iter, **options
    )


@pytest.fixture(scope="module")
def basin_map(faithful):
    return grid_basins(faithful, 24)


def test_surface_is_log_likelihood_at_every_cell(faithful):
    g1, g2 = np.linspace(1.5, 5.0, 7), np.linspace(1.0, 5.5, 5)
    weights, variances = np.array([0.3, 0.7]), np.array([0.1, 0.4])
    surface = mean_surface(faithful, weights, variances, g1, g2)
    assert surface.shape == (5, 7)
    for j, mu2 in enumerate(g2):
        for i, mu1 in enumerate(g1):
            pdf = stats.norm.logpdf(faithful[:, None], [mu1, mu2], np.sqrt(variances))
            expected = special.logsumexp(pdf, b=weights, axis=1).sum()
            assert surface[j, i] == pytest.approx(expected, rel=1e-12)


def test_surface_with_equal_weights_and_variances_is_mirror_symmetric(faithful):
    grid = mean_grid(faithful, 30)
    surface = mean_surface(faithful, WEIGHTS, VARIANCES, grid, grid)
    assert surface == pytest.approx(surface.T, rel=1e-12)


@pytest.mark.parametrize("stopping", ["aitken", "gain"])
@pytest.mark.parametrize("tied", [False, True])
def test_batch_em_matches_run_em_start_by_start(faithful, tied, stopping):
    rng = np.random.default_rng(1)
    floor = default_var_floor(faithful)
    starts = np.stack(
        [
            np.stack([rng.dirichlet([2, 2]), rng.uniform(1.5, 5, 2), rng.uniform(0.05, 1.0, 2)])
            for _ in range(25)
        ]
    )
    starts[0, 2] = [1e-12, 0.2]  # below the floor: moved inside the model as run_em does
    for backend in ("auto", "numpy"):
        result = batch_em(
            faithful,
            starts,
            var_floor=floor,
            tol=1e-6,
            max_iter=300,
            equal_variance=tied,
            backend=backend,
            stopping=stopping,
        )
        for s in range(starts.shape[0]):
            run = run_em(
                faithful,
                start_params(starts[s, 0], starts[s, 2], *starts[s, 1]),
                var_floor=floor,
                tol=1e-6,
                max_iter=300,
                equal_variance=tied,
                stopping=stopping,
            )
            assert result.n_iter[s] == run.n_iter
            assert result.converged[s] == run.converged
            assert result.log_likelihoods[s] == pytest.approx(run.log_likelihood, rel=1e-12)
            assert result.params[s, 1] == pytest.approx(run.params.means, rel=1e-10)
            assert result.params[s, 2] == pytest.approx(run.params.variances, rel=1e-9)


def test_grid_best_cell_agrees_with_explore_restarts(faithful, basin_map):
    exploration = explore_restarts(
        faithful,
        2,
        methods=("random", "kmeans++"),
        n_restarts=20,
        seed=0,
        tol=1e-8,
        max_iter=2000,
    )
    j, i = basin_map.best_cell()
    assert basin_map.log_likelihoods[j, i] == pytest.approx(
        exploration.best.log_likelihood, abs=1e-6
    )
    best = basin_map.final_params[j, i]
    order = np.argsort(best[1])
    assert best[1][order] == pytest.approx(exploration.best.params.means, abs=1e-4)
    assert basin_map.optima[0].log_likelihood == pytest.approx(
        exploration.best.log_likelihood, abs=1e-6
    )


def test_basins_show_the_mirror_pair_and_the_saddle(basin_map):
    optima = basin_map.optima
    top, twin = optima[0], optima[optima[0].mirror]
    assert twin.mirror == 0
    assert twin.params.means == pytest.approx(top.params.means[::-1], abs=1e-4)
    assert twin.log_likelihood == pytest.approx(top.log_likelihood, abs=1e-6)
    # Equal π and σ²: the map is symmetric under swapping μ₁ and μ₂ (labels mirrored).
    labels = basin_map.labels
    mirror_of = {g: (o.mirror if o.mirror is not None else g) for g, o in enumerate(optima)}
    swapped = np.vectorize(lambda g: mirror_of.get(g, g))(labels.T)
    assert np.mean(swapped == labels) > 0.99
    # Starts on the diagonal keep μ₁ = μ₂ for ever: they end at the one-component fit, the
    # saddle between the two hills, below both.
    diagonal = [labels[k, k] for k in range(labels.shape[0])]
    saddle = optima[diagonal[0]]
    assert len(set(diagonal)) == 1
    assert saddle.params.means[0] == pytest.approx(saddle.params.means[1], abs=1e-9)
    assert saddle.log_likelihood < top.log_likelihood - 100


def test_basin_colours_reproduce(faithful, basin_map):
    again = grid_basins(faithful, 24)
    assert np.array_equal(again.labels, basin_map.labels)
    assert np.array_equal(again.log_likelihoods, basin_map.log_likelihoods)


@pytest.mark.parametrize(
    ("cells", "variances", "tied", "n_calls"),
    [(17, VARIANCES, False, 2), (9, np.array([1.3, 1.3]), True, 1)],
)
def test_progress_is_reported_and_numpy_backend_agrees(faithful, cells, variances, tied, n_calls):
    calls = []
    options = {"tol": 1e-6, "max_iter": 500, "equal_variance": tied}
    fast = grid_basins(
        faithful, cells, variances, **options, on_progress=lambda d, t: calls.append((d, t))
    )
    slow = grid_basins(faithful, cells, variances, **options, backend="numpy")
    assert calls[-1] == (cells**2, cells**2) and len(calls) == n_calls
    assert np.array_equal(fast.labels, slow.labels)
    assert fast.log_likelihoods == pytest.approx(slow.log_likelihoods, rel=1e-12)


def test_group_optima_keeps_labelled_optima_apart():
    x = np.array([0.0, 1.0, 2.0, 10.0, 11.0, 12.0])
    a = np.array([[0.5, 0.5], [1.0, 11.0], [0.67, 0.67]])
    params = np.stack([a, a[:, ::-1], a + 1e-6, a[:, ::-1]])
    labels, optima = group_optima(x, params, np.array([-10.0, -10.0, -10.0, -10.0]))
    assert labels.tolist() == [0, 1, 0, 1]
    assert optima[0].mirror == 1 and optima[1].mirror == 0
    assert [o.n_cells for o in optima] == [2, 2]


def test_large_data_is_mapped_on_evenly_spaced_order_statistics():
    x = np.random.default_rng(2).normal(size=50_001)
    points, scale = landscape_points(x)
    assert points.size == SURFACE_MAX_POINTS and scale == x.size / SURFACE_MAX_POINTS
    assert points[0] == x.min() and points[-1] == x.max() and np.all(np.diff(points) >= 0)
    small = x[:1000]
    same, one = landscape_points(small)
    assert same is small and one == 1.0


def test_warmup_runs():
    warmup()


def test_tied_model_has_two_mirror_optima_and_one_saddle(faithful):
    """With one shared σ², EM creeps towards the saddle on the mirror line from many starts
    near it (flat ridges); they are grouped with it, as one mixture (components coincide)."""
    basin_map = grid_basins(
        faithful, 30, np.array([1.3, 1.3]), tol=1e-6, max_iter=500, equal_variance=True
    )
    top, twin, saddle = basin_map.optima
    assert top.mirror == 1 and twin.mirror == 0 and not top.coincident
    assert saddle.coincident and saddle.mirror is None
    assert saddle.params.means[0] == pytest.approx(np.mean(faithful), rel=1e-6)
    assert saddle.log_likelihood < top.log_likelihood - 100
    assert np.all(basin_map.labels >= 0)
    assert coincident(np.array([[0.1, 0.9], [3.5039, 3.4868], [1.2979, 1.2979]]))
    assert not coincident(np.array([[0.5, 0.5], [2.0, 4.3], [0.13, 0.13]]))
