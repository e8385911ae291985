"""Retry-After, as the feed poller and the webhook notifier read it."""

from __future__ import annotations

from monitor.net import retry_after


def test_seconds_and_http_dates() -> None:
    assert retry_after("120") == 120
    assert retry_after(" 7 ") == 7
    assert retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == 10
    assert retry_after("Thu, 01 Jan 1970 00:01:40 GMT", now=40) == 60


def test_past_dates_mean_now_and_nonsense_means_unknown() -> None:
    assert retry_after("Thu, 01 Jan 1970 00:01:40 GMT", now=1e9) == 0
    assert retry_after("soon") is None
    assert retry_after("") is None and retry_after(None) is None
