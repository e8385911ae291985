"""Article files -> Documents: .txt, .md, .html/.htm, .json and .jsonl, in any common encoding.

Pure apart from reading the one file it is given, so `monitor test` and the folder source
share it. Every problem with a file raises DocumentError naming the file.
"""

from __future__ import annotations

import json
import logging
import os
import re
import stat
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import yaml

from monitor.errors import DocumentError
from monitor.models import Document
from monitor.sources.encoding import NotText, decode_bytes
from monitor.sources.extract import extract_page
from monitor.sources.html import extract_article
from monitor.sources.walk import is_inside

log = logging.getLogger(__name__)

DEFAULT_MAX_SIZE = 10 * 1024 * 1024
SUFFIXES = frozenset({".txt", ".md", ".markdown", ".html", ".htm", ".json", ".jsonl"})
_SKIPPED_ENDINGS = (".tmp", ".part", ".crdownload", ".swp", "~")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$")
_SETEXT = re.compile(r"^\s{0,3}(=+|-+)\s*$")
_BLANK_RUNS = re.compile(r"\n[ \t]*\n(?:[ \t]*\n)+")
_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?\n)---\s*\n", re.DOTALL)


def is_candidate(path: Path) -> bool:
    """Whether a file may be an article: not hidden, not temporary, a supported extension."""
    name = path.name
    if name.startswith((".", "~$")) or name.lower().endswith(_SKIPPED_ENDINGS):
        return False
    return path.suffix.lower() in SUFFIXES


def read_file(
    path: Path,
    *,
    source: str,
    root: Path,
    max_size: int = DEFAULT_MAX_SIZE,
    languages: Sequence[str] = (),
    language: str | None = None,
    confine: str | None = None,
) -> list[Document]:
    """The documents in one file (one, or one per object for .json lists and .jsonl).

    Document ids are `<source>:<path relative to root>` (plus `#<id or line>` per object of
    a .json list or .jsonl). `language` is a hint given to every document without one.
    Raises DocumentError naming the file when it is unreadable, binary, larger than
    `max_size`, of an unsupported type, or holds no usable document structure; or when it
    is not a regular file (a FIFO, a device: never opened so that it could block), or,
    with `confine` (a real folder path), when it resolves outside that folder.
    """
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise DocumentError(f"{path}: unsupported file type {suffix or '(none)'!r}")
    try:
        rel = path.relative_to(root).as_posix()
    except ValueError:
        rel = path.name
    data = _read_bytes(path, max_size, confine)
    try:
        text, _encoding = decode_bytes(data, languages)
    except NotText as exc:
        raise DocumentError(f"{path}: {exc}") from exc
    base = Document(id=f"{source}:{rel}", source=source, title="", path=str(path),
                    language=language)
    # validated again: JSON escapes may hold lone surrogates, which cannot be stored
    return [d.validated() for d in parse_text(text, suffix=suffix, base=base)]


def _read_bytes(path: Path, max_size: int, confine: str | None) -> bytes:
    try:
        with os.fdopen(_open_regular(path, confine), "rb") as f:
            data = f.read(max_size + 1)
    except OSError as exc:
        raise DocumentError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    if len(data) > max_size:
        raise DocumentError(f"{path}: larger than the limit of {max_size} bytes")
    return data


def _open_regular(path: Path, confine: str | None) -> int:
    """A descriptor of `path` opened without blocking (a FIFO would wait for a writer),
    checked on the descriptor to be a regular file and, with `confine`, inside it. The
    last component is opened without following a link, so a file swapped for a link after
    the check is refused rather than followed."""
    target, flags = str(path), os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC
    if confine is not None:
        target, flags = os.path.realpath(path), flags | os.O_NOFOLLOW
        if not is_inside(target, confine):
            raise DocumentError(f"{path}: leads outside the folder")
    fd = os.open(target, flags)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise DocumentError(f"{path}: not a regular file")
        if confine is not None and not is_inside(_opened_path(fd, target), confine):
            raise DocumentError(f"{path}: leads outside the folder")
    except BaseException:
        os.close(fd)
        raise
    return fd


def _opened_path(fd: int, fallback: str) -> str:
    """The path the OS opened for `fd` (Linux /proc); `fallback` where that is unknown."""
    try:
        return os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        return fallback


