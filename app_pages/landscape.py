"""Likelihood landscape (K = 2): log L over (μ₁, μ₂), the stepper's EM path on it, and the basins
of attraction; a click on either map starts EM there, in the stepper, at iteration 0.

Storyboard: what π and σ² are held at → ``gmm_core.landscape.mean_surface`` → contour figure with
the path and the explorer's restarts → basins (``gmm_core.landscape.basins`` behind a progress
bar, kept in the session, see :mod:`ui.experiment`) → basin figure and the table of optima → a
clicked or typed (μ₁, μ₂) opens in the stepper as a manual θ₀ (``ui.links.open_in_stepper``).
"""

from collections.abc import Callable

import numpy as np
import pandas as pd
import streamlit as st

from figures.landscape import basin_figure, landscape_figure, optimum_names
from figures.notation import log_l, plural, short, subscript
from gmm_core import MixtureParams
from gmm_core.landscape import (
    SURFACE_MAX_POINTS,
    BasinMap,
    basins,
    landscape_points,
    mean_grid,
    mean_surface,
)
from ui import experiment, links, session
from ui.lecture import chart
from ui.pure import keys
from ui.widgets import keep_values, show_table

RESULT_KEY = "landscape_basins"
SURFACE_GRID = 100
HOLD_CHOICES = {
    "stepper": "the stepper's current π and σ²",
    "equal": "π = ½ each and one pooled σ² (mirror-symmetric)",
}

data = session.get_data()
x = data.x
settings = st.session_state[keys.MODEL_SETTINGS]
state = session.get_stepper()
keep_values({keys.LAND_HOLD: "stepper", keys.LAND_GRID: 60})


@st.cache_data(max_entries=16, show_spinner="Computing log L over the grid…")
def cached_surface(
    data_id: str,  # noqa: ARG001 (the cache key standing for the unhashed x)
    _x: np.ndarray,
    weights: tuple[float, float],
    variances: tuple[float, float],
    n: int,
) -> tuple[np.ndarray, np.ndarray]:
    """(grid (n,), log L (n, n)) with π and σ² fixed."""
    grid = mean_grid(_x, n)
    return grid, mean_surface(_x, np.array(weights), np.array(variances), grid, grid)


def held_values(theta: MixtureParams, hold: str) -> tuple[np.ndarray, np.ndarray]:
    """(π, σ²) every point of the maps uses."""
    if hold == "equal":
        pooled = float(np.dot(theta.weights, theta.variances))
        return np.array([0.5, 0.5]), np.array([pooled, pooled])
    return theta.weights.copy(), theta.variances.copy()


def use_two_components() -> None:
    links.apply_scenario({"n_components": 2})


def start_from(mu1: float, mu2: float, weights: np.ndarray, variances: np.ndarray) -> None:
    """Open the stepper at iteration 0 from θ₀ = (π, (μ₁, μ₂), σ²), as a manual table."""
    table = pd.DataFrame({"μ": [mu1, mu2], "σ": np.sqrt(variances), "π": weights})
    values = {
        "n_components": 2,
        "equal_variance": settings.equal_variance,
        "init_method": "manual",
        "manual_table": table,
        "tol": settings.tol,
        "max_iter": settings.max_iter,
    }
    links.open_in_stepper(
        values,
        f"EM from the landscape: θ₀ with μ₁ = {short(mu1, 6)}, μ₂ = {short(mu2, 6)}, "
        "at iteration 0.",
    )


def clicked_cell(key: str) -> tuple[int, int] | None:
    """(i, j) of the clicked grid point in chart ``key``, from its customdata."""
    event = st.session_state.get(key) or {}
    points = (event.get("selection") or {}).get("points") or []
    for point in points:
        custom = point.get("customdata")
        if isinstance(custom, dict):
            custom = [custom.get("0"), custom.get("1")]
        if custom is not None and len(custom) == 2 and None not in custom:
            return int(custom[0]), int(custom[1])
    return None


def on_click(key: str, g1: np.ndarray, g2: np.ndarray, weights, variances) -> Callable[[], None]:
    def callback() -> None:
        cell = clicked_cell(key)
        if cell is not None:
            start_from(float(g1[cell[0]]), float(g2[cell[1]]), weights, variances)

    return callback


