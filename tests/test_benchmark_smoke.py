"""Smoke test of the EM benchmark (benchmarks/em.py): it runs and prints a sane table.

No timing assertions: speed targets live in the benchmark's output, not in tests.
"""

from __future__ import annotations

import re

import pytest

from benchmarks import em as bench


def test_main_prints_one_row_per_config(capsys: pytest.CaptureFixture[str]) -> None:
    status = bench.main(["--sizes", "1e3,2000", "--ks", "2", "--repeats", "1", "--in-process"])
    assert status == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert bench.HEADER in lines
    rows = [line for line in lines if re.match(r"^\s*\d(\.\d+)?e\+\d+\s+\d+\s+\|", line)]
    assert len(rows) == 2
    for line, n in zip(rows, (1000, 2000), strict=True):
        cells = [c for c in re.split(r"[|\s]+", line) if c]
        assert float(cells[0]) == n and int(cells[1]) == 2
        em_step, fit_it, kernel, sklearn, ratio, diff = (float(c) for c in cells[2:8])
        assert em_step > 0 and kernel > 0 and sklearn > 0 and ratio > 0
        assert fit_it >= 0  # a difference of two timings; 0 only if the machine is noisy
        assert 0 <= diff < 1e-9  # both implementations did the same iteration
        assert cells[8:] == ["-", "-", "-", "-"]  # no memory figures in-process


def test_run_benchmark_rows() -> None:
    rows = bench.run_benchmark([1000], [2, 3], 1, in_process=True)
    assert [(r.n, r.k) for r in rows] == [(1000, 2), (1000, 3)]
    for r in rows:
        assert r.ours_ms > 0 and r.kernel_ms > 0 and r.sklearn_ms is not None
        assert r.ratio is not None and r.ratio > 0
        assert r.mean_rel_diff is not None and r.mean_rel_diff < 1e-9
