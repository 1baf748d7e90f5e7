"""gmm_core.options.EMOptions: one frozen, validated options object accepted by every fitting
entry point beside the keyword arguments (which override it)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from gmm_core import (
    ConjugatePrior,
    EMOptions,
    MixtureParams,
    bootstrap_params,
    explore_restarts,
    fit,
    fit_chunked,
    run_em,
    sample,
    select_components,
)
from gmm_core.fit import DEFAULT_MAX_ITER, DEFAULT_TOL
from gmm_core.options import EMOverrides, InvalidOption

TRUTH = MixtureParams([0.4, 0.6], [-2.0, 2.0], [1.0, 0.5])


@pytest.fixture(scope="module")
def x() -> np.ndarray:
    return sample(TRUTH, 400, np.random.default_rng(0))[0]


def test_defaults_are_the_entry_points_defaults() -> None:
    opts = EMOptions()
    assert (opts.tol, opts.max_iter) == (DEFAULT_TOL, DEFAULT_MAX_ITER) == (1e-6, 1000)
    assert opts.var_floor is None and opts.equal_variance is False and opts.prior is False
    assert (opts.backend, opts.stopping) == ("auto", "aitken")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("tol", -1e-9, r"tol must be ≥ 0 \(a finite number\), got -1e-09"),
        ("tol", float("nan"), "tol must be"),
        ("tol", "1e-6", "tol must be"),
        ("max_iter", -1, r"max_iter must be ≥ 0 \(an integer\)"),
        ("max_iter", 2.5, "max_iter must be ≥ 0 \\(an integer"),
        ("max_iter", True, "max_iter must be ≥ 0 \\(an integer"),
        ("tol", float("inf"), "tol must be"),
        ("var_floor", 0.0, r"var_floor must be > 0 \(a finite number\) or None, got 0.0"),
        ("var_floor", float("inf"), "var_floor must be"),
        ("equal_variance", "yes", "equal_variance must be one of True, False"),
        ("backend", "gpu", "unknown backend 'gpu'; choose one of auto, numpy, fused"),
        ("stopping", "never", "unknown stopping rule 'never'"),
        ("prior", "yes", "prior must be one of True, False or a ConjugatePrior"),
    ],
)
def test_each_constraint_is_checked_with_a_clear_message(field, value, message) -> None:
    with pytest.raises(InvalidOption, match=message) as caught:
        EMOptions(**{field: value})
    assert isinstance(caught.value, ValueError) and isinstance(caught.value, TypeError)


def test_valid_values_and_numpy_scalars_are_accepted() -> None:
    prior = ConjugatePrior.default(np.linspace(0, 1, 50), 2)
    opts = EMOptions(var_floor=np.float64(1e-3), tol=0, max_iter=np.int64(7),
                     equal_variance=np.bool_(True), backend="numpy", prior=prior,
                     stopping="gain")  # fmt: skip
    assert opts.max_iter == 7 and type(opts.max_iter) is int
    assert opts.equal_variance is True and opts.prior is prior


def test_frozen_and_replace_validates() -> None:
    opts = EMOptions()
    with pytest.raises(dataclasses.FrozenInstanceError):
        opts.tol = 1.0  # type: ignore[misc]
    assert opts.replace(tol=1e-3).tol == 1e-3 and opts.tol == DEFAULT_TOL
    with pytest.raises(InvalidOption):
        opts.replace(max_iter=-5)


def test_resolve_keywords_override_and_none_keeps() -> None:
    base = EMOptions(tol=1e-8, max_iter=50)
    assert EMOptions.resolve(base, tol=None, max_iter=None) is base
    assert EMOptions.resolve(base, max_iter=3) == EMOptions(tol=1e-8, max_iter=3)
    assert EMOptions.resolve(None, equal_variance=True) == EMOptions(equal_variance=True)
    with pytest.raises(TypeError, match="EMOptions"):
        EMOptions.resolve({"tol": 1e-8})  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="unexpected keyword argument 'tolerance'"):
        EMOptions.resolve(base, tolerance=None)  # a misspelt keyword is never dropped


def test_overrides_name_every_option_once() -> None:
    """The entry points' ``**overrides`` (EMOverrides) are EMOptions' fields, no more, no less."""
    assert EMOverrides.__optional_keys__ == {f.name for f in dataclasses.fields(EMOptions)}
    assert not EMOverrides.__required_keys__


def test_fit_with_options_equals_fit_with_keywords(x) -> None:
    kw = {"tol": 1e-9, "max_iter": 40, "equal_variance": True, "stopping": "gain"}
    a = fit(x, 2, seed=1, n_init=2, **kw)
    b = fit(x, 2, seed=1, n_init=2, options=EMOptions(**kw))
    c = fit(x, 2, seed=1, n_init=2, options=EMOptions(**kw, backend="numpy"), max_iter=40)
    for other in (b, c):
        assert other.params == a.params and other.n_iter == a.n_iter
        np.testing.assert_array_equal(other.best_run.log_likelihoods, a.best_run.log_likelihoods)
    assert a.equal_variance and np.ptp(a.params.variances) == 0
    short = fit(x, 2, seed=1, options=EMOptions(**kw), max_iter=3)  # the keyword wins
    assert short.n_iter == 3
    with pytest.raises(InvalidOption, match="max_iter"):
        fit(x, 2, max_iter=-1)


def test_run_em_takes_options_and_resolves_its_prior(x) -> None:
    start = MixtureParams([0.5, 0.5], [-1.0, 1.0], [1.0, 1.0])
    opts = EMOptions(tol=1e-8, max_iter=200, prior=True)
    run = run_em(x, start, options=opts)
    reference = run_em(x, start, tol=1e-8, max_iter=200,
                       prior=ConjugatePrior.default(x, 2))  # fmt: skip
    assert run.params == reference.params and run.log_priors is not None
    assert run_em(x, start, options=opts, prior=False).log_priors is None


def test_other_entry_points_take_options(x, tmp_path) -> None:
    opts = EMOptions(tol=1e-8, max_iter=60)
    kw = {"tol": 1e-8, "max_iter": 60}
    e1 = explore_restarts(x, 2, methods=["random"], n_restarts=3, options=opts)
    e2 = explore_restarts(x, 2, methods=["random"], n_restarts=3, **kw)
    assert [r.params for r in e1.runs] == [r.params for r in e2.runs]
    assert (e1.tol, e1.max_iter) == (1e-8, 60)
    with pytest.raises(ValueError, match="default variance floor"):
        explore_restarts(x, 2, methods=["random"], n_restarts=1,
                         options=opts.replace(var_floor=1e-3))  # fmt: skip
    s1 = select_components(x, 2, n_init=1, variance_models=[False], options=opts)
    s2 = select_components(x, 2, n_init=1, variance_models=[False], **kw)
    assert [r.params for r in s1.rows] == [r.params for r in s2.rows]
    with pytest.raises(TypeError, match="variance_models"):
        select_components(x, 2, n_init=1, equal_variance=True)
    c1 = fit_chunked(np.array_split(x, 3), 2, start=TRUTH, options=opts)
    c2 = fit_chunked(np.array_split(x, 3), 2, start=TRUTH, **kw)
    assert c1.params == c2.params
    with pytest.raises(ValueError, match="no prior"):
        fit_chunked([x], 2, start=TRUTH, options=opts.replace(prior=True))
    b1 = bootstrap_params(x, TRUTH, n_boot=5, options=opts.replace(equal_variance=False))
    b2 = bootstrap_params(x, TRUTH, n_boot=5, equal_variance=False, **kw)
    np.testing.assert_array_equal(b1.replicates, b2.replicates)
