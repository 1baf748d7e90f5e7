"""How many components? BIC, AIC and ICL for K = 1…Kmax, with equal and unequal variances.

Storyboard: sweep controls → ``gmm_core.select_components`` (with a progress bar; the result is
kept in the session, see :mod:`ui.experiment`) → criteria against K with the best models
starred and degenerate fits crossed out → the table of fits → the fitted mixture of any K,
which can be taken to the stepper → the bootstrap likelihood-ratio test for K
(``gmm_core.bootstrap_lrt``) → bootstrap SEs and intervals of the chosen fit.
"""

import re

import numpy as np
import pandas as pd
import streamlit as st

from figures import criteria_figure, mixture_figure
from figures.notation import log_l, minus, plural, short, subscript
from figures.selection import uncertainty_figure, variance_label
from gmm_core import INIT_METHODS, Selection, SelectionRow, select_components
from gmm_core.bootstrap import BootstrapLRT, ParameterBootstrap, bootstrap_lrt, bootstrap_params
from gmm_core.em import e_step
from gmm_core.selection import MAX_N_INIT
from ui import experiment, links, session
from ui.lecture import chart, formulas
from ui.model_panel import INIT_LABELS
from ui.pure import keys
from ui.widgets import behind_toggle, keep_values, show_table

RESULT_KEY = "selection"
LRT_KEY = "k_lrt_result"
BOOT_KEY = "k_boot_result"
MODELS = {"unequal σ²": False, "equal σ²": True}
ICL_FORMS = {
    "icl": "entropy form: BIC + 2 × entropy of γ (default)",
    "icl_map": "mclust's form: BIC − 2 Σₙ log maxₖ γ(zₙₖ)",
}
BOOT_SIZES = (99, 199, 499, 999)

data = session.get_data()
settings = st.session_state[keys.MODEL_SETTINGS]
keep_values(
    {
        keys.K_MAX: 6,
        keys.K_RESTARTS: 5,
        keys.K_MODELS: list(MODELS),
        keys.K_INIT: "kmeans++",
        keys.K_SEED: 0,
        keys.K_SHOW_ICL: False,
        keys.K_ICL_FORM: "icl",
        keys.K_LRT_KMAX: 3,
        keys.K_LRT_MODEL: "equal σ²",
        keys.K_LRT_BOOT: 99,
        keys.K_BOOT_N: 199,
        keys.K_UNCERTAINTY: False,
    }
)
identity = (data.data_id, settings.run_options)

st.title("How many components?")
st.caption(
    "More components always fit at least as well, so log L alone cannot choose K. Information "
    "criteria charge for every free parameter: the best model has the **lowest** value."
)
# Each formula whole, wrapping onto the next line where the page is narrow (a projector).
formulas(
    r"\mathrm{BIC} = -2\log L + p\ln N,\qquad \mathrm{AIC} = -2\log L + 2p,\qquad"
    r"\mathrm{ICL} = \mathrm{BIC} - 2\sum_{n,k}\gamma(z_{nk})\log\gamma(z_{nk})",
    r"\mathrm{ICL}_{\text{mclust}} = \mathrm{BIC} - 2\sum_{n}\log\max_k\gamma(z_{nk})",
)
st.caption(
    "p = 3K − 1 free parameters with unequal variances (K means, K variances, K − 1 weights), "
    "2K with one shared variance. Lower is better, as in scikit-learn (R's mclust plots −BIC, "
    "where higher is better). ICL (Biernacki, Celeux & Govaert 2000) also charges for overlap "
    "(uncertain γ(zₙₖ)), so it prefers fewer, well separated components. Two forms exist: "
    "the entropy form shown first (the soft classification's entropy), and mclust's "
    "icl(), which uses the hard (MAP) classification and is never larger; choose which one "
    "the page uses below."
)
if settings.prior:
    st.caption(
        "Regularised (sidebar): every fit is MAP-EM with mclust's default conjugate prior, and "
        "log L in the criteria is the log-likelihood at the MAP fit (the log prior is not "
        "added), which is mclust's convention for priorControl()."
    )


