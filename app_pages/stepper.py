"""EM stepper: walk through EM one half-step at a time.

Storyboard: scenarios → controls → one playback transition (ui.pure.playback: the stepper state
moves, gmm_core underneath) → status line, charts, parameter table, the maths of the step and
the exports, all drawn from that one state. The view is a fragment: a click reruns only it,
not the sidebar, and it publishes the shareable link itself so the link follows the position;
while playing, the fragment runs on a timer, so autoplay ticks redraw only this part too.
"""

import time
from collections.abc import Callable
from contextlib import nullcontext

import numpy as np
import streamlit as st

from figures import (
    run_animation_figure,
    run_animation_html,
)
from figures.notation import log_l, plural, short, subscript
from gmm_core import StepReport
from gmm_core.convergence import decreases
from ui import links, session, stepper_charts
from ui.bound_panel import render_bound_panel
from ui.lecture import KEYS, chart, formulas, key_hint, keyboard_help
from ui.live_chart import live_chart, live_chart_available
from ui.parameter_grid import LECTURE_ROW_COLOURS, lecture_parameter_table, parameter_grid
from ui.predict import render_predict_panel
from ui.pure import export, keys
from ui.pure import playback as pb
from ui.pure import run_state as rs
from ui.pure.formulas import E_STEP_GENERAL, e_step_lines, m_step_general, m_step_lines
from ui.pure.presets import PRESETS
from ui.widgets import keep_values

SPEEDS = (0.5, 1.0, 2.0, 4.0)
PLAYBACK_KEY = "playback"
SCRUB_LIVE_KEY = "scrub_on_screen"
SCENARIOS_KEY = "scenarios_popover"  # open (True) or closed: a preset's button closes it
#: (state on screen, {button key: the position it leads to}) of moves_ahead, for ahead_or.
AHEAD_STATE_KEY = "stepper_position_ahead"

data = session.get_data()
x = data.x
problem = st.session_state[keys.STEPPER_PROBLEM]
keep_values({keys.PLAY_SPEED: 1.0, keys.PLAY_HALF: False, keys.BINS: 0, keys.MATHS_N: 1})
st.session_state.setdefault(keys.PLAYING, False)
lecture = bool(st.session_state.get(keys.LECTURE))


# --------------------------------------------------------------------------- playback


def playback() -> pb.Playback:
    """The stored playback state; paused when anything else stopped it (a restart, a link)."""
    state = st.session_state.get(PLAYBACK_KEY, pb.Playback())
    if state.playing and not st.session_state[keys.PLAYING]:
        state = pb.Playback(playing=False)
    return state


def store(playback_state: pb.Playback, state: rs.StepperState) -> None:
    st.session_state[PLAYBACK_KEY] = playback_state
    st.session_state[keys.PLAYING] = playback_state.playing
    session.set_stepper(state)


def period() -> float:
    """Seconds between autoplay steps."""
    return 1.0 / float(st.session_state[keys.PLAY_SPEED])


def on(transition: Callable[..., tuple[pb.Playback, rs.StepperState]], *args) -> Callable:
    """A widget callback applying a playback transition to the stored states."""

    def callback() -> None:
        store(*transition(playback(), session.get_stepper(), *args))

    return callback


def move(step: Callable[[rs.StepperState], rs.StepperState]) -> Callable[[], None]:
    """A button callback: pause and move the run (E-step, M-step, …)."""
    return on(pb.step, step)


def ahead_or(
    step: Callable[[rs.StepperState], rs.StepperState], button: str
) -> Callable[[rs.StepperState], rs.StepperState]:
    """``step``, or the position the view already computed for ``button`` (moves_ahead: its
    charts went to the browser ahead of the click) when the click comes from that same
    state: the EM step is not taken twice."""

    def moved(state: rs.StepperState) -> rs.StepperState:
        stash = st.session_state.get(AHEAD_STATE_KEY)
        if stash is not None and stash[0] is state and button in stash[1]:
            return stash[1][button]
        return step(state)

    return moved


def toggle_play() -> None:
    store(*pb.toggle(playback(), session.get_stepper(), time.monotonic(), x.size))


