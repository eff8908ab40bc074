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
    first = run_scenarios(["baseline"], root / "a", progress=quiet)
    second = run_scenarios(["baseline"], root / "b", progress=quiet)
    return first, second


def test_figures_and_report_are_byte_identical(two_reports):
    first, second = two_reports
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file() and p.name != "manifest.json")
    suffixes = {p.suffix for p in files}
    assert {".png", ".svg", ".csv", ".html", ".md"} <= suffixes
    different = [str(p) for p in files if (first / p).read_bytes() != (second / p).read_bytes()]
    assert different == []


def test_report_content(two_reports):
    html = (two_reports[0] / "report.html").read_text(encoding="utf-8")
    markdown = (two_reports[0] / "report.md").read_text(encoding="utf-8")
    for needle in ("大理州", "532901", "content_hash", "Inconsistencies in the plan", "guo2022_bmc_geriatrics"):
        assert needle in html and needle in markdown
    assert "data:image/png;base64," in html and "src=\"figures/" not in html  # self-contained
    assert "@font-face" in html  # Chinese text renders without a system font
    assert "](figures/baseline/pyramid_prefecture.png)" in markdown
    assert (two_reports[0] / "figures" / "baseline" / "pyramid_prefecture.png").is_file()


@pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER) and not REQUIRE_BROWSER,
                    reason="Debian chromium and chromium-driver not installed (.ci/run installs them)")
def test_report_renders_in_headless_chromium(two_reports):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    assert CHROMIUM and CHROMEDRIVER, "chromium and chromedriver are required here"
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
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
