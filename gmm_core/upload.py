"""Robust reading of uploaded tables of numbers (the upload parser; numpy and pandas only).

``read_table`` runs four steps, each a function that can be tested alone:

1. :func:`decode_upload` — bytes to text (encoding, binary files, size limit);
2. :func:`split_text` — text to data lines: comments, the delimiter, a preamble, the header,
   and cheap counts (rows, columns, cell and line lengths, quotes) checked *before* parsing;
3. :func:`frame_cells` — the data lines to one :class:`pandas.Series` per column (pandas'
   C parser, on text already known to be within the limits);
4. :func:`classify_columns` — which columns hold numbers (decimal commas converted), their
   names and the default column.

Public API
----------
DataError
    Raised for any problem with an uploaded file. The message is written for the
    student: what is wrong and how to fix it. No other exception leaves this module for
    bytes input.
MAX_POINTS, MAX_BYTES, MAX_COLUMNS, MAX_CELLS, MAX_CELL_CHARS
    The limits (values per column, file size, columns, cells, characters per cell).
ParsedTable, read_table
    Parse the bytes of a CSV/TSV/TXT file into numeric columns.
Column, select_column
    Pick one column and validate it (finite values, at least two distinct values, a
    spread EM can work with in double precision, at most ``max_points`` values).

Reading rules (decisions)
-------------------------
Encoding
    A UTF-16 byte-order mark selects UTF-16 (Excel's "Unicode text" export).
    Otherwise the bytes must be UTF-8 (a UTF-8 BOM is removed). If they are not
    valid UTF-8, they are decoded as Windows-1252 (the Western-European superset
    of latin-1 that Excel on Windows writes), but only if that decoding is clean:
    every byte is defined in Windows-1252, no control characters appear, and at
    most half of the non-blank bytes are non-ASCII. Anything else is rejected as
    an unreadable encoding.
Binary files
    Files starting with a known binary signature (PNG, JPEG, GIF, PDF, ZIP, which
    includes .xlsx/.ods, old .xls, gzip, ...) or containing NUL bytes or other
    control characters are rejected with a hint to save the data as CSV. Text that
    starts with an HTML/XML tag or is bracketed like JSON is rejected with a hint to
    export a CSV.
Limits (counted before pandas parses anything, so no file costs more than its size)
    At most :data:`MAX_BYTES` (50 MB), :data:`MAX_POINTS` data rows, :data:`MAX_COLUMNS`
    columns, :data:`MAX_CELLS` cells, lines of at most 64,000 characters and cells of
    at most :data:`MAX_CELL_CHARS`; a quote (``"``) that is never closed is reported
    with its row. Numbers all in one row are refused with a hint to put one per line
    (the table would otherwise have one column per value).
Lines
    ``\\r\\n`` and ``\\r`` line ends are accepted. Blank lines, lines starting with
    ``#`` (comments), and lines made only of delimiters (Excel's ``,,,`` rows) are
    ignored; a ``#`` later in a line starts a comment that runs to the end of the
    line. An Excel ``sep=;`` first line sets the delimiter. Two or more lines of
    text before the first line with a number (an export's title, a date) are a
    preamble: all but the last are skipped with a note, and the last is the header.
Delimiter
    Sniffed on the first 100 content lines: tab, semicolon, comma and pipe are
    tried in that order (semicolon before comma because European spreadsheets
    write ``;``-separated files); the first one that splits at least 80% of the
    sampled lines (after the first, which may be a header) into two or more
    fields wins. Otherwise runs of whitespace are tried with the same rule;
    otherwise the file is one column. The fast pandas C parser then reads the
    whole file; a row with more cells than the first data row is reported.
    Decimal commas: a column whose non-number cells are numbers like ``1,5`` (in a
    file separated by semicolons, tabs, spaces or pipes, or quoted) is read with the
    comma as the decimal point, and a note says so. A comma-sniffed file with a
    one-name header above lines that are all ``digits,digits`` is one such column
    (not two columns); without a header, the two integer columns are kept and a note
    points out the other reading.
Header
    The first line is a header if at least one of its cells is text (not a number,
    not blank, not a missing-value marker) sitting above a column whose other
    sampled cells are numbers; a first line of text above no numeric column at all
    is also taken as a header. A headerless file gets the column names
    "column 1", "column 2", ...; blank header cells get the same kind of name, and
    repeated names get " (2)", " (3)", ... appended. A header with one name fewer
    than the data columns (R's ``write.table``) names the data columns after the
    first (row-name) column.
Numeric columns
    A column is numeric if at least 90% of its filled cells parse as numbers
    (``inf`` counts as a number; blank cells and missing-value markers such as
    ``NA``, ``n/a``, ``NaN``, ``null``, ``-``, ``?`` count as not filled).
Default column
    ``select_column(table)`` uses the first numeric column, except that an
    unnamed first numeric column holding exactly 0, 1, 2, ... or 1, 2, 3, ... (the row
    numbers R's ``write.csv`` and pandas' ``to_csv`` write) is skipped when
    another numeric column exists; a note says so.
Values EM can use
    ``select_column`` refuses a column whose values are all equal (naming double
    precision when the file's texts differ, e.g. 1e15 ± 0.001) or whose spread cannot
    be squared or resolved in double precision (±1e308, subnormals; the rule of
    :func:`gmm_core.em.data_variance`).
Row numbers
    Rows in messages are line numbers of the file, counted from 1 and including
    the header, comment and blank lines: the row a spreadsheet or text editor
    shows.
"""

from __future__ import annotations

import csv
import dataclasses
import decimal
import io
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .em import data_variance

__all__ = [
    "MAX_BYTES",
    "MAX_CELLS",
    "MAX_CELL_CHARS",
    "MAX_COLUMNS",
    "MAX_POINTS",
    "Column",
    "DataError",
    "ParsedTable",
    "SplitText",
    "classify_columns",
    "decode_upload",
    "frame_cells",
    "read_table",
    "select_column",
    "split_text",
]

MAX_POINTS: int = 1_000_000
"""Largest number of values EM Lab accepts from one column (and of data rows in a file)."""
MAX_BYTES: int = 50 * 1024 * 1024
"""Largest file read (the server's upload limit, ``server.maxUploadSize``, is the same)."""
MAX_COLUMNS: int = 1_000
"""Most columns a table may have."""
MAX_CELLS: int = 3_000_000
"""Most cells (rows × columns) a table may have: bounds the parser's memory."""
MAX_CELL_CHARS: int = 1_000
"""Longest cell, in characters: no number is that long."""

# ---------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------


class DataError(ValueError):
    """A problem with user-supplied data, explained for a student.

    The message says what is wrong and how to fix it, in one or two sentences,
    and can be shown in the UI as it is.
    """


