"""Tests for gmm_core.data: bundled data sets and reading uploaded tables."""

from __future__ import annotations

import gzip
import io
import pickle
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from gmm_core import data as gd
from gmm_core.data import (
    DATASETS,
    MAX_POINTS,
    Column,
    DataError,
    Dataset,
    ParsedTable,
    load_dataset,
    read_table,
    select_column,
)
from tests.hostile.corpus import zip_bytes
from tests.upload_helpers import parse_upload

# ---------------------------------------------------------------------------
# Bundled data sets
# ---------------------------------------------------------------------------

EXPECTED = {
    "old_faithful_waiting": (272, [79.0, 54.0, 74.0, 62.0]),
    "old_faithful_eruptions": (272, [3.6, 1.8, 3.333, 2.283]),
    "galaxies": (82, [9172.0, 9350.0, 9483.0, 9558.0]),
    "acidity": (155, [2.928524, 3.910021, 3.732896, 3.688879]),
    "enzyme": (245, [0.13, 0.08, 1.261, 0.224]),
}


def test_dataset_registry_has_exactly_the_five_keys():
    assert set(DATASETS) == set(EXPECTED)
    for key, info in DATASETS.items():
        assert isinstance(info, Dataset)
        assert info.key == key
        for text in (info.title, info.column, info.unit, info.source, info.description):
            assert isinstance(text, str) and text.strip()
        assert "\n" not in info.source
    assert DATASETS["old_faithful_waiting"].title == "Old Faithful — waiting time"
    assert DATASETS["old_faithful_waiting"].unit == "min"
    assert DATASETS["galaxies"].unit == "km/s"
    assert DATASETS["acidity"].unit == "log ANC"
    assert "Azzalini & Bowman (1990)" in DATASETS["old_faithful_eruptions"].source
    assert "Roeder (1990)" in DATASETS["galaxies"].source


def test_dataset_registry_is_read_only():
    with pytest.raises(TypeError):
        DATASETS["new"] = DATASETS["galaxies"]  # type: ignore[index]


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_bundled_dataset_loads_with_readme_counts(key):
    n, first = EXPECTED[key]
    x = load_dataset(key)
    assert x.dtype == np.float64
    assert x.shape == (n,)
    assert np.all(np.isfinite(x))
    np.testing.assert_array_equal(x[: len(first)], first)


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_bundled_dataset_parses_through_the_upload_path_too(key):
    info = DATASETS[key]
    path = Path(gd.__file__).parent / "datasets" / gd._DATASET_FILES[key]
    col = parse_upload(path.read_bytes(), path.name, info.column)
    np.testing.assert_array_equal(col.values, load_dataset(key))


def test_galaxies_has_the_corrected_78th_value():
    x = load_dataset("galaxies")
    assert x[77] == 26960.0
    assert 26960.0 in x
    assert 26690.0 not in x


def test_load_dataset_returns_a_fresh_array():
    x = load_dataset("enzyme")
    x[:] = -1.0
    assert load_dataset("enzyme")[0] == 0.13


def test_load_dataset_unknown_key_lists_valid_keys():
    with pytest.raises(ValueError, match="valid keys") as info:
        load_dataset("iris")
    for key in EXPECTED:
        assert key in str(info.value)


def test_package_ships_the_datasets_readme_with_sources():
    readme = (Path(gd.__file__).parent / "datasets" / "README.md").read_text(encoding="utf-8")
    assert "26960" in readme
    assert "Richardson & Green (1997)" in readme


# ---------------------------------------------------------------------------
# Good files
# ---------------------------------------------------------------------------


def _as_bytes(text: str) -> bytes:
    return text.encode("utf-8")


DELIMITERS = {
    "comma": ",",
    "semicolon": ";",
    "tab": "\t",
    "pipe": "|",
    "whitespace": "   ",
}


