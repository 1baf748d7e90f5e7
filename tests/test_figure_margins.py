"""Margins sized for what is drawn in them (figures.spec), so plotly.js draws the stepper's
charts once: the estimates of tick labels and legends, and the specs using them. (That plotly
then keeps those margins is checked in chromium: tests/browser/test_chart_margins_browser.py.)"""

from __future__ import annotations

import numpy as np
import pytest

from figures.mixture import mixture_figure_spec
from figures.spec import (
    BOTTOM_MARGIN,
    PROJECTOR_FONTS,
    SCREEN_FONTS,
    left_margin,
    legend_side_margin,
    legend_top_margin,
    text_px,
    tick_label_chars,
)
from figures.trace import trace_figure_spec
from gmm_core import MixtureParams, sample
from gmm_core.binning import bin_edges, histogram, responsibility_by_bin

THREE = MixtureParams([0.35, 0.45, 0.2], [-2.0, 1.5, 5.0], [1.0, 0.64, 1.69])
FIVE = MixtureParams(np.full(5, 0.2), 3.0 * np.arange(5), np.full(5, 0.5))


@pytest.mark.parametrize(
    ("low", "high", "power", "widest"),
    [
        # labels plotly drew in chromium for these axes (Streamlit 1.67, plotly.js 3)
        (0.0, 0.2, True, "0.15"),
        (-2316.7195, -2316.7145, False, "−2,316.719"),
        (-767.3, -764.9, False, "−766.5"),
        (0.0, 3.2e-4, True, "2.5×10−4"),
        (0.0, 1.001, False, "0.8"),
    ],
)
def test_tick_label_chars_covers_plotly_labels(low, high, power, widest):
    assert tick_label_chars(low, high, power=power) >= len(widest)
    assert tick_label_chars(low, high, power=power) <= len(widest) + 2  # not wildly generous


def test_tick_label_chars_of_a_degenerate_range_is_a_default():
    assert tick_label_chars(1.0, 1.0) == tick_label_chars(np.nan, 2.0) == 6


def test_margins_grow_with_what_they_hold():
    assert left_margin(10) > left_margin(4) > text_px(4)
    one_row = legend_top_margin(["f(x)", "truth"])
    assert legend_top_margin(["π₁·N(x | μ₁, σ₁²)"] * 6) > one_row
    assert legend_side_margin(["a much longer legend entry"]) > legend_side_margin(["k = 1"])
    assert legend_side_margin(["k = 1"], title="a long legend title") > legend_side_margin(
        ["k = 1"]
    )


@pytest.fixture(scope="module")
def binned():
    x, _ = sample(THREE, 5_000, np.random.default_rng(1))
    edges = bin_edges(x, 40)
    return x, edges, histogram(x, edges)


def test_mixture_spec_margins(binned):
    x, edges, counts = binned
    shares = responsibility_by_bin(x, THREE, edges)
    top = mixture_figure_spec(edges, counts, THREE, bin_shares=shares, truth=THREE)
    margin = top["layout"]["margin"]
    assert margin["b"] == BOTTOM_MARGIN and margin["r"] == 20
    names = [t["name"] for t in top["data"] if t.get("showlegend", True)]
    assert margin["t"] == legend_top_margin(names) > 30  # the legend rows above the plot
    density_top = top["layout"]["yaxis"]["range"][1]
    assert margin["l"] == left_margin(tick_label_chars(0.0, density_top, power=True))
    side = mixture_figure_spec(edges, counts, FIVE, bin_shares=None, legend="auto")
    assert side["layout"]["margin"]["t"] == 30
    assert side["layout"]["margin"]["r"] >= legend_side_margin(["π₁·N(x | μ₁, σ₁²)"])
    # a density axis in units of 10⁻⁴ takes wider labels
    wide = mixture_figure_spec(
        edges * 1e4,
        counts,
        THREE.__class__(THREE.weights, THREE.means * 1e4, THREE.variances * 1e8),
    )
    assert wide["layout"]["margin"]["l"] > top["layout"]["margin"]["l"]


def test_trace_spec_left_margin_follows_the_labels():
    coarse = trace_figure_spec(np.array([-900.0, -800.0, -790.0]), current=2)
    fine = trace_figure_spec(np.array([-2316.72, -2316.716, -2316.715]), current=2)
    assert fine["layout"]["margin"]["l"] > coarse["layout"]["margin"]["l"]
    assert fine["layout"]["margin"]["b"] == BOTTOM_MARGIN


def test_projector_type_takes_wider_margins_than_the_screen(binned):
    """Lecture mode's larger type (PROJECTOR_FONTS) needs more room for the same labels and
    legend; drawn in it, the stepper's charts ask for it (chromium: plotly keeps it)."""
    _, edges, counts = binned
    for chars in (4, 8):
        assert left_margin(chars, PROJECTOR_FONTS) > left_margin(chars, SCREEN_FONTS)
    names = ["k = 1", "f(x)"]
    assert legend_side_margin(names, "πkN(x)", PROJECTOR_FONTS) > legend_side_margin(
        names, "πkN(x)", SCREEN_FONTS
    )
    for build in (
        lambda fonts: mixture_figure_spec(edges, counts, FIVE, legend="side", fonts=fonts),
        lambda fonts: trace_figure_spec(np.array([-900.0, -800.0]), current=1, fonts=fonts),
    ):
        screen = build(SCREEN_FONTS)["layout"]["margin"]
        projector = build(PROJECTOR_FONTS)["layout"]["margin"]
        assert projector["l"] > screen["l"] and projector["r"] > screen["r"]


def test_lecture_styling_uses_the_type_the_margins_are_sized_for():
    """ui.lecture.chart_spec draws lecture charts in PROJECTOR_FONTS' sizes (one source)."""
    from ui.lecture import chart_spec

    spec = chart_spec(trace_figure_spec(np.array([-3.0, -2.0]), current=1), lecture=True)
    assert spec["layout"]["font"]["size"] == PROJECTOR_FONTS.tick_px == PROJECTOR_FONTS.title_px
    assert spec["layout"]["legend"]["font"]["size"] == PROJECTOR_FONTS.legend_px
