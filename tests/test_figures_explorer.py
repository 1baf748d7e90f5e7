"""The restart explorer's figures (figures/explorer.py) and the model-selection figure
(figures/selection.py), tested on the data they put in the figure, without Streamlit.

final_loglik_figure: one trace per init method in its colour, every finite run once (its index
in customdata), the best level marked, the selected run highlighted. traces_figure: one line per
run, one legend entry per method, the selected run bold, decimation within its tolerance, JSON
under 300 KB for 200 runs. optima_figure: grey histogram plus one labelled f(x) per optimum (at
most eight). criteria_figure: solid/dashed lines per criterion and variance model, stars at the
best models, "lower is better". Hostile input never puts NaN or ±inf into a figure.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import norm
from test_figures import assert_all_finite, rgb

from figures import METHOD_COLORS, criteria_figure, final_loglik_figure, method_color
from figures import optima_figure as optima_fig
from figures import traces_figure as traces_fig
from figures.explorer import (
    MAX_OPTIMA_DRAWN,
    OTHER_METHOD_COLOR,
    decimate,
    method_order,
    optimum_color,
)
from figures.mixture import density_axis_top
from figures.palette import MIXTURE_COLOR, PALETTE
from figures.selection import CRITERION_COLORS
from gmm_core import INIT_METHODS, MixtureParams

SIZE_LIMIT = 300_000
METHODS4 = ("random", "kmeans++", "quantile", "kmeans")


def runs(n_runs: int = 40, seed: int = 0):
    """(final log L, methods, optimum) of ``n_runs`` fake restarts: three optima."""
    rng = np.random.default_rng(seed)
    methods = [METHODS4[r % 4] for r in range(n_runs)]
    optimum = rng.integers(0, 3, n_runs)
    ll = np.array([-1000.0, -1010.5, -1033.25])[optimum]
    return ll, methods, optimum


def em_like_traces(n_runs: int, n_iter: int, seed: int = 0) -> list[np.ndarray]:
    """Increasing, converging traces with long flat tails, as EM gives."""
    rng = np.random.default_rng(seed)
    t = np.arange(n_iter + 1)
    return [
        -3000.0
        - rng.uniform(20, 40) * (1 - 0.1 * (r % 3))
        - 2000.0 * np.exp(-t / rng.uniform(3, 80))
        for r in range(n_runs)
    ]


def legend_entries(fig) -> list[str]:
    return [t.name for t in fig.data if t.showlegend is not False]


# ---------------------------------------------------------------- method colours


def test_method_colours_cover_the_init_methods_and_manual_and_are_safe_and_distinct():
    assert set(METHOD_COLORS) == {*INIT_METHODS, "manual"}
    colours = list(METHOD_COLORS.values())
    assert len(set(colours)) == len(colours) == 5
    assert all(c in PALETTE[:6] for c in colours)  # the Okabe–Ito part of the palette
    assert method_color("kmeans++") == METHOD_COLORS["kmeans++"]
    assert method_color("something else") == OTHER_METHOD_COLOR not in colours


def test_method_order_puts_known_methods_first_in_their_order():
    assert method_order(["kmeans", "mine", "random", "kmeans", "zz"]) == [
        "random",
        "kmeans",
        "mine",
        "zz",
    ]


# ---------------------------------------------------------------- final log L strip


def test_strip_has_one_coloured_trace_per_method_holding_its_runs():
    ll, methods, optimum = runs()
    fig = final_loglik_figure(ll, methods, optimum, selected=None)
    assert [t.name for t in fig.data] == list(METHODS4)
    seen = []
    for position, trace in enumerate(fig.data):
        assert trace.marker.color == METHOD_COLORS[trace.name]
        assert trace.mode == "markers"
        custom = np.asarray(trace.customdata)
        run_ids = custom[:, 0].astype(int)
        assert all(methods[r] == trace.name for r in run_ids)
        np.testing.assert_array_equal(np.asarray(trace.y), ll[run_ids])
        np.testing.assert_array_equal(custom[:, 1], optimum[run_ids] + 1)
        x = np.asarray(trace.x)
        assert np.all(np.abs(x - position) < 0.3)  # jittered around its column
        assert np.unique(x).size == x.size
        seen += run_ids.tolist()
    assert sorted(seen) == list(range(len(ll)))  # every run exactly once
    # Level, every other one a line lower (neighbours never collide).
    assert list(fig.layout.xaxis.ticktext) == [
        ("<br>" if i % 2 else "") + f"{m} (10)" for i, m in enumerate(METHODS4)
    ]
    assert fig.layout.xaxis.tickangle == 0  # level: rotated, the last ran out of the figure
    assert fig.layout.clickmode == "event+select"


def test_strip_marks_the_best_level_and_the_selected_run():
    ll, methods, optimum = runs()
    fig = final_loglik_figure(ll, methods, optimum, selected=7)
    (line,) = fig.layout.shapes
    assert line.y0 == line.y1 == ll.max() == -1000.0
    said = "best run stopped at log L = −1,000.0000"
    (note,) = [a for a in fig.layout.annotations if said in a.text]
    assert note.yshift >= 12  # above the dots on the line (the selected run's ring: 9 px)
    low, high = fig.layout.yaxis.range  # with room above the line for the note
    finite = ll[np.isfinite(ll)]
    assert low < finite.min() and high - ll.max() > 0.1 * (ll.max() - finite.min())
    (highlight,) = [t for t in fig.data if t.name == "selected run"]
    assert fig.data[-1] is highlight
    assert list(np.asarray(highlight.customdata)[:, 0]) == [7]
    assert highlight.y == (ll[7],)
    column = next(t for t in fig.data if t.name == methods[7])
    row = list(np.asarray(column.customdata)[:, 0]).index(7)
    assert highlight.x[0] == column.x[row]  # on top of its point
    # Out of range: nothing highlighted, no error.
    assert "selected run" not in [
        t.name for t in final_loglik_figure(ll, methods, optimum, selected=999).data
    ]


def test_strip_hover_shows_seed_and_iterations_when_given():
    ll, methods, optimum = runs(8)
    fig = final_loglik_figure(
        ll, methods, optimum, seeds=np.arange(8) + 100, iterations=np.arange(8) * 3
    )
    trace = fig.data[0]
    assert "seed %{customdata[2]}" in trace.hovertemplate
    assert "%{customdata[3]} iterations" in trace.hovertemplate
    assert "run %{customdata[0]}" in trace.hovertemplate
    custom = np.asarray(trace.customdata)
    np.testing.assert_array_equal(custom[:, 2], custom[:, 0] + 100)
    np.testing.assert_array_equal(custom[:, 3], custom[:, 0] * 3)
    plain = final_loglik_figure(ll, methods, optimum).data[0].hovertemplate
    assert "seed" not in plain and "iterations" not in plain


def test_strip_leaves_out_non_finite_runs_and_says_so():
    ll, methods, optimum = runs(12)
    ll[[1, 5]] = [np.nan, -np.inf]
    fig = final_loglik_figure(ll, methods, optimum, selected=1)
    assert_all_finite(fig)
    shown = sorted(int(r) for t in fig.data for r in np.asarray(t.customdata)[:, 0])
    assert shown == [r for r in range(12) if r not in (1, 5)]
    assert any("2 runs without a finite log L" in a.text for a in fig.layout.annotations)


def test_strip_with_no_runs_or_no_finite_runs():
    fig = final_loglik_figure(np.zeros(0), [], np.zeros(0, dtype=int))
    assert all(len(t.x) == 0 for t in fig.data)
    assert "no runs yet" in fig.layout.annotations[0].text
    fig = final_loglik_figure(np.array([np.nan]), ["random"], np.array([0]))
    assert "no run has a finite log L" in fig.layout.annotations[0].text


def test_strip_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match="one entry per run"):
        final_loglik_figure(np.zeros(3), ["random"] * 2, np.zeros(3, dtype=int))


def test_strip_of_a_thousand_runs_is_small():
    ll, methods, optimum = runs(1000)
    fig = final_loglik_figure(
        ll, methods, optimum, selected=3, seeds=np.arange(1000), iterations=np.arange(1000)
    )
    assert len(fig.to_json()) < SIZE_LIMIT


# ---------------------------------------------------------------- traces overlaid


def test_traces_one_line_per_run_one_legend_entry_per_method():
    traces = em_like_traces(20, 50)
    methods = [METHODS4[r % 4] for r in range(20)]
    fig = traces_fig(traces, methods)
    assert len(fig.data) == 20
    assert legend_entries(fig) == list(METHODS4)
    for run, trace in enumerate(fig.data):
        assert trace.meta == {"run": run}
        assert trace.legendgroup == trace.name == methods[run]
        assert trace.line.width == 1
        assert rgb(trace.line.color) == rgb(METHOD_COLORS[methods[run]])
        assert "rgba" in trace.line.color and trace.line.color.endswith(",0.35)")
        assert f"run {run} · {methods[run]}" in trace.hovertemplate
        x = np.asarray(trace.x)
        assert x[0] == 0 and x[-1] == 50 and np.all(np.diff(x.astype(int)) > 0)
    assert fig.layout.xaxis.title.text == "iteration t"


def test_traces_selected_run_is_bold_and_on_top():
    traces = em_like_traces(12, 40)
    methods = [METHODS4[r % 4] for r in range(12)]
    fig = traces_fig(traces, methods, selected=5)
    assert len(fig.data) == 13
    top = fig.data[-1]
    assert top.name == "run 5 (selected)" and top.meta == {"run": 5}
    assert top.line.width == 3 and top.line.color == METHOD_COLORS[methods[5]]
    assert top.showlegend is True
    np.testing.assert_array_equal(top.y, fig.data[5].y)


def test_traces_drawn_points_stay_within_the_tolerance():
    traces = em_like_traces(30, 400)
    fig = traces_fig(traces, ["kmeans++"] * 30)
    low, high = fig.layout.yaxis.range
    tolerance = (high - low) / 2000
    for trace, original in zip(fig.data, traces, strict=True):
        x, y = np.asarray(trace.x, dtype=float), np.asarray(trace.y)
        redrawn = np.interp(np.arange(original.size), x, y)
        assert np.max(np.abs(redrawn - original)) <= tolerance
        # The flat tail (the last half-tolerance of the climb) is at most a few points.
        tail = np.flatnonzero(original > original[-1] - tolerance / 2)[0]
        assert np.sum(x > tail) <= 3
    # A run converged within a few iterations is a handful of points.
    fast = -3000.0 - 2000.0 * np.exp(-np.arange(401) / 3.0)
    assert len(traces_fig([fast], ["kmeans"]).data[0].x) < 60


@given(
    st.lists(st.floats(-1e6, 1e6), min_size=0, max_size=60),
    st.floats(1e-6, 1e5),
)
def test_decimate_keeps_ends_and_error_below_tolerance(values, tolerance):
    y = np.asarray(values, dtype=float)
    kept = decimate(y, tolerance)
    if y.size == 0:
        assert kept.size == 0
        return
    assert kept[0] == 0 and kept[-1] == y.size - 1 and np.all(np.diff(kept) > 0)
    redrawn = np.interp(np.arange(y.size), kept, y[kept])
    assert np.max(np.abs(redrawn - y)) <= tolerance * (1 + 1e-9) + 1e-9 * np.abs(y).max()


def test_decimate_flat_line_is_two_points():
    assert decimate(np.full(1000, -5.0), 1e-3).tolist() == [0, 999]
    assert decimate(np.arange(5.0), 0.0).tolist() == [0, 1, 2, 3, 4]  # no tolerance: all


@pytest.mark.parametrize("n_iter", [500, 1000])
@pytest.mark.parametrize("shape", ["em", "steady-rise", "noise"])
def test_traces_of_200_runs_stay_under_300_kb(n_iter, shape):
    rng = np.random.default_rng(1)
    if shape == "em":
        traces = em_like_traces(200, n_iter)
    elif shape == "steady-rise":  # slow convergence: every iteration visible
        traces = [-5000.0 + np.linspace(-300, 0, n_iter + 1) * (1 + r / 200) for r in range(200)]
    else:  # a broken run wobbling every iteration
        traces = [-5000.0 + rng.normal(0, 50, n_iter + 1) for _ in range(200)]
    methods = [METHODS4[r % 4] for r in range(200)]
    fig = traces_fig(traces, methods, selected=17)
    size = len(fig.to_json())
    assert size < SIZE_LIMIT, f"{size / 1e3:.0f} KB"
    assert len(fig.data) == 201
    assert legend_entries(fig) == [*METHODS4, "run 17 (selected)"]


def test_traces_hostile_input():
    traces = [
        np.array([]),  # no iterations at all
        np.array([np.nan, -np.inf, np.nan]),  # nothing finite
        np.array([-1e300, np.nan, 1e300, np.inf, 5.0]),  # extremes, gaps
        np.array([-7.0]),  # one point
        np.full(700, -2.0),  # flat
    ]
    fig = traces_fig(traces, ["random", "kmeans", "manual", "quantile", "odd"], selected=1)
    assert_all_finite(fig)
    assert [t.meta["run"] for t in fig.data] == [2, 3, 4]  # runs with a finite value
    assert list(fig.data[2].x) == [0, 699]
    assert fig.data[2].line.color.startswith("rgba(119,119,119")  # unknown method: grey
    assert list(fig.data[0].x) == [0, 2, 4]
    empty = traces_fig([], [])
    assert empty.data == () and "no runs yet" in empty.layout.annotations[0].text


def test_traces_reject_mismatched_lengths():
    with pytest.raises(ValueError, match="one entry per run"):
        traces_fig([np.zeros(3)], ["random", "kmeans"])


# ---------------------------------------------------------------- optima


def optima_inputs(n_optima: int):
    edges = np.linspace(-6.0, 8.0, 57)
    centres = 0.5 * (edges[1:] + edges[:-1])
    counts = np.round(1000 * (norm.pdf(centres, -2, 1) + norm.pdf(centres, 3, 1.2))).astype(int)
    optima = [
        MixtureParams([0.5, 0.5], [-2.0 + 0.3 * i, 3.0 - 0.2 * i], [1.0, 1.44 + 0.1 * i])
        for i in range(n_optima)
    ]
    ll = -2000.0 - 7.5 * np.arange(n_optima)
    shares = np.full(n_optima, 1.0 / n_optima)
    return edges, counts, optima, ll, shares


def test_optima_figure_grey_histogram_and_one_labelled_curve_per_optimum():
    edges, counts, optima, ll, _ = optima_inputs(3)
    shares = np.array([0.45, 0.5, 0.05])
    fig = optima_fig(edges, counts, optima, ll, shares, x_label="length (cm)")
    bars, *curves = fig.data
    assert bars.type == "bar" and bars.name == "histogram"
    r, g, b = rgb(bars.marker.color)
    assert r == g == b
    assert [c.name for c in curves] == [
        "optimum 1: log L = −2,000.0000, 45% of runs",
        "optimum 2: log L = −2,007.5000, 50% of runs",
        "optimum 3: log L = −2,015.0000, 5% of runs",
    ]
    assert curves[0].line.color == MIXTURE_COLOR and curves[0].line.width > curves[1].line.width
    assert [c.line.color for c in curves] == [optimum_color(i) for i in range(3)]
    assert len({c.line.color for c in curves}) == 3
    for params, curve in zip(optima, curves, strict=True):
        grid = np.asarray(curve.x)
        want = sum(
            params.weights[k] * norm.pdf(grid, params.means[k], params.stds[k]) for k in range(2)
        )
        np.testing.assert_allclose(np.asarray(curve.y, dtype=float), want, rtol=1e-6, atol=1e-12)
    assert fig.layout.xaxis.title.text == "length (cm)"
    assert fig.layout.legend.title.text is None
    assert len(fig.to_json()) < SIZE_LIMIT


def test_optima_figure_draws_at_most_eight_and_says_so_in_the_legend():
    edges, counts, optima, ll, shares = optima_inputs(12)
    fig = optima_fig(edges, counts, optima, ll, shares)
    assert len(fig.data) == 1 + MAX_OPTIMA_DRAWN == 9
    assert fig.layout.legend.title.text == "8 of 12 optima drawn (the other 4: 33% of runs)"
    assert len(fig.to_json()) < SIZE_LIMIT


def test_optima_figure_hostile_optima_and_tiny_shares():
    edges, counts, _, _, _ = optima_inputs(1)
    optima = [
        MixtureParams([0.5, 0.5], [0.0, 1.0], [1e-300, 1.0]),  # collapsed: a 1e149 spike
        MixtureParams([1.0, 0.0], [1e6, 0.0], [1e-3, 1.0]),  # far off, weight 0
    ]
    fig = optima_fig(edges, counts, optima, np.array([np.inf, np.nan]), np.array([0.998, 0.002]))
    assert_all_finite(fig)
    assert fig.data[1].name == "optimum 1: log L = n/a, 100% of runs"
    assert fig.data[2].name == "optimum 2: log L = n/a, <1% of runs"
    # The spike is cut off rather than squashing the histogram to nothing.
    top = fig.layout.yaxis.range[1]
    assert top <= 1.05 * 3 * float(np.max(fig.data[0].y)) + 1e-12
    empty = optima_fig(edges, counts, [], np.zeros(0), np.zeros(0))
    assert len(empty.data) == 1 and "no optima yet" in empty.layout.annotations[0].text


def test_density_axis_top():
    assert density_axis_top(0.2, 0.1) == pytest.approx(0.21)
    assert density_axis_top(0.2, 0.3) == pytest.approx(0.315)
    assert density_axis_top(0.2, 1e149) == pytest.approx(1.05 * 0.6)
    assert density_axis_top(0.0, 0.4) == pytest.approx(0.42)
    assert density_axis_top(0.0, 0.0) == 1.0
    assert density_axis_top(np.nan, np.inf) == 1.0


# ---------------------------------------------------------------- model selection


def selection_inputs():
    ks = np.array([1, 2, 3, 4, 1, 2, 3, 4])
    tied = np.array([False] * 4 + [True] * 4)
    bic = np.array([120.0, 100.0, 104.0, 110.0, 120.0, 98.0, 103.0, 108.0])
    aic = bic - 10.0 * ks
    icl = bic + np.array([0, 5, 9, 14, 0, 6, 8, 15.0])
    return ks, bic, aic, icl, tied


def test_criteria_lines_solid_and_dashed_per_criterion():
    ks, bic, aic, icl, tied = selection_inputs()
    best = {"bic": (2, True), "aic": (4, True), "icl": (1, False)}
    fig = criteria_figure(ks[::-1], bic[::-1], aic[::-1], icl[::-1], tied[::-1], best=best)
    lines = [t for t in fig.data if t.mode == "lines+markers"]
    assert [t.name for t in lines] == [
        f"{c}, {m} σ²" for c in ("BIC", "AIC", "ICL") for m in ("unequal", "equal")
    ]
    values = {"BIC": bic, "AIC": aic, "ICL": icl}
    for t in lines:
        name = t.name.split(",")[0]
        equal = "unequal" not in t.name
        assert t.line.dash == ("dash" if equal else "solid")
        assert t.line.color == CRITERION_COLORS[name] and t.legendgroup == name
        assert list(t.x) == [1, 2, 3, 4]  # sorted by K whatever the input order
        np.testing.assert_array_equal(t.y, values[name][tied == equal])
    assert len(set(CRITERION_COLORS.values())) == 3
    assert "lower is better" in fig.layout.yaxis.title.text
    assert len(fig.to_json()) < SIZE_LIMIT


def test_criteria_best_models_are_starred():
    ks, bic, aic, icl, tied = selection_inputs()
    best = {"BIC": (2, True), "aic": (4, True), "ICL": (1, False)}
    fig = criteria_figure(ks, bic, aic, icl, tied, best=best)
    stars = [t for t in fig.data if t.mode == "markers"]
    assert [t.name for t in stars] == [
        "best BIC: K = 2, equal σ²",
        "best AIC: K = 4, equal σ²",
        "best ICL: K = 1, unequal σ²",
    ]
    assert all(t.marker.symbol == "star" for t in stars)
    assert [(t.x[0], t.y[0]) for t in stars] == [(2, 98.0), (4, 68.0), (1, 120.0)]
    assert [t.marker.color for t in stars] == [CRITERION_COLORS[c] for c in ("BIC", "AIC", "ICL")]


def test_criteria_hostile_and_partial_input():
    ks, bic, aic, _, tied = selection_inputs()
    bic = bic.copy()
    bic[[1, 5]] = [np.nan, np.inf]
    # No ICL; a best naming a model whose value is not finite, or no model at all.
    fig = criteria_figure(
        ks, bic, aic, None, tied, best={"BIC": (2, False), "AIC": (9, False), "ICL": (1, False)}
    )
    assert_all_finite(fig)
    assert not [t for t in fig.data if t.mode == "markers"]
    assert not [t for t in fig.data if str(t.name).startswith("ICL")]
    assert list(fig.data[0].x) == [1, 3, 4]
    empty = criteria_figure([], [], [], [], [], best={})
    assert empty.data == () and "no models" in empty.layout.annotations[0].text
    with pytest.raises(ValueError, match="one entry per model"):
        criteria_figure([1, 2], [1.0], [1.0, 2.0], None, [False, False], best={})
