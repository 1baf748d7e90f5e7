"""The figure builders (figures/) tested on the data they put in the figure, without Streamlit.

mixture_figure: which traces there are, their colours, that the bars and curves carry the right
numbers (checked against scipy), what the hover shows, how large the JSON gets, and that hostile
parameters never put NaN or ±inf in the figure. trace_figure and decreases: one point per log L,
the current iteration, the decrease marker (rounding noise excluded), the convergence line.
"""

from __future__ import annotations

import base64
import re

import numpy as np
import plotly.graph_objects as go
import pytest
from scipy.stats import norm

from figures import (
    MIXTURE_COLOR,
    TRUTH_COLOR,
    component_color,
    component_colors,
    mixture_figure,
    trace_figure,
)
from figures import palette as palette_module
from figures.convergence import aitken_trace_spec
from figures.notation import plain, subscript
from figures.palette import PALETTE, with_alpha
from figures.trace import CORNER_NOTE, DECREASE_COLOR, decreases
from gmm_core import MixtureParams, fit, sample
from gmm_core.binning import bin_edges, histogram, responsibility_by_bin

# ---------------------------------------------------------------- fixtures and helpers

THREE = MixtureParams([0.35, 0.45, 0.2], [-2.0, 1.5, 5.0], [1.0, 0.64, 1.69])
TWO = MixtureParams([0.6, 0.4], [-1.0, 3.0], [2.0, 0.5])

#: Okabe & Ito (2008), "Color Universal Design", without black.
OKABE_ITO = {
    "#E69F00": "orange",
    "#56B4E9": "sky blue",
    "#009E73": "bluish green",
    "#F0E442": "yellow",
    "#0072B2": "blue",
    "#D55E00": "vermillion",
    "#CC79A7": "reddish purple",
}
#: Paul Tol's "muted" qualitative scheme (https://personal.sron.nl/~pault/).
TOL_MUTED = {
    "#CC6677": "rose",
    "#332288": "indigo",
    "#DDCC77": "sand",
    "#117733": "green",
    "#88CCEE": "cyan",
    "#882255": "wine",
    "#44AA99": "teal",
    "#999933": "olive",
    "#AA4499": "purple",
    "#DDDDDD": "pale grey",
}


def ten_components() -> MixtureParams:
    return MixtureParams(np.full(10, 0.1), 4.0 * np.arange(10), np.linspace(0.5, 2.0, 10))


@pytest.fixture(scope="module")
def binned():
    """Data from THREE, its 60-bin histogram and every bin's shares Σγ under THREE."""
    x, _ = sample(THREE, 20_000, np.random.default_rng(3))
    edges = bin_edges(x, 60)
    counts = histogram(x, edges)
    shares = responsibility_by_bin(x, THREE, edges)
    return x, edges, counts, shares


def rgb(color: str) -> tuple[int, int, int]:
    """(r, g, b) of '#RRGGBB' or 'rgba(r,g,b,a)'."""
    if color.startswith("#"):
        return tuple(int(color[i : i + 2], 16) for i in (1, 3, 5))
    r, g, b = (int(v) for v in re.findall(r"[\d.]+", color)[:3])
    return r, g, b


def bars(fig: go.Figure) -> list[go.Bar]:
    return [t for t in fig.data if t.type == "bar"]


def component_curves(fig: go.Figure) -> list[go.Scatter]:
    """The weighted component curves π_k N(x | μ_k, σ_k²), in order of k."""
    return [t for t in fig.data if t.type == "scatter" and str(t.name).startswith("π")]


def gamma_traces(fig: go.Figure) -> list[go.Scatter]:
    """The γ_k(x) areas of row 2 (not the invisible placeholder drawn before any E-step)."""
    return [t for t in fig.data if t.yaxis == "y2" and t.name != "placeholder"]


def truth_traces(fig: go.Figure) -> list[go.Scatter]:
    return [t for t in fig.data if t.type == "scatter" and t.line.dash == "dash"]


def by_name(fig: go.Figure, name: str) -> list:
    return [t for t in fig.data if t.name == name]


