"""Figures of issue 8: the Aitken asymptote layer on the trace, degenerate fits crossed out on
the criteria chart, and the classification-uncertainty curve."""

from __future__ import annotations

import numpy as np
import pytest

from figures import criteria_figure, trace_figure
from figures.convergence import with_aitken_asymptote
from figures.selection import uncertainty_figure
from gmm_core import aitken_asymptotes


def test_the_asymptote_layer_draws_aitkens_estimates():
    t = np.arange(15)
    ll = -100.0 - 5.0 * 0.6**t
    fig = with_aitken_asymptote(trace_figure(ll, current=3), ll)
    layer = next(tr for tr in fig.data if tr.name == "Aitken estimate")
    np.testing.assert_allclose(np.array(layer.y, dtype=float)[2:], -100.0, atol=1e-9)
    assert np.isnan(np.array(layer.y, dtype=float)[:2]).all()
    assert any("limit ≈ −100.0" in a.text for a in fig.layout.annotations)


def test_no_estimate_no_layer_and_far_estimates_left_out():
    assert len(
        with_aitken_asymptote(trace_figure([-5.0, -4.0], current=1), [-5.0, -4.0]).data
    ) == len(trace_figure([-5.0, -4.0], current=1).data)
    ll = np.array([-10.0, -9.999, -9.99801, -9.998])  # gain ratios 0.99, then 0.0101
    raw = aitken_asymptotes(ll)
    fig = with_aitken_asymptote(trace_figure(ll, current=0), ll)
    shown = np.array(next(tr for tr in fig.data if tr.name == "Aitken estimate").y, dtype=float)
    assert raw[2] > ll.max() + 2 * np.ptp(ll[1:]) and np.isnan(shown[2])
    assert shown[3] == pytest.approx(raw[3])


def test_degenerate_models_are_crossed_out():
    ks = np.array([1, 2, 3, 1, 2, 3])
    tied = np.array([False, False, False, True, True, True])
    bic = np.array([10.0, 5.0, 1.0, 11.0, 6.0, 7.0])
    fig = criteria_figure(
        ks,
        bic,
        bic + 1,
        None,
        tied,
        best={"bic": (2, False)},
        degenerate=[False, False, True, False, False, False],
    )
    crosses = [tr for tr in fig.data if tr.name == "BIC: degenerate (not a candidate)"]
    assert len(crosses) == 1 and list(crosses[0].x) == [3] and list(crosses[0].y) == [1.0]
    assert [tr.name for tr in fig.data if tr.name.startswith("AIC: degenerate")] == [
        "AIC: degenerate (not a candidate)"
    ]
    plain = criteria_figure(ks, bic, bic + 1, None, tied, best={})
    assert not any("degenerate" in tr.name for tr in plain.data)
    with pytest.raises(ValueError, match="one entry per model"):
        criteria_figure(ks, bic, bic, None, tied, best={}, degenerate=[True])


def test_uncertainty_curve_and_points():
    grid = np.linspace(0, 1, 5)
    u = np.array([0.0, 0.1, 0.5, 0.1, 0.0])
    fig = uncertainty_figure(
        grid,
        u,
        points=np.array([0.2, 0.8]),
        point_uncertainty=np.array([0.05, 0.02]),
        point_labels=np.array([0, 1]),
    )
    assert [tr.name for tr in fig.data] == ["uncertainty", "data points"]
    first, second = fig.data[1].marker.color
    assert first != second
    with pytest.raises(ValueError, match="differ in length"):
        uncertainty_figure(grid, u[:3])
