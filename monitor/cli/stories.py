"""`monitor stories`: copies of one news story grouped, with their outlets."""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from monitor.cli.common import Exit, add_command, count, error, with_state
from monitor.cli.display import shorten, when
from monitor.cli.history import duration
from monitor.cli.matches import unknown_rule

if TYPE_CHECKING:
    from monitor.config import Config
    from monitor.store import Store
    from monitor.stories.base import StorySummary


def register(sub: Any) -> None:
    p = add_command(
        sub, "stories", with_state(_stories),
        "recent stories, most recently seen first: copies, outlets, first and last seen",
    )
    p.add_argument("--rule", metavar="ID", help="only stories this rule alerted on")
    p.add_argument("--since", type=duration, default=86400.0, metavar="AGE",
                   help="stories seen in this period, e.g. 2h, 7d (default: 24h)")
    p.add_argument("--limit", type=count, default=200, metavar="N",
                   help="show at most N stories (default: 200)")
    p.add_argument("--json", action="store_true", help="print JSON for scripts")


def story_json(story: StorySummary) -> dict[str, Any]:
    """What `stories --json` prints for one story."""
    data = asdict(story)
    for key in ("first_seen", "last_seen"):
        data[key] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(data[key]))
    data["outlets"] = list(story.outlets)
    data["rules"] = list(story.rules)
    return data


def render(story: StorySummary) -> str:
    outlets = ", ".join(story.outlets[:8]) + (" …" if len(story.outlets) > 8 else "")
    copies = f"{story.size} cop{'y' if story.size == 1 else 'ies'}"
    lines = [f"{when(story.last_seen)}  {story.id}  {copies}, {len(story.outlets)} outlet(s)"
             f"  {shorten(story.title, 90)}",
             f"    first seen {when(story.first_seen)}; outlets: {outlets}"]
    if story.rules:
        lines.append(f"    rules: {', '.join(story.rules)}")
    return "\n".join(lines)


def _stories(args: argparse.Namespace, config: Config, store: Store) -> int:
    found = store.stories_since(time.time() - args.since, rule=args.rule, limit=args.limit)
    if args.rule and not found and (problem := unknown_rule(args.rule, config, store)):
        error(problem)
        return Exit.INVALID
    if args.json:
        print(json.dumps([story_json(s) for s in found], indent=2, ensure_ascii=False))
        return Exit.OK
    for story in found:
        print(render(story))
    scope = f" rule {args.rule!r} alerted on" if args.rule else ""
    noun = "story" if len(found) == 1 else "stories"
    print(f"{len(found)} {noun}{scope} seen since {when(time.time() - args.since)}")
    return Exit.OK
