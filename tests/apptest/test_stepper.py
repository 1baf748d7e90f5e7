"""The stepper page through Streamlit's AppTest: stepping, half steps, back, run, reset, play."""

from __future__ import annotations

import re
import time

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from figures.notation import short
from gmm_core import MixtureParams
from ui.parameter_grid import LECTURE_ROW_COLOURS, LECTURE_TABLE_KEY
from ui.pure import keys
from ui.pure.playback import MAX_STEPS_PER_TICK

from .helpers import (
    APP,
    TIMEOUT,
    blocks,
    click,
    decode,
    figure,
    new_app,
    open_link,
    status_text,
    stepper,
    trace_log_likelihoods,
    traces,
)


def curve_heights(at) -> list[np.ndarray]:
    """y values of every π_k N(x|μ_k,σ_k²) curve in the main chart."""
    return [decode(t["y"]) for t in traces(figure(at, "mixture_chart"), prefix="π")]


def bar_heights(at) -> list[np.ndarray]:
    return [decode(t["y"]) for t in figure(at, "mixture_chart")["data"] if t["type"] == "bar"]


def test_first_page_loads_at_iteration_zero():
    at = new_app()
    assert at.title[0].value == "EM stepper"
    assert "Iteration 0" in status_text(at)
    assert len(trace_log_likelihoods(at)) == 1
    # Before any E-step the histogram is one grey trace; K curves and the mixture are drawn.
    assert len(bar_heights(at)) == 1
    assert len(curve_heights(at)) == 3
    assert traces(figure(at, "mixture_chart"), name="mixture f(x)")


def test_five_steps_give_five_more_points_never_decreasing():
    at = new_app()
    for _ in range(5):
        click(at, "step")
    ll = trace_log_likelihoods(at)
    assert ll.size == 6
    assert np.all(np.diff(ll) >= -1e-9 * np.abs(ll[1:]))
    assert "Iteration 5 · after M-step" in status_text(at)
    assert stepper(at).t == 5


def test_e_step_then_m_step_equals_one_step():
    a, b = new_app(), new_app()
    click(a, "e_step")
    assert "after E-step" in status_text(a)
    # E recolours the bars (K stacked traces) and leaves the curves where they were.
    assert len(bar_heights(a)) == 3
    before = curve_heights(b)
    for got, want in zip(curve_heights(a), before, strict=True):
        np.testing.assert_array_equal(got, want)
    click(a, "m_step")
    click(b, "step")
    assert stepper(a).params == stepper(b).params
    for got, want in zip(curve_heights(a), curve_heights(b), strict=True):
        np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(trace_log_likelihoods(a), trace_log_likelihoods(b))


def test_e_step_stacks_shares_summing_to_the_bin_density():
    at = new_app()
    grey = bar_heights(at)[0].astype(float)
    click(at, "e_step")
    stacked = np.sum([h.astype(float) for h in bar_heights(at)], axis=0)
    np.testing.assert_allclose(stacked, grey, rtol=1e-5, atol=1e-9)


def test_back_restores_the_previous_parameters_exactly():
    at = new_app()
    click(at, "step")
    click(at, "step")
    theta_1 = stepper(at).run.history[1]
    previous: MixtureParams = stepper(at).params
    click(at, "step")
    assert stepper(at).params != previous
    click(at, "back")
    assert stepper(at).params == previous
    click(at, "e_step")
    click(at, "back")
    assert stepper(at).phase == "M" and stepper(at).params == previous
    click(at, "back")
    assert stepper(at).params == theta_1
    assert "Iteration 1" in status_text(at)


def test_run_to_convergence_marks_convergence_and_keeps_rising():
    at = new_app()
    click(at, "run")
    state = stepper(at)
    assert "converged at iteration" in status_text(at)
    ll = trace_log_likelihoods(at)
    assert ll.size == state.t + 1 > 3
    assert np.all(np.diff(ll) >= -1e-9 * np.abs(ll[1:]))
    spec = figure(at, "trace_chart")
    assert any("converged" in str(s.get("text", "")) for s in spec["layout"].get("annotations", []))


def test_reset_returns_to_iteration_zero_with_the_same_start():
    at = new_app()
    theta_0 = stepper(at).params
    for _ in range(3):
        click(at, "step")
    click(at, "reset")
    assert stepper(at).t == 0 and stepper(at).params == theta_0
    assert "Iteration 0" in status_text(at)


