"""What the manual θ₀ table says about bad cells (pure function; rows numbered from 1)."""

from __future__ import annotations

import numpy as np
import pytest

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
