"""How many components: fit K = 1..k_max for each variance model and compare BIC, AIC and ICL.

Every criterion follows scikit-learn's convention, **lower is better**:
BIC = −2 log L + p ln N, AIC = −2 log L + 2p, ICL = BIC + 2 × (classification entropy) ≥ BIC
(and ``icl_map``, mclust's form, BIC − 2 Σ_n log max_k γ(z_nk)), with p = 3K − 1 free
parameters (unequal variances) or 2K (one shared variance); see :mod:`gmm_core.fit`. mclust
reports −BIC (higher is better); with ``prior=True`` (MAP-EM, mclust's ``priorControl()``) the
criteria use log L at the MAP estimate, as mclust does.

Degenerate fits are not candidates: a row whose fit holds a variance at the floor (a
component collapsed onto a point) has a log L, and so criteria, set by the arbitrary floor;
mclust reports no BIC for it. Such rows are kept, with the reason
(:attr:`SelectionRow.degenerate`), but :meth:`Selection.best` skips them unless asked not to,
and :meth:`Selection.edge_warnings` says when a criterion's minimum lies at the largest K tried.

Seeds: the row for (K, equal_variance) is exactly
``fit(x, K, init=init, n_init=n_init, seed=seed, equal_variance=equal_variance, tol=tol,
max_iter=max_iter, backend=backend)``: every K and model uses the same ``seed`` (common random
numbers), so any row can be repeated on its own with a plain ``fit`` call.

K larger than the number of distinct values in the data cannot be fitted; such K are skipped and
listed in :attr:`Selection.skipped` (with a sentence in :attr:`Selection.note`), no exception.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Unpack

import numpy as np

from .fit import check_data, degeneracy, fit, icl, icl_map
from .init import InitMethod
from .options import EMOptions, EMOverrides
from .params import MixtureParams

__all__ = [
    "CRITERIA",
    "MAX_N_INIT",
    "TINY_COMPONENT",
    "Criterion",
    "Selection",
    "SelectionRow",
    "select_components",
]

Criterion = Literal["bic", "aic", "icl", "icl_map"]
#: The criteria shown side by side (``icl_map``, mclust's ICL, is also accepted by ``best``).
CRITERIA: tuple[str, ...] = ("bic", "aic", "icl")
_ALL_CRITERIA: tuple[str, ...] = (*CRITERIA, "icl_map")
#: A component responsible for fewer points than this is a spike on a tiny cluster, worth a word.
TINY_COMPONENT = 3.0
#: Most restarts per fit of one selection (K up to ``MAX_K`` × 2 variance models × this).
MAX_N_INIT = 20


def _model_name(equal_variance: bool) -> str:
    return "equal variance" if equal_variance else "unequal variances"


@dataclass(frozen=True, eq=False)
class SelectionRow:
    """One fitted model of a selection: K components, one variance model.

    Attributes
    ----------
    n_components : int
        K.
    equal_variance : bool
        True for one variance shared by all components.
    log_likelihood : float
        log L of the best of the ``n_init`` restarts.
    n_parameters : int
        p, free parameters (3K − 1, or 2K with equal variance).
    bic, aic, icl : float
        The criteria (lower is better).
    params : MixtureParams
        The fitted parameters, components sorted by increasing mean.
    converged : bool
        Whether the best restart met the convergence rule.
    n_iter : int
        Iterations of the best restart.
    icl_map : float
        ICL in mclust's form (MAP classification), lower is better.
    degenerate : str or None
        Why the fit is degenerate (a variance held at the floor), None when it is not.
    """

    n_components: int
    equal_variance: bool
    log_likelihood: float
    n_parameters: int
    bic: float
    aic: float
    icl: float
    params: MixtureParams
    converged: bool
    n_iter: int
    icl_map: float = float("nan")
    degenerate: str | None = None

    def criterion(self, name: Criterion) -> float:
        """The value of criterion ``name`` ("bic", "aic", "icl" or "icl_map")."""
        if name not in _ALL_CRITERIA:
            raise ValueError(
                f"unknown criterion {name!r}; choose one of {', '.join(_ALL_CRITERIA)}"
            )
        return float(getattr(self, name))

    def smallest_n_k(self, n_points: int) -> float:
        """The fewest points a component is responsible for, min_k π_k N."""
        return float(self.params.weights.min()) * n_points

    def has_tiny_component(self, n_points: int) -> bool:
        """Whether a component is responsible for fewer than ``TINY_COMPONENT`` points: a
        spike on a tiny cluster, which can win a criterion by fitting two or three values."""
        return self.smallest_n_k(n_points) < TINY_COMPONENT

    def to_record(self) -> dict[str, Any]:
        """The row as plain scalars (no parameters), for a table.

        Keys: ``K``, ``model`` ("unequal variances" / "equal variance"), ``equal_variance``,
        ``log_likelihood``, ``n_parameters``, ``bic``, ``aic``, ``icl``, ``icl_map``,
        ``converged``, ``n_iter``, ``degenerate`` (the reason, "" when not degenerate).
        """
        return {
            "K": self.n_components,
            "model": _model_name(self.equal_variance),
            "equal_variance": self.equal_variance,
            "log_likelihood": self.log_likelihood,
            "n_parameters": self.n_parameters,
            "bic": self.bic,
            "aic": self.aic,
            "icl": self.icl,
            "icl_map": self.icl_map,
            "converged": self.converged,
            "n_iter": self.n_iter,
            "degenerate": self.degenerate or "",
        }


@dataclass(frozen=True, eq=False)
class Selection:
    """The fits of :func:`select_components` (criteria: lower is better).

    Attributes
    ----------
    rows : tuple of SelectionRow
        One per fitted (K, variance model): grouped by variance model in the order asked for,
        K increasing within each.
    skipped : tuple of int
        K values not fitted because the data has fewer distinct values.
    n_points : int
        N.
    n_distinct : int
        Number of distinct values in the data.
    n_init : int
        Restarts per fit.
    seed : int
        The seed every fit used.
    prior : bool
        Whether the fits were MAP-EM with mclust's default conjugate prior.
    """

    rows: tuple[SelectionRow, ...]
    skipped: tuple[int, ...]
    n_points: int
    n_distinct: int
    n_init: int
    seed: int
    prior: bool = False

    @property
    def note(self) -> str | None:
        """A sentence on the skipped K, or None when every K was fitted."""
        if not self.skipped:
            return None
        ks = ", ".join(str(k) for k in self.skipped)
        return (
            f"K = {ks} not fitted: the data has only {self.n_distinct} distinct values, and "
            f"K components need at least K."
        )

    def to_records(self) -> list[dict[str, Any]]:
        """Every row as a dict of plain scalars (see :meth:`SelectionRow.to_record`)."""
        return [row.to_record() for row in self.rows]

    def _rows(self, equal_variance: bool | None) -> list[SelectionRow]:
        rows = [r for r in self.rows if equal_variance in (None, r.equal_variance)]
        if not rows:
            raise ValueError(f"no fitted rows for the {_model_name(bool(equal_variance))} model")
        return rows

    def best(
        self,
        criterion: Criterion = "bic",
        equal_variance: bool | None = None,
        *,
        include_degenerate: bool = False,
    ) -> SelectionRow:
        """The row with the LOWEST value of ``criterion`` (lower is better, as in scikit-learn).

        Parameters
        ----------
        criterion : {"bic", "aic", "icl", "icl_map"}
        equal_variance : bool, optional
            Restrict the choice to one variance model; None compares all rows.
        include_degenerate : bool
            Also consider degenerate rows (a variance at the floor); by default they are not
            candidates.

        Ties go to the model with fewer parameters, then to the smaller K. Raises ValueError
        when no row is a candidate (K = 1 never is degenerate, so only with hand-made rows).
        """
        rows = self._rows(equal_variance)
        if not include_degenerate:
            rows = [r for r in rows if r.degenerate is None]
            if not rows:
                raise ValueError("every fitted row is degenerate: no model can be recommended")
        return min(rows, key=lambda r: (r.criterion(criterion), r.n_parameters, r.n_components))

    def tiny_picks(self, criteria: Sequence[Criterion]) -> dict[SelectionRow, list[str]]:
        """The best rows of ``criteria`` that have a tiny component
        (:meth:`SelectionRow.has_tiny_component`), each with the criteria that chose it."""
        picks: dict[SelectionRow, list[str]] = {}
        for name in criteria:
            row = self.best(name)
            if row.has_tiny_component(self.n_points):
                picks.setdefault(row, []).append(name)
        return picks

    @property
    def degenerate_rows(self) -> tuple[SelectionRow, ...]:
        """The rows that are not candidates (a variance at the floor)."""
        return tuple(r for r in self.rows if r.degenerate is not None)

    def edge_warnings(self, criteria: Sequence[str] = CRITERIA) -> list[str]:
        """A sentence for each criterion whose best model has the largest K fitted.

        A minimum at the edge of the K range may not be a minimum at all: a larger K could be
        lower still. (K = 1 is the smallest K there is, so only the upper edge is an edge.)
        """
        largest = max(r.n_components for r in self.rows)
        if largest == 1:
            return []
        out = []
        for name in criteria:
            row = self.best(name)  # type: ignore[arg-type]
            if row.n_components == largest:
                out.append(
                    f"{name.upper()}'s minimum lies at the edge of the range, K = {largest}, "
                    "the largest K fitted: a larger K might be lower still. Raise the largest K "
                    "to see whether the curve turns up."
                )
        return out

    def curve(
        self, criterion: Criterion, equal_variance: bool | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """K and the criterion's values for one variance model (None: every row, in order),
        for plotting.

        Returns
        -------
        ks : ndarray of int, shape (M,)
        values : ndarray, shape (M,)
        """
        rows = self._rows(equal_variance)
        return (
            np.array([r.n_components for r in rows]),
            np.array([r.criterion(criterion) for r in rows]),
        )


def select_components(
    x: np.ndarray,
    k_max: int,
    *,
    n_init: int,
    seed: int = 0,
    variance_models: Sequence[bool] = (False, True),
    init: InitMethod = "kmeans++",
    options: EMOptions | None = None,
    on_fit: Callable[[int, int], None] | None = None,
    **overrides: Unpack[EMOverrides],
) -> Selection:
    """Fit K = 1..``k_max`` components for each variance model and compute BIC, AIC and ICL.

    Parameters
    ----------
    x : array_like, shape (N,)
        Finite data with at least two distinct values.
    k_max : int
        Largest K (≥ 1). K above the number of distinct values is skipped (see
        :attr:`Selection.skipped`).
    n_init : int
        Restarts per fit, 1 to ``MAX_N_INIT`` (20); each row is the best of them.
    seed : int
        Seed of every fit (the module docstring says how rows are reproduced).
    variance_models : sequence of bool
        False: unequal variances; True: one shared variance. Rows follow this order.
    init : {"random", "kmeans++", "quantile", "kmeans"}
        Initialisation method of every restart.
    options : EMOptions, optional
        The fits' options (:class:`gmm_core.options.EMOptions`). Its equal_variance is not used
        (``variance_models`` says which models are fitted).
    on_fit : callable, optional
        Called as ``on_fit(done, total)`` after each fit (progress bars); ``total`` counts the
        fits actually run.
    **overrides
        The fields of ``options`` as keywords, overriding it where given, as in
        :func:`gmm_core.fit.fit`, but for equal_variance (``variance_models``); ``prior`` is
        True/False: MAP-EM with mclust's default conjugate prior for each K
        (:mod:`gmm_core.prior`).

    Returns
    -------
    Selection
        Criteria follow scikit-learn's convention: lower is better.
    """
    if k_max < 1:
        raise ValueError(f"k_max must be at least 1, got {k_max}")
    if not 1 <= n_init <= MAX_N_INIT:
        raise ValueError(f"n_init must be between 1 and {MAX_N_INIT}, got {n_init}")
    models = tuple(bool(m) for m in variance_models)
    if not models or len(set(models)) != len(models):
        raise ValueError(f"give each variance model once, got {list(variance_models)}")
    if "equal_variance" in overrides:
        raise TypeError("select_components fits the models of variance_models: no equal_variance")
    opts = EMOptions.resolve(options, **overrides)
    if not isinstance(opts.prior, bool):
        raise ValueError("select_components takes prior=True/False (a default prior per K)")
    x = check_data(x, 1)
    n_distinct = int(np.unique(x).size)
    ks = range(1, min(k_max, n_distinct) + 1)
    total, done = len(ks) * len(models), 0
    rows = []
    for equal_variance in models:
        for k in ks:
            result = fit(
                x,
                k,
                options=opts,
                init=init,
                n_init=n_init,
                seed=seed,
                equal_variance=equal_variance,
            )
            params = result.params.sorted_by_mean()
            rows.append(
                SelectionRow(
                    n_components=k,
                    equal_variance=equal_variance,
                    log_likelihood=float(result.log_likelihood),
                    n_parameters=result.n_parameters,
                    bic=float(result.bic),
                    aic=float(result.aic),
                    icl=float(icl(x, result.params, result.log_likelihood, equal_variance)),
                    params=params,
                    converged=bool(result.converged),
                    n_iter=result.n_iter,
                    icl_map=float(icl_map(x, result.params, result.log_likelihood, equal_variance)),
                    degenerate=degeneracy(params, result.var_floor, int(x.size)),
                )
            )
            done += 1
            if on_fit is not None:
                on_fit(done, total)
    return Selection(
        rows=tuple(rows),
        skipped=tuple(range(n_distinct + 1, k_max + 1)),
        n_points=int(x.size),
        n_distinct=n_distinct,
        n_init=n_init,
        seed=seed,
        prior=opts.prior,
    )
