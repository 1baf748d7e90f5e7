"""Compile the fused numba kernels once: ``python -m gmm_core.warmup``, or in a background
thread of the server process (:func:`start_background`, called by ``app.py``, so however the
app is started no request waits for the compiler: until the kernels are ready the numpy path
answers).

The first compile takes several seconds; numba caches the machine code on disk
(``gmm_core/__pycache__``, or ``NUMBA_CACHE_DIR``), so later processes load it in a
fraction of a second. The app's launcher runs this after installing the requirements.
Exit status 0 also without numba (nothing to compile).
"""

from __future__ import annotations

import sys
import threading
import time

from gmm_core import _fused

__all__ = ["main", "start_background"]

_START_LOCK = threading.Lock()
_THREAD_NAME = "emlab-numba-warmup"


def start_background() -> threading.Thread | None:
    """Compile (or load from numba's cache) the fused kernels in a daemon thread, once per
    process; meanwhile :data:`gmm_core._fused.WARMING` is set and kernels use numpy.

    Returns
    -------
    threading.Thread or None
        The warm-up thread when this call started it; None when numba is missing or a
        warm-up already ran or is running in this process.
    """
    if not _fused.NUMBA_AVAILABLE:
        return None
    with _START_LOCK:
        if any(t.name == _THREAD_NAME for t in threading.enumerate()) or getattr(
            _fused, "_warmed_in_background", False
        ):
            return None
        _fused._warmed_in_background = True
        _fused.WARMING.set()

        def compile_kernels() -> None:
            try:
                _fused.warmup()
            finally:
                _fused.WARMING.clear()
            # Then the landscape page's batch kernels (its first basin map would otherwise
            # wait for the compiler; the E-step no longer waits for this).
            from . import landscape

            landscape.warmup()

        thread = threading.Thread(target=compile_kernels, name=_THREAD_NAME, daemon=True)
        thread.start()
        return thread


def main() -> int:
    """Run :func:`gmm_core._fused.warmup` and print how long it took.

    Returns
    -------
    int
        Process exit status (always 0).
    """
    if not _fused.NUMBA_AVAILABLE:
        print("gmm_core.warmup: numba is not installed; nothing to compile (numpy fallback)")
        return 0
    start = time.perf_counter()
    _fused.warmup()
    elapsed = time.perf_counter() - start
    print(f"gmm_core.warmup: fused kernels compiled or loaded from cache in {elapsed:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
