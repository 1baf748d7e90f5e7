"""The fused kernels compile in a background thread at server start; until they are ready a
step takes the numpy path instead of waiting for the compiler (issue 7)."""

from __future__ import annotations

import numpy as np
import pytest

from gmm_core import MixtureParams, _fused, sufficient_statistics
from gmm_core import warmup as warmup_module

pytestmark = pytest.mark.skipif(not _fused.NUMBA_AVAILABLE, reason="numba is pinned")


def test_while_warming_a_large_step_takes_the_numpy_path(monkeypatch):
    x = np.random.default_rng(0).normal(size=20_000)
    params = MixtureParams([0.5, 0.5], [-1.0, 1.0], [1.0, 1.0])
    calls = []
    monkeypatch.setattr(_fused, "_run_kernel", lambda *a, **k: calls.append(a) or 1 / 0)
    _fused.WARMING.set()
    try:
        warm = sufficient_statistics(x, params)  # would raise if the kernel were called
    finally:
        _fused.WARMING.clear()
    assert not calls and np.isclose(warm.n_k.sum(), x.size)


def test_start_background_runs_once_per_process(monkeypatch):
    monkeypatch.setattr(_fused, "_warmed_in_background", False, raising=False)
    done = []
    monkeypatch.setattr(_fused, "warmup", lambda: done.append(_fused.WARMING.is_set()))
    thread = warmup_module.start_background()
    assert thread is not None
    thread.join(30)
    assert done == [True] and not _fused.WARMING.is_set()
    assert warmup_module.start_background() is None  # a second server run does not start another
