"""The Outbox over a real SQLite store: immediate sends, retries, give-up, digests, throttle."""

from __future__ import annotations

import email
import time
from collections.abc import Callable, Iterator, Sequence
from email import policy
from pathlib import Path

import pytest

from monitor.config import DeliveryConfig, EmailNotifierConfig
from monitor.delivery.email import EmailNotifier
from monitor.delivery.outbox import Outbox
from monitor.errors import DeliveryError
from monitor.models import Alert
from monitor.store.sqlite import SQLiteStore

HOUR = 3600.0

AlertFactory = Callable[..., Alert]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SQLiteStore]:
    with SQLiteStore(tmp_path / "state.db") as s:
        yield s


def _mail(tmp_path: Path) -> EmailNotifier:
    cfg = EmailNotifierConfig.model_validate(
        {"type": "email", "name": "mail", "maildir": tmp_path / "mail", "to": ["a@example.org"]}
    )
    return EmailNotifier(cfg)


def _inbox(tmp_path: Path) -> list[email.message.EmailMessage]:
    new = tmp_path / "mail" / "new"
    if not new.exists():
        return []
    return [
        email.message_from_bytes(p.read_bytes(), policy=policy.strict)  # type: ignore[misc]
        for p in sorted(new.iterdir())
    ]


class Flaky:
    """A notifier that fails `failures` times with the given error, then succeeds."""

    def __init__(self, failures: int, error: Exception, name: str = "flaky") -> None:
        self.name = name
        self.last_answer = ""
        self.failures = failures
        self.error = error
        self.sent: list[str] = []
        self.digests: list[tuple[str, list[str]]] = []

    async def __aenter__(self) -> Flaky:
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None

    async def send(self, alert: Alert) -> None:
        if self.failures > 0:
            self.failures -= 1
            raise self.error
        self.sent.append(alert.id)

    async def send_digest(self, alerts: Sequence[Alert], title: str) -> None:
        if self.failures > 0:
            self.failures -= 1
            raise self.error
        self.digests.append((title, [a.document.title for a in alerts]))


async def test_immediate_delivery_goes_out_once_even_after_restart(
    tmp_path: Path, store: SQLiteStore, alert_factory: AlertFactory
) -> None:
    alert = alert_factory()
    assert store.add_alert(alert, [("mail", "immediate")])
    async with _mail(tmp_path) as mail:
        outbox = Outbox(store, {"mail": mail}, DeliveryConfig())
        assert await outbox.run_once() == 1
        assert await outbox.run_once() == 0
    async with _mail(tmp_path) as mail:  # a restart
        assert await Outbox(store, {"mail": mail}, DeliveryConfig()).run_once() == 0
    [msg] = _inbox(tmp_path)
    assert alert.document.title in str(msg["Subject"])
    assert store.deliveries("delivered")[0].alert.id == alert.id


async def test_retryable_failure_backs_off_then_delivers(
    store: SQLiteStore, alert_factory: AlertFactory
) -> None:
    store.add_alert(alert_factory(), [("flaky", "immediate")])
    flaky = Flaky(2, DeliveryError("flaky", "server busy"))
    outbox = Outbox(store, {"flaky": flaky}, DeliveryConfig(backoff=10, backoff_max=15))
    now = time.time()
    assert await outbox.run_once(now) == 0
    [row] = store.deliveries("pending")
    assert row.attempts == 1 and "server busy" in (row.last_error or "")
    assert now + 5 <= row.next_attempt <= now + 10  # backoff 10 s with jitter
    assert await outbox.run_once(now + 1) == 0  # not due yet: nothing tried
    assert flaky.failures == 1
    assert await outbox.run_once(now + 20) == 0  # second failure: capped at 15 s
    [row] = store.deliveries("pending")
    assert now + 20 + 7.5 <= row.next_attempt <= now + 20 + 15
    assert await outbox.run_once(now + 60) == 1
    assert len(flaky.sent) == 1 and store.deliveries("pending") == []


def test_backoff_doubles_with_jitter_up_to_the_cap(store: SQLiteStore) -> None:
    outbox = Outbox(store, {}, DeliveryConfig(backoff=30, backoff_max=3600))
    for attempt, base in [(1, 30), (2, 60), (3, 120), (8, 3600), (50, 3600)]:
        delays = {outbox.backoff(attempt) for _ in range(50)}
        assert all(base / 2 <= d <= base for d in delays)
        assert len(delays) > 1  # jittered
    assert outbox.backoff(1, retry_after=900) >= 900


async def test_retry_after_is_honoured(store: SQLiteStore, alert_factory: AlertFactory) -> None:
    store.add_alert(alert_factory(), [("flaky", "immediate")])
    flaky = Flaky(1, DeliveryError("flaky", "429 slow down", retry_after=120))
    now = time.time()
    await Outbox(store, {"flaky": flaky}, DeliveryConfig(backoff=1)).run_once(now)
    [row] = store.deliveries("pending")
    assert row.next_attempt >= now + 120


