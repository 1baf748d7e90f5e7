"""The stepper's "Why it goes up" panel: the lower bound L(q, θ), the KL gap, Jensen's
inequality with the numbers on screen, the slice through the step, and hard versus soft EM.

One call from the stepper (:func:`render_bound_panel`); the choice of what to show for a
position (t, phase) is pure (:func:`positions_shown`, :func:`step_pair`, :func:`q_and_theta`).
"""

from __future__ import annotations

import streamlit as st

from figures.bound import HalfStep, bound_bars_figure, bound_slice_figure, hard_soft_figure
from figures.notation import log_l, short, subscript
from figures.trace import decreases
from gmm_core import MixtureParams, bound_split, classification_em, run_em
from gmm_core.bound import BoundSplit, Slice, mean_slice, segment_slice

from . import session
from .lecture import chart
from .pure import keys
from .pure.run_state import StepperState
from .widgets import behind_toggle

__all__ = [
    "BARS_SHOWN",
    "JENSEN",
    "positions_shown",
    "q_and_theta",
    "render_bound_panel",
    "step_pair",
]

#: Half steps in the bar chart (the latest ones).
BARS_SHOWN = 8
#: Most iterations of classification EM (it usually stops within tens: no label changes).
HARD_MAX_ITER = 200
WHOLE_STEP = "whole step"

JENSEN = (
    r"\log L(\theta) = \sum_n \log \sum_k q_{nk}\,"
    r"\frac{\pi_k \mathcal{N}(x_n\mid\mu_k,\sigma_k^2)}{q_{nk}}"
    r"\;\ge\; \sum_n \sum_k q_{nk} \log "
    r"\frac{\pi_k \mathcal{N}(x_n\mid\mu_k,\sigma_k^2)}{q_{nk}} = \mathcal{L}(q,\theta)"
)
SPLIT = (
    r"\log L(\theta) = \mathcal{L}(q,\theta) + \mathrm{KL}\big(q \,\|\, p(z\mid x,\theta)\big),"
    r"\qquad \mathrm{KL} \ge 0,\ = 0 \iff q_{nk} = \gamma(z_{nk})"
)


def positions_shown(t: int, phase: str, limit: int = BARS_SHOWN) -> list[tuple[int, str]]:
    """The half steps up to (t, phase) that have a q, oldest first, at most ``limit``:
    (0, "E"), (1, "M"), (1, "E"), (2, "M"), … (θ₀ before any E-step has none)."""
    out: list[tuple[int, str]] = []
    for s in range(t + 1):
        if s > 0:
            out.append((s, "M"))
        if s < t or phase == "E":
            out.append((s, "E"))
    return out[-limit:]


def q_and_theta(history: tuple[MixtureParams, ...], t: int, phase: str):
    """(θ_q, θ) on screen at (t, phase): q = γ of θ_q; None for θ₀ before its E-step.

    After the E-step of iteration t: q = γ(θ_t), θ = θ_t (the gap is closed). After the M-step
    of iteration t: q = γ(θ_{t−1}) (the E-step it used), θ = θ_t.
    """
    if phase == "E":
        return history[t], history[t]
    if t == 0:
        return None
    return history[t - 1], history[t]


def step_pair(state: StepperState) -> tuple[int, MixtureParams, MixtureParams]:
    """(t, θ_t, θ_{t+1}) of the M-step the slice shows: the next one after an E-step (or at
    θ₀), the last one after an M-step."""
    run, t = state.run, state.t
    if state.phase == "M" and t > 0:
        return t - 1, run.history[t - 1], run.history[t]
    after = run.history[t + 1] if t < run.n_iter else run.lookahead.params
    return t, run.history[t], after


@st.cache_data(max_entries=128, show_spinner=False, hash_funcs=session.BY_DATA_ID)
def _split(data: session.ActiveData, q_source: MixtureParams, params: MixtureParams) -> BoundSplit:
    return bound_split(data.x, q_source, params)


