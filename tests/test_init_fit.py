"""Initialisation, fit (manual θ₀, restarts, convergence rule, extending a run), model
selection criteria (BIC/AIC/ICL, also against scikit-learn) and MixtureParams validation."""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pytest
from scipy.special import xlogy
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import GaussianMixture

from gmm_core import (
    INIT_METHODS,
    MixtureParams,
    advance,
    aic,
    bic,
    classification_entropy,
    default_var_floor,
    e_step,
    fit,
    icl,
    initial_params,
    log_likelihood,
    n_parameters,
    run_em,
    sample,
    start_run,
)
from gmm_core.data import load_dataset
from gmm_core.init import MAX_INIT_POINTS

RANDOM_METHODS = tuple(m for m in INIT_METHODS if m != "quantile")


def load(key: str) -> np.ndarray:
    """A bundled data set: Old Faithful waiting times or galaxy velocities."""
    return load_dataset(key)


def bimodal(n: int = 500, seed: int = 0) -> np.ndarray:
    """Samples of 0.4·N(−2, 0.5²) + 0.6·N(3, 1)."""
    x, _ = sample(
        MixtureParams([0.4, 0.6], [-2.0, 3.0], [0.25, 1.0]), n, np.random.default_rng(seed)
    )
    return x


# --------------------------------------------------------------------------------------
# Initialisation
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("k", [1, 2, 3, 5])
@pytest.mark.parametrize("method", INIT_METHODS)
def test_init_gives_valid_params_from_the_data(method, k):
    """θ₀ has K components, positive weights summing to 1, means inside the data range and
    variances between INIT_VAR_FRACTION·var(x) and var(x)-ish (never a fixed σ = 1)."""
    x = bimodal() * 1e-3 + 50.0  # units where σ = 1 would be absurd
    p = initial_params(x, k, method, np.random.default_rng(0))
    assert p.n_components == k
    assert np.all(p.weights > 0) and abs(p.weights.sum() - 1.0) <= 1e-15
    assert np.all((p.means >= x.min()) & (p.means <= x.max()))
    assert np.all(p.variances >= 1e-4 * np.var(x) * (1 - 1e-12))
    assert np.all(p.variances <= np.var(x) * (1 + 1e-12))
    assert np.all(np.diff(p.means) >= 0)  # ordered by mean


@pytest.mark.parametrize("big", [False, True], ids=["N=500", "N>MAX_INIT_POINTS"])
@pytest.mark.parametrize("method", INIT_METHODS)
def test_init_variances_scale_with_the_data(method, big):
    """x → 1000·x (same seed): means ×1000, variances ×1e6, weights unchanged."""
    n = MAX_INIT_POINTS + 5_000 if big else 500
    x = bimodal(n)
    p = initial_params(x, 3, method, np.random.default_rng(7))
    q = initial_params(1000.0 * x, 3, method, np.random.default_rng(7))
    np.testing.assert_allclose(q.weights, p.weights, rtol=1e-12)
    np.testing.assert_allclose(q.means, 1000.0 * p.means, rtol=1e-9)
    np.testing.assert_allclose(q.variances, 1e6 * p.variances, rtol=1e-9)


@pytest.mark.parametrize("method", INIT_METHODS)
def test_init_same_seed_same_params_bit_for_bit(method):
    """The same generator state gives the same θ₀ exactly."""
    x = bimodal()
    p = initial_params(x, 4, method, np.random.default_rng(123))
    q = initial_params(x.copy(), 4, method, np.random.default_rng(123))
    assert p == q
    for a, b in ((p.weights, q.weights), (p.means, q.means), (p.variances, q.variances)):
        assert np.array_equal(a, b)


@pytest.mark.parametrize("method", RANDOM_METHODS)
def test_init_different_seeds_differ(method):
    """Random-based methods give a different θ₀ for each of 5 seeds."""
    x = 3.0 * np.random.default_rng(0).normal(size=500)
    params = {initial_params(x, 4, method, np.random.default_rng(seed)) for seed in range(5)}
    assert len(params) == 5


@pytest.mark.parametrize("n", [500, MAX_INIT_POINTS + 5_000])
def test_quantile_init_is_deterministic(n):
    """Quantile ignores the seed (also when it subsamples) and cuts the sorted data evenly."""
    x = bimodal(n)
    params = {initial_params(x, 4, "quantile", np.random.default_rng(seed)) for seed in range(4)}
    assert len(params) == 1
    (p,) = params
    np.testing.assert_allclose(p.weights, 0.25, rtol=1e-2)
    if n == 500:  # groups of 125 sorted points: means and variances by hand
        groups = np.sort(x).reshape(4, 125)
        np.testing.assert_allclose(p.means, groups.mean(axis=1), rtol=1e-13, atol=1e-13)
        np.testing.assert_allclose(p.variances, groups.var(axis=1), rtol=1e-12)


