"""Fitting a 1-D Gaussian mixture by EM: restarts, convergence, history and model criteria.

Convergence rule: iteration t moves θ_{t−1} → θ_t; the run stops at the first t at which the
stopping rule of :mod:`gmm_core.convergence` is met (by default Aitken's: the estimated distance
from log L(θ_{t−1}) to the limit, per point, is below ``tol``; ``stopping="gain"`` is the older
rule, the per-point gain (log L(θ_t) − log L(θ_{t−1})) / N < ``tol``, as scikit-learn). It stops
after ``max_iter`` iterations otherwise. ``tol = 0`` never converges early: exactly ``max_iter``
iterations run. With a prior (MAP-EM, :mod:`gmm_core.prior`) the rules apply to the log
posterior log L + log p(θ), which is what MAP-EM never decreases.

Degenerate fits: a fit whose final parameters hold a variance at the floor (a component
collapsed onto a point, see :mod:`gmm_core.em`) is *degenerate*: its log L, and so its BIC,
depends only on the arbitrary floor (mclust stops such a fit and reports no BIC). ``fit`` keeps
the best non-degenerate restart when there is one; :func:`degeneracy` says why a fit is
degenerate.

Information criteria follow scikit-learn's sign convention: **lower is better**.
BIC = −2 log L + p ln N, AIC = −2 log L + 2p, with p = 3K − 1 free parameters (K means,
K variances, K − 1 weights), or p = 2K with equal variances. Two forms of ICL (Biernacki,
Celeux & Govaert 2000):

* ``icl`` (the default, "entropy ICL"): BIC + 2 × (classification entropy
  −Σ_n Σ_k γ(z_nk) log γ(z_nk)), the soft form;
* ``icl_map`` (mclust's ``icl()``, with its sign flipped): BIC − 2 Σ_n log max_k γ(z_nk), the
  entropy of the MAP (hard) classification.

Both are ≥ BIC; the MAP form is ≤ the entropy form (log max_k γ ≥ Σ_k γ log γ).
With a prior, log L in the criteria is the log-likelihood at the MAP estimate (mclust's
convention for ``priorControl()``; the log prior is not added).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Unpack

import numpy as np

from .convergence import DEFAULT_STOPPING, StoppingRule, check_rule, has_converged
from .em import (
    Backend,
    EMStep,
    StepReport,
    data_variance,
    default_var_floor,
    em_step,
    iter_responsibilities,
    within_model,
)
from .init import InitMethod, check_given_start, initial_params
from .notation import short, subscript
from .options import DEFAULT_MAX_ITER, DEFAULT_TOL, EMOptions, EMOverrides
from .params import MixtureParams
from .prior import ConjugatePrior, resolve_prior

__all__ = [
    "DEFAULT_MAX_ITER",
    "DEFAULT_TOL",
    "FitResult",
    "Run",
    "advance",
    "aic",
    "best_run_index",
    "bic",
    "check_data",
    "classification_entropy",
    "degeneracy",
    "fit",
    "icl",
    "icl_map",
    "map_classification_entropy",
    "n_parameters",
    "run_em",
    "sample",
    "start_run",
]


def check_data(x: np.ndarray, n_components: int) -> np.ndarray:
    """Validate data for a K-component fit and return it as a contiguous float64 array.

    Raises
    ------
    ValueError
        With a plain message: not 1-D, non-finite values, K < 1, fewer points than components,
        fewer distinct values than components.
    """
    x = np.ascontiguousarray(x, dtype=np.float64)
    if x.ndim != 1:
        raise ValueError(f"the data must be one-dimensional, got shape {x.shape}")
    if n_components < 1:
        raise ValueError(f"the number of components K must be at least 1, got {n_components}")
    if x.size < n_components:
        raise ValueError(
            f"K = {n_components} components need at least {n_components} points, "
            f"but the data has {x.size}: choose K ≤ {x.size}"
        )
    bad = int(np.count_nonzero(~np.isfinite(x)))
    if bad:
        raise ValueError(f"the data holds {bad} non-finite values (NaN or ±inf): remove them")
    # Cheap test on a prefix first; only a short prefix can fail to hold K distinct values.
    if np.unique(x[: 64 * n_components]).size < n_components:
        distinct = np.unique(x).size
        if distinct < n_components:
            raise ValueError(
                f"K = {n_components} components but the data has only {distinct} distinct "
                f"value{'s' if distinct != 1 else ''}: choose K ≤ {distinct}"
            )
    data_variance(x)  # raises when the values have no usable spread
    return x


def n_parameters(n_components: int, equal_variance: bool = False) -> int:
    """Free parameters: 3K − 1 (unequal variances) or 2K (one shared variance)."""
    return 2 * n_components if equal_variance else 3 * n_components - 1


def bic(log_lik: float, n_points: int, n_components: int, equal_variance: bool = False) -> float:
    """Bayesian information criterion, −2 log L + p ln N (lower is better)."""
    return -2.0 * log_lik + n_parameters(n_components, equal_variance) * np.log(n_points)


def aic(log_lik: float, n_components: int, equal_variance: bool = False) -> float:
    """Akaike information criterion, −2 log L + 2p (lower is better)."""
    return -2.0 * log_lik + 2.0 * n_parameters(n_components, equal_variance)


def classification_entropy(x: np.ndarray, params: MixtureParams) -> float:
    """−Σ_n Σ_k γ(z_nk) log γ(z_nk) ≥ 0, computed in chunks; x has shape (N,)."""
    total = 0.0
    for block in iter_responsibilities(x, params):
        resp = block.resp
        with np.errstate(divide="ignore", invalid="ignore"):
            terms = np.where(resp > 0, resp * np.log(resp), 0.0)
        total -= float(terms.sum())
    return total


def map_classification_entropy(x: np.ndarray, params: MixtureParams) -> float:
    """−Σ_n log max_k γ(z_nk) ≥ 0 (the MAP classification's term of mclust's ICL), chunked;
    x has shape (N,)."""
    total = 0.0
    for block in iter_responsibilities(x, params):
        total -= float(np.log(block.resp.max(axis=1)).sum())
    return total


def icl(
    x: np.ndarray, params: MixtureParams, log_lik: float, equal_variance: bool = False
) -> float:
    """Integrated completed likelihood, entropy form: BIC + 2 × entropy (lower is better)."""
    return bic(log_lik, x.size, params.n_components, equal_variance) + 2.0 * (
        classification_entropy(x, params)
    )


def icl_map(
    x: np.ndarray, params: MixtureParams, log_lik: float, equal_variance: bool = False
) -> float:
    """ICL in mclust's form (its sign flipped, lower is better): BIC − 2 Σ_n log max_k γ(z_nk)."""
    return bic(log_lik, x.size, params.n_components, equal_variance) + 2.0 * (
        map_classification_entropy(x, params)
    )