async def test_permanent_error_fails_at_once_and_retry_sends_it(
    store: SQLiteStore, alert_factory: AlertFactory
) -> None:
    store.add_alert(alert_factory(), [("flaky", "immediate")])
    flaky = Flaky(1, DeliveryError("flaky", "400 bad request", retryable=False))
    outbox = Outbox(store, {"flaky": flaky}, DeliveryConfig())
    assert await outbox.run_once() == 0
    [row] = store.deliveries("failed")
    assert "400 bad request" in (row.last_error or "")
    assert await outbox.run_once() == 0  # a failed row is not tried again by itself
    assert store.retry_failed(time.time()) == 1
    assert await outbox.run_once() == 1


async def test_gives_up_after_max_attempts(store: SQLiteStore, alert_factory: AlertFactory) -> None:
    store.add_alert(alert_factory(), [("flaky", "immediate")])
    flaky = Flaky(99, DeliveryError("flaky", "down"))
    outbox = Outbox(store, {"flaky": flaky}, DeliveryConfig(max_attempts=3, backoff=1))
    now = time.time()
    for step in range(5):
        await outbox.run_once(now + step * 10)
    [row] = store.deliveries("failed")
    assert row.attempts == 3 and flaky.failures == 96


async def test_a_crashing_notifier_or_unknown_name_never_escapes(
    store: SQLiteStore, alert_factory: AlertFactory, caplog: pytest.LogCaptureFixture
) -> None:
    store.add_alert(alert_factory(), [("flaky", "immediate"), ("gone", "immediate")])
    flaky = Flaky(1, RuntimeError("bug"))
    assert await Outbox(store, {"flaky": flaky}, DeliveryConfig()).run_once() == 0
    [pending] = store.deliveries("pending")
    assert pending.notifier == "flaky" and "RuntimeError" in (pending.last_error or "")
    [failed] = store.deliveries("failed")
    assert failed.notifier == "gone" and "no notifier named 'gone'" in (failed.last_error or "")
    assert "flaky" in caplog.text and pending.alert.id in caplog.text


async def test_hourly_digest_one_message_per_window_grouped_newest_first(
    tmp_path: Path, store: SQLiteStore, alert_factory: AlertFactory
) -> None:
    for n in range(3):
        store.add_alert(alert_factory(f"China headline {n}", n=n), [("mail", "hourly")])
    store.add_alert(
        alert_factory("Other rule news", rule="other", rule_title="Other topic", n=5),
        [("mail", "hourly")],
    )
    now = time.time()
    async with _mail(tmp_path) as mail:
        outbox = Outbox(store, {"mail": mail}, DeliveryConfig())
        assert await outbox.run_once(now) == 0  # the window is still open
        assert _inbox(tmp_path) == []
        assert await outbox.run_once(now + HOUR) == 4
        assert await outbox.run_once(now + HOUR + 60) == 0
    async with _mail(tmp_path) as mail:  # a restart repeats nothing
        assert await Outbox(store, {"mail": mail}, DeliveryConfig()).run_once(now + HOUR) == 0
        # later windows with nothing in them send nothing
        assert await Outbox(store, {"mail": mail}, DeliveryConfig()).run_once(now + 5 * HOUR) == 0
    [msg] = _inbox(tmp_path)
    assert "Hourly digest" in str(msg["Subject"]) and "4 alerts" in str(msg["Subject"])
    part = msg.get_body(("plain",))
    assert part is not None
    text = part.get_content()
    order = [
        text.index(t)
        for t in ("Other rule news", "China headline 2", "China headline 1", "China headline 0")
    ]
    assert order == sorted(order)
    assert "== Other topic (other): 1 ==" in text
    assert "== Defence cooperation with China (defence-china): 3 ==" in text


async def test_failed_digest_is_retried_as_the_same_window(
    store: SQLiteStore, alert_factory: AlertFactory
) -> None:
    store.add_alert(alert_factory(), [("flaky", "daily")])
    flaky = Flaky(1, DeliveryError("flaky", "down"))
    outbox = Outbox(store, {"flaky": flaky}, DeliveryConfig(backoff=60))
    now = time.time() + 86400
    assert await outbox.run_once(now) == 0
    assert await outbox.run_once(now + 1) == 0  # backing off
    assert await outbox.run_once(now + 120) == 1
    [(title, titles)] = flaky.digests
    assert title.startswith("Daily digest") and len(titles) == 1


async def test_max_per_hour_folds_the_overflow_into_the_next_digest(
    store: SQLiteStore, alert_factory: AlertFactory
) -> None:
    for n in range(5):
        store.add_alert(alert_factory(f"Headline {n}", n=n), [("flaky", "immediate")])
    flaky = Flaky(0, DeliveryError("flaky", "never"))
    outbox = Outbox(store, {"flaky": flaky}, DeliveryConfig(max_per_hour=2))
    now = time.time()
    assert await outbox.run_once(now) == 2
    assert len(flaky.sent) == 2 and flaky.digests == []
    assert await outbox.run_once(now + HOUR) == 3
    [(title, titles)] = flaky.digests
    assert title.startswith("Hourly digest") and len(titles) == 3


