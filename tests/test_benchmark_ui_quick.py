"""``python -m benchmarks.ui --quick`` works as the README says: one row, N = 10⁴."""

from __future__ import annotations

import re

import pytest

from benchmarks import ui as bench


@pytest.mark.slow
def test_quick_flag_measures_one_small_size(capsys: pytest.CaptureFixture[str]) -> None:
    assert bench.main(["--quick", "--repeats", "1"]) == 0
    rows = [line for line in capsys.readouterr().out.splitlines()
            if re.match(r"^\s*\d(?:\.\d+)?e\+\d+\s+\|", line)]  # fmt: skip
    assert len(rows) == 1 and float(rows[0].split("|")[0]) == 10_000