# ---------------------------------------------------------------------------
# Parsed tables and columns
# ---------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class _Cells:
    """One column of a parsed table: numbers (NaN where not a number) and raw text."""

    values: np.ndarray  # float64 (n_rows,), read-only; NaN where the cell is not a number
    raw: np.ndarray | None  # object (n_rows,) raw cells, or None if pandas read numbers
    # when `raw` is None: (row index, text) of the first few non-finite cells ("1e999")
    bad_text: tuple[tuple[int, str], ...] = ()
    # the text of the column's first cells (at most 100), to explain values that parse equal
    texts: tuple[str, ...] = ()
    # cells that are not blank or a missing-value marker (-1: all non-NaN values)
    n_filled: int = -1
    # a cell written with a decimal comma, when the column was read with it ("1,5")
    comma_example: str | None = None


@dataclass(frozen=True)
class ParsedTable:
    """A parsed upload: its numeric columns, ready for :func:`select_column`.

    Attributes
    ----------
    columns : tuple of str
        Names of the numeric columns, in file order.
    all_columns : tuple of str
        Names of every column found (numeric or not), in file order.
    default_column : str
        The column :func:`select_column` uses when no column is given: the first
        numeric column, unless that one is an unnamed column of row numbers
        (0, 1, 2, ... or 1, 2, 3, ..., as written by R or pandas) and another
        numeric column exists.
    has_header : bool
        Whether the first line was read as column names.
    delimiter : str
        How the cells were separated, in words: ``"comma"``, ``"semicolon"``,
        ``"tab"``, ``"pipe"``, ``"whitespace"`` or ``"none (one column)"``.
    encoding : str
        The text encoding used: ``"UTF-8"``, ``"UTF-16"`` or ``"Windows-1252"``.
    n_rows : int
        Number of data rows (blank and comment lines and the header excluded).
    notes : tuple of str
        Plain-language remarks worth showing the student (e.g. an encoding fallback).
    """

    columns: tuple[str, ...]
    all_columns: tuple[str, ...]
    default_column: str
    has_header: bool
    delimiter: str
    encoding: str
    n_rows: int
    notes: tuple[str, ...] = ()
    _cells: tuple[_Cells, ...] = field(default=(), repr=False, compare=False)
    _rows: np.ndarray = field(
        default_factory=lambda: np.zeros(0, dtype=np.int64), repr=False, compare=False
    )


@dataclass(frozen=True, eq=False)
class Column:
    """One validated column of numbers, ready for EM.

    Attributes
    ----------
    name : str
        Column name (from the header, or ``"column k"``).
    values : numpy.ndarray
        ``float64`` array of shape ``(N,)`` with finite values only, in file order.
        It is a new array owned by the caller.
    n_dropped : int
        How many non-finite cells were dropped (0 unless ``drop_nonfinite=True``).
    notes : tuple of str
        Plain-language sentences for the UI, e.g. how many values were dropped.
    """

    name: str
    values: np.ndarray
    n_dropped: int = 0
    notes: tuple[str, ...] = ()


# ---------------------------------------------------------------------------
# Decoding
# ---------------------------------------------------------------------------

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive, e.g. an Excel .xlsx workbook"),
    (b"PK\x05\x06", "a ZIP archive, e.g. an Excel .xlsx workbook"),
    (b"PK\x07\x08", "a ZIP archive, e.g. an Excel .xlsx workbook"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Excel .xls workbook"),
    (b"\x1f\x8b", "a gzip-compressed file"),
    (b"BZh", "a bzip2-compressed file"),
    (b"\xfd7zXZ\x00", "an xz-compressed file"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"SQLite format 3\x00", "an SQLite database"),
    (b"PAR1", "a Parquet file"),
    (b"\x93NUMPY", "a NumPy .npy file"),
    (b"{\\rtf", "an RTF (word-processor) document"),
)
_EXT_KIND = {
    ".xlsx": "an Excel .xlsx workbook",
    ".xlsm": "an Excel .xlsm workbook",
    ".xls": "an Excel .xls workbook",
    ".ods": "a LibreOffice .ods spreadsheet",
    ".numbers": "an Apple Numbers file",
}
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


def _binary_error(kind: str, filename: str) -> DataError:
    what = _quoted(filename) if filename else "This file"
    return DataError(
        f"{what} looks like a binary file ({kind}), not a text table of numbers. "
        "If the data are in Excel or another program, save them as CSV "
        "(File > Save As > CSV) and upload the CSV file."
    )


def _binary_kind(data: bytes, filename: str) -> str | None:
    ext = Path(filename).suffix.lower() if filename else ""
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            if magic.startswith(b"PK") and ext in _EXT_KIND:
                return _EXT_KIND[ext]
            return kind
    return None


def decode_upload(data: bytes, filename: str = "") -> tuple[str, str]:
    """Step 1: uploaded bytes to text, rejecting binary, oversized and unreadable files.

    Returns
    -------
    text : str
        The decoded text (byte-order mark and DOS end-of-file marker removed).
    encoding : str
        ``"UTF-8"``, ``"UTF-16"`` or ``"Windows-1252"``.

    Raises
    ------
    DataError
        For an empty, binary, oversized (over :data:`MAX_BYTES`) or undecodable file.
    """
    if len(data) > MAX_BYTES:
        raise DataError(
            f"The file is {len(data) / 2**20:,.0f} MB, more than the limit of "
            f"{MAX_BYTES // 2**20} MB. Upload a smaller file, for example a random sample of "
            f"at most {MAX_POINTS:,} values."
        )
    if len(data) == 0:
        raise DataError(
            "The file is empty (0 bytes). Upload a text file with one number per line, "
            "or a CSV file with a column of numbers."
        )
    kind = _binary_kind(data, filename)
    if kind is not None:
        raise _binary_error(kind, filename)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text, encoding = data.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError:
            raise _encoding_error() from None
    else:
        if b"\x00" in data:
            ext_kind = _EXT_KIND.get(Path(filename).suffix.lower() if filename else "")
            raise _binary_error(ext_kind or "it contains NUL bytes", filename)
        try:
            text, encoding = data.decode("utf-8-sig"), "UTF-8"
        except UnicodeDecodeError:
            text, encoding = _windows_1252(data), "Windows-1252"
    text = text.lstrip("\ufeff").rstrip("\x1a")  # BOM; DOS end-of-file marker
    if _CONTROL.search(text):
        raise _binary_error("it contains control characters", filename)
    return text, encoding


