"""Article files of every supported format and encoding become documents."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitor.errors import DocumentError
from monitor.sources.encoding import decode_bytes
from monitor.sources.readers import is_candidate, read_file

HEADLINE = "Азербайджан начинает диалог с Китаем в оборонной промышленности"
BODY = "В Баку расценивают это как перспективное направление."
LANGS = ("en", "ru", "uk", "de", "fr", "es", "zh")


def write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def read(tmp_path: Path, path: Path, **kw: object) -> list:
    return read_file(path, source="src", root=tmp_path, languages=LANGS, **kw)  # type: ignore[arg-type]


def test_txt_first_nonempty_line_is_headline(tmp_path: Path) -> None:
    path = write(tmp_path, "sub/a.txt", f"\n\n  {HEADLINE}\n\n{BODY}\nsecond line\n")
    [doc] = read(tmp_path, path)
    assert doc.id == "src:sub/a.txt"
    assert doc.source == "src"
    assert doc.path == str(path)
    assert doc.title == HEADLINE
    assert doc.body == f"{BODY}\nsecond line"


def test_shipped_seed_reads(tmp_path: Path) -> None:
    seed = Path(__file__).parents[2] / "seeds" / "000_49e501304c3e8fbb.txt"
    [doc] = read_file(seed, source="seeds", root=seed.parent)
    assert doc.id == "seeds:000_49e501304c3e8fbb.txt"
    assert doc.title.startswith("Азербайджан начинает диалог")
    assert "Kazinform" in doc.body


def test_crlf_and_empty_files(tmp_path: Path) -> None:
    [doc] = read(tmp_path, write(tmp_path, "a.txt", "Title\r\nBody one\r\nBody two\r\n"))
    assert (doc.title, doc.body) == ("Title", "Body one\nBody two")
    assert read(tmp_path, write(tmp_path, "empty.txt", "")) == []
    assert read(tmp_path, write(tmp_path, "blank.txt", "\n  \n")) == []


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be"])
def test_unicode_encodings(tmp_path: Path, encoding: str) -> None:
    data = f"{HEADLINE}\n{BODY}".encode(encoding)
    if encoding in ("utf-16-le", "utf-16-be"):  # with an explicit BOM
        data = ("\ufeff" + f"{HEADLINE}\n{BODY}").encode(encoding)
    [doc] = read(tmp_path, write(tmp_path, "a.txt", data))
    assert doc.title == HEADLINE
    assert doc.body == BODY


CYRILLIC_SHORT = [
    "Министр обороны заявил о новых учениях",
    "Новости дня",
    HEADLINE,  # 63 characters: the case that fooled unrestricted detection
    "ТАСС: Москва и Пекин подписали соглашение",
]


@pytest.mark.parametrize("encoding", ["cp1251", "koi8_r", "iso8859_5", "cp866"])
@pytest.mark.parametrize("text", CYRILLIC_SHORT)
def test_short_cyrillic_legacy_encodings(tmp_path: Path, encoding: str, text: str) -> None:
    [doc] = read(tmp_path, write(tmp_path, "a.txt", text.encode(encoding)))
    assert doc.title == text


def test_ukrainian_koi8_u(tmp_path: Path) -> None:
    text = "Україна і Китай підписали угоду про співпрацю"
    [doc] = read(tmp_path, write(tmp_path, "a.txt", text.encode("koi8_u")))
    assert doc.title == text


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        ("Größere Übungen in München für Bürger", "cp1252"),
        ("Élection présidentielle à Paris, été chaud", "iso8859_15"),
        ("El niño pidió más información sobre España", "iso8859_1"),
        ("中国与阿塞拜疆开始国防工业对话", "gb18030"),
    ],
)
def test_other_legacy_encodings(tmp_path: Path, text: str, encoding: str) -> None:
    [doc] = read(tmp_path, write(tmp_path, "a.txt", text.encode(encoding)))
    assert doc.title == text


def test_languages_restrict_candidates() -> None:
    data = "Министр обороны заявил о новых учениях".encode("koi8_r")
    text, encoding = decode_bytes(data, ["ru"])
    assert encoding == "koi8_r"
    assert text.startswith("Министр")


def test_markdown_heading_and_front_matter(tmp_path: Path) -> None:
    [doc] = read(tmp_path, write(tmp_path, "a.md", f"intro line\n\n# {HEADLINE}\n\n{BODY}\n"))
    assert doc.title == HEADLINE
    assert doc.body == f"intro line\n\n\n{BODY}".replace("\n\n\n", "\n\n")
    [doc] = read(tmp_path, write(tmp_path, "b.md", "Setext title\n===\nText.\n"))
    assert (doc.title, doc.body) == ("Setext title", "Text.")
    front = "---\ntitle: From front matter\nurl: https://e.org/x\nlanguage: ru\n---\n# Other\nT\n"
    [doc] = read(tmp_path, write(tmp_path, "c.md", front))
    assert doc.title == "From front matter"
    assert doc.url == "https://e.org/x"
    assert doc.language == "ru"


def test_html_title_and_main_text_without_boilerplate(tmp_path: Path) -> None:
    html = f"""<!doctype html><html><head><meta charset="utf-8"><title>{HEADLINE} | Site</title>
    <meta property="og:title" content="{HEADLINE}"><style>p{{color:red}}</style></head>
    <body><header><a href="/">Home</a> <a href="/news">News</a></header>
    <nav><ul><li>Menu item</li></ul></nav>
    <article><h1>{HEADLINE}</h1><p>{BODY}</p><p>Second <b>bold</b> paragraph.</p>
    <script>var tracking = 1;</script></article>
    <aside>Related stories</aside><footer>Copyright</footer></body></html>"""
    [doc] = read(tmp_path, write(tmp_path, "a.html", html))
    assert doc.title == HEADLINE
    assert BODY in doc.body
    assert "Second bold paragraph." in doc.body
    for junk in ("Menu item", "Related stories", "Copyright", "tracking", "color:red", "Home"):
        assert junk not in doc.body


def test_html_in_windows_1251(tmp_path: Path) -> None:
    html = f"<html><head><title>{HEADLINE}</title></head><body><p>{BODY}</p></body></html>"
    [doc] = read(tmp_path, write(tmp_path, "a.htm", html.encode("cp1251")))
    assert doc.title == HEADLINE
    assert doc.body == BODY


def test_json_object_and_list(tmp_path: Path) -> None:
    obj = {"title": "T1", "text": "B1", "url": "https://e.org/1", "language": "en",
           "published": "2024-05-01T10:00:00+02:00"}
    [doc] = read(tmp_path, write(tmp_path, "a.json", json.dumps(obj)))
    assert (doc.id, doc.title, doc.body, doc.url, doc.language) == (
        "src:a.json", "T1", "B1", "https://e.org/1", "en")
    assert doc.published == datetime(2024, 5, 1, 8, 0, tzinfo=UTC)
    items = [{"id": "x1", "title": "A", "body": "a"}, {"title": "B", "body": "b"}, 42]
    docs = read(tmp_path, write(tmp_path, "b.json", json.dumps(items)))
    assert [d.id for d in docs] == ["src:b.json#x1", "src:b.json#1"]


def test_jsonl_skips_bad_lines_and_keeps_the_rest(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    lines = [
        json.dumps({"id": 7, "title": "First", "body": "one",
                    "published": "Wed, 01 May 2024 10:00:00 GMT"}),
        "{not json",
        "",
        json.dumps({"title": "Third", "text": "three", "published": 1714557600}),
        json.dumps({"title": 5}),
    ]
    docs = read(tmp_path, write(tmp_path, "a.jsonl", "\n".join(lines)))
    assert [d.id for d in docs] == ["src:a.jsonl#7", "src:a.jsonl#4"]
    assert docs[0].published == datetime(2024, 5, 1, 10, 0, tzinfo=UTC)
    assert docs[1].published == datetime(2024, 5, 1, 10, 0, tzinfo=UTC)
    assert "a.jsonl:2" in caplog.text
    assert "a.jsonl:5" in caplog.text


def test_invalid_json_names_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.json", '{"title": "x",\n  oops}')
    with pytest.raises(DocumentError, match=r"bad\.json:2: invalid JSON"):
        read(tmp_path, path)


def test_binary_oversize_unsupported_unreadable(tmp_path: Path) -> None:
    png = write(tmp_path, "image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    with pytest.raises(DocumentError, match=r"image\.txt: binary"):
        read(tmp_path, png)
    big = write(tmp_path, "big.txt", "Title\n" + "x" * 2000)
    with pytest.raises(DocumentError, match=r"big\.txt: larger than the limit of 1000 bytes"):
        read(tmp_path, big, max_size=1000)
    with pytest.raises(DocumentError, match=r"unsupported file type '\.pdf'"):
        read(tmp_path, write(tmp_path, "a.pdf", "x"))
    with pytest.raises(DocumentError, match=r"missing\.txt: cannot read"):
        read(tmp_path, tmp_path / "missing.txt")


def test_language_hint_applies_unless_the_object_has_one(tmp_path: Path) -> None:
    [doc] = read(tmp_path, write(tmp_path, "a.txt", "T\nB"), language="ru")
    assert doc.language == "ru"
    [doc] = read(tmp_path, write(tmp_path, "a.json", '{"title": "T", "language": "de"}'),
                 language="ru")
    assert doc.language == "de"


@pytest.mark.parametrize(
    ("name", "ok"),
    [("a.txt", True), ("A.HTML", True), ("x.jsonl", True), ("n.md", True),
     (".hidden.txt", False), ("a.txt.tmp", False), ("a.txt.part", False), ("a.txt~", False),
     ("a.pdf", False), ("noext", False)],
)
def test_is_candidate(name: str, ok: bool) -> None:
    assert is_candidate(Path("/x") / name) is ok


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=600) | st.text(max_size=300).map(str.encode),
       suffix=st.sampled_from([".txt", ".md", ".html", ".json", ".jsonl"]))
def test_any_bytes_give_documents_or_a_document_error(
    tmp_path: Path, data: bytes, suffix: str
) -> None:
    path = write(tmp_path, "fuzz" + suffix, data)
    try:
        docs = read(tmp_path, path)
    except DocumentError as exc:
        assert "fuzz" in str(exc)  # names the file
    else:
        assert all(d.title or d.body for d in docs)
