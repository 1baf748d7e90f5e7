"""Smoke tests of the browser round-trip benchmark (benchmarks/roundtrip.py): its report, and
one tiny real run in chromium (both servers, both pages, the CPU of each server)."""

from __future__ import annotations

import os
import re

import pytest

from benchmarks import roundtrip as bench


def test_report_gives_ratios_against_the_minimal_page() -> None:
    times = {
        "minimal page": [100.0, 200.0, 300.0],
        "EM Lab N=1e+03": [120.0, 240.0, 360.0],
        "EM Lab N=1e+06": [300.0, 600.0, 900.0],
    }
    out = bench.format_report(
        times, {"minimal page": 10.0, "EM Lab N=1e+03": 25.0, "EM Lab N=1e+06": 40.0}
    )
    rows: dict[str, str] = {}
    for line in out.splitlines():  # the round-trip rows come first, then the CPU rows
        if "|" in line:
            rows.setdefault(line.split("|")[0].strip(), line)
    assert "1.20×" in rows["EM Lab N=1e+03"] and "OK" in rows["EM Lab N=1e+03"]
    assert "3.00×" in rows["EM Lab N=1e+06"] and "ABOVE TARGET" in rows["EM Lab N=1e+06"]
    assert re.search(r"EM Lab N=1e\+06 \|\s+40\.0 \|\s+4\.0×", out)


def test_a_floor_page_is_measured_not_judged_against_the_target() -> None:
    floor = next(iter(bench.FLOOR_PAGES))
    times = {"minimal page": [100.0, 100.0], floor: [250.0, 250.0]}
    row = next(line for line in bench.format_report(times).splitlines() if floor in line)
    assert "2.50×" in row and "(floor page)" in row
    assert "ABOVE TARGET" not in row and "OK" not in row


def test_profile_buckets_sum_self_time_by_script() -> None:
    """A CDP ``Profiler.stop`` profile: samples of plotly.js, React, Streamlit's other JS, the
    browser's own work and idle, with the time to the next sample (µs) as their self time."""
    frame = {
        1: ("(idle)", ""),
        2: ("c", "http://h/static/js/PlotlyChart.D9Z0_fxz.js"),
        3: ("Ho", "http://h/static/js/react-dom.Dzbslgj4.js"),
        4: ("", "http://h/static/js/index.DormvYxC.js"),
        5: ("getBoundingClientRect", ""),
        6: ("(garbage collector)", ""),
    }
    profile = {
        "nodes": [
            {"id": i, "callFrame": {"functionName": f, "url": u}} for i, (f, u) in frame.items()
        ],
        "samples": [2, 2, 3, 4, 5, 6, 1, 2],
        "timeDeltas": [0, 1000, 2000, 3000, 4000, 5000, 6000, 7000],
    }
    ms = bench.profile_ms(profile)
    assert ms == {
        "plotly.js": 1.0 + 2.0,  # a sample lasts until the next; the last one: 0
        "React + emotion": 3.0,
        "Streamlit's other JS": 4.0,
        "browser (style, layout, paint, DOM, GC)": 5.0 + 6.0,  # idle's 7 ms not counted
    }
    out = bench.format_breakdown({"EM Lab N=1e+03": ({"server": [1.0, 3.0, 2.0]}, ms)})
    assert re.search(r"server\s+2$", out, re.MULTILINE)
    assert re.search(r"CPU total\s+21$", out, re.MULTILINE)


def test_cpu_seconds_of_this_process_grows() -> None:
    import os

    before = bench.cpu_seconds(os.getpid())
    sum(i * i for i in range(2_000_000))
    assert bench.cpu_seconds(os.getpid()) >= before


@pytest.mark.browser
@pytest.mark.slow
def test_a_tiny_run_in_chromium() -> None:
    """In a process of its own: Playwright's sync API cannot start inside the event loop that
    pytest-playwright's browser fixtures run in the same test worker."""
    import subprocess
    import sys
    from pathlib import Path

    if not Path("/usr/bin/chromium").exists():
        if os.environ.get("EMLAB_REQUIRE_BROWSER") == "1":
            pytest.fail("/usr/bin/chromium is missing (EMLAB_REQUIRE_BROWSER=1)")
        pytest.skip("no chromium at /usr/bin/chromium")
    # The floor pages are checked by AppTest below: three more servers and pages here would
    # cost the suite ~30 CPU-s for the same code path (a Stepper page without ?n=).
    args = ["--sizes", "1e3", "--rounds", "1", "--warmup", "1", "--breakdown"]
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.roundtrip", *args],
        cwd=Path(__file__).resolve().parent.parent,
        capture_output=True,
        text=True,
        timeout=600,
        stdin=subprocess.DEVNULL,
    )
    out = done.stdout
    assert done.returncode == 0, out + done.stderr
    assert "minimal page" in out and "EM Lab N=1e+03" in out
    assert re.search(r"EM Lab N=1e\+03 \|\s+\d+ \|\s+0 of 1 corrected", out), out
    assert "server CPU per click" in out
    assert "where the time goes" in out and "CPU plotly.js" in out


@pytest.mark.parametrize("name", list(bench.FLOOR_PAGES))
def test_each_floor_page_redraws_the_trace_per_click(name: str) -> None:
    """What ``--floor`` serves: each page runs, and its *Next* (key ``step``, as the benchmark
    clicks it) moves the trace chart's current iteration on by one."""
    import json
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    root = Path(__file__).resolve().parent.parent
    at = AppTest.from_file(str(root / bench.FLOOR_PAGES[name]), default_timeout=30).run()
    for clicks in (0, 1, 2):
        assert not at.exception, at.exception
        (spec,) = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
        (current,) = [t for t in spec["data"] if t.get("name") == "current"]
        assert list(current["x"]) == [clicks], current["x"]
        at.button(key="step").click().run()
