"""The HTML report in real headless Chromium: loads without console errors, shows Table 2,
the figures and the overlays, and is saved as a screenshot.

Needs the Debian packages ``chromium`` and ``chromium-driver`` (``.ci/run`` installs them)
and ``selenium`` (the ``[test]`` extra). The screenshot goes to the test's temporary
folder, or to ``$AFLFP_BENCH_ARTIFACTS`` when that is set.
"""

import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from aflfp_bench.html import write_html
from aflfp_bench.loaders import load_dataset
from aflfp_bench.predictions import write_predictions
from aflfp_bench.published import paper_table2
from aflfp_bench.report import build_report
from aflfp_bench.results import load_results
from aflfp_bench.settings import Settings
from aflfp_bench.synth import synthesize

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(
    not (CHROMIUM and DRIVER),
    reason="no Chromium here: install the Debian packages chromium and chromium-driver")


@pytest.fixture(scope="module")
def report_file(tmp_path_factory):
    root = tmp_path_factory.mktemp("browser")
    synthesize(root / "synthetic", subjects=3, size=96, workers=1)
    ds = load_dataset(root / "synthetic")
    rng = np.random.default_rng(0)
    paths = []
    for k, noise in enumerate((1.0, 2.0)):
        p = root / f"method{k}.csv"
        write_predictions(p, ds.ids, ds.points + rng.normal(0, noise, ds.points.shape))
        paths.append(p)
    results = load_results(paths, dataset=ds, names=["<b>bold</b>", "second"])
    out = root / "report.html"
    write_html(build_report(results, settings=Settings(resamples=200), published=paper_table2(),
                            show_published=True), out)
    return out


def test_report_renders_in_headless_chromium(report_file, tmp_path):
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-dev-shm-usage", "--window-size=1280,1800",
                 f"--user-data-dir={tmp_path / 'profile'}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    try:
        driver.get(report_file.as_uri())
        assert driver.title == "aflfp-bench report (synthetic data)"
        errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
        assert errors == []
        rows = driver.find_elements(By.CSS_SELECTOR, "#table2 table.t2 tbody tr")
        assert len(rows) == 2  # two methods; the paper's rows are on real images: apart
        published = driver.find_elements(By.CSS_SELECTOR, "#published table tbody tr")
        assert len(published) == 2 * 5  # a Mean and a StD line for each of five methods
        assert rows[0].find_element(By.TAG_NAME, "th").text.startswith("<b>bold</b>")
        assert driver.find_elements(By.CSS_SELECTOR, "table.t2 b") == []
        sizes = driver.execute_script(
            "return Array.from(document.images).map(i => [i.complete, i.naturalWidth]);")
        assert len(sizes) >= 7 and all(done and width > 0 for done, width in sizes)
        assert driver.find_element(By.ID, "overlays").is_displayed()
        folder = Path(os.environ.get("AFLFP_BENCH_ARTIFACTS") or tmp_path)
        folder.mkdir(parents=True, exist_ok=True)
        shot = folder / "report.png"
        assert driver.save_screenshot(str(shot)) and shot.stat().st_size > 10_000
    finally:
        driver.quit()