def _windows_1252(data: bytes) -> str:
    """Bytes that are not UTF-8 decoded as Windows-1252, if that decoding is clean (every byte
    defined, no control characters, at most half of the non-blank bytes non-ASCII)."""
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        raise _encoding_error() from None
    octets = np.frombuffer(data, dtype=np.uint8)
    filled = np.count_nonzero(octets > 32)
    if _CONTROL.search(text) or np.count_nonzero(octets >= 128) > 0.5 * filled:
        raise _encoding_error() from None
    return text


def _encoding_error() -> DataError:
    return DataError(
        "The file's text encoding could not be read: it is not UTF-8 and does not look "
        "like Western-European (latin-1) text either. Save it as 'CSV UTF-8' "
        "(in Excel: File > Save As) and upload it again."
    )


# ---------------------------------------------------------------------------
# Lines, delimiter and header
# ---------------------------------------------------------------------------

_BLANK_LINE = re.compile(r"\n[^\S\n]*\n")  # fast: the pattern starts with a literal
_SKIPPABLE_LINE = re.compile(r"^[^\S\n]*(?:#[^\n]*)?$", re.MULTILINE)
_SEP_DIRECTIVE = re.compile(r'\s*"?sep=(.)"?\s*', re.IGNORECASE)
_NUMBER = re.compile(
    r"[+-]?(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|inf|infinity|nan)", re.IGNORECASE
)
_DECIMAL_COMMA = re.compile(r"[+-]?[0-9]+,[0-9]+")
_NA_TOKENS = frozenset(
    {
        "",
        "na",
        "n/a",
        "n.a.",
        "nan",
        "-nan",
        "+nan",
        "null",
        "none",
        "<na>",
        "#n/a",
        "#na",
        "missing",
        "-",
        "--",
        "?",
        ".",
    }
)
_WHITESPACE = r"\s+"
_SINGLE = "\x1f"  # a separator that cannot occur (control characters were rejected)
_DELIMITER_NAMES = {
    "\t": "tab",
    ";": "semicolon",
    ",": "comma",
    "|": "pipe",
    _WHITESPACE: "whitespace",
    _SINGLE: "none (one column)",
}
_SAMPLE_LINES = 100
_SHOWN = 5  # how many bad cells a message lists
_MIN_SHARE_SPLIT = 0.8
_MIN_SHARE_NUMERIC = 0.9


def _content_lines(text: str) -> tuple[str, np.ndarray]:
    """Remove blank and comment lines; return the rest and their 1-based line numbers."""
    if "#" not in text and text[:1].strip() and not _BLANK_LINE.search(text):
        # `text` is right-stripped, so neither its first nor its last line is blank.
        return text, np.arange(1, text.count("\n") + 2, dtype=np.int64)
    # Cut the (usually few) skippable lines out with one regex pass instead of a
    # Python loop over every line: 1e6-line files stay fast.
    pieces: list[str] = []
    skipped: list[int] = []
    start = 0  # where the next kept piece of text starts
    counted, line = 0, 0  # line = index of the line that contains position `counted`
    for match in _SKIPPABLE_LINE.finditer(text):
        begin, end = match.span()
        line += text.count("\n", counted, begin)
        counted = begin
        skipped.append(line)
        pieces.append(text[start:begin])
        start = end + 1  # also drop the line's "\n"
    pieces.append(text[start:])
    rows = np.delete(np.arange(1, text.count("\n") + 2, dtype=np.int64), skipped)
    return "".join(pieces).rstrip("\n"), rows


def _drop_lines(body: str, rows: np.ndarray, pattern: re.Pattern[str]) -> tuple[str, np.ndarray]:
    """Remove the lines of `body` that fully match `pattern`."""
    lines = body.split("\n")
    keep = [i for i, line in enumerate(lines) if not pattern.fullmatch(line)]
    return "\n".join([lines[i] for i in keep]), rows[keep]


def _strip_comment(line: str) -> str:
    return line.split("#", 1)[0]


def _split(line: str, sep: str) -> list[str]:
    """Split one line into stripped cells the way pandas will."""
    line = _strip_comment(line)
    if sep == _WHITESPACE:
        return [cell.strip('"') for cell in line.split()]
    if sep == _SINGLE:
        return [line.strip().strip('"')]
    try:
        return [cell.strip() for cell in next(csv.reader([line], delimiter=sep), [""])]
    except csv.Error:  # e.g. a cell over csv's field size limit: split without quotes
        return [cell.strip().strip('"') for cell in line.split(sep)]


def _mostly_split(counts: list[int]) -> bool:
    """True if at least 80% of the sampled lines split into two or more fields."""
    return bool(counts) and sum(c >= 2 for c in counts) >= _MIN_SHARE_SPLIT * len(counts)


def _sniff_delimiter(sample: list[str]) -> str:
    """Choose the delimiter from the first content lines (see module docstring)."""
    lines = [_strip_comment(line) for line in sample]
    body = lines[1:] if len(lines) > 1 else lines
    for sep in ("\t", ";", ",", "|"):
        if any(sep in line for line in lines) and _mostly_split(
            [len(_split(line, sep)) for line in body]
        ):
            return sep
    if _mostly_split([len(line.split()) for line in body]):
        return _WHITESPACE
    return _SINGLE


def _cell_kind(cell: str) -> str:
    """Classify a sampled cell as ``"blank"``, ``"number"`` or ``"text"``."""
    if cell.lower() in _NA_TOKENS:
        return "blank"
    return "number" if _NUMBER.fullmatch(cell) or _DECIMAL_COMMA.fullmatch(cell) else "text"


def _mostly_numbers(kinds: list[str]) -> bool:
    filled = [k for k in kinds if k != "blank"]
    n_num = sum(k == "number" for k in filled)
    return n_num > 0 and n_num >= _MIN_SHARE_NUMERIC * len(filled)


def _detect_header(rows: list[list[str]]) -> tuple[bool, bool]:
    """Decide whether the first sampled row holds column names (see module docstring).

    Returns
    -------
    has_header : bool
        Whether the first row is a header.
    shifted : bool
        Whether the header names the columns after the first one (R's ``write.table``
        writes no name for its row-name column).
    """
    first_kinds = [_cell_kind(c) for c in rows[0]]
    if "text" not in first_kinds:
        return False, False
    rest = rows[1:]
    if not rest:
        return True, False
    width = max(len(r) for r in rows)
    body_kinds = [[_cell_kind(r[j]) for r in rest if j < len(r)] for j in range(width)]
    numeric_body = [_mostly_numbers(kinds) for kinds in body_kinds]

    def names_numbers(kinds: list[str]) -> bool:
        return any(k == "text" and numeric_body[j] for j, k in enumerate(kinds))

    can_shift = len(rows[0]) == width - 1 and any(k != "blank" for k in body_kinds[-1])
    if can_shift and names_numbers(["blank", *first_kinds]):
        return True, True
    if names_numbers(first_kinds):
        return True, False
    return not any(numeric_body) and "number" not in first_kinds, False