def numbers(obj, path: str = ""):
    """Every numeric leaf of a figure dict, as (path, float ndarray)."""
    if isinstance(obj, dict) and "bdata" in obj:  # plotly 7's base64 typed array
        yield path, np.frombuffer(base64.b64decode(obj["bdata"]), dtype=obj["dtype"]).astype(float)
    elif isinstance(obj, dict):
        for key, value in obj.items():
            yield from numbers(value, f"{path}.{key}")
    elif isinstance(obj, (list, tuple)):
        if obj and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in obj):
            yield path, np.asarray(obj, dtype=float)
        else:
            for i, value in enumerate(obj):
                yield from numbers(value, f"{path}[{i}]")
    elif isinstance(obj, np.ndarray):
        if obj.dtype.kind in "fiu":
            yield path, obj.astype(float)
        elif obj.dtype == object:
            yield from numbers(obj.tolist(), path)
    elif isinstance(obj, (int, float, np.number)) and not isinstance(obj, bool):
        yield path, np.asarray([obj], dtype=float)


def assert_all_finite(fig: go.Figure) -> None:
    leaves = list(numbers(fig.to_dict()))
    assert any(".y" in p for p, _ in leaves)  # the walk does reach the data
    bad = [p for p, a in leaves if not np.all(np.isfinite(a))]
    assert not bad, f"non-finite numbers at {bad}"
    text = fig.to_json()
    assert "NaN" not in text and "Infinity" not in text


def full_figure(binned, **overrides) -> go.Figure:
    _, edges, counts, shares = binned
    options = {"bin_shares": shares, "responsibility_params": THREE, "truth": THREE}
    options.update(overrides)
    return mixture_figure(edges, counts, THREE, **options)


# ---------------------------------------------------------------- palette


def test_palette_is_the_documented_colour_blind_safe_colours():
    assert len(PALETTE) == 10
    assert all(re.fullmatch(r"#[0-9A-F]{6}", c) for c in PALETTE)
    # As the module says: Okabe–Ito's seven (no black) with yellow, the hardest to see on
    # white, kept for the tenth component; Tol's muted scheme for components 7–9.
    okabe = PALETTE[:6] + PALETTE[9:]
    assert set(okabe) == set(OKABE_ITO)
    assert PALETTE[9] == "#F0E442"
    assert all(c in TOL_MUTED for c in PALETTE[6:9])
    assert len(set(PALETTE)) == 10
    doc = palette_module.__doc__
    assert "Okabe" in doc and "Tol" in doc


def test_component_colours_are_distinct_and_cycle():
    colours = component_colors(10)
    assert colours == list(PALETTE)
    assert len(set(colours)) == 10
    assert component_color(10) == component_color(0)
    assert component_color(13) == component_color(3)
    assert MIXTURE_COLOR not in colours and TRUTH_COLOR not in colours


def test_with_alpha_keeps_the_colour():
    assert with_alpha("#0072B2", 0.5) == "rgba(0,114,178,0.5)"


# ---------------------------------------------------------------- mixture figure: traces


@pytest.mark.parametrize("k", [1, 2, 3, 10])
def test_trace_counts_with_everything(k):
    params = {1: MixtureParams([1.0], [0.0], [1.0]), 2: TWO, 3: THREE, 10: ten_components()}[k]
    x, _ = sample(params, 2_000, np.random.default_rng(k))
    edges = bin_edges(x, 40)
    counts = histogram(x, edges)
    shares = responsibility_by_bin(x, params, edges)
    fig = mixture_figure(
        edges, counts, params, bin_shares=shares, responsibility_params=params, truth=THREE
    )
    assert len(component_curves(fig)) == k
    assert len(by_name(fig, "mixture f(x)")) == 1
    assert len(bars(fig)) == k
    assert len(gamma_traces(fig)) == k
    assert all(t.type == "scatter" and t.stackgroup for t in gamma_traces(fig))
    assert len(truth_traces(fig)) == THREE.n_components  # the truth's K, not the model's
    assert len(fig.data) == 2 * k + 1 + k + THREE.n_components
    # Top panel: bars, truth, curves. Bottom panel: γ only.
    top = [t for t in fig.data if t.yaxis in (None, "y")]
    assert len(top) == 2 * k + 1 + THREE.n_components


