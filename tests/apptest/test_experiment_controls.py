"""The experiment controls the K page, the explorer and the landscape share (ui.experiment):
the sidebar's stopping rule, tolerance, limit and prior reach every fit (ModelSettings.
run_options) and are said in the caption; a run button waits for a choice; the seed boxes
take the sidebar's seed range and the K boxes its largest K."""

from __future__ import annotations

import numpy as np
import pytest

from gmm_core import explore_restarts, select_components
from ui.pure.settings import MAX_K, SETTING

from .helpers import click, new_app, open_app_page

K_PAGE = "app_pages/choose_k.py"
EXPLORER = "app_pages/explorer.py"


def with_sidebar(stopping: str, tol: float, max_iter: int):
    at = new_app()
    at.selectbox(key="stopping").set_value(stopping).run()
    at.selectbox(key="tol").set_value(tol).run()
    at.number_input(key="max_iter").set_value(max_iter).run()
    return at


@pytest.mark.slow
def test_the_k_page_fits_with_the_sidebars_stopping_rule_and_says_it():
    at = open_app_page(K_PAGE, "How many components?", with_sidebar("gain", 1e-3, 40))
    assert any(
        "restarts each, until log L rises by less than 10⁻³ per point or 40 iterations (" in c
        for c in (c.value for c in at.caption)
    )
    at.number_input(key="k_max").set_value(3).run()
    at.number_input(key="k_restarts").set_value(1).run()
    got = click(at, "k_run").session_state["selection"][1]
    x = at.session_state["active_data"].x
    plain = select_components(x, 3, n_init=1, seed=0, tol=1e-3, max_iter=40, stopping="gain")
    aitken = select_components(x, 3, n_init=1, seed=0, tol=1e-3, max_iter=40)
    np.testing.assert_array_equal([r.n_iter for r in got.rows], [r.n_iter for r in plain.rows])
    np.testing.assert_array_equal([r.bic for r in got.rows], [r.bic for r in plain.rows])
    assert [r.n_iter for r in plain.rows] != [r.n_iter for r in aitken.rows]  # the rule matters


def test_the_explorer_runs_with_the_sidebars_stopping_rule_and_says_it():
    at = open_app_page(EXPLORER, "Initialisation explorer", with_sidebar("gain", 1e-3, 40))
    assert any(
        "unequal variances, until log L rises by less than 10⁻³ per point or 40 iterations."
        in c.value
        for c in at.caption
    )
    at.number_input(key="explorer_restarts").set_value(6).run()
    got = click(at, "explorer_run").session_state["exploration"][1]
    x = at.session_state["active_data"].x
    methods = tuple(at.multiselect(key="explorer_methods").value)
    plain = explore_restarts(
        x, 3, methods=methods, n_restarts=6, tol=1e-3, max_iter=40, stopping="gain"
    )
    assert [r.n_iter for r in got.runs] == [r.n_iter for r in plain.runs]
    assert [r.log_likelihood for r in got.runs] == [r.log_likelihood for r in plain.runs]


def test_a_run_button_waits_for_a_choice_and_boxes_take_the_sidebars_ranges():
    at = open_app_page(K_PAGE, "How many components?")
    assert not at.button(key="k_run").disabled
    at.multiselect(key="k_models").set_value([]).run()
    assert at.button(key="k_run").disabled
    assert at.number_input(key="k_seed").max == SETTING["seed"].bounds[1] == 2**31 - 1
    k_max, lrt_k_max = at.number_input(key="k_max"), at.number_input(key="k_lrt_kmax")
    assert (k_max.min, k_max.max) == (1, MAX_K) and (lrt_k_max.min, lrt_k_max.max) == (2, MAX_K)
    at = open_app_page(EXPLORER, "Initialisation explorer", at)
    assert not at.button(key="explorer_run").disabled
    at.multiselect(key="explorer_methods").set_value([]).run()
    assert at.button(key="explorer_run").disabled
    assert at.number_input(key="explorer_seed").max == SETTING["seed"].bounds[1]
