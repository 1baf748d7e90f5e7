"""Smoke test of benchmarks/chunked.py: a tiny run prints one agreeing row per source and
leaves no file behind. No timing assertions (targets live in the benchmark's output)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from benchmarks import chunked as bench


@pytest.mark.slow
def test_quick_run_prints_agreeing_rows_and_cleans_up(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = bench.main(["--n", "20000", "--chunk", "3000", "--iterations", "2",
                         "--dir", str(tmp_path)])  # fmt: skip
    out = capsys.readouterr().out
    assert status == 0, out
    assert bench.HEADER in out.splitlines()
    row = re.compile(r"^\s*(in memory|npy chunks|dask threads) \|\s*([\d.]+) \|\s*([\d.]+)×", re.M)
    rows = {m.group(1): m for m in row.finditer(out)}
    assert set(rows) == {"in memory", "npy chunks", "dask threads"}, out
    assert float(rows["in memory"].group(3)) == 1.0
    assert out.count("(same trace)") == 2
    assert list(tmp_path.iterdir()) == []  # the .npy file and its directory are gone


def test_refuses_more_than_the_disk_budget() -> None:
    with pytest.raises(SystemExit):
        bench.main(["--n", "1e9"])
