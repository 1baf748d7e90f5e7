"""Fitting a 1-D Gaussian mixture by EM: restarts, convergence, history and model criteria.

Convergence rule: iteration t moves θ_{t−1} → θ_t; the run has converged at the first t with
(log L(θ_t) − log L(θ_{t−1})) / N < ``tol`` (the per-point gain, as scikit-learn, so it does not
depend on the units of x or on N). It stops after ``max_iter`` iterations otherwise. ``tol = 0``
never converges early: exactly ``max_iter`` iterations run.

Information criteria follow scikit-learn's sign convention: **lower is better**.
BIC = −2 log L + p ln N, AIC = −2 log L + 2p, ICL = BIC + 2 × (classification entropy), with
p = 3K − 1 free parameters (K means, K variances, K − 1 weights), or p = 2K with equal variances.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .em import (
    Backend,
    EMStep,
    StepReport,
    data_variance,
    default_var_floor,
    e_step,
    em_step,
    within_model,
)
from .init import InitMethod, initial_params
from .params import MixtureParams

__all__ = [
    "DEFAULT_MAX_ITER",
    "DEFAULT_TOL",
    "FitResult",
    "Run",
    "advance",
    "aic",
    "bic",
    "check_data",
    "classification_entropy",
    "fit",
    "icl",
    "n_parameters",
    "run_em",
    "sample",
    "start_run",
]

DEFAULT_TOL = 1e-6
DEFAULT_MAX_ITER = 1000
_ENTROPY_CHUNK = 65_536


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
    for start in range(0, x.size, _ENTROPY_CHUNK):
        resp, _ = e_step(x[start : start + _ENTROPY_CHUNK], params)
        with np.errstate(divide="ignore", invalid="ignore"):
            terms = np.where(resp > 0, resp * np.log(resp), 0.0)
        total -= float(terms.sum())
    return total


def icl(
    x: np.ndarray, params: MixtureParams, log_lik: float, equal_variance: bool = False
) -> float:
    """Integrated completed likelihood, BIC + 2 × entropy (lower is better)."""
    return bic(log_lik, x.size, params.n_components, equal_variance) + 2.0 * (
        classification_entropy(x, params)
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
    """

    history: tuple[MixtureParams, ...]
    log_likelihoods: np.ndarray
    reports: tuple[StepReport, ...]
    converged: bool
    init: str
    lookahead: EMStep

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
) -> Run:
    """A run at iteration 0 from θ_0 = ``within_model(start)`` (one pass over ``x``, shape (N,)).

    θ_0 is ``start`` with variances raised to the floor and, for the tied model, pooled
    (σ² = Σ π_k σ_k²): from there the log-likelihood never decreases. ``init`` labels how
    ``start`` was chosen; the other parameters are as in :func:`fit`.
    """
    start = within_model(start, var_floor=var_floor, equal_variance=equal_variance)
    step = em_step(x, start, var_floor=var_floor, equal_variance=equal_variance, backend=backend)
    return Run((start,), np.array([step.log_likelihood]), (), False, init, step)


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
) -> Run:
    """Up to ``n_iter`` more iterations of ``run``, stopping early once it has converged.

    Parameters
    ----------
    x : ndarray, shape (N,)
        The data the run was started on.
    run : Run
    n_iter : int
        Most iterations to add (a converged run gets none when ``tol`` > 0).
    var_floor, tol, equal_variance, backend
        As in :func:`fit`; they must be those the run was started with.
    on_iteration : callable, optional
        Called with the number of iterations added so far, after each one (progress bars).
    """
    if tol < 0 or n_iter < 0:
        raise ValueError("tol and the number of iterations must be ≥ 0")
    history, reports = list(run.history), list(run.reports)
    lls = list(run.log_likelihoods)
    step, converged = run.lookahead, run.converged and tol > 0
    for i in range(n_iter):
        if converged:
            break
        history.append(step.params)
        reports.append(step.report)
        step = em_step(
            x, step.params, var_floor=var_floor, equal_variance=equal_variance, backend=backend
        )
        lls.append(step.log_likelihood)
        converged = tol > 0 and (lls[-1] - lls[-2]) / x.size < tol
        if on_iteration is not None:
            on_iteration(i + 1)
    return Run(tuple(history), np.asarray(lls), tuple(reports), converged, run.init, step)


