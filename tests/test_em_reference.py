"""gmm_core's EM against independent references.

* scikit-learn's ``GaussianMixture`` stepped one iteration at a time from the same θ₀
  (unequal variances as covariance_type "full" and "spherical", tied as "tied");
* closed forms: scipy's normal log-density, Bayes' rule, the notes' M-step formulas A–D;
* the published R mixtools fit of the Old Faithful waiting times.

Both E-step backends ("numpy" and the compiled "fused" kernel) are checked everywhere.
"""

from __future__ import annotations

import functools
import warnings

import numba
import numpy as np
import pytest
from scipy.special import logsumexp
from scipy.stats import norm
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import GaussianMixture

from gmm_core import (
    MixtureParams,
    _fused,
    default_var_floor,
    e_step,
    em_step,
    fit,
    initial_params,
    log_likelihood,
    m_step,
    sample,
    sufficient_statistics,
)
from gmm_core.data import load_dataset

BACKENDS = ("numpy", "fused")
N_ITER = 20
RTOL = 1e-9


def old_faithful(column: str) -> np.ndarray:
    """The Old Faithful column ("waiting" or "eruptions"), 272 values in file order."""
    return load_dataset(f"old_faithful_{column}")


#: A 5-component mixture with unequal weights and variances, means well away from 0 (so a
#: relative tolerance on the means is meaningful).
TRUTH = MixtureParams(
    [0.1, 0.15, 0.2, 0.25, 0.3], [10.0, 16.0, 22.0, 28.0, 34.0], [0.64, 1.44, 1.0, 2.25, 0.49]
)


@functools.cache
def dataset(name: str) -> np.ndarray:
    """Realistic data: Old Faithful waiting times, or 1500 draws from ``TRUTH``."""
    if name == "faithful":
        x = old_faithful("waiting")
    else:
        x, _ = sample(TRUTH, 1500, np.random.default_rng(2024))
    x.flags.writeable = False
    return x


def start_params(x: np.ndarray, k: int, tied: bool) -> MixtureParams:
    """θ₀ from the (deterministic) quantile init; for the tied model, the pooled variance."""
    p0 = initial_params(x, k, "quantile", np.random.default_rng(0))
    if tied:
        pooled = float(np.dot(p0.weights, p0.variances))
        p0 = MixtureParams(p0.weights, p0.means, np.full(k, pooled))
    return p0


@functools.cache
def sklearn_trace(name: str, k: int, covariance_type: str) -> dict[str, np.ndarray]:
    """Run sklearn one EM iteration per ``fit`` call (warm start, max_iter=1, tol=0, reg_covar=0).

    Returns θ₁..θ₂₀ (weights, means, variances, responsibilities of each) and log L(θ₀..θ₂₀).
    ``lower_bound_`` after a call is the *mean* log-likelihood of the parameters the E-step of
    that call started from (θ_{t−1}), so it is multiplied by N; log L(θ₂₀) comes from ``score``.
    """
    x = dataset(name)
    tied = covariance_type == "tied"
    p0 = start_params(x, k, tied)
    precisions = 1.0 / p0.variances
    precisions_init = {
        "full": precisions.reshape(k, 1, 1),
        "spherical": precisions.copy(),
        "tied": precisions[:1].reshape(1, 1),
    }[covariance_type]
    gm = GaussianMixture(
        n_components=k,
        covariance_type=covariance_type,
        weights_init=p0.weights.copy(),
        means_init=p0.means.reshape(k, 1).copy(),
        precisions_init=precisions_init,
        max_iter=1,
        tol=0.0,
        reg_covar=0.0,
        warm_start=True,
    )
    big_x = x.reshape(-1, 1)
    out: dict[str, list] = {"weights": [], "means": [], "variances": [], "resp": [], "ll": []}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for t in range(N_ITER):
            gm.fit(big_x)
            assert gm.n_iter_ == 1, "sklearn must run exactly one EM iteration per call"
            out["ll"].append(gm.lower_bound_ * x.size)
            out["weights"].append(gm.weights_.copy())
            out["means"].append(gm.means_[:, 0].copy())
            cov = np.asarray(gm.covariances_, dtype=np.float64)
            out["variances"].append(np.full(k, cov.item()) if tied else cov.reshape(k).copy())
            out["resp"].append(gm.predict_proba(big_x))
            if t == 0:
                # warm start must not re-initialise: the second call continues from θ₁
                assert hasattr(gm, "converged_")
    out["ll"].append(gm.score(big_x) * x.size)
    return {key: np.array(value) for key, value in out.items()}


