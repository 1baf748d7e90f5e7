"""Smoke test of the UI benchmark (benchmarks/ui.py): it drives the app and prints a sane table.

No timing assertions: the targets are in the benchmark's output, not in tests.
"""

from __future__ import annotations

import re

import pytest

from benchmarks import ui as bench

ROW = re.compile(r"^\s*\d(?:\.\d+)?e\+\d+\s+\|")


def table_rows(out: str) -> list[list[str]]:
    rows = [line for line in out.splitlines() if ROW.match(line)]
    return [[c for c in re.split(r"[|\s]+", line) if c] for line in rows]


def test_main_on_a_tiny_configuration(capsys: pytest.CaptureFixture[str]) -> None:
    assert bench.main(["--sizes", "1e3", "--repeats", "1"]) == 0
    out = capsys.readouterr().out
    assert "numba kernel:" in out
    header = next(line for line in out.splitlines() if line.lstrip().startswith("N |"))
    assert "mixture_chart KB" in header and "trace_chart KB" in header
    (cells,) = table_rows(out)
    # N | warm-up | step min max "<300" verdict | mixture KB trace KB "<300" verdict
    assert float(cells[0]) == 1000
    warmup, median, low, high = (float(c) for c in cells[1:5])
    assert warmup > 0 and median > 0 and low > 0 and high > 0
    assert low <= median <= high
    assert cells[5] == "<300" and cells[6] in ("ok", "slow", "FAIL")
    mixture_kb, trace_kb = float(cells[7]), float(cells[8])
    assert mixture_kb > 0 and trace_kb > 0
    assert cells[9] == "<300" and cells[10] in ("ok", "FAIL")


def test_format_table_marks_targets() -> None:
    small = {"mixture_chart": 90_000, "trace_chart": 7_000}
    large = {"mixture_chart": 310_000, "trace_chart": 7_000}
    rows = [
        bench.Row(10_000, 50.0, [80.0, 90.0, 85.0], small),
        bench.Row(1_000_000, 500.0, [400.0], large),
    ]
    out = bench.format_table(rows)
    first, second = table_rows(out)
    assert first[1:5] == ["50.0", "85.0", "80.0", "90.0"]
    assert first[6] == "ok" and first[10] == "ok"
    assert first[7:9] == ["90.0", "7.0"]
    assert second[6] == "FAIL" and second[10] == "FAIL"
