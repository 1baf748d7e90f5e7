"""Fused single-pass E-step kernels for 1-D Gaussian mixtures.

One pass over the data computes, chunk by chunk, the K log-densities, their
log-sum-exp and the responsibilities, and reduces them at once to either

* :func:`fused_statistics`: the shifted sufficient statistics ``sum(gamma)``,
  ``sum(gamma * d)``, ``sum(gamma * d**2)`` (``d = x - mu_old``) plus the log-likelihood;
* :func:`fused_bin_responsibilities`: ``sum(gamma)`` per equal-width bin (the (B, K) table
  behind the app's responsibility colouring).

Extra memory is ``O(chunk * K)`` per thread (plus one small table per 65,536 points for the
bins), never ``O(N * K)``.

The E-step is compute-bound on ``exp``: numpy's float64 ``exp`` is not SIMD on the
target CPUs and a compiled loop calling scalar ``math.exp`` is no faster. The kernels
here use their own ``exp`` (Cody-Waite range reduction, degree-13 polynomial, ``2**k``
built from integer bits) which LLVM vectorises.

Results are deterministic: the chunks are grouped into fixed rows (one chunk per row for
the statistics, :data:`BIN_TABLE_POINTS` points per row for the bins), each row's partial
sums are accumulated in chunk order into its own storage, and the rows are added in row
order, so the bits do not depend on the number of threads or on their scheduling; the
serial and the parallel path give identical bits.

Without numba the module still imports (``NUMBA_AVAILABLE`` is False), :func:`warmup` is a
no-op and the two functions raise RuntimeError: :mod:`gmm_core.em` then runs its numpy path
(:func:`gmm_core.em.iter_responsibilities`), the one numpy E-step over chunks.
"""

from __future__ import annotations

import math
import operator
import threading
from typing import Any

import numpy as np

from .em import MAX_QUADRATIC

try:  # pragma: no cover - exercised through NUMBA_AVAILABLE in the tests
    import numba
    from numba import njit, prange
    from numba.core import types as _nb_types
    from numba.extending import intrinsic

    NUMBA_AVAILABLE: bool = True
except ImportError:  # pragma: no cover - depends on the environment
    numba = None
    NUMBA_AVAILABLE = False

__all__ = [
    "NUMBA_AVAILABLE",
    "WARMING",
    "fused_bin_responsibilities",
    "fused_statistics",
    "warmup",
]

#: Set while :mod:`gmm_core.warmup` compiles the kernels in a background thread: E-steps
#: started meanwhile take the numpy path instead of waiting for the compiler
#: (:func:`gmm_core.em._use_fused` reads it).
WARMING = threading.Event()

#: Points per chunk. Layout inside a chunk is (K, CHUNK); at K = 8 the scratch is
#: 8 * 8 * 4096 B = 256 KiB per thread, which stays in the 512 KiB L2 of Zen 3.
#: Measured on the 2-core Zen 3 VM, serial, N = 1e6, median ms per call for chunk sizes
#: 2048 / 4096 / 8192 / 16384 / 65536:
#: K = 2: 5.0 / 5.2 / 5.2 / 5.2 / 6.2; K = 5: 10.7 / 11.2 / 11.1 / 11.2 / 13.3;
#: K = 8: 15.7 / 16.1 / 16.3 / 16.4 / 19.8 (±10 % run to run). 65,536 is 15-25 % slower.
CHUNK: int = 4096

#: Use threads (numba ``prange`` over chunks) only when N * K is at least this. With the other
#: core busy every threaded call waits a scheduler slice (~10 ms), so threads must save more
#: than that. Measured at K = 5 on the 2-core Zen 4 VM (median ms, serial vs 2 threads): on a
#: quiet machine 5e5 points 4.4 vs 2.4, 1e6: 9.4 vs 4.7, 2e6: 17.5 vs 9.0, 4e6: 34.4 vs 17.5;
#: with the other core busy 1e6: 9.5 vs 11-21, 2e6: 17.8 vs 20.8. Threads therefore start
#: where a quiet machine saves ~9 ms and a busy one loses at most ~3 ms (N = 2e6 at K = 5,
#: 5e6 at K = 2). ``NUMBA_NUM_THREADS=1`` disables threads altogether.
PARALLEL_MIN_WORK: int = 10_000_000

