"""Compatibility module: the bundled data sets and the upload parser, under one name.

The two jobs live in their own modules — :mod:`gmm_core.bundled` (the classic data sets) and
:mod:`gmm_core.upload` (reading uploaded tables: decode → split → frame → classify). Existing
callers keep importing from here.
"""

from __future__ import annotations

from .bundled import _DATASET_FILES, DATASETS, Dataset, load_dataset
from .upload import (
    MAX_BYTES,
    MAX_CELL_CHARS,
    MAX_CELLS,
    MAX_COLUMNS,
    MAX_POINTS,
    Column,
    DataError,
    ParsedTable,
    read_table,
    select_column,
)

__all__ = [
    "DATASETS",
    "MAX_BYTES",
    "MAX_CELLS",
    "MAX_CELL_CHARS",
    "MAX_COLUMNS",
    "MAX_POINTS",
    "Column",
    "DataError",
    "Dataset",
    "ParsedTable",
    "load_dataset",
    "read_table",
    "select_column",
]
_ = _DATASET_FILES  # re-exported for tests that locate the bundled files
