"""What the manual θ₀ table and the generator's true-mixture table say about bad cells (rows
numbered from 1, as on screen)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ui.data_panel import truth_from_table
from ui.model_panel import manual_table_problem

NAN = float("nan")


@pytest.mark.parametrize(
    ("means", "stds", "weights", "expected"),
    [
        ([0, 1], [1, 1], [0.5, 0.5], None),
        ([0, 1], [1, 1], [2, 0], None),  # rescaled to sum to one, not refused
        ([0, NAN], [1, 1], [0.5, 0.5], "row 2 needs a number in every cell"),
        ([0, 1, 2], [NAN, 1, 1], [0.3, NAN, 0.3], "rows 1, 2 need a number in every cell"),
        ([0, 1], [1, 0], [0.5, 0.5], "σ must be greater than 0 (row 2)."),
        ([0, 1, 2], [-1, 1, 0], [0.3, 0.3, 0.4], "σ must be greater than 0 (rows 1, 3)."),
        ([0, 1], [1, 1], [1.5, -0.5], "π must be 0 or more (row 2)."),
        ([0, 1], [1, 1], [0, 0], "at least one π must be greater than 0."),
    ],
)
def test_manual_table_problem(means, stds, weights, expected):
    problem = manual_table_problem(
        np.array(means, float), np.array(stds, float), np.array(weights, float)
    )
    if expected is None:
        assert problem is None
    else:
        assert problem is not None and problem.startswith(expected)


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([(0, 1, 0.5), (3, 0, 0.5)], "Row 2: σ must be a number > 0, got 0.0."),
        ([(0, 1, 0.5), (NAN, 1, 0.5)], "Row 2: μ must be a number, got nan."),
        ([(0, 1, -0.5), (3, 1, 0.5)], "Row 1: π must be a number ≥ 0, got -0.5."),
        ([(0, 1, 0.0), (3, 1, 0.0)], "At least one weight π must be positive."),
        ([], "The table needs 1 to 6 rows (one per component)."),
        ([(k, 1, 1) for k in range(7)], "The table needs 1 to 6 rows (one per component)."),
    ],
)
def test_a_bad_true_mixture_names_its_row(rows, message):
    table = pd.DataFrame(rows, columns=["μ", "σ", "π"])
    with pytest.raises(ValueError) as info:
        truth_from_table(table)
    assert str(info.value) == message


def test_the_true_mixture_is_renormalised():
    truth = truth_from_table(pd.DataFrame([(0, 2, 1), (5, 1, 3)], columns=["μ", "σ", "π"]))
    np.testing.assert_allclose(truth.weights, [0.25, 0.75])
    np.testing.assert_allclose(truth.variances, [4.0, 1.0])
