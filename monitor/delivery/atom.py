"""AtomNotifier: one Atom feed per rule (`<rule>.atom`) and a combined `all.atom`.

The feeds are the notifier's only state: on start it reads its own files back, so the
entries survive a restart, and an alert delivered again replaces its entry (same id)
instead of adding one. A rule's file written meanwhile by another process (another node
sharing the folder and the state) is read again before the next write, so no entry is lost
when the notifier's deliveries move between nodes. Each file is written to a temporary
file and renamed over the old one, so a reader never sees half a feed. Valid per RFC 4287.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import tempfile
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from monitor import __version__
from monitor.config import AtomNotifierConfig
from monitor.delivery.base import NotifierBase
from monitor.delivery.render import (
    Renderer,
    alert_context,
    by_relevance,
    make_renderer,
    one_line,
    web_url,
)
from monitor.errors import DeliveryError
from monitor.models import Alert
from monitor.registry import Resources

if TYPE_CHECKING:
    from monitor.delivery.atom_shared import SharedState

log = logging.getLogger(__name__)

NS = "http://www.w3.org/2005/Atom"
ALL_FEED = "all"
TEST_FEED = "monitor.test"  # test alerts (notify-test) only; no rule id has a dot
_Q = "{" + NS + "}"
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
ET.register_namespace("", NS)


def xml_text(text: str) -> str:
    """Text XML 1.0 can carry (control characters and lone surrogates removed)."""
    return _XML_BAD.sub("", text)


def feed_name(rule: str) -> str:
    """The file stem of a rule's feed: the rule id when it is a safe file name."""
    if _SAFE_NAME.match(rule) and rule != ALL_FEED and not rule.endswith(".atom"):
        return rule
    return "rule-" + uuid.uuid5(uuid.NAMESPACE_URL, "monitor:rule:" + rule).hex[:12]


def entry_id(alert_id: str) -> str:
    """The entry id: a urn:uuid derived from the alert id, the same after any restart."""
    return "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, "monitor:alert:" + alert_id))


def rfc3339(when: datetime) -> str:
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    # isoformat, not strftime: %Y does not pad years before 1000 to four digits
    return when.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


@dataclass(kw_only=True)
class Entry:
    """A feed entry kept in memory: its sort key, id, rule and XML element."""

    updated: str  # RFC 3339 in UTC, so strings sort by time
    id: str
    rule: str
    rule_title: str
    element: ET.Element


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, _Q + tag, {k: xml_text(v) for k, v in attrs.items()})
    if text is not None:
        el.text = xml_text(text)
    return el


def build_entry(alert: Alert, summary_html: str, content_html: str) -> Entry:
    """The <entry> for an alert; the HTML is escaped into the summary, and into a
    content element when the document has no web link (RFC 4287 needs one of them).
    A story's entry is updated when a copy joins: its <updated> is the latest copy's."""
    ctx = alert_context(alert)
    doc = alert.document
    updated = rfc3339(max([alert.created, *(o.seen for o in alert.outlets)]))
    el = ET.Element(_Q + "entry")
    _sub(el, "id", entry_id(alert.id))
    _sub(el, "title", one_line(doc.title, 1000) or "(untitled)", type="text")
    link = web_url(doc.url)
    if link is not None:
        _sub(el, "link", rel="alternate", type="text/html", href=link)
    _sub(el, "published", rfc3339(doc.published or alert.created))
    _sub(el, "updated", updated)
    author = _sub(el, "author")
    _sub(author, "name", one_line(doc.source, 200) or "monitor")
    _sub(el, "category", term=alert.rule, label=ctx["rule_title"])
    _sub(el, "summary", summary_html, type="html")
    if link is None:
        _sub(el, "content", content_html, type="html")
    return Entry(
        updated=updated,
        id=entry_id(alert.id),
        rule=alert.rule,
        rule_title=ctx["rule_title"],
        element=el,
    )