#: A variance within this relative distance of the floor counts as held at the floor.
_AT_FLOOR_RTOL = 1e-9


def degeneracy(params: MixtureParams, var_floor: float, n_points: int | None = None) -> str | None:
    """Why a fit is degenerate — a variance held at the floor — or None when it is not.

    Parameters
    ----------
    params : MixtureParams
        The fit's final parameters.
    var_floor : float
        The floor the fit used.
    n_points : int, optional
        N, to say how many points the collapsed component holds (π_k N).

    Returns
    -------
    str or None
        E.g. "component 3 collapsed onto x = 4.8 (N₃ ≈ 5.8): σ₃² is held at the variance
        floor (1.3 × 10⁻⁶), so log L (and every criterion) depends only on that arbitrary floor".
    """
    at_floor = np.flatnonzero(params.variances <= var_floor * (1.0 + _AT_FLOOR_RTOL))
    if at_floor.size == 0:
        return None
    parts = []
    for k in at_floor.tolist():
        j = subscript(k + 1)
        held = "" if n_points is None else f" (N{j} ≈ {short(params.weights[k] * n_points)})"
        parts.append(f"component {k + 1} collapsed onto x = {short(params.means[k], 6)}{held}")
    variances = ", ".join(f"σ{subscript(k + 1)}²" for k in at_floor.tolist())
    return (
        f"{'; '.join(parts)}: {variances} {'is' if at_floor.size == 1 else 'are'} held at the "
        f"variance floor ({short(var_floor)}), so log L (and every criterion) depends only on "
        "that arbitrary floor"
    )


