"""The HTML report of config/test.yaml, opened in headless Chromium as a reader would use it.

The report (`snakemake --report`) is one self-contained HTML page with an embedded React app:
the entries are in the page's `results` object (path -> caption, mime type, labels, data URI),
grouped by `categories` (category -> subcategory -> paths). For every entry the test clicks
through the navigation bar as a reader does (home -> category -> subcategory -> the entry's row),
clicks its view button and its info button, and records what is shown: the image and its
natural width, the HTML page in the frame and its tables, or the download link; the caption
panel and whether it holds a docutils "System Message". A screenshot of each view is saved in
results/browser_screenshots/.

Fails when an image does not load, a caption shows an error, the claims table is not shown as a
table, a shown file is not the file on disk, or an entry cannot be reached.
"""

from __future__ import annotations

import base64
import csv
import re
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

SYSTEM_MESSAGE = re.compile(r"System Message|system-message")


@dataclass
class View:
    """What the report showed for one entry."""

    path: str
    category: str
    subcategory: str
    mime: str
    caption_html: str = ""
    panel_text: str = ""  # the navigation bar's text while the entry's info is shown
    shown: str = ""  # "img", "html" or "download"
    shown_bytes: bytes = b""  # decoded data URI of the image / frame / download link
    natural_width: int = 0
    frame_tables: list[dict] = field(default_factory=list)  # {"header": [...], "n_rows": int}
    screenshot: str = ""


def _decode_data_uri(uri: str) -> bytes:
    head, _, data = uri.partition(",")
    if ";base64" in head:
        return base64.b64decode(data)
    return urllib.parse.unquote_to_bytes(data)


def _click(driver, element) -> None:
    """Click as the reader does, dispatched on the element itself (no miss when the layout shifts)."""
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'}); arguments[0].click();", element)


def _menu_item(driver, text: str):
    """The navigation bar's menu entry labelled `text` (waits for it to be rendered)."""
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    def find(d):
        items = d.find_elements(By.CSS_SELECTOR, "#app nav ul li a")
        return next((a for a in items if a.get_attribute("textContent").strip() == text), False)

    try:
        return WebDriverWait(driver, 30).until(find)
    except TimeoutException:
        raise AssertionError(f"no menu item {text!r} in the navigation bar") from None


def _open_entry_row(driver, path: str, category: str, subcategory: str, entry: dict):
    """Click home -> category -> subcategory; return the table row of `path`."""
    from selenium.webdriver.common.by import By

    _click(driver, driver.find_element(By.CSS_SELECTOR, "#app nav nav ol li a"))  # home breadcrumb
    _click(driver, _menu_item(driver, category))
    if driver.execute_script("return Object.keys(categories[arguments[0]]).length", category) > 1:
        _click(driver, _menu_item(driver, subcategory))
    table = driver.find_element(By.CSS_SELECTOR, "#app nav table")
    header = [th.get_attribute("textContent") for th in table.find_elements(By.CSS_SELECTOR, "thead th")][:-1]
    labels = entry.get("labels")
    want = [path] if header == ["File"] else [str(labels.get(h, "")) for h in header]
    for row in table.find_elements(By.CSS_SELECTOR, "tbody tr"):
        cells = [td.get_attribute("textContent") for td in row.find_elements(By.CSS_SELECTOR, "td")][:-1]
        if cells == want:
            return row
    raise AssertionError(f"{path}: no row {want} under {category} / {subcategory} (columns {header})")


