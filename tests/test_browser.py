"""The HTML report in real headless Chromium, at 1280 and 1920 px wide: loads without
console errors, shows Table 2 (Avg visible without scrolling), the figures (each with alt
text) and the overlays, lets nothing stick out of the page except inside a scroll
container, and is saved as a full-page screenshot at each width.

Needs the Debian packages ``chromium`` and ``chromium-driver`` (``.ci/run`` installs them)
and ``selenium`` (the ``[test]`` extra). The screenshots go to the test's temporary
folder, or to ``$AFLFP_BENCH_ARTIFACTS`` when that is set.
"""

import base64
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from aflfp_bench.board.results import load_results
from aflfp_bench.reading.loaders import load_dataset
from aflfp_bench.reading.predictions import write_predictions
from aflfp_bench.rendering.html import write_html
from aflfp_bench.running.synth import synthesize
from aflfp_bench.scoring.published import paper_table2
from aflfp_bench.scoring.report import build_report
from aflfp_bench.scoring.settings import Settings

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(
    not (CHROMIUM and DRIVER),
    reason="no Chromium here: install the Debian packages chromium and chromium-driver")

#: (name, noise in px): a good method, a close one, and weak ones with long names, so
#: Table 2 is wider than a laptop screen.
METHODS = [("<b>bold</b>", 1.0), ("second", 2.0),
           ("Cascaded FCN retrained on palsy faces, noisy boxes", 3.5),
           ("Very weak baseline: the mean shape jittered by 12 px", 12.0)]

#: Elements whose right edge is past the viewport without a scrolling ancestor.
OVERFLOWING = """
const width = window.innerWidth, out = [];
for (const el of document.body.querySelectorAll('*')) {
  const r = el.getBoundingClientRect();
  if ((r.width === 0 && r.height === 0) || r.right <= width + 1) continue;
  let p = el.parentElement, scrolls = false;
  for (; p && !scrolls; p = p.parentElement)
    scrolls = ['auto', 'scroll'].includes(getComputedStyle(p).overflowX);
  if (!scrolls) out.push(`${el.tagName}.${el.className} right=${Math.round(r.right)}`);
}
return out;
"""

#: Where Table 2's Avg header cell is: its rect, its scroll container's, and the sticky
#: method column's.
AVG_CELL = """
const th = document.querySelector('#table2 table.t2 thead th:nth-child(2)');
const box = th.closest('.scroll').getBoundingClientRect();
const method = th.parentElement.firstElementChild.getBoundingClientRect();
const r = th.getBoundingClientRect();
return {text: th.textContent.trim(), left: r.left, right: r.right, top: r.top,
        box_left: box.left, box_right: box.right, method_right: method.right,
        scroll_width: th.closest('.scroll').scrollWidth, client_width: box.width,
        viewport: window.innerWidth, page_width: document.documentElement.scrollWidth};
"""


@pytest.fixture(scope="module")
def report_file(tmp_path_factory):
    root = tmp_path_factory.mktemp("browser")
    synthesize(root / "synthetic", subjects=3, size=96, workers=1)
    ds = load_dataset(root / "synthetic")
    rng = np.random.default_rng(0)
    paths = []
    for k, (_, noise) in enumerate(METHODS):
        p = root / f"method{k}.csv"
        write_predictions(p, ds.ids, ds.points + rng.normal(0, noise, ds.points.shape))
        paths.append(p)
    results = load_results(paths, dataset=ds, names=[name for name, _ in METHODS])
    out = root / "report.html"
    write_html(build_report(results, settings=Settings(resamples=200), published=paper_table2(),
                            show_published=True), out)
    return out


def _full_page_screenshot(driver, path: Path) -> None:
    """The whole page (Chrome DevTools), or the first screen where that is not available."""
    try:
        shot = driver.execute_cdp_cmd("Page.captureScreenshot",
                                      {"format": "png", "captureBeyondViewport": True})
        path.write_bytes(base64.b64decode(shot["data"]))
    except Exception:  # noqa: BLE001 - a driver without DevTools: the first screen
        driver.save_screenshot(str(path))


@pytest.mark.parametrize("width", [1280, 1920])
def test_report_renders_in_headless_chromium(report_file, tmp_path, width):
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-dev-shm-usage", f"--window-size={width},1000",
                 "--hide-scrollbars", f"--user-data-dir={tmp_path / 'profile'}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    try:
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                               {"width": width, "height": 1000, "deviceScaleFactor": 1,
                                "mobile": False})
        driver.get(report_file.as_uri())
        assert driver.title == "aflfp-bench report (synthetic data)"
        assert driver.execute_script("return window.innerWidth") == width
        errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
        assert errors == []
        rows = driver.find_elements(By.CSS_SELECTOR, "#table2 table.t2 tbody tr")
        assert len(rows) == len(METHODS)  # the paper's rows are on real images: apart
        published = driver.find_elements(By.CSS_SELECTOR, "#published table tbody tr")
        assert len(published) == 2 * 5  # a Mean and a StD line for each of five methods
        assert rows[0].find_element(By.TAG_NAME, "th").text.startswith("<b>bold</b>")
        assert driver.find_elements(By.CSS_SELECTOR, "table.t2 b") == []

        answer = driver.find_element(By.CSS_SELECTOR, "#headline .answer")
        assert answer.is_displayed() and answer.location["y"] < 1000   # on the first screen
        assert len(driver.find_elements(By.CSS_SELECTOR, "#headline li")) == len(METHODS) - 1

        assert driver.execute_script(OVERFLOWING) == []
        avg = driver.execute_script(AVG_CELL)
        assert avg["text"] == "Avg" and avg["page_width"] <= width
        assert 0 <= avg["left"] and avg["right"] <= width
        assert avg["box_left"] - 1 <= avg["left"] and avg["right"] <= avg["box_right"] + 1
        assert avg["left"] >= avg["method_right"] - 1           # not under the sticky column
        if width == 1280:
            assert avg["scroll_width"] > avg["client_width"]   # the table does scroll here
        sticky = driver.find_element(By.CSS_SELECTOR, "#table2 tbody th[scope=row]")
        assert sticky.value_of_css_property("position") == "sticky"
        titles = [th.get_attribute("title") for th in
                  driver.find_elements(By.CSS_SELECTOR, "#table2 thead th[scope=col]")[1:]]
        assert len(titles) == 17 and all(titles) and "Brow Raise" in titles
        assert driver.find_element(By.CSS_SELECTOR, "#table2 dl.codes").is_displayed()

        images = driver.execute_script(
            "return Array.from(document.images).map(i => [i.complete, i.naturalWidth, i.alt]);")
        assert len(images) >= 7 + len(METHODS)
        assert all(done and w > 0 and alt.strip() for done, w, alt in images)
        assert len(driver.find_elements(By.CSS_SELECTOR, "figure > figcaption")) == len(images)
        assert driver.find_element(By.ID, "overlays").is_displayed()

        folder = Path(os.environ.get("AFLFP_BENCH_ARTIFACTS") or tmp_path)
        folder.mkdir(parents=True, exist_ok=True)
        shot = folder / f"report-{width}.png"
        height = driver.execute_script("return document.documentElement.scrollHeight")
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                               {"width": width, "height": height, "deviceScaleFactor": 1,
                                "mobile": False})
        _full_page_screenshot(driver, shot)
        assert shot.stat().st_size > 10_000
    finally:
        driver.quit()
