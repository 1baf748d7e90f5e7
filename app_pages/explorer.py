"""Initialisation explorer: EM from many starting points, and the local optima it ends in.

Storyboard: restart controls → ``gmm_core.explore_restarts`` (with a progress bar; the result
is kept in the session, see :mod:`ui.experiment`) →
figures (every run's final log L, all traces, the distinct optima over the histogram) → a
summary per init method → pick a run and open it in the stepper at iteration 0 with exactly
its θ₀ (run r's θ₀ is ``initial_params(x, K, method, default_rng(seed))``, as in the stepper).
"""

import numpy as np
import pandas as pd
import streamlit as st

from figures import final_loglik_figure, optima_figure, traces_figure
from figures.notation import log_l, plural, short
from gmm_core import INIT_METHODS, Exploration, explore_restarts
from gmm_core.explore import MAX_RESTARTS, REFINE_MAX_ITER
from ui import experiment, links, session
from ui.lecture import chart
from ui.model_panel import INIT_LABELS
from ui.pure import keys
from ui.widgets import keep_values, show_table

RESULT_KEY = keys.EXPLORATION

data = session.get_data()
settings = st.session_state[keys.MODEL_SETTINGS]
keep_values(
    {
        keys.EXPLORER_METHODS: list(INIT_METHODS),
        keys.EXPLORER_RESTARTS: 40,
        keys.EXPLORER_SEED: 0,
        keys.EXPLORER_PICK: 0,
    }
)
# What an exploration depends on besides its own controls: results for other data or another
# model are not shown (they would not match the histogram or the sidebar).
identity = (data.data_id, settings.n_components, settings.equal_variance, settings.run_options)

st.title("Initialisation explorer")
st.caption(
    "EM climbs to the nearest hill of the log-likelihood, so where it ends depends on where it "
    "starts. Run it from many starting points θ₀ and see which local optima it reaches, how "
    "often, and how each initialisation method fares."
)


def run_of(point: dict) -> int | None:
    """The run index of a clicked strip point: its customdata[0], which the browser sends as a
    list, or as {"0": …, "1": …} when the figure carried customdata as a typed array."""
    custom = point.get("customdata")
    if isinstance(custom, dict):
        custom = custom.get("0")
    elif isinstance(custom, list | tuple):
        custom = custom[0] if custom else None
    return None if custom is None else int(custom)


def pick_from_strip() -> None:
    """Clicking a run in the strip chart selects it."""
    points = st.session_state[keys.EXPLORER_STRIP]["selection"]["points"]
    run = run_of(points[0]) if points else None
    if run is not None:
        st.session_state[keys.EXPLORER_PICK] = run


def controls() -> None:
    left, mid, right, run_col = st.columns([3.6, 1, 1, 1.2], vertical_alignment="bottom")
    left.multiselect(
        "Initialisation methods",
        INIT_METHODS,
        key=keys.EXPLORER_METHODS,
        help="Used in turn: run r uses method r mod M. random: random points from the data; "
        "kmeans++: k-means++ seeding; quantile: mclust's default; kmeans: a few k-means "
        "iterations",
    )
    mid.number_input("Restarts R", min_value=1, max_value=MAX_RESTARTS, key=keys.EXPLORER_RESTARTS)
    seeds = "Each method's runs use the seeds s, s + 1, s + 2, …"
    experiment.seed_input(right, "First seed", key=keys.EXPLORER_SEED, help=seeds)
    experiment.run_button(
        run_col, "Run restarts", RESULT_KEY, key="explorer_run", needs=keys.EXPLORER_METHODS
    )
    variances = "equal variances" if settings.equal_variance else "unequal variances"
    methods = st.session_state[keys.EXPLORER_METHODS]
    if "quantile" in methods and st.session_state[keys.EXPLORER_RESTARTS] > len(methods):
        st.caption(
            "The quantile start does not use the seed: all its runs start from the same θ₀ "
            "and end together (a useful reference)."
        )
    st.caption(
        f"Every run fits the model in the sidebar to **{data.title}** (N = {data.x.size:,}): "
        f"K = {settings.n_components}, {variances}, {experiment.run_terms(settings)}."
    )


