"""The LaTeX builders of ui/pure/formulas.py: number formatting, and the E- and M-step lines.

The numbers are parsed back out of the LaTeX and compared with a direct computation: Bayes'
rule with scipy's normal density for γ, and the notes' weighted sums for N_k, μ_k, σ_k², π_k.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import norm

from gmm_core import MixtureParams, default_var_floor, sample, sufficient_statistics, update_params
from gmm_core.prior import ConjugatePrior
from ui.pure.formulas import (
    E_STEP_GENERAL,
    M_STEP_GENERAL,
    e_step_lines,
    latex_exp,
    latex_number,
    m_step_lines,
)

#: A number as latex_number / latex_exp write it: plain, or "m \times 10^{e}".
NUM = r"-?\d+(?:\.\d+)?(?: \\times 10\^\{-?\d+\})?"
_NUMBER = re.compile(r"^(-?\d+(?:\.\d+)?)(?: \\times 10\^\{(-?\d+)\})?$")
FORBIDDEN = ("nan", "inf", "e+", "e-")


def parse(text: str) -> float:
    """The value of a formatted number (may overflow to ±inf for huge exponents)."""
    match = _NUMBER.match(text)
    assert match, f"not a number: {text!r}"
    mantissa, exponent = match.groups()
    return float(mantissa) * 10.0 ** int(exponent or 0)


def parse_log10(text: str) -> float:
    """log10 |value| of a formatted number, for values beyond the float range."""
    match = _NUMBER.match(text)
    assert match, f"not a number: {text!r}"
    mantissa, exponent = match.groups()
    return math.log10(abs(float(mantissa))) + int(exponent or 0)


def assert_clean(text: str) -> None:
    lowered = text.lower()
    for word in FORBIDDEN:
        assert word not in lowered.replace(r"\infty", ""), f"{word!r} in {text!r}"


# ---------------------------------------------------------------- latex_number


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.0, "0"),
        (1.0, "1"),
        (-1.5, "-1.5"),
        (0.5, "0.5"),
        (0.001234, "0.001234"),
        (3.14159265, "3.142"),
        (12345.678, "12346"),  # every digit of the integer part, no 1.235e+04
        (123456.0, "123456"),
        (999999.5, r"1.000 \times 10^{6}"),  # rounds up into the next decade
        (1e6, r"1.000 \times 10^{6}"),
        (-2.5e7, r"-2.500 \times 10^{7}"),
        (0.000999, r"9.990 \times 10^{-4}"),
        (9.99996e-5, r"1.000 \times 10^{-4}"),  # not 10.000 × 10^{-5}
        (1e300, r"1.000 \times 10^{300}"),
        (5e-324, r"4.941 \times 10^{-324}"),  # subnormal
    ],
)
def test_latex_number_examples(value, text):
    assert latex_number(value) == text


def test_latex_number_digits():
    assert latex_number(math.pi, 6) == "3.14159"
    assert latex_number(-1234.56789, 6) == "-1234.57"
    assert latex_number(6.02214076e23, 6) == r"6.02214 \times 10^{23}"


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_latex_number_non_finite_is_undefined(value):
    assert latex_number(value) == r"\text{undefined}"


@given(st.floats(allow_nan=True, allow_infinity=True), st.integers(2, 8))
def test_latex_number_is_clean_and_right(value, digits):
    text = latex_number(value, digits)
    assert_clean(text)
    if not math.isfinite(value):
        assert text == r"\text{undefined}"
        return
    if value == 0:
        assert text == "0"
        return
    # Within half a unit of the last shown digit, in log space (no overflow near 1.8e308).
    assert parse_log10(text) == pytest.approx(math.log10(abs(value)), abs=0.5 * 10 ** (1 - digits))
    assert text.startswith("-") == (value < 0)
    match = _NUMBER.match(text)
    if match.group(2) is not None:  # scientific: normalised mantissa
        assert 1 <= abs(float(match.group(1))) < 10


# ---------------------------------------------------------------- latex_exp


def test_latex_exp_of_minus_1000_is_a_power_of_ten():
    # exp(−1000) = 5.0759588975e-435
    assert latex_exp(-1000.0) == r"5.076 \times 10^{-435}"
    assert latex_exp(-1000.0, 6) == r"5.07596 \times 10^{-435}"


@pytest.mark.parametrize(
    ("log_value", "text"),
    [
        (0.0, "1"),
        (-1.0, "0.3679"),
        (-math.inf, "0"),
        (-700.0, r"9.860 \times 10^{-305}"),
        (-745.2, r"2.311 \times 10^{-324}"),  # below the smallest subnormal × 2
        (-1000 * math.log(10.0), r"1.000 \times 10^{-1000}"),  # not 10.000 × 10^{-1001}
        (800.0, r"2.726 \times 10^{347}"),  # beyond the float range: no overflow error
        (math.inf, r"\text{undefined}"),
        (math.nan, r"\text{undefined}"),
    ],
)
def test_latex_exp_examples(log_value, text):
    assert latex_exp(log_value) == text


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_latex_exp_is_clean_and_right(log_value):
    text = latex_exp(log_value)
    assert_clean(text)
    if math.isnan(log_value) or log_value == math.inf:
        assert text == r"\text{undefined}"
    elif log_value == -math.inf:
        assert text == "0"
    elif abs(log_value) < 1e12:  # beyond, the mantissa is lost to the exponent's rounding
        want = log_value / math.log(10.0)
        assert parse_log10(text) == pytest.approx(want, abs=5e-4 + 1e-15 * abs(want))


# ---------------------------------------------------------------- e_step_lines

E_LINE = re.compile(
    rf"^\\gamma\(z_\{{n(\d+)\}}\) = \\frac\{{(\d\.\d{{4}}) \\cdot \\mathcal\{{N\}}\((?P<x>{NUM}) "
    rf"\\mid (?P<mu>{NUM}),\\,(?P<var>{NUM})\)\}}\{{f\(x_\{{n\}}\)\}} = "
    rf"\\frac\{{(?P<num>{NUM})\}}\{{(?P<den>{NUM})\}} = (?P<gamma>\d\.\d{{4}})$"
)

UNEQUAL = MixtureParams([0.3, 0.5, 0.2], [-2.0, 1.0, 4.0], [0.5, 2.0, 1.0])
EQUAL = MixtureParams([0.3, 0.5, 0.2], [-2.0, 1.0, 4.0], [1.3, 1.3, 1.3])


def bayes(x_n: float, params: MixtureParams) -> tuple[np.ndarray, np.ndarray]:
    """π_k N(x_n | μ_k, σ_k²) with scipy, and γ by Bayes' rule."""
    joint = params.weights * norm.pdf(x_n, params.means, params.stds)
    return joint, joint / joint.sum()


