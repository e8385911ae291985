"""Alert email messages: multipart/alternative (text + HTML), safe headers, stable ids.

Pure functions: an Alert in, an EmailMessage out. The bytes (`message_bytes`) are what
SMTP sends and what the maildir transport writes: 7-bit clean (RFC 2047 headers,
quoted-printable bodies in UTF-8), CRLF line ends.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

from monitor.controls import strip_controls
from monitor.delivery.render import Renderer, alert_context, by_relevance, one_line
from monitor.models import Alert

SUBJECT_HEADLINE_MAX = 160  # characters of the headline kept in a subject
_NOT_ATOM = re.compile(r"[^A-Za-z0-9-]+")


class _Policy(policy.EmailPolicy):
    """SMTP's policy, except that a header is never folded right after its name.

    The standard folder moves a first word that does not fit after `Subject: ` but fits
    a line of its own to the next line (`Subject:` CRLF ` word ...`), which many parsers
    read as a subject starting with a space. Such a header is folded with the RFC 5322
    limit of 998 characters instead of the recommended 78.
    """

    def fold(self, name: str, value: str) -> str:
        folded = super().fold(name, value)
        return str(self._wide().fold(name, value)) if self._bare(name, folded) else folded

    def fold_binary(self, name: str, value: str) -> bytes:
        folded = super().fold_binary(name, value)
        if self._bare(name, folded.decode("ascii", "replace")):
            return self._wide().fold_binary(name, value)
        return folded

    def _bare(self, name: str, folded: str) -> bool:
        return folded.startswith(f"{name}:{self.linesep}")

    def _wide(self) -> policy.EmailPolicy[Any]:
        return policy.SMTP.clone(max_line_length=998)


POLICY = _Policy(linesep="\r\n", max_line_length=78)


def domain_of(address: str) -> str:
    """The domain of an address (for Message-ID and List-Id), "monitor" when it has none."""
    _, _, domain = address.rpartition("@")
    domain = re.sub(r"[^A-Za-z0-9.-]+", "-", domain.strip(" >")).strip(".-")
    return re.sub(r"\.{2,}", ".", domain) or "monitor"


def message_id(alert_id: str, notifier: str, domain: str) -> str:
    """A Message-ID that is the same every time this alert goes through this notifier."""
    return f"<{_atom(alert_id)}.{_atom(notifier)}@{domain}>"


def list_id(rule: str, rule_title: str, domain: str) -> str:
    """A List-Id naming the rule, so mail clients can filter alerts per rule (RFC 2919)."""
    phrase = one_line(rule_title, 80).replace("\\", "").replace('"', "")
    return f'"{phrase}" <{_atom(rule)}.{domain}>'


def _atom(text: str) -> str:
    return _NOT_ATOM.sub("-", text).strip("-")[:64] or "x"


def subject(prefix: str, rule_title: str, headline: str) -> str:
    """`[monitor] <rule title>: <headline>` on one line, the headline cut when long."""
    parts = [
        one_line(prefix, 40),
        one_line(rule_title, 80) + ":",
        one_line(headline, SUBJECT_HEADLINE_MAX),
    ]
    return " ".join(p for p in parts if p)


def spreading_note(alert: Alert) -> str:
    """What a subject says before the headline of a "story is spreading" alert."""
    return f"Spreading to {alert.spreading} outlets: " if alert.spreading else ""


def _base(
    *, sender: str, to: Sequence[str], subj: str, msg_id: str, when: datetime
) -> EmailMessage:
    msg = EmailMessage(policy=POLICY)
    msg["From"] = _address(sender)
    msg["To"] = ", ".join(_address(a) for a in to)
    msg["Subject"] = subj
    msg["Date"] = format_datetime(when.astimezone(UTC))
    msg["Message-ID"] = msg_id
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Auto-Response-Suppress"] = "All"
    return msg


def _address(text: str) -> str:
    # Config addresses are trusted, but still never let a line break through.
    return one_line(text, 320)


def _bodies(msg: EmailMessage, text: str, html: str) -> None:
    # no ESC sequences or stray returns from an article reach a mail reader
    text, html = strip_controls(text), strip_controls(html)
    msg.set_content(text, subtype="plain", charset="utf-8", cte=_encoding(text))
    msg.add_alternative(html, subtype="html", charset="utf-8", cte=_encoding(html))
    # A boundary derived from the Message-ID makes a resend byte-for-byte identical;
    # "=_" never occurs in quoted-printable or base64 text, so it cannot clash.
    digest = hashlib.sha256(str(msg["Message-ID"]).encode()).hexdigest()[:32]
    msg.set_boundary(f"=_monitor_{digest}")


def _encoding(text: str) -> str:
    # Mostly-ASCII text stays readable as quoted-printable; Cyrillic or CJK is half the
    # size in base64. Either way the message is 7-bit clean.
    ascii_chars = sum(1 for ch in text if ord(ch) < 128)
    return "quoted-printable" if ascii_chars >= 0.7 * len(text) else "base64"


def alert_message(
    alert: Alert,
    *,
    notifier: str,
    sender: str,
    to: Sequence[str],
    prefix: str,
    renderer: Renderer,
) -> EmailMessage:
    """The email for one alert."""
    domain = domain_of(sender)
    ctx = alert_context(alert)
    msg = _base(
        sender=sender,
        to=to,
        subj=subject(prefix, ctx["rule_title"], spreading_note(alert) + ctx["headline"]),
        msg_id=message_id(alert.id, notifier, domain),
        when=alert.created,
    )
    msg["List-Id"] = list_id(alert.rule, ctx["rule_title"], domain)
    msg["X-Monitor-Alert"] = _atom(alert.id)
    msg["X-Monitor-Rule"] = _atom(alert.rule)
    _bodies(msg, renderer.render("alert.txt", alert=ctx), renderer.render("alert.html", alert=ctx))
    return msg


def digest_context(alerts: Sequence[Alert], title: str) -> dict[str, Any]:
    """Template values for a digest: alerts grouped by rule, the most relevant first."""
    ordered = by_relevance(alerts)
    groups: dict[str, dict[str, Any]] = {}
    for alert in ordered:
        ctx = alert_context(alert)
        group = groups.setdefault(
            alert.rule, {"rule": alert.rule, "rule_title": ctx["rule_title"], "alerts": []}
        )
        group["alerts"].append(ctx)
    return {"title": one_line(title, 200), "count": len(ordered), "groups": list(groups.values())}


def digest_id(alerts: Sequence[Alert], title: str) -> str:
    """An id for a digest: the same for the same window and alerts."""
    h = hashlib.sha256(title.encode())
    for alert_id in sorted(a.id for a in alerts):
        h.update(b"\0" + alert_id.encode())
    return h.hexdigest()[:32]


def digest_message(
    alerts: Sequence[Alert],
    title: str,
    *,
    notifier: str,
    sender: str,
    to: Sequence[str],
    prefix: str,
    renderer: Renderer,
) -> EmailMessage:
    """One email for several alerts, grouped by rule."""
    domain = domain_of(sender)
    ctx = digest_context(alerts, title)
    rules = [g["rule_title"] for g in ctx["groups"]]
    what = rules[0] if len(rules) == 1 else f"{len(rules)} rules"
    count = ctx["count"]
    subj = subject(prefix, ctx["title"], f"{count} alert{'s' if count != 1 else ''}, {what}")
    when = max((a.created for a in alerts), default=datetime.now(UTC))
    msg = _base(
        sender=sender,
        to=to,
        subj=subj,
        msg_id=message_id("digest-" + digest_id(alerts, title), notifier, domain),
        when=when,
    )
    if len(ctx["groups"]) == 1:
        first = alerts[0]
        msg["List-Id"] = list_id(first.rule, ctx["groups"][0]["rule_title"], domain)
    _bodies(msg, renderer.render("digest.txt", **ctx), renderer.render("digest.html", **ctx))
    return msg


def message_bytes(msg: EmailMessage) -> bytes:
    """The message as sent over SMTP (and written to a Maildir)."""
    return msg.as_bytes(policy=POLICY)


def envelope_recipients(to: Sequence[str]) -> list[str]:
    """Bare addresses for the SMTP envelope."""
    out: list[str] = []
    for item in to:
        try:
            out.append(Address(addr_spec=_bare(item)).addr_spec)
        except (ValueError, IndexError):
            out.append(_bare(item))
    return out


def _bare(item: str) -> str:
    m = re.search(r"<([^<>]+)>", item)
    return (m.group(1) if m else item).strip()