CASES = [
    pytest.param(name, k, cov, id=f"{name}-K{k}-{cov}")
    for name in ("faithful", "sampled")
    for k in (1, 2, 3, 5)
    for cov in ("full", "spherical", "tied")
]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("name", "k", "covariance_type"), CASES)
def test_fit_matches_sklearn_every_iteration(name, k, covariance_type, backend):
    """20 iterations of ``fit`` equal sklearn's, iteration by iteration, to 1e-9 relative."""
    x = dataset(name)
    tied = covariance_type == "tied"
    ref = sklearn_trace(name, k, covariance_type)
    p0 = start_params(x, k, tied)
    result = fit(x, k, init=p0, tol=0, max_iter=N_ITER, equal_variance=tied, backend=backend)

    assert result.n_iter == N_ITER and len(result.history) == N_ITER + 1
    assert result.history[0] == p0
    # Our floor is a max-floor, sklearn ran with reg_covar=0: the comparison is honest only
    # if our floor never bound (and no component emptied).
    assert all(report.ok for report in result.reports), [r.messages() for r in result.reports]
    assert np.all(np.stack([p.variances for p in result.history]) > result.var_floor)

    ours = result.history[1:]
    np.testing.assert_allclose([p.weights for p in ours], ref["weights"], rtol=RTOL, atol=0)
    np.testing.assert_allclose([p.means for p in ours], ref["means"], rtol=RTOL, atol=0)
    np.testing.assert_allclose([p.variances for p in ours], ref["variances"], rtol=RTOL, atol=0)
    np.testing.assert_allclose(result.log_likelihoods, ref["ll"], rtol=RTOL, atol=0)
    if tied:
        assert all(np.all(p.variances == p.variances[0]) for p in result.history)


@pytest.mark.parametrize(("name", "k", "covariance_type"), CASES)
def test_e_step_m_step_api_matches_sklearn(name, k, covariance_type):
    """The explicit e_step/m_step loop reproduces sklearn's trace and responsibilities."""
    x = dataset(name)
    tied = covariance_type == "tied"
    ref = sklearn_trace(name, k, covariance_type)
    floor = default_var_floor(x)
    params = start_params(x, k, tied)
    lls = []
    for t in range(N_ITER):
        resp, ll = e_step(x, params)
        lls.append(ll)
        if t > 0:  # sklearn's predict_proba after call t is γ under θ_t
            np.testing.assert_allclose(resp, ref["resp"][t - 1], rtol=RTOL, atol=1e-12)
        params = m_step(x, resp, equal_variance=tied, previous=params)
        assert np.all(params.variances > floor), "the floor bound: comparison not honest"
        np.testing.assert_allclose(params.weights, ref["weights"][t], rtol=RTOL, atol=0)
        np.testing.assert_allclose(params.means, ref["means"][t], rtol=RTOL, atol=0)
        np.testing.assert_allclose(params.variances, ref["variances"][t], rtol=RTOL, atol=0)
    resp, ll = e_step(x, params)
    lls.append(ll)
    np.testing.assert_allclose(resp, ref["resp"][-1], rtol=RTOL, atol=1e-12)
    np.testing.assert_allclose(lls, ref["ll"], rtol=RTOL, atol=0)


def test_sklearn_reference_is_not_trivial():
    """The sklearn trace really moves (no silent re-initialisation) and increases log L."""
    ref = sklearn_trace("faithful", 3, "full")
    assert not np.allclose(ref["means"][0], ref["means"][-1], rtol=1e-6)
    assert np.all(np.diff(ref["ll"]) > 0)
    assert len({tuple(m) for m in ref["means"]}) == N_ITER


# --------------------------------------------------------------------------------------
# Closed forms
# --------------------------------------------------------------------------------------


def random_params(rng: np.random.Generator, k: int) -> MixtureParams:
    """Random θ with means in [−5, 5], σ in [0.3, 3]."""
    return MixtureParams.from_stds(
        rng.dirichlet(np.ones(k)), rng.uniform(-5, 5, k), rng.uniform(0.3, 3.0, k)
    )