def test_init_unknown_method():
    """An unknown method name is a ValueError listing the valid ones."""
    with pytest.raises(ValueError, match=r"unknown init method 'em'.*quantile"):
        initial_params(bimodal(), 2, "em", np.random.default_rng(0))


# --------------------------------------------------------------------------------------
# fit: manual θ₀, restarts, convergence rule, extending a run
# --------------------------------------------------------------------------------------


def test_manual_init_is_used_as_is():
    """A MixtureParams θ₀ is history[0] unchanged, labelled "given", for every restart."""
    x = bimodal()
    p0 = MixtureParams([0.5, 0.5], [-1.0, 1.0], [2.0, 3.0])
    result = fit(x, 2, init=p0, max_iter=0)
    assert result.history == (p0,)
    assert result.history[0] is p0
    assert result.best_run.init == "given"
    assert result.log_likelihoods.tolist() == [log_likelihood(x, p0)]
    restarts = fit(x, 2, init=p0, n_init=3, tol=0, max_iter=5, seed=0)
    assert all(run.history[0] is p0 for run in restarts.runs)
    assert len({run.log_likelihood for run in restarts.runs}) == 1


def test_restarts_keep_the_best_and_expose_all():
    """n_init = 8 on the galaxies data: all final log L exposed, best = argmax, θ₀ of run r is
    the r-th draw from one generator seeded with ``seed``.

    With seed 4 the best run is neither the first nor the last, so keeping either of those
    instead of the argmax fails here.
    """
    x = load("galaxies")
    result = fit(x, 5, init="random", n_init=8, seed=4, tol=1e-8, max_iter=500)
    lls = np.array([run.log_likelihood for run in result.runs])
    assert lls.shape == (8,)
    assert len(np.unique(np.round(lls, 6))) > 1  # the restarts really found different maxima
    assert lls.max() > max(lls[0], lls[-1])  # the setting tells "argmax" from "first"/"last"
    assert result.best == int(np.argmax(lls))
    assert result.log_likelihood == lls.max()
    assert result.params is result.runs[result.best].params
    assert result.history is result.runs[result.best].history
    rng = np.random.default_rng(4)
    for run in result.runs:
        assert run.initial_params == initial_params(x, 5, "random", rng)
        assert run.init == "random"


@pytest.mark.parametrize("backend", ["numpy", "fused"])
@pytest.mark.parametrize("tol", [1e-3, 1e-6, 1e-10])
def test_convergence_rule(tol, backend):
    """The gain rule: converged at the first t with (log L(θ_t) − log L(θ_{t−1}))/N < tol."""
    x = load("old_faithful_waiting")
    result = fit(
        x, 2, init="random", seed=1, tol=tol, max_iter=10_000, backend=backend, stopping="gain"
    )
    gains = np.diff(result.log_likelihoods) / x.size
    assert result.converged
    assert gains[-1] < tol
    assert np.all(gains[:-1] >= tol)
    assert len(result.history) == result.n_iter + 1 == len(result.reports) + 1


def test_tol_zero_runs_exactly_max_iter():
    """tol = 0 never converges early; max_iter = 0 gives θ₀ and its log L only."""
    x = bimodal()
    result = fit(x, 2, seed=0, tol=0, max_iter=37)
    assert result.n_iter == 37 and not result.converged
    assert result.log_likelihoods.shape == (38,)
    none = fit(x, 2, seed=0, tol=0, max_iter=0)
    assert none.n_iter == 0 and none.log_likelihoods.shape == (1,)
    assert none.log_likelihood == log_likelihood(x, none.params)


def test_trace_is_the_log_likelihood_of_each_history_entry():
    """log_likelihoods[t] = log L(θ_t) for every t, recomputed independently."""
    x = bimodal()
    result = fit(x, 3, seed=2, tol=0, max_iter=12)
    recomputed = [e_step(x, p)[1] for p in result.history]
    np.testing.assert_allclose(result.log_likelihoods, recomputed, rtol=1e-13)