def run_em(
    x: np.ndarray,
    start: MixtureParams,
    *,
    var_floor: float,
    tol: float = DEFAULT_TOL,
    max_iter: int = DEFAULT_MAX_ITER,
    equal_variance: bool = False,
    backend: Backend = "auto",
    init: str = "given",
) -> Run:
    """EM from ``start`` until the convergence rule (module docstring) or ``max_iter``.

    Parameters
    ----------
    x : ndarray, shape (N,)
        Checked data (see :func:`check_data`).
    start : MixtureParams
        θ_0.
    var_floor, tol, max_iter, equal_variance, backend
        See :func:`fit`.
    init : str
        Label of how ``start`` was chosen, kept in the result.
    """
    options = {"var_floor": var_floor, "equal_variance": equal_variance, "backend": backend}
    run = start_run(x, start, init=init, **options)
    return advance(x, run, max_iter, tol=tol, **options)


@dataclass(frozen=True, eq=False)
class FitResult:
    """The best of ``n_init`` EM runs, with every run kept for comparison.

    Attributes
    ----------
    runs : tuple of Run
        All restarts, in the order they ran.
    best : int
        Index in ``runs`` of the run with the highest final log-likelihood.
    n_points : int
        N.
    equal_variance : bool
    var_floor : float
    """

    runs: tuple[Run, ...]
    best: int
    n_points: int
    equal_variance: bool
    var_floor: float

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
    def run_log_likelihoods(self) -> np.ndarray:
        """Final log L of every run, shape (n_init,)."""
        return np.array([run.log_likelihood for run in self.runs])

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
    init: InitMethod | MixtureParams = "kmeans++",
    n_init: int = 1,
    seed: int | np.random.Generator | None = None,
    tol: float = DEFAULT_TOL,
    max_iter: int = DEFAULT_MAX_ITER,
    equal_variance: bool = False,
    var_floor: float | None = None,
    backend: Backend = "auto",
) -> FitResult:
    """Fit a K-component 1-D Gaussian mixture by EM, keeping the best of ``n_init`` runs.

    Parameters
    ----------
    x : array_like, shape (N,)
        Finite data with at least K distinct values.
    n_components : int
        K.
    init : {"random", "kmeans++", "quantile", "kmeans"} or MixtureParams
        How θ_0 is chosen (see :mod:`gmm_core.init`), or θ_0 itself (then every restart starts
        from it; use n_init = 1).
    n_init : int
        Number of restarts; run r draws its θ_0 from the r-th state of one generator.
    seed : int, Generator or None
        Seed of that generator: the same seed gives the same result bit for bit.
    tol : float
        Convergence threshold on the per-point log-likelihood gain; 0 runs ``max_iter``.
    max_iter : int
        Most iterations per run.
    equal_variance : bool
        Tied model, one σ² for all components.
    var_floor : float, optional
        Lower bound on variances; default 1e-6 × var(x).
    backend : {"auto", "numpy", "fused"}
        E-step implementation (see :func:`gmm_core.em.sufficient_statistics`).

    Returns
    -------
    FitResult
    """
    x = check_data(x, n_components)
    if n_init < 1:
        raise ValueError(f"n_init must be at least 1, got {n_init}")
    if isinstance(init, MixtureParams) and init.n_components != n_components:
        raise ValueError(
            f"the starting parameters have {init.n_components} components, expected {n_components}"
        )
    floor = default_var_floor(x) if var_floor is None else float(var_floor)
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    runs = []
    for _ in range(n_init):
        if isinstance(init, MixtureParams):
            start, label = init, "given"
        else:
            start, label = initial_params(x, n_components, init, rng), init
        runs.append(
            run_em(
                x, start, var_floor=floor, tol=tol, max_iter=max_iter,
                equal_variance=equal_variance, backend=backend, init=label,
            )
        )
    best = int(np.argmax([run.log_likelihood for run in runs]))
    return FitResult(tuple(runs), best, int(x.size), equal_variance, floor)


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
