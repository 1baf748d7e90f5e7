"""Exports of a run: parameter CSV/JSON (exact round trips), responsibilities CSV (against scipy),
and the standalone HTML animation (one frame per iteration, plays offline)."""

from __future__ import annotations

import io
import json
import re

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from figures import run_animation_figure, run_animation_html
from figures.animation import frame_iterations
from figures.notation import log_l
from gmm_core import MixtureParams, fit, sample
from gmm_core.binning import bin_edges, histogram
from ui.pure import export

TRUTH = MixtureParams([0.3, 0.7], [-2.0, 2.0], [1.0, 0.5])


@pytest.fixture(scope="module")
def run():
    x, _ = sample(TRUTH, 2000, np.random.default_rng(1))
    result = fit(x, 2, init="random", seed=3, tol=0, max_iter=25)
    return x, result.runs[result.best]


def gamma_by_scipy(x: np.ndarray, params: MixtureParams) -> np.ndarray:
    dens = np.column_stack(
        [
            w * stats.norm.pdf(x, m, np.sqrt(v))
            for w, m, v in zip(params.weights, params.means, params.variances, strict=True)
        ]
    )
    return dens / dens.sum(axis=1, keepdims=True)


def test_params_table_has_every_iteration_and_component(run):
    _, r = run
    table = export.params_table(r.history, r.log_likelihoods)
    assert list(table.columns) == ["t", "k", "pi", "mu", "sigma2", "log_likelihood"]
    assert len(table) == 26 * 2
    row = table[(table.t == 7) & (table.k == 2)].iloc[0]
    assert row.mu == r.history[7].means[1] and row.sigma2 == r.history[7].variances[1]
    assert row.log_likelihood == r.log_likelihoods[7]


def test_params_csv_reads_back_the_very_same_floats(run):
    _, r = run
    table = export.params_table(r.history, r.log_likelihoods)
    back = pd.read_csv(io.BytesIO(export.to_csv_bytes(table)))
    pd.testing.assert_frame_equal(back, table, check_exact=True)


def test_run_json_is_strict_and_round_trips_bit_for_bit(run):
    _, r = run
    ll = r.log_likelihoods.copy()
    text = export.run_json(r.history, ll, meta={"K": np.int64(2), "tol": 0.0, "init": "random"})

    def no_constants(name):
        raise ValueError(f"non-standard JSON constant {name}")

    document = json.loads(text, parse_constant=no_constants)
    assert document["format"] == "em-lab-run" and document["n_iterations"] == 25
    assert document["meta"] == {"K": 2, "tol": 0.0, "init": "random"}
    history, lls, meta = export.read_run_json(text)
    assert history == list(r.history)
    np.testing.assert_array_equal(lls, ll)
    assert meta["init"] == "random"


def test_run_json_writes_a_non_finite_log_likelihood_as_null(run):
    _, r = run
    ll = r.log_likelihoods.copy()
    ll[0] = -np.inf
    text = export.run_json(r.history, ll, meta={})
    assert json.loads(text)["log_likelihoods"][0] is None
    assert np.isnan(export.read_run_json(text)[1][0])


def test_read_run_json_refuses_other_documents():
    with pytest.raises(ValueError, match="not an EM Lab run"):
        export.read_run_json('{"format": "something else"}')