@pytest.mark.parametrize("header", [True, False], ids=["header", "no-header"])
@pytest.mark.parametrize("name", sorted(DELIMITERS))
def test_delimiters_with_and_without_header(name, header):
    d = DELIMITERS[name]
    lines = [f"1.5{d}10", f"-2.5{d}20", f"3e2{d}30.25"]
    if header:
        lines.insert(0, f"x{d}y")
    table = read_table(_as_bytes("\n".join(lines) + "\n"))
    expected_names = ("x", "y") if header else ("column 1", "column 2")
    assert table.columns == expected_names
    assert table.has_header is header
    assert table.delimiter == name
    assert table.n_rows == 3
    np.testing.assert_array_equal(select_column(table).values, [1.5, -2.5, 300.0])
    second = select_column(table, expected_names[1])
    assert second.name == expected_names[1]
    np.testing.assert_array_equal(second.values, [10.0, 20.0, 30.25])


def test_whitespace_with_leading_spaces_and_mixed_tabs():
    col = parse_upload(b"  1.5 \t 10\n 2.5  20\n\t3.5 30\n", column="column 2")
    np.testing.assert_array_equal(col.values, [10.0, 20.0, 30.0])


@pytest.mark.parametrize("header", ["", "waiting time (min)\n", "waiting\n"])
def test_single_column_without_delimiter(header):
    table = read_table(_as_bytes(header + "79\n54\n74.5\n"))
    assert table.delimiter == "none (one column)"
    assert table.columns == ((header.strip(),) if header else ("column 1",))
    np.testing.assert_array_equal(select_column(table).values, [79.0, 54.0, 74.5])


@pytest.mark.parametrize("newline", ["\r\n", "\r", "\n"], ids=["crlf", "cr", "lf"])
def test_line_endings(newline):
    text = newline.join(["a,b", "1,2", "3,4", "5,6"]) + newline
    col = parse_upload(_as_bytes(text), column="b")
    np.testing.assert_array_equal(col.values, [2.0, 4.0, 6.0])


def test_utf8_bom_is_ignored():
    col = parse_upload(b"\xef\xbb\xbfvalue\r\n1.25\r\n2.5\r\n")
    assert col.name == "value"
    np.testing.assert_array_equal(col.values, [1.25, 2.5])
    assert read_table(b"\xef\xbb\xbf\xef\xbb\xbfv\n1\n2\n").columns == ("v",)  # doubled BOM


def test_utf16_with_bom_as_excel_unicode_text_writes_it():
    col = parse_upload("speed\tcount\n1.5\t3\n2.5\t4\n".encode("utf-16"), column="count")
    np.testing.assert_array_equal(col.values, [3.0, 4.0])


def test_latin1_header_is_accepted_with_a_note():
    table = read_table("Größe (µm);n\n1.5;1\n2.5;2\n".encode("latin-1"))
    assert table.encoding == "Windows-1252"
    assert table.columns[0] == "Größe (µm)"
    col = select_column(table, "Größe (µm)")
    np.testing.assert_array_equal(col.values, [1.5, 2.5])
    assert any("Windows-1252" in note for note in col.notes)


def test_windows_1252_punctuation_is_decoded_as_windows_1252_not_latin1():
    # 0x80 and 0x93/0x94 are the euro sign and curly quotes in Windows-1252 but
    # invisible control characters in latin-1.
    table = read_table(b"\x93Preis \x80\x94\n1.5\n2.5\n")
    assert table.columns == ("\u201cPreis \u20ac\u201d",)


def test_comments_and_blank_lines_are_ignored():
    text = "# measured 2024\n\n# unit: min\nwaiting\n\n79  # first\n   \n54\n# end\n74\n\n"
    col = parse_upload(_as_bytes(text))
    assert col.name == "waiting"
    np.testing.assert_array_equal(col.values, [79.0, 54.0, 74.0])


def test_quoted_numbers_and_names():
    text = '"id","value"\n"a","1.5"\n"b","2.5"\n"c","-3"\n'
    table = read_table(_as_bytes(text))
    assert table.columns == ("value",)
    np.testing.assert_array_equal(select_column(table).values, [1.5, 2.5, -3.0])


