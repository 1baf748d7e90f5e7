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
from functools import partial
from typing import Any, Unpack

import numpy as np

from .convergence import StoppingRule, met_at_last
from .em import LOG_2PI, _logsumexp_rows, _quadratic, default_var_floor, m_step_arrays
from .fit import _AT_FLOOR_RTOL, check_data, fit, sample
from .init import InitMethod
from .options import EMOptions, EMOverrides
from .params import MixtureParams
from .prior import ConjugatePrior, log_prior_arrays

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
    n_boot: int = 99,
    seed: int = 0,
    n_init: int = 10,
    init: InitMethod = "kmeans++",
    options: EMOptions | None = None,
    on_progress: Progress | None = None,
    **overrides: Unpack[EMOverrides],
) -> BootstrapLRT:
    """Bootstrap likelihood-ratio tests of K vs K + 1 components, K = 1..k_max − 1.

    Parameters
    ----------
    x : array_like, shape (N,)
        Finite data with at least ``k_max`` distinct values.
    k_max : int
        The largest number of components fitted (≥ 2); ``k_max = 3`` tests 1 vs 2 and 2 vs 3
        (mclust's ``maxG = 2``).
    n_boot : int
        Bootstrap samples per test (mclust's default is 999; the issue's reference uses 99).
    seed : int
        Seed: test K draws its samples from ``default_rng([seed, K])``; the fits to the data use
        ``seed`` as :func:`gmm_core.fit.fit` does.
    n_init, init
        Restarts and initialisation of the fits to the data (the best non-degenerate restart).
    options : EMOptions, optional
        The fits' options (:class:`gmm_core.options.EMOptions`; var_floor must be None, the
        default floor of each sample).
    on_progress : callable, optional
        ``on_progress(done, total)`` as bootstrap fits finish, total = 2 (k_max − 1) n_boot
        (two fits per sample).
    **overrides
        The fields of ``options`` as keywords, overriding it where given, as in
        :func:`gmm_core.fit.fit`: ``equal_variance`` is the variance model of every fit
        (mclust "E" or "V"); with ``prior`` every fit is MAP-EM with mclust's default prior
        (for its own data and K), and the statistic still uses log L. The bootstrap refits run
        vectorised over a batch of samples (:func:`batched_em`, numpy; ``backend`` applies to
        the fits to the data).

    Returns
    -------
    BootstrapLRT
    """
    if k_max < 2:
        raise ValueError(f"the test needs k_max ≥ 2 (K = 1 against K = 2), got {k_max}")
    _check_boot(n_boot)
    opts = _bootstrap_options(options, **overrides)
    x = check_data(x, k_max)
    fits = [
        fit(x, k, options=opts, init=init, n_init=n_init, seed=seed) for k in range(1, k_max + 1)
    ]
    total = 2 * (k_max - 1) * n_boot
    fits_done = [0]

    def count(n: int) -> None:
        fits_done[0] += n
        if on_progress is not None:
            on_progress(min(fits_done[0], total), total)

    rows = []
    for k in range(1, k_max):
        null, alternative = fits[k - 1].params, fits[k].params
        observed = 2.0 * (fits[k].log_likelihood - fits[k - 1].log_likelihood)
        rng = np.random.default_rng([seed, k])
        boot, redrawn = _refit_until(
            n_boot,
            _batch_size(x.size, k + 1),
            partial(_lrt_statistics, null, alternative, x.size, rng, opts, count),
            f"K = {k} vs {k + 1}: more than {MAX_REDRAW_FACTOR * n_boot} bootstrap samples gave "
            "degenerate fits; the test cannot be run on this data (try the conjugate prior)",
        )
        p_value = (1.0 + float(np.count_nonzero(boot >= observed))) / (n_boot + 1.0)
        rows.append(LRTRow(k, float(observed), p_value, boot, redrawn))
    lls = np.array([f.log_likelihood for f in fits])
    return BootstrapLRT(
        tuple(rows),
        tuple(f.params for f in fits),
        lls,
        opts.equal_variance,
        n_boot,
        seed,
        bool(opts.prior),
    )


def _lrt_statistics(
    null: MixtureParams,
    alternative: MixtureParams,
    n_points: int,
    rng: np.random.Generator,
    opts: EMOptions,
    on_done: Callable[[int], None],
    size: int,
    _kept: int,
) -> tuple[np.ndarray, np.ndarray]:
    """``size`` samples of ``n_points`` drawn from the null fit, each refitted from the null
    and from the alternative fit: the statistics 2 (log L₁ − log L₀), shape (size,), and
    which samples gave a degenerate fit (a ``refit`` of :func:`_refit_until`)."""
    batch = np.array([sample(null, n_points, rng)[0] for _ in range(size)])
    _, ll0, bad0 = batched_em(batch, null, on_done=on_done, **_batch_options(opts))
    _, ll1, bad1 = batched_em(batch, alternative, on_done=on_done, **_batch_options(opts))
    return 2.0 * (ll1 - ll0), bad0 | bad1


