"""The likelihood landscape of a two-component mixture over (μ₁, μ₂), and its basins of attraction.

* :func:`mean_surface`: log L(θ) on a grid of (μ₁, μ₂) with π and σ² held fixed.
* :func:`basins`: EM from every grid cell θ₀ = (π, (μ₁, μ₂), σ²) to convergence, all starts in one
  compiled pass (numba, threads over the starts; a batched numpy version without numba), and the
  optima they reach, *with* their labelling: an optimum and its mirror image (components swapped,
  the same mixture) are told apart, so the label-switching symmetry shows.

Every start runs exactly the EM of :func:`gmm_core.fit.run_em`: θ₀ moved inside the model
(:func:`gmm_core.em.within_model`), the same M-step with the variance floor and the empty-component
rule, the same stopping rule (:mod:`gmm_core.convergence`: Aitken's by default, or the per-point
gain) and iteration limit. The
results agree with ``run_em`` from the same θ₀ to rounding (the compiled E-step sums in another
order and uses a vectorisable exp accurate to ~1 ulp).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import NotRequired, TypedDict, Unpack

import numpy as np

from ._fused import NUMBA_AVAILABLE
from .convergence import DEFAULT_STOPPING, StoppingRule, check_rule, met_at_last
from .em import (
    EMPTY_THRESHOLD,
    LOG_2PI,
    MAX_QUADRATIC,
    data_scale_variance,
    log_likelihood,
    m_step_arrays,
    within_model,
)
from .explore import BARRIER_PER_POINT, BARRIER_RELATIVE
from .params import MixtureParams

__all__ = [
    "BasinMap",
    "BatchOptions",
    "LandscapeOptimum",
    "basins",
    "batch_em",
    "coincident",
    "group_optima",
    "landscape_points",
    "mean_grid",
    "mean_surface",
    "start_params",
    "warmup",
]

#: Starts per kernel call in :func:`basins` (progress is reported after each).
BATCH = 240
#: Two final θ belong to one optimum when, component by component, their weights differ by at
#: most WEIGHT_TOL, their means by MEAN_TOL × the data's robust sd, their variances by
#: VARIANCE_RTOL relative (runs stopped by the tolerance sit a little short of the top).
WEIGHT_TOL = 1e-2
MEAN_TOL = 1e-2
VARIANCE_RTOL = 5e-2
#: Components whose means are this many standard deviations apart (or less), with equal
#: variances, coincide (:func:`coincident`).
COINCIDENT_SD = 0.05
#: Optima kept apart at most; runs ending elsewhere are grouped as "other".
MAX_OPTIMA = 12
#: Groups before refinement, at most.
MAX_LEADERS = 60
#: The refinement of each group's leader (as the explorer refines its optima).
REFINE_TOL = 1e-10
REFINE_MAX_ITER = 5000
#: Points above which the surface is drawn on an evenly spaced subsample of the sorted data.
SURFACE_MAX_POINTS = 20_000


def mean_grid(x: np.ndarray, n: int, margin: float = 0.05) -> np.ndarray:
    """n evenly spaced values of μ over the data's range widened by ``margin`` on each side."""
    lo, hi = float(np.min(x)), float(np.max(x))
    pad = margin * (hi - lo)
    return np.linspace(lo - pad, hi + pad, n)


def start_params(
    weights: np.ndarray, variances: np.ndarray, mu1: float, mu2: float
) -> MixtureParams:
    """θ₀ of a cell: the fixed π and σ² (shape (2,)) with means (μ₁, μ₂)."""
    return MixtureParams(weights, [mu1, mu2], variances)