def test_multiple_numeric_columns_default_and_choice():
    text = "eruptions,waiting\n3.6,79\n1.8,54\n3.333,74\n"
    table = read_table(_as_bytes(text))
    assert table.columns == ("eruptions", "waiting")
    first = select_column(table)
    assert first.name == "eruptions"
    np.testing.assert_array_equal(first.values, [3.6, 1.8, 3.333])
    assert any("eruptions" in note and "2 numeric columns" in note for note in first.notes)
    chosen = select_column(table, "waiting")
    np.testing.assert_array_equal(chosen.values, [79.0, 54.0, 74.0])
    assert chosen.notes == ()
    # names match up to case and surrounding spaces
    np.testing.assert_array_equal(select_column(table, " Waiting ").values, chosen.values)


def test_text_column_beside_numeric_ones():
    text = "name,height,city,weight\nann,1.62,Oslo,55\nbob,1.80,Rome,80\ncy,1.75,Lima,70\n"
    table = read_table(_as_bytes(text))
    assert table.all_columns == ("name", "height", "city", "weight")
    assert table.columns == ("height", "weight")
    np.testing.assert_array_equal(select_column(table).values, [1.62, 1.80, 1.75])
    with pytest.raises(DataError, match="does not hold numbers") as info:
        select_column(table, "city")
    assert "'height'" in str(info.value) and "'weight'" in str(info.value)


def test_column_with_few_text_cells_is_still_numeric_90_percent_rule():
    nine = "\n".join(str(v) for v in range(1, 10))
    assert read_table(_as_bytes(f"v\n{nine}\noops\n")).columns == ("v",)  # 9 of 10
    eight = "\n".join(str(v) for v in range(1, 9))
    with pytest.raises(DataError, match="No column holds numbers"):
        read_table(_as_bytes(f"v\n{eight}\noops\nbad\n"))  # 8 of 10


def test_missing_markers_do_not_count_against_a_numeric_column():
    table = read_table(b"v\n1\nNA\nNA\nNA\n2\n")
    assert table.columns == ("v",)
    col = select_column(table, drop_nonfinite=True)
    assert col.n_dropped == 3
    np.testing.assert_array_equal(col.values, [1.0, 2.0])


def test_unnamed_row_number_column_is_not_the_default():
    # written by R's write.csv and by pandas' to_csv: first column of row numbers
    for text in (',"waiting"\n"1",79\n"2",54\n"3",74\n', ",waiting\n0,79\n1,54\n2,74\n"):
        table = read_table(_as_bytes(text))
        assert table.columns == ("column 1", "waiting")
        assert table.default_column == "waiting"
        col = select_column(table)
        np.testing.assert_array_equal(col.values, [79.0, 54.0, 74.0])
        assert any("row numbers" in note for note in col.notes)


def test_r_write_table_header_without_row_name_column():
    table = read_table(b'"waiting"\n"1" 79\n"2" 54\n"3" 74\n')
    assert table.columns == ("column 1", "waiting")
    np.testing.assert_array_equal(select_column(table, "waiting").values, [79.0, 54.0, 74.0])


def test_excel_sep_line_and_rows_of_bare_delimiters():
    text = "sep=;\r\nx;y\r\n1;2\r\n;\r\n3;4\r\n;;\r\n"
    table = read_table(_as_bytes(text))
    assert table.delimiter == "semicolon"
    assert table.n_rows == 2
    np.testing.assert_array_equal(select_column(table, "y").values, [2.0, 4.0])


def test_trailing_delimiters_do_not_make_a_column():
    table = read_table(b"v,\n1,\n2,\n3,\n")
    assert table.all_columns == ("v",)
    np.testing.assert_array_equal(select_column(table).values, [1.0, 2.0, 3.0])


def test_duplicate_and_blank_header_names_are_made_unique():
    table = read_table(b"x,x,\n1,2,3\n4,5,6\n")
    assert table.columns == ("x", "x (2)", "column 3")


