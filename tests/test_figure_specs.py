"""The stepper's figures are built as plain dicts and handed to plotly unvalidated
(figures/spec.py). Here every spec is validated by plotly (``go.Figure(spec)``: a misspelt key or
a wrong value fails), and the unvalidated figure is checked to draw exactly what the validated one
does (same JSON once typed arrays are decoded); ``ui.lecture.chart_spec`` is checked against the
figure-level styling it replaces."""

from __future__ import annotations

import base64
import copy
import inspect
import json

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
import pytest

from figures.convergence import aitken_trace_figure, aitken_trace_spec, with_aitken_asymptote
from figures.mixture import mixture_figure, mixture_figure_spec
from figures.spec import serialisable, template, trace_object, unvalidated
from figures.trace import trace_figure, trace_figure_spec
from gmm_core import MixtureParams, sample
from gmm_core.binning import bin_edges, histogram, responsibility_by_bin
from ui.lecture import chart_spec, presentation

THREE = MixtureParams([0.35, 0.45, 0.2], [-2.0, 1.5, 5.0], [1.0, 0.64, 1.69])
FIVE = MixtureParams(np.full(5, 0.2), 3.0 * np.arange(5), np.full(5, 0.5))


@pytest.fixture(scope="module")
def binned():
    x, _ = sample(THREE, 5_000, np.random.default_rng(1))
    edges = bin_edges(x, 40)
    return edges, histogram(x, edges), responsibility_by_bin(x, THREE, edges)


def _number(v: float) -> float | str:
    return "nan" if np.isnan(v) else float(v)  # NaN != NaN: compare gaps by name


def plain_json(value):
    """JSON-ready data with plotly's typed arrays {dtype, bdata} decoded to float lists, and
    every number a float (NaN as "nan"), so two serialisations of one drawing compare equal."""
    if isinstance(value, dict) and "bdata" in value:
        array = np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
        return [_number(v) for v in array.astype(float).ravel()]
    if isinstance(value, dict):
        return {k: plain_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain_json(v) for v in value]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _number(value)
    return value


def drawn(fig: go.Figure) -> dict:
    """What the browser receives (Streamlit sends ``to_json`` of ``fig.to_dict()``)."""
    return plain_json(json.loads(pio.to_json(fig.to_dict(), validate=False)))


def validated(spec: dict) -> go.Figure:
    """The spec through plotly's validators; raises on any invalid key or value."""
    layout = {k: v for k, v in spec["layout"].items() if v is not None}
    return go.Figure({"data": copy.deepcopy(spec["data"]), "layout": copy.deepcopy(layout)})


def mixture_cases(edges, counts, shares):
    yield {}
    yield {"bin_shares": shares, "responsibility_params": THREE}
    yield {
        "bin_shares": shares,
        "responsibility_params": THREE,
        "truth": THREE,
        "highlight_x": 0.5,
        "x_label": "eruption (min)",
    }
    yield {"legend": "side", "height": None, "truth": FIVE}
    yield {"legend": "top"}


@pytest.mark.parametrize("case", range(5))
def test_mixture_spec_is_valid_and_draws_what_the_validated_figure_draws(binned, case):
    edges, counts, shares = binned
    kwargs = list(mixture_cases(edges, counts, shares))[case]
    params = FIVE if case == 3 else THREE
    spec = mixture_figure_spec(edges, counts, params, **kwargs)
    assert drawn(unvalidated(spec)) == drawn(validated(spec))
    assert drawn(mixture_figure(edges, counts, params, **kwargs)) == drawn(validated(spec))


def test_collapsed_component_note_is_valid(binned):
    edges, counts, _ = binned
    spiky = MixtureParams([0.5, 0.5], [0.0, 2.0], [1e-300, 1.0])
    spec = mixture_figure_spec(edges, counts, spiky)
    fig = validated(spec)
    assert any("peaks at" in a.text for a in fig.layout.annotations)
    assert drawn(unvalidated(spec)) == drawn(fig)


@pytest.mark.parametrize(
    ("ll", "kwargs"),
    [
        (-100.0 - 5.0 * 0.6 ** np.arange(15), {"current": 3}),
        (-100.0 - 5.0 * 0.6 ** np.arange(15), {"current": 14, "converged_at": 12}),
        (np.array([-500.0, -300, -290, -289, -289.5, -288.9]), {"current": 2}),  # a decrease
        (np.array([-5.0]), {"current": 0, "height": 260}),
    ],
)
def test_trace_specs_are_valid_and_match(ll, kwargs):
    for spec in (trace_figure_spec(ll, **kwargs), aitken_trace_spec(ll, **kwargs)):
        assert drawn(unvalidated(spec)) == drawn(validated(spec))
    assert drawn(trace_figure(ll, **kwargs)) == drawn(validated(trace_figure_spec(ll, **kwargs)))
    # The stepper's one-step Aitken figure is the old two-step one.
    layered = with_aitken_asymptote(
        go.Figure(trace_figure(ll, **kwargs)), ll, kwargs.get("converged_at")
    )
    assert drawn(aitken_trace_figure(ll, **kwargs)) == drawn(layered)


