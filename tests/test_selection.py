"""Choosing K (gmm_core.selection): rows are fit's own results and criteria, BIC agrees with
scikit-learn, BIC picks K = 2 on Old Faithful, ICL ≥ BIC, too-large K are skipped, best() takes
the lowest value, and the records are table-ready."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import GaussianMixture

from gmm_core import (
    MixtureParams,
    Selection,
    fit,
    icl,
    log_likelihood,
    same_optimum,
    select_components,
)
from gmm_core.data import load_dataset


@pytest.fixture(scope="module")
def waiting() -> np.ndarray:
    return load_dataset("old_faithful_waiting")


@pytest.fixture(scope="module")
def selection(waiting: np.ndarray) -> Selection:
    return select_components(waiting, 4, n_init=3, seed=5)


def test_rows_are_fits_with_the_same_seed(selection: Selection, waiting: np.ndarray):
    assert [(r.n_components, r.equal_variance) for r in selection.rows] == [
        (k, tied) for tied in (False, True) for k in range(1, 5)
    ]
    for row in selection.rows:
        ref = fit(waiting, row.n_components, n_init=3, seed=5, equal_variance=row.equal_variance)
        assert row.log_likelihood == ref.log_likelihood
        assert row.bic == ref.bic and row.aic == ref.aic
        assert row.n_parameters == ref.n_parameters
        assert row.icl == icl(waiting, ref.params, ref.log_likelihood, row.equal_variance)
        assert row.params == ref.params.sorted_by_mean()
        assert row.converged == ref.converged and row.n_iter == ref.n_iter
    assert selection.skipped == () and selection.note is None
    assert selection.n_points == waiting.size and selection.seed == 5


def test_icl_is_at_least_bic(selection: Selection):
    for row in selection.rows:
        assert row.icl >= row.bic
    assert selection.rows[0].icl == pytest.approx(selection.rows[0].bic)  # K = 1: no entropy


@pytest.mark.parametrize("equal_variance", [False, True])
def test_bic_matches_sklearn_from_the_same_start(waiting: np.ndarray, equal_variance: bool):
    """sklearn started from our fitted parameters stays at the same optimum, and its bic()
    equals ours (both fitted to a tight tolerance)."""
    sel = select_components(
        waiting, 3, n_init=3, seed=0, variance_models=(equal_variance,), tol=1e-11, max_iter=20_000
    )
    for row in sel.rows:
        p = row.params
        cov = "tied" if equal_variance else "spherical"
        precisions = np.array([[1.0 / p.variances[0]]]) if equal_variance else 1.0 / p.variances
        gm = GaussianMixture(
            row.n_components,
            covariance_type=cov,
            weights_init=p.weights,
            means_init=p.means.reshape(-1, 1),
            precisions_init=precisions,
            tol=1e-12,
            max_iter=2000,
            reg_covar=0.0,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            gm.fit(waiting.reshape(-1, 1))
        assert gm.bic(waiting.reshape(-1, 1)) == pytest.approx(row.bic, rel=1e-9, abs=1e-6)
        assert gm.aic(waiting.reshape(-1, 1)) == pytest.approx(row.aic, rel=1e-9, abs=1e-6)
        # The same optimum (with K = 3 on a flat ridge, where sklearn's means still drift).
        theirs = MixtureParams(
            gm.weights_,
            gm.means_.ravel(),
            np.broadcast_to(np.ravel(gm.covariances_), p.means.shape),
        )
        assert same_optimum(waiting, p, row.log_likelihood, theirs, log_likelihood(waiting, theirs))


def test_bic_picks_two_components_on_old_faithful(selection: Selection, waiting: np.ndarray):
    assert selection.best("bic").n_components == 2
    for tied in (False, True):
        assert selection.best("bic", equal_variance=tied).n_components == 2
    x = waiting.reshape(-1, 1)
    sk_bic = [GaussianMixture(k, n_init=3, random_state=0).fit(x).bic(x) for k in range(1, 5)]
    assert int(np.argmin(sk_bic)) + 1 == 2


def test_best_takes_the_lowest_value(selection: Selection):
    for criterion in ("bic", "aic", "icl"):
        for tied in (None, False, True):
            rows = [r for r in selection.rows if tied is None or r.equal_variance == tied]
            best = selection.best(criterion, equal_variance=tied)
            assert getattr(best, criterion) == min(getattr(r, criterion) for r in rows)
        ks, values = selection.curve(criterion, equal_variance=False)
        assert ks.tolist() == [1, 2, 3, 4]
        assert values.tolist() == [getattr(r, criterion) for r in selection.rows[:4]]
    with pytest.raises(ValueError, match="unknown criterion"):
        selection.best("dic")  # type: ignore[arg-type]


def test_records_are_plain_scalars(selection: Selection):
    records = selection.to_records()
    assert len(records) == len(selection.rows)
    assert set(records[0]) == {
        "K",
        "model",
        "equal_variance",
        "log_likelihood",
        "n_parameters",
        "bic",
        "aic",
        "icl",
        "icl_map",
        "converged",
        "n_iter",
        "degenerate",
    }
    for rec in records:
        assert all(type(v) in (int, float, bool, str) for v in rec.values())
    assert records[0]["model"] == "unequal variances" and records[-1]["model"] == "equal variance"


def test_too_many_components_are_skipped_not_refused():
    x = np.array([1.0, 1.0, 2.0, 2.0, 2.0, 3.0, 3.0])
    calls: list[tuple[int, int]] = []
    sel = select_components(x, 6, n_init=2, on_fit=lambda i, n: calls.append((i, n)))
    assert sel.skipped == (4, 5, 6) and sel.n_distinct == 3
    assert "K = 4, 5, 6" in (sel.note or "") and "3 distinct values" in (sel.note or "")
    assert [(r.n_components, r.equal_variance) for r in sel.rows] == [
        (k, tied) for tied in (False, True) for k in (1, 2, 3)
    ]
    assert calls == [(i, 6) for i in range(1, 7)]


def test_reproducible(waiting: np.ndarray):
    a = select_components(waiting, 3, n_init=2, seed=9, variance_models=(True,), init="random")
    b = select_components(waiting, 3, n_init=2, seed=9, variance_models=(True,), init="random")
    assert [r.params for r in a.rows] == [r.params for r in b.rows]
    assert [r.bic for r in a.rows] == [r.bic for r in b.rows]
    with pytest.raises(ValueError, match="no fitted rows"):
        a.best("bic", equal_variance=False)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"k_max": 0, "n_init": 1}, "k_max"),
        ({"k_max": 2, "n_init": 0}, "n_init"),
        ({"k_max": 2, "n_init": 1, "variance_models": (True, True)}, "once"),
        ({"k_max": 2, "n_init": 1, "variance_models": ()}, "once"),
    ],
)
def test_bad_arguments(waiting: np.ndarray, kwargs: dict, message: str):
    with pytest.raises(ValueError, match=message):
        select_components(waiting, **kwargs)


def test_bad_data_is_refused():
    with pytest.raises(ValueError, match="all values are equal"):
        select_components(np.ones(10), 3, n_init=1)


# --- degenerate fits (issue 8) ----------------------------------------------------------------

from hypothesis import given  # noqa: E402
from hypothesis import strategies as hst  # noqa: E402

from gmm_core import MixtureParams as _Params  # noqa: E402
from gmm_core.selection import SelectionRow  # noqa: E402


def _row(k: int, tied: bool, bic: float, aic: float, icl: float, degenerate: bool):
    params = _Params(np.full(k, 1.0 / k), np.arange(k, dtype=float), np.ones(k))
    return SelectionRow(
        n_components=k,
        equal_variance=tied,
        log_likelihood=-bic / 2,
        n_parameters=3 * k - 1,
        bic=bic,
        aic=aic,
        icl=icl,
        params=params,
        converged=True,
        n_iter=1,
        icl_map=icl,
        degenerate="component 1 collapsed" if degenerate and k > 1 else None,
    )


rows_strategy = hst.lists(
    hst.tuples(
        hst.integers(1, 9),
        hst.booleans(),
        hst.floats(-1e4, 1e4),
        hst.floats(-1e4, 1e4),
        hst.floats(-1e4, 1e4),
        hst.booleans(),
    ),
    min_size=1,
    max_size=18,
)


@given(rows_strategy, hst.sampled_from(["bic", "aic", "icl", "icl_map"]))
def test_degenerate_rows_are_never_best(raw, criterion):
    """Property: whatever the criteria, best() never returns a degenerate row, and returns the
    lowest among the others; with include_degenerate it is the lowest of all."""
    rows = (*(_row(*r) for r in raw), _row(1, False, 5e4, 5e4, 5e4, False))
    selection = Selection(rows, (), 100, 100, 1, 0)
    best = selection.best(criterion)
    assert best.degenerate is None
    candidates = [r.criterion(criterion) for r in rows if r.degenerate is None]
    assert best.criterion(criterion) == min(candidates)
    overall = selection.best(criterion, include_degenerate=True)
    assert overall.criterion(criterion) == min(r.criterion(criterion) for r in rows)


def test_a_spike_is_degenerate_and_not_recommended():
    """Fifteen copies of one value beside a smooth bump: every K ≥ 2 fit puts a component on
    the copies (σ² at the floor, log L set by the floor, BIC far below K = 1's). Those rows say
    so and why; best() recommends none of them."""
    rng = np.random.default_rng(0)
    rng.normal(0.0, 1.0, 200)  # the draw the search for this example started from
    x = np.concatenate([rng.normal(0.0, 1.0, 200), np.full(15, 2.5)])
    selection = select_components(x, 4, n_init=1, variance_models=(False,))
    spikes = selection.degenerate_rows
    assert [r.n_components for r in spikes] == [2, 3, 4]
    for row in spikes:
        assert "collapsed onto x = 2.5" in row.degenerate and "variance floor" in row.degenerate
        assert row.to_record()["degenerate"] == row.degenerate
    assert selection.best("bic", include_degenerate=True) in spikes
    assert selection.best("bic").n_components == 1
    assert all(selection.best(c).degenerate is None for c in ("bic", "aic", "icl", "icl_map"))


def test_edge_warning_when_the_minimum_is_at_the_largest_k(waiting: np.ndarray):
    two = select_components(waiting, 2, n_init=2, variance_models=(True,))
    assert two.best("bic").n_components == 2
    warnings = two.edge_warnings(("bic",))
    assert len(warnings) == 1 and "K = 2" in warnings[0] and "edge" in warnings[0]
    four = select_components(waiting, 4, n_init=2, variance_models=(True,))
    assert four.best("bic").n_components == 2 and four.edge_warnings(("bic",)) == []
    one = select_components(waiting, 1, n_init=1)
    assert one.edge_warnings() == []


def test_curve_without_a_model_is_every_row_in_order(selection: Selection):
    ks, values = selection.curve("aic")
    assert ks.tolist() == [r.n_components for r in selection.rows]
    assert values.tolist() == [r.aic for r in selection.rows]


def test_tiny_picks_name_the_criteria_whose_choice_has_a_spike(selection: Selection):
    """A pick with min_k π_k N below TINY_COMPONENT points is flagged, with its criteria."""
    from dataclasses import replace

    from gmm_core.selection import TINY_COMPONENT

    assert selection.tiny_picks(["bic", "aic"]) == {}  # two well separated clusters
    best = selection.best("bic")
    n = selection.n_points
    spike = MixtureParams(
        [1.0 - 2.0 / n, 2.0 / n], [0.0, 1.0], [1.0, 1e-3]
    )  # a component of 2 points
    rows = tuple(replace(r, params=spike) if r is best else r for r in selection.rows)
    spiky = replace(selection, rows=rows)
    assert best.smallest_n_k(n) >= TINY_COMPONENT > rows[selection.rows.index(best)].smallest_n_k(n)
    picks = spiky.tiny_picks(["bic", "aic", "icl"])
    assert list(picks) == [rows[selection.rows.index(best)]]
    assert picks[rows[selection.rows.index(best)]] == [
        name for name in ("bic", "aic", "icl") if selection.best(name) is best
    ]


def test_restarts_per_fit_are_bounded():
    from gmm_core.selection import MAX_N_INIT

    with pytest.raises(ValueError, match=f"between 1 and {MAX_N_INIT}"):
        select_components(np.arange(10.0), 2, n_init=MAX_N_INIT + 1)