def parsed_e_lines(x_n: float, params: MixtureParams) -> list[dict]:
    lines = e_step_lines(x_n, params)
    assert len(lines) == params.n_components
    out = []
    for k, line in enumerate(lines):
        assert_clean(line)
        match = E_LINE.match(line)
        assert match, line
        assert int(match.group(1)) == k + 1
        out.append({"weight": float(match.group(2)), **match.groupdict()})
    return out


@pytest.mark.parametrize("params", [UNEQUAL, EQUAL], ids=["unequal", "equal"])
@pytest.mark.parametrize("x_n", [-2.0, 0.3, 1.7, 3.9, -4.25])
def test_e_step_lines_agree_with_bayes(params, x_n):
    joint, gamma = bayes(x_n, params)
    rows = parsed_e_lines(x_n, params)
    for k, row in enumerate(rows):
        assert row["weight"] == pytest.approx(params.weights[k], abs=5e-5)
        assert parse(row["x"]) == pytest.approx(x_n, rel=5e-4)
        assert parse(row["mu"]) == pytest.approx(params.means[k], rel=5e-4)
        assert parse(row["var"]) == pytest.approx(params.variances[k], rel=5e-4)
        assert parse(row["num"]) == pytest.approx(joint[k], rel=5e-4)
        assert parse(row["den"]) == pytest.approx(joint.sum(), rel=5e-4)
        assert float(row["gamma"]) == pytest.approx(gamma[k], abs=5e-5)
    assert sum(float(r["gamma"]) for r in rows) == pytest.approx(1.0, abs=5e-5 * len(rows))
    # The same f(x_n) below every line.
    assert len({r["den"] for r in rows}) == 1