def test_bare_figure_has_one_grey_bar_trace_no_gamma_no_truth(binned):
    _, edges, counts, _ = binned
    fig = mixture_figure(edges, counts, TWO)
    (grey,) = bars(fig)
    assert grey.name == "histogram"
    r, g, b = rgb(grey.marker.color)
    assert r == g == b  # grey
    assert len(component_curves(fig)) == 2
    assert len(by_name(fig, "mixture f(x)")) == 1
    assert gamma_traces(fig) == []
    assert truth_traces(fig) == []
    # One invisible placeholder keeps row 2 (and the shared x axis) drawn, with a note.
    (placeholder,) = by_name(fig, "placeholder")
    assert placeholder.yaxis == "y2" and placeholder.showlegend is False
    assert "after the first E-step" in fig.layout.annotations[0].text
    assert len(fig.data) == 1 + 2 + 1 + 1
    assert fig.layout.shapes == ()


def test_truth_is_dashed_and_grey(binned):
    fig = full_figure(binned)
    truth = truth_traces(fig)
    assert len(truth) == 3
    for t in truth:
        assert t.line.dash == "dash"
        assert t.line.color == TRUTH_COLOR
    assert sum(bool(t.showlegend) for t in truth) == 1  # one legend entry for the truth
    # Nothing else is dashed.
    assert all(t.line.dash != "dash" for t in component_curves(fig))


def test_truth_curves_are_the_true_weighted_densities(binned):
    fig = full_figure(binned)
    for k, t in enumerate(truth_traces(fig)):
        x = np.asarray(t.x, dtype=float)
        want = THREE.weights[k] * norm.pdf(x, THREE.means[k], THREE.stds[k])
        np.testing.assert_allclose(np.asarray(t.y, dtype=float), want, rtol=1e-6, atol=1e-12)


def test_highlight_adds_a_vertical_line(binned):
    fig = full_figure(binned, highlight_x=1.25)
    assert fig.layout.shapes
    assert all(s.x0 == s.x1 == 1.25 for s in fig.layout.shapes)
    assert full_figure(binned).layout.shapes == ()


# ---------------------------------------------------------------- colours


def test_component_colour_is_shared_by_curve_bars_and_gamma():
    params = ten_components()
    x, _ = sample(params, 5_000, np.random.default_rng(0))
    edges = bin_edges(x, 80)
    counts = histogram(x, edges)
    fig = mixture_figure(
        edges,
        counts,
        params,
        bin_shares=responsibility_by_bin(x, params, edges),
        responsibility_params=params,
    )
    curves, stacked, gammas = component_curves(fig), bars(fig), gamma_traces(fig)
    seen = set()
    for k in range(10):
        want = rgb(PALETTE[k])
        assert curves[k].line.color == PALETTE[k]
        assert rgb(stacked[k].marker.color) == want
        assert rgb(gammas[k].fillcolor) == want
        assert rgb(gammas[k].line.color) == want
        seen.add(want)
        # Legend groups tie the three together (clicking the curve hides its bars and γ).
        assert curves[k].legendgroup == stacked[k].legendgroup == gammas[k].legendgroup
    assert len(seen) == 10
    assert by_name(fig, "mixture f(x)")[0].line.color == MIXTURE_COLOR


# ---------------------------------------------------------------- numbers in the figure


def test_stacked_shares_sum_to_the_bin_density(binned):
    x, edges, counts, shares = binned
    fig = full_figure(binned)
    heights = np.array([np.asarray(b.y, dtype=float) for b in bars(fig)])
    width = (edges[-1] - edges[0]) / (edges.size - 1)
    density = counts / (x.size * width)
    # Each bar is its share in float32; the stack adds up to the bin's density.
    np.testing.assert_allclose(heights.sum(axis=0), density, rtol=1e-6, atol=1e-12)
    for k, h in enumerate(heights):
        np.testing.assert_array_equal(h, (shares[:, k] / (x.size * width)).astype(np.float32))
    # The grey histogram of the same data has the same heights.
    (grey,) = bars(mixture_figure(edges, counts, THREE))
    np.testing.assert_allclose(np.asarray(grey.y, dtype=float), density, rtol=1e-6)
    # Bars sit at the bin centres with the bin width; the histogram integrates to one.
    for b in bars(fig):
        np.testing.assert_allclose(b.x, 0.5 * (edges[1:] + edges[:-1]))
        assert b.width == pytest.approx(width)
    assert float(np.sum(density * width)) == pytest.approx(1.0)


