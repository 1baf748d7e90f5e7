"""A page's experiment (many EM runs behind one button): run it with a progress bar, keep its
result in the session, and show it only while the data and model it was run on are on screen.

``st.cache_data`` is not used for these: a progress bar drawn outside a cached function cannot
be updated from inside it (Streamlit refuses to replay such calls), and the result belongs to
the user who pressed the button.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TypeVar

import streamlit as st

from .widgets import sentence

__all__ = ["Progress", "kept_result", "request", "run_with_progress"]

T = TypeVar("T")
#: Called as ``progress(done, total)`` by gmm_core's long computations.
Progress = Callable[[int, int], None]


def _requested_key(key: str) -> str:
    return f"{key}_requested"


def request(key: str) -> None:
    """Button callback: ask for experiment ``key`` to run in this rerun."""
    st.session_state[_requested_key(key)] = True


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
