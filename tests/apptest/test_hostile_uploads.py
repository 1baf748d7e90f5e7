"""Hostile uploads through the app (AppTest): every corpus file, and Markdown injection.

For each file of ``tests/hostile/corpus.py`` the run is stepped to iteration 3, the file is
uploaded, and then: no exception; on a refusal, a message with the problem and the fix, and the
data, the sidebar's "In use" line and the run (iteration and parameters) unchanged; on an
acceptance, the new data in use at iteration 0 with nothing non-finite on screen.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from tests.hostile.corpus import CORPUS, HOSTILE_NAME, build
from tests.hostile.markdown import active_markup, markdown_bodies, rendered_text

from .helpers import click, decode, figure, new_app, stepper

_NOT_FINITE_WORD = re.compile(r"(?i)(?<![a-z])(nan|[-+−]?inf)(?![a-z])")  # as printed numbers


def active(at):
    return at.session_state["active_data"]


def in_use(at) -> str:
    return next(c.value for c in at.sidebar.caption if c.value.startswith("In use"))


def plain(markdown: str) -> str:
    """A message as read (backslash escapes resolved), for looking up words."""
    return re.sub(r"\\([^\w\s])", r"\1", markdown)


def upload(at, name: str, data: bytes) -> None:
    """Upload ``data`` as ``name`` (with ".csv" appended when the uploader's type filter would
    refuse the name, as the browser's file picker does)."""
    if not name.lower().endswith((".csv", ".tsv", ".txt", ".dat")):
        name += ".csv"
    if at.radio(key="data_source").value != "Upload":
        at.radio(key="data_source").set_value("Upload").run()
    at.file_uploader(key="upload").set_value((name, data, "text/csv")).run()
    assert not at.exception, f"{name}: {at.exception}"


def step_to_three(at) -> None:
    while stepper(at).t < 3:
        click(at, "step")


def _finite_numbers(value) -> bool:
    """Every number in a (decoded) plotly JSON value is finite."""
    if isinstance(value, dict):
        if "bdata" in value:
            array = decode(value)
            return not np.issubdtype(array.dtype, np.floating) or bool(np.isfinite(array).all())
        return all(_finite_numbers(v) for v in value.values())
    if isinstance(value, list):
        return all(_finite_numbers(v) for v in value)
    if isinstance(value, float):
        return np.isfinite(value)
    return True


def assert_nothing_non_finite_on_screen(at, key: str) -> None:
    state = stepper(at)
    for theta in state.run.history[: state.t + 1]:
        assert np.all(np.isfinite(theta.weights)) and np.all(np.isfinite(theta.means))
        assert np.all(np.isfinite(theta.variances)) and np.all(theta.variances > 0)
    assert np.all(np.isfinite(state.run.log_likelihoods)), key
    for chart in at.get("plotly_chart"):
        spec = json.loads(chart.proto.spec)
        assert _finite_numbers(spec["data"]), f"{key}: non-finite number in a chart"
    for body in markdown_bodies(at, labels=False):
        if "not finite" in body:  # a message about the file's cells, not a number shown
            continue
        assert not _NOT_FINITE_WORD.search(plain(body)), f"{key}: {body!r}"
    for frame in at.dataframe:
        numbers = frame.value.select_dtypes("number").to_numpy(dtype=float)
        assert np.all(np.isfinite(numbers)), f"{key}: non-finite in a table"


def check_upload(at, entry, data: bytes) -> None:
    step_to_three(at)
    before_data, before_state, before_caption = active(at), stepper(at), in_use(at)
    upload(at, entry.name, data)
    messages = [plain(e.value) for e in at.sidebar.error]
    if entry.verdict == "refuse":
        assert messages, f"{entry.key}: refused without a message"
        text = " ".join(messages)
        for word in entry.words:
            assert word in text, f"{entry.key}: {word!r} not in {text!r}"
        assert "unchanged" in text
        assert active(at) is before_data, f"{entry.key}: the data changed on a refusal"
        assert in_use(at) == before_caption, f"{entry.key}: the sidebar claims the new file"
        assert stepper(at).t == 3 and stepper(at).params == before_state.params, entry.key
        return
    assert active(at) is not before_data, f"{entry.key}: accepted file not in use: {messages}"
    assert stepper(at).data_id == active(at).data_id and stepper(at).t == 0
    notes = " ".join(plain(i.value) for i in at.sidebar.info)
    for word in entry.words:
        assert word in notes, f"{entry.key}: {word!r} not in the notes {notes!r}"
    if entry.values is not None:
        np.testing.assert_array_equal(active(at).x, entry.values)
    step_to_three(at)
    assert_nothing_non_finite_on_screen(at, entry.key)


@pytest.mark.slow
def test_every_corpus_file_through_the_app_keeps_or_replaces_the_run_cleanly():
    at = new_app()
    upload(at, "base.csv", b"x\n" + b"\n".join(b"%d.5" % (i % 17) for i in range(200)))
    for entry, data in build(include_big=True):
        check_upload(at, entry, data)


def test_a_refused_upload_keeps_the_run_through_later_reruns():
    """The refusal holds while K changes and the drop box is ticked (it used to crash on every
    rerun after ±1e308 data)."""
    at = new_app()
    step_to_three(at)
    before = active(at)
    upload(at, "huge.csv", b"x\n1e308\n-1e308\n0\n5\n")
    assert "rescale" in plain(at.sidebar.error[0].value)
    at.number_input(key="n_components").set_value(2).run()
    assert not at.exception and active(at) is before
    at.checkbox(key="upload_drop").check().run()
    assert not at.exception and active(at) is before
    assert stepper(at).data_id == before.data_id and stepper(at).settings.n_components == 2


def test_k_above_the_distinct_values_of_new_data_says_what_is_shown():
    at = new_app()  # K = 3
    upload(at, "two.csv", b"x\n" + b"1.5\n7\n" * 10)
    message = " ".join(e.value for e in at.error)
    assert "only 2 distinct values" in message and "the run shown uses K = 2" in message
    assert "unchanged" not in message  # the run did change: new data, K = 2
    assert stepper(at).params.n_components == 2


def test_an_upload_is_parsed_once_per_session_and_not_cached_across_sessions(monkeypatch):
    import ui.data_panel as panel

    calls = []
    original = panel.read_table

    def counting(data, name):
        calls.append(name)
        return original(data, name)

    monkeypatch.setattr(panel, "read_table", counting)
    at = new_app()
    upload(at, "a.csv", b"x\n1\n2\n3.5\n")
    click(at, "step")
    click(at, "step")
    assert calls == ["a.csv"]
    other = new_app()  # another user uploading the same bytes parses them in their session
    upload(other, "a.csv", b"x\n1\n2\n3.5\n")
    assert calls == ["a.csv", "a.csv"]
    assert "upload_parsed" in at.session_state


# ---------------------------------------------------------------------------
# Markdown injection
# ---------------------------------------------------------------------------

HOSTILE_COLUMNS = (
    "<a href=https://example.invalid/x>a</a>",
    "![p](http://example.invalid/p.png)",
    "**b** [c](https://example.invalid) :red[d] $x$ www.example.invalid",
)


def _hostile_table() -> bytes:
    header = ",".join('"' + name + '"' for name in HOSTILE_COLUMNS)
    rows = "\n".join(f"{i % 9}.5,{i % 5}.25,{i % 7}.125" for i in range(60))
    return f"{header}\n{rows}\n".encode()


def assert_no_active_markup(at) -> list[str]:
    bodies = markdown_bodies(at)
    for body in bodies:
        assert not active_markup(body), f"live markup in {body!r}: {active_markup(body)}"
    return bodies


def test_hostile_file_and_column_names_appear_literally_and_never_as_links():
    at = new_app()
    upload(at, HOSTILE_NAME, _hostile_table())
    at.selectbox(key="upload_column").set_value(HOSTILE_COLUMNS[2]).run()
    assert not at.exception
    shown = " ".join(rendered_text(b) for b in assert_no_active_markup(at))
    assert HOSTILE_NAME[:55] in shown  # the file name, literally (shortened after 60)
    assert HOSTILE_COLUMNS[2][:55] in shown
    assert "example.invalid" in shown  # shown as text, not dropped
    # The chart's axis title: plotly reads <a href> as a link, so the name goes as entities.
    at.selectbox(key="upload_column").set_value(HOSTILE_COLUMNS[0]).run()
    layout = json.dumps(figure(at, "mixture_chart")["layout"])
    assert "&lt;a href=https://example.invalid/x&gt;a&lt;/a&gt;" in layout
    assert "<a " not in layout


def test_hostile_cell_text_and_errors_appear_literally():
    at = new_app()
    upload(
        at,
        "[x](https://example.invalid/y).csv",
        b"x\n1\n2\n![p](http://example.invalid/p.png)\n3\n4\n5\n6\n7\n8\n9\n10\n11\n",
    )
    assert at.sidebar.error
    bodies = assert_no_active_markup(at)
    shown = " ".join(rendered_text(b) for b in bodies)
    assert "'![p](http://examp..." in shown  # the cell, as the file says (shortened)


def test_the_column_axis_title_is_plotly_safe():
    at = new_app()
    upload(at, "c.csv", b'"<a href=https://example.invalid>v</a>"\n1\n2\n3.5\n')
    assert active(at).axis_label == "&lt;a href=https://example.invalid&gt;v&lt;/a&gt;"


@pytest.mark.parametrize("entry", [f for f in CORPUS if "hostile" in f.key], ids=lambda f: f.key)
def test_no_hostile_corpus_file_puts_live_markup_on_the_page(entry):
    at = new_app()
    upload(at, entry.name, entry.make())
    assert_no_active_markup(at)
