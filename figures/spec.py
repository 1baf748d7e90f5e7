"""Figures from plain dicts: the spec is built as dicts and lists, and plotly's validators are
skipped when it becomes a ``go.Figure``.

Validating a figure (``go.Figure(spec)``, ``make_subplots``, ``add_trace``) costs 20–110 ms for
the stepper's charts, most of a click's server time; a figure made from the same dict without
validation costs 1–3 ms, and ``st.plotly_chart`` only calls its ``to_dict()``. The specs are
checked by the tests instead: each builder's output is validated there (``go.Figure(spec)``), so
a misspelt key fails a test rather than the browser.
"""

from __future__ import annotations

import copy
from functools import lru_cache
from typing import Any

import plotly.graph_objects as go
import plotly.io as pio

__all__ = ["TEMPLATE", "serialisable", "template", "trace_object", "unvalidated"]

#: The template of every figure built here (plotly's ``plotly_white``).
TEMPLATE = "plotly_white"


@lru_cache(maxsize=4)
def _template_json(name: str) -> dict[str, Any]:
    return pio.templates[name].to_plotly_json()


def template(name: str = TEMPLATE) -> dict[str, Any]:
    """The named plotly template as a plain dict (what ``template=name`` expands to when a
    figure is validated); a copy, so a figure may change it."""
    return copy.deepcopy(_template_json(name))


def unvalidated(spec: dict[str, Any]) -> go.Figure:
    """``go.Figure`` of a plain spec ``{"data": [...], "layout": {...}}`` without validation.

    Uses plotly's private ``_validate=False`` flag of ``go.Figure`` (plotly 7.1.0, pinned in
    requirements.txt): the figure holds the dicts as given; ``fig.data[i].y``,
    ``fig.layout.yaxis.range`` etc. read them as usual, and ``to_dict()`` / ``to_json()``
    serialise them (numpy arrays as base64 typed arrays). ``None`` values in the layout are
    dropped (plotly leaves such properties unset). A spec is only as valid as its builder:
    tests validate each builder's output with ``go.Figure(spec)``.
    """
    layout = {k: v for k, v in spec.get("layout", {}).items() if v is not None}
    return go.Figure({"data": list(spec.get("data", [])), "layout": layout}, _validate=False)


class _SpecFigure(go.Figure):
    """A figure that is only its spec, for a consumer that calls ``to_dict()`` and nothing
    else (``st.plotly_chart``): no trace or layout objects are built."""

    def __init__(self, spec: dict[str, Any]) -> None:  # no go.Figure.__init__: nothing built
        self._spec = spec

    def to_dict(self) -> dict[str, Any]:
        return self._spec


def serialisable(spec: dict[str, Any]) -> go.Figure:
    """What :func:`unvalidated` gives ``st.plotly_chart`` — the same ``to_dict()`` — without
    building the figure's objects and deep-copying them (~10 ms a chart on every click).

    Only ``to_dict()`` works on the result. The spec's dicts are converted in place (numpy
    arrays become plotly's base64 typed arrays, as ``go.Figure.to_dict`` does): hand it a
    spec built for this one chart (``ui.lecture.chart_spec`` makes a new one).
    """
    from _plotly_utils.utils import convert_to_base64

    layout = {k: v for k, v in spec.get("layout", {}).items() if v is not None}
    # "type" last in each trace, as a go.Figure's to_dict() writes it: the same bytes.
    data = [
        {**{k: v for k, v in trace.items() if k != "type"}, "type": trace.get("type", "scatter")}
        for trace in spec.get("data", [])
    ]
    result = {"data": data, "layout": layout}
    convert_to_base64(result)
    return _SpecFigure(result)


def trace_object(trace: dict[str, Any]) -> go.BaseTraceType:
    """A validated ``go`` trace (``go.Bar``, ``go.Scatter``, …) from a trace dict with its
    ``"type"``, for figures still assembled from trace objects."""
    props = dict(trace)
    kind = props.pop("type")
    cls = {"bar": go.Bar, "scatter": go.Scatter}.get(kind)
    if cls is None:
        raise ValueError(f"no trace class for type {kind!r}")
    return cls(props)
