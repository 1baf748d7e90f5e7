"""Honest axes and one notation (issue 7): the trace never draws rounding as a climb, its
iteration ticks are round, ordinary magnitudes are never in e-notation, legends beside the
plot take one column with short entries."""

from __future__ import annotations

import numpy as np
import pytest

from figures import mixture_figure, trace_figure
from figures.notation import plain, plural
from figures.spec import tick_label_chars
from figures.trace import FLAT_REL, TRACE_MAX_TICKS, iteration_dtick, trace_figure_spec
from gmm_core import MixtureParams


def test_a_change_below_1e_6_of_log_l_is_drawn_flat():
    # Issue 7: a change of 1e-7 was drawn as a steep climb (ticks -769.91791302...).
    ll = np.array([-769.917913, -769.9179130, -769.91791291, -769.9179129])
    low, high = trace_figure(ll, current=3).layout.yaxis.range
    span = high - low
    assert span >= 2 * FLAT_REL * 769.9 * 0.99
    assert (ll.max() - ll.min()) / span < 0.01  # the "climb" is < 1 % of the axis


@pytest.mark.parametrize("value", [-3369.174, -274.2481, -767.1975])
def test_theta_0_alone_gets_round_ticks_and_the_plot_keeps_its_width(value):
    """Before the first step the trace has one point. Its range was ±1e-6 |log L|, labelled to
    the thousandth ("−3,369.176"): the labels took the narrow column (a 21 px plot in lecture
    mode at 1024 px), and the plot jumped sideways at the first step."""
    alone = trace_figure_spec(np.array([value]), current=0)
    low, high = alone["layout"]["yaxis"]["range"]
    assert low < value < high
    assert tick_label_chars(low, high) <= len(f"{value:,.0f}") + 1  # whole: "−3,370", "−275"
    stepped = trace_figure_spec(np.array([value, value + 50.0]), current=1)
    assert alone["layout"]["margin"]["l"] <= stepped["layout"]["margin"]["l"] + 10


def test_a_real_rise_still_fills_the_axis():
    ll = np.array([-2316.7, -2310.0, -2306.0, -2305.5, -2305.4])
    low, high = trace_figure(ll, current=4).layout.yaxis.range
    assert low < ll.min() and high > ll.max()
    assert (ll.max() - ll.min()) / (high - low) > 0.8


@pytest.mark.parametrize(
    ("last", "dtick"), [(1, 1), (8, 1), (9, 2), (16, 2), (37, 5), (111, 20), (240, 50), (500, 100)]
)
def test_iteration_ticks_are_round(last, dtick):
    assert iteration_dtick(last) == dtick
    fig = trace_figure(np.linspace(-100, -90, last + 1), current=0)
    # The trace's own column is narrow: at most TRACE_MAX_TICKS round ticks.
    assert fig.layout.xaxis.dtick == iteration_dtick(last, TRACE_MAX_TICKS)
    assert fig.layout.xaxis.tick0 == 0


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (178520.3, "178,520"),
        (34.446, "34.446"),
        (5.869, "5.8690"),
        (0.0123456, "0.012346"),
        (-1034.002, "−1,034.0"),  # the true minus
        (-3e-7, "−3.0000 × 10⁻⁷"),
        (3e-7, "3.0000 × 10⁻⁷"),
        (2.5e10, "2.5000 × 10¹⁰"),
        (0.0, "0"),
    ],
)
def test_plain_numbers_avoid_e_notation(value, text):
    assert plain(value) == text
    assert "e+" not in plain(value) and "e-" not in plain(value)


def test_plurals():
    assert plural(1, "iteration") == "1 iteration"
    assert plural(0, "iteration") == "0 iterations"
    assert plural(1000, "point") == "1,000 points"


def test_side_legend_is_one_column_with_short_entries():
    params = MixtureParams(np.full(10, 0.1), np.arange(10.0), np.full(10, 0.3))
    edges = np.linspace(-2, 12, 30)
    counts = np.ones(29)
    fig = mixture_figure(edges, counts, params, legend="side", height=None)
    assert fig.layout.legend.orientation == "v" and fig.layout.legend.x > 1
    names = [t.name for t in fig.data if t.showlegend is not False]
    assert "k = 10" in names and "f(x)" in names
    assert max(len(n) for n in names) <= 10
    assert fig.layout.height is None
    # Normal mode: few components keep the one-row legend on top with the full names.
    few = mixture_figure(edges, counts, MixtureParams([0.5, 0.5], [0.0, 5.0], [1.0, 1.0]))
    assert few.layout.legend.orientation == "h"
    assert any(str(t.name).startswith("π₁·N(x") for t in few.data)


def test_formula_parts_cut_where_a_line_may_wrap():
    from ui.lecture import formula_parts

    chain = r"\gamma(z_{n1}) = \frac{a = 1}{f(x_n)} = \frac{0.005}{0.1} = 0.0499"
    assert formula_parts(chain) == [
        r"\gamma(z_{n1}) = \frac{a = 1}{f(x_n)}",  # an "=" inside braces stays
        r"= \frac{0.005}{0.1}",
        "= 0.0499",
    ]
    several = r"N_k = \sum_n \gamma(z_{nk}),\quad \pi_k^{new} = \frac{N_k}{N}"
    assert formula_parts(several) == [
        r"N_k = \sum_n \gamma(z_{nk}),",
        r"\pi_k^{new} = \frac{N_k}{N}",
    ]
    values = r"\pi_k^{new} = \frac{N_k}{N},\qquad \kappa = 0.01,\ \nu = 3"
    assert formula_parts(values) == [r"\pi_k^{new} = \frac{N_k}{N},", r"\kappa = 0.01,", r"\nu = 3"]


def test_hover_has_no_e_notation_for_galaxy_sized_numbers():
    # Issue 7: σ² of galaxies was shown as 1.7852e+05.
    params = MixtureParams([0.5, 0.5], [9172.0, 21000.0], [178520.3, 4.1e6])
    edges = np.linspace(8000, 35000, 40)
    fig = mixture_figure(edges, np.ones(39), params, bin_shares=np.full((39, 2), 0.5))
    hovers = " ".join(str(t.hovertemplate) for t in fig.data)
    assert "σ₁² = 178,520" in hovers and "μ₂ = 21,000" in hovers
    assert "e+" not in hovers
    assert "%{x:,.5~r}" in hovers  # x positions in plotly's decimal notation, never 1.9e+4