@dataclass(frozen=True, eq=False)
class Run:
    """One EM run from one starting point.

    Attributes
    ----------
    history : tuple of MixtureParams, length n_iter + 1
        θ_0 (the initialisation), θ_1, …, θ_n.
    log_likelihoods : ndarray, shape (n_iter + 1,)
        log L(θ_t) for every entry of ``history``.
    reports : tuple of StepReport, length n_iter
        Diagnostics of iteration t (θ_{t−1} → θ_t) at index t − 1.
    converged : bool
        Whether the last iteration met the convergence rule.
    init : str
        The initialisation method, or "given" for explicit parameters.
    lookahead : EMStep
        The iteration out of θ_n, already computed (its E-step gave log L(θ_n)), so that
        extending the run costs one pass over the data per iteration.
    log_priors : ndarray, shape (n_iter + 1,), optional
        log p(θ_t) under MAP-EM's prior; None for maximum likelihood.
    """

    history: tuple[MixtureParams, ...]
    log_likelihoods: np.ndarray
    reports: tuple[StepReport, ...]
    converged: bool
    init: str
    lookahead: EMStep
    log_priors: np.ndarray | None = None

    @property
    def objective(self) -> np.ndarray:
        """What EM maximises, per iteration, shape (n_iter + 1,): log L(θ_t), or the log
        posterior log L(θ_t) + log p(θ_t) with a prior. It never decreases."""
        if self.log_priors is None:
            return self.log_likelihoods
        return self.log_likelihoods + self.log_priors

    @property
    def params(self) -> MixtureParams:
        """The final parameters θ_n."""
        return self.history[-1]

    @property
    def initial_params(self) -> MixtureParams:
        """θ_0."""
        return self.history[0]

    @property
    def log_likelihood(self) -> float:
        """log L of the final parameters."""
        return float(self.log_likelihoods[-1])

    @property
    def n_iter(self) -> int:
        """Number of EM iterations run."""
        return len(self.history) - 1


def start_run(
    x: np.ndarray,
    start: MixtureParams,
    *,
    var_floor: float,
    equal_variance: bool = False,
    backend: Backend = "auto",
    init: str = "given",
    prior: ConjugatePrior | None = None,
) -> Run:
    """A run at iteration 0 from θ_0 = ``within_model(start)`` (one pass over ``x``, shape (N,)).

    θ_0 is ``start`` with variances raised to the floor and, for the tied model, pooled
    (σ² = Σ π_k σ_k²): from there the log-likelihood never decreases. ``init`` labels how
    ``start`` was chosen; ``prior`` is MAP-EM's prior object (None: maximum likelihood); the
    other parameters are as in :func:`fit`.
    """
    start = within_model(start, var_floor=var_floor, equal_variance=equal_variance)
    step = em_step(
        x,
        start,
        var_floor=var_floor,
        equal_variance=equal_variance,
        backend=backend,
        prior=prior,
    )
    log_priors = None if prior is None else np.array([prior.log_density(start, equal_variance)])
    return Run((start,), np.array([step.log_likelihood]), (), False, init, step, log_priors)


def advance(
    x: np.ndarray,
    run: Run,
    n_iter: int,
    *,
    var_floor: float,
    tol: float = DEFAULT_TOL,
    equal_variance: bool = False,
    backend: Backend = "auto",
    on_iteration: Callable[[int], None] | None = None,
    prior: ConjugatePrior | None = None,
    stopping: StoppingRule = DEFAULT_STOPPING,
) -> Run:
    """Up to ``n_iter`` more iterations of ``run``, stopping early once it has converged.

    Parameters
    ----------
    x : ndarray, shape (N,)
        The data the run was started on.
    run : Run
    n_iter : int
        Most iterations to add (a converged run gets none when ``tol`` > 0).
    var_floor, tol, equal_variance, backend, stopping
        As in :func:`fit`; var_floor, equal_variance and backend must be those the run was
        started with.
    on_iteration : callable, optional
        Called with the number of iterations added so far, after each one (progress bars).
    prior : ConjugatePrior, optional
        The prior the run was started with (None: maximum likelihood).
    """
    if tol < 0 or n_iter < 0:
        raise ValueError("tol and the number of iterations must be ≥ 0")
    check_rule(stopping)
    if (prior is None) != (run.log_priors is None):
        raise ValueError("advance a run with the prior it was started with (or none)")
    history, reports = list(run.history), list(run.reports)
    lls = list(run.log_likelihoods)
    priors = None if run.log_priors is None else list(run.log_priors)
    step, converged = run.lookahead, run.converged and tol > 0
    for i in range(n_iter):
        if converged:
            break
        history.append(step.params)
        reports.append(step.report)
        step = em_step(
            x,
            step.params,
            var_floor=var_floor,
            equal_variance=equal_variance,
            backend=backend,
            prior=prior,
        )
        lls.append(step.log_likelihood)
        objective = lls
        if priors is not None:
            priors.append(prior.log_density(history[-1], equal_variance))
            objective = np.add(lls[-3:], priors[-3:])
        converged = has_converged(objective[-3:], x.size, tol, stopping)
        if on_iteration is not None:
            on_iteration(i + 1)
    return Run(
        tuple(history),
        np.asarray(lls),
        tuple(reports),
        converged,
        run.init,
        step,
        None if priors is None else np.asarray(priors),
    )