def scipy_log_likelihood(x: np.ndarray, p: MixtureParams) -> float:
    """Σ_n log Σ_k π_k N(x_n | μ_k, σ_k²) with scipy's normal log-density."""
    logs = np.log(p.weights)[None, :] + norm.logpdf(x[:, None], p.means[None, :], p.stds)
    return float(logsumexp(logs, axis=1).sum())


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("k", [1, 2, 3, 5])
def test_log_likelihood_matches_scipy(k, backend):
    """log L from e_step, log_likelihood and the sufficient statistics equals scipy's."""
    rng = np.random.default_rng(k)
    for _ in range(5):
        p = random_params(rng, k)
        x = rng.normal(0, 4, size=int(rng.integers(1, 40)))
        expected = scipy_log_likelihood(x, p)
        assert log_likelihood(x, p, backend=backend) == pytest.approx(expected, rel=1e-12)
        assert sufficient_statistics(x, p, backend=backend).log_likelihood == pytest.approx(
            expected, rel=1e-12
        )
        assert e_step(x, p)[1] == pytest.approx(expected, rel=1e-12)


def test_log_likelihood_hand_value():
    """A two-point, one-component value by hand: log L = Σ −½ log(2πσ²) − (x−μ)²/(2σ²)."""
    p = MixtureParams([1.0], [1.0], [4.0])
    x = np.array([1.0, 3.0])
    expected = -np.log(2 * np.pi * 4.0) - 0.5 * 4.0 / 4.0
    assert log_likelihood(x, p, backend="numpy") == pytest.approx(expected, rel=1e-15)


@pytest.mark.parametrize("k", [1, 2, 3, 5])
def test_responsibilities_match_bayes_rule(k):
    """γ(z_nk) = π_k N(x_n|μ_k,σ_k²) / Σ_j π_j N(x_n|μ_j,σ_j²), computed directly."""
    rng = np.random.default_rng(10 + k)
    p = random_params(rng, k)
    x = rng.normal(0, 4, size=50)
    joint = p.weights[None, :] * norm.pdf(x[:, None], p.means[None, :], p.stds)
    expected = joint / joint.sum(axis=1, keepdims=True)
    resp, _ = e_step(x, p)
    assert resp.shape == (50, k)
    np.testing.assert_allclose(resp, expected, rtol=1e-12, atol=1e-300)


def hand_m_step(x: np.ndarray, resp: np.ndarray, tied: bool) -> tuple:
    """The notes' A–D written out: N_k, μ_k, σ_k² about the new mean, π_k = N_k/N."""
    n, k = resp.shape
    n_k = np.array([sum(resp[i, j] for i in range(n)) for j in range(k)])  # A
    mu = np.array([sum(resp[i, j] * x[i] for i in range(n)) / n_k[j] for j in range(k)])  # B
    scatter = np.array([sum(resp[i, j] * (x[i] - mu[j]) ** 2 for i in range(n)) for j in range(k)])
    var = np.full(k, scatter.sum() / n) if tied else scatter / n_k  # C
    return n_k, mu, var, n_k / n  # D


@pytest.mark.parametrize("tied", [False, True], ids=["unequal", "tied"])
@pytest.mark.parametrize("k", [1, 2, 3, 5])
def test_m_step_matches_notes_formulas(k, tied):
    """m_step from arbitrary responsibilities equals the notes' A–D (tied: one pooled σ²)."""
    rng = np.random.default_rng(20 + k)
    x = rng.normal(3.0, 2.0, size=60)
    resp = rng.dirichlet(np.ones(k), size=60)
    _, mu, var, pi = hand_m_step(x, resp, tied)
    p = m_step(x, resp, equal_variance=tied)
    np.testing.assert_allclose(p.weights, pi, rtol=1e-12)
    np.testing.assert_allclose(p.means, mu, rtol=1e-12)
    np.testing.assert_allclose(p.variances, var, rtol=1e-12)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("tied", [False, True], ids=["unequal", "tied"])
