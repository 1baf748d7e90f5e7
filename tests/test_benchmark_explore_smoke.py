"""Smoke test of the many-runs benchmark (benchmarks/explore.py): it runs and prints both rows.

No timing assertions: the targets are printed by the benchmark (PASS/MISS), not tested here.
"""

from __future__ import annotations

import re

import pytest

from benchmarks import explore as bench


@pytest.mark.slow
def test_quick_run_prints_both_workloads_with_ratios(capsys: pytest.CaptureFixture[str]) -> None:
    assert bench.main(["--quick", "--repeats", "1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert bench.HEADER in lines
    rows = [line for line in lines if re.match(r"^(restarts|BIC sweep):", line)]
    assert len(rows) == 2
    for line, target in zip(rows, ("5.0", "10.0"), strict=True):
        ours, want, verdict, theirs, ratio = line.split()[-5:]
        assert float(ours) > 0 and want == target and verdict in ("PASS", "MISS")
        assert float(theirs) > 0 and ratio.endswith("×") and float(ratio[:-1]) > 0


def test_quick_run_prints_the_issue_8_statistics_against_mclust(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert bench.main(["--quick", "--repeats", "1", "--no-sklearn", "--no-r"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert bench.MCLUST_HEADER in lines
    rows = [line for line in lines if re.match(r"^(prior sweep|bootstrap LRT):", line)]
    assert len(rows) == 2 and "19 boots" in rows[1]
    for line in rows:
        ours, want, verdict, theirs, ratio = line.split()[-5:]
        assert verdict == ("PASS" if float(ours) < float(want) else "MISS")
        assert (theirs, ratio) == ("-", "-")  # --no-r
