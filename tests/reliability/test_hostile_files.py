"""Hostile and broken article files never crash the daemon or escape as an exception: a file
gives documents or a DocumentError naming it, and the daemon goes on with the other files."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitor.config import load_config
from monitor.errors import DocumentError
from monitor.models import Document
from monitor.service import Daemon
from monitor.sources.readers import parse_date, read_file
from tests.reliability.helpers import add_docs, until, write_project

MAILDIR = "  - {name: mail, type: email, transport: maildir, maildir: mail/, to: [a@example.org]}\n"
ATOM = "  - {name: atom, type: atom, path: feeds/}\n"
FUZZ = settings(max_examples=40, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])


def read(path: Path, **kw: object) -> list[Document]:
    return read_file(path, source="inbox", root=path.parent, **kw)  # type: ignore[arg-type]


def check(path: Path) -> list[Document]:
    """Read a file: documents that can be stored and sent, or a DocumentError naming it."""
    try:
        docs = read(path)
    except DocumentError as exc:
        assert path.name in str(exc) or os.fsdecode(path.name) in str(exc)
        return []
    for d in docs:
        d.model_dump_json()  # storable: no lone surrogates
        assert d.title or d.body
        assert d.published is None or d.published.tzinfo is not None
    return docs


# ------------------------------------------------------------ property tests

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=4),
    max_leaves=12,
)
dates = (st.datetimes(timezones=st.timezones()).map(datetime.isoformat)
         | st.integers() | st.floats() | st.text(max_size=30)
         | st.sampled_from(["0000-00-00", "9999-12-31T23:59:59-05:00", "0001-01-01T00:00+05:00",
                            "-0001-01-01", "Mon, 01 Jan 0001 00:00:00 +0100", "1e400"]))
articles = st.fixed_dictionaries(
    {},
    optional={"title": json_values | st.text(), "body": json_values | st.text(),
              "text": st.text(), "id": json_values, "url": json_values, "published": dates,
              "date": dates, "language": json_values},
)


@FUZZ
@given(items=st.lists(articles, max_size=4) | articles | json_values)
def test_any_json_article_structure(tmp_path: Path, items: object) -> None:
    path = tmp_path / "fuzz.json"
    path.write_text(json.dumps(items))
    check(path)
    lines = tmp_path / "fuzz.jsonl"
    lines.write_text("\n".join(json.dumps(i) for i in (items if isinstance(items, list)
                                                       else [items])))
    check(lines)


tags = st.sampled_from(["div", "p", "script", "style", "title", "h1", "article", "main",
                        "nav", "table", "td", "svg", "!--", "![CDATA[", "?xml", "meta"])
html_pieces = st.lists(
    st.one_of(tags.map(lambda t: f"<{t}>"), tags.map(lambda t: f"</{t}>"),
              st.text(max_size=20), st.sampled_from(["&amp;", "&#0;", "&#xD800;", "&bogus;",
                                                     "\x00", "<", ">", '"', "\ufeff"])),
    max_size=40,
).map("".join)


@FUZZ
@given(html=html_pieces, encoding=st.sampled_from(["utf-8", "utf-16", "cp1251", "latin-1"]))
def test_any_html_soup(tmp_path: Path, html: str, encoding: str) -> None:
    path = tmp_path / "fuzz.html"
    path.write_bytes(html.encode(encoding, "replace"))
    check(path)


@FUZZ
@given(front=st.text(max_size=80), body=st.text(max_size=80))
def test_any_markdown_front_matter(tmp_path: Path, front: str, body: str) -> None:
    path = tmp_path / "fuzz.md"
    path.write_text(f"---\n{front}\n---\n# {body}\n{body}\n", errors="surrogatepass")
    check(path)


@settings(max_examples=200, deadline=None)
@given(value=dates | json_values)
def test_parse_date_never_raises(value: object) -> None:
    parsed = parse_date(value)
    assert parsed is None or parsed.utcoffset() is not None


# ------------------------------------------------------------ named hostile files


def test_a_50_mb_file_is_refused_by_the_size_cap(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    with path.open("wb") as f:
        f.truncate(50 * 1024 * 1024)  # sparse: 50 MB of NUL without writing them
    with pytest.raises(DocumentError, match=r"huge\.txt"):
        read(path, max_size=10 * 1024 * 1024)


def test_a_50_mb_text_within_a_raised_cap_is_read(tmp_path: Path) -> None:
    path = tmp_path / "long.txt"
    line = "A long line of reliabilitytest prose, repeated many times over. " * 16 + "\n"
    path.write_text("Long headline\n\n" + line * (50 * 1024 * 1024 // len(line)))
    [d] = read(path, max_size=60 * 1024 * 1024)
    assert d.title == "Long headline" and len(d.body) > 49 * 1024 * 1024


@pytest.mark.parametrize("depth", [100_000, 800_000])
def test_deeply_nested_html(tmp_path: Path, depth: int) -> None:
    """Parsing is quadratic in nesting depth: such markup is read without the parser."""
    path = tmp_path / "nested.html"
    path.write_text("<html><body>" + "<div>" * depth + "Deep reliabilitytest text"
                    + "</div>" * depth + "</body></html>")
    docs = check(path)
    assert docs and "Deep reliabilitytest text" in docs[0].title + docs[0].body


@pytest.mark.parametrize("data", [
    b"Title\x00with NUL\n\nBody \x00\x00 text\n",
    b"\x00" * 1000,
    b"Caf\xe9 \xff\xfe broken UTF-8 \xc3\x28 \xed\xa0\x80 surrogate bytes\n\nbody\n",
    b"\xef\xbb\xbf\xff\xfe\x00\x00 mixed BOMs\n",
])
def test_nul_bytes_and_invalid_utf8(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "odd.txt"
    path.write_bytes(data)
    check(path)


def test_json_escapes_of_lone_surrogates(tmp_path: Path) -> None:
    path = tmp_path / "lone.json"
    path.write_text('{"title": "Lone \\ud800 surrogate", "body": "and \\udfff another"}')
    [d] = check(path)
    assert "\ufffd" in d.title


def test_absurd_dates_in_a_file(tmp_path: Path) -> None:
    items = [{"title": f"Dated {i}", "published": v} for i, v in enumerate(
        ["0000-01-01", "9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+05:00", -1e18,
         1e18, "-2024-01-01", "2024-02-30", 253402300800])]
    path = tmp_path / "dates.json"
    path.write_text(json.dumps(items))
    docs = check(path)
    assert len(docs) == len(items)
    assert all(d.published is None or 1 <= d.published.year <= 9999 for d in docs)


async def test_the_daemon_survives_hostile_names_and_files(tmp_path: Path) -> None:
    """Invalid UTF-8 in a file name, NUL bytes, a huge file, absurd dates, deep HTML and
    broken JSON next to good files: every good file and every odd-but-readable one is
    delivered, the rest is skipped with a warning, nothing escapes, odd names are escaped."""
    cfg = write_project(tmp_path, notifiers=MAILDIR + ATOM)
    inbox = os.fsencode(tmp_path / "inbox")
    odd = {
        b"bad-\xff\xfe-name.txt": b"Odd name reliabilitytest\n\nbody\n",
        "emoji-\U0001f600.txt".encode(): b"Emoji name reliabilitytest\n\nbody\n",
        b"nul.txt": b"NUL \x00 reliabilitytest\n\nbody \x00\n",
        b"dates.json": json.dumps({"title": "Dated reliabilitytest",
                                   "published": "9999-12-31T23:59:59-05:00"}).encode(),
        b"ancient.json": json.dumps({"title": "Ancient reliabilitytest",
                                     "published": "0001-01-01T00:00:00Z"}).encode(),
        b"lone.json": b'{"title": "Lone \\ud800 reliabilitytest"}',
        b"deep.html": b"<div>" * 50_000 + b"Deep reliabilitytest" + b"</div>" * 50_000,
        b"broken.json": b'{"title": "unterminated',
        b"binary.txt": bytes(range(256)) * 100,
    }
    for name, data in odd.items():
        with open(os.path.join(inbox, name), "wb") as f:
            f.write(data)
    with open(os.path.join(inbox, b"huge.txt"), "wb") as f:
        f.truncate(50 * 1024 * 1024)
    good = add_docs(tmp_path / "inbox", 3)
    await until(lambda: False, 0.5)  # settled
    async with Daemon(load_config(cfg)) as daemon:
        alerts = await daemon.run_once()
        ids = {d.id for d in daemon.store.documents_since(0)}
    assert alerts == 3 + 6, ids  # NUL, binary, huge and broken files are skipped
    assert "inbox:bad-\\xff\\xfe-name.txt" in ids
    assert "inbox:emoji-\U0001f600.txt" in ids
    titles = {p.read_text(errors="replace") for p in (tmp_path / "mail" / "new").iterdir()}
    assert len(titles) == 9
    atom = (tmp_path / "feeds" / "all.atom").read_text()
    assert all(t in atom for t in good)
    assert "0001-01-01T00:00:00Z" in atom


def test_parse_date_keeps_ordinary_dates() -> None:
    assert parse_date("2024-05-01T10:00:00+02:00") == datetime(2024, 5, 1, 8, tzinfo=UTC)
