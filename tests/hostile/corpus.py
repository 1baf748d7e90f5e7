"""A corpus of hostile and careless uploads, generated at test time (nothing big is committed).

Each entry says what the parser and the app must do with the file: ``refuse`` it with a
message naming the problem and the fix (every word of ``words`` appears in the message), or
``accept`` it (optionally with the exact values expected, or a note that must appear). The
classes are those of issue 12 (a one-line file of 1.4 M numbers, fields over csv's size limit,
±1e308 and subnormal values, decimal commas, HTML/JSON, preambles, unpaired quotes, values equal
in double precision, near-limit files, Markdown in names) plus binary files, encodings, limits
and injection attempts.

Run ``python -m tests.hostile.corpus DIR`` to write the files into DIR and list them.
"""

from __future__ import annotations

import gzip
import io
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

__all__ = ["HOSTILE_NAME", "HostileFile", "build", "write_corpus"]

#: A file name that is Markdown for a bold text, a phishing link and a tracking image.
HOSTILE_NAME = (
    "**BOLD** [log in](https://example.invalid/login) ![p](http://example.invalid/p.png).csv"
)


@dataclass(frozen=True)
class HostileFile:
    """One corpus entry.

    Attributes
    ----------
    key : str
        Identifier (also the name of the file on disk).
    upload_name : str
        The name the browser sends (may itself be hostile).
    make : callable
        Returns the file's bytes.
    verdict : {"refuse", "accept"}
    words : tuple of str
        For a refusal, words the message must contain (what is wrong and what to do); for an
        acceptance, words that must appear in a note (may be empty).
    values : tuple of float or None
        For an acceptance, the exact values expected (None: not checked).
    big : bool
        Several MB: left out of the quick tests.
    """

    key: str
    make: Callable[[], bytes]
    verdict: str
    words: tuple[str, ...] = ()
    values: tuple[float, ...] | None = None
    upload_name: str = ""
    big: bool = False
    kwargs: dict = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.upload_name or f"{self.key}.csv"


def _rng() -> np.random.Generator:
    return np.random.default_rng(12)


def _column(n: int, header: str | None = "x") -> bytes:
    x = _rng().normal(size=n)
    lines = ([header] if header else []) + [f"{v:.6f}" for v in x]
    return ("\n".join(lines) + "\n").encode()


def _two_bumps() -> bytes:
    rng = _rng()
    x = np.concatenate([rng.normal(0, 1, 60), rng.normal(6, 1, 60)])
    return ("value\n" + "\n".join(f"{v:.6f}" for v in x) + "\n").encode()