def test_extending_a_run_equals_one_long_run():
    """start_run + advance in pieces gives the same run bit for bit as run_em at once."""
    x = bimodal()
    floor = default_var_floor(x)
    p0 = initial_params(x, 3, "kmeans++", np.random.default_rng(0))
    whole = run_em(x, p0, var_floor=floor, tol=0, max_iter=12, backend="numpy")
    run = start_run(x, p0, var_floor=floor, backend="numpy")
    for n in (1, 4, 7):
        run = advance(x, run, n, var_floor=floor, tol=0, backend="numpy")
    assert run.n_iter == whole.n_iter == 12
    assert np.array_equal(run.log_likelihoods, whole.log_likelihoods)
    assert all(p == q for p, q in zip(run.history, whole.history, strict=True))


def test_fit_accepts_lists_and_integers():
    """Plain lists of ints are data too (converted to float64)."""
    result = fit([1, 2, 2, 3, 10, 11, 12, 12], 2, seed=0)
    np.testing.assert_allclose(np.sort(result.params.means), [2.0, 11.25], rtol=1e-6)


# --------------------------------------------------------------------------------------
# sample
# --------------------------------------------------------------------------------------

SAMPLE_TRUTH = MixtureParams([0.2, 0.5, 0.3], [-10.0, 0.0, 25.0], [0.25, 4.0, 1.0])


def test_sample_labels_and_values_follow_the_truth():
    """Labels have frequencies π_k; the points of label k have mean μ_k and variance σ_k².

    Tolerances are 5 standard errors of each estimate (n = 200,000, fixed seed).
    """
    n = 200_000
    x, labels = sample(SAMPLE_TRUTH, n, np.random.default_rng(0))
    assert x.shape == labels.shape == (n,)
    assert x.dtype == np.float64 and np.issubdtype(labels.dtype, np.integer)
    assert set(np.unique(labels).tolist()) == {0, 1, 2}
    for k in range(3):
        pi, mu, var = (
            float(a[k]) for a in (SAMPLE_TRUTH.weights, SAMPLE_TRUTH.means, SAMPLE_TRUTH.variances)
        )
        group = x[labels == k]
        assert abs(group.size / n - pi) <= 5 * np.sqrt(pi * (1 - pi) / n)
        assert abs(group.mean() - mu) <= 5 * np.sqrt(var / group.size)
        # the variance of a normal sample variance is 2σ⁴/(n − 1)
        assert abs(group.var() - var) <= 5 * var * np.sqrt(2 / (group.size - 1))


def test_sample_points_come_from_their_labelled_component():
    """Well separated components: every point lies within 6σ of its own label's mean."""
    x, labels = sample(SAMPLE_TRUTH, 5_000, np.random.default_rng(1))
    distance = np.abs(x - SAMPLE_TRUTH.means[labels]) / SAMPLE_TRUTH.stds[labels]
    assert distance.max() < 6.0


def test_sample_is_reproducible_from_the_generator():
    """The same generator state gives the same draw bit for bit; another state does not."""
    x1, z1 = sample(SAMPLE_TRUTH, 1_000, np.random.default_rng(7))
    x2, z2 = sample(SAMPLE_TRUTH, 1_000, np.random.default_rng(7))
    x3, _ = sample(SAMPLE_TRUTH, 1_000, np.random.default_rng(8))
    assert np.array_equal(x1, x2) and np.array_equal(z1, z2)
    assert not np.array_equal(x1, x3)


# --------------------------------------------------------------------------------------
# Model selection
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("k", [1, 2, 3, 6])
def test_parameter_counts(k):
    """p = 3K − 1 (unequal variances), 2K (one shared variance)."""
    assert n_parameters(k) == 3 * k - 1
    assert n_parameters(k, equal_variance=True) == 2 * k


@pytest.mark.parametrize("tied", [False, True], ids=["unequal", "tied"])
@pytest.mark.parametrize("k", [1, 2, 3])
def test_bic_aic_equal_hand_computation(k, tied):
    """BIC = −2 log L + p ln N and AIC = −2 log L + 2p, for the functions and FitResult."""
    x = load("old_faithful_waiting")
    result = fit(x, k, seed=0, equal_variance=tied)
    p = 2 * k if tied else 3 * k - 1
    ll, n = result.log_likelihood, x.size
    assert result.n_parameters == p
    assert result.bic == pytest.approx(-2 * ll + p * np.log(n), rel=1e-15)
    assert result.aic == pytest.approx(-2 * ll + 2 * p, rel=1e-15)
    assert bic(ll, n, k, tied) == result.bic
    assert aic(ll, k, tied) == result.aic