def test_e_step_lines_far_from_every_component():
    """x_n = 60: π_k N(x_n | …) ~ 10^{-700}; the numbers are still there, in powers of ten."""
    x_n = 60.0
    log_joint = np.log(UNEQUAL.weights) + norm.logpdf(x_n, UNEQUAL.means, UNEQUAL.stds)
    log_f = np.logaddexp.reduce(log_joint)
    rows = parsed_e_lines(x_n, UNEQUAL)
    for k, row in enumerate(rows):
        assert r"\times 10^{" in row["num"]
        assert parse_log10(row["num"]) == pytest.approx(log_joint[k] / math.log(10), abs=1e-3)
        assert parse_log10(row["den"]) == pytest.approx(log_f / math.log(10), abs=1e-3)
        assert float(row["gamma"]) == pytest.approx(math.exp(log_joint[k] - log_f), abs=5e-5)
    # The component with the least (x − μ)²/2σ² (here the widest) takes the point.
    assert float(rows[int(np.argmax(log_joint))]["gamma"]) == 1.0


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")
def test_e_step_lines_with_a_zero_weight_and_a_collapsed_component():
    params = MixtureParams([0.0, 0.6, 0.4], [0.0, 1.0, 2.0], [1.0, 1e-300, 1.0])
    rows = parsed_e_lines(1.0, params)
    assert parse(rows[0]["num"]) == 0 and float(rows[0]["gamma"]) == 0
    assert float(rows[1]["gamma"]) == 1.0  # x_n sits on the collapsed component
    for x_n in (1.0 + 1e-140, 1.5, 1e12):
        for line in e_step_lines(x_n, params):
            assert_clean(line)


def test_e_step_lines_when_every_density_underflows_to_zero():
    """σ² = 1e-300 for both and x_n 1e5 away: (x−μ)²/σ² overflows, log N = −inf for all k."""
    params = MixtureParams([0.5, 0.5], [0.0, 1.0], [1e-300, 1e-300])
    with np.errstate(all="ignore"):
        lines = e_step_lines(1e5, params)
    for line in lines:
        assert_clean(line)


# ---------------------------------------------------------------- m_step_lines

N_LINE = re.compile(
    rf"^N_\{{(\d+)\}} = \\textstyle\\sum_n \\gamma\(z_\{{n\d+\}}\) = (?P<nk>{NUM}),\\quad "
    rf"\\mu_\{{\d+\}}\^\{{new\}} = \\dfrac\{{(?P<sx>{NUM})\}}\{{(?P<nk2>{NUM})\}} = (?P<mu>{NUM})$"
)
VAR_UNEQUAL = re.compile(
    rf"^\(\\sigma_\{{(\d+)\}}\^\{{new\}}\)\^2 = "
    rf"\\frac\{{(?P<scatter>{NUM})\}}\{{(?P<nk>{NUM})\}} = "
    rf"(?P<var>{NUM}),\\quad \\pi_\{{\d+\}}\^\{{new\}} = "
    rf"\\frac\{{(?P<nk2>{NUM})\}}\{{(?P<n>\d+)\}} = "
    rf"(?P<pi>\d\.\d{{4}})$"
)
VAR_EQUAL = re.compile(
    rf"^\\sigma\^2 = \\frac\{{\\sum_k\\sum_n \\gamma\(z_\{{nk\}}\)\(x_n-\\mu_k\^\{{new\}}\)\^2\}}"
    rf"\{{N\}} = \\frac\{{(?P<scatter>{NUM})\}}\{{(?P<n0>\d+)\}} = (?P<var>{NUM}),\\quad "
    rf"\\pi_\{{\d+\}}\^\{{new\}} = \\frac\{{(?P<nk2>{NUM})\}}\{{(?P<n>\d+)\}} = "
    rf"(?P<pi>\d\.\d{{4}})$"
)


