"""One EM iteration for a 1-D Gaussian mixture, in the lecture notes' notation.

E-step: responsibilities γ(z_nk) = π_k N(x_n|μ_k,σ_k²) / Σ_j π_j N(x_n|μ_j,σ_j²), computed in log
space (log-sum-exp), so rows sum to one even for points a million σ from every mean.

M-step, in the notes' order A–D:
    A. N_k = Σ_n γ(z_nk)
    B. μ_k^new = Σ_n γ(z_nk) x_n / N_k
    C. (σ_k^new)² = Σ_n γ(z_nk) (x_n − μ_k^new)² / N_k     (tied model: one σ² = Σ_k Σ_n … / N)
    D. π_k^new = N_k / N

The fast path never forms the N×K responsibility matrix: a chunked pass accumulates the sufficient
statistics Σγ, Σγ(x−μ_k), Σγ(x−μ_k)² about the *current* means μ_k (shifted sums), from which
μ^new = μ + S1/S0 and σ² = S2/S0 − (S1/S0)² follow without the catastrophic cancellation of
Σγx² − N_k μ² (data around 1e12 with spread 1e-3 keep full precision).

Degeneracy rule (stated once, applied in :func:`update_params`):

* **Variance floor.** σ_k² is never below ``var_floor`` (by default 1e-6 × the data's variance,
  measured robustly so one far outlier does not inflate it; it scales with the units). A
  component whose update falls below the floor is held *at* the floor and reported as collapsed
  onto x ≈ μ_k. Holding at the floor is the constrained maximiser of the M-step objective, so
  the log-likelihood still never decreases. Runs start inside this model (:func:`within_model`).
* **Empty component.** If N_k < ``EMPTY_THRESHOLD`` (a component responsible for less than
  1e-8 of one point) its μ_k and σ_k² are kept from the previous iteration and π_k = N_k/N (≈ 0);
  it is reported as empty. Nothing is re-seeded, which would break monotonicity. (Tied model:
  it keeps its μ_k but shares the new common σ², like every component.)
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal, NamedTuple

import numpy as np

from .notation import short, subscript
from .params import MixtureParams
from .prior import ConjugatePrior
from .scale import data_variance

__all__ = [
    "EMPTY_THRESHOLD",
    "VAR_FLOOR_FRACTION",
    "Backend",
    "EMStep",
    "ResponsibilityChunk",
    "StepReport",
    "SufficientStats",
    "data_scale_variance",
    "data_variance",
    "default_var_floor",
    "e_step",
    "em_step",
    "iter_responsibilities",
    "log_likelihood",
    "log_weighted_densities",
    "m_step",
    "m_step_arrays",
    "statistics_from_resp",
    "sufficient_statistics",
    "update_params",
    "within_model",
]

#: The default variance floor, as a fraction of the data's variance.
VAR_FLOOR_FRACTION = 1e-6
#: A component with N_k below this (in points) is empty.
EMPTY_THRESHOLD = 1e-8
#: Points per chunk of every numpy pass over x (:func:`iter_responsibilities`): the (K, CHUNK)
#: temporaries stay in cache and no N×K array is formed.
CHUNK = 65_536
#: From this many points on, the compiled fused kernel is used when numba is available.
FUSED_MIN_POINTS = 5_000

LOG_2PI = float(np.log(2.0 * np.pi))
#: Cap on (x − μ)²/(2σ²): exp(−1e300) is 0 like exp(−inf), but the difference of two stays finite.
#: The one source of the cap: the compiled kernels (:mod:`gmm_core._fused`) import it.
MAX_QUADRATIC = 1e300

Backend = Literal["auto", "numpy", "fused"]


def data_scale_variance(x: np.ndarray) -> float:
    """The data's variance, robust to outliers: min(var(x), (IQR / 1.349)²).

    The IQR term is the variance a normal sample with that interquartile range would have, so a
    single far outlier does not inflate the scale; for data with heavy ties (IQR = 0) the plain
    variance is used. Raises ValueError when the data has no usable scale.
    """
    variance = data_variance(x)
    q1, q3 = np.quantile(x, [0.25, 0.75])
    robust = ((q3 - q1) / 1.349) ** 2
    return float(min(variance, robust)) if robust > 0 else variance


def default_var_floor(x: np.ndarray) -> float:
    """The variance floor for data ``x`` (shape (N,)): ``VAR_FLOOR_FRACTION`` × the data's
    variance, as :func:`data_scale_variance` measures it (robust to a far outlier)."""
    return VAR_FLOOR_FRACTION * data_scale_variance(x)


def within_model(
    params: MixtureParams, *, var_floor: float, equal_variance: bool = False
) -> MixtureParams:
    """θ moved into the model EM works in: every σ_k² ≥ ``var_floor`` and, for the tied model,
    one σ² = Σ_k π_k σ_k² for all k. EM only guarantees a non-decreasing log-likelihood from
    parameters inside its model, so every run starts from ``within_model(θ₀)``."""
    variances = params.variances
    if equal_variance and np.ptp(variances) > 0:
        variances = np.full(variances.shape, float(np.dot(params.weights, variances)))
    variances = np.maximum(variances, var_floor)
    if np.array_equal(variances, params.variances):
        return params
    return MixtureParams(params.weights, params.means, variances)


def _log_coefficients(params: MixtureParams) -> tuple[np.ndarray, np.ndarray]:
    """log π_k − ½ log(2π σ_k²) and 1/(2σ_k²), each shape (K,); log 0 = −inf for π_k = 0."""
    with np.errstate(divide="ignore"):
        log_weights = np.log(params.weights)
    log_coef = log_weights - 0.5 * (LOG_2PI + np.log(params.variances))
    return log_coef, 0.5 / params.variances


def log_weighted_densities(x: np.ndarray, params: MixtureParams) -> np.ndarray:
    """log(π_k N(x_n | μ_k, σ_k²)) for every point and component.

    Parameters
    ----------
    x : ndarray, shape (N,)
    params : MixtureParams with K components

    Returns
    -------
    ndarray, shape (K, N)
        Component-major, so reductions over k run along a short axis of contiguous rows.
    """
    log_coef, half_prec = _log_coefficients(params)
    d = np.asarray(x, dtype=np.float64)[None, :] - params.means[:, None]
    return log_coef[:, None] - _quadratic(half_prec[:, None], d * d)


def _quadratic(half_prec: np.ndarray, d2: np.ndarray) -> np.ndarray:
    """(x − μ_k)² / (2σ_k²), capped at ``MAX_QUADRATIC`` so it never overflows to inf.

    Without the cap a point far from components of tiny variance gets log density −inf for every
    k and γ = NaN; with it, it is split by the components' weights. Zero weights stay −inf.
    """
    with np.errstate(over="ignore"):
        return np.minimum(half_prec * d2, MAX_QUADRATIC)


def _logsumexp_rows(lp: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(exp(lp − max), log Σ_k exp lp) for lp of shape (K, N); returns shapes (K, N), (N,)."""
    peak = lp.max(axis=0)
    scaled = np.exp(lp - peak)
    total = scaled.sum(axis=0)
    return scaled, peak + np.log(total)