@pytest.mark.parametrize("tied", [False, True], ids=["unequal", "tied"])
def test_lower_bic_is_better(tied):
    """On Old Faithful waiting times BIC and AIC are lowest at K = 2 among K = 1..4."""
    x = load("old_faithful_waiting")
    fits = {k: fit(x, k, seed=0, n_init=5, equal_variance=tied) for k in range(1, 5)}
    assert min(fits, key=lambda k: fits[k].bic) == 2
    assert min(fits, key=lambda k: fits[k].aic) == 2


@pytest.mark.parametrize("covariance_type", ["full", "spherical", "tied"])
@pytest.mark.parametrize("k", [1, 2, 3])
def test_bic_aic_match_sklearn(k, covariance_type):
    """For sklearn's fitted model, our BIC/AIC of the same θ equal sklearn's bic()/aic(), and
    sklearn counts the same free parameters (3K − 1; tied 2K)."""
    x = load("old_faithful_waiting")
    tied = covariance_type == "tied"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        gm = GaussianMixture(k, covariance_type=covariance_type, random_state=0).fit(
            x.reshape(-1, 1)
        )
    cov = np.asarray(gm.covariances_, dtype=np.float64)
    variances = np.full(k, cov.item()) if tied else cov.reshape(k)
    theta = MixtureParams(gm.weights_, gm.means_[:, 0], variances)
    assert gm._n_parameters() == n_parameters(k, tied)
    ll = log_likelihood(x, theta)
    assert bic(ll, x.size, k, tied) == pytest.approx(gm.bic(x.reshape(-1, 1)), rel=1e-12)
    assert aic(ll, k, tied) == pytest.approx(gm.aic(x.reshape(-1, 1)), rel=1e-12)


@pytest.mark.parametrize("data", ["waiting", "bimodal", "big"])
def test_icl_is_bic_plus_twice_the_entropy(data):
    """ICL = BIC + 2·(−Σ γ log γ) ≥ BIC, with the entropy recomputed from e_step (also for
    N beyond one entropy chunk)."""
    x = {
        "waiting": lambda: load("old_faithful_waiting"),
        "bimodal": bimodal,
        "big": lambda: bimodal(150_000),
    }[data]()
    result = fit(x, 3, seed=0)
    resp, _ = e_step(x, result.params)
    entropy = -float(xlogy(resp, resp).sum())
    assert classification_entropy(x, result.params) == pytest.approx(entropy, rel=1e-10)
    value = icl(x, result.params, result.log_likelihood)
    assert value == pytest.approx(result.bic + 2 * entropy, rel=1e-12)
    assert value >= result.bic


def test_icl_equals_bic_for_hard_assignments():
    """Perfectly separated groups: entropy ≈ 0, so ICL ≈ BIC."""
    x = np.concatenate([np.linspace(0, 1, 50), np.linspace(1000, 1001, 50)])
    result = fit(x, 2, seed=0)
    assert icl(x, result.params, result.log_likelihood) == pytest.approx(result.bic, abs=1e-9)


# --------------------------------------------------------------------------------------
# MixtureParams
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("weights", "means", "variances", "message"),
    [
        ([0.5, 0.5], [0.0], [1.0, 1.0], "same length"),
        ([1.0], [0.0, 1.0], [1.0], "same length"),
        ([], [], [], "empty"),
        ([1.2, -0.2], [0.0, 1.0], [1.0, 1.0], "≥ 0"),
        ([0.5, 0.6], [0.0, 1.0], [1.0, 1.0], "sum to 1"),
        ([0.3, 0.3], [0.0, 1.0], [1.0, 1.0], "sum to 1"),
        ([0.5, 0.5], [0.0, 1.0], [1.0, 0.0], "variances must be > 0"),
        ([0.5, 0.5], [0.0, 1.0], [1.0, -2.0], "variances must be > 0"),
        ([0.5, 0.5], [0.0, 1.0], [1.0, np.inf], "variances must be finite"),
        ([0.5, 0.5], [0.0, 1.0], [np.nan, 1.0], "variances must be finite"),
        ([0.5, 0.5], [0.0, np.inf], [1.0, 1.0], "means must be finite"),
        ([0.5, np.nan], [0.0, 1.0], [1.0, 1.0], "weights must be finite"),
    ],
)
def test_mixture_params_validation(weights, means, variances, message):
    """Invalid parameters raise ValueError naming the problem."""
    with pytest.raises(ValueError, match=message):
        MixtureParams(weights, means, variances)


