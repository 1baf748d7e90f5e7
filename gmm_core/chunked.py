"""EM on data that does not fit in memory: each chunk reduced to its sufficient statistics.

One EM iteration needs only, for every component k, the sums over the data

    N_k = Σ_n γ(z_nk),   Σ_n γ(z_nk)(x_n − μ_k),   Σ_n γ(z_nk)(x_n − μ_k)²,   and log L,

all taken about the *current* means μ_k (see :mod:`gmm_core.em`). Sums over disjoint chunks
add, so the data can arrive in pieces: each chunk is reduced by the same
:func:`gmm_core.em.sufficient_statistics` the in-memory fit uses, the (4K + 1) numbers of every
chunk are added, and the M-step (:func:`gmm_core.em.update_params`) is the in-memory one too.
The same EM thus runs on a NumPy array, on a ``.npy`` file or a Parquet column read chunk by
chunk, or on a Dask array (a laptop's threads, or a cluster when a ``dask.distributed`` client
is active); only the partial sums travel.

Data sources (``source`` below):

* a Dask array, shape (N,) — every block is reduced by a Dask task, the partial sums are added
  on the caller's side. Dask is an optional extra (``pip install "dask[array]"``); nothing here
  imports it unless it is given a Dask array.
* any *re-iterable* of 1-D chunks: a list of arrays, :class:`NpyChunks` (a ``.npy`` file read
  through a memory map), :class:`ParquetChunks` (one column of a Parquet file, via pyarrow), or
  any object whose ``__iter__`` starts a fresh pass. EM reads the data once per iteration, so a
  one-shot iterator (a generator) is refused with a message saying what to pass instead.

Differences from :func:`gmm_core.fit`, on purpose: the default variance floor is
``VAR_FLOOR_FRACTION`` × the plain variance (the in-memory fit takes the smaller of it and an
IQR-based variance, and exact quantiles are not a one-pass reduction; pass ``var_floor`` to
choose); an initialisation method runs on an evenly strided sample of at most ``sample_size``
points; there are no restarts and no per-iteration history beyond the log-likelihoods.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from os import PathLike
from typing import Any, TypeVar, Unpack

import numpy as np

from .convergence import has_converged
from .em import (
    VAR_FLOOR_FRACTION,
    Backend,
    StepReport,
    SufficientStats,
    sufficient_statistics,
    update_params,
    within_model,
)
from .init import InitMethod, check_given_start, initial_params
from .options import EMOptions, EMOverrides
from .params import MixtureParams

__all__ = [
    "ChunkedFit",
    "DataSummary",
    "NpyChunks",
    "ParquetChunks",
    "add_statistics",
    "chunked_statistics",
    "fit_chunked",
    "summarize",
]

#: Most points an initialisation method sees (an evenly strided sample of the data).
DEFAULT_SAMPLE_SIZE = 100_000
#: Points per chunk of :class:`NpyChunks` by default (8 MB of float64).
DEFAULT_CHUNK = 1 << 20

T = TypeVar("T")


# --------------------------------------------------------------------------- sources


class NpyChunks:
    """A 1-D ``.npy`` file read in chunks through a read-only memory map (re-iterable).

    Parameters
    ----------
    path : path-like
        A ``.npy`` file holding a 1-D float array, shape (N,).
    chunk_size : int
        Points per chunk.
    """

    def __init__(self, path: str | PathLike[str], chunk_size: int = DEFAULT_CHUNK) -> None:
        if chunk_size < 1:
            raise ValueError(f"chunk_size must be at least 1, got {chunk_size}")
        self.path = path
        self.chunk_size = int(chunk_size)
        data = np.load(path, mmap_mode="r")
        if data.ndim != 1:
            raise ValueError(f"{path} holds an array of shape {data.shape}; expected 1-D")
        self.n_points = int(data.size)

    def __iter__(self) -> Iterator[np.ndarray]:
        data = np.load(self.path, mmap_mode="r")
        for start in range(0, data.size, self.chunk_size):
            yield np.asarray(data[start : start + self.chunk_size], dtype=np.float64)


class ParquetChunks:
    """One numeric column of a Parquet file, read one record batch at a time (re-iterable).

    Needs pyarrow (installed with Streamlit). ``batch_size`` rows per chunk.
    """

    def __init__(
        self, path: str | PathLike[str], column: str, batch_size: int = DEFAULT_CHUNK
    ) -> None:
        import pyarrow.parquet as pq

        self.path, self.column, self.batch_size = path, column, int(batch_size)
        names = pq.ParquetFile(path).schema_arrow.names
        if column not in names:
            raise ValueError(f"{path} has no column {column!r}; its columns are {names}")

    def __iter__(self) -> Iterator[np.ndarray]:
        import pyarrow.parquet as pq

        parquet = pq.ParquetFile(self.path)
        for batch in parquet.iter_batches(batch_size=self.batch_size, columns=[self.column]):
            yield batch.column(0).to_numpy(zero_copy_only=False).astype(np.float64, copy=False)


def _is_dask_array(source: object) -> bool:
    return type(source).__module__.startswith("dask.") and hasattr(source, "to_delayed")


def _map_chunks(source: object, func: Callable[[np.ndarray], T], scheduler: Any) -> list[T]:
    """``func`` applied to every chunk of ``source`` (Dask tasks for a Dask array), in order."""
    if _is_dask_array(source):
        import dask

        if source.ndim != 1:
            raise ValueError(f"expected a 1-D Dask array, got shape {source.shape}")
        # pure=False: every call gets fresh keys (the closures differ only by the θ they hold).
        task = dask.delayed(func, pure=False)
        parts = [task(block) for block in source.to_delayed().ravel()]
        return list(dask.compute(*parts, scheduler=scheduler))
    if isinstance(source, np.ndarray):
        raise TypeError("an in-memory array: use gmm_core.fit, or pass [x] or np.array_split(x, m)")
    if iter(source) is source:  # type: ignore[call-overload]
        raise TypeError(
            "the chunks can be read only once (a generator or iterator), but EM reads the data "
            "once per iteration: pass a list of arrays, NpyChunks, ParquetChunks, a Dask array, "
            "or an object whose __iter__ starts a fresh pass"
        )
    return [func(_as_chunk(chunk, i)) for i, chunk in enumerate(source)]  # type: ignore[call-overload]


def _as_chunk(chunk: object, index: int) -> np.ndarray:
    array = np.asarray(chunk, dtype=np.float64)
    if array.ndim != 1:
        raise ValueError(f"chunk {index} has shape {array.shape}; chunks must be 1-D")
    return array


# --------------------------------------------------------------------------- one pass: summary


@dataclass(frozen=True)
class DataSummary:
    """What EM needs to know about the data before it starts (one pass).

    Attributes
    ----------
    n_points : int
        N.
    mean, variance : float
        Of all the data (variance with divisor N, combined across chunks by Chan's formula).
    n_chunks : int
    non_finite : int
        Count of NaN or ±inf values (a fit refuses data with any).
    """

    n_points: int
    mean: float
    variance: float
    n_chunks: int
    non_finite: int


def _chunk_moments(chunk: np.ndarray) -> tuple[int, float, float, int]:
    """(n, mean, Σ(x − mean)², non-finite count) of one chunk, shape (n,)."""
    chunk = np.asarray(chunk, dtype=np.float64).reshape(-1)
    finite = np.isfinite(chunk)
    bad = int(chunk.size - np.count_nonzero(finite))
    values = chunk[finite] if bad else chunk
    if values.size == 0:
        return 0, 0.0, 0.0, bad
    mean = float(values.mean())
    d = values - mean
    return int(values.size), mean, float(np.dot(d, d)), bad


def _add_moments(
    a: tuple[int, float, float, int], b: tuple[int, float, float, int]
) -> tuple[int, float, float, int]:
    """Chan et al.'s pairwise combination of (n, mean, M2, bad)."""
    n_a, mean_a, m2_a, bad_a = a
    n_b, mean_b, m2_b, bad_b = b
    n = n_a + n_b
    if n == 0:
        return 0, 0.0, 0.0, bad_a + bad_b
    delta = mean_b - mean_a
    mean = mean_a + delta * n_b / n
    return n, mean, m2_a + m2_b + delta * delta * n_a * n_b / n, bad_a + bad_b


def summarize(source: object, *, scheduler: Any = None) -> DataSummary:
    """Count, mean and variance of chunked data in one pass (see the module docstring)."""
    parts = _map_chunks(source, _chunk_moments, scheduler)
    n, mean, m2, bad = functools.reduce(_add_moments, parts, (0, 0.0, 0.0, 0))
    variance = m2 / n if n else float("nan")
    return DataSummary(int(n), float(mean), float(variance), len(parts), int(bad))


def _strided_sample(source: object, summary: DataSummary, size: int, scheduler: Any) -> np.ndarray:
    """About ``size`` points taken every ⌈N / size⌉-th point of each chunk, in order."""
    step = max(1, math.ceil(summary.n_points / size))
    parts = _map_chunks(source, lambda chunk: np.array(chunk[::step], dtype=np.float64), scheduler)
    return np.concatenate(parts) if parts else np.empty(0)


# --------------------------------------------------------------------------- one pass: E-step


def add_statistics(a: SufficientStats, b: SufficientStats) -> SufficientStats:
    """The statistics of the union of two disjoint parts of the data (same shift μ)."""
    if not np.array_equal(a.shift, b.shift):
        raise ValueError("statistics about different means cannot be added")
    return SufficientStats(
        n_k=a.n_k + b.n_k, s1=a.s1 + b.s1, s2=a.s2 + b.s2, shift=a.shift,
        n_points=a.n_points + b.n_points, log_likelihood=a.log_likelihood + b.log_likelihood,
    )  # fmt: skip


def _empty_statistics(params: MixtureParams) -> SufficientStats:
    zeros = np.zeros(params.n_components)
    return SufficientStats(zeros, zeros.copy(), zeros.copy(), params.means.copy(), 0, 0.0)


def chunked_statistics(
    source: object, params: MixtureParams, *, backend: Backend = "auto", scheduler: Any = None
) -> SufficientStats:
    """The E-step over chunked data: each chunk's sufficient statistics, added.

    Parameters
    ----------
    source : Dask array, shape (N,), or a re-iterable of 1-D chunks
    params : MixtureParams with K components
    backend : {"auto", "numpy", "fused"}
        As in :func:`gmm_core.em.sufficient_statistics`, chunk by chunk.
    scheduler : optional
        Dask scheduler ("threads", "processes", "synchronous", a Client); None uses Dask's
        default (the active distributed Client if there is one).

    Returns
    -------
    SufficientStats
        N_k, Σγ(x − μ_k), Σγ(x − μ_k)² about ``params.means``, N and log L of ``params``.
    """

    def reduce_chunk(chunk: np.ndarray) -> SufficientStats:
        return sufficient_statistics(chunk, params, backend=backend)

    parts = _map_chunks(source, reduce_chunk, scheduler)
    return functools.reduce(add_statistics, parts, _empty_statistics(params))


# --------------------------------------------------------------------------- the fit


@dataclass(frozen=True)
class ChunkedFit:
    """The result of :func:`fit_chunked`.

    Attributes
    ----------
    params : MixtureParams
        θ_n, the final parameters.
    initial_params : MixtureParams
        θ_0 (inside the model: variances at least the floor).
    log_likelihoods : ndarray, shape (n_iter + 1,)
        log L(θ_t), t = 0..n_iter.
    converged : bool
        Whether the run met the convergence rule of :mod:`gmm_core.fit` before ``max_iter``.
    n_points : int
    var_floor : float
    report : StepReport
        Collapsed and empty components of the last iteration.
    """

    params: MixtureParams
    initial_params: MixtureParams
    log_likelihoods: np.ndarray
    converged: bool
    n_points: int
    var_floor: float
    report: StepReport | None

    @property
    def n_iter(self) -> int:
        """Iterations run."""
        return int(self.log_likelihoods.size - 1)

    @property
    def log_likelihood(self) -> float:
        """log L(θ_n)."""
        return float(self.log_likelihoods[-1])


def _check_summary(summary: DataSummary, n_components: int) -> None:
    if summary.non_finite:
        raise ValueError(
            f"the data hold {summary.non_finite} NaN or infinite value(s): drop them first"
        )
    if summary.n_points < max(2, n_components):
        raise ValueError(f"{summary.n_points} point(s) cannot be fitted with K = {n_components}")
    if not (np.isfinite(summary.variance) and summary.variance > 0):
        raise ValueError("the data have no spread (all values equal, or too wide a range)")


def fit_chunked(
    source: object,
    n_components: int,
    *,
    start: InitMethod | MixtureParams = "kmeans++",
    seed: int | np.random.Generator | None = None,
    options: EMOptions | None = None,
    sample_size: int = DEFAULT_SAMPLE_SIZE,
    scheduler: Any = None,
    on_iteration: Callable[[int, float], None] | None = None,
    **overrides: Unpack[EMOverrides],
) -> ChunkedFit:
    """Fit a K-component 1-D Gaussian mixture by EM to data read chunk by chunk.

    One pass over the data to summarise it, one more to draw a sample when ``start`` is a
    method, then one pass per iteration.

    Parameters
    ----------
    source : Dask array, shape (N,), or a re-iterable of 1-D chunks
        See the module docstring.
    n_components : int
        K.
    start : {"random", "kmeans++", "quantile", "kmeans"} or MixtureParams
        θ_0, or the method choosing it on a strided sample of ``sample_size`` points.
    seed : int, Generator or None
        For the initialisation method.
    options : EMOptions, optional
        tol, max_iter, equal_variance, var_floor, backend and stopping in one object
        (:class:`gmm_core.options.EMOptions`; no prior here). Its var_floor, the lower bound
        on variances, defaults to ``VAR_FLOOR_FRACTION`` × the data's variance.
    sample_size : int
        Most points the initialisation method sees.
    scheduler : optional
        Dask scheduler (see :func:`chunked_statistics`); ignored for plain iterables.
    on_iteration : callable, optional
        Called as ``on_iteration(t, log L(θ_t))`` after every iteration's E-step (progress).
    **overrides
        The fields of ``options`` as keywords, overriding it where given, as in
        :func:`gmm_core.fit.fit` (the same stopping rule, so an in-memory fit from the same
        start stops at the same iteration).

    Returns
    -------
    ChunkedFit
    """
    opts = EMOptions.resolve(options, **overrides)
    if opts.prior is not False:
        raise ValueError("fit_chunked fits by maximum likelihood: no prior")
    summary = summarize(source, scheduler=scheduler)
    _check_summary(summary, n_components)
    floor = VAR_FLOOR_FRACTION * summary.variance if opts.var_floor is None else opts.var_floor
    if not floor > 0:
        raise ValueError(f"var_floor must be > 0, got {floor}")
    check_given_start(start, n_components)
    if isinstance(start, MixtureParams):
        theta = start
    else:
        sample = _strided_sample(source, summary, sample_size, scheduler)
        theta = initial_params(sample, n_components, start, np.random.default_rng(seed))
    theta = within_model(theta, var_floor=floor, equal_variance=opts.equal_variance)
    first = theta

    stats = chunked_statistics(source, theta, backend=opts.backend, scheduler=scheduler)
    lls = [stats.log_likelihood]
    converged, report = False, None
    for t in range(1, opts.max_iter + 1):
        theta, report = update_params(
            stats, theta, var_floor=floor, equal_variance=opts.equal_variance
        )
        stats = chunked_statistics(source, theta, backend=opts.backend, scheduler=scheduler)
        lls.append(stats.log_likelihood)
        if on_iteration is not None:
            on_iteration(t, lls[-1])
        if has_converged(lls[-3:], summary.n_points, opts.tol, opts.stopping):
            converged = True
            break
    return ChunkedFit(theta, first, np.asarray(lls), converged, summary.n_points, floor, report)