def test_limit_note_only_until_convergence():
    """The "limit ≈" note would sit on the "converged at" label (seen in lecture mode)."""
    ll = -100.0 - 5.0 * 0.6 ** np.arange(15)

    def notes(spec: dict) -> list[str]:
        return [a["text"] for a in spec["layout"].get("annotations", [])]

    assert any(t.startswith("limit ≈") for t in notes(aitken_trace_spec(ll, current=8)))
    done = notes(aitken_trace_spec(ll, current=14, converged_at=12))
    assert not any(t.startswith("limit ≈") for t in done)
    assert any("converged at 12" in t for t in done)


def test_unvalidated_figure_reads_like_a_figure(binned):
    edges, counts, shares = binned
    fig = mixture_figure(edges, counts, THREE, bin_shares=shares, responsibility_params=THREE)
    assert fig.layout.yaxis2.range == (0, 1.001)
    assert [t.type for t in fig.data][:3] == ["bar"] * 3
    assert fig.data[0].y.dtype == np.float32 and len(fig.data[-1].y) == len(fig.data[-2].x)
    assert fig.layout.template.layout.plot_bgcolor == "white"


def test_a_misspelt_key_fails_validation():
    spec = trace_figure_spec(np.array([-3.0, -2.0]), current=1)
    spec["layout"]["xaxis"]["tickz"] = 0
    with pytest.raises(ValueError, match="tickz"):
        validated(spec)
    unvalidated(spec)  # unvalidated, it would reach the browser: hence the tests above


def test_template_is_plotly_white_shared_and_left_unchanged(binned):
    """One template dict for every figure (no copy per chart): building, styling and
    serialising the stepper's charts, in both modes, leave it equal to plotly_white."""
    reference = pio.templates["plotly_white"].to_plotly_json()
    assert template() is template()
    assert template() == reference
    edges, counts, shares = binned
    for lecture in (False, True):
        for spec in (
            mixture_figure_spec(edges, counts, THREE, bin_shares=shares, truth=THREE),
            trace_figure_spec(np.array([-3.0, -2.0, -1.5]), current=1),
        ):
            assert spec["layout"]["template"] is template()
            serialisable(chart_spec(spec, lecture=lecture)).to_dict()
    assert template() == reference
    assert "bdata" not in json.dumps(template())  # no arrays in it: serialisable skips it
    with pytest.raises(ValueError, match="no trace class"):
        trace_object({"type": "heatmap", "z": [[1]]})


def old_chart_styling(fig: go.Figure, lecture: bool) -> go.Figure:
    """What ``ui.lecture.chart`` did to a ``go.Figure`` before the dict path (and still does
    to one)."""
    fig.update_layout(font={"color": "#000000" if lecture else "#262730"})
    fig.update_xaxes(tickfont={"color": "#31333f"}, title_font={"color": "#262730"})
    fig.update_yaxes(tickfont={"color": "#31333f"}, title_font={"color": "#262730"})
    return presentation(fig) if lecture else fig


@pytest.mark.parametrize("lecture", [False, True])
def test_chart_spec_styles_like_the_figure_path(binned, lecture):
    edges, counts, shares = binned
    specs = [
        mixture_figure_spec(
            edges, counts, THREE, bin_shares=shares, responsibility_params=THREE, truth=THREE
        ),
        aitken_trace_spec(-100.0 - 5.0 * 0.6 ** np.arange(15), current=3, converged_at=12),
    ]
    for spec in specs:
        before = copy.deepcopy(spec["layout"])
        styled = chart_spec(spec, lecture=lecture)
        assert spec["layout"] == before  # the input is left alone
        expected = old_chart_styling(validated(spec), lecture)
        assert drawn(validated(styled)) == drawn(expected)
        assert drawn(unvalidated(styled)) == drawn(expected)


def test_rows_are_laid_out_as_make_subplots_did(binned):
    from plotly.subplots import make_subplots

    edges, counts, _ = binned
    grid = make_subplots(
        rows=2, cols=1, shared_xaxes=True, row_heights=[0.74, 0.26], vertical_spacing=0.05
    ).layout
    layout = mixture_figure(edges, counts, THREE).layout
    for axis in ("xaxis", "yaxis", "xaxis2", "yaxis2"):
        for prop in ("anchor", "domain", "matches", "showticklabels"):
            assert layout[axis][prop] == pytest.approx(grid[axis][prop]) or (
                layout[axis][prop] == grid[axis][prop]
            ), (axis, prop)


@pytest.mark.parametrize(
    ("name", "figure", "spec"),
    [
        ("mixture_figure", mixture_figure, mixture_figure_spec),
        ("trace_figure", trace_figure, trace_figure_spec),
        ("aitken_trace_figure", aitken_trace_figure, aitken_trace_spec),
    ],
)
def test_a_figure_builder_has_its_spec_builders_parameters_and_documentation(name, figure, spec):
    """figure_builder: one signature and docstring, on the spec builder; the figure builder
    shows them (help(), an IDE) with its own name and return type."""
    assert figure.__name__ == figure.__qualname__ == name
    shown, own = inspect.signature(figure), inspect.signature(spec)
    assert list(shown.parameters.values()) == list(own.parameters.values())
    assert shown.return_annotation == "go.Figure" and own.return_annotation == "dict"
    assert inspect.cleandoc(spec.__doc__) in inspect.cleandoc(figure.__doc__)
    assert f"``{spec.__name__}(...)`` as a ``go.Figure``" in figure.__doc__
