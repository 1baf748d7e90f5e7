"""Smoke test of the UI benchmark (benchmarks/ui.py): it drives the app and prints a sane table.

No timing assertions: the targets are in the benchmark's output, not in tests.
"""

from __future__ import annotations

import math
import re

import pytest

from benchmarks import ui as bench

ROW = re.compile(r"^\s*\d(?:\.\d+)?e\+\d+\s+\|")


def table_rows(out: str) -> list[list[str]]:
    rows = [line for line in out.splitlines() if ROW.match(line)]
    return [[c for c in re.split(r"[|\s]+", line) if c] for line in rows]


def test_main_on_a_tiny_configuration(capsys: pytest.CaptureFixture[str]) -> None:
    assert bench.main(["--sizes", "1e3", "--repeats", "1", "--no-server"]) == 0
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


SERVER_ROW = re.compile(r"^\s*\d(?:\.\d+)?e\+\d+\s+\|\s+-?\d+\.\d \(")


def test_format_server_table_gives_medians_and_the_ratio() -> None:
    rows = [
        bench.ServerRow(100_000, [30.0, 40.0, 50.0], [2.0, 3.0, 4.0], [4.0, 5.0, 6.0], [1.0] * 3,
                        [60.0, 70.0]),
        bench.ServerRow(10_000, [20.0], [1.0], [5.0], [1.0], [50.0]),
        bench.ServerRow(100_000, [45.0], [1.0], [5.0], [1.0], [50.0]),
    ]  # fmt: skip
    out = bench.format_server_table(rows)
    lines = [line for line in out.splitlines() if SERVER_ROW.match(line)]
    assert len(lines) == 3
    first = [c.strip() for c in lines[0].split("|")]
    assert first[1] == "40.0 (30.0–50.0)" and first[2] == "3.0"
    assert first[3] == "5.0 (4.0–6.0)" and first[5] == "8.0×     ≤8 ok"
    assert first[6] == "65.0 ms"
    assert "4.0×" in lines[1] and "≤8 ok" in lines[1]
    assert "9.0×" in lines[2] and "≤8 FAIL" in lines[2]
    # no reference above zero: no ratio
    assert math.isnan(bench.ServerRow(1, [1.0], [0.0], [0.0], [0.0], [1.0]).ratio)


@pytest.mark.slow
def test_real_servers_are_measured(capsys: pytest.CaptureFixture[str]) -> None:
    """Both servers started, clicked and their CPU read: a sane row, the minimal page cheaper."""
    args = ["--sizes", "1e4", "--no-apptest", "--rounds", "1", "--clicks", "3", "--warmup", "1"]
    assert bench.main(args) == 0
    out = capsys.readouterr().out
    (line,) = [line for line in out.splitlines() if SERVER_ROW.match(line)]
    cells = [c.strip() for c in line.split("|")]
    assert float(cells[0]) == 10_000
    app_cpu, minimal_cpu = float(cells[1].split()[0]), float(cells[3].split()[0])
    assert app_cpu > minimal_cpu > -5  # idle subtracted: near zero at worst, never very negative
    assert float(cells[2]) >= 0 and float(cells[4]) >= 0
    assert re.fullmatch(r"-?\d+\.\d×\s+≤8 (ok|slow|FAIL|-)", cells[5]), cells[5]
    assert "AppTest" not in out  # --no-apptest
