"""What every notifier shares: cleaning untrusted text, snippets, and the jinja2 templates.

Templates ship in `monitor/delivery/templates/` and may be overridden, one file at a
time, by a folder named in config.yaml (`templates:`). HTML templates (`*.html`, `*.xml`)
are autoescaped; plain-text ones are not (escaping would show `&amp;` to the reader).
Templates run in jinja2's sandbox and never see document text as template source, so a
headline like `{{ 7*7 }}` is shown as written.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import escape

from monitor.errors import DeliveryError
from monitor.models import Alert, Document, Hit, Snippet

_SPACE = re.compile(r"\s+")
_INVISIBLE = re.compile("[\u202a-\u202e\u2066-\u2069\ufeff]")
_URL_UNSAFE = re.compile(r"[^A-Za-z0-9:/?#\[\]@!$&'()*+,;=%\-._~\u0080-\U0010ffff]")
_SNIPPET_CONTEXT = 80  # characters either side of the first hit in a built snippet
BODY_EXCERPT = 4000  # characters of the body shown where a template shows the article


def one_line(text: str, limit: int = 200) -> str:
    """`text` on one line, safe for a header or a title: control and line-separator
    characters become spaces, bidi overrides and BOMs are dropped (they could disguise
    a subject), runs of space collapse, at most `limit` characters (cut with "…").
    Joiners (ZWJ, ZWNJ) stay: Persian and Indic words and emoji need them."""
    cleaned = _INVISIBLE.sub("", text)
    cleaned = "".join(
        " " if unicodedata.category(ch) in ("Cc", "Zl", "Zp", "Cs") else ch for ch in cleaned
    )
    cleaned = _SPACE.sub(" ", cleaned).strip()
    if len(cleaned) > limit:
        cleaned = cleaned[: limit - 1].rstrip() + "…"
    return cleaned


def format_date(when: datetime | None) -> str:
    """A date for people: `2026-11-28 09:30 UTC` (empty when unknown)."""
    if when is None:
        return ""
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def snippets_for(alert: Alert) -> tuple[Snippet, ...]:
    """The alert's snippets, or, when the matcher gave none, one built from its hits."""
    if alert.snippets:
        return alert.snippets
    if not alert.hits:
        return ()
    first = alert.hits[0]
    text = alert.document.title if first.field == "title" else alert.document.body
    hits = [h for h in alert.hits if h.field == first.field]
    return (_build_snippet(text, hits, first),)


def _build_snippet(text: str, hits: Sequence[Hit], first: Hit) -> Snippet:
    start = max(0, first.start - _SNIPPET_CONTEXT)
    end = min(len(text), first.end + _SNIPPET_CONTEXT)
    spans = sorted(
        (max(h.start, start), min(h.end, end))
        for h in hits
        if h.start < end and h.end > start and 0 <= h.start < h.end <= len(text)
    )
    segments: list[tuple[str, bool]] = [] if start == 0 else [("…", False)]
    pos = start
    for s, e in spans:
        if s < pos:
            continue  # overlapping hits: keep the first
        if s > pos:
            segments.append((text[pos:s], False))
        segments.append((text[s:e], True))
        pos = e
    if pos < end:
        segments.append((text[pos:end], False))
    if end < len(text):
        segments.append(("…", False))
    cleaned = tuple((_SPACE.sub(" ", t), hit) for t, hit in segments)
    return Snippet(field=first.field, segments=cleaned)


def alert_context(alert: Alert) -> dict[str, Any]:
    """The values a template sees for one alert (all plain data, nothing callable)."""
    doc = alert.document
    terms: dict[str, str] = {}
    for hit in alert.hits:
        terms.setdefault(hit.term, hit.text)
    counts = dict(alert.counts)
    return {
        "id": alert.id,
        "kind": alert.kind,
        "headline": one_line(doc.title, 1000) or "(untitled)",
        "rule": alert.rule,
        "rule_title": one_line(alert.rule_title, 300) or alert.rule,
        "source": doc.source,
        "url": web_url(doc.url),
        "published": format_date(doc.published),
        "created": format_date(alert.created),
        "language": alert.language or doc.language or "",
        "score": f"{alert.score:.2f}",
        "matched": [{"term": t, "text": x, "count": counts.get(t, 1)} for t, x in terms.items()],
        "score_parts": [{"name": k, "value": v} for k, v in alert.score_parts],
        "snippets": [
            {"field": s.field, "segments": [list(seg) for seg in s.segments]}
            for s in snippets_for(alert)
        ],
        "paragraphs": paragraphs(doc.body),
        "matched_on": matched_on(doc),
        "story": alert.story or "",
        "spreading": alert.spreading,
        "outlets": [
            {"name": one_line(o.name, 200), "url": web_url(o.url), "title": one_line(o.title, 300)}
            for o in alert.other_outlets
        ],
    }


