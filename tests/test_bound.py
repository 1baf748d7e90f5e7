"""The lower bound L(q, θ), the KL gap, the slices and classification EM (gmm_core.bound).

References are independent of the code under test: the bound written out with scipy's
``norm.logpdf`` and ``special.xlogy``, log L with ``scipy.special.logsumexp``, and the M-step's
optimality checked against random θ and against ``scipy.optimize.minimize``.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import optimize, special, stats
from sklearn.mixture import GaussianMixture

from gmm_core import (
    MixtureParams,
    default_var_floor,
    e_step,
    em_step,
    fit,
    log_likelihood,
    m_step,
)
from gmm_core.bound import (
    bound_split,
    classification_em,
    fixed_q,
    kl_gap,
    lower_bound,
    mean_slice,
    segment_slice,
)
from gmm_core.data import load_dataset


def reference_bound(x: np.ndarray, params: MixtureParams, resp: np.ndarray) -> float:
    """Σ_n Σ_k q_nk [log π_k + log N(x_n | μ_k, σ_k²) − log q_nk], written out with scipy."""
    log_pdf = stats.norm.logpdf(x[:, None], params.means[None, :], params.stds[None, :])
    with np.errstate(divide="ignore"):
        log_w = np.log(params.weights)
    return float(
        special.xlogy(resp, np.exp(log_w)[None, :]).sum()
        + (resp * log_pdf).sum()
        - special.xlogy(resp, resp).sum()
    )


def reference_log_likelihood(x: np.ndarray, params: MixtureParams) -> float:
    log_pdf = stats.norm.logpdf(x[:, None], params.means[None, :], params.stds[None, :])
    return float(special.logsumexp(log_pdf, b=params.weights[None, :], axis=1).sum())


@st.composite
def data_and_params(draw, max_n: int = 200, max_k: int = 4):
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    n = draw(st.integers(2, max_n))
    k = draw(st.integers(1, max_k))
    scale = draw(st.sampled_from([1e-2, 1.0, 1e2]))
    x = scale * rng.normal(size=n) + scale * rng.choice([-3.0, 0.0, 4.0], size=n)
    params = MixtureParams(
        rng.dirichlet(np.ones(k)),
        scale * rng.uniform(-5, 5, k),
        (scale * np.exp(rng.uniform(-2, 1.5, k))) ** 2,
    )
    return x, params, rng


@given(data_and_params())
def test_bound_equals_log_likelihood_after_e_step(case):
    x, params, _ = case
    resp, ll = e_step(x, params)
    bound = lower_bound(x, params, resp)
    assert bound == pytest.approx(ll, rel=1e-10, abs=1e-9)
    assert bound == pytest.approx(reference_log_likelihood(x, params), rel=1e-10, abs=1e-9)
    assert kl_gap(x, params, resp) == pytest.approx(0.0, abs=1e-9 * max(1.0, abs(ll)))


@given(data_and_params(), st.sampled_from([0.05, 1.0, 20.0]))
def test_bound_never_exceeds_log_likelihood(case, concentration):
    """Any valid q (Dirichlet rows, some with exact zeros) and any θ: L(q, θ) ≤ log L(θ), and
    log L = L + KL."""
    x, params, rng = case
    resp = rng.dirichlet(np.full(params.n_components, concentration), size=x.size)
    resp[rng.random(x.size) < 0.2] = np.eye(params.n_components)[0]  # one-hot rows
    ll = log_likelihood(x, params)
    bound = lower_bound(x, params, resp)
    assert bound <= ll + 1e-10 * max(1.0, abs(ll))
    assert bound == pytest.approx(reference_bound(x, params, resp), rel=1e-10, abs=1e-8)
    assert bound + kl_gap(x, params, resp) == pytest.approx(ll, rel=1e-10, abs=1e-8)


def test_bound_is_minus_infinity_when_q_uses_an_empty_weight():
    x = np.array([0.0, 1.0, 2.0])
    params = MixtureParams([1.0, 0.0], [0.0, 2.0], [1.0, 1.0])
    assert lower_bound(x, params, np.tile([0.5, 0.5], (3, 1))) == -np.inf
    # q = 0 on that component: 0 · log 0 = 0, and the bound is finite.
    assert np.isfinite(lower_bound(x, params, np.tile([1.0, 0.0], (3, 1))))


def test_bad_resp_is_refused():
    x = np.array([0.0, 1.0])
    params = MixtureParams([0.5, 0.5], [0.0, 1.0], [1.0, 1.0])
    with pytest.raises(ValueError, match="shape"):
        lower_bound(x, params, np.ones((2, 3)) / 3)
    with pytest.raises(ValueError, match="sum to 1"):
        lower_bound(x, params, np.ones((2, 2)))


@given(data_and_params(max_n=120, max_k=3))
def test_m_step_maximises_the_bound_against_random_theta(case):
    x, params, rng = case
    resp, _ = e_step(x, params)
    floor = default_var_floor(x)
    best = m_step(x, resp, var_floor=floor, previous=params)
    top = lower_bound(x, best, resp)
    k = params.n_components
    for _ in range(30):  # any θ of the model: variances at or above the floor
        other = MixtureParams(
            rng.dirichlet(np.ones(k)),
            best.means + rng.normal(scale=np.sqrt(best.variances)),
            np.maximum(best.variances * np.exp(rng.normal(size=k)), floor),
        )
        assert lower_bound(x, other, resp) <= top + 1e-9 * max(1.0, abs(top))


def test_m_step_maximises_the_bound_against_a_numerical_optimiser():
    """scipy's BFGS over (softmax logits, means, log variances) finds no higher bound than the
    M-step's closed form, and converges to it."""
    rng = np.random.default_rng(4)
    x = np.concatenate([rng.normal(-1, 0.7, 25), rng.normal(2, 1.2, 35)])
    start = MixtureParams([0.3, 0.3, 0.4], [-2.0, 0.0, 3.0], [1.0, 2.0, 0.5])
    resp, _ = e_step(x, start)
    best = m_step(x, resp, var_floor=default_var_floor(x), previous=start)
    top = lower_bound(x, best, resp)

    def negative_bound(z: np.ndarray) -> float:
        weights = special.softmax(np.r_[0.0, z[:2]])
        return -reference_bound(x, MixtureParams(weights, z[2:5], np.exp(z[5:8])), resp)

    z0 = np.r_[0.0, 0.0, start.means, np.log(start.variances)]
    found = optimize.minimize(negative_bound, z0, method="BFGS", options={"gtol": 1e-9})
    assert -found.fun <= top + 1e-9 * abs(top)
    assert -found.fun == pytest.approx(top, rel=1e-8)
    assert np.exp(found.x[5:8]) == pytest.approx(best.variances, rel=1e-4)
    assert found.x[2:5] == pytest.approx(best.means, abs=1e-4)


