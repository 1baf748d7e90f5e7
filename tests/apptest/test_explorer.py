"""The initialisation explorer through AppTest: restarts, optima, the per-method summary, and
opening a run in the stepper at iteration 0 with exactly its θ₀."""

from __future__ import annotations

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from figures.notation import log_l, short
from gmm_core import explore_restarts, fit

from .helpers import (
    click,
    decode,
    figure,
    new_app,
    open_app_page,
    open_link,
    opened_in_stepper,
    stepper,
    traces,
)

PAGE = "app_pages/explorer.py"
METHODS = ("random", "kmeans++", "quantile", "kmeans")


def open_explorer(at: AppTest | None = None) -> AppTest:
    return open_app_page(PAGE, "Initialisation explorer", at)


def run_restarts(at: AppTest, n: int, seed: int = 0) -> AppTest:
    at.number_input(key="explorer_restarts").set_value(n).run()
    at.number_input(key="explorer_seed").set_value(seed).run()
    return click(at, "explorer_run")


def exploration(at: AppTest):
    return at.session_state["exploration"][1]


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_before_a_run_the_page_says_what_to_do():
    at = open_explorer()
    assert any("Run restarts" in i.value for i in at.info)
    assert not at.get("plotly_chart")


def test_restarts_match_gmm_core_and_every_run_is_drawn():
    at = run_restarts(open_explorer(), 12)
    data = at.session_state["active_data"]
    settings = stepper(at).settings
    expected = explore_restarts(
        data.x,
        settings.n_components,
        methods=METHODS,
        n_restarts=12,
        seed=0,
        tol=settings.tol,
        max_iter=settings.max_iter,
    )
    got = exploration(at)
    assert [r.method for r in got.runs] == [r.method for r in expected.runs]
    np.testing.assert_array_equal(
        [r.log_likelihood for r in got.runs], [r.log_likelihood for r in expected.runs]
    )
    assert metric(at, "Runs") == "12"
    assert metric(at, "Distinct optima") == str(len(expected.optima))
    assert metric(at, "Best log L") == log_l(expected.best.log_likelihood)
    # The strip: one marker per run, coloured by method; the traces: one line per run.
    strip = figure(at, "explorer_strip")
    markers = [t for t in strip["data"] if t.get("name") in METHODS]
    assert sum(decode(t["y"]).size for t in markers) == 12
    lines = figure(at, "explorer_traces")["data"]
    assert sum(1 for t in lines if t.get("mode") == "lines" and t.get("name") != "selected") >= 12
    optima = traces(figure(at, "explorer_optima"), prefix="optimum")
    # The optima table in the notes' notation: μₖ, σₖ², πₖ, numbers with the true minus.
    table = next(df.value for df in at.dataframe if "optimum" in df.value.columns)
    assert {"μₖ", "σₖ²", "πₖ"} <= set(table.columns)
    assert not any("_" in c for c in table.columns)
    best = got.optima[0].params
    assert table["μₖ"][0] == ", ".join(short(m, 6) for m in best.means)
    assert table["σₖ²"][0] == ", ".join(short(v, 4) for v in best.variances)
    assert len(optima) == min(len(expected.optima), 8)


def test_method_summary_has_one_row_per_method_with_shares():
    at = run_restarts(open_explorer(), 8)
    table = next(df.value for df in at.dataframe if "reached the best optimum" in df.value)
    assert len(table) == len(METHODS)
    assert table["runs"].sum() == 8
    shares = table["reached the best optimum"]
    assert ((shares >= 0) & (shares <= 1)).all()
    summary = exploration(at).method_summary()
    np.testing.assert_array_equal(shares, [r["best_share"] for r in summary])
    np.testing.assert_array_equal(
        table["median iterations"], [r["median_iterations"] for r in summary]
    )


def test_opening_a_run_in_the_stepper_reproduces_it_bit_for_bit():
    at = run_restarts(open_explorer(), 10, seed=4)
    run = exploration(at).runs[7]  # methods[7 % 4] = kmeans, seed 4 + 7 // 4 = 5
    at.number_input(key="explorer_pick").set_value(7).run()
    assert any("**Run 7**" in m.value for m in at.markdown)
    opened_in_stepper(click(at, "explorer_open"))
    state = stepper(at)
    assert (state.t, state.phase) == (0, "M")
    assert state.settings.init_method == run.method == "kmeans"
    assert state.settings.seed == run.seed == 5
    np.testing.assert_array_equal(state.params.means, run.trajectory[0][1])
    np.testing.assert_array_equal(state.params.variances, run.trajectory[0][2])
    # Stepping through the run retraces it: the same θ_t and log L at every iteration.
    click(at, "run")
    state = stepper(at)
    assert state.t == run.n_iter
    np.testing.assert_array_equal(state.run.log_likelihoods, run.log_likelihoods)
    np.testing.assert_array_equal(state.params.means, run.params.means)