def zip_bytes() -> bytes:
    """A ZIP container with the first entries of an .xlsx workbook."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
    return buf.getvalue()


def _repeated(n: int, fmt: str, sep: str) -> bytes:
    """``n`` normal values formatted with ``fmt``: a block of 100,000 repeated (fast to make)."""
    block = min(n, 100_000)
    text = sep.join(format(v, fmt) for v in _rng().normal(size=block)) + sep
    return (text * (n // block) + sep.join(text.split(sep)[: n % block])).encode()


def _one_line_numbers(n: int) -> bytes:
    return _repeated(n, ".4f", ",").rstrip(b",")


def _near_limit() -> bytes:
    # 2.7 M values, one per line, ~49 MB: over the row limit, refused before parsing.
    return _repeated(2_700_000, ".14f", "\n")


def _cells_over_limit() -> bytes:
    row = b"1.25,2.5,3.75,4.5\n"
    return b"a,b,c,d\n" + row * 800_000


def _text_cells_heavy() -> bytes:
    # 740,000 rows of three text columns and one number column: near the cell limit.
    rows = [f"name{i % 997},city{i % 113},tag{i % 7},{i % 1000}.5" for i in range(740_000)]
    return ("name,city,tag,value\n" + "\n".join(rows) + "\n").encode()


def _million() -> bytes:
    return b"value\n" + _repeated(1_000_000, ".9f", "\n")


def _three_columns_near_limit() -> bytes:
    # 1,000,000 rows of three 15-character numbers, ~44 MB: the largest table accepted.
    block = _rng().normal(size=(100_000, 3))
    text = "\n".join(",".join(f"{v:.12f}" for v in row) for row in block) + "\n"
    return b"a,b,c\n" + text.encode() * 10


def _deep_long_cell() -> bytes:
    lines = [f"{v:.3f}" for v in _rng().normal(size=500)]
    lines[400] = "7" * 200_000
    return ("x\n" + "\n".join(lines) + "\n").encode()


def _random_bytes() -> bytes:
    return _rng().integers(0, 256, size=4096, dtype=np.uint8).tobytes()


def _mixed_delimiters() -> bytes:
    return b"a;b\n1;2,5\n3,4;5\n6;7\n8,9;10\n"


def _values(*v: float) -> tuple[float, ...]:
    return tuple(float(x) for x in v)


GOOD = _two_bumps

CORPUS: tuple[HostileFile, ...] = (
    # --- size and shape: counted before parsing --------------------------------------------
    HostileFile(
        "one_line_1_4M",
        lambda: _one_line_numbers(1_400_000),
        "refuse",
        ("one row", "one value per line"),
        big=True,
    ),
    HostileFile(
        "one_line_small",
        lambda: b"1.5 2.5 3.5 4.5 5.5\n",
        "refuse",
        ("one row", "one value per line"),
    ),
    HostileFile(
        "one_line_two_numbers", lambda: b"3.6,79\n", "refuse", ("one row", "one value per line")
    ),
    HostileFile(
        "wide_5000_columns",
        lambda: (",".join(map(str, range(5000))) + "\n").encode() * 3,
        "refuse",
        ("5,000 columns", "limit"),
    ),
    HostileFile(
        "long_header_200k",
        lambda: b"h" * 200_000 + b"\n1\n2\n3\n",
        "refuse",
        ("characters", "right file"),
    ),
    HostileFile(
        "token_10MB", lambda: b"9" * 10_000_000, "refuse", ("characters", "right file"), big=True
    ),
    HostileFile(
        "deep_200k_digit_cell", _deep_long_cell, "refuse", ("Row 402", "characters", "right file")
    ),
    HostileFile(
        "long_cell_in_table",
        lambda: b"a,b\n1,2\n3," + b"4" * 5000 + b"\n5,6\n",
        "refuse",
        ("Row 3", "cell of more than 1,000 characters"),
    ),
    HostileFile(
        "rows_over_limit",
        lambda: b"x\n" + b"1.5\n2.5\n" * 550_000,
        "refuse",
        ("1,100,001", "limit", "smaller file"),
        big=True,
    ),
    HostileFile("near_limit_49MB", _near_limit, "refuse", ("limit", "smaller file"), big=True),
    HostileFile(
        "cells_over_limit", _cells_over_limit, "refuse", ("cells", "column you need"), big=True
    ),
    HostileFile(
        "comment_lines_25M",
        lambda: b"#\n" * 25_000_000 + b"1\n2\n",
        "refuse",
        ("25,000,002 lines", "smaller file"),
        big=True,
    ),
    HostileFile("a_million_values", _million, "accept", big=True),
    HostileFile("text_columns_heavy", _text_cells_heavy, "accept", big=True),
    HostileFile("three_columns_44MB", _three_columns_near_limit, "accept", big=True),
    # --- empty, binary, encodings ------------------------------------------------------------
    HostileFile("empty", lambda: b"", "refuse", ("empty", "one number per line")),
    HostileFile("only_whitespace", lambda: b"  \n\t\n \r\n", "refuse", ("empty",)),
    HostileFile("only_comments", lambda: b"# a\n# b\n", "refuse", ("empty", "comments")),
    HostileFile(
        "png_renamed",
        lambda: b"\x89PNG\r\n\x1a\n" + bytes(range(256)),
        "refuse",
        ("binary", "PNG", "CSV"),
    ),
    HostileFile("xlsx", zip_bytes, "refuse", ("binary", "Excel", "CSV"), upload_name="data.xlsx"),
    HostileFile("gzip", lambda: gzip.compress(b"1\n2\n3\n"), "refuse", ("binary", "gzip")),
    HostileFile(
        "pdf", lambda: b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "refuse", ("binary", "PDF", "CSV")
    ),
    HostileFile("nul_bytes", lambda: b"1.5\n2.5\x00\x00\n3.5\n", "refuse", ("binary", "NUL")),
    HostileFile(
        "control_chars",
        lambda: b"1.5\n2.5\x01\x02\n3.5\n",
        "refuse",
        ("binary", "control characters"),
    ),
    HostileFile("random_bytes", _random_bytes, "refuse", ("CSV",)),
    HostileFile(
        "utf16_no_bom", lambda: "x\n1.5\n2.5\n".encode("utf-16-le"), "refuse", ("binary", "CSV")
    ),
    HostileFile(
        "high_bytes",
        lambda: bytes(range(0xA0, 0x100)) * 8 + b"\n1\n2\n",
        "refuse",
        ("encoding", "UTF-8"),
    ),
    HostileFile(
        "cp1252_header",
        lambda: "größe;n\n1,5;2\n2,5;3\n3,5;4\n".encode("cp1252"),
        "accept",
        ("Windows-1252",),
    ),
    HostileFile(
        "utf8_bom", lambda: b"\xef\xbb\xbfx\n1.5\n2.5\n4\n", "accept", values=_values(1.5, 2.5, 4)
    ),
    HostileFile(
        "utf16_bom",
        lambda: "x\r\n1.5\r\n2.5\r\n4\r\n".encode("utf-16"),
        "accept",
        values=_values(1.5, 2.5, 4),
    ),
    HostileFile("cr_line_ends", lambda: b"x\r1\r2\r3.5\r", "accept", values=_values(1, 2, 3.5)),
    # --- not a table -----------------------------------------------------------------------
    HostileFile(
        "html_page",
        lambda: (
            b"<!DOCTYPE html>\n<html><body><table><tr><td>1.5</td></tr></table></body></html>\n"
        ),
        "refuse",
        ("web page", "CSV"),
    ),
    HostileFile("html_fragment", lambda: b"<p>[1.5, 2]</p>\n", "refuse", ("web page", "CSV")),
    HostileFile(
        "xml",
        lambda: b'<?xml version="1.0"?>\n<data><v>1</v><v>2</v></data>\n',
        "refuse",
        ("XML", "CSV"),
    ),
    HostileFile("json_array", lambda: b"[1.5, 2.5, 3.5]\n", "refuse", ("JSON", "CSV")),
    HostileFile("json_object", lambda: b'{"x": [1.5, 2.5, 3.5]}\n', "refuse", ("JSON", "CSV")),
    HostileFile("json_lines", lambda: b"[1.5, 2.5]\n[3.5, 4.5]\n", "refuse", ("JSON", "CSV")),
    # --- table structure ---------------------------------------------------------------------
    HostileFile(
        "preamble_title",
        lambda: b"Exported from LabTool v2\nvalue\n1.2\n3.4\n5.6\n",
        "accept",
        ("Skipped 1 line",),
        values=_values(1.2, 3.4, 5.6),
    ),
    HostileFile(
        "preamble_two_lines",
        lambda: b"Report\n2026-01-01\na,b\n1.2,3\n3.4,4\n5.6,5\n",
        "accept",
        ("Skipped 2 lines",),
        values=_values(1.2, 3.4, 5.6),
    ),
    HostileFile(
        "unpaired_quote", lambda: b'x\n"1.5\n2\n3\n', "refuse", ("Row 2", "quote", "never closed")
    ),
    HostileFile(
        "unpaired_quote_table", lambda: b'a,b\n1,2\n3,"4\n5,6\n', "refuse", ("Row 3", "quote")
    ),
    HostileFile(
        "ragged_rows",
        lambda: b"a,b\n1,2\n3,4\n5,6,7\n8,9\n",
        "refuse",
        ("Row 4", "3 cells", "same number of cells"),
    ),
    HostileFile(
        "only_header",
        lambda: b"eruptions,waiting\n",
        "refuse",
        ("only a header", "Add the numbers"),
    ),
    HostileFile(
        "no_numbers",
        lambda: b"name,city\nann,Oslo\nbob,Rome\n",
        "refuse",
        ("No column holds numbers", "plain numbers"),
    ),
    HostileFile(
        "formula_injection",
        lambda: b"x\n=cmd|' /C calc'!A0\n@SUM(1+1)\n+1+1\n",
        "refuse",
        ("No column holds numbers",),
    ),
    HostileFile("mixed_delimiters", _mixed_delimiters, "accept"),
    HostileFile(
        "excel_sep_line", lambda: b"sep=;\na;b\n1;2\n3;4\n5;7\n", "accept", values=_values(1, 3, 5)
    ),
    HostileFile(
        "bare_delimiter_rows",
        lambda: b"a,b\n1,2\n,,\n3,4\n,\n5,7\n",
        "accept",
        values=_values(1, 3, 5),
    ),
    HostileFile(
        "blank_lines_between",
        lambda: b"x\n\n1\n\n\n2\n \n3.5\n",
        "accept",
        values=_values(1, 2, 3.5),
    ),
    HostileFile(
        "thousand_columns",
        lambda: (
            ",".join(f"c{j}" for j in range(1000))
            + "\n"
            + "\n".join(",".join(str(i + j) for j in range(1000)) for i in range(5))
            + "\n"
        ).encode(),
        "accept",
    ),
    # --- decimal commas --------------------------------------------------------------------
    HostileFile(
        "decimal_comma_column",
        lambda: b"x\n1,5\n2,7\n3,1\n4,8\n",
        "accept",
        ("decimal comma",),
        values=_values(1.5, 2.7, 3.1, 4.8),
    ),
    HostileFile(
        "decimal_comma_same_integer",
        lambda: b"x\n3,1\n3,5\n3,7\n",
        "accept",
        ("decimal comma",),
        values=_values(3.1, 3.5, 3.7),
    ),
    HostileFile(
        "decimal_comma_semicolons",
        lambda: b"x;y\n1,5;2,25\n3,5;4,75\n6;7\n",
        "accept",
        ("decimal comma",),
        values=_values(1.5, 3.5, 6),
    ),
    HostileFile(
        "decimal_comma_no_header", lambda: b"1,5\n2,7\n3,1\n", "accept", ("decimal comma",)
    ),
    # --- values ------------------------------------------------------------------------------
    HostileFile(
        "plus_minus_1e308",
        lambda: b"x\n1e308\n-1e308\n0\n5\n",
        "refuse",
        ("too wide a range", "rescale"),
    ),
    HostileFile(
        "huge_1e200", lambda: b"x\n1e200\n2e200\n3e200\n", "refuse", ("too wide a range", "rescale")
    ),
    HostileFile(
        "subnormals", lambda: b"x\n1e-310\n2e-310\n3e-310\n", "refuse", ("too small", "rescale")
    ),
    HostileFile(
        "tiny_differences", lambda: b"x\n1\n1.0000000000000002\n1.0000000000000004\n", "accept"
    ),
    HostileFile(
        "equal_in_double",
        lambda: b"x\n1000000000000000.001\n999999999999999.999\n1000000000000000\n",
        "refuse",
        ("double-precision", "offset"),
    ),
    HostileFile("all_equal", lambda: b"x\n4\n4\n4\n", "refuse", ("two different values",)),
    HostileFile("single_value", lambda: b"x\n4\n", "refuse", ("only one value",)),
    HostileFile(
        "nan_and_inf",
        lambda: b"x\n1.0\nnan\n2.5\ninf\n3.0\n",
        "refuse",
        ("not finite", "drop non-finite values"),
    ),
    HostileFile(
        "overflowing_1e999",
        lambda: b"x\n1\n2\n1e999\n3\n",
        "refuse",
        ("'1e999'", "drop non-finite values"),
    ),
    HostileFile(
        "underflow_to_zero",
        lambda: b"x\n1e-400\n0\n-0\n",
        "refuse",
        ("double-precision", "change the unit"),
    ),
    HostileFile(
        "thirty_digit_integers",
        lambda: b"x\n123456789012345678901234567890\n223456789012345678901234567890\n",
        "accept",
        values=_values(1.2345678901234568e29, 2.2345678901234568e29),
    ),
    HostileFile("big_but_usable", lambda: b"x\n1e100\n2e100\n3e100\n5e100\n8e100\n", "accept"),
    HostileFile(
        "tiny_but_usable", lambda: b"x\n1e-100\n2e-100\n3e-100\n5e-100\n8e-100\n", "accept"
    ),
    HostileFile("one_far_outlier", lambda: _column(200)[:-1] + b"\n1e150\n", "accept"),
    HostileFile("two_distinct_values", lambda: b"x\n" + b"1.5\n7\n" * 10, "accept"),
    HostileFile(
        "arabic_digits", lambda: "x\n٣\n٤\n٥\n".encode(), "refuse", ("No column holds numbers",)
    ),
    HostileFile(
        "fullwidth_digits",
        lambda: "x\n１\n２\n３\n".encode(),
        "refuse",
        ("No column holds numbers",),
    ),
    HostileFile(
        "numbers_with_units",
        lambda: b"x\n1.5kg\n2.5kg\n3.5kg\n",
        "refuse",
        ("No column holds numbers",),
    ),
    # --- Markdown / HTML injection -----------------------------------------------------------
    HostileFile("hostile_file_name", GOOD, "accept", upload_name=HOSTILE_NAME),
    HostileFile(
        "hostile_column_names",
        lambda: (
            '"<a href=https://example.invalid/x>a</a>","![p](http://example.invalid/p.png)",'
            '"**b** $\\\\frac{1}{0}$ :red[c] www.example.invalid"\n'
            + "\n".join(f"{i}.5,{i * 2}.25,{i % 7}.125" for i in range(40))
            + "\n"
        ).encode(),
        "accept",
    ),
    HostileFile(
        "hostile_cell_text",
        lambda: b"x\n1\n2\n[click](https://example.invalid/c)\n3\n4\n5\n6\n7\n8\n9\n10\n",
        "refuse",
        ("not a finite number", "drop non-finite values"),
    ),
    HostileFile(
        "hostile_name_binary",
        lambda: b"\x89PNG\r\n\x1a\n" + bytes(64),
        "refuse",
        ("binary",),
        upload_name="[x](https://example.invalid/y).png",
    ),
    HostileFile("long_column_name", lambda: ("n" * 900 + "\n1\n2\n3.5\n").encode(), "accept"),
)

assert len({f.key for f in CORPUS}) == len(CORPUS), "corpus keys must be unique"


def build(include_big: bool = True) -> list[tuple[HostileFile, bytes]]:
    """Every corpus entry with its bytes (the big ones only if ``include_big``)."""
    return [(f, f.make()) for f in CORPUS if include_big or not f.big]


def write_corpus(directory: Path, include_big: bool = True) -> list[tuple[HostileFile, Path]]:
    """Write the corpus into ``directory`` (one file per entry, named by its key)."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for entry, data in build(include_big):
        path = directory / entry.key
        path.write_bytes(data)
        written.append((entry, path))
    return written


if __name__ == "__main__":
    for entry, path in write_corpus(Path(sys.argv[1])):
        print(f"{entry.verdict:7s} {path.stat().st_size:>12,d}  {path.name}")
