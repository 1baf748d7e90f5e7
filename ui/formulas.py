"""The notes' formulas with the current numbers put in, as LaTeX strings (pure; no streamlit).

Densities are handled through their logarithms, so a point far from every component shows
"3.2 × 10^{-412}" instead of 0, and nothing on screen is ever NaN.
"""

from __future__ import annotations

import math

import numpy as np

from gmm_core import MixtureParams, SufficientStats
from gmm_core.em import log_weighted_densities

__all__ = [
    "E_STEP_GENERAL",
    "M_STEP_GENERAL",
    "e_step_lines",
    "latex_exp",
    "latex_number",
    "m_step_lines",
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


def e_step_lines(x_n: float, params: MixtureParams) -> list[str]:
    """γ(z_nk) for one point, every k, as LaTeX lines with the numbers of ``params``.

    Returns
    -------
    list of str
        One line per component: the ratio π_k N(x_n|μ_k,σ_k²) / f(x_n) and its value.
    """
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
            rf"\gamma(z_{{n{j}}}) = \frac{{{params.weights[k]:.4f} \cdot "
            rf"\mathcal{{N}}({latex_number(x_n)} \mid {latex_number(params.means[k])},\,"
            rf"{latex_number(params.variances[k])})}}{{f(x_n)}}"
            rf" = \frac{{{latex_exp(float(log_terms[k]))}}}{{{f_str}}} = {gamma}"
        )
    return lines


def m_step_lines(stats: SufficientStats, new: MixtureParams, equal_variance: bool) -> list[str]:
    """The M-step's sums for every k (steps A–D of the notes) as LaTeX lines.

    Parameters
    ----------
    stats : SufficientStats
        The E-step's sums behind the update (about the previous means).
    new : MixtureParams
        The parameters the update produced (floors and empty components included).
    equal_variance : bool
        Whether σ² is shared (then the line shows the pooled sum over all k).

    Sums, N_k, μ and σ² are shown to 6 significant digits, so that the divisions can be
    checked by hand to about 5.
    """
    n = stats.n_points
    offset = new.means - stats.shift
    scatter = np.maximum(stats.s2 - 2 * offset * stats.s1 + stats.n_k * offset**2, 0.0)
    lines = []
    for k in range(stats.n_k.size):
        j = k + 1
        n_k = float(stats.n_k[k])
        lines.append(
            rf"N_{j} = \textstyle\sum_n \gamma(z_{{n{j}}}) = {latex_number(n_k, 6)},\quad "
            rf"\mu_{j}^{{new}} = \dfrac{{{latex_number(float(stats.weighted_sums[k]), 6)}}}"
            rf"{{{latex_number(n_k, 6)}}} = {latex_number(float(new.means[k]), 6)}"
        )
        if equal_variance:
            variance = (
                rf"\sigma^2 = \frac{{\sum_k\sum_n \gamma(z_{{nk}})(x_n-\mu_k^{{new}})^2}}{{N}}"
                rf" = \frac{{{latex_number(float(scatter.sum()), 6)}}}{{{n}}}"
            )
        else:
            variance = (
                rf"(\sigma_{j}^{{new}})^2 = \frac{{{latex_number(float(scatter[k]), 6)}}}"
                rf"{{{latex_number(n_k, 6)}}}"
            )
        lines.append(
            rf"{variance} = {latex_number(float(new.variances[k]), 6)},\quad "
            rf"\pi_{j}^{{new}} = \frac{{{latex_number(n_k, 6)}}}{{{n}}} = {new.weights[k]:.4f}"
        )
    return lines
