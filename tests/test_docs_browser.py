"""The documentation site, opened in headless Chromium: no console error, figures drawn, no
broken internal link.

The site is built by ``make docs`` into ``docs/_build/html`` (``.ci/run`` builds it before the
tests, so CI always runs these checks). Locally, without a built site, the tests are skipped
with a message; in CI (``CI`` set) a missing site is a failure. Needs Debian's ``chromium``;
Playwright drives it with ``executable_path`` and downloads no browser.
"""

import os
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "docs" / "_build" / "html"
NOTEBOOKS = sorted(p.stem for p in (ROOT / "notebooks").glob("[0-9]*.ipynb"))


@pytest.fixture(scope="module")
def site():
    if not (SITE / "index.html").exists():
        if os.environ.get("CI"):
            pytest.fail("docs/_build/html is missing in CI: .ci/run must run `make docs` "
                        "before `make test`")
        pytest.skip("the documentation site is not built: run `make docs` first")
    return SITE


class _Anchors(HTMLParser):
    """Collects the ids and the link targets of one HTML page."""

    def __init__(self):
        super().__init__()
        self.ids, self.hrefs = set(), []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if tag == "a" and attrs.get("href"):
            self.hrefs.append(attrs["href"])


def _parse(path, cache={}):  # noqa: B006 - a per-process cache of parsed pages
    if path not in cache:
        parser = _Anchors()
        parser.feed(path.read_text(encoding="utf-8", errors="replace"))
        cache[path] = parser
    return cache[path]


def test_every_notebook_and_api_name_has_a_page(site):
    missing = [n for n in NOTEBOOKS if not (site / "notebooks" / f"{n}.html").exists()]
    assert not missing, f"notebooks without a page: {missing}"
    import lems_epi.plots
    import lems_epi.sensitivity
    import lems_epi.stats

    for module in (lems_epi.stats, lems_epi.sensitivity, lems_epi.plots):
        pages = [site / "api" / "generated" / f"{module.__name__}.{n}.html"
                 for n in module.__all__]
        assert [p.name for p in pages if not p.exists()] == []


def test_no_internal_link_is_broken(site):
    broken = []
    for page in sorted(site.rglob("*.html")):
        for href in _parse(page).hrefs:
            parts = urlsplit(href)
            if parts.scheme or href.startswith(("//", "mailto:", "javascript:")):
                continue
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                broken.append(f"{page.relative_to(site)} -> {href}")
            elif parts.fragment and target.suffix == ".html" \
                    and unquote(parts.fragment) not in _parse(target).ids:
                broken.append(f"{page.relative_to(site)} -> {href} (no such anchor)")
    assert broken == [], "\n".join(broken[:30])


def _pages(site):
    api = sorted((site / "api" / "generated").glob("lems_epi.stats.*.html"))
    return [site / "index.html", api[0]] + [site / "notebooks" / f"{n}.html" for n in NOTEBOOKS]


@pytest.mark.browser
def test_pages_render_in_headless_chromium(site, chromium):
    problems = []
    for path in _pages(site):
        problems += _check_page(chromium, path, site)
    assert problems == [], "\n".join(problems)


def _check_page(browser, path, site):
    """Console errors of one page and, on a notebook page, its undrawn figures."""
    errors = []
    page = browser.new_page()
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    name = str(path.relative_to(site))
    try:
        page.goto(path.as_uri(), wait_until="load")
        if name.startswith("notebooks/"):
            page.wait_for_function(
                "() => { const d = [...document.querySelectorAll('div.plotly-graph-div')];"
                " return d.length > 0 && d.every(e => e.querySelector('svg.main-svg')); }",
                timeout=60_000)
        page.wait_for_timeout(200)
        figures = page.eval_on_selector_all("div.plotly-graph-div", "els => els.length")
        # a figure drawn before the page was laid out must be redrawn at its column's width
        too_wide = page.eval_on_selector_all(
            "div.plotly-graph-div",
            "els => els.filter(e => e.querySelector('svg.main-svg').getBoundingClientRect()"
            ".width > e.getBoundingClientRect().width + 2).length")
    except Exception as exc:  # noqa: BLE001 - reported with the page's name
        return [f"{name}: figures not drawn ({type(exc).__name__})"] + \
            [f"{name}: {e}" for e in errors]
    finally:
        page.close()
    out = [f"{name}: console error: {e}" for e in errors]
    if name.startswith("notebooks/") and figures < 1:
        out.append(f"{name}: no plotly figure")
    if too_wide:
        out.append(f"{name}: {too_wide} figure(s) wider than their column")
    return out


def test_api_pages_list_every_name_of_all(site):
    """The package pages are generated from __all__: no public name is left without a row."""
    import lems_epi.stats

    text = (site / "api" / "lems_epi.stats.html").read_text(encoding="utf-8")
    for name in lems_epi.stats.__all__:
        assert re.search(rf"lems_epi\.stats\.{re.escape(name)}\.html", text), name
