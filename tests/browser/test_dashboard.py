"""The dashboard in headless Chromium, against a running daemon with stored matches: every
page loads and looks like a page, filters and the rule tester work by clicking, the charts
show the right counts, and hostile titles stay inert even for a browser."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path
from typing import Any

import pytest

from tests.browser.png import decode
from tests.dashboard.desk import HOSTILE_TITLE, Desk, expected_per_day

PAGES = {"/": "Overview", "/matches": "Matches", "/rules": "Rules",
         "/rules/oil-prices": "Oil prices", "/sources": "Sources", "/test": "Rule tester",
         "/feeds/": "Atom feeds"}


def by(kind: str) -> str:
    from selenium.webdriver.common.by import By

    return str(getattr(By, kind))


def text_of(browser: Any) -> str:
    return str(browser.find_element(by("TAG_NAME"), "body").text)


def submit(browser: Any, button: str) -> None:
    """Click a form's button and wait for the next page to replace this one."""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.support.ui import WebDriverWait

    old = browser.find_element(by("TAG_NAME"), "html")
    browser.find_element(by("CSS_SELECTOR"), button).click()

    def replaced(driver: Any) -> bool:
        try:
            old.is_enabled()
        except WebDriverException:  # stale; or, caught mid-navigation, "Node with given id
            return True  # does not belong to the document" (selenium's staleness_of raises it)
        return False

    WebDriverWait(browser, 60).until(replaced)
    WebDriverWait(browser, 60).until(
        lambda driver: driver.execute_script("return document.readyState") == "complete")


def counts(browser: Any, rule: str) -> list[int]:
    svg = browser.find_element(by("CSS_SELECTOR"), f'svg.chart[aria-label^="{rule}:"]')
    rects = svg.find_elements(by("CSS_SELECTOR"), "rect.bar")
    assert all(r.is_displayed() for r in rects)
    return [int(r.get_attribute("data-count")) for r in rects]


def test_every_page_renders_and_looks_like_a_page(
    browser: Any, daemon: tuple[Desk, str], tmp_path: Path
) -> None:
    _, base = daemon
    browser.get("about:blank")
    blank = decode(browser.get_screenshot_as_png())
    assert blank.ink() < 0.01
    for path, heading in PAGES.items():
        browser.get(base + path)
        assert browser.find_element(by("TAG_NAME"), "h1").text.startswith(heading), path
        body = text_of(browser)
        assert "Traceback" not in body and "internal error" not in body, path
        png = browser.get_screenshot_as_png()
        (tmp_path / f"{path.strip('/').replace('/', '-') or 'overview'}.png").write_bytes(png)
        shot = decode(png)
        assert (shot.width, shot.height) == (blank.width, blank.height)
        assert shot.ink() > 0.05, f"{path} looks empty ({shot.ink():.3f} of it is not background)"
        # the stylesheet applied: the header bar is dark, not the browser's white
        assert sum(shot.pixels[5][:3]) < 200, f"{path}: no styles"
    target = os.environ.get("MONITOR_SCREENSHOTS")
    if target:  # the screenshots in docs/ are made by this test
        shutil.copy(tmp_path / "overview.png", Path(target) / "dashboard.png")


def test_charts_show_the_stored_counts(browser: Any, daemon: tuple[Desk, str]) -> None:
    _, base = daemon
    browser.get(base + "/")
    assert counts(browser, "oil-prices") == expected_per_day("oil-prices", 7)
    assert counts(browser, "defence-china") == expected_per_day("defence-china", 7)
    row = browser.find_element(by("CSS_SELECTOR"), 'tr[data-rule="oil-prices"]')
    assert row.find_element(by("CLASS_NAME"), "today").text == "2"
    assert row.find_element(by("CLASS_NAME"), "week").text == "4"
    browser.get(base + "/rules/oil-prices")
    assert counts(browser, "oil-prices") == expected_per_day("oil-prices", 30)
    bars = browser.find_elements(by("CSS_SELECTOR"), "svg.chart rect.bar")
    tallest = max(bars, key=lambda r: r.size["height"])
    assert tallest.get_attribute("data-count") == "2"


