"""`monitor check`: validate config.yaml and the rules with the same code the daemon uses."""

from __future__ import annotations

import argparse
from typing import Any

from monitor.cli.common import Exit, add_command, config_or_none, error
from monitor.errors import RuleError


def register(sub: Any) -> None:
    p = add_command(
        sub, "check", _check,
        "validate config.yaml and every rule file (queries, references, examples); "
        "exit 0 when valid, 2 with file:line messages when not; warnings (e.g. a lower-case "
        "'and' between terms) are printed and leave the exit status 0",
    )
    p.add_argument("--strict", action="store_true",
                   help="exit 1 when there are warnings (for CI)")


def _check(args: argparse.Namespace) -> int:
    config = config_or_none(args)
    if config is None:
        return Exit.INVALID
    from monitor.pipeline import load_rule_set

    warnings: list[RuleError] = []
    try:
        rules = load_rule_set(config, warnings=warnings)
    except RuleError as exc:
        error(f"invalid rules:\n{exc}")
        return Exit.INVALID
    for warning in warnings:
        print(warning)
    print(
        f"ok: {config.path}: {len(config.sources)} sources, {len(config.notifiers)} notifiers; "
        f"{config.rules}: {len(rules.rules)} rules, their examples verified"
        + (f"; {len(warnings)} warning(s)" if warnings else "")
    )
    return Exit.ERROR if warnings and args.strict else Exit.OK
