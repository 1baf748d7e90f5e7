"""Why EM can only go up: the lower bound L(q, θ), the KL gap, and hard (classification) EM.

For any distribution q over the labels (one row q_n of weights over k per point),

    log L(θ) = L(q, θ) + KL(q ‖ p(z | x, θ)),

    L(q, θ)  = Σ_n Σ_k q_nk [log π_k + log N(x_n | μ_k, σ_k²) − log q_nk]       (the ELBO)
    KL       = Σ_n Σ_k q_nk [log q_nk − log γ_θ(z_nk)] ≥ 0,

where γ_θ(z_nk) are the responsibilities of θ. So L(q, θ) ≤ log L(θ) (Jensen's inequality for
the concave log), with equality exactly when q = γ_θ. EM alternates:

* E-step: q ← γ_θt. The gap closes: L(q_t, θ_t) = log L(θ_t).
* M-step: θ_{t+1} = argmax_θ L(q_t, θ) (the notes' steps A–D). The bound rises, and
  log L(θ_{t+1}) = L(q_t, θ_{t+1}) + KL ≥ L(q_t, θ_{t+1}) ≥ L(q_t, θ_t) = log L(θ_t).

With q_t fixed, L(q_t, θ) is Q(θ) + H(q_t): Q depends on the data only through the sums
N_k, Σ γ (x − c_k), Σ γ (x − c_k)² (about reference means c_k), and H = −Σ γ log γ is a
constant. So the bound along any path of θ costs O(K) per point once one pass has made the sums
(:class:`FixedQ`), which is how the slices (:func:`segment_slice`, :func:`mean_slice`) are drawn.

Convention: 0 · log 0 = 0 (a point with q_nk = 0 contributes nothing to component k, even when
π_k = 0). Everything is computed in log space, in chunks (no N×K array beyond the one passed in).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .em import (
    LOG_2PI,
    SufficientStats,
    log_likelihood,
    log_weighted_densities,
    sufficient_statistics,
    update_params,
    within_model,
)
from .params import MixtureParams

__all__ = [
    "BoundSplit",
    "FixedQ",
    "HardRun",
    "Slice",
    "bound_split",
    "classification_em",
    "fixed_q",
    "kl_gap",
    "lower_bound",
    "mean_slice",
    "segment_slice",
]

#: Points per chunk (a (K, CHUNK) block of log densities at a time).
CHUNK = 65_536


def _check_resp(x: np.ndarray, params: MixtureParams, resp: np.ndarray) -> np.ndarray:
    resp = np.asarray(resp, dtype=np.float64)
    if resp.shape != (x.size, params.n_components):
        raise ValueError(
            f"resp must have shape (N, K) = ({x.size}, {params.n_components}), got {resp.shape}"
        )
    if not np.all(np.isfinite(resp)) or np.any(resp < 0):
        raise ValueError("resp must hold finite values ≥ 0")
    if not np.allclose(resp.sum(axis=1), 1.0, rtol=0, atol=1e-9):
        raise ValueError("every row of resp must sum to 1")
    return resp


def _xlogy(q: np.ndarray, log_y: np.ndarray) -> np.ndarray:
    """q · log_y with 0 · (anything, −inf included) = 0."""
    with np.errstate(invalid="ignore"):
        return np.where(q > 0, q * log_y, 0.0)


def _entropy_terms(q: np.ndarray) -> np.ndarray:
    """−q log q elementwise, 0 where q = 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(q > 0, -q * np.log(q), 0.0)


def lower_bound(x: np.ndarray, params: MixtureParams, resp: np.ndarray) -> float:
    """The lower bound (ELBO) L(q, θ) with q = ``resp``.

    L(q, θ) = Σ_n Σ_k q_nk [log π_k + log N(x_n | μ_k, σ_k²) − log q_nk] ≤ log L(θ).

    Parameters
    ----------
    x : ndarray, shape (N,)
    params : MixtureParams with K components
        θ.
    resp : ndarray, shape (N, K)
        q: any responsibilities (rows ≥ 0 summing to 1), e.g. ``e_step(x, θ_old)[0]``.

    Returns
    -------
    float
        −inf when q puts weight on a component of weight π_k = 0.
    """
    x = np.ascontiguousarray(x, dtype=np.float64)
    resp = _check_resp(x, params, resp)
    total = 0.0
    for start in range(0, x.size, CHUNK):
        q = resp[start : start + CHUNK].T  # (K, C)
        lp = log_weighted_densities(x[start : start + CHUNK], params)
        total += float(_xlogy(q, lp).sum() + _entropy_terms(q).sum())
    return total