def test_mixture_params_renormalises_within_tolerance():
    """Weights within 1e-9 of summing to 1 are accepted and renormalised exactly."""
    p = MixtureParams([0.3, 0.7 + 5e-10], [0.0, 1.0], [1.0, 1.0])
    assert p.weights.sum() == 1.0


def test_mixture_params_is_immutable():
    """Frozen dataclass, read-only arrays, and a copy of the caller's arrays."""
    weights = np.array([0.25, 0.75])
    p = MixtureParams(weights, [0.0, 1.0], [1.0, 2.0])
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.means = np.zeros(2)
    for array in (p.weights, p.means, p.variances):
        assert not array.flags.writeable
        with pytest.raises(ValueError, match="read-only"):
            array[0] = 5.0
    weights[0] = 0.5
    assert p.weights[0] == 0.25


def test_mixture_params_ordering():
    """order_by_mean is a stable argsort; sorted_by_mean permutes all three arrays together."""
    p = MixtureParams([0.1, 0.2, 0.3, 0.4], [5.0, -1.0, 5.0, 2.0], [1.0, 2.0, 3.0, 4.0])
    np.testing.assert_array_equal(p.order_by_mean(), [1, 3, 0, 2])
    q = p.sorted_by_mean()
    np.testing.assert_array_equal(q.means, [-1.0, 2.0, 5.0, 5.0])
    np.testing.assert_array_equal(q.weights, [0.2, 0.4, 0.1, 0.3])
    np.testing.assert_array_equal(q.variances, [2.0, 4.0, 1.0, 3.0])
    assert q.sorted_by_mean() == q
    assert p.permuted([0, 1, 2, 3]) == p


def test_mixture_params_equality_and_hash():
    """Equal parameters compare and hash equal (also −0.0 vs 0.0); different ones differ."""
    p = MixtureParams([0.5, 0.5], [0.0, 1.0], [1.0, 1.0])
    assert p == MixtureParams([0.5, 0.5], [0.0, 1.0], [1.0, 1.0])
    assert hash(p) == hash(MixtureParams([0.5, 0.5], [0.0, 1.0], [1.0, 1.0]))
    assert p != MixtureParams([0.5, 0.5], [0.0, 1.0], [1.0, 2.0])
    negative_zero = MixtureParams([1.0], [np.round(-0.2)], [1.0])  # mean −0.0
    assert np.signbit(negative_zero.means[0])
    assert negative_zero == MixtureParams([1.0], [0.0], [1.0])
    assert hash(negative_zero) == hash(MixtureParams([1.0], [0.0], [1.0]))
    assert len({p, MixtureParams([0.5, 0.5], [0.0, 1.0], [1.0, 1.0])}) == 1


def test_mixture_params_helpers():
    """stds, from_stds and to_dict agree with their definitions."""
    p = MixtureParams.from_stds([0.4, 0.6], [1.0, 2.0], [2.0, 3.0])
    np.testing.assert_array_equal(p.variances, [4.0, 9.0])
    np.testing.assert_array_equal(p.stds, [2.0, 3.0])
    assert p.to_dict() == {"weights": [0.4, 0.6], "means": [1.0, 2.0], "variances": [4.0, 9.0]}


def test_restarts_prefer_a_sound_fit_to_a_higher_degenerate_one():
    """Fifteen copies of 2.5 beside a bump: of 8 random restarts with K = 3, seven collapse a
    component onto the copies (log L ≈ −253, set by the variance floor) and one does not
    (−340.8). fit keeps that one; with every restart degenerate it keeps the highest."""
    from gmm_core import degeneracy

    rng = np.random.default_rng(0)
    rng.normal(0.0, 1.0, 200)
    x = np.concatenate([rng.normal(0.0, 1.0, 200), np.full(15, 2.5)])
    result = fit(x, 3, init="random", n_init=8, seed=0)
    sound = [degeneracy(run.params, result.var_floor) is None for run in result.runs]
    assert sum(sound) == 1 and result.best == sound.index(True)
    assert result.degenerate is None
    assert result.log_likelihood < max(run.log_likelihood for run in result.runs) - 50
    collapsed = fit(x, 3, init="kmeans++", n_init=8, seed=0)
    assert collapsed.degenerate is not None
    assert collapsed.log_likelihood == max(run.log_likelihood for run in collapsed.runs)
