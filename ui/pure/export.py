"""Downloads of an EM run: its parameters per iteration (CSV, JSON) and the responsibilities.

Pure functions (no streamlit): the page passes their bytes/str to ``st.download_button``.
Floats are written at repr precision, so reading a file back gives the very same numbers.
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from gmm_core.em import iter_responsibilities
from gmm_core.params import MixtureParams

from .run_state import StepperState

__all__ = [
    "MAX_RESPONSIBILITY_EXPORT",
    "RUN_JSON_FORMAT",
    "params_table",
    "read_run_json",
    "responsibilities_csv",
    "run_json",
    "run_metadata",
    "to_csv_bytes",
]

#: The most points whose responsibilities can be downloaded (200,000 rows at K = 3: ~16 MB).
MAX_RESPONSIBILITY_EXPORT = 200_000
#: The ``format`` field of :func:`run_json`'s document.
RUN_JSON_FORMAT = "em-lab-run"
_RUN_JSON_VERSION = 1


def _check_run(history: Sequence[MixtureParams], log_likelihoods: np.ndarray) -> np.ndarray:
    ll = np.asarray(log_likelihoods, dtype=np.float64).reshape(-1)
    if ll.size != len(history):
        raise ValueError(
            f"one log-likelihood per iteration expected: {len(history)} parameter sets, "
            f"{ll.size} log-likelihoods"
        )
    return ll


def params_table(history: Sequence[MixtureParams], log_likelihoods: np.ndarray) -> pd.DataFrame:
    """θ_t of every iteration as a long table.

    Parameters
    ----------
    history : sequence of MixtureParams, length T + 1
        θ_t for t = 0..T (K may differ between entries).
    log_likelihoods : ndarray, shape (T + 1,)
        log L(θ_t).

    Returns
    -------
    pandas.DataFrame
        One row per iteration t and component k (numbered from 1, as on screen), columns
        ``t, k, pi, mu, sigma2, log_likelihood`` (log L repeated on the K rows of its t).
    """
    ll = _check_run(history, log_likelihoods)
    sizes = np.array([p.n_components for p in history], dtype=np.int64)
    if not history:
        return pd.DataFrame(
            {
                "t": pd.Series(dtype=np.int64),
                "k": pd.Series(dtype=np.int64),
                "pi": pd.Series(dtype=np.float64),
                "mu": pd.Series(dtype=np.float64),
                "sigma2": pd.Series(dtype=np.float64),
                "log_likelihood": pd.Series(dtype=np.float64),
            }
        )
    return pd.DataFrame(
        {
            "t": np.repeat(np.arange(len(history)), sizes),
            "k": np.concatenate([np.arange(1, k + 1) for k in sizes]),
            "pi": np.concatenate([p.weights for p in history]),
            "mu": np.concatenate([p.means for p in history]),
            "sigma2": np.concatenate([p.variances for p in history]),
            "log_likelihood": np.repeat(ll, sizes),
        }
    )


def to_csv_bytes(df: pd.DataFrame) -> bytes:
    """``df`` as UTF-8 CSV without the index; floats at repr precision (``pd.read_csv`` reads
    them back exactly)."""
    return df.to_csv(index=False).encode("utf-8")


def _plain(value: Any) -> Any:
    """``value`` as JSON-ready Python: numpy scalars and arrays unwrapped, MixtureParams as
    dicts, tuples as lists, non-finite floats as None (strict JSON has no NaN)."""
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, MixtureParams):
        return _plain(value.to_dict())
    if isinstance(value, np.ndarray):
        return _plain(value.tolist())
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, np.generic):
        return _plain(value.item())
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def run_metadata(
    state: StepperState,
    *,
    title: str,
    source: str,
    n_points: int,
    converged_at: int | None,
    link: Mapping[str, str],
) -> dict[str, Any]:
    """What a run was, for :func:`run_json`'s ``meta``: the data, every model setting that
    decides the numbers (K, variances, initialisation and seed, prior, stopping rule, tol,
    iteration limit, variance floor), where it converged, and its shareable link.

    Parameters
    ----------
    state : StepperState
        The stepper's run.
    title, source : str
        The data's title and where it came from ("Generate", "Data set", "Upload").
    n_points : int
        N.
    converged_at : int or None
        The iteration at which the stopping rule was met, if it was.
    link : mapping
        The shareable link's query parameters.
    """
    settings = state.settings
    return {
        "data": title,
        "source": source,
        "n_points": int(n_points),
        "n_components": settings.n_components,
        "equal_variance": settings.equal_variance,
        "init": state.run.init,
        "seed": None if settings.init_method == "manual" else settings.seed,
        "prior": settings.prior,
        "stopping": settings.stopping,
        "tol": settings.tol,
        "max_iter": settings.max_iter,
        "var_floor": state.var_floor,
        "converged_at": converged_at,
        "link": dict(link),
    }


def run_json(
    history: Sequence[MixtureParams], log_likelihoods: np.ndarray, *, meta: Mapping[str, Any]
) -> str:
    """A whole run as one JSON document (strict JSON, floats at repr precision).

    Parameters
    ----------
    history : sequence of MixtureParams, length T + 1
        θ_t for t = 0..T.
    log_likelihoods : ndarray, shape (T + 1,)
        log L(θ_t); a non-finite value is written as null.
    meta : mapping
        What the run was: data source, K, init method, seed, tol, … (numpy values are
        unwrapped; anything else JSON cannot hold is written as its ``str``).

    Returns
    -------
    str
        ``{"format": "em-lab-run", "version": 1, "meta": {...}, "n_iterations": T,
        "log_likelihoods": [...], "iterations": [{"t", "weights", "means", "variances"},
        ...]}``; :func:`read_run_json` reads it back.
    """
    ll = _check_run(history, log_likelihoods)
    document = {
        "format": RUN_JSON_FORMAT,
        "version": _RUN_JSON_VERSION,
        "meta": _plain(meta),
        "n_iterations": max(len(history) - 1, 0),
        "log_likelihoods": _plain(ll),
        "iterations": [{"t": t, **p.to_dict()} for t, p in enumerate(history)],
    }
    return json.dumps(document, ensure_ascii=False, allow_nan=False, indent=1)


def _exact_params(
    weights: list[float], means: list[float], variances: list[float]
) -> MixtureParams:
    """MixtureParams holding exactly the saved floats. The constructor validates them and
    divides the weights by their sum, which (summed in floating point) may be 1 ± 1 ulp and
    nudge a weight by an ulp; the saved weights came out of that same normalisation, so they
    are put back as they were (only such ulp-sized nudges: other weights stay normalised)."""
    params = MixtureParams(weights, means, variances)
    saved = np.array(weights, dtype=np.float64)
    nudged = np.abs(params.weights - saved) <= 4 * np.spacing(saved)
    if not np.array_equal(params.weights, saved) and np.all(nudged):
        saved.flags.writeable = False
        object.__setattr__(params, "weights", saved)
    return params


def read_run_json(text: str) -> tuple[list[MixtureParams], np.ndarray, dict[str, Any]]:
    """The run written by :func:`run_json`: (history, log-likelihoods, meta).

    Null log-likelihoods come back as NaN. Raises ValueError for a document of another
    format or version.
    """
    document = json.loads(text)
    if not isinstance(document, dict) or document.get("format") != RUN_JSON_FORMAT:
        raise ValueError(f"not an EM Lab run (expected format {RUN_JSON_FORMAT!r})")
    if document.get("version") != _RUN_JSON_VERSION:
        raise ValueError(f"unsupported EM Lab run version {document.get('version')!r}")
    history = [
        _exact_params(it["weights"], it["means"], it["variances"]) for it in document["iterations"]
    ]
    ll = np.array(
        [np.nan if v is None else v for v in document["log_likelihoods"]], dtype=np.float64
    )
    return history, ll, document["meta"]


def responsibilities_csv(
    x: np.ndarray, params: MixtureParams, *, max_points: int = MAX_RESPONSIBILITY_EXPORT
) -> bytes:
    """Every point's responsibilities γ(z_nk) under ``params``, as CSV.

    Parameters
    ----------
    x : ndarray, shape (N,)
        The data (finite).
    params : MixtureParams with K components
    max_points : int
        Larger data is refused (the CSV would be tens of megabytes).

    Returns
    -------
    bytes
        UTF-8 CSV with columns ``x, gamma_1, …, gamma_K, uncertainty`` (the γ sum to one;
        uncertainty = 1 − max_k γ(z_nk), mclust's classification uncertainty, 0 for a point
        surely in one component, up to 1 − 1/K), computed chunk by chunk
        (:func:`gmm_core.em.iter_responsibilities`); x at repr precision.

    Raises
    ------
    ValueError
        Above ``max_points`` points ("responsibilities export is limited to 200,000 points
        (N = …)"), or when ``x`` has NaN or ±inf.
    """
    x = np.asarray(x, dtype=np.float64).reshape(-1)
    if x.size > max_points:
        raise ValueError(
            f"responsibilities export is limited to {max_points:,} points (N = {x.size:,})"
        )
    if not np.all(np.isfinite(x)):
        raise ValueError("x must be finite: remove NaN and ±inf values before exporting")
    columns = ["x", *(f"gamma_{k + 1}" for k in range(params.n_components)), "uncertainty"]
    out = io.StringIO()
    pd.DataFrame(columns=columns).to_csv(out, index=False)
    for block in iter_responsibilities(x, params):
        table = pd.DataFrame(
            np.column_stack([block.x, block.resp, 1.0 - block.resp.max(axis=1)]), columns=columns
        )
        table.to_csv(out, index=False, header=False)
    return out.getvalue().encode("utf-8")
