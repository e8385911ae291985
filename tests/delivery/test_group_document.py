"""`group: document` on an email notifier: an article matching several rules is one
email listing every rule, not one email per rule."""

from __future__ import annotations

import email
import email.policy
from pathlib import Path

import pytest

from monitor.config import DeliveryConfig, EmailNotifierConfig
from monitor.delivery.email import EmailNotifier
from monitor.delivery.outbox import Outbox
from monitor.store.sqlite import SQLiteStore
from tests.delivery.conftest import make_alert


def _inbox(root: Path) -> list[email.message.EmailMessage]:
    new = root / "mail" / "new"
    return [email.message_from_bytes(p.read_bytes(), policy=email.policy.default)  # type: ignore[misc]
            for p in sorted(new.iterdir())] if new.exists() else []


@pytest.mark.parametrize(("group", "messages"), [("document", 2), ("alert", 3)])
async def test_one_email_per_article_lists_every_rule(
    tmp_path: Path, group: str, messages: int
) -> None:
    cfg = EmailNotifierConfig.model_validate(
        {"type": "email", "name": "mail", "maildir": tmp_path / "mail",
         "to": ["a@example.org"], "group": group})
    first = make_alert(rule="defence-china", rule_title="Defence cooperation with China")
    second = make_alert(rule="azerbaijan", rule_title="Azerbaijan watch")
    both = [first, second.model_copy(update={"document": first.document})]  # one article
    other = make_alert("Другая статья о Китае", rule="defence-china", n=7)
    with SQLiteStore(tmp_path / "state.db") as store:
        for alert in (*both, other):
            store.add_alert(alert, [("mail", "immediate")])
        async with EmailNotifier(cfg) as notifier:
            outbox = Outbox(store, {"mail": notifier}, DeliveryConfig())
            assert await outbox.run_once() == 3
            assert await outbox.run_once() == 0
        assert store.deliveries("pending") == []
    inbox = _inbox(tmp_path)
    assert len(inbox) == messages
    if group == "document":
        [grouped] = [m for m in inbox if "2 rules" in str(m["Subject"])]
        body = grouped.get_body(("plain",))
        assert body is not None
        text = body.get_content()
        assert "Defence cooperation with China" in text and "Azerbaijan watch" in text
        assert both[0].document.title in str(grouped["Subject"])