def request_run() -> None:
    store(*pb.pause(playback(), session.get_stepper()))
    st.session_state[keys.PENDING_RUN] = True


def scrub() -> None:
    """The slider moved. A value arriving while no slider is on screen (playing: the browser
    re-sends the last value of a slider it removed) is not the user's and is ignored."""
    if st.session_state.get(SCRUB_LIVE_KEY):
        store(*pb.scrub(playback(), session.get_stepper(), st.session_state[keys.SCRUB]))


def toggle_lecture() -> None:
    st.session_state[keys.LECTURE] = st.session_state[keys.kept(keys.LECTURE)] = not lecture


def next_half(state: rs.StepperState) -> rs.StepperState:
    """The next half step (E, then M, then E, …)."""
    return pb.forward(state, x, half_steps=True)


# --------------------------------------------------------------------------- controls


def key_of(action: str) -> str:
    return KEYS[action][0]


def run_ended(state: rs.StepperState) -> str:
    """Why the half-step button has nothing next ("converged at iteration t", the status
    line's rule, or "reached the limit of … iterations"), or "" while it has."""
    done = rs.converged_at(state, x.size)
    if done is not None and state.t >= done:
        return f"converged at iteration {done}"
    if state.at_max_iter:
        return f"reached the limit of {plural(state.settings.max_iter, 'iteration')}"
    return ""


def e_step_disabled(state: rs.StepperState) -> bool:
    return state.phase == "E" or state.at_max_iter


def m_step_disabled(state: rs.StepperState) -> bool:
    return state.phase == "M"


def moves_ahead(state: rs.StepperState) -> list[stepper_charts.Move]:
    """The mode's own forward move from ``state``, with the buttons and keys (enabled ones)
    that make it: its charts go to the browser ahead of the click (ui.stepper_charts).

    Lecture mode: the next half step (the big button, PageDown, and the E-step or M-step
    button it stands for); normal mode: Next iteration (the other when the mode's own is
    disabled). From phase E both land at (t + 1, M), so they go as one. One position ahead,
    not two: a click builds one position's charts (server CPU per click, issue 10 target 1);
    the other move is answered by the server."""
    step: list[tuple[str, str]] = []  # (button, its key) of each enabled control
    if not state.at_max_iter:  # "Next iteration"'s rule (its disabled=)
        step.append(("step", key_of("step")))
    half: list[tuple[str, str]] = []
    if not run_ended(state):
        half += [("next_half", key_of("next")), ("lecture_next", key_of("next"))]
    if state.phase == "M" and not e_step_disabled(state):
        half.append(("e_step", key_of("e_step")))
    if state.phase == "E" and not m_step_disabled(state):
        half.append(("m_step", key_of("m_step")))
    own, other = (half, step) if lecture else (step, half)
    controls = own + other if state.phase == "E" else (own or other)
    if not controls:
        return []
    # The first control's move (from phase E both moves give the same position).
    position = next_half(state) if controls[0] in half else rs.next_iteration(state, x)
    buttons = tuple(dict.fromkeys(b for b, _ in controls))
    names = tuple(dict.fromkeys(k for _, k in controls))
    # The click's callback takes this position rather than computing it again (ahead_or).
    st.session_state[AHEAD_STATE_KEY] = (state, dict.fromkeys(buttons, position))
    return [stepper_charts.Move(position, buttons, names)]


def half_step_button(state: rs.StepperState, key: str) -> None:
    """The next half step, named (lecture mode's one big control). At the end of the run
    (converged, as the status line says, or the iteration limit) it says so and is disabled:
    PageDown does nothing there; Back (PageUp) and Reset (0) still work."""
    half, what = (
        ("E-step", "recolour the points by γ(zₙₖ)")
        if state.phase == "M"
        else ("M-step", "move the curves: Nₖ, μₖ, σₖ², πₖ")
    )
    label, tip = f"Next ▸  {half}", f"The {half}: {what}"
    ended = run_ended(state)
    converged = ended.startswith("converged")
    if ended:
        label = "Converged ✓" if converged else "Limit reached"
        tip = (
            f"The run has {ended}: nothing next. Back ({key_of('back')}) or Reset "
            f"({key_of('reset')}) to go again"
        )
    # At the limit the button sits in a "run_limit" box, styled amber like the status line's
    # warning (lecture CSS): not the green of convergence. An ended run's button shows no key.
    with st.container(key="run_limit") if ended and not converged else nullcontext():
        st.button(
            label,
            key=key,
            on_click=move(ahead_or(next_half, key)),
            width="stretch",
            type="primary",
            disabled=bool(ended),
            shortcut=None if ended else key_of("next"),
            help=tip + ("" if ended else key_hint("next")),
        )


