"""Time one EM iteration of gmm_core against scikit-learn: ``python -m benchmarks.em``.

For every N × K of the grid it prints, in ms per iteration (median of ``--repeats``):

* ``em_step``: one full iteration of gmm_core (``em.em_step``: the fused E-step kernel
  plus the O(K) M-step, the way ``fit`` runs it);
* ``fit/it``: ms per iteration through ``fit(x, K, init=θ0, tol=0, max_iter=n)``, from
  the difference of two iteration counts (fastest of up to 3 fits each, so the data
  check and set-up cancel out);
* ``kernel``: ``_fused.fused_statistics`` alone;
* ``sklearn``: ``GaussianMixture(covariance_type="spherical", reg_covar=0)._e_step`` +
  ``_m_step`` on the same data from the same θ0 (the same 1-D iteration);
* ``ratio`` = sklearn / em_step, ``Δμ`` = largest relative difference of the means the
  two iterations produce (shows they did the same thing);
* peak RSS (MiB) of a process running only that implementation, and how much of it came
  after the data existed (``+MiB``); each (N, K, implementation) runs in its own process.

A last line gives the peak RSS of a complete ``fit(x, 5, seed=0)`` on the largest N.

Options: ``--quick`` (small grid, CI smoke), ``--sizes 1e4,1e6``, ``--ks 2,5``,
``--repeats R``, ``--in-process`` (no subprocesses, no memory figures).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from benchmarks.common import argument_parser, int_list, timings

DEFAULT_SIZES: tuple[int, ...] = (10_000, 100_000, 1_000_000, 10_000_000)
DEFAULT_KS: tuple[int, ...] = (2, 5, 8)
QUICK_SIZES: tuple[int, ...] = (10_000, 100_000)
QUICK_KS: tuple[int, ...] = (2, 5)
REPO = Path(__file__).resolve().parents[1]
FIT_MEMORY_K = 5
FIT_MEMORY_MAX_ITER = 30


@dataclass
class Row:
    """One line of the table (times in ms per iteration, memory in MiB; None = not run)."""

    n: int
    k: int
    ours_ms: float
    fit_ms: float
    kernel_ms: float
    sklearn_ms: float | None
    mean_rel_diff: float | None
    ours_peak_mib: float | None = None
    ours_extra_mib: float | None = None
    sklearn_peak_mib: float | None = None
    sklearn_extra_mib: float | None = None

    @property
    def ratio(self) -> float | None:
        """sklearn time / our em_step time."""
        return None if self.sklearn_ms is None else self.sklearn_ms / self.ours_ms


def make_problem(n: int, k: int, seed: int = 0) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Data from a K-component mixture and a common starting point θ0.

    Parameters
    ----------
    n, k : int
        Number of points N and of components K.
    seed : int
        Seed of the data.

    Returns
    -------
    x : np.ndarray, shape (N,)
    start : dict of np.ndarray, each shape (K,)
        ``weights``, ``means``, ``variances`` of θ0 (a perturbed truth).
    """
    rng = np.random.default_rng(seed)
    true_means = 3.0 * (np.arange(k) - (k - 1) / 2.0)
    x = rng.standard_normal(n)  # the only O(N) array: no large temporaries
    labels = rng.integers(0, k, size=n, dtype=np.int8)
    x += true_means[labels]
    del labels
    start = {
        "weights": np.full(k, 1.0 / k),
        "means": true_means + 0.5,
        "variances": np.full(k, 1.5),
    }
    return x, start


def _median_ms(fn: Callable[[], object], repeats: int) -> float:
    """Median wall time of ``fn()`` in ms over ``repeats`` calls, after one untimed call."""
    return 1e3 * float(np.median(timings(fn, repeats, warm=True)))


def _best_ms(fn: Callable[[], object], repeats: int) -> float:
    """Fastest wall time of ``fn()`` in ms over ``repeats`` calls (no untimed call)."""
    return 1e3 * min(timings(fn, repeats))


