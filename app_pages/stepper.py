"""EM stepper: walk through EM one half-step at a time.

Storyboard: controls → move the stepper state (gmm_core underneath) → figures → charts,
parameter table, the maths of the step and the exports. A click reruns the page (the sidebar's
shareable link follows the position); while playing, the view is a fragment on a timer, so
autoplay ticks redraw only this part of the page.
"""

from collections.abc import Callable

import numpy as np
import pandas as pd
import streamlit as st

from figures import (
    component_color,
    mixture_figure,
    run_animation_figure,
    run_animation_html,
    trace_figure,
)
from figures.convergence import with_aitken_asymptote
from figures.notation import subscript
from figures.palette import text_color_on
from figures.trace import decreases
from ui import export, links, session
from ui import run_state as rs
from ui.bound_panel import render_bound_panel
from ui.formulas import E_STEP_GENERAL, e_step_lines, m_step_general, m_step_lines
from ui.lecture import chart
from ui.predict import render_predict_panel
from ui.widgets import keep_values

SPEEDS = (0.5, 1.0, 2.0, 4.0)

data = session.get_data()
x = data.x
problem = st.session_state["stepper_problem"]
keep_values({"playing": False, "play_speed": 1.0, "play_half": False, "bins": 0, "maths_n": 1})

lecture = bool(st.session_state.get("lecture"))
if lecture:
    st.subheader(f"EM on {data.title}")
else:
    st.title("EM stepper")
    st.caption(
        f"{data.title}. Press **E-step** to recolour each point by its responsibilities "
        "γ(z_nk), **M-step** to move the curves, or **Next iteration** for both."
    )
if problem:
    st.error(problem)
note = links.preset_note()
if note and lecture:  # one line, so the chart stays above the fold of a projector
    with st.expander(f"**{note[0]}** — what to watch", icon=":material/visibility:"):
        st.markdown(note[1])
elif note:
    st.info(f"**{note[0]}** — what to watch: {note[1]}", icon=":material/visibility:")


def move(transition: Callable[[rs.StepperState], rs.StepperState]) -> Callable[[], None]:
    """A button callback applying ``transition`` to the stored stepper state."""

    def callback() -> None:
        session.set_stepper(transition(session.get_stepper()))
        st.session_state["acted"] = True

    return callback


def reset() -> None:
    state = session.get_stepper()
    session.set_stepper(rs.new_state(x, state.data_id, state.settings))
    st.session_state["playing"] = False
    st.session_state["acted"] = True


def request_run() -> None:
    st.session_state["pending_run"] = True
    st.session_state["playing"] = False
    st.session_state["acted"] = True


def toggle_play() -> None:
    st.session_state["playing"] = not st.session_state["playing"]
    st.session_state["play_changed"] = True
    st.session_state["acted"] = True


def scrub() -> None:
    session.set_stepper(rs.go_to(session.get_stepper(), st.session_state["scrub"]))
    st.session_state["acted"] = True


def play_tick(state: rs.StepperState) -> rs.StepperState:
    """One autoplay move (a half-step or an iteration); stops at convergence or max_iter."""
    done = rs.converged_at(state, x.size)
    if state.at_max_iter or (done is not None and state.t >= done):
        st.session_state["playing"] = False
        st.session_state["play_changed"] = True
        return state
    if st.session_state["play_half"]:
        return rs.e_half_step(state) if state.phase == "M" else rs.m_half_step(state, x)
    return rs.next_iteration(state, x)


def lecture_next(state: rs.StepperState) -> rs.StepperState:
    """The big button: the next half step (E, then M, then E, …)."""
    return rs.e_half_step(state) if state.phase == "M" else rs.m_half_step(state, x)


def big_next(state: rs.StepperState) -> None:
    """Lecture mode's one control: the next half step, named."""
    half, what = (
        ("E-step", "recolour the points by γ(z_nk)") if state.phase == "M"
        else ("M-step", "move the curves: N_k, μ_k, σ_k², π_k")
    )
    st.button(
        f"Next ▸  {half}", key="lecture_next", on_click=move(lecture_next),
        width="stretch", disabled=state.at_max_iter, help=f"The {half}: {what}",
    )


