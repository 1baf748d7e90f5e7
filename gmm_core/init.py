"""Starting parameters θ₀ for EM, every random choice drawn from a ``np.random.Generator``.

Each method picks either K centres or a K-way partition of the data; the starting weights and
variances then come from the data assigned to each component (never a fixed σ = 1):

* ``"random"``: K distinct data values chosen uniformly at random as means.
* ``"kmeans++"``: means by k-means++ seeding (D² sampling, Arthur & Vassilvitskii 2007).
* ``"quantile"``: the sorted data cut into K groups of equal size (mclust's 1-D default);
  deterministic (it never uses the generator).
* ``"kmeans"``: k-means++ seeding followed by up to ``KMEANS_ITERATIONS`` Lloyd iterations.

Centres become a partition by nearest-centre assignment; a partition becomes θ₀ by
π_k ∝ n_k, μ_k = group mean, σ_k² = group variance, with the variance of a group of fewer than two
points or of tied values raised to ``INIT_VAR_FRACTION`` × var(x). On more than ``MAX_INIT_POINTS``
points the methods run on a random subsample of that size (drawn from the same generator;
"quantile" takes every ⌈N / MAX_INIT_POINTS⌉-th point instead).
"""

from __future__ import annotations

from typing import Literal, get_args

import numpy as np

from .params import MixtureParams

__all__ = [
    "INIT_METHODS",
    "InitMethod",
    "check_given_start",
    "initial_params",
    "params_from_labels",
]

InitMethod = Literal["random", "kmeans++", "quantile", "kmeans"]
INIT_METHODS: tuple[str, ...] = get_args(InitMethod)

MAX_INIT_POINTS = 100_000
KMEANS_ITERATIONS = 10
#: Smallest starting variance, as a fraction of the data's variance.
INIT_VAR_FRACTION = 1e-4


def params_from_labels(x: np.ndarray, labels: np.ndarray, n_components: int) -> MixtureParams:
    """θ₀ from a hard partition of the data.

    Parameters
    ----------
    x : ndarray, shape (N,)
    labels : ndarray of int, shape (N,)
        Group of each point, in 0..K-1.
    n_components : int
        K.

    Returns
    -------
    MixtureParams
        π_k ∝ max(n_k, 1), μ_k the group mean (the overall mean for an empty group),
        σ_k² the group variance raised to at least ``INIT_VAR_FRACTION`` × var(x).
    """
    counts = np.bincount(labels, minlength=n_components).astype(np.float64)
    # Sums about a point inside the data: raw sums of values near 1e12 would lose the spread.
    centre = float(np.mean(x))
    sums = np.bincount(labels, weights=x - centre, minlength=n_components)
    safe = np.maximum(counts, 1.0)
    means = centre + np.where(counts > 0, sums / safe, 0.0)
    dev = x - means[labels]
    variances = np.bincount(labels, weights=dev * dev, minlength=n_components) / safe
    total_var = float(np.var(x))
    variances = np.where(counts >= 2, variances, total_var / n_components**2)
    variances = np.maximum(variances, INIT_VAR_FRACTION * total_var)
    return MixtureParams(safe / safe.sum(), means, variances)


def _nearest(x: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """Index of the nearest centre for each point, via the sorted centres' midpoints; shape (N,)."""
    order = np.argsort(centres, kind="stable")
    sorted_c = centres[order]
    cuts = 0.5 * (sorted_c[1:] + sorted_c[:-1])
    return order[np.searchsorted(cuts, x, side="left")]


def _kmeans_plus_plus(x: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """k-means++ centres, shape (k,): each next centre drawn with probability ∝ D(x)²."""
    centres = np.empty(k)
    centres[0] = x[rng.integers(x.size)]
    d2 = (x - centres[0]) ** 2
    for j in range(1, k):
        total = d2.sum()
        if total > 0:
            idx = int(np.searchsorted(np.cumsum(d2), rng.random() * total, side="right"))
            centres[j] = x[min(idx, x.size - 1)]
        else:  # every point sits on a centre already: fall back to a uniform draw
            centres[j] = x[rng.integers(x.size)]
        d2 = np.minimum(d2, (x - centres[j]) ** 2)
    return centres


def _random_centres(x: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    values = np.unique(x)
    pool = values if values.size >= k else x
    return pool[rng.choice(pool.size, size=k, replace=False)]


def _kmeans_labels(x: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    centres = _kmeans_plus_plus(x, k, rng)
    labels = _nearest(x, centres)
    origin = float(np.mean(x))  # sums about a point inside the data (values near 1e12)
    dx = x - origin
    for _ in range(KMEANS_ITERATIONS):
        counts = np.bincount(labels, minlength=k)
        sums = np.bincount(labels, weights=dx, minlength=k)
        centres = np.where(counts > 0, origin + sums / np.maximum(counts, 1), centres)
        new = _nearest(x, centres)
        if np.array_equal(new, labels):
            break
        labels = new
    return labels


def _quantile_labels(x: np.ndarray, k: int) -> np.ndarray:
    labels = np.empty(x.size, dtype=np.intp)
    labels[np.argsort(x, kind="stable")] = (np.arange(x.size) * k) // x.size
    return labels


def check_given_start(start: InitMethod | MixtureParams, n_components: int) -> None:
    """ValueError when ``start`` is θ₀ itself (not a method) with other than K components."""
    if isinstance(start, MixtureParams) and start.n_components != n_components:
        raise ValueError(
            f"the starting parameters have {start.n_components} components, expected {n_components}"
        )


def initial_params(
    x: np.ndarray, n_components: int, method: InitMethod, rng: np.random.Generator
) -> MixtureParams:
    """Starting parameters θ₀ by one of ``INIT_METHODS``.

    Parameters
    ----------
    x : ndarray, shape (N,)
        Finite data with at least ``n_components`` points and two distinct values.
    n_components : int
        K ≥ 1.
    method : {"random", "kmeans++", "quantile", "kmeans"}
    rng : numpy.random.Generator
        Source of every random choice: the same generator state gives the same θ₀, bit for bit.

    Returns
    -------
    MixtureParams
        Components ordered by increasing mean (component 1 is the leftmost).
    """
    if method not in INIT_METHODS:
        raise ValueError(f"unknown init method {method!r}; choose one of {', '.join(INIT_METHODS)}")
    x = np.asarray(x, dtype=np.float64)
    if x.size > MAX_INIT_POINTS:
        if method == "quantile":  # stays deterministic: an even stride through the data
            x = x[:: -(-x.size // MAX_INIT_POINTS)]
        else:
            x = x[rng.integers(0, x.size, size=MAX_INIT_POINTS)]
    k = n_components
    if method == "quantile":
        labels = _quantile_labels(x, k)
    elif method == "kmeans":
        labels = _kmeans_labels(x, k, rng)
    elif method == "kmeans++":
        labels = _nearest(x, _kmeans_plus_plus(x, k, rng))
    else:
        labels = _nearest(x, _random_centres(x, k, rng))
    return params_from_labels(x, labels, k).sorted_by_mean()