def test_changing_the_model_hides_stale_results_and_a_refused_model_keeps_them():
    at = run_restarts(open_explorer(), 4)
    before = exploration(at)
    at.number_input(key="n_components").set_value(2).run()
    assert any("changed since the last exploration" in i.value for i in at.info)
    assert not at.get("plotly_chart")
    click(at, "explorer_run")
    assert exploration(at).n_components == 2
    # Old Faithful eruptions have 126 distinct values; K = 10 fits, but a data set of three
    # distinct values cannot take K = 4: the error is shown and the results stay.
    at.radio(key="data_source").set_value("Upload").run()
    at.file_uploader(key="upload").set_value(("three.csv", b"1\n2\n3\n1\n2\n3\n", "text/csv")).run()
    at.number_input(key="n_components").set_value(4).run()
    click(at, "explorer_run")
    assert any("distinct" in e.value for e in at.error)
    assert exploration(at).n_components == 2
    assert before is not exploration(at)


def test_results_survive_a_visit_to_another_page():
    at = run_restarts(open_explorer(), 4)
    at.switch_page("app_pages/stepper.py").run()
    click(at, "step")
    open_explorer(at)
    assert metric(at, "Runs") == "4"
    assert at.get("plotly_chart")


def test_the_best_run_is_selected_and_is_a_fit_with_its_seed():
    at = run_restarts(open_explorer(), 8, seed=2)
    result = exploration(at)
    pick = at.number_input(key="explorer_pick").value
    assert pick == result.best_run.index
    run = result.runs[pick]
    settings = stepper(at).settings
    again = fit(
        at.session_state["active_data"].x,
        settings.n_components,
        init=run.method,
        seed=run.seed,
        tol=settings.tol,
        max_iter=settings.max_iter,
    )
    assert again.log_likelihood == run.log_likelihood


@pytest.mark.slow
def test_a_run_on_a_bundled_data_set_opens_on_that_data_set():
    at = new_app()
    at.radio(key="data_source").set_value("Data set").run()
    at.selectbox(key="dataset").set_value("old_faithful_eruptions").run()
    at = run_restarts(open_explorer(at), 6, seed=1)
    run = exploration(at).runs[3]
    at.number_input(key="explorer_pick").set_value(3).run()
    opened_in_stepper(click(at, "explorer_open"))
    at.run()
    assert at.session_state["active_data"].data_id == "ds:old_faithful_eruptions"
    state = stepper(at)
    assert state.data_id == "ds:old_faithful_eruptions" and state.t == 0
    np.testing.assert_array_equal(state.params.means, run.trajectory[0][1])
    assert state.run.log_likelihoods[0] == run.log_likelihoods[0]


def test_link_problems_are_said_on_the_page_the_link_opens():
    at = open_link({"src": "up", "K": "99"}, PAGE)
    messages = " ".join(t.value for t in at.toast)
    assert "cannot carry uploaded data" in messages and "`K=99`" in messages


@pytest.mark.slow
def test_degenerate_runs_are_reported():
    """Fifteen copies of 2.5 beside a smooth bump (uploaded): with K = 2 the restarts put a
    component on the copies; the page counts them, flags their optimum and the method table
    gives the share; with the prior from the sidebar no run ends degenerate."""
    rng = np.random.default_rng(0)
    rng.normal(0.0, 1.0, 200)
    values = np.concatenate([rng.normal(0.0, 1.0, 200), np.full(15, 2.5)])
    at = new_app()
    at.radio(key="data_source").set_value("Upload").run()
    content = "\n".join(repr(float(v)) for v in values).encode()
    at.file_uploader(key="upload").set_value(("spike.csv", content, "text/csv")).run()
    at.number_input(key="n_components").set_value(2).run()
    at = run_restarts(open_explorer(at), 8)
    result = exploration(at)
    bad = [r for r in result.runs if r.degenerate]
    assert bad and all("collapsed onto x = 2.5" in r.degenerate for r in bad)
    assert any(f"{len(bad)} of 8 runs ended degenerate" in w.value for w in at.warning)
    table = next(
        df.value
        for df in at.dataframe
        if "degenerate" in df.value.columns and "method" in df.value.columns
    )
    assert (table["degenerate"] * table["runs"]).sum() == pytest.approx(len(bad))
    at.toggle(key="prior").set_value(True).run()
    at = run_restarts(at, 8)
    assert not any(r.degenerate for r in exploration(at).runs)
    assert exploration(at).runs[0].log_likelihoods.size > 1
