"""The report opened in a real browser: no errors logged, every figure rendered.

Needs Debian's ``chromium`` (``apt-get install -y chromium``); ``.ci/run`` installs it, so CI
always runs this test. Playwright for Python drives it with ``executable_path``; no browser is
downloaded.
"""

import os
import re
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEED_FILE_NAME = re.compile(r"\d{3}_[0-9a-f]{16}")


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


def _captions(text):
    import html
    import re

    return [html.unescape(c) for c in re.findall(r"<p class='caption'>(.*?)</p>", text, re.S)]


def test_captions_state_what_the_figures_show(report_path):
    captions = _captions(report_path.read_text(encoding="utf-8"))
    prevalence = next(c for c in captions if "prevalence estimate" in c)
    # the rows the forest plot cannot draw are named rather than silently dropped
    assert "Orphanet prevalence class (band 1-9)" in prevalence
    assert "Deenen 2015, neuromuscular epidemiology review (upper bound 10)" in prevalence
    standardised = next(c for c in captions if "Without chance the model expects" in c)
    # seed-base is calibrated to exactly 7 per million in its reference population, Denmark 2013
    assert "the model expects 7.00 and" in standardised
    assert "the draw of section 3 for finland-2016" in standardised
    calibration = next(c for c in captions if c.startswith("Targets against"))
    assert "Met exactly" in calibration
    assert "prevalence" in calibration


def test_standardised_table_is_per_million(report_path):
    text = report_path.read_text(encoding="utf-8")
    assert "<th>rate per million</th>" in text
    assert "rate per million" in text  # the bar chart's axis, not 'rate per 1e+06'
    assert "rate per 1e+06" not in text


def test_contrast_sentence_follows_the_intervals():
    import pandas as pd

    from lems_epi.report import _contrast

    # Garwood 95% limits for 1, 3 and 20 events per million person-years
    table = pd.DataFrame({"grp": ["a", "b", "c"], "estimate": [1.0, 3.0, 20.0],
                          "lower": [0.0253, 0.619, 12.22], "upper": [5.572, 8.767, 30.89]})
    assert _contrast(table, "grp").startswith("the interval of a and b lie entirely below")
    table.loc[1, "upper"] = 13.0  # b now reaches into c's interval
    assert _contrast(table, "grp").startswith("the interval of a lies entirely below")
    table.loc[0, "upper"] = 12.5
    assert _contrast(table, "grp").startswith("every other interval overlaps")


def test_calibration_caption_reads_the_table():
    import numpy as np
    import pandas as pd

    from lems_epi.report import _calibration_caption

    cal = pd.DataFrame({"quantity": ["prevalence", "male_share", "share_over_50", "mean_age"],
                        "target": [7e-6, np.nan, 0.7, 60.0],
                        "model": [7e-6, 0.53, 0.35, 58.8],
                        "relative_error": [0.0, np.nan, -0.5, -0.02]})
    text = _calibration_caption(cal, "denmark-2013")
    assert "(denmark-2013)" in text
    assert "solves for them: prevalence." in text
    assert "Rows without a target" in text
    assert "largest gap is share_over_50: 0.35 in the model against 0.7 published" in text


@pytest.mark.browser
def test_report_renders_in_headless_chromium(report_path, chromium):
    errors = []
    page = chromium.new_page()
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(report_path.as_uri(), wait_until="load")
    page.wait_for_function(
        "() => [...document.querySelectorAll('div.figure > div > div')]"
        ".every(d => d.querySelector('svg.main-svg'))", timeout=60_000)
    figures = page.eval_on_selector_all("div.figure > div > div", "els => els.length")
    rendered = page.eval_on_selector_all(
        "div.figure > div > div", "els => els.filter(e => e.querySelector('svg')).length")
    assert errors == []
    assert figures >= 8
    assert rendered == figures


def test_report_for_the_literature_scenario_builds():
    """The README's `lems-epi report --scenario literature --population denmark-2013` example."""
    from lems_epi.report import build_report

    text = build_report(scenario="literature", population="denmark-2013", rng=1)
    assert "One-way sensitivity of expected_cases (denmark-2013)" in text
    assert "Sobol indices of expected_sclc_cases (denmark-2013)" in text
    assert "Total Sobol index of each conflicting parameter" in text
    assert len(_captions(text)) >= 9


def test_sections_three_and_four_use_one_draw_of_the_target_population():
    """Section 4 reuses section 3's draw, so one country shows one crude prevalence."""
    import re

    from lems_epi.report import build_report

    text = build_report(rng=5)
    crude3 = re.search(r"Crude prevalence (\d+\.\d\d) per million", text).group(1)
    crude4 = re.search(r"give crude prevalences of \d+\.\d\d and (\d+\.\d\d) per million",
                       text).group(1)
    assert crude3 == crude4


def test_report_shows_no_file_names_and_numbers_for_people(report_path):
    text = report_path.read_text(encoding="utf-8")
    body = text[text.index("<body>"):]
    assert not SEED_FILE_NAME.search(body)
    assert "lit-wirtz2003-prevalence" not in body   # evidence ids are not labels
    assert "Wirtz 2003, South Holland" in body
    assert "7 per million" in body                  # not 7e-06
    assert "<nav class='contents'" in body
    assert "Where the scenario departs from the evidence" in body
    assert "paraneoplastic share of incident cases: 94%" in body


@pytest.mark.browser
@pytest.mark.parametrize("width", [1280, 1920])
def test_report_fits_the_screen_and_names_sources(report_path, width, tmp_path, chromium):
    """Nothing overflows horizontally at a projector's width; no seed file name is shown.

    With ``LEMS_EPI_SAVE_SCREENSHOTS=1`` the screenshots are also written to
    ``docs/img/report_<width>.png`` (the ones shown in the documentation).
    """
    page = chromium.new_page(viewport={"width": width, "height": 900})
    page.goto(report_path.as_uri(), wait_until="load")
    page.wait_for_function(
        "() => [...document.querySelectorAll('div.figure > div > div')]"
        ".every(d => d.querySelector('svg.main-svg'))", timeout=60_000)
    scroll, inner = page.evaluate(
        "() => [document.documentElement.scrollWidth, window.innerWidth]")
    squeezed = page.evaluate("""() => [...document.querySelectorAll('table.lems')]
        .flatMap(t => [...t.querySelectorAll('td, th')])
        .filter(c => c.scrollWidth > c.clientWidth + 1)
        .map(c => c.textContent.slice(0, 40))""")
    shown = page.evaluate(
        "() => document.body.innerText + ' ' + [...document.querySelectorAll('svg text')]"
        ".map(t => t.textContent).join(' ')")
    too_wide = page.eval_on_selector_all(
        "div.figure > div > div",
        "els => els.filter(e => e.querySelector('svg.main-svg').getBoundingClientRect()"
        ".width > e.getBoundingClientRect().width + 2).length")
    shot = tmp_path / f"report_{width}.png"
    page.screenshot(path=str(shot))
    assert scroll <= inner, f"the page is {scroll} px wide in a {inner} px window"
    assert squeezed == [], f"cells narrower than their longest word: {squeezed[:5]}"
    assert too_wide == 0, "a figure is wider than its column"
    assert not SEED_FILE_NAME.search(shown), SEED_FILE_NAME.search(shown).group(0)
    if os.environ.get("LEMS_EPI_SAVE_SCREENSHOTS") == "1":
        out = ROOT / "docs" / "img" / shot.name
        out.parent.mkdir(exist_ok=True)
        shutil.copyfile(shot, out)
