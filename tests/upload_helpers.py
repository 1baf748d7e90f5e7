"""Test helper: uploaded bytes to one clean column in one call (what the data panel does in
two steps, read_table then select_column, so that the user can pick the column between)."""

from __future__ import annotations

from gmm_core.upload import MAX_POINTS, Column, read_table, select_column


def parse_upload(
    data: bytes,
    filename: str = "",
    column: str | None = None,
    *,
    drop_nonfinite: bool = False,
    max_points: int = MAX_POINTS,
) -> Column:
    """``select_column(read_table(data, filename), column, ...)``."""
    table = read_table(data, filename)
    return select_column(table, column, drop_nonfinite=drop_nonfinite, max_points=max_points)