@pytest.mark.parametrize("k", [1, 2, 3, 5])
def test_em_step_matches_e_step_then_notes_formulas(k, tied, backend):
    """The fused/shifted-sum em_step equals γ from Bayes' rule followed by A–D."""
    rng = np.random.default_rng(30 + k)
    p = random_params(rng, k)
    x = rng.normal(0, 4, size=80)
    resp, ll = e_step(x, p)
    n_k, mu, var, pi = hand_m_step(x, resp, tied)
    step = em_step(x, p, var_floor=1e-12, equal_variance=tied, backend=backend)
    assert step.report.ok
    np.testing.assert_allclose(step.stats.n_k, n_k, rtol=1e-12)
    np.testing.assert_allclose(step.stats.weighted_sums, resp.T @ x, rtol=1e-12, atol=1e-12)
    assert step.log_likelihood == pytest.approx(ll, rel=1e-13)
    np.testing.assert_allclose(step.params.weights, pi, rtol=1e-12)
    np.testing.assert_allclose(step.params.means, mu, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(step.params.variances, var, rtol=1e-12)


def test_tied_variance_is_pooled_within_scatter():
    """Tied σ² is Σ_k Σ_n γ(x−μ_k)²/N, not the mean of the unequal-model variances."""
    x = np.array([0.0, 1.0, 2.0, 10.0, 14.0])
    resp = np.array([[1, 0], [1, 0], [1, 0], [0, 1], [0, 1]], dtype=float)
    tied = m_step(x, resp, equal_variance=True)
    # groups {0,1,2} (mean 1, scatter 2) and {10,14} (mean 12, scatter 8): σ² = 10/5 = 2
    np.testing.assert_array_equal(tied.variances, [2.0, 2.0])
    unequal = m_step(x, resp)
    np.testing.assert_allclose(unequal.variances, [2 / 3, 4.0], rtol=1e-15)
    np.testing.assert_allclose(unequal.means, [1.0, 12.0], rtol=1e-15)
    np.testing.assert_allclose(unequal.weights, [0.6, 0.4], rtol=1e-15)


# --------------------------------------------------------------------------------------
# Published fit: Old Faithful waiting times, R mixtools normalmixEM(arbvar = FALSE)
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
def test_old_faithful_published_fit(backend):
    """From π=(.5,.5), μ=(55,80), σ=5, equal variances: the published mixtools fit.

    log L = −1034.002, π = (0.361, 0.639), μ = (54.61, 80.09), σ = 5.869; the tolerance of
    each is half a unit in the last published digit.
    """
    x = old_faithful("waiting")
    assert x.size == 272
    start = MixtureParams([0.5, 0.5], [55.0, 80.0], [25.0, 25.0])
    result = fit(x, 2, init=start, tol=1e-12, max_iter=5000, equal_variance=True, backend=backend)
    assert result.converged
    p = result.params.sorted_by_mean()
    assert abs(result.log_likelihood - (-1034.002)) <= 5e-4
    np.testing.assert_allclose(p.weights, [0.361, 0.639], rtol=0, atol=5e-4)
    np.testing.assert_allclose(p.means, [54.61, 80.09], rtol=0, atol=5e-3)
    np.testing.assert_allclose(p.stds, [5.869, 5.869], rtol=0, atol=5e-4)
    assert p.variances[0] == p.variances[1]


def test_backends_agree_on_large_data_and_repeat_bit_for_bit(monkeypatch):
    """On 300,000 points, K = 5, with the fused kernel on its threaded path (threshold lowered
    for the test), both backends give the same run to 1e-12, and each repeats itself exactly."""
    x, _ = sample(TRUTH, 300_000, np.random.default_rng(9))
    monkeypatch.setattr(_fused, "PARALLEL_MIN_WORK", x.size)
    calls = []
    parallel = _fused._fused_parallel
    monkeypatch.setattr(_fused, "_fused_parallel", lambda *a: calls.append(1) or parallel(*a))
    runs = {
        b: [fit(x, 5, seed=4, tol=0, max_iter=5, backend=b) for _ in range(2)] for b in BACKENDS
    }
    for first, second in runs.values():
        assert np.array_equal(first.log_likelihoods, second.log_likelihoods)
        assert all(p == q for p, q in zip(first.history, second.history, strict=True))
    # two fits of 5 iterations, one E-step each for θ₀..θ₅ (threads need 2 numba threads)
    assert len(calls) == (2 * 6 if numba.get_num_threads() > 1 else 0)
    numpy_run, fused_run = runs["numpy"][0], runs["fused"][0]
    np.testing.assert_allclose(fused_run.log_likelihoods, numpy_run.log_likelihoods, rtol=1e-12)
    for p, q in zip(numpy_run.history, fused_run.history, strict=True):
        np.testing.assert_allclose(q.weights, p.weights, rtol=1e-11)
        np.testing.assert_allclose(q.means, p.means, rtol=1e-11)
        np.testing.assert_allclose(q.variances, p.variances, rtol=1e-11)
