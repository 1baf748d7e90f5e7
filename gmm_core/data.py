"""Compatibility module: the bundled data sets and the upload parser, under one name.

The two jobs live in their own modules — :mod:`gmm_core.bundled` (the classic data sets) and
:mod:`gmm_core.upload` (reading uploaded tables: decode → split → frame → classify). Existing
callers keep importing from here: it exports what the two modules export.
"""

from __future__ import annotations

from . import bundled, upload
from .bundled import *  # noqa: F403 - the public names of both modules, listed there once
from .bundled import _DATASET_FILES
from .upload import *  # noqa: F403

__all__ = [*bundled.__all__, *upload.__all__]
_ = _DATASET_FILES  # re-exported for tests that locate the bundled files
