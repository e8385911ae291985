"""Feeds as they are in the wild: ill-formed, mis-encoded, Atom, JSON Feed, odd entries."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from monitor.sources.entries import entries_to_documents, entry_to_document, parse_feed
from tests.conftest import shared_path
from tests.sources.conftest import FeedServer, Route, rss
from tests.sources.test_feed import MemoryState, feed

NOW = datetime(2026, 1, 1, tzinfo=UTC)
TITLE_RU = "Азербайджан начинает диалог с Китаем"


def documents(data: bytes, headers: dict[str, str] | None = None,
              url: str = "http://example.org/feed") -> list[Any]:
    parsed = parse_feed(data, headers=headers or {})
    return entries_to_documents(parsed.entries, source="s", base_url=url, fetched=NOW)


async def test_ill_formed_feed_is_ingested_and_the_problem_recorded(
    feed_server: FeedServer,
) -> None:
    broken = (b'<?xml version="1.0"?><rss version="2.0"><channel><title>Broken &nbsp; feed'
              b"</title><item><title>First & only</title><link>http://e.org/1</link>"
              b"<description>Text with <b>unclosed bold</description></item>")
    feed_server.routes["/broken"] = Route(body=broken)
    async with feed(feed_server, "/broken") as src:
        [doc] = await src.poll()
        health = src.health()
    assert doc.title == "First & only"
    assert "unclosed bold" in doc.body
    assert health["ok"] and health["problem"]  # ingested, and the problem is visible


@pytest.mark.parametrize(
    ("body_encoding", "declared", "header"),
    [
        ("cp1251", "windows-1251", None),  # honest legacy encoding
        ("koi8_r", "koi8-r", None),
        ("utf-8", "utf-8", "text/xml; charset=utf-8"),
        ("cp1251", "utf-8", None),  # declared UTF-8, actually Windows-1251
        ("utf-8", "windows-1251", "application/rss+xml; charset=koi8-r"),  # header disagrees
    ],
)
async def test_encodings_never_stop_the_feed(
    feed_server: FeedServer, body_encoding: str, declared: str, header: str | None
) -> None:
    body = rss([{"guid": "urn:1", "title": TITLE_RU, "description": "Текст новости"}],
               encoding=body_encoding, declared=declared)
    headers = {"Content-Type": header} if header else {}
    feed_server.routes["/enc"] = Route(body=body, headers=headers)
    async with feed(feed_server, "/enc") as src:
        [doc] = await src.poll()
    assert doc.id == "f:urn:1"
    if body_encoding.replace("_", "-") in declared.replace("windows-", "cp") and not header:
        assert doc.title == TITLE_RU  # declared correctly: read correctly
    else:
        assert doc.title  # mis-declared: kept, whatever the characters came out as


CASES = sorted((Path(__file__).parent / "feeds").iterdir())


def read_case(path: Path) -> tuple[dict[str, str], list[str], bytes]:
    """A feed-parsing case: `# Key: value` header lines (Description, Content-Type, and
    one `Expect:` per expression that must hold), a blank line, then the feed's bytes."""
    head, _, body = path.read_bytes().partition(b"\n\n")
    fields: dict[str, str] = {}
    expects: list[str] = []
    key = ""
    for line in head.decode("utf-8").splitlines():
        text = line.removeprefix("#")
        if text.startswith("   ") and key:  # a continued value
            fields[key] += " " + text.strip()
            continue
        key, _, value = text.strip().partition(": ")
        if key == "Expect":
            expects.append(value)
        else:
            fields[key] = value
    return fields, expects, body


@pytest.mark.parametrize("path", CASES, ids=[p.name for p in CASES])
def test_feed_parsing_case(path: Path) -> None:
    fields, expects, body = read_case(path)
    assert fields.get("Description") and expects, f"{path.name}: no Description or Expect"
    docs = documents(body, {"content-type": fields.get("Content-Type", "")})
    for expect in expects:
        assert eval(expect, {"docs": docs, "datetime": datetime, "UTC": UTC}), (
            f"{path.name}: {expect}; documents: {docs!r}")


def test_entry_without_guid_or_link_has_a_stable_content_id() -> None:
    data = rss([{"title": "Same", "description": "Body"}])
    [a], [b] = documents(data), documents(data)
    assert a.id == b.id and a.id.startswith("s:sha256-")
    [c] = documents(rss([{"title": "Same", "description": "Other body"}]))
    assert c.id != a.id


def test_odd_entries_are_skipped_not_fatal() -> None:
    entries: list[Any] = [
        {"title": None, "summary": None},  # nothing: no document
        {"title": "Only a title"},
        {"summary": "<p>Only a summary line</p><p>second</p>"},
        {"id": "x" * 1000, "title": "Huge guid"},
        {"title": "Bad date", "published_parsed": "not a struct"},
        {"title": ["not", "a", "string"], "content": "not a list", "link": 5},
    ]
    docs = entries_to_documents(entries, source="s", base_url="http://e.org/", fetched=NOW)
    titles = [d.title for d in docs]
    assert titles == ["Only a title", "Only a summary line", "Huge guid", "Bad date"]
    assert docs[1].body == "second"
    assert len(docs[2].id) < 100
    assert docs[3].published == NOW


def test_entry_with_relative_link_and_no_base() -> None:
    doc = entry_to_document({"title": "T", "link": "../up"}, source="s", id_prefix="s",
                            base_url="http://e.org/a/b/feed.xml", fetched=NOW)
    assert doc is not None and doc.url == "http://e.org/a/up"


