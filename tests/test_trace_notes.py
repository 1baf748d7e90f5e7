"""The log L trace's notes and axes as a lecturer reads them (s14 review): no stale "limit ≈",
horizontal round iteration ticks, notes in projector type inside the plot, away from the tick
labels and the current iteration's marker."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import pytest

from figures.convergence import aitken_trace_spec
from figures.mixture import mixture_figure_spec
from figures.spec import BOTTOM_MARGIN, PROJECTOR_FONTS, SCREEN_FONTS, text_px
from figures.trace import CORNER_NOTE, TRACE_MAX_TICKS, trace_figure_spec, trace_max_ticks
from gmm_core import MixtureParams
from gmm_core.convergence import aitken_asymptotes
from ui.lecture import LECTURE_FONT_PX, chart_spec

# Gains 600, 20, 9, 12, 14: Aitken's estimate exists at t = 3 (rate 0.45), not after (rate > 1),
# and log L passes it at t = 4 (the "First steps" scenario's shape).
FIRST_STEPS = np.array([-3000.0, -2400.0, -2380.0, -2371.0, -2359.0, -2345.0])
# A 700-iteration run: a jump, then a slow geometric approach.
LONG = -1692.0 - 30.0 * 0.99 ** np.arange(700) - np.r_[25.0, np.zeros(699)]


def notes(spec: dict) -> list[dict]:
    return list(spec["layout"].get("annotations", []))


def texts(spec: dict) -> list[str]:
    return [a["text"] for a in notes(spec)]


def test_no_stale_limit_once_log_l_passes_it():
    limit = aitken_asymptotes(FIRST_STEPS)
    assert np.isfinite(limit[3]) and not np.isfinite(limit[4:]).any()
    assert FIRST_STEPS[4] > limit[3]  # the old note's value, passed by log L
    for current in (4, 5):
        assert not any(
            t.startswith("limit ≈") for t in texts(aitken_trace_spec(FIRST_STEPS, current=current))
        )
    # At t = 3 the estimate is the current one and above log L: shown.
    (shown,) = [t for t in texts(aitken_trace_spec(FIRST_STEPS, current=3)) if "limit" in t]
    assert shown == "limit ≈ −2,363.6364"


def test_limit_note_follows_the_iteration_on_screen_not_the_last_computed():
    ll = -100.0 - 5.0 * 0.6 ** np.arange(15)
    limit = aitken_asymptotes(ll)
    (note,) = [t for t in texts(aitken_trace_spec(ll, current=5)) if "limit" in t]
    assert note == f"limit ≈ {limit[5]:,.4f}".replace("-", "−")


def tick_count(xaxis: dict, last: int) -> int:
    return last // int(xaxis["dtick"]) + 1


@pytest.mark.parametrize("lecture", [False, True])
def test_iteration_ticks_are_few_horizontal_and_the_title_fits(lecture):
    fonts = PROJECTOR_FONTS if lecture else SCREEN_FONTS
    spec = chart_spec(
        trace_figure_spec(LONG, current=699, converged_at=699, fonts=fonts), lecture=lecture
    )
    xaxis = spec["layout"]["xaxis"]
    assert xaxis["tickangle"] == 0
    # At most what the narrow column holds in that type (projector type: 0 and 500, where
    # "0 200 400 600" ran together at 1024 px).
    assert 2 <= tick_count(xaxis, 699) <= trace_max_ticks(fonts) + 1 <= TRACE_MAX_TICKS + 1
    assert xaxis["dtick"] in (100, 200, 250, 500)
    # Half the title fits in the right margin even when the plot is narrower than it.
    half_title = text_px(len(xaxis["title"]["text"]), fonts.title_px) / 2
    assert spec["layout"]["margin"]["r"] >= half_title


def fraction(y: float, y_range: list[float]) -> float:
    low, high = y_range
    return (y - low) / (high - low)


@pytest.mark.parametrize(
    ("ll", "kwargs"),
    [
        (LONG, {"current": 699, "converged_at": 699}),
        (LONG[:4], {"current": 1}),  # focus on convergence: θ₀ below, the marker at the bottom
        (FIRST_STEPS[:4], {"current": 3}),  # limit and θ₀ notes stacked
        (np.linspace(-50.0, -40.0, 6), {"current": 0}),
    ],
)
def test_notes_sit_below_the_data_and_the_marker_has_room(ll, kwargs):
    for spec in (trace_figure_spec(ll, **kwargs), aitken_trace_spec(ll, **kwargs)):
        layout = spec["layout"]
        y_range = layout["yaxis"]["range"]
        (marker,) = [t for t in spec["data"] if t["name"] == "current"]
        at = fraction(marker["y"][0], y_range)
        assert 0.05 <= at <= 0.95, at  # whole, with padding, never on the plot's edge
        corner = [a for a in notes(spec) if a.get("name") == CORNER_NOTE]
        plot_px = layout["height"] - layout["margin"]["t"] - layout["margin"]["b"]
        for i, note in enumerate(corner):
            # Inside the plot, at its right, a line above the one below.
            assert (note["xref"], note["x"], note["xanchor"]) == ("paper", 1, "right")
            assert (note["yref"], note["y"], note["yanchor"]) == ("y domain", 0, "bottom")
            assert note["yshift"] == i * round(1.3 * note["font"]["size"])
        # The band the notes take (a lecture line each) lies below every point drawn.
        band = len(corner) * 26 / plot_px
        shown = np.asarray(ll[1:] if any("θ₀" in a["text"] for a in corner) else ll)
        assert fraction(float(shown.min()), y_range) >= band - 1e-9
    converged = trace_figure_spec(LONG, current=699, converged_at=699)
    assert "converged at 699" in texts(converged)


def test_every_note_is_in_projector_type_in_lecture_mode():
    specs = [
        aitken_trace_spec(FIRST_STEPS[:4], current=3),
        trace_figure_spec(LONG, current=699, converged_at=699),
        trace_figure_spec(np.array([-500.0, -300, -290, -289, -289.5, -288.9]), current=2),
        mixture_figure_spec(
            np.linspace(-3.0, 3.0, 31),
            np.full(30, 5),
            MixtureParams([0.5, 0.5], [2.0, -2.0], [1e-6, 1.0]),
            bin_shares=None,
        ),
    ]
    for spec in specs:
        assert notes(spec)
        styled = chart_spec(spec, lecture=True)
        for note in notes(styled):
            size = (note.get("font") or {}).get("size", styled["layout"]["font"]["size"])
            assert size >= LECTURE_FONT_PX, note["text"]
        go.Figure(styled)  # valid for plotly
    # A stacked note moves up with the bigger type.
    styled = notes(chart_spec(aitken_trace_spec(FIRST_STEPS[:4], current=3), lecture=True))
    assert [a["yshift"] for a in styled] == [0, pytest.approx(LECTURE_FONT_PX * 1.3, abs=1)]


def test_peak_note_reads_towards_the_plot_s_middle():
    params = MixtureParams([0.5, 0.5], [2.0, -2.0], [1e-6, 1e-6])
    spec = mixture_figure_spec(np.linspace(-3.0, 3.0, 31), np.full(30, 5), params, bin_shares=None)
    by_x = {a["x"]: a for a in notes(spec) if "peaks at" in a["text"]}
    assert by_x[-2.0]["xanchor"] == "left" and by_x[-2.0]["text"].startswith("▲")
    assert by_x[2.0]["xanchor"] == "right" and by_x[2.0]["text"].endswith("▲")


def test_notes_below_the_axis_in_projector_type_leave_the_plot_alone():
    """Lecture mode's narrow trace in 19 px type: the notes go below the x axis's title, one
    projector line each, right-aligned with the figure; the chart grows by those lines so the
    plot keeps its height, and the y range is not lowered for them."""
    kwargs = {"current": 3, "fonts": PROJECTOR_FONTS}
    inside = aitken_trace_spec(FIRST_STEPS[:4], **kwargs)
    below = aitken_trace_spec(FIRST_STEPS[:4], notes_below=True, **kwargs)
    corner = [a for a in notes(below) if a.get("name") == CORNER_NOTE]
    assert len(corner) == 2  # the limit and θ₀'s log L
    line = round(1.3 * PROJECTOR_FONTS.tick_px)
    layout = below["layout"]
    for i, note in enumerate(corner):
        assert (note["yref"], note["y"], note["yanchor"]) == ("paper", 0, "top")
        assert (note["xref"], note["x"], note["xanchor"]) == ("paper", 1, "right")
        assert note["xshift"] == layout["margin"]["r"]
        assert note["yshift"] == -(BOTTOM_MARGIN + i * line)
        assert note["font"]["size"] == PROJECTOR_FONTS.tick_px
    assert layout["margin"]["b"] == BOTTOM_MARGIN + 2 * line
    assert layout["height"] == inside["layout"]["height"] + 2 * line
    low, high = layout["yaxis"]["range"]  # not lowered for notes outside the plot
    assert (
        low > inside["layout"]["yaxis"]["range"][0]
        and high == inside["layout"]["yaxis"]["range"][1]
    )
    styled = chart_spec(below, lecture=True)  # lecture styling leaves them as they are
    assert [a["yshift"] for a in notes(styled) if a.get("name") == CORNER_NOTE] == [
        a["yshift"] for a in corner
    ]
    go.Figure(styled)  # valid for plotly
    # Notes come and go between steps (θ₀'s appears once the view focuses on convergence, the
    # limit goes when the run converges): the chart keeps one height and one plot throughout.
    sizes = set()
    for n in range(1, FIRST_STEPS.size):
        done = n - 1 if n == FIRST_STEPS.size - 1 else None
        one = aitken_trace_spec(FIRST_STEPS[: n + 1], notes_below=True, current=n,
                                converged_at=done, fonts=PROJECTOR_FONTS)  # fmt: skip
        sizes.add((one["layout"]["height"], one["layout"]["margin"]["b"]))
    assert sizes == {(layout["height"], layout["margin"]["b"])}, sizes
