"""The shared data panel through AppTest: generate, classic data sets, uploads good and bad."""

from __future__ import annotations

import numpy as np
import pytest

from gmm_core.data import DATASETS, load_dataset

from .helpers import click, new_app, status_text, stepper

RNG = np.random.default_rng(3)
GOOD_VALUES = np.concatenate([RNG.normal(0, 1, 150), RNG.normal(6, 1, 150)])
GOOD_CSV = ("value\n" + "\n".join(f"{v:.6f}" for v in GOOD_VALUES)).encode()


def active(at):
    return at.session_state["active_data"]


def caption_in_use(at) -> str:
    return next(c.value for c in at.sidebar.caption if c.value.startswith("In use"))


def upload(at, name: str, content: bytes, mime: str = "text/csv"):
    if at.radio(key="data_source").value != "Upload":
        at.radio(key="data_source").set_value("Upload").run()
    at.file_uploader(key="upload").set_value((name, content, mime)).run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize("key", list(DATASETS))
def test_each_classic_data_set_loads_with_its_source(key):
    at = new_app()
    at.radio(key="data_source").set_value("Data set").run()
    at.selectbox(key="dataset").set_value(key).run()
    assert not at.exception
    np.testing.assert_array_equal(active(at).x, load_dataset(key))
    assert DATASETS[key].source in " ".join(c.value for c in at.sidebar.caption)
    assert stepper(at).data_id == f"ds:{key}" and stepper(at).t == 0
    click(at, "step")
    assert stepper(at).t == 1


def test_generate_changes_data_and_resets_the_run_visibly():
    at = new_app()
    click(at, "step")
    at.number_input(key="n_points").set_value(250).run()
    assert active(at).x.size == 250 and active(at).truth is not None
    assert stepper(at).t == 0
    assert any("New data" in t.value for t in at.toast)
    at.number_input(key="gen_seed").set_value(99).run()
    assert active(at).x.size == 250 and stepper(at).data_id.endswith(":250:99")


def test_generated_data_overlays_the_dashed_truth():
    from .helpers import figure, traces

    at = new_app()
    truth = traces(figure(at, "mixture_chart"), name="true components")
    assert len(truth) == 3 and all(t["line"]["dash"] == "dash" for t in truth)
    at.toggle(key="show_truth").set_value(False).run()
    assert not traces(figure(at, "mixture_chart"), name="true components")


def test_data_persists_across_reruns_and_source_switches():
    at = new_app()
    upload(at, "good.csv", GOOD_CSV)
    first = active(at).data_id
    at.radio(key="data_source").set_value("Data set").run()
    assert active(at).data_id == "ds:old_faithful_waiting"
    at.radio(key="data_source").set_value("Generate").run()
    # The generator's settings were kept while hidden.
    assert active(at).x.size == 1000
    assert first.startswith("up:")


@pytest.mark.slow
def test_a_good_csv_loads_and_restarts_at_iteration_zero():
    at = new_app()
    click(at, "step")
    upload(at, "two_bumps.csv", GOOD_CSV)
    np.testing.assert_allclose(active(at).x, np.round(GOOD_VALUES, 6))
    assert "Uploaded: `two_bumps.csv`" in caption_in_use(at)  # a file name is shown literally
    assert stepper(at).t == 0 and stepper(at).data_id == active(at).data_id
    click(at, "step")
    assert "Iteration 1" in status_text(at)


def test_column_choice_when_several_numeric_columns():
    at = new_app()
    upload(at, "faithful.csv", b"eruptions,waiting\n3.6,79\n1.8,54\n3.333,74\n2.283,62\n4.533,85\n")
    assert at.selectbox(key="upload_column").options == ["eruptions", "waiting"]
    at.selectbox(key="upload_column").set_value("waiting").run()
    np.testing.assert_array_equal(active(at).x, [79, 54, 74, 62, 85])


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("empty.csv", b"", "empty"),
        ("words.csv", b"name\nalice\nbob\ncarol\n", "number"),
        ("renamed_picture.csv", b"\x89PNG\r\n\x1a\n" + bytes(range(256)), "binary"),
        (
            "nan.csv",
            b"x\n1.0\nnan\n2.5\ninf\n3.0\n",
            "2 cells that are not finite numbers: row 3 ('nan'), row 5 ('inf')",
        ),
        ("same.csv", b"x\n4\n4\n4\n", "two different values"),
    ],
)
def test_a_bad_file_shows_its_message_and_keeps_data_and_iteration(name, content, expected):
    at = new_app()
    upload(at, "good.csv", GOOD_CSV)
    click(at, "step")
    click(at, "step")
    before_data, before_state = active(at), stepper(at)
    upload(at, name, content)
    errors = [e.value for e in at.error]
    assert errors, "a bad file must show an error"
    assert expected in errors[0] and "unchanged" in errors[0]
    assert active(at) is before_data
    assert stepper(at).t == 2 and stepper(at).params == before_state.params
    assert "Iteration 2" in status_text(at)


def test_non_finite_values_can_be_dropped_with_a_note():
    at = new_app()
    upload(at, "nan.csv", b"x\n1.0\nnan\n2.5\ninf\n3.0\n\n7\n")
    assert at.error and "drop" in at.error[0].value.lower()
    at.checkbox(key="upload_drop").check().run()
    assert not at.error
    np.testing.assert_array_equal(active(at).x, [1.0, 2.5, 3.0, 7.0])
    assert any("dropped" in i.value for i in at.info)


def test_k_larger_than_the_distinct_values_is_explained_and_the_run_kept():
    at = new_app()
    upload(at, "three.csv", b"x\n" + b"\n".join([b"1", b"2", b"3"] * 20))
    assert stepper(at).params.n_components == 3
    click(at, "step")
    at.number_input(key="n_components").set_value(5).run()
    assert not at.exception
    message = " ".join(e.value for e in at.error)
    assert "only 3 distinct values" in message and "K ≤ 3" in message
    assert stepper(at).params.n_components == 3 and stepper(at).t == 1


def test_new_data_with_too_few_distinct_values_falls_back_with_a_message():
    at = new_app()  # K = 3 by default
    upload(at, "two.csv", b"x\n" + b"\n".join([b"1.5", b"7"] * 10))
    assert not at.exception
    assert "only 2 distinct values" in " ".join(e.value for e in at.error)
    assert stepper(at).params.n_components == 2
    click(at, "step")
    assert not np.isnan(stepper(at).params.means).any()
