"""The dashboard's pages over a large state file, served by the real HTTP server.

A state with N matches spread over 30 days (20 rules, 10 outlets, Russian and English
headlines with snippets) is written once; then, in the same run:

* "overview", "matches_page", "matches_filtered", "rule_page", "rules", "sources":
  one GET of each page (HTML) from the daemon's HTTP server on 127.0.0.1;
* "api_overview": the JSON twin of the overview;
* "baseline_alerts_7d": what `monitor matches --since 7d` reads, every alert of the last
  7 days through `SQLiteStore.alerts_since` (the floor the pages are compared with).

    .venv/bin/python benchmarks/bench_dashboard.py [--matches 20000] [--repeat 5]

Prints one JSON object per configuration: median and best seconds over the repeats.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from monitor.config import Config, HttpConfig
from monitor.dashboard import add_dashboard
from monitor.matching import RuleSet, load_rules
from monitor.models import Alert, Document, Hit, Snippet
from monitor.store import SQLiteStore
from monitor.web import WebServer

RULES = 20
DAY = 86400.0


def write_rules(folder: Path) -> None:
    folder.mkdir()
    lines = ["rules:"]
    for r in range(RULES):
        lines += [f"  - id: rule-{r}", f"    query: 'word{r} OR слово{r}'"]
    (folder / "rules.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def fill(state: Path, matches: int, now: float) -> None:
    rng = random.Random(7)
    with SQLiteStore(state) as store:
        for n in range(matches):
            rule, outlet = f"rule-{n % RULES}", f"outlet{n % 10}"
            ru = n % 2 == 0
            title = (f"Минобороны сообщило о поставках номер {n}" if ru
                     else f"Defence ministry reports deliveries number {n}")
            created = datetime.fromtimestamp(now - rng.random() * 30 * DAY, UTC)
            doc = Document(id=f"{outlet}:{n}", source=outlet, title=title,
                           body=title + ". " + "Текст статьи. " * 40,
                           url=f"https://{outlet}.example/{n}", fetched=created)
            hit = Hit(term="поставка", field="title", text=title.split()[3], start=0, end=5)
            snippet = Snippet(field="title", segments=((title[:20], False), (title[20:30], True),
                                                       (title[30:], False)))
            alert = Alert(id=Alert.make_id(rule, doc.content_hash), rule=rule, rule_title=rule,
                          document=doc, language="ru" if ru else "en", score=1 + n % 5,
                          hits=(hit,), snippets=(snippet,), created=created)
            store.add_alert(alert, [])
            store.put_document(doc)


def timed(fn: Callable[[], object], repeat: int) -> dict[str, float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return {"median_s": round(statistics.median(times), 4), "best_s": round(min(times), 4)}


def get(address: tuple[str, int], path: str) -> int:
    conn = http.client.HTTPConnection(*address, timeout=120)
    conn.request("GET", path)
    resp = conn.getresponse()
    body = resp.read()
    assert resp.status == 200, (path, resp.status, body[:200])
    return len(body)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--matches", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root, now = Path(tmp), time.time()
        write_rules(root / "rules")
        config = Config(state=root / "state.db", rules=root / "rules", languages=["en", "ru"],
                        http=HttpConfig(enabled=True, bind="127.0.0.1:0"))
        fill(config.state, args.matches, now)
        rules: RuleSet = load_rules(config.rules, languages=config.languages)
        async with WebServer(config.http) as server:
            add_dashboard(server, config, lambda: rules)
            pages = {"overview": "/", "api_overview": "/api/overview", "matches_page": "/matches",
                     "matches_filtered": "/matches?rule=rule-3&language=ru&since=30d&min_score=3",
                     "rule_page": "/rules/rule-3", "rules": "/rules", "sources": "/sources"}
            for name, path in pages.items():
                size = await asyncio.to_thread(get, server.address, path)
                result = await asyncio.to_thread(
                    timed, lambda p=path: get(server.address, p), args.repeat)
                print(json.dumps({"config": name, "matches": args.matches, "bytes": size,
                                  **result}))
        with SQLiteStore(config.state, lock=False) as store:
            result = timed(lambda: store.alerts_since(now - 7 * DAY), args.repeat)
        print(json.dumps({"config": "baseline_alerts_7d", "matches": args.matches, **result}))


if __name__ == "__main__":
    asyncio.run(main())
