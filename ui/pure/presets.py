"""One-click demo scenarios, each with a sentence on what to watch (pure: no streamlit)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .scenario import TABLE_COLUMNS
from .settings import MODEL_SETTINGS

__all__ = ["OPENING", "PRESETS", "PRESET_BY_KEY", "Preset"]


def _table(*rows: tuple[float, float, float]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(TABLE_COLUMNS))


#: The model settings a preset starts from (the settings table's defaults of what a link
#: carries, K apart: every preset sets its own).
_MODEL = {s.key: s.default for s in MODEL_SETTINGS if s.link and s.key != "n_components"}


@dataclass(frozen=True)
class Preset:
    """A named scenario: widget values (see :mod:`ui.pure.scenario`) and what to watch."""

    key: str
    title: str
    watch: str
    values: dict[str, Any] = field(default_factory=dict)
    label: str = ""  # the button's short label; the title when empty

    def __post_init__(self) -> None:
        if not self.label:
            object.__setattr__(self, "label", self.title)

    def scenario(self) -> dict[str, Any]:
        """Complete widget values: the model defaults overridden by the preset's own."""
        return {**_MODEL, **self.values}


PRESETS: tuple[Preset, ...] = (
    Preset(
        "first_steps",
        "First steps",
        "The first screen's data (three bumps, at −2, 1.5 and 5) with a poor start: three "
        "narrow components at μ = 0, 1, 2 (σ = 1), between the bumps. Press E, then M: the "
        "first M-step throws the outer curves out towards the outer bumps and log L jumps by "
        "over a thousand; after that the curves creep (the bumps overlap), and EM takes about "
        "110 more iterations to converge.",
        {
            "data_source": "Generate",
            "truth_table": _table((-2, 1, 0.35), (1.5, 0.8, 0.45), (5, 1.3, 0.2)),
            "n_points": 1000,
            "gen_seed": 7,
            "n_components": 3,
            "init_method": "manual",
            "manual_table": _table((0, 1, 1 / 3), (1, 1, 1 / 3), (2, 1, 1 / 3)),
        },
        label="First steps",
    ),
    Preset(
        "separated",
        "Well separated",
        "Two clear bumps, and both components start wide in the middle (μ = ±1, σ = 2). After "
        "the first E-step each one owns one bump; in a handful of iterations the curves sit on "
        "the bumps and the responsibilities are 0 or 1 except in a narrow band between them.",
        {
            "data_source": "Generate",
            "truth_table": _table((-4, 1, 0.5), (4, 1, 0.5)),
            "n_points": 1000,
            "gen_seed": 7,
            "n_components": 2,
            "init_method": "manual",
            "manual_table": _table((-1, 2, 0.5), (1, 2, 0.5)),
        },
        label="Separated",
    ),
    Preset(
        "overlapping",
        "Overlapping",
        "The components overlap (true μ = 0 and 1.8, σ = 1): the γ panel is mixed over a wide "
        "band. log L rises fast for a few iterations, then creeps for about 700 more: the "
        "trace flattens early while the curves keep drifting (the gain rule would stop on this "
        "plateau at iteration 241; Aitken's rule waits for the top). The fit ends far from the "
        "dashed truth — μ ≈ (−0.6, 1.1), π ≈ (0.22, 0.78) against (0, 1.8) and (0.6, 0.4): with "
        "this much overlap, 1,000 points cannot pin the two components down.",
        {
            "data_source": "Generate",
            "truth_table": _table((0, 1, 0.6), (1.8, 1, 0.4)),
            "n_points": 1000,
            "gen_seed": 7,
            "n_components": 2,
            "max_iter": 1000,
        },
        label="Overlapping",
    ),
    Preset(
        "bad_start",
        "Bad start: two means in one bump",
        "Both means start in the left bump. Watch the right one be pulled over to the other "
        "bump by the points it is responsible for; the log-likelihood jumps when it gets there.",
        {
            "data_source": "Generate",
            "truth_table": _table((-3, 1, 0.5), (3, 1, 0.5)),
            "n_points": 1000,
            "gen_seed": 7,
            "n_components": 2,
            "init_method": "manual",
            "manual_table": _table((-3.5, 1, 0.5), (-2.5, 1, 0.5)),
        },
        label="Bad start",
    ),
    Preset(
        "collapse",
        "A component collapses onto a repeated value",
        "Old Faithful's eruption times hold seven eruptions of exactly 1.833 min. Component 1 "
        "starts narrow there and shrinks onto that single value: its variance hits the floor "
        "(the page says so) while log L keeps rising — a degenerate spike, not a better model.",
        {
            "data_source": "Data set",
            "dataset": "old_faithful_eruptions",
            "n_components": 3,
            "init_method": "manual",
            "manual_table": _table((1.833, 0.003, 0.05), (2.0, 0.3, 0.3), (4.3, 0.45, 0.65)),
        },
        label="Collapse",
    ),
    Preset(
        "too_many",
        "K too large",
        "The data has two bumps but the model six components: they split the bumps between "
        "them or fade to small weights. log L still creeps up — compare BIC on the "
        "'How many components?' page.",
        {
            "data_source": "Generate",
            "truth_table": _table((-2, 1, 0.5), (2.5, 1, 0.5)),
            "n_points": 1000,
            "gen_seed": 7,
            "n_components": 6,
        },
        label="K too large",
    ),
    Preset(
        "old_faithful",
        "Old Faithful",
        "The textbook fit (equal variances, started at μ = 55 and 80, σ = 5): it converges to "
        "π ≈ (0.361, 0.639), μ ≈ (54.61, 80.09), σ ≈ 5.869 and log L = −1,034.0018, the "
        "published R mixtools result.",
        {
            "data_source": "Data set",
            "dataset": "old_faithful_waiting",
            "n_components": 2,
            "equal_variance": True,
            "init_method": "manual",
            "manual_table": _table((55, 5, 0.5), (80, 5, 0.5)),
            "tol": 1e-10,
        },
        label="Old Faithful",
    ),
    Preset(
        "galaxies",
        "Galaxies: spurious maxima",
        "82 galaxy velocities with tiny clusters of 2–3 points. With K = 5 different random "
        "starts end in different local maxima, some with a component on a tiny cluster; change "
        "the seed (1, 2, 3, …) and compare the final log L, or use the initialisation explorer.",
        {
            "data_source": "Data set",
            "dataset": "galaxies",
            "n_components": 5,
            "init_method": "random",
            "seed": 3,
        },
        label="Galaxies",
    ),
)

PRESET_BY_KEY: dict[str, Preset] = {p.key: p for p in PRESETS}
#: The scenario of a first visit without a link: one where EM visibly moves in the first
#: steps (None: the model panel's defaults).
OPENING: str | None = "first_steps"