def run_em(
    x: np.ndarray,
    start: MixtureParams,
    *,
    options: EMOptions | None = None,
    init: str = "given",
    **overrides: Unpack[EMOverrides],
) -> Run:
    """EM from ``start`` until the convergence rule (module docstring) or ``max_iter``.

    Parameters
    ----------
    x : ndarray, shape (N,)
        Checked data (see :func:`check_data`).
    start : MixtureParams
        θ_0.
    options : EMOptions, optional
        var_floor, tol, max_iter, equal_variance, backend, prior and stopping in one object
        (:class:`gmm_core.options.EMOptions`).
    init : str
        Label of how ``start`` was chosen, kept in the result.
    **overrides
        Those fields as keywords, each overriding ``options`` where given (see :func:`fit`;
        var_floor None: :func:`gmm_core.em.default_var_floor` of ``x``; prior True: mclust's
        default for ``x`` and K, None/False: maximum likelihood).
    """
    opts = EMOptions.resolve(options, **overrides)
    floor = default_var_floor(x) if opts.var_floor is None else opts.var_floor
    map_prior = resolve_prior(opts.prior, x, start.n_components)
    run = start_run(
        x,
        start,
        var_floor=floor,
        equal_variance=opts.equal_variance,
        backend=opts.backend,
        init=init,
        prior=map_prior,
    )
    return advance(
        x,
        run,
        opts.max_iter,
        var_floor=floor,
        tol=opts.tol,
        equal_variance=opts.equal_variance,
        backend=opts.backend,
        prior=map_prior,
        stopping=opts.stopping,
    )


@dataclass(frozen=True, eq=False)
class FitResult:
    """The best of ``n_init`` EM runs, with every run kept for comparison.

    Attributes
    ----------
    runs : tuple of Run
        All restarts, in the order they ran.
    best : int
        Index in ``runs`` of the run with the highest final objective (log L, or the log
        posterior with a prior) among the non-degenerate runs, or among all runs when every
        run is degenerate.
    n_points : int
        N.
    equal_variance : bool
    var_floor : float
    prior : ConjugatePrior, optional
        MAP-EM's prior, None for maximum likelihood.
    """

    runs: tuple[Run, ...]
    best: int
    n_points: int
    equal_variance: bool
    var_floor: float
    prior: ConjugatePrior | None = None

    @property
    def best_run(self) -> Run:
        """The run with the highest final log-likelihood."""
        return self.runs[self.best]

    @property
    def params(self) -> MixtureParams:
        """Fitted parameters of the best run."""
        return self.best_run.params

    @property
    def log_likelihood(self) -> float:
        """log L of the fitted parameters."""
        return self.best_run.log_likelihood

    @property
    def log_likelihoods(self) -> np.ndarray:
        """The best run's trace: log L(θ_t) for t = 0..n_iter, shape (n_iter + 1,)."""
        return self.best_run.log_likelihoods

    @property
    def history(self) -> tuple[MixtureParams, ...]:
        """The best run's parameters θ_0..θ_n (no responsibilities are kept)."""
        return self.best_run.history

    @property
    def reports(self) -> tuple[StepReport, ...]:
        """The best run's per-iteration diagnostics."""
        return self.best_run.reports

    @property
    def n_iter(self) -> int:
        """Iterations of the best run."""
        return self.best_run.n_iter

    @property
    def converged(self) -> bool:
        """Whether the best run met the convergence rule before ``max_iter``."""
        return self.best_run.converged

    @property
    def degenerate(self) -> str | None:
        """Why the fit is degenerate (a variance at the floor), or None (see :func:`degeneracy`)."""
        return degeneracy(self.params, self.var_floor, self.n_points)

    @property
    def n_parameters(self) -> int:
        """Free parameters of the model."""
        return n_parameters(self.params.n_components, self.equal_variance)

    @property
    def bic(self) -> float:
        """BIC = −2 log L + p ln N (lower is better)."""
        k = self.params.n_components
        return bic(self.log_likelihood, self.n_points, k, self.equal_variance)

    @property
    def aic(self) -> float:
        """AIC = −2 log L + 2p (lower is better)."""
        return aic(self.log_likelihood, self.params.n_components, self.equal_variance)


