"""Smoke test of benchmarks/load.py: protocol clients against a real ``streamlit run``.

A tiny run (2 sessions, 2 clicks each) must load the stepper, advance it one iteration per
click and agree with the solo runs; the cross-talk check itself is tested on made-up sessions.
No timing assertions (the capacity target lives in the benchmark's output).
"""

from __future__ import annotations

import re

import pytest

from benchmarks import load as bench
from figures.notation import log_l


@pytest.mark.slow
def test_quick_run_clicks_and_agrees_with_solo_runs(capsys: pytest.CaptureFixture[str]) -> None:
    status = bench.main(["--quick"])
    out = capsys.readouterr().out
    assert status == 0, out
    solos = re.findall(r"solo run of (\S+): 2 clicks, log L\(θ_2\) = (-[\d.]+)", out)
    # log L of a real run (thousands of points), not the first digits before a separator.
    assert all(abs(float(v)) > 1000 and float(v) != int(float(v)) for _, v in solos), solos
    assert [q for q, _ in solos] == ["src=gen&n=10000&gs=1", "src=gen&n=10000&gs=2"], out
    assert solos[0][1] != solos[1][1]  # two different scenarios on one server
    assert bench.HEADER in out.splitlines()
    row = next(line for line in out.splitlines() if re.match(r"^\s+2 \|", line))
    cells = [c.strip() for c in row.split("|")]
    assert cells[1] == "4"  # 2 sessions × 2 clicks, all answered
    assert float(cells[2]) > 0 and float(cells[3]) >= float(cells[2])
    assert cells[4] == "0" and cells[5] == "0"  # no errors, no cross-talk
    # Memory per session was measured (a number; with 2 sessions the allocator may even shrink).
    assert re.fullmatch(r"-?\d+\.\d", cells[6]), cells[6]
    assert re.fullmatch(r"\d+%", cells[7]), cells[7]  # the clients' share of a core
    assert "verdict: one server held" in out


def _session(index: int, log_l: dict[int, float]) -> bench.Session:
    session = bench.Session(index, "ws://127.0.0.1:1/_stcore/stream", "")
    session.log_l = log_l
    return session


def test_cross_talk_compares_each_session_with_its_own_scenario() -> None:
    solo = [{1: -10.0, 2: -9.0}, {1: -20.0, 2: -19.0}]
    good = [_session(0, {1: -10.0, 2: -9.0}), _session(1, {1: -20.0}), _session(2, {2: -9.0})]
    assert bench.cross_talk(good, solo) == 0
    swapped = [_session(0, {1: -20.0}), _session(1, {1: -20.0, 2: -19.0})]
    assert bench.cross_talk(swapped, solo) == 1
    assert bench.cross_talk([_session(3, {})], solo) == 1  # no number at all is not agreement


def _alert_delta(body: str):
    from streamlit.proto.Delta_pb2 import Delta

    delta = Delta()
    delta.new_element.alert.body = body
    return delta


def test_status_line_and_percentile() -> None:
    body = "**Iteration 7 · after M-step** · log L(θ₇) = -23397.284636"
    match = bench.STATUS_RE.search(body)
    assert match and (int(match.group(1)), float(match.group(2))) == (7, -23397.284636)
    # The app writes log L as figures.notation.log_l does (thousands separators, the true
    # minus "−"): the whole number is read, not "-23" or nothing.
    body = f"**Iteration 12 · after M-step** · log L(θ₁₂) = {log_l(-23397.28464)}"
    session = bench.Session(0, "ws://127.0.0.1:1/_stcore/stream", "")
    delta = _alert_delta(body)
    session._read_delta(delta)
    assert session.status == (12, -23397.2846)
    assert bench.percentile([0.1] * 19 + [5.0], 95) == 0.1
    assert bench.percentile([0.1] * 18 + [5.0, 5.0], 95) == 5.0


def test_only_loopback_servers_and_bounded_runs() -> None:
    for argv in (["--url", "http://example.org:8501"], ["--sessions", "5000"],
                 ["--duration", "9999"], ["--clicks", "0"]):  # fmt: skip
        with pytest.raises(SystemExit):
            bench.main(argv)
