"""Smoke test of the landscape benchmark (benchmarks/landscape.py): it runs and prints its rows.

No timing assertions: the target is printed by the benchmark (PASS/MISS), not tested here.
"""

from __future__ import annotations

import re

import pytest

from benchmarks import landscape as bench


@pytest.mark.slow
def test_quick_run_prints_every_row_with_a_ratio(capsys: pytest.CaptureFixture[str]) -> None:
    assert bench.main(["--quick", "--repeats", "1", "--stride", "50"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert bench.HEADER in lines
    rows = [line for line in lines if re.match(r"^(basins|surface) ", line)]
    assert len(rows) == 4
    for line in rows:
        ratio = line.split()[-1]
        assert ratio.endswith("×") and float(ratio[:-1]) > 0