def explore(progress: experiment.Progress) -> Exploration:
    """The restarts; the best run becomes the picked one."""
    exploration = explore_restarts(
        data.x,
        settings.n_components,
        methods=tuple(st.session_state[keys.EXPLORER_METHODS]),
        n_restarts=int(st.session_state[keys.EXPLORER_RESTARTS]),
        seed=int(st.session_state[keys.EXPLORER_SEED]),
        options=settings.run_options,
        equal_variance=settings.equal_variance,
        on_run=progress,
    )
    st.session_state[keys.EXPLORER_PICK] = exploration.best_run.index
    return exploration


def headline(exploration: Exploration) -> None:
    best = exploration.best
    n_runs = len(exploration.runs)
    cols = st.columns(4)
    cols[0].metric("Runs", n_runs)
    cols[1].metric("Distinct optima", len(exploration.optima))
    cols[2].metric("Best log L", log_l(best.log_likelihood))
    cols[3].metric("Runs reaching the best", f"{best.n_runs / n_runs:.2%}")  # as the table
    if len(exploration.optima) == 1:
        st.success(
            "Every run reached the same optimum: for this data and K, EM does not depend "
            "on where it starts."
        )
    degenerate_runs = [r for r in exploration.runs if r.degenerate]
    if degenerate_runs:
        bad_optima = [i + 1 for i, o in enumerate(exploration.optima) if o.degenerate]
        where = f" (optimum {', '.join(map(str, bad_optima))} in the table)" if bad_optima else ""
        st.warning(
            f"{len(degenerate_runs)} of {n_runs} runs ended degenerate{where}: a variance held "
            "at the floor, a component collapsed onto a point. Their log L depends only on the "
            "arbitrary floor, so a higher log L there is not a better fit. Try *Regularise "
            "(conjugate prior)* in the sidebar."
        )
    unsettled = [i + 1 for i, o in enumerate(exploration.optima) if not o.settled]
    if unsettled:
        st.warning(
            f"Optimum {', '.join(map(str, unsettled))} still rose after "
            f"{REFINE_MAX_ITER:,} more iterations: a slow ridge, whose top may lie further on."
        )


def method_table(exploration: Exploration) -> pd.DataFrame:
    rows = exploration.method_summary()
    return pd.DataFrame(
        {
            "method": [r["method"] for r in rows],
            "runs": [r["runs"] for r in rows],
            "reached the best optimum": [r["best_share"] for r in rows],
            "distinct optima reached": [r["optima"] for r in rows],
            "median iterations": [r["median_iterations"] for r in rows],
            "median final log L": [log_l(r["median_log_likelihood"]) for r in rows],
            "converged": [r["converged_share"] for r in rows],
            "degenerate": [r["degenerate_share"] for r in rows],
        }
    )


def optima_table(exploration: Exploration) -> pd.DataFrame:
    n_runs = len(exploration.runs)
    return pd.DataFrame(
        {
            "optimum": np.arange(1, len(exploration.optima) + 1),
            "log L": [log_l(o.log_likelihood) for o in exploration.optima],
            "runs": [o.n_runs for o in exploration.optima],
            "share": [o.n_runs / n_runs for o in exploration.optima],
            "μₖ": [", ".join(short(m, 6) for m in o.params.means) for o in exploration.optima],
            "σₖ²": [", ".join(short(v, 4) for v in o.params.variances) for o in exploration.optima],
            "πₖ": [", ".join(f"{w:.3f}" for w in o.params.weights) for o in exploration.optima],
            "degenerate": [o.degenerate or "" for o in exploration.optima],
        }
    )


def run_picker(exploration: Exploration) -> None:
    """Choose a run, say what it was, and open it in the stepper."""
    n_runs = len(exploration.runs)
    st.session_state[keys.EXPLORER_PICK] = min(
        int(st.session_state[keys.EXPLORER_PICK]), n_runs - 1
    )
    left, right = st.columns([1, 3], vertical_alignment="bottom")
    pick = int(
        left.number_input(
            "Run",
            min_value=0,
            max_value=n_runs - 1,
            key=keys.EXPLORER_PICK,
            help="Or click a run in the chart of final log-likelihoods",
        )
    )
    run = exploration.runs[pick]
    ending = "converged" if run.converged else "stopped at the iteration limit"
    if run.degenerate:
        ending += f", degenerate ({run.degenerate})"
    right.markdown(
        f"**Run {pick}**: {INIT_LABELS[run.method]}, seed {run.seed} → {ending} after "
        f"{plural(run.n_iter, 'iteration')} at log L = {log_l(run.log_likelihood)} "
        f"(optimum {run.optimum + 1} of {len(exploration.optima)})."
    )
    scenario = {
        "n_components": exploration.n_components,
        "equal_variance": exploration.equal_variance,
        "init_method": run.method,
        "seed": run.seed,
        "tol": exploration.tol,
        "max_iter": exploration.max_iter,
        "prior": settings.prior,
    }
    st.button(
        f"Open run {pick} in the stepper",
        key="explorer_open",
        type="primary",
        on_click=links.open_in_stepper,
        args=(scenario, f"Run {pick} of the explorer: {run.method}, seed {run.seed}, at θ₀."),
        help="The stepper starts at iteration 0 from exactly this run's θ₀",
    )