def test_responsibilities_csv_agrees_with_scipy_and_rows_sum_to_one(run):
    x, r = run
    table = pd.read_csv(io.BytesIO(export.responsibilities_csv(x, r.params)))
    assert list(table.columns) == ["x", "gamma_1", "gamma_2", "uncertainty"]
    np.testing.assert_array_equal(table["x"], x)
    gamma = table[["gamma_1", "gamma_2"]].to_numpy()
    np.testing.assert_allclose(gamma.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(gamma, gamma_by_scipy(x, r.params), rtol=1e-9, atol=1e-14)
    # mclust's classification uncertainty, 1 − max_k γ(z_nk), from scipy's γ.
    np.testing.assert_allclose(
        table["uncertainty"], 1.0 - gamma_by_scipy(x, r.params).max(axis=1), atol=1e-12
    )
    assert table["uncertainty"].between(0.0, 0.5).all()  # K = 2: at most 1 − 1/K


def test_responsibilities_csv_is_chunked_without_changing_rows():
    x, _ = sample(TRUTH, 120_001, np.random.default_rng(2))
    table = pd.read_csv(io.BytesIO(export.responsibilities_csv(x, TRUTH)))
    assert len(table) == x.size
    np.testing.assert_allclose(
        table[["gamma_1", "gamma_2"]].to_numpy()[-3:], gamma_by_scipy(x[-3:], TRUTH), rtol=1e-9
    )


def test_responsibilities_csv_refuses_too_many_points_and_non_finite_values():
    with pytest.raises(ValueError, match="limited to 10 points"):
        export.responsibilities_csv(np.arange(11.0), TRUTH, max_points=10)
    with pytest.raises(ValueError, match="finite"):
        export.responsibilities_csv(np.array([0.0, np.nan]), TRUTH)


def animation(run, **kwargs):
    x, r = run
    edges = bin_edges(x, None)
    return run_animation_figure(edges, histogram(x, edges), r.history, r.log_likelihoods, **kwargs)


def test_animation_has_one_frame_per_iteration_with_the_right_curves(run):
    _, r = run
    fig = animation(run)
    assert [f.name for f in fig.frames] == [str(t) for t in range(26)]
    assert len(fig.layout.sliders[0].steps) == 26
    assert [b.label for b in fig.layout.updatemenus[0].buttons] == ["▶ Play", "❚❚ Pause"]
    grid = np.asarray(fig.data[1].x, dtype=float)
    theta = r.history[12]
    frame = fig.frames[12]
    for k in range(2):
        want = theta.weights[k] * stats.norm.pdf(grid, theta.means[k], theta.stds[k])
        np.testing.assert_allclose(np.asarray(frame.data[k].y, float), want, rtol=1e-6)
    mixture = np.asarray(frame.data[2].y, float)
    np.testing.assert_allclose(
        mixture, sum(np.asarray(frame.data[k].y, float) for k in range(2)), rtol=1e-6
    )
    assert frame.data[3].text == (f"iteration 12 · log L = {log_l(r.log_likelihoods[12])}",)
    # Frames move only scatter traces and play without a redraw, so the histogram (a step
    # line, not bars) stays on screen.
    assert fig.data[0].name == "histogram" and fig.data[0].type == "scatter"
    play = fig.layout.updatemenus[0].buttons[0]
    assert play.args[1]["frame"]["redraw"] is False
    assert {step.label for step in fig.layout.sliders[0].steps} == {str(t) for t in range(26)}


def test_long_runs_keep_first_and_last_frames():
    shown = frame_iterations(2001, 500)
    assert shown.size <= 500 and shown[0] == 0 and shown[-1] == 2000
    np.testing.assert_array_equal(frame_iterations(7, 500), np.arange(7))


def test_html_is_standalone_and_holds_every_frame(run):
    html = run_animation_html(animation(run, truth=TRUTH))
    # plotly.js is inlined (no <script src=…> to fetch: the page plays offline; the browser
    # test opens it with the network cut off).
    assert not re.search(r"<script[^>]+src=", html)
    assert "Plotly.newPlot" in html and len(html) > 3_000_000
    start = html.index("Plotly.addFrames(")
    payload = html[html.index("[", start) :]
    frames, _ = json.JSONDecoder().raw_decode(payload)
    assert [f["name"] for f in frames] == [str(t) for t in range(26)]
    # It waits for Play: no animation call when the page loads.
    assert "Plotly.animate(" not in html[start:]


def test_run_metadata_names_every_setting_that_decides_the_numbers(run):
    from ui.pure import run_state as rs

    x, _ = run
    settings = rs.ModelSettings(
        n_components=2, init_method="random", seed=4, prior=True, stopping="gain", tol=1e-8
    )
    state = rs.new_state(x, "data-1", settings)
    meta = export.run_metadata(
        state,
        title="t",
        source="Generate",
        n_points=x.size,
        converged_at=None,
        link={"K": "2"},
    )
    assert meta["prior"] is True and meta["stopping"] == "gain" and meta["tol"] == 1e-8
    assert meta["seed"] == 4 and meta["init"] == state.run.init
    assert meta["var_floor"] == state.var_floor and meta["link"] == {"K": "2"}
    document = json.loads(export.run_json(state.run.history, state.run.log_likelihoods, meta=meta))
    assert document["meta"]["stopping"] == "gain"
    manual = rs.ModelSettings(
        n_components=2, init_method="manual", manual=MixtureParams([0.5, 0.5], [-1, 1], [1, 1])
    )
    assert (
        export.run_metadata(
            rs.new_state(x, "data-1", manual),
            title="t",
            source="Generate",
            n_points=x.size,
            converged_at=None,
            link={},
        )["seed"]
        is None
    )
