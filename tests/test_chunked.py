"""Chunked EM (gmm_core.chunked) against the in-memory fit: the same iterations, chunk by chunk.

The reference is gmm_core.fit on the whole array from the same θ_0 with the same variance
floor; Dask runs on its local (threaded) scheduler.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gmm_core import MixtureParams, default_var_floor, fit, initial_params, sample
from gmm_core.chunked import (
    NpyChunks,
    ParquetChunks,
    chunked_statistics,
    fit_chunked,
    summarize,
)
from gmm_core.em import sufficient_statistics

da = pytest.importorskip("dask.array", reason="dask is a test dependency (requirements-dev.txt)")

TRUTH = MixtureParams([0.3, 0.5, 0.2], [-4.0, 0.0, 5.0], [1.0, 0.5, 2.0])
AGREE = {"rtol": 1e-10, "atol": 1e-10}


@pytest.fixture(scope="module")
def data() -> np.ndarray:
    x, _ = sample(TRUTH, 30_011, np.random.default_rng(7))
    return x


def _reference(x: np.ndarray, start: MixtureParams, **options):
    return fit(x, start.n_components, init=start, var_floor=default_var_floor(x), **options)


def _assert_same_fit(chunked, reference) -> None:
    assert chunked.n_iter == reference.n_iter
    assert chunked.converged == reference.converged
    np.testing.assert_allclose(chunked.log_likelihoods, reference.log_likelihoods, **AGREE)
    for name in ("weights", "means", "variances"):
        np.testing.assert_allclose(
            getattr(chunked.params, name), getattr(reference.params, name), **AGREE, err_msg=name
        )


@pytest.mark.parametrize("backend", ["numpy", "auto"])
def test_dask_local_scheduler_agrees_with_in_memory_fit(data, backend):
    start = initial_params(data, 3, "kmeans++", np.random.default_rng(1))
    reference = _reference(data, start, tol=1e-9, max_iter=300, backend=backend)
    assert reference.converged and reference.n_iter > 10  # a real run, not one step
    x = da.from_array(data, chunks=7_000)  # uneven: the last block has 2,011 points
    result = fit_chunked(
        x, 3, start=start, var_floor=default_var_floor(data), tol=1e-9, max_iter=300,
        backend=backend, scheduler="threads",
    )  # fmt: skip
    _assert_same_fit(result, reference)


def test_equal_variance_list_of_chunks_agrees(data):
    start = initial_params(data, 3, "quantile", np.random.default_rng(0))
    reference = _reference(data, start, tol=1e-8, equal_variance=True)
    chunks = np.array_split(data, 9)
    result = fit_chunked(
        chunks, 3, start=start, var_floor=default_var_floor(data), tol=1e-8, equal_variance=True
    )
    _assert_same_fit(result, reference)
    assert np.ptp(result.params.variances) == 0


def test_npy_file_in_chunks_agrees(data, tmp_path):
    path = tmp_path / "x.npy"
    np.save(path, data)
    source = NpyChunks(path, chunk_size=4_096)
    assert source.n_points == data.size
    start = initial_params(data, 3, "kmeans++", np.random.default_rng(3))
    reference = _reference(data, start, tol=0.0, max_iter=25)
    result = fit_chunked(source, 3, start=start, var_floor=default_var_floor(data), tol=0.0,
                         max_iter=25)  # fmt: skip
    _assert_same_fit(result, reference)
    assert result.n_iter == 25 and not result.converged


def test_parquet_column_in_batches_agrees(data, tmp_path):
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    path = tmp_path / "x.parquet"
    pq.write_table(pa.table({"label": np.arange(data.size), "x": data}), path, row_group_size=8_000)
    start = initial_params(data, 3, "random", np.random.default_rng(5))
    reference = _reference(data, start, tol=1e-8)
    result = fit_chunked(ParquetChunks(path, "x", batch_size=5_000), 3, start=start,
                         var_floor=default_var_floor(data), tol=1e-8)  # fmt: skip
    _assert_same_fit(result, reference)
    with pytest.raises(ValueError, match="no column 'y'"):
        ParquetChunks(path, "y")


def test_start_method_runs_on_a_sample_and_finds_the_truth(data):
    result = fit_chunked(da.from_array(data, chunks=5_000), 3, start="kmeans++", seed=0,
                         sample_size=3_000, scheduler="threads")  # fmt: skip
    assert result.converged
    fitted = result.params.sorted_by_mean()
    np.testing.assert_allclose(fitted.means, TRUTH.means, atol=0.15)
    np.testing.assert_allclose(fitted.weights, TRUTH.weights, atol=0.03)
    assert np.all(np.diff(result.log_likelihoods) >= -1e-9 * abs(result.log_likelihood))
    # The default floor: the module's fraction of the plain variance, measured chunk-wise.
    assert result.var_floor == pytest.approx(1e-6 * np.var(data), rel=1e-12)


@given(
    cuts=st.lists(st.integers(0, 2_000), max_size=6),
    seed=st.integers(0, 2**32 - 1),
)
def test_statistics_of_chunks_add_up_to_those_of_the_whole(cuts, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(0.0, 3.0, 2_000) + 1e6  # far from 0: the shifted sums must keep precision
    params = MixtureParams([0.5, 0.5], [1e6 - 1.0, 1e6 + 2.0], [1.0, 4.0])
    chunks = np.split(x, sorted(cuts))  # some chunks may be empty
    whole = sufficient_statistics(x, params, backend="numpy")
    parts = chunked_statistics(chunks, params, backend="numpy")
    assert parts.n_points == x.size
    np.testing.assert_allclose(parts.n_k, whole.n_k, rtol=1e-12)
    np.testing.assert_allclose(parts.s1, whole.s1, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(parts.s2, whole.s2, rtol=1e-12)
    assert parts.log_likelihood == pytest.approx(whole.log_likelihood, rel=1e-12)
    summary = summarize(chunks)
    assert summary.n_points == x.size
    assert summary.mean == pytest.approx(np.mean(x), rel=1e-14)
    assert summary.variance == pytest.approx(np.var(x), rel=1e-9)


def test_one_shot_iterators_and_bad_data_are_refused(data):
    with pytest.raises(TypeError, match="read only once"):
        fit_chunked((c for c in np.array_split(data, 3)), 2)
    with pytest.raises(TypeError, match="in-memory array"):
        fit_chunked(data, 2)
    with pytest.raises(ValueError, match="1 NaN or infinite"):
        fit_chunked([data[:100], np.array([1.0, np.nan])], 2)
    with pytest.raises(ValueError, match="no spread"):
        fit_chunked([np.ones(10), np.ones(5)], 2)
    with pytest.raises(ValueError, match="1-D Dask array"):
        fit_chunked(da.ones((4, 4)), 2)
    with pytest.raises(ValueError, match="expected 3"):
        fit_chunked([data], 3, start=MixtureParams([0.5, 0.5], [0.0, 1.0], [1.0, 1.0]))
