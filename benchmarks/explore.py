"""Time the many-run workloads of the explorer and the K page: ``python -m benchmarks.explore``.

Two workloads on N = 10,000 points drawn from a three-component mixture, each timed with
gmm_core and with scikit-learn's ``GaussianMixture`` doing the same fits (same K, restarts,
tolerance and iteration limit; its own initialisation), in the same run:

* ``restarts``: 100 EM runs to convergence with K = 3 (``gmm_core.explore_restarts`` with the
  four init methods in turn, grouping into optima included) — target under 5 s;
* ``BIC sweep``: K = 1…8 with 10 restarts each, unequal and equal variances as the page does
  (``gmm_core.select_components``) — target under 10 s.

It prints the wall time of each (median of ``--repeats``), the target, PASS/MISS, the
scikit-learn time and the ratio.

A second table times the statistics of issue 8 against R's mclust, run by ``Rscript`` in the
same run when R and mclust are installed (Debian: ``apt-get install r-cran-mclust``; otherwise
"-"); mclust's time is measured inside R (``system.time``), without R's start-up:

* ``prior sweep``: the BIC sweep above with MAP-EM (mclust's default conjugate prior,
  ``select_components(..., prior=True)``) — target under 10 s; mclust:
  ``mclustBIC(x, G = 1:8, modelNames = c("E", "V"), prior = priorControl())`` (one run per
  model from its hierarchical start, where EM Lab runs 10 restarts);
* ``bootstrap LRT``: ``bootstrap_lrt(waiting, 3, equal_variance=True, n_boot=99)`` on Old
  Faithful's N = 272 waiting times (tests 1 vs 2 and 2 vs 3, 10 restarts for the fits to the
  data) — target under 10 s; mclust:
  ``mclustBootstrapLRT(waiting, modelName = "E", nboot = 99, maxG = 2)``.

Options: ``--quick`` (smaller workloads, for the smoke test), ``--repeats R``, ``--no-sklearn``,
``--no-r``.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial

import numpy as np

from benchmarks.common import timings
from gmm_core import MixtureParams, explore_restarts, sample, select_components
from gmm_core.bootstrap import bootstrap_lrt
from gmm_core.data import load_dataset
from gmm_core.explore import MAX_RESTARTS

TRUTH = MixtureParams([0.35, 0.45, 0.2], [-2.0, 1.5, 5.0], [1.0, 0.64, 1.69])
METHODS = ("random", "kmeans++", "quantile", "kmeans")
TOL = 1e-6
MAX_ITER = 500


def header(title: str, reference: str) -> str:
    """The table's header: workload, ours, target, verdict, the reference's time, ratio."""
    return (
        f"{title:<40} {'ours (s)':>9} {'target (s)':>10} {'':>5} {reference + ' (s)':>11} "
        f"{'ratio':>6}"
    )


HEADER = header("workload", "sklearn")
MCLUST_HEADER = header("statistics (issue 8)", "mclust")


@dataclass(frozen=True)
class Workload:
    """One timed workload and its target (seconds)."""

    name: str
    target_s: float
    ours: Callable[[], object]
    #: Median seconds of the reference doing the same over ``repeats`` runs (None: not timed).
    reference: Callable[[int], float | None]


def bic_sweep(x: np.ndarray, k_max: int, n_init: int, *, prior: bool = False) -> object:
    """The BIC sweep both tables time: K = 1..k_max, unequal and equal variances."""
    return select_components(
        x,
        k_max,
        n_init=n_init,
        seed=0,
        variance_models=(False, True),
        tol=TOL,
        max_iter=MAX_ITER,
        prior=prior,
    )


def workloads(x: np.ndarray, n_restarts: int, k_max: int, n_init: int) -> list[Workload]:
    """The two workloads on data ``x`` (shape (N,))."""
    from sklearn.mixture import GaussianMixture

    # scikit-learn's tol is on the mean log-likelihood per point, as ours.
    options = {"covariance_type": "spherical", "tol": TOL, "max_iter": MAX_ITER}
    column = x.reshape(-1, 1)

    def sklearn_restarts() -> None:
        for r in range(n_restarts):
            GaussianMixture(3, random_state=r, init_params="k-means++", **options).fit(column)

    def sklearn_sweep() -> None:
        # In 1-D, "spherical" is one variance per component and "tied" one shared by all.
        for covariance in ("spherical", "tied"):
            for k in range(1, k_max + 1):
                GaussianMixture(
                    k, n_init=n_init, random_state=0, **{**options, "covariance_type": covariance}
                ).fit(column).bic(column)

    return [
        Workload(
            f"restarts: {n_restarts} × K=3 to convergence",
            5.0,
            lambda: explore_restarts(
                x,
                3,
                methods=METHODS,
                n_restarts=n_restarts,
                seed=0,
                tol=TOL,
                max_iter=MAX_ITER,
            ),
            partial(sklearn_seconds, sklearn_restarts),
        ),
        Workload(
            f"BIC sweep: K=1…{k_max} ×2 models, {n_init} restarts",
            10.0,
            partial(bic_sweep, x, k_max, n_init),
            partial(sklearn_seconds, sklearn_sweep),
        ),
    ]


def mclust_workloads(x: np.ndarray, k_max: int, n_init: int, n_boot: int) -> list[Workload]:
    """The prior sweep on ``x`` and the bootstrap LRT on Old Faithful's waiting times."""
    waiting = load_dataset("old_faithful_waiting")
    return [
        Workload(
            f"prior sweep: K=1…{k_max} ×2, {n_init} restarts",
            10.0,
            partial(bic_sweep, x, k_max, n_init, prior=True),
            partial(
                mclust_seconds,
                x,
                f'mclustBIC(x, G = 1:{k_max}, modelNames = c("E", "V"), prior = priorControl(), '
                "verbose = FALSE)",
            ),
        ),
        Workload(
            f"bootstrap LRT: {n_boot} boots, K≤3, N={waiting.size}",
            10.0,
            lambda: bootstrap_lrt(waiting, 3, equal_variance=True, n_boot=n_boot, seed=1),
            partial(
                mclust_seconds,
                waiting,
                f'mclustBootstrapLRT(x, modelName = "E", nboot = {n_boot}, maxG = 2, '
                "verbose = FALSE)",
            ),
        ),
    ]