def test_bar_hover_data_is_the_share_and_its_percentage(binned):
    _, _, counts, shares = binned
    fig = full_figure(binned)
    for k, b in enumerate(bars(fig)):
        custom = np.asarray(b.customdata, dtype=float)
        np.testing.assert_allclose(custom[:, 0], shares[:, k], rtol=1e-6)
        np.testing.assert_allclose(custom[:, 2], counts, rtol=1e-6)
        full = counts > 0
        np.testing.assert_allclose(custom[full, 1], 100 * shares[full, k] / counts[full], rtol=1e-5)
        assert np.all(custom[~full, 1] == 0)
        assert f"Σγ(zₙ{subscript(k + 1)})" in b.hovertemplate


@pytest.mark.parametrize("params", [THREE, TWO, MixtureParams([0.5, 0.5], [0.0, 0.0], [1.0, 9.0])])
def test_curves_are_the_weighted_normal_densities(binned, params):
    _, edges, counts, _ = binned
    fig = mixture_figure(edges, counts, params)
    curves = component_curves(fig)
    grid = np.asarray(curves[0].x, dtype=float)
    assert grid.size >= 100 and np.all(np.diff(grid) > 0)
    want = np.array(
        [
            params.weights[k] * norm.pdf(grid, params.means[k], params.stds[k])
            for k in range(params.n_components)
        ]
    )
    for k, curve in enumerate(curves):
        np.testing.assert_array_equal(curve.x, grid)  # one grid for every curve
        np.testing.assert_allclose(np.asarray(curve.y, dtype=float), want[k], rtol=1e-6, atol=1e-12)
    (mixture,) = by_name(fig, "mixture f(x)")
    np.testing.assert_allclose(
        np.asarray(mixture.y, dtype=float), want.sum(axis=0), rtol=1e-6, atol=1e-12
    )
    # The grid covers the histogram.
    assert grid[0] <= edges[0] and grid[-1] >= edges[-1]


def test_grid_widens_to_show_components_outside_the_data(binned):
    _, edges, counts, _ = binned
    outside = MixtureParams([0.5, 0.5], [edges[-1] + 2.0, 0.0], [1.0, 1.0])
    grid = np.asarray(component_curves(mixture_figure(edges, counts, outside))[0].x)
    assert grid[-1] >= edges[-1] + 2.0 + 3.0 - 1e-9


def test_gamma_rows_sum_to_one_and_match_bayes(binned):
    fig = full_figure(binned, responsibility_params=TWO)
    gammas = gamma_traces(fig)
    grid = np.asarray(gammas[0].x, dtype=float)
    stack = np.array([np.asarray(t.y, dtype=float) for t in gammas])
    assert np.all(stack >= 0) and np.all(stack <= 1 + 1e-7)
    np.testing.assert_allclose(stack.sum(axis=0), 1.0, atol=1e-6)
    joint = np.array([TWO.weights[k] * norm.pdf(grid, TWO.means[k], TWO.stds[k]) for k in range(2)])
    np.testing.assert_allclose(stack, joint / joint.sum(axis=0), atol=1e-6)
    assert list(fig.layout.yaxis2.range) == pytest.approx([0, 1.001])


def test_hover_templates_show_the_parameters(binned):
    params = MixtureParams([0.123456, 0.876544], [-1.23456, 7.891011], [0.345678, 12.3456])
    _, edges, counts, _ = binned
    fig = mixture_figure(edges, counts, params, truth=THREE)
    for k, curve in enumerate(component_curves(fig)):
        hover, s = curve.hovertemplate, "₁₂"[k]
        assert curve.name == f"π{s}·N(x | μ{s}, σ{s}²)"
        assert f"μ{s} = {plain(params.means[k], 4)}" in hover
        sigma, variance = plain(params.stds[k], 4), plain(params.variances[k], 4)
        assert f"σ{s} = {sigma} (σ{s}² = {variance})" in hover
        assert f"π{s} = {params.weights[k]:.3f}" in hover
    for k, t in enumerate(truth_traces(fig)):
        assert f"μ = {plain(THREE.means[k], 4)}" in t.hovertemplate
        assert f"σ = {plain(THREE.stds[k], 4)}" in t.hovertemplate
        assert f"π = {THREE.weights[k]:.3f}" in t.hovertemplate
    assert "μ₁ = −1.235" in component_curves(fig)[0].hovertemplate  # the true minus


# ---------------------------------------------------------------- size


@pytest.fixture(scope="module")
def million_points():
    params = ten_components()
    x, _ = sample(params, 1_000_000, np.random.default_rng(11))
    edges = bin_edges(x, 200)
    return params, x, edges, histogram(x, edges), responsibility_by_bin(x, params, edges)


