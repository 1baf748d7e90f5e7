"""Names of the session-state keys that more than one place reads or writes.

One source for each key's string: pages, sidebar panels and link handling import these names
instead of repeating the strings. The string values are part of the app's contract (tests,
AppTest and the shareable link's widget keys use them) and must not change. Keys used in one
module only stay next to their code (e.g. ``ui.session.DATA_KEY``).
"""

from __future__ import annotations

# Sidebar and shared run state
LECTURE = "lecture"  # lecture mode toggle (sidebar); also flipped by the stepper's button
MODEL_SETTINGS = "model_settings"  # the sidebar's validated EMSettings, for every page
STEPPER_PROBLEM = "stepper_problem"  # why the stepper cannot run (message) or None
PLAYING = "playing"  # the stepper's play/pause button state
SHOW_TRUTH = "show_truth"  # overlay the true components (generated data)
MANUAL_PENDING = "manual_pending"  # a manual θ₀ table from a preset or link, not yet shown
MANUAL_FOR = "manual_for"  # data_id the manual θ₀ table was made for
PRESET_RUN = "preset_run"  # identity of the run a preset note belongs to

# EM stepper page
SCRUB = "scrub"  # the iteration slider
PLAY_SPEED = "play_speed"  # autoplay steps per second
PLAY_HALF = "play_half"  # autoplay E and M as separate half steps
BINS = "bins"  # histogram bins (0 = automatic)
MATHS_N = "maths_n"  # data point whose numbers "show the maths" uses
SHOW_MATHS = "show_maths"  # show the maths of this step
PENDING_RUN = "pending_run"  # "Run to convergence" pressed, run on the next draw
BOUND_PATH = "bound_path"  # lower-bound panel: which path through the step
SHOW_BOUND = "show_bound"  # lower-bound panel shown
SHOW_HARD = "show_hard"  # hard-vs-soft EM comparison shown
PREDICT_MODE = "predict_mode"  # "predict the next step" mode on
SHOW_EXPORT = "show_export"  # the "Export this run" expander is open (its content is built)

# Initialisation explorer page
EXPLORATION = "exploration"  # (identity, Exploration) of the last run; the landscape reads it
EXPLORER_METHODS = "explorer_methods"  # initialisation methods to compare
EXPLORER_RESTARTS = "explorer_restarts"  # number of restarts R
EXPLORER_SEED = "explorer_seed"  # seed of the restarts
EXPLORER_PICK = "explorer_pick"  # index of the run shown in detail
EXPLORER_STRIP = "explorer_strip"  # the strip chart (its selection picks a run)

# How many components? page
K_MAX = "k_max"  # largest K fitted
K_RESTARTS = "k_restarts"  # restarts per K
K_SEED = "k_seed"  # seed of the fits
K_INIT = "k_init"  # initialisation method
K_MODELS = "k_models"  # variance models fitted
K_SHOW_ICL = "k_show_icl"  # show ICL next to BIC
K_ICL_FORM = "k_icl_form"  # which ICL formula
K_SHOW = "k_show"  # (K, equal variance) of the model shown
K_UNCERTAINTY = "k_uncertainty"  # show classification uncertainty
K_BOOT_N = "k_boot_n"  # bootstrap resamples B for the BIC choice
K_LRT_KMAX = "k_lrt_kmax"  # largest K of the bootstrap LRT
K_LRT_MODEL = "k_lrt_model"  # variance model of the LRT
K_LRT_BOOT = "k_lrt_boot"  # bootstrap samples B of the LRT

# Likelihood landscape page
LAND_HOLD = "land_hold"  # where the σ² and π held fixed come from
LAND_GRID = "land_grid"  # grid size of the surface
LAND_MU1 = "land_mu1"  # start μ₁ of a path
LAND_MU2 = "land_mu2"  # start μ₂ of a path

KEPT_PREFIX = "_kept_"


def kept(key: str) -> str:
    """The session key under which :func:`ui.widgets.keep_values` mirrors widget ``key``."""
    return f"{KEPT_PREFIX}{key}"
