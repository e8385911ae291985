"""Cleaning untrusted text for headers and titles, and snippets built from hits."""

from __future__ import annotations

from monitor.delivery.render import one_line, paragraphs, snippets_for, web_url
from monitor.models import Alert, Document, Hit


def test_one_line_keeps_words_and_drops_what_could_inject_or_disguise() -> None:
    assert one_line("Breaking\r\nBcc: x@example.org") == "Breaking Bcc: x@example.org"
    assert one_line("a\x00b\tc\u2028d") == "a b c d"
    assert one_line("evil\u202eexe.txt\ufeff") == "evilexe.txt"  # bidi override dropped
    assert one_line("می\u200cخواهم") == "می\u200cخواهم"  # Persian ZWNJ kept
    assert one_line("x" * 500, 10) == "xxxxxxxxx…"


def test_web_url_only_http_and_percent_encoded() -> None:
    assert web_url("https://example.org/a b") is None
    assert web_url("javascript:alert(1)") is None
    assert web_url('https://example.org/?q=<x>&y="1"') == "https://example.org/?q=%3Cx%3E&y=%221%22"
    assert web_url("https://пример.рф/путь") == "https://пример.рф/путь"


def test_snippet_built_from_hits_when_the_matcher_gave_none() -> None:
    body = "Intro. " * 30 + "Baku and Beijing discussed the defence industry. " + "Tail. " * 30
    start = body.index("Beijing")
    doc = Document(id="d", source="s", title="t", body=body)
    hits = (
        Hit(term="china", field="body", text="Beijing", start=start, end=start + 7),
        Hit(
            term="defence industry",
            field="body",
            text="defence industry",
            start=body.index("defence"),
            end=body.index("defence") + 16,
        ),
    )
    alert = Alert(id="a", rule="r", rule_title="R", document=doc, hits=hits)
    [snippet] = snippets_for(alert)
    assert [t for t, hit in snippet.segments if hit] == ["Beijing", "defence industry"]
    assert snippet.segments[0] == ("…", False) and snippet.segments[-1] == ("…", False)
    assert len(snippet.text) < 200


def test_paragraphs_are_cut_at_the_limit() -> None:
    assert paragraphs("One.\n\n\nTwo  lines\nhere.\n\n") == ["One.", "Two lines here."]
    assert paragraphs("x" * 50 + "\n\n" + "y" * 50, limit=60) == ["x" * 50, "y" * 10 + "…"]
