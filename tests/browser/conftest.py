"""A headless Chromium for the report tests in this folder (marker `browser`).

The session fixture `chrome` installs Debian's chromium and chromium-driver when missing
(tools/browser/install.sh) and drives them with Selenium (the `browser` optional dependencies).
Tests skip, with the reason in pytest's summary, only when the browser cannot be installed
(not root, no apt-get) or Selenium is missing; set LINRNN_REQUIRE_BROWSER=1 to turn those skips
into failures (CI does).

The fixture `built_report` runs config/test.yaml in a temporary copy of the tree (2 cores) and
builds its HTML report with `snakemake --report`, as a reader would (or, with
LINRNN_REPORT_ROOT=DIR, takes the report already built in DIR). Screenshots of every view
go to results/browser_screenshots/ (printed in the terminal summary).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from tests.helpers import snakemake_command

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "results" / "browser_screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
_TIMINGS: dict[str, float] = {}


def _skip_or_fail(reason: str):
    if os.environ.get("LINRNN_REQUIRE_BROWSER") == "1":
        pytest.fail(f"headless browser required (LINRNN_REQUIRE_BROWSER=1) but: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def screenshots() -> Path:
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)
    SCREENSHOTS.mkdir(parents=True)
    return SCREENSHOTS


@pytest.fixture(scope="session")
def chrome():
    """A headless Chromium WebDriver (1600 x 1000 window), quit at the end of the session."""
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError as err:
        _skip_or_fail(f"selenium is not installed ({err}); pip install -e '.[browser]'")
    t0 = time.perf_counter()
    proc = subprocess.run(
        ["bash", str(ROOT / "tools" / "browser" / "install.sh")], capture_output=True, text=True, timeout=900
    )
    _TIMINGS["install chromium + chromium-driver (s)"] = time.perf_counter() - t0
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).splitlines()[-15:])
        _skip_or_fail(f"apt-get could not install chromium and chromium-driver:\n{tail}")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1600,1000",
    ):
        options.add_argument(arg)
    # explicit driver path: Selenium Manager must not try to download a browser or a driver
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(120)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="session")
def built_report(tmp_path_factory) -> Path:
    """config/test.yaml run in a copy of the tree, then `snakemake --report`; the tree's root.

    LINRNN_REPORT_ROOT=DIR checks the report already built in DIR (DIR/results/report.html and the
    files it shows) instead, e.g. while editing captions: `LINRNN_REPORT_ROOT=. pytest -m browser`.
    """
    if os.environ.get("LINRNN_REPORT_ROOT"):
        root = Path(os.environ["LINRNN_REPORT_ROOT"]).resolve()
        if not (root / "results" / "report.html").is_file():
            pytest.fail(f"LINRNN_REPORT_ROOT={root}: no results/report.html there", pytrace=False)
        return root
    root = tmp_path_factory.mktemp("report")
    for name in ("Snakefile", "workflow", "scripts", "config"):
        src = ROOT / name
        (shutil.copytree if src.is_dir() else shutil.copy)(src, root / name)
    shutil.copytree(ROOT / "src" / "linrnn", root / "src" / "linrnn", ignore=shutil.ignore_patterns("__pycache__"))
    env = {**os.environ, "PYTHONPATH": str(root / "src")}
    for label, args in (
        ("run config/test.yaml (s)", ("--configfile", "config/test.yaml", "--cores", "2")),
        ("snakemake --report (s)", ("--configfile", "config/test.yaml", "--report", "results/report.html")),
    ):
        t0 = time.perf_counter()
        cmd = snakemake_command(*args)
        proc = subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True, timeout=1800)
        _TIMINGS[label] = time.perf_counter() - t0
        if proc.returncode != 0:
            raise AssertionError(f"{' '.join(cmd)} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-6000:]}")
    return root


def pytest_terminal_summary(terminalreporter):
    if not _TIMINGS:  # the browser suite did not run in this session (deselected by default)
        return
    tr = terminalreporter
    tr.section("browser (tests/browser)")
    for name, seconds in _TIMINGS.items():
        tr.write_line(f"{name}: {seconds:.1f}")
    if SCREENSHOTS.is_dir():
        shots = sorted(SCREENSHOTS.glob("*.png"))
        tr.write_line(f"{len(shots)} screenshots in {SCREENSHOTS}")
        for shot in shots:
            tr.write_line(f"    {shot.name}")
