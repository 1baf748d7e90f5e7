"""The launch scripts: app.sh's options, the shell syntax of every script, and a fresh clone
of the repo starting healthy (benchmarks.setup, reusing this test run's virtualenv)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks import setup as bench

REPO = Path(__file__).resolve().parents[1]
SCRIPTS = ["scripts/app.sh", "scripts/test.sh", "scripts/_venv.sh", ".ci/run"]


@pytest.mark.parametrize("script", SCRIPTS)
def test_shell_syntax(script: str) -> None:
    result = subprocess.run(["bash", "-n", script], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_app_help_documents_local_default_and_lan() -> None:
    result = subprocess.run(
        ["bash", "scripts/app.sh", "--help"], cwd=REPO, capture_output=True, text=True,
        timeout=30,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "http://127.0.0.1:8501" in result.stdout
    assert re.search(r"--lan\s+# a class on the local network", result.stdout)
    assert "set -euo" not in result.stdout  # the header only, not the code


@pytest.mark.slow
def test_fresh_clone_starts_healthy(capsys: pytest.CaptureFixture[str]) -> None:
    assert bench.main(["--reuse-venv", sys.prefix, "--timeout", "120"]) == 0
    out = capsys.readouterr().out
    match = re.search(r"healthy after ([\d.]+) s", out)
    assert match and float(match.group(1)) > 0, out
    assert "starting the server" in out
