"""The "How many components?" page through AppTest: BIC/AIC/ICL for K = 1…Kmax, both variance
models, the best marked, the fit of any K, and taking a K to the stepper."""

from __future__ import annotations

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from gmm_core import fit
from gmm_core.data import load_dataset

from .helpers import (
    click,
    decode,
    figure,
    new_app,
    open_app_page,
    opened_in_stepper,
    stepper,
    traces,
)

PAGE = "app_pages/choose_k.py"


def open_page(at: AppTest | None = None) -> AppTest:
    return open_app_page(PAGE, "How many components?", at)


def sweep(at: AppTest, k_max: int = 4, restarts: int = 2) -> AppTest:
    at.number_input(key="k_max").set_value(k_max).run()
    at.number_input(key="k_restarts").set_value(restarts).run()
    return click(at, "k_run")


def fits_table(at: AppTest):
    return next(df.value for df in at.dataframe if "BIC" in df.value.columns)


def test_the_page_states_the_sign_convention_before_any_fit():
    at = open_page()
    assert any("lower is better" in c.value.lower() for c in at.caption)
    assert any("(uncertain γ(zₙₖ))" in c.value for c in at.caption)
    assert not any("z_nk" in c.value for c in at.caption)
    assert any(r"\mathrm{BIC}" in latex.value for latex in at.get("latex"))
    assert any("Compare models" in i.value for i in at.info)


def test_criteria_for_every_k_and_model_agree_with_a_plain_fit():
    at = sweep(open_page(), k_max=4, restarts=2)
    table = fits_table(at)
    assert len(table) == 8  # K = 1..4, unequal and equal variances
    assert list(table["p"]) == [2, 5, 8, 11, 2, 4, 6, 8]  # 3K − 1 and 2K
    x = at.session_state["active_data"].x
    settings = stepper(at).settings
    for row in table.itertuples():
        again = fit(
            x,
            row.K,
            init="kmeans++",
            n_init=2,
            seed=0,
            tol=settings.tol,
            max_iter=settings.max_iter,
            equal_variance=row.variances == "equal σ²",
        )
        np.testing.assert_allclose(row.BIC, again.bic, rtol=1e-12)
        np.testing.assert_allclose(row.AIC, again.aic, rtol=1e-12)
        assert row.ICL >= row.BIC - 1e-9


def test_the_best_model_is_starred_and_said_in_words():
    at = sweep(open_page(), k_max=4)
    selection = at.session_state["selection"][1]
    best = selection.best("bic")
    assert any(f"BIC picks **K = {best.n_components}**" in s.value for s in at.success)
    spec = figure(at, "k_criteria")
    stars = traces(spec, prefix="best BIC")
    assert len(stars) == 1
    assert decode(stars[0]["x"]).tolist() == [best.n_components]
    assert decode(stars[0]["y"])[0] == min(r.bic for r in selection.rows)
    assert not traces(spec, prefix="ICL") and not traces(spec, prefix="best ICL")
    at.toggle(key="k_show_icl").set_value(True).run()
    spec = figure(at, "k_criteria")
    assert len(traces(spec, prefix="ICL")) == 2 and len(traces(spec, prefix="best ICL")) == 1


def test_generated_three_component_data_is_given_three_by_bic():
    # The default data: 1,000 points from three well separated components.
    at = sweep(open_page(), k_max=5, restarts=3)
    assert at.session_state["selection"][1].best("bic").n_components == 3


def test_the_fit_of_any_k_is_drawn_and_can_be_stepped_through():
    at = sweep(open_page(), k_max=4)
    at.selectbox(key="k_show").set_value((2, True)).run()
    assert not at.exception, at.exception
    spec = figure(at, "k_mixture")
    assert len(traces(spec, prefix="π")) == 2
    opened_in_stepper(click(at, "k_use"))
    state = stepper(at)
    assert (state.settings.n_components, state.settings.equal_variance) == (2, True)
    assert state.t == 0


def test_k_above_the_distinct_values_is_skipped_with_a_note():
    at = new_app()
    at.radio(key="data_source").set_value("Upload").run()
    at.file_uploader(key="upload").set_value(("three.csv", b"1\n2\n3\n1\n2\n3\n", "text/csv")).run()
    at.number_input(key="n_components").set_value(2).run()
    at = sweep(open_page(at), k_max=5, restarts=1)
    assert set(fits_table(at)["K"]) == {1, 2, 3}
    assert any("K = 4, 5 not fitted" in w.value for w in at.warning)


def test_old_faithful_waiting_prefers_two_components():
    at = new_app()
    at.radio(key="data_source").set_value("Data set").run()
    at.selectbox(key="dataset").set_value("old_faithful_waiting").run()
    at = sweep(open_page(at), k_max=4, restarts=3)
    np.testing.assert_array_equal(
        at.session_state["active_data"].x, load_dataset("old_faithful_waiting")
    )
    assert at.session_state["selection"][1].best("bic").n_components == 2


@pytest.mark.slow
def test_a_k_from_a_bundled_data_set_is_stepped_on_that_data_set():
    at = new_app()
    at.radio(key="data_source").set_value("Data set").run()
    at.selectbox(key="dataset").set_value("galaxies").run()
    at = sweep(open_page(at), k_max=3, restarts=1)
    at.selectbox(key="k_show").set_value((3, False)).run()
    opened_in_stepper(click(at, "k_use"))
    at.run()
    state = stepper(at)
    assert state.data_id == "ds:galaxies" and state.settings.n_components == 3


