"""The stepper's "Why it goes up" panel through AppTest: the bars, Jensen's three numbers, the
slice and hard versus soft, checked against numbers computed here with scipy."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import special, stats

from ui.bound_panel import positions_shown

from .helpers import click, decode, figure, new_app, stepper, traces


def scipy_split(x, q_source, theta):
    """(log L(θ), L(q, θ), KL) with q = γ of q_source, written out with scipy."""

    def log_joint(p):
        return stats.norm.logpdf(x[:, None], p.means, p.stds) + np.log(p.weights)

    lq = log_joint(q_source)
    q = np.exp(lq - special.logsumexp(lq, axis=1, keepdims=True))
    lp = log_joint(theta)
    ll = float(special.logsumexp(lp, axis=1).sum())
    bound = float((q * lp).sum() - special.xlogy(q, q).sum())
    return ll, bound, ll - bound


def with_panel():
    at = new_app()
    at.toggle(key="show_bound").set_value(True).run()
    assert not at.exception, at.exception
    return at


def metric_values(at) -> list[str]:
    return [m.value for m in at.metric]


def test_positions_shown_follow_the_half_steps():
    assert positions_shown(0, "M") == []
    assert positions_shown(0, "E") == [(0, "E")]
    assert positions_shown(2, "M") == [(0, "E"), (1, "M"), (1, "E"), (2, "M")]
    assert positions_shown(9, "E", limit=3) == [(8, "E"), (9, "M"), (9, "E")]


def test_panel_at_theta0_explains_there_is_no_q_yet():
    at = with_panel()
    assert any("no q yet" in m.value for m in at.markdown)
    assert any("first bar appears" in c.value for c in at.caption)
    slice_fig = figure(at, "bound_slice")  # the coming M-step θ₀ → θ₁
    assert traces(slice_fig, name="log L(θ)")


def test_e_step_closes_the_gap_and_m_step_opens_it():
    at = with_panel()
    x = at.session_state["active_data"].x
    click(at, "e_step")
    bars = figure(at, "bound_bars")
    (gap,) = traces(bars, name="KL gap")
    assert decode(gap["y"]).tolist() == [0.0]
    click(at, "m_step")
    state = stepper(at)
    theta0, theta1 = state.run.history[0], state.run.history[1]
    ll, bound, kl = scipy_split(x, theta0, theta1)
    assert kl > 0
    bars = figure(at, "bound_bars")
    (gap,) = traces(bars, name="KL gap")
    (top,) = traces(bars, name="log L(θ)")
    assert decode(gap["y"])[-1] == pytest.approx(kl, rel=1e-6)
    assert decode(top["y"])[-1] == pytest.approx(ll, rel=1e-12)
    # Jensen's three numbers, as shown.
    shown = metric_values(at)
    assert float(shown[0].replace(",", "").replace("−", "-")) == pytest.approx(ll, abs=1e-3)
    assert float(shown[1].replace(",", "").replace("−", "-")) == pytest.approx(bound, abs=1e-3)
    assert float(shown[2]) == pytest.approx(kl, rel=1e-5)
    # The slice of the last M-step: touching at θ₀, the bound's top at θ₁.
    cut = figure(at, "bound_slice")
    (curve,) = traces(cut, prefix="bound L(q, θ)")
    s, b = decode(curve["x"]), decode(curve["y"])
    assert s[np.argmax(b)] == 1.0


def test_slice_along_one_mean_and_hard_versus_soft():
    at = with_panel()
    click(at, "e_step")
    at.radio(key="bound_path").set_value("2").run()
    assert not at.exception, at.exception
    state = stepper(at)
    cut = figure(at, "bound_slice")
    (curve,) = traces(cut, prefix="bound L(q, θ)")
    mu, b = decode(curve["x"]), decode(curve["y"])
    assert mu[np.argmax(b)] == pytest.approx(state.run.lookahead.params.means[1], rel=1e-12)
    at.toggle(key="show_hard").set_value(True).run()
    assert not at.exception, at.exception
    chart = figure(at, "hard_soft_chart")
    (soft,) = traces(chart, name="EM (soft γ)")
    (hard,) = traces(chart, name="classification EM (hard)")
    soft_ll = decode(soft["y"])
    assert soft_ll[0] == pytest.approx(decode(hard["y"])[0], rel=1e-12)  # the same θ₀
    assert np.all(np.diff(soft_ll) >= -1e-9 * np.abs(soft_ll[1:]))
    assert any("classification EM gives every point" in c.value for c in at.caption)