def _log_coefficients(weights: np.ndarray, variances: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore"):
        return np.log(weights) - 0.5 * (LOG_2PI + np.log(variances))


def _surface_numpy(
    x: np.ndarray, coef: np.ndarray, half_prec: np.ndarray, g1: np.ndarray, g2: np.ndarray
) -> np.ndarray:
    out = np.zeros((g2.size, g1.size))
    for start in range(0, x.size, 2048):
        xc = x[start : start + 2048]
        a1 = coef[0] - np.minimum(half_prec[0] * (xc[None, :] - g1[:, None]) ** 2, MAX_QUADRATIC)
        a2 = coef[1] - np.minimum(half_prec[1] * (xc[None, :] - g2[:, None]) ** 2, MAX_QUADRATIC)
        out += np.logaddexp(a2[:, None, :], a1[None, :, :]).sum(axis=2)
    return out


def landscape_points(x: np.ndarray) -> tuple[np.ndarray, float]:
    """The points the maps are computed on and the factor that scales their sum to N: the data
    itself up to ``SURFACE_MAX_POINTS`` points, else that many evenly spaced order statistics
    (the quantiles of the data at equal steps), so that a map over a million points stays
    interactive."""
    if x.size <= SURFACE_MAX_POINTS:
        return x, 1.0
    idx = np.linspace(0, x.size - 1, SURFACE_MAX_POINTS).round().astype(np.intp)
    return np.sort(x)[idx], x.size / SURFACE_MAX_POINTS


def mean_surface(
    x: np.ndarray, weights: np.ndarray, variances: np.ndarray, g1: np.ndarray, g2: np.ndarray
) -> np.ndarray:
    """log L(π, (μ₁, μ₂), σ²) for every μ₁ in ``g1`` and μ₂ in ``g2``, π and σ² fixed.

    Parameters
    ----------
    x : ndarray, shape (N,)
    weights, variances : ndarray, shape (2,)
        The fixed π and σ².
    g1, g2 : ndarray, shapes (G1,), (G2,)
        Values of μ₁ and μ₂.

    Returns
    -------
    ndarray, shape (G2, G1)
        Row j, column i: log L at μ₁ = g1[i], μ₂ = g2[j] (a heatmap's z with x = μ₁, y = μ₂).
        Above ``SURFACE_MAX_POINTS`` points it is the sum over that many evenly spaced order
        statistics of the data, times N / that many (the shape of the surface, not its exact
        values, is what is drawn).
    """
    x = np.ascontiguousarray(x, dtype=np.float64)
    weights, variances = np.asarray(weights, float), np.asarray(variances, float)
    if weights.shape != (2,) or variances.shape != (2,):
        raise ValueError("the landscape is drawn for K = 2 components")
    points, scale = landscape_points(x)
    coef = _log_coefficients(weights, variances)
    half_prec = 0.5 / variances
    g1 = np.ascontiguousarray(g1, dtype=np.float64)
    g2 = np.ascontiguousarray(g2, dtype=np.float64)
    if NUMBA_AVAILABLE:
        out = _surface_kernel(points, coef, half_prec, g1, g2)
    else:  # pragma: no cover - depends on the environment
        out = _surface_numpy(points, coef, half_prec, g1, g2)
    return out * scale


@dataclass(frozen=True)
class BatchResult:
    """Where many EM runs ended.

    Attributes
    ----------
    params : ndarray, shape (S, 3, K)
        Final (weights, means, variances) of each start, in its own component order.
    log_likelihoods : ndarray, shape (S,)
        log L of the final parameters.
    n_iter : ndarray of int, shape (S,)
    converged : ndarray of bool, shape (S,)
    """

    params: np.ndarray
    log_likelihoods: np.ndarray
    n_iter: np.ndarray
    converged: np.ndarray


def _numpy_statistics(x: np.ndarray, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """E-step sums about the current means for a batch: (S, 3, K) → sums (S, 3, K), ll (S,)."""
    w, m, v = theta[:, 0, :, None], theta[:, 1, :, None], theta[:, 2, :, None]
    with np.errstate(divide="ignore"):
        coef = np.log(w) - 0.5 * (LOG_2PI + np.log(v))
    sums = np.zeros_like(theta)
    ll = np.zeros(theta.shape[0])
    for start in range(0, x.size, 4096):
        d = x[None, None, start : start + 4096] - m
        lp = coef - np.minimum(0.5 / v * d * d, MAX_QUADRATIC)
        peak = lp.max(axis=1, keepdims=True)
        e = np.exp(lp - peak)
        total = e.sum(axis=1, keepdims=True)
        g = e / total
        ll += (peak[:, 0] + np.log(total[:, 0])).sum(axis=1)
        sums[:, 0] += g.sum(axis=2)
        sums[:, 1] += (g * d).sum(axis=2)
        sums[:, 2] += (g * d * d).sum(axis=2)
    return sums, ll


def _numpy_update(sums: np.ndarray, theta: np.ndarray, var_floor: float, tied: bool) -> np.ndarray:
    """The M-step of :func:`gmm_core.em.update_params` for a batch: (S, 3, K) → (S, 3, K)
    (:func:`gmm_core.em.m_step_arrays`; an empty component keeps its mean and variance)."""
    weights, means, variances, _, _ = m_step_arrays(
        sums[:, 0],
        sums[:, 1],
        sums[:, 2],
        theta[:, 1],
        theta[:, 1],
        theta[:, 2],
        var_floor=var_floor,
        equal_variance=tied,
    )
    return np.stack([weights, means, variances], axis=1)


def _batch_em_numpy(
    x: np.ndarray,
    theta: np.ndarray,
    var_floor: float,
    tol: float,
    max_iter: int,
    tied: bool,
    stopping: StoppingRule,
) -> BatchResult:
    theta = theta.copy()
    n = x.size
    sums, ll = _numpy_statistics(x, theta)
    # The last three log L of every run (NaN before there are three): the stopping rule's input.
    tails = np.full((theta.shape[0], 3), np.nan)
    tails[:, -1] = ll
    n_iter = np.zeros(theta.shape[0], dtype=np.int64)
    done = np.zeros(theta.shape[0], dtype=bool)
    for it in range(1, max_iter + 1):
        active = np.flatnonzero(~done)
        if active.size == 0:
            break
        new = _numpy_update(sums[active], theta[active], var_floor, tied)
        new_sums, new_ll = _numpy_statistics(x, new)
        theta[active], sums[active] = new, new_sums
        n_iter[active] += 1
        tails[active] = np.column_stack([tails[active, 1], tails[active, 2], new_ll])
        window = tails[active] if it >= 2 else tails[active, 1:]
        done[active] = met_at_last(window, n, tol, stopping)
        ll[active] = new_ll
    return BatchResult(theta, ll, n_iter, done)


if NUMBA_AVAILABLE:
    from numba import njit, prange

    from ._fused import CHUNK as FUSED_CHUNK
    from ._fused import _exp_nonpos, _fused_serial

    @njit(cache=True, nogil=True)
    def _component_rows(x, coef, half_prec, grid):  # pragma: no cover - compiled
        """log(π_k N(x_n | g, σ_k²)) for every grid value g: shape (G, N)."""
        out = np.empty((grid.size, x.size))
        for i in range(grid.size):
            row = out[i]
            for n in range(x.size):
                d = x[n] - grid[i]
                row[n] = coef - min(half_prec * d * d, MAX_QUADRATIC)
        return out

    @njit(cache=True, nogil=True, parallel=True, fastmath={"contract"})
    def _surface_kernel(x, coef, half_prec, g1, g2):  # pragma: no cover - compiled
        n_points = x.size
        a1 = _component_rows(x, coef[0], half_prec[0], g1)
        a2 = _component_rows(x, coef[1], half_prec[1], g2)
        out = np.zeros((g2.size, g1.size))
        for j in prange(g2.size):
            ratio = np.empty(n_points)
            row2 = a2[j]
            for i in range(g1.size):
                row1 = a1[i]
                total = 0.0
                # log(e^u + e^v) = max + log(1 + e^(min − max)); the logs of 1 + … ∈ [1, 2]
                # are taken once per block of 64 as the log of their product.
                for t in range(n_points):
                    u = row1[t]
                    v = row2[t]
                    hi = u if u > v else v
                    lo = v if u > v else u
                    total += hi
                    ratio[t] = 1.0 + _exp_nonpos(lo - hi)
                for b in range(0, n_points, 64):
                    prod = 1.0
                    for t in range(b, min(b + 64, n_points)):
                        prod *= ratio[t]
                    total += np.log(prod)
                out[j, i] = total
        return out

    @njit(cache=True, nogil=True)
    def _e_step_sums(x, w, m, v, sums, coef, hp):  # pragma: no cover - compiled
        """E-step sums about the means m into sums (3, K) by the fused kernel; returns log L."""
        kk = m.size
        for k in range(kk):
            coef[k] = (np.log(w[k]) if w[k] > 0 else -np.inf) - 0.5 * (LOG_2PI + np.log(v[k]))
            hp[k] = 0.5 / v[k]
        total = _fused_serial(x, coef, m, hp, FUSED_CHUNK, 1, (0.0, 0.0, 0))
        for r in range(3):
            for k in range(kk):
                sums[r, k] = total[r * kk + k]
        return total[3 * kk]

    @njit(cache=True, nogil=True)
    def _m_step(sums, w, m, v, var_floor, tied):  # pragma: no cover - compiled
        """:func:`gmm_core.em.update_params` in place on (w, m, v)."""
        kk = m.size
        total_n = 0.0
        pooled = 0.0
        for k in range(kk):
            n_k = sums[0, k]
            total_n += n_k
            if n_k < EMPTY_THRESHOLD:
                scatter = sums[2, k]
            else:
                offset = sums[1, k] / n_k
                new_mean = m[k] + offset
                rounding = (new_mean - m[k]) - offset
                scatter = sums[2, k] - n_k * offset * offset + n_k * rounding * rounding
                m[k] = new_mean
                if not tied:
                    v[k] = max(scatter, 0.0) / n_k
            pooled += max(scatter, 0.0)
        for k in range(kk):
            if tied:
                v[k] = pooled / max(total_n, EMPTY_THRESHOLD)
            v[k] = max(v[k], var_floor)
            w[k] = sums[0, k] / total_n

    @njit(cache=True, nogil=True, parallel=True)
    def _batch_em_kernel(
        x, theta, var_floor, tol, max_iter, tied, aitken, out_ll, out_iter, out_conv
    ):  # pragma: no cover - compiled
        kk = theta.shape[2]
        n = x.size
        for s in prange(theta.shape[0]):
            w = theta[s, 0].copy()
            m = theta[s, 1].copy()
            v = theta[s, 2].copy()
            sums = np.empty((3, kk))
            coef = np.empty(kk)
            hp = np.empty(kk)
            ll = _e_step_sums(x, w, m, v, sums, coef, hp)
            it = 0
            conv = False
            previous = 0.0
            while it < max_iter:
                _m_step(sums, w, m, v, var_floor, tied)
                it += 1
                new_ll = _e_step_sums(x, w, m, v, sums, coef, hp)
                gain = new_ll - ll
                ll = new_ll
                # convergence.met_at_last, written out for one run (numba cannot call it)
                if tol > 0:
                    if gain <= 0:
                        conv = True
                    elif not aitken:
                        conv = gain / n < tol
                    elif it >= 2 and previous > 0:
                        rate = gain / previous
                        conv = 0 <= rate < 1 and gain / (1.0 - rate) / n < tol
                    if conv:
                        break
                previous = gain
            theta[s, 0] = w
            theta[s, 1] = m
            theta[s, 2] = v
            out_ll[s] = ll
            out_iter[s] = it
            out_conv[s] = conv


class BatchOptions(TypedDict):
    """The keyword arguments of :func:`batch_em`, which :func:`basins` passes on."""

    var_floor: float
    tol: float
    max_iter: int
    equal_variance: NotRequired[bool]
    backend: NotRequired[str]
    stopping: NotRequired[StoppingRule]


def batch_em(
    x: np.ndarray,
    starts: np.ndarray,
    *,
    var_floor: float,
    tol: float,
    max_iter: int,
    equal_variance: bool = False,
    backend: str = "auto",
    stopping: StoppingRule = DEFAULT_STOPPING,
) -> BatchResult:
    """EM from many starting points at once, each exactly as :func:`gmm_core.fit.run_em`.

    Parameters
    ----------
    x : ndarray, shape (N,)
    starts : ndarray, shape (S, 3, K)
        θ₀ of each run as rows (weights, means, variances); they are moved inside the model
        first (variances at least ``var_floor``, pooled for the tied model).
    var_floor, tol, max_iter, equal_variance, stopping
        As in :func:`gmm_core.fit.fit` (no prior: the landscape is of log L).
    backend : {"auto", "numpy"}
        "auto" uses the compiled kernel when numba is installed.

    Returns
    -------
    BatchResult
    """
    x = np.ascontiguousarray(x, dtype=np.float64)
    theta = np.array(starts, dtype=np.float64)
    if theta.ndim != 3 or theta.shape[1] != 3:
        raise ValueError(f"starts must have shape (S, 3, K), got {theta.shape}")
    for s in range(theta.shape[0]):
        inside = within_model(
            MixtureParams(*theta[s]), var_floor=var_floor, equal_variance=equal_variance
        )
        theta[s] = (inside.weights, inside.means, inside.variances)
    if backend == "numpy" or not NUMBA_AVAILABLE:
        return _batch_em_numpy(x, theta, var_floor, tol, max_iter, equal_variance, stopping)
    if backend != "auto":
        raise ValueError(f"unknown backend {backend!r}; choose 'auto' or 'numpy'")
    count = theta.shape[0]
    ll = np.empty(count)
    n_iter = np.empty(count, dtype=np.int64)
    converged = np.empty(count, dtype=np.bool_)
    _batch_em_kernel(
        x,
        theta,
        float(var_floor),
        float(tol),
        int(max_iter),
        bool(equal_variance),
        check_rule(stopping) == "aitken",
        ll,
        n_iter,
        converged,
    )
    return BatchResult(theta, ll, n_iter, converged)


@dataclass(frozen=True)
class LandscapeOptimum:
    """An optimum reached from the grid, with its labelling.

    Attributes
    ----------
    params : MixtureParams
        The best run's final θ among those that reached it, in the runs' component order.
    log_likelihood : float
    n_cells : int
        How many starts reached it.
    mirror : int or None
        Index of the optimum that is this one with the components swapped (the same mixture),
        if the grid reached it too.
    coincident : bool
        Whether its components coincide (μ₁ = μ₂, σ₁² = σ₂²): one component in effect, the
        stationary point EM stays on from a start on the mirror line with equal σ² (a saddle).
    """

    params: MixtureParams
    log_likelihood: float
    n_cells: int
    mirror: int | None
    coincident: bool = False


def _close(a: np.ndarray, b: np.ndarray, mean_tol: float) -> bool:
    """Means within ``mean_tol`` and variances within ``VARIANCE_RTOL``, elementwise."""
    return bool(
        np.all(np.abs(a[1] - b[1]) <= mean_tol)
        and np.all(np.abs(a[2] - b[2]) <= VARIANCE_RTOL * np.maximum(a[2], b[2]))
    )


def coincident(theta: np.ndarray) -> bool:
    """Whether the components of θ (a (3, K) array) coincide: variances within
    ``VARIANCE_RTOL`` and means within ``COINCIDENT_SD`` of a standard deviation of each other.
    Such a mixture is one component in effect whatever the weights (it differs from that
    Gaussian by O(δ²)): the stationary point on the mirror line, and EM's slow approach to it."""
    variances = theta[2]
    same_spread = np.ptp(variances) <= VARIANCE_RTOL * variances.max()
    return bool(same_spread and np.ptp(theta[1]) <= COINCIDENT_SD * np.sqrt(variances.max()))


def _same(a: np.ndarray, b: np.ndarray, mean_tol: float) -> bool:
    """Whether two (3, K) parameter arrays are one labelled optimum (module tolerances). Two
    mixtures whose components coincide are one when their overall means and variances agree,
    whatever the weights."""
    if coincident(a) and coincident(b):
        mean_a, mean_b = float(a[0] @ a[1]) / a[0].sum(), float(b[0] @ b[1]) / b[0].sum()
        var_a, var_b = float(a[2].max()), float(b[2].max())
        return abs(mean_a - mean_b) <= mean_tol and abs(var_a - var_b) <= VARIANCE_RTOL * max(
            var_a, var_b
        )
    return bool(np.all(np.abs(a[0] - b[0]) <= WEIGHT_TOL) and _close(a, b, mean_tol))


def _leaders(
    params: np.ndarray, log_likelihoods: np.ndarray, mean_tol: float, cap: int
) -> tuple[list[int], np.ndarray]:
    """Leader clustering by the module's tolerances, best first: (leader indices, label of each
    item, −1 beyond ``cap`` leaders)."""
    leaders: list[int] = []
    labels = np.full(log_likelihoods.size, -1, dtype=np.int64)
    for i in np.argsort(-log_likelihoods, kind="stable").tolist():
        match = next(
            (g for g, j in enumerate(leaders) if _same(params[i], params[j], mean_tol)), None
        )
        if match is None and len(leaders) < cap:
            leaders.append(i)
            match = len(leaders) - 1
        if match is not None:
            labels[i] = match
    return leaders, labels


def _no_valley(x: np.ndarray, a: np.ndarray, b: np.ndarray, ll_a: float, ll_b: float) -> bool:
    """Whether log L stays above min(ll_a, ll_b) − (``BARRIER_PER_POINT`` · N +
    ``BARRIER_RELATIVE`` · |min|) along the straight segment between the labelled (3, K)
    parameters a and b (the explorer's rule, :mod:`gmm_core.explore`, without relabelling)."""
    lower = min(ll_a, ll_b)
    floor = lower - (BARRIER_PER_POINT * x.size + BARRIER_RELATIVE * abs(lower))
    for t in (0.25, 0.5, 0.75):
        theta = (1.0 - t) * a + t * b
        if log_likelihood(x, MixtureParams(theta[0] / theta[0].sum(), *theta[1:])) < floor:
            return False
    return True


def _merge_ridges(
    x: np.ndarray, tops: np.ndarray, lls: np.ndarray, leaders: list[int], labels: np.ndarray
) -> tuple[list[int], np.ndarray]:
    """Merge groups whose leaders no valley of log L separates (points of one flat ridge that
    EM had not finished climbing), then keep the best ``MAX_OPTIMA`` groups (the others → −1).

    ``leaders`` index ``tops``/``lls`` (best first); ``labels`` gives each top its group."""
    target = list(range(len(leaders)))
    for h in range(1, len(leaders)):
        for g in range(h):
            if target[g] != g:
                continue
            a, b = leaders[g], leaders[h]
            close = abs(lls[a] - lls[b]) <= BARRIER_PER_POINT * x.size + BARRIER_RELATIVE * abs(
                lls[a]
            )
            if close and _no_valley(x, tops[a], tops[b], float(lls[a]), float(lls[b])):
                target[h] = g
                break
    kept = [g for g in range(len(leaders)) if target[g] == g][:MAX_OPTIMA]
    renumber = {g: i for i, g in enumerate(kept)}
    mapping = np.array([renumber.get(target[g], -1) for g in range(len(leaders))])
    new_labels = np.where(labels >= 0, mapping[np.maximum(labels, 0)], -1)
    return [leaders[g] for g in kept], new_labels


def group_optima(
    x: np.ndarray,
    params: np.ndarray,
    log_likelihoods: np.ndarray,
    *,
    var_floor: float | None = None,
    equal_variance: bool = False,
) -> tuple[np.ndarray, tuple[LandscapeOptimum, ...]]:
    """Group final parameters into labelled optima (best first).

    1. Leader clustering of the runs' final θ by the module's tolerances (at most
       ``MAX_LEADERS`` groups).
    2. With ``var_floor`` given, each group's leader is refined by more EM (tolerance
       ``REFINE_TOL``, at most ``REFINE_MAX_ITER`` iterations; kept only if log L rose): runs the
       tolerance stopped part-way up a flat ridge then reach its top.
    3. The refined leaders are clustered again; groups whose leaders meet, or whose leaders
       have the same log L with no valley of log L between them (the explorer's rule, on the
       labelled parameters: points of one flat ridge EM had not finished climbing, such as
       the approach to the saddle on the mirror line), are merged, and the best
       ``MAX_OPTIMA`` are kept.

    Parameters
    ----------
    x : ndarray, shape (N,)
        The data (its robust sd scales the mean tolerance).
    params : ndarray, shape (S, 3, K)
    log_likelihoods : ndarray, shape (S,)
    var_floor, equal_variance
        The model of the runs (for the refinement); without ``var_floor`` nothing is refined.

    Returns
    -------
    labels : ndarray of int, shape (S,)
        The optimum of each run, −1 for runs beyond the optima kept ("other").
    optima : tuple of LandscapeOptimum
        Sorted by log-likelihood, highest first.
    """
    mean_tol = MEAN_TOL * float(np.sqrt(data_scale_variance(x)))
    first, labels = _leaders(params, log_likelihoods, mean_tol, MAX_LEADERS)
    tops, top_lls = params[first], log_likelihoods[first]
    if var_floor is not None:
        more = batch_em(
            x,
            tops,
            var_floor=var_floor,
            tol=REFINE_TOL,
            max_iter=REFINE_MAX_ITER,
            equal_variance=equal_variance,
        )
        better = more.log_likelihoods > top_lls
        tops = np.where(better[:, None, None], more.params, tops)
        top_lls = np.where(better, more.log_likelihoods, top_lls)
    second, merged = _leaders(tops, top_lls, mean_tol, len(first))
    second, merged = _merge_ridges(x, tops, top_lls, second, merged)
    labels = np.where(labels >= 0, merged[np.maximum(labels, 0)], -1)
    optima = []
    for g, j in enumerate(second):
        swapped = tops[j][:, ::-1]
        mirror = next(
            (
                h
                for h, other in enumerate(second)
                if h != g and _same(swapped, tops[other], mean_tol)
            ),
            None,
        )
        optima.append(
            LandscapeOptimum(
                MixtureParams(*tops[j]),
                float(top_lls[j]),
                int(np.count_nonzero(labels == g)),
                None if coincident(tops[j]) else mirror,
                coincident(tops[j]),
            )
        )
    return labels, tuple(optima)


@dataclass(frozen=True, eq=False)
class BasinMap:
    """EM from every cell of a (μ₁, μ₂) grid, π and σ² of θ₀ fixed.

    Attributes
    ----------
    g1, g2 : ndarray, shapes (G1,), (G2,)
        The grid's μ₁ and μ₂.
    weights, variances : ndarray, shape (2,)
        π and σ² of every θ₀.
    labels : ndarray of int, shape (G2, G1)
        The optimum reached from (μ₁ = g1[i], μ₂ = g2[j]) at [j, i]; −1 for "other".
    log_likelihoods, n_iter, converged : ndarray, shape (G2, G1)
        Final log L, iterations, and whether the convergence rule was met.
    final_params : ndarray, shape (G2, G1, 3, K)
    optima : tuple of LandscapeOptimum
    """

    g1: np.ndarray
    g2: np.ndarray
    weights: np.ndarray
    variances: np.ndarray
    labels: np.ndarray
    log_likelihoods: np.ndarray
    n_iter: np.ndarray
    converged: np.ndarray
    final_params: np.ndarray
    optima: tuple[LandscapeOptimum, ...]

    def best_cell(self) -> tuple[int, int]:
        """(j, i) of the cell whose run ended highest."""
        j, i = np.unravel_index(int(np.argmax(self.log_likelihoods)), self.log_likelihoods.shape)
        return int(j), int(i)


def basins(
    x: np.ndarray,
    weights: np.ndarray,
    variances: np.ndarray,
    g1: np.ndarray,
    g2: np.ndarray,
    *,
    on_progress: Callable[[int, int], None] | None = None,
    **em: Unpack[BatchOptions],
) -> BasinMap:
    """Run EM from θ₀ = (π, (μ₁, μ₂), σ²) for every grid cell and group where they end.

    Parameters
    ----------
    x : ndarray, shape (N,)
    weights, variances : ndarray, shape (2,)
        π and σ² of every start.
    g1, g2 : ndarray, shapes (G1,), (G2,)
        μ₁ and μ₂ values of the grid.
    on_progress : callable, optional
        ``on_progress(done, total)`` after each batch of ``BATCH`` starts.
    **em
        var_floor, tol, max_iter (required), equal_variance, backend, stopping: the runs'
        options, as in :func:`batch_em`.

    Returns
    -------
    BasinMap
        Deterministic: the same inputs give the same map bit for bit.
    """
    x = np.ascontiguousarray(x, dtype=np.float64)
    weights = np.asarray(weights, dtype=np.float64)
    variances = np.asarray(variances, dtype=np.float64)
    mu1, mu2 = np.meshgrid(g1, g2)  # [j, i] = (g1[i], g2[j])
    count = mu1.size
    starts = np.empty((count, 3, 2))
    starts[:, 0] = weights
    starts[:, 2] = variances
    starts[:, 1, 0] = mu1.ravel()
    starts[:, 1, 1] = mu2.ravel()
    parts = []
    for lo in range(0, count, BATCH):
        parts.append(batch_em(x, starts[lo : lo + BATCH], **em))
        if on_progress is not None:
            on_progress(min(lo + BATCH, count), count)
    params = np.concatenate([p.params for p in parts])
    lls = np.concatenate([p.log_likelihoods for p in parts])
    labels, optima = group_optima(
        x, params, lls, var_floor=em["var_floor"], equal_variance=em.get("equal_variance", False)
    )
    shape = mu1.shape
    return BasinMap(
        g1=np.asarray(g1, dtype=np.float64),
        g2=np.asarray(g2, dtype=np.float64),
        weights=weights,
        variances=variances,
        labels=labels.reshape(shape),
        log_likelihoods=lls.reshape(shape),
        n_iter=np.concatenate([p.n_iter for p in parts]).reshape(shape),
        converged=np.concatenate([p.converged for p in parts]).reshape(shape),
        final_params=params.reshape((*shape, 3, 2)),
        optima=optima,
    )


def warmup() -> None:
    """Compile (or load from numba's cache) the landscape's kernels on a few points, so the
    page's first map does not wait for the compiler (a few seconds the first time)."""
    x = np.linspace(0.0, 1.0, 16)
    grid = np.array([0.2, 0.8])
    weights, variances = np.array([0.5, 0.5]), np.array([0.1, 0.1])
    mean_surface(x, weights, variances, grid, grid)
    for tied in (False, True):
        basins(
            x,
            weights,
            variances,
            grid,
            grid,
            var_floor=1e-6,
            tol=1e-6,
            max_iter=5,
            equal_variance=tied,
        )
