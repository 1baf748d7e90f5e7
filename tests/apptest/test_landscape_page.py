"""The likelihood landscape page through AppTest: the K = 2 requirement, the surface and the
stepper's path, a click on the map (sent as the browser sends it) starting exactly that θ₀, the
typed start, and the basins with their progress and reproducibility."""

from __future__ import annotations

import json

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from figures.notation import log_l
from gmm_core import default_var_floor
from gmm_core.landscape import basins, mean_grid

from .helpers import decode, figure, new_app, opened_in_stepper, stepper, traces

PAGE = "app_pages/landscape.py"


def landscape_app(k: int = 2) -> AppTest:
    at = new_app()
    at.number_input(key="n_components").set_value(k).run()
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def click_chart(at: AppTest, key: str, cell: tuple[int, int]) -> AppTest:
    """A click on grid point ``cell`` of chart ``key``: the selection event Streamlit's
    frontend sends (a widget state whose string value is the selection as JSON)."""
    (chart,) = [c for c in at.get("plotly_chart") if key in c.proto.id]
    states = at._tree.get_widget_states()
    state = states.widgets.add()
    state.id = chart.proto.id
    point = {"customdata": list(cell), "curve_number": 0, "point_index": 0}
    state.string_value = json.dumps(
        {"selection": {"points": [point], "point_indices": [0], "box": [], "lasso": []}}
    )
    return at._run(states)


def test_page_asks_for_two_components():
    at = landscape_app(k=3)
    assert any("K = 2" in i.value for i in at.info)
    at.button(key="land_use_k2").click().run()
    assert not at.exception, at.exception
    assert at.session_state["n_components"] == 2
    assert figure(at, "land_surface")


def test_surface_and_the_steppers_path():
    at = new_app()
    at.number_input(key="n_components").set_value(2).run()
    for _ in range(3):
        at.button(key="step").click().run()
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    spec = figure(at, "land_surface")
    (path,) = traces(spec, name="EM path of the stepper")
    history = stepper(at).run.history
    assert decode(path["x"]).tolist() == [p.means[0] for p in history[:4]]
    assert decode(path["y"]).tolist() == [p.means[1] for p in history[:4]]
    assert traces(spec, name="mirror line μ₁ = μ₂")
    assert any("Held fixed, not profiled" in m.value for m in at.markdown)


@pytest.mark.parametrize("hold", ["stepper", "equal"])
def test_click_starts_exactly_that_theta0(hold):
    at = landscape_app()
    at.radio(key="land_hold").set_value(hold).run()
    theta = stepper(at).params
    x = at.session_state["active_data"].x
    grid = mean_grid(x, 100)
    click_chart(at, "land_surface", (12, 71))
    opened_in_stepper(at).run()
    assert not at.exception, at.exception
    state = stepper(at)
    start = state.run.history[0]
    assert (state.t, state.phase, state.settings.init_method) == (0, "M", "manual")
    assert start.means.tolist() == [grid[12], grid[71]]
    if hold == "stepper":
        weights, variances = theta.weights, theta.variances
    else:
        pooled = float(np.dot(theta.weights, theta.variances))
        weights, variances = np.array([0.5, 0.5]), np.array([pooled, pooled])
    assert start.weights == pytest.approx(weights, rel=1e-15)
    assert start.variances == pytest.approx(variances, rel=1e-15)  # through σ = √σ² and back


def test_typed_start_opens_the_stepper():
    at = landscape_app()
    at.number_input(key="land_mu1").set_value(-1.25).run()
    at.number_input(key="land_mu2").set_value(4.5).run()
    at.button(key="land_start").click().run()
    opened_in_stepper(at).run()
    assert stepper(at).run.history[0].means.tolist() == [-1.25, 4.5]


@pytest.mark.slow
def test_basins_reproduce_and_a_basin_click_starts_there():
    at = landscape_app()
    at.radio(key="land_hold").set_value("equal").run()
    at.number_input(key="land_grid").set_value(20).run()
    at.button(key="land_run").click().run()
    assert not at.exception, at.exception
    state = stepper(at)
    theta = state.params
    pooled = float(np.dot(theta.weights, theta.variances))
    x = at.session_state["active_data"].x
    grid = mean_grid(x, 20)
    expected = basins(
        x,
        np.array([0.5, 0.5]),
        np.array([pooled, pooled]),
        grid,
        grid,
        var_floor=default_var_floor(x),
        tol=state.settings.tol,
        max_iter=state.settings.max_iter,
    )
    (heat,) = traces(figure(at, "land_basins"), name="basins")
    z = decode(heat["z"]).reshape(20, 20)
    labels = np.where(expected.labels < 0, len(expected.optima), expected.labels)
    assert np.array_equal(z, labels)
    table = at.dataframe[0].value
    assert table["log L"].iloc[0] == log_l(expected.optima[0].log_likelihood)
    # The caption counts local maxima and names a saddle as a saddle, never as an optimum.
    maxima = sum(not o.coincident for o in expected.optima)
    caption = next(c.value for c in at.caption if "reached" in c.value)
    assert f"{maxima} local maxim" in caption, caption
    assert ("saddle on the line" in caption) == any(o.coincident for o in expected.optima)
    click_chart(at, "land_basins", (3, 17))
    opened_in_stepper(at).run()
    assert stepper(at).run.history[0].means.tolist() == [grid[3], grid[17]]


def test_explorer_restarts_are_overlaid():
    at = landscape_app()
    at.switch_page("app_pages/explorer.py").run()
    at.number_input(key="explorer_restarts").set_value(8).run()
    at.button(key="explorer_run").click().run()
    assert not at.exception, at.exception
    exploration = at.session_state["exploration"][1]
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    (circles,) = traces(figure(at, "land_surface"), name="explorer restarts (θ₀)")
    starts = np.array([run.initial_params.means for run in exploration.runs])
    assert decode(circles["x"]).tolist() == starts[:, 0].tolist()
    assert decode(circles["y"]).tolist() == starts[:, 1].tolist()
    assert any("explorer's restarts" in c.value for c in at.caption)