def test_integers_big_and_signed_numbers():
    col = parse_upload(b"v\n+1\n-2\n18446744073709551615\n1e-300\n.5\n5.\n")
    np.testing.assert_array_equal(col.values, [1.0, -2.0, 2.0**64 - 1, 1e-300, 0.5, 5.0])


def test_bytearray_and_memoryview_are_accepted():
    for data in (bytearray(b"1\n2\n"), memoryview(b"1\n2\n")):
        np.testing.assert_array_equal(parse_upload(data).values, [1.0, 2.0])


def test_results_are_frozen_and_picklable():
    table = read_table(b"a,b\n1,2\n3,4\n")
    with pytest.raises(AttributeError):
        table.columns = ()  # type: ignore[misc]
    again = pickle.loads(pickle.dumps(table))
    np.testing.assert_array_equal(select_column(again, "b").values, [2.0, 4.0])
    col = select_column(table)
    assert isinstance(col, Column)
    with pytest.raises(AttributeError):
        col.name = "z"  # type: ignore[misc]
    assert col.values.dtype == np.float64 and col.values.shape == (2,)
    assert isinstance(table, ParsedTable)


# ---------------------------------------------------------------------------
# Bad files
# ---------------------------------------------------------------------------


def _error(data: bytes, **kwargs) -> str:
    with pytest.raises(DataError) as info:
        parse_upload(data, **kwargs)
    message = str(info.value)
    assert "Traceback" not in message
    return message


def test_data_error_is_a_value_error():
    assert issubclass(DataError, ValueError)


@pytest.mark.parametrize(
    "data", [b"", b"   \n\t\n", b"\n\n\n", b"# only a comment\n\n# another\n", b"\xef\xbb\xbf"]
)
def test_empty_files(data):
    assert "empty" in _error(data)


def test_only_a_header():
    message = _error(b"eruptions,waiting\n")
    assert "only a header" in message
    assert "'eruptions'" in message and "'waiting'" in message


@pytest.mark.parametrize(
    ("data", "filename", "kind"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "plot.png", "PNG"),
        (zip_bytes(), "data.xlsx", "Excel .xlsx"),
        (zip_bytes(), "data.zip", "ZIP"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500), "old.xls", "Excel .xls"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "paper.pdf", "PDF"),
        (gzip.compress(b"1\n2\n3\n", mtime=0), "data.csv.gz", "gzip"),
        (b"1.5\n2.5\x00\x00\n3.5\n", "data.csv", "NUL"),
        (b"1.5\n2.5\x01\x02\x03\n", "", "control characters"),
    ],
)
def test_binary_files(data, filename, kind):
    message = _error(data, filename=filename)
    assert "binary file" in message
    assert kind in message
    assert "CSV" in message


@pytest.mark.parametrize(
    "data",
    [
        b"v\n1\n\x81\x8d\x8f\x90\x9d\n2\n",  # bytes undefined in Windows-1252 (C1 in latin-1)
        bytes(range(0xA0, 0x100)) * 8 + b"\n1\n2\n",  # mostly high bytes: not a text table
    ],
)
def test_unreadable_encoding(data):
    message = _error(data)
    assert "encoding" in message
    assert "UTF-8" in message


def test_no_numeric_column_names_the_columns_found():
    message = _error(b"name,city\nann,Oslo\nbob,Rome\n")
    assert "No column holds numbers" in message
    assert "'name'" in message and "'city'" in message


def test_decimal_comma_columns_are_converted_with_a_note():
    # Changed by issue 12: decimal commas in a ;-separated file are read, and the note says so.
    col = parse_upload(b"x;y\n1,5;2,25\n3,5;4,75\n", column="y")
    np.testing.assert_array_equal(col.values, [2.25, 4.75])
    assert any("decimal comma" in n and "'2,25' was read as 2.25" in n for n in col.notes)