def button_row(state: rs.StepperState, *, with_half_step: bool) -> None:
    """Every stepping control, each with its key; wraps onto a second line when narrow, so no
    label is ever cut."""
    at_start = state.t == 0 and state.phase == "M" and not state.trail
    playing = playback().playing
    with st.container(horizontal=True, gap="small", key="stepper_buttons"):
        if with_half_step:
            half_step_button(state, "next_half")
        st.button(
            "E-step",
            key="e_step",
            on_click=move(rs.e_half_step),
            shortcut=key_of("e_step"),
            disabled=e_step_disabled(state),
            help="Compute γ(zₙₖ) from θₜ" + key_hint("e_step"),
        )
        st.button(
            "M-step",
            key="m_step",
            on_click=move(ahead_or(lambda s: rs.m_half_step(s, x), "m_step")),
            shortcut=key_of("m_step"),
            disabled=m_step_disabled(state),
            help="Update Nₖ, μₖ, σₖ², πₖ from the γ on screen" + key_hint("m_step"),
        )
        st.button(
            "Next iteration",
            key="step",
            on_click=move(ahead_or(lambda s: rs.next_iteration(s, x), "step")),
            disabled=state.at_max_iter,
            shortcut=key_of("step"),
            help="E-step and M-step" + key_hint("step"),
        )
        st.button(
            "Back",
            key="back",
            on_click=on(pb.back),
            disabled=at_start,
            shortcut=key_of("back"),
            help="Undo the last move" + key_hint("back"),
        )
        st.button(
            "Pause" if playing else "Play",
            key="play",
            on_click=toggle_play,
            icon=":material/pause:" if playing else ":material/play_arrow:",
            shortcut=key_of("play"),
            help="Step by itself at the speed set under the trace" + key_hint("play"),
        )
        st.button(
            "Run to convergence",
            key="run",
            on_click=request_run,
            shortcut=key_of("run"),
            help=f"Iterate {state.settings.until()}, "
            f"or {plural(state.settings.max_iter, 'iteration')}{key_hint('run')}",
        )
        st.button(
            "Reset",
            key="reset",
            on_click=on(pb.reset, x),
            shortcut=key_of("reset"),
            help="Back to iteration 0, same θ₀" + key_hint("reset"),
        )
        lecture_button()
        if not lecture:
            keyboard_popover()


def lecture_button() -> None:
    st.button(
        "Leave lecture mode" if lecture else "Lecture mode",
        key="lecture_toggle",
        icon=":material/co_present:",
        on_click=toggle_lecture,
        shortcut=key_of("lecture"),
        help="Large type, one big Next button, everything on one projector screen"
        + key_hint("lecture"),
    )


def keyboard_popover() -> None:
    with st.popover("Keyboard", icon=":material/keyboard:"):
        st.markdown(keyboard_help())


def choose_preset(preset) -> None:
    """A preset's button: load it and close the Scenarios popover, which would cover the
    status line (lecture mode)."""
    links.load_preset(preset)
    st.session_state[SCENARIOS_KEY] = False


def preset_row() -> None:
    """The scenarios, one click each (keys ``preset_<name>``)."""
    with st.container(horizontal=True, gap="small", key="preset_row", vertical_alignment="center"):
        st.markdown("**Scenarios:**", width="content")
        for preset in PRESETS:
            st.button(
                preset.label,
                key=f"preset_{preset.key}",
                on_click=choose_preset,
                args=(preset,),
                type="tertiary" if lecture else "secondary",
                help=f"{preset.title}. {preset.watch}",
            )