def _refit_until(
    n_boot: int,
    batch_size: int,
    refit: Callable[[int, int], tuple[np.ndarray, np.ndarray]],
    too_fragile: str,
) -> tuple[np.ndarray, int]:
    """Refit batches of samples until ``n_boot`` of them gave sound fits.

    Parameters
    ----------
    n_boot : int
        Results wanted B.
    batch_size : int
        Most samples drawn and refitted at once (:func:`_batch_size`).
    refit : callable
        ``refit(size, kept)`` draws ``size`` samples and refits them (``kept``: sound results
        so far); returns their results, shape (size, ...), and which are degenerate, bool
        shape (size,).
    too_fragile : str
        The ValueError's message once more than ``MAX_REDRAW_FACTOR * n_boot`` samples were
        degenerate (and redrawn).

    Returns
    -------
    results : ndarray, shape (n_boot, ...), read-only
        The sound results, in the order drawn.
    redrawn : int
        Samples drawn again because their fit was degenerate.
    """
    kept: list[np.ndarray] = []
    redrawn = 0
    while len(kept) < n_boot:
        results, bad = refit(min(batch_size, n_boot - len(kept)), len(kept))
        redrawn += int(np.count_nonzero(bad))
        if redrawn > MAX_REDRAW_FACTOR * n_boot:
            raise ValueError(too_fragile)
        kept.extend(results[~bad])
    out = np.array(kept, dtype=np.float64)
    out.flags.writeable = False
    return out, redrawn


def _bootstrap_options(options: EMOptions | None, **overrides: Any) -> EMOptions:
    """The resolved options of a bootstrap: prior a bool (mclust's default for each sample)
    and the default variance floor (that of each sample)."""
    opts = EMOptions.resolve(options, **overrides)
    if not isinstance(opts.prior, bool) or opts.var_floor is not None:
        raise ValueError(
            "the bootstrap takes prior=True/False and the default variance floor (each sample "
            "gets its own)"
        )
    return opts


def _batch_options(opts: EMOptions) -> dict[str, Any]:
    """The keyword arguments of :func:`batched_em` from ``opts``."""
    return {
        "equal_variance": opts.equal_variance,
        "prior": bool(opts.prior),
        "tol": opts.tol,
        "max_iter": opts.max_iter,
        "stopping": opts.stopping,
    }


@dataclass(frozen=True)
class _BatchPrior:
    """mclust's default prior for each of B samples (hyperparameters of shape (B, 1))."""

    shrinkage: float
    mean: np.ndarray
    dof: float
    scale: np.ndarray


def _batch_prior(samples: np.ndarray, n_components: int) -> _BatchPrior:
    """:meth:`ConjugatePrior.default` of every row of ``samples`` (shape (B, N))."""
    one = ConjugatePrior.default(samples[0], n_components)
    return _BatchPrior(
        one.shrinkage,
        samples.mean(axis=1, keepdims=True),
        one.dof,
        samples.var(axis=1, ddof=1, keepdims=True) / n_components**2,
    )