def controls() -> None:
    cols = st.columns(4, vertical_alignment="bottom")
    experiment.largest_k_input(cols[0], "Largest K", key=keys.K_MAX)
    cols[1].number_input(
        "Restarts per fit",
        min_value=1,
        max_value=MAX_N_INIT,
        key=keys.K_RESTARTS,
        help="Each (K, variance model) keeps the best of this many EM runs",
    )
    experiment.seed_input(cols[2], "Seed", key=keys.K_SEED)
    cols[3].selectbox(
        "Initialisation", INIT_METHODS, key=keys.K_INIT, format_func=INIT_LABELS.__getitem__
    )
    left, mid, right = st.columns([2, 2, 1], vertical_alignment="bottom")
    left.multiselect("Variance models", list(MODELS), key=keys.K_MODELS)
    mid.selectbox(
        "ICL form",
        list(ICL_FORMS),
        key=keys.K_ICL_FORM,
        format_func=ICL_FORMS.__getitem__,
        help="Which ICL the verdict, the chart and the stars use (the table shows both)",
    )
    experiment.run_button(right, "Compare models", RESULT_KEY, key="k_run", needs=keys.K_MODELS)
    st.caption(
        f"Fits **{data.title}** (N = {data.x.size:,}) with {st.session_state[keys.K_RESTARTS]} "
        f"restarts each, {experiment.run_terms(settings)} (prior, stopping rule, tolerance and "
        "limit from the sidebar)."
    )


def sweep(progress: experiment.Progress) -> Selection:
    """Every (K, variance model); the BIC's choice becomes the fit shown."""
    models = tuple(MODELS[m] for m in MODELS if m in st.session_state[keys.K_MODELS])
    selection = select_components(
        data.x,
        int(st.session_state[keys.K_MAX]),
        n_init=int(st.session_state[keys.K_RESTARTS]),
        seed=int(st.session_state[keys.K_SEED]),
        variance_models=models,
        init=st.session_state[keys.K_INIT],
        options=settings.run_options,
        on_fit=progress,
    )
    best = selection.best("bic")
    st.session_state[keys.K_SHOW] = (best.n_components, best.equal_variance)
    return selection


def icl_form() -> str:
    """ "icl" or "icl_map", as chosen."""
    return st.session_state[keys.K_ICL_FORM]


#: Selection.to_records' keys → the table's columns, in order ("smallest Nₖ" after ICL).
TABLE_COLUMNS = {
    "K": "K",
    "variances": "variances",
    "log_likelihood": "log L",
    "n_parameters": "p",
    "bic": "BIC",
    "aic": "AIC",
    "icl": "ICL",
    "icl_map": "ICL (mclust)",
    "smallest Nₖ": "smallest Nₖ",
    "n_iter": "iterations",
    "converged": "converged",
    "degenerate": "degenerate",
}


def criterion_text(value: float) -> str:
    """A criterion as the page writes it: 2 decimals, the true minus ("−12.34")."""
    return minus(f"{value:.2f}")


def fits_table(selection: Selection) -> pd.DataFrame:
    table = pd.DataFrame(selection.to_records())
    table["variances"] = table["equal_variance"].map(variance_label)
    table["smallest Nₖ"] = [r.smallest_n_k(selection.n_points) for r in selection.rows]
    table["degenerate"] = table["degenerate"].map(short_reason)
    return table[list(TABLE_COLUMNS)].rename(columns=TABLE_COLUMNS)


#: Short headers (the long names in their help), so every column is readable at 1280 px.
FITS_COLUMNS = {
    "log L": st.column_config.Column(alignment="right"),
    "smallest Nₖ": st.column_config.NumberColumn(
        "min Nₖ", help="Nₖ = Σₙ γ(zₙₖ) of the smallest component"
    ),
    "iterations": st.column_config.NumberColumn("iter.", help="EM iterations of this fit"),
    "converged": st.column_config.CheckboxColumn("conv.", help="Converged before the limit"),
    # The reason in short (the fitted mixture's warning says it in full), at a width that
    # keeps every column inside the grid.
    "degenerate": st.column_config.TextColumn(
        width=150,
        help="Not a candidate: component k collapsed onto the point x, its variance held at "
        "the floor",
    ),
}


def short_reason(reason: str) -> str:
    """A degenerate fit's reason in short: "k = 2 at x = 2.5" per collapsed component."""
    return "; ".join(
        f"k = {k} at x = {at}"
        for k, at in re.findall(r"component (\d+) collapsed onto x = ([^;:\s]+)", reason or "")
    )


#: Table column → the criterion it holds.
COLUMN_CRITERIA = {"BIC": "bic", "AIC": "aic", "ICL": "icl", "ICL (mclust)": "icl_map"}