# --------------------------------------------------------------------------- what is shown


def status(state: rs.StepperState, done: int | None, tempo: str | None = None) -> None:
    """The one line saying where the run is (and when autoplay is catching up, ``tempo``)."""
    if state.t == 0 and state.phase == "M":
        where = f"Iteration 0 · initial parameters θ₀ ({state.run.init})"
    else:
        where = f"Iteration {state.t} · after {state.phase}-step"
    value = log_l(float(state.run.log_likelihoods[state.t]))
    line = f"**{where}** · log L(θ{subscript(state.t)}) = {value}"
    line += f" · _{tempo}_" if tempo else ""
    with st.container(key="status_line"):
        if done is not None and state.t >= done:
            why = "" if lecture else f" ({state.settings.why_converged()})"
            st.success(f"{line} · **converged at iteration {done}**{why}")
        elif state.at_max_iter:
            st.warning(
                f"{line} · reached the limit of {plural(state.settings.max_iter, 'iteration')}"
            )
        else:
            st.info(line)


def messages(state: rs.StepperState, *extra: str) -> None:
    """The run's warnings (a collapsed or empty component), and ``extra`` ones. In lecture mode
    they fold into one line (a popover naming them) so the chart stays on screen."""
    said = [m for m in (*extra, *(state.report.messages() if state.report else ())) if m]
    if not said:
        # Lecture mode: an invisible stand-in of the same height, so the trace below does not
        # move down when a warning appears ("k = 1 collapsed" at an M-step).
        if lecture:
            with st.container(key="lecture_no_messages"):
                st.popover("No warnings", icon=":material/warning:", disabled=True)
        return
    if not lecture:
        for message in said:
            st.warning(message)
        return
    # A popover, not an expander: opened, it floats over the chart instead of pushing the
    # chart and the trace below the fold.
    label = warning_label(state.report, len(said))
    with st.popover(label, icon=":material/warning:", key="lecture_messages"):
        for message in said:
            st.warning(message)


def warning_label(report: StepReport | None, n_said: int) -> str:
    """One short line naming the warnings: "k = 1 collapsed" (as the legend names it) when
    the one warning is the report's one collapsed or empty component, else "2 warnings"."""
    named = [f"k = {k + 1} collapsed" for k in report.collapsed] if report else []
    named += [f"k = {k + 1} empty" for k in report.empty] if report else []
    if n_said == 1 and len(named) == 1:
        return named[0]
    return plural(n_said, "warning")


def watch_note(note: tuple[str, str] | None) -> None:
    if note is None:
        return
    if lecture:  # one line, so the chart stays on screen
        with st.popover("What to watch", icon=":material/visibility:", key="lecture_watch"):
            st.markdown(f"**{note[0]}**: {note[1]}")
    else:
        st.info(f"**{note[0]}** — what to watch: {note[1]}", icon=":material/visibility:")


def parameter_columns(state: rs.StepperState) -> dict[str, np.ndarray]:
    """θ_t per component (arrays of shape (K,), in table order): k, πₖ, μₖ, σₖ (standard
    deviation, the data's unit) and σₖ² (the variance the M-step updates), Nₖ from the
    responsibilities on screen, and the changes Δπₖ, Δμₖ, Δσₖ from θ_(t−1)."""
    theta = state.params
    before = state.run.history[state.t - 1] if state.t > 0 else None
    columns = {
        "k": np.arange(1, theta.n_components + 1),
        "πₖ": theta.weights,
        "μₖ": theta.means,
        "σₖ": np.sqrt(theta.variances),
        "σₖ²": theta.variances,
    }
    if state.responsibility_params is not None:  # N_k = Σγ of the responsibilities on screen
        columns["Nₖ"] = state.responsibility_counts
    if before is not None:
        columns["Δπₖ"] = theta.weights - before.weights
        columns["Δμₖ"] = theta.means - before.means
        columns["Δσₖ"] = np.sqrt(theta.variances) - np.sqrt(before.variances)
    return columns


