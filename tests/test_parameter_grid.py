"""The parameter grid's number formats (ui/pure/grid.py) and its column configuration and
swatches (ui/parameter_grid.py): the plain grid that replaced the styled table."""

from __future__ import annotations

from urllib.parse import unquote

import numpy as np
import pandas as pd
import pytest

from figures import component_color
from figures.palette import text_color_on
from ui.parameter_grid import LECTURE_ROW_COLOURS, LECTURE_TABLE_KEY, SWATCH, column_config, swatch
from ui.pure.grid import column_format, display_columns
from ui.pure.settings import MAX_K


def printf(fmt: str, value: float) -> str:
    return fmt % value  # Python's % and the grid's printf agree on these specifiers


@pytest.mark.parametrize(
    ("values", "digits", "signed", "expected"),
    [
        ([0.35, 0.45, 0.2], 5, False, "%.5f"),  # largest 0.45: 5 significant digits
        ([-2.1183, 1.27, 4.6668], 5, False, "%.4f"),
        ([1234.5, -20.0], 5, False, "%.1f"),
        ([178520.3], 5, False, "%.0f"),  # never 1.7852e+05
        ([3e-7, 1e-8], 5, False, "%.4e"),  # below 1e-4: e-notation, as plain() does
        ([2e9], 5, False, "%.4e"),
        ([0.0, 0.0], 5, False, "%.4f"),
        ([np.nan, 0.5], 5, False, "%.5f"),
        ([0.0086, -0.0044], 3, True, "%+.5f"),  # +0.00860
        ([1e-7, -3e-8], 3, True, "%+.2e"),
    ],
)
def test_column_format(values, digits, signed, expected) -> None:
    assert column_format(np.array(values), digits, signed=signed) == expected


def test_formats_show_the_digits_asked_for() -> None:
    values = np.array([-2.1183456, 1.2767, 4.66681])
    assert [printf(column_format(values), v) for v in values] == ["-2.1183", "1.2767", "4.6668"]
    assert printf(column_format(np.array([0.0123]), 3, signed=True), 0.0123) == "+0.0123"


def test_config_and_swatches() -> None:
    table = pd.DataFrame(
        {"k": [1, 2], "πₖ": [0.4, 0.6], "Nₖ": [400.0, 600.0], "Δμₖ": [0.01, -0.002]}
    )
    config = column_config(table)
    assert set(config) == {SWATCH, "k", "πₖ", "Nₖ", "Δμₖ"}
    assert config["πₖ"]["type_config"]["format"] == "%.5f"
    assert config["Nₖ"]["type_config"]["format"] == "%.2f"
    assert config["Δμₖ"]["type_config"]["format"] == "%+.4f"
    assert config[SWATCH]["type_config"]["type"] == "image"
    for k in range(3):
        url = swatch(k)
        assert url.startswith("data:image/svg+xml;utf8,")
        assert f"fill='{component_color(k)}'" in unquote(url)


def test_display_columns_write_lecture_texts() -> None:
    columns = {
        "k": np.array([1, 2]),
        "πₖ": np.array([0.4, 0.6]),
        "μₖ": np.array([-2.11834, 1234.5]),
        "Nₖ": np.array([1234.567, 0.5]),
        "Δμₖ": np.array([0.012345, -0.5]),
    }
    assert display_columns(columns) == {
        "k": ["1", "2"],
        "πₖ": ["0.40000", "0.60000"],  # 5 significant digits, as plain() writes
        "μₖ": ["−2.1183", "1,234.5"],
        "Nₖ": ["1,234.57", "0.50"],
        "Δμₖ": ["+0.0123", "−0.500"],
    }


def test_lecture_row_colours_cover_every_k() -> None:
    """One CSS rule per component the sidebar allows, in the component's colour, with the
    text colour that contrasts with it, scoped to lecture mode's table only."""
    rules = [r for r in LECTURE_ROW_COLOURS.splitlines() if "nth-child" in r]
    assert len(rules) == MAX_K
    for k, rule in enumerate(rules):
        assert rule.startswith(f".st-key-{LECTURE_TABLE_KEY} tbody tr:nth-child({k + 1})")
        colour = component_color(k)
        assert f"background-color: {colour}; color: {text_color_on(colour)};" in rule