def parse_text(text: str, *, suffix: str, base: Document) -> list[Document]:
    """Turn decoded file text into documents; `base` carries id, source, path and hints."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    parser = _PARSERS[suffix]
    return parser(text, base)


def _single(title: str, body: str, base: Document) -> list[Document]:
    title, body = title.strip(), _BLANK_RUNS.sub("\n\n", body.strip())
    if not title and not body:
        return []
    if not title:
        title, body = _split_first_line(body)
        if not title and not body:  # only byte-order marks
            return []
    return [base.model_copy(update={"title": title, "body": body})]


def _split_first_line(text: str) -> tuple[str, str]:
    """The first non-empty line, and the rest."""
    stripped = text.lstrip("\n \t\ufeff")
    head, _, rest = stripped.partition("\n")
    return head.strip(), rest.strip()


def _parse_txt(text: str, base: Document) -> list[Document]:
    title, body = _split_first_line(text)
    return _single(title, body, base)


def _parse_md(text: str, base: Document) -> list[Document]:
    meta: dict[str, Any] = {}
    front = _FRONT_MATTER.match(text)
    if front:
        meta = _front_matter(front.group(1))
        text = text[front.end() :]
    lines = text.split("\n")
    title = str(meta.get("title") or "")
    for i, line in enumerate(lines):
        if title:
            break
        heading = _HEADING.match(line)
        if heading:
            title = heading.group(1)
            del lines[i]
        elif line.strip() and i + 1 < len(lines) and _SETEXT.match(lines[i + 1]):
            title = line.strip()
            del lines[i : i + 2]
    base = _with_meta(base, meta)
    return _single(title, "\n".join(lines), base)


def _front_matter(block: str) -> dict[str, Any]:
    try:
        data = yaml.safe_load(block)
    except yaml.YAMLError:
        return {}
    return data if isinstance(data, dict) else {}


def _parse_html(text: str, base: Document) -> list[Document]:
    """A saved page: its main text as a feed entry's page gets it (extract.py); a short
    page, which the extractor may take for boilerplate, is read whole by the HTML reader."""
    page = extract_page(text)
    if page.substantial:
        return _single(page.title or extract_article(text)[0], page.text, base)
    title, body = extract_article(text)
    return _single(title, body, base)


def _parse_json(text: str, base: Document) -> list[Document]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DocumentError(f"{base.path}:{exc.lineno}: invalid JSON: {exc.msg}") from exc
    if isinstance(data, dict):
        return _from_object(data, base, where=str(base.path))
    if not isinstance(data, list):
        raise DocumentError(f"{base.path}: expected a JSON object or a list of objects")
    docs: list[Document] = []
    for index, item in enumerate(data):
        docs.extend(_object_in_list(item, base, key=str(index), where=f"{base.path}[{index}]"))
    return docs


def _parse_jsonl(text: str, base: Document) -> list[Document]:
    docs: list[Document] = []
    for lineno, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        where = f"{base.path}:{lineno}"
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            log.warning("%s: skipped: invalid JSON: %s", where, exc.msg)
            continue
        docs.extend(_object_in_list(item, base, key=str(lineno), where=where))
    return docs


def _object_in_list(item: Any, base: Document, *, key: str, where: str) -> list[Document]:
    """One object of a list or a .jsonl line; a bad one is logged and skipped."""
    if not isinstance(item, dict):
        log.warning("%s: skipped: not a JSON object", where)
        return []
    own_id = item.get("id")
    suffix = str(own_id) if isinstance(own_id, str | int) and str(own_id) else key
    try:
        return _from_object(item, base.model_copy(update={"id": f"{base.id}#{suffix}"}), where)
    except DocumentError as exc:
        log.warning("skipped: %s", exc)
        return []


def _from_object(item: dict[str, Any], base: Document, where: str) -> list[Document]:
    title = item.get("title") or item.get("headline") or ""
    body = item.get("body") or item.get("text") or item.get("content") or ""
    if not isinstance(title, str) or not isinstance(body, str):
        raise DocumentError(f"{where}: `title` and `body`/`text` must be strings")
    if not title.strip() and not body.strip():
        raise DocumentError(f"{where}: no `title`, `body` or `text`")
    return _single(title, body, _with_meta(base, item))


def _with_meta(base: Document, meta: dict[str, Any]) -> Document:
    update: dict[str, Any] = {}
    url = meta.get("url") or meta.get("link")
    if isinstance(url, str) and url.strip():
        update["url"] = url.strip()
    published = parse_date(meta.get("published") or meta.get("date"))
    if published is not None:
        update["published"] = published
    language = meta.get("language") or meta.get("lang")
    if isinstance(language, str) and language.strip():
        update["language"] = language.strip().lower()
    return base.model_copy(update=update) if update else base


def parse_date(value: Any) -> datetime | None:
    """ISO 8601, RFC 2822, a unix time or a date -> an aware UTC datetime; None if unusable."""
    if value is None or isinstance(value, bool):
        return None
    try:
        if isinstance(value, int | float):
            parsed = datetime.fromtimestamp(float(value), UTC)
        elif isinstance(value, datetime):
            parsed = value
        else:
            parsed = _parse_date_string(str(value).strip())
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return parsed.astimezone(UTC)  # overflows at the ends of year 1 and 9999
    except (ValueError, TypeError, OverflowError, OSError):
        return None


def _parse_date_string(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    except ValueError:
        return parsedate_to_datetime(text)


_PARSERS: dict[str, Callable[[str, Document], list[Document]]] = {
    ".txt": _parse_txt,
    ".md": _parse_md,
    ".markdown": _parse_md,
    ".html": _parse_html,
    ".htm": _parse_html,
    ".json": _parse_json,
    ".jsonl": _parse_jsonl,
}