def maths(state: rs.StepperState) -> None:
    resp_params = state.responsibility_params or state.params
    n = st.number_input(
        "Point n to follow",
        min_value=1,
        max_value=x.size,
        key=keys.MATHS_N,
        help="The E-step below is worked out for this point",
    )
    x_n = float(x[int(n) - 1])
    st.markdown(
        f"**E-step** for x{subscript(int(n))} = {short(x_n, 6)}, with the parameters of that "
        "E-step:"
    )
    formulas(E_STEP_GENERAL)
    formulas(*e_step_lines(x_n, resp_params, int(n)))
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
    formulas(m_step_general(state.prior, state.settings.equal_variance))
    stats = session.cached_statistics(data.data_id, x, source)
    for line in m_step_lines(stats, target, state.settings.equal_variance, state.prior):
        formulas(line)


def export_panel(state: rs.StepperState, truth, done: int | None) -> None:
    """Downloads of the run computed so far (θ_0 … θ_frontier); files are built on click."""
    run, n = state.run, state.frontier + 1
    history, lls = run.history[:n], run.log_likelihoods[:n]
    settings = state.settings
    meta = export.run_metadata(
        state,
        title=data.title,
        source=data.source,
        n_points=x.size,
        converged_at=done,
        link=links.link_query(data),
    )
    stem = f"em-lab-K{settings.n_components}-t{state.frontier}"
    st.caption(
        f"The run computed so far: θ₀ … θ{subscript(state.frontier)} "
        f"({plural(state.frontier, 'iteration')})."
    )
    resp_params = state.responsibility_params or state.params
    too_many = x.size > export.MAX_RESPONSIBILITY_EXPORT
    edges, counts = session.cached_bins(data.data_id, x, st.session_state[keys.BINS] or None)
    # label, file contents (built on click), file name's end, type, key, icon, help, disabled
    downloads = [
        (
            "Parameters (CSV)",
            lambda: export.to_csv_bytes(export.params_table(history, lls)),
            "-parameters.csv",
            "text/csv",
            "export_csv",
            "table",
            "t, k, πₖ, μₖ, σₖ² and log L of every iteration",
            False,
        ),
        (
            "Run (JSON)",
            lambda: export.run_json(history, lls, meta=meta),
            ".json",
            "application/json",
            "export_json",
            "data_object",
            "Every θₜ, the log-likelihood trace and the settings (with the shareable link)",
            False,
        ),
        (
            "Responsibilities (CSV)",
            lambda: export.responsibilities_csv(x, resp_params),
            "-responsibilities.csv",
            "text/csv",
            "export_resp",
            "palette",
            f"xₙ and γ(zₙₖ) of every point, from θ{subscript(state.t)} "
            f"(up to {export.MAX_RESPONSIBILITY_EXPORT:,} points)",
            too_many,
        ),
        (
            "Animation (HTML)",
            lambda: run_animation_html(
                run_animation_figure(
                    edges, counts, history, lls, truth=truth, x_label=data.axis_label
                )
            ),
            "-animation.html",
            "text/html",
            "export_html",
            "movie",
            "One standalone page with every iteration as a frame, a slider and Play: plays "
            "offline in any browser, for slides and course pages",
            False,
        ),
    ]
    for col, (label, contents, ending, mime, key, icon, tip, off) in zip(
        st.columns(len(downloads)), downloads, strict=True
    ):
        col.download_button(
            label,
            contents,
            file_name=f"{stem}{ending}",
            mime=mime,
            key=key,
            on_click="ignore",
            icon=f":material/{icon}:",
            width="stretch",
            disabled=off,
            help=tip,
        )
    if too_many:
        st.caption(
            f"Responsibilities are exported for up to {export.MAX_RESPONSIBILITY_EXPORT:,} "
            f"points (this data has {x.size:,}); the parameters determine them: γ(zₙₖ) "
            "follows from θ and xₙ by the E-step formula."
        )