def test_play_advances_on_each_tick_and_pause_stops():
    """A run while playing is an autoplay tick: it takes the steps due since the last one shown
    (ui/pure/playback.py; at least one after a whole period, at most MAX_STEPS_PER_TICK when
    the machine is slow — the exact tempo rules are unit-tested in tests/test_playback.py)."""
    at = new_app()
    at.select_slider(key="play_speed").set_value(4.0).run()  # a step every 0.25 s
    click(at, "play")
    assert at.session_state["playing"]
    assert at.button(key="play").label.endswith("Pause")
    # The Play click's own run is a tick too: on a slow machine a whole period may pass
    # before it reaches the view, and it shows the first step (0 or 1 steps here).
    shown = stepper(at).t
    assert shown <= 1
    for _ in range(2):
        time.sleep(0.3)
        at.run()  # an autoplay tick
        assert shown + 1 <= stepper(at).t <= shown + MAX_STEPS_PER_TICK
        shown = stepper(at).t
    click(at, "play")
    assert not at.session_state["playing"]
    time.sleep(0.3)
    at.run()
    assert stepper(at).t == shown


def test_scrub_slider_moves_through_the_history():
    at = new_app()
    for _ in range(4):
        click(at, "step")
    (slider,) = [s for s in at.slider if s.label == "Scrub through the run"]
    slider.set_value(2).run()
    assert stepper(at).t == 2
    assert stepper(at).params == stepper(at).run.history[2]


@pytest.mark.slow
def test_changing_a_model_control_resets_visibly():
    at = new_app()
    click(at, "step")
    click(at, "step")
    at.number_input(key="n_components").set_value(2).run()
    assert not at.exception
    assert stepper(at).t == 0 and stepper(at).params.n_components == 2
    assert any("restarts at iteration 0" in t.value for t in at.toast)
    at.selectbox(key="init_method").set_value("quantile").run()
    assert stepper(at).run.init == "quantile"
    at.number_input(key="seed").set_value(5).run()
    assert stepper(at).settings.seed == 5 and stepper(at).t == 0
    # The other three controls reset the run too, each one visibly.
    for change, check in (
        (
            lambda: at.toggle(key="equal_variance").set_value(True),
            lambda s: s.settings.equal_variance,
        ),
        (lambda: at.selectbox(key="tol").set_value(1e-4), lambda s: s.settings.tol == 1e-4),
        (
            lambda: at.number_input(key="max_iter").set_value(40),
            lambda s: s.settings.max_iter == 40,
        ),
    ):
        click(at, "step")
        assert stepper(at).t == 1
        change().run()
        assert not at.exception, at.exception
        assert check(stepper(at)) and stepper(at).t == 0
        assert "Iteration 0" in status_text(at)
        assert any("restarts at iteration 0" in t.value for t in at.toast)


def test_maths_panel_shows_the_numbers_of_the_step():
    at = new_app()
    click(at, "step")
    at.toggle(key="show_maths").set_value(True).run()
    latex = [e.value.strip("$\n") for e in at.get("latex")]
    # The general formulas, one E-step line per component, two M-step lines per component.
    assert any(r"\gamma(z_{nk})" in s for s in latex)
    # Worked out for point 1 (x₁): γ(z_{1,k}) over f(x_{1}); indices braced (N_{10} at K = 10).
    assert sum(re.match(r"\\gamma\(z_\{1,\d+\}\)", s) is not None for s in latex) == 3
    assert sum(re.match(r"N_\{\d+\}", s) is not None for s in latex) == 3
    mu = stepper(at).params.means
    assert any(f"{mu[0]:.6g}" in s for s in latex)
    # Following another point: the E-step lines are worked out for that x_n.
    x = at.session_state["active_data"].x
    at.number_input(key="maths_n").set_value(417).run()
    assert any(f"for x₄₁₇ = {short(x[416], 6)}" in m.value for m in at.markdown)
    latex = [e.value for e in at.get("latex")]
    assert any(r"\gamma(z_{417,1})" in s and "{f(x_{417})}" in s for s in latex)
    assert any(f"\\mathcal{{N}}({x[416]:.4g}" in s for s in latex)