def batched_em(
    samples: np.ndarray,
    start: MixtureParams,
    *,
    equal_variance: bool,
    prior: bool,
    tol: float,
    max_iter: int,
    stopping: StoppingRule,
    on_done: Callable[[int], None] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """EM from ``start`` on each of B samples at once: what :func:`gmm_core.fit.run_em` does
    on each (its floor, within-model start, M-step arithmetic via
    :func:`gmm_core.em.m_step_arrays` and stopping rule), vectorised over the samples.

    Parameters
    ----------
    samples : ndarray, shape (B, N)
    start : MixtureParams with K components
    equal_variance, prior, tol, max_iter, stopping
        As in :func:`gmm_core.fit.fit` (``prior``: mclust's default for each sample).
    on_done : callable, optional
        Called with the number of runs that have just finished (progress bars).

    Runs that have stopped leave the arrays, so the work shrinks as they converge.

    Returns
    -------
    params : ndarray, shape (B, 3, K)
        Final (weights, means, variances) of each sample's run.
    log_likelihoods : ndarray, shape (B,)
    degenerate : ndarray of bool, shape (B,)
        Runs ending with a variance at the floor (see :func:`gmm_core.fit.degeneracy`).
    """
    x = np.asarray(samples, dtype=np.float64)
    n_batch, n_points = x.shape
    k = start.n_components
    floors = np.array([default_var_floor(row) for row in x])[:, None]  # (B, 1)
    map_prior = _batch_prior(x, k) if prior else None
    weights = np.broadcast_to(start.weights, (n_batch, k)).copy()
    means = np.broadcast_to(start.means, (n_batch, k)).copy()
    variances = np.broadcast_to(start.variances, (n_batch, k)).copy()
    if equal_variance:  # within_model: the pooled σ² = Σ π_k σ_k²
        variances[:] = (weights * variances).sum(axis=1, keepdims=True)
    variances = np.maximum(variances, floors)
    out_params = np.empty((n_batch, 3, k))
    out_ll = np.empty(n_batch)
    # The runs still going, compacted: ids into the batch and their rows of every array.
    ids = np.arange(n_batch)
    tail = np.empty((0, n_batch))  # the last (up to) three objective values of each run
    for t in range(max_iter + 1):
        xs = x[ids][None, :, :]  # (1, B', N); components lead: (K, B', N)
        with np.errstate(divide="ignore"):
            log_coef = np.log(weights) - 0.5 * (LOG_2PI + np.log(variances))
        d = xs - means.T[:, :, None]
        d2 = d * d
        scaled, lse = _logsumexp_rows(
            log_coef.T[:, :, None] - _quadratic((0.5 / variances).T[:, :, None], d2)
        )
        ll = lse.sum(axis=-1)
        objective = ll
        if map_prior is not None:
            prior_rows = _BatchPrior(
                map_prior.shrinkage, map_prior.mean[ids], map_prior.dof, map_prior.scale[ids]
            )
            objective = ll + log_prior_arrays(prior_rows, means, variances, equal_variance)
        tail = np.vstack([tail[-2:], objective[None, :]])
        stop = (
            met_at_last(tail.T, n_points, tol, stopping)
            if t >= 1
            else np.zeros(ids.size, dtype=bool)
        )
        if t == max_iter:
            stop[:] = True
        if stop.any():
            out_params[ids[stop]] = np.stack([weights, means, variances], axis=1)[stop]
            out_ll[ids[stop]] = ll[stop]
            if on_done is not None:
                on_done(int(np.count_nonzero(stop)))
            go = ~stop
            ids, tail = ids[go], tail[:, go]
            weights, means, variances = weights[go], means[go], variances[go]
            scaled, d, d2 = scaled[:, go], d[:, go], d2[:, go]
        if ids.size == 0:
            break
        gamma = scaled / scaled.sum(axis=0)
        n_k = gamma.sum(axis=-1).T
        s1 = (gamma * d).sum(axis=-1).T
        s2 = (gamma * d2).sum(axis=-1).T
        batch_prior = None
        if map_prior is not None:
            batch_prior = _BatchPrior(
                map_prior.shrinkage, map_prior.mean[ids], map_prior.dof, map_prior.scale[ids]
            )
        weights, means, variances, _, _ = m_step_arrays(
            n_k,
            s1,
            s2,
            means,
            means,
            variances,
            var_floor=floors[ids],
            equal_variance=equal_variance,
            prior=batch_prior,
        )
    degenerate = (out_params[:, 2] <= floors * (1.0 + _AT_FLOOR_RTOL)).any(axis=1)
    return out_params, out_ll, degenerate


#: Most values (samples × points × components) one batch of bootstrap fits holds.
BATCH_ELEMENTS = 4_000_000


def _batch_size(n_points: int, n_components: int) -> int:
    """Samples fitted at once: the (K, B, N) arrays stay below ``BATCH_ELEMENTS`` values."""
    return max(1, BATCH_ELEMENTS // (n_points * n_components))


def bootstrap_params(
    x: np.ndarray,
    params: MixtureParams,
    *,
    n_boot: int = 999,
    seed: int = 0,
    level: float = 0.95,
    options: EMOptions | None = None,
    on_progress: Progress | None = None,
    **overrides: Unpack[EMOverrides],
) -> ParameterBootstrap:
    """Nonparametric bootstrap of a fit's parameters (module docstring).

    Parameters
    ----------
    x : array_like, shape (N,)
        The data ``params`` were fitted to.
    params : MixtureParams
        The fit (K components); every replicate starts from it, so components keep its labels.
    n_boot : int
        Replicates B.
    seed : int
        Resample b draws from ``default_rng(seed)``'s stream, in order.
    level : float
        Coverage of the percentile intervals, in (0, 1).
    options : EMOptions, optional
        The fit's own options (:class:`gmm_core.options.EMOptions`, as for
        :func:`bootstrap_lrt`; the backend is not used).
    on_progress : callable, optional
        ``on_progress(done, n_boot)`` as refits finish.
    **overrides
        The fields of ``options`` as keywords, overriding it where given, as in
        :func:`gmm_core.fit.fit` (``equal_variance``: the fit's variance model); the refits
        run vectorised over a batch of resamples (:func:`batched_em`, numpy).

    Returns
    -------
    ParameterBootstrap
    """
    _check_boot(n_boot)
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1, got {level}")
    opts = _bootstrap_options(options, **overrides)
    x = check_data(x, params.n_components)
    rng = np.random.default_rng(seed)

    def refit(size: int, kept: int) -> tuple[np.ndarray, np.ndarray]:
        batch = np.array([x[rng.integers(0, x.size, x.size)] for _ in range(size)])
        done = kept

        def count(n: int) -> None:
            nonlocal done
            done += n
            if on_progress is not None:
                on_progress(min(done, n_boot), n_boot)

        fitted, _, bad = batched_em(batch, params, on_done=count, **_batch_options(opts))
        bad |= np.array([np.unique(row).size < params.n_components for row in batch])
        return fitted, bad

    out, redrawn = _refit_until(
        n_boot,
        _batch_size(x.size, params.n_components),
        refit,
        f"more than {MAX_REDRAW_FACTOR * n_boot} resamples gave degenerate fits (a variance at "
        "the floor): this fit is too fragile to bootstrap; try the conjugate prior",
    )
    return ParameterBootstrap(params, out, float(level), redrawn, seed)