def playback_controls(state: rs.StepperState) -> None:
    live = not playback().playing and state.frontier > 0
    st.session_state[SCRUB_LIVE_KEY] = live
    if playback().playing:
        # No slider while playing: the browser re-sends a slider's last value on the timer's
        # reruns, which dragged the run back (issue 7's 2→3→2→3).
        st.caption(
            f"Playing: iteration {state.t} of the {state.frontier} computed so far. "
            f"Pause ({key_of('play')}) to scrub."
            + (
                " Too fast for this machine: a lower speed shows every step."
                if playback().behind
                else ""
            )
        )
    elif live:
        if st.session_state.get(keys.SCRUB) != state.t:  # moved by something else than the
            st.session_state[keys.SCRUB] = state.t  # slider: show it (never clobber typing)
        st.slider(
            "Scrub through the run",
            0,
            state.frontier,
            key=keys.SCRUB,
            on_change=scrub,
            help="Jump to any iteration computed so far (pauses)",
        )
    st.select_slider(
        "Autoplay speed (steps per second)",
        SPEEDS,
        key=keys.PLAY_SPEED,
        format_func=lambda s: f"{s:g}",
    )
    st.toggle("Half steps (E, then M)", key=keys.PLAY_HALF, help="Autoplay E and M separately")
    st.number_input(
        "Histogram bins (0 = automatic)", min_value=0, max_value=200, step=5, key=keys.BINS
    )


