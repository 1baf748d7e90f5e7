"""The "Regularise (conjugate prior)" option through AppTest: it reaches the stepper (MAP-EM,
the regularised M-step formulas with live numbers), travels in the link, and presets turn it
off (the collapse preset must collapse)."""

from __future__ import annotations

import pytest

from gmm_core import ConjugatePrior

from .helpers import click, new_app, open_link, stepper


@pytest.mark.slow
def test_the_prior_reaches_the_stepper_and_its_maths():
    at = new_app()
    at.toggle(key="prior").set_value(True).run()
    state = stepper(at)
    assert state.settings.prior
    assert state.prior == ConjugatePrior.default(at.session_state["active_data"].x, 3)
    click(at, "step")
    at.toggle(key="show_maths").set_value(True).run()
    latex = [e.value for e in at.get("latex")]
    # A formula wraps as several st.latex parts (app_pages/stepper.formulas): read them all.
    joined = " ".join(latex)
    assert r"\kappa = 0.01" in joined and r"\nu = 3" in joined
    assert any(r"\mu_{1}^{new} = \dfrac{" in t and r"\cdot" in t for t in latex)
    assert dict(at.query_params).get("prior") == "1"


def test_a_link_with_the_prior_opens_with_it():
    at = open_link({"src": "ds", "ds": "old_faithful_waiting", "K": "2", "prior": "1"})
    assert at.toggle(key="prior").value is True and stepper(at).prior is not None


def test_presets_turn_the_prior_off():
    at = new_app()
    at.toggle(key="prior").set_value(True).run()
    click(at, "preset_collapse")
    assert at.toggle(key="prior").value is False
    assert stepper(at).prior is None and not stepper(at).settings.prior
