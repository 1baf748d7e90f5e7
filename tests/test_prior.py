"""MAP-EM with mclust's conjugate prior (gmm_core.prior): the defaults against R's
defaultPrior (committed fixture), the M-step against a numerical maximiser of
Q(θ) + log p(θ), the log posterior never decreasing (property), and the prior keeping a
component from collapsing."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from scipy.optimize import minimize
from scipy.stats import invgamma, norm

from gmm_core import ConjugatePrior, MixtureParams, decreases, fit, run_em, sample
from gmm_core.data import load_dataset
from gmm_core.em import default_var_floor, e_step, statistics_from_resp, update_params

FIXTURE = json.loads((Path(__file__).parent / "reference" / "mclust_reference.json").read_text())


def test_defaults_are_mclusts_default_prior():
    """κ, μ_P, ν, ζ² for waiting and K = 1..6 equal R's defaultPrior(waiting, G, "E")."""
    x = load_dataset("old_faithful_waiting")
    for g, ref in enumerate(FIXTURE["default_prior_waiting"], start=1):
        prior = ConjugatePrior.default(x, g)
        assert prior.shrinkage == ref["shrinkage"] and prior.dof == ref["dof"]
        assert prior.mean == pytest.approx(ref["mean"], rel=1e-14)
        assert prior.scale == pytest.approx(ref["scale"], rel=1e-13)


def test_log_density_is_normal_times_inverse_gamma():
    """log p(θ) against scipy's densities: N(μ_k | μ_P, σ_k²/κ) and IG(σ_k² | ν/2, ζ²/2)."""
    prior = ConjugatePrior(0.01, 2.0, 3.0, 0.5)
    params = MixtureParams([0.3, 0.7], [1.0, 4.0], [0.4, 2.5])
    want = sum(
        norm.logpdf(m, 2.0, np.sqrt(v / 0.01)) + invgamma.logpdf(v, 1.5, scale=0.25)
        for m, v in zip(params.means, params.variances, strict=True)
    )
    assert prior.log_density(params) == pytest.approx(want, rel=1e-12)
    tied = MixtureParams([0.3, 0.7], [1.0, 4.0], [0.4, 0.4])
    want_tied = sum(norm.logpdf(m, 2.0, np.sqrt(0.4 / 0.01)) for m in tied.means)
    want_tied += invgamma.logpdf(0.4, 1.5, scale=0.25)
    assert prior.log_density(tied, equal_variance=True) == pytest.approx(want_tied, rel=1e-12)


def expected_log_posterior(theta, x, resp, prior, equal_variance):
    """Σ_n Σ_k γ_nk log N(x_n | μ_k, σ_k²) + log p(θ) (weights left out: no prior on them)."""
    k = resp.shape[1]
    means, log_var = theta[:k], theta[k:]
    variances = np.exp(np.repeat(log_var, k) if equal_variance else log_var)
    ll = (resp * norm.logpdf(x[:, None], means[None, :], np.sqrt(variances)[None, :])).sum()
    params = MixtureParams(np.full(k, 1.0 / k), means, variances)
    return ll + prior.log_density(params, equal_variance)


@pytest.mark.parametrize("equal_variance", [False, True])
def test_map_m_step_maximises_the_expected_log_posterior(equal_variance):
    """The closed-form update equals scipy's numerical maximiser of Q + log p."""
    truth = MixtureParams([0.4, 0.6], [0.0, 3.0], [1.0, 0.5])
    x, _ = sample(truth, 150, np.random.default_rng(3))
    start = MixtureParams([0.5, 0.5], [-0.5, 2.0], [1.5, 1.5])
    resp, _ = e_step(x, start)
    prior = ConjugatePrior.default(x, 2)
    new, _ = update_params(
        statistics_from_resp(x, resp),
        start,
        var_floor=1e-12,
        equal_variance=equal_variance,
        prior=prior,
    )
    k = 2
    theta0 = np.concatenate(
        [start.means, np.log(start.variances[:1] if equal_variance else start.variances)]
    )
    best = minimize(
        lambda th: -expected_log_posterior(th, x, resp, prior, equal_variance),
        theta0,
        method="BFGS",
        options={"gtol": 1e-10},
    )
    np.testing.assert_allclose(new.means, best.x[:k], rtol=1e-6)
    want_var = np.exp(best.x[k:])
    np.testing.assert_allclose(new.variances[: want_var.size], want_var, rtol=1e-6)
    np.testing.assert_allclose(new.weights, resp.sum(axis=0) / x.size, rtol=1e-12)


