"""The review report: byte-identical reruns, and it renders in a real headless browser."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from oloy_model.runner import run_scenarios

pytestmark = pytest.mark.slow  # two full runs with figures, and the browser

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
# CI sets OLOY_REQUIRE_BROWSER=1 (.ci/run installs Debian's chromium): there a missing
# browser is a failure, not a skip.
REQUIRE_BROWSER = os.environ.get("OLOY_REQUIRE_BROWSER") == "1"


@pytest.fixture(scope="module")
def two_reports(tmp_path_factory):
    root = tmp_path_factory.mktemp("reports")
    quiet = lambda message: None  # noqa: E731
    first = run_scenarios(["baseline"], root / "a", progress=quiet, svg=True)
    second = run_scenarios(["baseline"], root / "b", progress=quiet, svg=True)
    return first, second


def test_figures_and_report_are_byte_identical(two_reports):
    first, second = two_reports
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file() and p.name != "manifest.json")
    suffixes = {p.suffix for p in files}
    assert {".png", ".svg", ".csv", ".html", ".md"} <= suffixes
    different = [str(p) for p in files if (first / p).read_bytes() != (second / p).read_bytes()]
    assert different == []


def test_same_files_with_one_worker_process(two_reports, tmp_path, monkeypatch):
    monkeypatch.setenv("OLOY_WORKERS", "1")  # tables and figures drawn in this process, in order
    single = run_scenarios(["baseline"], tmp_path / "one", progress=lambda message: None, svg=True)
    files = sorted(p.relative_to(single) for p in single.rglob("*") if p.is_file() and p.name != "manifest.json")
    assert files == sorted(p.relative_to(two_reports[0]) for p in two_reports[0].rglob("*")
                           if p.is_file() and p.name != "manifest.json")
    assert [str(p) for p in files if (single / p).read_bytes() != (two_reports[0] / p).read_bytes()] == []


def test_report_content(two_reports):
    html = (two_reports[0] / "report.html").read_text(encoding="utf-8")
    markdown = (two_reports[0] / "report.md").read_text(encoding="utf-8")
    for needle in ("大理州", "532901", "content_hash", "Inconsistencies in the plan", "guo2022_bmc_geriatrics"):
        assert needle in html and needle in markdown
    assert "data:image/png;base64," in html and "src=\"figures/" not in html  # self-contained
    assert "@font-face" in html  # Chinese text renders without a system font
    assert "](figures/baseline/pyramid_prefecture.png)" in markdown
    assert (two_reports[0] / "figures" / "baseline" / "pyramid_prefecture.png").is_file()


def _browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    assert CHROMIUM and CHROMEDRIVER, "chromium and chromedriver are required here"
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--window-size=1280,1600", "--force-device-scale-factor=1"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)


def _grey(png: bytes):
    import io

    import numpy as np
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(png)).convert("L"), dtype=float)


needs_browser = pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER) and not REQUIRE_BROWSER,
                                   reason="Debian chromium and chromium-driver not installed (.ci/run installs them)")


@needs_browser
def test_report_renders_in_headless_chromium(two_reports):
    driver = _browser()
    try:
        driver.get(Path(two_reports[0] / "report.html").as_uri())
        images = driver.execute_script(
            "return Array.from(document.images).map(i => [i.alt, i.complete, i.naturalWidth]);")
        assert len(images) >= 10
        broken = [alt for alt, complete, width in images if not complete or width == 0]
        assert broken == []
        fonts_ok = driver.execute_script("return document.fonts.check('16px OloyCJK', '大理州');")
        assert fonts_ok
        errors = [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
        assert errors == []
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def three_scenario_report(tmp_path_factory):
    folder = run_scenarios(["baseline", "three_child_support", "zero_migration"],
                           tmp_path_factory.mktemp("nav") / "out", progress=lambda message: None)
    return folder / "report.html"


@needs_browser
def test_selector_shows_each_scenario_and_basis(three_scenario_report):
    from selenium.webdriver.common.by import By

    driver = _browser()
    try:
        driver.get(three_scenario_report.as_uri())
        sections = driver.find_elements(By.CSS_SELECTOR, "section.scenario")
        names = [s.get_attribute("data-scenario") for s in sections]
        assert names == ["baseline", "three_child_support", "zero_migration"]
        for name in names:
            driver.find_element(By.CSS_SELECTOR, f"button[data-pick=scenario][data-value={name}]").click()
            for basis in ("norm", "uptake"):
                driver.find_element(By.CSS_SELECTOR, f"button[data-pick=basis][data-value={basis}]").click()
                shown = [s.get_attribute("data-scenario") for s in sections if s.is_displayed()]
                assert shown == [name]
                section = next(s for s in sections if s.is_displayed())
                blocks = section.find_elements(By.CSS_SELECTOR, "div.basis")
                assert [b.get_attribute("data-basis") for b in blocks if b.is_displayed()] == [basis]
                assert driver.find_element(By.ID, "showing").text == f"{name} / {basis}"
                driver.execute_script("arguments[0].scrollIntoView();", section)
                page = _grey(driver.get_screenshot_as_png())
                # Non-blank: text and figures on white give many dark pixels and a wide spread.
                assert (page < 200).mean() > 0.01 and page.std() > 20, (name, basis)
        summary = driver.find_element(By.CSS_SELECTOR, "#summary p[lang=zh-CN]")
        driver.execute_script("arguments[0].scrollIntoView();", summary)
        chinese = _grey(summary.screenshot_as_png)
        # The same text without the embedded font falls back to a font with no Chinese glyphs
        # (boxes); drawn with the embedded font it must differ clearly and carry more ink.
        driver.execute_script("arguments[0].style.fontFamily = 'NoSuchFont, sans-serif';", summary)
        fallback = _grey(summary.screenshot_as_png)
        assert (chinese < 128).mean() > 0.03
        if chinese.shape == fallback.shape:
            assert abs(chinese - fallback).mean() > 5
        assert (255 - chinese).sum() > 1.5 * (255 - fallback).sum()
    finally:
        driver.quit()


def test_summary_comes_first_and_numbers_are_the_gaps(two_reports):
    from oloy_model.reporting import digest
    from oloy_model.planning.result import run

    html = (two_reports[0] / "report.html").read_text(encoding="utf-8")
    markdown = (two_reports[0] / "report.md").read_text(encoding="utf-8")
    for text in (html, markdown):
        order = [text.index(s) for s in ("摘要 Summary", "情景比较 Scenario comparison", "情景 Scenario: baseline",
                                         "附录 Appendix", "content_hash")]
        assert order == sorted(order)  # the answer first, provenance last
    gaps = run("baseline").gaps
    cell = gaps[(gaps["region"] == "532900") & (gaps["year"] == 2030)].set_index(["service", "basis"])["gap"]
    for service, (zh, _) in digest.SERVICES.items():
        value = cell.loc[(service, "norm")]
        assert f"2030年{'缺口' if value > 0.5 else '富余'}{abs(value):,.0f}" in markdown
    county = gaps[(gaps["region"] == "532901") & (gaps["year"] == 2035) & (gaps["service"] == "elderly_beds")
                  & (gaps["basis"] == "uptake")]["gap"].iloc[0]
    row = next(line for line in markdown.splitlines() if line.startswith("| 大理市 Dali City | 养老床位"))
    assert f"{county:+,.0f}" in [cell.strip() for cell in row.split("|")]  # the county table, signed


def test_report_with_draws_shows_probabilities_per_basis(tmp_path):
    import pandas as pd

    import oloy_model as om
    from oloy_model.reporting.report import build_report

    results = [om.run("baseline")]
    ensemble = om.simulate("baseline", draws=30, seed=2, progress=lambda message: None)
    no_figures = pd.DataFrame(columns=["folder", "figure", "title"])
    html_path, md_path = build_report(results, no_figures, tmp_path, tmp_path, ensembles=[ensemble])
    html = html_path.read_text(encoding="utf-8")
    assert "P(short) 2030" in html
    for basis in ("norm", "uptake"):
        block = html.split(f"<div class='basis' data-basis='{basis}'>", 1)[1].split("</div>", 1)[0]
        assert f"Probability of a shortfall ({basis})" in block
        other = "uptake" if basis == "norm" else "norm"
        assert f"<td>{other}</td>" not in block
