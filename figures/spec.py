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
from collections.abc import Callable
from functools import lru_cache, wraps
from inspect import signature
from typing import Any, ParamSpec

import plotly.graph_objects as go
import plotly.io as pio

__all__ = [
    "TEMPLATE",
    "centre_note",
    "figure_builder",
    "spec_of",
    "template",
    "trace_object",
    "unvalidated",
]

P = ParamSpec("P")

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


def centre_note(text: str, *, xref: str = "paper", yref: str = "paper") -> dict[str, Any]:
    """A grey note in the middle of the plot (``xref``/``yref``: which area), e.g. "no runs
    yet" on an empty chart, as an annotation dict (``fig.add_annotation(**note)``)."""
    return {
        "text": text,
        "xref": xref,
        "yref": yref,
        "x": 0.5,
        "y": 0.5,
        "showarrow": False,
        "font": {"color": "#666", "size": 13},
    }


def spec_of(
    data: list[dict[str, Any]],
    layout: dict[str, Any],
    *,
    annotations: list[dict[str, Any]] | None = None,
    shapes: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The spec ``{"data": data, "layout": layout}``; the layout's ``annotations`` and
    ``shapes`` are set only when there are some (as plotly leaves them unset)."""
    if annotations:
        layout["annotations"] = annotations
    if shapes:
        layout["shapes"] = shapes
    return {"data": data, "layout": layout}


def figure_builder(build_spec: Callable[P, dict[str, Any]]) -> Callable[P, go.Figure]:
    """The figure builder of a spec builder: same parameters and documentation, returning
    ``unvalidated(build_spec(...))``, the figure without plotly's validation (the tests
    validate the spec).

    Named after the spec builder without its ``_spec`` and with ``_figure`` (``trace_figure``
    of ``trace_figure_spec``, ``aitken_trace_figure`` of ``aitken_trace_spec``).
    """

    @wraps(build_spec)
    def build(*args: P.args, **kwargs: P.kwargs) -> go.Figure:
        return unvalidated(build_spec(*args, **kwargs))

    stem = build_spec.__name__.removesuffix("_spec")
    build.__name__ = stem if stem.endswith("_figure") else f"{stem}_figure"
    build.__qualname__ = build.__name__
    build.__doc__ = (
        f"``{build_spec.__name__}(...)`` as a ``go.Figure`` built without validation "
        f"(:func:`figures.spec.unvalidated`).\n\n    {build_spec.__doc__ or ''}"
    )
    build.__annotations__ = {**build_spec.__annotations__, "return": "go.Figure"}
    build.__signature__ = signature(build_spec).replace(  # type: ignore[attr-defined]
        return_annotation="go.Figure"
    )
    return build


def trace_object(trace: dict[str, Any]) -> go.BaseTraceType:
    """A validated ``go`` trace (``go.Bar``, ``go.Scatter``, …) from a trace dict with its
    ``"type"``, for figures still assembled from trace objects."""
    props = dict(trace)
    kind = props.pop("type")
    cls = {"bar": go.Bar, "scatter": go.Scatter}.get(kind)
    if cls is None:
        raise ValueError(f"no trace class for type {kind!r}")
    return cls(props)