async def test_invalid_digest_schedule_fails_with_a_clear_error(
    store: SQLiteStore, alert_factory: AlertFactory
) -> None:
    store.add_alert(alert_factory(), [("flaky", "every tuesday")])
    await Outbox(store, {"flaky": Flaky(0, RuntimeError())}, DeliveryConfig()).run_once()
    [row] = store.deliveries("failed")
    assert "not a digest schedule" in (row.last_error or "")


async def test_rule_limits_override_the_global_throttle(
    store: SQLiteStore, alert_factory: AlertFactory
) -> None:
    for n in range(3):
        store.add_alert(alert_factory(f"Limited {n}", n=n), [("flaky", "immediate")])
        store.add_alert(alert_factory(f"Free {n}", rule="free", n=n), [("flaky", "immediate")])
    flaky = Flaky(0, DeliveryError("flaky", "never"))
    outbox = Outbox(store, {"flaky": flaky}, DeliveryConfig())
    outbox.rule_limits = {"defence-china": 1}
    assert await outbox.run_once() == 4
    [pending_one, pending_two] = store.deliveries("pending")
    assert {pending_one.digest, pending_two.digest} == {"hourly"}
    assert {pending_one.alert.rule, pending_two.alert.rule} == {"defence-china"}


async def test_zero_backoff_does_not_spin_and_overlapping_passes_send_once(
    store: SQLiteStore, alert_factory: AlertFactory
) -> None:
    import asyncio

    store.add_alert(alert_factory(), [("flaky", "immediate")])
    flaky = Flaky(5, DeliveryError("flaky", "down"))
    outbox = Outbox(store, {"flaky": flaky}, DeliveryConfig(backoff=0))
    assert await outbox.run_once() == 0
    assert flaky.failures == 4  # one attempt per pass
    flaky.failures = 0
    first, second = await asyncio.gather(outbox.run_once(), outbox.run_once())
    assert first + second == 1 and len(flaky.sent) == 1


async def test_digest_resent_after_a_crash_replaces_itself_in_the_maildir(
    tmp_path: Path, store: SQLiteStore, alert_factory: AlertFactory
) -> None:
    for n in range(3):
        store.add_alert(alert_factory(f"Headline {n}", n=n), [("mail", "daily")])
    later = time.time() + 86400
    async with _mail(tmp_path) as mail:
        assert await Outbox(store, {"mail": mail}, DeliveryConfig()).run_once(later) == 3
    # a crash after sending but before recording: the rows and the window look unsent
    store._db.execute("UPDATE deliveries SET status = 'pending', delivered_at = NULL")
    store.set_state("digest:mail:daily", {})
    async with _mail(tmp_path) as mail:
        assert await Outbox(store, {"mail": mail}, DeliveryConfig()).run_once(later) == 3
    [msg] = _inbox(tmp_path)
    assert "3 alerts" in str(msg["Subject"])


async def test_lanes_run_apart_and_a_failed_pass_is_logged_and_retried(
    store: SQLiteStore, alert_factory: AlertFactory, caplog: pytest.LogCaptureFixture
) -> None:
    import asyncio

    gate = asyncio.Event()

    class Stuck(Flaky):
        async def send(self, alert: Alert) -> None:
            await gate.wait()
            await super().send(alert)

    stuck, quick = Stuck(0, DeliveryError("stuck", "x"), "stuck"), Flaky(0, DeliveryError("q", "x"))
    store.add_alert(alert_factory(), [("stuck", "immediate"), ("flaky", "immediate")])
    outbox = Outbox(store, {"stuck": stuck, "flaky": quick}, DeliveryConfig())
    lanes = outbox.start()
    assert len(lanes) == 2 and outbox.busy
    await asyncio.wait(lanes, timeout=5, return_when=asyncio.FIRST_COMPLETED)
    assert len(quick.sent) == 1 and not stuck.sent  # one lane done, the other still waiting
    again = outbox.start()  # the busy notifier is left to its lane
    assert [lane.get_name() for lane in again] == ["deliver:flaky"]
    gate.set()
    await asyncio.gather(*lanes, *again)
    assert len(stuck.sent) == 1 and not outbox.busy

    broken = store.due_deliveries
    def fails(*args: object, notifier: str | None = None, **kwargs: object) -> object:
        if notifier is None:
            return broken(*args, **kwargs)  # type: ignore[arg-type]
        raise OSError("disk I/O error")  # in the lane

    store.due_deliveries = fails  # type: ignore[method-assign,assignment]
    store.add_alert(alert_factory("Another", n=1), [("flaky", "immediate")])
    failed = outbox.start()
    await asyncio.wait(failed)
    assert "the delivery pass failed" in caplog.text and "disk I/O error" in caplog.text
    store.due_deliveries = broken  # type: ignore[method-assign]
    assert await outbox.run_once() == 1 and len(quick.sent) == 2
