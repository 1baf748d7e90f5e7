"""``figures.spec.serialisable``: what ``st.plotly_chart`` sends for it is the JSON it sends for
the unvalidated ``go.Figure`` of the same styled spec (``ui.lecture.chart``'s former path) —
equal once parsed (a go.Figure writes each trace's keys sorted), the same length —, for every
stepper chart, in normal and lecture mode, with numpy arrays as typed arrays."""

from __future__ import annotations

import json

import numpy as np
import plotly.io as pio
import pytest
from plotly.tools import return_figure_from_figure_or_data

from figures.convergence import aitken_trace_spec
from figures.mixture import mixture_figure_spec
from figures.spec import serialisable, unvalidated
from figures.trace import trace_figure_spec
from gmm_core import MixtureParams, sample
from gmm_core.binning import bin_edges, histogram, responsibility_by_bin
from ui.lecture import chart_spec

THREE = MixtureParams([0.35, 0.45, 0.2], [-2.0, 1.5, 5.0], [1.0, 0.64, 1.69])
LL = np.array([-900.0, -850.0, -840.0, -838.0, -837.9])


def sent(figure) -> str:
    """What ``st.plotly_chart`` puts in its message for ``figure`` (Streamlit 1.67's path)."""
    as_dict = return_figure_from_figure_or_data(figure, validate_figure=True)
    return pio.to_json(as_dict, validate=False)


def specs():
    x, _ = sample(THREE, 3_000, np.random.default_rng(2))
    edges = bin_edges(x, 30)
    counts, shares = histogram(x, edges), responsibility_by_bin(x, THREE, edges)
    yield "mixture", lambda: mixture_figure_spec(edges, counts, THREE)
    yield "mixture+γ", lambda: mixture_figure_spec(
        edges, counts, THREE, bin_shares=shares, responsibility_params=THREE, truth=THREE,
        highlight_x=0.5,
    )  # fmt: skip
    yield "trace", lambda: trace_figure_spec(LL, current=2, converged_at=None)
    yield "aitken", lambda: aitken_trace_spec(LL, current=4, converged_at=None)


@pytest.mark.parametrize("lecture", [False, True])
@pytest.mark.parametrize(("name", "build"), list(specs()), ids=[n for n, _ in specs()])
def test_serialisable_sends_what_the_unvalidated_figure_sends(name, build, lecture) -> None:
    ours = sent(serialisable(chart_spec(build(), lecture=lecture)))
    reference = sent(unvalidated(chart_spec(build(), lecture=lecture)))
    assert json.loads(ours) == json.loads(reference), name
    assert len(ours) == len(reference)
    assert '"bdata"' in ours  # numpy arrays went as plotly's base64 typed arrays
    assert json.loads(ours)["data"] and json.loads(ours)["layout"]


def test_only_to_dict_is_offered() -> None:
    figure = serialisable({"data": [{"y": np.arange(3.0)}], "layout": {"title": None}})
    assert figure.to_dict() == {
        "data": [{"type": "scatter", "y": figure.to_dict()["data"][0]["y"]}],
        "layout": {},  # None dropped, as plotly leaves such properties unset
    }
    assert figure.to_dict()["data"][0]["y"]["dtype"] == "f8"