def explorer_restarts() -> tuple[np.ndarray, list[str]] | None:
    """(μ₁, μ₂) of the explorer's restarts' θ₀ on this data with K = 2, and where each ended."""
    stored = st.session_state.get(keys.EXPLORATION)
    if stored is None:
        return None
    identity, exploration = stored
    if identity[0] != data.data_id or exploration.n_components != 2:
        return None
    starts = np.array([run.initial_params.means for run in exploration.runs])
    ends = [f"explorer optimum {run.optimum + 1}" for run in exploration.runs]
    return starts, ends


def optima_table(basin_map: BasinMap) -> pd.DataFrame:
    cells = basin_map.labels.size
    names = optimum_names(basin_map.optima)
    rows = []
    for g, opt in enumerate(basin_map.optima):
        p = opt.params
        rows.append(
            {
                "optimum": names[g],
                "log L": log_l(opt.log_likelihood),
                "μ₁, μ₂": f"{short(p.means[0], 5)}, {short(p.means[1], 5)}",
                "π₁, π₂": f"{p.weights[0]:.3f}, {p.weights[1]:.3f}",
                "σ₁², σ₂²": f"{short(p.variances[0], 4)}, {short(p.variances[1], 4)}",
                "starts reaching it": opt.n_cells / cells,
                "mirror image of": "" if opt.mirror is None else names[opt.mirror],
                "note": "μ₁ = μ₂: a saddle" if opt.coincident else "",
            }
        )
    return pd.DataFrame(rows)


def basins_section(weights: np.ndarray, variances: np.ndarray, identity: tuple) -> None:
    st.subheader("Basins of attraction")
    left, right = st.columns([1, 3], vertical_alignment="bottom")
    left.number_input(
        "Grid side",
        min_value=10,
        max_value=80,
        step=10,
        key=keys.LAND_GRID,
        help="Starts per side: 60 gives 3,600 runs of EM",
    )
    n = int(st.session_state[keys.LAND_GRID])
    experiment.run_button(
        right, f"Run EM from all {n * n:,} starts", RESULT_KEY, key="land_run", width="content"
    )
    grid = mean_grid(x, n)

    points, _ = landscape_points(x)  # at most SURFACE_MAX_POINTS: no input can stall the page

    def compute(progress: experiment.Progress) -> BasinMap:
        return basins(
            points,
            weights,
            variances,
            grid,
            grid,
            var_floor=state.var_floor,
            tol=settings.tol,
            max_iter=settings.max_iter,
            equal_variance=settings.equal_variance,
            stopping=settings.stopping,
            on_progress=progress,
        )

    full_identity = (*identity, n)
    experiment.run_with_progress(
        RESULT_KEY,
        full_identity,
        compute,
        start=f"Running EM from {n * n:,} starts…",
        step="{done:,} of {total:,} runs of EM done…",
    )
    basin_map = experiment.kept_result(
        RESULT_KEY,
        full_identity,
        idle="Press the button to run EM from every point of a grid of starts and colour each "
        "start by the optimum it reaches.",
        stale="The data, the model or the held π and σ² changed: press the button to recompute.",
    )
    if basin_map is None:
        return
    restarts = explorer_restarts()
    chart(
        basin_figure(
            basin_map,
            restarts=None if restarts is None else restarts[0],
            restart_optima=None if restarts is None else restarts[1],
            x_label=data.axis_label,
        ),
        key="land_basins",
        on_select=on_click("land_basins", grid, grid, weights, variances),
        selection_mode="points",
    )
    not_done = int(np.count_nonzero(~basin_map.converged))
    names = optimum_names(basin_map.optima)
    maxima = [n for n, o in zip(names, basin_map.optima, strict=True) if not o.coincident]
    saddles = [n for n, o in zip(names, basin_map.optima, strict=True) if o.coincident]
    reached = f"{plural(len(maxima), 'local maximum', 'local maxima')} reached"
    reached += f" ({', '.join(maxima)})" if maxima else ""
    if saddles:
        reached += f", and the saddle on the line μ₁ = μ₂ ({', '.join(saddles)})"
    st.caption(
        f"Each start is θ₀ = (π, (μ₁, μ₂), σ²) with the π and σ² above; EM then moves every "
        f"parameter. {reached}; a primed letter is the "
        "same mixture with the labels swapped, its basin the mirror image of the other's. "
        + (f"{not_done} runs stopped at the iteration limit. " if not_done else "")
        + "Click a start to step through its run."
    )
    show_table(
        optima_table(basin_map),
        {  # short headers, the long names in their help
            "log L": st.column_config.TextColumn(alignment="right"),
            "starts reaching it": st.column_config.NumberColumn(
                "starts", format="percent", help="Share of the grid's starts reaching it"
            ),
            "mirror image of": st.column_config.TextColumn(
                "mirror of", help="The same mixture with the labels 1 ↔ 2 swapped"
            ),
        },
    )


