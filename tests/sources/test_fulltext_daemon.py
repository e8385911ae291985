"""A summary-only feed through the whole daemon: the page's body raises the alert, its
boilerplate does not, and an entry whose page is blocked says it matched on the summary
(in the mail, in `monitor matches` and in `monitor feeds`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from monitor.cli import main
from tests.sources.conftest import FeedServer, Route, rss
from tests.sources.pages import ARTICLE, ARTICLE_TITLE, article_page

RULES = """
topics:
  terminal: {terms: {en: ["eelgrass meadow"]}}
  volcano: {terms: {en: ["volcanic eruption"]}}
  decided: {terms: {en: ["port authority decided"]}}
rules:
  - {id: eelgrass, title: Eelgrass, query: "@terminal"}
  - {id: volcano, title: Volcano, query: "@volcano"}
  - {id: decided, title: Decided, query: "@decided"}
"""


def test_summary_only_feed_end_to_end(
    feed_server: FeedServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    entries = [{"guid": p, "link": feed_server.url_of(p), "title": f"Terminal news {p}",
                "description": "The port authority decided on the new terminal."}
               for p in ("/news/1", "/members/2")]
    feed_server.routes["/rss"] = Route(body=rss(entries),
                                       headers={"Content-Type": "application/rss+xml"})
    feed_server.routes["/robots.txt"] = Route(body=b"User-agent: *\nDisallow: /members/\n")
    page = article_page(ARTICLE_TITLE, ARTICLE).encode()
    for path in ("/news/1", "/members/2"):
        feed_server.routes[path] = Route(body=page, headers={"Content-Type": "text/html"})
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "r.yaml").write_text(RULES)
    config = tmp_path / "config.yaml"
    config.write_text(
        "languages: [en]\nstate: state.db\nrules: rules\n"
        f"sources:\n  - {{id: gazette, type: feed, url: \"{feed_server.url_of('/rss')}\"}}\n"
        "notifiers:\n  - {name: mail, type: email, maildir: mail, to: [a@example.org]}\n"
        "pages: {min_delay: 0s}\n")
    assert main(["run", "--once", "--config", str(config)]) == 0
    capsys.readouterr()

    assert main(["matches", "--config", str(config), "--json"]) == 0
    matches = json.loads(capsys.readouterr().out)
    fired = sorted((m["rule"], m["document"].split(":", 1)[1]) for m in matches)
    # the body's phrase fired on the readable page; the "most read" headline fired nowhere;
    # the blocked page's entry fired on its summary, and says so
    assert fired == [("decided", "/members/2"), ("eelgrass", "/news/1")]
    summary = next(m for m in matches if m["rule"] == "decided")
    assert summary["body_from"] == "summary" and "feed's summary" in summary["note"]

    assert main(["matches", "--config", str(config)]) == 0
    assert "(matched on the feed's summary" in capsys.readouterr().out
    mails = [p.read_text() for p in (tmp_path / "mail" / "new").iterdir()]
    assert sum("matched on the feed's summary" in m for m in mails) == 1

    assert main(["feeds", "--config", str(config)]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("gazette"))
    assert "1 fetched, 1 text, 1 robots, 1 summary" in line


def test_monitor_test_reads_a_page_and_a_feed_by_url(
    feed_server: FeedServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = article_page(ARTICLE_TITLE, ARTICLE).encode()
    feed_server.routes["/news/1"] = Route(body=page, headers={"Content-Type": "text/html"})
    feed_server.routes["/rss"] = Route(body=rss([{
        "guid": "1", "link": feed_server.url_of("/news/1"), "title": "Terminal news",
        "description": "Teaser."}]), headers={"Content-Type": "application/rss+xml"})
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "r.yaml").write_text(RULES)
    config = tmp_path / "config.yaml"
    config.write_text("languages: [en]\nrules: rules\npages: {min_delay: 0s}\n")

    assert main(["test", "--config", str(config), feed_server.url_of("/news/1")]) == 0
    out = capsys.readouterr().out
    assert ARTICLE_TITLE in out and "| The regional port authority on Monday" in out
    assert "eelgrass" in out and "volcano" not in out

    assert main(["test", "--config", str(config), feed_server.url_of("/rss")]) == 0
    out = capsys.readouterr().out
    assert "Terminal news" in out and "eelgrass" in out and "| The regional port" in out

    assert main(["test", "--json", "--config", str(config), feed_server.url_of("/news/1")]) == 0
    [line] = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert line["url"] == feed_server.url_of("/news/1") and "path" not in line

    assert main(["test", "--config", str(config), feed_server.url_of("/missing")]) == 1
    assert "HTTP 404" in capsys.readouterr().err
