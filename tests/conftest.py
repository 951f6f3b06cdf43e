"""Shared fixtures: a stable per-test random generator and the known-value directory."""

import shutil
import zlib
from pathlib import Path

import numpy as np
import pytest

DATA = Path(__file__).parent / "data"


@pytest.fixture
def rng(request) -> np.random.Generator:
    """Generator seeded from the test's node id (stable across runs and processes)."""
    return np.random.default_rng(zlib.crc32(request.node.nodeid.encode()))


@pytest.fixture
def data_dir() -> Path:
    """Folder of known values copied from the project's R reference files."""
    return DATA


#: Debian's Chromium, driven by Playwright (its own browser download is not used)
CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium"
                                         if Path("/usr/bin/chromium").exists() else None)


@pytest.fixture
def chromium():
    """A headless Chromium browser (Playwright), closed after the test; skips with the install
    command where Chromium is missing (`.ci/run` installs it, so CI always runs these tests)."""
    if CHROMIUM is None:
        pytest.skip("Chromium is not installed: run `apt-get install -y chromium` "
                    "(as root) to run the browser test")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync"])
        try:
            yield browser
        finally:
            browser.close()
