"""Binning on the server: histograms and each component's share of every bin.

The browser never receives raw points: a chart gets B bin heights (B ≤ ``MAX_BINS``) and, for
the responsibility colouring, a (B, K) table of Σ_{n in bin} γ(z_nk), computed here in chunks.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .em import Backend, _fused_inputs, _use_fused, iter_responsibilities
from .params import MixtureParams

__all__ = [
    "MAX_BINS",
    "MIN_BINS",
    "SPIKE_OFFSETS",
    "bin_edges",
    "bin_index",
    "components_span",
    "curve_grid",
    "default_bin_count",
    "histogram",
    "responsibility_by_bin",
]

MIN_BINS = 5
MAX_BINS = 200


def default_bin_count(x: np.ndarray) -> int:
    """numpy's "auto" rule — the more bins of Sturges' and Freedman–Diaconis' — clipped to
    [10, 120]; computed here so data too narrow for numpy's edges (1e12 ± 1e-3) still works."""
    sample = x if x.size <= 200_000 else x[:: x.size // 200_000]
    n = sample.size
    sturges = np.log2(n) + 1.0
    q1, q3 = np.quantile(sample, [0.25, 0.75])
    span = float(np.ptp(sample))
    fd = span / (2.0 * (q3 - q1) * n ** (-1.0 / 3.0)) if q3 > q1 else 0.0
    return int(np.clip(np.ceil(max(sturges, fd)), 10, 120))


def bin_edges(x: np.ndarray, n_bins: int | None = None) -> np.ndarray:
    """Equal-width bin edges over the data's range, shape (B + 1,).

    Parameters
    ----------
    x : ndarray, shape (N,)
    n_bins : int, optional
        B, clipped to [``MIN_BINS``, ``MAX_BINS``]; default :func:`default_bin_count`.
    """
    bins = default_bin_count(x) if n_bins is None else int(np.clip(n_bins, MIN_BINS, MAX_BINS))
    lo, hi = float(np.min(x)), float(np.max(x))
    if hi <= lo:
        half = max(abs(lo) * 1e-9, 1e-12)
        lo, hi = lo - half, hi + half
    # Every bin at least 8 representable steps wide (values near 1e12 are 1.2e-4 apart).
    resolution = 8.0 * float(np.spacing(max(abs(lo), abs(hi))))
    bins = int(max(1, min(bins, (hi - lo) // resolution)))
    return np.linspace(lo, hi, bins + 1)


def bin_index(x: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Bin of each point for equal-width ``edges`` (last bin closed), shape (N,), in 0..B−1."""
    n_bins = edges.size - 1
    scaled = (x - edges[0]) * (n_bins / (edges[-1] - edges[0]))
    return np.clip(scaled.astype(np.intp), 0, n_bins - 1)


def histogram(x: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Counts per bin, shape (B,), by the same rule as :func:`bin_index` (so the stacked
    responsibility shares of a bin always add up to its count); points outside are not counted."""
    inside = x[(x >= edges[0]) & (x <= edges[-1])]
    return np.bincount(bin_index(inside, edges), minlength=edges.size - 1)


def responsibility_by_bin(
    x: np.ndarray, params: MixtureParams, edges: np.ndarray, *, backend: Backend = "auto"
) -> np.ndarray:
    """Σ_{n in bin b} γ(z_nk): each component's share of every bin, in points.

    Parameters
    ----------
    x : ndarray, shape (N,)
    params : MixtureParams with K components
        The parameters whose E-step gives γ.
    edges : ndarray, shape (B + 1,)
        Equal-width edges (see :func:`bin_edges`); points outside them are not counted.
    backend : {"auto", "numpy", "fused"}
        "fused" is the compiled single-pass kernel (numba,
        :func:`gmm_core._fused.fused_bin_responsibilities`); "auto" uses it from
        ``FUSED_MIN_POINTS`` points on when numba is installed (as
        :func:`gmm_core.em.sufficient_statistics` does). They agree to ~1e-15 relative
        (measured 4e-16 at N = 1e6; tested at 1e-12).

    Returns
    -------
    ndarray, shape (B, K)
        Row b sums to the count of bin b (to rounding).
    """
    x = np.asarray(x, dtype=np.float64)
    n_bins, k = edges.size - 1, params.n_components
    out = np.zeros((n_bins, k))
    if _use_fused(x.size, backend, k):
        from ._fused import fused_bin_responsibilities

        active, *kernel_inputs = _fused_inputs(params)
        out[:, active] = fused_bin_responsibilities(
            x, *kernel_inputs, float(edges[0]), float(edges[-1]), n_bins
        )
        return out
    for block in iter_responsibilities(x, params):
        inside = (block.x >= edges[0]) & (block.x <= edges[-1])
        idx = bin_index(block.x[inside], edges)
        resp = block.resp[inside]
        for j in range(k):
            out[:, j] += np.bincount(idx, weights=resp[:, j], minlength=n_bins)
    return out


#: Where, in units of σ_k around μ_k, a narrow component gets points of its own on the grid.
SPIKE_OFFSETS = np.array([-4.0, -3.0, -2.0, -1.5, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0])


def components_span(mixtures: Sequence[MixtureParams]) -> tuple[float, float]:
    """The x range that shows every component of ``mixtures`` (e.g. every θ_t of a run):
    (min of μ_k − 3σ_k, max of μ_k + 3σ_k) over all of them."""
    return _reach(*_means_and_stds(mixtures))


def _means_and_stds(mixtures: Sequence[MixtureParams]) -> tuple[np.ndarray, np.ndarray]:
    """Every component's μ_k and σ_k of ``mixtures``, each of shape (ΣK,)."""
    return np.concatenate([m.means for m in mixtures]), np.concatenate([m.stds for m in mixtures])


def _reach(means: np.ndarray, stds: np.ndarray) -> tuple[float, float]:
    """(min of μ − 3σ, max of μ + 3σ) of components with ``means`` and ``stds``."""
    return float(np.min(means - 3 * stds)), float(np.max(means + 3 * stds))


def curve_grid(
    edges: np.ndarray,
    *mixtures: MixtureParams,
    n: int = 300,
    max_spikes: int = 10,
    span: tuple[float, float] | None = None,
) -> np.ndarray:
    """x values for drawing densities, sorted, shape (M,) with n ≤ M ≤ n + 13 · ``max_spikes``.

    ``n`` evenly spaced points over the bins' range, widened to show every component's ±3σ (of
    all ``mixtures``, and the range ``span`` if given: :func:`components_span` of a whole run,
    so the axis stays put while the run moves) where that lies within one range-width of the
    data; plus, for each component of ``mixtures`` narrower than the spacing (a component
    collapsing onto a point), points at μ_k + ``SPIKE_OFFSETS`` · σ_k, so its spike is drawn
    at its true height and place instead of falling between two grid points. At most
    ``max_spikes`` distinct narrow components (the narrowest first) get such points, which
    bounds the size of the figures.
    """
    lo, hi = float(edges[0]), float(edges[-1])
    width = hi - lo
    means, stds = _means_and_stds(mixtures)
    reach_lo, reach_hi = _reach(means, stds)
    if span is not None:
        reach_lo, reach_hi = min(reach_lo, span[0]), max(reach_hi, span[1])
    lo = max(min(lo, reach_lo), lo - width)
    hi = min(max(hi, reach_hi), hi + width)
    grid = np.linspace(lo, hi, n)
    spacing = (hi - lo) / max(n - 1, 1)
    narrow = (stds < spacing) & (means >= lo) & (means <= hi)
    if not narrow.any() or max_spikes < 1:
        return grid
    spikes = np.unique(np.column_stack([means[narrow], stds[narrow]]), axis=0)
    spikes = spikes[np.argsort(spikes[:, 1], kind="stable")[:max_spikes]]
    extra = (spikes[:, :1] + SPIKE_OFFSETS * spikes[:, 1:]).ravel()
    extra = extra[(extra > lo) & (extra < hi)]
    return np.unique(np.concatenate([grid, extra]))