def test_a_choice_resting_on_a_tiny_cluster_is_flagged():
    at = new_app()
    at.radio(key="data_source").set_value("Data set").run()
    at.selectbox(key="dataset").set_value("galaxies").run()
    at = sweep(open_page(at), k_max=7, restarts=3)
    selection = at.session_state["selection"][1]
    table = fits_table(at)
    want = [float(r.params.weights.min()) * 82 for r in selection.rows]
    np.testing.assert_allclose(table["smallest Nₖ"], want)
    flagged = {
        r
        for r in (selection.best(c) for c in ("bic", "aic", "icl"))
        if float(r.params.weights.min()) * 82 < 3
    }
    warned = [w.value for w in at.warning if "tiny cluster" in w.value]
    assert len(warned) == len(flagged) >= 1  # galaxies: BIC's K = 6 rests on two points
    for row in flagged:
        assert any(f"(K = {row.n_components}," in w for w in warned)


# --- issue 8: degenerate fits, prior, ICL forms, bootstrap LRT and SEs --------------------------


def upload_values(at: AppTest, values: np.ndarray) -> AppTest:
    at.radio(key="data_source").set_value("Upload").run()
    content = "\n".join(repr(float(v)) for v in values).encode()
    at.file_uploader(key="upload").set_value(("spike.csv", content, "text/csv")).run()
    assert not at.exception, at.exception
    return at


def spike_data() -> np.ndarray:
    rng = np.random.default_rng(0)
    rng.normal(0.0, 1.0, 200)
    return np.concatenate([rng.normal(0.0, 1.0, 200), np.full(15, 2.5)])


@pytest.mark.slow
def test_degenerate_fits_are_greyed_named_and_never_picked():
    at = open_page(upload_values(new_app(), spike_data()))
    at.multiselect(key="k_models").set_value(["unequal σ²"]).run()
    at = sweep(at, k_max=4, restarts=1)
    selection = at.session_state["selection"][1]
    assert {r.n_components for r in selection.degenerate_rows} == {2, 3, 4}
    table = fits_table(at)
    reasons = dict(zip(table["K"], table["degenerate"], strict=True))
    assert reasons[1] == "" and all("at x = 2.5" in reasons[k] for k in (2, 3, 4))
    assert any("Not candidates" in w.value and "K = 2 (unequal σ²)" in w.value for w in at.warning)
    assert any("picks **K = 1**" in s.value for s in at.success)
    crosses = traces(figure(at, "k_criteria"), prefix="BIC: degenerate")
    assert len(crosses) == 1 and sorted(decode(crosses[0]["x"]).tolist()) == [2, 3, 4]


@pytest.mark.slow
def test_the_prior_from_the_sidebar_regularises_every_fit():
    at = new_app()
    at.radio(key="data_source").set_value("Data set").run()
    at.selectbox(key="dataset").set_value("old_faithful_waiting").run()
    at.toggle(key="prior").set_value(True).run()
    at = sweep(open_page(at), k_max=3, restarts=2)
    selection = at.session_state["selection"][1]
    assert selection.prior
    again = fit(
        at.session_state["active_data"].x, 2, n_init=2, seed=0, equal_variance=True, prior=True
    )
    row = next(r for r in selection.rows if (r.n_components, r.equal_variance) == (2, True))
    assert row.bic == again.bic
    assert abs(-row.bic + 2090.49) < 0.01  # mclust's BIC, in its sign
    assert any("priorControl" in c.value for c in at.caption)


def test_the_icl_form_is_named_and_chosen():
    at = sweep(open_page(), k_max=3, restarts=1)
    assert any(r"\mathrm{ICL}_{\text{mclust}}" in latex.value for latex in at.get("latex"))
    table = fits_table(at)
    assert (table["ICL (mclust)"] <= table["ICL"] + 1e-9).all()
    assert (table["ICL (mclust)"] >= table["BIC"] - 1e-9).all()
    at.selectbox(key="k_icl_form").set_value("icl_map").run()
    assert any("ICL (mclust) picks" in s.value for s in at.success)


@pytest.mark.slow
def test_bootstrap_lrt_and_parameter_bootstrap_on_the_page():
    at = new_app()
    at.radio(key="data_source").set_value("Data set").run()
    at.selectbox(key="dataset").set_value("old_faithful_waiting").run()
    at = open_page(at)
    at.number_input(key="k_lrt_kmax").set_value(2).run()
    at = click(at, "k_lrt_run")
    test = at.session_state["k_lrt_result"][1]
    assert [r.n_components for r in test.rows] == [1] and test.rows[0].p_value == 0.01
    lrt = next(df.value for df in at.dataframe if "p-value" in df.value.columns)
    assert lrt["test"].tolist() == ["1 vs 2"]
    assert any("Every test rejects K" in i.value for i in at.info)  # p = .01 for 1 vs 2
    at = sweep(at, k_max=2, restarts=1)
    at.selectbox(key="k_boot_n").set_value(99).run()
    at = click(at, "k_boot_run")
    boot = next(df.value for df in at.dataframe if "SE" in df.value.columns)
    assert len(boot) == 3 * 2 and (boot["SE"] > 0).all()
    # Named as the notes write them (not "π_1", "σ²_1").
    assert boot["parameter"].tolist() == ["π₁", "π₂", "μ₁", "μ₂", "σ₁²", "σ₂²"]
    assert (boot["95 % low"] <= boot["estimate"]).all()
    assert (boot["estimate"] <= boot["95 % high"]).all()
