"""The initialisation explorer, the "How many components?" page, the exports and lecture mode in
a real browser (Debian's chromium against ``streamlit run``).

Screenshots go to ``artifacts/screenshots/``: ``explorer.png``, ``choose_k.png``,
``lecture_1280x720.png`` (the projector's view, not the whole page) and ``export_animation.png``
(the downloaded HTML animation, opened with the network cut off).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from .helpers import click, iteration, main, settle, status

pytestmark = pytest.mark.timeout(180)

SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
SLOW_MS = 120_000  # restarts and model sweeps on a loaded 2-core machine


def press(page: Page, key: str, wait_for_app, timeout_ms: float = 60_000) -> None:
    """Click the button with widget key ``key`` and wait for the rerun to finish."""
    button = page.locator(f".st-key-{key}").get_by_role("button")
    expect(button).to_be_enabled()
    button.click()
    wait_for_app(page, timeout_ms=timeout_ms)
    errors = page.locator('[data-testid="stException"]')
    assert errors.count() == 0, "the app raised:\n" + "\n---\n".join(errors.all_inner_texts())


def set_number(page: Page, key: str, value: int, wait_for_app) -> None:
    field = page.locator(f".st-key-{key} input")
    field.fill(str(value))
    field.press("Enter")
    wait_for_app(page)
    expect(field).to_have_value(str(value))


def drawn(page: Page, key: str) -> dict:
    """What plotly drew in chart ``key``: marker points, line paths and texts of the svg."""
    expect(page.locator(f".st-key-{key} .js-plotly-plot:not(.emlab-back)")).to_have_count(1)
    return page.evaluate(
        """(key) => {
          const gd = document.querySelector(`.st-key-${key} .js-plotly-plot:not(.emlab-back)`);
          return {
            names: gd._fullData.map(t => t.name),
            points: gd.querySelectorAll('.scatterlayer path.point').length,
            lines: gd.querySelectorAll('.scatterlayer path.js-line').length,
            texts: Array.from(gd.querySelectorAll('text')).map(t => t.textContent),
          };
        }""",
        key,
    )


def open_page(page: Page, path: str, title: str, wait_for_app) -> None:
    page.goto(path)
    wait_for_app(page)
    expect(main(page).locator("h1")).to_have_text(title)


def test_explorer_runs_restarts_and_opens_a_run_in_the_stepper(
    page: Page, wait_for_app, full_page_screenshot
):
    open_page(page, "/explorer", "Initialisation explorer", wait_for_app)
    set_number(page, "explorer_restarts", 24, wait_for_app)
    press(page, "explorer_run", wait_for_app, timeout_ms=SLOW_MS)

    expect(main(page).locator('[data-testid="stMetricValue"]').first).to_have_text("24")
    strip = drawn(page, "explorer_strip")
    methods = {"random", "kmeans++", "quantile", "kmeans"}
    assert methods <= set(strip["names"]), strip["names"]
    # 24 runs as markers (+ the ring around the selected run).
    assert strip["points"] == 25, strip["points"]
    traces = drawn(page, "explorer_traces")
    assert traces["lines"] >= 24, traces["lines"]
    optima = drawn(page, "explorer_optima")
    assert any(n.startswith("optimum 1") for n in optima["names"]), optima["names"]
    full_page_screenshot(page, "explorer")

    # Clicking a run in the strip picks it.
    before = page.locator(".st-key-explorer_pick input").input_value()
    points = page.locator(".st-key-explorer_strip .scatterlayer .trace").first.locator("path.point")
    points.nth(1).click(force=True)
    wait_for_app(page)
    pick = page.locator(".st-key-explorer_pick input")
    # The selection reaches the server after plotly's click event: on a loaded machine its
    # rerun can start after wait_for_app has seen the page quiet, hence the wait on the value.
    expect(pick, f"clicking a run did not pick it (still run {before})").not_to_have_value(
        before, timeout=15_000
    )
    wait_for_app(page)
    picked = pick.input_value()
    expect(main(page).get_by_text(re.compile(rf"Run {picked}: "))).to_have_count(1)

    press(page, "explorer_open", wait_for_app)
    settle(page, wait_for_app)
    expect(main(page).locator("h1")).to_have_text("EM stepper")
    assert iteration(page) == (0, "init")
    # The stepper starts from that run's method and seed (sidebar) at θ₀.
    expect(status(page)).to_contain_text("initial parameters θ₀")
    click(page, "step", wait_for_app)
    assert iteration(page) == (1, "M")


def test_choose_k_compares_models_and_marks_the_best(
    page: Page, wait_for_app, full_page_screenshot
):
    open_page(page, "/choose_k", "How many components?", wait_for_app)
    expect(main(page).get_by_text("lower is better", exact=False).first).to_be_visible()
    set_number(page, "k_max", 5, wait_for_app)
    set_number(page, "k_restarts", 3, wait_for_app)
    press(page, "k_run", wait_for_app, timeout_ms=SLOW_MS)

    verdict = main(page).locator('[data-testid="stAlertContentSuccess"]')
    expect(verdict).to_contain_text("BIC picks K = 3")
    criteria = drawn(page, "k_criteria")
    # BIC and AIC starred; ICL only on request (it dwarfs the other two).
    assert sum(n.startswith("best ") for n in criteria["names"]) == 2, criteria["names"]
    assert "BIC, unequal σ²" in criteria["names"] and "BIC, equal σ²" in criteria["names"]
    assert criteria["lines"] == 4  # BIC and AIC, each for both variance models
    mixture = drawn(page, "k_mixture")
    assert sum(n.startswith("π") for n in mixture["names"]) == 3, mixture["names"]
    full_page_screenshot(page, "choose_k")


def test_lecture_mode_fits_a_1280x720_projector(page: Page, wait_for_app):
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto("/?lecture=1")
    settle(page, wait_for_app)
    big = page.locator(".st-key-lecture_next").get_by_role("button")
    expect(big).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / "lecture_1280x720.png"))
    sidebar = page.locator('[data-testid="stSidebar"]').bounding_box()
    assert sidebar is None or sidebar["x"] + sidebar["width"] <= 0, f"sidebar open: {sidebar}"
    box = big.bounding_box()
    chart = page.locator(".st-key-mixture_chart").bounding_box()
    assert box and box["y"] + box["height"] <= 720, f"the big button is below the fold: {box}"
    assert box["height"] >= 60, f"the big button is small: {box}"
    assert chart and chart["y"] < 720 / 2, f"the chart starts below mid-screen: {chart}"
    font = page.evaluate(
        """() => parseFloat(getComputedStyle(document.querySelector(
          '[data-testid="stMain"] [data-testid="stAlert"] p')).fontSize)"""
    )
    assert font >= 22, f"status text is {font}px: too small for the back of a room"

    big.click()
    settle(page, wait_for_app)
    assert iteration(page) == (0, "E")
    expect(big).to_contain_text("M-step")
    big.click()
    settle(page, wait_for_app)
    assert iteration(page) == (1, "M")
    page.screenshot(path=str(SCREENSHOTS / "lecture_1280x720_step.png"))

    # A preset's "what to watch" folds into one line: the chart stays in view.
    # (The scenarios are one click away at the top of the stepper: a popover in lecture mode.)
    main(page).get_by_role("button", name="Scenarios").click()
    page.locator(".st-key-preset_bad_start").get_by_role("button").click()
    settle(page, wait_for_app)
    page.keyboard.press("Escape")
    page.wait_for_timeout(500)
    expect(main(page).get_by_text("what to watch")).to_be_visible()
    chart = page.locator(".st-key-mixture_chart").bounding_box()
    box = big.bounding_box()
    assert chart and chart["y"] < 720 / 2, f"with a preset the chart starts at {chart}"
    assert box and box["y"] + box["height"] <= 720
    page.screenshot(path=str(SCREENSHOTS / "lecture_1280x720_preset.png"))


def download(page: Page, label: str, folder: Path) -> Path:
    """Click the download button ``label``; the file, saved under its own name in ``folder``."""
    button = main(page).get_by_role("button", name=label)
    with page.expect_download() as info:
        button.click()
    path = folder / info.value.suggested_filename
    info.value.save_as(path)
    return path


def test_exports_download_and_the_animation_plays_offline(page: Page, wait_for_app, tmp_path):
    page.goto("/")
    settle(page, wait_for_app)
    for _ in range(4):
        click(page, "step", wait_for_app)
    main(page).get_by_text("Export this run").click()

    run = json.loads(download(page, "Run (JSON)", tmp_path).read_text())
    assert run["format"] == "em-lab-run" and run["n_iterations"] == 4
    assert len(run["log_likelihoods"]) == 5 and run["meta"]["n_components"] == 3
    assert run["meta"]["link"]["t"] == "4"  # the link of the position on screen, not the last
    csv = download(page, "Parameters (CSV)", tmp_path).read_text().splitlines()
    assert csv[0] == "t,k,pi,mu,sigma2,log_likelihood" and len(csv) == 1 + 5 * 3
    resp = download(page, "Responsibilities (CSV)", tmp_path).read_text().splitlines()
    assert resp[0] == "x,gamma_1,gamma_2,gamma_3,uncertainty" and len(resp) == 1 + 1000

    html = download(page, "Animation (HTML)", tmp_path)
    assert html.name == "em-lab-K3-t4-animation.html"
    assert html.stat().st_size > 3_000_000  # plotly.js inside
    player = page.context.new_page()
    player.goto(html.as_uri())
    player.wait_for_function(
        "() => { const gd = document.querySelector('.plotly-graph-div');"
        " return gd && gd._transitionData && gd._transitionData._frames.length > 0; }"
    )
    frames = player.evaluate(
        "() => document.querySelector('.plotly-graph-div')._transitionData._frames.map(f => f.name)"
    )
    assert frames == ["0", "1", "2", "3", "4"], frames
    label = player.locator(".scatterlayer .textpoint text")
    expect(label).to_contain_text("iteration 0 · log L = ")
    player.get_by_text("▶ Play").click()
    # While it plays the histogram stays drawn (bars would be cleared by plotly's animation).
    fills = [
        player.evaluate("document.querySelectorAll('.scatterlayer path.js-fill').length")
        for _ in range(5)
        if player.wait_for_timeout(150) is None
    ]
    assert min(fills) >= 1, fills
    expect(label).to_contain_text("iteration 4 · log L = ", timeout=15_000)
    player.screenshot(path=str(SCREENSHOTS / "export_animation.png"))


def test_a_shared_link_opens_the_same_run_in_a_new_session(
    page: Page, browser, app_server: str, wait_for_app
):
    page.goto("/")
    settle(page, wait_for_app)
    for _ in range(5):
        click(page, "step", wait_for_app)
    click(page, "e_step", wait_for_app)
    wanted = status(page).inner_text()
    assert "Iteration 5 · after E-step" in wanted
    expect(page).to_have_url(re.compile(r"[?&]t=5(&|$)"))
    link = page.url

    other = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        fresh = other.new_page()
        fresh.goto(link)
        settle(fresh, wait_for_app)
        # The same iteration, phase and log L (printed to 6 decimals) in a session of its own.
        assert status(fresh).inner_text() == wanted
        assert iteration(fresh) == (5, "E")
    finally:
        other.close()


#: The explorer strip's column labels: text, box, and whether the figure holds them whole.
_STRIP_LABELS_JS = """() => {
  const gd = document.querySelector('.st-key-explorer_strip .js-plotly-plot:not(.emlab-back)');
  const paper = gd.querySelector('.main-svg').getBoundingClientRect();
  return Array.from(gd.querySelectorAll('.xtick text')).map(t => {
    const r = t.getBoundingClientRect();
    return {text: t.textContent, left: r.left, right: r.right, top: r.top, bottom: r.bottom,
            inside: r.width > 0 && r.left >= paper.left && r.right <= paper.right
                    && r.bottom <= paper.bottom};
  });
}"""


@pytest.mark.parametrize(
    ("path", "title", "run", "chart_key"),
    [
        ("/explorer", "Initialisation explorer", "explorer_run", "explorer_strip"),
        ("/choose_k", "How many components?", "k_run", "k_criteria"),
    ],
)
def test_lecture_mode_is_projector_sized_on_the_other_pages(
    page: Page, wait_for_app, path: str, title: str, run: str, chart_key: str
):
    page.set_viewport_size({"width": 1280, "height": 720})
    open_page(page, f"{path}?lecture=1", title, wait_for_app)
    press(page, run, wait_for_app, timeout_ms=SLOW_MS)
    expect(page.locator(f".st-key-{chart_key} .js-plotly-plot:not(.emlab-back)")).to_have_count(1)
    sizes = page.evaluate(
        """(key) => {
          const gd = document.querySelector(`.st-key-${key} .js-plotly-plot:not(.emlab-back)`);
          const ticks = Array.from(gd.querySelectorAll('.xtick text, .ytick text'));
          const metric = document.querySelector('[data-testid="stMetricValue"]');
          return {
            ticks: ticks.map(t => parseFloat(getComputedStyle(t).fontSize)),
            metric: metric ? parseFloat(getComputedStyle(metric.querySelector('*') || metric)
                                        .fontSize) : null,
          };
        }""",
        chart_key,
    )
    assert sizes["ticks"] and min(sizes["ticks"]) >= 18, sizes
    if sizes["metric"] is not None:
        assert sizes["metric"] >= 36, sizes
    if chart_key == "explorer_strip":  # every column labelled, in full, clear of the others
        for width in (1280, 1024):
            page.set_viewport_size({"width": width, "height": 720})
            page.wait_for_timeout(600)  # plotly redraws for the new width
            labels = page.evaluate(_STRIP_LABELS_JS)
            assert len(labels) == 4, labels
            assert all(label["inside"] for label in labels), (width, labels)
            crossing = [
                (a["text"], b["text"])
                for i, a in enumerate(labels)
                for b in labels[i + 1 :]
                if a["left"] < b["right"] and b["left"] < a["right"]
                and a["top"] < b["bottom"] and b["top"] < a["bottom"]
            ]  # fmt: skip
            assert not crossing, (width, crossing)
    name = path.strip("/")
    page.screenshot(path=str(SCREENSHOTS / f"lecture_1280x720_{name}.png"))