def mclust_seconds(data: np.ndarray, expression: str, repeats: int) -> float | None:
    """Median time of ``expression`` in R with mclust, ``x`` = ``data``; None without R."""
    rscript = shutil.which("Rscript")
    if rscript is None:
        return None
    with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as handle:
        np.savetxt(handle, data, fmt="%.17g")
    program = (
        "suppressMessages(library(mclust)); set.seed(1); "
        f'x <- scan("{handle.name}", quiet = TRUE); '
        f"t <- replicate({repeats}, system.time({expression})[['elapsed']]); "
        "cat(median(t), '\\n')"
    )
    try:
        done = subprocess.run(
            [rscript, "-e", program], capture_output=True, text=True, timeout=600, check=True
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return float(done.stdout.split()[-1])


def timed(fn: Callable[[], object], repeats: int) -> float:
    """Median wall time of ``fn`` over ``repeats`` calls, in seconds."""
    return float(np.median(timings(fn, repeats)))


def sklearn_seconds(fn: Callable[[], object], repeats: int) -> float:
    """:func:`timed` for a scikit-learn workload, its ConvergenceWarnings (large K) silenced."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return timed(fn, repeats)


def print_table(title: str, jobs: Sequence[Workload], repeats: int, timed_reference: bool) -> None:
    """Time each workload (and its reference unless ``timed_reference`` is false); one row each."""
    print(title)
    for job in jobs:
        ours = timed(job.ours, repeats)
        verdict = "PASS" if ours < job.target_s else "MISS"
        theirs = job.reference(repeats) if timed_reference else None
        theirs_text = "-" if theirs is None else f"{theirs:.2f}"
        ratio_text = "-" if not theirs else f"{theirs / ours:.2f}×"
        print(
            f"{job.name:<40} {ours:>9.2f} {job.target_s:>10.1f} {verdict:>5} "
            f"{theirs_text:>11} {ratio_text:>6}"
        )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and print the table; returns the exit status (0)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small workloads (smoke test)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-sklearn", action="store_true", help="time gmm_core only")
    parser.add_argument("--no-r", action="store_true", help="do not time mclust")
    args = parser.parse_args(argv)
    n, n_restarts, k_max, n_init = (2_000, 8, 3, 2) if args.quick else (10_000, 100, 8, 10)
    assert n_restarts <= MAX_RESTARTS
    x, _ = sample(TRUTH, n, np.random.default_rng(0))
    jobs = workloads(x, n_restarts, k_max, n_init)
    jobs[0].ours()  # load (or compile) the kernels once, outside the timings
    print(f"N = {n:,}, tol = {TOL:g}, max_iter = {MAX_ITER}; median of {args.repeats}")
    print_table(HEADER, jobs, args.repeats, not args.no_sklearn)
    print()
    n_boot = 19 if args.quick else 99
    print_table(
        MCLUST_HEADER, mclust_workloads(x, k_max, n_init, n_boot), args.repeats, not args.no_r
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