def highlight_best(table: pd.DataFrame, selection: Selection):
    """Bold the lowest value of each criterion among the candidates; grey degenerate rows."""

    def bold(column: pd.Series) -> list[str]:
        best = selection.best(COLUMN_CRITERIA[column.name])
        return [
            "font-weight: 700; background-color: #fff3c4"
            if (k, v) == (best.n_components, variance_label(best.equal_variance))
            else ""
            for k, v in zip(table["K"], table["variances"], strict=True)
        ]

    def grey(row: pd.Series) -> list[str]:
        style = "color: #9a9a9a; text-decoration: line-through" if row["degenerate"] else ""
        return [
            style
            if c in COLUMN_CRITERIA or c == "log L"
            else ("color: #9a9a9a" if row["degenerate"] else "")
            for c in row.index
        ]

    return (
        table.style.apply(grey, axis=1)
        .apply(bold, subset=list(COLUMN_CRITERIA))
        .format(
            {
                "log L": log_l,
                **dict.fromkeys(("BIC", "AIC", "ICL", "ICL (mclust)"), criterion_text),
                "smallest Nₖ": "{:.1f}",
            }
        )
    )


def criterion_label(name: str) -> str:
    return "ICL (mclust)" if name == "icl_map" else name.upper()


def verdict(selection: Selection) -> None:
    picks = {name: selection.best(name) for name in ("bic", "aic", icl_form())}
    text = "; ".join(
        f"{criterion_label(name)} picks **K = {row.n_components}** "
        f"({variance_label(row.equal_variance)})"
        for name, row in picks.items()
    )
    st.success(text)
    if selection.note:
        st.warning(selection.note)
    degenerate = selection.degenerate_rows
    if degenerate:
        fits = ", ".join(
            f"K = {r.n_components} ({variance_label(r.equal_variance)})" for r in degenerate
        )
        st.warning(
            f"Not candidates, greyed out and crossed in the chart: {fits}. A degenerate fit "
            "holds a variance at the floor (a component collapsed onto a point), so its log L "
            "and every criterion depend only on that arbitrary floor; R's mclust reports no BIC "
            "for such fits. More restarts can make this more likely, not less. Try "
            "*Regularise (conjugate prior)* in the sidebar."
        )
    for sentence_ in selection.edge_warnings(("bic", "aic", icl_form())):
        st.warning(sentence_.replace("ICL_MAP", "ICL (mclust)"))
    for row, names in selection.tiny_picks(list(picks)).items():
        st.warning(
            f"The choice of {' and '.join(map(criterion_label, names))} (K = {row.n_components}, "
            f"{variance_label(row.equal_variance)}) has a component responsible for only "
            f"{short(row.smallest_n_k(selection.n_points))} points: a spike on a tiny cluster. "
            "It can win by fitting two or three values very closely; look at its fit below "
            "before believing it."
        )


def fitted_mixture(selection: Selection) -> None:
    """The chosen fit over the data, coloured by its responsibilities."""
    fitted = {(r.n_components, r.equal_variance): r for r in selection.rows}
    if st.session_state.get(keys.K_SHOW) not in fitted:
        best = selection.best("bic")
        st.session_state[keys.K_SHOW] = (best.n_components, best.equal_variance)
    left, right = st.columns([2, 1], vertical_alignment="bottom")
    key = left.selectbox(
        "Show the fit with",
        list(fitted),
        key=keys.K_SHOW,
        format_func=lambda kv: f"K = {kv[0]}, {variance_label(kv[1])}",
    )
    row: SelectionRow = fitted[key]
    right.button(
        f"Step through K = {row.n_components} in the stepper",
        key="k_use",
        on_click=links.open_in_stepper,
        args=(
            {"n_components": row.n_components, "equal_variance": row.equal_variance},
            f"K = {row.n_components}, {variance_label(row.equal_variance)} from the model "
            "comparison.",
        ),
        help="Sets K and the variance model in the sidebar; the stepper's own initialisation "
        "and seed stay as they are",
    )
    if row.degenerate:
        st.warning(f"Degenerate, not a candidate: {row.degenerate}.")
    edges, counts = session.cached_bins(data.data_id, data.x, None)
    shares = session.cached_shares(data.data_id, data.x, row.params, edges)
    chart(
        mixture_figure(
            edges,
            counts,
            row.params,
            bin_shares=shares,
            responsibility_params=row.params,
            x_label=data.axis_label,
            height=520,
        ),
        key="k_mixture",
    )
    st.caption(
        f"log L = {log_l(row.log_likelihood)}, p = {row.n_parameters}, "
        f"BIC = {criterion_text(row.bic)}, AIC = {criterion_text(row.aic)}, "
        f"ICL = {criterion_text(row.icl)} (mclust's form {criterion_text(row.icl_map)}); best of "
        f"{selection.n_init} restarts, "
        f"{plural(row.n_iter, 'iteration')}{'' if row.converged else ' (not converged)'}."
    )
    uncertainty_chart(row)
    parameter_bootstrap(selection, row)