def button_row(state: rs.StepperState) -> None:
    at_start = state.t == 0 and state.phase == "M" and not state.trail
    cols = st.columns([1, 1, 1.3, 0.9, 1.5, 0.9, 1.1])
    cols[0].button(
        "E-step", key="e_step", on_click=move(rs.e_half_step), width="stretch",
        disabled=state.phase == "E" or state.at_max_iter, help="Compute γ(z_nk) from θ_t",
    )
    cols[1].button(
        "M-step", key="m_step", on_click=move(lambda s: rs.m_half_step(s, x)), width="stretch",
        disabled=state.phase == "M", help="Update N_k, μ_k, σ_k², π_k from the γ on screen",
    )
    cols[2].button(
        "Next iteration", key="step", type="primary", width="stretch",
        on_click=move(lambda s: rs.next_iteration(s, x)), disabled=state.at_max_iter,
    )
    cols[3].button("Back", key="back", on_click=move(rs.back), disabled=at_start, width="stretch")
    cols[4].button(
        "Run to convergence", key="run", on_click=request_run, width="stretch",
        help=f"Iterate {state.settings.until()}, or {state.settings.max_iter} iterations",
    )
    cols[5].button("Reset", key="reset", on_click=reset, width="stretch")
    playing = st.session_state["playing"]
    cols[6].button(
        "Pause" if playing else "Play", key="play", on_click=toggle_play, width="stretch",
        icon=":material/pause:" if playing else ":material/play_arrow:",
    )


def status(state: rs.StepperState, done: int | None) -> None:
    if state.t == 0 and state.phase == "M":
        where = f"iteration 0 · initial parameters θ₀ ({state.run.init})"
    else:
        where = f"iteration {state.t} · after {'E' if state.phase == 'E' else 'M'}-step"
    log_l = state.run.log_likelihoods[state.t]
    line = f"**{where[0].upper()}{where[1:]}** · log L(θ{subscript(state.t)}) = {log_l:.6f}"
    if done is not None and state.t >= done:
        st.success(
            f"{line} · **converged at iteration {done}** ({state.settings.why_converged()})"
        )
    elif state.at_max_iter:
        st.warning(f"{line} · reached the limit of {state.settings.max_iter} iterations")
    else:
        st.info(line)


def parameter_table(state: rs.StepperState) -> pd.DataFrame:
    theta = state.params
    before = state.run.history[state.t - 1] if state.t > 0 else None
    resp_params = state.responsibility_params
    table = pd.DataFrame(
        {
            "k": np.arange(1, theta.n_components + 1),
            "π_k": theta.weights,
            "μ_k": theta.means,
            "σ_k²": theta.variances,
        }
    )
    if resp_params is not None:  # N_k = Σγ of the responsibilities on screen
        table["N_k"] = session.cached_statistics(data.data_id, x, resp_params).n_k
    if before is not None:
        table["Δπ_k"] = theta.weights - before.weights
        table["Δμ_k"] = theta.means - before.means
        table["Δσ_k²"] = theta.variances - before.variances
    return table


def styled(table: pd.DataFrame):
    colours = [
        f"background-color: {component_color(k)}; color: {text_color_on(component_color(k))}"
        for k in range(len(table))
    ]
    formats = {c: "{:+.3g}" if c.startswith("Δ") else "{:.5g}" for c in table.columns}
    formats.pop("k")
    if "N_k" in formats:
        formats["N_k"] = "{:,.2f}"  # a count of points: never in e-notation
    return table.style.apply(lambda _: colours, subset=["k"]).format(formats)