def build_feed(*, entries: Sequence[Entry], title: str, self_url: str, now: datetime) -> bytes:
    """A complete feed document (entries newest first)."""
    feed = ET.Element(_Q + "feed")
    _sub(feed, "id", "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, self_url)))
    _sub(feed, "title", title, type="text")
    _sub(feed, "updated", entries[0].updated if entries else rfc3339(now))
    _sub(feed, "link", rel="self", type="application/atom+xml", href=self_url)
    author = _sub(feed, "author")
    _sub(author, "name", "monitor")
    _sub(feed, "generator", "monitor", version=__version__)
    feed.extend(e.element for e in entries)
    ET.indent(feed)
    body: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return body + b"\n"


def write_atomic(path: Path, data: bytes) -> None:
    """Replace `path` with `data` so a reader sees the old file or the new one, never half."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_entries(path: Path) -> list[Entry]:
    """The entries of a feed this notifier wrote (empty, with a warning, when unreadable)."""
    try:
        return entries_of(ET.parse(path).getroot())
    except (OSError, ET.ParseError) as exc:
        log.warning("%s: cannot read the feed back (%s); starting it afresh", path, exc)
        return []


def entries_of(root: ET.Element) -> list[Entry]:
    """The entries of a feed document this notifier wrote."""
    out: list[Entry] = []
    for el in root.findall(_Q + "entry"):
        cat = el.find(_Q + "category")
        eid, upd = el.findtext(_Q + "id"), el.findtext(_Q + "updated")
        if cat is None or not eid or not upd:
            continue
        term = cat.get("term", "")
        out.append(
            Entry(updated=upd, id=eid, rule=term, rule_title=cat.get("label", term), element=el)
        )
    return out


def _by_rule(entries: list[Entry]) -> dict[str, list[Entry]]:
    out: dict[str, list[Entry]] = {}
    for entry in entries:
        out.setdefault(entry.rule, []).append(entry)
    return out


def _signature(path: Path) -> tuple[int, int, int]:
    """What changes when a file is replaced: inode, modification time, size."""
    st = path.stat()
    return st.st_ino, st.st_mtime_ns, st.st_size


class AtomNotifier(NotifierBase[AtomNotifierConfig]):
    """Keeps the Atom feeds in `config.path` up to date."""

    config_model = AtomNotifierConfig

    @classmethod
    def from_config(cls, cfg: AtomNotifierConfig, ctx: Resources) -> AtomNotifier:
        """The notifier; with a state shared by several daemons, it keeps the feeds there
        too (delivery/atom_shared.py)."""
        notifier = cls(cfg, templates=ctx.templates)
        notifier.shared = ctx.store if ctx.shared else None
        return notifier

    def _setup(self) -> None:
        self.renderer: Renderer = make_renderer(self.templates, owner=self.name)
        self.entries: dict[str, list[Entry]] = {}  # rule -> newest first
        self._known: dict[str, tuple[int, int, int]] = {}  # file name -> its stat as read
        self.shared: SharedState | None = None  # the state several daemons share
        self._stamps: dict[str, str] = {}  # file name -> the stamp of its last write known
        self._lock = asyncio.Lock()

    async def __aenter__(self) -> AtomNotifier:
        try:
            await asyncio.to_thread(self._load)
        except OSError as exc:
            log.warning("notifier %r: cannot read %s: %s", self.name, self.config.path, exc)
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None

    def _load(self) -> None:
        self.config.path.mkdir(parents=True, exist_ok=True)
        self._refresh()
        if not (self.config.path / f"{ALL_FEED}.atom").exists():
            self._write({ALL_FEED})

    def _refresh(self) -> None:
        """Read back every rule's feed written by someone else since this notifier last
        read or wrote it (its entries replace those held for its rules)."""
        for path in sorted(self.config.path.glob("*.atom")):
            if path.stem in (ALL_FEED, TEST_FEED):
                continue
            try:
                seen = _signature(path)
            except OSError:
                continue
            if self._known.get(path.name) == seen:
                continue
            read = _by_rule(read_entries(path))
            self._replace(read)
            self._known[path.name] = seen
        if self.shared is not None:
            from monitor.delivery.atom_shared import changed_feeds

            for data in changed_feeds(self.shared, self._stamps).values():
                try:
                    self._replace(_by_rule(entries_of(ET.fromstring(data))))
                except ET.ParseError as exc:
                    log.warning("notifier %r: a feed kept in the state is unreadable (%s)",
                                self.name, exc)

    def _replace(self, read: dict[str, list[Entry]]) -> None:
        """These rules' entries, as read back, replace those held."""
        for rule, entries in read.items():
            self.entries.pop(rule, None)
            for entry in entries:
                self._add(entry)

    def url(self, stem: str) -> str:
        base = self.config.base_url
        return (base if base.endswith("/") else base + "/") + stem + ".atom"

    def _add(self, entry: Entry) -> None:
        kept = [e for e in self.entries.get(entry.rule, []) if e.id != entry.id]
        kept.append(entry)
        kept.sort(key=lambda e: e.updated, reverse=True)
        self.entries[entry.rule] = kept[: self.config.max_entries]

    def _all(self) -> list[Entry]:
        merged = [e for entries in self.entries.values() for e in entries]
        merged.sort(key=lambda e: e.updated, reverse=True)
        return merged[: self.config.max_entries]

    def _write(self, rules: set[str]) -> None:
        now = datetime.now(UTC)
        for rule in sorted(rules):
            if rule == ALL_FEED:
                entries, title, stem = self._all(), "monitor: all alerts", ALL_FEED
            else:
                entries = self.entries.get(rule, [])
                label = entries[0].rule_title if entries else rule
                title, stem = f"monitor: {label}", feed_name(rule)
            data = build_feed(entries=entries, title=title, self_url=self.url(stem), now=now)
            path = self.config.path / f"{stem}.atom"
            write_atomic(path, data)
            self._known[path.name] = _signature(path)
            if self.shared is not None:
                from monitor.delivery.atom_shared import save_feed

                self._stamps[path.name] = save_feed(self.shared, path.name, data)

    async def send(self, alert: Alert) -> None:
        await self.send_digest([alert], "")

    async def send_digest(self, alerts: Sequence[Alert], title: str) -> None:
        # A feed has no digests: every alert becomes its own entry.
        if any(a.kind == "test" for a in alerts):
            await self._send_tests([a for a in alerts if a.kind == "test"])
            alerts = [a for a in alerts if a.kind != "test"]
            if not alerts:
                return
        async with self._lock:
            await asyncio.to_thread(self._refresh)
            # alerts delivered together (a digest): the most relevant first
            for alert in by_relevance(alerts):
                ctx = alert_context(alert)
                summary = self.renderer.render("atom-summary.html", alert=ctx)
                content = self.renderer.render("atom-content.html", alert=ctx)
                self._add(build_entry(alert, summary, content))
            rules = {a.rule for a in alerts} | {ALL_FEED}
            try:
                await asyncio.to_thread(self._write, rules)
            except OSError as exc:
                raise DeliveryError(
                    self.name, f"cannot write feeds to {self.config.path}: {exc.strerror or exc}"
                ) from exc
        stems = [r if r == ALL_FEED else feed_name(r) for r in sorted(rules)]
        self.last_answer = "wrote " + ", ".join(self.url(stem) for stem in stems)

    async def _send_tests(self, alerts: Sequence[Alert]) -> None:
        """Test alerts go to a feed of their own, never into a rule's feed or all.atom."""
        entries = []
        for alert in alerts:
            ctx = alert_context(alert)
            entries.append(build_entry(alert, self.renderer.render("atom-summary.html", alert=ctx),
                                       self.renderer.render("atom-content.html", alert=ctx)))
        data = build_feed(entries=entries, title="monitor: test alerts",
                          self_url=self.url(TEST_FEED), now=datetime.now(UTC))
        try:
            await asyncio.to_thread(write_atomic, self.config.path / f"{TEST_FEED}.atom", data)
        except OSError as exc:
            raise DeliveryError(
                self.name, f"cannot write feeds to {self.config.path}: {exc.strerror or exc}"
            ) from exc
        self.last_answer = (f"wrote {self.url(TEST_FEED)} (test alerts stay out of the rule "
                            "feeds and all.atom)")
