"""Unit tests of ui.pure.scenario.encode/decode (a scenario ↔ link query parameters) and of
ui.widgets.apply_editor_delta (st.data_editor's edit record applied to a table)."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gmm_core.bundled import DATASETS
from gmm_core.convergence import STOPPING_RULES
from ui.pure.run_state import INIT_CHOICES
from ui.pure.scenario import TOLERANCES, decode, encode
from ui.widgets import apply_editor_delta

TRUTH = pd.DataFrame({"μ": [-2.0, 0.1, 3.5], "σ": [1.0, 0.25, 2.0], "π": [0.2, 0.3, 0.5]})
MANUAL = pd.DataFrame({"μ": [0.0, 1.0 / 3.0], "σ": [1.0, 2.0], "π": [0.5, 0.5]})


def test_generate_scenario_round_trips_exactly() -> None:
    values = {
        "data_source": "Generate",
        "n_points": 1234,
        "gen_seed": 7,
        "n_components": 3,
        "equal_variance": True,
        "init_method": "random",
        "seed": 42,
        "tol": 1e-8,
        "max_iter": 300,
        "prior": False,
        "truth_table": TRUTH,
        "t": 5,
        "phase": "E",
        "lecture": True,
    }
    query = encode(values)
    assert query == {
        "src": "gen",
        "n": "1234",
        "gs": "7",
        "K": "3",
        "eq": "1",
        "init": "random",
        "seed": "42",
        "tol": "1e-08",
        "iters": "300",
        "prior": "0",
        "truth": "-2.0,1.0,0.2;0.1,0.25,0.3;3.5,2.0,0.5",
        "t": "5",
        "ph": "E",
        "lecture": "1",
    }
    decoded, problems = decode(query)
    assert not problems
    pd.testing.assert_frame_equal(decoded.pop("truth_table"), TRUTH)
    assert decoded == {k: v for k, v in values.items() if k != "truth_table"}


def test_encode_leaves_out_what_the_source_and_init_do_not_use() -> None:
    query = encode(
        {
            "data_source": "Data set",
            "dataset": "galaxies",
            "n_points": 500,
            "gen_seed": 3,
            "init_method": "manual",
            "manual_table": MANUAL,
            "seed": 9,
            "truth_table": TRUTH,
            "t": 0,
            "phase": "M",
            "lecture": False,
        }
    )
    assert query == {"src": "ds", "ds": "galaxies", "init": "manual",
                     "manual": "0.0,1.0,0.5;0.3333333333333333,2.0,0.5"}  # fmt: skip
    decoded, problems = decode(query)
    assert not problems and decoded["manual_table"]["μ"].iloc[1] == 1.0 / 3.0  # exact repr
    assert encode({"data_source": "Upload", "dataset": "galaxies"}) == {"src": "up"}


def test_decode_ignores_bad_parameters_with_a_reason_and_keeps_the_rest() -> None:
    values, problems = decode(
        {
            "K": "99",
            "tol": "0.5",
            "iters": "12",
            "eq": "maybe",
            "init": "<b>x</b>",
            "seed": ["1", "2"],
            "src": "ds",
            "ds": "galaxies",
            "ph": "X",
            "t": "-3",
        }
    )
    # A negative iteration is refused and said (it used to become 0 without a word).
    assert values == {"max_iter": 12, "data_source": "Data set", "dataset": "galaxies"}
    assert len(problems) == 7
    joined = " ".join(problems)
    for reason in ("outside 1..10", "one of the menu's values", "must be one of 1, 0, true",
                   "given 2 times", "the phase must be E or M", "from 0 on"):  # fmt: skip
        assert reason in joined
    assert "`init=<b>x</b>`" in joined  # the value is shown literally, as code


def test_the_link_carries_the_stopping_rule() -> None:
    assert decode({"stop": "gain"}) == ({"stopping": "gain"}, [])
    values, problems = decode({"stop": "never"})
    assert values == {} and "must be one of aitken, gain" in problems[0]


def test_decode_takes_a_repeated_parameter_with_one_value() -> None:
    values, problems = decode({"K": ["4", "4"]})
    assert values == {"n_components": 4} and not problems


scenarios = st.fixed_dictionaries(
    {},
    optional={
        "n_components": st.integers(1, 10),
        "equal_variance": st.booleans(),
        "init_method": st.sampled_from([m for m in INIT_CHOICES if m != "manual"]),
        "seed": st.integers(0, 2**31 - 1),
        "tol": st.sampled_from(TOLERANCES),
        "max_iter": st.integers(1, 5000),
        "prior": st.booleans(),
        "stopping": st.sampled_from(STOPPING_RULES),
        "data_source": st.sampled_from(["Generate", "Data set", "Upload"]),
        "n_points": st.integers(10, 1_000_000),
        "gen_seed": st.integers(0, 2**31 - 1),
        "dataset": st.sampled_from(list(DATASETS)),
    },
)


@given(scenarios)
def test_decode_inverts_encode(values: dict) -> None:
    decoded, problems = decode(encode(values))
    assert not problems
    expected = dict(values)
    if values.get("data_source") != "Generate":
        expected.pop("n_points", None)
        expected.pop("gen_seed", None)
    if values.get("data_source") != "Data set":
        expected.pop("dataset", None)
    assert decoded == expected
    assert all(type(decoded[k]) is type(expected[k]) for k in decoded)


# --------------------------------------------------------------------------------------
# apply_editor_delta
# --------------------------------------------------------------------------------------

BASE = pd.DataFrame({"μ": [0.0, 1.0, 2.0], "σ": [1.0, 1.0, 1.0]}, index=[10, 20, 30])


def test_no_edits_give_the_table_with_a_fresh_index() -> None:
    out = apply_editor_delta(BASE, {})
    assert out.index.tolist() == [0, 1, 2] and out["μ"].tolist() == [0.0, 1.0, 2.0]


def test_edits_address_rows_by_position_and_leave_base_alone() -> None:
    out = apply_editor_delta(BASE, {"edited_rows": {"1": {"σ": 5.0}, 2: {"μ": -1.0}}})
    assert out["σ"].tolist() == [1.0, 5.0, 1.0] and out["μ"].tolist() == [0.0, 1.0, -1.0]
    assert BASE["σ"].tolist() == [1.0, 1.0, 1.0] and BASE["μ"].tolist() == [0.0, 1.0, 2.0]


def test_added_rows_are_appended_with_missing_cells_empty() -> None:
    out = apply_editor_delta(BASE, {"added_rows": [{"μ": 7.0, "σ": 0.5}, {"μ": 8.0}]})
    assert out["μ"].tolist() == [0.0, 1.0, 2.0, 7.0, 8.0]
    assert out["σ"].iloc[3] == 0.5 and pd.isna(out["σ"].iloc[4])
    assert out.index.tolist() == list(range(5))


def test_edit_add_and_delete_together_follow_streamlits_order() -> None:
    """Edits use the positions of the table as it was; deletions apply last, by position
    in the table after the additions."""
    delta = {"edited_rows": {"0": {"μ": 9.0}}, "added_rows": [{"μ": 3.0, "σ": 2.0}],
             "deleted_rows": [1, 3]}  # fmt: skip
    out = apply_editor_delta(BASE, delta)
    assert out["μ"].tolist() == [9.0, 2.0] and out["σ"].tolist() == [1.0, 1.0]
    assert out.index.tolist() == [0, 1]


def test_deleting_every_row_leaves_an_empty_table_with_the_columns() -> None:
    out = apply_editor_delta(BASE, {"deleted_rows": [0, 1, 2]})
    assert out.empty and out.columns.tolist() == ["μ", "σ"]


@pytest.mark.parametrize("row", ["3", 5])
def test_an_edit_outside_the_table_is_an_index_error(row) -> None:
    with pytest.raises(IndexError):
        apply_editor_delta(BASE, {"edited_rows": {row: {"μ": 1.0}}})
