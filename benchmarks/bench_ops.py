"""What observing the daemon costs: metrics per document, and `monitor status` on a big state.

Pass "metrics": `make_alerts` (analysis + matching of the shipped rules) over the same
documents with the Prometheus timers and without them (replaced by a no-op), alternating
rounds in one process; the baseline is the uninstrumented run.

Pass "status": state files with N and 10 x N alerts spread over 90 days (with their
documents and two deliveries each); times `collect_status` (what `monitor status`
computes) and the default `monitor matches` query (last 24 h) on each. The small state
is the baseline: `growth` is the large state's time over the small one's.

    .venv/bin/python benchmarks/bench_ops.py [--docs 300] [--rounds 5] [--alerts 2000]

Prints one JSON object per pass.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from monitor import metrics  # noqa: E402
from monitor.cli.ops import collect_status  # noqa: E402
from monitor.config import load_config  # noqa: E402
from monitor.models import Alert, Document, Hit  # noqa: E402
from monitor.pipeline import load_rule_set, make_alerts  # noqa: E402
from monitor.store import SQLiteStore  # noqa: E402

SENTENCES = [
    "Азербайджан начинает диалог с Китаем в оборонной промышленности.",
    "Президент встретился с участниками международного форума в Баку.",
    "The ministry announced new investment in regional energy projects.",
    "Beijing's arms sales to the region grew last year, officials said.",
    "Der Gipfel endete ohne gemeinsame Erklärung zur Handelspolitik.",
    "La délégation a discuté de coopération économique et culturelle.",
    "Компания представила новый спутник связи на выставке в Москве.",
]


def documents(n: int) -> list[Document]:
    rng = random.Random(7)
    out = []
    for i in range(n):
        body = " ".join(rng.choice(SENTENCES) for _ in range(rng.randint(8, 30)))
        out.append(
            Document(id=f"bench:{i}", source="bench", title=rng.choice(SENTENCES), body=body)
        )
    return out


@contextlib.contextmanager
def _no_timer(histogram: Any, **labels: str) -> Iterator[None]:
    yield


def _round(func: Callable[[], object]) -> float:
    start = time.perf_counter()
    func()
    return time.perf_counter() - start


def bench_metrics(n_docs: int, rounds: int) -> dict[str, Any]:
    config = load_config(ROOT / "config.yaml")
    rules = load_rule_set(config)
    docs = documents(n_docs)

    def work() -> None:
        for doc in docs:
            make_alerts(rules, doc, config.languages)

    work()  # warm caches (lemmatiser dictionaries, language models)
    timed = metrics.timed
    bare: list[float] = []
    instrumented: list[float] = []
    for _ in range(rounds):
        metrics.timed = _no_timer  # type: ignore[assignment]
        bare.append(_round(work))
        metrics.timed = timed
        instrumented.append(_round(work))
    b, i = statistics.median(bare), statistics.median(instrumented)
    return {
        "pass": "metrics",
        "documents": n_docs,
        "rounds": rounds,
        "bare_us_per_doc": round(b / n_docs * 1e6, 1),
        "instrumented_us_per_doc": round(i / n_docs * 1e6, 1),
        "overhead_pct": round((i / b - 1) * 100, 2),
    }


def populate(path: Path, n_alerts: int) -> None:
    rng = random.Random(11)
    now = time.time()
    rules = [f"rule-{k}" for k in range(20)]
    with SQLiteStore(path) as store:
        for i in range(n_alerts):
            doc = Document(
                id=f"s{i % 5}:{i}", source=f"s{i % 5}", title=f"headline {i}", body="text " * 50
            )
            store.put_document(doc)
            rule = rng.choice(rules)
            created = datetime.fromtimestamp(now - rng.uniform(0, 90 * 86400), UTC)
            hit = Hit(term="x", field="title", text="headline", start=0, end=8)
            alert = Alert(
                id=Alert.make_id(rule, doc.content_hash),
                rule=rule,
                rule_title=rule,
                document=doc,
                hits=(hit,),
                created=created,
            )
            store.add_alert(alert, [("mail", "immediate"), ("atom", "immediate")])


def _best(func: Callable[[], object], repeat: int = 5) -> float:
    return min(_round(func) for _ in range(repeat))


def _status_times(n_alerts: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "state.db"
        populate(path, n_alerts)
        config = load_config(ROOT / "config.yaml").model_copy(update={"state": path})
        with SQLiteStore(path, lock=False) as store:
            return {
                "status": _best(lambda: collect_status(config, store, time.time())),
                "matches": _best(lambda: store.alerts_since(time.time() - 86400)),
                "mb": store.size_bytes() / 1024**2,
            }


def bench_status(n_alerts: int) -> dict[str, Any]:
    small, large = _status_times(n_alerts), _status_times(10 * n_alerts)
    return {
        "pass": "status",
        "alerts": [n_alerts, 10 * n_alerts],
        "state_mb": [round(small["mb"], 1), round(large["mb"], 1)],
        "status_ms": [round(small["status"] * 1000, 2), round(large["status"] * 1000, 2)],
        "matches_24h_ms": [round(small["matches"] * 1000, 2), round(large["matches"] * 1000, 2)],
        "status_growth": round(large["status"] / small["status"], 2),
        "matches_growth": round(large["matches"] / small["matches"], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--alerts", type=int, default=2000)
    args = parser.parse_args()
    print(json.dumps(bench_metrics(args.docs, args.rounds)), flush=True)
    print(json.dumps(bench_status(args.alerts)), flush=True)


if __name__ == "__main__":
    main()
