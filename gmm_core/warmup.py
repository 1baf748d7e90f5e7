"""Compile the fused numba kernels once: ``python -m gmm_core.warmup``.

The first compile takes several seconds; numba caches the machine code on disk
(``gmm_core/__pycache__``, or ``NUMBA_CACHE_DIR``), so later processes load it in a
fraction of a second. The app's launcher runs this after installing the requirements.
Exit status 0 also without numba (nothing to compile).
"""

from __future__ import annotations

import sys
import time

from gmm_core import _fused


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