def kl_gap(x: np.ndarray, params: MixtureParams, resp: np.ndarray) -> float:
    """KL(q ‖ p(z | x, θ)) = Σ_n Σ_k q_nk [log q_nk − log γ_θ(z_nk)] ≥ 0, summed over the points.

    Computed directly (not as log L − L(q, θ)), so a small gap is not lost to cancellation.

    Parameters
    ----------
    x : ndarray, shape (N,)
    params : MixtureParams
        θ, whose responsibilities γ_θ are compared with q.
    resp : ndarray, shape (N, K)
        q.
    """
    x = np.ascontiguousarray(x, dtype=np.float64)
    resp = _check_resp(x, params, resp)
    total = 0.0
    for start in range(0, x.size, CHUNK):
        q = resp[start : start + CHUNK].T
        lp = log_weighted_densities(x[start : start + CHUNK], params)
        log_post = lp - np.logaddexp.reduce(lp, axis=0)
        with np.errstate(divide="ignore"):
            log_q = np.log(q)
        total += float(_xlogy(q, log_q - log_post).sum())
    return max(total, 0.0)


@dataclass(frozen=True)
class BoundSplit:
    """log L(θ) split as L(q, θ) + KL for one q and θ.

    Attributes
    ----------
    log_likelihood : float
        log L(θ).
    bound : float
        L(q, θ).
    gap : float
        KL(q ‖ p(z | x, θ)) ≥ 0, computed on its own; log_likelihood = bound + gap up to
        rounding.
    """

    log_likelihood: float
    bound: float
    gap: float


@dataclass(frozen=True)
class FixedQ:
    """q = γ of some parameters θ_q, held fixed: L(q, θ) for any θ in O(K).

    Attributes
    ----------
    stats : SufficientStats
        N_k, Σ q (x − c_k), Σ q (x − c_k)² about c_k = the means of θ_q.
    entropy : float
        H(q) = −Σ_n Σ_k q_nk log q_nk.
    source : MixtureParams
        θ_q.
    """

    stats: SufficientStats
    entropy: float
    source: MixtureParams

    def expected_complete_log_likelihood(self, params: MixtureParams) -> float:
        """Q(θ) = Σ_n Σ_k q_nk [log π_k + log N(x_n | μ_k, σ_k²)] (terms with N_k = 0 are 0)."""
        return float(_q_function(self.stats, params.weights, params.means, params.variances))

    def bound(self, params: MixtureParams) -> float:
        """L(q, θ) = Q(θ) + H(q)."""
        return self.expected_complete_log_likelihood(params) + self.entropy


def _q_function(
    stats: SufficientStats, weights: np.ndarray, means: np.ndarray, variances: np.ndarray
) -> np.ndarray:
    """Q(θ) for one θ (arrays of shape (K,)) or many (shape (M, K)); returns shape () or (M,).

    Σ_n q_nk (x_n − μ_k)² = S2 − 2 δ S1 + N_k δ² with δ = μ_k − c_k (sums about c_k).
    """
    n_k, s1, s2, shift = stats.n_k, stats.s1, stats.s2, stats.shift
    delta = means - shift
    scatter = np.maximum(s2 - 2.0 * delta * s1 + n_k * delta * delta, 0.0)
    with np.errstate(divide="ignore"):
        log_w = np.log(weights)
    per_k = (
        _xlogy(np.broadcast_to(n_k, log_w.shape), log_w)
        - 0.5 * n_k * (LOG_2PI + np.log(variances))
        - scatter / (2.0 * variances)
    )
    return per_k.sum(axis=-1)


