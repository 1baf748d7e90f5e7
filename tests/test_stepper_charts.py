"""The stepper's charts and the charts one click ahead (ui/stepper_charts.py), outside
Streamlit: the figure sent ahead for a move is the figure built at the position the move
leads to; moves to one position share one figure; a chart a move leaves alone is not sent;
the charts kept from the last rerun are not built again; the fingerprint sees every input."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from gmm_core.binning import bin_edges, histogram, responsibility_by_bin
from ui import stepper_charts as sc
from ui.pure import run_state as rs


@pytest.fixture(scope="module")
def x() -> np.ndarray:
    rng = np.random.default_rng(7)
    return np.concatenate([rng.normal(0.0, 1.0, 400), rng.normal(5.0, 1.5, 600)])


@pytest.fixture(scope="module")
def inputs(x) -> sc.ChartInputs:
    edges = bin_edges(x, None)
    return sc.ChartInputs(
        data_id="test",
        title="two bumps",
        axis_label="x",
        edges=edges,
        counts=histogram(x, edges),
        truth=None,
        highlight=None,
        lecture=False,
        n_points=x.size,
        shares=lambda params: responsibility_by_bin(x, params, edges),
    )


def moves(state: rs.StepperState, x: np.ndarray) -> list[sc.Move]:
    """Next iteration, and the next half step (E-step at phase M, M-step at phase E)."""
    half = rs.e_half_step(state) if state.phase == "M" else rs.m_half_step(state, x)
    return [
        sc.Move(rs.next_iteration(state, x), ("step",), ("N",)),
        sc.Move(half, ("next_half",), ("PageDown",)),
    ]


def tokens_at(state: rs.StepperState, inputs: sc.ChartInputs) -> tuple[str, str]:
    charts, _ = sc.live_charts(state, inputs, (), {})
    return charts.mixture.token, charts.trace.token


def test_the_figures_ahead_are_the_figures_at_the_positions_the_moves_lead_to(x, inputs):
    state = rs.new_state(x, "test", rs.ModelSettings())
    for _ in range(3):
        charts, _ = sc.live_charts(state, inputs, moves(state, x), {})
        for move in moves(state, x):
            mixture, trace = tokens_at(move.state, inputs)
            (sent,) = [a for a in charts.mixture_ahead if move.buttons[0] in a.buttons]
            assert sent.figure.token == mixture
            traced = [a for a in charts.trace_ahead if move.buttons[0] in a.buttons]
            assert [a.figure.token for a in traced] == (
                [] if trace == charts.trace.token else [trace]
            )
        state = rs.next_iteration(state, x)


def test_an_e_step_sends_no_trace_and_moves_to_one_position_share_a_figure(x, inputs):
    at_m = rs.next_iteration(rs.new_state(x, "test", rs.ModelSettings()), x)
    charts, _ = sc.live_charts(at_m, inputs, moves(at_m, x), {})
    assert len(charts.mixture_ahead) == 2
    # The E-step leaves log L and the iteration alone: only Next iteration's trace is sent.
    assert [a.buttons for a in charts.trace_ahead] == [("step",)]
    at_e = rs.e_half_step(at_m)
    charts, _ = sc.live_charts(at_e, inputs, moves(at_e, x), {})
    # From phase E, the M-step and Next iteration both land at (t + 1, M).
    (merged,) = charts.mixture_ahead
    assert merged.buttons == ("step", "next_half") and merged.keys == ("N", "PageDown")


def test_the_next_rerun_takes_its_charts_from_the_memo(x, inputs, monkeypatch):
    built = []
    real = sc._live

    def counting(state, chart_inputs):
        built.append((state.t, state.phase))
        return real(state, chart_inputs)

    monkeypatch.setattr(sc, "_live", counting)
    state = rs.new_state(x, "test", rs.ModelSettings())
    _, memo = sc.live_charts(state, inputs, moves(state, x), {})
    assert built == [(0, "M"), (1, "M"), (0, "E")]  # here, and the two positions ahead
    assert len(memo) == 2
    built.clear()
    clicked = rs.next_iteration(state, x)  # the user clicked Next iteration
    charts, memo = sc.live_charts(clicked, inputs, moves(clicked, x), memo)
    assert built == [(2, "M"), (1, "E")]  # its own charts came from the memo
    assert charts.mixture.token == tokens_at(clicked, inputs)[0]


def test_the_fingerprint_sees_the_position_and_every_display_input(x, inputs):
    state = rs.next_iteration(rs.new_state(x, "test", rs.ModelSettings()), x)
    same = sc.fingerprint(state, dataclasses.replace(inputs))
    assert sc.fingerprint(state, inputs) == same
    others = [
        sc.fingerprint(rs.e_half_step(state), inputs),
        sc.fingerprint(rs.next_iteration(state, x), inputs),
        sc.fingerprint(state, dataclasses.replace(inputs, lecture=True)),
        sc.fingerprint(state, dataclasses.replace(inputs, highlight=1.0)),
        sc.fingerprint(state, dataclasses.replace(inputs, title="other")),
        sc.fingerprint(state, dataclasses.replace(inputs, edges=inputs.edges[::2])),
        # The same run to the same point, another stopping rule (another trace figure).
        sc.fingerprint(
            rs.next_iteration(rs.new_state(x, "test", rs.ModelSettings(stopping="gain")), x),
            inputs,
        ),
    ]
    assert same not in others and len(set(others)) == len(others)
