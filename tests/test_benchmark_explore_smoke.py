"""Smoke test of the many-runs benchmark (benchmarks/explore.py): it runs and prints both rows.

No timing assertions: the targets are printed by the benchmark (PASS/MISS), not tested here;
but each verdict and ratio must agree with the figures printed beside it.
"""

from __future__ import annotations

import re

import pytest

from benchmarks import explore as bench


def assert_verdict_matches(ours: str, want: str, verdict: str) -> None:
    """PASS exactly when our time is below the target (the time is printed to 0.01 s, so a
    time within rounding of the target may go either way)."""
    if abs(float(ours) - float(want)) > 0.005:
        assert verdict == ("PASS" if float(ours) < float(want) else "MISS"), (ours, want)
    else:
        assert verdict in ("PASS", "MISS")


@pytest.mark.slow
def test_quick_run_prints_both_workloads_with_ratios(capsys: pytest.CaptureFixture[str]) -> None:
    assert bench.main(["--quick", "--repeats", "1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert bench.HEADER in lines
    rows = [line for line in lines if re.match(r"^(restarts|BIC sweep):", line)]
    assert len(rows) == 2
    for line, target in zip(rows, ("5.0", "10.0"), strict=True):
        ours, want, verdict, theirs, ratio = line.split()[-5:]
        assert float(ours) > 0 and want == target
        assert_verdict_matches(ours, want, verdict)
        assert float(theirs) > 0 and ratio.endswith("×")
        # the ratio is theirs / ours from the unrounded times, which are printed to 0.01 s and
        # the ratio to 0.01×: it lies within what the printed times' rounding allows
        low = (float(theirs) - 0.005) / (float(ours) + 0.005) - 0.005
        high = (float(theirs) + 0.005) / max(float(ours) - 0.005, 1e-9) + 0.005
        assert low <= float(ratio[:-1]) <= high, (theirs, ours, ratio)


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
        assert_verdict_matches(ours, want, verdict)
        assert (theirs, ratio) == ("-", "-")  # --no-r