def test_parameter_table_has_values_and_changes():
    at = new_app()
    click(at, "step")
    df = at.dataframe[0].value
    # σₖ (the unit of the data, as the scenario tables take it) and σₖ² (what the M-step updates).
    assert list(df.columns)[:6] == ["k", "πₖ", "μₖ", "σₖ", "σₖ²", "Nₖ"]
    assert "Nₖ" not in new_app().dataframe[0].value.columns  # no E-step yet at iteration 0
    np.testing.assert_allclose(df["πₖ"].sum(), 1.0)
    np.testing.assert_allclose(df["Nₖ"].sum(), 1000)
    np.testing.assert_allclose(df["σₖ"] ** 2, df["σₖ²"])
    assert "Δμₖ" in df.columns


def test_export_panel_is_built_only_while_open():
    """The "Export this run" expander builds its downloads (and the run's metadata) only when
    open: a click on a closed one sends none of them; opened, all four, for the run so far."""
    at = new_app()
    click(at, "step")
    assert not at.get("download_button")
    expander = [e for e in at.expander if e.label == "Export this run"]
    assert expander, "the export expander is drawn, closed"
    at.session_state[keys.SHOW_EXPORT] = True  # what opening it in the browser sets
    at.run()
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == [
        "Parameters (CSV)",
        "Run (JSON)",
        "Responsibilities (CSV)",
        "Animation (HTML)",
    ]
    assert any("θ₀ … θ₁" in c.value for c in at.caption)
    at.session_state[keys.SHOW_EXPORT] = False
    at.run()
    assert not at.get("download_button")


def test_lecture_table_is_plain_text_with_the_row_colours_once():
    """Lecture mode's parameter table: an HTML table of texts (no pandas Styler on a click),
    in its keyed container; the CSS colouring its k cells is on the page once, outside the
    view (a click does not resend it)."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params["lecture"] = "1"
    at.run()
    click(at, "lecture_next")  # E-step
    click(at, "lecture_next")  # M-step: iteration 1, with its changes
    (table,) = at.table
    shown = table.value
    assert list(shown.columns)[:6] == ["k", "πₖ", "μₖ", "σₖ", "σₖ²", "Nₖ"]
    assert list(shown["k"]) == ["1", "2", "3"]
    assert all(isinstance(v, str) for v in shown["πₖ"])
    np.testing.assert_allclose(sum(float(v) for v in shown["πₖ"]), 1.0, atol=1e-3)
    assert all(v[0] in "+−" for v in shown["Δμₖ"])  # changes carry their sign
    boxes = [b for b in blocks(at.main) if getattr(b.proto, "id", "").endswith(LECTURE_TABLE_KEY)]
    assert boxes, "the table sits in its keyed container (the CSS is scoped to it)"
    styles = [h.proto.body for h in at.get("html") if "nth-child" in h.proto.body]
    assert styles == [LECTURE_ROW_COLOURS]


def test_the_x_axis_stays_put_while_the_components_widen_and_narrow():
    """ "Separated" starts narrow components that the first M-step widens and later ones narrow
    again: the chart's x range covers the whole run computed so far and the next θ (the run's
    lookahead), so it does not zoom out and back in at each M-step ([−7, 7] → [−11, 11] →
    [−9, 9] → [−7, 7] before)."""
    at = open_link({"preset": "separated"})
    extents = []
    for _ in range(6):
        (mixture,) = traces(figure(at, "mixture_chart"), name="mixture f(x)")
        x = decode(mixture["x"])
        extents.append((float(x[0]), float(x[-1])))
        click(at, "next_half")
    assert len(set(extents)) == 1, extents


def test_picking_the_scenario_on_screen_again_starts_it_over():
    """A lecturer who clicks the scenario already loaded expects iteration 0; the settings had
    not changed, so nothing restarted and the run stayed at iteration 1 (a reviewer's
    finding)."""
    at = open_link({"preset": "separated"})
    for _ in range(3):
        click(at, "next_half")
    assert stepper(at).t == 1 and stepper(at).phase == "E"
    click(at, "preset_separated")
    assert (stepper(at).t, stepper(at).phase) == (0, "M")
    assert "Iteration 0 ·" in status_text(at)