#: Points whose binned responsibilities share one partial (n_bins, K) table (16 chunks):
#: the tables are added in order at the end, so their number (N / 65,536) bounds the
#: extra memory (200 bins, K = 10, N = 1e6: 16 tables of 16 KB).
BIN_TABLE_POINTS: int = 65_536

#: Runs of consecutive chunks per thread in the parallel kernel (load balance on a busy
#: machine versus one scratch allocation per run).
GROUPS_PER_THREAD: int = 8

#: Arguments of the custom exp are clamped below at this value, so a component with
#: weight 0 (``log_coef = -inf``) or a point far from every mean gets a tiny positive
#: responsibility instead of NaN. ``exp(-700) ~ 9.9e-305`` is still a normal number.
EXP_CLAMP: float = -700.0

#: Cap on the quadratic term half_prec * d**2 (``gmm_core.em.MAX_QUADRATIC``, the one source):
#: without it a point far from components of tiny variance overflows to lp = -inf for
#: every k, and lp - max is NaN. With it such a point gets lp ~ -1e300 for every k. The cap
#: changes nothing where half_prec * d**2 <= 1e300, i.e. for any realistic data.
QUADRATIC_CAP: float = MAX_QUADRATIC

#: Points per block whose sums s_n in [1, K] are multiplied before one ``log``;
#: K**64 stays finite for K < 65,000.
LOG_BLOCK: int = 64
#: The kernels refuse more components than this (the block products could overflow);
#: :func:`gmm_core.em._use_fused` then picks the numpy path.
MAX_COMPILED_COMPONENTS: int = 60_000

# One threaded kernel at a time: numba's "workqueue" threading layer (used when neither
# OpenMP nor TBB is available) must not be entered from two Python threads at once, and on
# two cores two concurrent threaded calls gain nothing anyway. Serial calls never wait.
_PARALLEL_LOCK = threading.Lock()

_LOG2E = 1.4426950408889634  # 1 / ln 2
_LN2_HI = 6.93147180369123816490e-01  # low 21 bits zero: k * _LN2_HI is exact
_LN2_LO = 1.90821492927058770002e-10  # ln 2 - _LN2_HI
_SHIFTER = 6755399441055744.0  # 1.5 * 2**52: adding it rounds to an integer
_EXP_BIAS = 1023

# Taylor coefficients 1/n! for n = 13 down to 0 (Horner's order); on |r| <= ln(2)/2 the
# truncation error is below 5e-18 relative, so the rounding of the evaluation dominates.
_TAYLOR: tuple[float, ...] = tuple(1.0 / math.factorial(n) for n in range(13, -1, -1))