def _column_names(
    header: list[str] | None, width: int, shifted: bool
) -> tuple[list[str], list[bool]]:
    """Column names, and whether each one was made up (blank or missing header cell)."""
    cells = list(header) if header is not None else []
    if shifted:
        cells = ["", *cells]
    cells = (cells + [""] * width)[:width]
    names: list[str] = []
    made_up: list[bool] = []
    seen: Counter[str] = Counter()
    for j, cell in enumerate(cells):
        name = cell if cell else f"column {j + 1}"
        made_up.append(not cell)
        seen[name] += 1
        if seen[name] > 1:
            name = f"{name} ({seen[name]})"
        names.append(name)
    return names, made_up


# ---------------------------------------------------------------------------
# read_table
# ---------------------------------------------------------------------------


def _as_bytes(data: bytes | bytearray | memoryview) -> bytes:
    if isinstance(data, bytes):
        return data
    if isinstance(data, (bytearray, memoryview)):
        return bytes(data)
    raise TypeError(f"data must be bytes, not {type(data).__name__}")


def _column_cells(series: pd.Series, texts: tuple[str, ...] = ()) -> _Cells:
    """One pandas column as numbers (NaN where a cell is not one), keeping the raw text of a
    text column that holds numbers.

    A text column is classified with vectorised string tests first (blank/missing markers,
    numbers, decimal-comma numbers); only a column that can pass the 90% rule is converted,
    with its decimal commas read as points when that is what makes it numeric.
    """
    dtype = series.dtype
    if (pd.api.types.is_float_dtype(dtype) or pd.api.types.is_integer_dtype(dtype)) and not (
        pd.api.types.is_bool_dtype(dtype)
    ):
        values = series.to_numpy(dtype=np.float64, copy=True)
        values.flags.writeable = False
        return _Cells(values=values, raw=None, texts=texts)
    n = len(series)
    if pd.api.types.is_bool_dtype(dtype):
        values = np.full(n, np.nan)
        values.flags.writeable = False
        return _Cells(values=values, raw=None, texts=texts, n_filled=n)
    stripped = series.astype(str).str.strip()
    filled = ~stripped.str.lower().isin(_NA_TOKENS).to_numpy(dtype=bool)
    number = stripped.str.fullmatch(_NUMBER.pattern, case=False).to_numpy(dtype=bool)
    comma = stripped.str.fullmatch(_DECIMAL_COMMA.pattern).to_numpy(dtype=bool)
    n_filled = int(np.count_nonzero(filled))
    values = np.full(n, np.nan)
    example = None
    if np.count_nonzero(number | comma) >= _MIN_SHARE_NUMERIC * n_filled > 0:
        read_as_point = number.copy()
        if comma.any() and np.count_nonzero(number) < _MIN_SHARE_NUMERIC * n_filled:
            read_as_point |= comma  # the decimal commas make it a numeric column
            example = str(stripped.iloc[int(np.flatnonzero(comma)[0])])
        text = stripped[read_as_point].str.replace(",", ".", regex=False)
        values[read_as_point] = pd.to_numeric(text, errors="coerce").to_numpy(
            dtype=np.float64, na_value=np.nan
        )
    values.flags.writeable = False
    raw = series.to_numpy(dtype=object) if not np.isnan(values).all() else None
    return _Cells(values=values, raw=raw, texts=texts, n_filled=n_filled, comma_example=example)


def _raw_text(cells: _Cells, i: int) -> str:
    """The stripped text of cell `i` ("" if blank)."""
    if cells.raw is None:
        known = dict(cells.bad_text)
        if i in known:
            return known[i]
        value = cells.values[i]
        return "nan" if np.isnan(value) else ("inf" if value > 0 else "-inf")
    cell = cells.raw[i]
    return "" if not isinstance(cell, str) else cell.strip()


def _filled_share(cells: _Cells) -> tuple[int, int]:
    """Return (number cells, filled cells) for the numeric-column rule."""
    n_number = int(np.count_nonzero(~np.isnan(cells.values)))
    return n_number, (n_number if cells.n_filled < 0 else cells.n_filled)


def _is_row_index(cells: _Cells) -> bool:
    v = cells.values
    if v.size < 2 or not np.all(np.isfinite(v)):
        return False
    start = v[0]
    return start in (0.0, 1.0) and np.array_equal(v, np.arange(start, start + v.size))


_ECHO_CHARS = 40  # longest piece of a user's text repeated in a message


def _quoted(text: str) -> str:
    """``'text'``, cut to 40 characters (names and cells can be anything a file holds)."""
    if len(text) > _ECHO_CHARS:
        text = text[: _ECHO_CHARS - 1] + "…"
    return f"'{text}'"


def _quoted_list(names: tuple[str, ...] | list[str], limit: int = 8) -> str:
    shown = ", ".join(_quoted(n) for n in names[:limit])
    if len(names) > limit:
        shown += f" and {len(names) - limit} more"
    return shown


def _ragged_error(message: str, rows: np.ndarray, sep: str) -> DataError:
    match = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", message)
    how = _separated(sep)
    if match is None:
        return DataError(
            f"The file could not be read as a table ({how}). Check that every row has the "
            'same number of cells and that quotes (") are paired.'
        )
    expected, line, saw = (int(g) for g in match.groups())
    index = line - 1
    row = int(rows[index]) if 0 <= index < rows.size else line
    return DataError(
        f"Row {row} has {saw} cells but the rows above it have {expected} "
        f"({how}). Make every row have the same number of cells, "
        "or upload just the column of numbers."
    )


def _separated(sep: str) -> str:
    """How the cells are separated, in words, e.g. "cells separated by commas"."""
    if sep == _SINGLE:
        return "one column, no separator between cells"
    return f"cells separated by {_DELIMITER_NAMES.get(sep, repr(sep))}"


# ---------------------------------------------------------------------------
# Step 2: split the text into data lines (cheap checks before any parsing)
# ---------------------------------------------------------------------------

_MAX_LINE_CHARS = 64_000  # a row of MAX_COLUMNS numbers of 60 characters
_MAX_PREAMBLE = 20  # most lines of text above the header that are skipped
_MAX_LINES = MAX_POINTS + MAX_POINTS // 5  # all lines, blank and comment lines included
_HTML_START = re.compile(r"<(?:!doctype|html|head|body|\?xml|table|div|svg|!--)", re.IGNORECASE)
_DECIMAL_COMMA_LINE = re.compile(r'\s*"?[+-]?\d+,\d+"?\s*')


