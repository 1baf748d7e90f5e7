"""The sidebar's settings, declared once (pure: no streamlit).

Each :class:`Setting` says its session/widget key, default, bounds or choices, on-screen label
and the name it has in a shared link. From this one table come

* the widgets' defaults and limits (:mod:`ui.model_panel`, :mod:`ui.data_panel`),
* the defaults of :class:`ui.pure.run_state.ModelSettings` and of the presets
  (:mod:`ui.pure.presets`),
* the link parameters and their validation (:mod:`ui.pure.scenario`).

Where a setting is also an option of :class:`gmm_core.options.EMOptions` (``core``), its
default is gmm_core's, except where :data:`UI_DEFAULTS_DIFFER` says why the app differs
(tests/test_settings.py checks both).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gmm_core.bundled import DATASETS
from gmm_core.convergence import DEFAULT_STOPPING, STOPPING_RULES
from gmm_core.options import DEFAULT_TOL
from gmm_core.upload import MAX_POINTS

__all__ = [
    "DATA_SETTINGS",
    "INIT_CHOICES",
    "INIT_LABELS",
    "MAX_K",
    "MODEL_SETTINGS",
    "SETTING",
    "SETTINGS",
    "SOURCE_LINKS",
    "TOLERANCES",
    "UI_DEFAULTS_DIFFER",
    "Setting",
    "defaults",
]

#: Initialisation methods on screen, in menu order: gmm_core's INIT_METHODS and a start typed
#: by hand ("manual").
INIT_LABELS: dict[str, str] = {
    "kmeans++": "k-means++ seeding",
    "random": "Random points from the data",
    "quantile": "Quantiles (mclust's default)",
    "kmeans": "A few k-means iterations",
    "manual": "Manual: type μ, σ, π",
}
INIT_CHOICES: tuple[str, ...] = tuple(INIT_LABELS)
#: The tolerance menu (per-point log L gain); 0 runs exactly ``max_iter`` iterations.
TOLERANCES: tuple[float, ...] = (1e-3, 1e-4, 1e-5, 1e-6, 1e-8, 1e-10, 0.0)
#: Data source on screen → its name in a link.
SOURCE_LINKS: dict[str, str] = {"Generate": "gen", "Data set": "ds", "Upload": "up"}
_SEEDS = (0, 2**31 - 1)


@dataclass(frozen=True)
class Setting:
    """One sidebar setting.

    Attributes
    ----------
    key : str
        Session-state and widget key.
    default : object
        The value a new session starts with.
    kind : type
        bool, int, float or str.
    label : str
        The widget's label.
    link : str or None
        Its query parameter in a shared link; None: links do not carry it.
    bounds : (low, high) or None
        Inclusive limits of a number.
    choices : tuple or None
        The allowed values of a menu.
    core : str or None
        The :class:`gmm_core.options.EMOptions` field it sets, if any.
    """

    key: str
    default: Any
    kind: type
    label: str
    link: str | None = None
    bounds: tuple[float, float] | None = None
    choices: tuple[Any, ...] | None = None
    core: str | None = None

    def __post_init__(self) -> None:
        if self.bounds is not None and not self.bounds[0] <= self.default <= self.bounds[1]:
            raise ValueError(f"{self.key}: default {self.default!r} outside {self.bounds}")
        if self.choices is not None and self.default not in self.choices:
            raise ValueError(f"{self.key}: default {self.default!r} not among the choices")


# fmt: off
MODEL_SETTINGS: tuple[Setting, ...] = (
    Setting("n_components", 3, int, "Components K", "K", bounds=(1, 10)),
    Setting("equal_variance", False, bool, "Equal variances (one shared σ²)", "eq",
            core="equal_variance"),
    Setting("init_method", "kmeans++", str, "Initialisation", "init", choices=INIT_CHOICES),
    Setting("seed", 1, int, "Seed", "seed", bounds=_SEEDS),
    Setting("tol", DEFAULT_TOL, float, "Tolerance", "tol", choices=TOLERANCES, core="tol"),
    Setting("max_iter", 500, int, "Max iterations", "iters", bounds=(1, 5000), core="max_iter"),
    Setting("prior", False, bool, "Regularise (conjugate prior)", "prior", core="prior"),
    Setting("stopping", DEFAULT_STOPPING, str, "Stopping rule", "stop", choices=STOPPING_RULES,
            core="stopping"),
)
DATA_SETTINGS: tuple[Setting, ...] = (
    Setting("data_source", "Generate", str, "Data", "src", choices=tuple(SOURCE_LINKS)),
    Setting("n_points", 1000, int, "Number of points N", "n", bounds=(10, MAX_POINTS)),
    Setting("gen_seed", 7, int, "Seed for the data", "gs", bounds=_SEEDS),
    Setting("dataset", "old_faithful_waiting", str, "Data set", "ds", choices=tuple(DATASETS)),
)
# fmt: on
SETTINGS: tuple[Setting, ...] = (*DATA_SETTINGS, *MODEL_SETTINGS)
SETTING: dict[str, Setting] = {s.key: s for s in SETTINGS}
#: Largest K anywhere in the app (the sidebar, the K page, a link's manual table).
MAX_K = int(SETTING["n_components"].bounds[1])  # type: ignore[index]

#: Settings whose default differs from gmm_core's on purpose, and why.
UI_DEFAULTS_DIFFER: Mapping[str, str] = {
    "max_iter": "gmm_core allows 1000 iterations for library callers; the app stops a run at "
    "500 so that 'Run to convergence' never keeps a lecture hall waiting (the limit can be "
    "raised to 5000 in the sidebar)",
}


def defaults(settings: tuple[Setting, ...]) -> dict[str, Any]:
    """Key → default of ``settings`` (the widgets' starting values)."""
    return {s.key: s.default for s in settings}