#: The data panel lets the user generate from at most 6 true components (ui.data_panel).
APP_MAX_TRUE_COMPONENTS = 6


@pytest.mark.parametrize(
    "truth_k",
    [
        0,
        APP_MAX_TRUE_COMPONENTS,
        10,
    ],
)
def test_figure_json_stays_small_at_a_million_points(million_points, truth_k):
    params, x, edges, counts, shares = million_points
    assert edges.size == 201 and counts.sum() == x.size
    truth = None
    if truth_k:
        k = truth_k
        truth = MixtureParams(np.full(k, 1 / k), 3.0 * np.arange(k), np.ones(k))
    fig = mixture_figure(
        edges,
        counts,
        params,
        bin_shares=shares,
        responsibility_params=params,
        truth=truth,
        highlight_x=float(x[0]),
    )
    for t in fig.data:
        for key in ("x", "y", "customdata"):
            values = getattr(t, key, None)
            if values is not None:
                assert len(values) <= 1000, (t.name, key, len(values))
    size = len(fig.to_json())
    assert size < 300_000, f"{size / 1e3:.0f} KB"


# ---------------------------------------------------------------- hostile parameters


def _assert_hostile_figure_finite(edges, counts, params, truth=None):
    fig = mixture_figure(
        edges,
        counts,
        params,
        bin_shares=np.outer(counts, params.weights),
        responsibility_params=params,
        truth=truth or params,
        highlight_x=float(edges[1]),
    )
    assert_all_finite(fig)
    gammas = np.array([np.asarray(t.y, dtype=float) for t in gamma_traces(fig)])
    np.testing.assert_allclose(gammas.sum(axis=0), 1.0, atol=1e-6)
    return fig


@pytest.mark.parametrize(
    "params",
    [
        MixtureParams([0.5, 0.5], [0.0, 1.0], [1e-300, 1.0]),  # a collapsed component
        MixtureParams([0.5, 0.5], [-5.0, 1.0], [1e-300, 1.0]),  # …on the grid's first point
        MixtureParams([1.0, 0.0], [0.0, 1.0], [1.0, 1.0]),  # a weight of 0
        MixtureParams([1.0, 0.0], [0.0, 1.0], [1e-300, 1e-300]),  # both at once
        MixtureParams([0.5, 0.5], [1e6, -1e6], [1e-3, 1e-3]),  # components far off the data
    ],
    ids=["var-1e-300", "var-1e-300-on-grid", "weight-0", "both", "far-off"],
)
def test_hostile_parameters_give_no_nan_or_inf(params):
    edges = np.linspace(-5.0, 5.0, 51)
    counts = np.arange(50)
    _assert_hostile_figure_finite(edges, counts, params)


def test_hostile_data_far_from_zero():
    """x = 1e12 ± 1e-3: the doubles there are 1.2e-4 apart, so bin_edges makes fewer, wider bins
    (each at least 8 representable steps) rather than unequal or empty ones."""
    truth = MixtureParams([0.5, 0.5], [1e12 - 5e-4, 1e12 + 5e-4], [1e-8, 1e-8])
    x, _ = sample(truth, 20_000, np.random.default_rng(0))
    for n_bins in (10, 200):
        edges = bin_edges(x, n_bins)
        counts = histogram(x, edges)
        shares = responsibility_by_bin(x, truth, edges)
        fig = mixture_figure(
            edges, counts, truth, bin_shares=shares, responsibility_params=truth, truth=truth
        )
        assert_all_finite(fig)
        heights = np.sum([np.asarray(b.y, dtype=float) for b in bars(fig)], axis=0)
        assert 1 <= edges.size - 1 <= n_bins
        width = (edges[-1] - edges[0]) / (edges.size - 1)
        assert np.all(np.diff(edges) > 0)
        # The histogram is still a density: its area is one.
        assert float(heights.sum() * width) == pytest.approx(1.0, rel=1e-5)
        _assert_hostile_figure_finite(edges, counts, truth)


def test_points_too_far_for_every_collapsed_component():
    """Both variances 1e-300 and x 1e5 away: each (x − μ)²/σ² overflows to inf."""
    params = MixtureParams([0.5, 0.5], [0.0, 1.0], [1e-300, 1e-300])
    edges = np.linspace(-1e5, 1e5, 51)
    counts = np.arange(50)
    fig = mixture_figure(edges, counts, params, responsibility_params=params)
    assert_all_finite(fig)