@pytest.fixture(scope="module")
def data() -> np.ndarray:
    x, _ = sample(MixtureParams([0.4, 0.6], [-1.5, 2.0], [0.8, 1.5]), 500, np.random.default_rng(4))
    return x


def direct_m_step(x: np.ndarray, params: MixtureParams, equal_variance: bool) -> dict:
    """The notes' steps A–D from γ computed with scipy."""
    joint = params.weights * norm.pdf(x[:, None], params.means, params.stds)
    gamma = joint / joint.sum(axis=1, keepdims=True)
    n_k = gamma.sum(axis=0)
    sx = gamma.T @ x
    mu = sx / n_k
    scatter = (gamma * (x[:, None] - mu) ** 2).sum(axis=0)
    var = np.full_like(mu, scatter.sum() / x.size) if equal_variance else scatter / n_k
    return {"n_k": n_k, "sx": sx, "mu": mu, "scatter": scatter, "var": var, "pi": n_k / x.size}


def m_lines(x, params, equal_variance):
    stats = sufficient_statistics(x, params, backend="numpy")
    new, _ = update_params(
        stats, params, var_floor=default_var_floor(x), equal_variance=equal_variance
    )
    return new, m_step_lines(stats, new, equal_variance)


@pytest.mark.parametrize("equal_variance", [False, True], ids=["unequal", "equal"])
@pytest.mark.parametrize(
    "params",
    [
        MixtureParams([0.5, 0.5], [-1.0, 1.0], [1.0, 1.0]),
        MixtureParams([0.2, 0.3, 0.5], [-3.0, 0.0, 2.5], [0.5, 2.0, 1.0]),
    ],
    ids=["K2", "K3"],
)
def test_m_step_lines_show_the_m_step_result(data, params, equal_variance):
    x = data
    new, lines = m_lines(x, params, equal_variance)
    want = direct_m_step(x, params, equal_variance)
    k_count = params.n_components
    assert len(lines) == 2 * k_count
    for k in range(k_count):
        first, second = lines[2 * k], lines[2 * k + 1]
        assert_clean(first)
        assert_clean(second)
        top = N_LINE.match(first)
        assert top, first
        assert int(top.group(1)) == k + 1
        bottom = (VAR_EQUAL if equal_variance else VAR_UNEQUAL).match(second)
        assert bottom, second

        # Six significant digits everywhere: every fraction checks by hand to ~1e-5.
        # A. N_k, and the same N_k in every fraction that uses it.
        n_k = parse(top["nk"])
        assert n_k == pytest.approx(want["n_k"][k], rel=5e-6)
        assert top["nk2"] == top["nk"] == bottom["nk2"]
        # B. μ_k^new = Σγx / N_k, as the M-step computed it.
        assert parse(top["sx"]) == pytest.approx(want["sx"][k], rel=5e-6, abs=1e-9)
        assert parse(top["mu"]) == pytest.approx(new.means[k], rel=5e-6, abs=1e-9)
        assert parse(top["mu"]) == pytest.approx(want["mu"][k], rel=5e-6, abs=1e-9)
        assert parse(top["sx"]) / n_k == pytest.approx(parse(top["mu"]), rel=2e-5)
        # C. σ² (own or pooled).
        var = parse(bottom["var"])
        assert var == pytest.approx(new.variances[k], rel=5e-6)
        assert var == pytest.approx(want["var"][k], rel=5e-6)
        if equal_variance:
            assert int(bottom["n0"]) == x.size
            assert parse(bottom["scatter"]) == pytest.approx(want["scatter"].sum(), rel=5e-6)
            assert parse(bottom["scatter"]) / x.size == pytest.approx(var, rel=2e-5)
        else:
            assert bottom["nk"] == top["nk"]
            assert parse(bottom["scatter"]) == pytest.approx(want["scatter"][k], rel=5e-6)
            assert parse(bottom["scatter"]) / n_k == pytest.approx(var, rel=2e-5)
        # D. π_k^new = N_k / N.
        assert int(bottom["n"]) == x.size
        assert float(bottom["pi"]) == pytest.approx(new.weights[k], abs=5e-5)
        assert float(bottom["pi"]) == pytest.approx(want["pi"][k], abs=5e-5)
    if equal_variance:
        assert len({lines[2 * k + 1].split(r",\quad")[0] for k in range(k_count)}) == 1


