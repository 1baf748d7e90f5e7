"""Whether data has a scale EM can work in: the one rule every entry (uploads, the fit, the
prior, the variance floor) checks, with the message the user sees."""

from __future__ import annotations

import numpy as np

__all__ = ["data_variance"]


def data_variance(x: np.ndarray) -> float:
    """var(x) of data ``x`` (shape (N,)), or ValueError saying why the data has no usable scale."""
    with np.errstate(over="ignore"):
        variance = float(np.var(x))
    if not np.isfinite(variance):
        raise ValueError(
            "the values span too wide a range to square in double precision (above ~1e154): "
            "rescale the data, e.g. change its unit"
        )
    if np.ptp(x) == 0:
        raise ValueError("all values are equal: EM needs at least two different values")
    if not variance > 0:
        raise ValueError(
            "the differences between the values are too small for double precision (below "
            "~1e-150): rescale the data, e.g. change its unit"
        )
    return variance
