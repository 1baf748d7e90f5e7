"""The parameters of a 1-D Gaussian mixture, θ = (π, μ, σ²), as an immutable value."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["MixtureParams"]

#: How far the weights may be from summing to one (rounding after the M-step is ~1e-16·K).
WEIGHT_SUM_TOLERANCE = 1e-9


def _frozen_array(values: object, name: str) -> np.ndarray:
    array = np.array(values, dtype=np.float64, copy=True).reshape(-1)
    if array.size == 0:
        raise ValueError(f"{name} is empty: a mixture needs at least one component")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must be finite, got {array.tolist()}")
    array.flags.writeable = False
    return array


@dataclass(frozen=True, eq=False)
class MixtureParams:
    """Weights π_k, means μ_k and variances σ_k² of a K-component 1-D Gaussian mixture.

    f(x) = Σ_k π_k N(x | μ_k, σ_k²). The arrays are copied, made read-only and validated:
    all finite, weights ≥ 0 summing to 1 (within 1e-9; they are then renormalised exactly),
    variances > 0.

    Parameters
    ----------
    weights : array_like, shape (K,)
        Mixing weights π_k.
    means : array_like, shape (K,)
        Component means μ_k.
    variances : array_like, shape (K,)
        Component variances σ_k² (not standard deviations).
    """

    weights: np.ndarray
    means: np.ndarray
    variances: np.ndarray

    def __post_init__(self) -> None:
        weights = _frozen_array(self.weights, "weights")
        means = _frozen_array(self.means, "means")
        variances = _frozen_array(self.variances, "variances")
        if not weights.shape == means.shape == variances.shape:
            raise ValueError(
                "weights, means and variances must have the same length, got "
                f"{weights.size}, {means.size} and {variances.size}"
            )
        if np.any(weights < 0):
            raise ValueError(f"weights must be ≥ 0, got {weights.tolist()}")
        total = float(weights.sum())
        if abs(total - 1.0) > WEIGHT_SUM_TOLERANCE:
            raise ValueError(f"weights must sum to 1, they sum to {total:.12g}")
        if np.any(variances <= 0):
            raise ValueError(f"variances must be > 0, got {variances.tolist()}")
        weights = weights / total
        weights.flags.writeable = False
        object.__setattr__(self, "weights", weights)
        object.__setattr__(self, "means", means)
        object.__setattr__(self, "variances", variances)

    @property
    def n_components(self) -> int:
        """K, the number of components."""
        return int(self.means.size)

    @property
    def stds(self) -> np.ndarray:
        """Standard deviations σ_k, shape (K,)."""
        return np.sqrt(self.variances)

    def order_by_mean(self) -> np.ndarray:
        """Indices that sort the components by increasing mean (stable), shape (K,)."""
        return np.argsort(self.means, kind="stable")

    def permuted(self, order: np.ndarray) -> MixtureParams:
        """The same mixture with its components taken in ``order`` (shape (K,))."""
        order = np.asarray(order)
        return MixtureParams(self.weights[order], self.means[order], self.variances[order])

    def sorted_by_mean(self) -> MixtureParams:
        """The same mixture with components ordered by increasing mean."""
        return self.permuted(self.order_by_mean())

    @classmethod
    def from_stds(cls, weights: object, means: object, stds: object) -> MixtureParams:
        """Build from standard deviations σ_k instead of variances."""
        return cls(weights, means, np.square(np.asarray(stds, dtype=np.float64)))

    def to_dict(self) -> dict[str, list[float]]:
        """Plain lists, for JSON export and URL state."""
        return {
            "weights": self.weights.tolist(),
            "means": self.means.tolist(),
            "variances": self.variances.tolist(),
        }

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, MixtureParams):
            return NotImplemented
        return (
            np.array_equal(self.weights, other.weights)
            and np.array_equal(self.means, other.means)
            and np.array_equal(self.variances, other.variances)
        )

    def __hash__(self) -> int:
        # + 0.0 turns −0.0 into 0.0: equal objects (array_equal) must hash equal.
        arrays = (self.weights, self.means, self.variances)
        return hash(tuple((a + 0.0).tobytes() for a in arrays))

    def __repr__(self) -> str:
        fmt = np.array2string
        return (
            f"MixtureParams(weights={fmt(self.weights, precision=4)}, "
            f"means={fmt(self.means, precision=4)}, variances={fmt(self.variances, precision=4)})"
        )