SUMMARY_NOTE = "matched on the feed's summary"


def matched_on(doc: Document) -> str | None:
    """A note when the article's page could not be had and the feed's text was matched."""
    return SUMMARY_NOTE + " (the article's page could not be read)" \
        if doc.body_from == "summary" else None


def by_relevance(alerts: Sequence[Alert]) -> list[Alert]:
    """Alerts in digest order: the most relevant first (score), then the newest."""
    return sorted(alerts, key=lambda a: (a.score, a.created), reverse=True)


def paragraphs(body: str, limit: int = BODY_EXCERPT) -> list[str]:
    """The start of a body as paragraphs (split at blank lines), at most `limit` characters."""
    out: list[str] = []
    used = 0
    for block in re.split(r"\n\s*\n", body.strip()):
        text = _SPACE.sub(" ", block).strip()
        if not text:
            continue
        if used + len(text) > limit:
            out.append(text[: max(0, limit - used)].rstrip() + "…")
            break
        out.append(text)
        used += len(text)
    return out


def is_web_url(url: str | None) -> bool:
    """True for an absolute http(s) URL without spaces or control characters."""
    return bool(url) and re.match(r"^https?://[^\s\x00-\x1f\x7f]+$", url or "") is not None


def web_url(url: str | None) -> str | None:
    """An http(s) URL fit for an href (characters a URI may not hold percent-encoded,
    non-ASCII kept as an IRI allows), or None for anything else (javascript:, file:...)."""
    if not is_web_url(url):
        return None
    return _URL_UNSAFE.sub(lambda m: quote(m.group(0)), str(url))


def snippet_html(snippet: Snippet) -> str:
    """A snippet as HTML: text escaped, hits in <mark>."""
    return "".join(
        f"<mark>{escape(text)}</mark>" if hit else str(escape(text))
        for text, hit in snippet.segments
    )


def snippet_text(snippet: Snippet) -> str:
    """A snippet as plain text, hits in [brackets]."""
    return "".join(f"[{text}]" if hit else text for text, hit in snippet.segments)


@dataclass(frozen=True, kw_only=True)
class Renderer:
    """Renders named templates, the override folder first, then the shipped ones.

    A broken template (syntax error, unknown variable) raises DeliveryError naming the
    notifier `owner` and the template, not retryable: resending cannot fix it.
    """

    env: jinja2.Environment
    owner: str = "templates"

    def render(self, name: str, **context: Any) -> str:
        try:
            return self.env.get_template(name).render(**context)
        except jinja2.TemplateSyntaxError as exc:
            where = f"{exc.filename or exc.name or name}:{exc.lineno}"
            raise DeliveryError(
                self.owner, f"template {where}: {exc.message}", retryable=False
            ) from exc
        except jinja2.TemplateError as exc:
            raise DeliveryError(self.owner, f"template {name}: {exc}", retryable=False) from exc


def make_renderer(override: Path | None = None, *, owner: str = "templates") -> Renderer:
    """A Renderer reading `override` (when given) before the shipped templates; errors
    name the notifier `owner`."""
    loaders: list[jinja2.BaseLoader] = []
    if override is not None:
        loaders.append(jinja2.FileSystemLoader(str(override)))
    loaders.append(jinja2.PackageLoader("monitor.delivery", "templates"))
    env = SandboxedEnvironment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=jinja2.select_autoescape(["html", "htm", "xml"], default_for_string=False),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    return Renderer(env=env, owner=owner)
