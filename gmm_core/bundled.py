"""The bundled classic 1-D mixture data sets (sources in ``datasets/README.md``).

Public API
----------
Dataset, DATASETS
    Description of each data set, by key (read-only mapping, in display order).
load_dataset
    A data set's values as a new ``float64`` array.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

import numpy as np
import pandas as pd

__all__ = ["DATASETS", "Dataset", "load_dataset"]

_DATASET_DIR = Path(__file__).resolve().parent / "datasets"


@dataclass(frozen=True)
class Dataset:
    """Description of one bundled classic 1-D mixture data set.

    Attributes
    ----------
    key : str
        Identifier used by :func:`load_dataset`, e.g. ``"galaxies"``.
    title : str
        Human-readable title, e.g. ``"Old Faithful — waiting time"``.
    column : str
        Name of the column in the bundled CSV file.
    unit : str
        Unit of the values, e.g. ``"min"`` or ``"km/s"``.
    source : str
        One-line citation.
    description : str
        One sentence: what the data are and why they are interesting for mixtures.
    """

    key: str
    title: str
    column: str
    unit: str
    source: str
    description: str


_DATASET_LIST = (
    Dataset(
        key="old_faithful_waiting",
        title="Old Faithful — waiting time",
        column="waiting",
        unit="min",
        source="Azzalini & Bowman (1990); R datasets::faithful",
        description=(
            "Minutes between 272 eruptions of the Old Faithful geyser in Yellowstone: "
            "two clear, well-separated bumps, the textbook two-component mixture."
        ),
    ),
    Dataset(
        key="old_faithful_eruptions",
        title="Old Faithful — eruption duration",
        column="eruptions",
        unit="min",
        source="Azzalini & Bowman (1990); R datasets::faithful",
        description=(
            "Durations of 272 Old Faithful eruptions: bimodal, with many repeated values "
            "(e.g. 1.833, 4.333) that can make a component collapse onto a single point."
        ),
    ),
    Dataset(
        key="galaxies",
        title="Galaxies — recession velocity",
        column="velocity",
        unit="km/s",
        source="Roeder (1990), JASA 85; R MASS::galaxies (78th value corrected to 26960)",
        description=(
            "Velocities of 82 galaxies in the Corona Borealis region: several "
            "well-separated groups and tiny clusters of 2-3 points, a classic source "
            "of spurious maxima."
        ),
    ),
    Dataset(
        key="acidity",
        title="Lake acidity",
        column="log_anc",
        unit="log ANC",
        source="Crawford et al. (1992); Richardson & Green (1997); R mclust::acidity",
        description=(
            "Acid neutralising capacity (log scale) of 155 lakes in north-central "
            "Wisconsin: overlapping groups, a standard test case for choosing the "
            "number of components."
        ),
    ),
    Dataset(
        key="enzyme",
        title="Enzyme activity",
        column="activity",
        unit="activity",
        source="Bechtel et al. (1993); Richardson & Green (1997)",
        description=(
            "Enzymatic activity in the blood of 245 unrelated people, slow and fast "
            "metabolisers: groups with strongly unequal variances."
        ),
    ),
)

DATASETS: Mapping[str, Dataset] = MappingProxyType({d.key: d for d in _DATASET_LIST})
"""The bundled data sets by key (read-only mapping, in display order)."""

_DATASET_FILES: Mapping[str, str] = MappingProxyType(
    {
        "old_faithful_waiting": "old_faithful.csv",
        "old_faithful_eruptions": "old_faithful.csv",
        "galaxies": "galaxies.csv",
        "acidity": "acidity.csv",
        "enzyme": "enzyme.csv",
    }
)


@functools.cache
def _read_bundled(key: str) -> np.ndarray:
    info = DATASETS[key]
    frame = pd.read_csv(_DATASET_DIR / _DATASET_FILES[key])
    values = frame[info.column].to_numpy(dtype=np.float64)
    values.flags.writeable = False
    return values


def load_dataset(key: str) -> np.ndarray:
    """Load one of the bundled data sets.

    Parameters
    ----------
    key : str
        One of the keys of :data:`DATASETS`.

    Returns
    -------
    numpy.ndarray
        A new ``float64`` array of shape ``(N,)``, in file order.

    Raises
    ------
    ValueError
        If `key` is not a known data set; the message lists the valid keys.
    """
    if key not in DATASETS:
        valid = ", ".join(repr(k) for k in DATASETS)
        raise ValueError(f"Unknown data set {key!r}; valid keys are {valid}.")
    return _read_bundled(key).copy()
