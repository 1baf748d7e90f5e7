"""The notes' formulas with the current numbers put in, as LaTeX strings (pure; no streamlit).

Densities are handled through their logarithms, so a point far from every component shows
"3.2 × 10^{-412}" instead of 0, and nothing on screen is ever NaN.
"""

from __future__ import annotations

import math

import numpy as np

from gmm_core import MixtureParams, SufficientStats
from gmm_core.em import log_weighted_densities
from gmm_core.prior import ConjugatePrior

__all__ = [
    "E_STEP_GENERAL",
    "M_STEP_GENERAL",
    "M_STEP_PRIOR_GENERAL",
    "e_step_lines",
    "latex_exp",
    "latex_number",
    "m_step_general",
    "m_step_lines",
    "map_step_lines",
]

E_STEP_GENERAL = (
    r"\gamma(z_{nk}) = \frac{\pi_k\,\mathcal{N}(x_n \mid \mu_k, \sigma_k^2)}"
    r"{\sum_{j=1}^{K} \pi_j\,\mathcal{N}(x_n \mid \mu_j, \sigma_j^2)}"
)
M_STEP_GENERAL = (
    r"N_k = \sum_{n=1}^{N} \gamma(z_{nk}),\quad "
    r"\mu_k^{new} = \frac{1}{N_k}\sum_{n} \gamma(z_{nk})\,x_n,\quad "
    r"(\sigma_k^{new})^2 = \frac{1}{N_k}\sum_{n} \gamma(z_{nk})\,(x_n-\mu_k^{new})^2,\quad "
    r"\pi_k^{new} = \frac{N_k}{N}"
)

#: MAP-EM's M-step (Fraley & Raftery 2007; mclust's priorControl()), x̄_k the weighted mean.
M_STEP_PRIOR_GENERAL = (
    r"\bar{x}_k = \frac{1}{N_k}\sum_{n} \gamma(z_{nk})\,x_n,\quad "
    r"\mu_k^{new} = \frac{N_k\,\bar{x}_k + \kappa\,\mu_P}{N_k + \kappa},\quad "
    r"(\sigma_k^{new})^2 = \frac{\zeta^2 + \frac{\kappa N_k}{N_k+\kappa}(\bar{x}_k-\mu_P)^2"
    r" + \sum_{n} \gamma(z_{nk})(x_n-\bar{x}_k)^2}{\nu + N_k + 3},\quad "
    r"\pi_k^{new} = \frac{N_k}{N}"
)


def m_step_general(prior: ConjugatePrior | None, equal_variance: bool = False) -> str:
    """The M-step's general formulas: the notes' (no prior) or MAP-EM's, with the prior's
    hyperparameters κ, μ_P, ν, ζ² put in (one shared σ² when ``equal_variance``)."""
    if prior is None:
        return M_STEP_GENERAL
    formula = M_STEP_PRIOR_GENERAL
    if equal_variance:
        formula = formula.replace(
            r"(\sigma_k^{new})^2 = \frac{\zeta^2 + \frac{\kappa N_k}{N_k+\kappa}"
            r"(\bar{x}_k-\mu_P)^2 + \sum_{n} \gamma(z_{nk})(x_n-\bar{x}_k)^2}"
            r"{\nu + N_k + 3}",
            r"\sigma^2 = \frac{\zeta^2 + \sum_k\frac{\kappa N_k}{N_k+\kappa}"
            r"(\bar{x}_k-\mu_P)^2 + \sum_k\sum_{n} \gamma(z_{nk})(x_n-\bar{x}_k)^2}"
            r"{\nu + N + K + 2}",
        )
    return (
        formula
        + r",\qquad \kappa = "
        + latex_number(prior.shrinkage)
        + r",\ \mu_P = "
        + latex_number(prior.mean, 6)
        + r",\ \nu = "
        + latex_number(prior.dof)
        + r",\ \zeta^2 = "
        + latex_number(prior.scale, 6)
    )