def test_ragged_row_is_located():
    message = _error(b"a,b\n1,2\n3,4\n5,6,7\n8,9\n")
    assert "Row 4" in message
    assert "3 cells" in message


NONFINITE_TEXT = (
    "a,b\n1,10\n,20\n3,30\nnan,40\ninf,50\n6,60\n7,70\n8,80\nn/a,90\n10,100\n-inf,110\n"
)
# file rows:  1=header, 2..12=data; bad cells in column a on rows 3 (blank), 5 (nan),
# 6 (inf), 10 (n/a) and 12 (-inf): 5 bad cells out of 11.


def test_nonfinite_cells_raise_with_count_rows_and_contents():
    table = read_table(_as_bytes(NONFINITE_TEXT))
    assert table.columns == ("a", "b")
    with pytest.raises(DataError) as info:
        select_column(table, "a")
    message = str(info.value)
    assert "5 cells" in message
    for fragment in ("row 3 (empty)", "row 5 ('nan')", "row 6 ('inf')", "row 10 ('n/a')"):
        assert fragment in message
    assert "row 12 ('-inf')" in message
    assert "drop non-finite values" in message


def test_many_nonfinite_cells_are_summarised():
    values = ["1", "2"] * 50 + ["x"] * 7 + ["3"] * 93
    message = _error(_as_bytes("v\n" + "\n".join(values) + "\n"))
    assert "7 cells" in message
    assert "row 102 ('x')" in message and "row 106 ('x')" in message
    assert "and 2 more" in message


def test_nonfinite_cells_are_dropped_on_request():
    col = parse_upload(_as_bytes(NONFINITE_TEXT), column="a", drop_nonfinite=True)
    assert col.n_dropped == 5
    np.testing.assert_array_equal(col.values, [1.0, 3.0, 6.0, 7.0, 8.0, 10.0])
    assert any(
        "5 values that were not finite numbers were dropped" in n and "rows 3, 5, 6, 10" in n
        for n in col.notes
    )
    # the other column is untouched
    other = parse_upload(_as_bytes(NONFINITE_TEXT), column="b", drop_nonfinite=True)
    assert other.n_dropped == 0
    assert other.values.size == 11


def test_row_numbers_count_header_comment_and_blank_lines():
    text = "# exported\nv\n\n" + "\n".join(str(i) for i in range(1, 11)) + "\noops\n"
    # lines: 1 comment, 2 header, 3 blank, 4..13 values 1..10, 14 'oops'
    message = _error(_as_bytes(text))
    assert "1 cell that is not a finite number" in message
    assert "row 14 ('oops')" in message
    col = parse_upload(_as_bytes(text), drop_nonfinite=True)
    assert col.n_dropped == 1
    assert col.notes == ("1 value that was not a finite number was dropped (row 14).",)


def test_row_numbers_count_blank_lines_in_a_file_without_comments():
    text = "v\n\n" + "\n\n".join(str(i) for i in range(1, 11)) + "\n  \n\n1e999\n"
    # lines: 1 header, 2 blank, 3..21 values 1..10 with blank lines between, 22-23 blank
    assert "row 24 ('1e999')" in _error(_as_bytes(text))


def test_overflowing_number_counts_as_infinite():
    message = _error(b"v\n1\n2\n1e400\n")
    assert "1 cell" in message and "row 4" in message


def test_one_distinct_value():
    assert "two different values" in _error(b"v\n4.2\n4.2\n4.2\n")
    assert "two different values" in _error(b"v\n4.2\n")
    assert "two different values" in _error(b"v\n4.2\nnan\n", drop_nonfinite=True)


def test_all_values_dropped():
    # Every value of the column is NaN or ±inf: nothing is left once they are dropped.
    message = _error(b"a,b\nnan,1\ninf,2\n-inf,3\n", column="a", drop_nonfinite=True)
    assert "Column 'a' has no numbers left after dropping the non-finite cells" in message
    # Blanks and text are not numbers at all: the column is refused, the numeric one named.
    message = _error(b"a,b\n,1\n,2\nx,3\n", column="a", drop_nonfinite=True)
    assert "Column 'a' does not hold numbers" in message and "'b'" in message


