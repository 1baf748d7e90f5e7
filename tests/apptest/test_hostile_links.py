"""Hostile shared links through the app (AppTest): a table of crafted query parameters.

Each link opens without an exception, in bounded time, says what it did not take (a toast) or
what is wrong (an error), falls back to a safe value, puts no live link or image on the page,
and the run it opens can be stepped with finite parameters.
"""

from __future__ import annotations

import time

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from tests.hostile.markdown import active_markup, markdown_bodies, rendered_text
from ui.pure.presets import OPENING, PRESET_BY_KEY
from ui.pure.scenario import WORK_BUDGET, affordable_iteration

from .helpers import APP, TIMEOUT, blocks, click, stepper

SECONDS_PER_LINK = 30.0  # a link's first open may compile the numba kernel (~5 s)
INJECTION = "**BOLD** [log in](https://example.invalid/login) ![p](http://example.invalid/p.png)"


def open_link(query: dict) -> tuple[AppTest, float]:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params.update(query)
    start = time.perf_counter()
    at.run()
    seconds = time.perf_counter() - start
    assert not at.exception, at.exception
    return at, seconds


def said(at) -> str:
    """Toasts and errors, as a reader sees them."""
    return " ".join(rendered_text(e.value) for e in (*at.toast, *at.error))


def settings(at):
    return stepper(at).settings


# (id, query, words the toast or error says, check of the safe value)
LINKS = [
    (
        "markdown_in_K",
        {"K": INJECTION},
        ["ignored", "longer than 40"],
        lambda at: settings(at).n_components == 3,
    ),
    (
        "short_link_in_K",
        {"K": "[x](https://example.invalid)"},
        ["K=[x](https://example.invalid)", "digits 0-9"],
        lambda at: settings(at).n_components == 3,
    ),
    (
        "image_in_dataset",
        {"src": "ds", "ds": "![p](http://example.invalid/p.png)"},
        ["must be one of"],
        lambda at: at.session_state["active_data"].data_id.startswith("ds:"),
    ),
    (
        "html_in_init",
        {"init": "<img src=http://example.invalid/i.png>"},
        ["must be one of"],
        # Nothing usable in the link: the opening scenario, with its own initialisation.
        lambda at: settings(at).init_method == PRESET_BY_KEY[OPENING].scenario()["init_method"],
    ),
    (
        "cpu_burn",
        {"src": "gen", "n": "1000000", "K": "10", "iters": "5000", "t": "5000"},
        ["too much to compute", "Run to convergence"],
        lambda at: stepper(at).t == affordable_iteration(5000, 1_000_000, 10) < 5000,
    ),
    ("tol_zero", {"tol": "0"}, [], lambda at: settings(at).tol == 0.0),
    (
        "tol_off_menu",
        {"tol": "0.5"},
        ["menu", "0 (run to the limit)"],
        lambda at: settings(at).tol == 1e-6,
    ),
    ("tol_huge", {"tol": "1e308"}, ["menu"], lambda at: settings(at).tol == 1e-6),
    ("tol_nan", {"tol": "nan"}, ["digits 0-9"], lambda at: settings(at).tol == 1e-6),
    (
        "repeated_differently",
        {"K": ["2", "3"]},
        ["2 times with different values"],
        lambda at: settings(at).n_components == 3,
    ),
    ("repeated_alike", {"K": ["2", "2"]}, [], lambda at: settings(at).n_components == 2),
    (
        "hundred_kb_value",
        {"K": "9" * 100_000},
        ["(100,002 characters)", "longer than 40"],
        lambda at: settings(at).n_components == 3 and len(said(at)) < 400,
    ),
    ("arabic_digit", {"K": "٣"}, ["digits 0-9"], lambda at: settings(at).n_components == 3),
    ("fullwidth_digit", {"seed": "９"}, ["digits 0-9"], lambda at: settings(at).seed == 1),
    (
        "underscore_digits",
        {"src": "gen", "n": "1_000"},
        ["digits 0-9"],
        lambda at: at.session_state["active_data"].x.size == 1000,
    ),
    ("k_out_of_bounds", {"K": "11"}, ["outside 1..10"], lambda at: settings(at).n_components == 3),
    (
        "manual_sigma_zero",
        {"init": "manual", "K": "1", "manual": "0.0,0.0,1.0"},
        ["σ must be greater than 0", "the run shown uses K = 1"],
        lambda at: settings(at).init_method == "kmeans++" and settings(at).n_components == 1,
    ),
    (
        "manual_sigma_underflow",
        {"init": "manual", "K": "2", "manual": "0.0,1e-300,0.5;1.0,1.0,0.5"},
        ["σ is out of range", "1e-150"],
        lambda at: settings(at).n_components == 2,
    ),
    (
        "manual_mu_far",
        {"init": "manual", "K": "2", "manual": "1e300,1.0,0.5;1.0,1.0,0.5"},
        ["μ is too far from the data"],
        lambda at: settings(at).init_method == "kmeans++",
    ),
    (
        "manual_weights_overflow",
        {"init": "manual", "K": "2", "manual": "0,1,1e308;1,1,1e308"},
        ["too large to add up"],
        lambda at: settings(at).init_method == "kmeans++",
    ),
    (
        "manual_nan",
        {"init": "manual", "K": "1", "manual": "nan,1,1"},
        ["digits 0-9"],
        lambda at: stepper(at) is not None,
    ),
    (
        "manual_wrong_rows",
        {"init": "manual", "K": "3", "manual": "0,1,1"},
        ["K = 3"],
        lambda at: stepper(at) is not None,
    ),
    (
        "truth_seven_rows",
        {"src": "gen", "truth": ";".join(["0,1,1"] * 7)},
        ["more than 6"],
        lambda at: at.session_state["active_data"].truth.n_components == 3,
    ),
    (
        "truth_too_wide",
        {"src": "gen", "truth": "1e300,1,1;-1e300,1,1"},
        ["too wide a range", "unchanged"],
        lambda at: at.session_state["active_data"].truth.n_components == 3,
    ),
    (
        "truth_sigma_underflow",
        {"src": "gen", "truth": "0,1e-300,1"},
        ["out of range"],
        lambda at: at.session_state["active_data"].truth.n_components == 3,
    ),
    ("t_negative", {"t": "-5"}, [], lambda at: stepper(at).t == 0),
    (
        "t_beyond_limit",
        {"iters": "20", "t": "99999"},
        ["beyond the limit of 20"],
        lambda at: stepper(at).t == 20,
    ),
    ("phase_unknown", {"ph": "X"}, ["phase must be E or M"], lambda at: stepper(at).phase == "M"),
    ("negative_t", {"t": "-3"}, ["t=-3", "from 0 on"], lambda at: stepper(at).t == 0),
    (
        "lecture_unknown",
        {"lecture": "yes"},
        ["must be one of 1, 0"],
        lambda at: not at.session_state["lecture"],
    ),
    (
        "upload_source",
        {"src": "up"},
        ["cannot carry uploaded data"],
        lambda at: stepper(at) is not None,
    ),
    ("unknown_key", {"foo": INJECTION}, [], lambda at: settings(at).n_components == 3),
]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("query", "words", "safe"), [row[1:] for row in LINKS], ids=[row[0] for row in LINKS]
)
def test_a_hostile_link_opens_safely_and_says_what_it_did_not_take(query, words, safe):
    at, seconds = open_link(query)
    assert seconds < SECONDS_PER_LINK
    text = said(at)
    for word in words:
        assert word in text, f"{word!r} not in {text!r}"
    assert safe(at), text
    for body in markdown_bodies(at):
        assert not active_markup(body), f"live markup in {body!r}"
    assert not any(e.value.startswith("Σ") for e in at.error)  # σ is not capitalised
    if not stepper(at).at_max_iter:
        click(at, "step")
    state = stepper(at)
    assert np.all(np.isfinite(state.params.means)) and np.all(np.isfinite(state.params.variances))


