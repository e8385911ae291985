"""Alert emails and digests say how well the article matched and in what language."""

from __future__ import annotations

from email.message import EmailMessage

from monitor.config import EmailNotifierConfig
from monitor.delivery.email import EmailNotifier
from tests.delivery.conftest import make_alert


def _bodies(msg: EmailMessage) -> tuple[str, str]:
    text, html = msg.get_body(("plain",)), msg.get_body(("html",))
    assert text is not None and html is not None
    return text.get_content(), html.get_content()


def _notifier() -> EmailNotifier:
    return EmailNotifier(EmailNotifierConfig.model_validate(
        {"type": "email", "name": "mail", "maildir": "/nonexistent", "to": ["a@example.org"]}))


def test_an_alert_email_shows_score_and_language() -> None:
    msg = _notifier().build(make_alert(score=0.75))  # the shared alerts are in ru
    text, html = _bodies(msg)
    assert "(defence-china), score 0.75" in text
    assert "Source:    seeds, in ru" in text
    assert "seeds · ru · " in html and "score 0.75" in html


def test_a_digest_shows_score_and_language_per_alert() -> None:
    from monitor.delivery.message import digest_message

    alerts = [make_alert(score=0.5, n=1),
              make_alert(score=0.9, n=2).model_copy(update={"language": "en"})]
    n = _notifier()
    msg = digest_message(alerts, "Daily digest", notifier="mail", sender="m@example.org",
                         to=["a@example.org"], prefix="[monitor]", renderer=n.renderer)
    text, html = _bodies(msg)
    assert "seeds · ru · 2026-11-27 09:30 UTC · score 0.50" in text
    assert "seeds · en · 2026-11-27 09:30 UTC · score 0.90" in text
    assert "score 0.90" in html
