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
    # N | warm-up | step min max "<300" verdict | cpu minimal ratio "≤8" verdict |
    # mixture KB trace KB "<300" verdict
    assert float(cells[0]) == 1000
    warmup, median, low, high = (float(c) for c in cells[1:5])
    assert warmup > 0 and median > 0 and low > 0 and high > 0
    assert low <= median <= high
    assert cells[5] == "<300" and cells[6] in ("ok", "slow", "FAIL")
    cpu, minimal = float(cells[7]), float(cells[8])
    assert cpu > 0 and minimal > 0

    # The ratio of the unrounded times: within what the printed (rounded) figures allow.
    def bounds(cell: str) -> tuple[float, float]:
        half = 0.5 * 10.0 ** -(len(cell.split(".")[1]) if "." in cell else 0)
        return float(cell) - half, float(cell) + half

    (cpu_lo, cpu_hi), (min_lo, min_hi) = bounds(cells[7]), bounds(cells[8])
    ratio = float(cells[9].rstrip("×"))
    assert cpu_lo / min_hi - 0.05 <= ratio <= cpu_hi / min_lo + 0.05, cells[7:10]
    assert cells[10] == "≤8" and cells[11] in ("ok", "slow")  # N = 1e3 < the target's 1e5
    mixture_kb, trace_kb = float(cells[12]), float(cells[13])
    assert mixture_kb > 0 and trace_kb > 0
    assert cells[14] == "<300" and cells[15] in ("ok", "FAIL")
    assert "scripts compiled once" in out


def test_format_table_marks_targets() -> None:
    small = {"mixture_chart": 90_000, "trace_chart": 7_000}
    large = {"mixture_chart": 310_000, "trace_chart": 7_000}
    rows = [
        bench.Row(10_000, 50.0, [80.0, 90.0, 85.0], small, [70.0, 80.0, 75.0], 10.0),
        bench.Row(1_000_000, 500.0, [400.0], large, [390.0], 10.0),
        bench.Row(100_000, 50.0, [80.0], small, [70.0], 10.0),
    ]
    out = bench.format_table(rows)
    first, second, third = table_rows(out)
    assert first[1:5] == ["50.0", "85.0", "80.0", "90.0"]
    assert first[6] == "ok" and first[15] == "ok"
    assert first[7:12] == ["75.0", "10.0", "7.5×", "≤8", "ok"]
    assert first[12:14] == ["90.0", "7.0"]
    assert second[6] == "FAIL" and second[15] == "FAIL"
    assert second[9:12] == ["39.0×", "≤8", "FAIL"]
    assert third[9] == "7.0×" and third[11] == "ok"


def test_minimal_page_is_measured() -> None:
    times = bench.minimal_page_cpu(2)
    assert len(times) == 2 and all(t >= 0 for t in times)
