"""The one chunked E-step (gmm_core.em.iter_responsibilities) and the agreement of the numpy
and the fused backend on a component of weight 0 (N_k = 0 exactly in both)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import logsumexp
from scipy.stats import norm

from gmm_core import MixtureParams
from gmm_core.binning import responsibility_by_bin
from gmm_core.em import e_step, iter_responsibilities, sufficient_statistics
from gmm_core.fit import classification_entropy, map_classification_entropy

PARAMS = MixtureParams([0.3, 0.5, 0.2], [-2.0, 0.5, 3.0], [0.5, 1.5, 0.8])


def scipy_responsibilities(x: np.ndarray, params: MixtureParams) -> tuple[np.ndarray, np.ndarray]:
    """(γ of shape (N, K), log f of shape (N,)) from scipy's normal density."""
    with np.errstate(divide="ignore"):
        lp = np.log(params.weights) + norm.logpdf(x[:, None], params.means, params.stds)
    lse = logsumexp(lp, axis=1)
    return np.exp(lp - lse[:, None]), lse


@pytest.mark.parametrize("chunk", [1, 7, 1000, 65_536])
def test_blocks_cover_x_in_order_and_match_scipy(chunk: int) -> None:
    x = np.random.default_rng(0).normal(size=2_503) * 3
    blocks = list(iter_responsibilities(x, PARAMS, chunk))
    assert [b.start for b in blocks] == list(range(0, x.size, chunk))
    assert all(b.resp.shape == (b.x.size, 3) and b.log_density.shape == b.x.shape for b in blocks)
    np.testing.assert_array_equal(np.concatenate([b.x for b in blocks]), x)
    resp = np.concatenate([b.resp for b in blocks])
    lse = np.concatenate([b.log_density for b in blocks])
    ref_resp, ref_lse = scipy_responsibilities(x, PARAMS)
    np.testing.assert_allclose(resp, ref_resp, rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(lse, ref_lse, rtol=1e-12)
    np.testing.assert_array_equal(resp, e_step(x, PARAMS)[0])


def test_empty_data_and_bad_chunk() -> None:
    assert list(iter_responsibilities(np.empty(0), PARAMS)) == []
    with pytest.raises(ValueError, match="chunk"):
        next(iter_responsibilities(np.zeros(3), PARAMS, 0))


def test_entropies_are_chunk_sums() -> None:
    x = np.random.default_rng(1).normal(size=70_000)  # two blocks
    resp, _ = scipy_responsibilities(x, PARAMS)
    assert classification_entropy(x, PARAMS) == pytest.approx(
        -np.sum(resp * np.log(resp)), rel=1e-10
    )
    assert map_classification_entropy(x, PARAMS) == pytest.approx(
        -np.sum(np.log(resp.max(axis=1))), rel=1e-10
    )


@pytest.mark.parametrize("n", [1_000, 40_000])
def test_zero_weight_component_has_n_k_zero_in_both_backends(n: int) -> None:
    """π_2 = 0: N_2, its sums and its share of every bin are exactly 0 with numpy and with
    the fused kernel (which on its own would give ~1e-304 per point), and both agree."""
    x = np.random.default_rng(2).normal(size=n)
    params = MixtureParams([0.6, 0.0, 0.4], [-0.5, 0.0, 1.0], [1.0, 1.0, 0.7])
    edges = np.linspace(-3.0, 3.0, 13)
    results = {}
    for backend in ("numpy", "fused"):
        stats = sufficient_statistics(x, params, backend=backend)
        assert stats.n_k[1] == 0.0 and stats.s1[1] == 0.0 and stats.s2[1] == 0.0
        assert stats.n_k.sum() == pytest.approx(n, rel=1e-12)
        table = responsibility_by_bin(x, params, edges, backend=backend)
        assert not table[:, 1].any()
        results[backend] = stats, table
    (s_np, t_np), (s_fu, t_fu) = results["numpy"], results["fused"]
    np.testing.assert_allclose(s_fu.n_k, s_np.n_k, rtol=1e-12)
    np.testing.assert_allclose(s_fu.s2, s_np.s2, rtol=1e-12)
    assert s_fu.log_likelihood == pytest.approx(s_np.log_likelihood, rel=1e-12)
    np.testing.assert_allclose(t_fu, t_np, rtol=1e-12, atol=1e-9)
