"""The report opened in a real browser: no errors logged, every figure rendered.

Needs Debian's ``chromium`` (``apt-get install -y chromium``); ``.ci/run`` installs it, so CI
always runs this test. Playwright for Python drives it with ``executable_path``; no browser is
downloaded.
"""

import shutil
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium"
                                         if Path("/usr/bin/chromium").exists() else None)


@pytest.fixture(scope="module")
def report_path(tmp_path_factory):
    from lems_epi.report import write_report

    out = tmp_path_factory.mktemp("report") / "report.html"
    write_report(out, rng=7)
    return out


def test_report_is_self_contained(report_path):
    import re

    text = report_path.read_text(encoding="utf-8")
    # no script or stylesheet is fetched from elsewhere (plotly.js itself is inline; URLs inside
    # its source, e.g. map tiles, are never requested by these charts)
    assert not re.search(r"<script[^>]+src=", text)
    assert not re.search(r"<link[^>]+href=[\"']https?:", text)
    assert "Plotly" in text
    assert text.count("class='figure'") >= 8
    assert text.count("class='caption'") >= 8


@pytest.mark.browser
def test_report_renders_in_headless_chromium(report_path):
    if CHROMIUM is None:
        pytest.skip("Chromium is not installed: run `apt-get install -y chromium` "
                    "(as root) to run the browser test")
    from playwright.sync_api import sync_playwright

    errors = []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync"])
        try:
            page = browser.new_page()
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(report_path.as_uri(), wait_until="load")
            page.wait_for_function(
                "() => [...document.querySelectorAll('div.figure > div > div')]"
                ".every(d => d.querySelector('svg.main-svg'))", timeout=60_000)
            figures = page.eval_on_selector_all("div.figure > div > div", "els => els.length")
            rendered = page.eval_on_selector_all(
                "div.figure > div > div", "els => els.filter(e => e.querySelector('svg')).length")
        finally:
            browser.close()
    assert errors == []
    assert figures >= 8
    assert rendered == figures
