"""Landscape of local optima (gmm_core.explore): runs repeat `fit` bit for bit, the grouping
rule (label switching, empty components, stopping points on one ridge), galaxies' several optima,
one optimum on well-separated data, the per-method summary and argument checks."""

from __future__ import annotations

import numpy as np
import pytest

from gmm_core import (
    INIT_METHODS,
    Exploration,
    MixtureParams,
    default_var_floor,
    explore_restarts,
    fit,
    initial_params,
    log_likelihood,
    run_em,
    same_optimum,
    sample,
)
from gmm_core.data import load_dataset
from gmm_core.em import within_model
from gmm_core.explore import MAX_RESTARTS, REFINE_TOL, WEIGHT_TOL

ALL_METHODS = tuple(INIT_METHODS)


@pytest.fixture(scope="module")
def galaxies() -> np.ndarray:
    return load_dataset("galaxies")


@pytest.fixture(scope="module")
def galaxies_k4(galaxies: np.ndarray) -> Exploration:
    return explore_restarts(galaxies, 4, methods=ALL_METHODS, n_restarts=40, seed=0)


def well_separated(n: int = 1000) -> np.ndarray:
    truth = MixtureParams([0.4, 0.6], [-6.0, 6.0], [1.0, 1.5])
    x, _ = sample(truth, n, np.random.default_rng(3))
    return x


def ridge_data() -> np.ndarray:
    """Three clusters far apart: a K = 3 start with two centres in one cluster stops on the
    (curved) ridge of ways to split that cluster between two components."""
    truth = MixtureParams([0.3, 0.3, 0.4], [-10.0, 0.0, 10.0], [1.0, 1.0, 1.0])
    x, _ = sample(truth, 600, np.random.default_rng(1))
    return x


# --- runs are fit's runs ----------------------------------------------------------------------