def test_m_step_lines_at_scale(data):
    """N_k in the thousands and data around 1e5: no 'e+04' anywhere, all digits shown."""
    x = np.concatenate([data] * 40) * 10 + 1e5  # N = 20,000
    params = MixtureParams([0.5, 0.5], [1e5 - 15, 1e5 + 20], [100.0, 200.0])
    new, lines = m_lines(x, params, False)
    for k in range(2):
        assert_clean(lines[2 * k])
        top = N_LINE.match(lines[2 * k])
        assert top, lines[2 * k]
        assert parse(top["nk"]) == pytest.approx(float(new.weights[k] * x.size), rel=5e-4)
        assert parse(top["mu"]) == pytest.approx(new.means[k], rel=5e-6)
        assert VAR_UNEQUAL.match(lines[2 * k + 1]), lines[2 * k + 1]


def test_m_step_lines_with_an_empty_component(data):
    """A component 1000 σ from the data gets N_k ≈ 0: π ≈ 0, μ and σ² kept, nothing NaN."""
    params = MixtureParams([0.5, 0.499, 0.001], [-1.5, 2.0, 1e4], [1.0, 1.0, 1.0])
    new, lines = m_lines(data, params, False)
    assert new.means[2] == 1e4
    for line in lines:
        assert_clean(line)
    bottom = VAR_UNEQUAL.match(lines[5])
    assert bottom, lines[5]
    assert float(bottom["pi"]) == 0.0


def test_general_formulas_are_the_notes():
    assert r"\sum_{j=1}^{K}" in E_STEP_GENERAL
    for part in ("N_k", r"\mu_k^{new}", r"(\sigma_k^{new})^2", r"\pi_k^{new} = \frac{N_k}{N}"):
        assert part in M_STEP_GENERAL


# ---------------------------------------------------------------- indices of two digits


def ten_components(x: np.ndarray) -> MixtureParams:
    return MixtureParams(np.full(10, 0.1), np.quantile(x, np.linspace(0.05, 0.95, 10)), np.ones(10))


@pytest.mark.parametrize("prior", [False, True], ids=["ml", "map"])
def test_m_step_lines_brace_two_digit_indices(data, prior):
    r"""K = 10: the LaTeX says N_{10}, \mu_{10}, … (N_10 would typeset as N₁0)."""
    params = ten_components(data)
    stats = sufficient_statistics(data, params, backend="numpy")
    chosen = ConjugatePrior.default(data, 10) if prior else None
    new, _ = update_params(stats, params, var_floor=default_var_floor(data), prior=chosen)
    text = " ".join(m_step_lines(stats, new, False, chosen))
    for symbol in ("N", r"\mu", r"\sigma", r"\pi") + ((r"\bar{x}",) if prior else ()):
        assert f"{symbol}_{{10}}" in text, symbol
        assert f"{symbol}_{{1}}" in text, symbol
    assert not re.search(r"_\d", text), re.search(r"_\d.{0,10}", text)


def test_e_step_lines_name_the_point_followed(data):
    """For x₇ the lines say γ(z_{7,k}) and f(x_{7}), not the symbolic n."""
    params = ten_components(data)
    lines = e_step_lines(float(data[6]), params, 7)
    assert lines[0].startswith(r"\gamma(z_{7,1}) = ") and lines[9].startswith(r"\gamma(z_{7,10})")
    assert all(r"{f(x_{7})}" in line and "x_n" not in line for line in lines)