@st.cache_data(max_entries=32, show_spinner="Computing the slice…", hash_funcs=session.BY_DATA_ID)
def _slice(data: session.ActiveData, start: MixtureParams, end: MixtureParams, path: str) -> Slice:
    x = data.x
    n_points = 81 if x.size <= 100_000 else 41  # each point is one pass over the data
    if path == WHOLE_STEP:
        return segment_slice(x, start, end, s_range=(-1.0, 2.0), n_points=n_points, with_next=True)
    return mean_slice(x, start, end, int(path) - 1, n_points=n_points)


@st.cache_data(
    max_entries=8,
    show_spinner="Running EM and classification EM from θ₀…",
    hash_funcs=session.BY_DATA_ID,
)
def _hard_and_soft(
    data: session.ActiveData,
    start: MixtureParams,
    var_floor: float,
    equal_variance: bool,
    tol: float,
    max_iter: int,
):
    soft = run_em(
        data.x,
        start,
        var_floor=var_floor,
        tol=tol,
        max_iter=max_iter,
        equal_variance=equal_variance,
    )
    hard = classification_em(
        data.x,
        start,
        var_floor=var_floor,
        equal_variance=equal_variance,
        max_iter=min(max_iter, HARD_MAX_ITER),
    )
    return soft, hard


def _label(t: int, phase: str) -> str:
    return f"{phase}{subscript(t)}"


def _numbers(split: BoundSplit, theta_name: str, q_name: str) -> None:
    cols = st.columns(3)
    cols[0].metric(f"log L({theta_name})", log_l(split.log_likelihood))
    cols[1].metric(f"bound L(q, {theta_name}), q = γ of {q_name}", log_l(split.bound))
    cols[2].metric("gap KL(q ‖ p(z|x, θ)) ≥ 0", short(split.gap, 6))


def _jensen(state: StepperState, data: session.ActiveData) -> None:
    st.latex(JENSEN)
    st.latex(SPLIT)
    pair = q_and_theta(state.run.history, state.t, state.phase)
    if pair is None:
        st.markdown(
            "At θ₀ there is no q yet: the first **E-step** sets q = γ(θ₀), and the bound then "
            "touches log L (gap 0)."
        )
        return
    t = state.t
    theta_name = f"θ{subscript(t)}"
    q_name = f"θ{subscript(t if state.phase == 'E' else t - 1)}"
    split = _split(data, *pair)
    _numbers(split, theta_name, q_name)
    if state.phase == "E":
        st.caption(
            f"After the E-step q = γ(zₙₖ) of {theta_name}: Jensen's inequality holds with "
            f"equality, the gap is 0 (up to rounding: {short(split.gap, 2)})."
        )
    else:
        before = float(state.run.log_likelihoods[t - 1])
        st.caption(
            f"The M-step maximised the bound over θ with q fixed: it rose from log L({q_name}) "
            f"= {log_l(before)} to {log_l(split.bound)}, and log L rose by that and by the gap "
            f"that opened: {log_l(split.log_likelihood)} = {log_l(split.bound)} + "
            f"{short(split.gap, 6)}."
        )


def _bars(state: StepperState, data: session.ActiveData) -> None:
    steps = []
    shown = positions_shown(state.t, state.phase)
    for t, phase in shown:
        if phase == "E":  # q = γ(θ_t): the bound is log L(θ_t), the gap zero by definition
            log_l, gap = float(state.run.log_likelihoods[t]), 0.0
        else:
            split = _split(data, *q_and_theta(state.run.history, t, phase))
            log_l, gap = split.log_likelihood, split.gap
        current = (t, phase) == (state.t, state.phase)
        steps.append(HalfStep(_label(t, phase), log_l, log_l - gap, gap, current=current))
    st.markdown("**log L = bound + gap, half step by half step**")
    if not steps:
        st.caption("Press **E-step**: the first bar appears once q = γ(θ₀) exists.")
        return
    chart(bound_bars_figure(steps), key="bound_bars")


