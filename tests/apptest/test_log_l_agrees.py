"""log L reads the same in the stepper's status line and the K page's table (issue 7): one
format (figures.notation.log_l), the true minus sign, for the same fit."""

from __future__ import annotations

import re

import numpy as np
import pytest
from streamlit.dataframe_util import convert_arrow_bytes_to_pandas_df

from figures.notation import MINUS, log_l

from .helpers import click, new_app, status_text, stepper


@pytest.mark.slow  # ~15 s: a run to convergence and a K sweep
def test_status_line_and_k_table_show_the_same_log_l():
    at = new_app()
    # The stepper: K = 3 from the quantile start (no seed), run to convergence.
    at.selectbox(key="init_method").set_value("quantile").run()
    click(at, "run")
    state = stepper(at)
    assert state.settings.n_components == 3
    shown = log_l(float(state.run.log_likelihoods[state.t]))
    status = status_text(at)
    assert re.search(r"log L\(θ\S*\) = (\S+)", status).group(1) == shown, status
    assert shown.startswith(MINUS)
    # The K page: the same model, one quantile start each.
    at.switch_page("app_pages/choose_k.py").run()
    at.number_input(key="k_max").set_value(3).run()
    at.number_input(key="k_restarts").set_value(1).run()
    at.selectbox(key="k_init").set_value("quantile").run()
    click(at, "k_run")
    (grid,) = [df for df in at.dataframe if "BIC" in df.value.columns]
    table = grid.value
    (i,) = np.flatnonzero((table["K"] == 3) & (table["variances"] == "unequal σ²"))
    # What the grid draws: the styler's display values (the value is the number behind them).
    drawn = convert_arrow_bytes_to_pandas_df(grid.proto.arrow_data.styler.display_values)
    assert drawn["log L"].iloc[i] == shown
