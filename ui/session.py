"""Per-user state in ``st.session_state`` (explicit keys) and cached pure computations.

Nothing here lives at module level but constants: every user has their own session state, and
``st.cache_data`` results are immutable copies keyed on their arguments.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import streamlit as st

from gmm_core import MixtureParams, SufficientStats, sample, sufficient_statistics
from gmm_core.binning import bin_edges, histogram, responsibility_by_bin
from gmm_core.bundled import DATASETS, load_dataset

from .pure import keys
from .pure.run_state import ModelSettings, StepperState, new_state
from .pure.settings import SETTING
from .widgets import sentence

__all__ = [
    "BY_DATA_ID",
    "DATA_KEY",
    "STEPPER_KEY",
    "ActiveData",
    "Notice",
    "cached_bins",
    "cached_dataset",
    "cached_sample",
    "cached_shares",
    "cached_statistics",
    "get_data",
    "get_stepper",
    "lasting_notices",
    "notify",
    "set_data",
    "set_stepper",
    "show_notices",
]

DATA_KEY = "active_data"
STEPPER_KEY = "stepper"
NOTICE_KEY = "notices"
LASTING_KEY = "lasting_notices"
DEFAULT_TRUTH = MixtureParams([0.35, 0.45, 0.2], [-2.0, 1.5, 5.0], [1.0, 0.64, 1.69])
DEFAULT_N = SETTING["n_points"].default
DEFAULT_GEN_SEED = SETTING["gen_seed"].default


@dataclass(frozen=True, eq=False)
class ActiveData:
    """The data every page works on.

    Attributes
    ----------
    x : ndarray, shape (N,)
        Finite values, read-only.
    data_id : str
        Changes whenever the values may have changed (the EM run resets then).
    title : str
        What the data is, for captions: Markdown, with any user string (a file or column
        name) already made literal by :func:`ui.pure.text.code`.
    axis_label : str
        x-axis title with the unit, for plotly (a user's column name passed through
        :func:`ui.pure.text.plotly_text`).
    truth : MixtureParams or None
        The generating mixture, for generated data.
    notes : tuple of str
        What the loader had to say (e.g. dropped values).
    source : str
        "Generate", "Data set" or "Upload".
    """

    x: np.ndarray
    data_id: str
    title: str
    axis_label: str
    truth: MixtureParams | None = None
    notes: tuple[str, ...] = ()
    source: str = "Generate"


#: ``st.cache_data(hash_funcs=BY_DATA_ID)`` hashes an :class:`ActiveData` argument by its
#: ``data_id`` (which changes whenever the values may have), never by its values.
BY_DATA_ID = MappingProxyType({ActiveData: lambda data: data.data_id})


@st.cache_data(max_entries=6, show_spinner="Drawing points…")
def cached_sample(
    weights: tuple[float, ...],
    means: tuple[float, ...],
    variances: tuple[float, ...],
    n: int,
    seed: int,
) -> tuple[np.ndarray, np.ndarray]:
    """``gmm_core.sample`` of the given mixture, (x, labels), each shape (n,)."""
    return sample(MixtureParams(weights, means, variances), n, np.random.default_rng(seed))


@st.cache_data(max_entries=10, show_spinner=False)
def cached_dataset(key: str) -> np.ndarray:
    """A bundled data set's values, shape (N,)."""
    return load_dataset(key)


@st.cache_data(max_entries=16, show_spinner=False)
def cached_bins(
    data_id: str,  # noqa: ARG001 (the cache key standing for the unhashed x)
    _x: np.ndarray,
    n_bins: int | None,
) -> tuple[np.ndarray, np.ndarray]:
    """(edges (B+1,), counts (B,)) of the active data; keyed on ``data_id``, not on x."""
    edges = bin_edges(_x, n_bins)
    return edges, histogram(_x, edges)


@st.cache_data(max_entries=64, show_spinner=False)
def cached_shares(
    data_id: str,  # noqa: ARG001 (the cache key standing for the unhashed x)
    _x: np.ndarray,
    params: MixtureParams,
    edges: np.ndarray,
) -> np.ndarray:
    """Σγ per bin and component, shape (B, K) (see ``responsibility_by_bin``)."""
    return responsibility_by_bin(_x, params, edges)


@st.cache_data(max_entries=64, show_spinner=False)
def cached_statistics(
    data_id: str,  # noqa: ARG001 (the cache key standing for the unhashed x)
    _x: np.ndarray,
    params: MixtureParams,
) -> SufficientStats:
    """The E-step's sums from ``params`` on the active data."""
    return sufficient_statistics(_x, params)


def default_data() -> ActiveData:
    """Generated data from ``DEFAULT_TRUTH`` (what a first visit shows)."""
    t = DEFAULT_TRUTH
    x, _ = cached_sample(
        tuple(t.weights), tuple(t.means), tuple(t.variances), DEFAULT_N, DEFAULT_GEN_SEED
    )
    return ActiveData(
        x,
        f"gen:{t.to_dict()}:{DEFAULT_N}:{DEFAULT_GEN_SEED}",
        f"Generated: {DEFAULT_N} points from 3 components",
        "x",
        truth=t,
    )


