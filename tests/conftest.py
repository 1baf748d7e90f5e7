"""Shared pytest configuration for the whole suite.

Only cross-cutting setup lives here (Hypothesis profiles).  `import gmm_core`
works from the repo root thanks to ``pythonpath = ["."]`` in pyproject.toml.

Hypothesis profiles:
* ``ci``  – loaded when the ``CI`` environment variable is set: derandomized
  (same examples on every run, so CI is reproducible), no deadline (numba
  compilation and a busy 2-core runner make timings meaningless).
* ``dev`` – the default elsewhere: random exploration, no deadline.

Pick one explicitly with ``HYPOTHESIS_PROFILE=ci|dev``.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    deadline=None,
    derandomize=True,
    database=None,
    max_examples=50,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "dev",
    deadline=None,
    max_examples=100,
)

_ON_CI = os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")
_default_profile = "ci" if _ON_CI else "dev"
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", _default_profile))