def latex_number(value: float, digits: int = 4) -> str:
    """A number in LaTeX with ``digits`` significant digits, as a × 10^{b} when large or small.

    Plain below 10⁶ and from 10⁻³ on, with every digit of the integer part (12346, not
    1.235e+04); the exponent is that of the rounded value (9.99996e-5 → 1.000 × 10^{-4}).
    """
    value = float(value)
    if not math.isfinite(value):
        return r"\text{undefined}"
    if value == 0:
        return "0"
    mantissa, exp_text = f"{value:.{digits - 1}e}".split("e")
    exponent = int(exp_text)
    if -3 <= exponent < 6:
        return f"{value:.{max(digits, exponent + 1)}g}"
    return rf"{mantissa} \times 10^{{{exponent}}}"


def latex_exp(log_value: float, digits: int = 4) -> str:
    """exp(``log_value``) in LaTeX without under- or overflow (log = −950 → 1.7 × 10^{-413})."""
    log_value = float(log_value)
    if log_value == -math.inf:
        return "0"
    if not math.isfinite(log_value):
        return r"\text{undefined}"
    if -700 < log_value < 700:
        return latex_number(math.exp(log_value), digits)
    log10 = log_value / math.log(10.0)
    exponent = math.floor(log10)
    mantissa = f"{10 ** (log10 - exponent):.{digits - 1}f}"
    if float(mantissa) >= 10:  # 9.99996 rounds up
        mantissa, exponent = f"{1:.{digits - 1}f}", exponent + 1
    return rf"{mantissa} \times 10^{{{exponent}}}"


def e_step_lines(x_n: float, params: MixtureParams, n: int | None = None) -> list[str]:
    """γ(z_nk) for one point, every k, as LaTeX lines with the numbers of ``params``.

    Parameters
    ----------
    x_n : float
        The point.
    params : MixtureParams
        The parameters of the E-step.
    n : int, optional
        The point's number (from 1), written as its index: γ(z_{7,1}) … / f(x_{7}); the
        symbolic n when omitted.

    Returns
    -------
    list of str
        One line per component: the ratio π_k N(x_n|μ_k,σ_k²) / f(x_n) and its value.
    """
    point = "n" if n is None else str(n)
    comma = "" if n is None else ","
    log_terms = log_weighted_densities(np.array([x_n]), params)[:, 0]
    log_f = float(np.logaddexp.reduce(log_terms))
    f_str = latex_exp(log_f)
    lines = []
    for k in range(params.n_components):
        j = k + 1
        # 0/0 when every density underflows (σ² = 1e-300 and x_n far away): say so, not "nan".
        gamma = (
            f"{math.exp(float(log_terms[k]) - log_f):.4f}"
            if math.isfinite(log_f)
            else r"\text{undefined}"
        )
        lines.append(
            rf"\gamma(z_{{{point}{comma}{j}}}) = \frac{{{params.weights[k]:.4f} \cdot "
            rf"\mathcal{{N}}({latex_number(x_n)} \mid {latex_number(params.means[k])},\,"
            rf"{latex_number(params.variances[k])})}}{{f(x_{{{point}}})}}"
            rf" = \frac{{{latex_exp(float(log_terms[k]))}}}{{{f_str}}} = {gamma}"
        )
    return lines