# ---------------------------------------------------------------- decreases


@pytest.mark.parametrize(
    ("ll", "expected"),
    [
        ([], []),
        ([-5.0], []),
        ([-10.0, -5.0, -4.0, -4.0, -3.9], []),  # flat steps are not decreases
        ([-10.0, -11.0, -5.0, -6.0], [1, 3]),
        ([0.0, -1e-3], [1]),  # near zero the tolerance is absolute (1e-9)
        ([-1e6, -1e6 - 1e-2], [1]),  # 1e-8 relative: a real drop
        ([3.0, 2.0, 1.0], [1, 2]),
    ],
)
def test_decreases_finds_real_drops(ll, expected):
    assert decreases(np.array(ll)).tolist() == expected


def test_decreases_ignores_rounding_noise():
    rng = np.random.default_rng(0)
    # A converged trace at −1.4e6 wobbling at 1e-12 relative (sums of 1e6 terms do that).
    ll = -1.4e6 + np.cumsum(np.r_[0, np.full(20, 1e-3)]) + rng.normal(0, 1.4e-6, 21)
    assert decreases(ll).size == 0
    # Drops of a few ulp near zero, and of 1e-10 relative far from it.
    assert decreases(np.array([-0.5, -0.5 - 1e-15, -0.5 + 1e-15])).size == 0
    assert decreases(np.array([-2e7, -2e7 - 2e-3, -2e7])).size == 0
    # Two real iterations of EM never decrease.
    x, _ = sample(THREE, 3_000, np.random.default_rng(1))
    assert decreases(fit(x, 3, seed=0).log_likelihoods).size == 0


# ---------------------------------------------------------------- trace figure


def test_trace_has_one_point_per_log_likelihood_and_marks_current():
    ll = np.array([-120.0, -100.0, -95.0, -94.5, -94.4])
    fig = trace_figure(ll, current=2)
    (line,) = by_name(fig, "log L")
    np.testing.assert_array_equal(line.x, np.arange(5))
    np.testing.assert_array_equal(line.y, ll)
    (current,) = by_name(fig, "current")
    assert list(current.x) == [2] and list(current.y) == [-95.0]
    assert by_name(fig, "decrease") == [] and fig.layout.annotations == ()
    assert fig.layout.shapes == ()
    assert_all_finite(fig)


def test_trace_single_point_and_out_of_range_current():
    fig = trace_figure(np.array([-3.0]), current=0)
    assert len(by_name(fig, "log L")[0].x) == 1
    assert len(by_name(fig, "current")) == 1
    assert by_name(trace_figure(np.array([-3.0, -2.0]), current=5), "current") == []


def test_trace_marks_decreases_with_a_trace_and_an_annotation():
    ll = np.array([-120.0, -100.0, -101.0, -94.5, -94.6])
    fig = trace_figure(ll, current=4)
    (bad,) = by_name(fig, "decrease")
    assert list(bad.x) == [2, 4]
    assert list(bad.y) == [-101.0, -94.6]
    assert bad.marker.color == DECREASE_COLOR
    (note,) = fig.layout.annotations
    assert "decreased" in note.text and note.x == 2 and note.y == -101.0


def test_trace_ignores_rounding_level_drops():
    ll = np.array([-2e7, -1.9e7, -1.9e7 - 1e-5, -1.9e7 - 2e-5])
    fig = trace_figure(ll, current=3)
    assert by_name(fig, "decrease") == []
    assert not [a for a in fig.layout.annotations if "decreased" in a.text]


def test_trace_convergence_line_iff_converged():
    ll = np.linspace(-100.0, -90.0, 8)
    assert trace_figure(ll, current=7).layout.shapes == ()
    fig = trace_figure(ll, current=7, converged_at=5)
    (line,) = fig.layout.shapes
    assert line.x0 == line.x1 == 5
    assert any("converged at 5" in a.text for a in fig.layout.annotations)
    assert by_name(fig, "decrease") == []  # the label is not the decrease annotation


def test_trace_of_a_long_run_is_small():
    ll = -1e5 + np.log1p(np.arange(5_001.0))
    fig = trace_figure(ll, current=5_000, converged_at=4_000)
    assert len(fig.to_json()) < 300_000
    assert_all_finite(fig)