mixtures = st.builds(lambda k, seed: (k, seed), st.integers(1, 4), st.integers(0, 10_000))


@given(mixtures, st.booleans(), st.sampled_from(["numpy", "fused"]), st.integers(5, 300))
@hsettings(max_examples=40, deadline=None)
def test_map_em_never_decreases_the_log_posterior(km, equal_variance, backend, n):
    """Property: along any MAP-EM run the log posterior log L + log p(θ) never decreases."""
    k, seed = km
    rng = np.random.default_rng(seed)
    truth = MixtureParams(rng.dirichlet(np.ones(k)), rng.normal(0, 5, k), rng.uniform(0.1, 4, k))
    x, _ = sample(truth, n, rng)
    x = np.round(x, int(rng.integers(0, 3)))  # ties, as in real data
    # Data EM runs on: every entry refuses values that are all equal (test below).
    assume(np.ptp(x) > 0)
    k = min(k, np.unique(x).size)
    start = MixtureParams(
        np.full(k, 1.0 / k), rng.choice(x, k, replace=False), np.full(k, rng.uniform(0.01, 3))
    )
    prior = ConjugatePrior.default(x, k)
    run = run_em(
        x,
        start,
        var_floor=default_var_floor(x),
        tol=0,
        max_iter=25,
        equal_variance=equal_variance,
        backend=backend,
        prior=prior,
    )
    assert run.log_priors is not None and run.log_priors.shape == run.log_likelihoods.shape
    np.testing.assert_allclose(
        run.log_priors, [prior.log_density(p, equal_variance) for p in run.history], rtol=1e-12
    )
    assert decreases(run.objective).size == 0, np.diff(run.objective).min()
    assert np.all(np.isfinite(run.objective))


def spiky_data() -> np.ndarray:
    """A smooth bump plus six copies of one value: maximum likelihood puts a spike there."""
    rng = np.random.default_rng(0)
    return np.concatenate([rng.normal(0.0, 1.0, 200), np.full(6, 2.5)])


def test_the_prior_keeps_a_component_from_collapsing():
    x = spiky_data()
    start = MixtureParams([0.5, 0.47, 0.03], [-0.5, 0.5, 2.5], [1.0, 1.0, 0.01])
    ml = fit(x, 3, init=start)
    assert ml.degenerate is not None and "collapsed onto x = 2.5" in ml.degenerate
    assert "variance floor" in ml.degenerate
    mapped = fit(x, 3, init=start, prior=True)
    assert mapped.degenerate is None
    assert mapped.params.variances.min() > 100 * mapped.var_floor
    assert mapped.prior == ConjugatePrior.default(x, 3)


def test_prior_argument_is_checked():
    with pytest.raises(TypeError, match="prior must be"):
        fit(np.arange(10.0), 2, prior="yes")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="must be > 0"):
        ConjugatePrior(0.0, 0.0, 3.0, 1.0)


def test_the_default_prior_of_equal_values_says_why_there_is_none():
    """Five equal values (hypothesis found them: n = 5 rounded to whole numbers) have no
    spread, so mclust's scale ζ_P² = var(x)/K² would be 0: refused with the data's own message,
    not the hyperparameters'."""
    with pytest.raises(ValueError, match="all values are equal"):
        ConjugatePrior.default(np.full(5, -3.0), 1)
