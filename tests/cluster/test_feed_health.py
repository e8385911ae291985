"""Feed-health alerts with several nodes: each node polls a feed only on its turns, so the
alert is judged on the feed's state as the last poll by any node left it."""

from __future__ import annotations

import time
from pathlib import Path

from monitor.config import Config, load_config
from monitor.service import Daemon
from tests.helpers import http_server

FEED = b"<rss version='2.0'><channel><title>Wire</title></channel></rss>"


def node_config(tmp_path: Path, url: str, feed: str, name: str) -> Config:
    path = tmp_path / f"{name}.yaml"
    path.write_text(
        f"languages: [en]\nstate: {url}\nrules: rules/\nnodes: {{name: {name}}}\n"
        f'sources:\n  - {{id: wire, type: feed, url: "{feed}", interval: 1h}}\n'
        "feeds: {alert_after: 1h}\n")
    return load_config(path)


async def test_a_feed_another_node_found_working_is_not_reported_failing(
    tmp_path: Path, postgres_url: str
) -> None:
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "r.yaml").write_text("rules:\n  - {id: r, query: zebra}\n")
    with http_server() as http:
        http.routes["/feed.xml"] = (500, {}, b"oops")
        feed = f"{http.base}/feed.xml"
        alpha_config = node_config(tmp_path, postgres_url, feed, "alpha")
        beta_config = node_config(tmp_path, postgres_url, feed, "beta")
        async with Daemon(alpha_config) as alpha, Daemon(beta_config) as beta:
            await alpha.poll_source("wire")  # alpha's turn: the feed fails
            http.routes["/feed.xml"] = (200, {}, FEED)
            await beta.poll_source("wire")  # beta's turn: it works again

            # alpha has not polled it since; an hour later it must not call it failing
            assert await alpha.check_health(now=time.time() + 3601) == []

            http.routes["/feed.xml"] = (500, {}, b"oops")
            await beta.poll_source("wire")  # beta's next turn fails
            assert await alpha.check_health(now=time.time() + 60) == []  # not long enough
            [event] = await alpha.check_health(now=time.time() + 3601)
            assert event.kind == "failing" and "HTTP 500" in event.alert.document.body
            assert await beta.check_health(now=time.time() + 7200) == []  # reported once