@pytest.mark.parametrize("equal_variance", [False, True])
def test_each_run_is_fit_with_its_method_and_seed(galaxies: np.ndarray, equal_variance: bool):
    """Run r uses methods[r % M] and seed + r // M, and repeats fit(init=method, seed=run seed)
    bit for bit: every θ_t, every log L(θ_t), the iteration count and convergence."""
    methods = ("kmeans", "random", "quantile")
    options = {"tol": 1e-5, "max_iter": 300, "equal_variance": equal_variance}
    exp = explore_restarts(galaxies, 3, methods=methods, n_restarts=7, seed=11, **options)
    assert [(r.index, r.method, r.seed) for r in exp.runs] == [
        (r, methods[r % 3], 11 + r // 3) for r in range(7)
    ]
    for run in exp.runs:
        ref = fit(galaxies, 3, init=run.method, seed=run.seed, **options)
        assert run.n_iter == ref.n_iter and run.converged == ref.converged
        assert np.array_equal(run.log_likelihoods, ref.log_likelihoods)
        assert run.trajectory.shape == (ref.n_iter + 1, 3, 3)
        for t, theta in enumerate(ref.history):
            assert np.array_equal(run.trajectory[t], [theta.weights, theta.means, theta.variances])
        assert run.initial_params == ref.history[0] and run.params == ref.params
        # θ₀ is exactly initial_params(x, K, method, default_rng(seed)), moved inside the model.
        drawn = initial_params(galaxies, 3, run.method, np.random.default_rng(run.seed))
        floor = default_var_floor(galaxies)
        assert run.initial_params == within_model(
            drawn, var_floor=floor, equal_variance=equal_variance
        )


def test_runs_keep_no_responsibilities(galaxies_k4: Exploration, galaxies: np.ndarray):
    """Per run: the (n_iter + 1, 3, K) trajectory and the trace; nothing of length N."""
    n = galaxies.size
    for run in galaxies_k4.runs:
        arrays = [v for v in vars(run).values() if isinstance(v, np.ndarray)]
        assert {a.shape for a in arrays} == {(run.n_iter + 1, 3, 4), (run.n_iter + 1,)}
        assert all(n not in a.shape[1:] for a in arrays)
        assert not run.trajectory.flags.writeable and not run.log_likelihoods.flags.writeable


def test_progress_callback_and_reproducibility(galaxies: np.ndarray):
    calls: list[tuple[int, int]] = []
    a = explore_restarts(
        galaxies,
        3,
        methods=("random",),
        n_restarts=5,
        seed=4,
        on_run=lambda i, n: calls.append((i, n)),
    )
    assert calls == [(i, 5) for i in range(1, 6)]
    b = explore_restarts(galaxies, 3, methods=("random",), n_restarts=5, seed=4)
    assert [r.params for r in a.runs] == [r.params for r in b.runs]
    assert [o.run_indices for o in a.optima] == [o.run_indices for o in b.optima]


# --- optima ----------------------------------------------------------------------------------


def check_structure(exp: Exploration) -> None:
    """Optima partition the runs, are sorted best first and agree with run.optimum."""
    lls = [o.log_likelihood for o in exp.optima]
    assert lls == sorted(lls, reverse=True)
    members = sorted(i for o in exp.optima for i in o.run_indices)
    assert members == list(range(len(exp.runs)))
    for k, opt in enumerate(exp.optima):
        assert all(exp.runs[i].optimum == k for i in opt.run_indices)
        assert opt.representative in opt.run_indices
        assert np.all(np.diff(opt.params.means) >= 0)  # sorted by mean
        # Refinement only climbs: the optimum is at least as high as the run it came from.
        assert opt.log_likelihood >= exp.runs[opt.representative].log_likelihood
    assert exp.best is exp.optima[0]
    assert exp.best.log_likelihood >= max(run.log_likelihood for run in exp.runs)


def test_galaxies_has_several_distinct_optima(galaxies_k4: Exploration, galaxies: np.ndarray):
    exp = galaxies_k4
    check_structure(exp)
    assert len(exp.optima) >= 4
    assert all(o.settled for o in exp.optima)
    # Every two optima are distinct by the rule itself, and their log L differ.
    for i, a in enumerate(exp.optima):
        for b in exp.optima[i + 1 :]:
            assert not same_optimum(
                galaxies, a.params, a.log_likelihood, b.params, b.log_likelihood
            )
            assert a.log_likelihood - b.log_likelihood > 1e-4
    # Each optimum's log L is log L of its parameters.
    for opt in exp.optima:
        assert log_likelihood(galaxies, opt.params) == pytest.approx(opt.log_likelihood, abs=1e-9)


def test_galaxies_runs_of_one_optimum_lead_to_it(galaxies_k4: Exploration, galaxies: np.ndarray):
    """Continuing a run to a tight tolerance ends at its optimum (checked on the optimum with the
    most runs, whose runs stop at visibly different points)."""
    exp = galaxies_k4
    floor = default_var_floor(galaxies)
    crowded = max(exp.optima, key=lambda o: o.n_runs)
    finals = {exp.runs[i].params for i in crowded.run_indices}
    assert len(finals) > 1  # distinct stopping points, grouped anyway
    for params in finals:
        limit = run_em(galaxies, params, var_floor=floor, tol=REFINE_TOL, max_iter=5000)
        assert limit.log_likelihood == pytest.approx(crowded.log_likelihood, abs=1e-5)
        np.testing.assert_allclose(
            limit.params.sorted_by_mean().means, crowded.params.means, atol=2e-3 * galaxies.std()
        )


def test_well_separated_data_has_one_optimum():
    x = well_separated()
    exp = explore_restarts(x, 2, methods=ALL_METHODS, n_restarts=24, seed=0)
    check_structure(exp)
    assert len(exp.optima) == 1
    assert all(run.optimum == 0 for run in exp.runs)
    np.testing.assert_allclose(exp.best.params.means, [-6.0, 6.0], atol=0.2)
    summary = exp.method_summary()
    assert [s["method"] for s in summary] == list(ALL_METHODS)
    assert all(s["best_share"] == 1.0 and s["optima"] == 1 for s in summary)


@pytest.mark.slow
def test_refinement_merges_stopping_points_on_a_curved_ridge():
    """Without refinement, runs that split one cluster between two components stop at several
    points on a curved ridge and look like distinct optima; refined, they are one optimum,
    which each of them indeed reaches when continued."""
    x = ridge_data()
    # The gain rule stops early on the ridge (Aitken's rule, the default, carries on further).
    raw = explore_restarts(
        x, 3, methods=("random",), n_restarts=12, seed=0, refine=False, stopping="gain"
    )
    refined = explore_restarts(x, 3, methods=("random",), n_restarts=12, seed=0, stopping="gain")
    check_structure(raw)
    check_structure(refined)
    assert len(raw.optima) == 4 and len(refined.optima) == 2
    for opt in raw.optima:  # without refinement an optimum is its best run's final θ
        run = raw.runs[opt.representative]
        assert opt.params == run.params.sorted_by_mean() and opt.refine_iter == 0
        assert opt.log_likelihood == run.log_likelihood
    ridge = refined.optima[1]
    assert ridge.n_runs == 4 and ridge.refine_iter > 100
    floor = default_var_floor(x)
    finals = [refined.runs[i] for i in ridge.run_indices]
    assert np.ptp([run.log_likelihood for run in finals]) > 0.1  # far apart when they stopped
    for run in finals:
        limit = run_em(x, run.params, var_floor=floor, tol=REFINE_TOL, max_iter=10_000)
        assert limit.log_likelihood == pytest.approx(ridge.log_likelihood, abs=1e-4)


# --- the grouping rule -----------------------------------------------------------------------


def test_label_switching_is_not_a_new_optimum(galaxies: np.ndarray):
    result = fit(galaxies, 4, seed=0)
    p, ll = result.params, result.log_likelihood
    for order in ([3, 2, 1, 0], [1, 0, 3, 2], [2, 3, 0, 1]):
        assert same_optimum(galaxies, p, ll, p.permuted(order), ll)


def test_an_empty_component_anywhere_is_the_same_optimum():
    """A component of weight ≈ 0 barely changes the density, wherever its mean sits."""
    x = well_separated(400)
    base = fit(x, 2, seed=0).params
    w = np.append(base.weights * (1 - 1e-12), 1e-12)
    a = MixtureParams(w, np.append(base.means, -50.0), np.append(base.variances, 1.0))
    b = MixtureParams(w[[2, 0, 1]], np.append(50.0, base.means), np.append(4.0, base.variances))
    assert a.weights[-1] < WEIGHT_TOL
    assert same_optimum(x, a, log_likelihood(x, a), b, log_likelihood(x, b))


def test_a_valley_separates_distinct_optima():
    """The right fit of three far-apart clusters and the optimum with two components sharing one
    cluster are separated by a valley; a nudge within the tolerances is the same optimum."""
    x = ridge_data()
    good = fit(x, 3, init="kmeans", seed=0)
    start = MixtureParams([0.6, 0.2, 0.2], [-5.0, 9.5, 10.5], [30.0, 1.0, 1.0])
    other = run_em(x, start, var_floor=default_var_floor(x), tol=1e-10, max_iter=10_000)
    assert other.log_likelihood < good.log_likelihood - 100
    assert not same_optimum(x, good.params, good.log_likelihood, other.params, other.log_likelihood)
    p = good.params
    nudged = MixtureParams(p.weights, p.means + 5e-4 * x.std(), p.variances * 1.005)
    assert same_optimum(x, p, good.log_likelihood, nudged, log_likelihood(x, nudged))


# --- summary and arguments -------------------------------------------------------------------


def test_method_summary(galaxies_k4: Exploration):
    summary = galaxies_k4.method_summary()
    assert [s["method"] for s in summary] == list(ALL_METHODS)
    assert sum(s["runs"] for s in summary) == len(galaxies_k4.runs)
    for s in summary:
        runs = [r for r in galaxies_k4.runs if r.method == s["method"]]
        assert s["runs"] == len(runs) == 10
        assert s["best_share"] == sum(r.optimum == 0 for r in runs) / len(runs)
        assert s["optima"] == len({r.optimum for r in runs})
        assert s["median_iterations"] == np.median([r.n_iter for r in runs])
        assert s["median_log_likelihood"] == np.median([r.log_likelihood for r in runs])
        assert s["converged_share"] == np.mean([r.converged for r in runs])
    quantile = next(s for s in summary if s["method"] == "quantile")
    assert quantile["optima"] == 1  # deterministic: every seed gives the same run


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"methods": (), "n_restarts": 3}, "at least one"),
        ({"methods": ("kmeans", "best"), "n_restarts": 3}, "unknown init method"),
        ({"methods": ("kmeans", "kmeans"), "n_restarts": 3}, "once"),
        ({"methods": ("kmeans",), "n_restarts": 0}, "between 1 and"),
        ({"methods": ("kmeans",), "n_restarts": MAX_RESTARTS + 1}, "between 1 and"),
    ],
)
def test_bad_arguments(kwargs: dict, message: str):
    with pytest.raises(ValueError, match=message):
        explore_restarts(well_separated(50), 2, **kwargs)


def test_bad_data_is_refused():
    with pytest.raises(ValueError, match="distinct"):
        explore_restarts(np.array([1.0, 1.0, 2.0]), 3, methods=("kmeans",), n_restarts=2)