def _responsibilities(
    x: np.ndarray, log_coef: np.ndarray, means: np.ndarray, half_prec: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The E-step of one block of points, component-major.

    Parameters
    ----------
    x : ndarray, shape (C,)
    log_coef, means, half_prec : ndarray, shape (K,)
        From :func:`_log_coefficients` and the means.

    Returns
    -------
    gamma : ndarray, shape (K, C)
        γ(z_nk); every column sums to 1 (a component of weight 0 gets exactly 0).
    lse : ndarray, shape (C,)
        log f(x_n) = log Σ_k π_k N(x_n | μ_k, σ_k²).
    """
    d = x[None, :] - means[:, None]
    with np.errstate(over="ignore"):  # d² = inf for |d| ~ 1e154: the cap below takes it
        d2 = d * d
    scaled, lse = _logsumexp_rows(log_coef[:, None] - _quadratic(half_prec[:, None], d2))
    return scaled / scaled.sum(axis=0), lse


class ResponsibilityChunk(NamedTuple):
    """One block of :func:`iter_responsibilities`.

    Attributes
    ----------
    start : int
        Index of the block's first point in x.
    x : ndarray, shape (C,)
        The block's points (a view of x).
    resp : ndarray, shape (C, K)
        γ(z_nk) of the block (a transposed view; rows sum to 1).
    log_density : ndarray, shape (C,)
        log f(x_n) of the block's points; their sum over all blocks is log L.
    """

    start: int
    x: np.ndarray
    resp: np.ndarray
    log_density: np.ndarray


def iter_responsibilities(
    x: np.ndarray, params: MixtureParams, chunk: int = CHUNK
) -> Iterator[ResponsibilityChunk]:
    """The E-step of ``params`` on x, block by block: the one numpy loop over x in chunks.

    Extra memory is O(chunk · K), never O(N · K); the compiled kernels of
    :mod:`gmm_core._fused` compute the same γ (same cap on the quadratic term).

    Parameters
    ----------
    x : ndarray, shape (N,)
    params : MixtureParams with K components
    chunk : int
        Points per block (≥ 1).

    Yields
    ------
    ResponsibilityChunk
        ``(start, x[start:start + C], γ of shape (C, K), log f of shape (C,))``, in order.
    """
    if chunk < 1:
        raise ValueError(f"chunk must be >= 1, got {chunk}")
    x = np.asarray(x, dtype=np.float64).reshape(-1)
    log_coef, half_prec = _log_coefficients(params)
    for start in range(0, x.size, chunk):
        block = x[start : start + chunk]
        gamma, lse = _responsibilities(block, log_coef, params.means, half_prec)
        yield ResponsibilityChunk(start, block, gamma.T, lse)


def e_step(x: np.ndarray, params: MixtureParams) -> tuple[np.ndarray, float]:
    """E-step: responsibilities γ(z_nk) and the log-likelihood of ``params``.

    Parameters
    ----------
    x : ndarray, shape (N,)
    params : MixtureParams with K components

    Returns
    -------
    resp : ndarray, shape (N, K)
        γ(z_nk); every row sums to 1.
    log_likelihood : float
        log L = Σ_n log f(x_n) of the parameters passed in.
    """
    log_coef, half_prec = _log_coefficients(params)
    gamma, lse = _responsibilities(
        np.asarray(x, dtype=np.float64).reshape(-1), log_coef, params.means, half_prec
    )
    return np.ascontiguousarray(gamma.T), float(lse.sum())


@dataclass(frozen=True)
class SufficientStats:
    """Sums over the data that determine the M-step, about reference means ``shift``.

    Attributes
    ----------
    n_k : ndarray, shape (K,)
        N_k = Σ_n γ(z_nk).
    s1 : ndarray, shape (K,)
        Σ_n γ(z_nk) (x_n − shift_k).
    s2 : ndarray, shape (K,)
        Σ_n γ(z_nk) (x_n − shift_k)².
    shift : ndarray, shape (K,)
        The reference means (the current μ_k in an EM iteration).
    n_points : int
        N.
    log_likelihood : float
        log L of the parameters the responsibilities came from (nan if unknown).
    """

    n_k: np.ndarray
    s1: np.ndarray
    s2: np.ndarray
    shift: np.ndarray
    n_points: int
    log_likelihood: float

    @property
    def weighted_sums(self) -> np.ndarray:
        """Σ_n γ(z_nk) x_n, shape (K,) (for display; the update uses the shifted sums)."""
        return self.s1 + self.n_k * self.shift


def _numpy_statistics(
    x: np.ndarray, params: MixtureParams, chunk: int = CHUNK
) -> tuple[np.ndarray, float]:
    """Chunked numpy E-step + shifted sums about the current means; returns ((3, K) sums, log L)."""
    sums = np.zeros((3, params.n_components))
    total_ll = 0.0
    for block in iter_responsibilities(x, params, chunk):
        gamma = block.resp.T  # (K, C)
        d = block.x[None, :] - params.means[:, None]
        total_ll += float(block.log_density.sum())
        gd = gamma * d  # (γ d) d as the fused kernel: no d² overflow where γ = 0
        sums[0] += gamma.sum(axis=1)
        sums[1] += gd.sum(axis=1)
        with np.errstate(over="ignore"):  # S2 = inf only for |d| ~ 1e154 (as compiled)
            sums[2] += (gd * d).sum(axis=1)
    return sums, total_ll


def _use_fused(n_points: int, backend: Backend, n_components: int = 1) -> bool:
    """Whether the compiled kernel runs: "fused" always (ValueError/RuntimeError when it
    cannot), "auto" from ``FUSED_MIN_POINTS`` points on when numba is installed; neither
    while the kernels compile in the background (``_fused.WARMING``): the numpy path then
    gives the same numbers without waiting for the compiler."""
    if backend == "numpy":
        return False
    if backend not in ("auto", "fused"):
        raise ValueError(f"unknown backend {backend!r}; choose 'auto', 'numpy' or 'fused'")
    from . import _fused

    fits = n_components <= _fused.MAX_COMPILED_COMPONENTS
    if backend == "fused":
        if not _fused.NUMBA_AVAILABLE:
            raise RuntimeError("backend='fused' needs numba, which is not installed")
        if not fits:
            raise ValueError(
                f"backend='fused' handles at most {_fused.MAX_COMPILED_COMPONENTS:,} components"
            )
        return not _fused.WARMING.is_set()
    return (
        _fused.NUMBA_AVAILABLE
        and fits
        and n_points >= FUSED_MIN_POINTS
        and not _fused.WARMING.is_set()
    )


def _fused_inputs(params: MixtureParams) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The compiled kernels' inputs for the components of positive weight only.

    Returns ``(active, log_coef, means, half_prec)``: indices of the components with π_k > 0
    and their three (K',) arrays. The kernels clamp their exp below (a weight-0 component
    would get γ ~ 1e-304 per point, N_k ~ 1e-300); leaving such components out gives them
    γ = 0 and N_k = 0 exactly, as :func:`iter_responsibilities` does.
    """
    active = np.flatnonzero(params.weights > 0)
    log_coef, half_prec = _log_coefficients(params)
    return active, log_coef[active], params.means[active], half_prec[active]


def sufficient_statistics(
    x: np.ndarray, params: MixtureParams, *, backend: Backend = "auto"
) -> SufficientStats:
    """E-step reduced to the M-step's sums, in one chunked pass (no N×K array).

    Parameters
    ----------
    x : ndarray, shape (N,)
    params : MixtureParams with K components
    backend : {"auto", "numpy", "fused"}
        "fused" is the compiled single-pass kernel (numba); "auto" uses it from
        ``FUSED_MIN_POINTS`` points on when numba is installed.

    Returns
    -------
    SufficientStats
        Sums about ``params.means``, and log L of ``params``.
    """
    x = np.ascontiguousarray(x, dtype=np.float64)
    if _use_fused(x.size, backend, params.n_components):
        from ._fused import fused_statistics

        active, *kernel_inputs = _fused_inputs(params)
        sums = np.zeros((3, params.n_components))
        sums[:, active], ll = fused_statistics(x, *kernel_inputs)
    else:
        sums, ll = _numpy_statistics(x, params)
    return SufficientStats(
        n_k=sums[0],
        s1=sums[1],
        s2=sums[2],
        shift=params.means.copy(),
        n_points=int(x.size),
        log_likelihood=float(ll),
    )


def log_likelihood(x: np.ndarray, params: MixtureParams, *, backend: Backend = "auto") -> float:
    """log L = Σ_n log f(x_n) for data ``x`` (shape (N,)), chunked."""
    return sufficient_statistics(x, params, backend=backend).log_likelihood


def statistics_from_resp(x: np.ndarray, resp: np.ndarray) -> SufficientStats:
    """Sufficient statistics from an explicit responsibility matrix.

    The sums are taken about the weighted means themselves (two passes), which is how the
    notes compute step C: the variance about the new mean.

    Parameters
    ----------
    x : ndarray, shape (N,)
    resp : ndarray, shape (N, K)
    """
    x = np.asarray(x, dtype=np.float64)
    resp = np.asarray(resp, dtype=np.float64)
    if resp.ndim != 2 or resp.shape[0] != x.size:
        raise ValueError(f"resp must have shape (N, K) = ({x.size}, K), got {resp.shape}")
    n_k = resp.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        shift = np.where(n_k > 0, (resp * x[:, None]).sum(axis=0) / n_k, 0.0)
    d = x[:, None] - shift[None, :]
    s1 = (resp * d).sum(axis=0)
    s2 = (resp * d * d).sum(axis=0)
    return SufficientStats(n_k, s1, s2, shift, int(x.size), float("nan"))


@dataclass(frozen=True)
class StepReport:
    """What went wrong, if anything, in one M-step (components are 0-based here).

    Attributes
    ----------
    collapsed : tuple of int
        Components whose variance fell to the floor (collapsed onto a point).
    empty : tuple of int
        Components with N_k < ``EMPTY_THRESHOLD``: kept unchanged, π_k ≈ 0.
    var_floor : float
        The floor in force.
    means : tuple of float
        The components' means after the step (where collapsed ones sit).
    n_k : tuple of float
        N_k of each component in this step.
    """

    collapsed: tuple[int, ...]
    empty: tuple[int, ...]
    var_floor: float
    means: tuple[float, ...]
    n_k: tuple[float, ...]

    @property
    def ok(self) -> bool:
        """True when no component collapsed or emptied."""
        return not (self.collapsed or self.empty)

    def messages(self) -> tuple[str, ...]:
        """Plain-language sentences, components numbered from 1 as on screen."""
        out = [
            f"Component {k + 1} collapsed onto x = {short(self.means[k], 6)}: its variance "
            f"σ{subscript(k + 1)}² fell to the variance floor ({short(self.var_floor)}) and is "
            f"held there (N{subscript(k + 1)} = {short(self.n_k[k])}). Without the floor this "
            "spike would send log L to infinity: a degenerate solution, not a better model."
            for k in self.collapsed
        ]
        out += [
            f"Component {k + 1} is empty (N{subscript(k + 1)} = {short(self.n_k[k], 2)}): no "
            f"point belongs to it, so its μ{subscript(k + 1)} and σ{subscript(k + 1)}² are kept "
            f"and π{subscript(k + 1)} ≈ 0."
            for k in self.empty
        ]
        return tuple(out)


def update_params(
    stats: SufficientStats,
    previous: MixtureParams,
    *,
    var_floor: float,
    equal_variance: bool = False,
    prior: ConjugatePrior | None = None,
) -> tuple[MixtureParams, StepReport]:
    """M-step from sufficient statistics, applying the module's degeneracy rule.

    With a ``prior`` it is MAP-EM's M-step (:mod:`gmm_core.prior`): means shrunk towards μ_P,
    variances regularised; an empty component then takes its MAP values (μ_P and
    ζ_P² / (ν_P + 3)), which maximise its part of the log posterior.

    Parameters
    ----------
    stats : SufficientStats with K components
    previous : MixtureParams
        The parameters an empty component keeps (its μ_k and σ_k²).
    var_floor : float
        Lower bound on every variance (> 0).
    equal_variance : bool
        Tied model: one variance shared by all components.
    prior : ConjugatePrior, optional
        MAP-EM's prior; None for maximum likelihood.

    Returns
    -------
    params : MixtureParams
    report : StepReport
    """
    if not var_floor > 0:
        raise ValueError(f"var_floor must be > 0, got {var_floor}")
    n_k = stats.n_k
    weights, means, variances, empty, collapsed = m_step_arrays(
        n_k,
        stats.s1,
        stats.s2,
        stats.shift,
        previous.means,
        previous.variances,
        var_floor=var_floor,
        equal_variance=equal_variance,
        prior=prior,
    )
    params = MixtureParams(weights, means, variances)
    report = StepReport(
        collapsed=tuple(int(k) for k in np.flatnonzero(collapsed)),
        empty=tuple(int(k) for k in np.flatnonzero(empty)),
        var_floor=float(var_floor),
        means=tuple(float(m) for m in means),
        n_k=tuple(float(n) for n in n_k),
    )
    return params, report


def m_step_arrays(
    n_k: np.ndarray,
    s1: np.ndarray,
    s2: np.ndarray,
    shift: np.ndarray,
    previous_means: np.ndarray,
    previous_variances: np.ndarray,
    *,
    var_floor: float | np.ndarray,
    equal_variance: bool = False,
    prior: ConjugatePrior | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The M-step's arithmetic and degeneracy rule on plain arrays (:func:`update_params`
    wraps it; the bootstrap runs it on many samples at once).

    Parameters
    ----------
    n_k, s1, s2, shift : ndarray, shape (..., K)
        The sufficient statistics (:class:`SufficientStats`), components on the last axis.
    previous_means, previous_variances : ndarray, shape (..., K)
        What an empty component keeps.
    var_floor : float or ndarray broadcasting against (..., 1)
    equal_variance : bool
    prior : ConjugatePrior, optional
        Or any object with ``shrinkage``, ``mean``, ``dof``, ``scale`` broadcasting against
        (..., 1).

    Returns
    -------
    weights, means, variances : ndarray, shape (..., K)
    empty, collapsed : ndarray of bool, shape (..., K)
    """
    empty = n_k < EMPTY_THRESHOLD
    safe_n = np.where(empty, 1.0, n_k)
    offset = np.where(empty, 0.0, s1 / safe_n)
    means = shift + offset
    # Σγ(x − μ)² about the mean as stored, μ = μ_new + r (r: its rounding, which near 1e12 is
    # not negligible against σ): S2 − N_k·offset² + N_k·r², clipped at 0 against rounding.
    rounding = (means - shift) - offset
    scatter = s2 - n_k * offset * offset + n_k * rounding * rounding
    means = np.where(empty, previous_means, means)
    # An empty component's (tiny) scatter about its kept mean still belongs in the tied σ².
    kept = means - shift
    scatter = np.where(empty, s2 - 2.0 * kept * s1 + n_k * kept * kept, scatter)
    scatter = np.maximum(scatter, 0.0)
    if prior is not None:
        means, variances = _map_update(n_k, means, scatter, prior, equal_variance)
    elif equal_variance:  # one σ² for all components, empty ones included
        pooled = scatter.sum(axis=-1, keepdims=True) / np.maximum(
            n_k.sum(axis=-1, keepdims=True), EMPTY_THRESHOLD
        )
        variances = np.broadcast_to(pooled, n_k.shape).copy()
    else:
        variances = np.where(empty, previous_variances, scatter / safe_n)
    collapsed = ~empty & (variances < var_floor)
    variances = np.maximum(variances, var_floor)
    weights = n_k / n_k.sum(axis=-1, keepdims=True)
    return weights, means, variances, empty, collapsed


def _map_update(
    n_k: np.ndarray,
    means: np.ndarray,
    scatter: np.ndarray,
    prior: ConjugatePrior,
    equal_variance: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """MAP means and variances (Fraley & Raftery 2007, table 2) from N_k, the weighted means x̄_k
    and the scatters W_k about them (each shape (K,)); see :mod:`gmm_core.prior`."""
    kappa = prior.shrinkage
    gap = means - prior.mean
    # μ_k = (N_k x̄_k + κ μ_P)/(N_k + κ), written as a correction of x̄_k (precise near 1e12).
    map_means = means - kappa * gap / (n_k + kappa)
    penalty = kappa * n_k / (n_k + kappa) * gap * gap
    if equal_variance:
        total = (
            prior.scale + penalty.sum(axis=-1, keepdims=True) + scatter.sum(axis=-1, keepdims=True)
        )
        denominator = prior.dof + n_k.sum(axis=-1, keepdims=True) + n_k.shape[-1] + 2.0
        return map_means, np.broadcast_to(total / denominator, n_k.shape).copy()
    return map_means, (prior.scale + penalty + scatter) / (prior.dof + n_k + 3.0)


def m_step(
    x: np.ndarray,
    resp: np.ndarray,
    *,
    equal_variance: bool = False,
    var_floor: float | None = None,
    previous: MixtureParams | None = None,
) -> MixtureParams:
    """M-step (the notes' steps A–D) from responsibilities.

    Parameters
    ----------
    x : ndarray, shape (N,)
    resp : ndarray, shape (N, K)
        γ(z_nk), rows summing to 1.
    equal_variance : bool
        Tied model (mclust "E"): one σ² = Σ_k Σ_n γ(z_nk)(x_n − μ_k)² / N for all k.
    var_floor : float, optional
        Lower bound on variances; default ``default_var_floor(x)``.
    previous : MixtureParams, optional
        What an empty component keeps (see the module docstring); by default an empty
        component gets the data's mean and variance.

    Returns
    -------
    MixtureParams
    """
    floor = default_var_floor(x) if var_floor is None else var_floor
    if previous is None:
        k = np.shape(resp)[-1]
        previous = MixtureParams(np.full(k, 1.0 / k), np.full(k, np.mean(x)), np.full(k, np.var(x)))
    params, _ = update_params(
        statistics_from_resp(x, resp), previous, var_floor=floor, equal_variance=equal_variance
    )
    return params


@dataclass(frozen=True)
class EMStep:
    """One EM iteration θ → θ_new.

    Attributes
    ----------
    params : MixtureParams
        θ_new.
    log_likelihood : float
        log L(θ) of the parameters the step started from (the E-step computes it).
    stats : SufficientStats
        The E-step's sums (N_k, …) behind the update.
    report : StepReport
        Collapsed and empty components.
    """

    params: MixtureParams
    log_likelihood: float
    stats: SufficientStats
    report: StepReport


def em_step(
    x: np.ndarray,
    params: MixtureParams,
    *,
    var_floor: float,
    equal_variance: bool = False,
    backend: Backend = "auto",
    prior: ConjugatePrior | None = None,
) -> EMStep:
    """One full EM iteration (E then M) without forming responsibilities.

    Parameters
    ----------
    x : ndarray, shape (N,)
    params : MixtureParams
        θ, the current parameters.
    var_floor : float
        Lower bound on variances (see :func:`default_var_floor`).
    equal_variance : bool
        Tied model.
    backend : {"auto", "numpy", "fused"}
    prior : ConjugatePrior, optional
        MAP-EM (see :func:`update_params`); the E-step is the same.
    """
    stats = sufficient_statistics(x, params, backend=backend)
    new, report = update_params(
        stats, params, var_floor=var_floor, equal_variance=equal_variance, prior=prior
    )
    return EMStep(new, stats.log_likelihood, stats, report)
