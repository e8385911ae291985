"""Real news articles (../shared/corpora/news) in realistic pages behind a summary-only feed:
every entry is matched on its article's sentences, none on the site's boilerplate."""

from __future__ import annotations

import random

from monitor.sources.fulltext import counts_key
from tests.conftest import shared_path
from tests.sources.conftest import FeedServer, MemoryState, Route, rss
from tests.sources.pages import BOILERPLATE_PHRASES, article_page
from tests.sources.test_fulltext import poll, source

ARTICLES = 24


async def test_real_articles_are_matched_on_their_body_not_the_boilerplate(
    feed_server: FeedServer,
) -> None:
    files = sorted(shared_path("corpora", "news", "bbc").glob("*.txt"))
    picked = random.Random(17).sample(files, ARTICLES)
    entries, sentences = [], {}
    for n, file in enumerate(picked):
        title, _, body = file.read_text(encoding="utf-8").partition("\n")
        paragraphs = [p.strip() for p in body.split("\n") if p.strip()]
        path = f"/story/{n}"
        feed_server.routes[path] = Route(body=article_page(title.strip(), paragraphs).encode(),
                                         headers={"Content-Type": "text/html; charset=utf-8"})
        entries.append({"guid": path, "link": feed_server.url_of(path), "title": title.strip(),
                        "description": "Read the full story on our site."})
        sentences[path] = random.Random(n).sample(paragraphs, min(3, len(paragraphs)))
    feed_server.routes["/feed.xml"] = Route(body=rss(entries))
    state = MemoryState()
    docs = await poll(source(feed_server, state))
    assert len(docs) == ARTICLES
    found = sum(s in d.body for d in docs for s in sentences[d.id.split(":", 1)[1]])
    assert found >= 0.95 * sum(len(v) for v in sentences.values())
    leaked = [d.id for d in docs if any(p in d.body for p in BOILERPLATE_PHRASES)]
    assert len(leaked) <= ARTICLES * 0.05
    assert state.get_state(counts_key("gazette"))["extracted"] >= 0.95 * ARTICLES
