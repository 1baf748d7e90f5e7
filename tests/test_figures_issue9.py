"""Figures of the lower bound, the landscape and predict-then-reveal: what each draws."""

from __future__ import annotations

import numpy as np
import pytest

from figures.bound import HalfStep, bound_bars_figure, bound_slice_figure, hard_soft_figure
from figures.landscape import (
    CLICK_TRACE,
    basin_colors,
    basin_figure,
    landscape_figure,
    optimum_names,
)
from figures.predict import prediction_figure
from gmm_core import MixtureParams, default_var_floor, em_step
from gmm_core.bound import segment_slice
from gmm_core.data import load_dataset
from gmm_core.landscape import LandscapeOptimum, basins, mean_grid, mean_surface


def by_name(fig, name):
    (trace,) = [t for t in fig.data if t.name == name]
    return trace


def test_bars_stack_the_gap_on_the_bound():
    steps = [HalfStep("E₀", -100.0, -100.0, 0.0), HalfStep("M₁", -95.0, -96.5, 1.5, True)]
    fig = bound_bars_figure(steps)
    bound, gap, top = by_name(fig, "L(q, θ)"), by_name(fig, "KL gap"), by_name(fig, "log L(θ)")
    assert np.allclose(np.asarray(bound.base) + np.asarray(bound.y), [-100.0, -96.5])
    assert np.allclose(np.asarray(gap.base) + np.asarray(gap.y), [-100.0, -95.0])
    assert list(gap.text) == ["KL = 0", "KL = 1.5"]
    assert list(top.y) == [-100.0, -95.0]
    assert fig.layout.yaxis.range[0] < -100.0  # every bar starts below the lowest bound


def test_slice_figure_marks_touch_top_and_gap():
    x = load_dataset("old_faithful_eruptions")
    theta = MixtureParams([0.5, 0.5], [2.5, 3.5], [0.5, 0.5])
    new = em_step(x, theta, var_floor=default_var_floor(x)).params
    cut = segment_slice(x, theta, new, with_next=True)
    fig = bound_slice_figure(cut, x_title="s", start_label="θ₀", end_label="θ₁")
    marked = by_name(fig, "marked points")
    assert list(marked.x) == [0.0, 1.0, 1.0]
    i1 = int(np.flatnonzero(cut.s == 1.0)[0])
    assert marked.y[1] == cut.bound[i1] and marked.y[2] == cut.log_likelihood[i1]
    gap = cut.log_likelihood[i1] - cut.bound[i1]
    assert any(f"KL = {gap:.3g}" in a.text for a in fig.layout.annotations)
    assert by_name(fig, "next bound, q = γ of θ₁")


def test_hard_soft_figure_has_both_traces():
    fig = hard_soft_figure(np.array([-10.0, -5.0, -4.0]), np.array([-10.0, -6.0]))
    assert [t.name for t in fig.data] == ["EM (soft γ)", "classification EM (hard)"]


def test_optimum_names_prime_the_mirror_images():
    def opt(mirror):
        return LandscapeOptimum(MixtureParams([1.0], [0.0], [1.0]), 0.0, 1, mirror)

    optima = [opt(1), opt(0), opt(None), opt(4), opt(3)]
    assert optimum_names(optima) == ["A", "A′", "B", "C", "C′"]


def test_landscape_and_basin_figures():
    x = load_dataset("old_faithful_eruptions")
    w, v = np.array([0.5, 0.5]), np.array([0.3, 0.3])
    grid = mean_grid(x, 12)
    surface = mean_surface(x, w, v, grid, grid)
    path = np.array([[2.0, 4.0], [2.1, 4.2]])
    fig = landscape_figure(grid, grid, surface, path=path, restarts=path)
    click = by_name(fig, CLICK_TRACE)
    cells = np.asarray(click.customdata)
    assert np.array_equal(np.asarray(click.x), grid[cells[:, 0]])
    assert np.array_equal(np.asarray(click.y), grid[cells[:, 1]])
    assert list(by_name(fig, "EM path of the stepper").x) == [2.0, 2.1]
    basin_map = basins(x, w, v, grid, grid, var_floor=default_var_floor(x), tol=1e-6, max_iter=500)
    fig = basin_figure(basin_map)
    heat = by_name(fig, "basins")
    assert np.array_equal(np.asarray(heat.z), basin_map.labels)  # no "other" cells here
    colors = basin_colors(basin_map)
    for g, o in enumerate(basin_map.optima):
        if o.mirror is not None and o.mirror < g:
            assert colors[g].startswith("rgba(")  # the twin's hue, lighter


@pytest.mark.parametrize("with_candidates", [True, False])
def test_prediction_figure(with_candidates):
    edges = np.linspace(0, 10, 11)
    counts = np.arange(10)
    params = MixtureParams([0.5, 0.5], [3.0, 7.0], [1.0, 1.0])
    if with_candidates:
        cands = np.array([[3.5, 6.5], [2.0, 8.0], [4.0, 7.5]])
        fig = prediction_figure(edges, counts, params, candidates=cands)
        assert [list(by_name(fig, f"candidate {c}").x) for c in "ABC"] == cands.tolist()
    else:
        fig = prediction_figure(edges, counts, params, point=4.25)
        assert list(by_name(fig, "x_n").x) == [4.25, 4.25]
