"""The stepper's state and its moves, as pure functions (no streamlit: unit-testable).

A position is (t, phase): phase "M" shows θ_t right after the M-step of iteration t (t = 0 is the
initialisation); phase "E" shows θ_t with the responsibilities of the next E-step. The sequence is
(0, M) → (0, E) → (1, M) → (1, E) → …: E recolours, M moves the curves. ``Back`` undoes the last
move exactly (a trail of positions); the computed run is kept, so going forward again is free.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

import numpy as np

from gmm_core import MixtureParams, Run, StepReport, advance, check_data, initial_params, start_run
from gmm_core.convergence import ConvergenceMonitor
from gmm_core.em import default_var_floor
from gmm_core.notation import power_of_ten
from gmm_core.options import EMOptions
from gmm_core.prior import ConjugatePrior

from . import settings

__all__ = [
    "INIT_CHOICES",
    "ModelSettings",
    "Phase",
    "StepperState",
    "back",
    "converged_at",
    "e_half_step",
    "go_to",
    "jump_to",
    "m_half_step",
    "new_state",
    "next_iteration",
    "run_to_convergence",
]

Phase = Literal["M", "E"]
#: Initialisation choices on screen: gmm_core's methods plus "manual" (a user-edited table).
INIT_CHOICES = settings.INIT_CHOICES  # re-exported: the menu of ui.pure.settings
_TRAIL_LIMIT = 2000


@dataclass(frozen=True)
class ModelSettings:
    """What the user chose for the model; changing any of it restarts the run."""

    n_components: int = settings.SETTING["n_components"].default
    equal_variance: bool = settings.SETTING["equal_variance"].default
    init_method: str = settings.SETTING["init_method"].default
    seed: int = settings.SETTING["seed"].default
    tol: float = settings.SETTING["tol"].default
    max_iter: int = settings.SETTING["max_iter"].default
    manual: MixtureParams | None = None
    prior: bool = settings.SETTING["prior"].default
    stopping: str = settings.SETTING["stopping"].default

    @property
    def run_options(self) -> EMOptions:
        """The stopping rule, tolerance, iteration limit and prior as gmm_core's options, for
        the pages' experiments (each says its own variance model)."""
        return EMOptions(
            tol=self.tol, max_iter=self.max_iter, prior=self.prior, stopping=self.stopping
        )

    @property
    def monitor(self) -> ConvergenceMonitor:
        """The stopping rule with its tolerance."""
        return ConvergenceMonitor(self.tol, self.stopping)  # type: ignore[arg-type]

    def until(self) -> str:
        """The stopping rule in words, e.g. "until log L rises by less than 10⁻⁶ per point"."""
        if self.tol == 0:
            return "with no tolerance (tol = 0: to the iteration limit)"
        if self.stopping == "aitken":
            return (
                "until Aitken's estimate of the limit of log L is within "
                f"{power_of_ten(self.tol)} per point"
            )
        return f"until log L rises by less than {power_of_ten(self.tol)} per point"

    def why_converged(self) -> str:
        """Why a run counts as converged, in words (for the status line)."""
        if self.stopping == "aitken":
            return (
                "Aitken's estimate of the limit of log L was within "
                f"{power_of_ten(self.tol)} per point"
            )
        return f"log L rose by less than {power_of_ten(self.tol)} per point"


@dataclass(frozen=True)
class StepperState:
    """A run on one data set, and where the user is in it.

    Attributes
    ----------
    data_id : str
        Identity of the data the run belongs to.
    settings : ModelSettings
    run : gmm_core.Run
        Every iteration computed so far (parameters only) plus the look-ahead step.
    var_floor : float
    t : int
        Iteration on screen, 0..run.n_iter.
    phase : {"M", "E"}
    trail : tuple of (int, str)
        Earlier positions, for ``back``.
    prior : ConjugatePrior, optional
        MAP-EM's prior when ``settings.prior`` (mclust's defaults for this data and K).
    """

    data_id: str
    settings: ModelSettings
    run: Run
    var_floor: float
    t: int = 0
    phase: Phase = "M"
    trail: tuple[tuple[int, Phase], ...] = ()
    prior: ConjugatePrior | None = None

    @property
    def params(self) -> MixtureParams:
        """θ_t, the parameters on screen."""
        return self.run.history[self.t]

    @property
    def frontier(self) -> int:
        """The last iteration computed."""
        return self.run.n_iter

    @property
    def responsibility_params(self) -> MixtureParams | None:
        """Parameters whose E-step gives the responsibilities on screen (None before any)."""
        if self.phase == "E":
            return self.params
        return self.run.history[self.t - 1] if self.t > 0 else None

    @property
    def responsibility_counts(self) -> np.ndarray | None:
        """N_k = Σ_n γ(z_nk) of the responsibilities on screen, shape (K,), from the E-step the
        run already took (no pass over the data); None before any E-step.

        Phase M at t: the E-step of iteration t (out of θ_{t−1}); phase E at t: the E-step out
        of θ_t — iteration t + 1's if computed, else the run's lookahead.
        """
        if self.phase == "M":
            return None if self.t == 0 else np.asarray(self.run.reports[self.t - 1].n_k)
        if self.t < self.frontier:
            return np.asarray(self.run.reports[self.t].n_k)
        return np.asarray(self.run.lookahead.stats.n_k, dtype=float)

    @property
    def report(self) -> StepReport | None:
        """Diagnostics of the M-step that produced θ_t (None at t = 0)."""
        return self.run.reports[self.t - 1] if self.t > 0 else None

    @property
    def at_max_iter(self) -> bool:
        """Whether the next M-step would exceed the iteration limit."""
        return self.t >= self.settings.max_iter