def view(truth, timer: float | None) -> None:
    """Controls, status, charts and tables, all from one stepper state. Always a fragment: a
    click here reruns only this view, not the sidebar (on a timer of ``timer`` seconds while
    playing); the link is published here too, so it follows the position."""
    if bool(st.session_state.get(keys.LECTURE)) != lecture:
        st.rerun()  # lecture mode toggled here: the whole page changes layout
    playing_now = playback()
    state = session.get_stepper()
    if playing_now.playing:
        playing_now, state = pb.tick(
            playing_now,
            state,
            x,
            now=time.monotonic(),
            period=period(),
            half_steps=bool(st.session_state[keys.PLAY_HALF]),
        )
        store(playing_now, state)
    wanted = period() if playing_now.playing else None
    if wanted != timer:
        st.rerun()  # a full run re-creates this fragment with (or without) the right timer
    notices = st.container()  # variable content in one slot keeps later elements in place
    if st.session_state.pop(keys.PENDING_RUN, False):
        bar = notices.progress(0.0, text="Running EM…")

        def progress(i: int, total: int) -> None:
            if i == total or i % max(1, total // 50) == 0:
                bar.progress(
                    i / total,
                    text=f"Running EM… iteration {state.frontier + i} (stops at convergence, "
                    f"or at the limit of {plural(state.settings.max_iter, 'iteration')})",
                )

        store(*pb.run(playback(), state, x, on_iteration=progress))
        state = session.get_stepper()
        bar.empty()
    done = rs.converged_at(state, x.size)
    tempo = pb.tempo_note(playback())
    with notices:
        if lecture:
            where, action = st.columns([1.9, 1.3], vertical_alignment="center")
            with action:
                half_step_button(state, "lecture_next")
            with where:
                status(state, done, tempo)
        else:
            button_row(state, with_half_step=True)
            status(state, done, tempo)
            messages(state)

    left, right = st.columns([3, 1.2])
    edges, counts = session.cached_bins(data.data_id, x, st.session_state[keys.BINS] or None)
    show_maths = st.session_state.get(keys.SHOW_MATHS, False)
    n_pick = min(int(st.session_state[keys.MATHS_N]), x.size)
    inputs = stepper_charts.ChartInputs(
        data_id=data.data_id,
        title=data.title,
        axis_label=data.axis_label,
        edges=edges,
        counts=counts,
        truth=truth,
        highlight=float(x[n_pick - 1]) if show_maths else None,
        lecture=lecture,
        n_points=x.size,
        shares=lambda params: session.cached_shares(data.data_id, x, params, edges),
    )
    live = live_chart_available()
    if live:
        # The charts one move ahead go with the charts on screen (ui.stepper_charts): the
        # browser draws them the moment their button or key is used. Not while playing.
        charts, st.session_state[stepper_charts.MEMO_KEY] = stepper_charts.live_charts(
            state,
            inputs,
            () if playing_now.playing else moves_ahead(state),
            st.session_state.get(stepper_charts.MEMO_KEY, {}),
        )
    else:
        specs = stepper_charts.chart_specs(state, inputs)
    # The chart's height follows the viewport (ui.lecture's CSS sizes the box), so its top
    # is on the first screen in normal mode and all of it in lecture mode.
    with left, st.container(key="lecture_chart_box" if lecture else "chart_box", height="stretch"):
        if live:
            live_chart(
                charts.mixture,
                key="mixture_chart",
                alt=charts.mixture_name,
                height="stretch",
                ahead=charts.mixture_ahead,
            )
        else:
            chart(specs.mixture, key="mixture_chart", name=specs.mixture_name, height="stretch")
    with right:
        if lecture:  # one line each, above the trace: all beside the chart, on screen
            watch_note(links.preset_note())
            messages(state, problem, *session.lasting_notices())
        if live:
            live_chart(
                charts.trace, key="trace_chart", alt=charts.trace_name, ahead=charts.trace_ahead
            )
        else:
            chart(specs.trace, key="trace_chart", name=specs.trace_name)
        lls = state.run.objective
        bad = decreases(lls)
        if bad.size:
            st.error(
                f"log L decreased at iteration {int(bad[0])}. EM never lowers the likelihood: "
                "this is a numerical failure, please report it."
            )
        if not lecture:  # beside the chart, so the chart sits high on the first screen
            watch_note(links.preset_note())
        with st.expander("Playback and display") if lecture else st.container():
            playback_controls(state)
    if lecture:
        with st.expander("More controls and keys"):
            button_row(state, with_half_step=False)
            st.markdown(keyboard_help())
    st.subheader(f"Parameters θ{subscript(state.t)}")
    if lecture:  # an HTML table takes lecture type (the data grid draws on a canvas)
        lecture_parameter_table(parameter_columns(state))  # no Styler: ~30 ms less per click
    else:
        parameter_grid(parameter_columns(state))  # no Styler, no frame: ~13 ms less per click
    st.caption(
        "σₖ is the standard deviation (in the data's unit, as in the scenario tables), σₖ² the "
        "variance the M-step computes; Δ is the change from the previous iteration."
    )
    st.toggle("Show the maths of this step", key=keys.SHOW_MATHS)
    if st.session_state.get(keys.SHOW_MATHS):
        maths(state)
    render_bound_panel(state, data)
    render_predict_panel(state, data)
    # Built only while open (its downloads, the run's metadata and link): ~10 fewer elements
    # on every click; opening it reruns this view.
    exports = st.expander(
        "Export this run", icon=":material/download:", key=keys.SHOW_EXPORT, on_change="rerun"
    )
    if exports.open:
        with exports:
            export_panel(state, truth, done)
    # A click reran only this fragment, not app.py's end: the link follows the position here
    # (a full run publishes it again after the page, unchanged).
    links.publish_link(data)


# --------------------------------------------------------------------------- the page

if lecture:
    st.html(LECTURE_ROW_COLOURS)  # once per page, not on every click of the view
    head, scenarios = st.columns([3, 1], vertical_alignment="center")
    head.subheader(f"EM on {data.title}")
    with scenarios.popover(
        "Scenarios",
        icon=":material/slideshow:",
        width="stretch",
        key=SCENARIOS_KEY,
        on_change="rerun",
    ):
        preset_row()
else:
    with st.container(horizontal=True, vertical_alignment="center", key="stepper_head"):
        st.title("EM stepper", width="content")
        st.caption(
            f"{data.title}. Press **E-step** to recolour each point by its responsibilities "
            "γ(zₙₖ), **M-step** to move the curves, or **Next iteration** for both."
        )
    preset_row()
if problem and not lecture:  # lecture mode: folded beside the chart (messages)
    st.error(problem)

truth = data.truth if st.session_state.get(keys.SHOW_TRUTH) else None


def still_view(truth) -> None:
    """The view while paused: a fragment of its own (its own id, so no timer carries over
    from the playing one)."""
    view(truth, None)


if playback().playing:
    st.fragment(view, run_every=period())(truth, period())
else:
    st.fragment(still_view)(truth)
