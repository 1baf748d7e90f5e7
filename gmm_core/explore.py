"""The landscape of local optima: many EM restarts, grouped by the optimum each one reaches.

Run r (0-based) of :func:`explore_restarts` uses the initialisation method
``methods[r % len(methods)]`` and the seed ``seed + r // len(methods)``; its θ₀ is exactly
``initial_params(x, K, method, np.random.default_rng(run_seed))``. So
``fit(x, K, init=method, seed=run_seed, ...)`` with the same options repeats run r bit for bit,
and so does the app's stepper, which builds θ₀ the same way from (method, seed).

Grouping rule
-------------
An optimum is the fixed point EM converges to. Runs stop (per-point gain below ``tol``) before
they get there, on flat ridges far before: on galaxies with K = 4 and the default ``tol`` = 1e-6,
runs that all lead to one optimum (log L = −768.9520 when continued to ``tol`` = 1e-14) stop at
−768.9527 and −768.9538 with means 34 km/s (7.5e-3 s.d.) apart, and with K = 5 runs stop near
−765.71 on a ridge that rises to −763.89 after ~3000 more iterations. Comparing final
log-likelihoods and parameters within fixed tolerances would therefore report one optimum
several times. The runs are grouped in three steps.

*Match.* Two parameter sets θ_a, θ_b (log-likelihoods ℓ_a, ℓ_b) match when

1. **their parameters agree**: for every k, |π_ak − π_bk| ≤ ``WEIGHT_TOL`` (1e-3),
   |μ_ak − μ_bk| ≤ ``MEAN_TOL`` × s (1e-3 × s, s the data's standard deviation measured robustly
   as for the variance floor, :func:`gmm_core.em.data_scale_variance`) and
   |σ²_ak − σ²_bk| ≤ ``VARIANCE_RTOL`` × max(σ²_ak, σ²_bk) (1e-2); or
2. **no valley separates them**: log L on the straight segment θ(t) = (1 − t) θ_a + t θ_b
   (weights, means and variances interpolated) at t = 1/8, 2/8, …, 7/8 never falls more than
   δ = 1e-6 · N + 1e-9 · |min(ℓ_a, ℓ_b)| below min(ℓ_a, ℓ_b).

Components are compared in a canonical order, by increasing mean with components of weight below
``WEIGHT_TOL`` last (an empty component's mean is arbitrary), so relabelling the components
(label switching) never makes two optima distinct. Test 2 is there because two distinct local
maxima are separated by a valley (every path between them goes below both), while two stopping
points near one maximum usually are not: on galaxies (K = 4 and 5, 40 restarts each) log L between
runs of one optimum never dipped below the lower end, between runs of different optima it dipped by
0.025 or more.

*Step 1, group the runs.* Runs are visited by decreasing final log L; each joins the first group
whose leader (its first, best run) it matches, groups tried in order of closeness in log L (test 1
against all of them before any test 2), or else founds a group.

*Step 2, refine.* Test 2 misses a curved ridge: with two components sharing one cluster, EM stops
at different splits of the cluster and the straight segment between two splits dips. So each
group's leader is continued (the same run, :func:`gmm_core.fit.advance`) until the per-point gain
falls below ``REFINE_TOL`` (1e-10, or ``tol`` if smaller) or for at most ``REFINE_MAX_ITER``
(5000) more iterations; the refined parameters are the group's estimate of its optimum.

*Step 3, merge.* The refined leaders are grouped like the runs in step 1 (by decreasing refined
log L); groups whose leaders match become one optimum, represented by the best refined leader.
Optima are sorted by their refined log L, highest first. With ``refine=False`` steps 2 and 3 are
skipped and an optimum is its best run's final parameters (cheaper; may split one optimum).

Each run keeps its parameter trajectory and log-likelihood trace (never responsibilities).

Degenerate runs: a run ending with a variance at the floor (a component collapsed onto a point,
:func:`gmm_core.fit.degeneracy`) is flagged (:attr:`RestartRun.degenerate`), and so is an
optimum whose parameters are degenerate: its log L is set by the arbitrary floor, not a local
maximum of the model's likelihood.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Unpack

import numpy as np

from .em import Backend, data_scale_variance, default_var_floor, log_likelihood
from .fit import Run, advance, check_data, degeneracy, run_em
from .init import INIT_METHODS, initial_params
from .options import EMOptions, EMOverrides
from .params import MixtureParams
from .prior import resolve_prior

__all__ = [
    "BARRIER_POINTS",
    "MAX_RESTARTS",
    "MEAN_TOL",
    "REFINE_MAX_ITER",
    "REFINE_TOL",
    "VARIANCE_RTOL",
    "WEIGHT_TOL",
    "Exploration",
    "Optimum",
    "RestartRun",
    "explore_restarts",
    "same_optimum",
]

#: Most restarts one exploration may run.
MAX_RESTARTS = 200
#: Largest difference of two matching weights π_k.
WEIGHT_TOL = 1e-3
#: Largest difference of two matching means, as a fraction of the data's standard deviation.
MEAN_TOL = 1e-3
#: Largest relative difference of two matching variances.
VARIANCE_RTOL = 1e-2
#: Where on the segment between two runs log L is evaluated (middle first: a valley between two
#: optima is usually deepest there, and the test stops at the first point below the threshold).
BARRIER_POINTS: tuple[float, ...] = (0.5, 0.25, 0.75, 0.125, 0.375, 0.625, 0.875)
#: δ, the dip that still counts as no valley: BARRIER_PER_POINT · N + BARRIER_RELATIVE · |ℓ|.
BARRIER_PER_POINT = 1e-6
BARRIER_RELATIVE = 1e-9
#: Per-point gain below which the refinement of a group's leader stops.
REFINE_TOL = 1e-10
#: Most iterations the refinement of one leader may add.
REFINE_MAX_ITER = 5000


@dataclass(frozen=True, eq=False)
class RestartRun:
    """One EM run of an exploration.

    Attributes
    ----------
    index : int
        r, the position of the run (0-based).
    method : str
        Initialisation method, ``methods[r % len(methods)]``.
    seed : int
        Seed of the generator θ₀ was drawn from, ``seed + r // len(methods)``.
    trajectory : ndarray, shape (n_iter + 1, 3, K)
        θ_t for t = 0..n_iter as rows (weights, means, variances), in the run's own component
        order; the exact floats of the run (read-only).
    log_likelihoods : ndarray, shape (n_iter + 1,)
        log L(θ_t) for every row of ``trajectory`` (read-only).
    converged : bool
        Whether the run met the convergence rule before ``max_iter``.
    optimum : int
        Index into :attr:`Exploration.optima` of the optimum the run reached.
    initial_params : MixtureParams
        θ_0 the run started from: the drawn θ₀ moved inside the model
        (:func:`gmm_core.em.within_model`), as ``fit`` starts.
    params : MixtureParams
        The final parameters θ_n.
    degenerate : str or None
        Why the run ended degenerate (a variance at the floor), None when it did not.
    """

    index: int
    method: str
    seed: int
    trajectory: np.ndarray
    log_likelihoods: np.ndarray
    converged: bool
    optimum: int
    initial_params: MixtureParams
    params: MixtureParams
    degenerate: str | None = None

    @property
    def n_iter(self) -> int:
        """Number of EM iterations run."""
        return int(self.log_likelihoods.size) - 1

    @property
    def log_likelihood(self) -> float:
        """log L of the final parameters."""
        return float(self.log_likelihoods[-1])


@dataclass(frozen=True, eq=False)
class Optimum:
    """A local optimum of the log-likelihood and the runs that reached it.

    Attributes
    ----------
    params : MixtureParams
        The optimum, components sorted by increasing mean: the representative run's final
        parameters refined by further EM iterations (without refinement, those parameters).
    log_likelihood : float
        log L of ``params``.
    run_indices : tuple of int
        The runs that reached it, in increasing order.
    representative : int
        The run ``params`` were refined from (the best of the optimum's runs, unless merging
        ridge pieces made another group's leader the best refined one).
    refine_iter : int
        EM iterations from the representative's final parameters to ``params`` (0 without
        refinement, or when refining did not raise log L: the run had reached the optimum).
    settled : bool
        Whether the refinement met its tolerance within ``REFINE_MAX_ITER`` iterations (without
        refinement: whether the representative run converged). False flags a slow ridge whose
        top ``params`` may not have reached.
    degenerate : str or None
        Why ``params`` are degenerate (a variance at the floor), None when they are not.
    """

    params: MixtureParams
    log_likelihood: float
    run_indices: tuple[int, ...]
    representative: int
    refine_iter: int
    settled: bool
    degenerate: str | None = None

    @property
    def n_runs(self) -> int:
        """How many runs reached this optimum."""
        return len(self.run_indices)


@dataclass(frozen=True, eq=False)
class Exploration:
    """Many EM restarts and the distinct optima they reached (see the module docstring).

    Attributes
    ----------
    runs : tuple of RestartRun
        Every run, in the order they ran (``runs[r].index == r``).
    optima : tuple of Optimum
        The distinct optima, sorted by log-likelihood, highest first.
    methods : tuple of str
        The initialisation methods, in rotation order.
    seed : int
        Seed of the first runs of each method.
    n_points : int
        N.
    equal_variance : bool
    tol, max_iter, var_floor
        The EM options every run used.
    """

    runs: tuple[RestartRun, ...]
    optima: tuple[Optimum, ...]
    methods: tuple[str, ...]
    seed: int
    n_points: int
    equal_variance: bool
    tol: float
    max_iter: int
    var_floor: float

    @property
    def n_components(self) -> int:
        """K."""
        return self.optima[0].params.n_components

    @property
    def best(self) -> Optimum:
        """The optimum with the highest log-likelihood (``optima[0]``)."""
        return self.optima[0]

    @property
    def best_run(self) -> RestartRun:
        """The run with the highest final log-likelihood (the best optimum's representative)."""
        return self.runs[self.best.representative]

    def method_summary(self) -> list[dict[str, Any]]:
        """How each initialisation method fared, one dict per method in ``methods`` order.

        Returns
        -------
        list of dict
            Keys: ``method``; ``runs`` (count); ``best_share``, the fraction of its runs that
            reached the best optimum; ``optima``, how many distinct optima its runs reached;
            ``median_iterations``; ``median_log_likelihood`` (final log L);
            ``converged_share``, the fraction that met the convergence rule;
            ``degenerate_share``, the fraction that ended degenerate.
        """
        summary = []
        for method in self.methods:
            runs = [run for run in self.runs if run.method == method]
            summary.append(
                {
                    "method": method,
                    "runs": len(runs),
                    "best_share": float(np.mean([run.optimum == 0 for run in runs])),
                    "optima": len({run.optimum for run in runs}),
                    "median_iterations": float(np.median([run.n_iter for run in runs])),
                    "median_log_likelihood": float(np.median([run.log_likelihood for run in runs])),
                    "converged_share": float(np.mean([run.converged for run in runs])),
                    "degenerate_share": float(
                        np.mean([run.degenerate is not None for run in runs])
                    ),
                }
            )
        return summary


def _canonical(params: MixtureParams) -> np.ndarray:
    """θ as a (3, K) array (weights, means, variances) in the grouping rule's component order:
    by increasing mean, components of weight below ``WEIGHT_TOL`` last."""
    order = np.lexsort((params.means, params.weights < WEIGHT_TOL))
    return np.stack([params.weights[order], params.means[order], params.variances[order]])


def _close(a: np.ndarray, b: np.ndarray, mean_tol: float) -> bool:
    """Part 1 of the grouping rule, for canonical (3, K) arrays."""
    return bool(
        np.all(np.abs(a[0] - b[0]) <= WEIGHT_TOL)
        and np.all(np.abs(a[1] - b[1]) <= mean_tol)
        and np.all(np.abs(a[2] - b[2]) <= VARIANCE_RTOL * np.maximum(a[2], b[2]))
    )


def _no_valley(
    x: np.ndarray, a: np.ndarray, b: np.ndarray, floor_ll: float, backend: Backend
) -> bool:
    """Part 2 of the grouping rule: log L on the segment a → b stays above ``floor_ll``."""
    for t in BARRIER_POINTS:
        theta = (1.0 - t) * a + t * b
        if log_likelihood(x, MixtureParams(*theta), backend=backend) < floor_ll:
            return False
    return True


def _barrier_floor(n_points: int, ll_a: float, ll_b: float) -> float:
    lower = min(ll_a, ll_b)
    return lower - (BARRIER_PER_POINT * n_points + BARRIER_RELATIVE * abs(lower))


def same_optimum(
    x: np.ndarray,
    a: MixtureParams,
    log_lik_a: float,
    b: MixtureParams,
    log_lik_b: float,
    *,
    backend: Backend = "auto",
) -> bool:
    """Whether two fits reached the same optimum, by the module's grouping rule.

    Parameters
    ----------
    x : ndarray, shape (N,)
        The data both were fitted to.
    a, b : MixtureParams
        Final parameters (in any component order).
    log_lik_a, log_lik_b : float
        Their log-likelihoods on ``x``.
    backend : {"auto", "numpy", "fused"}
        E-step implementation for the log-likelihoods along the segment.
    """
    x = np.ascontiguousarray(x, dtype=np.float64)
    ca, cb = _canonical(a), _canonical(b)
    mean_tol = MEAN_TOL * float(np.sqrt(data_scale_variance(x)))
    if _close(ca, cb, mean_tol):
        return True
    return _no_valley(x, ca, cb, _barrier_floor(x.size, log_lik_a, log_lik_b), backend)


def _group(
    x: np.ndarray, canon: Sequence[np.ndarray], lls: np.ndarray, backend: Backend
) -> list[list[int]]:
    """Leader clustering by the grouping rule: lists of item indices, best first; each list's
    first item (its best) is the one the others were compared with.

    ``canon`` holds canonical (3, K) parameter arrays, ``lls`` (shape (n,)) their log L.
    """
    mean_tol = MEAN_TOL * float(np.sqrt(data_scale_variance(x)))
    groups: list[list[int]] = []
    for i in np.argsort(-lls, kind="stable").tolist():
        by_gap = sorted(range(len(groups)), key=lambda g: abs(lls[groups[g][0]] - lls[i]))
        match = next((g for g in by_gap if _close(canon[i], canon[groups[g][0]], mean_tol)), None)
        if match is None:
            match = next(
                (
                    g
                    for g in by_gap
                    if _no_valley(
                        x,
                        canon[i],
                        canon[groups[g][0]],
                        _barrier_floor(x.size, lls[i], lls[groups[g][0]]),
                        backend,
                    )
                ),
                None,
            )
        if match is None:
            groups.append([i])
        else:
            groups[match].append(i)
    return groups


def _trajectory(run: Run) -> np.ndarray:
    """The run's θ_0..θ_n as a read-only array of shape (n_iter + 1, 3, K)."""
    out = np.array([(p.weights, p.means, p.variances) for p in run.history], dtype=np.float64)
    out.flags.writeable = False
    return out


def _check_methods(methods: Sequence[str]) -> tuple[str, ...]:
    methods = tuple(methods)
    if not methods:
        raise ValueError("choose at least one initialisation method")
    unknown = [m for m in methods if m not in INIT_METHODS]
    if unknown:
        raise ValueError(
            f"unknown init method {unknown[0]!r}; choose among {', '.join(INIT_METHODS)}"
        )
    if len(set(methods)) != len(methods):
        raise ValueError(f"each initialisation method may appear once, got {list(methods)}")
    return methods


def explore_restarts(
    x: np.ndarray,
    n_components: int,
    *,
    methods: Sequence[str],
    n_restarts: int,
    seed: int = 0,
    options: EMOptions | None = None,
    refine: bool = True,
    on_run: Callable[[int, int], None] | None = None,
    **overrides: Unpack[EMOverrides],
) -> Exploration:
    """Run EM from many starting points and group the runs by the optimum they reach.

    Parameters
    ----------
    x : array_like, shape (N,)
        Finite data with at least K distinct values.
    n_components : int
        K.
    methods : sequence of {"random", "kmeans++", "quantile", "kmeans"}
        Initialisation methods, used in rotation: run r uses ``methods[r % len(methods)]``.
        Each may appear once.
    n_restarts : int
        Number of runs, 1 to ``MAX_RESTARTS`` (200).
    seed : int
        Run r draws θ₀ from ``np.random.default_rng(seed + r // len(methods))``: each method
        sees the seeds seed, seed + 1, … ("quantile" ignores them: its runs coincide).
    options : EMOptions, optional
        The runs' options (:class:`gmm_core.options.EMOptions`). Its var_floor must be None:
        the floor is the default, :func:`gmm_core.em.default_var_floor`.
    refine : bool
        Refine each group's leader and merge groups that reach one optimum (steps 2 and 3 of
        the grouping rule); False groups on the runs' final parameters alone.
    on_run : callable, optional
        Called as ``on_run(done, n_restarts)`` after each run (progress bars).
    **overrides
        The fields of ``options`` as keywords, overriding it where given, as in
        :func:`gmm_core.fit.fit`. The refinement of step 2 always uses the per-point gain
        below ``REFINE_TOL``, whatever the stopping rule; with ``prior`` (MAP-EM with mclust's
        default conjugate prior, :mod:`gmm_core.prior`) runs are still compared and grouped by
        their log-likelihood.

    Returns
    -------
    Exploration
        The runs (trajectories and log-likelihood traces, no responsibilities) and the distinct
        optima, grouped by the rule in the module docstring.
    """
    x = check_data(x, n_components)
    methods = _check_methods(methods)
    if not 1 <= n_restarts <= MAX_RESTARTS:
        raise ValueError(f"n_restarts must be between 1 and {MAX_RESTARTS}, got {n_restarts}")
    opts = EMOptions.resolve(options, **overrides)
    if opts.var_floor is not None:
        raise ValueError("explore_restarts uses the default variance floor: leave var_floor None")
    floor = default_var_floor(x)
    opts = opts.replace(var_floor=floor, prior=resolve_prior(opts.prior, x, n_components) or False)
    raw: list[tuple[str, int, Run]] = []
    for r in range(n_restarts):
        method, run_seed = methods[r % len(methods)], seed + r // len(methods)
        start = initial_params(x, n_components, method, np.random.default_rng(run_seed))
        raw.append((method, run_seed, run_em(x, start, options=opts, init=method)))
        if on_run is not None:
            on_run(r + 1, n_restarts)

    lls = np.array([run.log_likelihood for _, _, run in raw])
    groups = _group(x, [_canonical(run.params) for _, _, run in raw], lls, opts.backend)
    leaders = [raw[members[0]][2] for members in groups]
    settled = [run.converged for run in leaders]
    if refine:
        refine_tol = min(opts.tol, REFINE_TOL) if opts.tol > 0 else REFINE_TOL
        for g, run in enumerate(leaders):
            more = advance(
                x,
                replace(run, converged=False),
                REFINE_MAX_ITER,
                tol=refine_tol,
                stopping="gain",
                var_floor=floor,
                equal_variance=opts.equal_variance,
                backend=opts.backend,
                prior=opts.prior or None,
            )
            settled[g] = more.converged
            # At a fixed point the one extra iteration may lose an ulp of log L: keep the run.
            if more.log_likelihood > run.log_likelihood:
                leaders[g] = more
        leader_lls = np.array([run.log_likelihood for run in leaders])
        merged = _group(x, [_canonical(run.params) for run in leaders], leader_lls, opts.backend)
    else:
        merged = [[g] for g in range(len(groups))]

    optimum_of = {i: o for o, gs in enumerate(merged) for g in gs for i in groups[g]}
    runs = tuple(
        RestartRun(
            index=r,
            method=method,
            seed=run_seed,
            trajectory=_trajectory(run),
            log_likelihoods=_read_only(run.log_likelihoods),
            converged=bool(run.converged),
            optimum=optimum_of[r],
            initial_params=run.initial_params,
            params=run.params,
            degenerate=degeneracy(run.params, floor, int(x.size)),
        )
        for r, (method, run_seed, run) in enumerate(raw)
    )
    optima = tuple(
        Optimum(
            params=leaders[gs[0]].params.sorted_by_mean(),
            log_likelihood=leaders[gs[0]].log_likelihood,
            run_indices=tuple(sorted(i for g in gs for i in groups[g])),
            representative=groups[gs[0]][0],
            refine_iter=leaders[gs[0]].n_iter - runs[groups[gs[0]][0]].n_iter,
            settled=bool(settled[gs[0]]),
            degenerate=degeneracy(leaders[gs[0]].params.sorted_by_mean(), floor, int(x.size)),
        )
        for gs in merged
    )
    return Exploration(
        runs=runs,
        optima=optima,
        methods=methods,
        seed=seed,
        n_points=int(x.size),
        equal_variance=opts.equal_variance,
        tol=opts.tol,
        max_iter=opts.max_iter,
        var_floor=floor,
    )


def _read_only(values: np.ndarray) -> np.ndarray:
    out = np.array(values, dtype=np.float64)
    out.flags.writeable = False
    return out