def new_state(x: np.ndarray, data_id: str, settings: ModelSettings) -> StepperState:
    """A run at iteration 0 for data ``x`` (shape (N,)).

    Raises
    ------
    ValueError
        When the data cannot take the model (e.g. K above the number of distinct values).
    """
    x = check_data(x, settings.n_components)
    if settings.init_method == "manual":
        if settings.manual is None or settings.manual.n_components != settings.n_components:
            raise ValueError(f"the manual table must have K = {settings.n_components} rows")
        start, label = settings.manual, "manual"
    else:
        rng = np.random.default_rng(settings.seed)
        start = initial_params(x, settings.n_components, settings.init_method, rng)
        label = settings.init_method
    floor = default_var_floor(x)
    prior = ConjugatePrior.default(x, settings.n_components) if settings.prior else None
    run = start_run(
        x,
        start,
        var_floor=floor,
        equal_variance=settings.equal_variance,
        init=label,
        prior=prior,
    )
    return StepperState(data_id, settings, run, floor, prior=prior)


def _extend(state: StepperState, x: np.ndarray, upto: int) -> Run:
    """The run computed at least to iteration ``upto`` (every step is taken, whatever tol)."""
    missing = upto - state.frontier
    if missing <= 0:
        return state.run
    return advance(
        x,
        state.run,
        missing,
        var_floor=state.var_floor,
        tol=0.0,
        equal_variance=state.settings.equal_variance,
        prior=state.prior,
    )


def _move(state: StepperState, t: int, phase: Phase, run: Run | None = None) -> StepperState:
    trail = (*state.trail, (state.t, state.phase))[-_TRAIL_LIMIT:]
    return replace(state, run=run or state.run, t=t, phase=phase, trail=trail)


def e_half_step(state: StepperState) -> StepperState:
    """E-step: recolour the responsibilities from θ_t; the curves stay."""
    if state.phase == "E" or state.at_max_iter:
        return state
    return _move(state, state.t, "E")


def m_half_step(state: StepperState, x: np.ndarray) -> StepperState:
    """M-step: θ_t → θ_{t+1} from the responsibilities on screen."""
    if state.phase != "E" or state.at_max_iter:
        return state
    return _move(state, state.t + 1, "M", _extend(state, x, state.t + 1))


def next_iteration(state: StepperState, x: np.ndarray) -> StepperState:
    """A whole iteration (E then M) from wherever the user is."""
    if state.at_max_iter:
        return state
    return _move(state, state.t + 1, "M", _extend(state, x, state.t + 1))


def back(state: StepperState) -> StepperState:
    """Undo the last move; with no move left, go back one iteration."""
    if state.trail:
        t, phase = state.trail[-1]
        return replace(state, t=t, phase=phase, trail=state.trail[:-1])
    if state.phase == "E":
        return replace(state, phase="M")
    return replace(state, t=max(state.t - 1, 0), phase="M")


def go_to(state: StepperState, t: int) -> StepperState:
    """Jump to iteration t (after its M-step), within what has been computed."""
    t = int(np.clip(t, 0, state.frontier))
    if (t, "M") == (state.t, state.phase):
        return state
    return _move(state, t, "M")


def jump_to(state: StepperState, x: np.ndarray, t: int, phase: Phase = "M") -> StepperState:
    """Position (t, phase), computing the run up to iteration t first (a shared link's target).

    The iterations are the same arithmetic as stepping one by one, so the parameters agree bit
    for bit with a run stepped there by hand.
    """
    t = int(np.clip(t, 0, state.settings.max_iter))
    moved = _move(state, t, "M", _extend(state, x, t))
    return e_half_step(moved) if phase == "E" else moved


def converged_at(state: StepperState, n_points: int) -> int | None:
    """First iteration t at which the stopping rule is met (None if none yet, or tol = 0);
    see :mod:`gmm_core.convergence`."""
    return state.settings.monitor.converged_at(state.run.objective, n_points)


def run_to_convergence(state: StepperState, x: np.ndarray, on_iteration=None) -> StepperState:
    """Iterate from the last computed iteration until converged or ``max_iter``, and show it.

    ``on_iteration(i, total)`` is called after each new iteration (progress bars).
    """
    done = converged_at(state, x.size)
    if done is not None:
        return _move(state, done, "M")
    budget = state.settings.max_iter - state.frontier
    run = state.run
    if budget > 0:
        run = advance(
            x,
            state.run,
            budget,
            var_floor=state.var_floor,
            tol=state.settings.tol,
            equal_variance=state.settings.equal_variance,
            prior=state.prior,
            stopping=state.settings.stopping,
            on_iteration=None if on_iteration is None else lambda i: on_iteration(i, budget),
        )
    moved = replace(state, run=run)
    end = converged_at(moved, x.size)
    return _move(moved, run.n_iter if end is None else end, "M", run)
