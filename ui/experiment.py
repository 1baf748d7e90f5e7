"""A page's experiment (many EM runs behind one button): run it with a progress bar, keep its
result in the session, and show it only while the data and model it was run on are on screen.

``st.cache_data`` is not used for these: a progress bar drawn outside a cached function cannot
be updated from inside it (Streamlit refuses to replay such calls), and the result belongs to
the user who pressed the button.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import streamlit as st

from figures.notation import plural

from .pure.run_state import ModelSettings
from .pure.settings import MAX_K, SETTING
from .widgets import sentence

__all__ = [
    "Progress",
    "kept_result",
    "largest_k_input",
    "request",
    "run_button",
    "run_terms",
    "run_with_progress",
    "seed_input",
]

T = TypeVar("T")
#: Called as ``progress(done, total)`` by gmm_core's long computations.
Progress = Callable[[int, int], None]


def _requested_key(key: str) -> str:
    return f"{key}_requested"


def request(key: str) -> None:
    """Button callback: ask for experiment ``key`` to run in this rerun."""
    st.session_state[_requested_key(key)] = True


def run_button(
    where: Any, label: str, result: str, *, key: str, needs: str | None = None, **style: Any
) -> None:
    """The button (widget key ``key``) that runs experiment ``result`` in this rerun
    (:func:`request`), drawn in ``where`` (``st`` or a column); disabled while the session
    value ``needs`` (a multiselect's key) is empty. ``style``: ``st.button``'s ``type`` and
    ``width``, "primary" and "stretch" unless given."""
    disabled = needs is not None and not st.session_state[needs]
    style = {"type": "primary", "width": "stretch", **style}
    where.button(label, key=key, on_click=request, args=(result,), disabled=disabled, **style)


def seed_input(where: Any, label: str, *, key: str, help: str | None = None) -> None:
    """A number box for an experiment's seed (widget key ``key``), within the sidebar's seed
    bounds, drawn in ``where``."""
    low, high = SETTING["seed"].bounds  # type: ignore[misc]
    where.number_input(label, min_value=int(low), max_value=int(high), key=key, help=help)


def largest_k_input(
    where: Any, label: str, *, key: str, low: int = 1, help: str | None = None
) -> None:
    """A number box for an experiment's largest K (widget key ``key``), from ``low`` up to
    the app's :data:`ui.pure.settings.MAX_K`, drawn in ``where``."""
    where.number_input(label, min_value=low, max_value=MAX_K, key=key, help=help)


def run_terms(settings: ModelSettings) -> str:
    """How the sidebar's model makes each run of an experiment end, in words: e.g.
    "regularised by the conjugate prior, until log L rises by less than 10⁻⁶ per point or
    500 iterations" (the prior only when on)."""
    prior = "regularised by the conjugate prior, " if settings.prior else ""
    return f"{prior}{settings.until()} or {plural(settings.max_iter, 'iteration')}"


def run_with_progress(
    key: str,
    identity: Hashable,
    compute: Callable[[Progress], T],
    *,
    start: str,
    step: str,
    last: str | None = None,
) -> None:
    """If the button asked for it, run ``compute(progress)`` behind a progress bar and keep its
    result under ``key`` with ``identity``; a ValueError is shown and the kept result stays.

    ``start`` is the bar's first text; ``step`` is formatted with ``done`` and ``total``, and
    ``last`` (when given) instead once ``done == total``, for work that follows the last step.
    """
    if not st.session_state.pop(_requested_key(key), False):
        return
    bar = st.progress(0.0, text=start)

    def progress(done: int, total: int) -> None:
        text = last if last is not None and done == total else step
        bar.progress(done / total, text=text.format(done=done, total=total))

    try:
        result = compute(progress)
    except ValueError as err:
        st.error(f"{sentence(err)}. The previous results stay as they were.")
    else:
        st.session_state[key] = (identity, result)
    bar.empty()


def kept_result(key: str, identity: Hashable, *, idle: str, stale: str) -> T | None:
    """The result kept under ``key`` if it was computed for ``identity``; otherwise None, and
    the page says what to do (``idle`` before any run, ``stale`` after a change)."""
    stored = st.session_state.get(key)
    if stored is None:
        st.info(idle)
        return None
    if stored[0] != identity:
        st.info(stale)
        return None
    return stored[1]