def test_filters_narrow_the_matches_by_clicking(browser: Any, daemon: tuple[Desk, str]) -> None:
    from selenium.webdriver.support.ui import Select

    _, base = daemon
    browser.get(base + "/matches")

    def apply(expected: int, **choices: str) -> None:
        for name, value in choices.items():
            Select(browser.find_element(by("NAME"), name)).select_by_value(value)
        submit(browser, "form.filters button")
        total = int(browser.find_element(by("ID"), "total").text)
        shown = [(a.get_attribute("data-rule"), a.text.splitlines()[:1]) for a in
                 browser.find_elements(by("CSS_SELECTOR"), "article.match")]
        assert total == expected, f"{browser.current_url}: {total} matches, {shown}"

    apply(7, since="30d")
    apply(2, rule="defence-china")
    assert "rule=defence-china" in browser.current_url
    assert {a.get_attribute("data-rule") for a in
            browser.find_elements(by("CSS_SELECTOR"), "article.match")} == {"defence-china"}
    apply(3, rule="", language="ru")
    apply(3, source="lenta")
    apply(2, language="", source="wire", since="24h")
    score = browser.find_element(by("NAME"), "min_score")
    score.clear()
    score.send_keys("0.7")  # relevance 0.82 each, the seed-like one 0.65
    apply(6, source="", since="30d")


def test_rule_tester_by_clicking(browser: Any, daemon: tuple[Desk, str]) -> None:
    from selenium.webdriver.support.ui import Select

    _, base = daemon
    browser.get(base + "/rules/oil-prices")
    submit(browser, "a[href^='/test?rule=']")
    # every document was stored in the last 7 days (the tester, like backfill, goes by that)
    assert int(browser.find_element(by("ID"), "found").text) == 5
    assert "already alerted" in text_of(browser)
    browser.get(base + "/test")
    Select(browser.find_element(by("NAME"), "since")).select_by_value("30d")
    browser.find_element(by("NAME"), "query").send_keys("@china AND oil")
    submit(browser, "form.tester button")
    assert int(browser.find_element(by("ID"), "found").text) == 1
    marks = [m.text for m in browser.find_elements(by("TAG_NAME"), "mark")]
    assert "China" in marks and any(m.lower() == "oil" for m in marks)
    assert HOSTILE_TITLE in text_of(browser)
    query = browser.find_element(by("NAME"), "query")
    query.clear()
    query.send_keys("oil AND (")
    submit(browser, "form.tester button")
    assert browser.find_element(by("CSS_SELECTOR"), "[role=alert]").text.startswith("query")


def test_hostile_titles_and_links_are_inert(browser: Any, daemon: tuple[Desk, str]) -> None:
    _, base = daemon
    for path in ("/", "/matches?since=30d", "/rules/oil-prices", "/test?rule=oil-prices"):
        browser.get(base + path)
        assert browser.title != "pwned", path
        assert HOSTILE_TITLE in text_of(browser), path  # shown as text
        assert browser.find_elements(by("TAG_NAME"), "script") == [], path
        assert browser.find_elements(by("CSS_SELECTOR"), "img, iframe, object, embed") == []
        hrefs = [a.get_attribute("href") or "" for a in browser.find_elements(by("TAG_NAME"), "a")]
        assert not [h for h in hrefs if not h.startswith(("http://", "https://"))], path
    # and were a script ever injected, the Content-Security-Policy would not run it
    injected = browser.execute_script(
        "var s = document.createElement('script'); s.textContent = 'window.ran = 1';"
        "document.body.appendChild(s); return window.ran === 1;")
    assert injected is False


def test_a_new_match_appears_while_the_daemon_runs(
    browser: Any, daemon: tuple[Desk, str]
) -> None:
    desk, base = daemon
    (desk.root / "wire" / "late.txt").write_text(
        "OPEC surprises the oil market\n\nOil jumped after OPEC cut output.\n", encoding="utf-8")
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        browser.get(base + "/")
        row = browser.find_element(by("CSS_SELECTOR"), 'tr[data-rule="oil-prices"]')
        if row.find_element(by("CLASS_NAME"), "today").text == "3":
            break
        time.sleep(1)
    else:
        pytest.fail("the new match never reached the overview")
    assert counts(browser, "oil-prices")[-1] == 3
    assert "OPEC surprises the oil market" in text_of(browser)