def fit(
    x: np.ndarray,
    n_components: int,
    *,
    options: EMOptions | None = None,
    init: InitMethod | MixtureParams = "kmeans++",
    n_init: int = 1,
    seed: int | np.random.Generator | None = None,
    **overrides: Unpack[EMOverrides],
) -> FitResult:
    """Fit a K-component 1-D Gaussian mixture by EM, keeping the best of ``n_init`` runs.

    Parameters
    ----------
    x : array_like, shape (N,)
        Finite data with at least K distinct values.
    n_components : int
        K.
    options : EMOptions, optional
        tol, max_iter, equal_variance, var_floor, backend, prior and stopping in one validated
        object (:class:`gmm_core.options.EMOptions`; its defaults are the ones below).
    init : {"random", "kmeans++", "quantile", "kmeans"} or MixtureParams
        How θ_0 is chosen (see :mod:`gmm_core.init`), or θ_0 itself (then every restart starts
        from it; use n_init = 1).
    n_init : int
        Number of restarts; run r draws its θ_0 from the r-th state of one generator.
    seed : int, Generator or None
        Seed of that generator: the same seed gives the same result bit for bit.
    **overrides
        Those fields as keywords (:class:`gmm_core.options.EMOverrides`), each overriding
        ``options`` where given (not None):
    tol : float
        Convergence threshold of the stopping rule, per point; 0 runs ``max_iter``
        (default ``DEFAULT_TOL`` = 1e-6).
    max_iter : int
        Most iterations per run (default ``DEFAULT_MAX_ITER`` = 1000).
    equal_variance : bool
        Tied model, one σ² for all components (default False).
    var_floor : float, optional
        Lower bound on variances; default 1e-6 × var(x).
    backend : {"auto", "numpy", "fused"}
        E-step implementation (see :func:`gmm_core.em.sufficient_statistics`).
    prior : bool or ConjugatePrior
        True: MAP-EM with mclust's ``priorControl()`` defaults for this data and K
        (:meth:`gmm_core.prior.ConjugatePrior.default`); or a prior of one's own (default
        False).
    stopping : {"aitken", "gain"}
        The stopping rule (:mod:`gmm_core.convergence`; default "aitken").

    Returns
    -------
    FitResult
        The best restart is the one with the highest objective among the non-degenerate
        ones (module docstring).
    """
    x = check_data(x, n_components)
    if n_init < 1:
        raise ValueError(f"n_init must be at least 1, got {n_init}")
    check_given_start(init, n_components)
    opts = EMOptions.resolve(options, **overrides)
    floor = default_var_floor(x) if opts.var_floor is None else opts.var_floor
    opts = opts.replace(var_floor=floor, prior=resolve_prior(opts.prior, x, n_components) or False)
    rng = np.random.default_rng(seed)  # a Generator passed is used as it is
    runs = []
    for _ in range(n_init):
        if isinstance(init, MixtureParams):
            start, label = init, "given"
        else:
            start, label = initial_params(x, n_components, init, rng), init
        runs.append(run_em(x, start, options=opts, init=label))
    map_prior = opts.prior or None
    return FitResult(
        tuple(runs),
        best_run_index(runs, floor),
        int(x.size),
        opts.equal_variance,
        floor,
        map_prior,
    )


def best_run_index(runs: Sequence[Run], var_floor: float) -> int:
    """The run with the highest final objective among the non-degenerate ones (all runs when
    every one is degenerate); ties go to the earliest run."""
    finals = np.array([run.objective[-1] for run in runs])
    sound = np.array([degeneracy(run.params, var_floor) is None for run in runs])
    return (
        int(np.argmax(np.where(sound, finals, -np.inf))) if sound.any() else int(np.argmax(finals))
    )


def sample(
    params: MixtureParams, n: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Draw ``n`` points from the mixture, with the component each came from.

    Returns
    -------
    x : ndarray, shape (n,)
    labels : ndarray of int, shape (n,)
        z_n, the true component of each point.
    """
    labels = rng.choice(params.n_components, size=n, p=params.weights)
    x = rng.normal(params.means[labels], params.stds[labels])
    return x, labels
