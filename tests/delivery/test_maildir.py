"""The maildir transport: the Maildir layout, atomic delivery, no duplicates on redelivery."""

from __future__ import annotations

import email
from collections.abc import Callable
from email import policy
from pathlib import Path

from monitor.config import EmailNotifierConfig
from monitor.delivery.email import EmailNotifier
from monitor.models import Alert

AlertFactory = Callable[..., Alert]
SEED_TITLE = "Азербайджан начинает диалог с Китаем в оборонной промышленности"


def _notifier(tmp_path: Path) -> EmailNotifier:
    cfg = EmailNotifierConfig.model_validate(
        {
            "type": "email",
            "name": "analysts",
            "transport": "maildir",
            "maildir": tmp_path / "mail",
            "from": "monitor@localhost",
            "to": ["analysts@example.org"],
        }
    )
    return EmailNotifier(cfg)


def _messages(root: Path) -> list[Path]:
    return sorted((root / "new").iterdir())


async def test_maildir_delivery_writes_one_parseable_message(
    tmp_path: Path, alert_factory: AlertFactory
) -> None:
    async with _notifier(tmp_path) as notifier:
        await notifier.send(alert_factory())
    root = tmp_path / "mail"
    assert {p.name for p in root.iterdir()} == {"tmp", "new", "cur"}
    assert list((root / "tmp").iterdir()) == []
    [path] = _messages(root)
    msg = email.message_from_bytes(path.read_bytes(), policy=policy.strict)
    assert not msg.defects
    assert SEED_TITLE in str(msg["Subject"])
    body = msg.get_body(("plain",))
    assert body is not None
    text = body.get_content()
    assert "defence-china" in text and "[Китаем]" in text


async def test_redelivery_replaces_instead_of_duplicating(
    tmp_path: Path, alert_factory: AlertFactory
) -> None:
    alert = alert_factory()
    async with _notifier(tmp_path) as notifier:
        await notifier.send(alert)
    async with _notifier(tmp_path) as notifier:  # as after a restart
        await notifier.send(alert)
        await notifier.send(alert_factory("Another headline about China", n=1))
    assert len(_messages(tmp_path / "mail")) == 2


async def test_message_read_by_a_client_is_not_delivered_again(
    tmp_path: Path, alert_factory: AlertFactory
) -> None:
    alert = alert_factory()
    async with _notifier(tmp_path) as notifier:
        await notifier.send(alert)
        root = tmp_path / "mail"
        [path] = _messages(root)
        path.rename(root / "cur" / (path.name + ":2,S"))
        await notifier.send(alert)
    assert _messages(root) == []
    assert len(list((root / "cur").iterdir())) == 1


async def test_unwritable_maildir_is_a_retryable_delivery_error(
    tmp_path: Path, alert_factory: AlertFactory
) -> None:
    import pytest

    from monitor.errors import DeliveryError

    (tmp_path / "mail").write_text("not a folder")
    async with _notifier(tmp_path) as notifier:  # starting does not fail
        with pytest.raises(DeliveryError) as info:
            await notifier.send(alert_factory())
    assert info.value.retryable and "analysts" in str(info.value)


async def test_templates_folder_overrides_one_template(
    tmp_path: Path, alert_factory: AlertFactory
) -> None:
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "alert.txt").write_text(
        "Custom: {{ alert.headline }} [{{ alert.rule }}]\n", encoding="utf-8"
    )
    cfg = _notifier(tmp_path).config
    async with EmailNotifier(cfg, templates=folder) as notifier:
        await notifier.send(alert_factory())
    [path] = _messages(tmp_path / "mail")
    msg = email.message_from_bytes(path.read_bytes(), policy=policy.strict)
    text, html = msg.get_body(("plain",)), msg.get_body(("html",))
    assert text is not None and html is not None
    assert text.get_content().replace("\r\n", "\n") == f"Custom: {SEED_TITLE} [defence-china]\n"
    assert "<mark><b>Китаем</b></mark>" in html.get_content()  # the shipped one


async def test_broken_template_is_a_permanent_error_naming_file_and_line(
    tmp_path: Path, alert_factory: AlertFactory
) -> None:
    import pytest

    from monitor.errors import DeliveryError

    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "alert.txt").write_text("line one\n{% if %}\n", encoding="utf-8")
    (folder / "alert.html").write_text("{{ alert.no_such_field }}", encoding="utf-8")
    cfg = _notifier(tmp_path).config
    notifier = EmailNotifier(cfg, templates=folder)
    with pytest.raises(DeliveryError, match=r"alert\.txt:2") as info:
        await notifier.send(alert_factory())
    assert not info.value.retryable and "analysts" in str(info.value)
    (folder / "alert.txt").unlink()
    with pytest.raises(DeliveryError, match="no_such_field"):
        await notifier.send(alert_factory())