@dataclass(frozen=True, eq=False)
class SplitText:
    """Step 2's result: the data lines of a file and how to cut them into cells.

    Attributes
    ----------
    body : str
        The data lines joined by ``"\\n"``: no header, blank, comment or preamble lines.
    rows : numpy.ndarray
        ``int64`` array of shape ``(n_rows,)``: the file's line number (from 1) of each data
        line.
    sep : str
        The delimiter: a character, ``r"\\s+"`` for whitespace, or ``"\\x1f"`` (one column).
    header : tuple of str or None
        The header's cells, or None without a header.
    shifted : bool
        Whether the header names the columns after the first (R's ``write.table``).
    sample : tuple of tuple of str
        The cells of the first data lines (at most 100), for the classification step.
    notes : tuple of str
        Remarks for the student (skipped preamble, a decimal-comma reading, ...).
    """

    body: str
    rows: np.ndarray
    sep: str
    header: tuple[str, ...] | None
    shifted: bool
    sample: tuple[tuple[str, ...], ...]
    notes: tuple[str, ...] = ()
    decimal_comma: bool = False


def _kind_error(text: str) -> DataError | None:
    """A message for text that is a web page or JSON rather than a table, or None."""
    head = text.lstrip()[:200]
    if _HTML_START.match(head) or (head.startswith("<") and head.rstrip().endswith(">")):
        return DataError(
            "The file looks like a web page or XML (it starts with an HTML/XML tag), not a "
            "table of numbers. Open the page, copy the numbers into a spreadsheet and save them "
            "as CSV (File > Save As > CSV), or download the data as CSV instead."
        )
    tail = text.rstrip()[-1:]
    if (head[:1], tail) in (("{", "}"), ("[", "]")):
        return DataError(
            "The file looks like JSON (it starts with a bracket), not a table of numbers. "
            "Export the data as CSV (one number per line, or columns with a header row) "
            "and upload that."
        )
    return None


def _line_of(text: str, position: int, rows: np.ndarray) -> int:
    """The file line number of the character at ``position`` of ``text`` (a body)."""
    index = text.count("\n", 0, position)
    return int(rows[index]) if index < rows.size else index + 1


def _check_line_lengths(body: str, rows: np.ndarray) -> None:
    """Refuse lines too long to be a row of numbers (one regex pass, anchored at line starts)."""
    match = re.search(rf"^[^\n]{{{_MAX_LINE_CHARS + 1}}}", body, re.MULTILINE)
    if match is None:
        return
    row = _line_of(body, match.start(), rows)
    end = body.find("\n", match.start())
    length = (len(body) if end < 0 else end) - match.start()
    if not re.search(r"[,;\t| ]", match.group()):  # one long cell, not a long row
        raise DataError(
            f"Row {row} has a cell of {length:,} characters; a number is at most a few dozen. "
            "Check that this is the right file: EM Lab reads one number per line or a few "
            "columns of numbers."
        )
    if rows.size == 1 or (rows.size == 2 and row == rows[-1]):
        raise DataError(
            f"Row {row} is {length:,} characters long: the numbers seem to be in one row. "
            "EM Lab reads a column: put one value per line (in a spreadsheet: copy the row, "
            "Paste Special > Transpose), then save as CSV."
        )
    raise DataError(
        f"Row {row} is {length:,} characters long, more than a row of {MAX_COLUMNS:,} numbers "
        "can be. Check that this is the right file; EM Lab reads one number per line or a "
        "few columns of numbers."
    )


def _check_cell_lengths(body: str, rows: np.ndarray, sep: str) -> None:
    """Refuse cells longer than MAX_CELL_CHARS; each attempt starts after a separator, so the
    search is one linear pass."""
    n = MAX_CELL_CHARS + 1
    if sep == _WHITESPACE:
        pattern = rf"(?:^|\s)\S{{{n}}}"
    elif sep == _SINGLE:
        pattern = rf"^[^\n]{{{n}}}"
    else:
        esc = re.escape(sep)
        pattern = rf"(?:^|{esc})[^{esc}\n]{{{n}}}"
    match = re.search(pattern, body, re.MULTILINE)
    if match is None:
        return
    row = _line_of(body, match.start(), rows)
    raise DataError(
        f"Row {row} has a cell of more than {MAX_CELL_CHARS:,} characters; a number is at most "
        "a few dozen. Check that this is the right file and that its columns are separated by "
        "commas, semicolons, tabs or spaces."
    )


def _check_quotes(body: str, rows: np.ndarray, sep: str) -> None:
    """Refuse a quote (") that is never closed: pandas would read the rest of the file as one
    cell."""
    if sep == _WHITESPACE or body.count('"') % 2 == 0:
        return
    open_at = 0
    for index, line in enumerate(body.split("\n")):
        open_at ^= line.count('"') % 2
        if open_at:
            row = int(rows[index]) if index < rows.size else index + 1
            raise DataError(
                f'Row {row} has a quote (") that is never closed, so the rest of the file '
                "would be read as one cell. Remove the quote, or add the closing one."
            )


def _first_data_line(split_sample: list[list[str]]) -> int:
    """Index of the first sampled line holding a number (len(sample) if none)."""
    for i, cells in enumerate(split_sample):
        if any(_cell_kind(c) == "number" for c in cells):
            return i
    return len(split_sample)


def _drop_preamble(
    body: str, rows: np.ndarray, split_sample: list[list[str]]
) -> tuple[str, np.ndarray, list[list[str]], str | None]:
    """Skip lines of text above the header (an export's title or date): when two or more
    lines of text come before the first line with a number, all but the last are dropped."""
    first = _first_data_line(split_sample)
    if not 2 <= first <= _MAX_PREAMBLE + 1 or first == len(split_sample):
        return body, rows, split_sample, None
    skip = first - 1
    skipped = [int(r) for r in rows[:skip]]
    pieces = body.split("\n", skip)
    note = (
        f"Skipped {_plural(skip, 'line', 'lines')} of text above the column names "
        f"({_row_list(skipped)}); row {int(rows[skip])} was read as the header."
    )
    return pieces[skip] if len(pieces) > skip else "", rows[skip:], split_sample[skip:], note


def _is_decimal_comma_column(sep: str, split_sample: list[list[str]], lines: list[str]) -> bool:
    """A one-name header over lines that are all "digits,digits": one column written with a
    decimal comma, not two columns."""
    if sep != "," or len(lines) < 2 or len(split_sample[0]) != 1:
        return False
    if _cell_kind(split_sample[0][0]) != "text":
        return False
    return all(_DECIMAL_COMMA_LINE.fullmatch(_strip_comment(line)) for line in lines[1:])