def test_split_and_fixed_q_agree_with_the_explicit_bound():
    x = load_dataset("old_faithful_eruptions")
    theta = MixtureParams([0.5, 0.5], [2.5, 3.5], [0.5, 0.5])
    step = em_step(x, theta, var_floor=default_var_floor(x))
    resp, _ = e_step(x, theta)
    split = bound_split(x, theta, step.params)
    assert split.bound == pytest.approx(lower_bound(x, step.params, resp), rel=1e-12)
    assert split.gap == pytest.approx(kl_gap(x, step.params, resp), rel=1e-9)
    assert split.log_likelihood == pytest.approx(log_likelihood(x, step.params), rel=1e-12)
    assert split.bound + split.gap == pytest.approx(split.log_likelihood, rel=1e-12)
    q = fixed_q(x, theta)
    assert q.bound(step.params) == pytest.approx(split.bound, rel=1e-12)
    assert q.bound(theta) == pytest.approx(log_likelihood(x, theta), rel=1e-12)
    # EM's inequality chain: log L(θ_t) = L(q_t, θ_t) ≤ L(q_t, θ_t+1) ≤ log L(θ_t+1).
    assert log_likelihood(x, theta) < split.bound < split.log_likelihood


@pytest.mark.parametrize("seed", range(6))
def test_segment_slice_touches_at_theta_t_and_peaks_at_theta_t_plus_1(seed):
    x = load_dataset("old_faithful_eruptions")
    rng = np.random.default_rng(seed)
    k = 2 + seed % 2
    theta = MixtureParams(rng.dirichlet(np.ones(k) * 3), rng.uniform(1.5, 5, k), np.full(k, 0.4))
    step = em_step(x, theta, var_floor=default_var_floor(x))
    assert step.report.ok  # no floor binds
    cut = segment_slice(x, theta, step.params, n_points=201, with_next=True)
    at0, at1 = np.flatnonzero(cut.s == 0.0)[0], np.flatnonzero(cut.s == 1.0)[0]
    # The next E-step's bound touches log L at θ_t+1 and stays below it.
    assert cut.next_bound[at1] == pytest.approx(cut.log_likelihood[at1], rel=1e-12)
    assert np.all(cut.next_bound <= cut.log_likelihood + 1e-9 * np.abs(cut.log_likelihood))
    assert cut.bound[at0] == pytest.approx(cut.log_likelihood[at0], rel=1e-12)
    assert np.argmax(cut.bound) == at1
    assert np.all(cut.bound <= cut.log_likelihood + 1e-9 * np.abs(cut.log_likelihood))
    assert cut.log_likelihood[at1] - cut.bound[at1] == pytest.approx(
        bound_split(x, theta, step.params).gap, rel=1e-6, abs=1e-9
    )