def maths(state: rs.StepperState) -> None:
    resp_params = state.responsibility_params or state.params
    n = st.number_input(
        "Point n to follow", min_value=1, max_value=x.size, key="maths_n",
        help="The E-step below is worked out for x_n",
    )
    x_n = float(x[int(n) - 1])
    st.markdown(f"**E-step** for x_{int(n)} = {x_n:.6g}, with the parameters of that E-step:")
    st.latex(E_STEP_GENERAL)
    for line in e_step_lines(x_n, resp_params):
        st.latex(line)
    if state.phase == "E":
        source, target = state.params, state.run.lookahead.params
        if state.t < state.frontier:
            target = state.run.history[state.t + 1]
        st.markdown("**Next M-step** from these responsibilities (steps A–D of the notes):")
    elif state.t > 0:
        source, target = state.run.history[state.t - 1], state.params
        st.markdown(f"**M-step of iteration {state.t}** (steps A–D of the notes):")
    else:
        st.markdown("No M-step yet: θ₀ comes from the initialisation.")
        return
    st.latex(m_step_general(state.prior, state.settings.equal_variance))
    stats = session.cached_statistics(data.data_id, x, source)
    for line in m_step_lines(stats, target, state.settings.equal_variance, state.prior):
        st.latex(line)


def export_panel(state: rs.StepperState, truth, done: int | None) -> None:
    """Downloads of the run computed so far (θ_0 … θ_frontier); files are built on click."""
    run, n = state.run, state.frontier + 1
    history, lls = run.history[:n], run.log_likelihoods[:n]
    settings = state.settings
    meta = {
        "data": data.title, "source": data.source, "n_points": int(x.size),
        "n_components": settings.n_components, "equal_variance": settings.equal_variance,
        "init": run.init, "seed": None if settings.init_method == "manual" else settings.seed,
        "tol": settings.tol, "max_iter": settings.max_iter, "var_floor": state.var_floor,
        "converged_at": done, "link": links.link_query(data),
    }
    stem = f"em-lab-K{settings.n_components}-t{state.frontier}"
    st.caption(
        f"The run computed so far: θ₀ … θ{subscript(state.frontier)} "
        f"({state.frontier} iterations)."
    )
    cols = st.columns(4)
    cols[0].download_button(
        "Parameters (CSV)", lambda: export.to_csv_bytes(export.params_table(history, lls)),
        file_name=f"{stem}-parameters.csv", mime="text/csv", key="export_csv",
        on_click="ignore", icon=":material/table:", width="stretch",
        help="t, k, π_k, μ_k, σ_k² and log L of every iteration",
    )
    cols[1].download_button(
        "Run (JSON)", lambda: export.run_json(history, lls, meta=meta),
        file_name=f"{stem}.json", mime="application/json", key="export_json",
        on_click="ignore", icon=":material/data_object:", width="stretch",
        help="Every θ_t, the log-likelihood trace and the settings (with the shareable link)",
    )
    resp_params = state.responsibility_params or state.params
    too_many = x.size > export.MAX_RESPONSIBILITY_EXPORT
    cols[2].download_button(
        "Responsibilities (CSV)", lambda: export.responsibilities_csv(x, resp_params),
        file_name=f"{stem}-responsibilities.csv", mime="text/csv", key="export_resp",
        on_click="ignore", icon=":material/palette:", width="stretch", disabled=too_many,
        help=f"x_n and γ(z_nk) of every point, from θ{subscript(state.t)} "
        f"(up to {export.MAX_RESPONSIBILITY_EXPORT:,} points)",
    )
    edges, counts = session.cached_bins(data.data_id, x, st.session_state["bins"] or None)
    cols[3].download_button(
        "Animation (HTML)",
        lambda: run_animation_html(run_animation_figure(
            edges, counts, history, lls, truth=truth, x_label=data.axis_label
        )),
        file_name=f"{stem}-animation.html", mime="text/html", key="export_html",
        on_click="ignore", icon=":material/movie:", width="stretch",
        help="One standalone page with every iteration as a frame, a slider and Play: plays "
        "offline in any browser, for slides and course pages",
    )
    if too_many:
        st.caption(
            f"Responsibilities are exported for up to {export.MAX_RESPONSIBILITY_EXPORT:,} "
            f"points (this data has {x.size:,}); the parameters determine them: γ(z_nk) "
            "follows from θ and x_n by the E-step formula."
        )


