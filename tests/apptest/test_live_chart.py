"""The stepper's two charts are live charts (ui/live_chart.py) under AppTest: one custom
component element each, keyed by the chart's key (so the browser keeps the element and its
graph div), carrying the styled figure; Streamlit's chart theme in normal mode, projector type
in lecture mode; st.plotly_chart again when plotly.js cannot be served."""

from __future__ import annotations

import json

from streamlit import config

from ui.lecture import LECTURE_FONT_PX
from ui.live_chart import COMPONENT_NAME, STREAMLIT_FONT

from .helpers import click, decode, figure, new_app, open_link, traces

CHARTS = ("mixture_chart", "trace_chart")


def live_elements(at) -> dict[str, object]:
    """The live chart components by key (the end of their element id)."""
    found = {}
    for element in at.get("bidi_component"):
        proto = element.proto
        assert proto.component_name == COMPONENT_NAME
        found[proto.id.rsplit("-", 1)[-1]] = proto
    return found


def current_iteration(at) -> int:
    (current,) = traces(figure(at, "trace_chart"), name="current")
    return int(decode(current["x"])[0])


def test_the_stepper_charts_are_live_charts_with_stable_ids():
    at = new_app()
    assert not at.get("plotly_chart")  # none left on the stepper
    before = live_elements(at)
    assert set(before) == set(CHARTS)
    assert current_iteration(at) == 0
    click(at, "step")
    after = live_elements(at)
    # The element ids do not depend on the figure: the browser updates the same element.
    assert {k: p.id for k, p in after.items()} == {k: p.id for k, p in before.items()}
    assert after["trace_chart"].bytes != before["trace_chart"].bytes
    assert current_iteration(at) == 1


def test_accessible_names_and_sizes_travel_with_the_data():
    at = new_app()
    data = {key: json.loads(proto.bytes) for key, proto in live_elements(at).items()}
    assert data["mixture_chart"]["alt"].startswith("Histogram of ")
    assert data["trace_chart"]["alt"] == "Log-likelihood trace up to iteration 0"
    assert data["mixture_chart"]["fill"] is True  # the chart box's height (CSS)
    assert data["trace_chart"]["fill"] is False
    assert data["trace_chart"]["src"].endswith("/app/static/plotly.min.js")


def test_normal_mode_carries_streamlits_chart_theme():
    at = new_app()
    for key in CHARTS:
        layout = figure(at, key)["layout"]
        themed = layout["template"]["layout"]
        assert themed["font"]["family"] == STREAMLIT_FONT
        assert themed["xaxis"]["showgrid"] is False
        assert layout["font"]["color"] == "#262730"  # the app's own colour still wins


def test_lecture_mode_has_projector_type_and_no_streamlit_theme():
    at = open_link({"lecture": "1"})
    assert set(live_elements(at)) == set(CHARTS)
    for key in CHARTS:
        layout = figure(at, key)["layout"]
        assert layout["font"]["size"] == LECTURE_FONT_PX
        assert layout["template"]["layout"]["font"].get("family") != STREAMLIT_FONT


def test_without_static_serving_the_charts_fall_back_to_st_plotly_chart():
    old = config.get_option("server.enableStaticServing")
    config.set_option("server.enableStaticServing", False)
    try:
        at = new_app()
        assert not at.get("bidi_component")
        for key in CHARTS:
            assert figure(at, key)["data"]  # read from st.plotly_chart's spec
    finally:
        config.set_option("server.enableStaticServing", old)


# --------------------------------------------------------------------------- one click ahead


def component_data(at) -> dict[str, dict]:
    return {key: json.loads(proto.bytes) for key, proto in live_elements(at).items()}


def ahead_by_button(data: dict) -> dict[str, str]:
    """{button key: token of the figure drawn when it is clicked} of one chart's data."""
    return {button: entry["token"] for entry in data["ahead"] for button in entry["buttons"]}


def check_moves(at, moves: tuple[str, ...]) -> None:
    """Click each of ``moves`` in turn: each must have been sent ahead, and the figures sent
    ahead must be the figures the server sends after that click (so the browser draws
    nothing again), on both charts; a chart the move leaves alone is not sent."""
    for move in moves:
        before = component_data(at)
        mixture_ahead = ahead_by_button(before["mixture_chart"])
        trace_ahead = ahead_by_button(before["trace_chart"])
        assert move in mixture_ahead, (move, mixture_ahead)
        click(at, move)
        after = component_data(at)
        assert after["mixture_chart"]["token"] == mixture_ahead[move], move
        expected_trace = trace_ahead.get(move, before["trace_chart"]["token"])
        assert after["trace_chart"]["token"] == expected_trace, move


def test_normal_mode_sends_next_iteration_ahead():
    at = new_app()
    check_moves(at, ("step", "step", "step"))
    click(at, "e_step")  # not sent ahead in normal mode: the server answers it
    check_moves(at, ("m_step",))  # from phase E, the M-step lands where Next iteration does


def test_lecture_mode_sends_the_next_half_step_ahead():
    at = open_link({"lecture": "1"})
    # E-step (the trace does not change: not sent), M-step, E-step, M-step.
    check_moves(at, ("lecture_next", "lecture_next", "lecture_next", "lecture_next"))


def test_keys_go_with_their_buttons_and_disabled_buttons_send_nothing_ahead():
    def entries(at) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
        ahead = component_data(at)["mixture_chart"]["ahead"]
        return [(tuple(e["buttons"]), tuple(e["keys"])) for e in ahead]

    at = new_app()  # iteration 0, after the M-step: E-step enabled, M-step disabled
    assert entries(at) == [(("step",), ("n",))]
    click(at, "e_step")  # phase E: Next iteration, the half step and the M-step land at (1, M)
    assert entries(at) == [
        (("step", "next_half", "lecture_next", "m_step"), ("n", "pagedown", "m"))
    ]
    lecture = open_link({"lecture": "1"})
    assert entries(lecture) == [(("next_half", "lecture_next", "e_step"), ("pagedown", "e"))]


def test_at_the_iteration_limit_nothing_goes_ahead():
    at = open_link({"n": "1000", "iters": "2", "t": "2"})
    for data in component_data(at).values():
        assert data["ahead"] == []


def test_while_playing_nothing_goes_ahead():
    at = new_app()
    click(at, "play")
    for data in component_data(at).values():
        assert data["ahead"] == []