def results(exploration: Exploration) -> None:
    runs = exploration.runs
    pick = min(int(st.session_state[keys.EXPLORER_PICK]), len(runs) - 1)
    headline(exploration)
    left, right = st.columns(2)
    strip = final_loglik_figure(
        np.array([r.log_likelihood for r in runs]),
        [r.method for r in runs],
        np.array([r.optimum for r in runs]),
        selected=pick,
        seeds=np.array([r.seed for r in runs]),
        iterations=np.array([r.n_iter for r in runs]),
        degenerate=np.array([r.degenerate is not None for r in runs]),
    )
    with left:
        st.markdown("**Where each run ended** (click a run to pick it)")
        chart(strip, key=keys.EXPLORER_STRIP, on_select=pick_from_strip, selection_mode="points")
    with right:
        st.markdown("**How each run climbed**: log L(θₜ) per iteration")
        chart(
            traces_figure(
                [r.log_likelihoods for r in runs], [r.method for r in runs], selected=pick
            ),
            key="explorer_traces",
        )
    st.markdown("**The distinct optima**: each one's mixture f(x) over the data")
    edges, counts = session.cached_bins(data.data_id, data.x, None)
    optima = exploration.optima
    chart(
        optima_figure(
            edges,
            counts,
            [o.params for o in optima],
            np.array([o.log_likelihood for o in optima]),
            np.array([o.n_runs / len(runs) for o in optima]),
            x_label=data.axis_label,
        ),
        key="explorer_optima",
    )
    show_table(
        optima_table(exploration),
        {  # long lists and reasons in fixed widths: the grid never clips
            "log L": st.column_config.TextColumn(alignment="right"),
            "share": st.column_config.NumberColumn(format="percent"),
            # 818 px at 1280 wide: the three lists share what the short columns leave
            "μₖ": st.column_config.TextColumn(width=160),
            "σₖ²": st.column_config.TextColumn(width=140),
            "πₖ": st.column_config.TextColumn(width=120),
            "degenerate": st.column_config.TextColumn(
                width="small", help="Why the optimum is degenerate: a variance at the floor"
            ),
        },
    )
    st.caption(
        "Runs count as one optimum when their parameters agree (up to relabelling) or no "
        "valley of log L separates them; each optimum is its best run, refined."
    )
    st.markdown("**By initialisation method**")
    show_table(
        method_table(exploration),
        # Short headers, the long names in their help: every column readable at 1280 px.
        {
            "reached the best optimum": st.column_config.NumberColumn(
                "best reached", format="percent", help="Share of runs reaching the best optimum"
            ),
            "distinct optima reached": st.column_config.NumberColumn(
                "optima", help="Distinct optima this method's runs reached"
            ),
            "median iterations": st.column_config.NumberColumn(
                "median iter.", help="Median number of iterations"
            ),
            "median final log L": st.column_config.TextColumn(
                "median log L", alignment="right", help="Median final log L of the runs"
            ),
            "converged": st.column_config.NumberColumn(format="percent"),
            "degenerate": st.column_config.NumberColumn(format="percent"),
        },
    )
    st.subheader("Step through one run")
    run_picker(exploration)


controls()
experiment.run_with_progress(
    RESULT_KEY,
    identity,
    explore,
    start=f"Running EM from {st.session_state[keys.EXPLORER_RESTARTS]} starting points…",
    step="Run {done} of {total}…",
    last="All {total} runs done: grouping them into optima and refining each optimum…",
)
exploration = experiment.kept_result(
    RESULT_KEY,
    identity,
    idle="Choose the methods and the number of restarts, then press **Run restarts**.",
    stale="The data or the model in the sidebar changed since the last exploration: press "
    "**Run restarts** to explore this one.",
)
if exploration is not None:
    results(exploration)