def _visit(driver, path: str, category: str, subcategory: str, shots: Path, index: int) -> View:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    entry = driver.execute_script(
        "const r = results[arguments[0]]; return {labels: r.labels, mime: r.mime_type, caption: r.caption};", path
    )
    view = View(path, category, subcategory, entry["mime"], caption_html=entry["caption"] or "")
    row = _open_entry_row(driver, path, category, subcategory, entry)
    view_button, info_button = row.find_elements(By.CSS_SELECTOR, "td:last-child a")[:2]
    content = "#app > div > div.grow"
    if view_button.get_dom_attribute("download") is not None:
        view.shown = "download"
        view.shown_bytes = _decode_data_uri(view_button.get_dom_attribute("href"))
    else:
        _click(driver, view_button)
        kind = "img" if view.mime.startswith("image/") else "html" if view.mime == "text/html" else "pdf"
        shown = "return app.state.content === arguments[0] && app.state.resultPath === arguments[1]"
        WebDriverWait(driver, 60).until(lambda d: d.execute_script(shown, kind, path))
        if kind == "img":
            view.shown = "img"
            img = WebDriverWait(driver, 60).until(lambda d: d.find_element(By.CSS_SELECTOR, f"{content} img"))
            WebDriverWait(driver, 60).until(lambda d: d.execute_script("return arguments[0].complete", img))
            view.natural_width = int(driver.execute_script("return arguments[0].naturalWidth", img))
            view.shown_bytes = _decode_data_uri(img.get_attribute("src"))
        else:
            view.shown = "html"
            frame = WebDriverWait(driver, 60).until(lambda d: d.find_element(By.CSS_SELECTOR, f"{content} iframe"))
            view.shown_bytes = _decode_data_uri(frame.get_attribute("src"))
            driver.switch_to.frame(frame)
            try:
                for table in driver.find_elements(By.TAG_NAME, "table"):
                    header = [th.text.strip() for th in table.find_elements(By.CSS_SELECTOR, "thead th")]
                    rows = table.find_elements(By.CSS_SELECTOR, "tbody tr")
                    view.frame_tables.append({"header": header, "n_rows": len(rows)})
            finally:
                driver.switch_to.default_content()
    _click(driver, info_button)
    info = "return app.state.navbarMode === 'resultinfo' && app.state.resultPath === arguments[0]"
    WebDriverWait(driver, 60).until(lambda d: d.execute_script(info, path))
    panel = driver.find_element(By.CSS_SELECTOR, "#app nav")
    view.panel_text = panel.get_attribute("innerHTML")
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", f"{index:02d}_{category}_{subcategory}_{Path(path).name}")
    view.screenshot = str(shots / f"{name}.png")
    driver.save_screenshot(view.screenshot)
    return view


@pytest.fixture(scope="module")
def report(chrome, built_report, screenshots):
    """Every entry of the report visited once: {"views": [View], "entries": [...], "start": html}."""
    driver = chrome
    driver.get((built_report / "results" / "report.html").as_uri())
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, 60).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#app nav nav ol li a"))
    driver.save_screenshot(str(screenshots / "00_start.png"))
    start = driver.find_element(By.CSS_SELECTOR, "#app").get_attribute("innerHTML")
    _click(driver, _menu_item(driver, "Workflow"))
    workflow = driver.find_element(By.CSS_SELECTOR, "#app").get_attribute("innerHTML")
    driver.save_screenshot(str(screenshots / "00_workflow.png"))
    categories = driver.execute_script("return categories")
    entries = [(c, s, p) for c in sorted(categories) for s in sorted(categories[c]) for p in categories[c][s]]
    views = [_visit(driver, p, c, s, screenshots, i + 1) for i, (c, s, p) in enumerate(entries)]
    return {"root": built_report, "views": views, "entries": entries, "start": start + workflow}


def test_every_entry_is_visited(report):
    assert len(report["views"]) == len(report["entries"]) > 20
    assert {v.category for v in report["views"]} >= {"Claims", "Figures", "Tables", "Theory"}


def test_every_figure_loads(report):
    images = [v for v in report["views"] if v.mime.startswith("image/")]
    assert len(images) >= 9
    broken = [v.path for v in images if v.shown != "img" or v.natural_width == 0]
    assert not broken, f"images that do not load: {broken}"


def test_every_view_shows_the_file_on_disk(report):
    root = report["root"]
    differ = [v.path for v in report["views"] if v.shown_bytes != (root / v.path).read_bytes()]
    assert not differ, f"shown content differs from the file: {differ}"


def test_no_caption_shows_an_error(report):
    assert not SYSTEM_MESSAGE.search(report["start"]), "the start page shows a docutils system message"
    bad = [v.path for v in report["views"] if SYSTEM_MESSAGE.search(v.caption_html + v.panel_text)]
    assert not bad, f"captions showing a docutils System Message: {bad}"


def test_every_figure_has_a_caption(report):
    missing = [v.path for v in report["views"] if v.mime.startswith("image/") and not v.caption_html.strip()]
    assert not missing, f"figures without a caption: {missing}"


def test_claims_table_is_shown_as_a_table(report):
    with open(report["root"] / "results" / "tables" / "claims.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    header, n_rows = rows[0], len(rows) - 1
    shown = [t for v in report["views"] if v.category == "Claims" for t in v.frame_tables]
    assert {"header": header, "n_rows": n_rows} in shown, (
        f"the claims table ({n_rows} rows, columns {header}) is not shown as a table; "
        f"views under Claims: {[(v.path, v.shown, v.frame_tables) for v in report['views'] if v.category == 'Claims']}"
    )