def test_a_collapsed_component_is_drawn_at_its_true_height():
    # Old Faithful's repeated 1.833: component 1 on one value, σ₁² = 1e-8 (between two grid
    # points of an even 300-point grid its curve would be drawn at ~0).
    params = MixtureParams([0.05, 0.95], [1.833, 3.5], [1e-8, 1.0])
    edges = np.linspace(1.6, 5.1, 36)
    fig = mixture_figure(edges, np.full(35, 8), params, bin_shares=None)
    spike = np.asarray(component_curves(fig)[0].y, dtype=float)
    np.testing.assert_allclose(spike.max(), 0.05 / np.sqrt(2 * np.pi * 1e-8), rtol=1e-6)
    assert component_curves(fig)[0].x[int(np.argmax(spike))] == pytest.approx(1.833, abs=1e-12)
    # The axis keeps the histogram readable (≤ 3× its tallest bar) and names the cut-off peak.
    top = fig.layout.yaxis.range[1]
    assert top == pytest.approx(1.05 * 3 * 8 / (8 * 35 * 0.1))
    (note,) = [a for a in fig.layout.annotations if "peaks at" in a.text]
    assert note.text == f"▲ π₁·N peaks at {0.05 / np.sqrt(2 * np.pi * 1e-8):.3g}"
    assert note.x == pytest.approx(1.833)


def test_text_on_every_component_colour_is_readable():
    """The parameter table writes k on its component's colour: WCAG contrast ≥ 4.5 (AA)."""

    def luminance(hex_color: str) -> float:
        c = np.array([int(hex_color[i : i + 2], 16) / 255 for i in (1, 3, 5)])
        c = np.where(c <= 0.03928, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
        return float(c @ [0.2126, 0.7152, 0.0722])

    for colour in PALETTE:
        text = palette_module.text_color_on(colour)
        lighter, darker = sorted([luminance(colour), luminance(text)], reverse=True)
        assert (lighter + 0.05) / (darker + 0.05) >= 4.5, (colour, text)


def test_every_note_on_the_trace_is_readable_on_white():
    """The trace's notes ("limit ≈", "converged at", θ₀'s log L) are text in colour on white:
    WCAG contrast ≥ 4.5 (AA). The limit's pink (3.1) was faint on a projector."""
    ll = np.array([-2500.0, -2310.0, -2306.0, -2305.5, -2305.4, -2305.38])
    specs = [
        aitken_trace_spec(ll[:5], current=4),  # "limit ≈", θ₀ below
        aitken_trace_spec(ll, current=5, converged_at=5),  # "converged at"
    ]
    colours = {a["font"]["color"] for s in specs for a in s["layout"]["annotations"]
               if a.get("name") == CORNER_NOTE}  # fmt: skip
    assert len(colours) == 3, colours
    for colour in colours:
        assert 1.05 / (palette_module._luminance(colour) + 0.05) >= 4.5, colour


def test_trace_says_where_theta_0_went_when_the_axis_focuses_on_convergence():
    ll = np.array([-2500.0, -2310.0, -2306.0, -2305.5, -2305.4])
    fig = trace_figure(ll, current=4)
    low, high = fig.layout.yaxis.range
    assert low > ll[0] and low < ll[1:].min() and high > ll[1:].max()
    notes = [a.text for a in fig.layout.annotations]
    assert "↓ θ₀ below: log L = −2,500.0000" in notes
    # Without the jump nothing is off the axis and nothing is said.
    steady = np.array([-2306.0, -2305.0, -2304.0, -2303.0])
    assert not trace_figure(steady, current=0).layout.annotations


def test_subscripts_are_unicode_digits():
    from figures.notation import subscript

    assert subscript(12) == "₁₂"


def test_the_density_axis_shows_the_true_components_whole(binned):
    _, edges, counts, _ = binned
    narrow_truth = MixtureParams([0.5, 0.5], [0.0, 3.0], [0.01, 0.01])  # tall, thin bumps
    fig = mixture_figure(edges, counts, THREE, truth=narrow_truth)
    truth_top = max(float(np.max(t.y)) for t in truth_traces(fig))
    bars = max(float(np.max(t.y)) for t in fig.data if t.type == "bar")
    assert fig.layout.yaxis.range[1] >= min(truth_top, 3 * bars)
