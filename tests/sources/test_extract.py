"""The main-text extractor: pages lose their navigation, lists and footers, keep their
article and metadata; saved .html files in folder sources are read the same way."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from monitor.sources.extract import decode_page, extract_page
from monitor.sources.readers import read_file
from tests.sources.pages import (
    ARTICLE,
    ARTICLE_TITLE,
    BODY_PHRASES,
    BOILERPLATE_PHRASES,
    article_page,
)


def test_the_article_is_kept_and_its_surroundings_left_out() -> None:
    page = extract_page(article_page(ARTICLE_TITLE, ARTICLE), "https://example.org/a/1")
    assert page.title == ARTICLE_TITLE and page.substantial
    assert all(p in page.text for p in BODY_PHRASES)
    assert not [p for p in BOILERPLATE_PHRASES if p in page.text]
    assert page.author == "Mara Lindqvist"
    assert page.published == datetime(2026, 11, 30, tzinfo=UTC)
    assert page.text.count("\n\n") == len(ARTICLE) - 1  # paragraphs apart


def test_a_page_without_an_article_has_no_substantial_text() -> None:
    assert not extract_page("<html><body><nav>Home</nav><p>Enable JavaScript.</p>").substantial
    assert extract_page(b"").text == ""
    deep = extract_page("<div>" * 20_000 + "deep text")  # read flat, not parsed
    assert "deep text" in deep.title + deep.text


def test_a_saved_html_file_is_read_without_its_boilerplate(tmp_path: Path) -> None:
    file = tmp_path / "story.html"
    file.write_text(article_page(ARTICLE_TITLE, ARTICLE))
    [doc] = read_file(file, source="folder", root=tmp_path, max_size=10**7, languages=["en"])
    assert doc.title == ARTICLE_TITLE
    assert all(p in doc.body for p in BODY_PHRASES)
    assert not [p for p in BOILERPLATE_PHRASES if p in doc.body]


def test_a_short_saved_html_file_is_read_whole(tmp_path: Path) -> None:
    file = tmp_path / "note.html"
    file.write_text("<html><title>Memo</title><body><p>Meeting moved to Friday.</p></body>")
    [doc] = read_file(file, source="folder", root=tmp_path, max_size=10**7, languages=["en"])
    assert doc.title == "Memo" and "Meeting moved to Friday." in doc.body


def test_the_charset_comes_from_the_header_then_meta_then_detection() -> None:
    text = "<p>Съешь же ещё этих мягких французских булок, да выпей чаю.</p>"
    raw = text.encode("cp1251")
    assert decode_page(raw, "text/html; charset=windows-1251") == text
    meta = b'<meta charset="windows-1251">' + raw
    assert decode_page(meta, "text/html").endswith(text)
    assert decode_page(raw, "text/html", ["ru"]) == text
    assert decode_page(raw, "text/html; charset=no-such-charset", ["ru"]) == text
