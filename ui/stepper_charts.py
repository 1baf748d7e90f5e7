"""The stepper's two charts (the histogram with the mixture, and the log L trace), built from
one stepper state, and the same charts one click ahead.

Why one click ahead (issue 10, target 2)
    Without it a click on *Next iteration* shows its chart only once the server's whole
    answer has arrived and the browser has re-rendered the view: 3.5–4.6× a minimal
    Streamlit page's round trip, most of it the browser's work on Streamlit's elements
    (README, *Where that time goes*). So, with the charts on screen, the view sends the charts
    after each forward move a button or a presenter key makes from here (the next iteration,
    the next half step), and the live charts (:mod:`ui.live_chart`) draw them the moment that
    button or key is used. The server's answer then brings the same figures (the same tokens:
    nothing is drawn again) and the status line, the tables and the rest of the view.

What it costs the server
    The states one move ahead (at most one more EM step, as the click itself would take) and
    their figures. Those figures are kept in the session (:data:`MEMO_KEY`, a few hundred KB),
    and the next rerun takes its charts from there when it lands where a move led: each click
    builds the charts of the moves from its new position, not its own again.

The figures are the page's own: :func:`chart_specs` is the one place the stepper's charts
are built, for the position on screen and for the positions ahead alike.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from figures.convergence import aitken_trace_spec
from figures.mixture import mixture_figure_spec
from figures.notation import plural, subscript
from figures.spec import PROJECTOR_FONTS, SCREEN_FONTS
from figures.trace import trace_figure_spec
from gmm_core import MixtureParams
from gmm_core.binning import components_span

from .lecture import live_spec
from .live_chart import Ahead, LiveFigure, live_figure
from .pure import run_state as rs

__all__ = [
    "MEMO_KEY",
    "ChartInputs",
    "ChartSpecs",
    "LiveCharts",
    "Move",
    "chart_specs",
    "fingerprint",
    "live_charts",
]

#: Session key of the charts built for the moves ahead, by :func:`fingerprint`.
MEMO_KEY = "stepper_charts_ahead"


@dataclass(frozen=True)
class ChartInputs:
    """What the stepper's charts are drawn from, apart from the stepper state.

    Attributes
    ----------
    data_id, title, axis_label : str
        The data's identity, its title and its axis label.
    edges : np.ndarray, shape (B+1,)
    counts : np.ndarray, shape (B,)
        The histogram of the data.
    truth : MixtureParams or None
        The mixture the data was drawn from, when shown.
    highlight : float or None
        The point whose responsibilities the maths panel spells out.
    lecture : bool
        Lecture mode (projector type, a side legend, a shorter trace).
    n_points : int
        N, for the stopping rule.
    shares : callable
        ``shares(params)``: Σγ per bin and component, shape (B, K), of the E-step out of
        ``params`` (the page's cached pass over the data).
    """

    data_id: str
    title: str
    axis_label: str
    edges: np.ndarray
    counts: np.ndarray
    truth: MixtureParams | None
    highlight: float | None
    lecture: bool
    n_points: int
    shares: Callable[[MixtureParams], np.ndarray]


class ChartSpecs(NamedTuple):
    """The two charts as plain plotly specs, and their accessible names."""

    mixture: dict[str, Any]
    trace: dict[str, Any]
    mixture_name: str
    trace_name: str


class LiveCharts(NamedTuple):
    """The two charts as the live charts draw them, their names, and each chart's figures one
    click ahead (only those that differ from the figure on screen)."""

    mixture: LiveFigure
    trace: LiveFigure
    mixture_name: str
    trace_name: str
    mixture_ahead: tuple[Ahead, ...]
    trace_ahead: tuple[Ahead, ...]


class Move(NamedTuple):
    """A forward move from the position on screen: where it leads, and the buttons (widget
    keys) and presenter keys that make it."""

    state: rs.StepperState
    buttons: tuple[str, ...]
    keys: tuple[str, ...]


def _x_span(state: rs.StepperState) -> tuple[float, float]:
    # Every θ computed so far and the next one (the run's lookahead): the axis does not zoom
    # at each M-step while the components widen and narrow.
    return components_span((*state.run.history, state.run.lookahead.params))


def chart_specs(state: rs.StepperState, inputs: ChartInputs) -> ChartSpecs:
    """The stepper's charts at ``state``: plain specs (no plotly validation), their margins
    sized for the type they are drawn in (so plotly draws each once)."""
    fonts = PROJECTOR_FONTS if inputs.lecture else SCREEN_FONTS
    resp_params = state.responsibility_params
    mixture = mixture_figure_spec(
        inputs.edges,
        inputs.counts,
        state.params,
        bin_shares=inputs.shares(resp_params) if resp_params else None,
        responsibility_params=resp_params,
        truth=inputs.truth,
        highlight_x=inputs.highlight,
        x_label=inputs.axis_label,
        height=None,
        legend="side" if inputs.lecture else "auto",
        fonts=fonts,
        x_span=_x_span(state),
    )
    lls = state.run.objective  # log L, or the log posterior that MAP-EM raises
    # With Aitken's rule, the limit it estimates is drawn on the trace.
    trace = (aitken_trace_spec if state.settings.stopping == "aitken" else trace_figure_spec)(
        lls,
        current=state.t,
        converged_at=rs.converged_at(state, inputs.n_points),
        # Lecture mode: 235 px and the room for its notes below (figures.trace
        # NOTES_BELOW_MAX), the same height at every step.
        height=235 if inputs.lecture else 300,
        fonts=fonts,
        notes_below=inputs.lecture,  # a narrow plot in projector type: notes clear of its labels
    )
    mixture_name = (
        f"Histogram of {inputs.title} with the {plural(state.params.n_components, 'component')}"
        f" of θ{subscript(state.t)} and their responsibilities"
    )
    trace_name = f"Log-likelihood trace up to iteration {state.frontier}"
    return ChartSpecs(mixture, trace, mixture_name, trace_name)


def _arrays(*params: MixtureParams | None) -> list[np.ndarray]:
    return [a for p in params if p is not None for a in (p.weights, p.means, p.variances)]


def fingerprint(state: rs.StepperState, inputs: ChartInputs) -> str:
    """A digest of everything :func:`chart_specs` draws from: equal fingerprints, equal
    charts (the page's theme and plotly.js aside, which a server does not change)."""
    digest = hashlib.blake2b(digest_size=16)
    text = (
        inputs.data_id,
        inputs.title,
        inputs.axis_label,
        inputs.truth is not None,
        inputs.highlight,
        inputs.lecture,
        inputs.n_points,
        repr(state.settings),
        state.t,
        state.phase,
        _x_span(state),
    )
    digest.update(repr(text).encode("utf-8"))
    arrays = (
        inputs.edges,
        inputs.counts,
        np.asarray(state.run.objective),
        *_arrays(state.params, state.responsibility_params),
    )
    for array in arrays:
        digest.update(np.ascontiguousarray(array).tobytes())
        digest.update(b"|")
    return digest.hexdigest()


def _live(state: rs.StepperState, inputs: ChartInputs) -> tuple[LiveFigure, LiveFigure, str, str]:
    specs = chart_specs(state, inputs)
    return (
        live_figure(live_spec(specs.mixture, lecture=inputs.lecture)),
        live_figure(live_spec(specs.trace, lecture=inputs.lecture)),
        specs.mixture_name,
        specs.trace_name,
    )


def live_charts(
    state: rs.StepperState,
    inputs: ChartInputs,
    moves: Sequence[Move],
    memo: dict[str, tuple[LiveFigure, LiveFigure, str, str]],
) -> tuple[LiveCharts, dict[str, tuple[LiveFigure, LiveFigure, str, str]]]:
    """The live charts at ``state`` and one move ahead.

    Parameters
    ----------
    state : StepperState
        The position on screen.
    inputs : ChartInputs
    moves : sequence of Move
        The forward moves from ``state`` whose charts the browser may draw before the server
        answers (moves to the same position are merged).
    memo : dict
        Charts built earlier, by :func:`fingerprint` (the previous rerun's moves ahead).

    Returns
    -------
    charts : LiveCharts
    memo : dict
        The charts of ``moves``, for the next rerun.
    """
    built = dict(memo)

    def charts_at(position: rs.StepperState) -> tuple[str, tuple[LiveFigure, LiveFigure, str, str]]:
        key = fingerprint(position, inputs)
        if key not in built:
            built[key] = _live(position, inputs)
        return key, built[key]

    _, (mixture, trace, mixture_name, trace_name) = charts_at(state)
    ahead: dict[str, tuple[list[str], list[str]]] = {}
    for move in moves:
        key, _ = charts_at(move.state)
        buttons, names = ahead.setdefault(key, ([], []))
        buttons.extend(b for b in move.buttons if b not in buttons)
        names.extend(k for k in move.keys if k not in names)
    mixture_ahead, trace_ahead = [], []
    for key, (buttons, names) in ahead.items():
        next_mixture, next_trace, next_mixture_name, next_trace_name = built[key]
        if next_mixture.token != mixture.token:
            mixture_ahead.append(
                Ahead(next_mixture, tuple(buttons), tuple(names), next_mixture_name)
            )
        if next_trace.token != trace.token:
            trace_ahead.append(Ahead(next_trace, tuple(buttons), tuple(names), next_trace_name))
    charts = LiveCharts(
        mixture, trace, mixture_name, trace_name, tuple(mixture_ahead), tuple(trace_ahead)
    )
    return charts, {key: built[key] for key in ahead}