def dataset_data(key: str) -> ActiveData:
    """A bundled data set as ActiveData."""
    ds = DATASETS[key]
    return ActiveData(
        cached_dataset(key),
        f"ds:{key}",
        ds.title,
        f"{ds.column} ({ds.unit})",
        source="Data set",
    )


def get_data() -> ActiveData:
    """The active data (the default generated set on a first visit)."""
    if DATA_KEY not in st.session_state:
        st.session_state[DATA_KEY] = default_data()
    return st.session_state[DATA_KEY]


def set_data(data: ActiveData) -> None:
    """Make ``data`` active (the stepper notices the new ``data_id`` and restarts)."""
    st.session_state[DATA_KEY] = data


def get_stepper() -> StepperState | None:
    """The stepper's state, or None before the first run."""
    return st.session_state.get(STEPPER_KEY)


def set_stepper(state: StepperState) -> None:
    """Store the stepper's state."""
    st.session_state[STEPPER_KEY] = state


def _fallback_run(data: ActiveData, settings: ModelSettings, why: str) -> str:
    """Start a run the data allows (largest K ≤ the distinct values, k-means++), since there is
    no run on this data to keep; say what is shown."""
    distinct = int(np.unique(data.x).size)
    k = max(1, min(settings.n_components, distinct))
    fallback = ModelSettings(
        n_components=k,
        equal_variance=settings.equal_variance,
        seed=settings.seed,
        tol=settings.tol,
        max_iter=settings.max_iter,
    )
    try:
        set_stepper(new_state(data.x, data.data_id, fallback))
    except (ValueError, ArithmeticError) as err:  # data the panels let through but EM refuses
        return f"{why} No run can be started on this data either: {err}."
    return f"{why} Until that is fixed, the run shown uses K = {k} with k-means++ initialisation."


def sync_stepper(
    data: ActiveData, settings: ModelSettings, problem: str | None = None
) -> str | None:
    """Restart the run at iteration 0 when the data or the model settings changed.

    Parameters
    ----------
    problem : str, optional
        Why ``settings`` cannot be used (e.g. an invalid manual table): the run on this data
        stays, or, when there is none yet, one the data allows is started.

    Returns
    -------
    str or None
        A message when the settings cannot be used on this data, saying what is shown instead.
    """
    state = get_stepper()
    current = state is not None and state.data_id == data.data_id
    if problem is not None:
        if current:
            return f"{problem} The run shown stays as it was until it is fixed."
        return _fallback_run(data, settings, problem)
    if current and state.settings == settings:
        return None
    try:
        fresh = new_state(data.x, data.data_id, settings)
    except (ValueError, ArithmeticError) as err:
        if not current:
            return _fallback_run(data, settings, f"{sentence(err)}.")
        return (
            f"{sentence(err)}. The run shown stays as it is (K = "
            f"{state.settings.n_components}) until this is fixed."
        )
    # In lecture mode the status line already says "Iteration 0", and a toast would sit over
    # the Scenarios control while the lecturer picks the next one.
    if state is not None and not st.session_state.get(keys.LECTURE):
        why = "data" if state.data_id != data.data_id else "model settings"
        notify(f"New {why}: the run restarts at iteration 0.")
    st.session_state.pop(LASTING_KEY, None)  # about the run that is replaced
    set_stepper(fresh)
    st.session_state[keys.PLAYING] = False
    return None


@dataclass(frozen=True)
class Notice:
    """A message for a toast on the next render. ``until_dismissed``: it stays until the user
    closes it (what was refused or changed from what the user asked for, such as a link's
    parameter: a reader who looked away must still see it); otherwise it goes after a few
    seconds (news of what the user just did)."""

    text: str
    until_dismissed: bool = False


def notify(message: str, *, until_dismissed: bool = False) -> None:
    """Queue a toast for the next render (see :class:`Notice`)."""
    st.session_state.setdefault(NOTICE_KEY, []).append(Notice(message, until_dismissed))


def show_notices(*, fold_lasting: bool = False) -> None:
    """Each notice queued by callbacks, links and restarts as a toast (until dismissed, or for
    four seconds), the queue emptied. ``fold_lasting`` (the stepper in lecture mode, where a
    toast sits over the Scenarios control and the big Next button): the lasting notices are
    kept for :func:`lasting_notices` instead, which the page shows with the run's warnings."""
    notice: Notice
    for notice in st.session_state.pop(NOTICE_KEY, []):
        if notice.until_dismissed and fold_lasting:
            st.session_state.setdefault(LASTING_KEY, []).append(notice.text)
        else:
            st.toast(notice.text, duration="infinite" if notice.until_dismissed else "short")


def lasting_notices() -> list[str]:
    """The lasting notices :func:`show_notices` folded, while the run they are about is on
    screen (a new run clears them, :func:`sync_stepper`)."""
    return list(st.session_state.get(LASTING_KEY, []))
