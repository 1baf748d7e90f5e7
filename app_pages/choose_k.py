"""How many components? BIC, AIC and ICL for K = 1…Kmax, with equal and unequal variances.

Storyboard: sweep controls → ``gmm_core.select_components`` (with a progress bar; the result is
kept in the session, see :mod:`ui.experiment`) → criteria against K with the best models
starred → the table of fits → the fitted mixture of any K, which can be taken to the stepper.
"""

import pandas as pd
import streamlit as st

from figures import criteria_figure, mixture_figure
from figures.notation import plural
from figures.selection import variance_label
from gmm_core import INIT_METHODS, Selection, SelectionRow, select_components
from ui import experiment, links, session
from ui.lecture import chart
from ui.model_panel import INIT_LABELS, MAX_K
from ui.widgets import keep_values

RESULT_KEY = "selection"
MAX_RESTARTS = 20
MODELS = {"unequal σ²": False, "equal σ²": True}

data = session.get_data()
settings = st.session_state["model_settings"]
keep_values({
    "k_max": 6, "k_restarts": 5, "k_models": list(MODELS), "k_init": "kmeans++", "k_seed": 0,
    "k_show_icl": False,
})
identity = (data.data_id, settings.tol, settings.max_iter)

st.title("How many components?")
st.caption(
    "More components always fit at least as well, so log L alone cannot choose K. Information "
    "criteria charge for every free parameter: the best model has the **lowest** value."
)
st.latex(
    r"\mathrm{BIC} = -2\log L + p\ln N,\qquad \mathrm{AIC} = -2\log L + 2p,\qquad"
    r"\mathrm{ICL} = \mathrm{BIC} - 2\sum_{n,k}\gamma(z_{nk})\log\gamma(z_{nk})"
)
st.caption(
    "p = 3K − 1 free parameters with unequal variances (K means, K variances, K − 1 weights), "
    "2K with one shared variance. Lower is better, as in scikit-learn (R's mclust plots −BIC, "
    "where higher is better). ICL also charges for overlap (uncertain γ(z_nk)), so it "
    "prefers fewer, well separated components."
)


def controls() -> None:
    cols = st.columns(4, vertical_alignment="bottom")
    cols[0].number_input("Largest K", min_value=1, max_value=MAX_K, key="k_max")
    cols[1].number_input(
        "Restarts per fit", min_value=1, max_value=MAX_RESTARTS, key="k_restarts",
        help="Each (K, variance model) keeps the best of this many EM runs",
    )
    cols[2].number_input("Seed", min_value=0, max_value=2**31 - 1, key="k_seed")
    cols[3].selectbox(
        "Initialisation", INIT_METHODS, key="k_init", format_func=INIT_LABELS.__getitem__
    )
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    left.multiselect("Variance models", list(MODELS), key="k_models")
    right.button(
        "Compare models", key="k_run", type="primary", on_click=experiment.request,
        args=(RESULT_KEY,), width="stretch", disabled=not st.session_state["k_models"],
    )
    st.caption(
        f"Fits **{data.title}** (N = {data.x.size:,}) with {st.session_state['k_restarts']} "
        f"restarts each, until log L rises by less than {settings.tol:.0e} per point or "
        f"{plural(settings.max_iter, 'iteration')} (tolerance and limit from the sidebar)."
    )


def sweep(progress: experiment.Progress) -> Selection:
    """Every (K, variance model); the BIC's choice becomes the fit shown."""
    models = tuple(MODELS[m] for m in MODELS if m in st.session_state["k_models"])
    selection = select_components(
        data.x, int(st.session_state["k_max"]), n_init=int(st.session_state["k_restarts"]),
        seed=int(st.session_state["k_seed"]), variance_models=models,
        init=st.session_state["k_init"], tol=settings.tol, max_iter=settings.max_iter,
        on_fit=progress,
    )
    best = selection.best("bic")
    st.session_state["k_show"] = (best.n_components, best.equal_variance)
    return selection


#: A component with fewer points than this is a spike on a tiny cluster, worth a word.
TINY_COMPONENT = 3.0


def smallest_n_k(row: SelectionRow, n_points: int) -> float:
    """The fewest points a component of the fit is responsible for, min_k π_k N."""
    return float(row.params.weights.min()) * n_points


def fits_table(selection: Selection) -> pd.DataFrame:
    rows = selection.rows
    return pd.DataFrame({
        "K": [r.n_components for r in rows],
        "variances": [variance_label(r.equal_variance) for r in rows],
        "log L": [r.log_likelihood for r in rows],
        "p": [r.n_parameters for r in rows],
        "BIC": [r.bic for r in rows],
        "AIC": [r.aic for r in rows],
        "ICL": [r.icl for r in rows],
        "smallest N_k": [smallest_n_k(r, selection.n_points) for r in rows],
        "iterations": [r.n_iter for r in rows],
        "converged": [r.converged for r in rows],
    })


