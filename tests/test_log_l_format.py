"""One format for log L on screen (issue 7): figures.notation.log_l — fixed point, the same
number of decimals everywhere, thousands separators and the true minus sign "−"."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from figures.notation import LOG_L_DECIMALS, MINUS, log_l, minus
from figures.trace import trace_figure_spec

FORMAT = re.compile(rf"^{MINUS}?\d{{1,3}}(,\d{{3}})*\.\d{{{LOG_L_DECIMALS}}}$")


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (-2304.825812, "−2,304.8258"),
        (-2296427.504321, "−2,296,427.5043"),
        (-261.35010374, "−261.3501"),
        (12.5, "12.5000"),
        (-0.00004, "−0.0000"),
        (float("-inf"), "n/a"),
        (float("nan"), "n/a"),
    ],
)
def test_log_l_examples(value, text):
    assert log_l(value) == text


@given(st.floats(min_value=-1e12, max_value=1e12, allow_nan=False))
def test_log_l_is_fixed_point_with_the_true_minus(value):
    text = log_l(value)
    assert FORMAT.match(text), text
    assert "-" not in text and "e" not in text
    # It reads back as the value rounded to LOG_L_DECIMALS decimals.
    back = float(text.replace(MINUS, "-").replace(",", ""))
    assert math.isclose(back, value, abs_tol=0.5 * 10.0**-LOG_L_DECIMALS + 4 * math.ulp(value))


def test_minus_changes_only_signs_of_numbers():
    assert minus("log L = -3.5, E-step, a-b, x = -.5") == "log L = −3.5, E-step, a-b, x = −.5"


def test_the_trace_hover_uses_the_same_text():
    lls = np.array([-3562.711836, -2401.5, -2304.825812])
    spec = trace_figure_spec(lls, current=1)
    by_name = {t["name"]: t for t in spec["data"]}
    assert list(by_name["log L"]["customdata"]) == [log_l(v) for v in lls]
    assert "%{customdata}" in by_name["log L"]["hovertemplate"]
    assert list(by_name["current"]["customdata"]) == [log_l(lls[1])]
    assert "%{y" not in by_name["log L"]["hovertemplate"]
