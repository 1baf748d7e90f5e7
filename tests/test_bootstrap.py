"""gmm_core.bootstrap on its own: the batched refits equal run_em sample by sample, the p-value
formula, seeding, progress, degenerate samples redrawn, and bad arguments refused. (Against
mclust: tests/test_mclust_reference.py.)"""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pytest

from gmm_core import ConjugatePrior, MixtureParams, fit, run_em, sample
from gmm_core.bootstrap import batched_em, bootstrap_lrt, bootstrap_params
from gmm_core.data import load_dataset
from gmm_core.em import default_var_floor

TRUTH = MixtureParams([0.4, 0.6], [0.0, 4.0], [1.0, 0.5])


@pytest.mark.parametrize("equal_variance", [False, True])
@pytest.mark.parametrize("prior", [False, True])
@pytest.mark.parametrize("stopping", ["aitken", "gain"])
def test_batched_em_is_run_em_on_each_sample(equal_variance, prior, stopping):
    rng = np.random.default_rng(1)
    start = MixtureParams([0.3, 0.3, 0.4], [-0.5, 0.5, 4.0], [1.0, 1.0, 0.6])
    samples = np.array([sample(TRUTH, 150, rng)[0] for _ in range(7)])
    params, lls, degenerate = batched_em(
        samples,
        start,
        equal_variance=equal_variance,
        prior=prior,
        tol=1e-7,
        max_iter=400,
        stopping=stopping,
    )
    assert not degenerate.any()
    for b, xb in enumerate(samples):
        run = run_em(
            xb,
            start,
            var_floor=default_var_floor(xb),
            tol=1e-7,
            max_iter=400,
            equal_variance=equal_variance,
            stopping=stopping,
            backend="numpy",
            prior=ConjugatePrior.default(xb, 3) if prior else None,
        )
        assert lls[b] == pytest.approx(run.log_likelihood, rel=1e-11, abs=1e-9)
        np.testing.assert_allclose(params[b, 1], run.params.means, rtol=1e-9, atol=1e-9)
        np.testing.assert_allclose(params[b, 2], run.params.variances, rtol=1e-8)


def test_batched_em_flags_degenerate_runs():
    rng = np.random.default_rng(0)
    rng.normal(0.0, 1.0, 200)
    spiky = np.concatenate([rng.normal(0.0, 1.0, 200), np.full(15, 2.5)])
    start = fit(spiky, 2, seed=0).params  # collapsed onto 2.5
    assert fit(spiky, 2, seed=0).degenerate is not None
    for prior, degenerate in ((False, True), (True, False)):
        flags = batched_em(
            spiky[None, :],
            start,
            equal_variance=False,
            prior=prior,
            tol=1e-6,
            max_iter=200,
            stopping="aitken",
        )[2]
        assert flags.tolist() == [degenerate]


@pytest.mark.slow
def test_lrt_p_value_formula_and_seeding():
    x, _ = sample(TRUTH, 200, np.random.default_rng(4))
    calls = []
    test = bootstrap_lrt(
        x,
        3,
        equal_variance=False,
        n_boot=19,
        seed=5,
        n_init=3,
        on_progress=lambda d, n: calls.append((d, n)),
    )
    assert [r.n_components for r in test.rows] == [1, 2]
    for row in test.rows:
        assert row.boot_statistics.shape == (19,)
        count = np.count_nonzero(row.boot_statistics >= row.statistic)
        assert row.p_value == (1 + count) / 20
    assert test.rows[0].p_value == 1 / 20  # two well separated bumps: K = 1 rejected
    assert test.first_not_rejected() == 2
    assert calls[-1] == (76, 76) and all(a <= b for (a, _), (b, _) in pairwise(calls))
    again = bootstrap_lrt(x, 3, equal_variance=False, n_boot=19, seed=5, n_init=3)
    assert [r.boot_statistics.tolist() for r in again.rows] == [
        r.boot_statistics.tolist() for r in test.rows
    ]
    other = bootstrap_lrt(x, 2, equal_variance=False, n_boot=19, seed=6, n_init=3)
    assert other.rows[0].boot_statistics.tolist() != test.rows[0].boot_statistics.tolist()


def test_parameter_bootstrap_se_and_intervals():
    x, _ = sample(TRUTH, 400, np.random.default_rng(2))
    fitted = fit(x, 2, seed=0, n_init=3).params
    boot = bootstrap_params(x, fitted, equal_variance=False, n_boot=200, seed=1)
    assert boot.replicates.shape == (200, 3, 2) and boot.redrawn == 0
    np.testing.assert_allclose(boot.se, boot.replicates.std(axis=0, ddof=1))
    low, high = boot.interval
    assert np.all(low <= high)
    # Normal theory: SE(μ_k) ≈ σ_k / sqrt(N π_k), to bootstrap accuracy.
    want = np.sqrt(fitted.variances / (x.size * fitted.weights))
    np.testing.assert_allclose(boot.se[1], want, rtol=0.25)
    again = bootstrap_params(x, fitted, equal_variance=False, n_boot=200, seed=1)
    np.testing.assert_array_equal(again.replicates, boot.replicates)


def test_bad_arguments_are_refused():
    x = load_dataset("old_faithful_waiting")
    with pytest.raises(ValueError, match="k_max ≥ 2"):
        bootstrap_lrt(x, 1, equal_variance=True)
    with pytest.raises(ValueError, match="at least 1"):
        bootstrap_lrt(x, 2, equal_variance=True, n_boot=0)
    with pytest.raises(ValueError, match="level"):
        bootstrap_params(x, TRUTH, equal_variance=False, level=1.5)


def test_a_fit_too_fragile_to_bootstrap_is_refused_with_a_reason():
    """Fifty zeros, three fives and 0, 1, 2: resamples rarely keep a component off a spike."""
    x = np.concatenate([np.zeros(50), np.full(3, 5.0), np.arange(3.0)])
    start = MixtureParams([0.5, 0.3, 0.2], [0.0, 5.0, 1.0], [1.0, 1.0, 1.0])
    with pytest.raises(ValueError, match="too fragile to bootstrap"):
        bootstrap_params(x, start, equal_variance=False, n_boot=5)