def highlight_best(table: pd.DataFrame, selection: Selection):
    """Bold the lowest value of each criterion."""

    def bold(column: pd.Series) -> list[str]:
        best = selection.best(column.name.lower())
        return [
            "font-weight: 700; background-color: #fff3c4"
            if (k, v) == (best.n_components, variance_label(best.equal_variance)) else ""
            for k, v in zip(table["K"], table["variances"], strict=True)
        ]

    return table.style.apply(bold, subset=["BIC", "AIC", "ICL"]).format(
        {"log L": "{:.3f}", "BIC": "{:.2f}", "AIC": "{:.2f}", "ICL": "{:.2f}",
         "smallest N_k": "{:.1f}"}
    )


def verdict(selection: Selection) -> None:
    picks = {name: selection.best(name) for name in ("bic", "aic", "icl")}
    text = "; ".join(
        f"{name.upper()} picks **K = {row.n_components}** ({variance_label(row.equal_variance)})"
        for name, row in picks.items()
    )
    st.success(text)
    if selection.note:
        st.warning(selection.note)
    tiny: dict[SelectionRow, list[str]] = {}
    for name, row in picks.items():
        if smallest_n_k(row, selection.n_points) < TINY_COMPONENT:
            tiny.setdefault(row, []).append(name.upper())
    for row, names in tiny.items():
        st.warning(
            f"The choice of {' and '.join(names)} (K = {row.n_components}, "
            f"{variance_label(row.equal_variance)}) has a component responsible for only "
            f"{smallest_n_k(row, selection.n_points):.3g} points: a spike on a tiny cluster. "
            "It can win by fitting two or three values very closely; look at its fit below "
            "before believing it."
        )


def fitted_mixture(selection: Selection) -> None:
    """The chosen fit over the data, coloured by its responsibilities."""
    fitted = {(r.n_components, r.equal_variance): r for r in selection.rows}
    if st.session_state.get("k_show") not in fitted:
        best = selection.best("bic")
        st.session_state["k_show"] = (best.n_components, best.equal_variance)
    left, right = st.columns([2, 1], vertical_alignment="bottom")
    key = left.selectbox(
        "Show the fit with", list(fitted), key="k_show",
        format_func=lambda kv: f"K = {kv[0]}, {variance_label(kv[1])}",
    )
    row: SelectionRow = fitted[key]
    right.button(
        f"Step through K = {row.n_components} in the stepper", key="k_use",
        on_click=links.open_in_stepper,
        args=(
            {"n_components": row.n_components, "equal_variance": row.equal_variance},
            f"K = {row.n_components}, {variance_label(row.equal_variance)} from the model "
            "comparison.",
        ),
        help="Sets K and the variance model in the sidebar; the stepper's own initialisation "
        "and seed stay as they are",
    )
    edges, counts = session.cached_bins(data.data_id, data.x, None)
    shares = session.cached_shares(data.data_id, data.x, row.params, edges)
    chart(
        mixture_figure(
            edges, counts, row.params, bin_shares=shares, responsibility_params=row.params,
            x_label=data.axis_label, height=520,
        ),
        key="k_mixture",
    )
    st.caption(
        f"log L = {row.log_likelihood:.4f}, p = {row.n_parameters}, BIC = {row.bic:.2f}, "
        f"AIC = {row.aic:.2f}, ICL = {row.icl:.2f}; best of {selection.n_init} restarts, "
        f"{plural(row.n_iter, 'iteration')}{'' if row.converged else ' (not converged)'}."
    )


def results(selection: Selection) -> None:
    verdict(selection)
    best = {name: selection.best(name) for name in ("bic", "aic", "icl")}
    records = selection.rows
    show_icl = st.toggle(
        "Draw ICL too", key="k_show_icl", help="ICL is often far above BIC and AIC: drawing it "
        "squeezes their curves together",
    )
    if not show_icl:
        del best["icl"]
    chart(
        criteria_figure(
            [r.n_components for r in records], [r.bic for r in records],
            [r.aic for r in records], [r.icl for r in records] if show_icl else None,
            [r.equal_variance for r in records],
            best={name: (r.n_components, r.equal_variance) for name, r in best.items()},
        ),
        key="k_criteria",
    )
    st.dataframe(highlight_best(fits_table(selection), selection), hide_index=True,
                 width="stretch")
    st.subheader("The fitted mixture")
    fitted_mixture(selection)


controls()
experiment.run_with_progress(
    RESULT_KEY, identity, sweep, start="Fitting…", step="Fitted {done} of {total} models…"
)
selection = experiment.kept_result(
    RESULT_KEY, identity,
    idle="Choose the largest K and the restarts, then press **Compare models**.",
    stale="The data, tolerance or iteration limit changed since the last comparison: press "
    "**Compare models** to compare on this one.",
)
if selection is not None:
    results(selection)
