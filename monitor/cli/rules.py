"""`monitor check`: validate config.yaml and the rules with the same code the daemon uses."""

from __future__ import annotations

import argparse
from typing import Any

from monitor.cli.common import Exit, add_command, config_or_none, error
from monitor.cli.display import counted
from monitor.errors import RuleError, RuleHint


def register(sub: Any) -> None:
    p = add_command(
        sub, "check", _check,
        "validate config.yaml and every rule file (queries, references, examples); "
        "exit 0 when valid, 2 with file:line messages when not; warnings (e.g. a lower-case "
        "'and' between terms) are printed and leave the exit status 0 unless --strict",
    )
    p.add_argument("--strict", action="store_true",
                   help="exit 1 when there are warnings (for CI); 2 when an environment "
                   "variable a notifier needs is unset")


def _check(args: argparse.Namespace) -> int:
    config = config_or_none(args)
    if config is None:
        return Exit.INVALID
    from monitor.pipeline import load_rule_set
    from monitor.secrets_env import unset_secrets

    problem, fatal = None, False
    if config.http.enabled:  # the dashboard (its templates, its tester) only then
        from monitor.dashboard.access import access_problem

        problem, fatal = access_problem(config.http)
    if problem and fatal:
        error(f"{config.path}: {problem}")
        return Exit.INVALID
    warnings: list[RuleError] = []
    try:
        rules = load_rule_set(config, warnings=warnings)
    except RuleError as exc:
        error(f"invalid rules:\n{exc}")
        return Exit.INVALID
    for warning in warnings:
        print(warning)
    warnings = [w for w in warnings if not isinstance(w, RuleHint)]
    unset = unset_secrets(config) + ([problem] if problem else [])
    for message in unset:
        error(f"warning: {message}")
    if unset and args.strict:  # deliveries would fail: invalid where it is checked
        return Exit.INVALID
    print(
        f"ok: {config.path}: {counted(len(config.sources), 'source')}, "
        f"{counted(len(config.notifiers), 'notifier')}; "
        f"{config.rules}: {counted(len(rules.rules), 'rule')}, their examples verified"
        + (f"; {counted(len(warnings) + len(unset), 'warning')}" if warnings or unset else "")
    )
    return Exit.ERROR if warnings and args.strict else Exit.OK