def test_mean_slice_is_a_parabola_peaking_at_the_new_mean():
    x = load_dataset("galaxies")
    theta = MixtureParams([0.2, 0.5, 0.3], [10e3, 20e3, 24e3], [4e6, 4e6, 4e6])
    step = em_step(x, theta, var_floor=default_var_floor(x))
    for k in range(3):
        cut = mean_slice(x, theta, step.params, k, n_points=301)
        i0 = np.flatnonzero(cut.s == cut.start)[0]
        assert cut.start == theta.means[k] and cut.end == step.params.means[k]
        assert cut.bound[i0] == pytest.approx(cut.log_likelihood[i0], rel=1e-12)
        assert cut.s[np.argmax(cut.bound)] == cut.end
        assert np.all(cut.bound <= cut.log_likelihood + 1e-9 * np.abs(cut.log_likelihood))
        coefficients = np.polyfit(cut.s, cut.bound, 2)
        assert np.polyval(coefficients, cut.s) == pytest.approx(cut.bound, rel=1e-10)


def test_segment_slice_drops_invalid_parameters():
    x = np.array([0.0, 0.1, 1.0, 1.2])
    a = MixtureParams([0.9, 0.1], [0.0, 1.0], [0.01, 0.02])
    b = MixtureParams([0.1, 0.9], [0.1, 1.1], [0.5, 0.02])
    cut = segment_slice(x, a, b, s_range=(-1.0, 2.0), n_points=61)
    assert np.all(np.isfinite(cut.log_likelihood)) and np.all(np.isfinite(cut.bound))
    assert cut.s.min() > -1.0 and cut.s.max() < 2.0  # π < 0 beyond both ends


@given(data_and_params(max_n=150, max_k=3), st.booleans())
def test_classification_em_never_lowers_the_classification_likelihood(case, tied):
    x, params, _ = case
    floor = default_var_floor(x) if np.ptp(x) > 0 else 1e-12
    run = classification_em(x, params, var_floor=floor, equal_variance=tied, max_iter=50)
    clls = run.classification_log_likelihoods
    assert np.all(np.diff(clls) >= -1e-9 * np.maximum(1.0, np.abs(clls[1:])))
    assert run.log_likelihoods == pytest.approx(
        [log_likelihood(x, p) for p in run.history], rel=1e-12, abs=1e-9
    )
    # The classification likelihood never exceeds the mixture's (a point's best term ≤ the sum).
    assert np.all(clls <= run.log_likelihoods + 1e-9 * np.abs(run.log_likelihoods))


def test_classification_em_is_k_means_like_and_differs_from_em_on_overlap():
    """Hard labels cut the overlap at one point: each component's variance is that of a
    truncated normal, smaller than EM's, and the means are pushed apart."""
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.normal(0, 1, 3000), rng.normal(2, 1, 3000)])
    start = MixtureParams([0.5, 0.5], [-0.5, 2.5], [1.0, 1.0])
    floor = default_var_floor(x)
    hard = classification_em(x, start, var_floor=floor)
    assert hard.converged
    labels = np.argmax(e_step(x, hard.params)[0], axis=1)
    for k in range(2):  # a fixed point: the means are the means of the hard clusters
        assert hard.params.means[k] == pytest.approx(x[labels == k].mean(), rel=1e-12)
    soft = fit(x, 2, init=start, var_floor=floor).params
    # EM's maximum (scikit-learn from the same start, run far past convergence); with this
    # much overlap it is not the truth (σ² = 1, 1) but close to it.
    reference = GaussianMixture(
        2,
        tol=1e-12,
        max_iter=5000,
        reg_covar=0.0,
        means_init=start.means[:, None],
        weights_init=start.weights,
        precisions_init=(1 / start.variances)[:, None, None],
    ).fit(x[:, None])
    assert soft.variances == pytest.approx(reference.covariances_.ravel(), abs=0.02)
    assert soft.variances == pytest.approx([1.0, 1.0], abs=0.15)
    assert np.all(hard.params.variances < 0.9)
    assert np.ptp(hard.params.means) > np.ptp(soft.means) + 0.2
    assert hard.log_likelihoods[-1] < log_likelihood(x, soft)
