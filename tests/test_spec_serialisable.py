"""``figures.spec.serialisable``: what ``st.plotly_chart`` sends for it is the JSON it sends for
the unvalidated ``go.Figure`` of the same styled spec (``ui.lecture.chart``'s former path) —
equal once parsed (a go.Figure writes each trace's keys sorted), the same length —, for every
stepper chart, in normal and lecture mode, with numpy arrays as typed arrays."""

from __future__ import annotations

import base64
import copy
import json

import hypothesis.extra.numpy as hnp
import hypothesis.strategies as st
import numpy as np
import plotly.io as pio
import pytest
from hypothesis import given, settings
from plotly.tools import return_figure_from_figure_or_data

from figures.convergence import aitken_trace_spec
from figures.mixture import mixture_figure_spec
from figures.spec import serialisable, typed_array, typed_arrays, unvalidated
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


# --------------------------------------------------------------------------- typed arrays

DTYPES = ["int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64",
          "float32", "float64", "bool", ">f8", "<i8"]  # fmt: skip


@st.composite
def arrays(draw) -> np.ndarray:
    dtype = np.dtype(draw(st.sampled_from(DTYPES)))
    shape = draw(st.sampled_from([(0,), (1,), (7,), (3, 2), (2, 5)]))
    if dtype.kind == "f":
        elements = st.floats(allow_nan=True, allow_infinity=True, width=8 * dtype.itemsize)
    elif dtype.kind == "b":
        elements = st.booleans()
    else:
        info = np.iinfo(dtype)
        # 64-bit integers: values that fit 8, 16, 32 bits, and ones that fit none
        bound = draw(st.sampled_from([100, 30_000, 2_000_000_000, int(info.max)]))
        elements = st.integers(max(int(info.min), -bound), min(int(info.max), bound))
    return draw(hnp.arrays(dtype, shape, elements=elements))


nodes = st.recursive(
    arrays() | st.floats(allow_nan=False) | st.text(max_size=3) | st.none(),
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.sampled_from(["x", "y", "range", "layers", "marker", "z"]), inner,
                      max_size=4),
    max_leaves=12,
)  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(spec=st.dictionaries(st.sampled_from(["data", "layout", "y"]), nodes, max_size=3))
def test_typed_arrays_write_what_plotly_writes(spec) -> None:
    """``figures.spec.typed_arrays`` (ours) against plotly's own encoder of ``go.Figure``'s
    arrays (``convert_to_base64``, plotly 7.1.0): the same JSON for any nesting of dicts and
    lists holding arrays of every dtype and shape (64-bit integers narrowed or kept,
    non-native byte order kept, empty arrays kept), and the same under plain-array keys."""
    from _plotly_utils.utils import convert_to_base64

    ours, reference = copy.deepcopy(spec), copy.deepcopy(spec)
    typed_arrays(ours)
    convert_to_base64(reference)
    assert canonical(ours) == canonical(reference)


def canonical(node):
    """``node`` with every array left as an array written as the plain list JSON makes of it,
    so two trees compare equal when they would serialise alike (orjson refuses some arrays,
    e.g. of non-native byte order, so JSON itself is not the yardstick)."""
    if isinstance(node, dict):
        return {key: canonical(value) for key, value in node.items()}
    if isinstance(node, list | tuple):
        return [canonical(value) for value in node]
    if isinstance(node, np.ndarray):
        return ("plain list", canonical(node.tolist()))
    if isinstance(node, float) and np.isnan(node):
        return "nan"
    return node


def test_typed_array_round_trips() -> None:
    values = np.array([[1.5, -2.0], [3.25, np.inf]])
    spec = typed_array(values)
    assert spec["dtype"] == "f8" and spec["shape"] == "2, 2"
    decoded = np.frombuffer(base64.b64decode(spec["bdata"]), dtype="<f8").reshape(2, 2)
    np.testing.assert_array_equal(decoded, values)
    assert typed_array(np.array([3, 200], dtype=np.int64))["dtype"] == "i2"  # signed stays signed
    small = typed_array(np.array([-3, 100], dtype=np.int64))
    assert small["dtype"] == "i1"
    np.testing.assert_array_equal(np.frombuffer(base64.b64decode(small["bdata"]), "i1"), [-3, 100])