def view(truth) -> None:
    """Controls, status, charts and tables; an autoplay fragment while playing."""
    if st.session_state.pop("play_changed", False):
        # A full run re-creates this fragment with (or without) its autoplay timer; the
        # click that got us here was the move of this run, so the rerun must not tick.
        st.session_state["acted"] = True
        st.rerun()
    state = session.get_stepper()
    if st.session_state["playing"] and not st.session_state.pop("acted", False):
        state = play_tick(state)
        session.set_stepper(state)
        if st.session_state.pop("play_changed", False):
            st.rerun()  # autoplay ended (converged or max_iter): drop the timer
    st.session_state.pop("acted", None)
    notices = st.container()  # variable content in one slot keeps later elements in place
    if st.session_state.pop("pending_run", False):
        bar = notices.progress(0.0, text="Running EM…")

        def progress(i: int, total: int) -> None:
            if i == total or i % max(1, total // 50) == 0:
                bar.progress(
                    i / total,
                    text=f"Running EM… iteration {state.frontier + i} (stops at convergence, "
                    f"or at the limit of {state.settings.max_iter})",
                )

        state = rs.run_to_convergence(state, x, on_iteration=progress)
        session.set_stepper(state)
        bar.empty()
    done = rs.converged_at(state, x.size)
    with notices:
        if lecture:
            where, action = st.columns([2.2, 1], vertical_alignment="center")
            with action:
                big_next(state)
        else:
            button_row(state)
            where = st.container()
        with where:
            status(state, done)
            for message in state.report.messages() if state.report else ():
                st.warning(message)

    left, right = st.columns([3, 1.2])
    edges, counts = session.cached_bins(data.data_id, x, st.session_state["bins"] or None)
    resp_params = state.responsibility_params
    shares = (
        session.cached_shares(data.data_id, x, resp_params, edges) if resp_params else None
    )
    show_maths = st.session_state.get("show_maths", False)
    n_pick = min(int(st.session_state["maths_n"]), x.size)
    highlight = float(x[n_pick - 1]) if show_maths else None
    figure = mixture_figure(
        edges, counts, state.params, bin_shares=shares, responsibility_params=resp_params,
        truth=truth,
        highlight_x=highlight, x_label=data.axis_label, height=500 if lecture else 640,
    )
    with left:
        chart(figure, key="mixture_chart")
    with right:
        lls = state.run.objective  # log L, or the log posterior that MAP-EM raises
        trace = trace_figure(lls, current=state.t, converged_at=done)
        if state.settings.stopping == "aitken":  # the limit Aitken's rule estimates
            trace = with_aitken_asymptote(trace, lls)
        chart(trace, key="trace_chart")
        bad = decreases(lls)
        if bad.size:
            st.error(
                f"log L decreased at iteration {int(bad[0])}. EM never lowers the likelihood: "
                "this is a numerical failure, please report it."
            )
        with st.expander("Playback and display") if lecture else st.container():
            if state.frontier > 0:
                st.session_state["scrub"] = state.t
                st.slider(
                    "Scrub through the run", 0, state.frontier, key="scrub", on_change=scrub
                )
            st.select_slider(
                "Autoplay speed (steps per second)", SPEEDS, key="play_speed",
                format_func=lambda s: f"{s:g}",
            )
            st.toggle(
                "Half steps (E, then M)", key="play_half", help="Autoplay E and M separately"
            )
            st.number_input(
                "Histogram bins (0 = automatic)", min_value=0, max_value=200, step=5, key="bins"
            )
    if lecture:
        with st.expander("More controls"):
            button_row(state)
    st.subheader(f"Parameters θ{subscript(state.t)}")
    st.dataframe(styled(parameter_table(state)), hide_index=True, width="stretch")
    st.toggle("Show the maths of this step", key="show_maths")
    if st.session_state.get("show_maths"):
        maths(state)
    render_bound_panel(state, data)
    render_predict_panel(state, data)
    with st.expander("Export this run", icon=":material/download:"):
        export_panel(state, truth, done)


truth = data.truth if st.session_state.get("show_truth") else None
if st.session_state["playing"]:
    st.fragment(view, run_every=1.0 / st.session_state["play_speed"])(truth)
else:
    view(truth)