#: Most data points drawn as markers on the uncertainty curve.
UNCERTAINTY_POINTS = 5_000


@behind_toggle(
    "Show the classification uncertainty",
    key=keys.K_UNCERTAINTY,
    help="1 − maxₖ γ(zₙₖ): 0 where a point surely belongs to one component, up to "
    "1 − 1/K where the components overlap most (mclust's uncertainty)",
)
def uncertainty_chart(row: SelectionRow) -> None:
    """1 − max_k γ along the data's range, with the data points on it."""
    lo, hi = float(data.x.min()), float(data.x.max())
    grid = np.linspace(lo, hi, 600)
    points = data.x if data.x.size <= UNCERTAINTY_POINTS else None
    resp_grid, _ = e_step(grid, row.params)
    resp_points = None if points is None else e_step(points, row.params)[0]
    chart(
        uncertainty_figure(
            grid,
            1.0 - resp_grid.max(axis=1),
            points=points,
            point_uncertainty=None if resp_points is None else 1.0 - resp_points.max(axis=1),
            point_labels=None if resp_points is None else resp_points.argmax(axis=1),
            x_label=data.axis_label,
        ),
        key="k_uncertainty_chart",
    )


def parameter_bootstrap(selection: Selection, row: SelectionRow) -> None:
    """Bootstrap SEs and 95 % intervals of the shown fit's parameters, on request."""
    st.markdown(
        "**How sure are these parameters?** Nonparametric bootstrap (mclust's "
        "MclustBootstrap): resample the data, refit from this fit, repeat."
    )
    left, mid, right = st.columns([1, 1, 2], vertical_alignment="bottom")
    left.selectbox("Resamples B", BOOT_SIZES, key=keys.K_BOOT_N)
    experiment.run_button(mid, "Bootstrap this fit", BOOT_KEY, key="k_boot_run", type="secondary")
    boot_identity = (
        identity,
        selection.seed,
        selection.n_init,
        row.n_components,
        row.equal_variance,
        row.params,
        int(st.session_state[keys.K_BOOT_N]),
    )

    def compute(progress: experiment.Progress) -> ParameterBootstrap:
        return bootstrap_params(
            data.x,
            row.params,
            equal_variance=row.equal_variance,
            n_boot=int(st.session_state[keys.K_BOOT_N]),
            seed=selection.seed,
            options=settings.run_options,
            on_progress=progress,
        )

    experiment.run_with_progress(
        BOOT_KEY,
        boot_identity,
        compute,
        start="Resampling…",
        step="Refitted {done} of {total} resamples…",
    )
    stored = st.session_state.get(BOOT_KEY)
    if stored is None or stored[0] != boot_identity:
        right.caption("Seeded with the comparison's seed; about a second per 100 resamples.")
        return
    boot: ParameterBootstrap = stored[1]
    show_table(bootstrap_table(boot))
    st.caption(
        f"{boot.n_boot} resamples (seed {boot.seed}); SE = standard deviation of the "
        f"replicates, interval = their 2.5 % and 97.5 % quantiles"
        + (
            f"; {boot.redrawn} resamples gave degenerate fits and were drawn again"
            if boot.redrawn
            else ""
        )
        + "."
    )


def bootstrap_table(boot: ParameterBootstrap) -> pd.DataFrame:
    """One row per parameter: estimate, SE and the percentile interval."""
    names = ("π{}", "μ{}", "σ{}²")  # the notes' π_k, μ_k, σ_k², written π₁, μ₁, σ₁²
    values = np.stack([boot.params.weights, boot.params.means, boot.params.variances])
    low, high = boot.interval
    rows = [
        {
            "parameter": names[i].format(subscript(k + 1)),
            "estimate": values[i, k],
            "SE": boot.se[i, k],
            "95 % low": low[i, k],
            "95 % high": high[i, k],
        }
        for i in range(3)
        for k in range(values.shape[1])
    ]
    return pd.DataFrame(rows)