def _entropy_of(x: np.ndarray, params: MixtureParams) -> float:
    """H(γ_θ) = −Σ_n Σ_k γ log γ from the log densities, chunked."""
    total = 0.0
    for start in range(0, x.size, CHUNK):
        lp = log_weighted_densities(x[start : start + CHUNK], params)
        log_post = lp - np.logaddexp.reduce(lp, axis=0)
        total += float(_entropy_terms(np.exp(log_post)).sum())
    return total


def fixed_q(x: np.ndarray, source: MixtureParams) -> FixedQ:
    """q = γ of ``source`` (θ_q) on data ``x`` (shape (N,)), ready to bound any θ: two passes."""
    x = np.ascontiguousarray(x, dtype=np.float64)
    stats = sufficient_statistics(x, source)
    return FixedQ(stats, _entropy_of(x, source), source)


def bound_split(x: np.ndarray, q_source: MixtureParams, params: MixtureParams) -> BoundSplit:
    """log L(θ) = L(q, θ) + KL with q = γ of ``q_source``, chunked (no N×K array kept).

    Parameters
    ----------
    x : ndarray, shape (N,)
    q_source : MixtureParams
        The parameters of the last E-step (q = their responsibilities).
    params : MixtureParams
        θ.
    """
    x = np.ascontiguousarray(x, dtype=np.float64)
    ll = bound = gap = 0.0
    for start in range(0, x.size, CHUNK):
        chunk = x[start : start + CHUNK]
        lq = log_weighted_densities(chunk, q_source)
        log_q = lq - np.logaddexp.reduce(lq, axis=0)
        q = np.exp(log_q)
        lp = log_weighted_densities(chunk, params)
        lse = np.logaddexp.reduce(lp, axis=0)
        ll += float(lse.sum())
        bound += float(_xlogy(q, lp - log_q).sum())
        gap += float(_xlogy(q, log_q - (lp - lse)).sum())
    return BoundSplit(ll, bound, max(gap, 0.0))


@dataclass(frozen=True)
class Slice:
    """log L and the bound L(q, θ) along a one-dimensional path of parameters.

    Attributes
    ----------
    s : ndarray, shape (M,)
        The path's coordinate (the segment's s, or the value of μ_k), only where θ is valid.
    log_likelihood : ndarray, shape (M,)
        log L(θ(s)).
    bound : ndarray, shape (M,)
        L(q, θ(s)) with q fixed.
    start, end : float
        The coordinates of θ_t (the bound touches log L there) and θ_{t+1}.
    next_bound : ndarray, shape (M,), or None
        L(q_{t+1}, θ(s)) with q_{t+1} = γ of θ_{t+1}: the bound after the next E-step, which
        touches log L at θ_{t+1} (None where not computed).
    """

    s: np.ndarray
    log_likelihood: np.ndarray
    bound: np.ndarray
    start: float
    end: float
    next_bound: np.ndarray | None = None


def _valid(weights: np.ndarray, variances: np.ndarray) -> np.ndarray:
    """Rows (shape (M, K)) that are parameters: π ≥ 0 and σ² > 0."""
    return np.all(weights >= 0, axis=1) & np.all(variances > 0, axis=1)