def m_step_lines(
    stats: SufficientStats,
    new: MixtureParams,
    equal_variance: bool,
    prior: ConjugatePrior | None = None,
) -> list[str]:
    """The M-step's sums for every k (steps A–D of the notes) as LaTeX lines.

    Parameters
    ----------
    stats : SufficientStats
        The E-step's sums behind the update (about the previous means).
    new : MixtureParams
        The parameters the update produced (floors and empty components included).
    equal_variance : bool
        Whether σ² is shared (then the line shows the pooled sum over all k).
    prior : ConjugatePrior, optional
        MAP-EM's prior: the lines are then the regularised update (:func:`map_step_lines`).

    Sums, N_k, μ and σ² are shown to 6 significant digits, so that the divisions can be
    checked by hand to about 5.
    """
    if prior is not None:
        return map_step_lines(stats, new, equal_variance, prior)
    n = stats.n_points
    offset = new.means - stats.shift
    scatter = np.maximum(stats.s2 - 2 * offset * stats.s1 + stats.n_k * offset**2, 0.0)
    lines = []
    for k in range(stats.n_k.size):
        j = k + 1
        n_k = float(stats.n_k[k])
        lines.append(
            rf"N_{{{j}}} = \textstyle\sum_n \gamma(z_{{n{j}}}) = {latex_number(n_k, 6)},\quad "
            rf"\mu_{{{j}}}^{{new}} = \dfrac{{{latex_number(float(stats.weighted_sums[k]), 6)}}}"
            rf"{{{latex_number(n_k, 6)}}} = {latex_number(float(new.means[k]), 6)}"
        )
        if equal_variance:
            variance = (
                rf"\sigma^2 = \frac{{\sum_k\sum_n \gamma(z_{{nk}})(x_n-\mu_k^{{new}})^2}}{{N}}"
                rf" = \frac{{{latex_number(float(scatter.sum()), 6)}}}{{{n}}}"
            )
        else:
            variance = (
                rf"(\sigma_{{{j}}}^{{new}})^2 = \frac{{{latex_number(float(scatter[k]), 6)}}}"
                rf"{{{latex_number(n_k, 6)}}}"
            )
        lines.append(
            rf"{variance} = {latex_number(float(new.variances[k]), 6)},\quad "
            rf"\pi_{{{j}}}^{{new}} = \frac{{{latex_number(n_k, 6)}}}{{{n}}} = {new.weights[k]:.4f}"
        )
    return lines


def map_step_lines(
    stats: SufficientStats, new: MixtureParams, equal_variance: bool, prior: ConjugatePrior
) -> list[str]:
    """MAP-EM's M-step for every k with the live numbers (see :data:`M_STEP_PRIOR_GENERAL`).

    x̄_k and the scatter W_k = Σ_n γ(z_nk)(x_n − x̄_k)² come from the E-step's sums; the
    results shown are those of the update (``new``), so the floor and rounding are the code's.
    """
    n, n_k = stats.n_points, stats.n_k
    safe = np.where(n_k > 0, n_k, 1.0)
    xbar = stats.shift + stats.s1 / safe
    offset = xbar - stats.shift
    scatter = np.maximum(stats.s2 - 2 * offset * stats.s1 + n_k * offset**2, 0.0)
    kappa, mu_p, nu, zeta2 = prior.shrinkage, prior.mean, prior.dof, prior.scale
    penalty = kappa * n_k / (n_k + kappa) * (xbar - mu_p) ** 2
    num = lambda v: latex_number(float(v), 6)  # noqa: E731
    lines = []
    for k in range(n_k.size):
        j = k + 1
        lines.append(
            rf"N_{{{j}}} = {num(n_k[k])},\quad \bar{{x}}_{{{j}}} = "
            rf"\dfrac{{{num(stats.weighted_sums[k])}}}{{{num(n_k[k])}}} = {num(xbar[k])},\quad "
            rf"\mu_{{{j}}}^{{new}} = \dfrac{{{num(n_k[k])} \cdot {num(xbar[k])} + {num(kappa)} "
            rf"\cdot {num(mu_p)}}}{{{num(n_k[k])} + {num(kappa)}}} = {num(new.means[k])}"
        )
        if equal_variance:
            top = zeta2 + float(penalty.sum()) + float(scatter.sum())
            bottom = nu + float(n_k.sum()) + n_k.size + 2
            variance = (
                rf"\sigma^2 = \frac{{{num(zeta2)} + {num(penalty.sum())} + "
                rf"{num(scatter.sum())}}}{{{num(nu)} + {n} + {n_k.size} + 2}} = "
                rf"\frac{{{num(top)}}}{{{num(bottom)}}}"
            )
        else:
            top = zeta2 + penalty[k] + scatter[k]
            variance = (
                rf"(\sigma_{{{j}}}^{{new}})^2 = \frac{{{num(zeta2)} + {num(penalty[k])} + "
                rf"{num(scatter[k])}}}{{{num(nu)} + {num(n_k[k])} + 3}} = "
                rf"\frac{{{num(top)}}}{{{num(nu + n_k[k] + 3)}}}"
            )
        lines.append(
            rf"{variance} = {num(new.variances[k])},\quad "
            rf"\pi_{{{j}}}^{{new}} = \frac{{{num(n_k[k])}}}{{{n}}} = {new.weights[k]:.4f}"
        )
    return lines
