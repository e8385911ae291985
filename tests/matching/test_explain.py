"""Snippets: short excerpts around the hits, title first, hit words flagged."""

from __future__ import annotations

from monitor.matching.explain import snippets
from monitor.models import Document, Hit


def hit(field: str, text: str, doc: Document, term: str = "t") -> Hit:
    source = doc.title if field == "title" else doc.body
    start = source.index(text)
    return Hit(term=term, field=field, text=text, start=start, end=start + len(text))  # type: ignore[arg-type]


def test_title_first_then_body_excerpts_with_flagged_hits() -> None:
    body = ("Вступление. " * 30) + "Диалог в оборонной промышленности начат. " + ("Хвост. " * 40)
    doc = Document(id="1", source="s", title="Диалог с Китаем", body=body)
    hits = [hit("body", "оборонной промышленности", doc), hit("title", "Китаем", doc)]
    title, excerpt = snippets(doc, hits, width=80)
    assert title.field == "title"
    assert title.segments == (("Диалог с ", False), ("Китаем", True))
    assert excerpt.field == "body"
    assert ("оборонной промышленности", True) in excerpt.segments
    assert excerpt.segments[0] == ("…", False) and excerpt.segments[-1] == ("…", False)
    assert len(excerpt.text) <= 80 + 2
    assert not excerpt.text.strip("…").startswith(" ")  # cut between words


def test_far_apart_hits_make_separate_excerpts_at_most_three() -> None:
    body = " ".join(f"слово{i} Китай" if i % 50 == 0 else f"слово{i}" for i in range(400))
    doc = Document(id="1", source="s", title="Заголовок", body=body)
    starts = [i for i in range(len(body)) if body.startswith("Китай", i)]
    hits = [Hit(term="Китай", field="body", text="Китай", start=s, end=s + 5) for s in starts]
    found = snippets(doc, hits, width=100)
    assert len(found) == 3
    assert all(s.field == "body" and ("Китай", True) in s.segments for s in found)


def test_no_hits_no_snippets() -> None:
    assert snippets(Document(id="1", source="s", title="x", body="y"), []) == ()