def _curves(
    x: np.ndarray, q: FixedQ, weights: np.ndarray, means: np.ndarray, variances: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(log L, bound) for the parameter rows (shape (M, K) each)."""
    lls = np.array(
        [
            log_likelihood(x, MixtureParams(w / w.sum(), m, v))
            for w, m, v in zip(weights, means, variances, strict=True)
        ]
    )
    bounds = _q_function(q.stats, weights / weights.sum(axis=1, keepdims=True), means, variances)
    return lls, bounds + q.entropy


def segment_slice(
    x: np.ndarray,
    start: MixtureParams,
    end: MixtureParams,
    *,
    q: FixedQ | None = None,
    s_range: tuple[float, float] = (-0.5, 1.5),
    n_points: int = 81,
    with_next: bool = False,
) -> Slice:
    """log L(θ(s)) and L(q_t, θ(s)) along θ(s) = (1 − s) θ_t + s θ_{t+1} (PRML Fig. 9.14).

    q_t = γ of θ_t (``start``), fixed. The curves touch at s = 0; when θ_{t+1} is the M-step of
    θ_t and no variance floor binds, the bound peaks at s = 1 (the M-step maximises it over all
    θ, so also along the line), where log L(θ_{t+1}) ≥ the bound by the KL gap.

    Parameters
    ----------
    x : ndarray, shape (N,)
    start, end : MixtureParams
        θ_t and θ_{t+1}.
    q : FixedQ, optional
        ``fixed_q(x, start)``, if already computed.
    s_range : (float, float)
        The interval of s drawn; points where some π_k < 0 or σ_k² ≤ 0 are left out.
    n_points : int
        Points on the interval; s = 0 and s = 1 are always included.
    with_next : bool
        Also the next bound L(q_{t+1}, θ(s)) (one more pass over the data).

    Returns
    -------
    Slice
        ``start = 0``, ``end = 1``.
    """
    x = np.ascontiguousarray(x, dtype=np.float64)
    q = fixed_q(x, start) if q is None else q
    s = np.union1d(np.linspace(*s_range, n_points), [0.0, 1.0])
    a = np.stack([start.weights, start.means, start.variances])
    b = np.stack([end.weights, end.means, end.variances])
    theta = (1.0 - s)[:, None, None] * a + s[:, None, None] * b  # (M, 3, K)
    theta[s == 0.0], theta[s == 1.0] = a, b  # the end points exactly
    keep = _valid(theta[:, 0], theta[:, 2])
    theta, s = theta[keep], s[keep]
    lls, bounds = _curves(x, q, theta[:, 0], theta[:, 1], theta[:, 2])
    following = None
    if with_next:
        q_next = fixed_q(x, end)
        weights = theta[:, 0] / theta[:, 0].sum(axis=1, keepdims=True)
        following = _q_function(q_next.stats, weights, theta[:, 1], theta[:, 2]) + q_next.entropy
    return Slice(s, lls, bounds, 0.0, 1.0, following)


def mean_slice(
    x: np.ndarray,
    start: MixtureParams,
    end: MixtureParams,
    component: int,
    *,
    q: FixedQ | None = None,
    n_points: int = 81,
) -> Slice:
    """log L and L(q_t, θ) as μ_k alone moves, every other parameter held at θ_t.

    With π and σ² fixed, L(q_t, θ) is a parabola in μ_k whose top is Σ_n q_nk x_n / N_k, the
    M-step's μ_k^new whatever σ_k² is: the bound touches log L at μ_k = μ_k(θ_t) and peaks at
    μ_k(θ_{t+1}) (unless component k is empty, when the bound is flat in μ_k).

    Parameters
    ----------
    x : ndarray, shape (N,)
    start, end : MixtureParams
        θ_t and θ_{t+1}; only ``end.means[component]`` is used from θ_{t+1}.
    component : int
        k, 0-based.
    q : FixedQ, optional
        ``fixed_q(x, start)``, if already computed.
    n_points : int

    Returns
    -------
    Slice
        ``s`` holds values of μ_k; ``start`` = μ_k(θ_t), ``end`` = μ_k(θ_{t+1}).
    """
    x = np.ascontiguousarray(x, dtype=np.float64)
    if not 0 <= component < start.n_components:
        raise ValueError(f"component must be in 0..{start.n_components - 1}, got {component}")
    q = fixed_q(x, start) if q is None else q
    m0, m1 = float(start.means[component]), float(end.means[component])
    half = max(1.5 * abs(m1 - m0), 0.5 * float(np.sqrt(start.variances[component])))
    centre = 0.5 * (m0 + m1)
    mu = np.union1d(np.linspace(centre - half, centre + half, n_points), [m0, m1])
    means = np.tile(start.means, (mu.size, 1))
    means[:, component] = mu
    weights = np.tile(start.weights, (mu.size, 1))
    variances = np.tile(start.variances, (mu.size, 1))
    lls, bounds = _curves(x, q, weights, means, variances)
    return Slice(mu, lls, bounds, m0, m1)


@dataclass(frozen=True, eq=False)
class HardRun:
    """A classification-EM run (hard assignments), iteration by iteration.

    Attributes
    ----------
    history : tuple of MixtureParams, length n_iter + 1
        θ_0 … θ_n.
    log_likelihoods : ndarray, shape (n_iter + 1,)
        The mixture's log L(θ_t) (the same quantity ordinary EM raises; here it may fall).
    classification_log_likelihoods : ndarray, shape (n_iter + 1,)
        Σ_n log π_{z_n} N(x_n | μ_{z_n}, σ²_{z_n}) with z_n = argmax_k γ(z_nk) of θ_t: what
        classification EM never lowers.
    converged : bool
        Whether the assignments stopped changing before ``max_iter``.
    """

    history: tuple[MixtureParams, ...]
    log_likelihoods: np.ndarray
    classification_log_likelihoods: np.ndarray
    converged: bool

    @property
    def n_iter(self) -> int:
        """Iterations run."""
        return len(self.history) - 1

    @property
    def params(self) -> MixtureParams:
        """θ_n."""
        return self.history[-1]


def _hard_pass(x: np.ndarray, params: MixtureParams) -> tuple[np.ndarray, float, float]:
    """Hard labels z_n = argmax_k π_k N(x_n | μ_k, σ_k²), shape (N,); log L; classification
    log-likelihood."""
    labels = np.empty(x.size, dtype=np.intp)
    ll = cll = 0.0
    for start in range(0, x.size, CHUNK):
        lp = log_weighted_densities(x[start : start + CHUNK], params)
        z = np.argmax(lp, axis=0)
        labels[start : start + CHUNK] = z
        ll += float(np.logaddexp.reduce(lp, axis=0).sum())
        cll += float(np.take_along_axis(lp, z[None, :], axis=0).sum())
    return labels, ll, cll


def _hard_statistics(x: np.ndarray, labels: np.ndarray, params: MixtureParams) -> SufficientStats:
    """The M-step's sums with one-hot responsibilities, about the current means."""
    k = params.n_components
    d = x - params.means[labels]
    n_k = np.bincount(labels, minlength=k).astype(np.float64)
    s1 = np.bincount(labels, weights=d, minlength=k)
    s2 = np.bincount(labels, weights=d * d, minlength=k)
    return SufficientStats(n_k, s1, s2, params.means.copy(), int(x.size), float("nan"))


def classification_em(
    x: np.ndarray,
    start: MixtureParams,
    *,
    var_floor: float,
    equal_variance: bool = False,
    max_iter: int = 500,
) -> HardRun:
    """Classification EM: the E-step gives each point wholly to its most probable component.

    E: z_n = argmax_k π_k N(x_n | μ_k, σ_k²) (γ replaced by a one-hot row). M: the notes' steps
    A–D with those hard responsibilities (N_k is then a count), under the same variance floor
    and empty-component rule as EM (:func:`gmm_core.em.update_params`). It stops when no label
    changes (a fixed point) or after ``max_iter`` iterations. It raises the classification
    likelihood, not log L, which may fall.

    Parameters
    ----------
    x : ndarray, shape (N,)
    start : MixtureParams
        θ_0 (moved inside the model as EM does, :func:`gmm_core.em.within_model`).
    var_floor : float
    equal_variance : bool
    max_iter : int
    """
    x = np.ascontiguousarray(x, dtype=np.float64)
    theta = within_model(start, var_floor=var_floor, equal_variance=equal_variance)
    labels, ll, cll = _hard_pass(x, theta)
    history, lls, clls = [theta], [ll], [cll]
    converged = False
    for _ in range(max_iter):
        stats = _hard_statistics(x, labels, theta)
        theta, _ = update_params(stats, theta, var_floor=var_floor, equal_variance=equal_variance)
        new_labels, ll, cll = _hard_pass(x, theta)
        history.append(theta)
        lls.append(ll)
        clls.append(cll)
        if np.array_equal(new_labels, labels):
            converged = True
            break
        labels = new_labels
    return HardRun(tuple(history), np.array(lls), np.array(clls), converged)
