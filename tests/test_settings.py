"""ui.pure.settings: the one table of the sidebar's settings, and gmm_core's defaults tied to it."""

from __future__ import annotations

import pytest

from figures import METHOD_COLORS
from gmm_core import EMOptions
from gmm_core.init import INIT_METHODS
from ui import model_panel
from ui.data_panel import DEFAULTS as DATA_DEFAULTS
from ui.pure import presets, scenario
from ui.pure.run_state import ModelSettings
from ui.pure.settings import (
    DATA_SETTINGS,
    INIT_CHOICES,
    MAX_K,
    MODEL_SETTINGS,
    SETTING,
    SETTINGS,
    UI_DEFAULTS_DIFFER,
    Setting,
)


@pytest.mark.parametrize("setting", [s for s in SETTINGS if s.core], ids=lambda s: s.key)
def test_gmm_core_defaults_are_the_tables_unless_a_reason_is_given(setting: Setting) -> None:
    core_default = getattr(EMOptions(), setting.core)
    if setting.key in UI_DEFAULTS_DIFFER:
        assert setting.default != core_default  # a stated difference must be real
    else:
        assert setting.default == core_default


def test_the_only_difference_is_max_iter_500_against_1000() -> None:
    assert dict(UI_DEFAULTS_DIFFER).keys() == {"max_iter"}
    assert (SETTING["max_iter"].default, EMOptions().max_iter) == (500, 1000)
    low, high = SETTING["max_iter"].bounds
    assert low <= EMOptions().max_iter <= high  # gmm_core's default can still be chosen


def test_model_settings_and_widgets_start_from_the_table() -> None:
    table = {s.key: s.default for s in MODEL_SETTINGS}
    plain = ModelSettings()
    assert {k: getattr(plain, k) for k in table} == table
    assert table == model_panel.DEFAULTS
    assert {k: DATA_DEFAULTS[k] for k in (s.key for s in DATA_SETTINGS)} == {
        s.key: s.default for s in DATA_SETTINGS
    }


def test_presets_start_from_the_table_defaults() -> None:
    for preset in presets.PRESETS:
        values = preset.scenario()
        for s in MODEL_SETTINGS:
            if s.link and s.key not in preset.values and s.key != "n_components":
                assert values[s.key] == s.default, (preset.key, s.key)


def test_links_carry_the_tables_names_and_bounds() -> None:
    linked = [s for s in SETTINGS if s.link]
    assert {s.key: (s.link, s.kind) for s in linked} == scenario.WIDGET_KEYS
    assert len({s.link for s in linked}) == len(linked)
    for s in linked:
        if s.bounds is None:
            continue
        low, high = s.bounds
        values, problems = scenario.decode({s.link: str(high)})
        assert values == {s.key: high} and not problems
        values, problems = scenario.decode({s.link: str(int(high) + 1)})
        assert s.key not in values and problems
        if low > 0:
            assert scenario.decode({s.link: str(int(low) - 1)})[1]


def test_menus_come_from_gmm_core_and_the_table() -> None:
    assert set(INIT_CHOICES) == {*INIT_METHODS, "manual"}
    assert set(METHOD_COLORS) >= set(INIT_METHODS)
    assert SETTING["init_method"].choices == INIT_CHOICES
    assert SETTING["tol"].choices == scenario.TOLERANCES
    assert model_panel.MAX_K == MAX_K == SETTING["n_components"].bounds[1]


def test_a_bad_default_is_refused_when_the_table_is_built() -> None:
    with pytest.raises(ValueError, match="outside"):
        Setting("k", 11, int, "K", bounds=(1, 10))
    with pytest.raises(ValueError, match="not among"):
        Setting("tol", 0.5, float, "Tolerance", choices=(1e-6, 0.0))