def lrt_section() -> None:
    """The bootstrap likelihood-ratio test of K against K + 1 (mclust's mclustBootstrapLRT)."""
    st.subheader("Test K against K + 1: the bootstrap likelihood-ratio test")
    st.caption(
        "LRTS = 2 [log L(K + 1 components) − log L(K)] always favours more components; "
        "how large it gets by chance is simulated: draw samples of size N from the fitted "
        "K-component mixture, fit K and K + 1 to each, and count how often their LRTS "
        "reaches the data's (McLachlan 1987; R mclust's mclustBootstrapLRT). "
        "p = (1 + count) / (B + 1). A "
        "small p says K is too few."
    )
    cols = st.columns([1, 1, 1, 1.2], vertical_alignment="bottom")
    tests = "Tests 1 vs 2, …, (K − 1) vs K"
    experiment.largest_k_input(cols[0], "Up to K =", key=keys.K_LRT_KMAX, low=2, help=tests)
    cols[1].selectbox("Variances", list(MODELS), key=keys.K_LRT_MODEL)
    cols[2].selectbox("Bootstrap samples B", BOOT_SIZES, key=keys.K_LRT_BOOT)
    experiment.run_button(cols[3], "Run the test", LRT_KEY, key="k_lrt_run")
    k_max = int(st.session_state[keys.K_LRT_KMAX])
    n_boot = int(st.session_state[keys.K_LRT_BOOT])
    tied = MODELS[st.session_state[keys.K_LRT_MODEL]]
    seed = int(st.session_state[keys.K_SEED])
    lrt_identity = (identity, k_max, n_boot, tied, seed)

    def compute(progress: experiment.Progress) -> BootstrapLRT:
        return bootstrap_lrt(
            data.x,
            k_max,
            equal_variance=tied,
            n_boot=n_boot,
            seed=seed,
            n_init=int(st.session_state[keys.K_RESTARTS]),
            init=st.session_state[keys.K_INIT],
            options=settings.run_options,
            on_progress=progress,
        )

    experiment.run_with_progress(
        LRT_KEY,
        lrt_identity,
        compute,
        start="Fitting the models to the data…",
        step="Bootstrap sample {done} of {total}…",
    )
    test = experiment.kept_result(
        LRT_KEY,
        lrt_identity,
        idle=f"Press **Run the test** ({k_max - 1} tests × {n_boot} samples, two fits each; "
        "restarts, initialisation and seed from the comparison above).",
        stale="The data, the model options or the test's settings changed: press **Run the "
        "test** again.",
    )
    if test is None:
        return
    show_table(lrt_table(test), {"p-value": "%.3f"})
    first = test.first_not_rejected(0.05)
    model = variance_label(test.equal_variance)
    if first is None:
        st.info(
            f"Every test rejects K at the 5 % level ({model}): even K = {k_max - 1} "
            f"components seem too few; raise *Up to K*."
        )
    else:
        st.success(f"The first K not rejected at the 5 % level: **K = {first}** ({model}).")


def lrt_table(test: BootstrapLRT) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "test": [f"{r.n_components} vs {r.n_components + 1}" for r in test.rows],
            "LRTS": [r.statistic for r in test.rows],
            "p-value": [r.p_value for r in test.rows],
            "bootstrap samples": [test.n_boot for _ in test.rows],
            "redrawn (degenerate)": [r.redrawn for r in test.rows],
        }
    )


def results(selection: Selection) -> None:
    verdict(selection)
    icl_name = icl_form()
    best = {name: selection.best(name) for name in ("bic", "aic", icl_name)}
    show_icl = st.toggle(
        "Draw ICL too",
        key=keys.K_SHOW_ICL,
        help="ICL is often far above BIC and AIC: drawing it squeezes their curves together",
    )
    stars = {
        ("icl" if n == icl_name else n): (r.n_components, r.equal_variance)
        for n, r in best.items()
        if show_icl or n != icl_name
    }
    ks, bic = selection.curve("bic")
    records = pd.DataFrame(selection.to_records())
    chart(
        criteria_figure(
            ks,
            bic,
            selection.curve("aic")[1],
            selection.curve(icl_name)[1] if show_icl else None,
            records["equal_variance"].to_numpy(),
            best=stars,
            degenerate=(records["degenerate"] != "").to_numpy(),
        ),
        key="k_criteria",
    )
    show_table(highlight_best(fits_table(selection), selection), FITS_COLUMNS)
    st.subheader("The fitted mixture")
    fitted_mixture(selection)


controls()
experiment.run_with_progress(
    RESULT_KEY, identity, sweep, start="Fitting…", step="Fitted {done} of {total} models…"
)
selection = experiment.kept_result(
    RESULT_KEY,
    identity,
    idle="Choose the largest K and the restarts, then press **Compare models**.",
    stale="The data or the sidebar's prior, stopping rule, tolerance or iteration limit "
    "changed since the last comparison: press **Compare models** to compare on this one.",
)
if selection is not None:
    results(selection)
lrt_section()
