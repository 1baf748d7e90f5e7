"""``python -m benchmarks.ui --quick`` works as the README says: N = 10⁴ only, one row on the
real server and one in AppTest."""

from __future__ import annotations

import re

import pytest

from benchmarks import ui as bench


@pytest.mark.slow
def test_quick_flag_measures_one_small_size(capsys: pytest.CaptureFixture[str]) -> None:
    # --quick chooses the size; one round of three clicks is enough to see both rows made.
    assert bench.main(["--quick", "--repeats", "1", "--rounds", "1", "--clicks", "3"]) == 0
    rows = [line for line in capsys.readouterr().out.splitlines()
            if re.match(r"^\s*\d(?:\.\d+)?e\+\d+\s+\|", line)]  # fmt: skip
    assert len(rows) == 2 and all(float(row.split("|")[0]) == 10_000 for row in rows)