def test_numbers_in_one_row_get_a_hint():
    message = _error(b"1.5 2.5 3.5 4.5\n")
    assert "one value per line" in message


def test_too_many_points():
    message = _error(b"v\n1\n2\n3\n4\n5\n6\n", max_points=5)
    assert "6 values" in message
    assert "limit of 5" in message
    np.testing.assert_array_equal(
        parse_upload(b"v\n1\n2\n3\n4\n5\n", max_points=5).values, [1, 2, 3, 4, 5]
    )
    assert MAX_POINTS == 1_000_000


def test_unknown_column_lists_numeric_columns():
    message = _error(b"eruptions,waiting\n3.6,79\n1.8,54\n", column="duration")
    assert "'duration'" in message
    assert "'eruptions'" in message and "'waiting'" in message


# ---------------------------------------------------------------------------
# Properties and performance
# ---------------------------------------------------------------------------

finite_arrays = hnp.arrays(
    np.float64,
    st.integers(2, 40),
    elements=st.floats(allow_nan=False, allow_infinity=False, width=64),
)


def _em_can_scale(x: np.ndarray) -> bool:
    """Whether x's spread can be squared and resolved in double precision (numpy's var)."""
    with np.errstate(over="ignore", under="ignore"):
        variance = float(np.var(x))
    return np.isfinite(variance) and variance > 0


def _same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and bool(np.all(a.view(np.int64) == b.view(np.int64)))


@given(finite_arrays)
def test_savetxt_round_trips_exactly(x):
    buf = io.BytesIO()
    np.savetxt(buf, x)
    if x.min() == x.max():
        with pytest.raises(DataError, match="two different values"):
            parse_upload(buf.getvalue())
        return
    if not _em_can_scale(x):  # issue 12: refused before it reaches EM, with the fix
        with pytest.raises(DataError, match="rescale the data"):
            parse_upload(buf.getvalue())
        return
    col = parse_upload(buf.getvalue())
    assert col.n_dropped == 0
    assert _same_bits(col.values, x)


@given(
    finite_arrays,
    st.sampled_from(sorted(DELIMITERS)),
    st.booleans(),
    st.sampled_from(["\n", "\r\n"]),
)
def test_repr_round_trips_exactly_in_a_two_column_table(x, delimiter, header, newline):
    d = DELIMITERS[delimiter]
    lines = [f"{i}{d}{v!r}" for i, v in enumerate(x.tolist())]
    if header:
        lines.insert(0, f"index{d}value")
    data = (newline.join(lines) + newline).encode()
    name = "value" if header else "column 2"
    if x.min() == x.max() or not _em_can_scale(x):
        with pytest.raises(DataError):
            parse_upload(data, column=name)
        return
    col = parse_upload(data, column=name)
    assert _same_bits(col.values, x)


@given(
    st.one_of(
        st.binary(max_size=80),
        st.text(
            st.sampled_from([*'0123456789.,;|\t \n\r"#-+eEinfaNA/x', "\ufeff", "é"]),
            max_size=60,
        ).map(str.encode),
    ),
    st.booleans(),
)
def test_any_input_either_parses_or_raises_data_error(data, drop):
    try:
        col = parse_upload(data, drop_nonfinite=drop)
    except DataError as exc:
        assert str(exc)
    else:
        assert col.values.dtype == np.float64 and col.values.ndim == 1
        assert np.all(np.isfinite(col.values)) and np.unique(col.values).size >= 2


@pytest.mark.slow
def test_a_million_rows_at_the_limit_parse_exactly():
    """The largest accepted upload round-trips bit for bit (its speed is a benchmark matter)."""
    x = np.random.default_rng(0).normal(size=1_000_000)
    data = ("value\n" + "\n".join(map(repr, x.tolist())) + "\n").encode()
    assert _same_bits(parse_upload(data).values, x)
