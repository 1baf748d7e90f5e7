"""Bootstrap inference for a 1-D Gaussian mixture, as R's mclust does it.

* :func:`bootstrap_lrt` — the parametric bootstrap likelihood-ratio test of K against K + 1
  components (McLachlan 1987; mclust's ``mclustBootstrapLRT``). The statistic is
  LRTS = 2 (log L_{K+1} − log L_K) of the fits to the data; its null distribution is simulated
  by drawing ``n_boot`` samples of size N from the fitted K-component model and fitting K and
  K + 1 components to each, from the fits to the data (as mclust: one EM run each, started at
  the fitted parameters). The p-value is (1 + #{LRTS_b ≥ LRTS}) / (n_boot + 1). A bootstrap
  sample on which either fit ends degenerate (a variance at the floor; mclust's NA) is
  redrawn.
* :func:`bootstrap_params` — nonparametric bootstrap standard errors and percentile intervals
  of π_k, μ_k, σ_k² of a fit (mclust's ``MclustBootstrap(type = "bs")``): resample the data
  with replacement, run EM from the fitted parameters (its first E-step gives mclust's
  starting responsibilities z[idx]), keep the replicate unless it ends degenerate. SE is the
  standard deviation of the replicates (divisor B − 1, as R's ``sd``); the interval holds the
  (1 − level)/2 and (1 + level)/2 quantiles (R's default quantile type 7, numpy's "linear").

Both are seeded: the same seed gives the same numbers bit for bit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .convergence import DEFAULT_STOPPING, StoppingRule
from .em import Backend, default_var_floor
from .fit import DEFAULT_MAX_ITER, DEFAULT_TOL, check_data, degeneracy, fit, run_em, sample
from .init import InitMethod
from .params import MixtureParams
from .prior import ConjugatePrior

__all__ = [
    "MAX_REDRAW_FACTOR",
    "BootstrapLRT",
    "LRTRow",
    "ParameterBootstrap",
    "bootstrap_lrt",
    "bootstrap_params",
]

#: At most this many times ``n_boot`` samples may be redrawn (degenerate fits), as mclust.
MAX_REDRAW_FACTOR = 10

Progress = Callable[[int, int], None]


@dataclass(frozen=True, eq=False)
class LRTRow:
    """One test of K against K + 1 components.

    Attributes
    ----------
    n_components : int
        K, the number of components under the null hypothesis.
    statistic : float
        LRTS = 2 (log L_{K+1} − log L_K) of the fits to the data.
    p_value : float
        (1 + #{LRTS_b ≥ LRTS}) / (n_boot + 1).
    boot_statistics : ndarray, shape (n_boot,)
        The bootstrap statistics LRTS_b.
    redrawn : int
        Bootstrap samples drawn again because a fit on them ended degenerate.
    """

    n_components: int
    statistic: float
    p_value: float
    boot_statistics: np.ndarray
    redrawn: int


@dataclass(frozen=True, eq=False)
class BootstrapLRT:
    """The sequence of tests K vs K + 1 for K = 1..k_max − 1 (see :func:`bootstrap_lrt`).

    Attributes
    ----------
    rows : tuple of LRTRow
    fits : tuple of MixtureParams
        The fits to the data for K = 1..k_max (the test's models).
    log_likelihoods : ndarray, shape (k_max,)
        Their log-likelihoods.
    equal_variance : bool
    n_boot : int
    seed : int
    prior : bool
    """

    rows: tuple[LRTRow, ...]
    fits: tuple[MixtureParams, ...]
    log_likelihoods: np.ndarray
    equal_variance: bool
    n_boot: int
    seed: int
    prior: bool

    def first_not_rejected(self, level: float = 0.05) -> int | None:
        """The smallest K whose test against K + 1 has p > ``level`` (None: every test
        rejected K, so even k_max − 1 components are too few at that level)."""
        return next((r.n_components for r in self.rows if r.p_value > level), None)


@dataclass(frozen=True, eq=False)
class ParameterBootstrap:
    """Bootstrap replicates of a fit's parameters, with SEs and percentile intervals.

    Attributes
    ----------
    params : MixtureParams
        The fit the replicates were started from.
    replicates : ndarray, shape (n_boot, 3, K)
        Rows (weights, means, variances) of each replicate, in ``params``' component order.
    level : float
        Coverage of the intervals (0.95).
    redrawn : int
        Resamples drawn again because their fit ended degenerate (or had fewer distinct values
        than K).
    seed : int
    """

    params: MixtureParams
    replicates: np.ndarray
    level: float
    redrawn: int
    seed: int

    @property
    def n_boot(self) -> int:
        """B, the number of replicates."""
        return int(self.replicates.shape[0])

    @property
    def se(self) -> np.ndarray:
        """Standard errors, shape (3, K): rows π, μ, σ² (divisor B − 1)."""
        return self.replicates.std(axis=0, ddof=1)

    @property
    def interval(self) -> tuple[np.ndarray, np.ndarray]:
        """(low, high) percentile bounds, each shape (3, K): rows π, μ, σ²."""
        tail = (1.0 - self.level) / 2.0
        low, high = np.quantile(self.replicates, [tail, 1.0 - tail], axis=0)
        return low, high


def _check_boot(n_boot: int) -> None:
    if n_boot < 1:
        raise ValueError(f"the number of bootstrap samples must be at least 1, got {n_boot}")


def bootstrap_lrt(
    x: np.ndarray,
    k_max: int,
    *,
    equal_variance: bool,
    n_boot: int = 99,
    seed: int = 0,
    n_init: int = 10,
    init: InitMethod = "kmeans++",
    tol: float = DEFAULT_TOL,
    max_iter: int = DEFAULT_MAX_ITER,
    prior: bool = False,
    stopping: StoppingRule = DEFAULT_STOPPING,
    backend: Backend = "auto",
    on_progress: Progress | None = None,
) -> BootstrapLRT:
    """Bootstrap likelihood-ratio tests of K vs K + 1 components, K = 1..k_max − 1.

    Parameters
    ----------
    x : array_like, shape (N,)
        Finite data with at least ``k_max`` distinct values.
    k_max : int
        The largest number of components fitted (≥ 2); ``k_max = 3`` tests 1 vs 2 and 2 vs 3
        (mclust's ``maxG = 2``).
    equal_variance : bool
        The variance model of every fit (mclust "E" or "V").
    n_boot : int
        Bootstrap samples per test (mclust's default is 999; the issue's reference uses 99).
    seed : int
        Seed: test K draws its samples from ``default_rng([seed, K])``; the fits to the data use
        ``seed`` as :func:`gmm_core.fit.fit` does.
    n_init, init
        Restarts and initialisation of the fits to the data (the best non-degenerate restart).
    tol, max_iter, prior, stopping, backend
        As in :func:`gmm_core.fit.fit`; with ``prior`` every fit is MAP-EM with mclust's
        default prior (for its own data and K), and the statistic still uses log L.
    on_progress : callable, optional
        ``on_progress(done, total)`` after each bootstrap sample, total = (k_max − 1) n_boot.

    Returns
    -------
    BootstrapLRT
    """
    if k_max < 2:
        raise ValueError(f"the test needs k_max ≥ 2 (K = 1 against K = 2), got {k_max}")
    _check_boot(n_boot)
    x = check_data(x, k_max)
    options = {"tol": tol, "max_iter": max_iter, "equal_variance": equal_variance,
               "backend": backend, "stopping": stopping}
    fits = [
        fit(x, k, init=init, n_init=n_init, seed=seed, prior=prior, **options)
        for k in range(1, k_max + 1)
    ]
    total, done = (k_max - 1) * n_boot, 0
    rows = []
    for k in range(1, k_max):
        null, alternative = fits[k - 1].params, fits[k].params
        observed = 2.0 * (fits[k].log_likelihood - fits[k - 1].log_likelihood)
        rng = np.random.default_rng([seed, k])
        stats, redrawn = [], 0
        while len(stats) < n_boot:
            xb, _ = sample(null, x.size, rng)
            statistic = _boot_statistic(xb, null, alternative, prior, options)
            if statistic is None:
                redrawn += 1
                if redrawn > MAX_REDRAW_FACTOR * n_boot:
                    raise RuntimeError(
                        f"K = {k} vs {k + 1}: more than {MAX_REDRAW_FACTOR * n_boot} bootstrap "
                        "samples gave degenerate fits; the test cannot be run on this data"
                    )
                continue
            stats.append(statistic)
            done += 1
            if on_progress is not None:
                on_progress(done, total)
        boot = np.asarray(stats)
        boot.flags.writeable = False
        p_value = (1.0 + float(np.count_nonzero(boot >= observed))) / (n_boot + 1.0)
        rows.append(LRTRow(k, float(observed), p_value, boot, redrawn))
    lls = np.array([f.log_likelihood for f in fits])
    return BootstrapLRT(
        tuple(rows), tuple(f.params for f in fits), lls, equal_variance, n_boot, seed, bool(prior)
    )


def _fit_from(
    xb: np.ndarray, start: MixtureParams, prior: bool, options: dict
) -> tuple[MixtureParams, float] | None:
    """One EM run on ``xb`` from ``start``; None when it cannot be fitted or ends degenerate."""
    k = start.n_components
    if np.unique(xb).size < k:
        return None
    floor = default_var_floor(xb)
    run = run_em(
        xb, start, var_floor=floor, prior=ConjugatePrior.default(xb, k) if prior else None,
        tol=options["tol"], max_iter=options["max_iter"],
        equal_variance=options["equal_variance"], backend=options["backend"],
        stopping=options["stopping"],
    )
    if degeneracy(run.params, floor) is not None:
        return None
    return run.params, run.log_likelihood


def _boot_statistic(
    xb: np.ndarray, null: MixtureParams, alternative: MixtureParams, prior: bool, options: dict
) -> float | None:
    fit0 = _fit_from(xb, null, prior, options)
    fit1 = None if fit0 is None else _fit_from(xb, alternative, prior, options)
    if fit0 is None or fit1 is None:
        return None
    return 2.0 * (fit1[1] - fit0[1])


def bootstrap_params(
    x: np.ndarray,
    params: MixtureParams,
    *,
    equal_variance: bool,
    n_boot: int = 999,
    seed: int = 0,
    level: float = 0.95,
    tol: float = DEFAULT_TOL,
    max_iter: int = DEFAULT_MAX_ITER,
    prior: bool = False,
    stopping: StoppingRule = DEFAULT_STOPPING,
    backend: Backend = "auto",
    on_progress: Progress | None = None,
) -> ParameterBootstrap:
    """Nonparametric bootstrap of a fit's parameters (module docstring).

    Parameters
    ----------
    x : array_like, shape (N,)
        The data ``params`` were fitted to.
    params : MixtureParams
        The fit (K components); every replicate starts from it, so components keep its labels.
    equal_variance : bool
        The fit's variance model.
    n_boot : int
        Replicates B.
    seed : int
        Resample b draws from ``default_rng(seed)``'s stream, in order.
    level : float
        Coverage of the percentile intervals, in (0, 1).
    tol, max_iter, prior, stopping, backend
        As in :func:`gmm_core.fit.fit` (the fit's own options).
    on_progress : callable, optional
        ``on_progress(done, n_boot)`` after each replicate.

    Returns
    -------
    ParameterBootstrap
    """
    _check_boot(n_boot)
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1, got {level}")
    x = check_data(x, params.n_components)
    options = {"tol": tol, "max_iter": max_iter, "equal_variance": equal_variance,
               "backend": backend, "stopping": stopping}
    rng = np.random.default_rng(seed)
    replicates, redrawn = [], 0
    while len(replicates) < n_boot:
        xb = x[rng.integers(0, x.size, x.size)]
        fitted = _fit_from(xb, params, prior, options)
        if fitted is None:
            redrawn += 1
            if redrawn > MAX_REDRAW_FACTOR * n_boot:
                raise RuntimeError(
                    f"more than {MAX_REDRAW_FACTOR * n_boot} resamples gave degenerate fits"
                )
            continue
        p = fitted[0]
        replicates.append((p.weights, p.means, p.variances))
        if on_progress is not None:
            on_progress(len(replicates), n_boot)
    out = np.array(replicates, dtype=np.float64)
    out.flags.writeable = False
    return ParameterBootstrap(params, out, float(level), redrawn, seed)
