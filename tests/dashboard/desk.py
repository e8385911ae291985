"""A project whose state holds real matches spread over past days, for the dashboard's tests.

The matches are made by the real pipeline from real documents (`make_alerts`) and stored
with `add_alert`, each with its creation time moved back by a known number of days, so the
charts' counts per day are known. Two documents are hostile: a headline that is a
`<script>` and a `javascript:` link.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from monitor.config import Config, load_config
from monitor.models import Document
from monitor.pipeline import load_rule_set, make_alerts
from monitor.store import open_store

ROOT = Path(__file__).resolve().parents[2]
DAY = 86400.0
HOSTILE_TITLE = "<script>document.title='pwned'</script> Oil <b>deal</b> with China"
HOSTILE_URL = "javascript:document.title='pwned'"

EXTRA_RULES = """\
rules:
  - id: oil-prices
    title: Oil prices
    query: 'oil OR нефть OR OPEC'
    examples:
      match: ["Oil prices rose again"]
"""

# (source, days ago, language, title, body, url): the matches per rule and day follow
ARTICLES: list[tuple[str, int, str, str, str, str | None]] = [
    ("wire", 0, "en", "Oil prices climb as OPEC holds output",
     "Brent crude rose on Tuesday as OPEC kept its output unchanged.", "https://wire.example/1"),
    ("wire", 0, "en", HOSTILE_TITLE, "The oil deal was signed in Beijing by China and a "
     "buyer <img src=x onerror=\"document.title='pwned'\">.", HOSTILE_URL),
    ("wire", 1, "en", "Oil tanker traffic resumes", "Oil shipments restarted after the storm.",
     "https://wire.example/2"),
    ("wire", 3, "en", "China and Pakistan expand defence cooperation",
     "China and Pakistan agreed to widen military cooperation and arms sales.",
     "https://news.example.org/3"),
    ("lenta", 3, "ru", "Цены на нефть выросли",
     "Нефть подорожала после решения ОПЕК сохранить добычу.", "https://lenta.example/4"),
    ("lenta", 5, "ru", "Азербайджан начинает диалог с Китаем в оборонной промышленности",
     "Стороны обсудили оборонное сотрудничество и поставки вооружений.",
     "https://lenta.example/5"),
    ("lenta", 9, "ru", "Нефть дешевеет третий день",
     "Цены на нефть снижаются на фоне роста запасов.", "https://lenta.example/6"),
]
# the matches the articles above make, per rule, by days ago
EXPECTED = {"oil-prices": {0: 2, 1: 1, 3: 1, 9: 1}, "defence-china": {3: 1, 5: 1}}


@dataclass(frozen=True)
class Desk:
    root: Path
    config: Config


def make_project(tmp_path: Path, bind: str = "127.0.0.1:0", extra_http: str = "",
                 state: str = "out/state.db") -> Desk:
    """A copy of the shipped project with an extra rule, a folder source per outlet, HTTP on
    `bind`, and the state (a SQLite file, or a PostgreSQL URL) holding ARTICLES' matches
    (created days ago as listed)."""
    shutil.copytree(ROOT / "rules", tmp_path / "rules")
    (tmp_path / "seeds").mkdir()  # empty: the running daemon adds nothing of its own
    (tmp_path / "rules" / "extra.yaml").write_text(EXTRA_RULES, encoding="utf-8")
    for outlet in ("wire", "lenta"):
        (tmp_path / outlet).mkdir()
    (tmp_path / "config.yaml").write_text(f"""\
languages: [en, ru]
state: {state}
rules: rules/
sources:
  - {{id: seeds, type: folder, path: seeds/, interval: 1s}}
  - {{id: wire, type: folder, path: wire/, interval: 60s}}
  - {{id: lenta, type: folder, path: lenta/, interval: 60s}}
notifiers:
  - {{name: atom, type: atom, path: out/feeds/}}
http: {{enabled: true, bind: "{bind}"{extra_http}}}
""", encoding="utf-8")
    config = load_config(tmp_path / "config.yaml")
    store_matches(config)
    return Desk(tmp_path, config)


def store_matches(config: Config) -> None:
    rules = load_rule_set(config)
    now = time.time()
    from datetime import UTC, datetime

    store = open_store(config)
    try:
        for n, (source, days, lang, title, body, url) in enumerate(ARTICLES):
            when = datetime.fromtimestamp(now - days * DAY, UTC)
            doc = Document(id=f"{source}:{n}.txt", source=source, title=title, body=body,
                           url=url, language=lang, fetched=when)
            for alert in make_alerts(rules, doc, config.languages):
                store.add_alert(alert.model_copy(update={"created": when}), [])
            store.put_document(doc)
    finally:
        store.close()


def expected_per_day(rule: str, days: int) -> list[int]:
    """The counts a chart of the last `days` days (oldest first) must show for `rule` (the
    project's days are UTC days, and N * 24 h ago is always N days back in UTC)."""
    counts = [0] * days
    for ago, n in EXPECTED[rule].items():
        if ago < days:
            counts[days - 1 - ago] += n
    return counts
