"""gmm_core: EM for 1-D Gaussian mixtures, numerically careful and fast (numpy; numba optional).

The notation is the lecture notes': f(x) = Σ_k π_k N(x | μ_k, σ_k²), responsibilities γ(z_nk),
effective counts N_k. Nothing here imports streamlit or plotly.

>>> import numpy as np
>>> from gmm_core import MixtureParams, fit, sample
>>> truth = MixtureParams([0.3, 0.7], [-2.0, 3.0], [1.0, 0.5])
>>> x, _ = sample(truth, 2000, np.random.default_rng(0))
>>> result = fit(x, 2, seed=0)
>>> bool(result.converged)
True
"""

from .bootstrap import BootstrapLRT, ParameterBootstrap, bootstrap_lrt, bootstrap_params
from .bound import (
    BoundSplit,
    HardRun,
    bound_split,
    classification_em,
    kl_gap,
    lower_bound,
)
from .chunked import ChunkedFit, fit_chunked
from .convergence import ConvergenceMonitor, aitken_asymptotes, converged_at, decreases
from .em import (
    EMStep,
    StepReport,
    SufficientStats,
    default_var_floor,
    e_step,
    em_step,
    log_likelihood,
    m_step,
    sufficient_statistics,
    update_params,
)
from .explore import Exploration, Optimum, RestartRun, explore_restarts, same_optimum
from .fit import (
    FitResult,
    Run,
    advance,
    aic,
    bic,
    check_data,
    classification_entropy,
    degeneracy,
    fit,
    icl,
    icl_map,
    n_parameters,
    run_em,
    sample,
    start_run,
)
from .init import INIT_METHODS, initial_params
from .options import EMOptions
from .params import MixtureParams
from .prior import ConjugatePrior
from .selection import Selection, SelectionRow, select_components

__all__ = [
    "INIT_METHODS",
    "BootstrapLRT",
    "BoundSplit",
    "ChunkedFit",
    "ConjugatePrior",
    "ConvergenceMonitor",
    "EMOptions",
    "EMStep",
    "Exploration",
    "FitResult",
    "HardRun",
    "MixtureParams",
    "Optimum",
    "ParameterBootstrap",
    "RestartRun",
    "Run",
    "Selection",
    "SelectionRow",
    "StepReport",
    "SufficientStats",
    "advance",
    "aic",
    "aitken_asymptotes",
    "bic",
    "bootstrap_lrt",
    "bootstrap_params",
    "bound_split",
    "check_data",
    "classification_em",
    "classification_entropy",
    "converged_at",
    "decreases",
    "default_var_floor",
    "degeneracy",
    "e_step",
    "em_step",
    "explore_restarts",
    "fit",
    "fit_chunked",
    "icl",
    "icl_map",
    "initial_params",
    "kl_gap",
    "log_likelihood",
    "lower_bound",
    "m_step",
    "n_parameters",
    "run_em",
    "same_optimum",
    "sample",
    "select_components",
    "start_run",
    "sufficient_statistics",
    "update_params",
]