def _check_inputs(
    x: np.ndarray, log_coef: np.ndarray, means: np.ndarray, half_prec: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Return the four inputs as C-contiguous float64 arrays, validating their shapes.

    Parameters
    ----------
    x : np.ndarray, shape (N,)
    log_coef, means, half_prec : np.ndarray, shape (K,)

    Returns
    -------
    tuple of np.ndarray
        ``(x, log_coef, means, half_prec)``; ``x`` is copied only if it is not already a
        writable C-contiguous float64 array.
    """
    x = np.ascontiguousarray(x, dtype=np.float64)
    if not x.flags.writeable:
        # numba compiles a separate specialisation (seconds) for read-only arrays; a copy
        # costs ~1 ms per 1e6 points.
        x = x.copy()
    log_coef = np.array(log_coef, dtype=np.float64)  # tiny: always a fresh, writable copy
    means = np.array(means, dtype=np.float64)
    half_prec = np.array(half_prec, dtype=np.float64)
    if x.ndim != 1:
        raise ValueError(f"x must be 1-D, got shape {x.shape}")
    k = means.shape[0] if means.ndim == 1 else -1
    if k < 1 or log_coef.shape != (k,) or half_prec.shape != (k,):
        raise ValueError(
            "log_coef, means and half_prec must be 1-D of the same length K >= 1, got "
            f"{log_coef.shape}, {means.shape}, {half_prec.shape}"
        )
    return x, log_coef, means, half_prec


# --------------------------------------------------------------------------------------
# numba kernels
# --------------------------------------------------------------------------------------

if NUMBA_AVAILABLE:

    def _bitcast(source: Any, target: Any) -> Any:
        """A numba intrinsic reinterpreting the bits of a ``source`` scalar as a ``target``
        scalar of the same width (a vectorisable bitcast)."""

        def typer(typingctx, value):  # noqa: ARG001 - numba intrinsic signature
            if value != source:
                return None

            def codegen(context, builder, signature, args):  # noqa: ARG001
                return builder.bitcast(args[0], context.get_value_type(target))

            return target(source), codegen

        return intrinsic(typer)

    #: The bits of a float64 as an int64, and back.
    _f64_bits = _bitcast(_nb_types.float64, _nb_types.int64)
    _bits_f64 = _bitcast(_nb_types.int64, _nb_types.float64)

    # No "reassoc" here: it would let LLVM fold (t + SHIFTER) - SHIFTER to t and
    # a - k*hi - k*lo to a - k*(hi + lo). "contract" (FMA) only makes steps more exact.
    @njit(cache=True, fastmath={"contract"})
    def _exp_nonpos(a: float) -> float:
        """exp(a) for a <= 0, clamped below at EXP_CLAMP; vectorisable, ~1 ulp."""
        if not a > EXP_CLAMP:  # also maps -inf (and NaN) to the clamp
            a = EXP_CLAMP
        t = a * _LOG2E + _SHIFTER
        kf = t - _SHIFTER  # round(a / ln 2) as float
        r = (a - kf * _LN2_HI) - kf * _LN2_LO  # |r| <= ln(2)/2 (+ rounding)
        p = _TAYLOR[0]
        for i in range(1, len(_TAYLOR)):  # Horner; a constant trip count, unrolled by LLVM
            p = p * r + _TAYLOR[i]
        # low bits of t hold k (two's complement); (k + 1023) << 52 is 2**k.
        scale = _bits_f64((_f64_bits(t) + _EXP_BIAS) << 52)
        return p * scale

    @njit(cache=True)
    def _exp_array(a: np.ndarray, out: np.ndarray) -> None:
        """Elementwise ``out = exp(a)`` with :func:`_exp_nonpos` (for testing)."""
        for i in range(a.shape[0]):
            out[i] = _exp_nonpos(a[i])

    # No fastmath: lp must round exactly as the definition does, because for points
    # far from every mean (|d| ~ 1e6 sigma) lp ~ -1e12 and a changed rounding of
    # lp - max would change the responsibilities by ~1e-4 relative.
    @njit(cache=True)
    def _chunk_logp(
        x: np.ndarray,
        start: int,
        n: int,
        log_coef: np.ndarray,
        means: np.ndarray,
        half_prec: np.ndarray,
        buf: np.ndarray,
        mx: np.ndarray,
    ) -> None:
        """``buf[k, j] = lp`` of point ``start + j``; ``mx[j] = max_k buf[k, j]``."""
        # Index a slice, not x[start + j]: numba wraps negative indices, and with an
        # offset index LLVM cannot prove the loads contiguous and emits gathers.
        xs = x[start : start + n]
        for k in range(means.shape[0]):
            lc = log_coef[k]
            mu = means[k]
            hp = half_prec[k]
            row = buf[k]
            for j in range(n):
                d = xs[j] - mu
                q = hp * (d * d)
                if q > QUADRATIC_CAP:
                    q = QUADRATIC_CAP
                row[j] = lc - q
        row0 = buf[0]
        for j in range(n):
            mx[j] = row0[j]
        for k in range(1, means.shape[0]):
            row = buf[k]
            for j in range(n):
                v = row[j]
                mx[j] = v if v > mx[j] else mx[j]

    @njit(cache=True, fastmath={"contract"})
    def _chunk_exp(n: int, buf: np.ndarray, mx: np.ndarray, ssum: np.ndarray) -> None:
        """``buf[k, j] = exp(buf[k, j] - mx[j])`` in place; ``ssum[j] = sum_k buf[k, j]``."""
        row0 = buf[0]
        for j in range(n):
            e = _exp_nonpos(row0[j] - mx[j])
            row0[j] = e
            ssum[j] = e
        for k in range(1, buf.shape[0]):
            row = buf[k]
            for j in range(n):
                e = _exp_nonpos(row[j] - mx[j])
                row[j] = e
                ssum[j] += e

    # "reassoc" lets LLVM vectorise the sums (several partial accumulators); the order
    # is fixed at compile time, so results stay deterministic.
    @njit(cache=True, fastmath={"contract", "reassoc"})
    def _chunk_reduce(
        x: np.ndarray,
        start: int,
        n: int,
        means: np.ndarray,
        buf: np.ndarray,
        mx: np.ndarray,
        ssum: np.ndarray,
        out: np.ndarray,
    ) -> None:
        """Add ``[S0 (K), S1 (K), S2 (K), loglik]`` of one chunk to ``out``.

        ``ssum`` is overwritten with ``1 / ssum``.
        """
        kk = means.shape[0]
        # log-likelihood: sum of maxima + one log per LOG_BLOCK points. The block's end is
        # not a compile-time constant on purpose: with ``b + LOG_BLOCK`` LLVM unrolled the
        # block and vectorised across blocks with strided gathers (~25 % slower at K = 5).
        ll = 0.0
        for j in range(n):
            ll += mx[j]
        for b in range(0, n, LOG_BLOCK):
            prod = 1.0
            for j in range(b, min(b + LOG_BLOCK, n)):
                prod *= ssum[j]
            ll += math.log(prod)
        for j in range(n):
            ssum[j] = 1.0 / ssum[j]
        xs = x[start : start + n]  # contiguous loads (see _chunk_logp)
        for k in range(kk):
            mu = means[k]
            row = buf[k]
            s0 = 0.0
            s1 = 0.0
            s2 = 0.0
            for j in range(n):
                g = row[j] * ssum[j]
                d = xs[j] - mu
                gd = g * d
                s0 += g
                s1 += gd
                s2 += gd * d
            out[k] += s0
            out[kk + k] += s1
            out[2 * kk + k] += s2
        out[3 * kk] += ll

    # No fastmath: the bin must be computed exactly as ``binning.bin_index`` computes it.
    @njit(cache=True)
    def _chunk_bins(
        x: np.ndarray,
        start: int,
        n: int,
        buf: np.ndarray,
        ssum: np.ndarray,
        lo: float,
        hi: float,
        n_bins: int,
        table: np.ndarray,
    ) -> None:
        """Add ``gamma[k, j]`` of every point of the chunk in ``[lo, hi]`` to ``table[b * K + k]``.

        ``b = min(int((x - lo) * (n_bins / (hi - lo))), n_bins - 1)``; points outside
        ``[lo, hi]`` (and NaN) are skipped. ``buf`` holds ``exp(lp - max)``, ``ssum`` its
        column sums (:func:`_chunk_exp`).
        """
        kk = buf.shape[0]
        factor = n_bins / (hi - lo)
        last = n_bins - 1
        for j in range(n):
            v = x[start + j]
            if v >= lo and v <= hi:
                b = int((v - lo) * factor)
                row = (b if b < last else last) * kk
                inv = 1.0 / ssum[j]
                for k in range(kk):
                    table[row + k] += buf[k, j] * inv

    @njit(cache=True)
    def _row_range(
        x: np.ndarray,
        log_coef: np.ndarray,
        means: np.ndarray,
        half_prec: np.ndarray,
        chunk: int,
        per_row: int,
        bins: tuple[float, float, int],
        r0: int,
        r1: int,
        partial: np.ndarray,
    ) -> None:
        """Add chunks ``r * per_row`` to ``(r + 1) * per_row - 1`` to ``partial[r]``, in
        chunk order, for ``r0 <= r < r1``.

        ``bins = (lo, hi, n_bins)``: with ``n_bins == 0`` a row holds the statistics
        ``[S0, S1, S2, loglik]`` (:func:`_chunk_reduce`), else the (n_bins, K) table of
        the responsibilities per bin, flattened (:func:`_chunk_bins`).
        """
        kk = means.shape[0]
        n_total = x.shape[0]
        lo, hi, n_bins = bins
        buf = np.empty((kk, chunk))
        mx = np.empty(chunk)
        ssum = np.empty(chunk)
        span = per_row * chunk
        for r in range(r0, r1):
            stop = min(n_total, (r + 1) * span)
            for start in range(r * span, stop, chunk):
                n = min(chunk, stop - start)
                _chunk_logp(x, start, n, log_coef, means, half_prec, buf, mx)
                _chunk_exp(n, buf, mx, ssum)
                if n_bins == 0:
                    _chunk_reduce(x, start, n, means, buf, mx, ssum, partial[r])
                else:
                    _chunk_bins(x, start, n, buf, ssum, lo, hi, n_bins, partial[r])

    @njit(cache=True)
    def _partial_rows(n_points: int, kk: int, chunk: int, per_row: int, n_bins: int) -> np.ndarray:
        """Zeroed partial sums, shape ``(rows, width)`` (see :func:`_row_range`)."""
        n_rows = (n_points + per_row * chunk - 1) // (per_row * chunk)
        width = 3 * kk + 1 if n_bins == 0 else n_bins * kk
        return np.zeros((n_rows, width))

    @njit(cache=True)
    def _combine(partial: np.ndarray) -> np.ndarray:
        """The rows of ``partial`` added in row order, shape ``(width,)``."""
        total = np.zeros(partial.shape[1])
        for r in range(partial.shape[0]):
            row = partial[r]
            for i in range(total.shape[0]):
                total[i] += row[i]
        return total

    # nogil: the caller may be one of several threads (Streamlit sessions, its server).
    @njit(cache=True, nogil=True)
    def _fused_serial(
        x: np.ndarray,
        log_coef: np.ndarray,
        means: np.ndarray,
        half_prec: np.ndarray,
        chunk: int,
        per_row: int,
        bins: tuple[float, float, int],
    ) -> np.ndarray:
        """Single-threaded kernel: the rows of :func:`_row_range`, added in order."""
        partial = _partial_rows(x.shape[0], means.shape[0], chunk, per_row, bins[2])
        _row_range(
            x, log_coef, means, half_prec, chunk, per_row, bins, 0, partial.shape[0], partial
        )
        return _combine(partial)

    @njit(cache=True, nogil=True, parallel=True)
    def _fused_parallel(
        x: np.ndarray,
        log_coef: np.ndarray,
        means: np.ndarray,
        half_prec: np.ndarray,
        chunk: int,
        per_row: int,
        bins: tuple[float, float, int],
        n_groups: int,
    ) -> np.ndarray:
        """Multi-threaded kernel (bit-identical to :func:`_fused_serial`).

        The rows are split into ``n_groups`` runs of consecutive rows (several per
        thread, for load balance); each run allocates its scratch once.
        """
        partial = _partial_rows(x.shape[0], means.shape[0], chunk, per_row, bins[2])
        n_rows = partial.shape[0]
        n_groups = max(1, min(n_rows, n_groups))
        for g in prange(n_groups):
            r0 = (g * n_rows) // n_groups
            r1 = ((g + 1) * n_rows) // n_groups
            _row_range(x, log_coef, means, half_prec, chunk, per_row, bins, r0, r1, partial)
        return _combine(partial)


def _run_kernel(
    inputs: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    chunk: int,
    per_row: int,
    bins: tuple[float, float, int],
    parallel: bool | None,
) -> np.ndarray:
    """Run the serial or the threaded kernel; returns the summed rows (see :func:`_row_range`).

    ``parallel=None`` picks threads for ``N * K >= PARALLEL_MIN_WORK`` when more than one
    numba thread is available.
    """
    x, log_coef, means, half_prec = inputs
    if parallel is None:
        work = x.shape[0] * means.shape[0]
        parallel = work >= PARALLEL_MIN_WORK and numba.get_num_threads() > 1
    if parallel:
        n_groups = GROUPS_PER_THREAD * numba.get_num_threads()
        with _PARALLEL_LOCK:
            return _fused_parallel(x, log_coef, means, half_prec, chunk, per_row, bins, n_groups)
    return _fused_serial(x, log_coef, means, half_prec, chunk, per_row, bins)


def _checked_inputs(
    x: np.ndarray, log_coef: np.ndarray, means: np.ndarray, half_prec: np.ndarray, chunk: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Checked inputs (see :func:`_check_inputs`); RuntimeError without numba, ValueError for
    ``chunk < 1`` or more than ``MAX_COMPILED_COMPONENTS`` components."""
    if not NUMBA_AVAILABLE:
        raise RuntimeError("the fused kernels need numba, which is not installed")
    inputs = _check_inputs(x, log_coef, means, half_prec)
    if chunk < 1:
        raise ValueError(f"chunk must be >= 1, got {chunk}")
    if inputs[2].shape[0] > MAX_COMPILED_COMPONENTS:
        raise ValueError(
            f"the fused kernels handle at most {MAX_COMPILED_COMPONENTS:,} components, "
            f"got {inputs[2].shape[0]:,}"
        )
    return inputs


def _check_bins(lo: float, hi: float, n_bins: int) -> tuple[float, float, int]:
    """``(lo, hi, n_bins)`` as (float, float, int), or ValueError."""
    lo, hi, n_bins = float(lo), float(hi), operator.index(n_bins)
    if n_bins < 1:
        raise ValueError(f"n_bins must be >= 1, got {n_bins}")
    if not (hi > lo and math.isfinite(hi - lo)):
        raise ValueError(f"need finite lo < hi with a finite width, got lo={lo!r}, hi={hi!r}")
    return lo, hi, n_bins


def _fused_pass(
    x: np.ndarray,
    log_coef: np.ndarray,
    means: np.ndarray,
    half_prec: np.ndarray,
    bins: tuple[float, float, int],
    chunk: int,
    parallel: bool | None,
) -> np.ndarray:
    """One checked pass of the kernel over ``x``: the summed rows of :func:`_row_range`
    (zeros when ``x`` is empty); ``bins`` as there, already checked."""
    inputs = _checked_inputs(x, log_coef, means, half_prec, chunk)
    kk, n_bins = inputs[2].shape[0], bins[2]
    if inputs[0].shape[0] == 0:
        return np.zeros(3 * kk + 1 if n_bins == 0 else n_bins * kk)
    per_row = 1 if n_bins == 0 else max(1, BIN_TABLE_POINTS // chunk)
    return _run_kernel(inputs, chunk, per_row, bins, parallel)


def _fused_statistics_impl(
    x: np.ndarray,
    log_coef: np.ndarray,
    means: np.ndarray,
    half_prec: np.ndarray,
    chunk: int = CHUNK,
    parallel: bool | None = None,
) -> tuple[np.ndarray, float]:
    """:func:`fused_statistics` with the chunk size and the threading choice exposed.

    Parameters
    ----------
    x : np.ndarray, shape (N,)
    log_coef, means, half_prec : np.ndarray, shape (K,)
    chunk : int
        Points per chunk (the partial sums, hence the exact bits, depend on it).
    parallel : bool or None
        Force the threaded (True) or serial (False) kernel; None picks threads for
        ``N * K >= PARALLEL_MIN_WORK`` when more than one numba thread is available.

    Returns
    -------
    stats : np.ndarray, shape (3, K)
    loglik : float
    """
    total = _fused_pass(x, log_coef, means, half_prec, (0.0, 0.0, 0), chunk, parallel)
    return total[:-1].reshape(3, -1), float(total[-1])


def fused_statistics(
    x: np.ndarray, log_coef: np.ndarray, means: np.ndarray, half_prec: np.ndarray
) -> tuple[np.ndarray, float]:
    """E-step and shifted sufficient statistics of a 1-D Gaussian mixture in one pass.

    With ``d_nk = x_n - mu_k``, ``lp_nk = log_coef_k - min(half_prec_k * d_nk**2, 1e300)``
    (the cap, :data:`QUADRATIC_CAP`, only matters where the square would overflow),
    ``lse_n = logsumexp_k lp_nk`` and ``gamma_nk = exp(lp_nk - lse_n)``.

    Parameters
    ----------
    x : np.ndarray, shape (N,)
        Data, float64 (converted to C-contiguous float64 if needed).
    log_coef : np.ndarray, shape (K,)
        ``log pi_k - 0.5 * log(2 pi sigma_k**2)``; may be ``-inf`` for a component of
        weight 0 (it then gets responsibilities ~1e-304 per point instead of exactly 0:
        :func:`gmm_core.em.sufficient_statistics` leaves such components out).
    means : np.ndarray, shape (K,)
        Current means ``mu_k``.
    half_prec : np.ndarray, shape (K,)
        ``1 / (2 sigma_k**2)``.

    Returns
    -------
    stats : np.ndarray, shape (3, K)
        ``stats[0, k] = sum_n gamma_nk``, ``stats[1, k] = sum_n gamma_nk d_nk``,
        ``stats[2, k] = sum_n gamma_nk d_nk**2``: deviations about the *old* means, so
        ``mu_new = mu + S1/S0`` and ``var_new = S2/S0 - (S1/S0)**2`` without
        catastrophic cancellation.
    loglik : float
        ``sum_n lse_n``.

    Notes
    -----
    Works in chunks of :data:`CHUNK` points (extra memory ``O(CHUNK * K)`` per thread)
    and uses threads only for ``N * K >= PARALLEL_MIN_WORK``. The result bits depend only
    on the inputs, never on the number of threads. Relative agreement with a float64
    ``scipy.special.logsumexp`` reference is ~1e-15 (tested at 1e-12). Without numba it
    raises RuntimeError.
    """
    return _fused_statistics_impl(x, log_coef, means, half_prec)


def _bin_responsibilities_impl(
    x: np.ndarray,
    log_coef: np.ndarray,
    means: np.ndarray,
    half_prec: np.ndarray,
    bins: tuple[float, float, int],
    chunk: int = CHUNK,
    parallel: bool | None = None,
) -> np.ndarray:
    """:func:`fused_bin_responsibilities` with the chunk size and the threading choice
    exposed (``bins = (lo, hi, n_bins)``; ``chunk`` and ``parallel`` as in
    :func:`_fused_statistics_impl`). Returns shape (n_bins, K)."""
    bins = _check_bins(*bins)
    return _fused_pass(x, log_coef, means, half_prec, bins, chunk, parallel).reshape(bins[2], -1)


def fused_bin_responsibilities(
    x: np.ndarray,
    log_coef: np.ndarray,
    means: np.ndarray,
    half_prec: np.ndarray,
    lo: float,
    hi: float,
    n_bins: int,
) -> np.ndarray:
    """Each component's responsibilities summed over the points of every bin, in one pass.

    The E-step is that of :func:`fused_statistics` (same ``lp``, cap and clamped exp).
    Bins are equal-width on ``[lo, hi]``: point ``x_n`` with ``lo <= x_n <= hi`` is in bin
    ``b = min(int((x_n - lo) * (n_bins / (hi - lo))), n_bins - 1)`` (the rule of
    ``gmm_core.binning.bin_index``; the last bin is closed); other points are not counted.

    Parameters
    ----------
    x : np.ndarray, shape (N,)
        Data, float64 (converted to C-contiguous float64 if needed).
    log_coef, means, half_prec : np.ndarray, shape (K,)
        As in :func:`fused_statistics`.
    lo, hi : float
        The outer bin edges, ``lo < hi``.
    n_bins : int
        Number of bins, >= 1.

    Returns
    -------
    np.ndarray, shape (n_bins, K)
        ``out[b, k] = sum_{n in bin b} gamma_nk``; row b sums to the count of bin b (to
        rounding).

    Notes
    -----
    Chunks of :data:`CHUNK` points; the bins of :data:`BIN_TABLE_POINTS` consecutive points
    are added into one partial (n_bins, K) table, and the tables are added in order, so the
    bits do not depend on the number of threads. Threads only for
    ``N * K >= PARALLEL_MIN_WORK``. Without numba it raises RuntimeError.
    """
    return _bin_responsibilities_impl(x, log_coef, means, half_prec, (lo, hi, n_bins))


def warmup() -> None:
    """Compile, or load from numba's on-disk cache, every kernel specialisation used.

    Runs the serial and the parallel kernel on a tiny input, for the statistics and for
    the binned responsibilities (and the test helper ``_exp_array``). A no-op without
    numba.
    """
    if not NUMBA_AVAILABLE:
        return
    inputs = _check_inputs(
        np.linspace(-1.0, 1.0, 8),
        np.array([-1.0, -np.inf]),
        np.array([0.0, 0.5]),
        np.array([0.5, 2.0]),
    )
    for bins in ((0.0, 0.0, 0), (-1.0, 1.0, 3)):
        for parallel in (False, True):
            _run_kernel(inputs, 4, 1, bins, parallel)
    _exp_array(np.zeros(1), np.empty(1))