def typed_start(weights: np.ndarray, variances: np.ndarray) -> None:
    """The same as a click, typed: start EM at (μ₁, μ₂)."""
    cols = st.columns([1, 1, 2], vertical_alignment="bottom")
    cols[0].number_input("μ₁", key=keys.LAND_MU1, format="%.6g")
    cols[1].number_input("μ₂", key=keys.LAND_MU2, format="%.6g")
    cols[2].button(
        "Start EM here in the stepper",
        key="land_start",
        on_click=lambda: start_from(
            float(st.session_state[keys.LAND_MU1]),
            float(st.session_state[keys.LAND_MU2]),
            weights,
            variances,
        ),
        help="θ₀ = (π, (μ₁, μ₂), σ²) with the π and σ² held on this page, at iteration 0",
    )


def page() -> None:
    st.title("Likelihood landscape")
    st.caption(
        "log L as a surface over the two means of a K = 2 mixture. Swapping the labels 1 ↔ 2 "
        "gives the same mixture, so with equal π and σ² the surface is mirror-symmetric about "
        "the line μ₁ = μ₂: two equal hills with a saddle between them on that line. EM climbs "
        "from where it starts: click anywhere to start it there."
    )
    if settings.n_components != 2 or state is None or state.settings.n_components != 2:
        st.info(
            f"The landscape is drawn for K = 2 components; the model in the sidebar has "
            f"K = {settings.n_components}."
        )
        st.button("Use K = 2", key="land_use_k2", type="primary", on_click=use_two_components)
        return
    theta = state.params
    # The typed start begins at the stepper's means (kept once the user has typed).
    keep_values({keys.LAND_MU1: float(theta.means[0]), keys.LAND_MU2: float(theta.means[1])})
    hold = st.radio(
        "Hold π and σ² at",
        list(HOLD_CHOICES),
        key=keys.LAND_HOLD,
        horizontal=True,
        format_func=HOLD_CHOICES.__getitem__,
    )
    weights, variances = held_values(theta, hold)
    st.markdown(
        f"**Held fixed, not profiled:** π = ({weights[0]:.3f}, {weights[1]:.3f}), "
        f"σ² = ({short(variances[0], 4)}, {short(variances[1], 4)})"
        + (f", from θ{subscript(state.t)} of the stepper." if hold == "stepper" else ".")
        + " Only μ₁ and μ₂ vary over the map."
    )
    grid, surface = cached_surface(
        data.data_id, x, tuple(weights.tolist()), tuple(variances.tolist()), SURFACE_GRID
    )
    path = np.array([p.means for p in state.run.history[: state.t + 1]])
    restarts = explorer_restarts()
    chart(
        landscape_figure(
            grid,
            grid,
            surface,
            path=path,
            restarts=None if restarts is None else restarts[0],
            x_label=data.axis_label,
        ),
        key="land_surface",
        on_select=on_click("land_surface", grid, grid, weights, variances),
        selection_mode="points",
    )
    best = np.unravel_index(int(np.argmax(surface)), surface.shape)
    notes = [
        f"Highest point on this slice: μ₁ = {short(grid[best[1]], 4)}, "
        f"μ₂ = {short(grid[best[0]], 4)}, "
        f"log L = {log_l(float(surface[best]))}.",
        (
            f"The orange path is the stepper's run θ₀ … θ{subscript(state.t)}; EM also moves π "
            "and σ², so the path need not go straight up the contours of this slice."
            if state.t > 0
            else "The orange point is the stepper's θ₀; step the run to see its path here."
        ),
    ]
    if x.size > SURFACE_MAX_POINTS:
        notes.append(
            f"With this many points the surface and the basins are computed on "
            f"{SURFACE_MAX_POINTS:,} evenly spaced order statistics of the data (the surface "
            "scaled to N); a click still starts EM on all the data."
        )
    if restarts is not None:
        notes.append("Open circles: where the explorer's restarts started (their own π, σ²).")
    st.caption(" ".join(notes))
    typed_start(weights, variances)
    identity = (
        data.data_id,
        tuple(weights.tolist()),
        tuple(variances.tolist()),
        settings.equal_variance,
        settings.tol,
        settings.stopping,
        settings.max_iter,
    )
    basins_section(weights, variances, identity)


page()