def _corpus_headers(data: bytes) -> dict[str, str]:
    head = data[:4000].decode("latin-1")
    return {m.group(1).lower(): m.group(2).strip()
            for m in re.finditer(r"Header:\s*([\w-]+):\s*(.*)", head)}


def test_feedparser_corpus_converts_without_exceptions() -> None:
    root = shared_path("corpora", "feedparser-tests")
    files = [p for p in sorted(root.rglob("*")) if p.is_file() and p.suffix != ".md"
             and p.name != "LICENSE"]
    assert len(files) > 2000
    converted = 0
    for path in files:
        data = path.read_bytes()
        url = "http://127.0.0.1:8097/" + path.relative_to(root).as_posix()
        parsed = parse_feed(data, headers=_corpus_headers(data))
        for entry in parsed.entries:  # one by one, so an exception names the file
            try:
                entry_to_document(entry, source="c", id_prefix="c", base_url=url, fetched=NOW)
            except Exception as exc:  # pragma: no cover - the assertion message
                pytest.fail(f"{path}: {type(exc).__name__}: {exc}")
            converted += 1
    assert converted > 400


def test_opml_is_parsed(tmp_path: Path) -> None:
    from monitor.sources.opml import read_opml

    opml = tmp_path / "subs.opml"
    opml.write_text(
        '<?xml version="1.0"?><opml version="2.0"><head><title>Subs</title></head><body>'
        '<outline text="News"><outline type="rss" text="A" xmlUrl="http://e.org/a.xml" '
        'language="ru-RU"/><outline text="B" xmlurl="https://e.org/b"/></outline>'
        '<outline text="dup" xmlUrl="http://e.org/a.xml"/><outline text="no url"/>'
        '<outline text="bad" xmlUrl="file:///etc/passwd"/></body></opml>'
    )
    feeds = read_opml(opml, "subs")
    assert [(f.title, f.url, f.language) for f in feeds] == [
        ("A", "http://e.org/a.xml", "ru"), ("B", "https://e.org/b", None)]
    assert all(re.fullmatch(r"subs\.[0-9a-f]{8}", f.id) for f in feeds)


async def test_opml_source_polls_every_feed(feed_server: FeedServer, tmp_path: Path) -> None:
    from monitor.config import OpmlSourceConfig
    from monitor.sources.opml import OpmlSource

    feed_server.routes["/a"] = Route(body=rss([{"guid": "urn:a1", "title": "From A"}]))
    feed_server.routes["/b"] = Route(status=500)
    opml = tmp_path / "subs.opml"
    opml.write_text(
        f'<opml version="1.0"><body><outline text="A" xmlUrl="{feed_server.url_of("/a")}"/>'
        f'<outline text="B" xmlUrl="{feed_server.url_of("/b")}"/></body></opml>'
    )
    cfg = OpmlSourceConfig(type="opml", id="subs", path=opml)
    state = MemoryState()
    async with OpmlSource(cfg, state) as src:
        [doc] = await src.poll()  # B fails; A is still read
        health = src.health()
    assert doc.source == "subs" and doc.title == "From A"
    assert doc.id.startswith("subs.") and doc.id.endswith(":urn:a1")
    by_title = {f["title"]: f for f in health["feeds"]}
    assert by_title["A"]["ok"] and by_title["B"]["status"] == 500
    assert len(state.data) == 2  # each feed keeps its own state


async def test_opml_source_with_a_missing_file(tmp_path: Path) -> None:
    from monitor.config import OpmlSourceConfig
    from monitor.errors import SourceError
    from monitor.sources.opml import OpmlSource

    cfg = OpmlSourceConfig(type="opml", id="subs", path=tmp_path / "none.opml")
    async with OpmlSource(cfg, MemoryState()) as src:
        with pytest.raises(SourceError, match=r"none\.opml"):
            await src.poll()


async def test_opml_file_is_read_again_when_it_changes(
    feed_server: FeedServer, tmp_path: Path
) -> None:
    import os

    from monitor.config import OpmlSourceConfig
    from monitor.sources.opml import OpmlSource

    feed_server.routes["/a"] = Route(body=rss([{"guid": "urn:a", "title": "From A"}]))
    feed_server.routes["/b"] = Route(body=rss([{"guid": "urn:b", "title": "From B"}]))
    opml = tmp_path / "subs.opml"

    def listing(*paths: str, mtime: int) -> None:
        outlines = "".join(f'<outline text="{p}" xmlUrl="{feed_server.url_of(p)}"/>' for p in paths)
        opml.write_text(f"<opml><body>{outlines}</body></opml>")
        os.utime(opml, (mtime, mtime))

    listing("/a", mtime=1_000_000)
    cfg = OpmlSourceConfig(type="opml", id="subs", path=opml)
    async with OpmlSource(cfg, MemoryState()) as src:
        assert [d.title for d in await src.poll()] == ["From A"]
        listing("/a", "/b", mtime=2_000_000)
        assert [d.title for d in await src.poll()] == ["From B"]  # A's entry is unchanged
        opml.write_text("<opml><body><outline")  # broken: the feeds read before go on
        os.utime(opml, (3_000_000, 3_000_000))
        assert await src.poll() == []
        health = src.health()
    assert len(health["feeds"]) == 2 and "not valid OPML" in health["error"]
