"""The config models of the built-in notifiers (email and its SMTP settings, Atom, webhook,
Apprise); `monitor.config` re-exports them."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from monitor.config_values import Duration, RelPath, WebUrl
from monitor.sections import NotifierSection, Section


class SmtpConfig(Section):
    """How to reach an SMTP server. Credentials come from environment variables."""

    host: str = Field(description="SMTP server host name.")
    port: int = Field(587, description="SMTP port (587 for starttls, 465 for implicit TLS).")
    tls: Literal["starttls", "implicit", "none"] = Field(
        "starttls",
        description="starttls (default), implicit (SMTPS), or none (only for a relay on "
        "the same host or a test server).",
    )
    username_env: str | None = Field(None, description="Environment variable holding the user.")
    password_env: str | None = Field(
        None, description="Environment variable holding the password."
    )
    timeout: Duration = Field(30.0, description="Connection and command timeout.")
    ca_file: RelPath | None = Field(
        None,
        description="A PEM file of CA certificates to trust instead of the system's "
        "(e.g. a company CA).",
    )


class EmailNotifierConfig(NotifierSection):
    """Email alerts, one per match or as digests, through SMTP or into a local Maildir."""

    type: Literal["email"] = Field(description="Selects the email notifier.")
    transport: Literal["maildir", "smtp"] = Field(
        "maildir", description="maildir (write to a local Maildir) or smtp."
    )
    maildir: RelPath | None = Field(None, description="Maildir folder for transport maildir.")
    smtp: SmtpConfig | None = Field(None, description="Server settings for transport smtp.")
    from_: str = Field(
        "monitor@localhost", alias="from", description="The From address of alert mail."
    )
    to: list[str] = Field(description="Recipients.", min_length=1)
    subject_prefix: str = Field("[monitor]", description="Put before every subject.")
    to_by_rule: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Recipients per rule id, replacing `to` for that rule's alerts.",
    )
    group: Literal["alert", "document"] = Field(
        "alert", description="alert: one email per alert; document: one email per article, "
        "listing every rule it matched (sent as they are due, like alert).",
    )

    @model_validator(mode="after")
    def _transport_settings(self) -> EmailNotifierConfig:
        if self.transport == "maildir" and self.maildir is None:
            raise ValueError("transport maildir needs `maildir: <folder>`")
        if self.transport == "smtp" and self.smtp is None:
            raise ValueError("transport smtp needs `smtp: {host: ..., port: ...}`")
        return self


class AtomNotifierConfig(NotifierSection):
    """Atom feeds: one per rule and one combined (all.atom), written to a folder."""

    type: Literal["atom"] = Field(description="Selects the Atom notifier.")
    path: RelPath = Field(description="Folder the .atom files are written to.")
    base_url: str = Field(
        "http://localhost:8080/feeds/", description="Public URL of that folder (self links)."
    )
    max_entries: int = Field(100, ge=1, description="Entries kept per feed.")


class WebhookNotifierConfig(NotifierSection):
    """HTTP POST of a JSON payload (or a templated body), signed with HMAC-SHA256."""

    type: Literal["webhook"] = Field(description="Selects the webhook notifier.")
    url: WebUrl = Field(description="Where alerts are POSTed.")
    secret_env: str | None = Field(
        None, description="Environment variable holding the HMAC secret."
    )
    template: RelPath | None = Field(
        None, description="A jinja2 template for the body (e.g. for Slack); JSON otherwise."
    )
    headers: dict[str, str] = Field(default_factory=dict, description="Extra request headers.")
    timeout: Duration = Field(
        10.0, description="Longest time one delivery may take in total, reply included."
    )
    content_type: str = Field(
        "application/json", description="Content-Type of the body (for a template's output)."
    )


class AppriseNotifierConfig(NotifierSection):
    """Alerts through Apprise to chat and push services (Slack, Teams, Telegram, Matrix,
    ntfy and 100 more); the target URLs come from environment variables."""

    type: Literal["apprise"] = Field(description="Selects the Apprise notifier.")
    urls_env: list[str] = Field(
        min_length=1, description="Environment variables each holding one or more Apprise "
        "URLs (e.g. `tgram://bot-token/chat-id`), separated by spaces or commas.")
    format: Literal["text", "markdown", "html"] = Field(
        "text", description="The body's format: text, markdown (the text template sent as "
        "Markdown) or html.")
    title_prefix: str = Field("[monitor]", description="Put before every title.")