def test_the_work_budget_rule():
    assert affordable_iteration(50, 1000, 3) == 50
    t = affordable_iteration(5000, 1_000_000, 10)
    assert 0 < t < 5000 and t * (1_000_000 * 10) <= WORK_BUDGET


def test_a_markdown_link_value_appears_literally_in_a_code_span():
    at, _ = open_link({"K": "[x](https://example.invalid)"})
    (toast,) = at.toast
    assert "`K=[x](https://example.invalid)`" in toast.value
    assert not active_markup(toast.value)


@pytest.mark.parametrize(
    "query",
    [{"K": "[x](https://example.invalid)"}, {"preset": "nope"}, {"src": "up"}, {"t": "999999"}],
    ids=["bad-K", "no-such-preset", "upload", "beyond-the-limit"],
)
def test_what_a_link_could_not_do_stays_on_screen_until_dismissed(query):
    """A toast that fades after four seconds is missed by a reader who looked away while the
    page opened: each refusal or change of a link's request stays until closed (duration 0 is
    Streamlit's "infinite")."""
    at, _ = open_link(query)
    assert at.toast, "the link's problem is said"
    assert [t.proto.duration for t in at.toast] == [0] * len(at.toast), said(at)


def lecture_warnings(at) -> list[str] | None:
    """The texts in lecture mode's warnings popover beside the chart (None: no popover)."""
    for block in blocks(at.main):
        if getattr(block.proto, "id", "").endswith("-lecture_messages"):
            return [str(getattr(e, "value", "")) for e in block.children.values()]
    return None


def test_in_lecture_mode_what_a_link_could_not_do_waits_beside_the_chart():
    """In lecture mode a toast would sit over the Scenarios control and the big Next button:
    the link's problem joins the run's warnings beside the chart instead, through the clicks,
    until a new run replaces the one the link opened."""
    at, _ = open_link({"K": "[x](https://example.invalid)", "lecture": "1"})
    assert not at.toast
    (said_there,) = lecture_warnings(at)
    assert "`K=[x](https://example.invalid)`" in said_there and "digits 0-9" in said_there
    for _ in range(3):
        click(at, "lecture_next")
    assert lecture_warnings(at) == [said_there]
    at.number_input(key="n_components").set_value(4).run()
    assert lecture_warnings(at) is None


def test_a_link_naming_no_known_preset_opens_as_a_bare_link_does():
    """``?preset=nope`` says the preset is unknown and opens what ``/`` opens (the opening
    preset), not the app's defaults."""
    bare, _ = open_link({})
    unknown, _ = open_link({"preset": "nope"})
    assert "there is no preset 'nope'" in said(unknown)
    assert settings(unknown) == settings(bare)
    assert stepper(unknown).data_id == stepper(bare).data_id


def test_news_of_the_users_own_action_goes_after_a_few_seconds():
    at, _ = open_link({"K": "3"})
    at.number_input(key="n_components").set_value(4).run()
    (toast,) = [t for t in at.toast if "restarts at iteration 0" in t.value]
    assert toast.proto.duration == 4


def test_tol_zero_travels_in_the_link_and_runs_to_the_iteration_limit():
    at, _ = open_link({"tol": "0", "iters": "12"})
    assert at.selectbox(key="tol").value == 0.0
    click(at, "run")
    assert stepper(at).t == 12
    assert dict(at.query_params)["tol"] == "0.0"
