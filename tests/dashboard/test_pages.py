"""The dashboard's pages and /api/ endpoints over a real state file, served by the real
HTTP server on 127.0.0.1 (no browser: tests/browser/ drives Chromium over the same pages)."""

from __future__ import annotations

import http.client
import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from monitor.dashboard import CSP, add_dashboard
from monitor.pipeline import load_rule_set
from monitor.web import WebServer
from tests.dashboard.desk import HOSTILE_TITLE, Desk, expected_per_day, make_project


@pytest.fixture(params=["sqlite", "postgresql"])
async def served(
    tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[tuple[WebServer, Desk]]:
    """The dashboard over the state on each store (the same pages, the same answers)."""
    state = "out/state.db"
    if request.param == "postgresql":
        state = request.getfixturevalue("postgres_url")
    desk = make_project(tmp_path, state=state)
    rules = load_rule_set(desk.config)
    async with WebServer(desk.config.http) as server:
        add_dashboard(server, desk.config, lambda: rules)
        yield server, desk


def get(server: WebServer, path: str, headers: dict[str, str] | None = None
        ) -> tuple[int, dict[str, str], str]:
    conn = http.client.HTTPConnection(*server.address, timeout=30)
    try:
        conn.request("GET", path, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, dict(resp.getheaders()), resp.read().decode()
    finally:
        conn.close()


def api(server: WebServer, path: str) -> tuple[int, Any]:
    status, headers, body = get(server, path)
    assert headers["Content-Type"] == "application/json"
    return status, json.loads(body)


def bars(html: str, rule: str) -> list[int]:
    """The counts of a rule's chart bars, oldest day first."""
    svg = re.search(rf'<svg class="chart"[^>]*aria-label="{re.escape(rule)}:.*?</svg>', html, re.S)
    assert svg, f"no chart for {rule}"
    return [int(n) for n in re.findall(r'data-count="(\d+)"', svg.group(0))]


async def test_every_page_answers_with_a_strict_policy(served: tuple[WebServer, Desk]) -> None:
    server, _ = served
    for path in ("/", "/matches", "/rules", "/rules/oil-prices", "/sources", "/test",
                 "/test?rule=oil-prices", "/matches?rule=oil-prices&since=30d&page=1"):
        status, headers, body = get(server, path)
        assert status == 200, (path, body)
        assert headers["Content-Type"] == "text/html; charset=utf-8"
        assert headers["Content-Security-Policy"] == CSP
        assert "script-src" not in CSP and "default-src 'none'" in CSP
        assert headers["X-Frame-Options"] == "DENY"
        assert "<html" in body and "Traceback" not in body
        assert not re.search(r'(src|href)="(https?:)?//', body.replace('href="https://', "")), path
    status, headers, css = get(server, "/static/dashboard.css")
    assert status == 200 and headers["Content-Type"].startswith("text/css") and ".chart" in css


async def test_overview_counts_today_and_week_per_rule(served: tuple[WebServer, Desk]) -> None:
    server, _ = served
    status, body = api(server, "/api/overview")
    assert status == 200
    rows = {r["id"]: r for r in body["rules"]}
    assert (rows["oil-prices"]["today"], rows["oil-prices"]["week"]) == (2, 4)
    assert (rows["defence-china"]["today"], rows["defence-china"]["week"]) == (0, 2)
    assert [b["count"] for b in rows["oil-prices"]["chart"]["bars"]] == \
        expected_per_day("oil-prices", 7)
    _, _, html = get(server, "/")
    assert bars(html, "oil-prices") == expected_per_day("oil-prices", 7)
    assert bars(html, "defence-china") == expected_per_day("defence-china", 7)
    assert len(body["last"]) == 7 and body["last"][0]["rule"] == "oil-prices"


async def test_rule_page_charts_thirty_days_with_outlets_and_examples(
    served: tuple[WebServer, Desk],
) -> None:
    server, _ = served
    _, _, html = get(server, "/rules/oil-prices")
    assert bars(html, "oil-prices") == expected_per_day("oil-prices", 30)
    assert "oil OR нефть OR OPEC" in html and "Oil prices rose again" in html
    _, data = api(server, "/api/rules/oil-prices")
    assert data["chart"]["total"] == 5
    assert {o["outlet"]: o["matches"] for o in data["outlets"]} == \
        {"wire.example": 2, "lenta.example": 2, "wire": 1}
    assert get(server, "/rules/nosuch")[0] == 404
    assert api(server, "/api/rules/nosuch") == (404, {"error": "no rule 'nosuch' is in force"})


async def test_matches_filters_narrow_the_list(served: tuple[WebServer, Desk]) -> None:
    server, _ = served

    def total(query: str) -> int:
        status, body = api(server, "/api/matches?" + query)
        assert status == 200, body
        assert body["total"] == len(body["matches"])
        return int(body["total"])

    assert total("since=30d") == 7
    assert total("since=7d") == 6
    assert total("since=30d&rule=defence-china") == 2
    assert total("since=30d&source=lenta") == 3
    assert total("since=30d&language=ru") == 3
    assert total("since=30d&language=ru&rule=oil-prices") == 2
    assert total("since=24h") == 2
    assert total("since=30d&min_score=0.7") == 6  # relevance 0.82 each, the seed-like one 0.65
    assert total("since=30d&min_score=0.9") == 0
    status, body = api(server, "/api/matches?since=soon")
    assert status == 400 and body["error"].startswith("since:")
    assert api(server, "/api/matches?min_score=x")[0] == 400
    status, _, html = get(server, "/matches?page=0")
    assert status == 400 and "page" in html


async def test_snippets_are_highlighted_and_hostile_text_is_inert(
    served: tuple[WebServer, Desk],
) -> None:
    server, _ = served
    for path in ("/", "/matches", "/rules/oil-prices", "/test?rule=oil-prices"):
        _, _, html = get(server, path)
        assert "<script" not in html, path
        assert "&lt;script&gt;" in html, path
        assert "javascript:" not in html, path
        assert "onerror=" not in html or "onerror=&#34;" in html or "onerror=&quot;" in html
        assert "<mark>OPEC</mark>" in html or "<mark>oil</mark>" in html, path
    _, data = api(server, "/api/matches?since=30d")
    hostile = [m for m in data["matches"] if m["title"] == HOSTILE_TITLE]
    assert hostile and hostile[0]["url"] is None  # the javascript: link is dropped


async def test_sources_page_lists_every_source_with_its_documents(
    served: tuple[WebServer, Desk],
) -> None:
    server, _ = served
    _, data = api(server, "/api/sources")
    counts = {s["id"]: s["documents"] for s in data["sources"]}
    assert counts == {"seeds": 0, "wire": 4, "lenta": 3}
    assert data["feeds"] == []
    _, _, html = get(server, "/sources")
    assert 'data-source="lenta"' in html and "type: feed" in html


async def test_rule_tester_runs_a_rule_or_a_typed_query(served: tuple[WebServer, Desk]) -> None:
    server, _ = served
    status, data = api(server, "/api/test?rule=oil-prices&since=30d")
    assert status == 200 and data["scanned"] == 7
    assert len(data["matches"]) == 5 and all(m["alerted"] for m in data["matches"])
    status, data = api(server, "/api/test?query=%40china%20AND%20oil&since=30d")
    assert status == 200
    assert [m["title"] for m in data["matches"]] == [HOSTILE_TITLE]
    assert "alerted" not in data["matches"][0]
    status, data = api(server, "/api/test?query=oil%20AND%20(&since=7d")
    assert status == 400 and "query" in data["error"] and "tmp" not in data["error"]
    status, data = api(server, "/api/test?rule=oil-price")
    assert status == 400 and "did you mean 'oil-prices'" in data["error"]
    status, _, html = get(server, "/test?query=%40nosuch")
    assert status == 400 and 'role="alert"' in html and "nosuch" in html
    assert api(server, "/api/test?since=90d&rule=oil-prices")[0] == 400


async def test_feeds_lists_the_atom_feeds(served: tuple[WebServer, Desk]) -> None:
    server, desk = served
    _, data = api(server, "/api/feeds")
    assert data["feeds"] == [] and "No feed" in data["reason"]
    folder = desk.root / "out" / "feeds"
    folder.mkdir(parents=True)
    for name in ("all.atom", "oil-prices.atom", "notes.txt"):
        (folder / name).write_text("<feed/>", encoding="utf-8")
    status, _, html = get(server, "/feeds/")
    assert status == 200
    assert '<a href="/feeds/all.atom">all.atom</a>' in html
    assert '<a href="/feeds/oil-prices.atom">' in html and "notes.txt" not in html