def _peak_rss_mib() -> float:
    """Peak resident set size of this process so far (MiB; Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def time_ours(
    x: np.ndarray, start: dict[str, np.ndarray], repeats: int
) -> tuple[float, float, float, np.ndarray]:
    """Time gmm_core: ``(em_step ms, fit ms/iteration, kernel ms, means after one step)``.

    Parameters
    ----------
    x : np.ndarray, shape (N,)
    start : dict of np.ndarray, each shape (K,)
    repeats : int
    """
    from gmm_core import MixtureParams, _fused, fit
    from gmm_core.em import _log_coefficients, default_var_floor, em_step

    backend = "fused" if _fused.NUMBA_AVAILABLE else "numpy"
    params = MixtureParams(start["weights"], start["means"], start["variances"])
    floor = default_var_floor(x)
    step = em_step(x, params, var_floor=floor, backend=backend)
    ours = _median_ms(lambda: em_step(x, params, var_floor=floor, backend=backend), repeats)

    log_coef, half_prec = _log_coefficients(params)
    means = np.array(params.means)
    kernel = _median_ms(lambda: _fused.fused_statistics(x, log_coef, means, half_prec), repeats)

    k = params.n_components
    extra = max(4, repeats)

    def run_fit(n_iter: int) -> object:
        return fit(x, k, init=params, tol=0.0, max_iter=n_iter, backend=backend)

    # A difference of two fits: the fastest of a few runs each, as a difference of two
    # noisy medians can come out near zero or doubled on a busy machine.
    fit_runs = max(1, min(3, repeats))
    short = _best_ms(lambda: run_fit(1), fit_runs)
    long = _best_ms(lambda: run_fit(1 + extra), fit_runs)
    fit_ms = max(long - short, 0.0) / extra
    return ours, fit_ms, kernel, np.asarray(step.params.means)


def time_sklearn(
    x: np.ndarray, start: dict[str, np.ndarray], repeats: int
) -> tuple[float, np.ndarray]:
    """Time one scikit-learn EM iteration (``_e_step`` + ``_m_step``) from θ0.

    Parameters
    ----------
    x : np.ndarray, shape (N,)
    start : dict of np.ndarray, each shape (K,)
    repeats : int

    Returns
    -------
    ms : float
        Median ms per iteration.
    means : np.ndarray, shape (K,)
        The means after one iteration.
    """
    from sklearn.mixture import GaussianMixture

    k = start["means"].size
    data = x.reshape(-1, 1)
    gm = GaussianMixture(n_components=k, covariance_type="spherical", reg_covar=0.0)

    def iteration() -> None:
        gm.weights_ = start["weights"].copy()
        gm.means_ = start["means"].reshape(-1, 1).copy()
        gm.covariances_ = start["variances"].copy()
        gm.precisions_cholesky_ = 1.0 / np.sqrt(start["variances"])
        _, log_resp = gm._e_step(data)
        gm._m_step(data, log_resp)

    ms = _median_ms(iteration, repeats)
    return ms, np.asarray(gm.means_).ravel().copy()


def fit_memory(n: int, k: int = FIT_MEMORY_K) -> dict[str, float]:
    """Run a complete ``fit(x, k, seed=0)`` (k-means++ start) and report time and memory.

    Returns
    -------
    dict
        ``seconds``, ``n_iter``, ``peak_mib`` and ``extra_mib`` (peak minus the peak before
        the fit, i.e. with the data already in memory).
    """
    from gmm_core import _fused, fit

    _fused.warmup()
    x, _ = make_problem(n, k, seed=1)
    before = _peak_rss_mib()
    start = time.perf_counter()
    result = fit(x, k, seed=0, max_iter=FIT_MEMORY_MAX_ITER)
    seconds = time.perf_counter() - start
    peak = _peak_rss_mib()
    return {
        "seconds": seconds,
        "n_iter": float(result.runs[result.best].n_iter),
        "peak_mib": peak,
        "extra_mib": peak - before,
    }


def _worker(kind: str, n: int, k: int, repeats: int) -> dict[str, object]:
    """Body of a measuring subprocess: one implementation on one (N, K)."""
    if kind == "fitmem":
        return fit_memory(n, k)
    if kind == "ours":  # import (and load the compiled kernels) before the baseline
        from gmm_core import _fused

        _fused.warmup()
    else:
        import sklearn.mixture  # noqa: F401
    x, start = make_problem(n, k)
    before = _peak_rss_mib()
    if kind == "ours":
        ours, fit_ms, kernel, means = time_ours(x, start, repeats)
        out: dict[str, object] = {"ms": ours, "fit_ms": fit_ms, "kernel_ms": kernel}
    else:
        ms, means = time_sklearn(x, start, repeats)
        out = {"ms": ms}
    peak = _peak_rss_mib()
    out.update(means=means.tolist(), peak_mib=peak, extra_mib=peak - before)
    return out


def _run_worker(kind: str, n: int, k: int, repeats: int) -> dict:
    """Run :func:`_worker` in a fresh interpreter and return its JSON result."""
    cmd = [
        sys.executable,
        "-m",
        "benchmarks.em",
        "--worker",
        kind,
        "--sizes",
        str(n),
        "--ks",
        str(k),
        "--repeats",
        str(repeats),
    ]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(
            p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p
        ),
    }
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark worker {kind} N={n} K={k} failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _rel_diff(a: np.ndarray, b: np.ndarray) -> float:
    scale = max(float(np.max(np.abs(b))), 1.0)
    return float(np.max(np.abs(np.asarray(a) - np.asarray(b)))) / scale


def run_benchmark(
    sizes: Sequence[int],
    ks: Sequence[int],
    repeats: int,
    *,
    in_process: bool = False,
    sklearn: bool = True,
    progress: Callable[[str], None] | None = None,
) -> list[Row]:
    """Measure every (N, K) of the grid.

    Parameters
    ----------
    sizes, ks : sequence of int
        The grid.
    repeats : int
        Timed iterations per measurement (the median is reported).
    in_process : bool
        Measure in this process (no memory figures) instead of one subprocess each.
    sklearn : bool
        Also time scikit-learn.
    progress : callable, optional
        Called with a short message before each measurement.

    Returns
    -------
    list of Row
    """
    rows = []
    for n in sizes:
        for k in ks:
            if progress is not None:
                progress(f"N={n:.0e} K={k}")
            if in_process:
                x, start = make_problem(n, k)
                ours, fit_ms, kernel, our_means = time_ours(x, start, repeats)
                row = Row(n, k, ours, fit_ms, kernel, None, None)
                if sklearn:
                    sk_ms, sk_means = time_sklearn(x, start, repeats)
                    row.sklearn_ms, row.mean_rel_diff = sk_ms, _rel_diff(our_means, sk_means)
            else:
                res = _run_worker("ours", n, k, repeats)
                row = Row(
                    n,
                    k,
                    res["ms"],
                    res["fit_ms"],
                    res["kernel_ms"],
                    None,
                    None,
                    ours_peak_mib=res["peak_mib"],
                    ours_extra_mib=res["extra_mib"],
                )
                if sklearn:
                    sk = _run_worker("sklearn", n, k, repeats)
                    row.sklearn_ms = sk["ms"]
                    row.mean_rel_diff = _rel_diff(res["means"], sk["means"])
                    row.sklearn_peak_mib = sk["peak_mib"]
                    row.sklearn_extra_mib = sk["extra_mib"]
            rows.append(row)
    return rows


def _fmt(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


HEADER = (
    f"{'N':>9} {'K':>2} | {'em_step':>8} {'fit/it':>8} {'kernel':>8} | {'sklearn':>9} "
    f"{'ratio':>6} {'Δμ':>8} | {'RSS ours':>9} {'+MiB':>7} | {'RSS skl':>8} {'+MiB':>7}"
)


def format_table(rows: Sequence[Row]) -> str:
    """The table as text: times in ms per iteration, memory in MiB."""
    lines = [
        "ms per EM iteration (median); peak RSS in MiB, +MiB = above the data",
        HEADER,
        "-" * len(HEADER),
    ]
    for r in rows:
        lines.append(
            f"{r.n:>9.0e} {r.k:>2} | {r.ours_ms:>8.3f} {r.fit_ms:>8.3f} {r.kernel_ms:>8.3f} | "
            f"{_fmt(r.sklearn_ms, '>9.2f')} {_fmt(r.ratio, '>6.1f')} "
            f"{_fmt(r.mean_rel_diff, '>8.1e')} | {_fmt(r.ours_peak_mib, '>9.1f')} "
            f"{_fmt(r.ours_extra_mib, '>7.1f')} | {_fmt(r.sklearn_peak_mib, '>8.1f')} "
            f"{_fmt(r.sklearn_extra_mib, '>7.1f')}"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; prints the table. Returns the exit status."""
    parser = argument_parser("benchmarks.em", __doc__)
    parser.add_argument("--quick", action="store_true", help="small grid (CI smoke)")
    parser.add_argument("--sizes", type=int_list, help="comma-separated N, e.g. 1e4,1e6")
    parser.add_argument("--ks", type=int_list, help="comma-separated K, e.g. 2,5,8")
    parser.add_argument("--repeats", type=int, help="timed iterations per measurement")
    parser.add_argument(
        "--in-process", action="store_true", help="no subprocesses (and no memory figures)"
    )
    parser.add_argument("--no-sklearn", action="store_true", help="skip scikit-learn")
    parser.add_argument("--worker", choices=["ours", "sklearn", "fitmem"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    sizes = args.sizes or (QUICK_SIZES if args.quick else DEFAULT_SIZES)
    ks = args.ks or (QUICK_KS if args.quick else DEFAULT_KS)
    repeats = args.repeats or (3 if args.quick else 5)
    if repeats < 1:
        parser.error("--repeats must be >= 1")

    if args.worker:
        print(json.dumps(_worker(args.worker, sizes[0], ks[0], repeats)))
        return 0

    from gmm_core import _fused

    print(
        f"numba: {_fused.NUMBA_AVAILABLE}; threads from N*K >= {_fused.PARALLEL_MIN_WORK:,}; "
        f"chunk {_fused.CHUNK}; {os.cpu_count()} CPUs; load {os.getloadavg()[0]:.2f}",
        flush=True,
    )
    rows = run_benchmark(
        sizes,
        ks,
        repeats,
        in_process=args.in_process,
        sklearn=not args.no_sklearn,
        progress=lambda msg: print(f"  measuring {msg} ...", file=sys.stderr, flush=True),
    )
    print(format_table(rows))
    if not args.in_process:
        n = max(sizes)
        res = _run_worker("fitmem", n, FIT_MEMORY_K, 1)
        print(
            f"full fit(x, K={FIT_MEMORY_K}, seed=0, max_iter={FIT_MEMORY_MAX_ITER}) on "
            f"N={n:.0e}: {res['seconds']:.2f} s, {res['n_iter']:.0f} iterations, peak RSS "
            f"{res['peak_mib']:.1f} MiB ({res['extra_mib']:+.1f} MiB above the data)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