def _content(text: str) -> tuple[str, np.ndarray]:
    """The content lines (no blank or comment lines) and their line numbers, once the text is
    known to be a table of reasonable size."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.rstrip()
    kind = _kind_error(text)
    if kind is not None:
        raise kind
    n_lines = text.count("\n") + 1
    if n_lines > _MAX_LINES:  # before blank and comment lines are removed one by one
        raise DataError(
            f"The file has {n_lines:,} lines, more than the limit of {MAX_POINTS:,} values "
            f"(and {_MAX_LINES:,} lines, blank and comment lines included). Upload a smaller "
            f"file, for example a random sample of at most {MAX_POINTS:,} rows, without "
            "blank or comment lines in between."
        )
    body, rows = _content_lines(text) if text else ("", np.zeros(0, dtype=np.int64))
    if not body:
        raise DataError(
            "The file is empty: it has no data, only blank lines or comments starting "
            "with '#'. Upload a file with one number per line or a column of numbers."
        )
    if rows.size > MAX_POINTS + 1 + _MAX_PREAMBLE:
        raise DataError(
            f"The file has {rows.size:,} rows, more than the limit of {MAX_POINTS:,} values. "
            f"Upload a smaller file, for example a random sample of at most {MAX_POINTS:,} rows."
        )
    _check_line_lengths(body, rows)
    return body, rows


def _delimiter(body: str, rows: np.ndarray) -> tuple[str, str, np.ndarray, list[str]]:
    """(sep, body, rows, sample lines): an Excel ``sep=`` line or the sniffed delimiter, with
    rows made only of delimiters removed."""
    sample = body.split("\n", _SAMPLE_LINES)[:_SAMPLE_LINES]
    directive = _SEP_DIRECTIVE.fullmatch(sample[0])
    if directive is not None:  # Excel's "sep=;" first line
        sep = directive.group(1)
        body = body.split("\n", 1)[1] if "\n" in body else ""
        rows, sample = rows[1:], sample[1:]
        if not body:
            raise DataError("The file has no data rows, only a 'sep=' line.")
    else:
        sep = _sniff_delimiter(sample)
    if sep == " ":
        sep = _WHITESPACE
    if sep in (_WHITESPACE, _SINGLE):
        return sep, body, rows, sample
    esc = re.escape(sep)  # drop rows of bare delimiters (Excel's ",,,")
    cell = rf'(?:[^\S\n]|["{esc}])'  # blank, quote or delimiter, on one line
    only_delims = rf"{cell}*{esc}{cell}*"
    if re.search(rf"(?:^|\n){only_delims}(?:\n|$)", body):
        body, rows = _drop_lines(body, rows, re.compile(only_delims))
        sample = body.split("\n", _SAMPLE_LINES)[:_SAMPLE_LINES]
        if not body:
            raise DataError("The file has no data: its rows contain only separators and no values.")
    return sep, body, rows, sample


def _check_shape(body: str, rows: np.ndarray, sep: str, split_sample: list[list[str]]) -> None:
    """Refuse, by counting, data rows, columns and cells over the limits, numbers in one row
    and an unclosed quote."""
    if rows.size > MAX_POINTS:
        raise DataError(
            f"The file has {rows.size:,} data rows, more than the limit of {MAX_POINTS:,} "
            f"values. Upload a smaller file, for example a random sample of at most "
            f"{MAX_POINTS:,} rows."
        )
    width = max((len(cells) for cells in split_sample), default=1)
    if rows.size == 1 and width > 1:
        raise DataError(
            f"The file has its {width:,} values in one row ({_separated(sep)}). EM Lab reads "
            "a column: put one value per line (in a spreadsheet: copy the row, Paste Special "
            "> Transpose), then save as CSV."
        )
    if width > MAX_COLUMNS:
        raise DataError(
            f"The file has {width:,} columns, more than the limit of {MAX_COLUMNS:,}. Upload "
            "just the column of numbers, one value per line."
        )
    if width * rows.size > MAX_CELLS:
        raise DataError(
            f"The file has {rows.size:,} rows of {width:,} cells, more than the limit of "
            f"{MAX_CELLS:,} cells. Upload just the column you need."
        )
    _check_quotes(body, rows, sep)


def split_text(text: str) -> SplitText:
    """Step 2: the data lines of decoded text, the delimiter and the header.

    Every limit that can be checked by counting is checked here, before anything is parsed:
    lines and rows (:data:`MAX_POINTS`), line and cell lengths, columns
    (:data:`MAX_COLUMNS`), cells (:data:`MAX_CELLS`), unpaired quotes, numbers in one row.

    Parameters
    ----------
    text : str
        The file's text, from :func:`decode_upload`.

    Returns
    -------
    SplitText

    Raises
    ------
    DataError
        For a web page or JSON, an empty file, only a header, a limit exceeded.
    """
    body, rows = _content(text)
    sep, body, rows, sample = _delimiter(body, rows)
    decimal_comma = _is_decimal_comma_column(sep, [_split(line, sep) for line in sample], sample)
    if decimal_comma:
        sep = _SINGLE
    _check_cell_lengths(body, rows, sep)
    split_sample = [_split(line, sep) for line in sample]
    body, rows, split_sample, preamble = _drop_preamble(body, rows, split_sample)
    has_header, shifted = _detect_header(split_sample)
    header = tuple(split_sample[0]) if has_header else None
    if has_header:
        body = body.split("\n", 1)[1] if "\n" in body else ""
        rows, split_sample = rows[1:], split_sample[1:]
        if not body.strip():
            raise DataError(
                f"The file has only a header row ({_quoted_list(header or ())}) and no data "
                "rows below it. Add the numbers, one row per line, under the header."
            )
    _check_shape(body, rows, sep, split_sample)
    return SplitText(
        body=body,
        rows=rows,
        sep=sep,
        header=header,
        shifted=has_header and shifted,
        sample=tuple(tuple(cells) for cells in split_sample),
        notes=(preamble,) if preamble else (),
        decimal_comma=decimal_comma,
    )


# ---------------------------------------------------------------------------
# Step 3: cells (pandas' C parser)
# ---------------------------------------------------------------------------


def frame_cells(split: SplitText) -> tuple[list[pd.Series], np.ndarray]:
    """Step 3: one pandas Series per column of the data lines, and each row's line number.

    Returns
    -------
    columns : list of pandas.Series
        Each of length n_rows: floats where pandas read the whole column as numbers,
        otherwise the raw text.
    rows : numpy.ndarray
        ``int64`` array of shape ``(n_rows,)``, read-only: the file's line number of each row.

    Raises
    ------
    DataError
        For rows of different widths or text pandas cannot read as a table.
    """
    try:
        frame = pd.read_csv(
            io.BytesIO(split.body.encode("utf-8")),  # a StringIO would hold 4 bytes a character
            encoding="utf-8",
            sep=split.sep,
            header=None,
            engine="c",
            na_filter=False,
            comment="#",
            quotechar='"',
            skip_blank_lines=True,
            low_memory=False,
        )
    except pd.errors.ParserError as exc:
        raise _ragged_error(str(exc), split.rows, split.sep) from None
    except pd.errors.EmptyDataError:
        raise DataError("The file has no data rows.") from None
    except (ValueError, OverflowError, csv.Error) as exc:  # anything else pandas may raise
        raise DataError(
            f"The file could not be read as a table ({_separated(split.sep)}): "
            f"{type(exc).__name__}. Save it again as CSV, one number per line or columns "
            "with a header row."
        ) from None
    rows = split.rows
    if rows.size != len(frame):  # e.g. a quoted cell spanning lines: count data rows
        first = int(rows[0]) if rows.size else 1
        rows = np.arange(first, first + len(frame), dtype=np.int64)
    rows = rows.copy()
    rows.flags.writeable = False
    return [frame[c] for c in frame.columns], rows


# ---------------------------------------------------------------------------
# Step 4: classify the columns
# ---------------------------------------------------------------------------


def _sample_texts(split: SplitText, j: int) -> tuple[str, ...]:
    return tuple(cells[j] for cells in split.sample if j < len(cells))


def classify_columns(
    split: SplitText, columns: list[pd.Series], rows: np.ndarray, encoding: str
) -> ParsedTable:
    """Step 4: names, numeric columns (decimal commas converted), default column, notes.

    Raises
    ------
    DataError
        If no column holds numbers.
    """
    header = list(split.header) if split.header is not None else None
    names, made_up = _column_names(header, len(columns), split.shifted)
    cells = []
    notes: list[str] = list(split.notes)
    for j, series in enumerate(columns):
        column = _column_cells(series, _sample_texts(split, j))
        example = column.comma_example
        if example is not None:
            notes.append(
                f"Column {_quoted(names[j])} uses a decimal comma: '{example}' was read as "
                f"{example.replace(',', '.')}."
                + (
                    " If the file has two columns instead (row number, value), give both a "
                    "name in the header."
                    if split.decimal_comma
                    else ""
                )
            )
        cells.append(column)
    shares = [_filled_share(c) for c in cells]  # (number cells, filled cells)
    kept = [j for j in range(len(cells)) if shares[j][1] > 0 or not made_up[j]]
    numeric = [
        j for j in kept if shares[j][0] > 0 and shares[j][0] >= _MIN_SHARE_NUMERIC * shares[j][1]
    ]
    all_columns = tuple(names[j] for j in kept)
    if not numeric:
        raise _no_numeric_error(all_columns)

    _attach_bad_text(cells, numeric, split.body, split.sep)
    default = numeric[0]
    has_header = split.header is not None
    if made_up[default] and has_header and len(numeric) > 1 and _is_row_index(cells[default]):
        default = numeric[1]
    if (
        not has_header
        and len(columns) == 2
        and all(_DECIMAL_COMMA_LINE.fullmatch(",".join(c)) for c in split.sample)
    ):
        notes.append(
            "Every row holds two whole numbers separated by a comma. If they are decimal "
            "numbers written with a decimal comma (1,5 for 1.5), add a header row with one "
            "name, or write them with a decimal point."
        )

    if encoding == "Windows-1252":
        notes.append(
            "The file is not UTF-8, so it was read as Western-European (Windows-1252) "
            "text; check that the column names look right."
        )
    return ParsedTable(
        columns=tuple(names[j] for j in numeric),
        all_columns=all_columns,
        default_column=names[default],
        has_header=has_header,
        delimiter=_DELIMITER_NAMES.get(split.sep, repr(split.sep)),
        encoding=encoding,
        n_rows=int(rows.size),
        notes=tuple(notes),
        _cells=tuple(cells[j] for j in numeric),
        _rows=rows,
    )


def read_table(data: bytes, filename: str = "") -> ParsedTable:
    """Parse the bytes of an uploaded CSV/TSV/TXT file into numeric columns.

    decode → split → frame → classify (:func:`decode_upload`, :func:`split_text`,
    :func:`frame_cells`, :func:`classify_columns`); the reading rules (encoding, delimiter
    sniffing, header detection, which columns count as numeric, row numbering, limits) are
    described in the module docstring. Memory and time stay proportional to the file, whose
    size, rows, columns and cells are bounded before pandas parses it.

    Parameters
    ----------
    data : bytes
        The file's content, e.g. ``uploaded_file.getvalue()``.
    filename : str, optional
        The file's name; used only to word messages (e.g. ``.xlsx`` files).

    Returns
    -------
    ParsedTable
        The numeric columns; pass it to :func:`select_column`.

    Raises
    ------
    DataError
        If the file is empty (or only blank/comment lines), binary (an image, an Excel
        workbook, ...), a web page or JSON, in an unreadable encoding, over a limit, has only
        a header row, has rows of different widths, or has no numeric column.
    """
    text, encoding = decode_upload(_as_bytes(data), filename)
    split = split_text(text)
    columns, rows = frame_cells(split)
    return classify_columns(split, columns, rows, encoding)


def _attach_bad_text(cells: list[_Cells], numeric: list[int], body: str, sep: str) -> None:
    """Keep the text of the first non-finite cells of columns pandas read as numbers.

    Pandas turns ``1e999`` into ``inf``; messages should show what the file says.
    Only done when such cells exist, so the usual clean file pays nothing.
    """
    lines: list[str] | None = None
    for j in numeric:
        if cells[j].raw is not None:
            continue
        bad = np.flatnonzero(~np.isfinite(cells[j].values))[:_SHOWN]
        if bad.size == 0:
            continue
        if lines is None:
            lines = body.split("\n")
        if len(lines) != cells[j].values.size:
            return
        texts = []
        for i in bad:
            row = _split(lines[i], sep)
            if j < len(row):
                texts.append((int(i), row[j]))
        cells[j] = dataclasses.replace(cells[j], bad_text=tuple(texts))


def _no_numeric_error(names: tuple[str, ...]) -> DataError:
    found = _quoted_list(names) if names else "no columns"
    return DataError(
        f"No column holds numbers: the file has the column(s) {found}, but none of them "
        f"has numbers in at least {_MIN_SHARE_NUMERIC:.0%} of its filled cells. Upload a file "
        "with a column of plain numbers such as 3.6 or 79."
    )


# ---------------------------------------------------------------------------
# select_column
# ---------------------------------------------------------------------------


def _resolve_column(table: ParsedTable, column: str | None) -> int:
    if column is None:
        return table.columns.index(table.default_column)
    if not isinstance(column, str):
        raise TypeError(f"column must be a str or None, not {type(column).__name__}")
    if column in table.columns:
        return table.columns.index(column)
    folded = [j for j, n in enumerate(table.columns) if n.strip().lower() == column.strip().lower()]
    if len(folded) == 1:
        return folded[0]
    if column in table.all_columns:
        raise DataError(
            f"Column {_quoted(column)} does not hold numbers. Choose one of the numeric "
            f"columns: {_quoted_list(table.columns)}."
        )
    raise DataError(
        f"There is no column named {_quoted(column)} in the file. The numeric columns are "
        f"{_quoted_list(table.columns)}."
    )


def _plural(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


def _row_list(rows: list[int]) -> str:
    if len(rows) == 1:
        return f"row {rows[0]}"
    return "rows " + ", ".join(str(r) for r in rows)


def select_column(
    table: ParsedTable,
    column: str | None = None,
    *,
    drop_nonfinite: bool = False,
    max_points: int = MAX_POINTS,
) -> Column:
    """Pick one numeric column of a parsed table and check it is usable by EM.

    Parameters
    ----------
    table : ParsedTable
        Result of :func:`read_table`.
    column : str or None, optional
        Column name; ``None`` uses ``table.default_column`` (the first numeric
        column, skipping an unnamed column of row numbers). A name that matches
        only up to case and surrounding spaces is accepted.
    drop_nonfinite : bool, optional
        If False (default), blank cells, text (e.g. ``n/a``), NaN and ±inf in the
        column raise :class:`DataError`; if True they are dropped and counted.
    max_points : int, optional
        Largest number of values accepted (default :data:`MAX_POINTS`).

    Returns
    -------
    Column
        Name, finite ``float64`` values, number dropped, and notes for the UI.

    Raises
    ------
    DataError
        For an unknown or non-numeric column, non-finite cells (unless
        `drop_nonfinite`), more than `max_points` values, or fewer than two
        distinct values.
    """
    if not isinstance(table, ParsedTable):
        raise TypeError(f"table must be a ParsedTable, not {type(table).__name__}")
    if max_points < 2:
        raise ValueError(f"max_points must be at least 2, got {max_points}")
    index = _resolve_column(table, column)
    name = table.columns[index]
    cells = table._cells[index]
    values = cells.values
    finite = np.isfinite(values)
    n_bad = int(values.size - np.count_nonzero(finite))
    n_good = int(values.size - n_bad)

    notes = list(table.notes)
    if column is None and len(table.columns) > 1:
        if name != table.columns[0]:
            notes.append(
                f"Used column {_quoted(name)}: the first numeric column, "
                f"{_quoted(table.columns[0])}, looks like row numbers. Choose it explicitly "
                "if you want it."
            )
        else:
            notes.append(
                f"Used column {_quoted(name)}, the first of {len(table.columns)} numeric columns; "
                "choose another column if you meant a different one."
            )

    if n_good > max_points:
        raise DataError(
            f"Column {_quoted(name)} has {n_good:,} values, more than the limit of "
            f"{max_points:,}. Upload a smaller file, for example a random sample of "
            f"at most {max_points:,} rows."
        )

    if n_bad:
        bad = np.flatnonzero(~finite)
        shown = bad[:_SHOWN]
        rows = [int(table._rows[i]) for i in shown]
        if not drop_nonfinite:
            details = ", ".join(
                f"row {r} ({_describe(_raw_text(cells, int(i)))})"
                for r, i in zip(rows, shown, strict=True)
            )
            more = f" and {n_bad - shown.size:,} more" if n_bad > shown.size else ""
            raise DataError(
                f"Column {_quoted(name)} has {_plural(n_bad, 'cell', 'cells')} that "
                f"{'is not a finite number' if n_bad == 1 else 'are not finite numbers'}: "
                f"{details}{more}. Fix them in the file, or tick "
                '"drop non-finite values" to leave them out.'
            )
        more = f" and {n_bad - shown.size:,} more" if n_bad > shown.size else ""
        what = (
            "1 value that was not a finite number was"
            if n_bad == 1
            else f"{n_bad:,} values that were not finite numbers were"
        )
        notes.append(f"{what} dropped ({_row_list(rows)}{more}).")
        clean = values[finite]
    else:
        clean = values.copy()

    _check_spread(table, name, cells, clean)
    return Column(name=name, values=clean, n_dropped=n_bad, notes=tuple(notes))


def _check_spread(table: ParsedTable, name: str, cells: _Cells, clean: np.ndarray) -> None:
    """Refuse a column EM cannot fit: no value, one distinct value (saying when the file's
    texts differ only beyond double precision), or a spread double precision cannot square or
    resolve."""
    if clean.size == 0:
        raise DataError(
            f"Column {_quoted(name)} has no numbers left after dropping the non-finite cells; "
            "EM needs at least two different values."
        )
    if clean.size < 2 or clean.min() == clean.max():
        extra = " Check the column, or upload data with different values."
        if table.n_rows == 1 and len(table.columns) > 1:
            extra = " Your numbers are in one row; put one value per line instead."
        what = (
            f"only one value ({clean[0]:g})"
            if clean.size == 1
            else f"only one distinct value ({clean[0]:g}, repeated {clean.size:,} times)"
        )
        precision = _lost_to_precision(cells.texts)
        if precision is not None:
            raise DataError(
                f"Column {_quoted(name)} has values that differ only beyond the ~16 significant "
                f"digits a double-precision number holds ({precision} are the same number, "
                f"{clean[0]:.17g}). Subtract a common offset (or change the unit) before "
                "uploading, so that the differences show in the first 15 digits."
            )
        raise DataError(
            f"Column {_quoted(name)} has {what}; EM needs at least two different values "
            f"to fit a mixture.{extra}"
        )
    try:
        data_variance(clean)
    except ValueError as err:  # a spread EM cannot square or resolve in double precision
        raise DataError(f"Column {_quoted(name)} cannot be used: {err}.") from None


def _lost_to_precision(texts: tuple[str, ...]) -> str | None:
    """Two cell texts naming different decimal numbers that parse to the same float, quoted
    ("'1e15' and '1000000000000000.001'"), or None."""
    seen: dict[float, tuple[decimal.Decimal, str]] = {}
    for text in texts:
        cleaned = text.strip().strip('"').replace(",", ".")
        try:
            exact = decimal.Decimal(cleaned)
        except decimal.InvalidOperation:
            continue
        if not exact.is_finite():
            continue
        value = float(exact)
        if value in seen and seen[value][0] != exact:
            return f"{_quoted(seen[value][1])} and {_quoted(text)}"
        seen.setdefault(value, (exact, text))
    return None


def _describe(raw: str) -> str:
    if not raw:
        return "empty"
    if len(raw) > 20:
        raw = raw[:17] + "..."
    return f"'{raw}'"
