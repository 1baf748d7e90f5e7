"""User strings shown literally (ui/pure/text.py) and the rules for untrusted links
(ui/pure/scenario.py).

The Markdown checks parse what the helpers produce with markdown-it (CommonMark + GFM tables
and strike-through) and look for anything live: links, images, raw HTML, autolinks.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gmm_core.upload import MAX_BYTES
from tests.hostile.markdown import active_markup, rendered_text
from ui.pure.scenario import (
    MAX_VALUE_CHARS,
    TOLERANCES,
    WIDGET_KEYS,
    affordable_iteration,
    decode,
    encode,
    table_from_text,
)
from ui.pure.text import code, escape, plotly_text, shorten
from ui.widgets import sentence

REPO = Path(__file__).resolve().parents[1]
HOSTILE = [
    "**BOLD** [log in](https://example.invalid/login) ![p](http://example.invalid/p.png)",
    "<img src=http://example.invalid/i.png onerror=alert(1)>",
    "www.example.invalid and me@example.invalid",
    "<https://example.invalid>",
    "`code` ``more`` ```",
    "$\\frac{1}{0}$ :red[x] :material/home: ~~gone~~",
    "# heading\n\n- item\n1. one\n> quote\n    code",
    "&lt;b&gt; &amp; &#60;",
    "| a | b |\n|---|---|\n| 1 | 2 |",
    "\\[x\\](https://example.invalid)",
    "",
    "   ",
]
_text = st.text(
    st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp"))
    | st.sampled_from("\n\t`*_[]()!<>$&|#:/.@\\-+=~{}"),
    max_size=80,
)


def _normalised(text: str) -> str:
    return re.sub(r"[\r\n\u2028\u2029\x0b\x0c\x85]+", " ", text)


@pytest.mark.parametrize("text", HOSTILE)
def test_code_span_shows_hostile_text_literally_and_inertly(text):
    body = code(text, limit=1000)
    assert not active_markup(body)
    if text.strip():
        assert rendered_text(body).strip() == _normalised(text).strip()


@pytest.mark.parametrize("text", HOSTILE)
def test_escaped_message_shows_hostile_text_literally_and_inertly(text):
    body = escape(f"Column '{text}' has 1 cell: row 3 ('{text}').")
    assert not active_markup(body)
    assert rendered_text(body).strip() == _normalised(
        f"Column '{text}' has 1 cell: row 3 ('{text}')."
    )


@given(_text)
def test_any_text_in_a_code_span_is_inert_and_literal(text):
    body = code(text, limit=1000)
    assert not active_markup(body)
    if text.strip():
        assert rendered_text(body).strip() == _normalised(text).strip()


@given(_text)
def test_any_escaped_text_is_inert_and_literal(text):
    body = escape("Message: " + text + " (end)")
    assert not active_markup(body)
    assert rendered_text(body).strip() == _normalised("Message: " + text + " (end)").strip()


def test_long_user_text_is_shortened_and_says_its_length():
    assert shorten("x" * 100_000) == "x" * 59 + "… (100,000 characters)"
    assert shorten("short") == "short"
    assert code("a" * 70) == "`" + "a" * 59 + "… (70 characters)`"


def test_plotly_text_turns_tags_into_entities():
    assert plotly_text("<a href='https://example.invalid'>x</a> & <br>") == (
        "&lt;a href='https://example.invalid'&gt;x&lt;/a&gt; &amp; &lt;br&gt;"
    )


def test_sentence_capitalises_latin_letters_only():
    assert sentence("σ must be greater than 0.") == "σ must be greater than 0."
    assert sentence("μ is too far") == "μ is too far"
    assert sentence("the run") == "The run"
    assert sentence("") == ""


# ---------------------------------------------------------------------------
# Links: decode's rules
# ---------------------------------------------------------------------------


#: (link parameter, the value it sets) → its bad values, each with the rule its refusal names.
BAD_LINK_VALUES = {
    ("K", "n_components"): [
        ("٣", "digits 0-9"),
        ("９", "digits 0-9"),
        ("1_0", "digits 0-9"),
        ("3.0", "whole number"),
        ("0", "outside 1..10"),
        ("9" * (MAX_VALUE_CHARS + 1), "longer than 40"),
        (["2", "3"], "2 times with different values"),
    ],
    ("tol", "tol"): [("0.5", "menu"), ("1e308", "menu"), ("inf", "digits"), ("-1e-6", "menu")],
    ("seed", "seed"): [("-1", "outside")],
    ("ds", "dataset"): [("nope", "must be one of")],
    ("init", "init_method"): [("magic", "must be one of")],
    ("src", "data_source"): [("ftp", "must be one of")],
    ("eq", "equal_variance"): [("yes", "must be one of 1, 0")],
    ("truth", "truth_table"): [
        ("1,2", "three numbers"),
        ("nan,1,1", "digits"),
        ("1e999,1,1", "too large"),
        (";".join(["0,1,1"] * 7), "more than 6"),
    ],
    ("manual", "manual_table"): [
        (";".join(["0,1,1"] * 11), "more than 10"),
        ("0,1,1;" * 500, "longer than 2,000"),
    ],
    ("t", "t"): [("١٠", "digits")],
    ("ph", "phase"): [("Q", "E or M")],
    ("lecture", "lecture"): [("2", "one of 1, 0")],
}


@pytest.mark.parametrize(
    ("query", "key", "reason"),
    [
        ({link: value}, key, reason)
        for (link, key), cases in BAD_LINK_VALUES.items()
        for value, reason in cases
    ],
)
def test_a_bad_link_value_is_refused_with_a_rule(query, key, reason):
    values, problems = decode(query)
    assert key not in values
    (problem,) = problems
    assert reason in problem and "ignored" in problem
    assert len(problem) < 400
    assert not active_markup(problem)


def test_good_link_values_are_taken():
    values, problems = decode(
        {
            "K": "4",
            "K2": "x",
            "tol": "0",
            "eq": "1",
            "seed": "+7",
            "t": "12",
            "ph": "E",
            "lecture": "1",
            "manual": "0,1,0.5;1e-3,2.5,0.5",
            "embed": "true",
        }
    )
    assert problems == []
    assert values["n_components"] == 4 and values["tol"] == 0.0 and values["equal_variance"]
    assert values["seed"] == 7 and values["t"] == 12 and values["phase"] == "E"
    assert values["lecture"] is True
    np.testing.assert_array_equal(
        values["manual_table"].to_numpy(), [[0, 1, 0.5], [1e-3, 2.5, 0.5]]
    )


def test_repeated_keys_with_one_value_are_taken():
    values, problems = decode({"K": ["2", "2"]})
    assert values["n_components"] == 2 and problems == []


@pytest.mark.parametrize("tol", TOLERANCES)
def test_every_menu_tolerance_round_trips_through_a_link(tol):
    values, problems = decode(encode({"tol": tol, "data_source": "Generate"}))
    assert problems == [] and values["tol"] == tol


def test_tables_round_trip_exactly():
    table = pd.DataFrame({"μ": [0.1, -2.5e-7], "σ": [1 / 3, 2.0], "π": [0.25, 0.75]})
    back = table_from_text(encode({"data_source": "Generate", "truth_table": table})["truth"])
    assert back.to_numpy().tobytes() == table.to_numpy().tobytes()


def test_the_work_budget_lowers_t_only_when_n_times_k_is_large():
    assert affordable_iteration(5000, 1000, 3) == 5000
    assert affordable_iteration(5000, 1_000_000, 10) < 50
    assert affordable_iteration(10, 1_000_000, 10) == 10


def test_widget_keys_have_unique_link_names():
    names = [name for name, _ in WIDGET_KEYS.values()]
    assert len(set(names)) == len(names)


# ---------------------------------------------------------------------------
# Security baseline
# ---------------------------------------------------------------------------


def test_streamlit_config_hides_error_details_and_keeps_protections():
    config = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["client"]["showErrorDetails"] == "none"
    assert config["server"]["enableXsrfProtection"] is True
    assert config["server"]["enableCORS"] is True
    assert config["server"]["maxUploadSize"] == MAX_BYTES // 2**20 == 50


def test_css_constants_shown_by_st_html_are_built_from_constants_only():
    """What ``LECTURE_ROW_COLOURS`` is made of: the palette's colours (``#RRGGBB``), the text
    colours black and white and a fixed key; nothing a user types reaches it."""
    from ui.parameter_grid import LECTURE_ROW_COLOURS

    body = LECTURE_ROW_COLOURS.removeprefix("<style>").removesuffix("</style>")
    assert "<" not in body and ">" not in body.replace("> :first-child", "")
    values = re.findall(r"(?:background-)?color: ([^;]+);", body)
    assert values and all(re.fullmatch(r"#[0-9A-Fa-f]{6}", v) for v in values)


def test_no_user_text_reaches_unsafe_html():
    """``unsafe_allow_html`` is never used, and ``st.html`` only with the CSS constants of
    ``ui.lecture`` and ``ui.parameter_grid`` (no f-string, no variable text), or the
    presenter-key script of ``ui.keyfocus``, which only key names reach."""
    sources = [*REPO.glob("ui/**/*.py"), *REPO.glob("app_pages/*.py"), REPO / "app.py"]
    for path in sources:
        text = path.read_text(encoding="utf-8")
        assert "unsafe_allow_html" not in text, path
        for call in re.findall(r"st\.html\(([^)]*)\)", text):
            words = set(re.findall(r"\w+", call)) - {"if", "else", "lecture"}
            # ui/keyfocus.py: a script built from key names only (relay_script checks them).
            script = {"relay_script", "key_names", "unsafe_allow_javascript", "True"}
            css = {"BASE_CSS", "LECTURE_CSS", "LECTURE_ROW_COLOURS"}
            allowed = script if path.name == "keyfocus.py" else css
            assert words <= allowed, f"{path}: st.html({call})"
            assert "{" not in call and not re.search(r"[fF]\"", call), f"{path}: st.html({call})"


def test_the_exported_animation_shows_a_hostile_column_name_as_text():
    from figures import run_animation_figure, run_animation_html
    from gmm_core import MixtureParams

    params = MixtureParams([0.5, 0.5], [0.0, 3.0], [1.0, 1.0])
    page = run_animation_html(
        run_animation_figure(
            np.linspace(-3, 6, 11),
            np.ones(10),
            [params, params],
            np.array([-10.0, -9.0]),
            x_label=plotly_text('<a href="https://example.invalid">x</a><img src=x>'),
        )
    )
    assert "example.invalid" in page
    assert '<a href="https://example.invalid"' not in page and "<img src=x>" not in page


# ---------------------------------------------------------------------------
# Typed tables: σ and μ outside what double precision can square
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("means", "stds", "weights", "words"),
    [
        ([0.0, 1.0], [1e-300, 1.0], [0.5, 0.5], "σ is out of range for double precision (row 1"),
        ([0.0, 1.0], [1.0, 1e200], [0.5, 0.5], "σ is out of range for double precision (row 2"),
        ([0.0, 1.0], [1.0, 1.0], [1e308, 1e308], "too large to add up"),
        ([1e300, 1.0], [1.0, 1.0], [0.5, 0.5], "μ is too far from the data (row 1)"),
        ([0.0], [0.0], [1.0], "σ must be greater than 0 (row 1)"),
    ],
)
def test_a_manual_start_out_of_double_range_is_refused_with_its_row(means, stds, weights, words):
    from ui.model_panel import manual_table_problem

    x = np.linspace(-3.0, 3.0, 50)
    problem = manual_table_problem(np.array(means), np.array(stds), np.array(weights), x)
    assert problem is not None and words in problem
    assert not sentence(problem).startswith(("Σ", "Μ"))  # σ and μ stay symbols


def test_a_manual_start_within_range_is_accepted():
    from ui.model_panel import manual_table_problem

    x = np.linspace(-3.0, 3.0, 50)
    assert manual_table_problem(np.array([1e100]), np.array([1e-150]), np.array([1.0]), x) is None


@pytest.mark.parametrize(
    ("rows", "words"),
    [
        ([(0.0, 1e-300, 1.0)], "σ = 1e-300 is out of range"),
        ([(0.0, 1e200, 1.0)], "σ = 1e+200 is out of range"),
        ([(0.0, 1.0, 1e308), (1.0, 1.0, 1e308)], "too large to add up"),
    ],
)
def test_a_generating_table_out_of_double_range_is_refused(rows, words):
    from ui.data_panel import truth_from_table

    with pytest.raises(ValueError, match=re.escape(words)):
        truth_from_table(pd.DataFrame(rows, columns=["μ", "σ", "π"]))
