"""/healthz answers and the poll record behind `monitor status`."""

from __future__ import annotations

from monitor.health import PollLog, healthz, live, snapshot, snapshot_every, source_status


def test_healthy_while_running_and_recent() -> None:
    code, body = healthz(running=True, last_pass=1000.0, now=1010.0)
    assert code == 200 and body["status"] == "ok" and body["last_pass_age"] == 10.0


def test_unhealthy_reasons() -> None:
    assert healthz(running=False, last_pass=1000.0, now=1001.0)[1]["reason"] == (
        "the scheduler is not running"
    )
    assert healthz(running=True, last_pass=0.0, now=1.0)[1]["reason"] == "no pass completed yet"
    code, body = healthz(running=True, last_pass=1000.0, now=1200.0, max_age=60)
    assert code == 503 and "200 s ago" in body["reason"]


def test_poll_log_tracks_recovery() -> None:
    polls = PollLog()
    polls.failed("feed", 10.0, "source 'feed': HTTP 503")
    assert polls.of("feed")["healthy"] is False
    polls.ok("feed", 20.0, 4)
    record = polls.of("feed")
    assert record["healthy"] is True and record["documents"] == 4
    assert record["last_error"] == "source 'feed': HTTP 503"
    assert polls.of("never")["last_poll"] is None


def test_snapshot_is_plain_json_data() -> None:
    snap = snapshot(
        started=1.0,
        running=True,
        last_pass=2.0,
        rules=3,
        rules_loaded_at=1.5,
        rules_error=None,
        sources={"seeds": {"healthy": True}},
        now=5.0,
    )
    assert snap["rules"] == {"count": 3, "loaded_at": 1.5, "error": None}
    assert snap["sources"]["seeds"] == {"healthy": True} and snap["updated"] == 5.0


def test_with_thousands_of_sources_the_snapshot_comes_less_often_and_is_judged_so() -> None:
    assert snapshot_every(40) == 15.0
    assert snapshot_every(10_000) == 50.0  # 5 ms a source
    assert snapshot_every(10, 2.0) == 2.0  # a shortened period (tests) stays
    snap = snapshot(started=1.0, running=True, last_pass=2.0, rules=3, rules_loaded_at=1.5,
                    rules_error=None, sources={}, now=1000.0, every=50.0)
    assert live(snap, 1000.0 + 3 * 50.0) and not live(snap, 1000.0 + 3 * 50.0 + 1)
    older = {k: v for k, v in snap.items() if k != "every"}  # saved by an older version
    assert live(older, 1045.0) and not live(older, 1046.0)


def test_a_source_that_reports_its_own_failure_is_unhealthy() -> None:
    polls = PollLog()
    polls.ok("feed", 20.0, 0)  # a feed catches its own errors: the poll itself "succeeds"
    own = {"type": "feed", "ok": False, "last_error": "HTTP 503", "failures": 3}
    merged = source_status(polls.of("feed"), own)
    assert merged["healthy"] is False and merged["problem"] == "HTTP 503"
    assert merged["failures"] == 3 and merged["last_poll"] == 20.0


def test_a_failed_poll_wins_over_a_quiet_source() -> None:
    polls = PollLog()
    polls.failed("inbox", 5.0, "source 'inbox': /srv/in does not exist")
    merged = source_status(polls.of("inbox"), {"type": "folder", "last_error": None})
    assert merged["healthy"] is False
    assert merged["problem"] == "source 'inbox': /srv/in does not exist"
    assert source_status(PollLog().of("x"), {"type": "folder"})["problem"] is None
