"""A conjugate prior for MAP-EM, with R mclust's ``priorControl()`` defaults.

Fraley & Raftery (2007), "Bayesian regularization for normal mixture estimation and model-based
clustering", J. Classification 24, 155–181, for one dimension (d = 1):

    μ_k | σ_k² ~ N(μ_P, σ_k² / κ_P),        σ_k² ~ inverse-gamma(ν_P / 2, ζ_P² / 2)

(with equal variances one σ² for all k), and no prior on the weights. mclust's defaults
(``defaultPrior``), used by :meth:`ConjugatePrior.default`:

* shrinkage κ_P = 0.01,
* mean μ_P = the data's mean,
* degrees of freedom ν_P = d + 2 = 3,
* scale ζ_P² = var(x) / G^(2/d) = var(x) / K² (var with the N − 1 divisor, as R's ``var``).

MAP-EM keeps the E-step and replaces the M-step by the maximiser of
Q(θ) + log p(θ) (x̄_k, W_k: the component's weighted mean and scatter Σ_n γ(z_nk)(x_n − x̄_k)²):

    μ_k = (N_k x̄_k + κ_P μ_P) / (N_k + κ_P)
    σ_k² = (ζ_P² + κ_P N_k / (N_k + κ_P) (x̄_k − μ_P)² + W_k) / (ν_P + N_k + 3)
    σ² = (ζ_P² + Σ_k κ_P N_k / (N_k + κ_P) (x̄_k − μ_P)² + Σ_k W_k) / (ν_P + N + K + 2)   (tied)
    π_k = N_k / N

(Fraley & Raftery 2007, table 2; the code is in :func:`gmm_core.em.update_params`). The log
posterior log L(θ) + log p(θ) then never decreases.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .params import MixtureParams
from .scale import data_variance

__all__ = [
    "DEFAULT_DOF",
    "DEFAULT_SHRINKAGE",
    "ConjugatePrior",
    "log_prior_arrays",
    "resolve_prior",
]

#: mclust's ``priorControl()`` default shrinkage κ_P.
DEFAULT_SHRINKAGE = 0.01
#: mclust's default degrees of freedom ν_P = d + 2, for d = 1.
DEFAULT_DOF = 3.0


@dataclass(frozen=True)
class ConjugatePrior:
    """The normal / inverse-gamma prior of the module docstring.

    Attributes
    ----------
    shrinkage : float
        κ_P > 0.
    mean : float
        μ_P.
    dof : float
        ν_P > 0.
    scale : float
        ζ_P² > 0.
    """

    shrinkage: float
    mean: float
    dof: float
    scale: float

    def __post_init__(self) -> None:
        values = (self.shrinkage, self.mean, self.dof, self.scale)
        if not all(np.isfinite(v) for v in values):
            raise ValueError(f"the prior's hyperparameters must be finite, got {values}")
        if not (self.shrinkage > 0 and self.dof > 0 and self.scale > 0):
            raise ValueError("shrinkage κ_P, degrees of freedom ν_P and scale ζ_P² must be > 0")

    @classmethod
    def default(cls, x: np.ndarray, n_components: int) -> ConjugatePrior:
        """mclust's ``priorControl()`` defaults for data ``x`` (shape (N,), N ≥ 2) and K."""
        x = np.asarray(x, dtype=np.float64)
        if x.size < 2:
            raise ValueError("the prior's scale needs at least two points")
        if n_components < 1:
            raise ValueError(f"K must be at least 1, got {n_components}")
        data_variance(x)  # says why when the values have no usable spread (ζ_P² would be 0)
        return cls(
            shrinkage=DEFAULT_SHRINKAGE,
            mean=float(np.mean(x)),
            dof=DEFAULT_DOF,
            scale=float(np.var(x, ddof=1)) / n_components**2,
        )

    def log_density(self, params: MixtureParams, equal_variance: bool = False) -> float:
        """log p(θ): Σ_k log N(μ_k | μ_P, σ_k²/κ_P) plus one log inverse-gamma(ν_P/2, ζ_P²/2)
        per variance (one in all with equal variances), normalising constants included."""
        return float(log_prior_arrays(self, params.means, params.variances, equal_variance))

    def to_dict(self) -> dict[str, float]:
        """The hyperparameters as plain floats (for exports)."""
        return {
            "shrinkage": self.shrinkage,
            "mean": self.mean,
            "dof": self.dof,
            "scale": self.scale,
        }


def log_prior_arrays(
    prior: object, means: np.ndarray, variances: np.ndarray, equal_variance: bool
) -> np.ndarray:
    """log p(θ) for parameters on the last axis: means, variances of shape (..., K); ``prior``
    has ``shrinkage``, ``mean``, ``dof``, ``scale`` (floats, or arrays broadcasting against
    (..., 1); ``dof`` a float). Returns shape (...). With ``equal_variance`` one inverse-gamma
    term (the variances must then be equal along the last axis)."""
    kappa, mean, scale = prior.shrinkage, prior.mean, prior.scale  # type: ignore[attr-defined]
    half_dof = 0.5 * float(prior.dof)  # type: ignore[attr-defined]
    rate = 0.5 * scale
    log_normal = -0.5 * (
        np.log(2.0 * np.pi * variances / kappa) + kappa * (means - mean) ** 2 / variances
    )
    own = variances[..., :1] if equal_variance else variances
    log_ig = (
        half_dof * np.log(rate)
        - math.lgamma(half_dof)
        - (half_dof + 1.0) * np.log(own)
        - rate / own
    )
    return log_normal.sum(axis=-1) + log_ig.sum(axis=-1)


def resolve_prior(
    prior: bool | ConjugatePrior | None, x: np.ndarray, n_components: int
) -> ConjugatePrior | None:
    """The prior a fitting function was asked for: True → mclust's defaults for ``x`` and K;
    False / None → no prior (maximum likelihood); a ConjugatePrior → itself."""
    if prior is None or prior is False:
        return None
    if prior is True:
        return ConjugatePrior.default(x, n_components)
    if isinstance(prior, ConjugatePrior):
        return prior
    raise TypeError(f"prior must be a bool or a ConjugatePrior, got {type(prior).__name__}")