def _slice_view(state: StepperState, data: session.ActiveData) -> None:
    t, start, end = step_pair(state)
    k = start.n_components
    choices = [WHOLE_STEP, *(str(j) for j in range(1, k + 1))]
    if st.session_state.get(keys.BOUND_PATH) not in choices:
        st.session_state[keys.BOUND_PATH] = WHOLE_STEP
    a, b = f"θ{subscript(t)}", f"θ{subscript(t + 1)}"
    st.markdown(f"**The M-step {a} → {b} as a slice** (after Bishop, PRML Fig. 9.14)")
    path = st.radio(
        "Slice along",
        choices,
        key=keys.BOUND_PATH,
        horizontal=True,
        format_func=lambda c: f"the segment {a} → {b}" if c == WHOLE_STEP else f"μ{subscript(c)}",
        help="The segment: θ(s) = (1 − s) θₜ + s θₜ₊₁. μₖ: only μₖ moves, every other "
        "parameter stays at θₜ",
    )
    cut = _slice(data, start, end, path)
    if path == WHOLE_STEP:
        title = f"s along {a} → {b} (s = 0: {a}, s = 1: {b})"
    else:
        title = f"μ{subscript(path)} (other parameters at {a})"
    chart(
        bound_slice_figure(cut, x_title=title, start_label=a, end_label=b),
        key="bound_slice",
    )
    st.caption(
        f"q = γ of {a} is held fixed. The bound (blue) touches log L (black) at {a}, the M-step "
        f"puts {b} at the bound's highest point, and log L({b}) lies above it by the KL gap. "
        + (
            "The dashed green curve is the next bound, after the E-step of " + b + "."
            if path == WHOLE_STEP
            else "With π and σ² fixed the bound is a parabola in μₖ "
            "whose top is Σₙ γ(zₙₖ) xₙ / Nₖ, the M-step's μₖ."
        )
    )


@behind_toggle(
    "Hard versus soft: classification EM beside EM from θ₀",
    key=keys.SHOW_HARD,
    help="Classification EM gives each point wholly to its most probable component "
    "(k-means-like, with variances) instead of splitting it by γ(zₙₖ)",
)
def _hard_soft(state: StepperState, data: session.ActiveData) -> None:
    settings = state.settings
    start = state.run.history[0]
    soft, hard = _hard_and_soft(
        data,
        start,
        state.var_floor,
        settings.equal_variance,
        settings.tol,
        settings.max_iter,
    )
    chart(hard_soft_figure(soft.log_likelihoods, hard.log_likelihoods), key="hard_soft_chart")
    falls = decreases(hard.log_likelihoods)
    hard_end = "stopped: no label changed" if hard.converged else "hit the iteration limit"
    lines = [
        f"From the same θ₀: EM (soft γ) ends after {soft.n_iter} iterations at log L = "
        f"{log_l(soft.log_likelihood)}, μ = {', '.join(short(m, 4) for m in soft.params.means)}; "
        f"classification EM gives every point wholly to one component, {hard_end} after "
        f"{hard.n_iter} iterations at log L = {log_l(float(hard.log_likelihoods[-1]))}, "
        f"μ = {', '.join(short(m, 4) for m in hard.params.means)}."
    ]
    if falls.size:
        lines.append(
            f"Hard EM lowered log L at iteration {int(falls[0])}: it raises the classification "
            "likelihood, not log L, so the guarantee of the bound does not apply to it."
        )
    st.caption(" ".join(lines))


@behind_toggle(
    "Why it goes up: the lower bound",
    key=keys.SHOW_BOUND,
    help="log L = L(q, θ) + KL: the E-step closes the gap, the M-step raises the bound",
)
def render_bound_panel(state: StepperState, data: session.ActiveData) -> None:
    """The "Why it goes up" toggle (key ``show_bound``) and, when on, the panel."""
    _jensen(state, data)
    left, right = st.columns(2)
    with left:
        _bars(state, data)
    with right:
        _slice_view(state, data)
    _hard_soft(state, data)
